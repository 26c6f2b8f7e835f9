//! Logout means logout: every event that ends a session or a user's access becomes a
//! `latchkey_core::revocation::Revocation`, pushed to the gateways at once and stored
//! until every token it covers has expired. `hub.rs` keeps each realm's list and
//! broadcasts it, `stream.rs` serves it to gateways (`{realm}/latchkey/revocations`,
//! Server-Sent Events); the functions here make the entries and record them.
//!
//! Which event publishes what: OIDC logout and the revocation of a refresh token
//! `Session { sid }`, of an access token `Token { jti }`; an admin's session delete
//! `Session`; an admin's user logout a `Session` per session ended plus
//! `User { sub, issued_before: now }`; a user disabled or deleted, and a brute-force lock,
//! `User { sub, issued_before: now + 1 }` (this second's tokens too); logout-all
//! `Realm { issued_before: now + 1 }`. Each entry carries `expires`: now plus the longest
//! access-token lifespan of the realm and its clients, after which no token it covers can
//! be valid. [`revoke`] pushes it to the hub first (gateways hear of it at once), then
//! stores it (table `revocations`); the hub loads a realm's stored entries on its first
//! subscriber, so the list survives a restart, and the reaper deletes expired rows.
//!
//! On PostgreSQL the stored row reaches every other instance through the change feed
//! (`cluster.rs`), whose hub publishes it to its own gateways.
//!
//! Known gaps: a user logout's `issued_before:
//! now` lets tokens issued earlier in the same second through unless their session is
//! listed; the `now + 1` cut-offs also refuse tokens issued later in that second.

pub mod hub;
pub mod stream;

use latchkey_core::revocation::Revocation;
use latchkey_core::store::{Store, StoreError};
use latchkey_core::token::lifetimes::longest_access_lifespan;

use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// Records a revocation of realm `realm`: pushed to the subscribed gateways at once, then
/// stored, so that the list survives a restart.
pub async fn revoke(
    state: &AppState,
    realm: &RealmSnapshot,
    revocation: Revocation,
    now: i64,
) -> Result<(), StoreError> {
    state.revocations.publish(&realm.realm.name, revocation.clone(), now);
    state.store.insert_revocation(&realm.realm.id, &revocation).await
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
