//! `POST /realms/{realm}/protocol/openid-connect/revoke` (`TokenRevocationEndpoint`, RFC 7009).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::oauth_error::{OAuthError, Refusal};
use latchkey_core::revocation::Revocation;
use latchkey_core::store::Store;
use latchkey_core::token::claims::{
    AccessClaims, RefreshClaims, TYP_BEARER, TYP_OFFLINE, TYP_REFRESH,
};
use latchkey_core::token::jwt;
use serde_json::json;

use super::token::{RealmForm, authenticate};
use crate::error::ApiError;
use crate::events::LoginEvent;
use crate::extract::Caller;
use crate::revocation::{self, session_ended};
use crate::state::AppState;

use super::token_password::{CLIENT_AUTH_METHOD, refresh_token_type};

pub async fn post_revoke(
    State(state): State<AppState>,
    caller: Caller,
    request: Result<RealmForm, ApiError>,
) -> Response {
    // Keycloak 26.7.3 sets no `Cache-Control` here, on success or error (observed).
    revoke(&state, &caller, request).await.unwrap_or_else(IntoResponse::into_response)
}

/// RFC 7009 §2.2: an invalid token is not an error for the caller; Keycloak still
/// says so in a 200 body.
fn invalid_token() -> Response {
    (StatusCode::OK, Json(json!({"error": "invalid_token", "error_description": "Invalid token"})))
        .into_response()
}

fn unmatching_clients() -> ApiError {
    OAuthError::invalid_request("Unmatching clients").into()
}

async fn revoke(
    state: &AppState,
    caller: &Caller,
    request: Result<RealmForm, ApiError>,
) -> Result<Response, ApiError> {
    let RealmForm { realm, form } = request?;
    let client = authenticate(&realm, &form, caller)?;
    if form.has_duplicates() {
        return Err(OAuthError::invalid_request("duplicated parameter").into());
    }
    let Some(token) = form.get("token") else {
        return Err(OAuthError::invalid_request("Token not provided").into());
    };
    // Refresh tokens are HMAC-signed; so are the access tokens of a client that chose an
    // HS algorithm, which the second branch takes.
    if let Ok(claims) = jwt::verify_hmac::<RefreshClaims>(&realm.keys, token)
        && !claims.typ.as_deref().is_some_and(|typ| typ.eq_ignore_ascii_case(TYP_BEARER))
    {
        if !matches!(claims.typ.as_deref(), Some(TYP_REFRESH) | Some(TYP_OFFLINE)) {
            return Err(OAuthError::new(
                Refusal::BadRequest,
                "unsupported_token_type",
                "Unsupported token type",
            )
            .into());
        }
        if claims.azp.as_deref() != Some(client.client_id.as_str()) {
            return Err(unmatching_clients());
        }
        let now = state.clock.now().secs();
        if claims.exp.is_some_and(|exp| exp != 0 && now > exp) {
            return Ok(invalid_token());
        }
        let session = match claims.session_id() {
            Some(session_id) => state.store.find_session(session_id).await?,
            None => None,
        };
        let Some(session) = session else { return Ok(invalid_token()) };
        state.store.delete_session(&session.id).await?;
        revocation::revoke(state, &realm, session_ended(&realm, &session.id, now), now).await?;
        // `REVOKE_GRANT` with Keycloak 26.7.3's details (`facts-12.md` §4.2).
        let mut event = LoginEvent::new(state, &realm, "REVOKE_GRANT", caller);
        event.client(&client.client_id).user(&session.user_id).session(&session.id);
        event.detail("refresh_token_type", refresh_token_type(&session));
        event.detail("revoked_client", &client.client_id);
        event.detail("refresh_token_id", claims.jti.as_deref().unwrap_or_default());
        event.detail("client_auth_method", CLIENT_AUTH_METHOD);
        event.success(state, &realm).await;
        return Ok(StatusCode::OK.into_response());
    }
    if let Ok(claims) = jwt::verify::<AccessClaims>(&realm.keys, token) {
        // Case-insensitive, as userinfo's check (`TokenVerifier.TokenTypeCheck`): a client
        // with `token.response.type.bearer.lower-case` gets `"typ": "bearer"`. Keycloak
        // 26.7.3 compares case-sensitively here and answers `unsupported_token_type` to
        // such a client, leaving its token valid; latchkey revokes it.
        if !claims.typ.as_deref().is_some_and(|typ| typ.eq_ignore_ascii_case(TYP_BEARER)) {
            return Err(OAuthError::new(
                Refusal::BadRequest,
                "unsupported_token_type",
                "Unsupported token type",
            )
            .into());
        }
        if claims.azp.as_deref() != Some(client.client_id.as_str()) {
            return Err(unmatching_clients());
        }
        let now = state.clock.now().secs();
        match (claims.jti.as_deref(), claims.exp) {
            (Some(jti), Some(exp)) if exp >= now => {
                state.store.insert_revoked_token(jti, exp).await?;
                let revocation = Revocation::Token { jti: jti.to_owned(), expires: exp };
                revocation::revoke(state, &realm, revocation, now).await?;
            }
            _ => return Ok(invalid_token()),
        }
        return Ok(StatusCode::OK.into_response());
    }
    Ok(invalid_token())
}
