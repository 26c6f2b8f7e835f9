//! `POST /realms/{realm}/protocol/openid-connect/logout` with a `refresh_token`:
//! back-channel logout of the token's session (`LogoutEndpoint`), 204 on success.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::grant::refresh_token::{TokenUse, read_token};
use latchkey_core::oauth_error::OAuthError;
use latchkey_core::store::Store;

use super::token::{RealmForm, authenticate};
use super::token_password::CLIENT_AUTH_METHOD;
use crate::error::ApiError;
use crate::events::LoginEvent;
use crate::extract::Caller;
use crate::headers::cache_control_on_success;
use crate::revocation::{revoke, session_ended};
use crate::state::AppState;

pub async fn post_logout(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    request: Result<RealmForm, ApiError>,
) -> Response {
    cache_control_on_success(
        logout(&state, &realm_name, &caller, request)
            .await
            .unwrap_or_else(IntoResponse::into_response),
        "no-cache",
    )
}

async fn logout(
    state: &AppState,
    realm_name: &str,
    caller: &Caller,
    request: Result<RealmForm, ApiError>,
) -> Result<Response, ApiError> {
    let RealmForm { realm, form } = request?;
    let Some(refresh_token) = form.get("refresh_token") else {
        // Without a refresh token Keycloak starts browser (RP-initiated) logout, which
        // latchkey does not serve.
        return Err(OAuthError::invalid_request("Missing parameter: refresh_token").into());
    };
    let client = authenticate(&realm, &form, caller)?;
    // An expired refresh token still logs out.
    let mut event = LoginEvent::new(state, &realm, "LOGOUT", caller);
    event.client(&client.client_id);
    let claims = match read_token(
        &realm.keys,
        refresh_token,
        &caller.issuer(realm_name),
        &realm.realm,
        &client,
        state.clock.now(),
        TokenUse::Logout,
    ) {
        Ok(claims) => claims,
        Err(error) => {
            event.detail("reason", &error.description);
            event.detail("client_auth_method", CLIENT_AUTH_METHOD);
            event.error(state, &realm, "invalid_token").await;
            return Err(error.into());
        }
    };
    if let Some(session_id) = claims.session_id()
        && let Some(session) = state.store.find_session(session_id).await?
    {
        if claims.iat.unwrap_or(0) < session.started {
            return Err(
                OAuthError::invalid_grant("Toked issued before the user session started").into()
            );
        }
        state.store.delete_session(session_id).await?;
        let now = state.clock.now().secs();
        revoke(state, &realm, session_ended(&realm, session_id, now), now).await?;
        tracing::info!(session_id = %session_id, "session logged out");
        event.user(&session.user_id).session(session_id);
        event.detail("client_auth_method", CLIENT_AUTH_METHOD);
        event.success(state, &realm).await;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
