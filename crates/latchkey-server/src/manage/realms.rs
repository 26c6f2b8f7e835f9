//! Realms (`RealmsAdminResource`, `RealmAdminResource`): created from a full realm file
//! as `--import-realm` does, their settings changed (a new name renames), deleted with
//! everything in them. Realm `master` is neither renamed nor deleted: without it nobody
//! could administer anything.

use std::collections::HashMap;

use latchkey_core::representation::{
    PartialImportRepresentation, PartialImportResults, RealmRepresentation,
    apply_realm_representation, import_realm, plan_partial_import,
};
use latchkey_core::store::{Store, StoreError};

use super::{ManageError, MasterChange};
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// The realm that administers every realm.
const MASTER: &str = "master";

/// Creates a realm from its representation, in one transaction, and returns its name.
pub(crate) async fn create(
    state: &AppState,
    rep: RealmRepresentation,
) -> Result<String, ManageError> {
    let name = rep.realm.clone().unwrap_or_default();
    if !name.is_empty() && state.store.find_realm_by_name(&name).await?.is_some() {
        return Err(ManageError::RealmExists);
    }
    crate::bootstrap::warn_kept_parts(&name, &rep);
    let now = state.clock.now();
    // Plain-text passwords are hashed and keys generated: slow work, off the runtime.
    let bundle = tokio::task::spawn_blocking(move || import_realm(rep, now)).await??;
    match state.store.import_realm(&bundle).await {
        Err(StoreError::Conflict(detail)) => {
            tracing::info!(realm = %name, detail = %detail, "realm exists");
            return Err(ManageError::RealmExists);
        }
        other => other?,
    }
    state.realms.invalidate(&name);
    tracing::info!(realm = %name, "realm created");
    Ok(name)
}

/// Adds a realm file's clients, roles, groups, users and identity providers to the realm
/// (`RealmAdminResource.partialImport`), in one transaction; `ifResourceExists` says what
/// happens to those that exist (`plan_partial_import`).
pub(crate) async fn partial_import(
    state: &AppState,
    snapshot: &RealmSnapshot,
    rep: PartialImportRepresentation,
) -> Result<PartialImportResults, ManageError> {
    let realm = snapshot.realm.clone();
    let current = crate::bootstrap::load_realm_bundle(
        &state.store,
        realm.clone(),
        crate::bootstrap::ExportedUsers::ServiceAccounts,
    )
    .await?;
    // `UsersPartialImport.exists`: by username, or by email where emails are unique;
    // the realm's users are read once, not once per user of the file.
    let users = state.store.list_users(&realm.id).await?;
    let by_username: HashMap<&str, &str> =
        users.iter().map(|u| (u.username.as_str(), u.id.as_str())).collect();
    let by_email: HashMap<String, &str> = users
        .iter()
        .filter(|_| !realm.settings.duplicate_emails_allowed)
        .filter_map(|u| Some((u.profile.email.as_deref()?.to_lowercase(), u.id.as_str())))
        .collect();
    let existing: Vec<Option<String>> = rep
        .users
        .iter()
        .flatten()
        .map(|user| {
            let username = latchkey_core::username::java_trim(&user.username).to_lowercase();
            let email = user.email.as_deref().filter(|e| !e.is_empty()).map(str::to_lowercase);
            by_username
                .get(username.as_str())
                .or_else(|| email.and_then(|email| by_email.get(&email)))
                .map(|id| (*id).to_owned())
        })
        .collect();
    let now = state.clock.now();
    // Plain-text passwords are hashed: slow work, off the runtime.
    let plan =
        tokio::task::spawn_blocking(move || plan_partial_import(&current, &existing, rep, now))
            .await??;
    match state.store.apply_realm_changes(&plan.changes).await {
        Err(StoreError::Conflict(detail)) => {
            tracing::info!(realm = %realm.name, detail = %detail, "partial import collides");
            return Err(ManageError::Duplicate);
        }
        other => other?,
    }
    state.realms.invalidate(&realm.name);
    let results = &plan.results;
    tracing::info!(
        realm = %realm.name,
        added = results.added,
        overwritten = results.overwritten,
        skipped = results.skipped,
        "partial import"
    );
    Ok(plan.results)
}

/// Applies the fields `rep` gives to the realm (`RealmAdminResource.updateRealm`); a new
/// `realm` name renames it.
pub(crate) async fn update(
    state: &AppState,
    snapshot: &RealmSnapshot,
    rep: &RealmRepresentation,
) -> Result<(), ManageError> {
    let old_name = snapshot.realm.name.clone();
    let mut realm = snapshot.realm.clone();
    apply_realm_representation(&mut realm, rep)?;
    if let Some(new_name) = rep.realm.as_deref().filter(|n| !n.is_empty() && *n != realm.name) {
        if realm.name == MASTER {
            return Err(ManageError::MasterRealm(MasterChange::Rename));
        }
        realm.name = new_name.to_owned();
    }
    match state.store.update_realm(&realm).await {
        Err(StoreError::Conflict(_)) => return Err(ManageError::RealmNameTaken),
        other => other?,
    }
    state.realms.invalidate(&old_name);
    state.realms.invalidate(&realm.name);
    tracing::info!(realm = %realm.name, "realm updated");
    Ok(())
}

/// Deletes the realm with everything in it.
pub(crate) async fn remove(state: &AppState, realm: &RealmSnapshot) -> Result<(), ManageError> {
    if realm.realm.name == MASTER {
        return Err(ManageError::MasterRealm(MasterChange::Delete));
    }
    state.store.delete_realm(&realm.realm.id).await?;
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(realm = %realm.realm.name, "realm deleted");
    Ok(())
}
