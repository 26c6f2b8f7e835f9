//! The contract for the rows that change on every request: sessions, login failures,
//! revoked tokens; and what deleting a realm takes with it.

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::{ClientSessionCount, Store, StoreError};
use latchkey_store::Database;

use super::fixtures::{self, bundle, session};

pub(crate) async fn sessions_live_update_and_die(db: &Database) {
    let demo = bundle("demo");
    let other = bundle("other");
    db.import_realm(&demo).await.unwrap();
    db.import_realm(&other).await.unwrap();
    let first = session(&demo, "s1", 1_000);
    db.insert_session(&first).await.unwrap();
    assert_eq!(db.find_session("s1").await.unwrap(), Some(first.clone()));
    let error = db.insert_session(&first).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error:?}");

    // Only last_refresh, client_uuid and the reuse state are written.
    let mut refreshed = first.clone();
    refreshed.last_refresh = 2_000;
    refreshed.reuse =
        RefreshReuse { current_token_id: Some("jti-7".into()), use_count: 2, last_refresh: 2_000 };
    db.update_session(&refreshed).await.unwrap();
    assert_eq!(db.find_session("s1").await.unwrap(), Some(refreshed.clone()));
    // A detached session keeps an empty client (Keycloak's "client session removed").
    refreshed.client_uuid = String::new();
    refreshed.reuse = RefreshReuse::default();
    db.update_session(&refreshed).await.unwrap();
    assert_eq!(db.find_session("s1").await.unwrap(), Some(refreshed.clone()));
    // Updating a session that a logout removed is not an error, and does not revive it.
    db.update_session(&session(&demo, "gone", 5)).await.unwrap();
    assert_eq!(db.find_session("gone").await.unwrap(), None);

    // Counted per realm.
    db.insert_session(&session(&demo, "s2", 1_500)).await.unwrap();
    db.insert_session(&session(&other, "o1", 1_000)).await.unwrap();
    assert_eq!(db.count_sessions(&demo.realm.id).await.unwrap(), 2);
    assert_eq!(db.count_sessions(&other.realm.id).await.unwrap(), 1);
    assert_eq!(db.count_sessions("no-such-realm").await.unwrap(), 0);

    db.delete_session("s2").await.unwrap();
    db.delete_session("s2").await.unwrap();
    assert_eq!(db.find_session("s2").await.unwrap(), None);

    // The user's sessions go; other users' stay.
    db.insert_session(&session(&demo, "s3", 1_000)).await.unwrap();
    let mut bobs = session(&demo, "s4", 1_000);
    bobs.user_id = demo.users[1].user.id.clone();
    db.insert_session(&bobs).await.unwrap();
    db.delete_user_sessions(&demo.users[0].user.id).await.unwrap();
    assert_eq!(db.find_session("s1").await.unwrap(), None);
    assert_eq!(db.find_session("s3").await.unwrap(), None);
    assert_eq!(db.find_session("s4").await.unwrap(), Some(bobs));

    // A session for a user who does not exist is refused.
    let mut ghost = session(&demo, "s5", 1_000);
    ghost.user_id = "ghost".into();
    let error = db.insert_session(&ghost).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "{error:?}");
}

pub(crate) async fn idle_sessions_are_swept(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    for (id, last_refresh) in [("old", 100), ("edge", 200), ("fresh", 300)] {
        db.insert_session(&session(&demo, id, last_refresh)).await.unwrap();
    }
    let offline = Session { offline: true, ..session(&demo, "offline", 100) };
    db.insert_session(&offline).await.unwrap();
    assert_eq!(db.find_session("offline").await.unwrap(), Some(offline));
    db.insert_revoked_token("expired", 150).await.unwrap();
    db.insert_revoked_token("live", 250).await.unwrap();
    // Strictly older than the cutoff; offline sessions have their own cutoff.
    assert_eq!(db.delete_sessions_idle_since(200, 50).await.unwrap(), 1);
    assert_eq!(db.find_session("old").await.unwrap(), None);
    assert!(db.find_session("edge").await.unwrap().is_some());
    assert!(db.find_session("fresh").await.unwrap().is_some());
    assert!(db.find_session("offline").await.unwrap().is_some());
    assert_eq!(db.delete_sessions_idle_since(200, 50).await.unwrap(), 0);
    // The sweep also forgets revoked tokens that expired before the cutoff.
    assert!(!db.is_token_revoked("expired").await.unwrap());
    assert!(db.is_token_revoked("live").await.unwrap());
    assert_eq!(db.delete_sessions_idle_since(1_000, 50).await.unwrap(), 2);
    assert_eq!(db.delete_sessions_idle_since(1_000, 1_000).await.unwrap(), 1);
    assert_eq!(db.count_sessions(&demo.realm.id).await.unwrap(), 0);
}

pub(crate) async fn login_failures_are_upserted(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = demo.realm.id.clone();
    let alice = demo.users[0].user.id.clone();
    let bob = demo.users[1].user.id.clone();
    assert_eq!(db.find_login_failure(&realm_id, &alice).await.unwrap(), None);
    let failure = LoginFailure {
        realm_id: realm_id.clone(),
        user_id: alice.clone(),
        num_failures: 1,
        num_temporary_lockouts: 0,
        last_failure: fixtures::CREATED,
        last_ip_failure: Some("192.0.2.7".into()),
        failed_login_not_before: 0,
    };
    db.upsert_login_failure(&failure).await.unwrap();
    assert_eq!(db.find_login_failure(&realm_id, &alice).await.unwrap(), Some(failure.clone()));
    let locked = LoginFailure {
        num_failures: 3,
        num_temporary_lockouts: 1,
        last_failure: fixtures::CREATED + 5_000,
        last_ip_failure: None,
        failed_login_not_before: 1_760_000_065,
        ..failure.clone()
    };
    db.upsert_login_failure(&locked).await.unwrap();
    let bobs = LoginFailure { user_id: bob.clone(), ..failure };
    db.upsert_login_failure(&bobs).await.unwrap();
    assert_eq!(db.find_login_failure(&realm_id, &alice).await.unwrap(), Some(locked));
    db.delete_login_failure(&realm_id, &alice).await.unwrap();
    db.delete_login_failure(&realm_id, &alice).await.unwrap();
    assert_eq!(db.find_login_failure(&realm_id, &alice).await.unwrap(), None);
    assert_eq!(db.find_login_failure(&realm_id, &bob).await.unwrap(), Some(bobs));
    assert_eq!(db.delete_realm_login_failures(&realm_id).await.unwrap(), 1);
    assert_eq!(db.find_login_failure(&realm_id, &bob).await.unwrap(), None);
}

pub(crate) async fn revoked_tokens_are_remembered(db: &Database) {
    assert!(!db.is_token_revoked("jti-1").await.unwrap());
    db.insert_revoked_token("jti-1", 100).await.unwrap();
    // Revoking twice (a client retrying) is fine.
    db.insert_revoked_token("jti-1", 100).await.unwrap();
    assert!(db.is_token_revoked("jti-1").await.unwrap());
    assert!(!db.is_token_revoked("jti-2").await.unwrap());
}

pub(crate) async fn revocations_are_kept_until_they_expire(db: &Database) {
    use latchkey_core::revocation::Revocation;
    let demo = bundle("demo");
    let other = bundle("other");
    db.import_realm(&demo).await.unwrap();
    db.import_realm(&other).await.unwrap();
    let entries = vec![
        Revocation::Session { sid: "s".into(), expires: 100 },
        Revocation::User { sub: "u".into(), issued_before: 40, expires: 200 },
        Revocation::Token { jti: "j".into(), expires: 300 },
        Revocation::Realm { issued_before: 50, expires: 400 },
    ];
    for entry in &entries {
        db.insert_revocation(&demo.realm.id, entry).await.unwrap();
    }
    db.insert_revocation(&other.realm.id, &entries[0]).await.unwrap();
    let mut listed = db.list_revocations(&demo.realm.id, 100).await.unwrap();
    listed.sort_by_key(Revocation::expires);
    assert_eq!(listed, entries, "an entry lives through its last second");
    assert_eq!(db.list_revocations(&demo.realm.id, 101).await.unwrap().len(), 3);
    assert_eq!(db.delete_expired_revocations(201).await.unwrap(), 3, "both realms' old ones");
    assert_eq!(db.list_revocations(&demo.realm.id, 0).await.unwrap().len(), 2);
    assert!(db.list_revocations(&other.realm.id, 0).await.unwrap().is_empty());
}

pub(crate) async fn deleting_a_realm_removes_everything_in_it(db: &Database) {
    let demo = bundle("demo");
    let other = bundle("other");
    db.import_realm(&demo).await.unwrap();
    db.import_realm(&other).await.unwrap();
    for realm in [&demo, &other] {
        db.insert_session(&session(realm, &format!("{}-s", realm.realm.name), 1)).await.unwrap();
        let failure = LoginFailure {
            realm_id: realm.realm.id.clone(),
            user_id: realm.users[0].user.id.clone(),
            num_failures: 1,
            ..LoginFailure::default()
        };
        db.upsert_login_failure(&failure).await.unwrap();
    }
    db.delete_realm(&demo.realm.id).await.unwrap();
    db.delete_realm(&demo.realm.id).await.unwrap();

    let realm_id = &demo.realm.id;
    let alice = &demo.users[0].user.id;
    assert_eq!(db.find_realm_by_name("demo").await.unwrap(), None);
    assert!(db.list_keys(realm_id).await.unwrap().is_empty());
    assert!(db.list_clients(realm_id).await.unwrap().is_empty());
    assert!(db.list_roles(realm_id).await.unwrap().is_empty());
    assert!(db.list_users(realm_id).await.unwrap().is_empty());
    assert_eq!(db.find_password(alice).await.unwrap(), None);
    assert!(db.list_user_role_ids(alice).await.unwrap().is_empty());
    assert_eq!(db.find_session("demo-s").await.unwrap(), None);
    assert_eq!(db.count_sessions(realm_id).await.unwrap(), 0);
    assert_eq!(db.find_login_failure(realm_id, alice).await.unwrap(), None);
    // Every id is free again: the same realm imports cleanly.
    db.import_realm(&demo).await.unwrap();

    // The other realm is whole.
    let other_alice = &other.users[0].user.id;
    assert_eq!(db.list_users(&other.realm.id).await.unwrap().len(), other.users.len());
    assert_eq!(db.list_roles(&other.realm.id).await.unwrap().len(), other.roles.len());
    assert!(db.find_password(other_alice).await.unwrap().is_some());
    assert!(db.find_session("other-s").await.unwrap().is_some());
    assert!(db.find_login_failure(&other.realm.id, other_alice).await.unwrap().is_some());
}

/// 16 tasks insert, refresh and read 2000 sessions at once, as a burst of logins would.
pub(crate) async fn concurrent_writers_all_succeed(db: &Database) {
    const TASKS: usize = 16;
    const PER_TASK: i64 = 125;
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..TASKS {
        let db = db.clone();
        let demo = demo.clone();
        tasks.spawn(async move {
            for n in 0..PER_TASK {
                let mut s = session(&demo, &format!("c-{task}-{n}"), n);
                db.insert_session(&s).await?;
                s.last_refresh += 1_000;
                s.reuse.use_count = n;
                db.update_session(&s).await?;
                assert_eq!(db.find_session(&s.id).await?, Some(s));
            }
            Ok::<(), StoreError>(())
        });
    }
    let mut errors = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        if let Err(error) = joined.unwrap() {
            errors.push(error.to_string());
        }
    }
    assert!(errors.is_empty(), "{} writes failed, first: {:?}", errors.len(), errors.first());
    let total = i64::try_from(TASKS).unwrap() * PER_TASK;
    assert_eq!(db.count_sessions(&demo.realm.id).await.unwrap(), total);
    // Every update landed: nothing is older than the updates made it.
    assert_eq!(db.delete_sessions_idle_since(1_000, 1_000).await.unwrap(), 0);
}

pub(crate) async fn session_context_reads_session_user_and_grants_at_once(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let stored = session(&demo, "s1", 100);
    db.insert_session(&stored).await.unwrap();
    let context = db.find_session_context("s1").await.unwrap().unwrap();
    assert_eq!(context.session, stored);
    let alice = &demo.users[0];
    assert_eq!(context.user.as_ref(), Some(&alice.user));
    let mut role_ids = context.role_ids.clone();
    role_ids.sort();
    let mut expected = alice.role_ids.clone();
    expected.sort();
    assert_eq!(role_ids, expected);
    assert!(db.find_session_context("nope").await.unwrap().is_none());
}

/// The refresh grant reads the context on every refresh (from memory once read): every
/// write of the user, their grants, the roles, the session or the realm shows in the
/// next read, as it would straight from the tables.
pub(crate) async fn a_session_context_read_again_sees_every_change_since(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let alice = demo.users[0].user.clone();
    let sorted = |mut ids: Vec<String>| {
        ids.sort();
        ids
    };
    let context = |id: &'static str| async move { db.find_session_context(id).await.unwrap() };
    db.insert_session(&session(&demo, "s1", 100)).await.unwrap();
    assert!(context("s1").await.unwrap().user.unwrap().enabled);

    let mut disabled = alice.clone();
    disabled.enabled = false;
    db.update_user(&disabled).await.unwrap();
    assert!(!context("s1").await.unwrap().user.unwrap().enabled);
    db.update_user(&alice).await.unwrap();
    assert!(context("s1").await.unwrap().user.unwrap().enabled);

    let [admin, default_roles] = [&demo.roles[0].id, &demo.roles[1].id];
    db.revoke_roles(&alice.id, std::slice::from_ref(admin)).await.unwrap();
    assert_eq!(context("s1").await.unwrap().role_ids, vec![default_roles.clone()]);
    db.grant_roles(&alice.id, std::slice::from_ref(admin)).await.unwrap();
    let both = sorted(vec![admin.clone(), default_roles.clone()]);
    assert_eq!(sorted(context("s1").await.unwrap().role_ids), both);
    db.delete_role(&demo.realm.id, default_roles).await.unwrap();
    assert_eq!(context("s1").await.unwrap().role_ids, vec![admin.clone()]);
    // A client's roles go with it, and with them their grants.
    let bobs = Session { user_id: demo.users[2].user.id.clone(), ..session(&demo, "s2", 100) };
    db.insert_session(&bobs).await.unwrap();
    assert_eq!(context("s2").await.unwrap().role_ids.len(), 1);
    db.delete_client(&demo.realm.id, &demo.clients[0].id).await.unwrap();
    assert!(context("s2").await.unwrap().role_ids.is_empty());

    let mut detached = session(&demo, "s1", 100);
    detached.client_uuid = String::new();
    detached.reuse =
        RefreshReuse { current_token_id: Some("jti-1".into()), use_count: 1, last_refresh: 100 };
    db.update_session(&detached).await.unwrap();
    assert_eq!(context("s1").await.unwrap().session, detached);

    db.delete_session("s1").await.unwrap();
    assert!(context("s1").await.is_none());
    db.insert_session(&session(&demo, "s3", 100)).await.unwrap();
    assert!(context("s3").await.is_some());
    db.delete_user_sessions(&alice.id).await.unwrap();
    assert!(context("s3").await.is_none());
    db.insert_session(&session(&demo, "s4", 100)).await.unwrap();
    assert!(context("s4").await.is_some());
    db.delete_user(&demo.realm.id, &alice.id).await.unwrap();
    assert!(context("s4").await.is_none());
    assert!(context("s2").await.is_some());
    db.delete_realm(&demo.realm.id).await.unwrap();
    assert!(context("s2").await.is_none());
}

/// A refresh records its time with `touch_session`: every reader sees it at once, the
/// idle sweep judges by it, it never moves back, and it does not revive a deleted session.
pub(crate) async fn a_refresh_time_is_seen_at_once_and_never_moves_back(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let alice = &demo.users[0].user.id;
    for id in ["read", "unread"] {
        db.insert_session(&session(&demo, id, 100)).await.unwrap();
    }
    // One session read by a refresh before (as the grant does), one not.
    assert!(db.find_session_context("read").await.unwrap().is_some());
    for id in ["read", "unread"] {
        db.touch_session(id, 500).await.unwrap();
        db.touch_session(id, 300).await.unwrap();
        let context = db.find_session_context(id).await.unwrap().unwrap();
        assert_eq!(context.session.last_refresh, 500, "{id}");
        assert_eq!(db.find_session(id).await.unwrap().unwrap().last_refresh, 500, "{id}");
    }
    let listed = db.list_user_sessions(&demo.realm.id, alice).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.last_refresh).collect::<Vec<_>>(), [500, 500]);
    let by_client = db.list_client_sessions(&demo.realm.id, &demo.clients[0].id).await.unwrap();
    assert_eq!(by_client, listed);
    assert_eq!(db.delete_sessions_idle_since(400, 0).await.unwrap(), 0);
    assert_eq!(db.delete_sessions_idle_since(501, 0).await.unwrap(), 2);
    for id in ["read", "unread"] {
        assert!(db.find_session_context(id).await.unwrap().is_none(), "{id}");
        db.touch_session(id, 900).await.unwrap();
        assert_eq!(db.find_session(id).await.unwrap(), None, "{id}");
    }
    assert_eq!(db.count_sessions(&demo.realm.id).await.unwrap(), 0);
}

pub(crate) async fn sessions_are_listed_by_user_and_client(db: &Database) {
    let demo = bundle("demo");
    let other = bundle("other");
    db.import_realm(&demo).await.unwrap();
    db.import_realm(&other).await.unwrap();
    let alice = demo.users[0].user.id.clone();
    let bob = demo.users[1].user.id.clone();
    let later = Session { started: 2_000, ..session(&demo, "later", 2_000) };
    let first = session(&demo, "first", 1_000);
    let offline = Session { offline: true, ..session(&demo, "offline", 1_000) };
    let bobs = Session {
        user_id: bob.clone(),
        client_uuid: demo.clients[1].id.clone(),
        ..session(&demo, "bobs", 1_000)
    };
    for s in [&later, &first, &offline, &bobs, &session(&other, "elsewhere", 1_000)] {
        db.insert_session(s).await.unwrap();
    }

    // Online sessions only, oldest first, with the IP address kept.
    let alices = db.list_user_sessions(&demo.realm.id, &alice).await.unwrap();
    assert_eq!(alices, vec![first.clone(), later.clone()]);
    assert_eq!(alices[0].ip_address, "192.0.2.7");
    assert_eq!(db.list_user_sessions(&demo.realm.id, &bob).await.unwrap(), vec![bobs.clone()]);
    assert!(db.list_user_sessions(&other.realm.id, &alice).await.unwrap().is_empty());
    let app = &demo.clients[0].id;
    assert_eq!(db.list_client_sessions(&demo.realm.id, app).await.unwrap(), vec![first, later]);
    assert!(db.list_client_sessions(&demo.realm.id, "no-such-client").await.unwrap().is_empty());

    // Offline sessions are listed apart; counts per client cover both kinds.
    let offline_list = vec![offline.clone()];
    assert_eq!(db.list_user_offline_sessions(&demo.realm.id, &alice).await.unwrap(), offline_list);
    assert_eq!(db.list_client_offline_sessions(&demo.realm.id, app).await.unwrap(), offline_list);
    assert!(db.list_user_offline_sessions(&demo.realm.id, &bob).await.unwrap().is_empty());
    let mut counts = db.count_sessions_by_client(&demo.realm.id).await.unwrap();
    counts.sort_by(|a, b| a.client_uuid.cmp(&b.client_uuid));
    let mut expected = vec![
        ClientSessionCount { client_uuid: app.clone(), online: 2, offline: 1 },
        ClientSessionCount { client_uuid: demo.clients[1].id.clone(), online: 1, offline: 0 },
    ];
    expected.sort_by(|a, b| a.client_uuid.cmp(&b.client_uuid));
    assert_eq!(counts, expected);

    // The realm's online sessions go; offline ones and other realms' stay.
    assert_eq!(db.delete_realm_sessions(&demo.realm.id).await.unwrap(), 3);
    assert_eq!(db.count_sessions(&demo.realm.id).await.unwrap(), 1);
    assert_eq!(db.find_session("offline").await.unwrap(), Some(offline));
    assert!(db.find_session("elsewhere").await.unwrap().is_some());
    assert_eq!(db.delete_realm_sessions(&demo.realm.id).await.unwrap(), 0);
}
