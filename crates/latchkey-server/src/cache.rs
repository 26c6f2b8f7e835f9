//! In-memory snapshots of realms: settings, keys, clients and roles, loaded on first
//! use and dropped when something changes them. Users and sessions are never cached.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use latchkey_core::client::Client;
use latchkey_core::realm::Realm;
use latchkey_core::role::RoleGraph;
use latchkey_core::store::{Store, StoreError};
use latchkey_core::token::keys::KeySet;
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

#[derive(Default)]
pub struct RealmCache {
    realms: RwLock<HashMap<String, Arc<RealmSnapshot>>>,
}

impl RealmCache {
    /// The realm's snapshot, loading it on a miss. `None` when the realm does not exist.
    pub async fn get(
        &self,
        store: &Database,
        name: &str,
    ) -> Result<Option<Arc<RealmSnapshot>>, StoreError> {
        if let Some(snapshot) = self.read(name) {
            return Ok(Some(snapshot));
        }
        let Some(realm) = store.find_realm_by_name(name).await? else { return Ok(None) };
        let keys = KeySet::from_stored(store.list_keys(&realm.id).await?, &realm.name)
            .map_err(|e| StoreError::Corrupt(format!("realm keys: {e}")))?;
        let clients = store.list_clients(&realm.id).await?;
        let client_ids: HashMap<String, String> =
            clients.iter().map(|c| (c.id.clone(), c.client_id.clone())).collect();
        let roles = RoleGraph::new(store.list_roles(&realm.id).await?, client_ids);
        let snapshot = Arc::new(RealmSnapshot {
            realm,
            keys,
            clients: clients.into_iter().map(|c| (c.client_id.clone(), Arc::new(c))).collect(),
            roles,
        });
        if let Ok(mut realms) = self.realms.write() {
            realms.insert(name.to_owned(), Arc::clone(&snapshot));
        }
        Ok(Some(snapshot))
    }

    fn read(&self, name: &str) -> Option<Arc<RealmSnapshot>> {
        self.realms.read().ok()?.get(name).cloned()
    }

    /// Drops a realm's snapshot after a change; the next request reloads it.
    pub fn invalidate(&self, name: &str) {
        if let Ok(mut realms) = self.realms.write() {
            realms.remove(name);
        }
    }
}
