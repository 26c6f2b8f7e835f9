//! `grant_type=password` (`ResourceOwnerPasswordCredentialsGrantType` and the direct
//! grant authenticators `ValidateUsername`, `ValidatePassword`), Keycloak 26.7.

use crate::client::Client;
use crate::oauth_error::{INVALID_USER_CREDENTIALS, OAuthError, Refusal};
use crate::user::User;

/// Client checks that come before the user is looked at.
pub fn check_client(client: &Client) -> Result<(), OAuthError> {
    if !client.settings.direct_access_grants_enabled {
        return Err(OAuthError::new(
            Refusal::BadRequest,
            "unauthorized_client",
            "Client not allowed for direct access grants",
        ));
    }
    if client.settings.consent_required {
        return Err(OAuthError::new(
            Refusal::BadRequest,
            "invalid_client",
            "Client requires user consent",
        ));
    }
    Ok(())
}

/// `username` must be present (`ValidateUsername`: 401 `invalid_request`).
pub fn check_username(username: Option<&str>) -> Result<&str, OAuthError> {
    match username {
        Some(name) if !name.is_empty() => Ok(name),
        _ => Err(OAuthError::new(
            Refusal::Unauthorized,
            "invalid_request",
            "Missing parameter: username",
        )),
    }
}

/// Everything the login decision needs, loaded and computed by the flow.
#[derive(Debug)]
pub struct LoginFacts<'a> {
    /// The one user matching the username or email, if any.
    pub user: Option<&'a User>,
    /// More than one user matched the email.
    pub is_ambiguous: bool,
    /// Brute force detection has the user locked out right now.
    pub is_locked: bool,
    /// The password matched the stored hash (false when there is none).
    pub is_password_valid: bool,
}

/// What the flow must do after a refused login.
#[derive(Debug, PartialEq, Eq)]
pub enum FailureBookkeeping {
    /// Count a brute-force failure for this user.
    CountFailure,
    /// Nothing to record.
    None,
}

/// Decides a password login. Since 26.6 `invalid_grant` answers are 400 (PR #46528).
pub fn decide_login(facts: &LoginFacts<'_>) -> Result<(), (OAuthError, FailureBookkeeping)> {
    let invalid = || OAuthError::invalid_grant(INVALID_USER_CREDENTIALS);
    if facts.is_ambiguous {
        return Err((
            OAuthError::new(Refusal::Unauthorized, "invalid_request", INVALID_USER_CREDENTIALS),
            FailureBookkeeping::None,
        ));
    }
    let Some(user) = facts.user else { return Err((invalid(), FailureBookkeeping::None)) };
    if user.is_service_account() {
        return Err((invalid(), FailureBookkeeping::None));
    }
    if !user.enabled {
        // Keycloak 26.7 reveals "Account disabled" only to someone who knows the password.
        let error = if facts.is_password_valid {
            OAuthError::invalid_grant("Account disabled")
        } else {
            invalid()
        };
        return Err((error, FailureBookkeeping::None));
    }
    if facts.is_locked {
        // The lockout is not revealed, and failures during it are not counted.
        return Err((invalid(), FailureBookkeeping::None));
    }
    if !facts.is_password_valid {
        return Err((invalid(), FailureBookkeeping::CountFailure));
    }
    if !user.profile.required_actions.is_empty() {
        return Err((
            OAuthError::invalid_grant("Account is not fully set up"),
            FailureBookkeeping::None,
        ));
    }
    Ok(())
}
