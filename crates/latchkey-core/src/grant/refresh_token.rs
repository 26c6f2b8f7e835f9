//! `grant_type=refresh_token`: every check of `TokenManager.refreshAccessToken`,
//! `verifyRefreshToken` and `validateTokenReuse`, in Keycloak's order. All refusals are
//! 400 `invalid_grant` with Keycloak's texts (`spec/keycloak-protocol.md` §1.5).
//!
//! The flow: [`read_token`] (the token alone) → load the token's session with its user
//! and grants → [`decide`] → make the [`SessionWrite`] it returns.

use crate::client::Client;
use crate::grant::GrantType;
use crate::oauth_error::OAuthError;
use crate::realm::Realm;
use crate::role::RoleGraph;
use crate::scope::GrantedScope;
use crate::session::{RefreshReuse, Session};
use crate::store::SessionContext;
use crate::time::UnixMillis;
use crate::token::claims::{RefreshClaims, TYP_OFFLINE, TYP_REFRESH};
use crate::token::issue::{IssueError, IssueRequest, IssuedTokens, issue};
use crate::token::jwt;
use crate::token::keys::KeySet;
use crate::token::lifetimes::Lifetimes;
use crate::token::mappers::MemberOf;
use crate::user::User;

const INVALID_REFRESH_TOKEN: &str = "Invalid refresh token";

/// What a refresh token is presented for: a grant (or introspection) refuses an expired
/// one, logout accepts it (`LogoutEndpoint` checks everything but expiry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenUse {
    Refresh,
    Logout,
}

/// A refresh token's claims, if its HMAC signature verifies under one of the realm's keys.
pub fn verify_refresh_token(keys: &KeySet, token: &str) -> Result<RefreshClaims, OAuthError> {
    jwt::verify_hmac::<RefreshClaims>(keys, token)
        .map_err(|_| OAuthError::invalid_grant(INVALID_REFRESH_TOKEN))
}

/// Checks on the token alone, before anything is loaded: type, issuer, realm
/// not-before, expiry (not for logout) and client.
pub fn check_token(
    claims: &RefreshClaims,
    expected_issuer: &str,
    realm: &Realm,
    client: &Client,
    now: UnixMillis,
    used_for: TokenUse,
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
    let is_expired = claims.exp.is_some_and(|exp| exp != 0 && now.secs() > exp);
    if used_for == TokenUse::Refresh && is_expired {
        return Err(OAuthError::invalid_grant("Token is not active"));
    }
    if claims.azp.as_deref() != Some(client.client_id.as_str()) {
        return Err(OAuthError::invalid_grant(
            "Invalid refresh token. Token client and authorized client don't match",
        ));
    }
    Ok(())
}

/// The presented token, verified and checked on its own ([`verify_refresh_token`], then
/// [`check_token`]): what a refresh or a logout reads before loading anything.
pub fn read_token(
    keys: &KeySet,
    presented: &str,
    expected_issuer: &str,
    realm: &Realm,
    client: &Client,
    now: UnixMillis,
    used_for: TokenUse,
) -> Result<RefreshClaims, OAuthError> {
    let claims = verify_refresh_token(keys, presented)?;
    check_token(&claims, expected_issuer, realm, client, now, used_for)?;
    Ok(claims)
}

/// A session whose refresh the rules accept: its user exists and may log in.
#[derive(Debug)]
pub struct ActiveSession<'a> {
    pub session: &'a Session,
    pub user: &'a User,
    /// The session's reuse state after this refresh (unchanged unless Revoke Refresh
    /// Token is on).
    pub reuse: RefreshReuse,
}

/// Why a session refuses the refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRefusal {
    pub error: OAuthError,
    /// The reuse limit was exceeded: Keycloak then detaches the client from the session
    /// (`TokenManager.validateTokenReuse`), so the client must log in again.
    pub detaches_client: bool,
}

impl SessionRefusal {
    fn invalid_grant(description: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        SessionRefusal { error: OAuthError::invalid_grant(description), detaches_client: false }
    }
}

/// Checks the session, user and reuse rules for a token that passed [`check_token`]:
/// the refresh grant's own checks, and introspection's (which saves nothing).
/// `context` is the token's session with its user, if it exists in this realm.
pub fn check_session<'a>(
    claims: &RefreshClaims,
    realm: &Realm,
    client: &Client,
    context: Option<&'a SessionContext>,
    now: UnixMillis,
) -> Result<ActiveSession<'a>, SessionRefusal> {
    let now = now.secs();
    // An offline token names an offline session, an online token an online one
    // (`TokenManager.validateToken` looks them up in separate stores).
    let offline = claims.typ.as_deref() == Some(TYP_OFFLINE);
    let lifetimes = Lifetimes::for_session(realm, client, offline);
    let context =
        context.filter(|c| c.session.realm_id == realm.id && c.session.offline == offline);
    let context = match context {
        Some(context) if lifetimes.is_user_session_active(&context.session, now) => context,
        Some(_) if offline => {
            return Err(SessionRefusal::invalid_grant("Offline session not active"));
        }
        None if offline => {
            return Err(SessionRefusal::invalid_grant("Offline user session not found"));
        }
        _ => return Err(SessionRefusal::invalid_grant("Session not active")),
    };
    let session = &context.session;
    let Some(user) = &context.user else {
        return Err(SessionRefusal::invalid_grant(INVALID_REFRESH_TOKEN));
    };
    if !user.enabled {
        return Err(SessionRefusal::invalid_grant("User disabled"));
    }
    let issued_at = claims.iat.unwrap_or(0);
    if issued_at < session.started {
        return Err(SessionRefusal::invalid_grant(
            "Refresh token issued before the user session started",
        ));
    }
    if session.client_uuid != client.id {
        return Err(SessionRefusal::invalid_grant("Session doesn't have required client"));
    }
    if !lifetimes.is_client_session_active(session, now) {
        return Err(SessionRefusal::invalid_grant("Client session not active"));
    }
    if issued_at < client.settings.not_before || issued_at < user.profile.not_before {
        return Err(SessionRefusal::invalid_grant("Stale token"));
    }
    let reuse = if realm.settings.tokens.revoke_refresh_token {
        check_reuse(realm, claims, &session.reuse, now)?
    } else {
        session.reuse.clone()
    };
    Ok(ActiveSession { session, user, reuse })
}

/// `TokenManager.validateTokenReuse` with `refreshFlag` true: the chain's next state,
/// its last refresh now.
fn check_reuse(
    realm: &Realm,
    claims: &RefreshClaims,
    reuse: &RefreshReuse,
    now: i64,
) -> Result<RefreshReuse, SessionRefusal> {
    let token_id = claims.jti.as_deref().unwrap_or_default();
    let issued_at = claims.iat.unwrap_or(0);
    let mut next = reuse.clone();
    let is_current = reuse.current_token_id.as_deref() == Some(token_id);
    if reuse.current_token_id.is_some() && !is_current && issued_at < reuse.last_refresh {
        return Err(SessionRefusal::invalid_grant("Stale token"));
    }
    if !is_current {
        next.current_token_id = Some(token_id.to_owned());
        next.use_count = 0;
    }
    if next.use_count > realm.settings.tokens.refresh_token_max_reuse {
        return Err(SessionRefusal {
            error: OAuthError::invalid_grant("Maximum allowed refresh token reuse exceeded"),
            detaches_client: true,
        });
    }
    next.use_count += 1;
    next.last_refresh = now;
    Ok(next)
}

/// What the refresh flow has: the request, and the token's session as loaded.
#[derive(Debug)]
pub struct RefreshInput<'a> {
    pub realm: &'a Realm,
    pub keys: &'a KeySet,
    pub roles: &'a RoleGraph,
    /// The authenticated client.
    pub client: &'a Client,
    pub issuer: &'a str,
    /// The presented token, as [`read_token`] returned it.
    pub claims: &'a RefreshClaims,
    /// The session the token names, with its user and their direct grants; `None` when
    /// it does not exist.
    pub context: Option<SessionContext>,
    /// The session user's groups, read only when the client's plan needs them.
    pub groups: &'a [MemberOf],
    /// The `scope` parameter: a refresh may narrow the session's scope.
    pub scope: Option<&'a str>,
    pub now: UnixMillis,
}

/// The one session write a refresh asks for, to be made as given before the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionWrite {
    /// Only the refresh time moved (`Store::touch_session`, written behind: losing it to a
    /// crash only makes the session expire earlier).
    Touch { session_id: String, last_refresh: i64 },
    /// The refresh time and the reuse state moved (Revoke Refresh Token on):
    /// `Store::update_session_reuse` with the reuse state the decision read, durable
    /// before the answer, since the reuse state guards against replayed tokens. When
    /// another refresh wrote first, the flow reads again and decides again.
    Update(Session),
    /// The reuse limit was exceeded: the session without its client
    /// (`Store::update_session`), so the chain's newer tokens get "Session doesn't have
    /// required client".
    DetachClient(Session),
}

/// What a refresh comes to.
#[derive(Debug)]
pub enum Refresh {
    /// Tokens to answer with, after making `write`.
    Granted { tokens: IssuedTokens, write: SessionWrite },
    /// Keycloak's refusal, after making `write` if there is one.
    Refused { error: OAuthError, write: Option<SessionWrite> },
}

/// Decides a refresh and signs its tokens. Fails only when the realm has no key to sign
/// with.
pub fn decide(input: RefreshInput<'_>) -> Result<Refresh, IssueError> {
    let checked =
        check_session(input.claims, input.realm, input.client, input.context.as_ref(), input.now);
    let ActiveSession { session, user, reuse } = match checked {
        Ok(active) => active,
        Err(SessionRefusal { error, detaches_client }) => {
            let write = match (detaches_client, &input.context) {
                (true, Some(context)) => Some(SessionWrite::DetachClient(Session {
                    client_uuid: String::new(),
                    ..context.session.clone()
                })),
                _ => None,
            };
            return Ok(Refresh::Refused { error, write });
        }
    };
    let now = input.now.secs();
    let refreshed = Session { last_refresh: now, reuse, ..session.clone() };
    let scope =
        GrantedScope::from_refresh_scope(&refreshed.scope).narrowed(input.scope, input.client);
    let granted_ids = input.context.as_ref().map(|c| c.role_ids.as_slice()).unwrap_or_default();
    let roles = input.roles.expand(granted_ids);
    let tokens = issue(&IssueRequest {
        realm: input.realm,
        client: input.client,
        user,
        roles: &roles,
        groups: input.groups,
        session: Some(&refreshed),
        scope: &scope,
        issuer: input.issuer,
        grant: GrantType::RefreshToken,
        keys: input.keys,
        now: input.now,
        issue_refresh: input.client.uses_refresh_tokens(),
        reuse_id: input.claims.reuse_id.as_deref(),
        client_address: None,
    })?;
    let write = if input.realm.settings.tokens.revoke_refresh_token {
        SessionWrite::Update(refreshed)
    } else {
        SessionWrite::Touch { session_id: refreshed.id, last_refresh: now }
    };
    Ok(Refresh::Granted { tokens, write })
}

#[cfg(test)]
mod tests;
