//! Users (`UsersResource`, `UserResource`): found by id or searched, created with the
//! realm's default role and a password, updated, deleted, given a new password. A user
//! disabled or deleted has their tokens cut off at the gateways.

use latchkey_core::password::PasswordHash;
use latchkey_core::password_policy::PasswordPolicy;
use latchkey_core::representation::{
    CredentialRepresentation, UserRepresentation, apply_user_representation,
};
use latchkey_core::secret::Secret;
use latchkey_core::store::{Store, StoreError, TextMatch, UserBundle, UserQuery};
use latchkey_core::user::{
    Credential, PasswordCredential, REQUIRED_ACTION_UPDATE_PASSWORD, User, UserProfile,
};
use latchkey_core::username;

use super::{Field, ManageError, Missing, Reason};
use crate::cache::RealmSnapshot;
use crate::revocation::{revoke, user_cut_off};
use crate::state::AppState;

/// Keycloak's credential type for passwords.
pub(crate) const PASSWORD: &str = "password";

/// The realm's user with this id.
pub(crate) async fn find(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<User, ManageError> {
    state
        .store
        .find_user_by_id(&realm.realm.id, id)
        .await?
        .ok_or(ManageError::NotFound(Missing::User))
}

/// `search`: the words are matched against the username, email, first and last name,
/// case-insensitively: `"foo"` exactly, `*foo*` anywhere, `foo` or `foo*` as a prefix
/// (Keycloak ≥22, `UsersResource.getUsers`).
pub(crate) fn search_match(search: &str) -> TextMatch {
    let search = search.to_lowercase();
    if let Some(exact) = search.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        TextMatch::Exact(exact.to_owned())
    } else if let Some(infix) = search.strip_prefix('*') {
        TextMatch::Contains(infix.trim_end_matches('*').to_owned())
    } else {
        TextMatch::Prefix(search.trim_end_matches('*').to_owned())
    }
}

/// The realm's users (service accounts left out) that `search` finds, as `GET
/// …/users?search=` does, by username: the first `max`, and how many there are.
pub(crate) async fn search(
    state: &AppState,
    realm: &RealmSnapshot,
    search: Option<&str>,
    max: usize,
) -> Result<(Vec<User>, usize), ManageError> {
    let query = UserQuery {
        search: search.map(str::trim).filter(|s| !s.is_empty()).map(search_match),
        ..UserQuery::default()
    };
    let realm_id = &realm.realm.id;
    let users = state.store.search_users(realm_id, &query, 0, max).await?;
    let total = state.store.count_users_matching(realm_id, &query).await?;
    Ok((users, usize::try_from(total).unwrap_or_default()))
}

/// Whether another user of the realm has this email (when duplicates are refused).
async fn is_email_taken(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
) -> Result<bool, ManageError> {
    let Some(email) = &user.profile.email else { return Ok(false) };
    if realm.realm.settings.duplicate_emails_allowed {
        return Ok(false);
    }
    let holders = state.store.find_users_by_email(&realm.realm.id, email).await?;
    Ok(holders.iter().any(|other| other.id != user.id))
}

/// The password a representation's `credentials` carry, checked against the realm's
/// password policy and hashed, and whether it is temporary. Only a plain `value` of type
/// `password` counts.
async fn password_from(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
    credentials: Option<&[CredentialRepresentation]>,
) -> Result<Option<(PasswordCredential, bool)>, ManageError> {
    let credential = credentials.unwrap_or_default().iter().find(|c| {
        c.credential_type.as_deref().unwrap_or(PASSWORD) == PASSWORD && c.value.is_some()
    });
    let Some(credential) = credential else { return Ok(None) };
    let value = credential.value.clone().unwrap_or_default();
    let policy = realm.realm.settings.password_policy.as_deref().unwrap_or_default();
    match PasswordPolicy::parse(policy) {
        Ok(policy) => policy
            .check(&value, &user.username, user.profile.email.as_deref())
            .map_err(ManageError::PasswordPolicy)?,
        // Only an import can store one; refusing every password would lock the realm.
        Err(error) => tracing::warn!(%error, "the realm's password policy does not parse"),
    }
    let hash = state.hasher.hash(value).await.ok_or(ManageError::Hashing)?;
    let password = PasswordCredential {
        id: latchkey_core::random::uuid(),
        user_id: user.id.clone(),
        created_date: state.clock.now().0,
        hash,
    };
    Ok(Some((password, credential.temporary.unwrap_or(false))))
}

/// The credentials a representation gives as stored data (`secretData` and
/// `credentialData`, as an export writes them), kept as they are with their labels
/// (`CredentialModel.fromRepresentation`): any type, a password only if `has_password`
/// is false and its data reads. Given as a plain `value`, only a password counts
/// (`password_from`).
fn stored_credentials(
    user: &User,
    credentials: Option<&[CredentialRepresentation]>,
    now: i64,
    mut has_password: bool,
) -> Vec<Credential> {
    let mut kept = Vec::new();
    for credential in credentials.unwrap_or_default() {
        let (Some(secret_data), Some(credential_data)) =
            (&credential.secret_data, &credential.credential_data)
        else {
            continue;
        };
        let credential_type =
            credential.credential_type.clone().unwrap_or_else(|| PASSWORD.to_owned());
        if credential_type == PASSWORD {
            if has_password || PasswordHash::from_keycloak(secret_data, credential_data).is_err() {
                continue;
            }
            has_password = true;
        }
        kept.push(Credential {
            id: latchkey_core::random::uuid(),
            user_id: user.id.clone(),
            credential_type,
            user_label: credential.user_label.clone().filter(|label| !label.trim().is_empty()),
            created_date: credential.created_date.unwrap_or(now),
            secret_data: Secret::new(secret_data.clone()),
            credential_data: credential_data.clone(),
            priority: 0,
        });
    }
    kept
}

/// Keycloak's username validators, on a name as the request gives it.
fn check_username(name: &str) -> Result<(), ManageError> {
    let problems = username::check(name);
    if problems.is_empty() { Ok(()) } else { Err(ManageError::InvalidUsername(problems)) }
}

/// Adds or removes the `UPDATE_PASSWORD` required action (a temporary password).
fn set_update_password(user: &mut User, is_temporary: bool) {
    let actions = &mut user.profile.required_actions;
    actions.retain(|a| a != REQUIRED_ACTION_UPDATE_PASSWORD);
    if is_temporary {
        actions.push(REQUIRED_ACTION_UPDATE_PASSWORD.to_owned());
    }
}

/// A `notBefore` given is in its range (`limits.rs`), as the import checks it; Keycloak
/// keeps it in an `int` and refuses what does not fit.
fn check_not_before(rep: &UserRepresentation) -> Result<(), ManageError> {
    if let Some(not_before) = rep.not_before {
        latchkey_core::representation::limits::USER_NOT_BEFORE.check(not_before)?;
    }
    Ok(())
}

/// Creates a user from `rep` (`UsersResource.createUser`): the username is required,
/// must pass Keycloak's username validators (`latchkey_core::username`) and be free, as
/// must the email; the user gets the realm's default role, joins its default groups and the
/// groups `groups` names by path (one that does not exist refuses the user), and keeps
/// the credentials `credentials` carries (a password as a `value` or as stored data, any
/// other type as stored data), in the order given.
/// `enabled` is false unless `rep` says otherwise (`JpaUserProvider.addUser` never sets
/// it, and `UserEntity.enabled` starts false).
pub(crate) async fn create(
    state: &AppState,
    realm: &RealmSnapshot,
    rep: &UserRepresentation,
) -> Result<User, ManageError> {
    if username::is_blank(&rep.username) {
        return Err(ManageError::invalid(Field::Username, Reason::Missing));
    }
    check_username(&rep.username)?;
    check_not_before(rep)?;
    let username = username::java_trim(&rep.username).to_lowercase();
    let realm_id = &realm.realm.id;
    if state.store.find_user_by_username(realm_id, &username).await?.is_some() {
        return Err(ManageError::UsernameTaken);
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
        return Err(ManageError::EmailTaken);
    }
    let password = password_from(state, realm, &user, rep.credentials.as_deref()).await?;
    if let Some((_, is_temporary)) = &password {
        set_update_password(&mut user, *is_temporary);
    }
    let group_ids =
        super::groups::for_new_user(state, realm, rep.groups.as_deref().unwrap_or_default())
            .await?;
    let mut credentials: Vec<Credential> =
        password.as_ref().map(|(password, _)| password.to_credential()).into_iter().collect();
    let now = state.clock.now().0;
    credentials.extend(stored_credentials(
        &user,
        rep.credentials.as_deref(),
        now,
        password.is_some(),
    ));
    for (index, credential) in credentials.iter_mut().enumerate() {
        credential.priority = i64::try_from(index).unwrap_or(i64::MAX).saturating_add(1) * 10;
    }
    let default_role = super::roles::default_role_id(realm);
    let bundle =
        UserBundle { user, credentials, role_ids: default_role.into_iter().collect(), group_ids };
    match state.store.insert_user_bundle(&bundle).await {
        Err(StoreError::Conflict(_)) => return Err(ManageError::UsernameTaken),
        other => other?,
    }
    tracing::info!(user_id = %bundle.user.id, "user created");
    Ok(bundle.user)
}

/// Applies `rep` to the stored user (`UserResource.updateUser`): the fields given
/// replace the stored ones, a new username or email must be free, `credentials` with a
/// password set it, enabling clears the user's login failures, and disabling cuts their
/// tokens off.
pub(crate) async fn update(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
    rep: &UserRepresentation,
) -> Result<User, ManageError> {
    let realm_id = &realm.realm.id;
    check_not_before(rep)?;
    let stored = find(state, realm, id).await?;
    let mut user = stored.clone();
    apply_user_representation(&mut user, rep);
    // A new name is checked; an unchanged one (perhaps imported long ago) is left alone.
    if user.username != stored.username {
        check_username(&rep.username)?;
    }
    if user.username != stored.username
        && state.store.find_user_by_username(realm_id, &user.username).await?.is_some()
    {
        return Err(ManageError::UsernameTaken);
    }
    if user.profile.email != stored.profile.email && is_email_taken(state, realm, &user).await? {
        return Err(ManageError::EmailTaken);
    }
    let password = password_from(state, realm, &user, rep.credentials.as_deref()).await?;
    if let Some((_, is_temporary)) = &password {
        set_update_password(&mut user, *is_temporary);
    }
    match state.store.update_user(&user).await {
        Err(StoreError::Conflict(_)) => return Err(ManageError::UsernameTaken),
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

/// Deletes the user with sessions, credential, grants and login failures, and cuts their
/// tokens off.
pub(crate) async fn remove(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ManageError> {
    match state.store.delete_user(&realm.realm.id, id).await {
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::User)),
        other => other?,
    }
    let now = state.clock.now().secs();
    let revocation = user_cut_off(realm, id, now.saturating_add(1), now);
    revoke(state, realm, revocation, now).await?;
    tracing::info!(user_id = %id, "user deleted");
    Ok(())
}

/// Sets the user's password from `rep` (`UserResource.resetPassword`: `value`, and
/// `temporary` true to make the user change it).
pub(crate) async fn reset_password(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
    rep: CredentialRepresentation,
) -> Result<(), ManageError> {
    let mut user = find(state, realm, id).await?;
    let Some(value) = rep.value.as_deref() else {
        return Err(ManageError::invalid(Field::Password, Reason::Missing));
    };
    if value.trim().is_empty() {
        return Err(ManageError::invalid(Field::Password, Reason::Blank));
    }
    let credentials =
        [CredentialRepresentation { credential_type: Some(PASSWORD.to_owned()), ..rep }];
    let Some((password, is_temporary)) =
        password_from(state, realm, &user, Some(&credentials)).await?
    else {
        return Err(ManageError::invalid(Field::Password, Reason::Missing));
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

/// The user's stored password credential, if any.
pub(crate) async fn password(
    state: &AppState,
    user: &User,
) -> Result<Option<PasswordCredential>, ManageError> {
    Ok(state.store.find_password(&user.id).await?)
}
