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

use latchkey_core::token::claims::RefreshClaims;

use super::token::{TokenRequest, member_of};
use super::token_password::{CLIENT_AUTH_METHOD, token_id};
use crate::error::ApiError;
use crate::events::LoginEvent;
use crate::state::AppState;

pub async fn grant(state: &AppState, request: &TokenRequest) -> Result<IssuedTokens, ApiError> {
    let realm = &request.realm;
    let Some(presented) = request.form.get("refresh_token") else {
        return Err(OAuthError::invalid_request("No refresh token").into());
    };
    let now = state.clock.now();
    let issuer = request.caller.issuer(&realm.realm.name);
    let mut event = LoginEvent::new(state, realm, "REFRESH_TOKEN", &request.caller);
    event.client(&request.client.client_id);
    let claims = match read_token(
        &realm.keys,
        presented,
        &issuer,
        &realm.realm,
        &request.client,
        now,
        TokenUse::Refresh,
    ) {
        Ok(claims) => claims,
        Err(error) => {
            event.detail("reason", &error.description);
            event.detail("grant_type", "refresh_token");
            event.detail("client_auth_method", CLIENT_AUTH_METHOD);
            event.error(state, realm, "invalid_token").await;
            return Err(error.into());
        }
    };
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
        let groups = match &context {
            Some(context) => member_of(state, &request.client, &context.session.user_id).await?,
            None => Vec::new(),
        };
        let decision = decide(RefreshInput {
            realm: &realm.realm,
            keys: &realm.keys,
            roles: &realm.roles,
            client: &request.client,
            issuer: &issuer,
            claims: &claims,
            context,
            groups: &groups,
            scope: request.form.get("scope"),
            now,
        })?;
        match decision {
            Refresh::Granted { tokens, write } => {
                if save(state, write, read.as_ref()).await? {
                    if event.is_on() {
                        refreshed(&mut event, &claims, &tokens);
                        event.success(state, realm).await;
                    }
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
                if event.is_on() {
                    if let Some(session_id) = claims.session_id() {
                        event.session(session_id);
                    }
                    event.detail("reason", &error.description);
                    event.detail("grant_type", "refresh_token");
                    event.detail("refresh_token_type", "Refresh");
                    event.detail("refresh_token_id", claims.jti.as_deref().unwrap_or_default());
                    event.detail("refresh_token_sub", claims.sub.as_deref().unwrap_or_default());
                    event.detail("client_auth_method", CLIENT_AUTH_METHOD);
                }
                event.error(state, realm, "invalid_token").await;
                return Err(error.into());
            }
        }
    }
    // The session's reuse state moved under every attempt: its chain is being used in
    // many places at once, which is what the reuse limit refuses.
    tracing::info!("refresh refused: lost every race for the session's reuse state");
    Err(OAuthError::invalid_grant("Maximum allowed refresh token reuse exceeded").into())
}

/// A granted refresh's event: the session's user and id, and Keycloak's details.
fn refreshed(event: &mut LoginEvent, claims: &RefreshClaims, tokens: &IssuedTokens) {
    if let Some(sub) = &claims.sub {
        event.user(sub);
    }
    if let Some(session_id) = claims.session_id() {
        event.session(session_id);
    }
    event.detail("token_id", &token_id(&tokens.access_token));
    event.detail("grant_type", "refresh_token");
    event.detail("refresh_token_type", "Refresh");
    event.detail("access_token_expiration_time", &tokens.expires_in.to_string());
    if let Some(updated) = &tokens.refresh_token_id {
        event.detail("updated_refresh_token_id", updated);
    }
    event.detail("scope", &tokens.scope);
    event.detail("refresh_token_id", claims.jti.as_deref().unwrap_or_default());
    event.detail("refresh_token_sub", claims.sub.as_deref().unwrap_or_default());
    event.detail("client_auth_method", CLIENT_AUTH_METHOD);
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
