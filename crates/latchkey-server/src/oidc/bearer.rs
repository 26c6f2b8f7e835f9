//! Access-token checks shared by userinfo, introspection and revocation.

use latchkey_core::session::Session;
use latchkey_core::store::Store;
use latchkey_core::time::UnixMillis;
use latchkey_core::token::claims::{AccessClaims, TYP_BEARER};
use latchkey_core::token::jwt;
use latchkey_core::token::lifetimes::Lifetimes;
use latchkey_core::user::User;
use serde::Deserialize as _;

use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::state::AppState;

/// Why an access token is not (or no longer) good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerFailure {
    /// Signature, type, issuer, expiry, staleness or revocation.
    Verification,
    ClientNotFound,
    ClientDisabled,
    SessionNotFound,
    SessionExpired,
    UserDisabled,
}

/// A verified access token with what it points at.
pub struct VerifiedAccess {
    pub claims: AccessClaims,
    pub raw: serde_json::Map<String, serde_json::Value>,
    pub session: Option<Session>,
    pub user: User,
}

/// Checks the signature and the claims that need no storage.
pub fn verify_access_claims(
    realm: &RealmSnapshot,
    token: &str,
    issuer: &str,
    now: UnixMillis,
) -> Result<(AccessClaims, serde_json::Map<String, serde_json::Value>), BearerFailure> {
    let raw: serde_json::Value =
        jwt::verify(&realm.keys, token).map_err(|_| BearerFailure::Verification)?;
    let claims = AccessClaims::deserialize(&raw).map_err(|_| BearerFailure::Verification)?;
    let serde_json::Value::Object(raw) = raw else { return Err(BearerFailure::Verification) };
    // Tokens of lower-case-bearer clients say "bearer"; Keycloak's verifier accepts both.
    let is_valid = claims.typ.as_deref().is_some_and(|typ| typ.eq_ignore_ascii_case(TYP_BEARER))
        && claims.iss.as_deref() == Some(issuer)
        && claims.exp.is_some_and(|exp| now.secs() <= exp)
        && claims.iat.unwrap_or(0) >= realm.realm.settings.not_before;
    if !is_valid {
        return Err(BearerFailure::Verification);
    }
    Ok((claims, raw))
}

/// Full check: claims, revocation, client, session and user.
pub async fn verify_access_token(
    state: &AppState,
    realm: &RealmSnapshot,
    token: &str,
    issuer: &str,
) -> Result<Result<VerifiedAccess, BearerFailure>, ApiError> {
    let now = state.clock.now();
    let (claims, raw) = match verify_access_claims(realm, token, issuer, now) {
        Ok(verified) => verified,
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(jti) = &claims.jti
        && state.store.is_token_revoked(jti).await?
    {
        return Ok(Err(BearerFailure::Verification));
    }
    let Some(client) = claims.azp.as_deref().and_then(|azp| realm.client(azp)) else {
        return Ok(Err(BearerFailure::ClientNotFound));
    };
    if !client.enabled {
        return Ok(Err(BearerFailure::ClientDisabled));
    }
    let session = match claims.session_id() {
        Some(id) => {
            let Some(session) = state.store.find_session(id).await? else {
                return Ok(Err(BearerFailure::SessionNotFound));
            };
            let lifetimes = Lifetimes::for_session(&realm.realm, client, session.offline);
            if !lifetimes.is_user_session_active(&session, now.secs()) {
                return Ok(Err(BearerFailure::SessionExpired));
            }
            Some(session)
        }
        None => None,
    };
    let user_id = session.as_ref().map(|s| s.user_id.clone()).or_else(|| claims.sub.clone());
    let user = match user_id {
        Some(id) => state.store.find_user_by_id(&realm.realm.id, &id).await?,
        None => None,
    };
    let Some(user) = user else { return Ok(Err(BearerFailure::SessionNotFound)) };
    if !user.enabled {
        return Ok(Err(BearerFailure::UserDisabled));
    }
    Ok(Ok(VerifiedAccess { claims, raw, session, user }))
}

/// The token of an `Authorization: Bearer …` header (scheme case-insensitive).
pub fn bearer_token(authorization: Option<&str>) -> Option<&str> {
    let (scheme, token) = authorization?.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}
