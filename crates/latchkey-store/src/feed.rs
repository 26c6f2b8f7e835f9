//! The change feed between instances on one PostgreSQL database: how an instance learns
//! that another one changed something it may hold in memory.
//!
//! The triggers of migration 0009 write a row into `change_feed` in the same transaction
//! as every change another instance may cache (realms, clients, roles, keys, users and
//! their grants, groups, credentials, ended sessions, revocations), and NOTIFY channel
//! `latchkey_feed`. [`ChangeFeed::next`] waits for a notification (or
//! [`POLL_INTERVAL`], the fallback, and the only wake-up with `--db-notify=false`), reads
//! the rows after the last it applied, applies what the store caches itself (sessions,
//! users: `session_cache.rs`) and returns what the server caches ([`Change`]). Rows the
//! instance wrote itself are skipped: it applied them to its caches when it made them.
//!
//! Numbers come from a sequence, taken when a row is written, so a transaction may
//! commit after one that took a later number: a number missing below the highest read is
//! a gap, read again by number on every poll until it appears. A gap still missing after
//! [`GAP_WAIT`] (a rolled-back transaction, or one that stayed open) is given up with a
//! full reload ([`Change::Reload`]: every cache dropped), as after a lost connection or a
//! failed read, and once [`GAP_WAIT`] after the feed starts (a transaction in flight when
//! it read its starting number). A reload is never wrong, only slower for a moment.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use latchkey_core::revocation::Revocation;
use latchkey_core::store::StoreError;
use sqlx::PgPool;
use sqlx::postgres::PgListener;

use crate::batch::SessionBatcher;
use crate::database::flush_touches;
use crate::error::map_error;
use crate::session_cache::SessionCache;

/// How often the feed is read without a notification.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// How long a missing number is waited for before a full reload.
pub const GAP_WAIT: Duration = Duration::from_secs(2);
/// A jump of more numbers than this is not tracked number by number: a full reload.
const GAP_LIMIT: i64 = 1000;
/// Rows read at most per poll; the next poll reads on.
const BATCH: i64 = 5000;
/// The NOTIFY channel of migration 0009's triggers.
pub(crate) const CHANNEL: &str = "latchkey_feed";

/// What another instance changed that the server keeps in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Something may have been missed: drop every cache (the store dropped its own).
    Reload,
    /// The realm's settings, clients or roles changed, or it was deleted: drop its
    /// snapshot.
    Realm { realm_id: String },
    /// The realm's keys changed: drop its snapshot and tell its gateways.
    Keys { realm_id: String, realm_name: Option<String> },
    /// A revocation to push to the realm's gateways.
    Revocation { realm_name: String, revocation: Revocation },
}

/// How far the instance's feed reader got, for readiness: shared between the reader and
/// the `Database` every handler holds.
#[derive(Debug, Default)]
pub(crate) struct FeedProgress {
    /// When the feed was last read without error (`None`: not followed).
    read_at: std::sync::Mutex<Option<Instant>>,
    /// The highest number read, for the metrics.
    applied: AtomicI64,
}

impl FeedProgress {
    /// How long since the feed was last read, if it is followed.
    pub(crate) fn behind(&self) -> Option<Duration> {
        let read_at = *self.read_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        read_at.map(|at| at.elapsed())
    }

    /// The highest number read (0 before the first).
    pub(crate) fn applied(&self) -> i64 {
        self.applied.load(Ordering::Relaxed)
    }

    fn mark_read(&self, applied: i64) {
        self.applied.store(applied, Ordering::Relaxed);
        *self.read_at.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(Instant::now());
    }
}

/// What the listening task tells the feed.
#[derive(Default)]
struct Wake {
    notify: tokio::sync::Notify,
    /// The notification connection was lost (notifications may have been missed).
    is_lost: AtomicBool,
}

/// Receives the NOTIFY of the feed's channel and wakes the feed, until the feed is
/// dropped. Owns the listener, so no wait on it is ever cancelled halfway through a
/// message; the listener connects again by itself after a loss.
async fn listen(mut listener: PgListener, wake: std::sync::Weak<Wake>) {
    loop {
        let received = listener.try_recv().await;
        let Some(wake) = wake.upgrade() else { return };
        match received {
            Ok(Some(_)) => {}
            Ok(None) => {
                tracing::warn!("change feed: notification connection lost; reconnecting");
                wake.is_lost.store(true, Ordering::Release);
            }
            Err(error) => {
                tracing::warn!(%error, "change feed: notifications not received");
                wake.is_lost.store(true, Ordering::Release);
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        }
        wake.notify.notify_one();
    }
}

/// One instance's reader of the feed.
pub struct ChangeFeed {
    pool: PgPool,
    /// Woken by the listening task (`listen`); `None` with `--db-notify=false`.
    wake: Option<Arc<Wake>>,
    origin: Arc<str>,
    cache: Arc<SessionCache>,
    /// Refresh times waiting in memory are written before a reload drops them.
    sessions: SessionBatcher,
    progress: Arc<FeedProgress>,
    /// The highest number read.
    applied: i64,
    /// Numbers below `applied` not read yet, with when they were first missed.
    gaps: BTreeMap<i64, Instant>,
    reload_at: Option<Instant>,
    needs_reload: bool,
}

impl std::fmt::Debug for ChangeFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeFeed")
            .field("applied", &self.applied)
            .field("gaps", &self.gaps.len())
            .field("notify", &self.wake.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    origin: String,
    kind: String,
    realm_id: Option<String>,
    realm_name: Option<String>,
    subject: Option<String>,
    detail: Option<String>,
}

/// A revocation as the trigger writes it into `detail`.
#[derive(serde::Deserialize)]
struct StoredRevocation {
    kind: String,
    subject: String,
    issued_before: i64,
    expires: i64,
}

impl ChangeFeed {
    /// Starts reading after the feed's current end; with `notify`, listens on the
    /// channel first, so that nothing committed after the start is heard late.
    pub(crate) async fn start(
        pool: PgPool,
        notify: bool,
        origin: Arc<str>,
        cache: Arc<SessionCache>,
        sessions: SessionBatcher,
        progress: Arc<FeedProgress>,
    ) -> Result<Self, StoreError> {
        let wake = match notify {
            // A connection of the pool, kept (and connected again) by the listener.
            true => {
                let mut listener = PgListener::connect_with(&pool).await.map_err(map_error)?;
                listener.listen(CHANNEL).await.map_err(map_error)?;
                let wake = Arc::new(Wake::default());
                tokio::spawn(listen(listener, Arc::downgrade(&wake)));
                Some(wake)
            }
            false => None,
        };
        let applied: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM change_feed")
            .fetch_one(&pool)
            .await
            .map_err(map_error)?;
        progress.mark_read(applied);
        Ok(ChangeFeed {
            pool,
            wake,
            origin,
            cache,
            sessions,
            progress,
            applied,
            gaps: BTreeMap::new(),
            reload_at: Some(Instant::now() + GAP_WAIT),
            needs_reload: false,
        })
    }

    /// The highest feed number read.
    pub fn applied(&self) -> i64 {
        self.applied
    }

    /// Waits for changes by other instances, applies those the store caches, and returns
    /// those the server caches (possibly none: call again).
    pub async fn next(&mut self) -> Vec<Change> {
        self.wait().await;
        match self.read().await {
            Ok(changes) => {
                self.progress.mark_read(self.applied);
                changes
            }
            Err(error) => {
                tracing::warn!(%error, "change feed not read; caches are reloaded when it is");
                self.needs_reload = true;
                tokio::time::sleep(POLL_INTERVAL).await;
                Vec::new()
            }
        }
    }

    /// A notification, or the poll interval.
    async fn wait(&mut self) {
        let Some(wake) = &self.wake else {
            tokio::time::sleep(POLL_INTERVAL).await;
            return;
        };
        // `Notify` keeps one wake-up given while nobody waited, so none is lost.
        let _ = tokio::time::timeout(POLL_INTERVAL, wake.notify.notified()).await;
        if wake.is_lost.swap(false, Ordering::AcqRel) {
            self.needs_reload = true;
        }
    }

    async fn read(&mut self) -> Result<Vec<Change>, StoreError> {
        let gap_ids: Vec<i64> = self.gaps.keys().copied().collect();
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, origin, kind, realm_id, realm_name, subject, detail FROM change_feed
             WHERE id > $1 OR id = ANY($2) ORDER BY id LIMIT $3",
        )
        .bind(self.applied)
        .bind(&gap_ids)
        .bind(BATCH)
        .fetch_all(&self.pool)
        .await
        .map_err(map_error)?;
        let now = Instant::now();
        let mut changes = Vec::new();
        for row in rows {
            if row.id <= self.applied {
                self.gaps.remove(&row.id);
            } else {
                if row.id - self.applied > GAP_LIMIT {
                    self.needs_reload = true;
                } else {
                    self.gaps.extend((self.applied + 1..row.id).map(|missing| (missing, now)));
                }
                self.applied = row.id;
            }
            if *row.origin != *self.origin {
                changes.extend(self.apply(row));
            }
        }
        let before = self.gaps.len();
        self.gaps.retain(|_, missed| now.duration_since(*missed) < GAP_WAIT);
        if self.gaps.len() < before {
            tracing::info!(
                given_up = before - self.gaps.len(),
                "change feed: numbers never committed; reloading"
            );
            self.needs_reload = true;
        }
        if self.reload_at.is_some_and(|at| now >= at) {
            self.reload_at = None;
            self.needs_reload = true;
        }
        if self.needs_reload {
            self.needs_reload = false;
            flush_touches(&self.cache, &self.sessions).await?;
            self.cache.clear();
            changes = vec![Change::Reload];
        }
        Ok(changes)
    }

    /// Applies a row to the store's cache; what the server must apply.
    fn apply(&mut self, row: Row) -> Option<Change> {
        match (row.kind.as_str(), row.realm_id, row.subject) {
            ("realm", Some(realm_id), _) => Some(Change::Realm { realm_id }),
            ("realm_deleted", Some(realm_id), _) => {
                self.cache.clear_users();
                self.cache.remove_sessions_where(|session| session.realm_id == realm_id);
                Some(Change::Realm { realm_id })
            }
            ("keys", Some(realm_id), _) => {
                Some(Change::Keys { realm_id, realm_name: row.realm_name })
            }
            ("user", _, Some(user_id)) => {
                self.cache.remove_user(&user_id);
                None
            }
            ("users", _, _) => {
                self.cache.clear_users();
                None
            }
            ("session", _, Some(id)) => {
                self.cache.remove_session(&id);
                None
            }
            ("realm_sessions", Some(realm_id), _) => {
                self.cache.remove_sessions_where(|session| session.realm_id == realm_id);
                None
            }
            ("revocation", _, _) => {
                let realm_name = row.realm_name?;
                let stored: StoredRevocation = match serde_json::from_str(
                    row.detail.as_deref().unwrap_or_default(),
                ) {
                    Ok(stored) => stored,
                    Err(error) => {
                        tracing::error!(%error, id = row.id, "change feed: unreadable revocation");
                        return None;
                    }
                };
                let revocation = match stored.kind.as_str() {
                    "session" => {
                        Revocation::Session { sid: stored.subject, expires: stored.expires }
                    }
                    "user" => Revocation::User {
                        sub: stored.subject,
                        issued_before: stored.issued_before,
                        expires: stored.expires,
                    },
                    "token" => Revocation::Token { jti: stored.subject, expires: stored.expires },
                    "realm" => Revocation::Realm {
                        issued_before: stored.issued_before,
                        expires: stored.expires,
                    },
                    other => {
                        tracing::error!(
                            kind = other,
                            id = row.id,
                            "change feed: unknown revocation"
                        );
                        return None;
                    }
                };
                Some(Change::Revocation { realm_name, revocation })
            }
            (kind, ..) => {
                // A row of a newer migration, or a malformed one: reloading is always safe.
                tracing::warn!(kind, id = row.id, "change feed: unknown change; reloading");
                self.needs_reload = true;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests;
