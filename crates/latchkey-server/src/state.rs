//! What every handler shares: storage, caches, the clock and the settings.

use std::sync::Arc;

use latchkey_core::time::Clock;
use latchkey_store::Database;

use crate::cache::{RealmCache, RealmSnapshot};
use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::hashing::Hasher;

/// A handle on what every handler shares. Cloned for every request, so it is one
/// reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub store: Database,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<ServerConfig>,
    pub realms: Arc<RealmCache>,
    pub hasher: Hasher,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Database, clock: Arc<dyn Clock>, config: ServerConfig) -> Self {
        let hasher = Hasher::new(config.hash_workers);
        AppState(Arc::new(Shared {
            store,
            clock,
            config: Arc::new(config),
            realms: Arc::new(RealmCache::default()),
            hasher,
        }))
    }

    /// The realm's snapshot, or Keycloak's 404 `Realm does not exist`.
    pub async fn realm(&self, name: &str) -> Result<Arc<RealmSnapshot>, ApiError> {
        self.realms.get(&self.store, name).await?.ok_or(ApiError::RealmNotFound)
    }
}
