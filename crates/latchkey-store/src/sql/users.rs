//! Users, their password credentials and the Admin API's user search, for every
//! engine (`sql.rs`).

use latchkey_core::store::{StoreError, TextMatch, UserBundle, UserQuery};
use latchkey_core::user::{Credential, PasswordCredential, User};
use sqlx::{ColumnIndex, Decode, Encode, Executor, FromRow, IntoArguments, Type};

use super::{Affected, Dialect, Sql};
use crate::error::{map_error, to_json};
use crate::rows::{
    AnyCredentialRow, ClientRow, CredentialRow, GroupRow, KeyRow, LoginFailureRow, RealmRow,
    RoleRow, SessionContextRow, SessionRow, UserRow, email_column, name_columns,
};

type Res<T> = Result<T, StoreError>;

/// The columns every user query reads.
const USER_COLUMNS: &str = "id, realm_id, username, enabled, created_timestamp, profile";

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
    pub(super) async fn insert_user_in(conn: &mut DB::Connection, user: &User) -> Res<()> {
        let (first_name, last_name) = name_columns(user);
        sqlx::query(
            "INSERT INTO users (id, realm_id, username, enabled, created_timestamp, email,
                 profile, first_name, last_name, service_account)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(user.id.as_str())
        .bind(user.realm_id.as_str())
        .bind(user.username.as_str())
        .bind(user.enabled)
        .bind(user.created_timestamp)
        .bind(email_column(user))
        .bind(to_json(&user.profile)?)
        .bind(first_name)
        .bind(last_name)
        .bind(user.is_service_account())
        .execute(&mut *conn)
        .await
        .map_err(map_error)?;
        Self::insert_attributes_in(conn, user).await
    }

    /// The `user_attributes` rows of the user's profile: one per value, lower-cased.
    async fn insert_attributes_in(conn: &mut DB::Connection, user: &User) -> Res<()> {
        for (name, values) in &user.profile.attributes {
            for value in values {
                sqlx::query(
                    "INSERT INTO user_attributes (user_id, name, value) VALUES ($1, $2, $3)",
                )
                .bind(user.id.as_str())
                .bind(name.as_str())
                .bind(value.to_lowercase())
                .execute(&mut *conn)
                .await
                .map_err(map_error)?;
            }
        }
        Ok(())
    }

    /// The user, its credentials, grants and memberships.
    pub(super) async fn insert_user_bundle_in(
        conn: &mut DB::Connection,
        bundle: &UserBundle,
    ) -> Res<()> {
        Self::insert_user_in(conn, &bundle.user).await?;
        for credential in &bundle.credentials {
            Self::insert_credential_in(conn, credential).await?;
        }
        Self::grant_roles_in(conn, &bundle.user.id, &bundle.role_ids).await?;
        Self::join_groups_in(conn, &bundle.user.id, &bundle.group_ids).await
    }

    /// Inserts a credential of any type as it is. `Conflict` for a second password.
    async fn insert_credential_in(conn: &mut DB::Connection, credential: &Credential) -> Res<()> {
        sqlx::query(
            "INSERT INTO credentials (id, user_id, type, user_label, created_date, secret_data,
                 credential_data, priority)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(credential.id.as_str())
        .bind(credential.user_id.as_str())
        .bind(credential.credential_type.as_str())
        .bind(credential.user_label.as_deref())
        .bind(credential.created_date)
        .bind(credential.secret_data.expose())
        .bind(credential.credential_data.as_str())
        .bind(credential.priority)
        .execute(conn)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// Inserts the user's password credential, or replaces the one it has (its label and
    /// its place in the user's list stay).
    pub(super) async fn set_password_in(
        conn: &mut DB::Connection,
        credential: &PasswordCredential,
    ) -> Res<()> {
        sqlx::query(
            "INSERT INTO credentials (id, user_id, type, created_date, secret_data,
                 credential_data, priority)
             VALUES ($1, $2, 'password', $3, $4, $5, $6)
             ON CONFLICT (user_id) WHERE type = 'password' DO UPDATE SET id = excluded.id,
                 created_date = excluded.created_date, secret_data = excluded.secret_data,
                 credential_data = excluded.credential_data",
        )
        .bind(credential.id.as_str())
        .bind(credential.user_id.as_str())
        .bind(credential.created_date)
        .bind(credential.hash.secret_data())
        .bind(credential.hash.credential_data())
        .bind(latchkey_core::user::PASSWORD_PRIORITY)
        .execute(conn)
        .await
        .map_err(map_error)?;
        Ok(())
    }

    /// The realm's users by username (service-account users included).
    pub(crate) async fn list_users(&self, realm_id: &str) -> Res<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE realm_id = $1 ORDER BY username");
        let rows: Vec<UserRow> =
            sqlx::query_as(&sql).bind(realm_id).fetch_all(&self.read).await.map_err(map_error)?;
        rows.into_iter().map(User::try_from).collect()
    }

    pub(crate) async fn find_user_by_id(&self, realm_id: &str, id: &str) -> Res<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE realm_id = $1 AND id = $2");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(realm_id)
            .bind(id)
            .fetch_optional(&self.read)
            .await
            .map_err(map_error)?;
        row.map(User::try_from).transpose()
    }

    /// Usernames are stored in lower case, so the name asked for is lower-cased first
    /// (`JpaUserProvider.getUserByUsername` does the same).
    pub(crate) async fn find_user_by_username(
        &self,
        realm_id: &str,
        username: &str,
    ) -> Res<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE realm_id = $1 AND username = $2");
        let row: Option<UserRow> = sqlx::query_as(&sql)
            .bind(realm_id)
            .bind(username.to_lowercase())
            .fetch_optional(&self.read)
            .await
            .map_err(map_error)?;
        row.map(User::try_from).transpose()
    }

    /// Matches the lower-cased `email` column, by username.
    pub(crate) async fn find_users_by_email(&self, realm_id: &str, email: &str) -> Res<Vec<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE realm_id = $1 AND email = $2 ORDER BY username"
        );
        let rows: Vec<UserRow> = sqlx::query_as(&sql)
            .bind(realm_id)
            .bind(email.to_lowercase())
            .fetch_all(&self.read)
            .await
            .map_err(map_error)?;
        rows.into_iter().map(User::try_from).collect()
    }

    /// `Conflict` if the realm has a user of this username (or this id exists).
    pub(crate) async fn insert_user(&self, user: &User) -> Res<()> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        Self::insert_user_in(&mut conn, user).await
    }

    /// Writes the username, the switch and the profile (the id, realm and creation time
    /// never change); `NotFound` if the user is gone, `Conflict` on a taken username.
    pub(crate) async fn update_user(&self, user: &User) -> Res<()> {
        let (first_name, last_name) = name_columns(user);
        let mut tx = self.begin_write().await?;
        let result = sqlx::query(
            "UPDATE users SET username = $2, enabled = $3, email = $4, profile = $5,
                 first_name = $6, last_name = $7, service_account = $8
             WHERE id = $1",
        )
        .bind(user.id.as_str())
        .bind(user.username.as_str())
        .bind(user.enabled)
        .bind(email_column(user))
        .bind(to_json(&user.profile)?)
        .bind(first_name)
        .bind(last_name)
        .bind(user.is_service_account())
        .execute(&mut *tx)
        .await
        .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("user {}", user.id)));
        }
        sqlx::query("DELETE FROM user_attributes WHERE user_id = $1")
            .bind(user.id.as_str())
            .execute(&mut *tx)
            .await
            .map_err(map_error)?;
        Self::insert_attributes_in(&mut tx, user).await?;
        tx.commit().await.map_err(map_error)
    }

    pub(crate) async fn find_password(&self, user_id: &str) -> Res<Option<PasswordCredential>> {
        let row: Option<CredentialRow> = sqlx::query_as(
            "SELECT id, user_id, created_date, secret_data, credential_data
             FROM credentials WHERE user_id = $1 AND type = 'password'",
        )
        .bind(user_id)
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        row.map(PasswordCredential::try_from).transpose()
    }

    /// `NotFound` if the user does not exist.
    pub(crate) async fn set_password(&self, credential: &PasswordCredential) -> Res<()> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        Self::set_password_in(&mut conn, credential).await
    }

    /// The user, its credentials, grants and memberships, all or nothing.
    pub(crate) async fn insert_user_bundle(&self, bundle: &UserBundle) -> Res<()> {
        let mut tx = self.begin_write().await?;
        Self::insert_user_bundle_in(&mut tx, bundle).await?;
        tx.commit().await.map_err(map_error)
    }

    /// By priority, then creation.
    pub(crate) async fn list_credentials(&self, user_id: &str) -> Res<Vec<Credential>> {
        let rows: Vec<AnyCredentialRow> = sqlx::query_as(
            "SELECT id, user_id, type, user_label, created_date, secret_data, credential_data,
                 priority
             FROM credentials WHERE user_id = $1 ORDER BY priority, created_date, id",
        )
        .bind(user_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        Ok(rows.into_iter().map(Credential::from).collect())
    }

    pub(crate) async fn set_credential_label(
        &self,
        user_id: &str,
        credential_id: &str,
        label: Option<&str>,
    ) -> Res<()> {
        let result =
            sqlx::query("UPDATE credentials SET user_label = $3 WHERE user_id = $1 AND id = $2")
                .bind(user_id)
                .bind(credential_id)
                .bind(label)
                .execute(&self.write)
                .await
                .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("credential {credential_id}")));
        }
        Ok(())
    }

    pub(crate) async fn delete_credential(&self, user_id: &str, credential_id: &str) -> Res<()> {
        let result = sqlx::query("DELETE FROM credentials WHERE user_id = $1 AND id = $2")
            .bind(user_id)
            .bind(credential_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("credential {credential_id}")));
        }
        Ok(())
    }

    /// The user's row is locked first (`Dialect::FOR_UPDATE`), so that two moves of the
    /// user's credentials renumber one after the other.
    pub(crate) async fn move_credential(
        &self,
        user_id: &str,
        credential_id: &str,
        after: Option<&str>,
    ) -> Res<bool> {
        let mut tx = self.begin_write().await?;
        let lock = format!("SELECT id FROM users WHERE id = $1{}", DB::FOR_UPDATE);
        sqlx::query(&lock).bind(user_id).execute(&mut *tx).await.map_err(map_error)?;
        let mut ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM credentials WHERE user_id = $1 ORDER BY priority, created_date, id",
        )
        .bind(user_id)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_error)?;
        let Some(from) = ids.iter().position(|id| id == credential_id) else { return Ok(false) };
        if after.is_some_and(|after| !ids.iter().any(|id| id == after)) {
            return Ok(false);
        }
        let moved = ids.remove(from);
        let at = match after {
            None => 0,
            Some(after) => ids.iter().position(|id| id == after).map_or(ids.len(), |i| i + 1),
        };
        ids.insert(at, moved);
        for (index, id) in ids.iter().enumerate() {
            let priority = i64::try_from(index).unwrap_or(i64::MAX).saturating_add(1) * 10;
            sqlx::query("UPDATE credentials SET priority = $2 WHERE id = $1")
                .bind(id.as_str())
                .bind(priority)
                .execute(&mut *tx)
                .await
                .map_err(map_error)?;
        }
        tx.commit().await.map_err(map_error)?;
        Ok(true)
    }

    /// The foreign keys cascade to the sessions, credential, grants and login failures.
    pub(crate) async fn delete_user(&self, realm_id: &str, user_id: &str) -> Res<()> {
        let result = sqlx::query("DELETE FROM users WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(user_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        if result.affected() == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        Ok(())
    }

    pub(crate) async fn list_users_with_role(
        &self,
        realm_id: &str,
        role_id: &str,
    ) -> Res<Vec<User>> {
        let rows: Vec<UserRow> = sqlx::query_as(
            "SELECT u.id, u.realm_id, u.username, u.enabled, u.created_timestamp, u.profile
             FROM users u JOIN user_roles g ON g.user_id = u.id
             WHERE u.realm_id = $1 AND g.role_id = $2
             ORDER BY u.username",
        )
        .bind(realm_id)
        .bind(role_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.into_iter().map(User::try_from).collect()
    }

    /// The users `query` finds, by username, skipping `first` and keeping at most `max`.
    pub(crate) async fn search_users(
        &self,
        realm_id: &str,
        query: &UserQuery,
        first: usize,
        max: usize,
    ) -> Res<Vec<User>> {
        let mut filter = UserFilter::new(realm_id, query, DB::POSITION, DB::EMAIL_VERIFIED);
        filter.sql.push_str(" ORDER BY username LIMIT ");
        filter.push_bind(Bind::Int(i64::try_from(max).unwrap_or(i64::MAX)));
        filter.sql.push_str(" OFFSET ");
        filter.push_bind(Bind::Int(i64::try_from(first).unwrap_or(i64::MAX)));
        let sql = format!("SELECT {USER_COLUMNS} FROM users{}", filter.sql);
        let mut statement = sqlx::query_as::<DB, UserRow>(&sql);
        for bind in filter.binds {
            statement = match bind {
                Bind::Text(value) => statement.bind(value),
                Bind::Bool(value) => statement.bind(value),
                Bind::Int(value) => statement.bind(value),
            };
        }
        let rows = statement.fetch_all(&self.read).await.map_err(map_error)?;
        rows.into_iter().map(User::try_from).collect()
    }

    /// How many users `query` finds.
    pub(crate) async fn count_users_matching(&self, realm_id: &str, query: &UserQuery) -> Res<i64> {
        let filter = UserFilter::new(realm_id, query, DB::POSITION, DB::EMAIL_VERIFIED);
        let sql = format!("SELECT COUNT(*) FROM users{}", filter.sql);
        let mut statement = sqlx::query_scalar::<DB, i64>(&sql);
        for bind in filter.binds {
            statement = match bind {
                Bind::Text(value) => statement.bind(value),
                Bind::Bool(value) => statement.bind(value),
                Bind::Int(value) => statement.bind(value),
            };
        }
        statement.fetch_one(&self.read).await.map_err(map_error)
    }
}

/// A value bound to a user query's parameter.
enum Bind {
    Text(String),
    Bool(bool),
    Int(i64),
}

/// ` WHERE …` of a user query, with `$n` placeholders numbered as `binds` are pushed.
/// (sqlx's `QueryBuilder` is not used: over a generic engine its arguments' lifetime
/// cannot shrink to the builder's borrow, so a built query could never be run.)
struct UserFilter {
    sql: String,
    binds: Vec<Bind>,
}

impl UserFilter {
    /// Every value is a bound parameter. Values arrive lower-cased (`UserQuery`'s
    /// contract) and are compared with the lower-cased columns. `position` and
    /// `email_verified` are the engine's (`Dialect::POSITION`, `Dialect::EMAIL_VERIFIED`).
    fn new(realm_id: &str, query: &UserQuery, position: &str, email_verified: &str) -> Self {
        let mut filter = UserFilter { sql: String::from(" WHERE realm_id = "), binds: Vec::new() };
        filter.push_bind(Bind::Text(realm_id.to_owned()));
        filter.sql.push_str(" AND NOT service_account");
        if let Some(search) = &query.search {
            filter.sql.push_str(" AND (");
            for (i, column) in
                ["username", "email", "first_name", "last_name"].into_iter().enumerate()
            {
                if i > 0 {
                    filter.sql.push_str(" OR ");
                }
                filter.push_match(column, search, position);
            }
            filter.sql.push(')');
        }
        for (column, matching) in [
            ("username", &query.username),
            ("email", &query.email),
            ("first_name", &query.first_name),
            ("last_name", &query.last_name),
        ] {
            if let Some(matching) = matching {
                filter.sql.push_str(" AND ");
                filter.push_match(column, matching, position);
            }
        }
        if let Some(enabled) = query.enabled {
            filter.sql.push_str(" AND enabled = ");
            filter.push_bind(Bind::Bool(enabled));
        }
        if let Some(verified) = query.email_verified {
            filter.sql.push_str(&format!(" AND {email_verified} = "));
            filter.push_bind(Bind::Bool(verified));
        }
        for (name, value) in &query.attributes {
            filter.sql.push_str(
                " AND EXISTS (SELECT 1 FROM user_attributes a WHERE a.user_id = users.id AND a.name = ",
            );
            filter.push_bind(Bind::Text(name.clone()));
            filter.sql.push_str(" AND a.value = ");
            filter.push_bind(Bind::Text(value.to_lowercase()));
            filter.sql.push(')');
        }
        filter
    }

    fn push_bind(&mut self, bind: Bind) {
        self.binds.push(bind);
        self.sql.push_str(&format!("${}", self.binds.len()));
    }

    fn push_match(&mut self, column: &str, matching: &TextMatch, position: &str) {
        match matching {
            TextMatch::Exact(value) => {
                self.sql.push_str(&format!("{column} = "));
                self.push_bind(Bind::Text(value.clone()));
            }
            TextMatch::Contains(value) => {
                self.sql.push_str(&format!("{position}({column}, "));
                self.push_bind(Bind::Text(value.clone()));
                self.sql.push_str(") > 0");
            }
            TextMatch::Prefix(value) => {
                self.sql.push_str(&format!("substr({column}, 1, length("));
                self.push_bind(Bind::Text(value.clone()));
                self.sql.push_str(")) = ");
                self.push_bind(Bind::Text(value.clone()));
            }
        }
    }
}
