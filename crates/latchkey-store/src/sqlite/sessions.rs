//! User sessions: written at every login and refresh, so each is one short statement.
//! The refresh's reads and its refresh time go through the session cache
//! (`session_cache.rs`); every other change is committed first and then applied to it.

use latchkey_core::session::Session;
use latchkey_core::store::{ClientSessionCount, SessionContext, StoreError};

use super::SqliteStore;
use super::batch::SessionWrite;
use crate::error::map_error;
use crate::rows::{SessionContextRow, SessionRow};

impl SqliteStore {
    /// `Conflict` if the id exists; `NotFound` if the realm or the user does not.
    /// Committed in a group with other session writes (`batch.rs`).
    pub(crate) async fn insert_session(&self, session: &Session) -> Result<(), StoreError> {
        self.sessions.submit(SessionWrite::Insert(session.clone())).await?;
        Ok(())
    }

    pub(crate) async fn find_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        if let Some(session) = self.cache.session(id) {
            return Ok(Some(session));
        }
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT id, realm_id, user_id, client_uuid, started, last_refresh, scope,
                 reuse_current_token_id, reuse_use_count, reuse_last_refresh, offline, ip_address
             FROM sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        Ok(row.map(|row| self.overlaid(Session::from(row))))
    }

    /// From the session cache; on a miss, one statement (each statement is a round trip
    /// to the connection's worker thread) whose result fills the cache.
    pub(crate) async fn find_session_context(
        &self,
        id: &str,
    ) -> Result<Option<SessionContext>, StoreError> {
        let ticket = match self.cache.context(id) {
            Ok(context) => return Ok(Some(context)),
            Err(ticket) => ticket,
        };
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
        let Some(context) = row.map(SessionContext::try_from).transpose()? else { return Ok(None) };
        Ok(Some(self.cache.fill(ticket, context)))
    }

    /// Writes `last_refresh`, `client_uuid` and the reuse state, committed in a group
    /// with other session writes. A session deleted meanwhile stays deleted.
    pub(crate) async fn update_session(&self, session: &Session) -> Result<(), StoreError> {
        let epoch = self.cache.session_epoch(&session.id);
        let written = self.sessions.submit(SessionWrite::Update(session.clone())).await;
        self.cache.updated(epoch, session, matches!(written, Ok(1)));
        written.map(|_| ())
    }

    /// Records a refresh time, written behind: in memory now, in the database within
    /// `TOUCH_WINDOW` (a session not in the cache is written through).
    pub(crate) async fn touch_session(
        &self,
        id: &str,
        last_refresh: i64,
    ) -> Result<(), StoreError> {
        if self.cache.touch(id, last_refresh) {
            return Ok(());
        }
        let touch = SessionWrite::Touch(vec![(id.to_owned(), last_refresh)]);
        self.sessions.submit(touch).await?;
        Ok(())
    }

    pub(crate) async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(map_error);
        self.cache.remove_session(id);
        deleted?;
        Ok(())
    }

    pub(crate) async fn delete_user_sessions(&self, user_id: &str) -> Result<(), StoreError> {
        let deleted = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.write)
            .await
            .map_err(map_error);
        self.cache.remove_sessions_where(|s| s.user_id == user_id);
        deleted?;
        Ok(())
    }

    /// A session read from the database, with the cached refresh time when newer.
    fn overlaid(&self, mut session: Session) -> Session {
        self.cache.overlay(&mut session);
        session
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
        Ok(rows.into_iter().map(|row| self.overlaid(Session::from(row))).collect())
    }

    /// Deletes the realm's online sessions; offline ones stay.
    pub(crate) async fn delete_realm_sessions(&self, realm_id: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE realm_id = $1 AND NOT offline")
            .bind(realm_id)
            .execute(&self.write)
            .await
            .map_err(map_error);
        self.cache.remove_sessions_where(|s| s.realm_id == realm_id && !s.offline);
        Ok(done?.rows_affected())
    }

    pub(crate) async fn count_sessions(&self, realm_id: &str) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE realm_id = $1")
            .bind(realm_id)
            .fetch_one(&self.read)
            .await
            .map_err(map_error)
    }

    /// Removes the online sessions whose `last_refresh` is older than `online_before`
    /// and the offline ones older than `offline_before`, and returns how many. The same
    /// sweep drops the revoked access tokens that expired before `online_before`: the
    /// cutoff is in the past, so they can no longer be presented. The refresh times
    /// waiting in memory are written first, so that a session refreshed since the last
    /// flush is judged by its latest refresh.
    pub(crate) async fn delete_sessions_idle_since(
        &self,
        online_before: i64,
        offline_before: i64,
    ) -> Result<u64, StoreError> {
        let before_secs = online_before;
        self.flush().await?;
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
            .bind(before_secs)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        let committed = tx.commit().await.map_err(map_error);
        // Dropped even if the commit failed: a dropped entry is only read again.
        for id in &removed {
            self.cache.remove_session(id);
        }
        committed?;
        Ok(removed.len() as u64)
    }
}
