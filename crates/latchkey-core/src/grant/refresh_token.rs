//! `grant_type=refresh_token`: every check of `TokenManager.refreshAccessToken`,
//! `verifyRefreshToken` and `validateTokenReuse`, in Keycloak's order. All answers
//! are 400 `invalid_grant` with Keycloak's texts (`spec/keycloak-protocol.md` §1.5).

use crate::client::Client;
use crate::oauth_error::OAuthError;
use crate::realm::Realm;
use crate::session::{RefreshReuse, Session};
use crate::time::UnixMillis;
use crate::token::claims::{RefreshClaims, TYP_OFFLINE, TYP_REFRESH};
use crate::token::lifetimes::Lifetimes;
use crate::user::User;

const INVALID_REFRESH_TOKEN: &str = "Invalid refresh token";

/// Checks on the token alone, before anything is loaded: type, issuer, realm
/// not-before, expiry and client. `check_expiry` is false for logout, which accepts
/// an expired refresh token.
pub fn check_token(
    claims: &RefreshClaims,
    expected_issuer: &str,
    realm: &Realm,
    client: &Client,
    now: UnixMillis,
    check_expiry: bool,
) -> Result<(), OAuthError> {
    match claims.typ.as_deref() {
        Some(TYP_REFRESH) | Some(TYP_OFFLINE) => {}
        _ => return Err(OAuthError::invalid_grant(INVALID_REFRESH_TOKEN)),
    }
    let issuer = claims.iss.as_deref().unwrap_or_default();
    if issuer != expected_issuer {
        return Err(OAuthError::invalid_grant(format!(
            "Invalid token issuer. Expected '{expected_issuer}', but was '{issuer}'"
        )));
    }
    let issued_at = claims.iat.unwrap_or(0);
    if issued_at < realm.settings.not_before {
        return Err(OAuthError::invalid_grant("Stale token"));
    }
    if check_expiry && claims.exp.is_some_and(|exp| exp != 0 && now.secs() > exp) {
        return Err(OAuthError::invalid_grant("Token is not active"));
    }
    if claims.azp.as_deref() != Some(client.client_id.as_str()) {
        return Err(OAuthError::invalid_grant(
            "Invalid refresh token. Token client and authorized client don't match",
        ));
    }
    Ok(())
}

/// A refused refresh, and whether the session's client must be detached from it
/// (reuse limit exceeded, `TokenManager.validateTokenReuse`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRefusal {
    pub error: OAuthError,
    pub detaches_client: bool,
}

impl RefreshRefusal {
    fn invalid_grant(description: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        RefreshRefusal { error: OAuthError::invalid_grant(description), detaches_client: false }
    }
}

/// What the refresh flow loaded for the token's session.
#[derive(Debug)]
pub struct RefreshFacts<'a> {
    pub claims: &'a RefreshClaims,
    pub realm: &'a Realm,
    pub client: &'a Client,
    pub session: Option<&'a Session>,
    pub user: Option<&'a User>,
    pub now: UnixMillis,
}

/// Checks the session, user and reuse rules. On success returns the session's new
/// reuse state (unchanged unless Revoke Refresh Token is on).
pub fn check_session(facts: &RefreshFacts<'_>) -> Result<RefreshReuse, RefreshRefusal> {
    let now = facts.now.secs();
    // An offline token names an offline session, an online token an online one
    // (`TokenManager.validateToken` looks them up in separate stores).
    let offline = facts.claims.typ.as_deref() == Some(TYP_OFFLINE);
    let lifetimes = Lifetimes::for_session(facts.realm, facts.client, offline);
    let session = match facts.session.filter(|s| s.offline == offline) {
        Some(session) if lifetimes.is_user_session_active(session, now) => session,
        Some(_) if offline => {
            return Err(RefreshRefusal::invalid_grant("Offline session not active"));
        }
        None if offline => {
            return Err(RefreshRefusal::invalid_grant("Offline user session not found"));
        }
        _ => return Err(RefreshRefusal::invalid_grant("Session not active")),
    };
    let Some(user) = facts.user else {
        return Err(RefreshRefusal::invalid_grant(INVALID_REFRESH_TOKEN));
    };
    if !user.enabled {
        return Err(RefreshRefusal::invalid_grant("User disabled"));
    }
    let issued_at = facts.claims.iat.unwrap_or(0);
    if issued_at < session.started {
        return Err(RefreshRefusal::invalid_grant(
            "Refresh token issued before the user session started",
        ));
    }
    if session.client_uuid != facts.client.id {
        return Err(RefreshRefusal::invalid_grant("Session doesn't have required client"));
    }
    if !lifetimes.is_client_session_active(session, now) {
        return Err(RefreshRefusal::invalid_grant("Client session not active"));
    }
    if issued_at < facts.client.settings.not_before || issued_at < user.profile.not_before {
        return Err(RefreshRefusal::invalid_grant("Stale token"));
    }
    if facts.realm.settings.tokens.revoke_refresh_token {
        return check_reuse(facts.realm, facts.claims, &session.reuse);
    }
    Ok(session.reuse.clone())
}

/// `TokenManager.validateTokenReuse` with `refreshFlag` true.
fn check_reuse(
    realm: &Realm,
    claims: &RefreshClaims,
    reuse: &RefreshReuse,
) -> Result<RefreshReuse, RefreshRefusal> {
    let token_id = claims.jti.as_deref().unwrap_or_default();
    let issued_at = claims.iat.unwrap_or(0);
    let mut next = reuse.clone();
    let is_current = reuse.current_token_id.as_deref() == Some(token_id);
    if reuse.current_token_id.is_some() && !is_current && issued_at < reuse.last_refresh {
        return Err(RefreshRefusal::invalid_grant("Stale token"));
    }
    if !is_current {
        next.current_token_id = Some(token_id.to_owned());
        next.use_count = 0;
    }
    if next.use_count > realm.settings.tokens.refresh_token_max_reuse {
        // Keycloak then detaches the client session: the client must log in again.
        return Err(RefreshRefusal {
            error: OAuthError::invalid_grant("Maximum allowed refresh token reuse exceeded"),
            detaches_client: true,
        });
    }
    next.use_count += 1;
    Ok(next)
}
