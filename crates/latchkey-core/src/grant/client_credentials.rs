//! `grant_type=client_credentials` (`ClientCredentialsGrantType`).

use crate::client::Client;
use crate::oauth_error::{OAuthError, Refusal};
use crate::user::User;

/// Checks the (already authenticated) client may use its service account.
pub fn check_client(client: &Client) -> Result<(), OAuthError> {
    if client.settings.bearer_only {
        return Err(OAuthError::new(
            Refusal::Unauthorized,
            "unauthorized_client",
            "Bearer-only client not allowed to retrieve service account",
        ));
    }
    if client.public_client {
        return Err(OAuthError::new(
            Refusal::Unauthorized,
            "unauthorized_client",
            "Public client not allowed to retrieve service account",
        ));
    }
    if !client.settings.service_accounts_enabled {
        return Err(OAuthError::new(
            Refusal::Unauthorized,
            "unauthorized_client",
            "Client not enabled to retrieve service account",
        ));
    }
    Ok(())
}

/// Checks the service-account user found for the client.
pub fn check_service_account(user: Option<&User>) -> Result<&User, OAuthError> {
    let Some(user) = user else {
        return Err(OAuthError::new(
            Refusal::Unauthorized,
            "invalid_request",
            "The client does not have associated service account user",
        ));
    };
    if !user.enabled {
        return Err(OAuthError::new(
            Refusal::Unauthorized,
            "invalid_request",
            format!("User '{}' disabled", user.username),
        ));
    }
    Ok(user)
}

/// The username Keycloak gives a client's service account user.
pub fn service_account_username(client_id: &str) -> String {
    format!("service-account-{}", client_id.to_lowercase())
}
