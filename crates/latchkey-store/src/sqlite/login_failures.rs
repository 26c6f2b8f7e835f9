//! Brute-force records: one row per user with recent failed logins.

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::store::StoreError;

use super::SqliteEngine;
use crate::error::map_error;
use crate::rows::LoginFailureRow;

impl SqliteEngine {
    pub(crate) async fn find_login_failure(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> Result<Option<LoginFailure>, StoreError> {
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
    pub(crate) async fn upsert_login_failure(
        &self,
        failure: &LoginFailure,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO login_failures (realm_id, user_id, num_failures, num_temporary_lockouts,
                 last_failure, last_ip_failure, failed_login_not_before)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (realm_id, user_id) DO UPDATE SET
                 num_failures = excluded.num_failures,
                 num_temporary_lockouts = excluded.num_temporary_lockouts,
                 last_failure = excluded.last_failure,
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

    pub(crate) async fn delete_realm_login_failures(
        &self,
        realm_id: &str,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM login_failures WHERE realm_id = $1")
            .bind(realm_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.rows_affected())
    }
}
