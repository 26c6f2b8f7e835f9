//! Realms and what hangs from them: signing keys, clients, roles and their composites,
//! and the whole-realm import, for every engine (`sql.rs`).

use std::collections::HashMap;

use latchkey_core::client::Client;
use latchkey_core::group::Group;
use latchkey_core::realm::Realm;
use latchkey_core::role::Role;
use latchkey_core::secret::Secret;
use latchkey_core::store::{
    ClientScopeMapping, KeptFields, RealmBundle, RealmChanges, StoreError, UserBundle,
};
use latchkey_core::token::keys::StoredKey;
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Type};

use super::{Affected, Dialect, Sql};
use crate::error::{map_error, to_json};
use crate::rows::{
    AnyCredentialRow, ClientRow, CredentialRow, GroupRow, KeyRow, LoginFailureRow, RealmRow,
    RoleRow, SessionContextRow, SessionRow, UserRow, key_kind_column,
};

type Res<T> = Result<T, StoreError>;

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
    for<'q> Option<Vec<u8>>: Encode<'q, DB> + Type<DB>,
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
    // Realms.

    async fn insert_realm_in(conn: &mut DB::Connection, realm: &Realm) -> Res<()> {
        sqlx::query("INSERT INTO realms (id, name, enabled, settings) VALUES ($1, $2, $3, $4)")
            .bind(realm.id.as_str())
            .bind(realm.name.as_str())
            .bind(realm.enabled)
            .bind(to_json(&realm.settings)?)
            .execute(conn)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn list_realms(&self) -> Res<Vec<Realm>> {
        let rows: Vec<RealmRow> =
            sqlx::query_as("SELECT id, name, enabled, settings FROM realms ORDER BY name")
                .fetch_all(&self.read)
                .await
                .map_err(map_error)?;
        rows.into_iter().map(Realm::try_from).collect()
    }

    pub(crate) async fn find_realm_by_name(&self, name: &str) -> Res<Option<Realm>> {
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
    pub(crate) async fn update_realm(&self, realm: &Realm) -> Res<()> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        Self::update_realm_in(&mut conn, realm).await
    }

    async fn update_realm_in(conn: &mut DB::Connection, realm: &Realm) -> Res<()> {
        let result =
            sqlx::query("UPDATE realms SET name = $2, enabled = $3, settings = $4 WHERE id = $1")
                .bind(realm.id.as_str())
                .bind(realm.name.as_str())
                .bind(realm.enabled)
                .bind(to_json(&realm.settings)?)
                .execute(conn)
                .await
                .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("realm {}", realm.id)));
        }
        Ok(())
    }

    /// Deletes the realm; the foreign keys cascade to everything in it. Deleting a
    /// realm that does not exist is not an error.
    pub(crate) async fn delete_realm(&self, realm_id: &str) -> Res<()> {
        sqlx::query("DELETE FROM realms WHERE id = $1")
            .bind(realm_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(())
    }

    /// Inserts the realm and everything in it. The order follows the foreign keys:
    /// clients before roles (client roles point at their client), every role before
    /// any composite link (a composite may name a role listed after it), groups in the
    /// bundle's order (each after its parent) before the default groups and the users,
    /// users before their credentials, grants and memberships. `Conflict` if the realm name (or any id) exists;
    /// on any error the transaction rolls back and nothing is written.
    pub(crate) async fn import_realm(&self, bundle: &RealmBundle) -> Res<()> {
        let mut tx = self.begin_write().await?;
        Self::insert_realm_in(&mut tx, &bundle.realm).await?;
        for key in &bundle.keys {
            Self::insert_key_in(&mut tx, key).await?;
        }
        Self::insert_directory_in(&mut tx, &bundle.clients, &bundle.roles, &bundle.groups).await?;
        for scope in &bundle.client_scopes {
            Self::insert_client_scope_in(&mut tx, scope).await?;
        }
        for entry in &bundle.default_client_scopes {
            Self::add_realm_default_scope_in(&mut tx, &bundle.realm.id, entry).await?;
        }
        for group_id in &bundle.default_group_ids {
            Self::add_default_group_in(&mut tx, &bundle.realm.id, group_id).await?;
        }
        let users = (&bundle.client_scope_mappings[..], &bundle.users[..], &bundle.kept[..]);
        Self::insert_users_in(&mut tx, users).await?;
        tx.commit().await.map_err(map_error)
    }

    /// Clients, then their roles and every realm role, then the composite links (a
    /// composite may name a role listed after it), then groups in order (each after its
    /// parent): the part of an import that users and scopes may point at.
    async fn insert_directory_in(
        conn: &mut DB::Connection,
        clients: &[Client],
        roles: &[Role],
        groups: &[Group],
    ) -> Res<()> {
        for client in clients {
            Self::insert_client_in(conn, client).await?;
        }
        for role in roles {
            Self::insert_role_in(conn, role).await?;
        }
        for role in roles {
            Self::insert_composites_in(conn, role).await?;
        }
        for group in groups {
            Self::insert_group_in(conn, group).await?;
        }
        Ok(())
    }

    /// The clients' scope mappings, the users with their credentials, grants and
    /// memberships, and the kept fields: the part of an import that points at the rest.
    async fn insert_users_in(
        conn: &mut DB::Connection,
        (mappings, users, kept): (&[ClientScopeMapping], &[UserBundle], &[KeptFields]),
    ) -> Res<()> {
        for mapping in mappings {
            let role_ids = std::slice::from_ref(&mapping.role_id);
            Self::grant_client_scope_mappings_in(conn, &mapping.client_uuid, role_ids).await?;
        }
        for user in users {
            Self::insert_user_bundle_in(conn, user).await?;
        }
        for kept in kept {
            Self::put_kept_fields_in(conn, kept).await?;
        }
        Ok(())
    }

    /// Applies a partial import in one transaction. The overwritten entities go first
    /// (users, groups, roles, then clients; a row already gone with its container, such
    /// as a role of a deleted client, is no error), then the new ones are inserted in
    /// `import_realm`'s order. On any error nothing is written.
    pub(crate) async fn apply_realm_changes(&self, changes: &RealmChanges) -> Res<()> {
        let mut tx = self.begin_write().await?;
        let realm_id = changes.realm_id.as_str();
        if let Some(realm) = &changes.realm {
            Self::update_realm_in(&mut tx, realm).await?;
        }
        let deletes = [
            ("DELETE FROM users WHERE realm_id = $1 AND id = $2", &changes.deleted_users),
            ("DELETE FROM realm_groups WHERE realm_id = $1 AND id = $2", &changes.deleted_groups),
            ("DELETE FROM roles WHERE realm_id = $1 AND id = $2", &changes.deleted_roles),
            ("DELETE FROM clients WHERE realm_id = $1 AND id = $2", &changes.deleted_clients),
        ];
        for (statement, ids) in deletes {
            super::for_each_id::<DB>(&mut *tx, statement, realm_id, ids).await?;
        }
        Self::insert_directory_in(&mut tx, &changes.clients, &changes.roles, &changes.groups)
            .await?;
        let users = (&changes.client_scope_mappings[..], &changes.users[..], &changes.kept[..]);
        Self::insert_users_in(&mut tx, users).await?;
        tx.commit().await.map_err(map_error)
    }

    // Keys: one row per key-provider component (RSA, EC, Ed25519, HMAC).

    async fn insert_key_in(conn: &mut DB::Connection, key: &StoredKey) -> Res<()> {
        sqlx::query(
            "INSERT INTO realm_keys (id, kid, realm_id, name, provider_id, kind, algorithm,
                 secret, certificate, config, priority, enabled, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(key.id.as_str())
        .bind(key.kid.as_str())
        .bind(key.realm_id.as_str())
        .bind(key.name.as_str())
        .bind(key.provider_id.as_str())
        .bind(key_kind_column(key))
        .bind(key.algorithm.as_str())
        .bind(&key.secret)
        .bind(key.certificate.clone())
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

    /// Every key of the realm, enabled or not, the highest priority (then newest) first.
    pub(crate) async fn list_keys(&self, realm_id: &str) -> Res<Vec<StoredKey>> {
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
    pub(crate) async fn insert_key(&self, key: &StoredKey) -> Res<()> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        Self::insert_key_in(&mut conn, key).await
    }

    /// Replaces the key of the same component id and realm; `NotFound` if there is none.
    pub(crate) async fn update_key(&self, key: &StoredKey) -> Res<()> {
        let result = sqlx::query(
            "UPDATE realm_keys SET kid = $3, name = $4, kind = $5, algorithm = $6, secret = $7,
                 certificate = $8, config = $9, priority = $10, enabled = $11, active = $12,
                 created_at = $13
             WHERE id = $1 AND realm_id = $2",
        )
        .bind(key.id.as_str())
        .bind(key.realm_id.as_str())
        .bind(key.kid.as_str())
        .bind(key.name.as_str())
        .bind(key_kind_column(key))
        .bind(key.algorithm.as_str())
        .bind(&key.secret)
        .bind(key.certificate.clone())
        .bind(to_json(&key.config)?)
        .bind(key.priority)
        .bind(key.enabled)
        .bind(key.active)
        .bind(key.created_at)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("key {}", key.id)));
        }
        Ok(())
    }

    /// Deletes a key of the realm by component id; whether there was one.
    pub(crate) async fn delete_key(&self, realm_id: &str, id: &str) -> Res<bool> {
        let result = sqlx::query("DELETE FROM realm_keys WHERE id = $1 AND realm_id = $2")
            .bind(id)
            .bind(realm_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(result.affected() > 0)
    }

    // Clients.

    async fn insert_client_in(conn: &mut DB::Connection, client: &Client) -> Res<()> {
        sqlx::query(
            "INSERT INTO clients (id, realm_id, client_id, enabled, public_client, secret,
                 settings)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(client.id.as_str())
        .bind(client.realm_id.as_str())
        .bind(client.client_id.as_str())
        .bind(client.enabled)
        .bind(client.public_client)
        .bind(client.secret.as_ref().map(Secret::expose))
        .bind(to_json(&client.settings)?)
        .execute(conn)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    pub(crate) async fn list_clients(&self, realm_id: &str) -> Res<Vec<Client>> {
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
    ) -> Res<Option<Client>> {
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
    pub(crate) async fn insert_client(&self, client: &Client) -> Res<()> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        Self::insert_client_in(&mut conn, client).await
    }

    /// Writes everything but the id and the realm; `NotFound` if the client is gone.
    pub(crate) async fn update_client(&self, client: &Client) -> Res<()> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        super::update_client_row::<DB>(&mut conn, client).await
    }

    /// The client's roles go with it (foreign key cascade), and with them their grants.
    pub(crate) async fn delete_client(&self, realm_id: &str, id: &str) -> Res<()> {
        let result = sqlx::query("DELETE FROM clients WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("client {id}")));
        }
        Ok(())
    }

    // Realm and client roles, their composites, and the roles granted to users.

    /// Inserts the role without its composites, which may name roles inserted after it.
    async fn insert_role_in(conn: &mut DB::Connection, role: &Role) -> Res<()> {
        sqlx::query(
            "INSERT INTO roles (id, realm_id, client_uuid, name, description, attributes)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(role.id.as_str())
        .bind(role.realm_id.as_str())
        .bind(role.client_uuid.as_deref())
        .bind(role.name.as_str())
        .bind(role.description.as_deref())
        .bind(to_json(&role.attributes)?)
        .execute(conn)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Links the role to the roles it contains; a link listed twice is stored once.
    async fn insert_composites_in(conn: &mut DB::Connection, role: &Role) -> Res<()> {
        for child_id in &role.composites {
            sqlx::query(
                "INSERT INTO role_composites (parent_id, child_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            )
            .bind(role.id.as_str())
            .bind(child_id.as_str())
            .execute(&mut *conn)
            .await
            .map_err(map_error)?;
        }
        Ok(())
    }

    /// Grants roles directly; a role already granted stays granted once.
    pub(super) async fn grant_roles_in(
        conn: &mut DB::Connection,
        user_id: &str,
        role_ids: &[String],
    ) -> Res<()> {
        super::for_each_id::<DB>(
            &mut *conn,
            "INSERT INTO user_roles (user_id, role_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            user_id,
            role_ids,
        )
        .await?;
        Ok(())
    }

    /// Realm roles by name, then client roles by client and name; composites by id.
    pub(crate) async fn list_roles(&self, realm_id: &str) -> Res<Vec<Role>> {
        // One read transaction, so both queries see the same snapshot.
        let mut tx = self.read.begin_with(DB::BEGIN_SNAPSHOT).await.map_err(map_error)?;
        let rows: Vec<RoleRow> = sqlx::query_as(
            "SELECT id, realm_id, client_uuid, name, description, attributes FROM roles
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
        let mut roles: Vec<Role> = rows.into_iter().map(Role::try_from).collect::<Res<_>>()?;
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
    pub(crate) async fn insert_role(&self, role: &Role) -> Res<()> {
        let mut tx = self.begin_write().await?;
        Self::insert_role_in(&mut tx, role).await?;
        Self::insert_composites_in(&mut tx, role).await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn update_role(&self, role: &Role) -> Res<()> {
        let result = sqlx::query(
            "UPDATE roles SET name = $2, description = $3, attributes = $4 WHERE id = $1",
        )
        .bind(role.id.as_str())
        .bind(role.name.as_str())
        .bind(role.description.as_deref())
        .bind(to_json(&role.attributes)?)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("role {}", role.id)));
        }
        Ok(())
    }

    /// Composite links and grants go with the role (foreign key cascade).
    pub(crate) async fn delete_role(&self, realm_id: &str, role_id: &str) -> Res<()> {
        let result = sqlx::query("DELETE FROM roles WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(role_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("role {role_id}")));
        }
        Ok(())
    }

    /// Ids of the roles granted directly to the user, in id order.
    pub(crate) async fn list_user_role_ids(&self, user_id: &str) -> Res<Vec<String>> {
        sqlx::query_scalar("SELECT role_id FROM user_roles WHERE user_id = $1 ORDER BY role_id")
            .bind(user_id)
            .fetch_all(&self.read)
            .await
            .map_err(map_error)
    }

    /// All or nothing; `NotFound` if the user or one of the roles does not exist.
    pub(crate) async fn grant_roles(&self, user_id: &str, role_ids: &[String]) -> Res<()> {
        let mut tx = self.begin_write().await?;
        Self::grant_roles_in(&mut tx, user_id, role_ids).await?;
        tx.commit().await.map_err(map_error)
    }

    /// Runs `sql` with (`fixed`, id) for every id, in one transaction: all or nothing.
    async fn for_each_id(&self, sql: &'static str, fixed: &str, ids: &[String]) -> Res<()> {
        let mut tx = self.begin_write().await?;
        for id in ids {
            sqlx::query(sql)
                .bind(fixed)
                .bind(id.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn add_composites(&self, parent_id: &str, child_ids: &[String]) -> Res<()> {
        let sql = "INSERT INTO role_composites (parent_id, child_id) VALUES ($1, $2)
                   ON CONFLICT DO NOTHING";
        self.for_each_id(sql, parent_id, child_ids).await
    }

    pub(crate) async fn remove_composites(&self, parent_id: &str, child_ids: &[String]) -> Res<()> {
        let sql = "DELETE FROM role_composites WHERE parent_id = $1 AND child_id = $2";
        self.for_each_id(sql, parent_id, child_ids).await
    }

    /// Removes direct grants; a role not granted is ignored.
    pub(crate) async fn revoke_roles(&self, user_id: &str, role_ids: &[String]) -> Res<()> {
        let sql = "DELETE FROM user_roles WHERE user_id = $1 AND role_id = $2";
        self.for_each_id(sql, user_id, role_ids).await
    }
}
