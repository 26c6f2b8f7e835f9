//! Client scopes: their protocol mappers and scope mappings, the realm's default and
//! optional scopes, and the scope mappings of clients, for every engine (`sql.rs`).

use std::collections::HashMap;

use latchkey_core::client::{Client, ProtocolMapper};
use latchkey_core::client_scope::{ClientScope, RealmDefaultScope, ScopeKind};
use latchkey_core::store::{ClientScopeMapping, StoreError};
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Type};

use super::{Affected, Dialect, Sql};
use crate::error::{map_error, to_json};
use crate::rows::{ClientScopeRow, RealmDefaultScopeRow, ScopeMapperRow};

type Res<T> = Result<T, StoreError>;

/// Writes inside a transaction another file runs (a whole-realm import) and this one.
impl<DB> Sql<DB>
where
    DB: Dialect,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    /// Inserts the scope with its mappers (in order) and its scope mappings.
    pub(super) async fn insert_client_scope_in(
        conn: &mut DB::Connection,
        scope: &ClientScope,
    ) -> Res<()> {
        sqlx::query(
            "INSERT INTO client_scopes (id, realm_id, name, description, protocol, attributes)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(scope.id.as_str())
        .bind(scope.realm_id.as_str())
        .bind(scope.name.as_str())
        .bind(scope.description.as_deref())
        .bind(scope.protocol.as_str())
        .bind(to_json(&scope.attributes)?)
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
        Self::insert_scope_mappers_in(conn, &scope.id, &scope.protocol_mappers).await?;
        Self::grant_client_scope_roles_in(conn, &scope.id, &scope.role_ids).await
    }

    async fn insert_scope_mappers_in(
        conn: &mut DB::Connection,
        scope_id: &str,
        mappers: &[ProtocolMapper],
    ) -> Res<()> {
        for (position, mapper) in (0_i64..).zip(mappers) {
            let id = mapper.id.clone().unwrap_or_else(latchkey_core::random::uuid);
            sqlx::query(
                "INSERT INTO client_scope_mappers
                     (id, scope_id, position, name, protocol, protocol_mapper, config)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(scope_id)
            .bind(position)
            .bind(mapper.name.as_str())
            .bind(mapper.protocol.as_str())
            .bind(mapper.protocol_mapper.as_str())
            .bind(to_json(&mapper.config)?)
            .execute(&mut *conn)
            .await
            .map_err(map_error)?;
        }
        Ok(())
    }

    async fn grant_client_scope_roles_in(
        conn: &mut DB::Connection,
        scope_id: &str,
        role_ids: &[String],
    ) -> Res<()> {
        super::for_each_id::<DB>(
            &mut *conn,
            "INSERT INTO client_scope_roles (scope_id, role_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            scope_id,
            role_ids,
        )
        .await?;
        Ok(())
    }

    /// Appends the scope to the realm's default (or optional) scopes; `false`, nothing
    /// written, if it is one of them already, of either kind.
    pub(super) async fn add_realm_default_scope_in(
        conn: &mut DB::Connection,
        realm_id: &str,
        entry: &RealmDefaultScope,
    ) -> Res<bool> {
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT max(position) FROM realm_default_client_scopes WHERE realm_id = $1",
        )
        .bind(realm_id)
        .fetch_one(&mut *conn)
        .await
        .map_err(map_error)?;
        // The scope must be the realm's: the foreign key alone would take another realm's.
        let result = sqlx::query(
            "INSERT INTO realm_default_client_scopes (realm_id, scope_id, is_default, position)
             SELECT $1, id, $3, $4 FROM client_scopes WHERE id = $2 AND realm_id = $1
             ON CONFLICT DO NOTHING",
        )
        .bind(realm_id)
        .bind(entry.scope_id.as_str())
        .bind(entry.kind == ScopeKind::Default)
        .bind(last.unwrap_or(0).saturating_add(1))
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
        Ok(result.affected() == 1)
    }

    pub(super) async fn grant_client_scope_mappings_in(
        conn: &mut DB::Connection,
        client_uuid: &str,
        role_ids: &[String],
    ) -> Res<()> {
        super::for_each_id::<DB>(
            &mut *conn,
            "INSERT INTO client_scope_mappings (client_uuid, role_id) VALUES ($1, $2)
                 ON CONFLICT DO NOTHING",
            client_uuid,
            role_ids,
        )
        .await?;
        Ok(())
    }
}

impl<DB> Sql<DB>
where
    DB: Dialect,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'r> ClientScopeRow: FromRow<'r, DB::Row>,
    for<'r> ScopeMapperRow: FromRow<'r, DB::Row>,
    for<'r> RealmDefaultScopeRow: FromRow<'r, DB::Row>,
    usize: ColumnIndex<DB::Row>,
{
    /// Every client scope of the realm by name, with its mappers and scope mappings,
    /// from one snapshot.
    pub(crate) async fn list_client_scopes(&self, realm_id: &str) -> Res<Vec<ClientScope>> {
        let mut tx = self.read.begin_with(DB::BEGIN_SNAPSHOT).await.map_err(map_error)?;
        let rows: Vec<ClientScopeRow> = sqlx::query_as(
            "SELECT id, realm_id, name, description, protocol, attributes FROM client_scopes
             WHERE realm_id = $1 ORDER BY name, id",
        )
        .bind(realm_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_error)?;
        let mappers: Vec<ScopeMapperRow> = sqlx::query_as(
            "SELECT m.scope_id, m.id, m.name, m.protocol, m.protocol_mapper, m.config
             FROM client_scope_mappers m JOIN client_scopes s ON s.id = m.scope_id
             WHERE s.realm_id = $1 ORDER BY m.scope_id, m.position",
        )
        .bind(realm_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_error)?;
        let roles: Vec<(String, String)> = sqlx::query_as(
            "SELECT r.scope_id, r.role_id FROM client_scope_roles r
             JOIN client_scopes s ON s.id = r.scope_id
             WHERE s.realm_id = $1 ORDER BY r.scope_id, r.role_id",
        )
        .bind(realm_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_error)?;
        tx.commit().await.map_err(map_error)?;
        let mut scopes: Vec<ClientScope> =
            rows.into_iter().map(ClientScope::try_from).collect::<Res<Vec<ClientScope>>>()?;
        let index: HashMap<String, usize> =
            scopes.iter().enumerate().map(|(i, scope)| (scope.id.clone(), i)).collect();
        for row in mappers {
            let (scope_id, mapper) = <(String, ProtocolMapper)>::try_from(row)?;
            if let Some(scope) = index.get(&scope_id).and_then(|&i| scopes.get_mut(i)) {
                scope.protocol_mappers.push(mapper);
            }
        }
        for (scope_id, role_id) in roles {
            if let Some(scope) = index.get(&scope_id).and_then(|&i| scopes.get_mut(i)) {
                scope.role_ids.push(role_id);
            }
        }
        Ok(scopes)
    }

    /// One transaction: the scope, its mappers and its scope mappings.
    pub(crate) async fn insert_client_scope(&self, scope: &ClientScope) -> Res<()> {
        let mut tx = self.begin_write().await?;
        Self::insert_client_scope_in(&mut tx, scope).await?;
        tx.commit().await.map_err(map_error)
    }

    /// Writes the scope's name, description, protocol, attributes and mappers (replacing
    /// them all, ids kept); not its scope mappings.
    pub(crate) async fn update_client_scope(
        &self,
        scope: &ClientScope,
        clients: &[Client],
    ) -> Res<()> {
        let mut tx = self.begin_write().await?;
        let result = sqlx::query(
            "UPDATE client_scopes SET name = $3, description = $4, protocol = $5, attributes = $6
             WHERE id = $1 AND realm_id = $2",
        )
        .bind(scope.id.as_str())
        .bind(scope.realm_id.as_str())
        .bind(scope.name.as_str())
        .bind(scope.description.as_deref())
        .bind(scope.protocol.as_str())
        .bind(to_json(&scope.attributes)?)
        .execute(&mut *tx)
        .await
        .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("client scope {}", scope.id)));
        }
        sqlx::query("DELETE FROM client_scope_mappers WHERE scope_id = $1")
            .bind(scope.id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        Self::insert_scope_mappers_in(&mut tx, &scope.id, &scope.protocol_mappers).await?;
        for client in clients {
            super::update_client_row::<DB>(&mut tx, client).await?;
        }
        tx.commit().await.map_err(map_error)
    }

    /// Deletes the scope with its mappers, scope mappings and realm-default entry.
    pub(crate) async fn delete_client_scope(
        &self,
        realm_id: &str,
        scope_id: &str,
        clients: &[Client],
    ) -> Res<()> {
        let mut tx = self.begin_write().await?;
        let result = sqlx::query("DELETE FROM client_scopes WHERE id = $1 AND realm_id = $2")
            .bind(scope_id)
            .bind(realm_id)
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("client scope {scope_id}")));
        }
        for client in clients {
            super::update_client_row::<DB>(&mut tx, client).await?;
        }
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn grant_client_scope_roles(
        &self,
        scope_id: &str,
        role_ids: &[String],
    ) -> Res<()> {
        let mut tx = self.begin_write().await?;
        Self::grant_client_scope_roles_in(&mut tx, scope_id, role_ids).await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn revoke_client_scope_roles(
        &self,
        scope_id: &str,
        role_ids: &[String],
    ) -> Res<()> {
        let mut tx = self.begin_write().await?;
        super::for_each_id::<DB>(
            &mut *tx,
            "DELETE FROM client_scope_roles WHERE scope_id = $1 AND role_id = $2",
            scope_id,
            role_ids,
        )
        .await?;
        tx.commit().await.map_err(map_error)
    }

    /// The realm's default and optional scopes, in the order they were added.
    pub(crate) async fn list_realm_default_scopes(
        &self,
        realm_id: &str,
    ) -> Res<Vec<RealmDefaultScope>> {
        let rows: Vec<RealmDefaultScopeRow> = sqlx::query_as(
            "SELECT scope_id, is_default FROM realm_default_client_scopes
             WHERE realm_id = $1 ORDER BY position, scope_id",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        Ok(rows.into_iter().map(RealmDefaultScope::from).collect())
    }

    pub(crate) async fn add_realm_default_scope(
        &self,
        realm_id: &str,
        entry: &RealmDefaultScope,
    ) -> Res<bool> {
        let mut tx = self.begin_write().await?;
        let added = Self::add_realm_default_scope_in(&mut tx, realm_id, entry).await?;
        tx.commit().await.map_err(map_error)?;
        Ok(added)
    }

    /// `false` if the scope was not a default or optional scope of the realm.
    pub(crate) async fn remove_realm_default_scope(
        &self,
        realm_id: &str,
        scope_id: &str,
    ) -> Res<bool> {
        let result = sqlx::query(
            "DELETE FROM realm_default_client_scopes WHERE realm_id = $1 AND scope_id = $2",
        )
        .bind(realm_id)
        .bind(scope_id)
        .execute(&self.write)
        .await
        .map_err(map_error)?;
        Ok(result.affected() == 1)
    }

    /// The scope mappings of every client of the realm, by client then role.
    pub(crate) async fn list_client_scope_mappings(
        &self,
        realm_id: &str,
    ) -> Res<Vec<ClientScopeMapping>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT m.client_uuid, m.role_id FROM client_scope_mappings m
             JOIN clients c ON c.id = m.client_uuid
             WHERE c.realm_id = $1 ORDER BY m.client_uuid, m.role_id",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        Ok(rows
            .into_iter()
            .map(|(client_uuid, role_id)| ClientScopeMapping { client_uuid, role_id })
            .collect())
    }

    pub(crate) async fn grant_client_scope_mappings(
        &self,
        client_uuid: &str,
        role_ids: &[String],
    ) -> Res<()> {
        let mut tx = self.begin_write().await?;
        Self::grant_client_scope_mappings_in(&mut tx, client_uuid, role_ids).await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn revoke_client_scope_mappings(
        &self,
        client_uuid: &str,
        role_ids: &[String],
    ) -> Res<()> {
        let mut tx = self.begin_write().await?;
        super::for_each_id::<DB>(
            &mut *tx,
            "DELETE FROM client_scope_mappings WHERE client_uuid = $1 AND role_id = $2",
            client_uuid,
            role_ids,
        )
        .await?;
        tx.commit().await.map_err(map_error)
    }
}

/// What migration 0012 must give a realm that existed before it: the scopes, mappers
/// and realm defaults a new realm gets (`built_in_scopes`), ids apart.
#[cfg(test)]
pub(crate) async fn assert_seeded_like_a_new_realm<DB>(engine: &Sql<DB>, realm_id: &str)
where
    DB: Dialect,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> ClientScopeRow: FromRow<'r, DB::Row>,
    for<'r> ScopeMapperRow: FromRow<'r, DB::Row>,
    for<'r> RealmDefaultScopeRow: FromRow<'r, DB::Row>,
{
    let without_ids = |mut scope: ClientScope| {
        scope.id.clear();
        scope.realm_id.clear();
        for mapper in &mut scope.protocol_mappers {
            mapper.id = None;
        }
        scope
    };
    let (mut expected, expected_defaults) = latchkey_core::client_scope::built_in_scopes("");
    let name_in = |scopes: &[ClientScope], id: &str| {
        scopes.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_default()
    };
    let expected_defaults: Vec<(String, ScopeKind)> =
        expected_defaults.iter().map(|d| (name_in(&expected, &d.scope_id), d.kind)).collect();
    expected.sort_by(|a, b| a.name.cmp(&b.name));

    let stored = engine.list_client_scopes(realm_id).await.unwrap_or_default();
    let defaults = engine.list_realm_default_scopes(realm_id).await.unwrap_or_default();
    let stored_defaults: Vec<(String, ScopeKind)> =
        defaults.iter().map(|d| (name_in(&stored, &d.scope_id), d.kind)).collect();
    let mut ids: Vec<String> = stored
        .iter()
        .flat_map(|s| s.protocol_mappers.iter().filter_map(|m| m.id.clone()))
        .chain(stored.iter().map(|s| s.id.clone()))
        .collect();
    assert!(stored.iter().all(|s| s.realm_id == realm_id));
    assert_eq!(
        stored.into_iter().map(without_ids).collect::<Vec<_>>(),
        expected.into_iter().map(without_ids).collect::<Vec<_>>()
    );
    assert_eq!(stored_defaults, expected_defaults);
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "every scope and mapper has its own id");
    assert!(ids.iter().all(|id| id.len() == 36), "ids are UUIDs: {ids:?}");
}
