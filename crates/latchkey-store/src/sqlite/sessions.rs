//! User sessions: written at every login and refresh, so each is one short statement.

use latchkey_core::session::Session;
use latchkey_core::store::StoreError;

use super::SqliteStore;
use crate::error::map_error;
use crate::rows::SessionRow;

impl SqliteStore {
    /// `Conflict` if the id exists; `NotFound` if the realm or the user does not.
    pub(crate) async fn insert_session(&self, session: &Session) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, realm_id, user_id, client_uuid, started, last_refresh,
                 scope, reuse_current_token_id, reuse_use_count, reuse_last_refresh)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn find_session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT id, realm_id, user_id, client_uuid, started, last_refresh, scope,
                 reuse_current_token_id, reuse_use_count, reuse_last_refresh
             FROM sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        Ok(row.map(Session::from))
    }

    /// Writes `last_refresh`, `client_uuid` and the reuse state. A session deleted
    /// meanwhile (a logout racing a refresh) stays deleted, and that is not an error:
    /// the next refresh finds no session.
    pub(crate) async fn update_session(&self, session: &Session) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET client_uuid = $2, last_refresh = $3,
                 reuse_current_token_id = $4, reuse_use_count = $5, reuse_last_refresh = $6
             WHERE id = $1",
        )
        .bind(&session.id)
        .bind(&session.client_uuid)
        .bind(session.last_refresh)
        .bind(&session.reuse.current_token_id)
        .bind(session.reuse.use_count)
        .bind(session.reuse.last_refresh)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        Ok(())
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

    pub(crate) async fn count_sessions(&self, realm_id: &str) -> Result<i64, StoreError> {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE realm_id = $1")
            .bind(realm_id)
            .fetch_one(&self.read)
            .await
            .map_err(map_error)
    }

    /// Removes the sessions whose `last_refresh` is older than `before_secs` and returns
    /// how many. The same sweep drops the revoked access tokens that expired before
    /// `before_secs`: the cutoff is in the past, so they can no longer be presented.
    pub(crate) async fn delete_sessions_idle_since(
        &self,
        before_secs: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query("DELETE FROM sessions WHERE last_refresh < $1")
            .bind(before_secs)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?
            .rows_affected();
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
            .bind(before_secs)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(removed)
    }
}
