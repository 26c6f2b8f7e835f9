//! A realm's keys: the ones in use, and a generated RSA key added (`ComponentResource.create`
//! with `providerId` `rsa-generated`), which is how an operator rotates the signing key.
//!
//! Rotation: the new key signs as soon as it outranks the old one (higher `priority`,
//! or the same and newer). The old key stays published in the JWKS and trusted until
//! every token it signed has expired (the longest access-token lifespan plus a margin,
//! `cache::key_keep_ms`), then it is dropped from both, without a restart (`cache.rs`
//! reloads the realm then). Gateways following the revocation stream hear of a new key
//! at once and fetch the JWKS.

use std::collections::HashMap;

use latchkey_core::store::Store;
use latchkey_core::token::keys::{StoredKey, drop_retired};
use serde::Deserialize;

use super::{Field, ManageError, Reason};
use crate::cache::{RealmSnapshot, key_keep_ms};
use crate::state::AppState;

const KEY_PROVIDER_TYPE: &str = "org.keycloak.keys.KeyProvider";
pub(crate) const RSA_GENERATED: &str = "rsa-generated";

/// The realm's keys still in use (retired ones left out), highest rank first.
pub(crate) async fn list(
    state: &AppState,
    realm: &RealmSnapshot,
) -> Result<Vec<StoredKey>, ManageError> {
    let mut stored = state.store.list_keys(&realm.realm.id).await?;
    let clients: Vec<_> = realm.clients.values().map(|client| client.as_ref().clone()).collect();
    drop_retired(&mut stored, state.clock.now().0, key_keep_ms(&realm.realm, &clients));
    stored.sort_by_key(|key| std::cmp::Reverse((key.priority, key.created_at)));
    Ok(stored)
}

/// The part of a `ComponentRepresentation` a key provider needs.
#[derive(Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ComponentRepresentation {
    provider_id: Option<String>,
    provider_type: Option<String>,
    #[serde(default)]
    config: HashMap<String, Vec<String>>,
}

/// Adds the key a component describes: only `rsa-generated` key providers, which make
/// one enabled, active RS256 key of 2048 bits with the given `priority` (default 0, as
/// Keycloak). The key's `kid` is the component id.
pub(crate) async fn add(
    state: &AppState,
    realm: &RealmSnapshot,
    component: &ComponentRepresentation,
) -> Result<StoredKey, ManageError> {
    if component.provider_type.as_deref() != Some(KEY_PROVIDER_TYPE)
        || component.provider_id.as_deref() != Some(RSA_GENERATED)
    {
        return Err(ManageError::invalid(Field::KeyProvider, Reason::Unsupported));
    }
    let setting = |name: &str| component.config.get(name).and_then(|values| values.first());
    let priority = match setting("priority") {
        None => 0,
        Some(text) => text
            .trim()
            .parse::<i64>()
            .map_err(|_| ManageError::invalid(Field::KeyPriority, Reason::NotANumber))?,
    };
    if setting("keySize").is_some_and(|size| size != "2048")
        || setting("algorithm").is_some_and(|algorithm| algorithm != "RS256")
        || setting("enabled").is_some_and(|value| value == "false")
        || setting("active").is_some_and(|value| value == "false")
    {
        return Err(ManageError::invalid(Field::KeySettings, Reason::Unsupported));
    }
    let realm_id = realm.realm.id.clone();
    let created_at = state.clock.now().0;
    let mut key =
        tokio::task::spawn_blocking(move || StoredKey::generate_rsa(&realm_id, created_at))
            .await??;
    key.priority = priority;
    state.store.insert_key(&key).await?;
    state.realms.invalidate(&realm.realm.name);
    state.revocations.publish_keys_changed(&realm.realm.name);
    tracing::info!(kid = %key.kid, priority, "RSA key generated");
    Ok(key)
}
