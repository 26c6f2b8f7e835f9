//! Realm and client roles, their composites, and the roles granted to users.

use std::collections::HashMap;

use latchkey_core::role::Role;
use latchkey_core::store::StoreError;
use sqlx::SqliteConnection;

use super::SqliteEngine;
use crate::error::map_error;
use crate::rows::RoleRow;

/// Inserts the role without its composites, which may name roles inserted after it.
pub(super) async fn insert_role(
    conn: &mut SqliteConnection,
    role: &Role,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO roles (id, realm_id, client_uuid, name, description)
         VALUES ($1, $2, $3, $4, $5)",
    )
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

/// Links the role to the roles it contains; a link listed twice is stored once.
pub(super) async fn insert_composites(
    conn: &mut SqliteConnection,
    role: &Role,
) -> Result<(), StoreError> {
    for child_id in &role.composites {
        sqlx::query(
            "INSERT INTO role_composites (parent_id, child_id) VALUES ($1, $2)
             ON CONFLICT DO NOTHING",
        )
        .bind(&role.id)
        .bind(child_id)
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
    }
    Ok(())
}

/// Grants roles directly; a role already granted stays granted once.
pub(super) async fn grant_roles(
    conn: &mut SqliteConnection,
    user_id: &str,
    role_ids: &[String],
) -> Result<(), StoreError> {
    for role_id in role_ids {
        sqlx::query(
            "INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(user_id)
        .bind(role_id)
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
    }
    Ok(())
}

impl SqliteEngine {
    /// Realm roles by name, then client roles by client and name; composites by id.
    pub(crate) async fn list_roles(&self, realm_id: &str) -> Result<Vec<Role>, StoreError> {
        // One read transaction, so both queries see the same snapshot.
        let mut tx = self.read.begin().await.map_err(map_error)?;
        let rows: Vec<RoleRow> = sqlx::query_as(
            "SELECT id, realm_id, client_uuid, name, description FROM roles
             WHERE realm_id = $1
             ORDER BY client_uuid IS NOT NULL, client_uuid, name",
        )
        .bind(realm_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_error)?;
        let links: Vec<(String, String)> = sqlx::query_as(
            "SELECT c.parent_id, c.child_id FROM role_composites c
             JOIN roles r ON r.id = c.parent_id
             WHERE r.realm_id = $1
             ORDER BY c.parent_id, c.child_id",
        )
        .bind(realm_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        let mut roles: Vec<Role> = rows.into_iter().map(Role::from).collect();
        let index: HashMap<String, usize> =
            roles.iter().enumerate().map(|(i, role)| (role.id.clone(), i)).collect();
        for (parent_id, child_id) in links {
            if let Some(role) = index.get(&parent_id).and_then(|&i| roles.get_mut(i)) {
                role.composites.push(child_id);
            }
        }
        Ok(roles)
    }

    /// Inserts the role and its composites in one transaction. `Conflict` if the realm
    /// (or the client) has a role of this name; `NotFound` if a composite does not exist.
    pub(crate) async fn insert_role(&self, role: &Role) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_role(&mut tx, role).await?;
        insert_composites(&mut tx, role).await?;
        tx.commit().await.map_err(map_error)
    }

    /// Ids of the roles granted directly to the user, in id order.
    pub(crate) async fn list_user_role_ids(
        &self,
        user_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        sqlx::query_scalar("SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY role_id")
            .bind(user_id)
            .fetch_all(&self.read)
            .await
            .map_err(map_error)
    }

    /// All or nothing; `NotFound` if the user or one of the roles does not exist.
    pub(crate) async fn grant_roles(
        &self,
        user_id: &str,
        role_ids: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        grant_roles(&mut tx, user_id, role_ids).await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn update_role(&self, role: &Role) -> Result<(), StoreError> {
        let result = sqlx::query("UPDATE roles SET name = $2, description = $3 WHERE id = $1")
            .bind(&role.id)
            .bind(&role.name)
            .bind(&role.description)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("role {}", role.id)));
        }
        Ok(())
    }

    /// Composite links and grants go with the role (foreign key cascade).
    pub(crate) async fn delete_role(
        &self,
        realm_id: &str,
        role_id: &str,
    ) -> Result<(), StoreError> {
        let result = sqlx::query("DELETE FROM roles WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(role_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("role {role_id}")));
        }
        Ok(())
    }

    /// Runs `sql` with (`fixed`, id) for every id, in one transaction: all or nothing.
    async fn for_each_id(
        &self,
        sql: &'static str,
        fixed: &str,
        ids: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for id in ids {
            sqlx::query(sql).bind(fixed).bind(id).execute(&mut *tx).await.map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn add_composites(
        &self,
        parent_id: &str,
        child_ids: &[String],
    ) -> Result<(), StoreError> {
        let sql = "INSERT INTO role_composites (parent_id, child_id) VALUES ($1, $2)
                   ON CONFLICT DO NOTHING";
        self.for_each_id(sql, parent_id, child_ids).await
    }

    pub(crate) async fn remove_composites(
        &self,
        parent_id: &str,
        child_ids: &[String],
    ) -> Result<(), StoreError> {
        let sql = "DELETE FROM role_composites WHERE parent_id = $1 AND child_id = $2";
        self.for_each_id(sql, parent_id, child_ids).await
    }

    pub(crate) async fn revoke_roles(
        &self,
        user_id: &str,
        role_ids: &[String],
    ) -> Result<(), StoreError> {
        let sql = "DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2";
        self.for_each_id(sql, user_id, role_ids).await
    }
}
