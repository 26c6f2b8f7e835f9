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

pub async fn get_ready(State(state): State<AppState>) -> Response {
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
