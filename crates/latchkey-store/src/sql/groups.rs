//! Groups: the realm's tree, its role mappings, memberships and default groups, and the
//! roles a user holds through them, for every engine (`sql.rs`).

use std::collections::HashMap;

use latchkey_core::group::Group;
use latchkey_core::store::StoreError;
use latchkey_core::user::User;
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Type};

use super::{Affected, Dialect, Sql};
use crate::error::{map_error, to_json};
use crate::rows::{
    AnyCredentialRow, ClientRow, CredentialRow, GroupRow, KeyRow, LoginFailureRow, RealmRow,
    RoleRow, SessionContextRow, SessionRow, UserRow,
};

type Res<T> = Result<T, StoreError>;

/// The ids of the roles a user (`$1`) holds: granted directly, and mapped to their groups
/// and every group above them (a recursive walk up `parent_id`), each once, in id order.
pub(crate) const HELD_ROLE_IDS: &str = "WITH RECURSIVE up(id) AS (
         SELECT group_id FROM user_groups WHERE user_id = $1
         UNION
         SELECT g.parent_id FROM realm_groups g JOIN up ON g.id = up.id
         WHERE g.parent_id IS NOT NULL)
     SELECT role_id FROM user_roles WHERE user_id = $1
     UNION
     SELECT gr.role_id FROM group_roles gr JOIN up ON gr.group_id = up.id
     ORDER BY 1";

impl<DB> Sql<DB>
where
    DB: Dialect,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> Vec<u8>: Encode<'q, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> RealmRow: FromRow<'r, DB::Row>,
    for<'r> KeyRow: FromRow<'r, DB::Row>,
    for<'r> ClientRow: FromRow<'r, DB::Row>,
    for<'r> RoleRow: FromRow<'r, DB::Row>,
    for<'r> GroupRow: FromRow<'r, DB::Row>,
    for<'r> UserRow: FromRow<'r, DB::Row>,
    for<'r> CredentialRow: FromRow<'r, DB::Row>,
    for<'r> AnyCredentialRow: FromRow<'r, DB::Row>,
    for<'r> SessionRow: FromRow<'r, DB::Row>,
    for<'r> SessionContextRow: FromRow<'r, DB::Row>,
    for<'r> LoginFailureRow: FromRow<'r, DB::Row>,
{
    /// Inserts the group and its role mappings; its parent must be in already.
    pub(super) async fn insert_group_in(conn: &mut DB::Connection, group: &Group) -> Res<()> {
        sqlx::query(
            "INSERT INTO realm_groups (id, realm_id, parent_id, name, description, attributes)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(group.id.as_str())
        .bind(group.realm_id.as_str())
        .bind(group.parent_id.as_deref())
        .bind(group.name.as_str())
        .bind(group.description.as_deref())
        .bind(to_json(&group.attributes)?)
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
        Self::grant_group_roles_in(conn, &group.id, &group.role_ids).await
    }

    async fn grant_group_roles_in(
        conn: &mut DB::Connection,
        group_id: &str,
        role_ids: &[String],
    ) -> Res<()> {
        super::for_each_id::<DB>(
            &mut *conn,
            "INSERT INTO group_roles (group_id, role_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            group_id,
            role_ids,
        )
        .await?;
        Ok(())
    }

    /// Makes the user a member of each group; a membership already there stays once.
    pub(super) async fn join_groups_in(
        conn: &mut DB::Connection,
        user_id: &str,
        group_ids: &[String],
    ) -> Res<()> {
        super::for_each_id::<DB>(
            &mut *conn,
            "INSERT INTO user_groups (user_id, group_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            user_id,
            group_ids,
        )
        .await?;
        Ok(())
    }

    /// Appends the group to the realm's default groups, unless it is one already.
    pub(super) async fn add_default_group_in(
        conn: &mut DB::Connection,
        realm_id: &str,
        group_id: &str,
    ) -> Res<()> {
        let last: Option<i64> =
            sqlx::query_scalar("SELECT max(position) FROM default_groups WHERE realm_id = $1")
                .bind(realm_id)
                .fetch_one(&mut *conn)
                .await
                .map_err(map_error)?;
        sqlx::query(
            "INSERT INTO default_groups (realm_id, group_id, position) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(realm_id)
        .bind(group_id)
        .bind(last.unwrap_or(0).saturating_add(1))
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Whether the realm has a group of this id.
    async fn has_group_in(conn: &mut DB::Connection, realm_id: &str, group_id: &str) -> Res<bool> {
        let found: Option<String> =
            sqlx::query_scalar("SELECT id FROM realm_groups WHERE realm_id = $1 AND id = $2")
                .bind(realm_id)
                .bind(group_id)
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_error)?;
        Ok(found.is_some())
    }

    /// Every group of the realm by name, with its role mappings, from one snapshot.
    pub(crate) async fn list_groups(&self, realm_id: &str) -> Res<Vec<Group>> {
        let mut tx = self.read.begin_with(DB::BEGIN_SNAPSHOT).await.map_err(map_error)?;
        let rows: Vec<GroupRow> = sqlx::query_as(
            "SELECT id, realm_id, parent_id, name, description, attributes FROM realm_groups
             WHERE realm_id = $1 ORDER BY name, id",
        )
        .bind(realm_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_error)?;
        let mappings: Vec<(String, String)> = sqlx::query_as(
            "SELECT gr.group_id, gr.role_id FROM group_roles gr
             JOIN realm_groups g ON g.id = gr.group_id
             WHERE g.realm_id = $1
             ORDER BY gr.group_id, gr.role_id",
        )
        .bind(realm_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        let mut groups: Vec<Group> =
            rows.into_iter().map(Group::try_from).collect::<Res<Vec<Group>>>()?;
        let index: HashMap<String, usize> =
            groups.iter().enumerate().map(|(i, group)| (group.id.clone(), i)).collect();
        for (group_id, role_id) in mappings {
            if let Some(group) = index.get(&group_id).and_then(|&i| groups.get_mut(i)) {
                group.role_ids.push(role_id);
            }
        }
        Ok(groups)
    }

    /// One transaction: the group row and its role mappings.
    pub(crate) async fn insert_group(&self, group: &Group) -> Res<()> {
        let mut tx = self.begin_write().await?;
        if let Some(parent_id) = &group.parent_id
            && !Self::has_group_in(&mut tx, &group.realm_id, parent_id).await?
        {
            return Err(StoreError::NotFound(format!("group {parent_id}")));
        }
        Self::insert_group_in(&mut tx, group).await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn update_group(&self, group: &Group) -> Res<()> {
        let result = sqlx::query(
            "UPDATE realm_groups SET name = $3, description = $4, attributes = $5
             WHERE realm_id = $1 AND id = $2",
        )
        .bind(group.realm_id.as_str())
        .bind(group.id.as_str())
        .bind(group.name.as_str())
        .bind(group.description.as_deref())
        .bind(to_json(&group.attributes)?)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("group {}", group.id)));
        }
        Ok(())
    }

    /// The realm's row is locked first (`Dialect::FOR_UPDATE`), so that two moves in one
    /// realm cannot each pass the check below and together make a cycle.
    pub(crate) async fn move_group(
        &self,
        realm_id: &str,
        group_id: &str,
        parent_id: Option<&str>,
    ) -> Res<bool> {
        let mut tx = self.begin_write().await?;
        let lock = format!("SELECT id FROM realms WHERE id = $1{}", DB::FOR_UPDATE);
        sqlx::query(&lock).bind(realm_id).execute(&mut *tx).await.map_err(map_error)?;
        if !Self::has_group_in(&mut tx, realm_id, group_id).await? {
            return Err(StoreError::NotFound(format!("group {group_id}")));
        }
        if let Some(parent_id) = parent_id {
            if !Self::has_group_in(&mut tx, realm_id, parent_id).await? {
                return Err(StoreError::NotFound(format!("group {parent_id}")));
            }
            // The new parent and every group above it; the group must not be one of them.
            let cycles: i64 = sqlx::query_scalar(
                "WITH RECURSIVE up(id) AS (
                     SELECT id FROM realm_groups WHERE id = $1
                     UNION
                     SELECT g.parent_id FROM realm_groups g JOIN up ON g.id = up.id
                     WHERE g.parent_id IS NOT NULL)
                 SELECT COUNT(*) FROM up WHERE id = $2",
            )
            .bind(parent_id)
            .bind(group_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_error)?;
            if cycles > 0 {
                return Ok(false);
            }
        }
        sqlx::query("UPDATE realm_groups SET parent_id = $2 WHERE id = $1")
            .bind(group_id)
            .bind(parent_id)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        Ok(true)
    }

    /// The groups below, the memberships, mappings and default-group entries go with it
    /// (foreign key cascade).
    pub(crate) async fn delete_group(&self, realm_id: &str, group_id: &str) -> Res<()> {
        let result = sqlx::query("DELETE FROM realm_groups WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(group_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("group {group_id}")));
        }
        Ok(())
    }

    pub(crate) async fn grant_group_roles(&self, group_id: &str, role_ids: &[String]) -> Res<()> {
        let mut tx = self.begin_write().await?;
        Self::grant_group_roles_in(&mut tx, group_id, role_ids).await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn revoke_group_roles(&self, group_id: &str, role_ids: &[String]) -> Res<()> {
        let mut tx = self.begin_write().await?;
        super::for_each_id::<DB>(
            &mut *tx,
            "DELETE FROM group_roles WHERE group_id = $1 AND role_id = $2",
            group_id,
            role_ids,
        )
        .await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn list_user_group_ids(&self, user_id: &str) -> Res<Vec<String>> {
        sqlx::query_scalar("SELECT group_id FROM user_groups WHERE user_id = $1 ORDER BY group_id")
            .bind(user_id)
            .fetch_all(&self.read)
            .await
            .map_err(map_error)
    }

    /// `NotFound` (a foreign key) if the user or the group does not exist.
    pub(crate) async fn join_group(&self, user_id: &str, group_id: &str) -> Res<()> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        Self::join_groups_in(&mut conn, user_id, &[group_id.to_owned()]).await
    }

    pub(crate) async fn leave_group(&self, user_id: &str, group_id: &str) -> Res<()> {
        sqlx::query("DELETE FROM user_groups WHERE user_id = $1 AND group_id = $2")
            .bind(user_id)
            .bind(group_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn list_group_members(
        &self,
        realm_id: &str,
        group_id: &str,
        first: usize,
        max: usize,
    ) -> Res<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(
            "SELECT u.id, u.realm_id, u.username, u.enabled, u.created_timestamp, u.profile
             FROM users u JOIN user_groups m ON m.user_id = u.id
             WHERE u.realm_id = $1 AND m.group_id = $2
             ORDER BY u.username LIMIT $3 OFFSET $4",
        )
        .bind(realm_id)
        .bind(group_id)
        .bind(i64::try_from(max).unwrap_or(i64::MAX))
        .bind(i64::try_from(first).unwrap_or(i64::MAX))
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.into_iter().map(User::try_from).collect()
    }

    pub(crate) async fn list_default_group_ids(&self, realm_id: &str) -> Res<Vec<String>> {
        sqlx::query_scalar(
            "SELECT group_id FROM default_groups WHERE realm_id = $1 ORDER BY position",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)
    }

    pub(crate) async fn add_default_group(&self, realm_id: &str, group_id: &str) -> Res<()> {
        let mut tx = self.begin_write().await?;
        if !Self::has_group_in(&mut tx, realm_id, group_id).await? {
            return Err(StoreError::NotFound(format!("group {group_id}")));
        }
        Self::add_default_group_in(&mut tx, realm_id, group_id).await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn remove_default_group(&self, realm_id: &str, group_id: &str) -> Res<()> {
        sqlx::query("DELETE FROM default_groups WHERE realm_id = $1 AND group_id = $2")
            .bind(realm_id)
            .bind(group_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn list_user_held_role_ids(&self, user_id: &str) -> Res<Vec<String>> {
        sqlx::query_scalar(HELD_ROLE_IDS)
            .bind(user_id)
            .fetch_all(&self.read)
            .await
            .map_err(map_error)
    }
}
