//! A realm's keys as Keycloak's key-provider components (`ComponentResource`): listed,
//! read, added (`rsa-generated`, `rsa`, `ecdsa-generated`, `eddsa-generated`,
//! `hmac-generated`), updated and deleted. The rules (settings, Keycloak's validation
//! texts, generation) are core's (`latchkey_core::representation::keys`).
//!
//! Rotation as in Keycloak: a new key signs as soon as it is the active key of its
//! algorithm with the highest priority; the old one keeps verifying and stays in the
//! JWKS until it is made passive, disabled or deleted. Every change drops the realm's
//! snapshot and tells the gateways following the revocation stream to fetch the JWKS.

use latchkey_core::representation::{
    ComponentRepresentation, key_from_component, update_key_from_component,
};
use latchkey_core::store::{Store, StoreError};
use latchkey_core::token::keys::StoredKey;

use super::{ManageError, Missing};
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// Every key of the realm, enabled or not.
pub(crate) async fn list(
    state: &AppState,
    realm: &RealmSnapshot,
) -> Result<Vec<StoredKey>, ManageError> {
    Ok(state.store.list_keys(&realm.realm.id).await?)
}

/// The key of the component `id`.
pub(crate) async fn find(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<StoredKey, ManageError> {
    list(state, realm)
        .await?
        .into_iter()
        .find(|key| key.id == id)
        .ok_or(ManageError::NotFound(Missing::Component))
}

/// Adds the key a new component describes, generated or imported.
pub(crate) async fn add(
    state: &AppState,
    realm: &RealmSnapshot,
    component: ComponentRepresentation,
) -> Result<StoredKey, ManageError> {
    let (realm_id, name, now) =
        (realm.realm.id.clone(), realm.realm.name.clone(), state.clock.now());
    // RSA key generation takes tens of milliseconds: off the async runtime.
    let key =
        tokio::task::spawn_blocking(move || key_from_component(&component, &realm_id, &name, now))
            .await??;
    match state.store.insert_key(&key).await {
        Err(StoreError::Conflict(_)) => return Err(ManageError::ComponentExists(key.id)),
        other => other?,
    }
    keys_changed(state, realm);
    tracing::info!(kid = %key.kid, algorithm = %key.algorithm, provider = %key.provider_id, "key added");
    Ok(key)
}

/// Applies a component's new settings to its key; a new key size or curve makes a new key.
pub(crate) async fn update(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
    component: ComponentRepresentation,
) -> Result<StoredKey, ManageError> {
    let key = find(state, realm, id).await?;
    let (name, now) = (realm.realm.name.clone(), state.clock.now());
    let updated = tokio::task::spawn_blocking(move || {
        update_key_from_component(&key, &component, &name, now)
    })
    .await??;
    match state.store.update_key(&updated).await {
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::Component)),
        other => other?,
    }
    keys_changed(state, realm);
    tracing::info!(kid = %updated.kid, status = updated.status(), priority = updated.priority, "key updated");
    Ok(updated)
}

/// Deletes a component and its key: it stops signing and verifying at once.
pub(crate) async fn delete(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ManageError> {
    if !state.store.delete_key(&realm.realm.id, id).await? {
        return Err(ManageError::NotFound(Missing::Component));
    }
    keys_changed(state, realm);
    tracing::info!(component = %id, "key deleted");
    Ok(())
}

/// The next request loads the realm's keys again, and gateways following the revocation
/// stream fetch the JWKS at once.
fn keys_changed(state: &AppState, realm: &RealmSnapshot) {
    state.realms.invalidate(&realm.realm.name);
    state.revocations.publish_keys_changed(&realm.realm.name);
}
