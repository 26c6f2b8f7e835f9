//! `grant_type=password` (`ResourceOwnerPasswordCredentialsGrantType` and the direct
//! grant authenticators `ValidateUsername`, `ValidatePassword`), Keycloak 26.7.
//!
//! The flow: [`check_request`] (the request alone) → load the user, their brute-force
//! record, credential and grants, verify the password on the hashing pool → [`decide`]
//! → make the [`LoginWrite`] and insert the session it returns. The admin console's
//! sign-in runs the same check without tokens: [`decide_login`].

use crate::brute_force::{FailureOutcome, LoginFailure, is_temporarily_locked, record_failure};
use crate::client::Client;
use crate::grant::GrantType;
use crate::oauth_error::{INVALID_USER_CREDENTIALS, OAuthError, Refusal};
use crate::realm::Realm;
use crate::role::RoleGraph;
use crate::scope::GrantedScope;
use crate::session::{RefreshReuse, Session};
use crate::time::UnixMillis;
use crate::token::issue::{IssueError, IssueRequest, IssuedTokens, issue};
use crate::token::keys::KeySet;
use crate::token::mappers::MemberOf;
use crate::user::{PasswordCredential, User};

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

/// A password grant request that passed the checks on the request alone.
#[derive(Debug)]
pub struct PasswordRequest<'a> {
    pub username: &'a str,
    pub scope: GrantedScope,
}

/// The checks before anything is loaded, in Keycloak's order: the client may use the
/// grant, the scope is the client's, a username is given.
pub fn check_request<'a>(
    client: &Client,
    scope: Option<&str>,
    username: Option<&'a str>,
) -> Result<PasswordRequest<'a>, OAuthError> {
    check_client(client)?;
    let scope = GrantedScope::resolve(client, scope)?;
    let username = check_username(username)?;
    Ok(PasswordRequest { username, scope })
}

/// Whom a username (or an email, where the realm allows it) names.
#[derive(Debug)]
#[expect(clippy::large_enum_variant, reason = "made once per request and matched at once")]
pub enum Found {
    Nobody,
    User(User),
    /// More than one user has that email.
    Ambiguous,
}

impl Found {
    pub fn user(&self) -> Option<&User> {
        match self {
            Found::User(user) => Some(user),
            Found::Nobody | Found::Ambiguous => None,
        }
    }
}

/// Whether a user's password is looked at: not while brute force detection has them
/// locked out (they are answered like a wrong password, after the same hashing time).
pub fn is_password_checked(failure: Option<&LoginFailure>, now: UnixMillis) -> bool {
    !is_temporarily_locked(failure, now)
}

/// What a password check loaded.
#[derive(Debug)]
pub struct LoginInput<'a> {
    pub realm: &'a Realm,
    pub found: &'a Found,
    /// The user's brute-force record, loaded when the realm detects brute force.
    pub failure: Option<&'a LoginFailure>,
    /// The user's password credential, loaded only when [`is_password_checked`].
    pub credential: Option<&'a PasswordCredential>,
    /// The presented password matched `credential` (always false without one: the dummy
    /// hash was checked instead).
    pub is_password_valid: bool,
    /// The caller's address, kept with a failure.
    pub address: Option<&'a str>,
    pub now: UnixMillis,
}

/// What a lockout does beyond the failure record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(clippy::large_enum_variant, reason = "made once per request and matched at once")]
pub enum Lockout {
    /// Locked for a while: the user's tokens issued before `cut_off` (seconds; this
    /// second's included) stop at the gateways.
    Temporary { cut_off: i64 },
    /// Locked for good: store `disabled` (the user, disabled, with `disabledReason`
    /// `permanentLockout`) and cut their tokens off likewise.
    Permanent { cut_off: i64, disabled: User },
}

/// What a password check asks the flow to record, whatever the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginWrite {
    /// Nothing (an unknown, ambiguous, disabled or locked user; no brute force detection).
    Nothing,
    /// A counted failure: store `record`, and apply `lockout` when it locked the user.
    Failure { record: LoginFailure, lockout: Option<Lockout> },
    /// The right password: delete the user's brute-force record if there is one, and
    /// hash the password again under the current policy if `rehash` (an imported hash).
    Success { delete_failure: Option<LoginFailure>, rehash: Option<PasswordCredential> },
}

/// What a password check comes to.
#[derive(Debug)]
pub enum Login<'a> {
    Accepted { user: &'a User, write: LoginWrite },
    Refused { error: OAuthError, write: LoginWrite },
}

/// Decides a username and password. Since 26.6 `invalid_grant` answers are 400 (PR #46528).
pub fn decide_login<'a>(input: &LoginInput<'a>) -> Login<'a> {
    let invalid = || OAuthError::invalid_grant(INVALID_USER_CREDENTIALS);
    let refused = |error| Login::Refused { error, write: LoginWrite::Nothing };
    let user = match input.found {
        Found::Ambiguous => {
            return refused(OAuthError::new(
                Refusal::Unauthorized,
                "invalid_request",
                INVALID_USER_CREDENTIALS,
            ));
        }
        Found::Nobody => return refused(invalid()),
        Found::User(user) => user,
    };
    if user.is_service_account() {
        return refused(invalid());
    }
    if !user.enabled {
        // Keycloak 26.7 reveals "Account disabled" only to someone who knows the password.
        return refused(if input.is_password_valid {
            OAuthError::invalid_grant("Account disabled")
        } else {
            invalid()
        });
    }
    if !is_password_checked(input.failure, input.now) {
        // The lockout is not revealed, and failures during it are not counted.
        return refused(invalid());
    }
    if !input.is_password_valid {
        return Login::Refused { error: invalid(), write: count_failure(input, user) };
    }
    if !user.profile.required_actions.is_empty() {
        // Refused before the login counts: the failures stay, the hash is not redone.
        return refused(OAuthError::invalid_grant("Account is not fully set up"));
    }
    let write = LoginWrite::Success {
        delete_failure: input.failure.cloned(),
        rehash: input.credential.filter(|c| !c.hash.is_current_policy()).cloned(),
    };
    Login::Accepted { user, write }
}

/// A wrong password of a known user, where the realm detects brute force
/// (`DefaultBruteForceProtector.failedLogin`).
fn count_failure(input: &LoginInput<'_>, user: &User) -> LoginWrite {
    let settings = &input.realm.settings.brute_force;
    if !settings.brute_force_protected {
        return LoginWrite::Nothing;
    }
    let mut record = input.failure.cloned().unwrap_or_else(|| LoginFailure {
        realm_id: input.realm.id.clone(),
        user_id: user.id.clone(),
        ..LoginFailure::default()
    });
    let cut_off = input.now.secs().saturating_add(1);
    let lockout = match record_failure(settings, &mut record, input.address, input.now) {
        FailureOutcome::Counted => None,
        FailureOutcome::TemporarilyLocked => Some(Lockout::Temporary { cut_off }),
        FailureOutcome::PermanentlyLocked => {
            let mut disabled = user.clone();
            disabled.enabled = false;
            disabled
                .profile
                .attributes
                .insert("disabledReason".into(), vec!["permanentLockout".into()]);
            Some(Lockout::Permanent { cut_off, disabled })
        }
    };
    LoginWrite::Failure { record, lockout }
}

/// What the password grant's flow has: the request, and what it loaded.
#[derive(Debug)]
pub struct PasswordInput<'a> {
    pub login: LoginInput<'a>,
    pub keys: &'a KeySet,
    pub roles: &'a RoleGraph,
    /// The authenticated client.
    pub client: &'a Client,
    pub issuer: &'a str,
    pub scope: &'a GrantedScope,
    /// The found user's direct role grants (empty when nobody was found).
    pub role_ids: &'a [String],
    /// The found user's groups, read only when the client's plan needs them.
    pub groups: &'a [MemberOf],
}

/// What a password grant comes to.
#[derive(Debug)]
#[expect(clippy::large_enum_variant, reason = "made once per request and matched at once")]
pub enum Password {
    /// Tokens to answer with, after making `login` and inserting `session`.
    Granted { tokens: IssuedTokens, session: Session, login: LoginWrite },
    /// Keycloak's refusal, after making `login`.
    Refused { error: OAuthError, login: LoginWrite },
}

/// Decides a password grant and signs its tokens. Fails only when the realm has no key
/// to sign with.
pub fn decide(input: &PasswordInput<'_>) -> Result<Password, IssueError> {
    let (user, login) = match decide_login(&input.login) {
        Login::Accepted { user, write } => (user, write),
        Login::Refused { error, write } => return Ok(Password::Refused { error, login: write }),
    };
    let roles = input.roles.expand(input.role_ids);
    let offline = input.scope.has("offline_access");
    // `TokenManager.createOrUpdateOfflineSession`: offline tokens need the realm role
    // `offline_access` (nagra's users do not have it, as in the seed's tokens).
    if offline && !roles.realm.contains("offline_access") {
        let error = OAuthError::new(
            Refusal::BadRequest,
            "not_allowed",
            "Offline tokens not allowed for the user or client",
        );
        return Ok(Password::Refused { error, login });
    }
    let realm = input.login.realm;
    let now = input.login.now.secs();
    let session = Session {
        id: crate::random::session_id(),
        realm_id: realm.id.clone(),
        user_id: user.id.clone(),
        client_uuid: input.client.id.clone(),
        started: now,
        last_refresh: now,
        scope: input.scope.full_scope(&input.client.claims),
        // Keycloak ≥26.1 keeps only the offline session when a direct grant asks for
        // one (`changes-26_1_0.adoc`), so one record serves.
        offline,
        reuse: RefreshReuse { last_refresh: now, ..RefreshReuse::default() },
        ip_address: input.login.address.unwrap_or_default().to_owned(),
    };
    let reuse_id = realm.settings.tokens.revoke_refresh_token.then(crate::random::uuid);
    let tokens = issue(&IssueRequest {
        realm,
        client: input.client,
        user,
        roles: &roles,
        groups: input.groups,
        session: Some(&session),
        scope: input.scope,
        issuer: input.issuer,
        grant: GrantType::Password,
        keys: input.keys,
        now: input.login.now,
        issue_refresh: input.client.uses_refresh_tokens(),
        reuse_id: reuse_id.as_deref(),
        client_address: None,
    })?;
    Ok(Password::Granted { tokens, session, login })
}

#[cfg(test)]
mod tests;
