//! The engines below the store's caching layer, and the one delegation that reaches them.
//!
//! An engine is plain SQL: every method is one statement or one short transaction on
//! its database, and none keeps state in memory (no cache, no queue). `Database`
//! (`database.rs`) owns the session cache, the group commit and the write-behind of
//! refresh times, the same for every engine, and calls an engine through `Engine`.
//!
//! `Engine` is a closed enum, and the `delegate!` macro below writes its methods: each
//! forwards to the engine the variant holds, with the same name and arguments. This is
//! the only macro of the crate. It exists so that a second engine adds one line per
//! method to the macro's `match`, not a second hand-written `match` arm in every one of
//! sixty methods. A trait object (`Arc<dyn Engine>`) would serve too, but an `async fn`
//! in a trait is not dyn-compatible: every engine method would return a boxed future
//! (the `async-trait` crate, or `Box::pin` written in every method), one allocation per
//! call and a dependency; the enum keeps static dispatch at no cost.

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::client::Client;
use latchkey_core::client_scope::{ClientScope, RealmDefaultScope};
use latchkey_core::event::{AdminEvent, AdminEventQuery, Event, EventQuery};
use latchkey_core::group::Group;
use latchkey_core::realm::Realm;
use latchkey_core::revocation::Revocation;
use latchkey_core::role::Role;
use latchkey_core::session::Session;
use latchkey_core::store::{
    ClientScopeMapping, ClientSessionCount, KeptFields, RealmBundle, RealmChanges, SessionContext,
    StoreError, UserBundle, UserQuery,
};
use latchkey_core::token::keys::StoredKey;
use latchkey_core::user::{Credential, PasswordCredential, User};

use crate::batch::{SessionWrite, Written};
use crate::postgres::PostgresEngine;
use crate::sqlite::SqliteEngine;

type Res<T> = Result<T, StoreError>;

/// The database engine under a `Database`. Cheap to clone: the pools inside are shared.
#[derive(Clone, Debug)]
pub(crate) enum Engine {
    Sqlite(SqliteEngine),
    Postgres(PostgresEngine),
}

/// Writes `impl Engine`: one `async fn` per signature, forwarding to the variant's engine.
macro_rules! delegate {
    ($( $(#[$meta:meta])* fn $name:ident(&self $(, $arg:ident: $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        impl Engine {
            $(
                $(#[$meta])*
                pub(crate) async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    let result = retried(|| async move {
                        match self {
                            Engine::Sqlite(engine) => engine.$name($($arg),*).await,
                            Engine::Postgres(engine) => engine.$name($($arg),*).await,
                        }
                    })
                    .await;
                    self.count_failure(&result);
                    result
                }
            )*
        }
    };
}

impl Engine {
    /// Counts a call that failed with the database's fault (for the metrics).
    fn count_failure<T>(&self, result: &Res<T>) {
        if let Err(StoreError::Backend(_)) = result {
            let failures = match self {
                Engine::Sqlite(engine) => &engine.failures,
                Engine::Postgres(engine) => &engine.failures,
            };
            failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Database calls that failed with the database's fault, after retries.
    pub(crate) fn failures(&self) -> u64 {
        let failures = match self {
            Engine::Sqlite(engine) => &engine.failures,
            Engine::Postgres(engine) => &engine.failures,
        };
        failures.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The connection pools now.
    pub(crate) fn pool_stats(&self) -> Vec<crate::stats::PoolStats> {
        match self {
            Engine::Sqlite(engine) => engine.pool_stats(),
            Engine::Postgres(engine) => engine.pool_stats(),
        }
    }

    /// Waits for the queries in flight and closes every connection.
    pub(crate) async fn close(&self) {
        match self {
            Engine::Sqlite(engine) => engine.close().await,
            Engine::Postgres(engine) => engine.close().await,
        }
    }
}

/// How many times a method the database aborted as a serialization failure or a
/// deadlock victim is run again before its error is returned.
const RETRIES: u32 = 8;

/// Runs `attempt` (one engine method: one statement or one transaction, rolled back
/// whole when it fails) again when PostgreSQL aborted it with SQLSTATE 40001
/// (serialization failure: SERIALIZABLE isolation, and CockroachDB or YugabyteDB under
/// contention at any isolation) or 40P01 (deadlock victim), after a short random pause
/// that grows with each attempt, so that the transactions that collided do not collide
/// again.
async fn retried<T, F>(mut attempt: impl FnMut() -> F) -> Res<T>
where
    F: std::future::Future<Output = Res<T>>,
{
    let mut failures = 0;
    loop {
        match attempt().await {
            Err(error) if failures < RETRIES && is_retryable(&error) => {
                failures += 1;
                let [jitter] = latchkey_core::random::bytes::<1>();
                let pause = (2u64 << failures.min(6)) + u64::from(jitter % 8);
                tracing::debug!(%error, failures, "transaction aborted by the database; again");
                tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
            }
            outcome => return outcome,
        }
    }
}

/// Whether the database aborted the work for a reason that running it again may not meet.
pub(crate) fn is_retryable(error: &StoreError) -> bool {
    let StoreError::Backend(source) = error else { return false };
    let Some(sqlx::Error::Database(database)) = source.downcast_ref::<sqlx::Error>() else {
        return false;
    };
    matches!(database.code().as_deref(), Some("40001" | "40P01"))
}

delegate! {
    // Realms.
    fn list_realms(&self) -> Res<Vec<Realm>>;
    fn find_realm_by_name(&self, name: &str) -> Res<Option<Realm>>;
    fn update_realm(&self, realm: &Realm) -> Res<()>;
    fn delete_realm(&self, realm_id: &str) -> Res<()>;
    fn import_realm(&self, bundle: &RealmBundle) -> Res<()>;
    fn apply_realm_changes(&self, changes: &RealmChanges) -> Res<()>;
    fn list_kept_fields(&self, realm_id: &str) -> Res<Vec<KeptFields>>;

    // Keys.
    fn list_keys(&self, realm_id: &str) -> Res<Vec<StoredKey>>;
    fn insert_key(&self, key: &StoredKey) -> Res<()>;
    fn update_key(&self, key: &StoredKey) -> Res<()>;
    fn delete_key(&self, realm_id: &str, id: &str) -> Res<bool>;

    // Clients.
    fn list_clients(&self, realm_id: &str) -> Res<Vec<Client>>;
    fn find_client_by_client_id(&self, realm_id: &str, client_id: &str) -> Res<Option<Client>>;
    fn insert_client(&self, client: &Client) -> Res<()>;
    fn update_client(&self, client: &Client) -> Res<()>;
    fn delete_client(&self, realm_id: &str, id: &str) -> Res<()>;

    // Roles.
    fn list_roles(&self, realm_id: &str) -> Res<Vec<Role>>;
    fn insert_role(&self, role: &Role) -> Res<()>;
    fn update_role(&self, role: &Role) -> Res<()>;
    fn delete_role(&self, realm_id: &str, role_id: &str) -> Res<()>;
    fn add_composites(&self, parent_id: &str, child_ids: &[String]) -> Res<()>;
    fn remove_composites(&self, parent_id: &str, child_ids: &[String]) -> Res<()>;
    fn list_user_role_ids(&self, user_id: &str) -> Res<Vec<String>>;
    fn grant_roles(&self, user_id: &str, role_ids: &[String]) -> Res<()>;
    fn revoke_roles(&self, user_id: &str, role_ids: &[String]) -> Res<()>;
    fn list_user_held_role_ids(&self, user_id: &str) -> Res<Vec<String>>;

    // Groups.
    fn list_groups(&self, realm_id: &str) -> Res<Vec<Group>>;
    fn insert_group(&self, group: &Group) -> Res<()>;
    fn update_group(&self, group: &Group) -> Res<()>;
    fn move_group(&self, realm_id: &str, group_id: &str, parent_id: Option<&str>) -> Res<bool>;
    fn delete_group(&self, realm_id: &str, group_id: &str) -> Res<()>;
    fn grant_group_roles(&self, group_id: &str, role_ids: &[String]) -> Res<()>;
    fn revoke_group_roles(&self, group_id: &str, role_ids: &[String]) -> Res<()>;
    fn list_user_group_ids(&self, user_id: &str) -> Res<Vec<String>>;
    fn join_group(&self, user_id: &str, group_id: &str) -> Res<()>;
    fn leave_group(&self, user_id: &str, group_id: &str) -> Res<()>;
    fn list_group_members(&self, realm_id: &str, group_id: &str, first: usize, max: usize)
        -> Res<Vec<User>>;
    fn list_default_group_ids(&self, realm_id: &str) -> Res<Vec<String>>;
    fn add_default_group(&self, realm_id: &str, group_id: &str) -> Res<()>;
    fn remove_default_group(&self, realm_id: &str, group_id: &str) -> Res<()>;

    // Client scopes.
    fn list_client_scopes(&self, realm_id: &str) -> Res<Vec<ClientScope>>;
    fn insert_client_scope(&self, scope: &ClientScope) -> Res<()>;
    fn update_client_scope(&self, scope: &ClientScope, clients: &[Client]) -> Res<()>;
    fn delete_client_scope(&self, realm_id: &str, scope_id: &str, clients: &[Client]) -> Res<()>;
    fn grant_client_scope_roles(&self, scope_id: &str, role_ids: &[String]) -> Res<()>;
    fn revoke_client_scope_roles(&self, scope_id: &str, role_ids: &[String]) -> Res<()>;
    fn list_realm_default_scopes(&self, realm_id: &str) -> Res<Vec<RealmDefaultScope>>;
    fn add_realm_default_scope(&self, realm_id: &str, entry: &RealmDefaultScope) -> Res<bool>;
    fn remove_realm_default_scope(&self, realm_id: &str, scope_id: &str) -> Res<bool>;
    fn list_client_scope_mappings(&self, realm_id: &str) -> Res<Vec<ClientScopeMapping>>;
    fn grant_client_scope_mappings(&self, client_uuid: &str, role_ids: &[String]) -> Res<()>;
    fn revoke_client_scope_mappings(&self, client_uuid: &str, role_ids: &[String]) -> Res<()>;

    // Users.
    fn list_users(&self, realm_id: &str) -> Res<Vec<User>>;
    fn search_users(&self, realm_id: &str, query: &UserQuery, first: usize, max: usize)
        -> Res<Vec<User>>;
    fn count_users_matching(&self, realm_id: &str, query: &UserQuery) -> Res<i64>;
    fn find_user_by_id(&self, realm_id: &str, id: &str) -> Res<Option<User>>;
    fn find_user_by_username(&self, realm_id: &str, username: &str) -> Res<Option<User>>;
    fn find_users_by_email(&self, realm_id: &str, email: &str) -> Res<Vec<User>>;
    fn list_users_with_role(&self, realm_id: &str, role_id: &str) -> Res<Vec<User>>;
    fn insert_user(&self, user: &User) -> Res<()>;
    fn insert_user_bundle(&self, bundle: &UserBundle) -> Res<()>;
    fn update_user(&self, user: &User) -> Res<()>;
    fn delete_user(&self, realm_id: &str, user_id: &str) -> Res<()>;
    fn find_password(&self, user_id: &str) -> Res<Option<PasswordCredential>>;
    fn set_password(&self, credential: &PasswordCredential) -> Res<()>;
    fn list_credentials(&self, user_id: &str) -> Res<Vec<Credential>>;
    fn set_credential_label(&self, user_id: &str, credential_id: &str, label: Option<&str>)
        -> Res<()>;
    fn delete_credential(&self, user_id: &str, credential_id: &str) -> Res<()>;
    fn move_credential(&self, user_id: &str, credential_id: &str, after: Option<&str>)
        -> Res<bool>;

    // Sessions.
    /// Runs the writes in one transaction, committed once; one result per write.
    /// `Err` only when the transaction as a whole failed.
    fn write_sessions(&self, writes: &[SessionWrite]) -> Res<Vec<Written>>;
    fn find_session(&self, id: &str) -> Res<Option<Session>>;
    fn find_session_context(&self, id: &str) -> Res<Option<SessionContext>>;
    fn delete_session(&self, id: &str) -> Res<u64>;
    fn delete_user_sessions(&self, user_id: &str) -> Res<u64>;
    fn delete_realm_sessions(&self, realm_id: &str) -> Res<u64>;
    /// Deletes the idle sessions (and the revoked tokens expired before
    /// `online_before`); the ids of the sessions deleted.
    fn delete_idle_sessions(&self, online_before: i64, offline_before: i64) -> Res<Vec<String>>;
    fn count_sessions(&self, realm_id: &str) -> Res<i64>;
    fn count_sessions_by_client(&self, realm_id: &str) -> Res<Vec<ClientSessionCount>>;
    fn list_user_sessions(&self, realm_id: &str, user_id: &str) -> Res<Vec<Session>>;
    fn list_client_sessions(&self, realm_id: &str, client_uuid: &str) -> Res<Vec<Session>>;
    fn list_user_offline_sessions(&self, realm_id: &str, user_id: &str) -> Res<Vec<Session>>;
    fn list_client_offline_sessions(&self, realm_id: &str, client_uuid: &str)
        -> Res<Vec<Session>>;

    // Brute force.
    fn find_login_failure(&self, realm_id: &str, user_id: &str) -> Res<Option<LoginFailure>>;
    fn upsert_login_failure(&self, failure: &LoginFailure) -> Res<()>;
    fn update_login_failure(&self, read: Option<&LoginFailure>, failure: &LoginFailure)
        -> Res<bool>;
    fn delete_login_failure(&self, realm_id: &str, user_id: &str) -> Res<()>;
    fn delete_realm_login_failures(&self, realm_id: &str) -> Res<u64>;

    // Revoked access tokens and the revocations pushed to gateways.
    fn insert_revoked_token(&self, jti: &str, expires_at: i64) -> Res<()>;
    fn is_token_revoked(&self, jti: &str) -> Res<bool>;
    fn insert_revocation(&self, realm_id: &str, revocation: &Revocation) -> Res<()>;
    fn list_revocations(&self, realm_id: &str, now: i64) -> Res<Vec<Revocation>>;
    fn delete_expired_revocations(&self, now: i64) -> Res<u64>;

    // Login and admin events (written through the session writer).
    fn query_events(&self, realm_id: &str, query: &EventQuery) -> Res<Vec<Event>>;
    fn query_admin_events(&self, realm_id: &str, query: &AdminEventQuery) -> Res<Vec<AdminEvent>>;
    fn delete_events(&self, realm_id: &str, before: Option<i64>) -> Res<u64>;
    fn delete_admin_events(&self, realm_id: &str, before: Option<i64>) -> Res<u64>;
}
