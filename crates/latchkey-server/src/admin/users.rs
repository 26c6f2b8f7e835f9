//! `/admin/realms/{realm}/users…` (`UsersResource.java`, `UserResource.java`; spec §5.4):
//! search, count, create, read, update, delete and reset-password.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::oauth_error::{OAuthError, Refusal};
use latchkey_core::password_policy::{PasswordPolicy, PolicyViolation};
use latchkey_core::representation::{
    CredentialRepresentation, UserRepresentation, apply_user_representation, user_to_representation,
};
use latchkey_core::store::{Store, StoreError, TextMatch, UserBundle, UserQuery};
use latchkey_core::user::{PasswordCredential, REQUIRED_ACTION_UPDATE_PASSWORD, User, UserProfile};

use super::auth::open_realm;
use super::request::{
    Body, DEFAULT_MAX_RESULTS, Page, Query, created, no_content, path_segment, realm_url,
};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::revocations::{revoke, user_cut_off};
use crate::state::AppState;

/// Keycloak's credential type for passwords.
const PASSWORD: &str = "password";

pub(crate) fn user_not_found() -> ApiError {
    ApiError::plain(StatusCode::NOT_FOUND, "User not found")
}

/// The realm's user with this id, or 404 `User not found`.
pub(crate) async fn find_user(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<User, ApiError> {
    state.store.find_user_by_id(&realm.realm.id, id).await?.ok_or_else(user_not_found)
}

/// What `GET /users` and `GET /users/count` look for.
enum UserFilter {
    /// `search=id:<id>`: one user by id.
    Id(String),
    Query(UserQuery),
}

impl UserFilter {
    fn from_query(query: &Query) -> Result<Self, ApiError> {
        let text = |name: &str| query.get(name).map(str::trim).filter(|v| !v.is_empty());
        let search = text("search");
        if let Some(id) = search.and_then(|search| search.strip_prefix("id:")) {
            return Ok(UserFilter::Id(id.trim().to_owned()));
        }
        let is_exact = query.boolean("exact")?.unwrap_or(false);
        let field = |name: &str| {
            text(name).map(|value| {
                let value = value.to_lowercase();
                if is_exact { TextMatch::Exact(value) } else { TextMatch::Contains(value) }
            })
        };
        Ok(UserFilter::Query(UserQuery {
            search: search.map(search_match),
            username: field("username"),
            email: field("email"),
            first_name: field("firstName"),
            last_name: field("lastName"),
            enabled: query.boolean("enabled")?,
            email_verified: query.boolean("emailVerified")?,
        }))
    }
}

/// `search`: the words are matched against the username, email, first and last name,
/// case-insensitively: `"foo"` exactly, `*foo*` anywhere, `foo` or `foo*` as a prefix
/// (Keycloak ≥22, `UsersResource.getUsers`).
fn search_match(search: &str) -> TextMatch {
    let search = search.to_lowercase();
    if let Some(exact) = search.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        TextMatch::Exact(exact.to_owned())
    } else if let Some(infix) = search.strip_prefix('*') {
        TextMatch::Contains(infix.trim_end_matches('*').to_owned())
    } else {
        TextMatch::Prefix(search.trim_end_matches('*').to_owned())
    }
}

/// `ModelToRepresentation.toBriefRepresentation(user)`: identity and switches only.
fn brief(user: &User) -> UserRepresentation {
    let full = user_to_representation(user);
    UserRepresentation {
        attributes: None,
        required_actions: None,
        not_before: None,
        service_account_client_id: None,
        ..full
    }
}

/// The users the filter finds, by username, within `page`.
async fn filtered_users(
    state: &AppState,
    realm: &RealmSnapshot,
    filter: &UserFilter,
    page: Page,
) -> Result<Vec<User>, ApiError> {
    match filter {
        UserFilter::Id(id) => {
            let user = state.store.find_user_by_id(&realm.realm.id, id).await?;
            Ok(page.apply(user.filter(|user| !user.is_service_account())))
        }
        UserFilter::Query(query) => {
            Ok(state.store.search_users(&realm.realm.id, query, page.first, page.max).await?)
        }
    }
}

/// The realm's users (service accounts left out) that `search` finds, as `GET
/// …/users?search=` does, by username: the first `max`, and how many there are.
pub(crate) async fn search_users(
    state: &AppState,
    realm: &RealmSnapshot,
    search: Option<&str>,
    max: usize,
) -> Result<(Vec<User>, usize), ApiError> {
    let query = UserQuery {
        search: search.map(str::trim).filter(|s| !s.is_empty()).map(search_match),
        ..UserQuery::default()
    };
    let realm_id = &realm.realm.id;
    let users = state.store.search_users(realm_id, &query, 0, max).await?;
    let total = state.store.count_users_matching(realm_id, &query).await?;
    Ok((users, usize::try_from(total).unwrap_or_default()))
}

/// Users by username, filtered in the database, then `first`/`max` (default 100).
pub(crate) async fn list_users(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let page = query.page(DEFAULT_MAX_RESULTS)?;
    let is_brief = query.boolean("briefRepresentation")?.unwrap_or(false);
    let filter = UserFilter::from_query(&query)?;
    let users = filtered_users(&state, &realm, &filter, page).await?;
    let reps: Vec<UserRepresentation> = users
        .iter()
        .map(|user| if is_brief { brief(user) } else { user_to_representation(user) })
        .collect();
    Ok(Json(reps).into_response())
}

/// The number of users the same filters find, as a bare JSON number.
pub(crate) async fn count_users(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let count = match UserFilter::from_query(&query)? {
        UserFilter::Id(id) => {
            let page = Page { first: 0, max: 1 };
            filtered_users(&state, &realm, &UserFilter::Id(id), page).await?.len() as i64
        }
        UserFilter::Query(query) => {
            state.store.count_users_matching(&realm.realm.id, &query).await?
        }
    };
    Ok(Json(count).into_response())
}

/// Whether another user of the realm has this email (when duplicates are refused).
async fn is_email_taken(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
) -> Result<bool, ApiError> {
    let Some(email) = &user.profile.email else { return Ok(false) };
    if realm.realm.settings.duplicate_emails_allowed {
        return Ok(false);
    }
    let holders = state.store.find_users_by_email(&realm.realm.id, email).await?;
    Ok(holders.iter().any(|other| other.id != user.id))
}

/// The password a representation's `credentials` carry, hashed, and whether it is
/// temporary. Only a plain `value` of type `password` counts.
/// The realm's password policy is checked first.
async fn password_from(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
    credentials: Option<&[CredentialRepresentation]>,
) -> Result<Option<(PasswordCredential, bool)>, ApiError> {
    let credential = credentials.unwrap_or_default().iter().find(|c| {
        c.credential_type.as_deref().unwrap_or(PASSWORD) == PASSWORD && c.value.is_some()
    });
    let Some(credential) = credential else { return Ok(None) };
    let value = credential.value.clone().unwrap_or_default();
    let policy = realm.realm.settings.password_policy.as_deref().unwrap_or_default();
    match PasswordPolicy::parse(policy) {
        Ok(policy) => policy
            .check(&value, &user.username, user.profile.email.as_deref())
            .map_err(policy_message)?,
        // Only an import can store one; refusing every password would lock the realm.
        Err(error) => tracing::warn!(%error, "the realm's password policy does not parse"),
    }
    let user_id = &user.id;
    let hash = state
        .hasher
        .hash(value)
        .await
        .ok_or_else(|| ApiError::Internal("password hashing failed".into()))?;
    let password = PasswordCredential {
        id: latchkey_core::random::uuid(),
        user_id: user_id.to_owned(),
        created_date: state.clock.now().0,
        hash,
    };
    Ok(Some((password, credential.temporary.unwrap_or(false))))
}

/// A password the realm's policy refuses, as 26.7.3 answers reset-password, user
/// creation and user update alike: 400 with the message key as `error` and its text
/// as `error_description`.
fn policy_message(violation: PolicyViolation) -> ApiError {
    OAuthError::new(Refusal::BadRequest, violation.key, violation.description()).into()
}

/// Adds or removes the `UPDATE_PASSWORD` required action (a temporary password).
fn set_update_password(user: &mut User, is_temporary: bool) {
    let actions = &mut user.profile.required_actions;
    actions.retain(|a| a != REQUIRED_ACTION_UPDATE_PASSWORD);
    if is_temporary {
        actions.push(REQUIRED_ACTION_UPDATE_PASSWORD.to_owned());
    }
}

/// `UsersResource.createUser`: 201 with `Location: …/users/{id}`. The new user gets the
/// realm's default role and the password of `credentials`; `enabled` is false unless
/// the body says otherwise (`JpaUserProvider.addUser` never sets it, and
/// `UserEntity.enabled` starts false).
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_user(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let rep: UserRepresentation = body.json()?;
    let user = create_user(&state, &realm, &rep).await?;
    let location =
        format!("{}/users/{}", realm_url(&caller.base_url, &realm_name), path_segment(&user.id));
    Ok(created(&location))
}

/// Creates a user from `rep` (`POST …/users` and the console's "Create user"): 409 on a
/// taken username or email, 400 on a bad username. The user gets the realm's default
/// role and the password `credentials` carries.
pub(crate) async fn create_user(
    state: &AppState,
    realm: &RealmSnapshot,
    rep: &UserRepresentation,
) -> Result<User, ApiError> {
    let username = rep.username.trim().to_lowercase();
    if username.is_empty() {
        return Err(ApiError::bad_request("User name is missing"));
    }
    // The user profile's username validator (length 3 to 255), as 26.7.3 answers it.
    let length = username.chars().count();
    if !(3..=255).contains(&length) {
        return Err(ApiError::Validation {
            field: "username",
            message: "error-invalid-length",
            params: serde_json::json!(["username", 3, 255]),
        });
    }
    let realm_id = &realm.realm.id;
    if state.store.find_user_by_username(realm_id, &username).await?.is_some() {
        return Err(ApiError::conflict("User exists with same username"));
    }
    let mut user = User {
        id: latchkey_core::random::uuid(),
        realm_id: realm_id.clone(),
        username,
        enabled: false,
        created_timestamp: state.clock.now().0,
        profile: UserProfile::default(),
    };
    apply_user_representation(&mut user, rep);
    if is_email_taken(state, realm, &user).await? {
        return Err(ApiError::conflict("User exists with same email"));
    }
    let password = password_from(state, realm, &user, rep.credentials.as_deref()).await?;
    if let Some((_, is_temporary)) = &password {
        set_update_password(&mut user, *is_temporary);
    }
    let default_role = realm
        .realm
        .settings
        .default_role
        .as_deref()
        .and_then(|name| realm.roles.find_realm_role(name))
        .map(|role| role.id.clone());
    let bundle = UserBundle {
        user,
        password: password.map(|(password, _)| password),
        role_ids: default_role.into_iter().collect(),
    };
    match state.store.insert_user_bundle(&bundle).await {
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::conflict("User exists with same username"));
        }
        other => other?,
    }
    tracing::info!(user_id = %bundle.user.id, "user created");
    Ok(bundle.user)
}

pub(crate) async fn get_user(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    Ok(Json(user_to_representation(&user)).into_response())
}

/// `UserResource.updateUser`: the fields given replace the stored ones; enabling a user
/// clears their login failures; `credentials` with a password set it.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn put_user(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let rep: UserRepresentation = body.json()?;
    update_user(&state, &realm, &id, &rep).await?;
    Ok(no_content())
}

/// Applies `rep` to the stored user (`PUT …/users/{id}` and the console's user details):
/// 404 for an unknown id, 409 on a taken username or email; enabling clears the user's
/// login failures.
pub(crate) async fn update_user(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
    rep: &UserRepresentation,
) -> Result<User, ApiError> {
    let realm_id = &realm.realm.id;
    let stored = find_user(state, realm, id).await?;
    let mut user = stored.clone();
    apply_user_representation(&mut user, rep);
    if user.username != stored.username
        && state.store.find_user_by_username(realm_id, &user.username).await?.is_some()
    {
        return Err(ApiError::conflict("User exists with same username"));
    }
    if user.profile.email != stored.profile.email && is_email_taken(state, realm, &user).await? {
        return Err(ApiError::conflict("User exists with same email"));
    }
    let password = password_from(state, realm, &user, rep.credentials.as_deref()).await?;
    if let Some((_, is_temporary)) = &password {
        set_update_password(&mut user, *is_temporary);
    }
    match state.store.update_user(&user).await {
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::conflict("User exists with same username"));
        }
        other => other?,
    }
    if let Some((password, _)) = password {
        state.store.set_password(&password).await?;
    }
    if rep.enabled == Some(true) {
        state.store.delete_login_failure(realm_id, &user.id).await?;
    }
    if stored.enabled && !user.enabled {
        // Every token issued so far, this second included: no new ones can follow.
        let now = state.clock.now().secs();
        let revocation = user_cut_off(realm, &user.id, now.saturating_add(1), now);
        revoke(state, realm, revocation, now).await?;
    }
    tracing::info!(user_id = %user.id, "user updated");
    Ok(user)
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_user(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    remove_user(&state, &realm, &id).await?;
    Ok(no_content())
}

/// Deletes the user with sessions, credential, grants and login failures; 404 when the
/// realm has no such user.
pub(crate) async fn remove_user(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ApiError> {
    match state.store.delete_user(&realm.realm.id, id).await {
        Err(StoreError::NotFound(_)) => return Err(user_not_found()),
        other => other?,
    }
    let now = state.clock.now().secs();
    let revocation = user_cut_off(realm, id, now.saturating_add(1), now);
    revoke(state, realm, revocation, now).await?;
    tracing::info!(user_id = %id, "user deleted");
    Ok(())
}

/// `UserResource.resetPassword`: a `CredentialRepresentation` with the new `value`;
/// `temporary` true makes the user change it (`UPDATE_PASSWORD`), false or absent does not.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn put_reset_password(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let rep: CredentialRepresentation = body.json()?;
    reset_password(&state, &realm, &id, rep).await?;
    Ok(no_content())
}

/// Sets the user's password from `rep` (`value`, `temporary`): `PUT …/reset-password` and
/// the console's "Set password". 400 without a value or with a blank one.
pub(crate) async fn reset_password(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
    rep: CredentialRepresentation,
) -> Result<(), ApiError> {
    let mut user = find_user(state, realm, id).await?;
    let Some(value) = rep.value.as_deref() else {
        return Err(ApiError::plain(StatusCode::BAD_REQUEST, "No password provided"));
    };
    if value.trim().is_empty() {
        return Err(ApiError::plain(StatusCode::BAD_REQUEST, "Empty password not allowed"));
    }
    let credentials =
        [CredentialRepresentation { credential_type: Some(PASSWORD.to_owned()), ..rep }];
    let Some((password, is_temporary)) =
        password_from(state, realm, &user, Some(&credentials)).await?
    else {
        return Err(ApiError::plain(StatusCode::BAD_REQUEST, "No password provided"));
    };
    state.store.set_password(&password).await?;
    let before = user.profile.required_actions.clone();
    set_update_password(&mut user, is_temporary);
    if user.profile.required_actions != before {
        state.store.update_user(&user).await?;
    }
    tracing::info!(user_id = %user.id, "password reset");
    Ok(())
}

/// `UserResource.credentials`: the stored credentials (the password, if any) without
/// their secret data; `credentialData` keeps the hash's algorithm and iterations.
pub(crate) async fn list_credentials(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let password = state.store.find_password(&user.id).await?;
    let reps: Vec<CredentialRepresentation> = password
        .into_iter()
        .map(|password| CredentialRepresentation {
            id: Some(password.id),
            credential_type: Some(PASSWORD.to_owned()),
            created_date: Some(password.created_date),
            credential_data: Some(password.hash.credential_data()),
            ..CredentialRepresentation::default()
        })
        .collect();
    Ok(Json(reps).into_response())
}
