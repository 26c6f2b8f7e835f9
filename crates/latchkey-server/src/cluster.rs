//! What an instance does to share its database with other instances (PostgreSQL): it
//! applies the change feed (`latchkey_store::ChangeFeed`) to what it keeps in memory,
//! and runs the cluster-wide jobs only while it holds the jobs lock.
//!
//! The store applies the feed to its own session cache; this module applies the rest:
//! realm snapshots (`cache.rs`) and the revocation hub, whose gateways hear of a session
//! ended on another instance as soon as this instance reads the feed.

use std::time::Duration;

use latchkey_store::Change;

use crate::state::AppState;

/// How long the change feed keeps a row: long enough for any instance that can still
/// reach the database to have read it (one that could not reloads everything when it can).
pub const FEED_RETENTION: Duration = Duration::from_secs(600);

/// Applies the change feed until the server stops; returns at once on SQLite.
pub async fn follow_changes(state: AppState) {
    let mut feed = loop {
        match state.store.follow_changes().await {
            Ok(Some(feed)) => break feed,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "change feed not started; trying again");
                tokio::time::sleep(latchkey_store::POLL_INTERVAL).await;
            }
        }
    };
    tracing::info!(from = feed.applied(), "following the change feed");
    loop {
        for change in feed.next().await {
            apply(&state, change).await;
        }
    }
}

async fn apply(state: &AppState, change: Change) {
    match change {
        Change::Reload => {
            state.realms.clear();
            let now = state.clock.now().secs();
            if let Err(error) = state.revocations.reload(&state.store, now).await {
                tracing::warn!(%error, "revocations not read again after a feed reload");
            }
            tracing::info!("caches dropped after a change-feed reload");
        }
        Change::Realm { realm_id } => state.realms.invalidate_id(&realm_id),
        Change::Keys { realm_id, realm_name } => {
            state.realms.invalidate_id(&realm_id);
            if let Some(name) = realm_name {
                state.revocations.publish_keys_changed(&name);
            }
        }
        Change::Revocation { realm_name, revocation } => {
            let now = state.clock.now().secs();
            state.revocations.publish(&realm_name, revocation, now);
        }
    }
}

/// Whether this instance runs the cluster-wide jobs now (always on SQLite).
pub async fn is_leader(state: &AppState) -> bool {
    match state.store.lead_jobs().await {
        Ok(is_leader) => is_leader,
        Err(error) => {
            tracing::warn!(%error, "jobs lock not checked; jobs skipped");
            false
        }
    }
}

/// Deletes the change feed's rows older than `FEED_RETENTION`.
pub async fn prune_changes(state: &AppState) {
    match state.store.prune_changes(FEED_RETENTION).await {
        Ok(0) => {}
        Ok(count) => tracing::debug!(count, "change feed rows pruned"),
        Err(error) => tracing::warn!(%error, "change feed not pruned"),
    }
}
