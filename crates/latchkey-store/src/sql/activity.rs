//! What changes on every request: sessions (their batched writes, reads and sweeps),
//! brute-force records, revoked access tokens and the revocations pushed to gateways,
//! for every engine (`sql.rs`).

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::revocation::Revocation;
use latchkey_core::session::Session;
use latchkey_core::store::{ClientSessionCount, SessionContext, StoreError};
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Type};

use super::{Affected, Dialect, Sql};
use crate::batch::{SessionWrite, Written};
use crate::error::map_error;
use crate::rows::{
    AnyCredentialRow, ClientRow, CredentialRow, GroupRow, KeyRow, LoginFailureRow, RealmRow,
    RoleRow, SessionContextRow, SessionRow, UserRow,
};

type Res<T> = Result<T, StoreError>;

/// The columns every session query reads.
const SESSION_COLUMNS: &str = "id, realm_id, user_id, client_uuid, started, last_refresh, scope,
    reuse_current_token_id, reuse_use_count, reuse_last_refresh, offline, ip_address";

impl<DB> Sql<DB>
where
    DB: Dialect,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Vec<u8>>: Encode<'q, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> RealmRow: FromRow<'r, DB::Row>,
    for<'r> KeyRow: FromRow<'r, DB::Row>,
    for<'r> ClientRow: FromRow<'r, DB::Row>,
    for<'r> RoleRow: FromRow<'r, DB::Row>,
    for<'r> GroupRow: FromRow<'r, DB::Row>,
    for<'r> UserRow: FromRow<'r, DB::Row>,
    for<'r> CredentialRow: FromRow<'r, DB::Row>,
    for<'r> AnyCredentialRow: FromRow<'r, DB::Row>,
    for<'r> SessionRow: FromRow<'r, DB::Row>,
    for<'r> SessionContextRow: FromRow<'r, DB::Row>,
    for<'r> LoginFailureRow: FromRow<'r, DB::Row>,
    for<'r> super::events::EventRow: FromRow<'r, DB::Row>,
    for<'r> super::events::AdminEventRow: FromRow<'r, DB::Row>,
{
    // Sessions.

    /// Runs the writes in one transaction, committed once. If one of them fails (a
    /// constraint, a deadlock), the transaction is rolled back and every write runs
    /// again in a transaction of its own, so that each gets its own answer: after an
    /// error, PostgreSQL refuses every later statement of the transaction.
    pub(crate) async fn write_sessions(&self, writes: &[SessionWrite]) -> Res<Vec<Written>> {
        let mut tx = self.begin_write().await?;
        let mut results = Vec::with_capacity(writes.len());
        for write in writes {
            match Self::write_session(&mut tx, write).await {
                Ok(changed) => results.push(Ok(changed)),
                Err(_) => break,
            }
        }
        if results.len() == writes.len() {
            tx.commit().await.map_err(map_error)?;
            return Ok(results);
        }
        // Nothing of the batch was committed; a failed rollback only means the
        // connection is gone, and the pool replaces it.
        let _ = tx.rollback().await;
        let mut results = Vec::with_capacity(writes.len());
        for write in writes {
            results.push(self.write_session_alone(write).await);
        }
        Ok(results)
    }

    async fn write_session_alone(&self, write: &SessionWrite) -> Written {
        let mut tx = self.begin_write().await?;
        let changed = Self::write_session(&mut tx, write).await?;
        tx.commit().await.map_err(map_error)?;
        Ok(changed)
    }

    /// One session write of a batch. A session deleted meanwhile (a logout racing a
    /// refresh) stays deleted, and that is not an error: the next refresh finds no
    /// session.
    async fn write_session(conn: &mut DB::Connection, write: &SessionWrite) -> Written {
        let query = match write {
            SessionWrite::Insert(session) => sqlx::query(
                "INSERT INTO sessions (id, realm_id, user_id, client_uuid, started,
                     last_refresh, scope, reuse_current_token_id, reuse_use_count,
                     reuse_last_refresh, offline, ip_address)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(session.id.as_str())
            .bind(session.realm_id.as_str())
            .bind(session.user_id.as_str())
            .bind(session.client_uuid.as_str())
            .bind(session.started)
            .bind(session.last_refresh)
            .bind(session.scope.as_str())
            .bind(session.reuse.current_token_id.as_deref())
            .bind(session.reuse.use_count)
            .bind(session.reuse.last_refresh)
            .bind(session.offline)
            .bind(session.ip_address.as_str()),
            SessionWrite::Update(session) => sqlx::query(DB::UPDATE_SESSION)
                .bind(session.id.as_str())
                .bind(session.client_uuid.as_str())
                .bind(session.last_refresh)
                .bind(session.reuse.current_token_id.as_deref())
                .bind(session.reuse.use_count)
                .bind(session.reuse.last_refresh),
            SessionWrite::Refresh { session, read } => sqlx::query(DB::REFRESH_SESSION)
                .bind(session.id.as_str())
                .bind(session.client_uuid.as_str())
                .bind(session.last_refresh)
                .bind(session.reuse.current_token_id.as_deref())
                .bind(session.reuse.use_count)
                .bind(session.reuse.last_refresh)
                .bind(read.current_token_id.as_deref())
                .bind(read.use_count)
                .bind(read.last_refresh),
            SessionWrite::Touch(touches) => return DB::touch_sessions(conn, touches).await,
            SessionWrite::Event(event) => return Self::insert_event_in(conn, event).await,
            SessionWrite::AdminEvent(event) => {
                return Self::insert_admin_event_in(conn, event).await;
            }
        };
        Ok(query.execute(conn).await.map_err(map_error)?.affected())
    }

    pub(crate) async fn find_session(&self, id: &str) -> Res<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1");
        let row: Option<SessionRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.read).await.map_err(map_error)?;
        Ok(row.map(Session::from))
    }

    /// The refresh grant's read on a cache miss: one statement
    /// (`Dialect::FIND_SESSION_CONTEXT`).
    pub(crate) async fn find_session_context(&self, id: &str) -> Res<Option<SessionContext>> {
        let row: Option<SessionContextRow> = sqlx::query_as(DB::FIND_SESSION_CONTEXT)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(map_error)?;
        row.map(SessionContext::try_from).transpose()
    }

    /// The number of sessions deleted.
    pub(crate) async fn delete_session(&self, id: &str) -> Res<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.affected())
    }

    /// The number of sessions deleted.
    pub(crate) async fn delete_user_sessions(&self, user_id: &str) -> Res<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.affected())
    }

    /// Deletes the realm's online sessions; offline ones stay.
    pub(crate) async fn delete_realm_sessions(&self, realm_id: &str) -> Res<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE realm_id = $1 AND NOT offline")
            .bind(realm_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.affected())
    }

    /// Removes the online sessions whose `last_refresh` is older than `online_before`
    /// and the offline ones older than `offline_before`, and returns their ids. The same
    /// sweep drops the revoked access tokens that expired before `online_before`: the
    /// cutoff is in the past, so they can no longer be presented.
    pub(crate) async fn delete_idle_sessions(
        &self,
        online_before: i64,
        offline_before: i64,
    ) -> Res<Vec<String>> {
        let mut tx = self.begin_write().await?;
        let removed: Vec<String> = sqlx::query_scalar(
            "DELETE FROM sessions
             WHERE (NOT offline AND last_refresh < $1) OR (offline AND last_refresh < $2)
             RETURNING id",
        )
        .bind(online_before)
        .bind(offline_before)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_error)?;
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
            .bind(online_before)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(removed)
    }

    pub(crate) async fn count_sessions(&self, realm_id: &str) -> Res<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE realm_id = $1")
            .bind(realm_id)
            .fetch_one(&self.read)
            .await
            .map_err(map_error)
    }

    /// Online and offline session counts per client, by client id.
    pub(crate) async fn count_sessions_by_client(
        &self,
        realm_id: &str,
    ) -> Res<Vec<ClientSessionCount>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT client_uuid,
                    COALESCE(SUM(CASE WHEN offline THEN 0 ELSE 1 END), 0),
                    COALESCE(SUM(CASE WHEN offline THEN 1 ELSE 0 END), 0)
             FROM sessions WHERE realm_id = $1
             GROUP BY client_uuid ORDER BY client_uuid",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        Ok(rows
            .into_iter()
            .map(|(client_uuid, online, offline)| ClientSessionCount {
                client_uuid,
                online,
                offline,
            })
            .collect())
    }

    /// The user's online sessions, oldest first.
    pub(crate) async fn list_user_sessions(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> Res<Vec<Session>> {
        self.list_sessions_where(realm_id, "user_id", user_id, false).await
    }

    /// The client's online sessions, oldest first.
    pub(crate) async fn list_client_sessions(
        &self,
        realm_id: &str,
        client_uuid: &str,
    ) -> Res<Vec<Session>> {
        self.list_sessions_where(realm_id, "client_uuid", client_uuid, false).await
    }

    /// The user's offline sessions, oldest first.
    pub(crate) async fn list_user_offline_sessions(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> Res<Vec<Session>> {
        self.list_sessions_where(realm_id, "user_id", user_id, true).await
    }

    /// The client's offline sessions, oldest first.
    pub(crate) async fn list_client_offline_sessions(
        &self,
        realm_id: &str,
        client_uuid: &str,
    ) -> Res<Vec<Session>> {
        self.list_sessions_where(realm_id, "client_uuid", client_uuid, true).await
    }

    /// The realm's online or offline sessions whose `column` (a constant of this file)
    /// is `value`.
    async fn list_sessions_where(
        &self,
        realm_id: &str,
        column: &'static str,
        value: &str,
        offline: bool,
    ) -> Res<Vec<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions
             WHERE realm_id = $1 AND {column} = $2 AND offline = $3
             ORDER BY started, id"
        );
        let rows: Vec<SessionRow> = sqlx::query_as(&sql)
            .bind(realm_id)
            .bind(value)
            .bind(offline)
            .fetch_all(&self.read)
            .await
            .map_err(map_error)?;
        Ok(rows.into_iter().map(Session::from).collect())
    }

    // Brute-force records: one row per user with recent failed logins.

    pub(crate) async fn find_login_failure(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> Res<Option<LoginFailure>> {
        let row: Option<LoginFailureRow> = sqlx::query_as(
            "SELECT realm_id, user_id, num_failures, num_temporary_lockouts, last_failure,
                 last_ip_failure, failed_login_not_before
             FROM login_failures WHERE realm_id = $1 AND user_id = $2",
        )
        .bind(realm_id)
        .bind(user_id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        Ok(row.map(LoginFailure::from))
    }

    /// Writes the whole record, creating it on the first failure.
    pub(crate) async fn upsert_login_failure(&self, failure: &LoginFailure) -> Res<()> {
        sqlx::query(
            "INSERT INTO login_failures (realm_id, user_id, num_failures,
                 num_temporary_lockouts, last_failure, last_ip_failure, failed_login_not_before)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (realm_id, user_id) DO UPDATE SET
                 num_failures = excluded.num_failures,
                 num_temporary_lockouts = excluded.num_temporary_lockouts,
                 last_failure = excluded.last_failure,
                 last_ip_failure = excluded.last_ip_failure,
                 failed_login_not_before = excluded.failed_login_not_before",
        )
        .bind(failure.realm_id.as_str())
        .bind(failure.user_id.as_str())
        .bind(failure.num_failures)
        .bind(failure.num_temporary_lockouts)
        .bind(failure.last_failure)
        .bind(failure.last_ip_failure.as_deref())
        .bind(failure.failed_login_not_before)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// A compare-and-set of the whole record: an insert that does nothing if a record
    /// exists (`read` is `None`), or an update only of the record `read`. True if it
    /// wrote. (`last_ip_failure` is left out of the comparison: the other four change at
    /// every failure.)
    pub(crate) async fn update_login_failure(
        &self,
        read: Option<&LoginFailure>,
        failure: &LoginFailure,
    ) -> Res<bool> {
        let query = match read {
            None => sqlx::query(
                "INSERT INTO login_failures (realm_id, user_id, num_failures,
                     num_temporary_lockouts, last_failure, last_ip_failure,
                     failed_login_not_before)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (realm_id, user_id) DO NOTHING",
            ),
            Some(_) => sqlx::query(
                "UPDATE login_failures SET num_failures = $3, num_temporary_lockouts = $4,
                     last_failure = $5, last_ip_failure = $6, failed_login_not_before = $7
                 WHERE realm_id = $1 AND user_id = $2 AND num_failures = $8
                     AND num_temporary_lockouts = $9 AND last_failure = $10
                     AND failed_login_not_before = $11",
            ),
        }
        .bind(failure.realm_id.as_str())
        .bind(failure.user_id.as_str())
        .bind(failure.num_failures)
        .bind(failure.num_temporary_lockouts)
        .bind(failure.last_failure)
        .bind(failure.last_ip_failure.as_deref())
        .bind(failure.failed_login_not_before);
        let query = match read {
            None => query,
            Some(read) => query
                .bind(read.num_failures)
                .bind(read.num_temporary_lockouts)
                .bind(read.last_failure)
                .bind(read.failed_login_not_before),
        };
        Ok(query.execute(&self.write).await.map_err(map_error)?.affected() == 1)
    }

    pub(crate) async fn delete_login_failure(&self, realm_id: &str, user_id: &str) -> Res<()> {
        sqlx::query("DELETE FROM login_failures WHERE realm_id = $1 AND user_id = $2")
            .bind(realm_id)
            .bind(user_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn delete_realm_login_failures(&self, realm_id: &str) -> Res<u64> {
        let done = sqlx::query("DELETE FROM login_failures WHERE realm_id = $1")
            .bind(realm_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.affected())
    }

    // Access tokens revoked before they expire (RFC 7009 §2.1 on an access token).

    /// Revoking a token twice keeps the first expiry; it is the same token.
    pub(crate) async fn insert_revoked_token(&self, jti: &str, expires_at: i64) -> Res<()> {
        sqlx::query(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(jti)
        .bind(expires_at)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn is_token_revoked(&self, jti: &str) -> Res<bool> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT jti FROM revoked_tokens WHERE jti = $1")
                .bind(jti)
                .fetch_optional(&self.read)
                .await
                .map_err(map_error)?;
        Ok(found.is_some())
    }

    // Revocations pushed to gateways, kept until no token they cover can be valid.

    pub(crate) async fn insert_revocation(
        &self,
        realm_id: &str,
        revocation: &Revocation,
    ) -> Res<()> {
        let (kind, subject, issued_before, expires) = match revocation {
            Revocation::Session { sid, expires } => ("session", sid.as_str(), 0, *expires),
            Revocation::User { sub, issued_before, expires } => {
                ("user", sub.as_str(), *issued_before, *expires)
            }
            Revocation::Token { jti, expires } => ("token", jti.as_str(), 0, *expires),
            Revocation::Realm { issued_before, expires } => ("realm", "", *issued_before, *expires),
        };
        sqlx::query(
            "INSERT INTO revocations (realm_id, kind, subject, issued_before, expires)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(realm_id)
        .bind(kind)
        .bind(subject)
        .bind(issued_before)
        .bind(expires)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// The realm's entries that expire at `now` or later.
    pub(crate) async fn list_revocations(&self, realm_id: &str, now: i64) -> Res<Vec<Revocation>> {
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT kind, subject, issued_before, expires FROM revocations
             WHERE realm_id = $1 AND expires >= $2",
        )
        .bind(realm_id)
        .bind(now)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.into_iter()
            .map(|(kind, subject, issued_before, expires)| {
                Ok(match kind.as_str() {
                    "session" => Revocation::Session { sid: subject, expires },
                    "user" => Revocation::User { sub: subject, issued_before, expires },
                    "token" => Revocation::Token { jti: subject, expires },
                    "realm" => Revocation::Realm { issued_before, expires },
                    other => {
                        return Err(StoreError::Corrupt(format!("revocation kind {other}")));
                    }
                })
            })
            .collect()
    }

    /// Forgets entries that expired before `now`; the count deleted.
    pub(crate) async fn delete_expired_revocations(&self, now: i64) -> Res<u64> {
        let done = sqlx::query("DELETE FROM revocations WHERE expires < $1")
            .bind(now)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.affected())
    }
}
