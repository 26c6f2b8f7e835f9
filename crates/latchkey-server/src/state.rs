//! What every handler shares: storage, caches, the clock and the settings.

use std::sync::Arc;

use latchkey_core::time::Clock;
use latchkey_store::Database;

use crate::cache::{RealmCache, RealmSnapshot};
use crate::config::ServerConfig;
use crate::error::ApiError;
use crate::hashing::Hasher;
use crate::metrics::Metrics;
use crate::revocation::hub::RevocationHub;

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
    /// Revocations for the gateways' streams (`revocation/stream.rs`).
    pub revocations: Arc<RevocationHub>,
    /// What `/metrics` serves (`metrics.rs`).
    pub metrics: Metrics,
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
        let realms = Arc::new(RealmCache::new(Arc::clone(&clock)));
        let metrics = Metrics::new(store.clone(), Arc::clone(&realms));
        AppState(Arc::new(Shared {
            metrics,
            store,
            clock,
            config: Arc::new(config),
            realms,
            hasher,
            revocations: Arc::new(RevocationHub::default()),
        }))
    }

    /// The realm's snapshot, or Keycloak's 404 `Realm does not exist`.
    pub async fn realm(&self, name: &str) -> Result<Arc<RealmSnapshot>, ApiError> {
        self.realms.get(&self.store, name).await?.ok_or(ApiError::RealmNotFound)
    }
}
