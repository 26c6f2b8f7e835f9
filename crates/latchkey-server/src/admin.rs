//! Keycloak's Admin REST API under `{base}/admin/realms` (`spec/keycloak-protocol.md` §5,
//! `services/.../resources/admin/`): realms, users, role mappings, realm and client
//! roles, clients, client scopes, protocol mappers and scope mappings, sessions and brute-force records, one file per resource. Every handler
//! takes an `AdminRealm<P>` (`auth.rs`) first: the caller authenticated, the realm found,
//! permission `P` checked, before the handler runs; the route table (`routes.rs`, one
//! file per resource under `routes/`) reads `P` from the handler's type for the OpenAPI
//! document. Handlers parse, call `crate::manage` (the
//! changes, shared with the console) and write Keycloak's representations.

mod admin_events;
pub(crate) mod attack_detection;
pub(crate) mod auth;
pub(crate) mod client_roles;
mod client_scopes;
pub(crate) mod clients;
mod composites;
pub(crate) mod events;
mod fields;
mod groups;
mod java;
mod java_types;
mod keys;
mod offline_sessions;
mod openapi;
mod protocol_mappers;
pub(crate) mod realms;
pub(crate) mod request;
pub(crate) mod role_mappings;
pub(crate) mod roles;
mod routes;
mod scope_mappings;
pub(crate) mod sessions;
pub(crate) mod users;

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use crate::extract::Caller;
use crate::state::AppState;

/// Every Admin API route, relative to `{base}`, each with its OpenAPI description, and
/// `GET {base}/admin/openapi.json` serving the document they make.
pub fn routes(state: &AppState) -> Router<AppState> {
    let (router, document) = routes::api().finish();
    // Admin events: one layer over every route of the table (`admin_events.rs`).
    let router = router
        .route_layer(axum::middleware::from_fn_with_state(state.clone(), admin_events::record));
    let document = Arc::new(document);
    router.route(
        "/admin/openapi.json",
        get(move |State(_): State<AppState>, caller: Caller| {
            let document = Arc::clone(&document);
            async move { openapi_json(&document, &caller) }
        }),
    )
}

/// The document with `servers` naming this server's base URL as the caller reached it.
fn openapi_json(document: &Value, caller: &Caller) -> Response {
    let mut document = document.clone();
    if let Value::Object(fields) = &mut document {
        fields.insert("servers".into(), serde_json::json!([{"url": caller.base_url}]));
    }
    Json(document).into_response()
}
