//! User sessions: written at every login and refresh, so each is one short statement,
//! and the inserts, updates and refresh times arrive in batches (`batch.rs`).

use latchkey_core::session::Session;
use latchkey_core::store::{ClientSessionCount, SessionContext, StoreError};
use sqlx::{Sqlite, Transaction};

use super::SqliteEngine;
use crate::batch::{SessionWrite, Written};
use crate::error::map_error;
use crate::rows::{SessionContextRow, SessionRow};

impl SqliteEngine {
    /// Runs the writes in one transaction holding the write lock, committed once. A
    /// statement that fails (a constraint) fails alone: SQLite rolls back that
    /// statement, not the transaction, so the rest of the batch commits.
    pub(crate) async fn write_sessions(
        &self,
        writes: &[SessionWrite],
    ) -> Result<Vec<Written>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut results = Vec::with_capacity(writes.len());
        for write in writes {
            results.push(write_session(&mut tx, write).await);
        }
        tx.commit().await.map_err(map_error)?;
        Ok(results)
    }

    pub(crate) async fn find_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT id, realm_id, user_id, client_uuid, started, last_refresh, scope,
                 reuse_current_token_id, reuse_use_count, reuse_last_refresh, offline, ip_address
             FROM sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        Ok(row.map(Session::from))
    }

    /// One statement (each statement is a round trip to the connection's worker thread).
    pub(crate) async fn find_session_context(
        &self,
        id: &str,
    ) -> Result<Option<SessionContext>, StoreError> {
        let row: Option<SessionContextRow> = sqlx::query_as(
            "SELECT s.id, s.realm_id, s.user_id, s.client_uuid, s.started, s.last_refresh,
                 s.scope, s.reuse_current_token_id, s.reuse_use_count, s.reuse_last_refresh,
                 s.offline, s.ip_address,
                 u.id AS u_id, u.realm_id AS u_realm_id, u.username AS u_username,
                 u.enabled AS u_enabled, u.created_timestamp AS u_created_timestamp,
                 u.profile AS u_profile,
                 (SELECT group_concat(role_id, char(31)) FROM user_roles
                  WHERE user_id = s.user_id) AS role_ids
             FROM sessions s
             LEFT JOIN users u ON u.id = s.user_id AND u.realm_id = s.realm_id
             WHERE s.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        row.map(SessionContext::try_from).transpose()
    }

    pub(crate) async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn delete_user_sessions(&self, user_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    /// The user's online sessions, oldest first.
    pub(crate) async fn list_user_sessions(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> Result<Vec<Session>, StoreError> {
        self.list_sessions_where(realm_id, "user_id", user_id, false).await
    }

    /// The user's offline sessions, oldest first.
    pub(crate) async fn list_user_offline_sessions(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> Result<Vec<Session>, StoreError> {
        self.list_sessions_where(realm_id, "user_id", user_id, true).await
    }

    /// The client's offline sessions, oldest first.
    pub(crate) async fn list_client_offline_sessions(
        &self,
        realm_id: &str,
        client_uuid: &str,
    ) -> Result<Vec<Session>, StoreError> {
        self.list_sessions_where(realm_id, "client_uuid", client_uuid, true).await
    }

    /// Online and offline session counts per client, by client id.
    pub(crate) async fn count_sessions_by_client(
        &self,
        realm_id: &str,
    ) -> Result<Vec<ClientSessionCount>, StoreError> {
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

    /// The client's online sessions, oldest first.
    pub(crate) async fn list_client_sessions(
        &self,
        realm_id: &str,
        client_uuid: &str,
    ) -> Result<Vec<Session>, StoreError> {
        self.list_sessions_where(realm_id, "client_uuid", client_uuid, false).await
    }

    /// The realm's online or offline sessions whose `column` (a constant of this file)
    /// is `value`.
    async fn list_sessions_where(
        &self,
        realm_id: &str,
        column: &'static str,
        value: &str,
        offline: bool,
    ) -> Result<Vec<Session>, StoreError> {
        let sql = format!(
            "SELECT id, realm_id, user_id, client_uuid, started, last_refresh, scope,
                 reuse_current_token_id, reuse_use_count, reuse_last_refresh, offline, ip_address
             FROM sessions
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

    /// Deletes the realm's online sessions; offline ones stay.
    pub(crate) async fn delete_realm_sessions(&self, realm_id: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE realm_id = $1 AND NOT offline")
            .bind(realm_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.rows_affected())
    }

    pub(crate) async fn count_sessions(&self, realm_id: &str) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE realm_id = $1")
            .bind(realm_id)
            .fetch_one(&self.read)
            .await
            .map_err(map_error)
    }

    /// Removes the online sessions whose `last_refresh` is older than `online_before`
    /// and the offline ones older than `offline_before`, and returns their ids. The same
    /// sweep drops the revoked access tokens that expired before `online_before`: the
    /// cutoff is in the past, so they can no longer be presented.
    pub(crate) async fn delete_idle_sessions(
        &self,
        online_before: i64,
        offline_before: i64,
    ) -> Result<Vec<String>, StoreError> {
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
}

/// One session write of a batch. A session deleted meanwhile (a logout racing a
/// refresh) stays deleted, and that is not an error: the next refresh finds no session.
async fn write_session(tx: &mut Transaction<'static, Sqlite>, write: &SessionWrite) -> Written {
    let query = match write {
        SessionWrite::Insert(session) => sqlx::query(
            "INSERT INTO sessions (id, realm_id, user_id, client_uuid, started, last_refresh,
                 scope, reuse_current_token_id, reuse_use_count, reuse_last_refresh, offline,
                 ip_address)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&session.id)
        .bind(&session.realm_id)
        .bind(&session.user_id)
        .bind(&session.client_uuid)
        .bind(session.started)
        .bind(session.last_refresh)
        .bind(&session.scope)
        .bind(&session.reuse.current_token_id)
        .bind(session.reuse.use_count)
        .bind(session.reuse.last_refresh)
        .bind(session.offline)
        .bind(&session.ip_address),
        SessionWrite::Update(session) => sqlx::query(
            "UPDATE sessions SET client_uuid = $2, last_refresh = $3,
                 reuse_current_token_id = $4, reuse_use_count = $5, reuse_last_refresh = $6
             WHERE id = $1",
        )
        .bind(&session.id)
        .bind(&session.client_uuid)
        .bind(session.last_refresh)
        .bind(&session.reuse.current_token_id)
        .bind(session.reuse.use_count)
        .bind(session.reuse.last_refresh),
        SessionWrite::Touch(touches) => {
            let mut changed = 0;
            for (id, last_refresh) in touches {
                changed += sqlx::query(
                    "UPDATE sessions SET last_refresh = max(last_refresh, $2) WHERE id = $1",
                )
                .bind(id)
                .bind(last_refresh)
                .execute(&mut **tx)
                .await
                .map_err(map_error)?
                .rows_affected();
            }
            return Ok(changed);
        }
    };
    Ok(query.execute(&mut **tx).await.map_err(map_error)?.rows_affected())
}
