//! Routes of realm roles and roles by id, with their composites and holders.

use latchkey_core::representation::{GroupRepresentation, RoleRepresentation, UserRepresentation};

use super::{BRIEF_PAGE, PAGE, ROLE_SEARCH, SEARCH_PAGE};
use crate::admin::fields::KnownFields;
use crate::admin::openapi::{Api, Endpoint, op};
use crate::admin::{composites, groups, roles};

pub(super) fn add(api: Api) -> Api {
    use Endpoint as E;
    api.route(
        "/admin/realms/{realm}/roles-by-id/{role}",
        E::new()
            .get(
                composites::get_role_by_id,
                op("Roles (by id)", "Get a realm or client role by id")
                    .returns::<RoleRepresentation>(),
            )
            .put(
                composites::put_role_by_id,
                op("Roles (by id)", "Update a role by id")
                    .body::<RoleRepresentation>()
                    .closed(RoleRepresentation::REPRESENTATION)
                    .conflicts(),
            )
            .delete(composites::delete_role_by_id, op("Roles (by id)", "Delete a role by id")),
    )
    .route(
        "/admin/realms/{realm}/roles-by-id/{role}/composites",
        E::new()
            .get(
                composites::list_by_id_composites,
                op("Roles (by id)", "A role's composites")
                    .query(SEARCH_PAGE)
                    .returns_list::<RoleRepresentation>(),
            )
            .post(
                composites::post_by_id_composites,
                op("Roles (by id)", "Add composites to a role (by id)")
                    .body_list::<RoleRepresentation>(),
            )
            .delete(
                composites::delete_by_id_composites,
                op("Roles (by id)", "Remove composites from a role (by id)")
                    .body_list::<RoleRepresentation>(),
            ),
    )
    .route(
        "/admin/realms/{realm}/roles-by-id/{role}/composites/realm",
        E::new().get(
            composites::list_by_id_realm_composites,
            op("Roles (by id)", "A role's realm-role composites")
                .query(SEARCH_PAGE)
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/roles-by-id/{role}/composites/clients/{client}",
        E::new().get(
            composites::list_by_id_client_composites,
            op("Roles (by id)", "A role's composites among one client's roles")
                .query(SEARCH_PAGE)
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/roles",
        E::new()
            .get(
                roles::list_roles,
                op("Roles", "List realm roles")
                    .query(ROLE_SEARCH)
                    .returns_list::<RoleRepresentation>(),
            )
            .post(
                roles::post_role,
                op("Roles", "Create a realm role")
                    .body_requiring::<RoleRepresentation>(&["name"])
                    .closed(RoleRepresentation::REPRESENTATION)
                    .created(),
            ),
    )
    .route(
        "/admin/realms/{realm}/roles/{role}",
        E::new()
            .get(roles::get_role, op("Roles", "Get a realm role").returns::<RoleRepresentation>())
            .put(
                roles::put_role,
                op("Roles", "Update a realm role")
                    .body_requiring::<RoleRepresentation>(&["name"])
                    .closed(RoleRepresentation::REPRESENTATION)
                    .conflicts(),
            )
            .delete(roles::delete_role, op("Roles", "Delete a realm role")),
    )
    .route(
        "/admin/realms/{realm}/roles/{role}/composites",
        E::new()
            .get(
                composites::list_realm_role_composites,
                op("Roles", "A realm role's composites")
                    .query(SEARCH_PAGE)
                    .returns_list::<RoleRepresentation>(),
            )
            .post(
                composites::post_realm_role_composites,
                op("Roles", "Add composites to a realm role (by id)")
                    .body_list::<RoleRepresentation>(),
            )
            .delete(
                composites::delete_realm_role_composites,
                op("Roles", "Remove composites from a realm role (by id)")
                    .body_list::<RoleRepresentation>(),
            ),
    )
    .route(
        "/admin/realms/{realm}/roles/{role}/composites/realm",
        E::new().get(
            composites::list_realm_role_realm_composites,
            op("Roles", "A realm role's realm-role composites")
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/roles/{role}/composites/clients/{client}",
        E::new().get(
            composites::list_realm_role_client_composites,
            op("Roles", "A realm role's composites among one client's roles")
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/roles/{role}/groups",
        E::new().get(
            groups::list_role_groups,
            op("Roles", "Groups a realm role is mapped to directly")
                .query(BRIEF_PAGE)
                .returns_list::<GroupRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/roles/{role}/users",
        E::new().get(
            roles::list_role_users,
            op("Roles", "Users granted a realm role directly")
                .query(PAGE)
                .returns_list::<UserRepresentation>(),
        ),
    )
}
