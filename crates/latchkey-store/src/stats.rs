//! What the store counts for the server's metrics (`/metrics`): atomics bumped where the
//! store does the work, and pool sizes and the change feed's progress read when asked.
//! Nothing here takes a lock on the request path.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counters of the caching layer (`database.rs`, `session_cache.rs`).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) sessions_created: AtomicU64,
    pub(crate) sessions_ended: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
}

/// A reading of the store's figures, taken by [`crate::Database::stats`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoreStats {
    /// Refreshes that found their session and user in memory.
    pub session_cache_hits: u64,
    /// Those that read them from the database.
    pub session_cache_misses: u64,
    /// Sessions committed (logins, client-credentials grants).
    pub sessions_created: u64,
    /// Sessions deleted: logouts, revocations, admin sign-outs, idle expiry.
    pub sessions_ended: u64,
    /// Refresh times in memory waiting to be written (the write-behind queue).
    pub refresh_times_queued: u64,
    /// Database calls that failed with the database's fault, after retries.
    pub database_failures: u64,
    /// Connection pools: `default`, or `write` and `read` (SQLite).
    pub pools: Vec<PoolStats>,
    /// The change feed between instances; `None` on SQLite.
    pub feed: Option<FeedStats>,
}

/// One connection pool now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolStats {
    pub name: &'static str,
    /// Connections lent out.
    pub active: u32,
    /// Connections open and free.
    pub idle: u32,
    /// The pool's maximum.
    pub max: u32,
}

/// How far this instance's change feed got.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedStats {
    /// The highest feed number read (0 before the first).
    pub last_applied: i64,
    /// Time since the feed was last read without error; `None` before it starts.
    pub behind: Option<Duration>,
}
