//! Offline sessions and session counts: `UserResource.getOfflineSessions`,
//! `ClientResource.getOfflineUserSessions`, `getApplicationSessionCount`,
//! `getOfflineSessionCount` and `RealmAdminResource.getClientSessionStats`. Shapes
//! recorded from 26.7.3; as there, an offline login leaves no online session behind.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::session::Session;
use latchkey_core::store::Store;
use serde_json::{Value, json};

use super::auth::open_realm;
use super::clients::find_client;
use super::request::{DEFAULT_MAX_RESULTS, Query};
use super::sessions::session_representation;
use super::users::find_user;
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

/// The sessions as representations, each with its user; a session whose user is gone
/// is left out.
pub(crate) async fn representations(
    state: &AppState,
    realm: &RealmSnapshot,
    sessions: impl IntoIterator<Item = Session>,
) -> Result<Vec<Value>, ApiError> {
    let mut reps = Vec::new();
    for session in sessions {
        if let Some(user) = state.store.find_user_by_id(&realm.realm.id, &session.user_id).await? {
            reps.push(session_representation(realm, &session, &user));
        }
    }
    Ok(reps)
}

/// The user's offline sessions of one client (by internal id); 404 `Client not found`
/// for an unknown client.
pub(crate) async fn list_user_offline_sessions(
    State(state): State<AppState>,
    Path((realm_name, id, client_uuid)): Path<(String, String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let client = realm
        .clients
        .values()
        .find(|client| client.id == client_uuid)
        .ok_or_else(|| ApiError::plain(StatusCode::NOT_FOUND, "Client not found"))?;
    let sessions = state.store.list_user_offline_sessions(&realm.realm.id, &user.id).await?;
    let reps: Vec<Value> = sessions
        .iter()
        .filter(|session| session.client_uuid == client.id)
        .map(|session| session_representation(&realm, session, &user))
        .collect();
    Ok(Json(reps).into_response())
}

/// The client's offline sessions, oldest first, then `first`/`max` (default 100).
pub(crate) async fn list_client_offline_sessions(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let page = query.page(DEFAULT_MAX_RESULTS)?;
    let client = find_client(&realm, &id)?;
    let sessions = state.store.list_client_offline_sessions(&realm.realm.id, &client.id).await?;
    let reps = representations(&state, &realm, page.apply(sessions)).await?;
    Ok(Json(reps).into_response())
}

/// `{"count": n}` of the client's online or offline sessions.
async fn count(
    state: &AppState,
    caller: &Caller,
    realm_name: &str,
    id: &str,
    offline: bool,
) -> Result<Response, ApiError> {
    let realm = open_realm(state, caller, realm_name).await?;
    let client = find_client(&realm, id)?;
    let counts = state.store.count_sessions_by_client(&realm.realm.id).await?;
    let found = counts.iter().find(|count| count.client_uuid == client.id);
    let n = found.map_or(0, |count| if offline { count.offline } else { count.online });
    Ok(Json(json!({"count": n})).into_response())
}

pub(crate) async fn get_session_count(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    count(&state, &caller, &realm_name, &id, false).await
}

pub(crate) async fn get_offline_session_count(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    count(&state, &caller, &realm_name, &id, true).await
}

/// Every client with sessions: `{"id","clientId","active","offline"}`, the counts as
/// strings (Keycloak builds a `Map<String, String>`), by `clientId`.
pub(crate) async fn get_client_session_stats(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let counts = state.store.count_sessions_by_client(&realm.realm.id).await?;
    let mut stats: Vec<(String, Value)> = counts
        .iter()
        .filter_map(|count| {
            let client = realm.clients.values().find(|client| client.id == count.client_uuid)?;
            // Keys in the order 26.7.3's `HashMap` writes them.
            let stat = json!({
                "offline": count.offline.to_string(),
                "clientId": client.client_id,
                "active": count.online.to_string(),
                "id": client.id,
            });
            Some((client.client_id.clone(), stat))
        })
        .collect();
    stats.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Json(stats.into_iter().map(|(_, stat)| stat).collect::<Vec<_>>()).into_response())
}
