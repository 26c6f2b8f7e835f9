//! The caching layer's promises that the contract suite cannot see from outside: what
//! the database itself holds while refresh times wait in memory, and after a close.

use latchkey_core::realm::Realm;
use latchkey_core::store::Store;

use super::Database;
use crate::PostgresOptions;
use crate::session_cache::TOUCH_WINDOW;

/// Where a database of each engine lives, so that it can be opened again.
enum At {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl At {
    async fn open(&self) -> Database {
        match self {
            At::Sqlite(dir) => Database::open_sqlite(&dir.path().join("latchkey.db")).await,
            At::Postgres(url) => {
                Database::open_postgres(&PostgresOptions::from_url(url).unwrap()).await
            }
        }
        .unwrap()
    }
}

/// A fresh database of each engine.
async fn every_engine() -> [At; 2] {
    let postgres = latchkey_testkit::postgres::fresh_database().await.url;
    [At::Sqlite(tempfile::tempdir().unwrap()), At::Postgres(postgres)]
}

fn bundle(name: &str) -> latchkey_core::store::RealmBundle {
    latchkey_core::store::RealmBundle {
        realm: Realm::new(format!("id-{name}"), name.to_owned()),
        keys: Vec::new(),
        clients: Vec::new(),
        roles: Vec::new(),
        groups: Vec::new(),
        default_group_ids: Vec::new(),
        client_scopes: Vec::new(),
        default_client_scopes: Vec::new(),
        client_scope_mappings: Vec::new(),
        users: Vec::new(),
        kept: Vec::new(),
    }
}

/// A realm with one user and one session of theirs, refreshed last at 100.
async fn store_with_session(store: &Database) {
    use latchkey_core::session::{RefreshReuse, Session};
    use latchkey_core::store::UserBundle;
    use latchkey_core::user::{User, UserProfile};
    let mut realm = bundle("demo");
    let user = User {
        id: "u1".into(),
        realm_id: realm.realm.id.clone(),
        username: "alice".into(),
        enabled: true,
        created_timestamp: 0,
        profile: UserProfile::default(),
    };
    realm.users.push(UserBundle::new(user, None, Vec::new()));
    store.import_realm(&realm).await.unwrap();
    let session = Session {
        id: "s1".into(),
        realm_id: realm.realm.id.clone(),
        user_id: "u1".into(),
        client_uuid: "c1".into(),
        started: 100,
        last_refresh: 100,
        scope: String::new(),
        offline: false,
        reuse: RefreshReuse::default(),
        ip_address: String::new(),
    };
    store.insert_session(&session).await.unwrap();
    // Read as a refresh reads it, so that the session is cached and touches wait in memory.
    assert!(store.find_session_context("s1").await.unwrap().is_some());
}

/// What another process (or this one after a crash) finds in the database: the engine's
/// read, under the cache.
async fn last_refresh_in_file(store: &Database) -> i64 {
    store.engine.find_session("s1").await.unwrap().unwrap().last_refresh
}

#[tokio::test]
async fn refresh_times_wait_in_memory_for_at_most_the_window() {
    for at in every_engine().await {
        let store = at.open().await;
        store_with_session(&store).await;
        store.touch_session("s1", 200).await.unwrap();
        assert_eq!(store.find_session("s1").await.unwrap().unwrap().last_refresh, 200);
        // Bounded wait for the background flush; no timing is asserted beyond "it lands".
        let deadline = std::time::Instant::now() + TOUCH_WINDOW * 50;
        while last_refresh_in_file(&store).await != 200 {
            assert!(std::time::Instant::now() < deadline, "the refresh time was never written");
            tokio::time::sleep(TOUCH_WINDOW / 4).await;
        }
        store.close().await;
    }
}

#[tokio::test]
async fn closing_the_store_writes_the_refresh_times_in_memory() {
    for at in every_engine().await {
        let store = at.open().await;
        store_with_session(&store).await;
        store.touch_session("s1", 300).await.unwrap();
        store.close().await;
        let reopened = at.open().await;
        assert_eq!(last_refresh_in_file(&reopened).await, 300);
        reopened.close().await;
    }
}
