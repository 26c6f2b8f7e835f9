//! A realm's keys, one row per key-provider component: RSA, EC, Ed25519 and HMAC.

use latchkey_core::store::StoreError;
use latchkey_core::token::keys::StoredKey;
use sqlx::SqliteConnection;

use super::SqliteStore;
use crate::error::{map_error, to_json};
use crate::rows::{KeyRow, key_kind_column};

pub(super) async fn insert_key(
    conn: &mut SqliteConnection,
    key: &StoredKey,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO realm_keys (id, kid, realm_id, name, provider_id, kind, algorithm, secret,
             certificate, config, priority, enabled, active, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&key.id)
    .bind(&key.kid)
    .bind(&key.realm_id)
    .bind(&key.name)
    .bind(&key.provider_id)
    .bind(key_kind_column(key))
    .bind(key.algorithm.as_str())
    .bind(&key.secret)
    .bind(&key.certificate)
    .bind(to_json(&key.config)?)
    .bind(key.priority)
    .bind(key.enabled)
    .bind(key.active)
    .bind(key.created_at)
    .execute(conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

impl SqliteStore {
    /// Every key of the realm, enabled or not, the highest priority (then newest) first.
    pub(crate) async fn list_keys(&self, realm_id: &str) -> Result<Vec<StoredKey>, StoreError> {
        let rows: Vec<KeyRow> = sqlx::query_as(
            "SELECT id, kid, realm_id, name, provider_id, algorithm, secret, certificate, config,
                    priority, enabled, active, created_at
             FROM realm_keys WHERE realm_id = $1
             ORDER BY priority DESC, created_at DESC, id",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.into_iter().map(StoredKey::try_from).collect()
    }

    /// `Conflict` if the component id exists, `NotFound` if the realm does not.
    pub(crate) async fn insert_key(&self, key: &StoredKey) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        insert_key(&mut conn, key).await
    }

    /// Replaces the key of the same component id and realm; `NotFound` if there is none.
    pub(crate) async fn update_key(&self, key: &StoredKey) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE realm_keys SET kid = $3, name = $4, kind = $5, algorithm = $6, secret = $7,
                 certificate = $8, config = $9, priority = $10, enabled = $11, active = $12,
                 created_at = $13
             WHERE id = $1 AND realm_id = $2",
        )
        .bind(&key.id)
        .bind(&key.realm_id)
        .bind(&key.kid)
        .bind(&key.name)
        .bind(key_kind_column(key))
        .bind(key.algorithm.as_str())
        .bind(&key.secret)
        .bind(&key.certificate)
        .bind(to_json(&key.config)?)
        .bind(key.priority)
        .bind(key.enabled)
        .bind(key.active)
        .bind(key.created_at)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("key {}", key.id)));
        }
        Ok(())
    }

    /// Deletes a key of the realm by component id; whether there was one.
    pub(crate) async fn delete_key(&self, realm_id: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM realm_keys WHERE id = $1 AND realm_id = $2")
            .bind(id)
            .bind(realm_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.rows_affected() > 0)
    }
}
