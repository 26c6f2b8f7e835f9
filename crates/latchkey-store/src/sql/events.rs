//! Login events and admin events, for every engine (`sql.rs`): written in the session
//! writer's transactions (`batch.rs`), read with the Admin API's filters, deleted by
//! realm and by age.

use latchkey_core::event::{AdminEvent, AdminEventQuery, AuthDetails, Event, EventQuery, Page};
use latchkey_core::store::StoreError;
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Type};

use super::{Affected, Dialect, Sql};
use crate::error::map_error;

type Res<T> = Result<T, StoreError>;

const EVENT_COLUMNS: &str =
    "id, realm_id, time, type, client_id, user_id, session_id, ip_address, error, details";
const ADMIN_EVENT_COLUMNS: &str = "id, realm_id, time, operation_type, resource_type, \
     resource_path, auth_realm_id, auth_client_id, auth_user_id, auth_ip_address, \
     representation, error, details";

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: String,
    realm_id: String,
    time: i64,
    #[sqlx(rename = "type")]
    event_type: String,
    client_id: Option<String>,
    user_id: Option<String>,
    session_id: Option<String>,
    ip_address: Option<String>,
    error: Option<String>,
    details: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AdminEventRow {
    id: String,
    realm_id: String,
    time: i64,
    operation_type: String,
    resource_type: String,
    resource_path: String,
    auth_realm_id: String,
    auth_client_id: String,
    auth_user_id: String,
    auth_ip_address: String,
    representation: Option<String>,
    error: Option<String>,
    details: Option<String>,
}

/// Details as JSON text `{name: value}` in their order; `None` when there are none.
fn details_json(details: &[(String, String)]) -> Option<String> {
    if details.is_empty() {
        return None;
    }
    let map: serde_json::Map<String, serde_json::Value> =
        details.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    Some(serde_json::Value::Object(map).to_string())
}

fn details_read(text: Option<&str>) -> Res<Vec<(String, String)>> {
    let Some(text) = text else { return Ok(Vec::new()) };
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(text)
        .map_err(|error| StoreError::Corrupt(format!("event details: {error}")))?;
    Ok(map
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

impl TryFrom<EventRow> for Event {
    type Error = StoreError;
    fn try_from(row: EventRow) -> Res<Event> {
        Ok(Event {
            details: details_read(row.details.as_deref())?,
            id: row.id,
            time: row.time,
            event_type: row.event_type,
            realm_id: row.realm_id,
            client_id: row.client_id,
            user_id: row.user_id,
            session_id: row.session_id,
            ip_address: row.ip_address,
            error: row.error,
        })
    }
}

impl TryFrom<AdminEventRow> for AdminEvent {
    type Error = StoreError;
    fn try_from(row: AdminEventRow) -> Res<AdminEvent> {
        Ok(AdminEvent {
            details: details_read(row.details.as_deref())?,
            id: row.id,
            time: row.time,
            realm_id: row.realm_id,
            auth: AuthDetails {
                realm_id: row.auth_realm_id,
                client_id: row.auth_client_id,
                user_id: row.auth_user_id,
                ip_address: row.auth_ip_address,
            },
            operation_type: row.operation_type,
            resource_type: row.resource_type,
            resource_path: row.resource_path,
            representation: row.representation,
            error: row.error,
        })
    }
}

/// ` WHERE …` of an event query, with `$n` placeholders numbered as `binds` are pushed
/// (as `users.rs`'s `UserFilter`, for the same reason).
struct Filter {
    sql: String,
    binds: Vec<Bind>,
}

enum Bind {
    Text(String),
    Int(i64),
}

impl Filter {
    fn new(realm_id: &str) -> Self {
        let mut filter = Filter { sql: String::from(" WHERE realm_id = "), binds: Vec::new() };
        filter.push_bind(Bind::Text(realm_id.to_owned()));
        filter
    }

    fn push_bind(&mut self, bind: Bind) {
        self.binds.push(bind);
        self.sql.push('$');
        self.sql.push_str(&self.binds.len().to_string());
    }

    fn equals(&mut self, column: &str, value: Option<&String>) {
        if let Some(value) = value {
            self.sql.push_str(" AND ");
            self.sql.push_str(column);
            self.sql.push_str(" = ");
            self.push_bind(Bind::Text(value.clone()));
        }
    }

    fn one_of(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            return;
        }
        self.sql.push_str(" AND ");
        self.sql.push_str(column);
        self.sql.push_str(" IN (");
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.push_bind(Bind::Text(value.clone()));
        }
        self.sql.push(')');
    }

    fn between(&mut self, from: Option<i64>, to: Option<i64>) {
        if let Some(from) = from {
            self.sql.push_str(" AND time >= ");
            self.push_bind(Bind::Int(from));
        }
        if let Some(to) = to {
            self.sql.push_str(" AND time <= ");
            self.push_bind(Bind::Int(to));
        }
    }

    /// `*` in Keycloak's `resourcePath` matches any run of characters; `%`, `_` and
    /// `\` match themselves.
    fn path_like(&mut self, pattern: Option<&String>) {
        let Some(pattern) = pattern else { return };
        let mut like = String::with_capacity(pattern.len());
        for c in pattern.chars() {
            match c {
                '*' => like.push('%'),
                '%' | '_' | '\\' => {
                    like.push('\\');
                    like.push(c);
                }
                _ => like.push(c),
            }
        }
        self.sql.push_str(" AND resource_path LIKE ");
        self.push_bind(Bind::Text(like));
        self.sql.push_str(" ESCAPE '\\'");
    }

    /// Newest first (ties by id, so pages do not overlap), then the page.
    fn page(&mut self, page: &Page) {
        self.sql.push_str(if page.ascending {
            " ORDER BY time ASC, id ASC"
        } else {
            " ORDER BY time DESC, id DESC"
        });
        self.sql.push_str(" LIMIT ");
        self.push_bind(Bind::Int(page.max.filter(|m| *m >= 0).unwrap_or(i64::MAX)));
        self.sql.push_str(" OFFSET ");
        self.push_bind(Bind::Int(page.first.max(0)));
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
    for<'q> Option<String>: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> EventRow: FromRow<'r, DB::Row>,
    for<'r> AdminEventRow: FromRow<'r, DB::Row>,
{
    /// One login event, inside the session writer's transaction.
    pub(crate) async fn insert_event_in(conn: &mut DB::Connection, event: &Event) -> Res<u64> {
        let done = sqlx::query(&format!(
            "INSERT INTO events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(event.id.as_str())
        .bind(event.realm_id.as_str())
        .bind(event.time)
        .bind(event.event_type.as_str())
        .bind(event.client_id.as_deref())
        .bind(event.user_id.as_deref())
        .bind(event.session_id.as_deref())
        .bind(event.ip_address.as_deref())
        .bind(event.error.as_deref())
        .bind(details_json(&event.details))
        .execute(conn)
        .await
        .map_err(map_error)?;
        Ok(done.affected())
    }

    /// One admin event, inside the session writer's transaction.
    pub(crate) async fn insert_admin_event_in(
        conn: &mut DB::Connection,
        event: &AdminEvent,
    ) -> Res<u64> {
        let done = sqlx::query(&format!(
            "INSERT INTO admin_events ({ADMIN_EVENT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ))
        .bind(event.id.as_str())
        .bind(event.realm_id.as_str())
        .bind(event.time)
        .bind(event.operation_type.as_str())
        .bind(event.resource_type.as_str())
        .bind(event.resource_path.as_str())
        .bind(event.auth.realm_id.as_str())
        .bind(event.auth.client_id.as_str())
        .bind(event.auth.user_id.as_str())
        .bind(event.auth.ip_address.as_str())
        .bind(event.representation.as_deref())
        .bind(event.error.as_deref())
        .bind(details_json(&event.details))
        .execute(conn)
        .await
        .map_err(map_error)?;
        Ok(done.affected())
    }

    /// Runs a filtered `SELECT` (`Filter`'s SQL) with its binds, on a reader.
    async fn select<O>(&self, sql: &str, binds: Vec<Bind>) -> Res<Vec<O>>
    where
        for<'r> O: FromRow<'r, DB::Row> + Send + Unpin,
    {
        let mut statement = sqlx::query_as::<DB, O>(sql);
        for bind in binds {
            statement = match bind {
                Bind::Text(value) => statement.bind(value),
                Bind::Int(value) => statement.bind(value),
            };
        }
        statement.fetch_all(&self.read).await.map_err(map_error)
    }

    /// The realm's login events `query` selects, in its order and page.
    pub(crate) async fn query_events(&self, realm_id: &str, query: &EventQuery) -> Res<Vec<Event>> {
        let mut filter = Filter::new(realm_id);
        filter.one_of("type", &query.types);
        filter.equals("client_id", query.client_id.as_ref());
        filter.equals("user_id", query.user_id.as_ref());
        filter.equals("ip_address", query.ip_address.as_ref());
        filter.between(query.from, query.to);
        filter.page(&query.page);
        let sql = format!("SELECT {EVENT_COLUMNS} FROM events{}", filter.sql);
        let rows: Vec<EventRow> = self.select(&sql, filter.binds).await?;
        rows.into_iter().map(Event::try_from).collect()
    }

    /// The realm's admin events `query` selects, in its order and page.
    pub(crate) async fn query_admin_events(
        &self,
        realm_id: &str,
        query: &AdminEventQuery,
    ) -> Res<Vec<AdminEvent>> {
        let mut filter = Filter::new(realm_id);
        filter.one_of("operation_type", &query.operation_types);
        filter.one_of("resource_type", &query.resource_types);
        filter.path_like(query.resource_path.as_ref());
        filter.equals("auth_realm_id", query.auth_realm.as_ref());
        filter.equals("auth_client_id", query.auth_client.as_ref());
        filter.equals("auth_user_id", query.auth_user.as_ref());
        filter.equals("auth_ip_address", query.auth_ip_address.as_ref());
        filter.between(query.from, query.to);
        filter.page(&query.page);
        let sql = format!("SELECT {ADMIN_EVENT_COLUMNS} FROM admin_events{}", filter.sql);
        let rows: Vec<AdminEventRow> = self.select(&sql, filter.binds).await?;
        rows.into_iter().map(AdminEvent::try_from).collect()
    }

    /// Deletes the realm's login events older than `before` (all with `None`); the
    /// count deleted.
    pub(crate) async fn delete_events(&self, realm_id: &str, before: Option<i64>) -> Res<u64> {
        let done = sqlx::query("DELETE FROM events WHERE realm_id = $1 AND time < $2")
            .bind(realm_id)
            .bind(before.unwrap_or(i64::MAX))
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.affected())
    }

    /// Deletes the realm's admin events older than `before` (all with `None`); the
    /// count deleted.
    pub(crate) async fn delete_admin_events(
        &self,
        realm_id: &str,
        before: Option<i64>,
    ) -> Res<u64> {
        let done = sqlx::query("DELETE FROM admin_events WHERE realm_id = $1 AND time < $2")
            .bind(realm_id)
            .bind(before.unwrap_or(i64::MAX))
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        Ok(done.affected())
    }
}
