//! `/admin/realms/{realm}/attack-detection/brute-force/users/{userId}`
//! (`AttackDetectionResource.java`): a user's brute-force record read and cleared
//! (`manage::attack_detection`). An unknown user id reads as no failures, and clearing
//! it is a 204 like any other.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::brute_force::is_temporarily_locked;
use serde_json::json;

use super::auth::{AdminRealm, ManageUsers, ViewUsers};
use super::request::no_content;
use crate::error::ApiError;
use crate::manage::attack_detection;

/// `bruteForceUserStatus`: `{"numFailures":0,"disabled":false,"lastIPFailure":"n/a",
/// "lastFailure":0}` when the realm is not protected or the user has no record;
/// otherwise the record's count, its last failure (milliseconds) and IP, and whether a
/// temporary lockout is in force.
pub(crate) async fn get_user_status(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, user_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let Some(failure) = attack_detection::record(&state, &realm, &user_id).await? else {
        let none =
            json!({"numFailures": 0, "disabled": false, "lastIPFailure": "n/a", "lastFailure": 0});
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

/// `clearBruteForceForUser`: 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_user_status(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, user_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    attack_detection::clear(&state, &realm, &user_id).await?;
    Ok(no_content())
}

/// `clearAllBruteForce`: 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_all_user_status(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
) -> Result<Response, ApiError> {
    attack_detection::clear_all(&state, &realm).await?;
    Ok(no_content())
}
