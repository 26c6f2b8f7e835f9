//! The contract for client scopes: their mappers and scope mappings, the realm's default
//! and optional scopes, the clients' scope mappings, and the built-in scopes of a realm.

use latchkey_core::client_scope::{RealmDefaultScope, ScopeKind};
use latchkey_core::representation::new_realm;
use latchkey_core::store::{ClientScopeMapping, Store, StoreError};
use latchkey_core::time::UnixMillis;
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

/// Names are unique in a realm (not across realms); an update replaces the mappers and
/// keeps their order and ids; a delete takes the mappers and the default entry along.
pub(crate) async fn client_scopes_keep_their_mappers_and_names(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let other = bundle("other");
    db.import_realm(&other).await.unwrap();
    let realm_id = &demo.realm.id;
    let ids = Ids::new("demo");

    let mut second = fixtures::client_scope(realm_id, &ids, "second", &[]);
    second.name = "audience".into();
    assert_conflict(db.insert_client_scope(&second).await);
    second.name = "second".into();
    second.protocol_mappers[0].name = "first mapper".into();
    let mut two = second.protocol_mappers[0].clone();
    two.id = Some(ids.of("second-two"));
    two.name = "a second mapper".into();
    two.protocol_mapper = "oidc-hardcoded-claim-mapper".into();
    second.protocol_mappers.push(two);
    db.insert_client_scope(&second).await.unwrap();
    // A mapper's id is its own: another scope cannot take it.
    let mut thief = fixtures::client_scope(realm_id, &ids, "thief", &[]);
    thief.protocol_mappers[0].id = Some(ids.of("second-two"));
    assert_conflict(db.insert_client_scope(&thief).await);
    assert_not_found(
        db.insert_client_scope(&fixtures::client_scope(realm_id, &ids, "x", &[ids.of("nope")]))
            .await,
    );

    let scopes = db.list_client_scopes(realm_id).await.unwrap();
    let names: Vec<&str> = scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["audience", "second"]);
    assert_eq!(scopes[1], second, "mappers in the order given, not by name");

    // Rename, new attributes, one mapper dropped and one changed.
    let mut changed = second.clone();
    changed.name = "renamed".into();
    changed.description = None;
    changed.protocol = "saml".into();
    changed.attributes.insert("display.on.consent.screen".into(), "false".into());
    changed.protocol_mappers.remove(0);
    changed.protocol_mappers[0].config.insert("claim.name".into(), "x".into());
    db.update_client_scope(&changed, &[]).await.unwrap();
    let scopes = db.list_client_scopes(realm_id).await.unwrap();
    assert_eq!(scopes.iter().find(|s| s.id == changed.id), Some(&changed));
    changed.name = "audience".into();
    assert_conflict(db.update_client_scope(&changed, &[]).await);
    let mut gone = changed.clone();
    gone.id = ids.of("gone");
    assert_not_found(db.update_client_scope(&gone, &[]).await);
    // The clients given are written in the scope's transaction: all of it or nothing.
    let mut client = demo.clients[0].clone();
    client.settings.default_client_scopes = vec!["renamed-again".into()];
    let mut missing = client.clone();
    missing.id = ids.of("no-such-client");
    let mut again = scopes.iter().find(|s| s.id == second.id).unwrap().clone();
    again.name = "renamed-again".into();
    assert_not_found(db.update_client_scope(&again, &[client.clone(), missing.clone()]).await);
    let stored_scopes = db.list_client_scopes(realm_id).await.unwrap();
    assert!(stored_scopes.iter().any(|s| s.name == "renamed"), "rolled back");
    let stored_client =
        db.find_client_by_client_id(realm_id, &client.client_id).await.unwrap().unwrap();
    assert_eq!(stored_client.settings, demo.clients[0].settings, "rolled back");
    db.update_client_scope(&again, std::slice::from_ref(&client)).await.unwrap();
    let stored_client =
        db.find_client_by_client_id(realm_id, &client.client_id).await.unwrap().unwrap();
    assert_eq!(stored_client.settings.default_client_scopes, ["renamed-again"]);
    again.name = "renamed".into();
    client.settings = demo.clients[0].settings.clone();
    db.update_client_scope(&again, std::slice::from_ref(&client)).await.unwrap();
    // Another realm's scope is not updated or deleted through this realm.
    let mut foreign = other.client_scopes[0].clone();
    foreign.realm_id = realm_id.clone();
    assert_not_found(db.update_client_scope(&foreign, &[]).await);
    assert_not_found(db.delete_client_scope(realm_id, &foreign.id, &[]).await);

    let audience = ids.of("audience");
    assert_not_found(db.delete_client_scope(realm_id, &audience, &[missing]).await);
    assert!(db.list_client_scopes(realm_id).await.unwrap().iter().any(|s| s.id == audience));
    db.delete_client_scope(realm_id, &audience, &[]).await.unwrap();
    assert_not_found(db.delete_client_scope(realm_id, &audience, &[]).await);
    let names: Vec<String> =
        db.list_client_scopes(realm_id).await.unwrap().into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["renamed"]);
    assert!(db.list_realm_default_scopes(realm_id).await.unwrap().is_empty());
    // The mapper id of the deleted scope is free again.
    let mut reused = fixtures::client_scope(realm_id, &ids, "audience", &[]);
    reused.name = "again".into();
    db.insert_client_scope(&reused).await.unwrap();
    assert_eq!(db.list_client_scopes(&other.realm.id).await.unwrap(), other.client_scopes);
}

/// A scope is a default or an optional scope of the realm, never both, and only a scope
/// of that realm; entries keep the order they were added in.
pub(crate) async fn realm_default_scopes_are_one_kind_each_in_order(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let other = bundle("other");
    db.import_realm(&other).await.unwrap();
    let realm_id = &demo.realm.id;
    let ids = Ids::new("demo");
    for name in ["b", "c"] {
        db.insert_client_scope(&fixtures::client_scope(realm_id, &ids, name, &[])).await.unwrap();
    }
    let entry = |name: &str, kind| RealmDefaultScope { scope_id: ids.of(name), kind };

    assert!(db.add_realm_default_scope(realm_id, &entry("c", ScopeKind::Optional)).await.unwrap());
    assert!(db.add_realm_default_scope(realm_id, &entry("b", ScopeKind::Default)).await.unwrap());
    // Already there, as either kind: nothing changes.
    assert!(!db.add_realm_default_scope(realm_id, &entry("b", ScopeKind::Optional)).await.unwrap());
    assert!(
        !db.add_realm_default_scope(realm_id, &entry("audience", ScopeKind::Default))
            .await
            .unwrap()
    );
    // Unknown here, or another realm's.
    assert!(
        !db.add_realm_default_scope(realm_id, &entry("nope", ScopeKind::Default)).await.unwrap()
    );
    let foreign =
        RealmDefaultScope { scope_id: other.client_scopes[0].id.clone(), kind: ScopeKind::Default };
    assert!(!db.add_realm_default_scope(realm_id, &foreign).await.unwrap());
    assert_eq!(
        db.list_realm_default_scopes(realm_id).await.unwrap(),
        [
            entry("audience", ScopeKind::Default),
            entry("c", ScopeKind::Optional),
            entry("b", ScopeKind::Default)
        ]
    );

    assert!(db.remove_realm_default_scope(realm_id, &ids.of("audience")).await.unwrap());
    assert!(!db.remove_realm_default_scope(realm_id, &ids.of("audience")).await.unwrap());
    assert!(!db.remove_realm_default_scope(realm_id, &other.client_scopes[0].id).await.unwrap());
    // Added again: at the end.
    assert!(
        db.add_realm_default_scope(realm_id, &entry("audience", ScopeKind::Optional))
            .await
            .unwrap()
    );
    assert_eq!(
        db.list_realm_default_scopes(realm_id).await.unwrap(),
        [
            entry("c", ScopeKind::Optional),
            entry("b", ScopeKind::Default),
            entry("audience", ScopeKind::Optional)
        ]
    );
    assert_eq!(
        db.list_realm_default_scopes(&other.realm.id).await.unwrap(),
        other.default_client_scopes
    );
}

/// Scope mappings of a scope and of a client: granted once, revoked quietly, and gone
/// with their role or their client.
pub(crate) async fn scope_mappings_follow_their_roles(db: &Database) {
    let demo = bundle("demo");
    db.import_realm(&demo).await.unwrap();
    let realm_id = &demo.realm.id;
    let ids = Ids::new("demo");
    let (scope, app, backend) = (ids.of("audience"), ids.of("app"), ids.of("backend"));
    let roles_of_scope = async || {
        let scopes = db.list_client_scopes(realm_id).await.unwrap();
        scopes.into_iter().find(|s| s.id == scope).map(|s| s.role_ids).unwrap_or_default()
    };
    let mapping = |client: &str, role: &str| ClientScopeMapping {
        client_uuid: client.to_owned(),
        role_id: ids.of(role),
    };

    db.grant_client_scope_roles(&scope, &[ids.of("admin"), ids.of("user")]).await.unwrap();
    let mut expected = vec![ids.of("admin"), ids.of("user")];
    expected.sort();
    assert_eq!(roles_of_scope().await, expected);
    assert_not_found(
        db.grant_client_scope_roles(&scope, &[ids.of("app-admin"), ids.of("nope")]).await,
    );
    assert_eq!(roles_of_scope().await, expected, "all or nothing");
    assert_not_found(db.grant_client_scope_roles(&ids.of("nope"), &[ids.of("user")]).await);
    db.revoke_client_scope_roles(&scope, &[ids.of("user"), ids.of("app-admin")]).await.unwrap();
    assert_eq!(roles_of_scope().await, [ids.of("admin")]);

    db.grant_client_scope_mappings(&backend, &[ids.of("user"), ids.of("app-admin")]).await.unwrap();
    db.grant_client_scope_mappings(&backend, &[ids.of("user")]).await.unwrap();
    assert_not_found(db.grant_client_scope_mappings(&ids.of("nope"), &[ids.of("user")]).await);
    let mut listed = db.list_client_scope_mappings(realm_id).await.unwrap();
    listed.sort_by(|a, b| (&a.client_uuid, &a.role_id).cmp(&(&b.client_uuid, &b.role_id)));
    let mut want = vec![
        mapping(&app, "app-viewer"),
        mapping(&backend, "user"),
        mapping(&backend, "app-admin"),
    ];
    want.sort_by(|a, b| (&a.client_uuid, &a.role_id).cmp(&(&b.client_uuid, &b.role_id)));
    assert_eq!(listed, want);
    db.revoke_client_scope_mappings(&backend, &[ids.of("app-admin")]).await.unwrap();

    // A deleted role leaves every scope mapping; a deleted client takes its own along.
    db.delete_role(realm_id, &ids.of("admin")).await.unwrap();
    assert!(roles_of_scope().await.is_empty());
    db.delete_client(realm_id, &app).await.unwrap();
    assert_eq!(db.list_client_scope_mappings(realm_id).await.unwrap(), [mapping(&backend, "user")]);
    db.delete_role(realm_id, &ids.of("user")).await.unwrap();
    assert!(db.list_client_scope_mappings(realm_id).await.unwrap().is_empty());
}

/// A realm made by `new_realm` stores Keycloak 26.7.3's fifteen scopes, their 35 mappers
/// and the realm's nine default and five optional scopes, and a deleted realm takes them.
pub(crate) async fn a_new_realm_has_keycloaks_built_in_scopes(db: &Database) {
    let fresh = new_realm("fresh", UnixMillis(fixtures::CREATED)).unwrap();
    db.import_realm(&fresh).await.unwrap();
    let realm_id = &fresh.realm.id;
    let scopes = db.list_client_scopes(realm_id).await.unwrap();
    assert_eq!(scopes.len(), 15);
    assert_eq!(scopes.iter().map(|s| s.protocol_mappers.len()).sum::<usize>(), 35);
    let mut expected = fresh.client_scopes.clone();
    expected.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(scopes, expected);
    let defaults = db.list_realm_default_scopes(realm_id).await.unwrap();
    assert_eq!(defaults, fresh.default_client_scopes);
    assert_eq!(defaults.iter().filter(|d| d.kind == ScopeKind::Default).count(), 9);
    assert_eq!(defaults.iter().filter(|d| d.kind == ScopeKind::Optional).count(), 5);

    db.delete_realm(realm_id).await.unwrap();
    assert!(db.list_client_scopes(realm_id).await.unwrap().is_empty());
    assert!(db.list_realm_default_scopes(realm_id).await.unwrap().is_empty());
}
