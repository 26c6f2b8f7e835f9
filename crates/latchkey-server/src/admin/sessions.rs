//! User sessions through the Admin API: a user's and a client's sessions listed
//! (`UserResource.getSessions`, `ClientResource.getUserSessions`), one session ended
//! (`RealmAdminResource.deleteSession`), a user's or the whole realm's ended
//! (`UserResource.logout`, `RealmAdminResource.logoutAll`; `manage::sessions`). Only
//! online sessions are listed and ended by the realm-wide calls, as Keycloak does;
//! offline sessions have their own endpoints (`offline_sessions.rs`).

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::session::Session;
use latchkey_core::store::Store;
use latchkey_core::time::UnixMillis;
use latchkey_core::user::User;
use serde_json::{Map, Value, json};

use super::auth::{AdminRealm, ManageUsers, ViewClients, ViewUsers};
use super::offline_sessions::representations;
use super::request::{DEFAULT_MAX_RESULTS, Query, no_content};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::manage::{clients, sessions, users};

/// `ModelToRepresentation.toRepresentation(UserSessionModel)`: times in milliseconds,
/// `clients` maps the internal id of each client of the session to its `clientId`.
/// Direct grants never remember the user, and latchkey has no transient users.
pub(crate) fn session_representation(
    realm: &RealmSnapshot,
    session: &Session,
    user: &User,
) -> Value {
    let mut clients = Map::new();
    if let Some(client) = realm.clients.values().find(|c| c.id == session.client_uuid) {
        clients.insert(client.id.clone(), Value::String(client.client_id.clone()));
    }
    json!({
        "id": session.id,
        "username": user.username,
        "userId": user.id,
        "ipAddress": session.ip_address,
        "start": UnixMillis::from_secs(session.started).0,
        "lastAccess": UnixMillis::from_secs(session.last_refresh).0,
        "rememberMe": false,
        "clients": clients,
        "transientUser": false,
    })
}

/// The user's online sessions, oldest first.
pub(crate) async fn list_user_sessions(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = users::find(&state, &realm, &id).await?;
    let sessions = state.store.list_user_sessions(&realm.realm.id, &user.id).await?;
    let reps: Vec<Value> =
        sessions.iter().map(|session| session_representation(&realm, session, &user)).collect();
    Ok(Json(reps).into_response())
}

/// `UserResource.logout`: 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_user_logout(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    sessions::logout_user(&state, &realm, &id).await?;
    Ok(no_content())
}

/// The client's online sessions, oldest first, then `first`/`max` (default 100).
pub(crate) async fn list_client_sessions(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let page = query.page(DEFAULT_MAX_RESULTS)?;
    let client = clients::find(&realm, &id)?;
    let sessions = state.store.list_client_sessions(&realm.realm.id, &client.id).await?;
    let reps = representations(&state, &realm, page.apply(sessions)).await?;
    Ok(Json(reps).into_response())
}

/// `RealmAdminResource.deleteSession`: 204, or 404 `Sesssion not found` (Keycloak's
/// spelling) for an id that is no online session of the realm.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_session(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    sessions::end(&state, &realm, &id).await?;
    Ok(no_content())
}

/// `RealmAdminResource.logoutAll` answers the `GlobalRequestResult` of pushing the logout
/// to the clients' admin URLs. latchkey has no admin URLs, so both lists stay null, which
/// Keycloak's JSON leaves out: `{}`.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_logout_all(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
) -> Result<Response, ApiError> {
    sessions::logout_all(&state, &realm).await?;
    Ok(Json(json!({})).into_response())
}
