//! Liveness and readiness, shaped like Keycloak's `/health/*` (SmallRye Health).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::store::Store;
use serde_json::json;

use crate::state::AppState;

pub async fn get_live() -> Response {
    Json(json!({"status": "UP", "checks": []})).into_response()
}

/// An instance of a cluster that has not read the change feed for this long may answer
/// from stale caches: it is not ready (a load balancer then sends requests elsewhere).
pub const FEED_READY_LAG: std::time::Duration = std::time::Duration::from_secs(5);

pub async fn get_ready(State(state): State<AppState>) -> Response {
    if let Some(behind) = state.store.feed_behind()
        && behind > FEED_READY_LAG
    {
        let behind_ms = u64::try_from(behind.as_millis()).unwrap_or(u64::MAX);
        tracing::warn!(behind_ms, "readiness: the change feed is behind");
        let checks = [json!({"name": "change-feed", "status": "DOWN"})];
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "DOWN", "checks": checks})),
        )
            .into_response();
    }
    match state.store.count_sessions("").await {
        Ok(_) => Json(json!({"status": "UP", "checks": [{"name": "database", "status": "UP"}]}))
            .into_response(),
        Err(error) => {
            tracing::warn!(error = %error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "DOWN", "checks": [{"name": "database", "status": "DOWN"}]})),
            )
                .into_response()
        }
    }
}
