//! The password grant's flow: check the request, load the user with their brute-force
//! record, credential and grants, verify the password on the hashing pool, let
//! `latchkey_core::grant::password::decide` decide, make the writes it returns. The
//! console's sign-in shares the loading and the writes ([`check_password`]).

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::grant::password::{
    Found, Lockout, Login, LoginInput, LoginWrite, Password, PasswordInput, check_request, decide,
    decide_login, is_password_checked,
};
use latchkey_core::store::Store;
use latchkey_core::time::UnixMillis;
use latchkey_core::token::issue::IssuedTokens;
use latchkey_core::user::{PasswordCredential, User};

use latchkey_core::event::password_login_error;

use super::token::{TokenRequest, member_of};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::events::LoginEvent;
use crate::revocation::{revoke, user_cut_off};
use crate::state::AppState;

pub async fn grant(state: &AppState, request: &TokenRequest) -> Result<IssuedTokens, ApiError> {
    let realm = &request.realm;
    let form = &request.form;
    let checked = check_request(&request.client, form.get("scope"), form.get("username"))?;
    let password = form.get("password").unwrap_or_default();
    let now = state.clock.now();
    let loaded = load_login(state, realm, checked.username, password, now).await?;
    let (role_ids, groups) = match loaded.found.user() {
        Some(user) => (
            state.store.list_user_held_role_ids(&user.id).await?,
            member_of(state, &request.client, &user.id).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let address = request.caller.address.map(|a| a.to_string());
    let issuer = request.caller.issuer(&realm.realm.name);
    let decision = decide(&PasswordInput {
        login: loaded.input(realm, address.as_deref(), now),
        keys: &realm.keys,
        roles: &realm.roles,
        client: &request.client,
        issuer: &issuer,
        scope: &checked.scope,
        role_ids: &role_ids,
        groups: &groups,
    })?;
    let mut event = LoginEvent::new(state, realm, "LOGIN", &request.caller);
    event.client(&request.client.client_id);
    match decision {
        Password::Granted { tokens, session, login } => {
            save_login(state, realm, &loaded, address.as_deref(), login, password, now).await?;
            state.store.insert_session(&session).await?;
            if event.is_on() {
                event.user(&session.user_id).session(&session.id);
                event.detail("auth_method", "openid-connect");
                event.detail("token_id", &token_id(&tokens.access_token));
                event.detail("grant_type", "password");
                if let Some(refresh_token_id) = &tokens.refresh_token_id {
                    event.detail("refresh_token_type", refresh_token_type(&session));
                    event.detail("scope", &tokens.scope);
                    event.detail("refresh_token_id", refresh_token_id);
                } else {
                    event.detail("scope", &tokens.scope);
                }
                event.detail("client_auth_method", CLIENT_AUTH_METHOD);
                event.detail("username", checked.username);
            }
            event.success(state, realm).await;
            Ok(tokens)
        }
        Password::Refused { error, login } => {
            if event.is_on() {
                let (code, names_user) = password_login_error(&loaded.input(realm, None, now));
                if names_user && let Some(user) = loaded.found.user() {
                    event.user(&user.id);
                }
                if code == "resolve_required_actions" {
                    event.detail("reason", &error.description);
                }
                event.detail("auth_method", "openid-connect");
                event.detail("grant_type", "password");
                event.detail("client_auth_method", CLIENT_AUTH_METHOD);
                event.detail("username", checked.username);
                save_login(state, realm, &loaded, address.as_deref(), login, password, now).await?;
                event.error(state, realm, code).await;
            } else {
                save_login(state, realm, &loaded, address.as_deref(), login, password, now).await?;
            }
            tracing::info!(error = %error, "password grant refused");
            Err(error.into())
        }
    }
}

/// `client_auth_method`, as Keycloak 26.7.3 records it for confidential and public
/// clients alike (`facts-12.md` §4.2).
pub(crate) const CLIENT_AUTH_METHOD: &str = "client-secret";

/// An access token's `jti`, the events' `token_id`.
pub(crate) fn token_id(access_token: &str) -> String {
    latchkey_core::token::jwt::peek_unverified::<serde_json::Value>(access_token)
        .ok()
        .and_then(|claims| claims.get("jti").and_then(|jti| jti.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

/// `refresh_token_type`: `Offline` for an offline session's token, else `Refresh`.
pub(crate) fn refresh_token_type(session: &latchkey_core::session::Session) -> &'static str {
    if session.offline { "Offline" } else { "Refresh" }
}

/// Checks a username (or email) and password the way the password grant does, for the
/// admin console's sign-in: the same lookup, hashing, brute-force counting and lockout,
/// towards the same brute-force record. `address` is the caller's IP, kept with a failure.
pub async fn check_password(
    state: &AppState,
    realm: &RealmSnapshot,
    username: &str,
    password: &str,
    address: Option<&str>,
) -> Result<User, ApiError> {
    let now = state.clock.now();
    let loaded = load_login(state, realm, username, password, now).await?;
    match decide_login(&loaded.input(realm, address, now)) {
        Login::Accepted { user, write } => {
            save_login(state, realm, &loaded, address, write, password, now).await?;
            Ok(user.clone())
        }
        Login::Refused { error, write } => {
            save_login(state, realm, &loaded, address, write, password, now).await?;
            tracing::info!(error = %error, "password check refused");
            Err(error.into())
        }
    }
}

/// What a password check loads: the user the name finds, their brute-force record (when
/// the realm detects brute force) and credential (unless locked out), and whether the
/// password matches. Unknown, disabled and locked users still pay for one hash, against
/// a dummy (no enumeration by timing).
struct LoadedLogin {
    found: Found,
    failure: Option<LoginFailure>,
    credential: Option<PasswordCredential>,
    is_password_valid: bool,
}

impl LoadedLogin {
    fn input<'a>(
        &'a self,
        realm: &'a RealmSnapshot,
        address: Option<&'a str>,
        now: UnixMillis,
    ) -> LoginInput<'a> {
        LoginInput {
            realm: &realm.realm,
            found: &self.found,
            failure: self.failure.as_ref(),
            credential: self.credential.as_ref(),
            is_password_valid: self.is_password_valid,
            address,
            now,
        }
    }
}

async fn load_login(
    state: &AppState,
    realm: &RealmSnapshot,
    username: &str,
    password: &str,
    now: UnixMillis,
) -> Result<LoadedLogin, ApiError> {
    let settings = &realm.realm.settings;
    let found =
        find_user(state, &realm.realm.id, settings.login_with_email_allowed, username).await?;
    let failure = match (found.user(), settings.brute_force.brute_force_protected) {
        (Some(user), true) => state.store.find_login_failure(&realm.realm.id, &user.id).await?,
        _ => None,
    };
    let credential = match found.user() {
        Some(user) if is_password_checked(failure.as_ref(), now) => {
            state.store.find_password(&user.id).await?
        }
        _ => None,
    };
    let hash = credential.as_ref().map(|c| c.hash.clone());
    let is_password_valid = state.hasher.verify(hash, password.to_owned()).await;
    Ok(LoadedLogin { found, failure, credential, is_password_valid })
}

/// Finds the user by username, or by email when the realm allows it
/// (`KeycloakModelUtils.findUserByNameOrEmail`).
async fn find_user(
    state: &AppState,
    realm_id: &str,
    login_with_email: bool,
    username: &str,
) -> Result<Found, ApiError> {
    let lowered = username.to_lowercase();
    if let Some(user) = state.store.find_user_by_username(realm_id, &lowered).await? {
        return Ok(Found::User(user));
    }
    if login_with_email && username.contains('@') {
        let mut users = state.store.find_users_by_email(realm_id, &lowered).await?;
        if users.len() > 1 {
            return Ok(Found::Ambiguous);
        }
        return Ok(users.pop().map_or(Found::Nobody, Found::User));
    }
    Ok(Found::Nobody)
}

/// Makes what a password check asks to record, in the order the decision lists it.
async fn save_login(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &LoadedLogin,
    address: Option<&str>,
    write: LoginWrite,
    password: &str,
    now: UnixMillis,
) -> Result<(), ApiError> {
    match write {
        LoginWrite::Nothing => {}
        LoginWrite::Failure { record, lockout } => {
            let counted =
                count_failure(state, realm, loaded, address, record, lockout, now).await?;
            let Some((record, lockout)) = counted else { return Ok(()) };
            let (cut_off, disabled) = match lockout {
                None => return Ok(()),
                Some(Lockout::Temporary { cut_off }) => (cut_off, None),
                Some(Lockout::Permanent { cut_off, disabled }) => (cut_off, Some(disabled)),
            };
            // A locked account's tokens stop at the gateways too.
            let now = now.secs();
            revoke(state, realm, user_cut_off(realm, &record.user_id, cut_off, now), now).await?;
            if let Some(disabled) = disabled {
                state.store.update_user(&disabled).await?;
                tracing::warn!(user_id = %disabled.id, "user disabled by permanent lockout");
            }
        }
        LoginWrite::Success { delete_failure, rehash } => {
            if let Some(failure) = delete_failure {
                state.store.delete_login_failure(&failure.realm_id, &failure.user_id).await?;
            }
            if let Some(credential) = rehash
                && let Some(hash) = state.hasher.hash(password.to_owned()).await
            {
                state.store.set_password(&PasswordCredential { hash, ..credential }).await?;
                tracing::info!("password rehashed with the current policy");
            }
        }
    }
    Ok(())
}

/// Writes a counted failure only if the user's brute-force record is still the one the
/// decision read (failures at the same moment, here or on another instance, would
/// otherwise overwrite each other); when another failure wrote first, reads the record
/// again and decides again on it. The record and lockout written, if any.
async fn count_failure(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &LoadedLogin,
    address: Option<&str>,
    mut record: LoginFailure,
    mut lockout: Option<Lockout>,
    now: UnixMillis,
) -> Result<Option<(LoginFailure, Option<Lockout>)>, ApiError> {
    let mut read = loaded.failure.clone();
    for _ in 0..FAILURE_RACE_ATTEMPTS {
        if state.store.update_login_failure(read.as_ref(), &record).await? {
            return Ok(Some((record, lockout)));
        }
        read = state.store.find_login_failure(&record.realm_id, &record.user_id).await?;
        let input = LoginInput { failure: read.as_ref(), ..loaded.input(realm, address, now) };
        let (Login::Accepted { write, .. } | Login::Refused { write, .. }) = decide_login(&input);
        match write {
            LoginWrite::Failure { record: next, lockout: next_lockout } => {
                (record, lockout) = (next, next_lockout);
            }
            // Locked meanwhile by the failures that won: nothing more to count.
            LoginWrite::Nothing | LoginWrite::Success { .. } => return Ok(None),
        }
    }
    // Each lost race is another failure counted; the refusal stands all the same.
    tracing::warn!(user_id = %record.user_id, "failed login not counted: its record kept moving");
    Ok(None)
}

/// How many times a failed login reads and counts again after losing a race.
const FAILURE_RACE_ATTEMPTS: usize = 8;
