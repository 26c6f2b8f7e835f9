//! The storage contract: one behaviour suite, written once against `Store` as async
//! functions taking a `&Database`, and run on every backend. SQLite runs as a file in a
//! temporary directory (what the server uses) and in memory; PostgreSQL on a fresh
//! database of the test process's throw-away cluster (`latchkey_testkit::postgres`;
//! without PostgreSQL's binaries, every test fails saying what to install).

#![allow(clippy::unwrap_used, reason = "a failed step fails the test")]

#[path = "contract/activity.rs"]
mod activity;
#[path = "contract/admin.rs"]
mod admin;
#[path = "contract/directory.rs"]
mod directory;
#[path = "contract/events.rs"]
mod events;
#[path = "contract/fixtures.rs"]
mod fixtures;
#[path = "contract/groups.rs"]
mod groups;
#[path = "contract/races.rs"]
mod races;
#[path = "contract/scopes.rs"]
mod scopes;

use std::path::Path;

use latchkey_core::store::Store;
use latchkey_store::{Database, PostgresOptions};
use latchkey_testkit::postgres::fresh_database;
use tempfile::TempDir;

/// A database under test, with the directory that must outlive it.
struct Backend {
    name: &'static str,
    db: Database,
    _dir: Option<TempDir>,
}

async fn sqlite_file() -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open_sqlite(&dir.path().join("latchkey.db")).await.unwrap();
    Backend { name: "sqlite file", db, _dir: Some(dir) }
}

async fn sqlite_memory() -> Backend {
    let db = Database::open_sqlite_in_memory().await.unwrap();
    Backend { name: "sqlite in memory", db, _dir: None }
}

async fn open_postgres(url: &str) -> Database {
    Database::open_postgres(&PostgresOptions::from_url(url).unwrap()).await.unwrap()
}

async fn postgres() -> Backend {
    let db = open_postgres(&fresh_database().await.url).await;
    Backend { name: "postgres", db, _dir: None }
}

/// A fresh, empty database of every backend.
async fn backends() -> Vec<Backend> {
    vec![sqlite_file().await, sqlite_memory().await, postgres().await]
}

/// Runs one behaviour on every backend, each on a fresh database.
async fn on_every_backend<F: AsyncFn(&Database)>(behaviour: F) {
    for backend in backends().await {
        eprintln!("backend: {}", backend.name);
        behaviour(&backend.db).await;
        backend.db.close().await;
    }
}

#[tokio::test]
async fn import_reads_back_every_entity() {
    on_every_backend(directory::import_reads_back_every_entity).await;
}

#[tokio::test]
async fn kept_fields_are_stored_with_the_realm_and_go_with_their_entity() {
    on_every_backend(directory::kept_fields_are_stored_with_the_realm_and_go_with_their_entity)
        .await;
}

#[tokio::test]
async fn a_keycloak_realm_round_trips() {
    on_every_backend(directory::a_keycloak_realm_round_trips).await;
}

#[tokio::test]
async fn importing_a_taken_realm_name_is_a_conflict_and_writes_nothing() {
    on_every_backend(directory::importing_a_taken_realm_name_is_a_conflict_and_writes_nothing)
        .await;
}

#[tokio::test]
async fn realm_changes_apply_in_one_transaction() {
    on_every_backend(directory::realm_changes_apply_in_one_transaction).await;
}

#[tokio::test]
async fn keys_are_updated_and_deleted() {
    on_every_backend(directory::keys_are_updated_and_deleted).await;
}

#[tokio::test]
async fn unique_names_are_conflicts() {
    on_every_backend(directory::unique_names_are_conflicts).await;
}

#[tokio::test]
async fn missing_rows_are_not_found() {
    on_every_backend(directory::missing_rows_are_not_found).await;
}

#[tokio::test]
async fn updates_and_lookups() {
    on_every_backend(directory::updates_and_lookups).await;
}

#[tokio::test]
async fn passwords_are_set_and_replaced() {
    on_every_backend(directory::passwords_are_set_and_replaced).await;
}

#[tokio::test]
async fn roles_are_granted_once() {
    on_every_backend(directory::roles_are_granted_once).await;
}

#[tokio::test]
async fn sessions_live_update_and_die() {
    on_every_backend(activity::sessions_live_update_and_die).await;
}

#[tokio::test]
async fn session_context_reads_session_user_and_grants_at_once() {
    on_every_backend(activity::session_context_reads_session_user_and_grants_at_once).await;
}

#[tokio::test]
async fn a_session_context_read_again_sees_every_change_since() {
    on_every_backend(activity::a_session_context_read_again_sees_every_change_since).await;
}

#[tokio::test]
async fn a_refresh_time_is_seen_at_once_and_never_moves_back() {
    on_every_backend(activity::a_refresh_time_is_seen_at_once_and_never_moves_back).await;
}

#[tokio::test]
async fn idle_sessions_are_swept() {
    on_every_backend(activity::idle_sessions_are_swept).await;
}

#[tokio::test]
async fn login_failures_are_upserted() {
    on_every_backend(activity::login_failures_are_upserted).await;
}

#[tokio::test]
async fn revoked_tokens_are_remembered() {
    on_every_backend(activity::revoked_tokens_are_remembered).await;
}

#[tokio::test]
async fn revocations_are_kept_until_they_expire() {
    on_every_backend(activity::revocations_are_kept_until_they_expire).await;
}

#[tokio::test]
async fn deleting_a_realm_removes_everything_in_it() {
    on_every_backend(activity::deleting_a_realm_removes_everything_in_it).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_all_succeed() {
    on_every_backend(activity::concurrent_writers_all_succeed).await;
}

#[tokio::test]
async fn a_refresh_decided_on_a_stale_reuse_state_is_not_written() {
    on_every_backend(races::a_refresh_decided_on_a_stale_reuse_state_is_not_written).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_refreshes_of_one_session_write_once() {
    on_every_backend(races::racing_refreshes_of_one_session_write_once).await;
}

#[tokio::test]
async fn login_failures_are_counted_on_the_record_read() {
    on_every_backend(races::login_failures_are_counted_on_the_record_read).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_login_failures_are_all_counted() {
    on_every_backend(races::concurrent_login_failures_are_all_counted).await;
}

#[tokio::test]
async fn a_user_is_inserted_whole_or_not_at_all() {
    on_every_backend(admin::a_user_is_inserted_whole_or_not_at_all).await;
}

#[tokio::test]
async fn deleted_users_clients_and_roles_are_gone() {
    on_every_backend(admin::deleted_users_clients_and_roles_are_gone).await;
}

#[tokio::test]
async fn roles_are_renamed_revoked_and_listed_by_holder() {
    on_every_backend(admin::roles_are_renamed_revoked_and_listed_by_holder).await;
}

#[tokio::test]
async fn composites_are_added_and_removed() {
    on_every_backend(admin::composites_are_added_and_removed).await;
}

#[tokio::test]
async fn users_are_searched_counted_and_paged() {
    on_every_backend(admin::users_are_searched_counted_and_paged).await;
}

#[tokio::test]
async fn groups_are_a_tree_of_unique_sibling_names() {
    on_every_backend(groups::groups_are_a_tree_of_unique_sibling_names).await;
}

#[tokio::test]
async fn members_hold_their_groups_roles() {
    on_every_backend(groups::members_hold_their_groups_roles).await;
}

#[tokio::test]
async fn members_and_default_groups_are_listed() {
    on_every_backend(groups::members_and_default_groups_are_listed).await;
}

#[tokio::test]
async fn credentials_are_labelled_moved_and_deleted() {
    on_every_backend(groups::credentials_are_labelled_moved_and_deleted).await;
}

#[tokio::test]
async fn users_are_found_by_attribute() {
    on_every_backend(groups::users_are_found_by_attribute).await;
}

#[test]
fn the_database_handle_is_cheap_to_share() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<Database>();
}

/// What a reader of the file finds: the realm, a session and its last refresh.
async fn assert_demo_is_whole(db: &Database) {
    let demo = fixtures::bundle("demo");
    assert_eq!(db.find_realm_by_name("demo").await.unwrap(), Some(demo.realm.clone()));
    assert_eq!(db.list_users(&demo.realm.id).await.unwrap().len(), demo.users.len());
    let session = db.find_session("s1").await.unwrap().unwrap();
    assert_eq!(session.last_refresh, 2_000);
}

async fn write_demo(path: &Path) -> Database {
    fill_demo(Database::open_sqlite(path).await.unwrap()).await
}

async fn fill_demo(db: Database) -> Database {
    let demo = fixtures::bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let mut session = fixtures::session(&demo, "s1", 1_000);
    db.insert_session(&session).await.unwrap();
    session.last_refresh = 2_000;
    db.update_session(&session).await.unwrap();
    db
}

#[tokio::test]
async fn sessions_are_listed_by_user_and_client() {
    on_every_backend(activity::sessions_are_listed_by_user_and_client).await;
}

#[tokio::test]
async fn committed_data_survives_closing_and_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/latchkey.db");
    write_demo(&path).await.close().await;
    // Opening again re-runs the (already applied) migrations.
    let db = Database::open_sqlite(&path).await.unwrap();
    assert_demo_is_whole(&db).await;
    db.close().await;
    // Dropped without closing, as when a task is cancelled.
    drop(Database::open_sqlite(&path).await.unwrap());
    assert_demo_is_whole(&Database::open_sqlite(&path).await.unwrap()).await;
}

/// A kill -9 leaves the main file and the WAL as they are; every acknowledged commit
/// must be in them. Copying both while the store is still open is that crash image.
#[tokio::test]
async fn a_crash_image_holds_every_acknowledged_commit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("latchkey.db");
    let db = write_demo(&path).await;
    let crashed = tempfile::tempdir().unwrap();
    for suffix in ["", "-wal"] {
        let name = format!("latchkey.db{suffix}");
        std::fs::copy(dir.path().join(&name), crashed.path().join(&name)).unwrap();
    }
    let recovered = Database::open_sqlite(&crashed.path().join("latchkey.db")).await.unwrap();
    assert_demo_is_whole(&recovered).await;
    recovered.close().await;
    db.close().await;
}

/// PostgreSQL keeps what was committed when every connection closes, and opening the
/// database again finds its migrations applied.
#[tokio::test]
async fn committed_data_survives_closing_and_reopening_a_postgres_database() {
    let url = fresh_database().await.url;
    fill_demo(open_postgres(&url).await).await.close().await;
    let db = open_postgres(&url).await;
    assert_demo_is_whole(&db).await;
    db.close().await;
}

#[tokio::test]
async fn client_scopes_keep_their_mappers_and_names() {
    on_every_backend(scopes::client_scopes_keep_their_mappers_and_names).await;
}

#[tokio::test]
async fn realm_default_scopes_are_one_kind_each_in_order() {
    on_every_backend(scopes::realm_default_scopes_are_one_kind_each_in_order).await;
}

#[tokio::test]
async fn scope_mappings_follow_their_roles() {
    on_every_backend(scopes::scope_mappings_follow_their_roles).await;
}

#[tokio::test]
async fn a_new_realm_has_keycloaks_built_in_scopes() {
    on_every_backend(scopes::a_new_realm_has_keycloaks_built_in_scopes).await;
}

#[tokio::test]
async fn login_events_are_recorded_queried_and_deleted() {
    on_every_backend(events::login_events_are_recorded_queried_and_deleted).await;
}

#[tokio::test]
async fn admin_events_are_recorded_queried_and_deleted() {
    on_every_backend(events::admin_events_are_recorded_queried_and_deleted).await;
}
