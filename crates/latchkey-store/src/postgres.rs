//! The PostgreSQL engine: a pool of connections to one database that any number of
//! latchkey instances may share. Plain SQL only, as for SQLite (`sql.rs`); this module
//! holds how to reach the database (`PostgresOptions`), the migrations, the advisory
//! lock that serialises instances starting together, and PostgreSQL's side of the
//! statements that differ between engines (`Dialect`).
//!
//! Transactions run at PostgreSQL's default isolation, READ COMMITTED. Writes that two
//! instances may race on are conditional updates, never a read then a write: a refresh
//! time only moves forward (`greatest`), a refresh under Revoke Refresh Token writes
//! only if the reuse state is still the one it read. An `UPDATE … WHERE` waits for a
//! concurrent writer of the same row and then evaluates its condition on the row that
//! writer committed, so the loser of a race sees zero rows changed.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use latchkey_core::store::StoreError;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{Connection, Postgres};

use crate::error::{backend, map_error};
use crate::sql::{Dialect, Sql};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// The key of the advisory lock held while an instance creates realm `master` and
/// imports realm files ("latchkey" in ASCII). sqlx's migrator takes its own lock.
const BOOTSTRAP_LOCK: i64 = 0x6c61_7463_686b_6579;

/// The key of the advisory lock held by the one instance that runs the cluster-wide
/// jobs (idle-session reaper, expired revocations, change-feed pruning): "lkjobs" in ASCII.
const JOBS_LOCK: i64 = 0x6c6b_6a6f_6273;

/// The parameters a `--db-url` may carry besides the address; anything else is refused
/// by name, so that a typo is not silently ignored.
const URL_PARAMETERS: &[&str] =
    &["user", "password", "sslmode", "application_name", "options", "currentSchema"];

/// How to reach a PostgreSQL database: Keycloak's `--db-url`, `--db-username`,
/// `--db-password`, `--db-pool-max-size` and `--db-connect-timeout`. `Debug` and
/// `Display` never show the password.
#[derive(Clone)]
pub struct PostgresOptions {
    connect: PgConnectOptions,
    pool_max_size: u32,
    connect_timeout: Duration,
    notify: bool,
}

impl PostgresOptions {
    /// Connections in the pool unless said otherwise. Smaller than Keycloak's 100:
    /// PostgreSQL allows 100 connections by default, to be shared by every instance.
    pub const DEFAULT_POOL_MAX_SIZE: u32 = 20;
    /// How long to wait for the server to accept a connection.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

    /// Reads `jdbc:postgresql://host[:port]/database[?…]` (Keycloak's form) or
    /// `postgres://` / `postgresql://`, with or without `user[:password]@`. The error
    /// names what is wrong and never repeats a password.
    pub fn from_url(url: &str) -> Result<Self, InvalidUrl> {
        let bad = |why: &str| InvalidUrl(why.to_owned());
        let rest = url.strip_prefix("jdbc:").unwrap_or(url);
        let Some(after_scheme) =
            rest.strip_prefix("postgresql://").or_else(|| rest.strip_prefix("postgres://"))
        else {
            return Err(bad(
                "expected jdbc:postgresql://host:port/database, postgres:// or postgresql://",
            ));
        };
        let (address, query) = after_scheme.split_once('?').unwrap_or((after_scheme, ""));
        let authority = address.split('/').next().unwrap_or_default();
        let host = authority.rsplit('@').next().unwrap_or_default();
        if host.is_empty() || host.starts_with(':') {
            return Err(bad("no host"));
        }
        let database = address.split_once('/').map(|(_, path)| path).unwrap_or_default();
        if database.is_empty() {
            return Err(bad("no database name after the host"));
        }
        let mut pairs = Vec::new();
        let mut schema = None;
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            if !URL_PARAMETERS.contains(&key) {
                return Err(bad(&format!(
                    "unsupported parameter `{key}` (supported: {})",
                    URL_PARAMETERS.join(", ")
                )));
            }
            if key == "currentSchema" {
                schema = Some(value.to_owned());
            } else {
                pairs.push(pair);
            }
        }
        let mut text = format!("postgres://{address}");
        if !pairs.is_empty() {
            text = format!("{text}?{}", pairs.join("&"));
        }
        // sqlx's own parser, which percent-decodes; its messages do not echo the URL.
        let mut connect =
            PgConnectOptions::from_str(&text).map_err(|error| bad(&error.to_string()))?;
        if let Some(schema) = schema {
            connect = connect.options([("search_path", schema.as_str())]);
        }
        Ok(PostgresOptions {
            connect: connect.application_name("latchkey"),
            pool_max_size: Self::DEFAULT_POOL_MAX_SIZE,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            notify: true,
        })
    }

    /// The user to sign in as, over the URL's.
    pub fn username(mut self, username: &str) -> Self {
        self.connect = self.connect.username(username);
        self
    }

    /// The password, over the URL's.
    pub fn password(mut self, password: &str) -> Self {
        self.connect = self.connect.password(password);
        self
    }

    pub fn pool_max_size(mut self, size: u32) -> Self {
        self.pool_max_size = size.max(1);
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Whether the change feed is woken by LISTEN/NOTIFY (the default) or only polled
    /// (`--db-notify=false`, for engines without LISTEN/NOTIFY such as CockroachDB).
    pub fn notify(mut self, notify: bool) -> Self {
        self.notify = notify;
        self
    }

    pub(crate) fn is_notify(&self) -> bool {
        self.notify
    }

    /// Opens one connection within the connect timeout; the error says which step failed.
    async fn connect(&self) -> Result<PgConnection, StoreError> {
        match tokio::time::timeout(self.connect_timeout, PgConnection::connect_with(&self.connect))
            .await
        {
            Ok(connected) => connected.map_err(backend),
            Err(_) => Err(StoreError::Backend(
                format!(
                    "no answer within {} s (--db-connect-timeout)",
                    self.connect_timeout.as_secs_f64()
                )
                .into(),
            )),
        }
    }
}

/// A `--db-url` that is not a PostgreSQL URL latchkey reads: what is wrong with it, never
/// the URL itself (it may hold a password).
#[derive(Debug, thiserror::Error)]
#[error("invalid PostgreSQL URL: {0}")]
pub struct InvalidUrl(String);

/// `host:port/database as user`, never the password.
impl fmt::Display for PostgresOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let connect = &self.connect;
        write!(
            f,
            "{}:{}/{} as {}",
            connect.get_host(),
            connect.get_port(),
            connect.get_database().unwrap_or_default(),
            connect.get_username()
        )
    }
}

impl fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("database", &self.to_string())
            .field("pool_max_size", &self.pool_max_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("notify", &self.notify)
            .finish_non_exhaustive()
    }
}

/// PostgreSQL storage: one pool for reads and writes (PostgreSQL runs concurrent
/// writers itself).
pub(crate) type PostgresEngine = Sql<Postgres>;

impl Sql<Postgres> {
    /// Connects (one connection first, so that a wrong address, password or database is
    /// reported as such within the connect timeout), applies the migrations under
    /// sqlx's advisory lock (instances starting together migrate one after the other)
    /// and opens the pool. Every connection of the pool names `origin` (the setting
    /// `latchkey.origin`), which the change feed's triggers write beside each change.
    pub(crate) async fn open(options: &PostgresOptions, origin: &str) -> Result<Self, StoreError> {
        let mut first = options.connect().await?;
        MIGRATOR.run(&mut first).await.map_err(backend)?;
        let _ = first.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(options.pool_max_size)
            .acquire_timeout(options.connect_timeout)
            .connect_lazy_with(options.connect.clone().options([("latchkey.origin", origin)]));
        Ok(Sql::new(pool.clone(), pool))
    }

    /// Tries to take the jobs lock on a connection of its own, outside the pool; the
    /// connection when taken (the lock lasts as long as it does), `None` when another
    /// instance holds it.
    pub(crate) async fn try_lock_jobs(&self) -> Result<Option<PgConnection>, StoreError> {
        let mut connection = self.write.acquire().await.map_err(map_error)?.detach();
        let is_taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(JOBS_LOCK)
            .fetch_one(&mut connection)
            .await
            .map_err(map_error)?;
        if is_taken {
            return Ok(Some(connection));
        }
        let _ = connection.close().await;
        Ok(None)
    }

    /// Deletes the change feed's rows older than `retention` (the database's clock, the
    /// one that wrote `created_ms`); the count deleted.
    pub(crate) async fn prune_feed(&self, retention: Duration) -> Result<u64, StoreError> {
        let retention = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
        let done = sqlx::query(
            "DELETE FROM change_feed
             WHERE created_ms < (extract(epoch FROM clock_timestamp()) * 1000)::BIGINT - $1",
        )
        .bind(retention)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        Ok(done.rows_affected())
    }

    /// Takes the bootstrap lock on a connection of its own, outside the pool: if the
    /// process dies, the connection closes and PostgreSQL releases the lock.
    pub(crate) async fn lock_bootstrap(&self) -> Result<PgConnection, StoreError> {
        let mut connection = self.write.acquire().await.map_err(map_error)?.detach();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(BOOTSTRAP_LOCK)
            .execute(&mut connection)
            .await
            .map_err(map_error)?;
        Ok(connection)
    }
}

/// Releases the bootstrap lock and closes its connection.
pub(crate) async fn unlock_bootstrap(mut connection: PgConnection) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(BOOTSTRAP_LOCK)
        .execute(&mut connection)
        .await
        .map_err(map_error)?;
    connection.close().await.map_err(map_error)
}

/// PostgreSQL's side of the statements that differ between engines.
impl Dialect for Postgres {
    const BEGIN_WRITE: &'static str = "BEGIN";
    /// READ COMMITTED takes a snapshot per statement; this takes one per transaction.
    const BEGIN_SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    /// `string_agg` and `chr(31)` for SQLite's `group_concat` and `char(31)`.
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
             (SELECT string_agg(role_id, chr(31)) FROM held) AS role_ids
         FROM sessions s
         LEFT JOIN users u ON u.id = s.user_id AND u.realm_id = s.realm_id
         WHERE s.id = $1";
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    /// `greatest` for SQLite's scalar `max`.
    const UPDATE_SESSION: &'static str = "UPDATE sessions SET client_uuid = $2,
             last_refresh = greatest(last_refresh, $3), reuse_current_token_id = $4,
             reuse_use_count = $5, reuse_last_refresh = $6
         WHERE id = $1";
    const REFRESH_SESSION: &'static str = "UPDATE sessions SET
             last_refresh = greatest(last_refresh, $3), reuse_current_token_id = $4,
             reuse_use_count = $5, reuse_last_refresh = $6
         WHERE id = $1 AND client_uuid = $2
             AND reuse_current_token_id IS NOT DISTINCT FROM $7 AND reuse_use_count = $8
             AND reuse_last_refresh = $9";
    const POSITION: &'static str = "strpos";
    /// `->>` gives the JSON value as text, `true` or `false`, NULL when absent.
    const EMAIL_VERIFIED: &'static str =
        "coalesce((profile::jsonb ->> 'emailVerified')::boolean, false)";

    /// All the sessions in one statement, whatever their number: one round trip to the
    /// server instead of one per session.
    async fn touch_sessions(
        conn: &mut PgConnection,
        touches: &[(String, i64)],
    ) -> Result<u64, StoreError> {
        let (ids, times): (Vec<&str>, Vec<i64>) =
            touches.iter().map(|(id, time)| (id.as_str(), *time)).unzip();
        let done = sqlx::query(
            "UPDATE sessions SET last_refresh = greatest(sessions.last_refresh, t.last_refresh)
             FROM unnest($1::text[], $2::bigint[]) AS t(id, last_refresh)
             WHERE sessions.id = t.id",
        )
        .bind(ids)
        .bind(times)
        .execute(conn)
        .await
        .map_err(map_error)?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests;
