//! Users, their password credential and role grants between `UserRepresentation` and
//! the domain, both ways, and the service-account users of clients.

use std::collections::{BTreeMap, HashSet};

use super::defaults::Builder;
use super::import::ImportError;
use super::roles::{RoleNames, RoleOwner, resolve_client_role, resolve_realm_role};
use super::types::{CredentialRepresentation, UserRepresentation};
use crate::grant::client_credentials::service_account_username;
use crate::group::GroupTree;
use crate::password::{PasswordHash, hash_password};
use crate::secret::Secret;
use crate::store::UserBundle;
use crate::time::UnixMillis;
use crate::user::{
    Credential, PASSWORD_CREDENTIAL, REQUIRED_ACTION_UPDATE_PASSWORD, REQUIRED_ACTIONS, User,
    UserProfile, known_required_actions,
};

pub(super) fn import_users(
    builder: &mut Builder,
    reps: &[UserRepresentation],
    now: UnixMillis,
) -> Result<(), ImportError> {
    let tree = GroupTree::new(builder.bundle.groups.clone());
    let mut seen = HashSet::new();
    for (index, rep) in reps.iter().enumerate() {
        let user = import_user(builder, &tree, rep, index, now)?;
        if !seen.insert(user.user.username.clone()) {
            return Err(ImportError::DuplicateUser(user.user.username));
        }
        builder.bundle.users.push(user);
    }
    Ok(())
}

fn import_user(
    builder: &Builder,
    tree: &GroupTree,
    rep: &UserRepresentation,
    index: usize,
    now: UnixMillis,
) -> Result<UserBundle, ImportError> {
    if crate::username::is_blank(&rep.username) {
        return Err(ImportError::MissingUsername { index });
    }
    // Service-account users are named by latchkey (or Keycloak) after their client,
    // whatever characters its client id has; the names of people are checked.
    let problems = crate::username::check(&rep.username);
    if rep.service_account_client_id.is_none() && !problems.is_empty() {
        return Err(ImportError::InvalidUsername {
            index,
            username: rep.username.escape_debug().to_string(),
            problems,
        });
    }
    // Keycloak stores usernames in lower case (`UserModel.setUsername`).
    let username = crate::username::java_trim(&rep.username).to_lowercase();
    if let Some(not_before) = rep.not_before {
        super::limits::USER_NOT_BEFORE
            .check(not_before)
            .map_err(|source| ImportError::UserSetting { user: username.clone(), source })?;
    }
    let used_by = format!("user `{username}`");
    if let Some(client_id) = &rep.service_account_client_id
        && builder.client_uuid(client_id).is_none()
    {
        return Err(ImportError::UnknownClient { client: client_id.clone(), used_by });
    }
    let id = rep.id.clone().filter(|id| !id.is_empty()).unwrap_or_else(crate::random::uuid);
    // Keycloak's importer upper-cases the built-in actions' names and keeps the others
    // (`DefaultRequiredActions.getDefaultRequiredActionCaseInsensitively`).
    let mut required_actions: Vec<String> = Vec::new();
    for action in rep.required_actions.iter().flatten() {
        let upper = action.to_uppercase();
        let action =
            if REQUIRED_ACTIONS.contains(&upper.as_str()) { upper } else { action.clone() };
        if !required_actions.contains(&action) {
            required_actions.push(action);
        }
    }
    let credentials = import_credentials(rep, &id, &username, now)?;
    if rep.credentials.iter().flatten().any(|c| is_password(c) && c.temporary == Some(true))
        && !required_actions.iter().any(|a| a == REQUIRED_ACTION_UPDATE_PASSWORD)
    {
        required_actions.push(REQUIRED_ACTION_UPDATE_PASSWORD.to_owned());
    }
    let mut role_ids: Vec<String> = Vec::new();
    let mut grant = |role_id: String| {
        if !role_ids.contains(&role_id) {
            role_ids.push(role_id);
        }
    };
    for name in rep.realm_roles.iter().flatten() {
        grant(resolve_realm_role(builder, name, &used_by)?);
    }
    for (client_id, names) in rep.client_roles.iter().flatten() {
        for name in names {
            grant(resolve_client_role(builder, client_id, name, &used_by)?);
        }
    }
    let group_ids = resolve_groups(tree, rep.groups.as_deref().unwrap_or_default(), &used_by)?;
    let user = User {
        id,
        realm_id: builder.bundle.realm.id.clone(),
        username,
        // Keycloak's importer treats a missing `enabled` as true.
        enabled: rep.enabled.unwrap_or(true),
        created_timestamp: rep.created_timestamp.unwrap_or(now.0),
        profile: UserProfile {
            email: rep.email.clone(),
            email_verified: rep.email_verified.unwrap_or(false),
            first_name: rep.first_name.clone(),
            last_name: rep.last_name.clone(),
            attributes: rep.attributes.clone().unwrap_or_default(),
            required_actions,
            service_account_client_id: rep.service_account_client_id.clone(),
            not_before: rep.not_before.unwrap_or(0),
        },
    };
    Ok(UserBundle { user, credentials, role_ids, group_ids })
}

/// The ids of the groups at `paths` (`/a/b`, or `a/b` as Keycloak also takes it), each
/// once; an unknown path is an error naming `used_by`.
pub(super) fn resolve_groups(
    tree: &GroupTree,
    paths: &[String],
    used_by: &str,
) -> Result<Vec<String>, ImportError> {
    let mut ids: Vec<String> = Vec::new();
    for path in paths {
        let group = tree.find_by_path(path).ok_or_else(|| ImportError::UnknownGroup {
            path: path.clone(),
            used_by: used_by.to_owned(),
        })?;
        if !ids.contains(&group.id) {
            ids.push(group.id.clone());
        }
    }
    Ok(ids)
}

fn is_password(credential: &CredentialRepresentation) -> bool {
    credential.credential_type.as_deref().unwrap_or(PASSWORD_CREDENTIAL) == PASSWORD_CREDENTIAL
}

/// The user's credentials in the file's order (or by `priority` where given), priorities
/// 10, 20, …: the first password (Keycloak keeps one), hashed if given as a `value`, and
/// every other type given as stored data (`secretData` and `credentialData`), kept as it
/// is. Another type given only as a `value` is left out: Keycloak makes such credentials
/// through their provider, which latchkey does not have.
fn import_credentials(
    rep: &UserRepresentation,
    user_id: &str,
    username: &str,
    now: UnixMillis,
) -> Result<Vec<Credential>, ImportError> {
    let mut given: Vec<&CredentialRepresentation> = rep.credentials.iter().flatten().collect();
    // A stable sort: entries without a priority keep their place among themselves.
    given.sort_by_key(|c| c.priority.unwrap_or(i64::MAX));
    let mut credentials: Vec<Credential> = Vec::new();
    for credential in given {
        let (credential_type, secret_data, credential_data) = if is_password(credential) {
            if credentials.iter().any(Credential::is_password) {
                continue;
            }
            let hash = password_hash(credential, username)?;
            (PASSWORD_CREDENTIAL.to_owned(), hash.secret_data(), hash.credential_data())
        } else {
            let (Some(secret_data), Some(credential_data)) =
                (&credential.secret_data, &credential.credential_data)
            else {
                continue;
            };
            let credential_type = credential.credential_type.clone().unwrap_or_default();
            (credential_type, secret_data.clone(), credential_data.clone())
        };
        let position = i64::try_from(credentials.len()).unwrap_or(i64::MAX);
        credentials.push(Credential {
            id: credential
                .id
                .clone()
                .filter(|id| !id.is_empty())
                .unwrap_or_else(crate::random::uuid),
            user_id: user_id.to_owned(),
            credential_type,
            user_label: credential.user_label.clone().filter(|label| !label.is_empty()),
            created_date: credential.created_date.unwrap_or(now.0),
            secret_data: Secret::new(secret_data),
            credential_data,
            priority: position.saturating_add(1).saturating_mul(10),
        });
    }
    Ok(credentials)
}

/// A plain `value` is hashed with the default algorithm; Keycloak's stored form
/// (`secretData` + `credentialData`) is kept as it is.
fn password_hash(
    credential: &CredentialRepresentation,
    username: &str,
) -> Result<PasswordHash, ImportError> {
    match (&credential.value, &credential.secret_data, &credential.credential_data) {
        (Some(value), _, _) => Ok(hash_password(value)),
        (None, Some(secret_data), Some(credential_data)) => {
            PasswordHash::from_keycloak(secret_data, credential_data).map_err(|e| {
                ImportError::Credential { user: username.to_owned(), message: e.to_string() }
            })
        }
        _ => Err(ImportError::Credential {
            user: username.to_owned(),
            message: "neither `value` nor `secretData` with `credentialData`".to_owned(),
        }),
    }
}

/// Creates the user behind each confidential client with service accounts enabled,
/// unless the file brought it (`ClientManager.enableServiceAccount`). Like any new
/// Keycloak user it gets the realm's default role.
pub(super) fn add_service_accounts(builder: &mut Builder, now: UnixMillis) {
    let clients: Vec<String> = builder
        .bundle
        .clients
        .iter()
        .filter(|c| c.settings.service_accounts_enabled && !c.public_client)
        .filter(|c| !c.settings.bearer_only)
        .map(|c| c.client_id.clone())
        .filter(|client_id| {
            !builder
                .bundle
                .users
                .iter()
                .any(|u| u.user.profile.service_account_client_id.as_ref() == Some(client_id))
        })
        .collect();
    let default_role = builder
        .bundle
        .realm
        .settings
        .default_role
        .clone()
        .and_then(|name| builder.find_role(None, &name));
    for client_id in clients {
        let username = service_account_username(&client_id);
        // A user of that name without the link is taken to be the service account.
        if let Some(existing) =
            builder.bundle.users.iter_mut().find(|u| u.user.username == username)
        {
            existing.user.profile.service_account_client_id = Some(client_id);
            continue;
        }
        let user = User {
            id: crate::random::uuid(),
            realm_id: builder.bundle.realm.id.clone(),
            username,
            enabled: true,
            created_timestamp: now.0,
            profile: UserProfile {
                service_account_client_id: Some(client_id),
                ..UserProfile::default()
            },
        };
        builder.bundle.users.push(UserBundle::new(
            user,
            None,
            default_role.iter().cloned().collect(),
        ));
    }
}

/// A user as the Admin API's `GET /users/{id}` writes it: no credentials, no roles.
pub fn user_to_representation(user: &User) -> UserRepresentation {
    let profile = &user.profile;
    UserRepresentation {
        id: Some(user.id.clone()),
        created_timestamp: Some(user.created_timestamp),
        username: user.username.clone(),
        enabled: Some(user.enabled),
        email_verified: Some(profile.email_verified),
        first_name: profile.first_name.clone(),
        last_name: profile.last_name.clone(),
        email: profile.email.clone(),
        attributes: Some(profile.attributes.clone()).filter(|a| !a.is_empty()),
        service_account_client_id: profile.service_account_client_id.clone(),
        credentials: None,
        required_actions: Some(profile.required_actions.clone()),
        realm_roles: None,
        client_roles: None,
        not_before: Some(profile.not_before),
        groups: None,
        extra: serde_json::Map::new(),
    }
}

/// A user as the realm export writes it: with every credential (secret data included),
/// granted roles and group paths.
pub(super) fn export_user(
    entry: &UserBundle,
    names: &RoleNames<'_>,
    groups: &GroupTree,
) -> UserRepresentation {
    let mut realm_roles = Vec::new();
    let mut client_roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for role in entry.role_ids.iter().filter_map(|id| names.role(id)) {
        match names.owner(role) {
            Some(RoleOwner::Realm) => realm_roles.push(role.name.clone()),
            Some(RoleOwner::Client(client_id)) => {
                client_roles.entry(client_id.to_owned()).or_default().push(role.name.clone());
            }
            None => {}
        }
    }
    let mut credentials: Vec<&Credential> = entry.credentials.iter().collect();
    credentials.sort_by_key(|c| c.priority);
    let credentials: Vec<CredentialRepresentation> = credentials
        .into_iter()
        .map(|credential| CredentialRepresentation {
            id: Some(credential.id.clone()),
            credential_type: Some(credential.credential_type.clone()),
            user_label: credential.user_label.clone(),
            created_date: Some(credential.created_date),
            secret_data: Some(credential.secret_data.expose().to_owned()),
            credential_data: Some(credential.credential_data.clone()),
            ..CredentialRepresentation::default()
        })
        .collect();
    let mut group_paths: Vec<String> = entry
        .group_ids
        .iter()
        .filter(|id| groups.get(id).is_some())
        .map(|id| groups.path(id))
        .collect();
    group_paths.sort();
    UserRepresentation {
        credentials: Some(credentials).filter(|c| !c.is_empty()),
        realm_roles: Some(realm_roles),
        client_roles: Some(client_roles).filter(|c| !c.is_empty()),
        groups: Some(group_paths),
        ..user_to_representation(&entry.user)
    }
}

/// The Admin API's user writes (`UserResource.updateUserFromRep`): fields the
/// representation gives replace the stored ones, absent ones are kept. Usernames are
/// stored trimmed and in lower case; an empty email clears it. Credentials and roles are
/// not part of this (the caller handles them).
pub fn apply_user_representation(user: &mut User, rep: &UserRepresentation) {
    let username = rep.username.trim().to_lowercase();
    if !username.is_empty() {
        user.username = username;
    }
    if let Some(enabled) = rep.enabled {
        user.enabled = enabled;
    }
    let profile = &mut user.profile;
    if let Some(email) = &rep.email {
        profile.email = Some(email.trim().to_owned()).filter(|e| !e.is_empty());
    }
    if let Some(verified) = rep.email_verified {
        profile.email_verified = verified;
    }
    if rep.first_name.is_some() {
        profile.first_name.clone_from(&rep.first_name);
    }
    if rep.last_name.is_some() {
        profile.last_name.clone_from(&rep.last_name);
    }
    if let Some(attributes) = &rep.attributes {
        profile.attributes.clone_from(attributes);
    }
    if let Some(actions) = &rep.required_actions {
        // `UserResource.updateUserFromRep` keeps the names of the realm's required
        // actions only (`facts-12.md` §3.6: `NO_SUCH_ACTION` and `update_password` go).
        profile.required_actions = known_required_actions(actions);
    }
}
