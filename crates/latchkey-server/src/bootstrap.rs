//! Start-up work: the master realm with its bootstrap admin, and realm imports.

use std::path::{Path, PathBuf};

use latchkey_core::password::hash_password;
use latchkey_core::realm::Realm;
use latchkey_core::representation::{
    ImportError, RealmRepresentation, export_realm, import_realm, kept_parts, new_realm,
};
use latchkey_core::store::{RealmBundle, Store, StoreError, UserBundle};
use latchkey_core::time::UnixMillis;
use latchkey_core::user::{PasswordCredential, User, UserProfile};
use latchkey_store::Database;

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot import {path}: {source}")]
    Parse { path: PathBuf, source: RealmFileError },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot create realm: {0}")]
    Import(#[from] ImportError),
    #[error("realm {0} does not exist")]
    UnknownRealm(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("background task failed")]
    Join,
}

/// Why a realm file does not read as a realm.
#[derive(Debug, thiserror::Error)]
pub enum RealmFileError {
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error(transparent)]
    Realm(#[from] ImportError),
}

/// The first admin of realm `master` (`KC_BOOTSTRAP_ADMIN_USERNAME` / `_PASSWORD`).
#[derive(Clone)]
pub struct BootstrapAdmin {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for BootstrapAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapAdmin").field("username", &self.username).finish_non_exhaustive()
    }
}

/// Creates realm `master` on first start, with the bootstrap admin when one is given.
/// Returns whether the realm was created.
pub async fn ensure_master_realm(
    store: &Database,
    admin: Option<BootstrapAdmin>,
    now: UnixMillis,
) -> Result<bool, BootstrapError> {
    if store.find_realm_by_name("master").await?.is_some() {
        return Ok(false);
    }
    let bundle = tokio::task::spawn_blocking(move || {
        let mut bundle = new_realm("master", now)?;
        if let Some(admin) = admin {
            let admin_role = bundle
                .roles
                .iter()
                .find(|r| r.client_uuid.is_none() && r.name == "admin")
                .map(|r| r.id.clone());
            let user = User {
                id: latchkey_core::random::uuid(),
                realm_id: bundle.realm.id.clone(),
                username: admin.username.to_lowercase(),
                enabled: true,
                created_timestamp: now.0,
                profile: UserProfile::default(),
            };
            let password = PasswordCredential {
                id: latchkey_core::random::uuid(),
                user_id: user.id.clone(),
                created_date: now.0,
                hash: hash_password(&admin.password),
            };
            bundle.users.push(UserBundle::new(
                user,
                Some(&password),
                admin_role.into_iter().collect(),
            ));
        }
        Ok::<_, latchkey_core::representation::ImportError>(bundle)
    })
    .await
    .map_err(|_| BootstrapError::Join)??;
    store.import_realm(&bundle).await?;
    tracing::info!("created realm master");
    Ok(true)
}

/// Imports one Keycloak realm file. Returns the realm name, or `None` when a realm of
/// that name exists already (skipped, as Keycloak's `--import-realm` does).
pub async fn import_realm_file(
    store: &Database,
    path: &Path,
    now: UnixMillis,
) -> Result<Option<String>, BootstrapError> {
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|source| BootstrapError::Read { path: path.to_owned(), source })?;
    let representation: RealmRepresentation = serde_json::from_str(&text)
        .map_err(|e| BootstrapError::Parse { path: path.to_owned(), source: e.into() })?;
    let name = representation.realm.clone().unwrap_or_default();
    if store.find_realm_by_name(&name).await?.is_some() {
        tracing::info!(realm = %name, "realm exists, import skipped");
        return Ok(None);
    }
    warn_kept_parts(&name, &representation);
    let owned_path = path.to_owned();
    let bundle = tokio::task::spawn_blocking(move || import_realm(representation, now))
        .await
        .map_err(|_| BootstrapError::Join)?
        .map_err(|e| BootstrapError::Parse { path: owned_path, source: e.into() })?;
    store.import_realm(&bundle).await?;
    tracing::info!(realm = %name, "realm imported");
    Ok(Some(name))
}

/// Says once per kind what of a realm file latchkey keeps without acting on it
/// (`kept_parts`): each top-level field, each component type other than keys, each
/// entity kind's own field.
pub fn warn_kept_parts(realm: &str, representation: &RealmRepresentation) {
    for part in kept_parts(representation) {
        tracing::warn!(realm = %realm, "realm file part `{part}` is kept but not acted on");
    }
}

/// Everything in the realm, users (all, or only service accounts) with their
/// credentials and the kept parts included, read for an export.
pub async fn load_realm_bundle(
    store: &Database,
    realm: Realm,
    users: ExportedUsers,
) -> Result<RealmBundle, StoreError> {
    let mut bundles = Vec::new();
    for user in store.list_users(&realm.id).await? {
        if users == ExportedUsers::ServiceAccounts
            && user.profile.service_account_client_id.is_none()
        {
            continue;
        }
        let credentials = store.list_credentials(&user.id).await?;
        let role_ids = store.list_user_role_ids(&user.id).await?;
        let group_ids = store.list_user_group_ids(&user.id).await?;
        bundles.push(UserBundle { user, credentials, role_ids, group_ids });
    }
    Ok(RealmBundle {
        keys: store.list_keys(&realm.id).await?,
        clients: store.list_clients(&realm.id).await?,
        roles: store.list_roles(&realm.id).await?,
        groups: store.list_groups(&realm.id).await?,
        default_group_ids: store.list_default_group_ids(&realm.id).await?,
        client_scopes: store.list_client_scopes(&realm.id).await?,
        default_client_scopes: store.list_realm_default_scopes(&realm.id).await?,
        client_scope_mappings: store.list_client_scope_mappings(&realm.id).await?,
        kept: store.list_kept_fields(&realm.id).await?,
        realm,
        users: bundles,
    })
}

/// Which users [`load_realm_bundle`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportedUsers {
    All,
    /// The users behind clients' service accounts (a partial export's).
    ServiceAccounts,
}

/// Writes a realm, users and credentials included, as a Keycloak realm file.
pub async fn export_realm_file(
    store: &Database,
    realm_name: &str,
    path: &Path,
) -> Result<(), BootstrapError> {
    let Some(realm) = store.find_realm_by_name(realm_name).await? else {
        return Err(BootstrapError::UnknownRealm(realm_name.to_owned()));
    };
    let bundle = load_realm_bundle(store, realm, ExportedUsers::All).await?;
    let text = serde_json::to_string_pretty(&export_realm(&bundle))
        .map_err(|e| BootstrapError::Parse { path: path.to_owned(), source: e.into() })?;
    tokio::fs::write(path, text)
        .await
        .map_err(|source| BootstrapError::Write { path: path.to_owned(), source })
}
