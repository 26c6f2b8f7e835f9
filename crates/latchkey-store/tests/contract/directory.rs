//! The contract for the slow-moving rows: realms, keys, clients, roles, users, passwords.

use latchkey_core::representation::{RealmRepresentation, import_realm};
use latchkey_core::role::Role;
use latchkey_core::store::{ClientScopeMapping, RealmChanges, Store, StoreError, UserBundle};
use latchkey_core::time::UnixMillis;
use latchkey_core::token::algorithm::{Algorithm, KeyType};
use latchkey_core::token::keys::KeySet;
use latchkey_store::Database;

use super::fixtures::{self, Ids, bundle};

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(matches!(result, Err(StoreError::Conflict(_))), "expected a conflict: {result:?}");
}

#[track_caller]
fn assert_not_found<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(matches!(result, Err(StoreError::NotFound(_))), "expected not found: {result:?}");
}

fn sorted_roles(mut roles: Vec<Role>) -> Vec<Role> {
    for role in &mut roles {
        role.composites.sort();
    }
    roles.sort_by(|a, b| a.id.cmp(&b.id));
    roles
}

/// What latchkey does not model of an imported entity (migration 0017) reads back by
/// kind and id, and goes when the entity or the realm goes.
pub(crate) async fn kept_fields_are_stored_with_the_realm_and_go_with_their_entity(db: &Database) {
    let demo = bundle("demo");
    let other = bundle("other");
    db.import_realm(&demo).await.unwrap();
    db.import_realm(&other).await.unwrap();
    let realm_id = &demo.realm.id;
    let mut expected = demo.kept.clone();
    expected.sort_by(|a, b| (a.kind.as_str(), &a.entity_id).cmp(&(b.kind.as_str(), &b.entity_id)));
    assert_eq!(db.list_kept_fields(realm_id).await.unwrap(), expected);

    let ids = Ids::new("demo");
    db.delete_client(realm_id, &ids.of("app")).await.unwrap();
    db.delete_user(realm_id, &ids.of("alice")).await.unwrap();
    db.delete_group(realm_id, &ids.of("staff")).await.unwrap();
    let left: Vec<_> = db.list_kept_fields(realm_id).await.unwrap();
    let kinds: Vec<&str> = left.iter().map(|k| k.kind.as_str()).collect();
    assert_eq!(kinds, ["client_scope", "role"]);

    db.delete_realm(realm_id).await.unwrap();
    assert_eq!(db.list_kept_fields(realm_id).await.unwrap(), Vec::new());
    assert_eq!(db.list_kept_fields(&other.realm.id).await.unwrap().len(), other.kept.len());
}

pub(crate) async fn import_reads_back_every_entity(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;

    assert_eq!(db.find_realm_by_name("demo").await.unwrap(), Some(demo.realm.clone()));
    assert_eq!(db.list_realms().await.unwrap(), vec![demo.realm.clone()]);
    // Highest priority first.
    assert_eq!(db.list_keys(realm_id).await.unwrap(), demo.keys);
    // By client_id.
    assert_eq!(db.list_clients(realm_id).await.unwrap(), demo.clients);
    for client in &demo.clients {
        let found = db.find_client_by_client_id(realm_id, &client.client_id).await.unwrap();
        assert_eq!(found.as_ref(), Some(client));
    }
    assert_eq!(
        sorted_roles(db.list_roles(realm_id).await.unwrap()),
        sorted_roles(demo.roles.clone())
    );
    let users: Vec<_> = demo.users.iter().map(|u| u.user.clone()).collect();
    let mut by_username = users.clone();
    by_username.sort_by(|a, b| a.username.cmp(&b.username));
    assert_eq!(db.list_users(realm_id).await.unwrap(), by_username);
    for bundle in &demo.users {
        let user = &bundle.user;
        assert_eq!(db.find_user_by_id(realm_id, &user.id).await.unwrap().as_ref(), Some(user));
        let found = db.find_user_by_username(realm_id, &user.username).await.unwrap();
        assert_eq!(found.as_ref(), Some(user));
        assert_eq!(db.find_password(&user.id).await.unwrap(), bundle.password());
        assert_eq!(db.list_credentials(&user.id).await.unwrap(), bundle.credentials);
        let mut granted = bundle.role_ids.clone();
        granted.sort();
        assert_eq!(db.list_user_role_ids(&user.id).await.unwrap(), granted);
        assert_eq!(db.list_user_group_ids(&user.id).await.unwrap(), bundle.group_ids);
    }
    let mut groups = db.list_groups(realm_id).await.unwrap();
    groups.sort_by(|a, b| a.id.cmp(&b.id));
    let mut expected = demo.groups.clone();
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(groups, expected);
    assert_eq!(db.list_default_group_ids(realm_id).await.unwrap(), demo.default_group_ids);
    assert_eq!(db.list_client_scopes(realm_id).await.unwrap(), demo.client_scopes);
    assert_eq!(db.list_realm_default_scopes(realm_id).await.unwrap(), demo.default_client_scopes);
    assert_eq!(db.list_client_scope_mappings(realm_id).await.unwrap(), demo.client_scope_mappings);
    let alice = &demo.users[0].user;
    let password = db.find_password(&alice.id).await.unwrap().unwrap();
    assert!(password.hash.verify("correct horse"));
    assert!(!password.hash.verify("wrong"));
}

/// The realm built by core's importer from Keycloak JSON: real keys, default roles.
pub(crate) async fn a_keycloak_realm_round_trips(db: &Database) {
    let rep: RealmRepresentation = serde_json::from_value(serde_json::json!({
        "realm": "kc",
        "roles": {"realm": [{"name": "operator"}, {"name": "all", "composites": {"realm": ["operator"]}}]},
        "clients": [{"clientId": "app", "publicClient": true, "directAccessGrantsEnabled": true}],
        "users": [{"username": "Alice", "email": "Alice@Example.com",
                   "credentials": [{"type": "password", "value": "pw"}], "realmRoles": ["all"]}]
    }))
    .unwrap();
    let kc = import_realm(rep, UnixMillis(fixtures::CREATED)).unwrap();
    db.import_realm(&kc).await.unwrap();
    let realm = db.find_realm_by_name("kc").await.unwrap().unwrap();
    assert_eq!(realm, kc.realm);
    let keys = KeySet::from_stored(db.list_keys(&realm.id).await.unwrap(), &realm.name).unwrap();
    assert_eq!(
        keys.asymmetric.len(),
        kc.keys.iter().filter(|k| k.key_type() != KeyType::Hmac).count()
    );
    assert!(keys.active_rsa().is_some() && keys.active_hmac().is_some());
    let alice = db.find_user_by_username(&realm.id, "ALICE").await.unwrap().unwrap();
    assert_eq!(
        db.find_users_by_email(&realm.id, "alice@example.com").await.unwrap(),
        std::slice::from_ref(&alice)
    );
    assert!(db.find_password(&alice.id).await.unwrap().unwrap().hash.verify("pw"));
    assert_eq!(sorted_roles(db.list_roles(&realm.id).await.unwrap()), sorted_roles(kc.roles));
}

pub(crate) async fn importing_a_taken_realm_name_is_a_conflict_and_writes_nothing(db: &Database) {
    db.import_realm(&bundle("demo")).await.unwrap();
    // Same name, fresh ids: only the name clashes.
    let mut again = bundle("other");
    again.realm.name = "demo".into();
    assert_conflict(db.import_realm(&again).await);
    assert_eq!(db.list_realms().await.unwrap().len(), 1);
    assert!(db.list_clients(&again.realm.id).await.unwrap().is_empty());

    // A clash on the last row rolls back the realm and everything before it.
    let mut late = bundle("late");
    let mut twin = late.users[1].clone();
    twin.user.id = "late-twin".into();
    late.users.push(twin);
    assert_conflict(db.import_realm(&late).await);
    assert_eq!(db.find_realm_by_name("late").await.unwrap(), None);
    assert!(db.list_keys(&late.realm.id).await.unwrap().is_empty());
    assert!(db.list_roles(&late.realm.id).await.unwrap().is_empty());
    assert_eq!(db.find_password(&late.users[0].user.id).await.unwrap(), None);
    assert!(db.list_groups(&late.realm.id).await.unwrap().is_empty());
}

/// A partial import's changes (`apply_realm_changes`): the overwritten entities go with
/// what cascades from them, the new ones come, and a collision anywhere writes nothing,
/// its deletes included.
pub(crate) async fn realm_changes_apply_in_one_transaction(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;
    let ids = Ids::new("demo");

    let colliding = RealmChanges {
        realm_id: realm_id.clone(),
        deleted_users: vec![ids.of("bob")],
        clients: vec![fixtures::client(realm_id, &ids.of("new-app"), "backend", None)],
        ..RealmChanges::default()
    };
    assert_conflict(db.apply_realm_changes(&colliding).await);
    assert!(db.find_user_by_username(realm_id, "bob").await.unwrap().is_some());

    // `app` overwritten: deleted (its roles and their grants with it) and created anew
    // with a role; `staff` (and `ops` below it) and bob replaced; carol new, in the new
    // group, holding the new role and a role that stays.
    let mut settings = demo.realm.clone();
    settings.settings.display_name = Some("Changed with the import".into());
    let mut new_group = fixtures::group(realm_id, &ids.of("staff-2"), None, "staff");
    new_group.role_ids = vec![ids.of("app-2-reader")];
    let carol = fixtures::user(realm_id, &ids.of("carol"), "carol", None);
    let changes = RealmChanges {
        realm_id: realm_id.clone(),
        realm: Some(settings),
        deleted_users: vec![ids.of("bob")],
        deleted_groups: vec![ids.of("staff")],
        // The second went with its client: no error.
        deleted_roles: vec![ids.of("user"), ids.of("app-admin")],
        deleted_clients: vec![ids.of("app")],
        clients: vec![fixtures::client(realm_id, &ids.of("app-2"), "app", None)],
        roles: vec![fixtures::role(
            realm_id,
            &ids.of("app-2-reader"),
            Some(&ids.of("app-2")),
            "reader",
        )],
        groups: vec![new_group],
        client_scope_mappings: vec![ClientScopeMapping {
            client_uuid: ids.of("app-2"),
            role_id: ids.of("app-2-reader"),
        }],
        users: vec![UserBundle {
            group_ids: vec![ids.of("staff-2")],
            ..UserBundle::new(carol, None, vec![ids.of("app-2-reader"), ids.of("admin")])
        }],
        kept: Vec::new(),
    };
    db.apply_realm_changes(&changes).await.unwrap();

    let realm = db.find_realm_by_name("demo").await.unwrap().unwrap();
    assert_eq!(realm.settings.display_name.as_deref(), Some("Changed with the import"));
    let clients: Vec<(String, String)> =
        db.list_clients(realm_id).await.unwrap().into_iter().map(|c| (c.client_id, c.id)).collect();
    assert!(clients.contains(&("app".to_owned(), ids.of("app-2"))), "{clients:?}");
    let roles: Vec<String> =
        db.list_roles(realm_id).await.unwrap().into_iter().map(|r| r.id).collect();
    for gone in ["user", "app-admin", "app-viewer"] {
        assert!(!roles.contains(&ids.of(gone)), "{gone} in {roles:?}");
    }
    assert!(roles.contains(&ids.of("app-2-reader")) && roles.contains(&ids.of("admin")));
    let groups: Vec<String> =
        db.list_groups(realm_id).await.unwrap().into_iter().map(|g| g.id).collect();
    assert_eq!(groups.len(), 2, "{groups:?}");
    assert!(groups.contains(&ids.of("staff-2")) && !groups.contains(&ids.of("ops")));
    assert!(db.find_user_by_username(realm_id, "bob").await.unwrap().is_none());
    let carol = db.find_user_by_username(realm_id, "carol").await.unwrap().unwrap();
    let mut held = db.list_user_role_ids(&carol.id).await.unwrap();
    held.sort();
    assert_eq!(held, [ids.of("admin"), ids.of("app-2-reader")]);
    assert_eq!(db.list_user_group_ids(&carol.id).await.unwrap(), [ids.of("staff-2")]);
    let mappings = db.list_client_scope_mappings(realm_id).await.unwrap();
    assert!(mappings.iter().any(|m| m.client_uuid == ids.of("app-2")));
}

pub(crate) async fn unique_names_are_conflicts(db: &Database) {
    let demo = bundle("demo");
    let other = bundle("other");
    db.import_realm(&demo).await.unwrap();
    db.import_realm(&other).await.unwrap();
    let realm_id = &demo.realm.id;
    let ids = Ids::new("demo");

    // Clients: client_id is unique per realm.
    let copy = fixtures::client(realm_id, &ids.of("app-2"), "app", None);
    assert_conflict(db.insert_client(&copy).await);
    let elsewhere = fixtures::client(&other.realm.id, &ids.of("app-2"), "brand-new", None);
    db.insert_client(&elsewhere).await.unwrap();
    let mut renamed = demo.clients[1].clone();
    renamed.client_id = "app".into();
    assert_conflict(db.update_client(&renamed).await);

    // Roles: unique per realm for realm roles, per client for client roles.
    assert_conflict(db.insert_role(&fixtures::role(realm_id, "r1", None, "admin")).await);
    let app = Some(demo.clients[0].id.as_str());
    assert_conflict(db.insert_role(&fixtures::role(realm_id, "r2", app, "viewer")).await);
    let backend = Some(demo.clients[1].id.as_str());
    db.insert_role(&fixtures::role(realm_id, "r3", backend, "viewer")).await.unwrap();
    db.insert_role(&fixtures::role(realm_id, "r4", backend, "admin")).await.unwrap();
    db.insert_role(&fixtures::role(&other.realm.id, "r5", None, "brand-new")).await.unwrap();
    db.insert_role(&fixtures::role(realm_id, "r6", None, "brand-new")).await.unwrap();

    // Users: username is unique per realm.
    let twin = fixtures::user(realm_id, "u1", "alice", None);
    assert_conflict(db.insert_user(&twin).await);
    db.insert_user(&fixtures::user(&other.realm.id, "u2", "zoe", None)).await.unwrap();
    db.insert_user(&fixtures::user(realm_id, "u3", "zoe", None)).await.unwrap();
    let mut bob = demo.users[1].user.clone();
    bob.username = "alice".into();
    assert_conflict(db.update_user(&bob).await);

    // Keys and realms.
    assert_conflict(db.insert_key(&demo.keys[0]).await);
    let mut realm = demo.realm.clone();
    realm.name = "other".into();
    assert_conflict(db.update_realm(&realm).await);

    // Nothing above changed what was there.
    assert_eq!(db.find_realm_by_name("demo").await.unwrap(), Some(demo.realm.clone()));
    assert_eq!(
        db.find_user_by_id(realm_id, &bob.id).await.unwrap(),
        Some(demo.users[1].user.clone())
    );
}

pub(crate) async fn missing_rows_are_not_found(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;
    let ghost = fixtures::user(realm_id, "ghost", "ghost", None);
    assert_not_found(db.update_user(&ghost).await);
    assert_not_found(db.set_password(&fixtures::password("ghost", "ghost-password")).await);
    assert_not_found(db.update_client(&fixtures::client(realm_id, "ghost", "ghost", None)).await);
    let mut realm = demo.realm.clone();
    realm.id = "ghost".into();
    assert_not_found(db.update_realm(&realm).await);
    let nowhere = fixtures::user("nowhere", "u9", "nobody", None);
    assert_not_found(db.insert_user(&nowhere).await);
    let stray = fixtures::key("nowhere", "stray", Algorithm::RS256, 1);
    assert_not_found(db.insert_key(&stray).await);

    // A grant naming an unknown role grants nothing at all.
    let bob = &demo.users[1].user;
    let grants = vec![Ids::new("demo").of("user"), "no-such-role".to_owned()];
    assert_not_found(db.grant_roles(&bob.id, &grants).await);
    assert!(db.list_user_role_ids(&bob.id).await.unwrap().is_empty());
    let mut composite = fixtures::role(realm_id, "c1", None, "composite");
    composite.composites = vec!["no-such-role".into()];
    assert_not_found(db.insert_role(&composite).await);
    assert!(!db.list_roles(realm_id).await.unwrap().iter().any(|r| r.id == "c1"));

    assert_eq!(db.find_realm_by_name("nope").await.unwrap(), None);
    assert_eq!(db.find_client_by_client_id(realm_id, "nope").await.unwrap(), None);
    assert_eq!(db.find_user_by_id(realm_id, "nope").await.unwrap(), None);
    assert_eq!(db.find_user_by_id("other-realm", &bob.id).await.unwrap(), None);
    assert_eq!(db.find_password(&bob.id).await.unwrap(), None);
}

pub(crate) async fn updates_and_lookups(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;

    let mut realm = demo.realm.clone();
    realm.name = "renamed".into();
    realm.enabled = false;
    realm.settings.tokens.access_token_lifespan = 42;
    db.update_realm(&realm).await.unwrap();
    assert_eq!(db.find_realm_by_name("renamed").await.unwrap(), Some(realm));
    assert_eq!(db.find_realm_by_name("demo").await.unwrap(), None);

    let mut client = demo.clients[1].clone();
    client.secret = Some(latchkey_core::secret::Secret::new("rotated"));
    client.enabled = false;
    client.settings.attributes.insert("use.refresh.tokens".into(), "false".into());
    db.update_client(&client).await.unwrap();
    assert_eq!(db.find_client_by_client_id(realm_id, "backend").await.unwrap(), Some(client));

    // Usernames are looked up lower-cased; emails case-insensitively.
    let mut alice = demo.users[0].user.clone();
    assert_eq!(db.find_user_by_username(realm_id, "ALICE").await.unwrap(), Some(alice.clone()));
    assert_eq!(
        db.find_users_by_email(realm_id, "alice@EXAMPLE.com").await.unwrap(),
        [alice.clone()]
    );
    alice.profile.email = Some("New@Example.com".into());
    alice.profile.required_actions = vec!["UPDATE_PASSWORD".into()];
    alice.enabled = false;
    db.update_user(&alice).await.unwrap();
    assert!(db.find_users_by_email(realm_id, "alice@example.com").await.unwrap().is_empty());
    assert_eq!(db.find_users_by_email(realm_id, "new@example.com").await.unwrap(), [alice.clone()]);
    // The realm allows duplicate emails: both users come back, by username.
    let mut bob = demo.users[1].user.clone();
    bob.profile.email = Some("NEW@example.com".into());
    db.update_user(&bob).await.unwrap();
    assert_eq!(db.find_users_by_email(realm_id, "new@example.com").await.unwrap(), [alice, bob]);
}

pub(crate) async fn passwords_are_set_and_replaced(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let bob = &demo.users[1].user;
    let first = fixtures::password(&bob.id, "bob-password-1");
    db.set_password(&first).await.unwrap();
    assert_eq!(db.find_password(&bob.id).await.unwrap(), Some(first));
    let mut second = fixtures::password(&bob.id, "bob-password-2");
    second.created_date += 1_000;
    second.hash = latchkey_core::password::PasswordHash::from_keycloak(
        r#"{"value":"AAAA","salt":"c2FsdHNhbHQ="}"#,
        r#"{"hashIterations":27500,"algorithm":"pbkdf2-sha256"}"#,
    )
    .unwrap();
    db.set_password(&second).await.unwrap();
    assert_eq!(db.find_password(&bob.id).await.unwrap(), Some(second));
    // Alice's password is untouched.
    assert_eq!(db.find_password(&demo.users[0].user.id).await.unwrap(), demo.users[0].password());
}

pub(crate) async fn roles_are_granted_once(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let ids = Ids::new("demo");
    let bob = &demo.users[1].user;
    db.grant_roles(&bob.id, &[]).await.unwrap();
    assert!(db.list_user_role_ids(&bob.id).await.unwrap().is_empty());
    db.grant_roles(&bob.id, &[ids.of("user"), ids.of("app-admin"), ids.of("user")]).await.unwrap();
    db.grant_roles(&bob.id, &[ids.of("app-admin"), ids.of("admin")]).await.unwrap();
    assert_eq!(
        db.list_user_role_ids(&bob.id).await.unwrap(),
        [ids.of("admin"), ids.of("app-admin"), ids.of("user")]
    );

    let mut manager = fixtures::role(&demo.realm.id, &ids.of("manager"), None, "manager");
    manager.composites = vec![ids.of("admin"), ids.of("app-admin"), ids.of("admin")];
    db.insert_role(&manager).await.unwrap();
    let roles = db.list_roles(&demo.realm.id).await.unwrap();
    let found = roles.iter().find(|r| r.id == manager.id).unwrap();
    assert_eq!(found.composites, [ids.of("admin"), ids.of("app-admin")]);
    // Realm roles come first, then client roles, each by name.
    let names: Vec<_> = roles.iter().map(|r| (r.client_uuid.is_some(), r.name.as_str())).collect();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(names, expected);
}

/// Keys are components: updated in place (a new key size or curve brings a new kid),
/// deleted by component id, never across realms.
pub(crate) async fn keys_are_updated_and_deleted(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;
    let mut ec = demo.keys[2].clone();
    ec.kid = "rotated".into();
    ec.algorithm = Algorithm::ES512;
    ec.secret = vec![1, 2, 3];
    ec.certificate = None;
    ec.config.insert("ecdsaEllipticCurveKey".into(), vec!["P-521".into()]);
    ec.priority = 500;
    ec.active = false;
    db.update_key(&ec).await.unwrap();
    let listed = db.list_keys(realm_id).await.unwrap();
    assert_eq!(listed[0], ec);
    assert_eq!(listed.len(), demo.keys.len());

    let mut elsewhere = ec.clone();
    elsewhere.realm_id = "ghost".into();
    assert_not_found(db.update_key(&elsewhere).await);
    assert!(!db.delete_key("ghost", &ec.id).await.unwrap());
    assert!(db.delete_key(realm_id, &ec.id).await.unwrap());
    assert!(!db.delete_key(realm_id, &ec.id).await.unwrap());
    let listed = db.list_keys(realm_id).await.unwrap();
    assert_eq!(listed.len(), demo.keys.len() - 1);
    assert!(listed.iter().all(|key| key.id != ec.id));
    assert_not_found(db.update_key(&ec).await);
}
