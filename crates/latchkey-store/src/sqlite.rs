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

mod clients;
mod import;
mod keys;
mod login_failures;
mod realms;
mod revocations;
mod revoked_tokens;
mod roles;
mod sessions;
mod users;

use std::path::Path;
use std::time::Duration;

use latchkey_core::store::StoreError;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::error::{backend, map_error};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Readers beside the one writer. WAL readers never block the writer nor each other.
const READERS: u32 = 8;

/// How long a connection waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite storage. Cheap to clone: the pools inside are shared.
#[derive(Clone, Debug)]
pub(crate) struct SqliteEngine {
    /// The only connection that writes (see the module comment).
    write: SqlitePool,
    /// Read-only connections, so a write sent here by mistake fails loudly in tests.
    /// For an in-memory database this is the writer's pool.
    read: SqlitePool,
}

impl SqliteEngine {
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
            .connect_with(options.clone())
            .await
            .map_err(map_error)?;
        MIGRATOR.run(&write).await.map_err(backend)?;
        let read = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options.read_only(true))
            .await
            .map_err(map_error)?;
        Ok(SqliteEngine { write, read })
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
        Ok(SqliteEngine { write: pool.clone(), read: pool })
    }

    /// Waits for the queries in flight and closes every connection. With the last
    /// connection closed, SQLite checkpoints the WAL into the main file.
    pub(crate) async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    /// Starts a write transaction holding the write lock from its first statement.
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, StoreError> {
        self.write.begin_with("BEGIN IMMEDIATE").await.map_err(map_error)
    }
}

#[cfg(test)]
mod tests;
