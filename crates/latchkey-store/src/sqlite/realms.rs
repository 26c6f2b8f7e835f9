//! Realms, their keys, and whole-realm import in one transaction.

use latchkey_core::realm::{HmacAlgorithm, Realm};
use latchkey_core::store::{RealmBundle, StoreError};
use latchkey_core::token::keys::{KeyKind, StoredKey};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, from_json, map_error, to_json};

fn realm_from_row(row: &SqliteRow) -> Result<Realm, StoreError> {
    Ok(Realm {
        id: row.try_get("id").map_err(map_error)?,
        name: row.try_get("name").map_err(map_error)?,
        enabled: row.try_get("enabled").map_err(map_error)?,
        settings: from_json(row.try_get("settings").map_err(map_error)?, "realm settings")?,
    })
}

fn key_from_row(row: &SqliteRow) -> Result<StoredKey, StoreError> {
    let kind: String = row.try_get("kind").map_err(map_error)?;
    let algorithm: String = row.try_get("algorithm").map_err(map_error)?;
    let kind = match kind.as_str() {
        "rsa" => KeyKind::Rsa,
        "hmac" => KeyKind::Hmac(
            HmacAlgorithm::parse(&algorithm)
                .ok_or_else(|| StoreError::Corrupt(format!("hmac algorithm {algorithm}")))?,
        ),
        other => return Err(StoreError::Corrupt(format!("key kind {other}"))),
    };
    Ok(StoredKey {
        kid: row.try_get("kid").map_err(map_error)?,
        realm_id: row.try_get("realm_id").map_err(map_error)?,
        kind,
        secret: row.try_get("secret").map_err(map_error)?,
        priority: row.try_get("priority").map_err(map_error)?,
        enabled: row.try_get("enabled").map_err(map_error)?,
        created_at: row.try_get("created_at").map_err(map_error)?,
    })
}

fn key_columns(key: &StoredKey) -> (&'static str, &'static str) {
    match key.kind {
        KeyKind::Rsa => ("rsa", "RS256"),
        KeyKind::Hmac(algorithm) => ("hmac", algorithm.as_str()),
    }
}

const INSERT_KEY: &str =
    "INSERT INTO realm_keys (kid, realm_id, kind, algorithm, secret, priority, enabled, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

impl SqliteStore {
    pub(crate) async fn list_realms(&self) -> Result<Vec<Realm>, StoreError> {
        let rows = sqlx::query("SELECT id, name, enabled, settings FROM realms ORDER BY name")
            .fetch_all(&self.read)
            .await
            .map_err(map_error)?;
        rows.iter().map(realm_from_row).collect()
    }

    pub(crate) async fn find_realm_by_name(&self, name: &str) -> Result<Option<Realm>, StoreError> {
        let row = sqlx::query("SELECT id, name, enabled, settings FROM realms WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.read)
            .await
            .map_err(map_error)?;
        row.as_ref().map(realm_from_row).transpose()
    }

    pub(crate) async fn update_realm(&self, realm: &Realm) -> Result<(), StoreError> {
        let result =
            sqlx::query("UPDATE realms SET name = $2, enabled = $3, settings = $4 WHERE id = $1")
                .bind(&realm.id)
                .bind(&realm.name)
                .bind(realm.enabled)
                .bind(to_json(&realm.settings)?)
                .execute(&self.write)
                .await
                .map_err(map_error)?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("realm {}", realm.id)));
        }
        Ok(())
    }

    pub(crate) async fn delete_realm(&self, realm_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM realms WHERE id = $1")
            .bind(realm_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn list_keys(&self, realm_id: &str) -> Result<Vec<StoredKey>, StoreError> {
        let rows = sqlx::query(
            "SELECT kid, realm_id, kind, algorithm, secret, priority, enabled, created_at
             FROM realm_keys WHERE realm_id = $1",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.iter().map(key_from_row).collect()
    }

    pub(crate) async fn insert_key(&self, key: &StoredKey) -> Result<(), StoreError> {
        let (kind, algorithm) = key_columns(key);
        sqlx::query(INSERT_KEY)
            .bind(&key.kid)
            .bind(&key.realm_id)
            .bind(kind)
            .bind(algorithm)
            .bind(&key.secret)
            .bind(key.priority)
            .bind(key.enabled)
            .bind(key.created_at)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn import_realm(&self, bundle: &RealmBundle) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await.map_err(map_error)?;
        let realm = &bundle.realm;
        sqlx::query("INSERT INTO realms (id, name, enabled, settings) VALUES ($1, $2, $3, $4)")
            .bind(&realm.id)
            .bind(&realm.name)
            .bind(realm.enabled)
            .bind(to_json(&realm.settings)?)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        for key in &bundle.keys {
            let (kind, algorithm) = key_columns(key);
            sqlx::query(INSERT_KEY)
                .bind(&key.kid)
                .bind(&key.realm_id)
                .bind(kind)
                .bind(algorithm)
                .bind(&key.secret)
                .bind(key.priority)
                .bind(key.enabled)
                .bind(key.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_error)?;
        }
        for client in &bundle.clients {
            super::directory::insert_client_with(&mut tx, client).await?;
        }
        for role in &bundle.roles {
            super::directory::insert_role_row(&mut tx, role).await?;
        }
        for role in &bundle.roles {
            super::directory::insert_composites(&mut tx, role).await?;
        }
        for user in &bundle.users {
            super::directory::insert_user_with(&mut tx, &user.user).await?;
            if let Some(password) = &user.password {
                super::directory::set_password_with(&mut tx, password).await?;
            }
            super::directory::grant_roles_with(&mut tx, &user.user.id, &user.role_ids).await?;
        }
        tx.commit().await.map_err(map_error)
    }
}
