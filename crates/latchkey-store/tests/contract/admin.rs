//! The contract for the Admin API's writes: whole users, deletes, role edits and revokes.

use latchkey_core::store::{Store, StoreError, UserBundle};
use latchkey_store::Database;

use super::fixtures::{self, Ids, bundle};

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(matches!(result, Err(StoreError::NotFound(_))), "expected not found: {result:?}");
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(matches!(result, Err(StoreError::Conflict(_))), "expected a conflict: {result:?}");
}

pub(crate) async fn a_user_is_inserted_whole_or_not_at_all(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let ids = Ids::new("demo");
    let carol = fixtures::user(&demo.realm.id, &ids.of("carol"), "carol", None);
    let whole = UserBundle {
        group_ids: vec![ids.of("ops")],
        ..UserBundle::new(
            carol.clone(),
            Some(&fixtures::password(&carol.id, &ids.of("carol-password"))),
            vec![ids.of("user"), ids.of("app-viewer")],
        )
    };
    db.insert_user_bundle(&whole).await.unwrap();
    assert_eq!(db.find_user_by_id(&demo.realm.id, &carol.id).await.unwrap(), Some(carol.clone()));
    assert!(db.find_password(&carol.id).await.unwrap().is_some());
    let mut granted = whole.role_ids.clone();
    granted.sort();
    assert_eq!(db.list_user_role_ids(&carol.id).await.unwrap(), granted);
    assert_eq!(db.list_user_group_ids(&carol.id).await.unwrap(), [ids.of("ops")]);

    // A taken username, or a role that does not exist, writes nothing.
    let mut dave = fixtures::user(&demo.realm.id, &ids.of("dave"), "carol", None);
    assert_conflict(db.insert_user_bundle(&UserBundle::new(dave.clone(), None, vec![])).await);
    dave.username = "dave".into();
    let broken = UserBundle::new(dave.clone(), None, vec!["nope".into()]);
    assert_not_found(db.insert_user_bundle(&broken).await);
    let no_group = UserBundle {
        group_ids: vec!["nope".into()],
        ..UserBundle::new(dave.clone(), None, vec![])
    };
    assert_not_found(db.insert_user_bundle(&no_group).await);
    assert_eq!(db.find_user_by_id(&demo.realm.id, &dave.id).await.unwrap(), None);
}

pub(crate) async fn deleted_users_clients_and_roles_are_gone(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let ids = Ids::new("demo");
    let realm_id = &demo.realm.id;
    let alice = &demo.users[0].user;
    db.insert_session(&fixtures::session(&demo, "s1", 1_000)).await.unwrap();

    db.delete_user(realm_id, &alice.id).await.unwrap();
    assert_eq!(db.find_user_by_id(realm_id, &alice.id).await.unwrap(), None);
    assert_eq!(db.find_password(&alice.id).await.unwrap(), None);
    assert_eq!(db.find_session("s1").await.unwrap(), None);
    assert_not_found(db.delete_user(realm_id, &alice.id).await);
    assert_not_found(db.delete_user("other-realm", &demo.users[1].user.id).await);

    // The client's roles go with it, and their grants.
    db.delete_client(realm_id, &ids.of("app")).await.unwrap();
    assert_eq!(db.find_client_by_client_id(realm_id, "app").await.unwrap(), None);
    let roles = db.list_roles(realm_id).await.unwrap();
    assert!(roles.iter().all(|r| r.client_uuid.as_deref() != Some(ids.of("app").as_str())));
    assert!(db.list_user_role_ids(&ids.of("service")).await.unwrap().is_empty());
    assert_not_found(db.delete_client(realm_id, &ids.of("app")).await);

    // A deleted role leaves the composites that contained it.
    db.delete_role(realm_id, &ids.of("user")).await.unwrap();
    let roles = db.list_roles(realm_id).await.unwrap();
    assert!(roles.iter().all(|r| r.id != ids.of("user")));
    assert!(roles.iter().all(|r| !r.composites.contains(&ids.of("user"))));
    assert_not_found(db.delete_role(realm_id, &ids.of("user")).await);
}

pub(crate) async fn roles_are_renamed_revoked_and_listed_by_holder(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let ids = Ids::new("demo");
    let realm_id = &demo.realm.id;
    let alice = &demo.users[0].user;

    let holders = db.list_users_with_role(realm_id, &ids.of("admin")).await.unwrap();
    assert_eq!(holders, vec![alice.clone()]);
    assert!(db.list_users_with_role(realm_id, &ids.of("user")).await.unwrap().is_empty());

    let mut admin = demo.roles[0].clone();
    admin.name = "administrator".into();
    admin.description = None;
    db.update_role(&admin).await.unwrap();
    let stored = db.list_roles(realm_id).await.unwrap();
    let found = stored.iter().find(|r| r.id == admin.id).unwrap();
    assert_eq!((found.name.as_str(), found.description.as_ref()), ("administrator", None));
    assert_eq!(found.composites.len(), 2, "composites are kept");
    admin.name = "user".into();
    assert_conflict(db.update_role(&admin).await);
    admin.id = "missing".into();
    admin.name = "fresh".into();
    assert_not_found(db.update_role(&admin).await);

    db.revoke_roles(&alice.id, &[ids.of("admin"), ids.of("never-granted")]).await.unwrap();
    assert_eq!(db.list_user_role_ids(&alice.id).await.unwrap(), vec![ids.of("default-roles")]);
    assert!(db.list_users_with_role(realm_id, &ids.of("admin")).await.unwrap().is_empty());
}

pub(crate) async fn composites_are_added_and_removed(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let ids = Ids::new("demo");
    let realm_id = &demo.realm.id;
    let composites_of = |roles: Vec<latchkey_core::role::Role>, id: String| {
        let mut found = roles.into_iter().find(|r| r.id == id).unwrap().composites;
        found.sort();
        found
    };
    let before = composites_of(db.list_roles(realm_id).await.unwrap(), ids.of("default-roles"));
    assert_eq!(before, vec![ids.of("user")]);

    let added = [ids.of("admin"), ids.of("user")];
    db.add_composites(&ids.of("default-roles"), &added).await.unwrap();
    let mut expected = vec![ids.of("admin"), ids.of("user")];
    expected.sort();
    let after = composites_of(db.list_roles(realm_id).await.unwrap(), ids.of("default-roles"));
    assert_eq!(after, expected, "a link already there is kept once");

    let missing = [ids.of("app-admin"), "no-such-role".to_owned()];
    assert!(db.add_composites(&ids.of("admin"), &missing).await.is_err());
    let unchanged = composites_of(db.list_roles(realm_id).await.unwrap(), ids.of("admin"));
    assert!(!unchanged.contains(&ids.of("app-admin")), "all or nothing");

    let removed = [ids.of("user"), ids.of("never-linked")];
    db.remove_composites(&ids.of("default-roles"), &removed).await.unwrap();
    let last = composites_of(db.list_roles(realm_id).await.unwrap(), ids.of("default-roles"));
    assert_eq!(last, vec![ids.of("admin")]);
}

pub(crate) async fn users_are_searched_counted_and_paged(db: &Database) {
    use latchkey_core::store::{TextMatch, UserQuery};
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;
    let names = |users: Vec<latchkey_core::user::User>| {
        users.into_iter().map(|u| u.username).collect::<Vec<_>>()
    };
    let search = |text: TextMatch| UserQuery { search: Some(text), ..UserQuery::default() };

    // Service-account users are never found; the rest come by username.
    let everyone = db.search_users(realm_id, &UserQuery::default(), 0, 100).await.unwrap();
    assert_eq!(names(everyone), ["alice", "bob"]);
    assert_eq!(db.count_users_matching(realm_id, &UserQuery::default()).await.unwrap(), 2);
    let second = db.search_users(realm_id, &UserQuery::default(), 1, 1).await.unwrap();
    assert_eq!(names(second), ["bob"]);

    // `search` looks at username, email and names, lower-cased.
    let found = db.search_users(realm_id, &search(TextMatch::Prefix("al".into())), 0, 10).await;
    assert_eq!(names(found.unwrap()), ["alice"]);
    let by_email = search(TextMatch::Contains("example.com".into()));
    assert_eq!(names(db.search_users(realm_id, &by_email, 0, 10).await.unwrap()), ["alice"]);
    let by_name = search(TextMatch::Exact("bob".into()));
    assert_eq!(names(db.search_users(realm_id, &by_name, 0, 10).await.unwrap()), ["bob"]);
    let nobody = search(TextMatch::Prefix("service".into()));
    assert_eq!(db.count_users_matching(realm_id, &nobody).await.unwrap(), 0);

    // Field filters and switches combine.
    let query = UserQuery {
        username: Some(TextMatch::Contains("o".into())),
        email_verified: Some(false),
        ..UserQuery::default()
    };
    assert_eq!(names(db.search_users(realm_id, &query, 0, 10).await.unwrap()), ["bob"]);
    let disabled = UserQuery { enabled: Some(false), ..UserQuery::default() };
    assert_eq!(db.count_users_matching(realm_id, &disabled).await.unwrap(), 0);

    // A renamed user is found under the new name.
    let mut bob = demo.users[1].user.clone();
    bob.profile.first_name = Some("Zoë".into());
    db.update_user(&bob).await.unwrap();
    let first =
        UserQuery { first_name: Some(TextMatch::Exact("zoë".into())), ..UserQuery::default() };
    assert_eq!(names(db.search_users(realm_id, &first, 0, 10).await.unwrap()), ["bob"]);
}
