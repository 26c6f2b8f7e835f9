//! The change feed between two `Database`s on one PostgreSQL database, as two instances
//! see it: what one commits reaches the other's caches, its own writes are skipped, a
//! number that never commits ends in a reload, and one instance at a time runs the jobs.

use std::time::{Duration, Instant};

use latchkey_core::realm::Realm;
use latchkey_core::revocation::Revocation;
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::{RealmBundle, Store, UserBundle};
use latchkey_core::user::{User, UserProfile};
use sqlx::Connection;

use super::{Change, ChangeFeed};
use crate::{Database, PostgresOptions};

/// Two instances on one fresh database, and the URL (for a connection of the test's own).
async fn two_instances(notify: bool) -> (Database, Database, String) {
    let url = latchkey_testkit::postgres::fresh_database().await.url;
    let options = PostgresOptions::from_url(&url).unwrap().notify(notify);
    let a = Database::open_postgres(&options).await.unwrap();
    let b = Database::open_postgres(&options).await.unwrap();
    (a, b, url)
}

/// Realm `demo` with user `u1` and their session `s1`, written through `store`.
async fn realm_with_session(store: &Database) {
    let mut realm = RealmBundle {
        realm: Realm::new("id-demo".into(), "demo".into()),
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
    };
    let user = User {
        id: "u1".into(),
        realm_id: "id-demo".into(),
        username: "alice".into(),
        enabled: true,
        created_timestamp: 0,
        profile: UserProfile::default(),
    };
    realm.users.push(UserBundle::new(user, None, Vec::new()));
    store.import_realm(&realm).await.unwrap();
    store
        .insert_session(&Session {
            id: "s1".into(),
            realm_id: "id-demo".into(),
            user_id: "u1".into(),
            client_uuid: "c1".into(),
            started: 100,
            last_refresh: 100,
            scope: String::new(),
            offline: false,
            reuse: RefreshReuse::default(),
            ip_address: String::new(),
        })
        .await
        .unwrap();
}

/// Reads the feed until `wanted` is among the changes returned, within 5 s (a bound on
/// a hung test, not a timing assertion); every change seen on the way.
async fn read_until(feed: &mut ChangeFeed, wanted: impl Fn(&Change) -> bool) -> Vec<Change> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    while !seen.iter().any(&wanted) {
        assert!(Instant::now() < deadline, "never came; saw {seen:?}");
        seen.extend(feed.next().await);
    }
    seen
}

/// Reads the feed until the store's cache no longer has `condition`, within 5 s.
async fn read_while(feed: &mut ChangeFeed, mut condition: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while condition().await {
        assert!(Instant::now() < deadline, "the change never reached this instance");
        feed.next().await;
    }
}

#[tokio::test]
async fn a_session_ended_and_a_user_disabled_on_one_instance_leave_the_others_cache() {
    for notify in [true, false] {
        let (a, b, _) = two_instances(notify).await;
        realm_with_session(&a).await;
        let mut feed = b.follow_changes().await.unwrap().unwrap();
        // B reads the session as a refresh does: now it is in B's memory.
        assert!(b.find_session_context("s1").await.unwrap().is_some());
        let mut user = a.find_user_by_id("id-demo", "u1").await.unwrap().unwrap();
        user.enabled = false;
        a.update_user(&user).await.unwrap();
        read_while(&mut feed, async || {
            let context = b.find_session_context("s1").await.unwrap().unwrap();
            context.user.is_some_and(|user| user.enabled)
        })
        .await;
        a.delete_session("s1").await.unwrap();
        read_while(&mut feed, async || b.find_session_context("s1").await.unwrap().is_some()).await;
    }
}

#[tokio::test]
async fn realm_key_and_revocation_changes_reach_the_server_and_own_writes_do_not() {
    let (a, b, _) = two_instances(true).await;
    realm_with_session(&a).await;
    let mut feed_b = b.follow_changes().await.unwrap().unwrap();
    let mut feed_a = a.follow_changes().await.unwrap().unwrap();
    let mut realm = a.find_realm_by_name("demo").await.unwrap().unwrap();
    realm.enabled = false;
    a.update_realm(&realm).await.unwrap();
    read_until(&mut feed_b, |c| *c == Change::Realm { realm_id: "id-demo".into() }).await;
    let revocation = Revocation::Session { sid: "s1".into(), expires: i64::MAX / 2 };
    a.insert_revocation("id-demo", &revocation).await.unwrap();
    read_until(&mut feed_b, |c| {
        *c == Change::Revocation { realm_name: "demo".into(), revocation: revocation.clone() }
    })
    .await;
    // A's feed, started before A's writes, returns none of them: its first changes are
    // the reload every feed makes once after its start.
    let seen_by_a = read_until(&mut feed_a, |_| true).await;
    assert_eq!(seen_by_a, [Change::Reload], "A saw its own writes");
}

/// A client scope, its mappers and scope mappings and the realm's default scopes shape
/// the claims each instance compiles into its realm snapshot: each change reaches the
/// others as a change of the realm (`0015_change_feed_client_scopes.sql`).
#[tokio::test]
async fn client_scope_changes_reach_the_other_instance_as_realm_changes() {
    use latchkey_core::client::ProtocolMapper;
    use latchkey_core::client_scope::{ClientScope, RealmDefaultScope, ScopeKind};

    let (a, b, _) = two_instances(true).await;
    realm_with_session(&a).await;
    let mut feed = b.follow_changes().await.unwrap().unwrap();
    let realm_changed = |c: &Change| *c == Change::Realm { realm_id: "id-demo".into() };
    let mut scope = ClientScope {
        id: "sc1".into(),
        realm_id: "id-demo".into(),
        name: "operator-api".into(),
        description: None,
        protocol: "openid-connect".into(),
        attributes: Default::default(),
        protocol_mappers: Vec::new(),
        role_ids: Vec::new(),
    };
    a.insert_client_scope(&scope).await.unwrap();
    read_until(&mut feed, realm_changed).await;
    scope.protocol_mappers.push(ProtocolMapper {
        id: Some("m1".into()),
        name: "audience".into(),
        protocol: "openid-connect".into(),
        protocol_mapper: "oidc-audience-mapper".into(),
        config: [("included.custom.audience".to_owned(), "opentv-api".to_owned())].into(),
    });
    a.update_client_scope(&scope, &[]).await.unwrap();
    read_until(&mut feed, realm_changed).await;
    let entry = RealmDefaultScope { scope_id: "sc1".into(), kind: ScopeKind::Optional };
    assert!(a.add_realm_default_scope("id-demo", &entry).await.unwrap());
    read_until(&mut feed, realm_changed).await;
    a.delete_client_scope("id-demo", "sc1", &[]).await.unwrap();
    read_until(&mut feed, realm_changed).await;
}

#[tokio::test]
async fn a_number_that_never_commits_is_a_gap_given_up_with_a_reload() {
    let (a, b, url) = two_instances(false).await;
    realm_with_session(&a).await;
    let mut feed = b.follow_changes().await.unwrap().unwrap();
    // The start-up reload first, out of the way.
    read_until(&mut feed, |c| *c == Change::Reload).await;
    // A transaction takes a number and rolls back, while a later number commits.
    let mut other = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut tx = other.begin().await.unwrap();
    sqlx::query("INSERT INTO change_feed (origin, kind) VALUES ('test', 'users')")
        .execute(&mut *tx)
        .await
        .unwrap();
    let mut realm = a.find_realm_by_name("demo").await.unwrap().unwrap();
    realm.enabled = false;
    a.update_realm(&realm).await.unwrap();
    let seen = read_until(&mut feed, |c| *c == Change::Realm { realm_id: "id-demo".into() }).await;
    assert!(!seen.contains(&Change::Reload), "reloaded before the gap was given up: {seen:?}");
    tx.rollback().await.unwrap();
    let started = Instant::now();
    read_until(&mut feed, |c| *c == Change::Reload).await;
    assert!(started.elapsed() >= super::GAP_WAIT / 2, "the gap was not waited for");
}

#[tokio::test]
async fn a_gap_that_commits_late_is_read() {
    let (a, b, url) = two_instances(true).await;
    realm_with_session(&a).await;
    assert!(b.find_session_context("s1").await.unwrap().is_some());
    let mut feed = b.follow_changes().await.unwrap().unwrap();
    // A session delete takes a number and commits after a later one.
    let mut other = sqlx::PgConnection::connect(&url).await.unwrap();
    let mut tx = other.begin().await.unwrap();
    sqlx::query("DELETE FROM sessions WHERE id = 's1'").execute(&mut *tx).await.unwrap();
    let mut realm = a.find_realm_by_name("demo").await.unwrap().unwrap();
    realm.enabled = false;
    a.update_realm(&realm).await.unwrap();
    read_until(&mut feed, |c| *c == Change::Realm { realm_id: "id-demo".into() }).await;
    assert!(b.find_session_context("s1").await.unwrap().is_some());
    tx.commit().await.unwrap();
    read_while(&mut feed, async || b.find_session_context("s1").await.unwrap().is_some()).await;
}

#[tokio::test]
async fn one_instance_runs_the_jobs_and_another_takes_over_when_it_stops() {
    let (a, b, _) = two_instances(true).await;
    assert!(a.lead_jobs().await.unwrap());
    assert!(a.lead_jobs().await.unwrap(), "the leader keeps the lock");
    assert!(!b.lead_jobs().await.unwrap());
    a.close().await;
    drop(a);
    // The lock's connection ends with the instance; PostgreSQL releases it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !b.lead_jobs().await.unwrap() {
        assert!(Instant::now() < deadline, "no instance took over the jobs");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
