//! Keycloak's Admin REST API under `{base}/admin/realms` (`spec/keycloak-protocol.md` §5,
//! `services/.../resources/admin/`): realms, users, role mappings, realm roles and
//! clients, one file per resource. Every handler authenticates the caller
//! (`auth.rs`), finds the realm, checks the caller may administer it, then reads or
//! writes through the `Store`; a change to a realm, its clients or its roles drops the
//! realm's cached snapshot before the answer, so the next request sees it.

mod auth;
mod realms;
mod request;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// Every Admin API route, relative to `{base}`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/realms", get(realms::list_realms).post(realms::post_realm)).route(
        "/admin/realms/{realm}",
        get(realms::get_realm).put(realms::put_realm).delete(realms::delete_realm),
    )
}
