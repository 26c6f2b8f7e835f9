//! Keycloak's Admin REST API under `{base}/admin/realms` (`spec/keycloak-protocol.md` §5,
//! `services/.../resources/admin/`): realms, users, role mappings, realm and client
//! roles, clients, sessions and brute-force records, one file per resource. Every handler authenticates the caller
//! (`auth.rs`), finds the realm, checks the caller may administer it, then reads or
//! writes through the `Store`; a change to a realm, its clients or its roles drops the
//! realm's cached snapshot before the answer, so the next request sees it.

pub(crate) mod attack_detection;
pub(crate) mod auth;
pub(crate) mod client_roles;
pub(crate) mod clients;
pub(crate) mod realms;
pub(crate) mod request;
pub(crate) mod role_mappings;
pub(crate) mod roles;
pub(crate) mod sessions;
pub(crate) mod users;

use axum::Router;
use axum::routing::{MethodRouter, delete, get, post};

use crate::state::AppState;

/// Every Admin API route, relative to `{base}`. Each answers with and without a trailing
/// slash, as Keycloak's JAX-RS resources do: `@keycloak/keycloak-admin-client` lists and
/// creates at `…/realms/`, `…/users/`, `…/clients/` and `…/roles/`.
pub fn routes() -> Router<AppState> {
    Routes(Router::new())
        .route("/admin/realms", get(realms::list_realms).post(realms::post_realm))
        .route(
            "/admin/realms/{realm}",
            get(realms::get_realm).put(realms::put_realm).delete(realms::delete_realm),
        )
        .route("/admin/realms/{realm}/users", get(users::list_users).post(users::post_user))
        .route("/admin/realms/{realm}/users/count", get(users::count_users))
        .route(
            "/admin/realms/{realm}/users/{id}",
            get(users::get_user).put(users::put_user).delete(users::delete_user),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/reset-password",
            axum::routing::put(users::put_reset_password),
        )
        .route("/admin/realms/{realm}/users/{id}/sessions", get(sessions::list_user_sessions))
        .route("/admin/realms/{realm}/users/{id}/logout", post(sessions::post_user_logout))
        .route("/admin/realms/{realm}/users/{id}/credentials", get(users::list_credentials))
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings",
            get(role_mappings::get_role_mappings),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/realm",
            get(role_mappings::list_realm_mappings)
                .post(role_mappings::post_realm_mappings)
                .delete(role_mappings::delete_realm_mappings),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/realm/available",
            get(role_mappings::list_available_realm_roles),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/realm/composite",
            get(role_mappings::list_composite_realm_roles),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}",
            get(role_mappings::list_client_mappings)
                .post(role_mappings::post_client_mappings)
                .delete(role_mappings::delete_client_mappings),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}/available",
            get(role_mappings::list_available_client_roles),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}/composite",
            get(role_mappings::list_composite_client_roles),
        )
        .route("/admin/realms/{realm}/roles", get(roles::list_roles).post(roles::post_role))
        .route(
            "/admin/realms/{realm}/roles/{role}",
            get(roles::get_role).put(roles::put_role).delete(roles::delete_role),
        )
        .route("/admin/realms/{realm}/roles/{role}/users", get(roles::list_role_users))
        .route(
            "/admin/realms/{realm}/clients",
            get(clients::list_clients).post(clients::post_client),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}",
            get(clients::get_client).put(clients::put_client).delete(clients::delete_client),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/client-secret",
            get(clients::get_client_secret).post(clients::post_client_secret),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles",
            get(client_roles::list_client_roles).post(client_roles::post_client_role),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles/{role}",
            get(client_roles::get_client_role).delete(client_roles::delete_client_role),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/user-sessions",
            get(sessions::list_client_sessions),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/service-account-user",
            get(clients::get_service_account_user),
        )
        .route("/admin/realms/{realm}/sessions/{session}", delete(sessions::delete_session))
        .route("/admin/realms/{realm}/logout-all", post(sessions::post_logout_all))
        .route(
            "/admin/realms/{realm}/attack-detection/brute-force/users/{user}",
            get(attack_detection::get_user_status).delete(attack_detection::delete_user_status),
        )
        .0
}

/// A router that adds each route twice: as written and with a trailing slash.
struct Routes(Router<AppState>);

impl Routes {
    fn route(self, path: &str, handler: MethodRouter<AppState>) -> Self {
        Routes(self.0.route(path, handler.clone()).route(&format!("{path}/"), handler))
    }
}
