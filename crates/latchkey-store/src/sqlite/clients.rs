//! OAuth clients of a realm.

use latchkey_core::client::Client;
use latchkey_core::secret::Secret;
use latchkey_core::store::StoreError;
use sqlx::SqliteConnection;

use super::SqliteEngine;
use crate::error::{map_error, to_json};
use crate::rows::ClientRow;

pub(super) async fn insert_client(
    conn: &mut SqliteConnection,
    client: &Client,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO clients (id, realm_id, client_id, enabled, public_client, secret, settings)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&client.id)
    .bind(&client.realm_id)
    .bind(&client.client_id)
    .bind(client.enabled)
    .bind(client.public_client)
    .bind(client.secret.as_ref().map(Secret::expose))
    .bind(to_json(&client.settings)?)
    .execute(conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

impl SqliteEngine {
    pub(crate) async fn list_clients(&self, realm_id: &str) -> Result<Vec<Client>, StoreError> {
        let rows: Vec<ClientRow> = sqlx::query_as(
            "SELECT id, realm_id, client_id, enabled, public_client, secret, settings
             FROM clients WHERE realm_id = $1 ORDER BY client_id",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.into_iter().map(Client::try_from).collect()
    }

    pub(crate) async fn find_client_by_client_id(
        &self,
        realm_id: &str,
        client_id: &str,
    ) -> Result<Option<Client>, StoreError> {
        let row: Option<ClientRow> = sqlx::query_as(
            "SELECT id, realm_id, client_id, enabled, public_client, secret, settings
             FROM clients WHERE realm_id = $1 AND client_id = $2",
        )
        .bind(realm_id)
        .bind(client_id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        row.map(Client::try_from).transpose()
    }

    /// `Conflict` if the realm has a client with this `client_id` (or this id exists).
    pub(crate) async fn insert_client(&self, client: &Client) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        insert_client(&mut conn, client).await
    }

    /// Writes everything but the id and the realm; `NotFound` if the client is gone.
    pub(crate) async fn update_client(&self, client: &Client) -> Result<(), StoreError> {
        let result = sqlx::query(
            "UPDATE clients SET client_id = $2, enabled = $3, public_client = $4, secret = $5,
                 settings = $6
             WHERE id = $1",
        )
        .bind(&client.id)
        .bind(&client.client_id)
        .bind(client.enabled)
        .bind(client.public_client)
        .bind(client.secret.as_ref().map(Secret::expose))
        .bind(to_json(&client.settings)?)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("client {}", client.id)));
        }
        Ok(())
    }

    /// The client's roles go with it (foreign key cascade), and with them their grants.
    pub(crate) async fn delete_client(&self, realm_id: &str, id: &str) -> Result<(), StoreError> {
        let result = sqlx::query("DELETE FROM clients WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("client {id}")));
        }
        Ok(())
    }
}
