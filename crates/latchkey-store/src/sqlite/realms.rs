//! Realms: the rows every other table hangs from.

use latchkey_core::realm::Realm;
use latchkey_core::store::StoreError;
use sqlx::SqliteConnection;

use super::SqliteEngine;
use crate::error::{map_error, to_json};
use crate::rows::RealmRow;

pub(super) async fn insert_realm(
    conn: &mut SqliteConnection,
    realm: &Realm,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO realms (id, name, enabled, settings) VALUES ($1, $2, $3, $4)")
        .bind(&realm.id)
        .bind(&realm.name)
        .bind(realm.enabled)
        .bind(to_json(&realm.settings)?)
        .execute(conn)
        .await
        .map_err(map_error)?;
    Ok(())
}

impl SqliteEngine {
    pub(crate) async fn list_realms(&self) -> Result<Vec<Realm>, StoreError> {
        let rows: Vec<RealmRow> =
            sqlx::query_as("SELECT id, name, enabled, settings FROM realms ORDER BY name")
                .fetch_all(&self.read)
                .await
                .map_err(map_error)?;
        rows.into_iter().map(Realm::try_from).collect()
    }

    pub(crate) async fn find_realm_by_name(&self, name: &str) -> Result<Option<Realm>, StoreError> {
        let row: Option<RealmRow> =
            sqlx::query_as("SELECT id, name, enabled, settings FROM realms WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.read)
                .await
                .map_err(map_error)?;
        row.map(Realm::try_from).transpose()
    }

    /// Writes the name, the switch and the settings; `NotFound` if the realm is gone,
    /// `Conflict` if another realm has the new name.
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

    /// Deletes the realm; the foreign keys cascade to everything in it. Deleting a
    /// realm that does not exist is not an error.
    pub(crate) async fn delete_realm(&self, realm_id: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM realms WHERE id = $1")
            .bind(realm_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }
}
