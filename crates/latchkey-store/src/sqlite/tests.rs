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
        client_scopes: Vec::new(),
        default_client_scopes: Vec::new(),
        client_scope_mappings: Vec::new(),
        users: Vec::new(),
        kept: Vec::new(),
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

/// A database made before `0008_key_providers.sql` is upgraded in place: its RSA and HMAC
/// keys become the `rsa-generated` and `hmac-generated` components latchkey made them as,
/// with the same kid, secret, priority and state, and keep signing.
#[tokio::test]
async fn keys_written_before_the_key_providers_are_components_after_the_upgrade() {
    use latchkey_core::token::algorithm::Algorithm;
    use latchkey_core::token::keys::{KeySet, StoredKey};
    use sqlx::migrate::Migrator;
    use sqlx::sqlite::SqliteConnectOptions;

    let rsa = StoredKey::generate_rsa("r", 1_000).unwrap();
    let hmac = StoredKey::generate_hmac("r", Algorithm::HS512, 2_000);
    let old_hmac = StoredKey::generate_hmac("r", Algorithm::HS256, 3_000);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let options = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        let before: Vec<_> = super::MIGRATOR.iter().filter(|m| m.version < 8).cloned().collect();
        let old = Migrator { migrations: before.into(), ..Migrator::DEFAULT };
        old.run(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO realms (id, name, enabled, settings) VALUES ('r', 'old', 1, '{}')",
        )
        .execute(&pool)
        .await
        .unwrap();
        for (key, kind, priority, enabled) in
            [(&rsa, "rsa", 100, true), (&hmac, "hmac", 100, true), (&old_hmac, "hmac", 5, false)]
        {
            sqlx::query(
                "INSERT INTO realm_keys (kid, realm_id, kind, algorithm, secret, priority, enabled, created_at)
                 VALUES ($1, 'r', $2, $3, $4, $5, $6, $7)",
            )
            .bind(&key.kid)
            .bind(kind)
            .bind(key.algorithm.as_str())
            .bind(&key.secret)
            .bind(priority)
            .bind(enabled)
            .bind(key.created_at)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
    }
    let store = SqliteEngine::open(&path).await.unwrap();
    let keys = store.list_keys("r").await.unwrap();
    let shown: Vec<(&str, &str, &str, Algorithm, i64, bool, bool)> = keys
        .iter()
        .map(|k| {
            (
                k.id.as_str(),
                k.name.as_str(),
                k.provider_id.as_str(),
                k.algorithm,
                k.priority,
                k.enabled,
                k.active,
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                hmac.kid.as_str(),
                "hmac-generated-hs512",
                "hmac-generated",
                Algorithm::HS512,
                100,
                true,
                true
            ),
            (rsa.kid.as_str(), "rsa-generated", "rsa-generated", Algorithm::RS256, 100, true, true),
            (
                old_hmac.kid.as_str(),
                "hmac-generated",
                "hmac-generated",
                Algorithm::HS256,
                5,
                false,
                true
            ),
        ]
    );
    assert_eq!(keys[1].secret, rsa.secret);
    assert_eq!(keys[0].config["algorithm"], ["HS512"]);
    assert_eq!(keys[1].config["priority"], ["100"]);
    let set = KeySet::from_stored(keys, "old").unwrap();
    assert_eq!(set.active_rsa().unwrap().kid, rsa.kid);
    assert_eq!(set.active_hmac().unwrap().kid, hmac.kid);
    // The new kinds are allowed now.
    let ec =
        StoredKey::generate("r", "ec", "ecdsa-generated", Algorithm::ES256, 0, 1, 4_000).unwrap();
    store.insert_key(&ec).await.unwrap();
}

/// A transaction SQLite ended by itself does not stop later writes. When the disk is
/// full, SQLite fails the `COMMIT` with `SQLITE_FULL` and rolls the transaction back on
/// its own; sqlx's `ROLLBACK` then fails and sqlx goes on counting the transaction open.
/// Before `is_out_of_transaction`, every later `BEGIN IMMEDIATE` on the writer failed
/// until a restart (`scripts/soak.py`'s full-disk fault: every login and admin write
/// answered 500 after the disk had room again). The test ends the transaction behind
/// sqlx's back as SQLite does, then writes.
#[tokio::test]
async fn a_transaction_sqlite_rolled_back_by_itself_does_not_stop_later_writes() {
    let (store, _dir) = file_store().await;
    sqlx::query("CREATE TABLE t (x INTEGER)").execute(&store.write).await.unwrap();
    for _ in 0..3 {
        let mut tx = store.begin_write().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)").execute(&mut *tx).await.unwrap();
        sqlx::query("ROLLBACK").execute(&mut *tx).await.unwrap();
        // As the store's code does with a transaction whose commit failed.
        drop(tx);
    }
    let mut tx = store.begin_write().await.unwrap();
    sqlx::query("INSERT INTO t VALUES (2)").execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let rows: Vec<i64> =
        sqlx::query_scalar("SELECT x FROM t").fetch_all(&store.read).await.unwrap();
    assert_eq!(rows, [2]);
}

/// A database made before `0012_client_scopes.sql` is upgraded in place: every realm in
/// it gets the built-in client scopes, mappers and realm defaults a new realm gets.
#[tokio::test]
async fn realms_made_before_client_scopes_get_the_built_in_ones() {
    use sqlx::migrate::Migrator;
    use sqlx::sqlite::SqliteConnectOptions;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let options = SqliteConnectOptions::new().filename(&path).create_if_missing(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        let before: Vec<_> = super::MIGRATOR.iter().filter(|m| m.version < 12).cloned().collect();
        let old = Migrator { migrations: before.into(), ..Migrator::DEFAULT };
        old.run(&pool).await.unwrap();
        sqlx::query(
            "INSERT INTO realms (id, name, enabled, settings)
             VALUES ('r1', 'one', 1, '{}'), ('r2', 'two', 1, '{}')",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let store = SqliteEngine::open(&path).await.unwrap();
    for realm_id in ["r1", "r2"] {
        crate::sql::scopes::assert_seeded_like_a_new_realm(&store, realm_id).await;
    }
}
