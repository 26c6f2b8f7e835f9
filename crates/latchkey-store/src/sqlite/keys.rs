//! A realm's signing keys: RSA for access and ID tokens, HMAC for refresh tokens.

use latchkey_core::store::StoreError;
use latchkey_core::token::keys::StoredKey;
use sqlx::SqliteConnection;

use super::SqliteEngine;
use crate::error::map_error;
use crate::rows::{KeyRow, key_kind_columns};

pub(super) async fn insert_key(
    conn: &mut SqliteConnection,
    key: &StoredKey,
) -> Result<(), StoreError> {
    let (kind, algorithm) = key_kind_columns(key.kind);
    sqlx::query(
        "INSERT INTO realm_keys (kid, realm_id, kind, algorithm, secret, priority, enabled, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&key.kid)
    .bind(&key.realm_id)
    .bind(kind)
    .bind(algorithm)
    .bind(&key.secret)
    .bind(key.priority)
    .bind(key.enabled)
    .bind(key.created_at)
    .execute(conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

impl SqliteEngine {
    /// Every key of the realm, enabled or not, the highest priority (then newest) first.
    pub(crate) async fn list_keys(&self, realm_id: &str) -> Result<Vec<StoredKey>, StoreError> {
        let rows: Vec<KeyRow> = sqlx::query_as(
            "SELECT kid, realm_id, kind, algorithm, secret, priority, enabled, created_at
             FROM realm_keys WHERE realm_id = $1
             ORDER BY priority DESC, created_at DESC, kid",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.into_iter().map(StoredKey::try_from).collect()
    }

    /// `Conflict` if the `kid` exists, `NotFound` if the realm does not.
    pub(crate) async fn insert_key(&self, key: &StoredKey) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        insert_key(&mut conn, key).await
    }
}
