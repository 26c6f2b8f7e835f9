//! The storage contract: one behaviour suite, written against `Store`, run for every
//! backend (SQLite today; PostgreSQL joins by adding a constructor to `backends()`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::representation::{RealmRepresentation, import_realm};
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::{RealmBundle, Store, StoreError};
use latchkey_core::time::UnixMillis;
use latchkey_store::Database;

const NOW: UnixMillis = UnixMillis(1_760_000_000_000);

fn bundle(name: &str) -> RealmBundle {
    let rep: RealmRepresentation = serde_json::from_value(serde_json::json!({
        "realm": name,
        "roles": {"realm": [{"name": "operatorRole"}, {"name": "all", "composites": {"realm": ["operatorRole"]}}]},
        "clients": [{"clientId": "app", "publicClient": true, "directAccessGrantsEnabled": true}],
        "users": [{"username": "Alice", "email": "Alice@Example.com",
                   "credentials": [{"type": "password", "value": "pw"}], "realmRoles": ["all"]}]
    }))
    .unwrap();
    import_realm(rep, NOW).unwrap()
}

fn session(bundle: &RealmBundle, id: &str) -> Session {
    let client = bundle.clients.iter().find(|c| c.client_id == "app").unwrap();
    Session {
        id: id.to_owned(),
        realm_id: bundle.realm.id.clone(),
        user_id: bundle.users[0].user.id.clone(),
        client_uuid: client.id.clone(),
        started: 1000,
        last_refresh: 1000,
        scope: "profile email".into(),
        reuse: RefreshReuse::default(),
    }
}

async fn sqlite_file() -> (Database, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Database::open_sqlite(&dir.path().join("latchkey.db")).await.unwrap(), dir)
}

#[tokio::test]
async fn import_reads_back_every_entity() {
    let (store, _dir) = sqlite_file().await;
    let realm = bundle("demo");
    store.import_realm(&realm).await.unwrap();
    let found = store.find_realm_by_name("demo").await.unwrap().unwrap();
    assert_eq!(found, realm.realm);
    assert_eq!(store.list_keys(&found.id).await.unwrap().len(), realm.keys.len());
    let clients = store.list_clients(&found.id).await.unwrap();
    assert_eq!(clients.len(), realm.clients.len());
    let app = store.find_client_by_client_id(&found.id, "app").await.unwrap().unwrap();
    assert!(app.settings.direct_access_grants_enabled);
    let roles = store.list_roles(&found.id).await.unwrap();
    let all = roles.iter().find(|r| r.name == "all").unwrap();
    let operator = roles.iter().find(|r| r.name == "operatorRole").unwrap();
    assert_eq!(all.composites, vec![operator.id.clone()]);
    let alice = store.find_user_by_username(&found.id, "alice").await.unwrap().unwrap();
    assert_eq!(store.find_users_by_email(&found.id, "alice@example.COM").await.unwrap().len(), 1);
    assert_eq!(store.list_user_role_ids(&alice.id).await.unwrap(), vec![all.id.clone()]);
    assert!(store.find_password(&alice.id).await.unwrap().unwrap().hash.verify("pw"));
}

#[tokio::test]
async fn a_second_realm_of_the_same_name_is_a_conflict_and_writes_nothing() {
    let (store, _dir) = sqlite_file().await;
    store.import_realm(&bundle("demo")).await.unwrap();
    let error = store.import_realm(&bundle("demo")).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");
    assert_eq!(store.list_realms().await.unwrap().len(), 1);
}

#[tokio::test]
async fn sessions_live_update_and_die() {
    let (store, _dir) = sqlite_file().await;
    let realm = bundle("demo");
    store.import_realm(&realm).await.unwrap();
    let mut first = session(&realm, "s1");
    store.insert_session(&first).await.unwrap();
    store.insert_session(&session(&realm, "s2")).await.unwrap();
    first.last_refresh = 2000;
    first.client_uuid = String::new();
    first.reuse =
        RefreshReuse { current_token_id: Some("t".into()), use_count: 2, last_refresh: 2000 };
    store.update_session(&first).await.unwrap();
    assert_eq!(store.find_session("s1").await.unwrap().unwrap(), first);
    assert_eq!(store.count_sessions(&realm.realm.id).await.unwrap(), 2);
    assert_eq!(store.delete_sessions_idle_since(1500).await.unwrap(), 1);
    assert!(store.find_session("s2").await.unwrap().is_none());
    store.delete_user_sessions(&realm.users[0].user.id).await.unwrap();
    assert_eq!(store.count_sessions(&realm.realm.id).await.unwrap(), 0);
}

#[tokio::test]
async fn login_failures_and_revoked_tokens() {
    let (store, _dir) = sqlite_file().await;
    let realm = bundle("demo");
    store.import_realm(&realm).await.unwrap();
    let failure = LoginFailure {
        realm_id: realm.realm.id.clone(),
        user_id: realm.users[0].user.id.clone(),
        num_failures: 3,
        num_temporary_lockouts: 1,
        last_failure: 5,
        last_ip_failure: Some("127.0.0.1".into()),
        failed_login_not_before: 99,
    };
    store.upsert_login_failure(&failure).await.unwrap();
    store.upsert_login_failure(&LoginFailure { num_failures: 4, ..failure.clone() }).await.unwrap();
    let found =
        store.find_login_failure(&failure.realm_id, &failure.user_id).await.unwrap().unwrap();
    assert_eq!(found.num_failures, 4);
    store.delete_login_failure(&failure.realm_id, &failure.user_id).await.unwrap();
    assert!(store.find_login_failure(&failure.realm_id, &failure.user_id).await.unwrap().is_none());
    store.insert_revoked_token("jti-1", 100).await.unwrap();
    assert!(store.is_token_revoked("jti-1").await.unwrap());
    assert!(!store.is_token_revoked("jti-2").await.unwrap());
}

#[tokio::test]
async fn deleting_a_realm_removes_everything_in_it() {
    let (store, _dir) = sqlite_file().await;
    let realm = bundle("demo");
    store.import_realm(&realm).await.unwrap();
    store.insert_session(&session(&realm, "s1")).await.unwrap();
    store.delete_realm(&realm.realm.id).await.unwrap();
    assert!(store.find_realm_by_name("demo").await.unwrap().is_none());
    assert!(store.find_session("s1").await.unwrap().is_none());
    assert!(
        store.find_user_by_id(&realm.realm.id, &realm.users[0].user.id).await.unwrap().is_none()
    );
}

#[tokio::test]
async fn committed_data_survives_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latchkey.db");
    let realm = bundle("demo");
    {
        let store = Database::open_sqlite(&path).await.unwrap();
        store.import_realm(&realm).await.unwrap();
        store.insert_session(&session(&realm, "s1")).await.unwrap();
    }
    let store = Database::open_sqlite(&path).await.unwrap();
    assert!(store.find_session("s1").await.unwrap().is_some());
    assert!(store.find_realm_by_name("demo").await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_never_see_busy_errors() {
    let (store, _dir) = sqlite_file().await;
    let realm = bundle("demo");
    store.import_realm(&realm).await.unwrap();
    let mut tasks = Vec::new();
    for task in 0..16 {
        let store = store.clone();
        let realm = realm.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..125 {
                let mut s = session(&realm, &format!("s-{task}-{n}"));
                store.insert_session(&s).await.unwrap();
                s.last_refresh += 1;
                store.update_session(&s).await.unwrap();
                assert!(store.find_session(&s.id).await.unwrap().is_some());
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.count_sessions(&realm.realm.id).await.unwrap(), 2000);
}
