//! Access tokens revoked before they expire (RFC 7009 §2.1 on an access token).

use latchkey_core::store::StoreError;

use super::SqliteEngine;
use crate::error::map_error;

impl SqliteEngine {
    /// Revoking a token twice keeps the first expiry; it is the same token.
    pub(crate) async fn insert_revoked_token(
        &self,
        jti: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
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

    pub(crate) async fn is_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM revoked_tokens WHERE jti = $1")
            .bind(jti)
            .fetch_optional(&self.read)
            .await
            .map_err(map_error)?;
        Ok(found.is_some())
    }
}
