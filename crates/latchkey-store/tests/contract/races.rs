//! The contract for the writes that two requests (on one instance or several sharing a
//! database) may race on: each is a compare-and-set, so of two writers that read the
//! same state, one writes and the other is told to read again.

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::{Store, StoreError};
use latchkey_store::Database;

use super::fixtures::{self, bundle, session};

fn reuse(token: &str, use_count: i64, last_refresh: i64) -> RefreshReuse {
    RefreshReuse { current_token_id: Some(token.into()), use_count, last_refresh }
}

pub(crate) async fn a_refresh_decided_on_a_stale_reuse_state_is_not_written(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let fresh = session(&demo, "s1", 1_000);
    db.insert_session(&fresh).await.unwrap();
    // Read as a refresh reads it, so that the session is cached as well.
    assert!(db.find_session_context("s1").await.unwrap().is_some());

    let first = Session { last_refresh: 1_100, reuse: reuse("jti-1", 1, 1_100), ..fresh.clone() };
    assert!(db.update_session_reuse(&first, &fresh.reuse).await.unwrap());
    assert_eq!(db.find_session("s1").await.unwrap(), Some(first.clone()));

    // A second use of the same token, decided on the state before the first: refused,
    // and nothing of it is written.
    let replay = Session { last_refresh: 1_200, reuse: reuse("jti-1", 1, 1_200), ..fresh.clone() };
    assert!(!db.update_session_reuse(&replay, &fresh.reuse).await.unwrap());
    assert_eq!(db.find_session("s1").await.unwrap(), Some(first.clone()));
    let context = db.find_session_context("s1").await.unwrap().unwrap();
    assert_eq!(context.session, first, "the next read sees the winner's write");

    // Decided on the current state, it is written.
    let second = Session { last_refresh: 1_300, reuse: reuse("jti-1", 2, 1_300), ..fresh.clone() };
    assert!(db.update_session_reuse(&second, &first.reuse).await.unwrap());
    assert_eq!(db.find_session("s1").await.unwrap(), Some(second.clone()));

    // A refresh time never moves back, even when the rest is written.
    let late = Session { last_refresh: 1_250, reuse: reuse("jti-2", 1, 1_250), ..fresh.clone() };
    assert!(db.update_session_reuse(&late, &second.reuse).await.unwrap());
    assert_eq!(db.find_session("s1").await.unwrap().unwrap().last_refresh, 1_300);

    // A session whose client was detached meanwhile is not refreshed.
    let detached = Session { client_uuid: String::new(), ..late.clone() };
    db.update_session(&detached).await.unwrap();
    let after = Session { last_refresh: 1_400, reuse: reuse("jti-2", 2, 1_400), ..late.clone() };
    assert!(!db.update_session_reuse(&after, &late.reuse).await.unwrap());
    assert_eq!(db.find_session("s1").await.unwrap().unwrap().client_uuid, "");

    // Nor is a session a logout removed: it stays removed.
    db.delete_session("s1").await.unwrap();
    assert!(!db.update_session_reuse(&after, &after.reuse).await.unwrap());
    assert_eq!(db.find_session("s1").await.unwrap(), None);
}

/// 16 uses of one refresh token at the same moment: exactly one is written.
pub(crate) async fn racing_refreshes_of_one_session_write_once(db: &Database) {
    const TASKS: i64 = 16;
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let fresh = session(&demo, "s1", 1_000);
    db.insert_session(&fresh).await.unwrap();
    assert!(db.find_session_context("s1").await.unwrap().is_some());
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..TASKS {
        let db = db.clone();
        let fresh = fresh.clone();
        tasks.spawn(async move {
            let mine = Session {
                last_refresh: 2_000 + task,
                reuse: reuse("jti-1", 1, 2_000 + task),
                ..fresh.clone()
            };
            let written = db.update_session_reuse(&mine, &fresh.reuse).await?;
            Ok::<_, StoreError>(written.then_some(mine))
        });
    }
    let mut winners = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        winners.extend(joined.unwrap().unwrap());
    }
    assert_eq!(winners.len(), 1, "one of {TASKS} racing refreshes is written");
    let stored = db.find_session_context("s1").await.unwrap().unwrap().session;
    assert_eq!(stored.reuse, winners[0].reuse);
}

pub(crate) async fn login_failures_are_counted_on_the_record_read(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = demo.realm.id.clone();
    let alice = demo.users[0].user.id.clone();
    let first = LoginFailure {
        realm_id: realm_id.clone(),
        user_id: alice.clone(),
        num_failures: 1,
        num_temporary_lockouts: 0,
        last_failure: fixtures::CREATED,
        last_ip_failure: Some("192.0.2.7".into()),
        failed_login_not_before: 0,
    };
    assert!(db.update_login_failure(None, &first).await.unwrap());
    // Another failure that also found no record: refused, the first stays.
    let other = LoginFailure { last_ip_failure: Some("192.0.2.8".into()), ..first.clone() };
    assert!(!db.update_login_failure(None, &other).await.unwrap());
    assert_eq!(db.find_login_failure(&realm_id, &alice).await.unwrap(), Some(first.clone()));

    let second = LoginFailure {
        num_failures: 2,
        last_failure: fixtures::CREATED + 10,
        last_ip_failure: None,
        ..first.clone()
    };
    assert!(db.update_login_failure(Some(&first), &second).await.unwrap());
    // Counted on the record before `second`: refused.
    assert!(!db.update_login_failure(Some(&first), &second).await.unwrap());
    assert_eq!(db.find_login_failure(&realm_id, &alice).await.unwrap(), Some(second.clone()));

    // A success cleared the record meanwhile: an update of it is refused, an insert is not.
    db.delete_login_failure(&realm_id, &alice).await.unwrap();
    assert!(!db.update_login_failure(Some(&second), &first).await.unwrap());
    assert!(db.update_login_failure(None, &first).await.unwrap());
    assert_eq!(db.find_login_failure(&realm_id, &alice).await.unwrap(), Some(first));
}

/// 16 failed logins of one user at the same moment, each reading again and counting
/// again after a lost race: all 16 are counted.
pub(crate) async fn concurrent_login_failures_are_all_counted(db: &Database) {
    const TASKS: i64 = 16;
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = demo.realm.id.clone();
    let alice = demo.users[0].user.id.clone();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..TASKS {
        let (db, realm_id, alice) = (db.clone(), realm_id.clone(), alice.clone());
        tasks.spawn(async move {
            loop {
                let read = db.find_login_failure(&realm_id, &alice).await?;
                let mut next = read.clone().unwrap_or_else(|| LoginFailure {
                    realm_id: realm_id.clone(),
                    user_id: alice.clone(),
                    ..LoginFailure::default()
                });
                next.num_failures += 1;
                next.last_failure = fixtures::CREATED + task;
                if db.update_login_failure(read.as_ref(), &next).await? {
                    return Ok::<(), StoreError>(());
                }
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.unwrap().unwrap();
    }
    let record = db.find_login_failure(&realm_id, &alice).await.unwrap().unwrap();
    assert_eq!(record.num_failures, TASKS);
}
