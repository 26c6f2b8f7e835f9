//! The contract for groups (their tree, role mappings, members and default groups), the
//! roles users hold through them, credentials of every type and the attribute search.

use latchkey_core::session::Session;
use latchkey_core::store::{Store, StoreError, UserQuery};
use latchkey_store::Database;

use super::fixtures::{self, Ids, bundle, session};

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(matches!(result, Err(StoreError::NotFound(_))), "expected not found: {result:?}");
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(matches!(result, Err(StoreError::Conflict(_))), "expected a conflict: {result:?}");
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// Group names are unique among siblings, byte by byte; a group moves under any group
/// but itself or one below it; deleting one takes the groups below it along.
pub(crate) async fn groups_are_a_tree_of_unique_sibling_names(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;
    let ids = Ids::new("demo");
    let group = |id: &str, parent: Option<&str>, name: &str| {
        fixtures::group(realm_id, &ids.of(id), parent.map(|p| ids.of(p)).as_deref(), name)
    };

    // `staff` and `Staff` stand side by side at the top; a second `staff` does not.
    assert_conflict(db.insert_group(&group("staff-2", None, "staff")).await);
    // The same name under another parent, or at the top as a child's name, is fine.
    db.insert_group(&group("ops-top", None, "ops")).await.unwrap();
    db.insert_group(&group("ops-2", Some("Staff"), "ops")).await.unwrap();
    assert_conflict(db.insert_group(&group("ops-3", Some("staff"), "ops")).await);
    assert_not_found(db.insert_group(&group("orphan", Some("nope"), "orphan")).await);
    // Another realm's group is no parent here.
    let other = bundle("other");
    db.import_realm(&other).await.unwrap();
    let foreign = fixtures::group(realm_id, "x", Some(&Ids::new("other").of("staff")), "x");
    assert_not_found(db.insert_group(&foreign).await);

    // Renamed: the name must stay unique among its siblings.
    let mut renamed = group("ops-top", None, "Staff");
    assert_conflict(db.update_group(&renamed).await);
    renamed.name = "operators".into();
    renamed.description = None;
    renamed.attributes.clear();
    db.update_group(&renamed).await.unwrap();
    let groups = db.list_groups(realm_id).await.unwrap();
    let stored = groups.iter().find(|g| g.id == renamed.id).unwrap();
    assert_eq!((stored.name.as_str(), &stored.description), ("operators", &None));
    assert!(stored.attributes.is_empty());
    assert_not_found(db.update_group(&group("nope", None, "nope")).await);

    // Moves: under its own child or itself, nothing happens.
    assert!(!db.move_group(realm_id, &ids.of("staff"), Some(&ids.of("ops"))).await.unwrap());
    assert!(!db.move_group(realm_id, &ids.of("staff"), Some(&ids.of("staff"))).await.unwrap());
    // Under `Staff`, `ops` would meet the `ops` there.
    assert_conflict(db.move_group(realm_id, &ids.of("ops"), Some(&ids.of("Staff"))).await);
    db.insert_group(&group("ops-top-2", None, "ops")).await.unwrap();
    assert_conflict(db.move_group(realm_id, &ids.of("ops"), None).await);
    db.delete_group(realm_id, &ids.of("ops-top-2")).await.unwrap();
    assert!(db.move_group(realm_id, &ids.of("ops-top"), Some(&ids.of("ops"))).await.unwrap());
    let parent_of = |groups: &[latchkey_core::group::Group], id: &str| {
        groups.iter().find(|g| g.id == ids.of(id)).and_then(|g| g.parent_id.clone())
    };
    let groups = db.list_groups(realm_id).await.unwrap();
    assert_eq!(parent_of(&groups, "ops-top"), Some(ids.of("ops")));
    assert_not_found(db.move_group(realm_id, &ids.of("nope"), None).await);
    assert_not_found(db.move_group(realm_id, &ids.of("ops"), Some("nope")).await);
    assert_not_found(db.move_group(&other.realm.id, &ids.of("ops"), None).await);

    // Deleting `staff` takes `ops` and `ops-top` below it, bob's membership and the
    // default-group entry.
    let bob = &demo.users[1].user;
    db.delete_group(realm_id, &ids.of("staff")).await.unwrap();
    let left: Vec<String> =
        sorted(db.list_groups(realm_id).await.unwrap().into_iter().map(|g| g.id).collect());
    assert_eq!(left, sorted(vec![ids.of("Staff"), ids.of("ops-2")]));
    assert!(db.list_user_group_ids(&bob.id).await.unwrap().is_empty());
    assert!(db.list_default_group_ids(realm_id).await.unwrap().is_empty());
    assert_not_found(db.delete_group(realm_id, &ids.of("staff")).await);
    assert_not_found(db.delete_group(&other.realm.id, &ids.of("Staff")).await);
    assert_eq!(db.list_groups(&other.realm.id).await.unwrap().len(), 3);
}

/// Members hold the roles of their groups and of the groups above, in the session
/// context as in `list_user_held_role_ids`, and every change shows at the next read.
pub(crate) async fn members_hold_their_groups_roles(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;
    let ids = Ids::new("demo");
    let bob = demo.users[1].user.clone();
    let context = |id: &'static str| async move {
        sorted(db.find_session_context(id).await.unwrap().unwrap().role_ids)
    };
    db.insert_session(&Session { user_id: bob.id.clone(), ..session(&demo, "s1", 100) })
        .await
        .unwrap();
    // `/staff/ops` maps the client's `admin`, `/staff` above it maps `user`.
    let through_groups = sorted(vec![ids.of("app-admin"), ids.of("user")]);
    assert_eq!(context("s1").await, through_groups);
    assert_eq!(db.list_user_held_role_ids(&bob.id).await.unwrap(), through_groups);
    // A direct grant of a role a group gives too counts once.
    db.grant_roles(&bob.id, &[ids.of("user"), ids.of("admin")]).await.unwrap();
    let all = sorted(vec![ids.of("admin"), ids.of("app-admin"), ids.of("user")]);
    assert_eq!(context("s1").await, all);
    assert_eq!(db.list_user_held_role_ids(&bob.id).await.unwrap(), all);
    db.revoke_roles(&bob.id, &[ids.of("user"), ids.of("admin")]).await.unwrap();

    // Mapping changes on a group above.
    db.revoke_group_roles(&ids.of("staff"), &[ids.of("user")]).await.unwrap();
    assert_eq!(context("s1").await, [ids.of("app-admin")]);
    db.grant_group_roles(&ids.of("staff"), &[ids.of("admin"), ids.of("admin")]).await.unwrap();
    assert_eq!(context("s1").await, sorted(vec![ids.of("admin"), ids.of("app-admin")]));
    assert_not_found(db.grant_group_roles(&ids.of("staff"), &["nope".into()]).await);
    assert_not_found(db.grant_group_roles("nope", &[ids.of("user")]).await);

    // Moving `/staff/ops` to the top leaves `/staff`'s roles behind.
    assert!(db.move_group(realm_id, &ids.of("ops"), None).await.unwrap());
    assert_eq!(context("s1").await, [ids.of("app-admin")]);
    assert!(db.move_group(realm_id, &ids.of("ops"), Some(&ids.of("staff"))).await.unwrap());
    assert_eq!(context("s1").await, sorted(vec![ids.of("admin"), ids.of("app-admin")]));

    // Leaving and joining.
    db.leave_group(&bob.id, &ids.of("ops")).await.unwrap();
    db.leave_group(&bob.id, &ids.of("ops")).await.unwrap();
    assert!(context("s1").await.is_empty());
    db.join_group(&bob.id, &ids.of("staff")).await.unwrap();
    db.join_group(&bob.id, &ids.of("staff")).await.unwrap();
    assert_eq!(context("s1").await, [ids.of("admin")]);
    assert_eq!(db.list_user_group_ids(&bob.id).await.unwrap(), [ids.of("staff")]);
    assert_not_found(db.join_group(&bob.id, "nope").await);
    assert_not_found(db.join_group("nope", &ids.of("staff")).await);

    // A deleted role, a deleted group.
    db.delete_role(realm_id, &ids.of("admin")).await.unwrap();
    assert!(context("s1").await.is_empty());
    db.join_group(&bob.id, &ids.of("ops")).await.unwrap();
    assert_eq!(context("s1").await, [ids.of("app-admin")]);
    db.delete_group(realm_id, &ids.of("staff")).await.unwrap();
    assert!(context("s1").await.is_empty());
}

pub(crate) async fn members_and_default_groups_are_listed(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;
    let ids = Ids::new("demo");
    for (id, username) in [("zed", "zed"), ("amy", "amy")] {
        let user = fixtures::user(realm_id, &ids.of(id), username, None);
        db.insert_user(&user).await.unwrap();
        db.join_group(&user.id, &ids.of("ops")).await.unwrap();
    }
    let names = |users: Vec<latchkey_core::user::User>| -> Vec<String> {
        users.into_iter().map(|u| u.username).collect()
    };
    let ops = ids.of("ops");
    assert_eq!(
        names(db.list_group_members(realm_id, &ops, 0, 100).await.unwrap()),
        ["amy", "bob", "zed"]
    );
    assert_eq!(names(db.list_group_members(realm_id, &ops, 1, 1).await.unwrap()), ["bob"]);
    assert!(db.list_group_members(realm_id, &ids.of("staff"), 0, 100).await.unwrap().is_empty());
    assert!(db.list_group_members("other", &ops, 0, 100).await.unwrap().is_empty());

    // Default groups keep the order they were added in, each once.
    db.add_default_group(realm_id, &ids.of("Staff")).await.unwrap();
    db.add_default_group(realm_id, &ids.of("staff")).await.unwrap();
    db.add_default_group(realm_id, &ids.of("Staff")).await.unwrap();
    let expected = [ids.of("ops"), ids.of("Staff"), ids.of("staff")];
    assert_eq!(db.list_default_group_ids(realm_id).await.unwrap(), expected);
    db.remove_default_group(realm_id, &ids.of("ops")).await.unwrap();
    db.remove_default_group(realm_id, &ids.of("ops")).await.unwrap();
    assert_eq!(
        db.list_default_group_ids(realm_id).await.unwrap(),
        [ids.of("Staff"), ids.of("staff")]
    );
    assert_not_found(db.add_default_group(realm_id, "nope").await);
    let other = bundle("other");
    db.import_realm(&other).await.unwrap();
    assert_not_found(db.add_default_group(&other.realm.id, &ids.of("staff")).await);
}

/// Credentials of any type, labelled and ordered; one password per user.
pub(crate) async fn credentials_are_labelled_moved_and_deleted(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let ids = Ids::new("demo");
    let alice = &demo.users[0].user;
    let order = |credentials: Vec<latchkey_core::user::Credential>| -> Vec<(String, i64)> {
        credentials.into_iter().map(|c| (c.credential_type, c.priority)).collect()
    };
    let listed = db.list_credentials(&alice.id).await.unwrap();
    assert_eq!(order(listed), [("password".to_owned(), 10), ("otp".to_owned(), 20)]);

    db.set_credential_label(&alice.id, &ids.of("alice-password"), Some("My password"))
        .await
        .unwrap();
    assert_not_found(db.set_credential_label(&alice.id, "nope", Some("x")).await);
    // Another user's credential is not found.
    let bob = &demo.users[1].user;
    assert_not_found(db.set_credential_label(&bob.id, &ids.of("alice-otp"), None).await);

    assert!(db.move_credential(&alice.id, &ids.of("alice-otp"), None).await.unwrap());
    let listed = db.list_credentials(&alice.id).await.unwrap();
    assert_eq!(order(listed.clone()), [("otp".to_owned(), 10), ("password".to_owned(), 20)]);
    assert_eq!(listed[1].user_label.as_deref(), Some("My password"));
    let password = ids.of("alice-password");
    assert!(db.move_credential(&alice.id, &ids.of("alice-otp"), Some(&password)).await.unwrap());
    let listed = db.list_credentials(&alice.id).await.unwrap();
    assert_eq!(order(listed), [("password".to_owned(), 10), ("otp".to_owned(), 20)]);
    assert!(!db.move_credential(&alice.id, &ids.of("alice-otp"), Some("nope")).await.unwrap());
    assert!(!db.move_credential(&alice.id, "nope", None).await.unwrap());

    // A new password replaces the hash but keeps the label and the place.
    let mut new_password = fixtures::password(&alice.id, &ids.of("alice-password-2"));
    new_password.created_date += 5;
    db.set_password(&new_password).await.unwrap();
    let listed = db.list_credentials(&alice.id).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].id, ids.of("alice-password-2"));
    assert_eq!(listed[0].user_label.as_deref(), Some("My password"));

    db.delete_credential(&alice.id, &ids.of("alice-otp")).await.unwrap();
    assert_not_found(db.delete_credential(&alice.id, &ids.of("alice-otp")).await);
    db.delete_credential(&alice.id, &ids.of("alice-password-2")).await.unwrap();
    assert!(db.list_credentials(&alice.id).await.unwrap().is_empty());
    assert_eq!(db.find_password(&alice.id).await.unwrap(), None);
    // A first password again.
    db.set_password(&new_password).await.unwrap();
    assert!(db.find_password(&alice.id).await.unwrap().is_some());
}

/// `q=key:value`: names exactly, values in any case, every term must hold.
pub(crate) async fn users_are_found_by_attribute(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;
    let found = |terms: &[(&str, &str)]| {
        let query = UserQuery {
            attributes: terms.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            ..UserQuery::default()
        };
        async move {
            let users = db.search_users(realm_id, &query, 0, 100).await.unwrap();
            let count = db.count_users_matching(realm_id, &query).await.unwrap();
            let names: Vec<String> = users.into_iter().map(|u| u.username).collect();
            assert_eq!(usize::try_from(count).unwrap(), names.len());
            names
        }
    };
    // Alice and bob are on teams blue and red; the service account is never found.
    assert_eq!(found(&[("team", "blue")]).await, ["alice", "bob"]);
    assert_eq!(found(&[("team", "RED")]).await, ["alice", "bob"]);
    assert!(found(&[("Team", "blue")]).await.is_empty());
    assert!(found(&[("team", "blu")]).await.is_empty());
    assert_eq!(found(&[("team", "blue"), ("team", "red")]).await, ["alice", "bob"]);

    let mut bob = demo.users[1].user.clone();
    bob.profile.attributes.insert("dept".into(), vec!["Eng".into()]);
    db.update_user(&bob).await.unwrap();
    assert_eq!(found(&[("dept", "eng"), ("team", "blue")]).await, ["bob"]);
    bob.profile.attributes.clear();
    db.update_user(&bob).await.unwrap();
    assert!(found(&[("dept", "eng")]).await.is_empty());
    assert_eq!(found(&[("team", "blue")]).await, ["alice"]);
}
