//! Realm files with groups, default groups, role attributes, credentials of every type and
//! required actions: what Keycloak 26.7.3 exports imports, and exports again as it came.

use super::*;
use crate::group::GroupTree;

/// A realm file as `kc.sh export` of Keycloak 26.7.3 wrote it (`facts-12.md` §5.6: the
/// issue's scenario without client scopes, on an offline copy; its keys are throw-away).
const KEYCLOAK_EXPORT: &str = include_str!("keycloak-26.7.3-export.json");

/// Groups two levels deep with attributes and realm and client roles (one realm role the
/// file does not declare), users in them, a default group, a role with attributes, a
/// user with a labelled password hash and an OTP, and required actions.
const GROUPS: &str = r#"{
  "realm": "grouped",
  "roles": {"realm": [{"name": "operatorRole", "attributes": {"level": ["3", "1"]}}],
            "client": {"api": [{"name": "reader", "attributes": {}}]}},
  "clients": [{"clientId": "api", "secret": "api-secret"}],
  "groups": [
    {"id": "ops-id", "name": "operators", "path": "/operators", "description": "Ops",
     "attributes": {"team": ["a"]}, "realmRoles": ["operatorRole", "undeclared"],
     "clientRoles": {"api": ["reader"]},
     "subGroups": [{"name": "night", "realmRoles": [], "subGroups": [{"name": "weekend"}]}]},
    {"name": "with/slash"}
  ],
  "defaultGroups": ["/operators/night"],
  "users": [
    {"username": "crm_client_user", "groups": ["/operators"],
     "requiredActions": ["update_password", "CUSTOM_ACTION"],
     "credentials": [{"type": "password", "value": "1234", "userLabel": "main"},
                     {"type": "otp", "userLabel": "phone", "secretData": "{\"value\":\"JBSWY3DPEHPK3PXP\"}",
                      "credentialData": "{\"subType\":\"totp\",\"digits\":6,\"counter\":0,\"period\":30,\"algorithm\":\"HmacSHA1\"}"}]},
    {"username": "weekender", "groups": ["operators/night/weekend", "/with/slash"]}
  ]
}"#;

fn held(bundle: &RealmBundle, username: &str) -> EffectiveRoles {
    let tree = GroupTree::new(bundle.groups.clone());
    let entry = user(bundle, username);
    let mut ids = entry.role_ids.clone();
    ids.extend(tree.held_role_ids(entry.group_ids.iter().map(String::as_str)));
    effective(bundle, &ids)
}

#[test]
fn groups_and_their_roles_import() {
    let bundle = import(GROUPS);
    let tree = GroupTree::new(bundle.groups.clone());
    let paths: Vec<String> = bundle.groups.iter().map(|g| tree.path(&g.id)).collect();
    assert_eq!(
        paths,
        ["/operators", "/operators/night", "/operators/night/weekend", "/with/slash"]
    );
    let operators = tree.get("ops-id").unwrap();
    assert_eq!(operators.description.as_deref(), Some("Ops"));
    assert_eq!(operators.attributes["team"], ["a"]);
    // A realm role the file does not declare is made, as Keycloak's importer does.
    assert!(bundle.roles.iter().any(|r| r.client_uuid.is_none() && r.name == "undeclared"));
    let roles = held(&bundle, "crm_client_user");
    assert!(roles.realm.contains("operatorRole") && roles.realm.contains("undeclared"));
    assert_eq!(roles.clients["api"].iter().collect::<Vec<_>>(), ["reader"]);
    // Members of a group below hold the roles of the groups above.
    assert!(held(&bundle, "weekender").realm.contains("operatorRole"));
    // Imported users get only what the file lists: no default role, no default group.
    assert!(!roles.realm.contains("default-roles-grouped"));
    let weekend = tree.find_by_path("/operators/night/weekend").unwrap();
    let slash = tree.find_by_path("/with/slash").unwrap();
    assert_eq!(user(&bundle, "weekender").group_ids, [weekend.id.clone(), slash.id.clone()]);
    let night = tree.find_by_path("/operators/night").unwrap();
    assert_eq!(bundle.default_group_ids, std::slice::from_ref(&night.id));
    let operator = bundle.roles.iter().find(|r| r.name == "operatorRole").unwrap();
    assert_eq!(operator.attributes["level"], ["3", "1"]);
    // Known required actions are upper-cased, others kept.
    assert_eq!(
        user(&bundle, "crm_client_user").user.profile.required_actions,
        ["UPDATE_PASSWORD", "CUSTOM_ACTION"]
    );
    let credentials = &user(&bundle, "crm_client_user").credentials;
    let kinds: Vec<(&str, Option<&str>, i64)> = credentials
        .iter()
        .map(|c| (c.credential_type.as_str(), c.user_label.as_deref(), c.priority))
        .collect();
    assert_eq!(kinds, [("password", Some("main"), 10), ("otp", Some("phone"), 20)]);
}

#[test]
fn group_references_that_do_not_resolve_are_errors_that_name_them() {
    let error =
        import_error(r#"{"realm": "r", "users": [{"username": "user1", "groups": ["/nope"]}]}"#);
    assert_eq!(error, "user `user1` refers to unknown group `/nope`");
    let error =
        import_error(r#"{"realm": "r", "groups": [{"name": "g"}], "defaultGroups": ["/x"]}"#);
    assert_eq!(error, "`defaultGroups` refers to unknown group `/x`");
    let error = import_error(
        r#"{"realm": "r", "groups": [{"name": "g", "clientRoles": {"nope": ["x"]}}]}"#,
    );
    assert_eq!(error, "group `g` refers to unknown client `nope`");
    let error = import_error(r#"{"realm": "r", "groups": [{"name": "g"}, {"name": "g"}]}"#);
    assert_eq!(error, "group `g` is defined twice");
    let error = import_error(r#"{"realm": "r", "groups": [{"subGroups": []}]}"#);
    assert_eq!(error, "a group in the realm has no `name`");
}

/// Exported, imported again and exported again, a realm file comes back the same.
#[track_caller]
fn assert_round_trips(json: &str) -> serde_json::Value {
    let first = export_realm(&import(json));
    let text = serde_json::to_string_pretty(&first).unwrap();
    let second = export_realm(&import(&text));
    assert_eq!(
        serde_json::to_value(&second).unwrap(),
        serde_json::to_value(&first).unwrap(),
        "a second export differs from the first"
    );
    serde_json::to_value(first).unwrap()
}

#[test]
fn groups_export_as_keycloak_writes_them_and_import_again_unchanged() {
    let exported = assert_round_trips(GROUPS);
    let groups = &exported["groups"];
    assert_eq!(
        groups[0],
        serde_json::json!({
            "id": "ops-id", "name": "operators", "description": "Ops", "path": "/operators",
            "subGroups": [{
                "id": groups[0]["subGroups"][0]["id"], "name": "night", "path": "/operators/night",
                "parentId": "ops-id",
                "subGroups": [{
                    "id": groups[0]["subGroups"][0]["subGroups"][0]["id"], "name": "weekend",
                    "path": "/operators/night/weekend",
                    "parentId": groups[0]["subGroups"][0]["id"], "subGroups": [],
                    "attributes": {}, "realmRoles": [], "clientRoles": {}
                }],
                "attributes": {}, "realmRoles": [], "clientRoles": {}
            }],
            "attributes": {"team": ["a"]}, "realmRoles": ["operatorRole", "undeclared"],
            "clientRoles": {"api": ["reader"]}
        })
    );
    assert_eq!(exported["defaultGroups"], serde_json::json!(["/operators/night"]));
    let users = exported["users"].as_array().unwrap();
    let crm = users.iter().find(|u| u["username"] == "crm_client_user").unwrap();
    assert_eq!(crm["groups"], serde_json::json!(["/operators"]));
    assert_eq!(crm["requiredActions"], serde_json::json!(["UPDATE_PASSWORD", "CUSTOM_ACTION"]));
    let credentials = crm["credentials"].as_array().unwrap();
    assert_eq!(credentials[0]["type"], "password");
    assert_eq!(credentials[0]["userLabel"], "main");
    assert!(credentials[0]["secretData"].as_str().unwrap().contains("salt"));
    assert_eq!(credentials[1]["type"], "otp");
    assert_eq!(credentials[1]["secretData"], "{\"value\":\"JBSWY3DPEHPK3PXP\"}");
    let weekender = users.iter().find(|u| u["username"] == "weekender").unwrap();
    assert_eq!(weekender["groups"], serde_json::json!(["/operators/night/weekend", "/with/slash"]));
    let operator = exported["roles"]["realm"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "operatorRole")
        .unwrap();
    assert_eq!(operator["attributes"], serde_json::json!({"level": ["3", "1"]}));
}

#[test]
fn a_keycloak_export_with_a_group_imports_and_round_trips() {
    let bundle = import(KEYCLOAK_EXPORT);
    let roles = held(&bundle, "crm_client_user");
    assert!(roles.realm.contains("operatorRole"), "{roles:?}");
    let exported = assert_round_trips(KEYCLOAK_EXPORT);
    assert_eq!(exported["groups"][0]["id"], "7926b5c9-67f8-4806-badc-14016b27eaed");
    assert_eq!(exported["groups"][0]["realmRoles"], serde_json::json!(["operatorRole"]));
    let user = exported["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "crm_client_user")
        .unwrap();
    assert_eq!(user["groups"], serde_json::json!(["/operators"]));
    assert!(exported.get("defaultGroups").is_none());
}
