//! The revocation hub: every ended session, logged-out or disabled user and revoked
//! access token of a realm, kept in memory while a token it covers may still be valid,
//! and broadcast to the gateways subscribed to `{realm}/latchkey/revocations`
//! (`stream.rs`).
//!
//! A subscriber gets the realm's current list and then every new entry, with no gap
//! between the two: both happen under the same lock as a publish.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use latchkey_core::revocation::{Revocation, RevocationList};
use latchkey_core::store::{Store, StoreError};
use latchkey_store::Database;
use tokio::sync::{broadcast, watch};

use crate::cache::RealmSnapshot;

/// Entries a slow subscriber may fall behind before its stream is closed (it then
/// reconnects and starts again from a snapshot).
const BACKLOG: usize = 4096;

/// A published event and the realm it belongs to.
#[derive(Clone, Debug)]
pub struct Published {
    pub realm: Arc<str>,
    pub event: HubEvent,
}

#[derive(Clone, Debug)]
pub enum HubEvent {
    Revoked(Revocation),
    /// The realm's keys changed (a key was added): gateways fetch the JWKS again now
    /// instead of waiting for a token with an unknown `kid`.
    KeysChanged,
}

pub struct RevocationHub {
    /// Per realm name; a realm is present once its stored entries were loaded.
    lists: Mutex<HashMap<String, RevocationList>>,
    sender: broadcast::Sender<Published>,
    closing: watch::Sender<bool>,
}

impl Default for RevocationHub {
    fn default() -> Self {
        RevocationHub {
            lists: Mutex::new(HashMap::new()),
            sender: broadcast::channel(BACKLOG).0,
            closing: watch::channel(false).0,
        }
    }
}

impl RevocationHub {
    /// Records an entry of realm `realm` and pushes it to the subscribers.
    pub fn publish(&self, realm: &str, revocation: Revocation, now: i64) {
        let mut lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
        let list = lists.entry(realm.to_owned()).or_default();
        list.prune(now);
        list.insert(revocation.clone());
        tracing::info!(realm, ?revocation, "revocation published");
        // No subscriber is not an error: the entry waits in the list for the next one.
        let _ = self
            .sender
            .send(Published { realm: Arc::from(realm), event: HubEvent::Revoked(revocation) });
    }

    /// After the change feed reloaded (it may have missed revocations other instances
    /// stored): reads again the stored entries of every realm this hub serves and
    /// publishes those it did not have.
    pub async fn reload(&self, store: &Database, now: i64) -> Result<(), StoreError> {
        let names: Vec<String> =
            self.lists.lock().unwrap_or_else(PoisonError::into_inner).keys().cloned().collect();
        for name in names {
            let Some(realm) = store.find_realm_by_name(&name).await? else { continue };
            let stored = store.list_revocations(&realm.id, now).await?;
            let mut lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
            let list = lists.entry(name.clone()).or_default();
            let known = list.entries();
            for entry in stored.into_iter().filter(|entry| !known.contains(entry)) {
                list.insert(entry.clone());
                let realm = Arc::from(name.as_str());
                let _ = self.sender.send(Published { realm, event: HubEvent::Revoked(entry) });
            }
        }
        Ok(())
    }

    /// Tells the realm's subscribers that its JWKS changed.
    pub fn publish_keys_changed(&self, realm: &str) {
        let _ =
            self.sender.send(Published { realm: Arc::from(realm), event: HubEvent::KeysChanged });
    }

    /// The realm's live entries (those stored before this process started included)
    /// and a receiver of everything published after them.
    pub async fn subscribe(
        &self,
        store: &Database,
        realm: &RealmSnapshot,
        now: i64,
    ) -> Result<(Vec<Revocation>, broadcast::Receiver<Published>), StoreError> {
        let name = realm.realm.name.as_str();
        let is_loaded =
            self.lists.lock().unwrap_or_else(PoisonError::into_inner).contains_key(name);
        let stored = match is_loaded {
            true => Vec::new(),
            false => store.list_revocations(&realm.realm.id, now).await?,
        };
        let mut lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
        // Entries published meanwhile are in the list already; the union keeps both.
        let list = lists.entry(name.to_owned()).or_default();
        for entry in stored {
            list.insert(entry);
        }
        list.prune(now);
        Ok((list.entries(), self.sender.subscribe()))
    }

    /// Completes when the server shuts down, so streams end and shutdown can finish.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}
