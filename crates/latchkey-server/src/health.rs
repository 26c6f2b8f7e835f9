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

/// The longest a readiness check waits for the database: a database that does not
/// answer within this is down for the load balancer asking (which waits a few seconds
/// at most), not a request left hanging for the pool's acquire timeout.
const DATABASE_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// 503 while the database does not answer, or, on PostgreSQL, while the change feed has
/// not been read for longer than `--health-feed-max-lag` (5 s by default): an instance
/// of a cluster that far behind may answer from stale caches, and a load balancer then
/// sends requests elsewhere. The body is SmallRye Health's, as Keycloak's.
pub async fn get_ready(State(state): State<AppState>) -> Response {
    if let Some(behind) = state.store.feed_behind()
        && behind > state.config.feed_max_lag
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
    let checked = tokio::time::timeout(DATABASE_CHECK_TIMEOUT, state.store.count_sessions(""));
    match checked.await {
        Ok(Ok(_)) => {
            Json(json!({"status": "UP", "checks": [{"name": "database", "status": "UP"}]}))
                .into_response()
        }
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "readiness check failed");
            database_down()
        }
        Err(_) => {
            tracing::warn!("readiness check failed: the database did not answer within 2 s");
            database_down()
        }
    }
}

fn database_down() -> Response {
    let checks = [json!({"name": "database", "status": "DOWN"})];
    (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "DOWN", "checks": checks})))
        .into_response()
}
