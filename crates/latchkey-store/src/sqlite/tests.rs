//! What the contract suite cannot see from outside: the connection settings, and how
//! damaged rows are reported.

use latchkey_core::realm::Realm;
use latchkey_core::store::StoreError;
use sqlx::SqlitePool;

use super::SqliteStore;

async fn pragma(pool: &SqlitePool, name: &str) -> i64 {
    sqlx::query_scalar(&format!("PRAGMA {name}")).fetch_one(pool).await.unwrap()
}

async fn file_store() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("nested/dir/latchkey.db")).await.unwrap();
    (store, dir)
}

#[tokio::test]
async fn the_writer_is_durable_and_every_connection_enforces_foreign_keys() {
    let (store, _dir) = file_store().await;
    let journal_mode: String =
        sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&store.write).await.unwrap();
    assert_eq!(journal_mode, "wal");
    // 2 = FULL: the WAL is fsynced at every commit.
    assert_eq!(pragma(&store.write, "synchronous").await, 2);
    for pool in [&store.write, &store.read] {
        assert_eq!(pragma(pool, "foreign_keys").await, 1);
        assert_eq!(pragma(pool, "busy_timeout").await, 5000);
    }
    assert_eq!(store.write.options().get_max_connections(), 1);
}

#[tokio::test]
async fn readers_cannot_write() {
    let (store, _dir) = file_store().await;
    let error = sqlx::query("DELETE FROM realms").execute(&store.read).await.unwrap_err();
    assert!(error.to_string().contains("readonly"), "{error}");
}

#[tokio::test]
async fn the_in_memory_database_is_one_database() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    assert_eq!(pragma(&store.write, "foreign_keys").await, 1);
    store.import_realm(&bundle("memory")).await.unwrap();
    assert!(store.find_realm_by_name("memory").await.unwrap().is_some());
}

fn bundle(name: &str) -> latchkey_core::store::RealmBundle {
    latchkey_core::store::RealmBundle {
        realm: Realm::new(format!("id-{name}"), name.to_owned()),
        keys: Vec::new(),
        clients: Vec::new(),
        roles: Vec::new(),
        users: Vec::new(),
    }
}

#[tokio::test]
async fn unparseable_settings_are_corrupt_not_a_crash() {
    let (store, _dir) = file_store().await;
    store.import_realm(&bundle("demo")).await.unwrap();
    sqlx::query("UPDATE realms SET settings = '{not json'").execute(&store.write).await.unwrap();
    let error = store.find_realm_by_name("demo").await.unwrap_err();
    assert!(matches!(error, StoreError::Corrupt(_)), "{error:?}");
}

#[tokio::test]
async fn a_column_of_the_wrong_type_is_corrupt() {
    let (store, _dir) = file_store().await;
    store.import_realm(&bundle("demo")).await.unwrap();
    sqlx::query("UPDATE realms SET enabled = 'maybe'").execute(&store.write).await.unwrap();
    let error = store.list_realms().await.unwrap_err();
    assert!(matches!(error, StoreError::Corrupt(_)), "{error:?}");
}
