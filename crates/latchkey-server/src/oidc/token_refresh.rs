//! The refresh grant's flow: read the token, load its session (with the user and their
//! grants, from memory once cached), let `latchkey_core::grant::refresh_token::decide`
//! decide, make the one session write it returns.

use latchkey_core::grant::refresh_token::{
    Refresh, RefreshInput, SessionWrite, TokenUse, decide, read_token,
};
use latchkey_core::oauth_error::OAuthError;
use latchkey_core::session::RefreshReuse;
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
    // Two refreshes of one session may race (a token used twice at once, here or on
    // another instance): the reuse state is written only if it is still the one read, and
    // the loser reads and decides again on what the winner wrote.
    let mut is_read_again = false;
    for _ in 0..REUSE_RACE_ATTEMPTS {
        let context = match claims.session_id() {
            Some(id) => state.store.find_session_context(id).await?,
            None => None,
        };
        let read = context.as_ref().map(|context| context.session.reuse.clone());
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
                if save(state, write, read.as_ref()).await? {
                    return Ok(tokens);
                }
            }
            Refresh::Refused { .. } if !is_read_again && claims.session_id().is_some() => {
                // The session may come from this instance's cache while another instance
                // refreshed it since (its refresh time is written there, not here): a
                // refusal is decided again on the database's copy.
                is_read_again = true;
                if let Some(id) = claims.session_id() {
                    state.store.forget_session(id);
                }
            }
            Refresh::Refused { error, write } => {
                if let Some(write) = write {
                    save(state, write, read.as_ref()).await?;
                }
                tracing::info!(error = %error, "refresh refused");
                return Err(error.into());
            }
        }
    }
    // The session's reuse state moved under every attempt: its chain is being used in
    // many places at once, which is what the reuse limit refuses.
    tracing::info!("refresh refused: lost every race for the session's reuse state");
    Err(OAuthError::invalid_grant("Maximum allowed refresh token reuse exceeded").into())
}

/// How many times a refresh reads and decides again after losing a race.
const REUSE_RACE_ATTEMPTS: usize = 8;

/// Makes the write; false when it was a refresh under Revoke Refresh Token and another
/// refresh of the session changed the reuse state since `read`.
async fn save(
    state: &AppState,
    write: SessionWrite,
    read: Option<&RefreshReuse>,
) -> Result<bool, ApiError> {
    match (write, read) {
        (SessionWrite::Touch { session_id, last_refresh }, _) => {
            state.store.touch_session(&session_id, last_refresh).await?;
        }
        (SessionWrite::Update(session), Some(read)) => {
            return Ok(state.store.update_session_reuse(&session, read).await?);
        }
        (SessionWrite::Update(session) | SessionWrite::DetachClient(session), _) => {
            state.store.update_session(&session).await?;
        }
    }
    Ok(true)
}
