//! Routes of clients: the client, its secret, roles, sessions and service account.

use latchkey_core::representation::{
    ClientRepresentation, CredentialRepresentation, GroupRepresentation, RoleRepresentation,
    UserRepresentation,
};

use super::{BRIEF_PAGE, CLIENT_SEARCH, PAGE, ROLE_SEARCH};
use crate::admin::fields::KnownFields;
use crate::admin::openapi::{Api, Endpoint, SessionCount, UserSessionRepresentation, op};
use crate::admin::{client_roles, clients, composites, groups, offline_sessions, sessions};

pub(super) fn add(api: Api) -> Api {
    use Endpoint as E;
    api.route(
        "/admin/realms/{realm}/clients",
        E::new()
            .get(
                clients::list_clients,
                op("Clients", "List clients")
                    .query(CLIENT_SEARCH)
                    .returns_list::<ClientRepresentation>(),
            )
            .post(
                clients::post_client,
                op("Clients", "Create a client (without a clientId, the new id is its clientId)")
                    .body::<ClientRepresentation>()
                    .closed(ClientRepresentation::REPRESENTATION)
                    .created(),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}",
        E::new()
            .get(
                clients::get_client,
                op("Clients", "Get a client").returns::<ClientRepresentation>(),
            )
            .put(
                clients::put_client,
                op("Clients", "Update a client")
                    .body::<ClientRepresentation>()
                    .closed(ClientRepresentation::REPRESENTATION)
                    .conflicts(),
            )
            .delete(clients::delete_client, op("Clients", "Delete a client")),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/client-secret",
        E::new()
            .get(
                clients::get_client_secret,
                op("Clients", "A confidential client's secret")
                    .returns::<CredentialRepresentation>(),
            )
            .post(
                clients::post_client_secret,
                op("Clients", "Generate a new secret").returns::<CredentialRepresentation>(),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/roles",
        E::new()
            .get(
                client_roles::list_client_roles,
                op("Client roles", "List a client's roles")
                    .query(ROLE_SEARCH)
                    .returns_list::<RoleRepresentation>(),
            )
            .post(
                client_roles::post_client_role,
                op("Client roles", "Create a client role")
                    .body_requiring::<RoleRepresentation>(&["name"])
                    .closed(RoleRepresentation::REPRESENTATION)
                    .created(),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/roles/{role}",
        E::new()
            .get(
                client_roles::get_client_role,
                op("Client roles", "Get a client role").returns::<RoleRepresentation>(),
            )
            .put(
                client_roles::put_client_role,
                op("Client roles", "Update a client role")
                    .body_requiring::<RoleRepresentation>(&["name"])
                    .closed(RoleRepresentation::REPRESENTATION)
                    .conflicts(),
            )
            .delete(client_roles::delete_client_role, op("Client roles", "Delete a client role")),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/roles/{role}/groups",
        E::new().get(
            groups::list_client_role_groups,
            op("Client roles", "Groups a client role is mapped to directly")
                .query(BRIEF_PAGE)
                .returns_list::<GroupRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/roles/{role}/users",
        E::new().get(
            client_roles::list_client_role_users,
            op("Client roles", "Users granted a client role directly")
                .query(PAGE)
                .returns_list::<UserRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/roles/{role}/composites",
        E::new()
            .get(
                composites::list_client_role_composites,
                op("Client roles", "A client role's composites")
                    .returns_list::<RoleRepresentation>(),
            )
            .post(
                composites::post_client_role_composites,
                op("Client roles", "Add composites to a client role (by id)")
                    .body_list::<RoleRepresentation>(),
            )
            .delete(
                composites::delete_client_role_composites,
                op("Client roles", "Remove composites from a client role (by id)")
                    .body_list::<RoleRepresentation>(),
            ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/user-sessions",
        E::new().get(
            sessions::list_client_sessions,
            op("Sessions", "Sessions of one client")
                .query(PAGE)
                .returns_list::<UserSessionRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/offline-sessions",
        E::new().get(
            offline_sessions::list_client_offline_sessions,
            op("Sessions", "Offline sessions of one client")
                .query(PAGE)
                .returns_list::<UserSessionRepresentation>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/session-count",
        E::new().get(
            offline_sessions::get_session_count,
            op("Sessions", "How many online sessions a client has").returns::<SessionCount>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/offline-session-count",
        E::new().get(
            offline_sessions::get_offline_session_count,
            op("Sessions", "How many offline sessions a client has").returns::<SessionCount>(),
        ),
    )
    .route(
        "/admin/realms/{realm}/clients/{id}/service-account-user",
        E::new().get(
            clients::get_service_account_user,
            op("Clients", "The user behind a client's service account")
                .returns::<UserRepresentation>()
                .refuses(&[("400", "The client has no service account")]),
        ),
    )
}
