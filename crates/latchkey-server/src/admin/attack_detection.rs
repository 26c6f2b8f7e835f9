//! `/admin/realms/{realm}/attack-detection/brute-force/users/{userId}`
//! (`AttackDetectionResource.java`): a user's brute-force record read and cleared.
//! Neither call checks that the user exists: an unknown id reads as no failures, and
//! clearing it is a 204 like any other.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use latchkey_core::brute_force::is_temporarily_locked;
use latchkey_core::store::Store;
use serde_json::json;

use super::auth::open_realm;
use super::request::no_content;
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

/// `bruteForceUserStatus`: `{"numFailures":0,"disabled":false,"lastIPFailure":"n/a",
/// "lastFailure":0}` when the realm is not protected or the user has no record;
/// otherwise the record's count, its last failure (milliseconds) and IP, and whether a
/// temporary lockout is in force.
pub(crate) async fn get_user_status(
    State(state): State<AppState>,
    Path((realm_name, user_id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let none =
        json!({"numFailures": 0, "disabled": false, "lastIPFailure": "n/a", "lastFailure": 0});
    if !realm.realm.settings.brute_force.brute_force_protected {
        return Ok(Json(none).into_response());
    }
    let Some(failure) = state.store.find_login_failure(&realm.realm.id, &user_id).await? else {
        return Ok(Json(none).into_response());
    };
    let disabled = is_temporarily_locked(Some(&failure), state.clock.now());
    Ok(Json(json!({
        "numFailures": failure.num_failures,
        "disabled": disabled,
        "lastIPFailure": failure.last_ip_failure,
        "lastFailure": failure.last_failure,
    }))
    .into_response())
}

/// `clearBruteForceForUser`: removes the record, which lifts a temporary lockout. 204.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_user_status(
    State(state): State<AppState>,
    Path((realm_name, user_id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    clear_login_failures(&state, &realm, &user_id).await?;
    Ok(no_content())
}

/// Forgets the user's login failures, which lifts a temporary lockout (the Admin API's
/// `DELETE …/brute-force/users/{id}` and the console's "Unlock").
pub(crate) async fn clear_login_failures(
    state: &AppState,
    realm: &RealmSnapshot,
    user_id: &str,
) -> Result<(), ApiError> {
    state.store.delete_login_failure(&realm.realm.id, user_id).await?;
    tracing::info!(%user_id, "login failures cleared by an admin");
    Ok(())
}

/// `clearAllBruteForce`: removes every record of the realm, lifting every temporary
/// lockout. 204.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_all_user_status(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let cleared = state.store.delete_realm_login_failures(&realm.realm.id).await?;
    tracing::info!(cleared, "all login failures cleared by an admin");
    Ok(no_content())
}
