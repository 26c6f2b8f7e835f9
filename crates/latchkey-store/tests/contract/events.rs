//! The contract for login events and admin events: written through the session
//! writer, read back with every filter, newest first, paged, and deleted by realm and
//! by age.

use latchkey_core::event::{AdminEvent, AdminEventQuery, AuthDetails, Event, EventQuery, Page};
use latchkey_core::store::Store;
use latchkey_store::Database;

use super::fixtures::bundle;

fn event(realm_id: &str, id: &str, time: i64, event_type: &str, client: &str) -> Event {
    Event {
        id: id.to_owned(),
        time,
        event_type: event_type.to_owned(),
        realm_id: realm_id.to_owned(),
        client_id: Some(client.to_owned()),
        user_id: (!event_type.ends_with("_ERROR")).then(|| "user-1".to_owned()),
        session_id: None,
        ip_address: Some(if time % 2 == 0 { "127.0.0.1" } else { "10.0.0.1" }.to_owned()),
        error: event_type.ends_with("_ERROR").then(|| "invalid_user_credentials".to_owned()),
        details: vec![
            ("grant_type".to_owned(), "password".to_owned()),
            ("username".to_owned(), "evuser".to_owned()),
        ],
    }
}

fn admin_event(
    realm_id: &str,
    id: &str,
    time: i64,
    op: &str,
    resource: &str,
    path: &str,
) -> AdminEvent {
    AdminEvent {
        id: id.to_owned(),
        time,
        realm_id: realm_id.to_owned(),
        auth: AuthDetails {
            realm_id: "master-id".to_owned(),
            client_id: if time % 2 == 0 { "cli-a" } else { "cli-b" }.to_owned(),
            user_id: "admin-id".to_owned(),
            ip_address: "127.0.0.1".to_owned(),
        },
        operation_type: op.to_owned(),
        resource_type: resource.to_owned(),
        resource_path: path.to_owned(),
        representation: (op != "DELETE").then(|| r#"{"name":"x_%"}"#.to_owned()),
        error: None,
        details: Vec::new(),
    }
}

fn ids(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.id.as_str()).collect()
}

fn admin_ids(events: &[AdminEvent]) -> Vec<&str> {
    events.iter().map(|e| e.id.as_str()).collect()
}

/// Login events come back whole, newest first, filtered by type, client, user, address
/// and time (inclusive), paged; other realms' events never show; deleting by age keeps
/// the newer ones.
pub(crate) async fn login_events_are_recorded_queried_and_deleted(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let other = bundle("other");
    db.import_realm(&other).await.unwrap();
    let realm = demo.realm.id.as_str();
    let written = [
        event(realm, "e1", 1000, "LOGIN", "app"),
        event(realm, "e2", 1001, "LOGIN_ERROR", "app"),
        event(realm, "e3", 1002, "LOGOUT", "public"),
        event(realm, "e4", 1003, "LOGIN", "public"),
        event(&other.realm.id, "o1", 1004, "LOGIN", "app"),
    ];
    for e in &written {
        db.record_event(e.clone()).await.unwrap();
    }
    db.flush_events().await.unwrap();

    let all = db.query_events(realm, &EventQuery::default()).await.unwrap();
    assert_eq!(ids(&all), ["e4", "e3", "e2", "e1"]);
    assert_eq!(all[3], written[0], "read back whole, details in order");

    let query = |f: fn(&mut EventQuery)| {
        let mut q = EventQuery::default();
        f(&mut q);
        q
    };
    let found = |q: EventQuery| async move { db.query_events(realm, &q).await.unwrap() };
    assert_eq!(ids(&found(query(|q| q.types = vec!["LOGIN".into()])).await), ["e4", "e1"]);
    assert_eq!(
        ids(&found(query(|q| q.types = vec!["LOGIN".into(), "LOGOUT".into()])).await),
        ["e4", "e3", "e1"]
    );
    assert_eq!(ids(&found(query(|q| q.client_id = Some("public".into()))).await), ["e4", "e3"]);
    assert_eq!(ids(&found(query(|q| q.user_id = Some("user-1".into()))).await), ["e4", "e3", "e1"]);
    assert_eq!(ids(&found(query(|q| q.ip_address = Some("10.0.0.1".into()))).await), ["e4", "e2"]);
    assert_eq!(
        ids(&found(query(|q| {
            q.from = Some(1001);
            q.to = Some(1002);
        }))
        .await),
        ["e3", "e2"]
    );
    assert_eq!(
        ids(&found(query(|q| q.page = Page { first: 1, max: Some(2), ascending: false })).await),
        ["e3", "e2"]
    );
    assert_eq!(
        ids(&found(query(|q| q.page = Page { first: 0, max: Some(3), ascending: true })).await),
        ["e1", "e2", "e3"]
    );
    assert_eq!(
        ids(&found(query(|q| q.page = Page { first: 0, max: None, ascending: false })).await).len(),
        4
    );

    assert_eq!(db.delete_events(realm, Some(1002)).await.unwrap(), 2);
    assert_eq!(ids(&db.query_events(realm, &EventQuery::default()).await.unwrap()), ["e4", "e3"]);
    assert_eq!(db.delete_events(realm, None).await.unwrap(), 2);
    assert!(db.query_events(realm, &EventQuery::default()).await.unwrap().is_empty());
    let others = db.query_events(&other.realm.id, &EventQuery::default()).await.unwrap();
    assert_eq!(ids(&others), ["o1"]);

    // A realm's events go with it.
    db.delete_realm(&other.realm.id).await.unwrap();
    assert!(db.query_events(&other.realm.id, &EventQuery::default()).await.unwrap().is_empty());
}

/// Admin events come back whole, newest first, filtered by operation, resource type,
/// path (with `*`; `%` and `_` match themselves), caller and time; deleted by age.
pub(crate) async fn admin_events_are_recorded_queried_and_deleted(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm = demo.realm.id.as_str();
    let written = [
        admin_event(realm, "a1", 2000, "CREATE", "GROUP", "groups/g1"),
        admin_event(realm, "a2", 2001, "UPDATE", "GROUP", "groups/g1"),
        admin_event(realm, "a3", 2002, "CREATE", "USER", "users/u1"),
        admin_event(realm, "a4", 2003, "CREATE", "GROUP_MEMBERSHIP", "users/u1/groups/g1"),
        admin_event(realm, "a5", 2004, "DELETE", "GROUP", "groups/g_%"),
    ];
    for e in &written {
        db.record_admin_event(e.clone()).await.unwrap();
    }
    db.flush_events().await.unwrap();

    let all = db.query_admin_events(realm, &AdminEventQuery::default()).await.unwrap();
    assert_eq!(admin_ids(&all), ["a5", "a4", "a3", "a2", "a1"]);
    assert_eq!(all[4], written[0]);

    let query = |f: fn(&mut AdminEventQuery)| {
        let mut q = AdminEventQuery::default();
        f(&mut q);
        q
    };
    let found = |q: AdminEventQuery| async move { db.query_admin_events(realm, &q).await.unwrap() };
    assert_eq!(
        admin_ids(&found(query(|q| q.operation_types = vec!["CREATE".into()])).await),
        ["a4", "a3", "a1"]
    );
    assert_eq!(
        admin_ids(&found(query(|q| q.resource_types = vec!["GROUP".into()])).await),
        ["a5", "a2", "a1"]
    );
    assert_eq!(
        admin_ids(&found(query(|q| q.resource_path = Some("users/*".into()))).await),
        ["a4", "a3"]
    );
    assert_eq!(
        admin_ids(&found(query(|q| q.resource_path = Some("groups/g1".into()))).await),
        ["a2", "a1"]
    );
    assert_eq!(
        admin_ids(&found(query(|q| q.resource_path = Some("groups/g_%".into()))).await),
        ["a5"]
    );
    assert_eq!(
        admin_ids(&found(query(|q| q.auth_client = Some("cli-a".into()))).await),
        ["a5", "a3", "a1"]
    );
    assert_eq!(admin_ids(&found(query(|q| q.auth_realm = Some("master".into()))).await).len(), 0);
    assert_eq!(
        admin_ids(
            &found(query(|q| {
                q.auth_user = Some("admin-id".into());
                q.auth_ip_address = Some("127.0.0.1".into());
                q.from = Some(2003);
            }))
            .await
        ),
        ["a5", "a4"]
    );

    assert_eq!(db.delete_admin_events(realm, Some(2002)).await.unwrap(), 2);
    assert_eq!(db.delete_admin_events(realm, None).await.unwrap(), 3);
    assert!(db.query_admin_events(realm, &AdminEventQuery::default()).await.unwrap().is_empty());
}
