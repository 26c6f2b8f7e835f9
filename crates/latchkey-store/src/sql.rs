//! The plain SQL of every engine, written once over sqlx's `Database`: `Sql<Sqlite>` is
//! the SQLite engine, `Sql<Postgres>` the PostgreSQL one. Most statements are the same
//! text on both (sqlx binds `$1`-style parameters by number on SQLite too). Where the
//! dialects differ, the text comes from the engine's `Dialect` implementation, in
//! `sqlite.rs` or `postgres.rs`, so every engine-specific statement is read in its
//! engine's module.
//!
//! The shared code is in six files, by area: `sql/directory.rs` (realms, keys, clients,
//! roles, whole-realm import), `sql/groups.rs` (groups, their roles and members),
//! `sql/scopes.rs` (client scopes, their mappers, realm defaults, scope mappings),
//! `sql/users.rs` (users, credentials, the user search), `sql/activity.rs` (sessions,
//! brute-force records, revocations) and `sql/events.rs` (login and admin events). Each starts its
//! `impl` with the same `where` clause: the column and parameter types latchkey uses,
//! which Rust cannot attach to `Dialect` once for all (bounds of that shape are not
//! implied by a trait).

mod activity;
mod directory;
pub(crate) mod events;
mod groups;
mod kept;
pub(crate) mod scopes;
mod users;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use latchkey_core::client::Client;
use latchkey_core::secret::Secret;
use latchkey_core::store::StoreError;
use sqlx::{Database, Encode, Executor, IntoArguments, Pool, Transaction, Type};

use crate::error::{map_error, to_json};
use crate::stats::PoolStats;

/// An engine: the write pool and the read pool of one database (the same pool where the
/// engine has no reason to split them).
pub(crate) struct Sql<DB: sqlx::Database> {
    pub(crate) write: Pool<DB>,
    pub(crate) read: Pool<DB>,
    /// Calls that failed with the database's fault (`StoreError::Backend`: a lost or
    /// refused connection, a timeout), after retries; for the metrics.
    pub(crate) failures: Arc<AtomicU64>,
}

impl<DB: sqlx::Database> Sql<DB> {
    /// An engine over its pools.
    pub(crate) fn new(write: Pool<DB>, read: Pool<DB>) -> Self {
        Sql { write, read, failures: Arc::default() }
    }

    /// The pools' connections now: `write` (and `read` when it is another pool).
    pub(crate) fn pool_stats(&self) -> Vec<PoolStats> {
        let stats = |name, pool: &Pool<DB>| {
            let size = pool.size();
            let idle = u32::try_from(pool.num_idle()).unwrap_or(size);
            PoolStats {
                name,
                active: size.saturating_sub(idle),
                idle,
                max: pool.options().get_max_connections(),
            }
        };
        // Clones of one pool share its options: one pool serves both.
        if std::ptr::eq(self.write.options(), self.read.options()) {
            return vec![stats("default", &self.write)];
        }
        vec![stats("write", &self.write), stats("read", &self.read)]
    }
}

impl<DB: sqlx::Database> Clone for Sql<DB> {
    fn clone(&self) -> Self {
        Sql {
            write: self.write.clone(),
            read: self.read.clone(),
            failures: Arc::clone(&self.failures),
        }
    }
}

/// Pools print their sizes, never their connect options (which may hold a password).
impl<DB: sqlx::Database> std::fmt::Debug for Sql<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sql")
            .field("engine", &DB::NAME)
            .field("write_connections", &self.write.size())
            .field("read_connections", &self.read.size())
            .finish()
    }
}

/// What differs between the engines in statements that are otherwise shared. Each item
/// is either a whole statement or a fragment that one shared statement splices in.
pub(crate) trait Dialect: sqlx::Database {
    /// Starts a transaction that writes.
    const BEGIN_WRITE: &'static str;
    /// Starts a read-only transaction whose statements all see one snapshot.
    const BEGIN_SNAPSHOT: &'static str;
    /// A session with its user and the ids of the roles the user holds (granted, and
    /// through groups: `groups::HELD_ROLE_IDS`) joined by U+001F (unit separator) as
    /// `role_ids` (`rows::SessionContextRow`); `$1` is the session id.
    const FIND_SESSION_CONTEXT: &'static str;
    /// What ends a `SELECT` that locks the rows it reads until the transaction ends
    /// (empty where a write transaction locks the whole database).
    const FOR_UPDATE: &'static str;
    /// Writes a session's client, refresh time (never moving back) and reuse state;
    /// `$1` id, `$2` client, `$3` refresh time, `$4`..`$6` the reuse state.
    const UPDATE_SESSION: &'static str;
    /// `UPDATE_SESSION` for a refresh under Revoke Refresh Token, only if the session
    /// still has the client `$2` and the reuse state `$7`..`$9` it was read with.
    const REFRESH_SESSION: &'static str;
    /// The position of the second text argument in the first, 0 if absent.
    const POSITION: &'static str;
    /// The profile's `emailVerified` as a boolean expression (false when absent).
    const EMAIL_VERIFIED: &'static str;

    /// Moves the refresh time of each session to the given one unless it is already
    /// later; the count of sessions written.
    fn touch_sessions<'c>(
        conn: &'c mut Self::Connection,
        touches: &'c [(String, i64)],
    ) -> impl Future<Output = Result<u64, StoreError>> + Send + 'c;
}

/// `rows_affected`, which sqlx gives each engine's result type but no trait.
pub(crate) trait Affected {
    fn affected(&self) -> u64;
}

impl Affected for sqlx::sqlite::SqliteQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl Affected for sqlx::postgres::PgQueryResult {
    fn affected(&self) -> u64 {
        self.rows_affected()
    }
}

impl<DB: Dialect> Sql<DB> {
    /// Starts a write transaction (`Dialect::BEGIN_WRITE`).
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, DB>, StoreError> {
        self.write.begin_with(DB::BEGIN_WRITE).await.map_err(map_error)
    }

    /// Waits for the queries in flight and closes every connection.
    pub(crate) async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

/// Runs `sql`, a statement of two text parameters, once per id: `$1` the owner, `$2`
/// the id (a link table's rows: roles granted, memberships, mappings taken away).
/// Writes a client's row, everything but the id and the realm, on `conn` (inside the
/// caller's transaction, when it has one): `update_client`, and the clients a scope
/// rename or delete rewrites with it. `NotFound` if the client is gone.
pub(crate) async fn update_client_row<DB>(
    conn: &mut DB::Connection,
    client: &Client,
) -> Result<(), StoreError>
where
    DB: Database,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
{
    let result = sqlx::query::<DB>(
        "UPDATE clients SET client_id = $2, enabled = $3, public_client = $4, secret = $5,
             settings = $6
         WHERE id = $1",
    )
    .bind(client.id.as_str())
    .bind(client.client_id.as_str())
    .bind(client.enabled)
    .bind(client.public_client)
    .bind(client.secret.as_ref().map(Secret::expose))
    .bind(to_json(&client.settings)?)
    .execute(&mut *conn)
    .await
    .map_err(map_error)?;
    if result.affected() == 0 {
        return Err(StoreError::NotFound(format!("client {}", client.id)));
    }
    Ok(())
}

pub(crate) async fn for_each_id<DB>(
    conn: &mut DB::Connection,
    sql: &'static str,
    owner: &str,
    ids: &[String],
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    for id in ids {
        sqlx::query::<DB>(sql)
            .bind(owner)
            .bind(id.as_str())
            .execute(&mut *conn)
            .await
            .map_err(map_error)?;
    }
    Ok(())
}
