//! Access-token verification as a pure function: token + the issuer's keys + `now` →
//! the verified identity or the reason for refusal. No I/O and no clock here.

use std::collections::HashMap;

use latchkey_core::time::UnixMillis;
use latchkey_core::token::claims::{Audience, TYP_BEARER};
use latchkey_core::token::jwt::{self, Parts};
use serde::Deserialize;

use crate::jwks::{Algorithm, KeySet};
use crate::policy::Roles;

/// What a token must say besides being well signed.
#[derive(Clone, Debug, Default)]
pub struct Expectations {
    /// Accepted `iss` values, compared exactly.
    pub issuers: Vec<String>,
    /// Allowed clock skew for `exp`, `nbf` and `iat`, in seconds.
    pub leeway_secs: i64,
    /// If set, `azp` must be this client.
    pub azp: Option<String>,
    /// If set, `aud` must contain this value.
    pub audience: Option<String>,
}

/// Why a token was refused; `description` is what the 401 says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("malformed token")]
    Malformed,
    #[error("signing algorithm not allowed")]
    AlgorithmNotAllowed,
    #[error("unknown issuer")]
    UnknownIssuer,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("invalid signature")]
    BadSignature,
    #[error("invalid claims")]
    BadClaims,
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
    #[error("token issued in the future")]
    IssuedInFuture,
    #[error("not an access token")]
    WrongType,
    #[error("token not issued to an allowed client")]
    WrongAuthorizedParty,
    #[error("token not meant for this audience")]
    WrongAudience,
    /// Its session ended, its user was logged out or disabled, or it was revoked.
    #[error("token revoked")]
    Revoked,
}

/// The verified identity, as the upstream is told about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: Option<String>,
    pub username: Option<String>,
    pub authorized_party: Option<String>,
    pub roles: Roles,
    /// `sid` (or `session_state`), `jti` and `iat`: what revocations are checked against.
    pub session_id: Option<String>,
    pub token_id: Option<String>,
    pub issued_at: Option<i64>,
}

impl Identity {
    /// The facts a revocation list looks at.
    pub fn revocation_facts(&self) -> latchkey_core::revocation::TokenFacts<'_> {
        latchkey_core::revocation::TokenFacts {
            sid: self.session_id.as_deref(),
            sub: self.subject.as_deref(),
            jti: self.token_id.as_deref(),
            iat: self.issued_at,
        }
    }
}

#[derive(Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    typ: Option<String>,
    azp: Option<String>,
    aud: Option<Audience>,
    exp: Option<i64>,
    nbf: Option<i64>,
    iat: Option<i64>,
    preferred_username: Option<String>,
    sid: Option<String>,
    session_state: Option<String>,
    jti: Option<String>,
    realm_access: Option<Access>,
    resource_access: Option<HashMap<String, Access>>,
}

#[derive(Deserialize)]
struct Access {
    #[serde(default)]
    roles: Vec<String>,
}

/// A token taken apart and checked as far as possible without keys: the algorithm is on
/// the allow-list and the (not yet trusted) issuer is one we accept.
pub struct Presented<'a> {
    parts: Parts<'a>,
    alg: Algorithm,
    claims: Claims,
}

impl Presented<'_> {
    /// The claimed issuer, which picks the key set; trusted only after [`verify`].
    pub fn issuer(&self) -> &str {
        self.claims.iss.as_deref().unwrap_or_default()
    }

    pub fn kid(&self) -> Option<&str> {
        self.parts.header.kid.as_deref()
    }
}

/// Parses the token and refuses what no key could make valid: a broken token, an
/// algorithm off the allow-list (`none`, `HS*`), an issuer not configured. Doing this
/// before looking up keys means such tokens never cause a JWKS fetch.
pub fn inspect<'a>(
    token: &'a str,
    expectations: &Expectations,
) -> Result<Presented<'a>, TokenError> {
    let parts = jwt::split(token).map_err(|_| TokenError::Malformed)?;
    let alg = Algorithm::parse(&parts.header.alg).ok_or(TokenError::AlgorithmNotAllowed)?;
    let claims: Claims =
        serde_json::from_slice(&parts.payload).map_err(|_| TokenError::BadClaims)?;
    let issuer = claims.iss.as_deref().ok_or(TokenError::UnknownIssuer)?;
    if !expectations.issuers.iter().any(|accepted| accepted == issuer) {
        return Err(TokenError::UnknownIssuer);
    }
    Ok(Presented { parts, alg, claims })
}

/// Checks the signature against the issuer's keys, then the claims against `now`.
pub fn verify(
    presented: Presented<'_>,
    keys: &KeySet,
    expectations: &Expectations,
    now: UnixMillis,
) -> Result<Identity, TokenError> {
    let Presented { parts, alg, claims } = presented;
    let key = keys.find(parts.header.kid.as_deref(), alg).ok_or(TokenError::UnknownKey)?;
    if !key.accepts(alg) {
        return Err(TokenError::AlgorithmNotAllowed);
    }
    if !key.verify(alg, parts.signing_input.as_bytes(), &parts.signature) {
        return Err(TokenError::BadSignature);
    }
    check_claims(claims, expectations, now)
}

fn check_claims(
    claims: Claims,
    expectations: &Expectations,
    now: UnixMillis,
) -> Result<Identity, TokenError> {
    let now = now.secs();
    let leeway = expectations.leeway_secs;
    // Keycloak emits `Bearer`, or `bearer` for clients with lower-case token types;
    // refresh (`Refresh`, `Offline`) and ID (`ID`) tokens are not access tokens.
    if !claims.typ.as_deref().is_some_and(|typ| typ.eq_ignore_ascii_case(TYP_BEARER)) {
        return Err(TokenError::WrongType);
    }
    let exp = claims.exp.ok_or(TokenError::BadClaims)?;
    if now > exp.saturating_add(leeway) {
        return Err(TokenError::Expired);
    }
    if claims.nbf.is_some_and(|nbf| now.saturating_add(leeway) < nbf) {
        return Err(TokenError::NotYetValid);
    }
    if claims.iat.is_some_and(|iat| now.saturating_add(leeway) < iat) {
        return Err(TokenError::IssuedInFuture);
    }
    if let Some(azp) = &expectations.azp
        && claims.azp.as_deref() != Some(azp.as_str())
    {
        return Err(TokenError::WrongAuthorizedParty);
    }
    if let Some(audience) = &expectations.audience
        && !claims.aud.as_ref().is_some_and(|aud| aud.contains(audience))
    {
        return Err(TokenError::WrongAudience);
    }
    let roles = Roles {
        realm: claims.realm_access.map(|access| access.roles).unwrap_or_default(),
        clients: claims
            .resource_access
            .unwrap_or_default()
            .into_iter()
            .map(|(client, access)| (client, access.roles))
            .collect(),
    };
    Ok(Identity {
        issuer: claims.iss.unwrap_or_default(),
        subject: claims.sub,
        username: claims.preferred_username,
        authorized_party: claims.azp,
        roles,
        session_id: claims.sid.or(claims.session_state),
        token_id: claims.jti,
        issued_at: claims.iat,
    })
}

#[cfg(test)]
mod tests;
