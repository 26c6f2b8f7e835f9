//! Sessions, brute-force records and revoked access tokens: the rows that change on
//! every login and refresh.

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::StoreError;
use sqlx::Row;

use super::{SqliteStore, map_error};

impl SqliteStore {
    pub(crate) async fn insert_session(&self, session: &Session) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (id, realm_id, user_id, client_uuid, started, last_refresh, scope,
                 reuse_current_token_id, reuse_use_count, reuse_last_refresh)
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
        let row = sqlx::query(
            "SELECT id, realm_id, user_id, client_uuid, started, last_refresh, scope,
                 reuse_current_token_id, reuse_use_count, reuse_last_refresh
             FROM sessions WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Session {
            id: row.try_get("id").map_err(map_error)?,
            realm_id: row.try_get("realm_id").map_err(map_error)?,
            user_id: row.try_get("user_id").map_err(map_error)?,
            client_uuid: row.try_get("client_uuid").map_err(map_error)?,
            started: row.try_get("started").map_err(map_error)?,
            last_refresh: row.try_get("last_refresh").map_err(map_error)?,
            scope: row.try_get("scope").map_err(map_error)?,
            reuse: RefreshReuse {
                current_token_id: row.try_get("reuse_current_token_id").map_err(map_error)?,
                use_count: row.try_get("reuse_use_count").map_err(map_error)?,
                last_refresh: row.try_get("reuse_last_refresh").map_err(map_error)?,
            },
        }))
    }

    pub(crate) async fn update_session(&self, session: &Session) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET client_uuid = $2, last_refresh = $3, reuse_current_token_id = $4,
                 reuse_use_count = $5, reuse_last_refresh = $6
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

    pub(crate) async fn delete_sessions_idle_since(
        &self,
        before_secs: i64,
    ) -> Result<u64, StoreError> {
        let result = sqlx::query("DELETE FROM sessions WHERE last_refresh < $1")
            .bind(before_secs)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
            .bind(before_secs)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(result.rows_affected())
    }

    pub(crate) async fn find_login_failure(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> Result<Option<LoginFailure>, StoreError> {
        let row = sqlx::query(
            "SELECT num_failures, num_temporary_lockouts, last_failure, last_ip_failure, failed_login_not_before
             FROM login_failures WHERE realm_id = $1 AND user_id = $2",
        )
        .bind(realm_id)
        .bind(user_id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(LoginFailure {
            realm_id: realm_id.to_owned(),
            user_id: user_id.to_owned(),
            num_failures: row.try_get("num_failures").map_err(map_error)?,
            num_temporary_lockouts: row.try_get("num_temporary_lockouts").map_err(map_error)?,
            last_failure: row.try_get("last_failure").map_err(map_error)?,
            last_ip_failure: row.try_get("last_ip_failure").map_err(map_error)?,
            failed_login_not_before: row.try_get("failed_login_not_before").map_err(map_error)?,
        }))
    }

    pub(crate) async fn upsert_login_failure(
        &self,
        failure: &LoginFailure,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO login_failures (realm_id, user_id, num_failures, num_temporary_lockouts, last_failure,
                 last_ip_failure, failed_login_not_before)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (realm_id, user_id) DO UPDATE SET num_failures = excluded.num_failures,
                 num_temporary_lockouts = excluded.num_temporary_lockouts, last_failure = excluded.last_failure,
                 last_ip_failure = excluded.last_ip_failure,
                 failed_login_not_before = excluded.failed_login_not_before",
        )
        .bind(&failure.realm_id)
        .bind(&failure.user_id)
        .bind(failure.num_failures)
        .bind(failure.num_temporary_lockouts)
        .bind(failure.last_failure)
        .bind(&failure.last_ip_failure)
        .bind(failure.failed_login_not_before)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn delete_login_failure(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM login_failures WHERE realm_id = $1 AND user_id = $2")
            .bind(realm_id)
            .bind(user_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn insert_revoked_token(
        &self,
        jti: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES ($1, $2)")
            .bind(jti)
            .bind(expires_at)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn is_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM revoked_tokens WHERE jti = $1")
            .bind(jti)
            .fetch_optional(&self.read)
            .await
            .map_err(map_error)?;
        Ok(found.is_some())
    }
}
