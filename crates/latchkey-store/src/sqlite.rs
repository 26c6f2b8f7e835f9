//! The embedded SQLite backend: one file, WAL journal, one writer connection and a
//! small pool of readers, so writes never fight over the lock.

mod directory;
mod realms;
mod sessions;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use latchkey_core::store::StoreError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// SQLite storage. Cheap to clone: the pools are shared.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    /// One connection: SQLite has one writer at a time anyway, and queueing here
    /// instead of in SQLite's busy handler keeps writes fair and never `SQLITE_BUSY`.
    write: SqlitePool,
    read: SqlitePool,
}

fn backend(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Backend(Box::new(error))
}

/// Maps a query error, turning unique-constraint violations into `Conflict`.
pub(crate) fn map_error(error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error
        && db.is_unique_violation()
    {
        return StoreError::Conflict(db.message().to_owned());
    }
    backend(error)
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies the migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(backend)?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a committed session survives a power loss, not only a kill -9
            // (NORMAL would keep kill -9 safety but could lose the last commits on power loss).
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        Self::with_options(options, 4).await
    }

    /// A private in-memory database, for tests.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let options =
            SqliteConnectOptions::from_str("sqlite::memory:").map_err(backend)?.foreign_keys(true);
        // In-memory databases are per connection: one connection serves reads and writes.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(backend)?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await.map_err(backend)?;
        Ok(SqliteStore { write: pool.clone(), read: pool })
    }

    async fn with_options(options: SqliteConnectOptions, readers: u32) -> Result<Self, StoreError> {
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(backend)?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await.map_err(backend)?;
        let read = SqlitePoolOptions::new()
            .max_connections(readers)
            .connect_with(options.read_only(true))
            .await
            .map_err(backend)?;
        Ok(SqliteStore { write, read })
    }
}
