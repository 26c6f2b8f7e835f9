//! Users and their password credentials.

use latchkey_core::store::{StoreError, TextMatch, UserBundle, UserQuery};
use latchkey_core::user::{PasswordCredential, User};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{SqliteEngine, roles};
use crate::error::{map_error, to_json};
use crate::rows::{CredentialRow, UserRow, email_column, name_columns};

pub(super) async fn insert_user(
    conn: &mut SqliteConnection,
    user: &User,
) -> Result<(), StoreError> {
    let (first_name, last_name) = name_columns(user);
    sqlx::query(
        "INSERT INTO users (id, realm_id, username, enabled, created_timestamp, email, profile,
                            first_name, last_name, service_account)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&user.id)
    .bind(&user.realm_id)
    .bind(&user.username)
    .bind(user.enabled)
    .bind(user.created_timestamp)
    .bind(email_column(user))
    .bind(to_json(&user.profile)?)
    .bind(first_name)
    .bind(last_name)
    .bind(user.is_service_account())
    .execute(conn)
    .await
    .map_err(map_error)?;
    Ok(())
}

/// Inserts the user's password credential, or replaces the one it has.
pub(super) async fn set_password(
    conn: &mut SqliteConnection,
    credential: &PasswordCredential,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO credentials (id, user_id, type, created_date, secret_data, credential_data)
         VALUES ($1, $2, 'password', $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET id = excluded.id,
             created_date = excluded.created_date, secret_data = excluded.secret_data,
             credential_data = excluded.credential_data",
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

impl SqliteEngine {
    /// The realm's users by username (service-account users included).
    pub(crate) async fn list_users(&self, realm_id: &str) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = sqlx::query_as(
            "SELECT id, realm_id, username, enabled, created_timestamp, profile
             FROM users WHERE realm_id = $1 ORDER BY username",
        )
        .bind(realm_id)
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.into_iter().map(User::try_from).collect()
    }

    pub(crate) async fn find_user_by_id(
        &self,
        realm_id: &str,
        id: &str,
    ) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(
            "SELECT id, realm_id, username, enabled, created_timestamp, profile
             FROM users WHERE realm_id = $1 AND id = $2",
        )
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
    ) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> = sqlx::query_as(
            "SELECT id, realm_id, username, enabled, created_timestamp, profile
             FROM users WHERE realm_id = $1 AND username = $2",
        )
        .bind(realm_id)
        .bind(username.to_lowercase())
        .fetch_optional(&self.read)
        .await
        .map_err(map_error)?;
        row.map(User::try_from).transpose()
    }

    /// Matches the lower-cased `email` column, by username.
    pub(crate) async fn find_users_by_email(
        &self,
        realm_id: &str,
        email: &str,
    ) -> Result<Vec<User>, StoreError> {
        let rows: Vec<UserRow> = sqlx::query_as(
            "SELECT id, realm_id, username, enabled, created_timestamp, profile
             FROM users WHERE realm_id = $1 AND email = $2 ORDER BY username",
        )
        .bind(realm_id)
        .bind(email.to_lowercase())
        .fetch_all(&self.read)
        .await
        .map_err(map_error)?;
        rows.into_iter().map(User::try_from).collect()
    }

    /// `Conflict` if the realm has a user of this username (or this id exists).
    pub(crate) async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        insert_user(&mut conn, user).await
    }

    /// Writes the username, the switch and the profile (the id, realm and creation time
    /// never change); `NotFound` if the user is gone, `Conflict` on a taken username.
    pub(crate) async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let (first_name, last_name) = name_columns(user);
        let result = sqlx::query(
            "UPDATE users SET username = $2, enabled = $3, email = $4, profile = $5,
                 first_name = $6, last_name = $7, service_account = $8
             WHERE id = $1",
        )
        .bind(&user.id)
        .bind(&user.username)
        .bind(user.enabled)
        .bind(email_column(user))
        .bind(to_json(&user.profile)?)
        .bind(first_name)
        .bind(last_name)
        .bind(user.is_service_account())
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
    pub(crate) async fn set_password(
        &self,
        credential: &PasswordCredential,
    ) -> Result<(), StoreError> {
        let mut conn = self.write.acquire().await.map_err(map_error)?;
        set_password(&mut conn, credential).await
    }

    /// The user, its password and its grants, all or nothing.
    pub(crate) async fn insert_user_bundle(&self, bundle: &UserBundle) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        insert_user(&mut tx, &bundle.user).await?;
        if let Some(password) = &bundle.password {
            set_password(&mut tx, password).await?;
        }
        roles::grant_roles(&mut tx, &bundle.user.id, &bundle.role_ids).await?;
        tx.commit().await.map_err(map_error)
    }

    /// The foreign keys cascade to the sessions, credential, grants and login failures.
    pub(crate) async fn delete_user(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> Result<(), StoreError> {
        let result = sqlx::query("DELETE FROM users WHERE realm_id = $1 AND id = $2")
            .bind(realm_id)
            .bind(user_id)
            .execute(&self.write)
            .await
            .map_err(map_error)?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("user {user_id}")));
        }
        Ok(())
    }

    pub(crate) async fn list_users_with_role(
        &self,
        realm_id: &str,
        role_id: &str,
    ) -> Result<Vec<User>, StoreError> {
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
    ) -> Result<Vec<User>, StoreError> {
        let mut sql = QueryBuilder::new(
            "SELECT id, realm_id, username, enabled, created_timestamp, profile FROM users",
        );
        push_user_filter(&mut sql, realm_id, query);
        sql.push(" ORDER BY username LIMIT ")
            .push_bind(i64::try_from(max).unwrap_or(i64::MAX))
            .push(" OFFSET ")
            .push_bind(i64::try_from(first).unwrap_or(i64::MAX));
        let rows: Vec<UserRow> =
            sql.build_query_as().fetch_all(&self.read).await.map_err(map_error)?;
        rows.into_iter().map(User::try_from).collect()
    }

    /// How many users `query` finds.
    pub(crate) async fn count_users_matching(
        &self,
        realm_id: &str,
        query: &UserQuery,
    ) -> Result<i64, StoreError> {
        let mut sql = QueryBuilder::new("SELECT COUNT(*) FROM users");
        push_user_filter(&mut sql, realm_id, query);
        sql.build_query_scalar().fetch_one(&self.read).await.map_err(map_error)
    }
}

/// ` WHERE …` for a user query; every value is a bound parameter. Values arrive
/// lower-cased (`UserQuery`'s contract) and are compared with the lower-cased columns.
fn push_user_filter<'a>(
    sql: &mut QueryBuilder<'a, Sqlite>,
    realm_id: &'a str,
    query: &'a UserQuery,
) {
    sql.push(" WHERE realm_id = ").push_bind(realm_id).push(" AND NOT service_account");
    let push_match = |sql: &mut QueryBuilder<'a, Sqlite>, column: &str, matching: &'a TextMatch| {
        match matching {
            TextMatch::Exact(value) => {
                sql.push(format!("{column} = ")).push_bind(value.as_str());
            }
            TextMatch::Contains(value) => {
                sql.push(format!("instr({column}, ")).push_bind(value.as_str()).push(") > 0");
            }
            TextMatch::Prefix(value) => {
                sql.push(format!("substr({column}, 1, length("))
                    .push_bind(value.as_str())
                    .push(")) = ")
                    .push_bind(value.as_str());
            }
        }
    };
    if let Some(search) = &query.search {
        sql.push(" AND (");
        for (i, column) in ["username", "email", "first_name", "last_name"].into_iter().enumerate()
        {
            if i > 0 {
                sql.push(" OR ");
            }
            push_match(sql, column, search);
        }
        sql.push(")");
    }
    for (column, matching) in [
        ("username", &query.username),
        ("email", &query.email),
        ("first_name", &query.first_name),
        ("last_name", &query.last_name),
    ] {
        if let Some(matching) = matching {
            sql.push(" AND ");
            push_match(sql, column, matching);
        }
    }
    if let Some(enabled) = query.enabled {
        sql.push(" AND enabled = ").push_bind(enabled);
    }
    if let Some(verified) = query.email_verified {
        sql.push(" AND coalesce(json_extract(profile, '$.emailVerified'), 0) = ")
            .push_bind(verified);
    }
}
