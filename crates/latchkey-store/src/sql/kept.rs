//! The kept fields of a realm's entities (migration 0017), for every engine (`sql.rs`):
//! written by the whole-realm import, read by the export.

use latchkey_core::store::{KeptFields, KeptKind, StoreError};
use sqlx::{ColumnIndex, Decode, Encode, Executor, IntoArguments, Type};

use super::{Affected, Dialect, Sql};
use crate::error::{from_json, map_error, to_json};

type Res<T> = Result<T, StoreError>;

impl<DB> Sql<DB>
where
    DB: Dialect,
    DB::QueryResult: Affected,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
{
    /// Writes one entity's kept fields, replacing what it had.
    pub(super) async fn put_kept_fields_in(
        conn: &mut DB::Connection,
        kept: &KeptFields,
    ) -> Res<()> {
        sqlx::query(
            "INSERT INTO kept_fields (realm_id, kind, entity_id, fields) VALUES ($1, $2, $3, $4)
             ON CONFLICT (kind, entity_id) DO UPDATE SET fields = excluded.fields",
        )
        .bind(kept.realm_id.as_str())
        .bind(kept.kind.as_str())
        .bind(kept.entity_id.as_str())
        .bind(to_json(&kept.fields)?)
        .execute(conn)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Every kept entry of the realm, by kind then entity id.
    pub(crate) async fn list_kept_fields(&self, realm_id: &str) -> Res<Vec<KeptFields>> {
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT kind, entity_id, fields FROM kept_fields WHERE realm_id = $1
             ORDER BY kind, entity_id",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.into_iter()
            .map(|(kind, entity_id, fields)| {
                let kind = KeptKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("kept_fields: kind `{kind}`")))?;
                Ok(KeptFields {
                    realm_id: realm_id.to_owned(),
                    kind,
                    entity_id,
                    fields: from_json(&fields, "kept_fields.fields")?,
                })
            })
            .collect()
    }
}
