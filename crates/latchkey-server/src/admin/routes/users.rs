//! Routes of users: the user, credentials, sessions, groups and role mappings.

use latchkey_core::representation::{
    CredentialRepresentation, GroupRepresentation, RoleRepresentation, UserRepresentation,
};

use super::{BRIEF, USER_COUNT, USER_SEARCH};
use crate::admin::fields::KnownFields;
use crate::admin::openapi::{
    Api, Endpoint, GroupCount, MappingsRepresentation, UserSessionRepresentation, op,
};
use crate::admin::{groups, offline_sessions, role_mappings, sessions, users};

pub(super) fn add(api: Api) -> Api {
    use Endpoint as E;
    api.route(
        "/admin/realms/{realm}/users",
        E::new()
            .get(
                users::list_users,
                op("Users", "Search users").query(USER_SEARCH).returns_list::<UserRepresentation>(),
            )
            .post(
                users::post_user,
                op("Users", "Create a user")
                    .body_requiring::<UserRepresentation>(&["username"])
                    .closed(UserRepresentation::REPRESENTATION)
                    .created(),
            ),
    )
    .route(
        "/admin/realms/{realm}/users/count",
        E::new()
            .get(users::count_users, op("Users", "Count users").query(USER_COUNT).returns::<u64>()),
    )
    .route(
        "/admin/realms/{realm}/users/{id}",
        E::new()
            .get(users::get_user, op("Users", "Get a user").returns::<UserRepresentation>())
            .put(
                users::put_user,
                op("Users", "Update a user")
                    .body_requiring::<UserRepresentation>(&["username~?"])
                    .closed(UserRepresentation::REPRESENTATION)
                    .conflicts(),
            )
            .delete(users::delete_user, op("Users", "Delete a user")),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/reset-password",
        E::new().put(
            users::put_reset_password,
            op("Users", "Set a user's password")
                .body_requiring::<CredentialRepresentation>(&["value"])
                .closed(CredentialRepresentation::REPRESENTATION),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/sessions",
        E::new().get(
            sessions::list_user_sessions,
            op("Users", "A user's sessions").returns_list::<UserSessionRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/offline-sessions/{client}",
        E::new().get(
            offline_sessions::list_user_offline_sessions,
            op("Users", "A user's offline sessions of one client")
                .returns_list::<UserSessionRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/logout",
        E::new().post(sessions::post_user_logout, op("Users", "End every session of a user")),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/credentials",
        E::new().get(
            users::list_credentials,
            op("Users", "A user's credentials, without secrets")
                .returns_list::<CredentialRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/credentials/{credential}",
        E::new()
            .delete(users::delete_credential, op("Users", "Delete one of a user's credentials")),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/credentials/{credential}/userLabel",
        E::new().put(
            users::put_credential_label,
            op("Users", "Name a credential (the body is the label, as text/plain)").text_body(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/credentials/{credential}/moveToFirst",
        E::new().post(
            users::post_credential_first,
            op("Users", "Put a credential first in the user's list"),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/credentials/{credential}/moveAfter/{after}",
        E::new().post(
            users::post_credential_after,
            op("Users", "Put a credential right after another of the user's"),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/configured-user-storage-credential-types",
        E::new().get(
            users::list_storage_credential_types,
            op("Users", "Credential types of the user's federation link (none)")
                .returns_list::<String>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/groups",
        E::new().get(
            groups::list_user_groups,
            op("Users", "The groups a user is a member of")
                .query(&[
                    ("search", "string"),
                    ("first", "integer"),
                    ("max", "integer"),
                    ("briefRepresentation", "boolean"),
                ])
                .returns_list::<GroupRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/groups/count",
        E::new().get(
            groups::count_user_groups,
            op("Users", "How many groups a user is a member of")
                .query(&[("search", "string")])
                .returns::<GroupCount>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/groups/{group}",
        E::new()
            .put(groups::put_user_group, op("Users", "Make a user a member of a group"))
            .delete(groups::delete_user_group, op("Users", "Take a user out of a group")),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/role-mappings",
        E::new().get(
            role_mappings::get_role_mappings,
            op("Role mappings", "A user's realm and client role mappings")
                .returns::<MappingsRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/role-mappings/realm",
        E::new()
            .get(
                role_mappings::list_realm_mappings,
                op("Role mappings", "A user's realm roles").returns_list::<RoleRepresentation>(),
            )
            .post(
                role_mappings::post_realm_mappings,
                op("Role mappings", "Grant realm roles").body_list::<RoleRepresentation>(),
            )
            .delete(
                role_mappings::delete_realm_mappings,
                op("Role mappings", "Take realm roles away")
                    .body_list::<RoleRepresentation>()
                    .body_optional(),
            ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/role-mappings/realm/available",
        E::new().get(
            role_mappings::list_available_realm_roles,
            op("Role mappings", "Realm roles the user could be granted")
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/role-mappings/realm/composite",
        E::new().get(
            role_mappings::list_composite_realm_roles,
            op("Role mappings", "A user's effective realm roles, through groups and composites")
                .query(BRIEF)
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}",
        E::new()
            .get(
                role_mappings::list_client_mappings,
                op("Role mappings", "A user's roles of one client")
                    .returns_list::<RoleRepresentation>(),
            )
            .post(
                role_mappings::post_client_mappings,
                op("Role mappings", "Grant client roles").body_list::<RoleRepresentation>(),
            )
            .delete(
                role_mappings::delete_client_mappings,
                op("Role mappings", "Take client roles away")
                    .body_list::<RoleRepresentation>()
                    .body_optional(),
            ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}/available",
        E::new().get(
            role_mappings::list_available_client_roles,
            op("Role mappings", "Client roles the user could be granted")
                .returns_list::<RoleRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}/composite",
        E::new().get(
            role_mappings::list_composite_client_roles,
            op("Role mappings", "A user's effective roles of one client")
                .query(BRIEF)
                .returns_list::<RoleRepresentation>(),
        ),
    )
}
