//! Routes of scope mappings: the realm and client roles in the scope of a client or a
//! client scope, with what is available and what is in scope through composites.

use latchkey_core::representation::RoleRepresentation;

use super::BRIEF;
use crate::admin::openapi::{Api, Endpoint, MappingsRepresentation, op};
use crate::admin::scope_mappings as sm;

const TAG: &str = "Scope mappings";

pub(super) fn add(api: Api) -> Api {
    use Endpoint as E;
    api
    .route(
        "/admin/realms/{realm}/clients/{id}/scope-mappings",
        E::new().get(
            sm::get_client_scope_mappings,
            op(TAG, "The roles in the scope of a client, realm and client roles")
                .returns::<MappingsRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/scope-mappings/realm",
        E::new()
            .get(
                sm::list_client_realm_scope,
                op(TAG, "Realm roles in the scope of a client").returns_list::<RoleRepresentation>(),
            )
            .post(
                sm::post_client_realm_scope,
                op(TAG, "Add realm roles (by id and name) to the scope of a client")
                    .body_list::<RoleRepresentation>(),
            )
            .delete(
                sm::delete_client_realm_scope,
                op(TAG, "Take realm roles out of the scope of a client (all without a body)")
                    .body_list::<RoleRepresentation>()
                    .body_optional(),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/scope-mappings/realm/available",
        E::new().get(
            sm::list_client_realm_scope_available,
            op(TAG, "Realm roles not in the scope of a client directly")
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/scope-mappings/realm/composite",
        E::new().get(
            sm::list_client_realm_scope_composite,
            op(TAG, "Realm roles in the scope of a client, composites expanded")
                .query(BRIEF)
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/scope-mappings/clients/{client}",
        E::new()
            .get(
                sm::list_client_client_scope,
                op(TAG, "One client's roles in the scope of a client")
                    .returns_list::<RoleRepresentation>(),
            )
            .post(
                sm::post_client_client_scope,
                op(TAG, "Add one client's roles (by id and name) to the scope of a client")
                    .body_list::<RoleRepresentation>(),
            )
            .delete(
                sm::delete_client_client_scope,
                op(TAG, "Take one client's roles out of the scope of a client (all without a body)")
                    .body_list::<RoleRepresentation>()
                    .body_optional(),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/scope-mappings/clients/{client}/available",
        E::new().get(
            sm::list_client_client_scope_available,
            op(TAG, "One client's roles not in the scope of a client directly")
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/scope-mappings/clients/{client}/composite",
        E::new().get(
            sm::list_client_client_scope_composite,
            op(TAG, "One client's roles in the scope of a client, composites expanded")
                .query(BRIEF)
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/scope-mappings",
        E::new().get(
            sm::get_scope_scope_mappings,
            op(TAG, "The roles in the scope of a client scope, realm and client roles")
                .returns::<MappingsRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/scope-mappings/realm",
        E::new()
            .get(
                sm::list_scope_realm_scope,
                op(TAG, "Realm roles in the scope of a client scope").returns_list::<RoleRepresentation>(),
            )
            .post(
                sm::post_scope_realm_scope,
                op(TAG, "Add realm roles (by id and name) to the scope of a client scope")
                    .body_list::<RoleRepresentation>(),
            )
            .delete(
                sm::delete_scope_realm_scope,
                op(TAG, "Take realm roles out of the scope of a client scope (all without a body)")
                    .body_list::<RoleRepresentation>()
                    .body_optional(),
            ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/scope-mappings/realm/available",
        E::new().get(
            sm::list_scope_realm_scope_available,
            op(TAG, "Realm roles not in the scope of a client scope directly")
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/scope-mappings/realm/composite",
        E::new().get(
            sm::list_scope_realm_scope_composite,
            op(TAG, "Realm roles in the scope of a client scope, composites expanded")
                .query(BRIEF)
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/scope-mappings/clients/{client}",
        E::new()
            .get(
                sm::list_scope_client_scope,
                op(TAG, "One client's roles in the scope of a client scope")
                    .returns_list::<RoleRepresentation>(),
            )
            .post(
                sm::post_scope_client_scope,
                op(TAG, "Add one client's roles (by id and name) to the scope of a client scope")
                    .body_list::<RoleRepresentation>(),
            )
            .delete(
                sm::delete_scope_client_scope,
                op(TAG, "Take one client's roles out of the scope of a client scope (all without a body)")
                    .body_list::<RoleRepresentation>()
                    .body_optional(),
            ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/scope-mappings/clients/{client}/available",
        E::new().get(
            sm::list_scope_client_scope_available,
            op(TAG, "One client's roles not in the scope of a client scope directly")
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/client-scopes/{id}/scope-mappings/clients/{client}/composite",
        E::new().get(
            sm::list_scope_client_scope_composite,
            op(TAG, "One client's roles in the scope of a client scope, composites expanded")
                .query(BRIEF)
                .returns_list::<RoleRepresentation>(),
        ),
    )
}
