//! latchkey's storage: the `Store` trait of `latchkey-core` for SQLite, with plain SQL
//! and migrations (`migrations/sqlite`, and `migrations/postgres` for the PostgreSQL
//! backend to come, with the same numbers).
//!
//! Architecture invariant: all SQL of latchkey lives in this crate, and every query is
//! checked at run time by the contract suite (`tests/contract.rs`) on every backend.

mod error;
mod rows;
mod sqlite;

use std::path::Path;

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::client::Client;
use latchkey_core::realm::Realm;
use latchkey_core::revocation::Revocation;
use latchkey_core::role::Role;
use latchkey_core::session::Session;
use latchkey_core::store::{
    ClientSessionCount, RealmBundle, SessionContext, Store, StoreError, UserBundle, UserQuery,
};
use latchkey_core::token::keys::StoredKey;
use latchkey_core::user::{PasswordCredential, User};

pub use crate::sqlite::SqliteStore;

type Res<T> = Result<T, StoreError>;

/// The database the server uses. A closed set of backends, dispatched by `match`:
/// static dispatch and no generic parameter on every handler. PostgreSQL will be the
/// second variant. Cheap to clone (the connection pools inside are shared).
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqliteStore),
}

impl Database {
    /// Opens (or creates) the embedded database file and applies the migrations.
    pub async fn open_sqlite(path: &Path) -> Res<Self> {
        Ok(Database::Sqlite(SqliteStore::open(path).await?))
    }

    /// A private in-memory SQLite database, for tests.
    pub async fn open_sqlite_in_memory() -> Res<Self> {
        Ok(Database::Sqlite(SqliteStore::open_in_memory().await?))
    }

    /// Writes what waits in memory (refresh times) and waits for its commit.
    pub async fn flush(&self) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.flush().await,
        }
    }

    /// Writes what waits in memory, waits for the queries in flight and closes every
    /// connection (graceful shutdown).
    pub async fn close(&self) {
        match self {
            Database::Sqlite(store) => store.close().await,
        }
    }
}

impl Store for Database {
    async fn list_realms(&self) -> Res<Vec<Realm>> {
        match self {
            Database::Sqlite(store) => store.list_realms().await,
        }
    }

    async fn find_realm_by_name(&self, name: &str) -> Res<Option<Realm>> {
        match self {
            Database::Sqlite(store) => store.find_realm_by_name(name).await,
        }
    }

    async fn update_realm(&self, realm: &Realm) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.update_realm(realm).await,
        }
    }

    async fn delete_realm(&self, realm_id: &str) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.delete_realm(realm_id).await,
        }
    }

    async fn import_realm(&self, bundle: &RealmBundle) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.import_realm(bundle).await,
        }
    }

    async fn list_keys(&self, realm_id: &str) -> Res<Vec<StoredKey>> {
        match self {
            Database::Sqlite(store) => store.list_keys(realm_id).await,
        }
    }

    async fn insert_key(&self, key: &StoredKey) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.insert_key(key).await,
        }
    }

    async fn update_key(&self, key: &StoredKey) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.update_key(key).await,
        }
    }

    async fn delete_key(&self, realm_id: &str, id: &str) -> Res<bool> {
        match self {
            Database::Sqlite(store) => store.delete_key(realm_id, id).await,
        }
    }

    async fn list_clients(&self, realm_id: &str) -> Res<Vec<Client>> {
        match self {
            Database::Sqlite(store) => store.list_clients(realm_id).await,
        }
    }

    async fn find_client_by_client_id(
        &self,
        realm_id: &str,
        client_id: &str,
    ) -> Res<Option<Client>> {
        match self {
            Database::Sqlite(store) => store.find_client_by_client_id(realm_id, client_id).await,
        }
    }

    async fn insert_client(&self, client: &Client) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.insert_client(client).await,
        }
    }

    async fn update_client(&self, client: &Client) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.update_client(client).await,
        }
    }

    async fn list_roles(&self, realm_id: &str) -> Res<Vec<Role>> {
        match self {
            Database::Sqlite(store) => store.list_roles(realm_id).await,
        }
    }

    async fn insert_role(&self, role: &Role) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.insert_role(role).await,
        }
    }

    async fn list_user_role_ids(&self, user_id: &str) -> Res<Vec<String>> {
        match self {
            Database::Sqlite(store) => store.list_user_role_ids(user_id).await,
        }
    }

    async fn grant_roles(&self, user_id: &str, role_ids: &[String]) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.grant_roles(user_id, role_ids).await,
        }
    }

    async fn list_users(&self, realm_id: &str) -> Res<Vec<User>> {
        match self {
            Database::Sqlite(store) => store.list_users(realm_id).await,
        }
    }

    async fn search_users(
        &self,
        realm_id: &str,
        query: &UserQuery,
        first: usize,
        max: usize,
    ) -> Res<Vec<User>> {
        match self {
            Database::Sqlite(store) => store.search_users(realm_id, query, first, max).await,
        }
    }

    async fn count_users_matching(&self, realm_id: &str, query: &UserQuery) -> Res<i64> {
        match self {
            Database::Sqlite(store) => store.count_users_matching(realm_id, query).await,
        }
    }

    async fn find_user_by_id(&self, realm_id: &str, id: &str) -> Res<Option<User>> {
        match self {
            Database::Sqlite(store) => store.find_user_by_id(realm_id, id).await,
        }
    }

    async fn find_user_by_username(&self, realm_id: &str, username: &str) -> Res<Option<User>> {
        match self {
            Database::Sqlite(store) => store.find_user_by_username(realm_id, username).await,
        }
    }

    async fn find_users_by_email(&self, realm_id: &str, email: &str) -> Res<Vec<User>> {
        match self {
            Database::Sqlite(store) => store.find_users_by_email(realm_id, email).await,
        }
    }

    async fn insert_user(&self, user: &User) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.insert_user(user).await,
        }
    }

    async fn update_user(&self, user: &User) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.update_user(user).await,
        }
    }

    async fn find_password(&self, user_id: &str) -> Res<Option<PasswordCredential>> {
        match self {
            Database::Sqlite(store) => store.find_password(user_id).await,
        }
    }

    async fn set_password(&self, credential: &PasswordCredential) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.set_password(credential).await,
        }
    }

    async fn insert_session(&self, session: &Session) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.insert_session(session).await,
        }
    }

    async fn find_session(&self, id: &str) -> Res<Option<Session>> {
        match self {
            Database::Sqlite(store) => store.find_session(id).await,
        }
    }

    async fn find_session_context(&self, id: &str) -> Res<Option<SessionContext>> {
        match self {
            Database::Sqlite(store) => store.find_session_context(id).await,
        }
    }

    async fn update_session(&self, session: &Session) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.update_session(session).await,
        }
    }

    async fn touch_session(&self, id: &str, last_refresh: i64) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.touch_session(id, last_refresh).await,
        }
    }

    async fn delete_session(&self, id: &str) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.delete_session(id).await,
        }
    }

    async fn delete_user_sessions(&self, user_id: &str) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.delete_user_sessions(user_id).await,
        }
    }

    async fn count_sessions(&self, realm_id: &str) -> Res<i64> {
        match self {
            Database::Sqlite(store) => store.count_sessions(realm_id).await,
        }
    }

    async fn delete_sessions_idle_since(
        &self,
        online_before: i64,
        offline_before: i64,
    ) -> Res<u64> {
        match self {
            Database::Sqlite(store) => {
                store.delete_sessions_idle_since(online_before, offline_before).await
            }
        }
    }

    async fn find_login_failure(&self, realm_id: &str, user_id: &str) -> Res<Option<LoginFailure>> {
        match self {
            Database::Sqlite(store) => store.find_login_failure(realm_id, user_id).await,
        }
    }

    async fn upsert_login_failure(&self, failure: &LoginFailure) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.upsert_login_failure(failure).await,
        }
    }

    async fn delete_login_failure(&self, realm_id: &str, user_id: &str) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.delete_login_failure(realm_id, user_id).await,
        }
    }

    async fn insert_revoked_token(&self, jti: &str, expires_at: i64) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.insert_revoked_token(jti, expires_at).await,
        }
    }

    async fn is_token_revoked(&self, jti: &str) -> Res<bool> {
        match self {
            Database::Sqlite(store) => store.is_token_revoked(jti).await,
        }
    }

    async fn insert_revocation(&self, realm_id: &str, revocation: &Revocation) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.insert_revocation(realm_id, revocation).await,
        }
    }

    async fn list_revocations(&self, realm_id: &str, now: i64) -> Res<Vec<Revocation>> {
        match self {
            Database::Sqlite(store) => store.list_revocations(realm_id, now).await,
        }
    }

    async fn delete_expired_revocations(&self, now: i64) -> Res<u64> {
        match self {
            Database::Sqlite(store) => store.delete_expired_revocations(now).await,
        }
    }

    async fn insert_user_bundle(&self, bundle: &UserBundle) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.insert_user_bundle(bundle).await,
        }
    }

    async fn delete_user(&self, realm_id: &str, user_id: &str) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.delete_user(realm_id, user_id).await,
        }
    }

    async fn delete_client(&self, realm_id: &str, id: &str) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.delete_client(realm_id, id).await,
        }
    }

    async fn update_role(&self, role: &Role) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.update_role(role).await,
        }
    }

    async fn delete_role(&self, realm_id: &str, role_id: &str) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.delete_role(realm_id, role_id).await,
        }
    }

    async fn revoke_roles(&self, user_id: &str, role_ids: &[String]) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.revoke_roles(user_id, role_ids).await,
        }
    }

    async fn add_composites(&self, parent_id: &str, child_ids: &[String]) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.add_composites(parent_id, child_ids).await,
        }
    }

    async fn remove_composites(&self, parent_id: &str, child_ids: &[String]) -> Res<()> {
        match self {
            Database::Sqlite(store) => store.remove_composites(parent_id, child_ids).await,
        }
    }

    async fn list_user_offline_sessions(&self, realm_id: &str, user_id: &str) -> Res<Vec<Session>> {
        match self {
            Database::Sqlite(store) => store.list_user_offline_sessions(realm_id, user_id).await,
        }
    }

    async fn list_client_offline_sessions(
        &self,
        realm_id: &str,
        client_uuid: &str,
    ) -> Res<Vec<Session>> {
        match self {
            Database::Sqlite(store) => {
                store.list_client_offline_sessions(realm_id, client_uuid).await
            }
        }
    }

    async fn count_sessions_by_client(&self, realm_id: &str) -> Res<Vec<ClientSessionCount>> {
        match self {
            Database::Sqlite(store) => store.count_sessions_by_client(realm_id).await,
        }
    }

    async fn delete_realm_login_failures(&self, realm_id: &str) -> Res<u64> {
        match self {
            Database::Sqlite(store) => store.delete_realm_login_failures(realm_id).await,
        }
    }

    async fn list_users_with_role(&self, realm_id: &str, role_id: &str) -> Res<Vec<User>> {
        match self {
            Database::Sqlite(store) => store.list_users_with_role(realm_id, role_id).await,
        }
    }

    async fn list_user_sessions(&self, realm_id: &str, user_id: &str) -> Res<Vec<Session>> {
        match self {
            Database::Sqlite(store) => store.list_user_sessions(realm_id, user_id).await,
        }
    }

    async fn list_client_sessions(&self, realm_id: &str, client_uuid: &str) -> Res<Vec<Session>> {
        match self {
            Database::Sqlite(store) => store.list_client_sessions(realm_id, client_uuid).await,
        }
    }

    async fn delete_realm_sessions(&self, realm_id: &str) -> Res<u64> {
        match self {
            Database::Sqlite(store) => store.delete_realm_sessions(realm_id).await,
        }
    }
}
