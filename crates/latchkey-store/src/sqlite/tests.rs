//! What the contract suite cannot see from outside: the connection settings, and how
//! damaged rows are reported.

use latchkey_core::realm::Realm;
use latchkey_core::store::StoreError;
use sqlx::SqlitePool;

use super::SqliteEngine;

async fn pragma(pool: &SqlitePool, name: &str) -> i64 {
    sqlx::query_scalar(&format!("PRAGMA {name}")).fetch_one(pool).await.unwrap()
}

async fn file_store() -> (SqliteEngine, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteEngine::open(&dir.path().join("nested/dir/latchkey.db")).await.unwrap();
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
    let store = SqliteEngine::open_in_memory().await.unwrap();
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
        groups: Vec::new(),
        default_group_ids: Vec::new(),
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

/// A database made before `0007_user_search.sql` is upgraded in place: existing users
/// get their search columns, and the service-account user stays hidden.
#[tokio::test]
async fn users_written_before_the_search_columns_are_found_after_the_upgrade() {
    use latchkey_core::store::{TextMatch, UserQuery};
    use sqlx::migrate::Migrator;
    use sqlx::sqlite::SqliteConnectOptions;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let options = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        let before: Vec<_> = super::MIGRATOR.iter().filter(|m| m.version < 7).cloned().collect();
        let old = Migrator { migrations: before.into(), ..Migrator::DEFAULT };
        old.run(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO realms (id, name, enabled, settings) VALUES ('r', 'old', 1, '{}')",
        )
        .execute(&pool)
        .await
        .unwrap();
        let zoe = latchkey_core::user::UserProfile {
            first_name: Some("Zoe".into()),
            last_name: Some("Quinn".into()),
            ..Default::default()
        };
        let service = latchkey_core::user::UserProfile {
            service_account_client_id: Some("c1".into()),
            ..Default::default()
        };
        for (id, username, profile) in [("u1", "zoe", zoe), ("u2", "service-account-app", service)]
        {
            let profile = serde_json::to_string(&profile).unwrap();
            sqlx::query(
                "INSERT INTO users (id, realm_id, username, enabled, created_timestamp, profile)
                 VALUES ($1, 'r', $2, 1, 0, $3)",
            )
            .bind(id)
            .bind(username)
            .bind(profile)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    }
    let store = SqliteEngine::open(&path).await.unwrap();
    let by_last =
        UserQuery { last_name: Some(TextMatch::Exact("quinn".into())), ..UserQuery::default() };
    let found = store.search_users("r", &by_last, 0, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].username, "zoe");
    assert_eq!(store.count_users_matching("r", &UserQuery::default()).await.unwrap(), 1);
}
