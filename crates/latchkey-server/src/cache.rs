//! In-memory snapshots of realms: settings, keys, clients (each with its client scopes
//! and protocol mappers compiled into a `ClaimPlan`) and roles, loaded on first use and
//! dropped when something changes them. Users and sessions are not cached here;
//! the store keeps refreshed sessions in memory itself (`latchkey-store`'s
//! `session_cache.rs`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use latchkey_core::client::Client;
use latchkey_core::realm::Realm;
use latchkey_core::representation::fallback_key;
use latchkey_core::role::RoleGraph;
use latchkey_core::store::{Store, StoreError};
use latchkey_core::time::Clock;
use latchkey_core::token::issue::algorithms_in_use;
use latchkey_core::token::keys::{KeySet, StoredKey};
use latchkey_core::token::mappers::ClaimPlan;
use latchkey_store::Database;

/// Everything about a realm that every request needs.
#[derive(Debug)]
pub struct RealmSnapshot {
    pub realm: Realm,
    pub keys: KeySet,
    pub clients: HashMap<String, Arc<Client>>,
    pub roles: RoleGraph,
}

impl RealmSnapshot {
    pub fn client(&self, client_id: &str) -> Option<&Arc<Client>> {
        self.clients.get(client_id)
    }
}

pub struct RealmCache {
    realms: RwLock<HashMap<String, Arc<RealmSnapshot>>>,
    /// Raised by every `invalidate`, under the write lock. A load keeps its snapshot only
    /// if no invalidation came between its first read of the store and its insert: one
    /// that read the realm before a change committed must not put the old state back
    /// after the change dropped it (it still answers the request it was made for).
    generation: AtomicU64,
    clock: Arc<dyn Clock>,
    /// Held while a load adds missing signing keys, so two loads add one key, not two.
    fallbacks: tokio::sync::Mutex<()>,
    /// Snapshots served from memory, and loads (for the metrics).
    hits: AtomicU64,
    misses: AtomicU64,
}

impl RealmCache {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        RealmCache {
            realms: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
            clock,
            fallbacks: tokio::sync::Mutex::new(()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Snapshots served from memory and snapshots loaded, since start.
    pub fn stats(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    /// The realm's snapshot, loading it on a miss. `None` when the realm does not exist.
    pub async fn get(
        &self,
        store: &Database,
        name: &str,
    ) -> Result<Option<Arc<RealmSnapshot>>, StoreError> {
        if let Some(snapshot) = self.read(name) {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(Some(snapshot));
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let generation = self.generation.load(Ordering::Acquire);
        let Some(realm) = store.find_realm_by_name(name).await? else { return Ok(None) };
        let clients = store.list_clients(&realm.id).await?;
        let mut stored = store.list_keys(&realm.id).await?;
        if let Some(added) = self.add_missing_keys(store, &realm, &clients, &stored).await? {
            stored = added;
        }
        let realm_name = realm.name.clone();
        let keys = tokio::task::spawn_blocking(move || KeySet::from_stored(stored, &realm_name))
            .await
            .map_err(|e| StoreError::Backend(format!("loading keys: {e}").into()))?
            .map_err(|e| StoreError::Corrupt(format!("realm keys: {e}")))?;
        let client_ids: HashMap<String, String> =
            clients.iter().map(|c| (c.id.clone(), c.client_id.clone())).collect();
        let roles = RoleGraph::new(store.list_roles(&realm.id).await?, client_ids);
        let scopes = store.list_client_scopes(&realm.id).await?;
        let scope_mappings = store.list_client_scope_mappings(&realm.id).await?;
        let clients = clients
            .into_iter()
            .map(|mut client| {
                let role_ids: Vec<String> = scope_mappings
                    .iter()
                    .filter(|m| m.client_uuid == client.id)
                    .map(|m| m.role_id.clone())
                    .collect();
                client.claims = Arc::new(ClaimPlan::compile(&client, &scopes, &role_ids, &roles));
                (client.client_id.clone(), Arc::new(client))
            })
            .collect();
        let snapshot = Arc::new(RealmSnapshot { realm, keys, clients, roles });
        if let Ok(mut realms) = self.realms.write()
            && self.generation.load(Ordering::Acquire) == generation
        {
            realms.insert(name.to_owned(), Arc::clone(&snapshot));
        }
        Ok(Some(snapshot))
    }

    /// Gives every algorithm the realm or a client signs with an active key, as Keycloak
    /// does the first time it must sign with one that has none: a generated
    /// `fallback-<alg>` key of priority -100, stored like any key. latchkey does it when
    /// the realm is loaded (after any change to it), not in the middle of a grant.
    /// Returns the realm's keys when it added any.
    async fn add_missing_keys(
        &self,
        store: &Database,
        realm: &Realm,
        clients: &[Client],
        stored: &[StoredKey],
    ) -> Result<Option<Vec<StoredKey>>, StoreError> {
        let has_key = |keys: &[StoredKey], algorithm| {
            keys.iter().any(|key| key.enabled && key.active && key.algorithm == algorithm)
        };
        let wanted = algorithms_in_use(realm, clients);
        if wanted.iter().all(|algorithm| has_key(stored, *algorithm)) {
            return Ok(None);
        }
        let _held = self.fallbacks.lock().await;
        // Another load may have added them meanwhile.
        let mut keys = store.list_keys(&realm.id).await?;
        for algorithm in wanted {
            if has_key(&keys, algorithm) {
                continue;
            }
            let (realm_id, realm_name) = (realm.id.clone(), realm.name.clone());
            let now = self.clock.now();
            let key = tokio::task::spawn_blocking(move || {
                fallback_key(&realm_id, &realm_name, algorithm, now)
            })
            .await
            .map_err(|e| StoreError::Backend(format!("key generation: {e}").into()))?
            .map_err(|e| StoreError::Backend(format!("key generation: {e}").into()))?;
            store.insert_key(&key).await?;
            tracing::info!(realm = %realm.name, kid = %key.kid, %algorithm, "fallback key generated");
            keys.push(key);
        }
        Ok(Some(keys))
    }

    fn read(&self, name: &str) -> Option<Arc<RealmSnapshot>> {
        self.realms.read().ok()?.get(name).cloned()
    }

    /// Drops a realm's snapshot after a change; the next request reloads it.
    pub fn invalidate(&self, name: &str) {
        if let Ok(mut realms) = self.realms.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            realms.remove(name);
        }
    }

    /// Drops the snapshot of the realm with this id (another instance changed it, and
    /// the change feed names realms by id: a rename drops the snapshot under its old name).
    pub fn invalidate_id(&self, realm_id: &str) {
        if let Ok(mut realms) = self.realms.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            realms.retain(|_, snapshot| snapshot.realm.id != realm_id);
        }
    }

    /// Drops every snapshot (the change feed may have missed a change).
    pub fn clear(&self) {
        if let Ok(mut realms) = self.realms.write() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            realms.clear();
        }
    }
}
