//! The password grant's flow: load, decide (`latchkey_core::grant::password`), save.

use latchkey_core::brute_force::{
    FailureOutcome, LoginFailure, is_temporarily_locked, record_failure,
};
use latchkey_core::grant::GrantType;
use latchkey_core::grant::password::{
    FailureBookkeeping, LoginFacts, check_client, check_username, decide_login,
};
use latchkey_core::scope::GrantedScope;
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::Store;
use latchkey_core::time::UnixMillis;
use latchkey_core::token::issue::{IssueRequest, IssuedTokens, issue};
use latchkey_core::user::{PasswordCredential, User};

use super::token::{TokenRequest, effective_roles};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::revocations::{revoke, user_cut_off};
use crate::state::AppState;

/// Finds the user by username, or by email when the realm allows it
/// (`KeycloakModelUtils.findUserByNameOrEmail`). The bool says "more than one".
async fn find_user(
    state: &AppState,
    realm_id: &str,
    login_with_email: bool,
    username: &str,
) -> Result<(Option<User>, bool), ApiError> {
    let lowered = username.to_lowercase();
    if let Some(user) = state.store.find_user_by_username(realm_id, &lowered).await? {
        return Ok((Some(user), false));
    }
    if login_with_email && username.contains('@') {
        let mut users = state.store.find_users_by_email(realm_id, &lowered).await?;
        if users.len() > 1 {
            return Ok((None, true));
        }
        return Ok((users.pop(), false));
    }
    Ok((None, false))
}

pub async fn grant(state: &AppState, request: &TokenRequest) -> Result<IssuedTokens, ApiError> {
    let realm = &request.realm;
    let settings = &realm.realm.settings;
    check_client(&request.client)?;
    let scope = GrantedScope::resolve(&request.client, request.form.get("scope"))?;
    let username = check_username(request.form.get("username"))?;
    let password = request.form.get("password").unwrap_or_default().to_owned();
    let now = state.clock.now();
    let address = request.caller.address.map(|a| a.to_string());
    let user = check_password(state, realm, username, password, address.as_deref()).await?;

    let roles = effective_roles(state, realm, &user).await?;
    // `TokenManager.createOrUpdateOfflineSession`: offline tokens need the realm role
    // `offline_access` (nagra's users do not have it, as in the seed's tokens).
    if scope.has("offline_access") && !roles.realm.contains("offline_access") {
        return Err(latchkey_core::oauth_error::OAuthError::new(
            latchkey_core::oauth_error::Refusal::BadRequest,
            "not_allowed",
            "Offline tokens not allowed for the user or client",
        )
        .into());
    }
    let now_secs = now.secs();
    let session = Session {
        id: latchkey_core::random::session_id(),
        realm_id: realm.realm.id.clone(),
        user_id: user.id.clone(),
        client_uuid: request.client.id.clone(),
        started: now_secs,
        last_refresh: now_secs,
        scope: scope.full_scope(),
        // Keycloak ≥26.1 keeps only the offline session when a direct grant asks for
        // one (`changes-26_1_0.adoc`), so one record serves.
        offline: scope.has("offline_access"),
        reuse: RefreshReuse { last_refresh: now_secs, ..RefreshReuse::default() },
        ip_address: request.caller.address.map(|a| a.to_string()).unwrap_or_default(),
    };
    let reuse_id = settings.tokens.revoke_refresh_token.then(latchkey_core::random::uuid);
    let issuer = request.caller.issuer(&realm.realm.name);
    let tokens = issue(&IssueRequest {
        realm: &realm.realm,
        client: &request.client,
        user: &user,
        roles: &roles,
        session: Some(&session),
        scope: &scope,
        issuer: &issuer,
        grant: GrantType::Password,
        keys: &realm.keys,
        now,
        issue_refresh: request.client.uses_refresh_tokens(),
        reuse_id: reuse_id.as_deref(),
        client_address: None,
    })
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    state.store.insert_session(&session).await?;
    Ok(tokens)
}

/// Checks a username (or email) and password the way the password grant does: the
/// user is looked up, a brute-force lockout is honoured, the password is verified on the
/// hashing pool (a dummy hash for unknown, disabled and locked users, so the answer takes
/// as long), a failure is counted and may lock the user, a success clears the failures
/// and rehashes an imported hash. The admin console's sign-in uses it too, so both count
/// towards the same brute-force record. `address` is the caller's IP, kept with a failure.
pub async fn check_password(
    state: &AppState,
    realm: &RealmSnapshot,
    username: &str,
    password: String,
    address: Option<&str>,
) -> Result<User, ApiError> {
    let settings = &realm.realm.settings;
    let now = state.clock.now();
    let (user, is_ambiguous) =
        find_user(state, &realm.realm.id, settings.login_with_email_allowed, username).await?;
    let failure = match (&user, settings.brute_force.brute_force_protected) {
        (Some(user), true) => state.store.find_login_failure(&realm.realm.id, &user.id).await?,
        _ => None,
    };
    let is_locked = is_temporarily_locked(failure.as_ref(), now);
    let credential = match &user {
        Some(user) if !is_locked => state.store.find_password(&user.id).await?,
        _ => None,
    };
    // Unknown, disabled and locked users still pay for one hash (no enumeration by timing).
    let is_password_valid =
        state.hasher.verify(credential.as_ref().map(|c| c.hash.clone()), password.clone()).await;

    let facts = LoginFacts { user: user.as_ref(), is_ambiguous, is_locked, is_password_valid };
    if let Err((error, bookkeeping)) = decide_login(&facts) {
        if let (FailureBookkeeping::CountFailure, Some(user), true) =
            (bookkeeping, &user, settings.brute_force.brute_force_protected)
        {
            let outcome = count_failure(state, realm, user, failure, address, now).await?;
            if outcome != FailureOutcome::Counted {
                // A locked account's tokens stop at the gateways too.
                let now = now.secs();
                let revocation = user_cut_off(realm, &user.id, now.saturating_add(1), now);
                revoke(state, realm, revocation, now).await?;
            }
            if outcome == FailureOutcome::PermanentlyLocked {
                let mut disabled = user.clone();
                disabled.enabled = false;
                disabled
                    .profile
                    .attributes
                    .insert("disabledReason".into(), vec!["permanentLockout".into()]);
                state.store.update_user(&disabled).await?;
                tracing::warn!(user_id = %user.id, "user disabled by permanent lockout");
            }
        }
        tracing::info!(error = %error, "password check refused");
        return Err(error.into());
    }
    let Some(user) = user else { return Err(ApiError::Internal("login without user".into())) };

    if failure.is_some() {
        state.store.delete_login_failure(&realm.realm.id, &user.id).await?;
    }
    if let Some(credential) = credential.filter(|c| !c.hash.is_current_policy()) {
        rehash(state, credential, password).await?;
    }
    Ok(user)
}

/// Counts a failed login in the user's brute-force record and says what it leads to.
/// The record is written only if it is still the one read (failures counted at the same
/// moment, here or on another instance, would otherwise overwrite each other), and is
/// read and counted again when another failure wrote first.
async fn count_failure(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
    mut read: Option<LoginFailure>,
    address: Option<&str>,
    now: UnixMillis,
) -> Result<FailureOutcome, ApiError> {
    for _ in 0..FAILURE_RACE_ATTEMPTS {
        let mut record = read.clone().unwrap_or_else(|| LoginFailure {
            realm_id: realm.realm.id.clone(),
            user_id: user.id.clone(),
            ..LoginFailure::default()
        });
        let outcome = record_failure(&realm.realm.settings.brute_force, &mut record, address, now);
        if state.store.update_login_failure(read.as_ref(), &record).await? {
            return Ok(outcome);
        }
        read = state.store.find_login_failure(&realm.realm.id, &user.id).await?;
    }
    Err(ApiError::Internal("a failed login lost every race for its brute-force record".into()))
}

/// How many times a failed login reads and counts again after losing a race.
const FAILURE_RACE_ATTEMPTS: usize = 8;

/// Rehashes an imported hash with the current default after a successful login.
async fn rehash(
    state: &AppState,
    credential: PasswordCredential,
    password: String,
) -> Result<(), ApiError> {
    if let Some(hash) = state.hasher.hash(password).await {
        state.store.set_password(&PasswordCredential { hash, ..credential }).await?;
        tracing::info!("password rehashed with the current policy");
    }
    Ok(())
}
