//! OAuth errors as the grant rules decide them: the code, Keycloak's exact
//! description, and which kind of refusal it is. The server maps the kind to a status.

use std::borrow::Cow;

/// The HTTP class of a refusal. Core decides it because Keycloak ties it to the rule
/// (a wrong secret is 401, a wrong refresh token 400), the server writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
}

/// An OAuth 2.0 error answer (`{"error":…,"error_description":…}`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    pub refusal: Refusal,
    pub code: &'static str,
    pub description: Cow<'static, str>,
}

impl OAuthError {
    pub fn new(
        refusal: Refusal,
        code: &'static str,
        description: impl Into<Cow<'static, str>>,
    ) -> Self {
        OAuthError { refusal, code, description: description.into() }
    }

    pub fn invalid_request(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Refusal::BadRequest, "invalid_request", description)
    }

    pub fn invalid_grant(description: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Refusal::BadRequest, "invalid_grant", description)
    }

    /// Unknown, disabled or absent client (`AuthenticationProcessor.handleClientAuthException`).
    pub fn invalid_client() -> Self {
        Self::new(Refusal::Unauthorized, "invalid_client", INVALID_CLIENT_CREDENTIALS)
    }

    /// Missing or wrong secret (`ClientIdAndSecretAuthenticator.reportFailedAuth`).
    pub fn unauthorized_client() -> Self {
        Self::new(Refusal::Unauthorized, "unauthorized_client", INVALID_CLIENT_CREDENTIALS)
    }
}

pub const INVALID_CLIENT_CREDENTIALS: &str = "Invalid client or Invalid client credentials";
pub const INVALID_USER_CREDENTIALS: &str = "Invalid user credentials";
