//! `GET /realms/{realm}/protocol/openid-connect/certs`: the realm's public keys (JWKS).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

pub async fn get_certs(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let response = match state.realm(&realm_name).await {
        Ok(realm) => {
            let mut response = Json(realm.keys.jwks()).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => error.into_response(),
    };
    crate::cors::allow(response, crate::cors::origin(&headers), false)
}
