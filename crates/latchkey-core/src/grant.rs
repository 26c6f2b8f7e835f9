//! The grant rules. Each grant's flow in the server has the same shape: check the
//! request alone (no I/O), load what the decision needs, call the grant's one pure
//! decision with what was loaded and `now`, and make the writes it returns, exactly as
//! returned. The decision answers either the tokens with the writes that go with them,
//! or Keycloak's refusal with what to record.
//!
//! Order of checks and every error text follow Keycloak 26.7 (`TokenEndpoint`,
//! the grant types in `protocol/oidc/grants/`, `TokenManager`), see
//! `spec/keycloak-protocol.md` §1.

pub mod client_auth;
pub mod client_credentials;
pub mod password;
pub mod refresh_token;

#[cfg(test)]
mod fixture;

use crate::oauth_error::OAuthError;

/// The grant types latchkey serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantType {
    Password,
    RefreshToken,
    ClientCredentials,
}

impl GrantType {
    /// Parses `grant_type`; checked before client authentication (`TokenEndpoint.checkGrantType`).
    pub fn parse(value: Option<&str>) -> Result<Self, OAuthError> {
        match value {
            None => Err(OAuthError::invalid_request("Missing form parameter: grant_type")),
            Some("password") => Ok(GrantType::Password),
            Some("refresh_token") => Ok(GrantType::RefreshToken),
            Some("client_credentials") => Ok(GrantType::ClientCredentials),
            Some(_) => Err(OAuthError::new(
                crate::oauth_error::Refusal::BadRequest,
                "unsupported_grant_type",
                "Unsupported grant_type",
            )),
        }
    }

    /// The two letters Keycloak ≥26.2 puts in an access token's `jti` prefix
    /// (`AccessTokenContext`, the grant type factories' short names).
    pub fn short_name(self) -> &'static str {
        match self {
            GrantType::Password => "ro",
            GrantType::RefreshToken => "rt",
            GrantType::ClientCredentials => "cc",
        }
    }
}
