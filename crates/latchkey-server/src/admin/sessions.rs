//! User sessions through the Admin API: a user's and a client's sessions listed
//! (`UserResource.getSessions`, `ClientResource.getUserSessions`), one session ended
//! (`RealmAdminResource.deleteSession`), a user's or the whole realm's ended
//! (`UserResource.logout`, `RealmAdminResource.logoutAll`). Only online sessions are
//! listed and ended by the realm-wide calls, as Keycloak does; offline sessions have
//! their own endpoints (not served yet).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::revocation::Revocation;
use latchkey_core::session::Session;
use latchkey_core::store::Store;
use latchkey_core::time::UnixMillis;
use latchkey_core::user::User;
use serde_json::{Map, Value, json};

use super::auth::open_realm;
use super::clients::find_client;
use super::offline_sessions::representations;
use super::request::{DEFAULT_MAX_RESULTS, Query, no_content};
use super::users::find_user;
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::revocations::{access_horizon, revoke, session_ended, user_cut_off};
use crate::state::AppState;

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
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let realm_id = &realm.realm.id;
    let user = find_user(&state, &realm, &id).await?;
    let sessions = state.store.list_user_sessions(realm_id, &user.id).await?;
    let reps: Vec<Value> =
        sessions.iter().map(|session| session_representation(&realm, session, &user)).collect();
    Ok(Json(reps).into_response())
}

/// `UserResource.logout`: sets the user's not-before to now, so no token issued before
/// it refreshes (offline ones included), and ends the user's sessions. Keycloak keeps the
/// offline sessions (useless after the not-before); latchkey deletes them with the rest.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_user_logout(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    logout_user(&state, &realm, &id).await?;
    Ok(no_content())
}

/// Signs the user out everywhere: not-before set to now, sessions deleted, and the
/// gateways told (every session's id, and the user's cut-off).
pub(crate) async fn logout_user(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ApiError> {
    let mut user = find_user(state, realm, id).await?;
    let now = state.clock.now().secs();
    user.profile.not_before = now;
    state.store.update_user(&user).await?;
    let sessions = state.store.list_user_sessions(&realm.realm.id, &user.id).await?;
    state.store.delete_user_sessions(&user.id).await?;
    // The not-before cut-off misses tokens issued earlier in this second; their
    // sessions' ids catch them.
    for session in &sessions {
        revoke(state, realm, session_ended(realm, &session.id, now), now).await?;
    }
    revoke(state, realm, user_cut_off(realm, &user.id, now, now), now).await?;
    tracing::info!(user_id = %user.id, "user logged out by an admin");
    Ok(())
}

/// The client's online sessions, oldest first, then `first`/`max` (default 100).
pub(crate) async fn list_client_sessions(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let page = query.page(DEFAULT_MAX_RESULTS)?;
    let client = find_client(&realm, &id)?;
    let sessions = state.store.list_client_sessions(&realm.realm.id, &client.id).await?;
    let reps = representations(&state, &realm, page.apply(sessions)).await?;
    Ok(Json(reps).into_response())
}

/// `RealmAdminResource.deleteSession`: 204, or 404 `Sesssion not found` (Keycloak's
/// spelling) for an id that is no online session of the realm.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_session(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    end_session(&state, &realm, &id).await?;
    Ok(no_content())
}

/// Ends one online session of the realm; 404 `Sesssion not found` otherwise.
pub(crate) async fn end_session(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ApiError> {
    let session = state
        .store
        .find_session(id)
        .await?
        .filter(|session| session.realm_id == realm.realm.id && !session.offline)
        .ok_or_else(|| ApiError::plain(StatusCode::NOT_FOUND, "Sesssion not found"))?;
    state.store.delete_session(&session.id).await?;
    let now = state.clock.now().secs();
    revoke(state, realm, session_ended(realm, &session.id, now), now).await?;
    tracing::info!(user_id = %session.user_id, "session ended by an admin");
    Ok(())
}

/// `RealmAdminResource.logoutAll`: ends the realm's online sessions, sets the realm's
/// not-before to now (`ResourceAdminManager.logoutAll`, so offline tokens stop
/// refreshing too) and answers the `GlobalRequestResult` of pushing the logout to the
/// clients' admin URLs. latchkey has no admin URLs, so both lists stay null, which
/// Keycloak's JSON leaves out: `{}`.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_logout_all(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let snapshot = open_realm(&state, &caller, &realm_name).await?;
    logout_all(&state, &snapshot).await?;
    Ok(Json(json!({})).into_response())
}

/// Ends every online session of the realm and sets its not-before to now; returns how
/// many sessions ended.
pub(crate) async fn logout_all(
    state: &AppState,
    snapshot: &RealmSnapshot,
) -> Result<u64, ApiError> {
    let mut realm = snapshot.realm.clone();
    realm.settings.not_before = state.clock.now().secs();
    state.store.update_realm(&realm).await?;
    state.realms.invalidate(&realm.name);
    let ended = state.store.delete_realm_sessions(&realm.id).await?;
    // Every token issued so far, this second included: the realm's not-before (whole
    // seconds) would let this second's tokens through the gateways.
    let now = realm.settings.not_before;
    let revocation = Revocation::Realm {
        issued_before: now.saturating_add(1),
        expires: access_horizon(snapshot, now),
    };
    revoke(state, snapshot, revocation, now).await?;
    tracing::info!(sessions = ended, "realm logged out by an admin");
    Ok(ended)
}
