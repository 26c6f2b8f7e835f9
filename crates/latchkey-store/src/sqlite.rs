//! The embedded SQLite engine: one file in WAL mode, one writer connection and a
//! pool of read-only readers, so that concurrent writes queue instead of failing.
//! Plain SQL only: caching and batching are `Database`'s (`database.rs`).
//!
//! Why one writer: SQLite allows one write transaction at a time. With several writing
//! connections, a deferred transaction that reads before it writes cannot wait for the
//! lock and fails at once with `SQLITE_BUSY` (measured: 462 of 2000 such transactions
//! from 16 tasks on an 8-connection pool), and the busy handler's sleeps make latency
//! uneven. Queueing on one connection costs no throughput, because SQLite serialises the
//! writes (and their fsyncs) anyway. Write transactions still start with
//! `BEGIN IMMEDIATE`, so that a second process on the same file (an admin command
//! beside the server) waits for the busy timeout rather than failing.

use std::path::Path;
use std::time::Duration;

use latchkey_core::store::StoreError;
use sqlx::Sqlite;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::{backend, map_error};
use crate::sql::{Dialect, Sql};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Readers beside the one writer. WAL readers never block the writer nor each other.
const READERS: u32 = 8;

/// How long a connection waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite storage: `write` is the only connection that writes (see the module comment),
/// `read` a pool of read-only connections, so a write sent there by mistake fails
/// loudly in tests (for an in-memory database, the writer's pool).
pub(crate) type SqliteEngine = Sql<Sqlite>;

impl Sql<Sqlite> {
    /// Opens the database file, creating it and its directory if needed, and applies
    /// the migrations.
    pub(crate) async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(backend)?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL fsyncs the WAL at every commit, so a committed session survives a
            // kill -9 and a power loss. NORMAL would survive a kill -9 too, but a power
            // loss or OS crash could roll back the last transactions (those since the
            // last checkpoint); the file would stay consistent.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // The writer stays open for the life of the store: it keeps the WAL and its
        // index in place for the readers, and its prepared statements warm.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .after_release(|conn, _| Box::pin(is_out_of_transaction(conn)))
            .connect_with(options.clone())
            .await
            .map_err(map_error)?;
        MIGRATOR.run(&write).await.map_err(backend)?;
        let read = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options.read_only(true))
            .await
            .map_err(map_error)?;
        Ok(Sql::new(write, read))
    }

    /// A private in-memory database, for tests. Every connection to `:memory:` is a
    /// database of its own, so the store keeps exactly one connection, never recycled,
    /// and reads and writes share it.
    pub(crate) async fn open_in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new().in_memory(true).foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(map_error)?;
        MIGRATOR.run(&pool).await.map_err(backend)?;
        Ok(Sql::new(pool.clone(), pool))
    }
}

/// Whether a connection given back to the pool is out of any transaction, as it must be
/// to be used again; the pool closes it otherwise, and the next write opens a new one.
///
/// When the disk is full, SQLite fails the `COMMIT` with `SQLITE_FULL` and rolls the
/// transaction back itself. sqlx still counts it open, its `ROLLBACK` then fails ("no
/// transaction is active") and the count stays at one for good: every later
/// `BEGIN IMMEDIATE` on that connection is refused, and each write answered 500 until a
/// restart, long after the disk has room again (found by `scripts/soak.py`). A rollback
/// that a dropped transaction queued runs before the `ping` returns, so a connection
/// whose rollback merely had not run yet is kept.
async fn is_out_of_transaction(conn: &mut SqliteConnection) -> Result<bool, sqlx::Error> {
    use sqlx::{Connection as _, TransactionManager as _};
    let depth = |conn: &SqliteConnection| {
        <Sqlite as sqlx::Database>::TransactionManager::get_transaction_depth(conn)
    };
    if depth(conn) == 0 {
        return Ok(true);
    }
    conn.ping().await?;
    let clean = depth(conn) == 0;
    if !clean {
        tracing::warn!(
            "the SQLite writer was left inside a transaction (a failed commit); reopening it"
        );
    }
    Ok(clean)
}

/// SQLite's side of the statements that differ between engines.
impl Dialect for Sqlite {
    /// Takes the write lock at the first statement, so that a second process on the same
    /// file waits for the busy timeout instead of failing halfway.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    /// A WAL reader's transaction sees one snapshot from its first read.
    const BEGIN_SNAPSHOT: &'static str = "BEGIN";
    const FIND_SESSION_CONTEXT: &'static str = "WITH RECURSIVE up(id) AS (
             SELECT m.group_id FROM user_groups m JOIN sessions s0 ON s0.user_id = m.user_id
             WHERE s0.id = $1
             UNION
             SELECT g.parent_id FROM realm_groups g JOIN up ON g.id = up.id
             WHERE g.parent_id IS NOT NULL),
         held(role_id) AS (
             SELECT r.role_id FROM user_roles r JOIN sessions s1 ON s1.user_id = r.user_id
             WHERE s1.id = $1
             UNION
             SELECT gr.role_id FROM group_roles gr JOIN up ON gr.group_id = up.id)
         SELECT s.id, s.realm_id, s.user_id,
             s.client_uuid, s.started, s.last_refresh, s.scope, s.reuse_current_token_id,
             s.reuse_use_count, s.reuse_last_refresh, s.offline, s.ip_address,
             u.id AS u_id, u.realm_id AS u_realm_id, u.username AS u_username,
             u.enabled AS u_enabled, u.created_timestamp AS u_created_timestamp,
             u.profile AS u_profile,
             (SELECT group_concat(role_id, char(31)) FROM held) AS role_ids
         FROM sessions s
         LEFT JOIN users u ON u.id = s.user_id AND u.realm_id = s.realm_id
         WHERE s.id = $1";
    /// `BEGIN IMMEDIATE` holds the database's write lock already.
    const FOR_UPDATE: &'static str = "";
    /// SQLite's two-argument `max` is a scalar function.
    const UPDATE_SESSION: &'static str = "UPDATE sessions SET client_uuid = $2,
             last_refresh = max(last_refresh, $3), reuse_current_token_id = $4,
             reuse_use_count = $5, reuse_last_refresh = $6
         WHERE id = $1";
    /// `IS` is SQLite's null-safe equality.
    const REFRESH_SESSION: &'static str = "UPDATE sessions SET
             last_refresh = max(last_refresh, $3), reuse_current_token_id = $4,
             reuse_use_count = $5, reuse_last_refresh = $6
         WHERE id = $1 AND client_uuid = $2
             AND reuse_current_token_id IS $7 AND reuse_use_count = $8
             AND reuse_last_refresh = $9";
    const POSITION: &'static str = "instr";
    /// `json_extract` gives JSON `true` as 1 and an absent key as NULL.
    const EMAIL_VERIFIED: &'static str = "coalesce(json_extract(profile, '$.emailVerified'), 0)";

    /// One statement per session: SQLite runs them in-process, so a statement costs no
    /// round trip.
    async fn touch_sessions(
        conn: &mut SqliteConnection,
        touches: &[(String, i64)],
    ) -> Result<u64, StoreError> {
        let mut changed = 0;
        for (id, last_refresh) in touches {
            changed += sqlx::query(
                "UPDATE sessions SET last_refresh = max(last_refresh, $2) WHERE id = $1",
            )
            .bind(id)
            .bind(last_refresh)
            .execute(&mut *conn)
            .await
            .map_err(map_error)?
            .rows_affected();
        }
        Ok(changed)
    }
}

#[cfg(test)]
mod tests;
