//! `Database`: the store the server uses, the same for every engine. It owns what the
//! engines must not each copy: the session cache (`session_cache.rs`), the group commit
//! of session writes (`batch.rs`) and the write-behind of refresh times, and forwards
//! everything else to the engine (`engine.rs`), which is plain SQL.
//!
//! Architecture invariant: every method that changes a row the session cache may hold
//! (a session, a user, a user's grants or groups, a role, a group's roles or place, a
//! client, a realm) changes or drops the cached copy after the engine has committed, in
//! this file and nowhere else.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::client::Client;
use latchkey_core::client_scope::{ClientScope, RealmDefaultScope};
use latchkey_core::event::{AdminEvent, AdminEventQuery, Event, EventQuery};
use latchkey_core::group::Group;
use latchkey_core::realm::Realm;
use latchkey_core::revocation::Revocation;
use latchkey_core::role::Role;
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::{
    ClientScopeMapping, ClientSessionCount, KeptFields, RealmBundle, RealmChanges, SessionContext,
    Store, StoreError, UserBundle, UserQuery,
};
use latchkey_core::token::keys::StoredKey;
use latchkey_core::user::{Credential, PasswordCredential, User};

use crate::batch::{SessionBatcher, SessionWrite};
use crate::engine::Engine;
use crate::feed::{ChangeFeed, FeedProgress};
use crate::postgres::{PostgresEngine, PostgresOptions, unlock_bootstrap};
use crate::session_cache::{SessionCache, TOUCH_WINDOW};
use crate::sqlite::SqliteEngine;
use crate::stats::{Counters, FeedStats, StoreStats};

type Res<T> = Result<T, StoreError>;

/// The database the server uses. Cheap to clone: the engine's pools, the session writer
/// and the cache inside are shared.
#[derive(Clone, Debug)]
pub struct Database {
    engine: Engine,
    /// Session inserts, updates and refresh times, committed in groups (`batch.rs`).
    sessions: SessionBatcher,
    /// Hot sessions and users in memory, refresh times written behind.
    cache: Arc<SessionCache>,
    /// On PostgreSQL: what this instance needs to share the database with others.
    cluster: Option<Arc<Cluster>>,
    /// Sessions created and ended, for the metrics.
    counters: Arc<Counters>,
}

/// One instance's part in a cluster on PostgreSQL.
struct Cluster {
    pool: sqlx::PgPool,
    /// LISTEN/NOTIFY wakes the change feed (else it only polls).
    notify: bool,
    /// This instance's name in the change feed (random, new at every start).
    origin: Arc<str>,
    /// The connection that holds the jobs lock, once this instance took it.
    jobs: tokio::sync::Mutex<Option<sqlx::PgConnection>>,
    /// How far this instance's change feed got.
    progress: Arc<FeedProgress>,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("notify", &self.notify)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Database {
    /// Opens (or creates) the embedded database file and applies the migrations.
    pub async fn open_sqlite(path: &Path) -> Res<Self> {
        Ok(Database::over(Engine::Sqlite(SqliteEngine::open(path).await?), None))
    }

    /// A private in-memory SQLite database, for tests.
    pub async fn open_sqlite_in_memory() -> Res<Self> {
        Ok(Database::over(Engine::Sqlite(SqliteEngine::open_in_memory().await?), None))
    }

    /// Connects to a PostgreSQL database and applies the migrations. Fails within the
    /// connect timeout, saying which step failed (address, sign-in, database), never
    /// with the password in the message.
    pub async fn open_postgres(options: &PostgresOptions) -> Res<Self> {
        let origin: Arc<str> = Arc::from(latchkey_core::random::uuid());
        let engine = PostgresEngine::open(options, &origin).await?;
        let cluster = Cluster {
            pool: engine.write.clone(),
            notify: options.is_notify(),
            origin,
            jobs: tokio::sync::Mutex::new(None),
            progress: Arc::default(),
        };
        Ok(Database::over(Engine::Postgres(engine), Some(Arc::new(cluster))))
    }

    /// The engine's name, for logs: `sqlite` or `postgres`.
    pub fn engine_name(&self) -> &'static str {
        match &self.engine {
            Engine::Sqlite(_) => "sqlite",
            Engine::Postgres(_) => "postgres",
        }
    }

    /// Waits until no other instance on this database is bootstrapping (creating realm
    /// `master`, importing realm files), and keeps them waiting until `release`: on
    /// PostgreSQL an advisory lock, so that instances started together on an empty
    /// database import a realm once. SQLite serves one process and needs none.
    pub async fn lock_bootstrap(&self) -> Res<BootstrapLock> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(BootstrapLock(None)),
            Engine::Postgres(engine) => Ok(BootstrapLock(Some(engine.lock_bootstrap().await?))),
        }
    }

    /// Starts the session writer and the task that writes refresh times behind.
    fn over(engine: Engine, cluster: Option<Arc<Cluster>>) -> Self {
        let sessions = SessionBatcher::start(engine.clone());
        let cache = Arc::new(SessionCache::new());
        tokio::spawn(write_touches_behind(Arc::downgrade(&cache), sessions.clone()));
        Database { engine, sessions, cache, cluster, counters: Arc::default() }
    }

    /// The change feed of other instances' writes (`feed.rs`), read from its current
    /// end; `None` on SQLite, where this process is the only writer.
    pub async fn follow_changes(&self) -> Res<Option<ChangeFeed>> {
        let Some(cluster) = &self.cluster else { return Ok(None) };
        let feed = ChangeFeed::start(
            cluster.pool.clone(),
            cluster.notify,
            Arc::clone(&cluster.origin),
            Arc::clone(&self.cache),
            self.sessions.clone(),
            Arc::clone(&cluster.progress),
        )
        .await?;
        Ok(Some(feed))
    }

    /// How long since this instance last read the change feed; `None` when it does not
    /// follow one (SQLite, or not started yet).
    pub fn feed_behind(&self) -> Option<std::time::Duration> {
        self.cluster.as_ref()?.progress.behind()
    }

    /// The store's figures now, for the metrics: counters since start, pool sizes, the
    /// write-behind queue and the change feed's progress. Reads atomics and the pools'
    /// sizes only.
    pub fn stats(&self) -> StoreStats {
        let (session_cache_hits, session_cache_misses, refresh_times_queued) = self.cache.stats();
        StoreStats {
            session_cache_hits,
            session_cache_misses,
            sessions_created: self.counters.sessions_created.load(Ordering::Relaxed),
            sessions_ended: self.counters.sessions_ended.load(Ordering::Relaxed),
            refresh_times_queued,
            database_failures: self.engine.failures(),
            pools: self.engine.pool_stats(),
            feed: self.cluster.as_ref().map(|cluster| FeedStats {
                last_applied: cluster.progress.applied(),
                behind: cluster.progress.behind(),
            }),
        }
    }

    /// Whether this instance runs the cluster-wide jobs (idle-session reaper, expired
    /// keys and revocations, feed pruning) now: on PostgreSQL, the instance that holds
    /// an advisory lock on a connection of its own, taken by the first to ask and
    /// released by PostgreSQL when that connection ends (the instance stopped or died),
    /// so another takes over at its next ask; on SQLite, always.
    pub async fn lead_jobs(&self) -> Res<bool> {
        let (Some(cluster), Engine::Postgres(engine)) = (&self.cluster, &self.engine) else {
            return Ok(true);
        };
        let mut held = cluster.jobs.lock().await;
        if let Some(connection) = held.as_mut() {
            match sqlx::query("SELECT 1").execute(&mut *connection).await {
                Ok(_) => return Ok(true),
                Err(error) => {
                    tracing::warn!(%error, "the jobs lock's connection is lost");
                    *held = None;
                }
            }
        }
        *held = engine.try_lock_jobs().await?;
        if held.is_some() {
            tracing::info!("this instance runs the cluster-wide jobs");
        }
        Ok(held.is_some())
    }

    /// Deletes the change feed's rows older than `retention` by the database's clock; the
    /// count deleted. Nothing to do on SQLite.
    pub async fn prune_changes(&self, retention: std::time::Duration) -> Res<u64> {
        match &self.engine {
            Engine::Postgres(engine) => engine.prune_feed(retention).await,
            Engine::Sqlite(_) => Ok(0),
        }
    }

    /// Drops the cached copy of a session, so that its next read is the database's.
    pub fn forget_session(&self, id: &str) {
        self.cache.remove_session(id);
    }

    /// Writes what waits in memory (refresh times) and waits for its commit.
    pub async fn flush(&self) -> Res<()> {
        flush_touches(&self.cache, &self.sessions).await
    }

    /// Writes what waits in memory, waits for the queries in flight and closes every
    /// connection (graceful shutdown).
    pub async fn close(&self) {
        if let Err(error) = self.flush().await {
            tracing::error!(%error, "refresh times not written at close");
        }
        self.engine.close().await;
    }

    /// A session read from the database, with the cached refresh time when newer.
    fn overlaid(&self, mut session: Session) -> Session {
        self.cache.overlay(&mut session);
        session
    }

    fn all_overlaid(&self, sessions: Res<Vec<Session>>) -> Res<Vec<Session>> {
        Ok(sessions?.into_iter().map(|session| self.overlaid(session)).collect())
    }
}

/// Held while an instance bootstraps (`Database::lock_bootstrap`). Dropped without
/// `release`, its connection closes and PostgreSQL releases the lock all the same.
#[derive(Debug)]
pub struct BootstrapLock(Option<sqlx::PgConnection>);

impl BootstrapLock {
    pub async fn release(self) -> Res<()> {
        match self.0 {
            Some(connection) => unlock_bootstrap(connection).await,
            None => Ok(()),
        }
    }
}

/// Every `TOUCH_WINDOW`, writes the refresh times recorded since the last time, in one
/// transaction. Ends when the store is dropped.
async fn write_touches_behind(cache: Weak<SessionCache>, sessions: SessionBatcher) {
    let mut interval = tokio::time::interval(TOUCH_WINDOW);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let Some(cache) = cache.upgrade() else { break };
        if let Err(error) = flush_touches(&cache, &sessions).await {
            tracing::error!(%error, "refresh times not written; retrying");
        }
    }
}

pub(crate) async fn flush_touches(cache: &SessionCache, sessions: &SessionBatcher) -> Res<()> {
    let touches = cache.take_touches();
    if touches.is_empty() {
        return Ok(());
    }
    match sessions.submit(SessionWrite::Touch(touches.clone())).await {
        Ok(_) => {
            cache.written(&touches);
            Ok(())
        }
        Err(error) => {
            cache.requeue(&touches);
            Err(error)
        }
    }
}

/// Login and admin events: written in the session writer's next batch, without
/// waiting for its commit (`SessionBatcher::enqueue`), read and deleted directly.
impl Database {
    /// Queues a login event; it is committed with the next batch of session writes.
    pub async fn record_event(&self, event: Event) -> Res<()> {
        self.sessions.enqueue(SessionWrite::Event(event)).await
    }

    /// Queues an admin event; it is committed with the next batch of session writes.
    pub async fn record_admin_event(&self, event: AdminEvent) -> Res<()> {
        self.sessions.enqueue(SessionWrite::AdminEvent(event)).await
    }

    /// Waits until every write queued before this call has committed (or failed).
    pub async fn flush_events(&self) -> Res<()> {
        self.sessions.submit(SessionWrite::Touch(Vec::new())).await.map(|_| ())
    }

    pub async fn query_events(&self, realm_id: &str, query: &EventQuery) -> Res<Vec<Event>> {
        self.engine.query_events(realm_id, query).await
    }

    pub async fn query_admin_events(
        &self,
        realm_id: &str,
        query: &AdminEventQuery,
    ) -> Res<Vec<AdminEvent>> {
        self.engine.query_admin_events(realm_id, query).await
    }

    /// Deletes the realm's login events older than `before` (every one with `None`).
    pub async fn delete_events(&self, realm_id: &str, before: Option<i64>) -> Res<u64> {
        self.engine.delete_events(realm_id, before).await
    }

    /// Deletes the realm's admin events older than `before` (every one with `None`).
    pub async fn delete_admin_events(&self, realm_id: &str, before: Option<i64>) -> Res<u64> {
        self.engine.delete_admin_events(realm_id, before).await
    }
}

impl Store for Database {
    async fn list_realms(&self) -> Res<Vec<Realm>> {
        self.engine.list_realms().await
    }

    async fn find_realm_by_name(&self, name: &str) -> Res<Option<Realm>> {
        self.engine.find_realm_by_name(name).await
    }

    async fn update_realm(&self, realm: &Realm) -> Res<()> {
        self.engine.update_realm(realm).await
    }

    /// Everything in the realm goes (foreign key cascade), cached users and sessions too.
    async fn delete_realm(&self, realm_id: &str) -> Res<()> {
        let deleted = self.engine.delete_realm(realm_id).await;
        self.cache.clear_users();
        self.cache.remove_sessions_where(|s| s.realm_id == realm_id);
        deleted
    }

    async fn import_realm(&self, bundle: &RealmBundle) -> Res<()> {
        self.engine.import_realm(bundle).await
    }

    /// Deleted users take their cached sessions with them; any change of roles, groups
    /// or clients may change what a cached user holds, so every cached user goes.
    async fn apply_realm_changes(&self, changes: &RealmChanges) -> Res<()> {
        let applied = self.engine.apply_realm_changes(changes).await;
        self.cache.clear_users();
        self.cache.remove_sessions_where(|s| changes.deleted_users.contains(&s.user_id));
        applied
    }

    async fn list_kept_fields(&self, realm_id: &str) -> Res<Vec<KeptFields>> {
        self.engine.list_kept_fields(realm_id).await
    }

    async fn list_keys(&self, realm_id: &str) -> Res<Vec<StoredKey>> {
        self.engine.list_keys(realm_id).await
    }

    async fn insert_key(&self, key: &StoredKey) -> Res<()> {
        self.engine.insert_key(key).await
    }

    async fn update_key(&self, key: &StoredKey) -> Res<()> {
        self.engine.update_key(key).await
    }

    async fn delete_key(&self, realm_id: &str, id: &str) -> Res<bool> {
        self.engine.delete_key(realm_id, id).await
    }

    async fn list_clients(&self, realm_id: &str) -> Res<Vec<Client>> {
        self.engine.list_clients(realm_id).await
    }

    async fn find_client_by_client_id(
        &self,
        realm_id: &str,
        client_id: &str,
    ) -> Res<Option<Client>> {
        self.engine.find_client_by_client_id(realm_id, client_id).await
    }

    async fn insert_client(&self, client: &Client) -> Res<()> {
        self.engine.insert_client(client).await
    }

    async fn update_client(&self, client: &Client) -> Res<()> {
        self.engine.update_client(client).await
    }

    async fn list_roles(&self, realm_id: &str) -> Res<Vec<Role>> {
        self.engine.list_roles(realm_id).await
    }

    async fn insert_role(&self, role: &Role) -> Res<()> {
        self.engine.insert_role(role).await
    }

    async fn list_user_role_ids(&self, user_id: &str) -> Res<Vec<String>> {
        self.engine.list_user_role_ids(user_id).await
    }

    async fn list_user_held_role_ids(&self, user_id: &str) -> Res<Vec<String>> {
        self.engine.list_user_held_role_ids(user_id).await
    }

    async fn grant_roles(&self, user_id: &str, role_ids: &[String]) -> Res<()> {
        let granted = self.engine.grant_roles(user_id, role_ids).await;
        self.cache.remove_user(user_id);
        granted
    }

    async fn list_users(&self, realm_id: &str) -> Res<Vec<User>> {
        self.engine.list_users(realm_id).await
    }

    async fn search_users(
        &self,
        realm_id: &str,
        query: &UserQuery,
        first: usize,
        max: usize,
    ) -> Res<Vec<User>> {
        self.engine.search_users(realm_id, query, first, max).await
    }

    async fn count_users_matching(&self, realm_id: &str, query: &UserQuery) -> Res<i64> {
        self.engine.count_users_matching(realm_id, query).await
    }

    async fn find_user_by_id(&self, realm_id: &str, id: &str) -> Res<Option<User>> {
        self.engine.find_user_by_id(realm_id, id).await
    }

    async fn find_user_by_username(&self, realm_id: &str, username: &str) -> Res<Option<User>> {
        self.engine.find_user_by_username(realm_id, username).await
    }

    async fn find_users_by_email(&self, realm_id: &str, email: &str) -> Res<Vec<User>> {
        self.engine.find_users_by_email(realm_id, email).await
    }

    async fn insert_user(&self, user: &User) -> Res<()> {
        self.engine.insert_user(user).await
    }

    async fn update_user(&self, user: &User) -> Res<()> {
        let updated = self.engine.update_user(user).await;
        self.cache.remove_user(&user.id);
        updated
    }

    async fn find_password(&self, user_id: &str) -> Res<Option<PasswordCredential>> {
        self.engine.find_password(user_id).await
    }

    async fn set_password(&self, credential: &PasswordCredential) -> Res<()> {
        self.engine.set_password(credential).await
    }

    /// Committed in a group with other session writes; not cached (sessions that are
    /// never refreshed cost no memory).
    async fn insert_session(&self, session: &Session) -> Res<()> {
        self.sessions.submit(SessionWrite::Insert(session.clone())).await?;
        Counters::add(&self.counters.sessions_created, 1);
        Ok(())
    }

    async fn find_session(&self, id: &str) -> Res<Option<Session>> {
        if let Some(session) = self.cache.session(id) {
            return Ok(Some(session));
        }
        Ok(self.engine.find_session(id).await?.map(|session| self.overlaid(session)))
    }

    /// From the session cache; on a miss, one read whose result fills the cache.
    async fn find_session_context(&self, id: &str) -> Res<Option<SessionContext>> {
        let ticket = match self.cache.context(id) {
            Ok(context) => return Ok(Some(context)),
            Err(ticket) => ticket,
        };
        let Some(context) = self.engine.find_session_context(id).await? else { return Ok(None) };
        Ok(Some(self.cache.fill(ticket, context)))
    }

    /// Committed in a group with other session writes. A session deleted meanwhile stays
    /// deleted.
    async fn update_session(&self, session: &Session) -> Res<()> {
        let epoch = self.cache.session_epoch(&session.id);
        let written = self.sessions.submit(SessionWrite::Update(session.clone())).await;
        self.cache.updated(epoch, session, matches!(written, Ok(1)));
        written.map(|_| ())
    }

    /// Committed in a group with other session writes. A refresh that lost the race
    /// drops the cached session, so that its next read finds the winner's write.
    async fn update_session_reuse(&self, session: &Session, read: &RefreshReuse) -> Res<bool> {
        let epoch = self.cache.session_epoch(&session.id);
        let write = SessionWrite::Refresh { session: session.clone(), read: read.clone() };
        let written = self.sessions.submit(write).await;
        self.cache.updated(epoch, session, matches!(written, Ok(1)));
        Ok(written? == 1)
    }

    /// In memory now, in the database within `TOUCH_WINDOW`; a session not in the cache
    /// is written through.
    async fn touch_session(&self, id: &str, last_refresh: i64) -> Res<()> {
        if self.cache.touch(id, last_refresh) {
            return Ok(());
        }
        let touch = SessionWrite::Touch(vec![(id.to_owned(), last_refresh)]);
        self.sessions.submit(touch).await?;
        Ok(())
    }

    async fn delete_session(&self, id: &str) -> Res<()> {
        let deleted = self.engine.delete_session(id).await;
        self.cache.remove_session(id);
        Counters::add(&self.counters.sessions_ended, deleted?);
        Ok(())
    }

    async fn delete_user_sessions(&self, user_id: &str) -> Res<()> {
        let deleted = self.engine.delete_user_sessions(user_id).await;
        self.cache.remove_sessions_where(|s| s.user_id == user_id);
        Counters::add(&self.counters.sessions_ended, deleted?);
        Ok(())
    }

    async fn count_sessions(&self, realm_id: &str) -> Res<i64> {
        self.engine.count_sessions(realm_id).await
    }

    /// The refresh times waiting in memory are written first, so that a session refreshed
    /// since the last flush is judged by its latest refresh.
    async fn delete_sessions_idle_since(
        &self,
        online_before: i64,
        offline_before: i64,
    ) -> Res<u64> {
        self.flush().await?;
        let removed = self.engine.delete_idle_sessions(online_before, offline_before).await?;
        for id in &removed {
            self.cache.remove_session(id);
        }
        Counters::add(&self.counters.sessions_ended, removed.len() as u64);
        Ok(removed.len() as u64)
    }

    async fn find_login_failure(&self, realm_id: &str, user_id: &str) -> Res<Option<LoginFailure>> {
        self.engine.find_login_failure(realm_id, user_id).await
    }

    async fn upsert_login_failure(&self, failure: &LoginFailure) -> Res<()> {
        self.engine.upsert_login_failure(failure).await
    }

    async fn update_login_failure(
        &self,
        read: Option<&LoginFailure>,
        failure: &LoginFailure,
    ) -> Res<bool> {
        self.engine.update_login_failure(read, failure).await
    }

    async fn delete_login_failure(&self, realm_id: &str, user_id: &str) -> Res<()> {
        self.engine.delete_login_failure(realm_id, user_id).await
    }

    async fn insert_revoked_token(&self, jti: &str, expires_at: i64) -> Res<()> {
        self.engine.insert_revoked_token(jti, expires_at).await
    }

    async fn is_token_revoked(&self, jti: &str) -> Res<bool> {
        self.engine.is_token_revoked(jti).await
    }

    async fn insert_revocation(&self, realm_id: &str, revocation: &Revocation) -> Res<()> {
        self.engine.insert_revocation(realm_id, revocation).await
    }

    async fn list_revocations(&self, realm_id: &str, now: i64) -> Res<Vec<Revocation>> {
        self.engine.list_revocations(realm_id, now).await
    }

    async fn delete_expired_revocations(&self, now: i64) -> Res<u64> {
        self.engine.delete_expired_revocations(now).await
    }

    async fn insert_user_bundle(&self, bundle: &UserBundle) -> Res<()> {
        self.engine.insert_user_bundle(bundle).await
    }

    /// The user's sessions, credential, grants and login failures go with it.
    async fn delete_user(&self, realm_id: &str, user_id: &str) -> Res<()> {
        let deleted = self.engine.delete_user(realm_id, user_id).await;
        self.cache.remove_user(user_id);
        self.cache.remove_sessions_where(|s| s.user_id == user_id);
        deleted
    }

    /// The client's roles go with it, and with them their grants, whoever holds them.
    async fn delete_client(&self, realm_id: &str, id: &str) -> Res<()> {
        let deleted = self.engine.delete_client(realm_id, id).await;
        self.cache.clear_users();
        deleted
    }

    async fn update_role(&self, role: &Role) -> Res<()> {
        self.engine.update_role(role).await
    }

    /// The role's grants go with it, whoever holds them.
    async fn delete_role(&self, realm_id: &str, role_id: &str) -> Res<()> {
        let deleted = self.engine.delete_role(realm_id, role_id).await;
        self.cache.clear_users();
        deleted
    }

    async fn revoke_roles(&self, user_id: &str, role_ids: &[String]) -> Res<()> {
        let revoked = self.engine.revoke_roles(user_id, role_ids).await;
        self.cache.remove_user(user_id);
        revoked
    }

    async fn add_composites(&self, parent_id: &str, child_ids: &[String]) -> Res<()> {
        self.engine.add_composites(parent_id, child_ids).await
    }

    async fn remove_composites(&self, parent_id: &str, child_ids: &[String]) -> Res<()> {
        self.engine.remove_composites(parent_id, child_ids).await
    }

    async fn list_groups(&self, realm_id: &str) -> Res<Vec<Group>> {
        self.engine.list_groups(realm_id).await
    }

    /// A new group has no members: nothing cached changes.
    async fn insert_group(&self, group: &Group) -> Res<()> {
        self.engine.insert_group(group).await
    }

    /// Name, description and attributes: not what the cache holds.
    async fn update_group(&self, group: &Group) -> Res<()> {
        self.engine.update_group(group).await
    }

    /// The roles the members of the group and of the groups below it hold change with the
    /// groups above them: every cached user goes (the coarse drop of `clear_users`; a
    /// group move is a rare admin change, and a dropped user costs one read at their next
    /// refresh).
    async fn move_group(
        &self,
        realm_id: &str,
        group_id: &str,
        parent_id: Option<&str>,
    ) -> Res<bool> {
        let moved = self.engine.move_group(realm_id, group_id, parent_id).await;
        self.cache.clear_users();
        moved
    }

    /// Members of the group and of the groups below lose their roles: every cached user
    /// goes, as for a move.
    async fn delete_group(&self, realm_id: &str, group_id: &str) -> Res<()> {
        let deleted = self.engine.delete_group(realm_id, group_id).await;
        self.cache.clear_users();
        deleted
    }

    /// The members of the group and of every group below it hold the roles: every cached
    /// user goes, as for a move.
    async fn grant_group_roles(&self, group_id: &str, role_ids: &[String]) -> Res<()> {
        let granted = self.engine.grant_group_roles(group_id, role_ids).await;
        self.cache.clear_users();
        granted
    }

    async fn revoke_group_roles(&self, group_id: &str, role_ids: &[String]) -> Res<()> {
        let revoked = self.engine.revoke_group_roles(group_id, role_ids).await;
        self.cache.clear_users();
        revoked
    }

    async fn list_user_group_ids(&self, user_id: &str) -> Res<Vec<String>> {
        self.engine.list_user_group_ids(user_id).await
    }

    async fn join_group(&self, user_id: &str, group_id: &str) -> Res<()> {
        let joined = self.engine.join_group(user_id, group_id).await;
        self.cache.remove_user(user_id);
        joined
    }

    async fn leave_group(&self, user_id: &str, group_id: &str) -> Res<()> {
        let left = self.engine.leave_group(user_id, group_id).await;
        self.cache.remove_user(user_id);
        left
    }

    async fn list_group_members(
        &self,
        realm_id: &str,
        group_id: &str,
        first: usize,
        max: usize,
    ) -> Res<Vec<User>> {
        self.engine.list_group_members(realm_id, group_id, first, max).await
    }

    async fn list_default_group_ids(&self, realm_id: &str) -> Res<Vec<String>> {
        self.engine.list_default_group_ids(realm_id).await
    }

    async fn add_default_group(&self, realm_id: &str, group_id: &str) -> Res<()> {
        self.engine.add_default_group(realm_id, group_id).await
    }

    async fn remove_default_group(&self, realm_id: &str, group_id: &str) -> Res<()> {
        self.engine.remove_default_group(realm_id, group_id).await
    }

    // Client scopes: the session cache holds none of them.

    async fn list_client_scopes(&self, realm_id: &str) -> Res<Vec<ClientScope>> {
        self.engine.list_client_scopes(realm_id).await
    }

    async fn insert_client_scope(&self, scope: &ClientScope) -> Res<()> {
        self.engine.insert_client_scope(scope).await
    }

    async fn update_client_scope(&self, scope: &ClientScope, clients: &[Client]) -> Res<()> {
        self.engine.update_client_scope(scope, clients).await
    }

    async fn delete_client_scope(
        &self,
        realm_id: &str,
        scope_id: &str,
        clients: &[Client],
    ) -> Res<()> {
        self.engine.delete_client_scope(realm_id, scope_id, clients).await
    }

    async fn grant_client_scope_roles(&self, scope_id: &str, role_ids: &[String]) -> Res<()> {
        self.engine.grant_client_scope_roles(scope_id, role_ids).await
    }

    async fn revoke_client_scope_roles(&self, scope_id: &str, role_ids: &[String]) -> Res<()> {
        self.engine.revoke_client_scope_roles(scope_id, role_ids).await
    }

    async fn list_realm_default_scopes(&self, realm_id: &str) -> Res<Vec<RealmDefaultScope>> {
        self.engine.list_realm_default_scopes(realm_id).await
    }

    async fn add_realm_default_scope(
        &self,
        realm_id: &str,
        entry: &RealmDefaultScope,
    ) -> Res<bool> {
        self.engine.add_realm_default_scope(realm_id, entry).await
    }

    async fn remove_realm_default_scope(&self, realm_id: &str, scope_id: &str) -> Res<bool> {
        self.engine.remove_realm_default_scope(realm_id, scope_id).await
    }

    async fn list_client_scope_mappings(&self, realm_id: &str) -> Res<Vec<ClientScopeMapping>> {
        self.engine.list_client_scope_mappings(realm_id).await
    }

    async fn grant_client_scope_mappings(&self, client_uuid: &str, role_ids: &[String]) -> Res<()> {
        self.engine.grant_client_scope_mappings(client_uuid, role_ids).await
    }

    async fn revoke_client_scope_mappings(
        &self,
        client_uuid: &str,
        role_ids: &[String],
    ) -> Res<()> {
        self.engine.revoke_client_scope_mappings(client_uuid, role_ids).await
    }

    async fn list_credentials(&self, user_id: &str) -> Res<Vec<Credential>> {
        self.engine.list_credentials(user_id).await
    }

    /// Credentials are not cached: a session outlives its password (as in Keycloak).
    async fn set_credential_label(
        &self,
        user_id: &str,
        credential_id: &str,
        label: Option<&str>,
    ) -> Res<()> {
        self.engine.set_credential_label(user_id, credential_id, label).await
    }

    async fn delete_credential(&self, user_id: &str, credential_id: &str) -> Res<()> {
        self.engine.delete_credential(user_id, credential_id).await
    }

    async fn move_credential(
        &self,
        user_id: &str,
        credential_id: &str,
        after: Option<&str>,
    ) -> Res<bool> {
        self.engine.move_credential(user_id, credential_id, after).await
    }

    async fn list_user_offline_sessions(&self, realm_id: &str, user_id: &str) -> Res<Vec<Session>> {
        self.all_overlaid(self.engine.list_user_offline_sessions(realm_id, user_id).await)
    }

    async fn list_client_offline_sessions(
        &self,
        realm_id: &str,
        client_uuid: &str,
    ) -> Res<Vec<Session>> {
        self.all_overlaid(self.engine.list_client_offline_sessions(realm_id, client_uuid).await)
    }

    async fn count_sessions_by_client(&self, realm_id: &str) -> Res<Vec<ClientSessionCount>> {
        self.engine.count_sessions_by_client(realm_id).await
    }

    async fn delete_realm_login_failures(&self, realm_id: &str) -> Res<u64> {
        self.engine.delete_realm_login_failures(realm_id).await
    }

    async fn list_users_with_role(&self, realm_id: &str, role_id: &str) -> Res<Vec<User>> {
        self.engine.list_users_with_role(realm_id, role_id).await
    }

    async fn list_user_sessions(&self, realm_id: &str, user_id: &str) -> Res<Vec<Session>> {
        self.all_overlaid(self.engine.list_user_sessions(realm_id, user_id).await)
    }

    async fn list_client_sessions(&self, realm_id: &str, client_uuid: &str) -> Res<Vec<Session>> {
        self.all_overlaid(self.engine.list_client_sessions(realm_id, client_uuid).await)
    }

    /// Online sessions only; offline ones stay, in the database and in the cache.
    async fn delete_realm_sessions(&self, realm_id: &str) -> Res<u64> {
        let deleted = self.engine.delete_realm_sessions(realm_id).await;
        self.cache.remove_sessions_where(|s| s.realm_id == realm_id && !s.offline);
        Counters::add(&self.counters.sessions_ended, *deleted.as_ref().unwrap_or(&0));
        deleted
    }
}

#[cfg(test)]
mod tests;
