//! In-memory snapshots of realms: settings, keys, clients and roles, loaded on first
//! use and dropped when something changes them, or when a retired signing key is due
//! to be dropped (`reload_at`). Users and sessions are not cached here; the store keeps
//! refreshed sessions in memory itself (`latchkey-store`'s `session_cache.rs`).

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use latchkey_core::client::Client;
use latchkey_core::realm::Realm;
use latchkey_core::role::RoleGraph;
use latchkey_core::store::{Store, StoreError};
use latchkey_core::time::Clock;
use latchkey_core::token::keys::{KeySet, drop_retired};
use latchkey_core::token::lifetimes::longest_access_lifespan;
use latchkey_store::Database;

/// Everything about a realm that every request needs.
#[derive(Debug)]
pub struct RealmSnapshot {
    pub realm: Realm,
    pub keys: KeySet,
    pub clients: HashMap<String, Arc<Client>>,
    pub roles: RoleGraph,
    /// When a superseded key's tokens will all have expired (milliseconds): the snapshot
    /// is loaded again then, without that key.
    pub reload_at: Option<i64>,
}

impl RealmSnapshot {
    pub fn client(&self, client_id: &str) -> Option<&Arc<Client>> {
        self.clients.get(client_id)
    }
}

/// How long after the last token it could have signed a superseded key stays published:
/// room for the gateways' clock leeway.
pub const KEY_RETIREMENT_MARGIN_SECS: i64 = 60;

pub struct RealmCache {
    realms: RwLock<HashMap<String, Arc<RealmSnapshot>>>,
    clock: Arc<dyn Clock>,
}

impl RealmCache {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        RealmCache { realms: RwLock::new(HashMap::new()), clock }
    }

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
        let clients = store.list_clients(&realm.id).await?;
        let mut stored = store.list_keys(&realm.id).await?;
        let reload_at =
            drop_retired(&mut stored, self.clock.now().0, key_keep_ms(&realm, &clients));
        let keys = KeySet::from_stored(stored, &realm.name)
            .map_err(|e| StoreError::Corrupt(format!("realm keys: {e}")))?;
        let client_ids: HashMap<String, String> =
            clients.iter().map(|c| (c.id.clone(), c.client_id.clone())).collect();
        let roles = RoleGraph::new(store.list_roles(&realm.id).await?, client_ids);
        let snapshot = Arc::new(RealmSnapshot {
            realm,
            keys,
            clients: clients.into_iter().map(|c| (c.client_id.clone(), Arc::new(c))).collect(),
            roles,
            reload_at,
        });
        if let Ok(mut realms) = self.realms.write() {
            realms.insert(name.to_owned(), Arc::clone(&snapshot));
        }
        Ok(Some(snapshot))
    }

    fn read(&self, name: &str) -> Option<Arc<RealmSnapshot>> {
        let snapshot = self.realms.read().ok()?.get(name).cloned()?;
        match snapshot.reload_at {
            Some(at) if self.clock.now().0 >= at => None,
            _ => Some(snapshot),
        }
    }

    /// Drops a realm's snapshot after a change; the next request reloads it.
    pub fn invalidate(&self, name: &str) {
        if let Ok(mut realms) = self.realms.write() {
            realms.remove(name);
        }
    }
}

/// How long a superseded signing key of the realm stays (milliseconds): the longest
/// access-token lifespan plus the margin.
pub fn key_keep_ms(realm: &Realm, clients: &[Client]) -> i64 {
    longest_access_lifespan(realm, clients)
        .saturating_add(KEY_RETIREMENT_MARGIN_SECS)
        .saturating_mul(1000)
}
