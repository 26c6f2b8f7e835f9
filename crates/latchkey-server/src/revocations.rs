//! The revocation hub: every ended session, logged-out or disabled user and revoked
//! access token of a realm, kept in memory while a token it covers may still be valid,
//! and broadcast to the gateways subscribed to `{realm}/latchkey/revocations`
//! (`oidc/revocation_stream.rs`).
//!
//! A subscriber gets the realm's current list and then every new entry, with no gap
//! between the two: both happen under the same lock as a publish.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use latchkey_core::revocation::{Revocation, RevocationList};
use latchkey_core::token::lifetimes::longest_access_lifespan;
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

    /// Tells the realm's subscribers that its JWKS changed.
    pub fn publish_keys_changed(&self, realm: &str) {
        let _ =
            self.sender.send(Published { realm: Arc::from(realm), event: HubEvent::KeysChanged });
    }

    /// The realm's live entries and a receiver of everything published after them.
    pub fn subscribe(
        &self,
        realm: &str,
        now: i64,
    ) -> (Vec<Revocation>, broadcast::Receiver<Published>) {
        let mut lists = self.lists.lock().unwrap_or_else(PoisonError::into_inner);
        let entries = match lists.get_mut(realm) {
            Some(list) => {
                list.prune(now);
                list.entries()
            }
            None => Vec::new(),
        };
        (entries, self.sender.subscribe())
    }

    /// Completes when the server shuts down, so streams end and shutdown can finish.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

/// When no access token of the realm issued now can still be valid: now plus the
/// longest access-token lifespan of the realm and its clients. A lifespan of `-1`
/// ("until the session's max") counts as the longest session lifetime.
pub fn access_horizon(realm: &RealmSnapshot, now: i64) -> i64 {
    let clients = realm.clients.values().map(|client| client.as_ref());
    now.saturating_add(longest_access_lifespan(&realm.realm, clients))
}

/// The entries the session and user events publish, ready to hand to the hub.
pub fn session_ended(realm: &RealmSnapshot, sid: &str, now: i64) -> Revocation {
    Revocation::Session { sid: sid.to_owned(), expires: access_horizon(realm, now) }
}

/// Tokens of user `sub` issued before `issued_before` (seconds).
pub fn user_cut_off(realm: &RealmSnapshot, sub: &str, issued_before: i64, now: i64) -> Revocation {
    Revocation::User { sub: sub.to_owned(), issued_before, expires: access_horizon(realm, now) }
}
