//! Offline sessions and session counts: `UserResource.getOfflineSessions`,
//! `ClientResource.getOfflineUserSessions`, `getApplicationSessionCount`,
//! `getOfflineSessionCount` and `RealmAdminResource.getClientSessionStats`. Shapes
//! recorded from 26.7.3; as there, an offline login leaves no online session behind.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::session::Session;
use latchkey_core::store::Store;
use serde_json::{Value, json};

use super::auth::{AdminRealm, ViewClients, ViewRealm, ViewUsers};
use super::request::{DEFAULT_MAX_RESULTS, Query};
use super::sessions::session_representation;
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::manage::{clients, users};
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
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id, client_uuid)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let user = users::find(&state, &realm, &id).await?;
    let client = clients::find_for_user(&realm, &client_uuid)?;
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
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let page = query.page(DEFAULT_MAX_RESULTS)?;
    let client = clients::find(&realm, &id)?;
    let sessions = state.store.list_client_offline_sessions(&realm.realm.id, &client.id).await?;
    let reps = representations(&state, &realm, page.apply(sessions)).await?;
    Ok(Json(reps).into_response())
}

/// `{"count": n}` of the client's online or offline sessions.
async fn count(
    admin: &AdminRealm<ViewClients>,
    id: &str,
    offline: bool,
) -> Result<Response, ApiError> {
    let client = clients::find(&admin.realm, id)?;
    let counts = admin.state.store.count_sessions_by_client(&admin.realm.realm.id).await?;
    let found = counts.iter().find(|count| count.client_uuid == client.id);
    let n = found.map_or(0, |count| if offline { count.offline } else { count.online });
    Ok(Json(json!({"count": n})).into_response())
}

pub(crate) async fn get_session_count(
    admin: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    count(&admin, &id, false).await
}

pub(crate) async fn get_offline_session_count(
    admin: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    count(&admin, &id, true).await
}

/// Every client with sessions: `{"id","clientId","active","offline"}`, the counts as
/// strings (Keycloak builds a `Map<String, String>`), by `clientId`.
pub(crate) async fn get_client_session_stats(
    AdminRealm { state, realm, .. }: AdminRealm<ViewRealm>,
) -> Result<Response, ApiError> {
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
