//! The refresh grant's flow: one HMAC check, one read of the session with its user and
//! role grants (from memory once cached), one session write (the refresh time written
//! behind; the reuse state written through when Revoke Refresh Token is on), one
//! signature (`latchkey_core::grant::refresh_token` decides).

use latchkey_core::grant::GrantType;
use latchkey_core::grant::refresh_token::{RefreshFacts, check_session, check_token};
use latchkey_core::oauth_error::OAuthError;
use latchkey_core::scope::GrantedScope;
use latchkey_core::store::Store;
use latchkey_core::time::UnixMillis;
use latchkey_core::token::claims::RefreshClaims;
use latchkey_core::token::issue::{IssueRequest, IssuedTokens, issue};
use latchkey_core::token::jwt;

use super::token::TokenRequest;
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::state::AppState;

/// Verifies a refresh token's signature with the realm's HMAC keys.
pub fn verify_refresh_token(
    realm: &RealmSnapshot,
    token: &str,
) -> Result<RefreshClaims, OAuthError> {
    jwt::verify_hmac::<RefreshClaims>(&realm.keys, token)
        .map_err(|_| OAuthError::invalid_grant("Invalid refresh token"))
}

pub async fn grant(state: &AppState, request: &TokenRequest) -> Result<IssuedTokens, ApiError> {
    let realm = &request.realm;
    let Some(presented) = request.form.get("refresh_token") else {
        return Err(OAuthError::invalid_request("No refresh token").into());
    };
    let claims = verify_refresh_token(realm, presented)?;
    let now = state.clock.now();
    let issuer = request.caller.issuer(&realm.realm.name);
    check_token(&claims, &issuer, &realm.realm, &request.client, now, true)?;
    // Two refreshes of one session may race (a token used twice at once, here or on
    // another instance): the reuse state is written only if it is still the one read,
    // and the loser reads and decides again on what the winner wrote.
    for _ in 0..REUSE_RACE_ATTEMPTS {
        if let Some(tokens) = refresh(state, request, &claims, now, &issuer).await? {
            return Ok(tokens);
        }
    }
    Err(ApiError::Internal("refresh lost every race for its session's reuse state".into()))
}

/// How many times a refresh reads and decides again after losing a race.
const REUSE_RACE_ATTEMPTS: usize = 8;

/// One read, decision and write; `None` when another refresh of the session wrote its
/// reuse state first.
async fn refresh(
    state: &AppState,
    request: &TokenRequest,
    claims: &RefreshClaims,
    now: UnixMillis,
    issuer: &str,
) -> Result<Option<IssuedTokens>, ApiError> {
    let realm = &request.realm;
    let context = match claims.session_id() {
        Some(id) => state.store.find_session_context(id).await?,
        None => None,
    };
    let (session, user, role_ids) = match context {
        Some(context) => (Some(context.session), context.user, context.role_ids),
        None => (None, None, Vec::new()),
    };
    // A session of another realm is no session here.
    let session = session.filter(|s| s.realm_id == realm.realm.id);
    let facts = RefreshFacts {
        claims,
        realm: &realm.realm,
        client: &request.client,
        session: session.as_ref(),
        user: user.as_ref(),
        now,
    };
    let reuse = match check_session(&facts) {
        Ok(reuse) => reuse,
        Err(refusal) => {
            if let (Some(session), true) = (&session, refusal.detaches_client) {
                // The chain's newer tokens now get "Session doesn't have required client".
                let mut detached = session.clone();
                detached.client_uuid = String::new();
                state.store.update_session(&detached).await?;
            }
            tracing::info!(error = %refusal.error, "refresh refused");
            return Err(refusal.error.into());
        }
    };
    let (Some(mut session), Some(user)) = (session, user) else {
        return Err(ApiError::Internal("refresh accepted without session".into()));
    };
    let now_secs = now.secs();
    let read = session.reuse.clone();
    session.last_refresh = now_secs;
    session.reuse = reuse;
    if realm.realm.settings.tokens.revoke_refresh_token {
        session.reuse.last_refresh = now_secs;
    }
    let scope = GrantedScope::from_refresh_scope(&session.scope)
        .narrowed(request.form.get("scope"), &request.client);
    let roles = realm.roles.expand(&role_ids);
    let tokens = issue(&IssueRequest {
        realm: &realm.realm,
        client: &request.client,
        user: &user,
        roles: &roles,
        session: Some(&session),
        scope: &scope,
        issuer,
        grant: GrantType::RefreshToken,
        keys: &realm.keys,
        now,
        issue_refresh: request.client.uses_refresh_tokens(),
        reuse_id: claims.reuse_id.as_deref(),
        client_address: None,
    })
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    if realm.realm.settings.tokens.revoke_refresh_token {
        // The reuse state guards against replayed refresh tokens: it must survive a crash.
        if !state.store.update_session_reuse(&session, &read).await? {
            return Ok(None);
        }
    } else {
        // Only the refresh time changed: written behind; losing it to a crash only
        // makes the session expire earlier.
        state.store.touch_session(&session.id, now_secs).await?;
    }
    Ok(Some(tokens))
}
