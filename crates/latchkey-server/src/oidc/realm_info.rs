//! `GET /realms/{realm}`: the legacy realm description adapters read (`PublishedRealmRepresentation`).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::extract::Caller;
use crate::state::AppState;

pub async fn get_realm(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Response {
    let response = match state.realm(&realm_name).await {
        Ok(realm) => {
            let issuer = caller.issuer(&realm_name);
            let public_key = realm.keys.active_rsa().map(|k| STANDARD.encode(&k.public_key_info));
            Json(json!({
                "realm": realm.realm.name,
                "public_key": public_key,
                "token-service": format!("{issuer}/protocol/openid-connect"),
                "account-service": format!("{issuer}/account"),
                "tokens-not-before": realm.realm.settings.not_before,
            }))
            .into_response()
        }
        Err(error) => error.into_response(),
    };
    crate::headers::cache_control_on_success(response, "no-cache")
}
