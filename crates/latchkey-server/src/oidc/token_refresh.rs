//! The refresh grant's flow: read the token, load its session (with the user and their
//! grants, from memory once cached), let `latchkey_core::grant::refresh_token::decide`
//! decide, make the one session write it returns.

use latchkey_core::grant::refresh_token::{
    Refresh, RefreshInput, SessionWrite, TokenUse, decide, read_token,
};
use latchkey_core::oauth_error::OAuthError;
use latchkey_core::store::Store;
use latchkey_core::token::issue::IssuedTokens;

use super::token::TokenRequest;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn grant(state: &AppState, request: &TokenRequest) -> Result<IssuedTokens, ApiError> {
    let realm = &request.realm;
    let Some(presented) = request.form.get("refresh_token") else {
        return Err(OAuthError::invalid_request("No refresh token").into());
    };
    let now = state.clock.now();
    let issuer = request.caller.issuer(&realm.realm.name);
    let claims = read_token(
        &realm.keys,
        presented,
        &issuer,
        &realm.realm,
        &request.client,
        now,
        TokenUse::Refresh,
    )?;
    let context = match claims.session_id() {
        Some(id) => state.store.find_session_context(id).await?,
        None => None,
    };
    let decision = decide(RefreshInput {
        realm: &realm.realm,
        keys: &realm.keys,
        roles: &realm.roles,
        client: &request.client,
        issuer: &issuer,
        claims: &claims,
        context,
        scope: request.form.get("scope"),
        now,
    })?;
    match decision {
        Refresh::Granted { tokens, write } => {
            save(state, write).await?;
            Ok(tokens)
        }
        Refresh::Refused { error, write } => {
            if let Some(write) = write {
                save(state, write).await?;
            }
            tracing::info!(error = %error, "refresh refused");
            Err(error.into())
        }
    }
}

async fn save(state: &AppState, write: SessionWrite) -> Result<(), ApiError> {
    match write {
        SessionWrite::Touch { session_id, last_refresh } => {
            state.store.touch_session(&session_id, last_refresh).await?;
        }
        SessionWrite::Update(session) | SessionWrite::DetachClient(session) => {
            state.store.update_session(&session).await?;
        }
    }
    Ok(())
}
