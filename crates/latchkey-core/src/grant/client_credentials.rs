//! `grant_type=client_credentials` (`ClientCredentialsGrantType`): a token for the
//! client's service-account user, without a refresh token unless the client asks for one.
//!
//! The flow: [`check_request`] (the client and scope alone) → load the service-account
//! user and their grants → [`decide`] → insert the session it returns, if any.

use crate::client::Client;
use crate::grant::GrantType;
use crate::oauth_error::{OAuthError, Refusal};
use crate::realm::Realm;
use crate::role::RoleGraph;
use crate::scope::GrantedScope;
use crate::session::{RefreshReuse, Session};
use crate::time::UnixMillis;
use crate::token::issue::{IssueError, IssueRequest, IssuedTokens, issue};
use crate::token::keys::KeySet;
use crate::token::mappers::MemberOf;
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

/// The checks before anything is loaded: the client may use its service account, and
/// the scope is the client's.
pub fn check_request(client: &Client, scope: Option<&str>) -> Result<GrantedScope, OAuthError> {
    check_client(client)?;
    GrantedScope::resolve(client, scope)
}

/// What the client-credentials flow has: the request, and what it loaded.
#[derive(Debug)]
pub struct ClientCredentialsInput<'a> {
    pub realm: &'a Realm,
    pub keys: &'a KeySet,
    pub roles: &'a RoleGraph,
    /// The authenticated client.
    pub client: &'a Client,
    pub issuer: &'a str,
    pub scope: &'a GrantedScope,
    /// The user named [`service_account_username`], if there is one.
    pub user: Option<&'a User>,
    /// That user's direct role grants.
    pub role_ids: &'a [String],
    /// That user's groups, read only when the client's plan needs them.
    pub groups: &'a [MemberOf],
    /// The caller's address, for the `clientHost`/`clientAddress` claims and the session.
    pub address: Option<&'a str>,
    pub now: UnixMillis,
}

/// What a client-credentials grant comes to.
#[derive(Debug)]
#[expect(clippy::large_enum_variant, reason = "made once per request and matched at once")]
pub enum ClientCredentials {
    /// Tokens to answer with, after inserting `session` (only when the client asks for
    /// refresh tokens, `client_credentials.use_refresh_token`).
    Granted {
        tokens: IssuedTokens,
        session: Option<Session>,
    },
    Refused(OAuthError),
}

/// Decides a client-credentials grant and signs its tokens. Fails only when the realm
/// has no key to sign with.
pub fn decide(input: &ClientCredentialsInput<'_>) -> Result<ClientCredentials, IssueError> {
    let user = match check_service_account(input.user) {
        Ok(user) => user,
        Err(error) => return Ok(ClientCredentials::Refused(error)),
    };
    let now = input.now.secs();
    let with_refresh = input.client.client_credentials_use_refresh_token();
    let session = with_refresh.then(|| Session {
        id: crate::random::session_id(),
        realm_id: input.realm.id.clone(),
        user_id: user.id.clone(),
        client_uuid: input.client.id.clone(),
        started: now,
        last_refresh: now,
        scope: input.scope.full_scope(&input.client.claims),
        offline: false,
        reuse: RefreshReuse::default(),
        ip_address: input.address.unwrap_or_default().to_owned(),
    });
    let roles = input.roles.expand(input.role_ids);
    let tokens = issue(&IssueRequest {
        realm: input.realm,
        client: input.client,
        user,
        roles: &roles,
        groups: input.groups,
        session: session.as_ref(),
        scope: input.scope,
        issuer: input.issuer,
        grant: GrantType::ClientCredentials,
        keys: input.keys,
        now: input.now,
        issue_refresh: with_refresh,
        reuse_id: None,
        client_address: input.address,
    })?;
    Ok(ClientCredentials::Granted { tokens, session })
}

#[cfg(test)]
mod tests;
