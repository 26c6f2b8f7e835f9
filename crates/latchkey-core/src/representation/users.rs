//! Users, their password credential and role grants between `UserRepresentation` and
//! the domain, both ways, and the service-account users of clients.

use std::collections::{BTreeMap, HashSet};

use super::defaults::Builder;
use super::import::ImportError;
use super::roles::{RoleNames, RoleOwner, resolve_client_role, resolve_realm_role};
use super::types::{CredentialRepresentation, UserRepresentation};
use crate::grant::client_credentials::service_account_username;
use crate::password::{PasswordHash, hash_password};
use crate::store::UserBundle;
use crate::time::UnixMillis;
use crate::user::{PasswordCredential, REQUIRED_ACTION_UPDATE_PASSWORD, User, UserProfile};

/// Keycloak's credential type for passwords; other types (`otp`, ...) are skipped.
const PASSWORD: &str = "password";

pub(super) fn import_users(
    builder: &mut Builder,
    reps: &[UserRepresentation],
    now: UnixMillis,
) -> Result<(), ImportError> {
    let mut seen = HashSet::new();
    for (index, rep) in reps.iter().enumerate() {
        let user = import_user(builder, rep, index, now)?;
        if !seen.insert(user.user.username.clone()) {
            return Err(ImportError::DuplicateUser(user.user.username));
        }
        builder.bundle.users.push(user);
    }
    Ok(())
}

fn import_user(
    builder: &Builder,
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
    let mut required_actions = rep.required_actions.clone().unwrap_or_default();
    let mut password = None;
    // Keycloak keeps one password per user; the first password entry is the one used.
    let first_password = rep
        .credentials
        .iter()
        .flatten()
        .find(|c| c.credential_type.as_deref().unwrap_or(PASSWORD) == PASSWORD);
    if let Some(credential) = first_password {
        let hash = password_hash(credential, &username)?;
        if credential.temporary == Some(true)
            && !required_actions.iter().any(|a| a == REQUIRED_ACTION_UPDATE_PASSWORD)
        {
            required_actions.push(REQUIRED_ACTION_UPDATE_PASSWORD.to_owned());
        }
        password = Some(PasswordCredential {
            id: credential.id.clone().unwrap_or_else(crate::random::uuid),
            user_id: id.clone(),
            created_date: credential.created_date.unwrap_or(now.0),
            hash,
        });
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
    Ok(UserBundle { user, password, role_ids })
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
        builder.bundle.users.push(UserBundle {
            user: User {
                id: crate::random::uuid(),
                realm_id: builder.bundle.realm.id.clone(),
                username,
                enabled: true,
                created_timestamp: now.0,
                profile: UserProfile {
                    service_account_client_id: Some(client_id),
                    ..UserProfile::default()
                },
            },
            password: None,
            role_ids: default_role.iter().cloned().collect(),
        });
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
    }
}

/// A user as the realm export writes it: with the hashed password and granted roles.
pub(super) fn export_user(entry: &UserBundle, names: &RoleNames<'_>) -> UserRepresentation {
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
    let credentials = entry.password.as_ref().map(|password| {
        vec![CredentialRepresentation {
            id: Some(password.id.clone()),
            credential_type: Some(PASSWORD.to_owned()),
            created_date: Some(password.created_date),
            secret_data: Some(password.hash.secret_data()),
            credential_data: Some(password.hash.credential_data()),
            ..CredentialRepresentation::default()
        }]
    });
    UserRepresentation {
        credentials,
        realm_roles: Some(realm_roles),
        client_roles: Some(client_roles).filter(|c| !c.is_empty()),
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
        profile.required_actions.clone_from(actions);
    }
}
