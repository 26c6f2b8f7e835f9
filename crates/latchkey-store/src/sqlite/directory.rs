//! Clients, roles, users and their credentials.

use latchkey_core::client::Client;
use latchkey_core::password::PasswordHash;
use latchkey_core::role::Role;
use latchkey_core::secret::Secret;
use latchkey_core::store::StoreError;
use latchkey_core::user::{PasswordCredential, User};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::{SqliteStore, from_json, map_error, to_json};

const CLIENT_COLUMNS: &str = "id, realm_id, client_id, enabled, public_client, secret, settings";
const USER_COLUMNS: &str = "id, realm_id, username, enabled, created_timestamp, profile";

fn client_from_row(row: &SqliteRow) -> Result<Client, StoreError> {
    let secret: Option<String> = row.try_get("secret").map_err(map_error)?;
    Ok(Client {
        id: row.try_get("id").map_err(map_error)?,
        realm_id: row.try_get("realm_id").map_err(map_error)?,
        client_id: row.try_get("client_id").map_err(map_error)?,
        enabled: row.try_get("enabled").map_err(map_error)?,
        public_client: row.try_get("public_client").map_err(map_error)?,
        secret: secret.map(Secret::new),
        settings: from_json(row.try_get("settings").map_err(map_error)?, "client settings")?,
    })
}

fn user_from_row(row: &SqliteRow) -> Result<User, StoreError> {
    Ok(User {
        id: row.try_get("id").map_err(map_error)?,
        realm_id: row.try_get("realm_id").map_err(map_error)?,
        username: row.try_get("username").map_err(map_error)?,
        enabled: row.try_get("enabled").map_err(map_error)?,
        created_timestamp: row.try_get("created_timestamp").map_err(map_error)?,
        profile: from_json(row.try_get("profile").map_err(map_error)?, "user profile")?,
    })
}

pub(super) async fn insert_client_with(
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

pub(super) async fn insert_role_row(
    conn: &mut SqliteConnection,
    role: &Role,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO roles (id, realm_id, client_uuid, name, description) VALUES ($1, $2, $3, $4, $5)")
        .bind(&role.id)
        .bind(&role.realm_id)
        .bind(&role.client_uuid)
        .bind(&role.name)
        .bind(&role.description)
        .execute(conn)
        .await
        .map_err(map_error)?;
    Ok(())
}

pub(super) async fn insert_composites(
    conn: &mut SqliteConnection,
    role: &Role,
) -> Result<(), StoreError> {
    for child in &role.composites {
        sqlx::query("INSERT OR IGNORE INTO role_composites (parent_id, child_id) VALUES ($1, $2)")
            .bind(&role.id)
            .bind(child)
            .execute(&mut *conn)
            .await
            .map_err(map_error)?;
    }
    Ok(())
}

pub(super) async fn insert_user_with(
    conn: &mut SqliteConnection,
    user: &User,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO users (id, realm_id, username, email, enabled, created_timestamp, profile)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&user.id)
    .bind(&user.realm_id)
    .bind(&user.username)
    .bind(user.profile.email.as_ref().map(|e| e.to_lowercase()))
    .bind(user.enabled)
    .bind(user.created_timestamp)
    .bind(to_json(&user.profile)?)
    .execute(conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

pub(super) async fn set_password_with(
    conn: &mut SqliteConnection,
    credential: &PasswordCredential,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO credentials (id, user_id, type, created_date, secret_data, credential_data)
         VALUES ($1, $2, 'password', $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET id = excluded.id, created_date = excluded.created_date,
             secret_data = excluded.secret_data, credential_data = excluded.credential_data",
    )
    .bind(&credential.id)
    .bind(&credential.user_id)
    .bind(credential.created_date)
    .bind(credential.hash.secret_data())
    .bind(credential.hash.credential_data())
    .execute(conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

pub(super) async fn grant_roles_with(
    conn: &mut SqliteConnection,
    user_id: &str,
    role_ids: &[String],
) -> Result<(), StoreError> {
    for role_id in role_ids {
        sqlx::query("INSERT OR IGNORE INTO user_roles (user_id, role_id) VALUES ($1, $2)")
            .bind(user_id)
            .bind(role_id)
            .execute(&mut *conn)
            .await
            .map_err(map_error)?;
    }
    Ok(())
}

impl SqliteStore {
    pub(crate) async fn list_clients(&self, realm_id: &str) -> Result<Vec<Client>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CLIENT_COLUMNS} FROM clients WHERE realm_id = $1 ORDER BY client_id"
        ))
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.iter().map(client_from_row).collect()
    }

    pub(crate) async fn find_client_by_client_id(
        &self,
        realm_id: &str,
        client_id: &str,
    ) -> Result<Option<Client>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CLIENT_COLUMNS} FROM clients WHERE realm_id = $1 AND client_id = $2"
        ))
        .bind(realm_id)
        .bind(client_id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        row.as_ref().map(client_from_row).transpose()
    }

    pub(crate) async fn insert_client(&self, client: &Client) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        insert_client_with(&mut conn, client).await
    }

    pub(crate) async fn update_client(&self, client: &Client) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE clients SET client_id = $2, enabled = $3, public_client = $4, secret = $5, settings = $6
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
        Ok(())
    }

    pub(crate) async fn list_roles(&self, realm_id: &str) -> Result<Vec<Role>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, realm_id, client_uuid, name, description FROM roles WHERE realm_id = $1",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        let composites = sqlx::query(
            "SELECT c.parent_id, c.child_id FROM role_composites c JOIN roles r ON r.id = c.parent_id
             WHERE r.realm_id = $1",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        let mut roles = Vec::with_capacity(rows.len());
        for row in &rows {
            roles.push(Role {
                id: row.try_get("id").map_err(map_error)?,
                realm_id: row.try_get("realm_id").map_err(map_error)?,
                client_uuid: row.try_get("client_uuid").map_err(map_error)?,
                name: row.try_get("name").map_err(map_error)?,
                description: row.try_get("description").map_err(map_error)?,
                composites: Vec::new(),
            });
        }
        for row in &composites {
            let parent: String = row.try_get("parent_id").map_err(map_error)?;
            let child: String = row.try_get("child_id").map_err(map_error)?;
            if let Some(role) = roles.iter_mut().find(|r| r.id == parent) {
                role.composites.push(child);
            }
        }
        Ok(roles)
    }

    pub(crate) async fn insert_role(&self, role: &Role) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await.map_err(map_error)?;
        insert_role_row(&mut tx, role).await?;
        insert_composites(&mut tx, role).await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn list_user_role_ids(
        &self,
        user_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT role_id FROM user_roles WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&self.read)
            .await
            .map_err(map_error)
    }

    pub(crate) async fn grant_roles(
        &self,
        user_id: &str,
        role_ids: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await.map_err(map_error)?;
        grant_roles_with(&mut tx, user_id, role_ids).await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn list_users(&self, realm_id: &str) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE realm_id = $1 ORDER BY username"
        ))
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.iter().map(user_from_row).collect()
    }

    pub(crate) async fn find_user_by_id(
        &self,
        realm_id: &str,
        id: &str,
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE realm_id = $1 AND id = $2"
        ))
        .bind(realm_id)
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub(crate) async fn find_user_by_username(
        &self,
        realm_id: &str,
        username: &str,
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE realm_id = $1 AND username = $2"
        ))
        .bind(realm_id)
        .bind(username)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub(crate) async fn find_users_by_email(
        &self,
        realm_id: &str,
        email: &str,
    ) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE realm_id = $1 AND email = $2"
        ))
        .bind(realm_id)
        .bind(email.to_lowercase())
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.iter().map(user_from_row).collect()
    }

    pub(crate) async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        insert_user_with(&mut conn, user).await
    }

    pub(crate) async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let result = sqlx::query(
            "UPDATE users SET username = $2, email = $3, enabled = $4, profile = $5 WHERE id = $1",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(user.profile.email.as_ref().map(|e| e.to_lowercase()))
        .bind(user.enabled)
        .bind(to_json(&user.profile)?)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("user {}", user.id)));
        }
        Ok(())
    }

    pub(crate) async fn find_password(
        &self,
        user_id: &str,
    ) -> Result<Option<PasswordCredential>, StoreError> {
        let row = sqlx::query(
            "SELECT id, user_id, created_date, secret_data, credential_data FROM credentials WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        let Some(row) = row else { return Ok(None) };
        let secret_data: String = row.try_get("secret_data").map_err(map_error)?;
        let credential_data: String = row.try_get("credential_data").map_err(map_error)?;
        let hash = PasswordHash::from_keycloak(&secret_data, &credential_data)
            .map_err(|e| StoreError::Corrupt(format!("password credential: {e}")))?;
        Ok(Some(PasswordCredential {
            id: row.try_get("id").map_err(map_error)?,
            user_id: row.try_get("user_id").map_err(map_error)?,
            created_date: row.try_get("created_date").map_err(map_error)?,
            hash,
        }))
    }

    pub(crate) async fn set_password(
        &self,
        credential: &PasswordCredential,
    ) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        set_password_with(&mut conn, credential).await
    }
}
