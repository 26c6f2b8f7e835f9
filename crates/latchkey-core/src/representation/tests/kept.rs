//! What latchkey does not model comes back from export as the file gave it
//! (issue 12 part 5), checked on a real `kc.sh export` of Keycloak 26.7.3
//! (`keycloak-26.7.3-full-export-scenario.json`, facts-12 §5.6).

use serde_json::{Value, json};

use super::super::*;
use super::NOW;

const KEYCLOAK_EXPORT: &str = include_str!("keycloak-26.7.3-full-export-scenario.json");

fn export_value(rep: RealmRepresentation) -> Value {
    serde_json::to_value(export_realm(&import_realm(rep, NOW).unwrap())).unwrap()
}

#[test]
fn a_keycloak_export_imported_and_exported_twice_gives_the_same_file() {
    let original: Value = serde_json::from_str(KEYCLOAK_EXPORT).unwrap();
    let first = export_value(serde_json::from_value(original.clone()).unwrap());
    let second = export_value(serde_json::from_value(first.clone()).unwrap());
    assert_eq!(first, second);
    for key in original.as_object().unwrap().keys() {
        assert!(first.get(key).is_some(), "top-level `{key}` lost");
    }
    // What latchkey does not act on comes back as it came.
    for key in [
        "authenticationFlows",
        "requiredActions",
        "authenticatorConfig",
        "attributes",
        "smtpServer",
        "browserFlow",
        "clientPolicies",
        "clientProfiles",
        "keycloakVersion",
        "identityProviders",
        "otpPolicyType",
        "webAuthnPolicyRpEntityName",
    ] {
        assert_eq!(first[key], original[key], "{key}");
    }
    let policies = "org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy";
    assert_eq!(first["components"][policies], original["components"][policies]);
    let user = |export: &Value| export["users"][0].clone();
    for key in ["totp", "disableableCredentialTypes"] {
        assert_eq!(user(&first)[key], user(&original)[key], "users[].{key}");
    }
}

#[test]
fn entity_fields_latchkey_does_not_model_stay_with_their_entity() {
    let rep: RealmRepresentation = serde_json::from_value(json!({
        "realm": "kept",
        "clients": [{"clientId": "app", "futureClientField": {"a": 1}}],
        "users": [{"username": "Ann", "federatedIdentities": [
            {"identityProvider": "idp1", "userId": "x", "userName": "ann"}]}],
        "roles": {"realm": [{"name": "r", "futureRoleField": true}],
                  "client": {"app": [{"name": "cr", "futureRoleField": 2}]}},
        "groups": [{"name": "g", "path": "/g", "futureGroupField": "top",
                    "subGroups": [{"name": "s", "path": "/g/s", "futureGroupField": "sub"}]}],
        "clientScopes": [{"name": "sc", "protocol": "openid-connect", "futureScopeField": []}],
        "identityProviders": [{"alias": "idp1", "providerId": "oidc"}]
    }))
    .unwrap();
    let parts = kept_parts(&rep);
    assert_eq!(
        parts,
        [
            "identityProviders",
            "clientScopes[].futureScopeField",
            "clients[].futureClientField",
            "groups[].futureGroupField",
            "roles.client.*[].futureRoleField",
            "roles.realm[].futureRoleField",
            "users[].federatedIdentities",
        ]
    );
    let export = export_value(rep);
    assert_eq!(export["identityProviders"][0]["alias"], "idp1");
    let client = export["clients"].as_array().unwrap().iter().find(|c| c["clientId"] == "app");
    assert_eq!(client.unwrap()["futureClientField"], json!({"a": 1}));
    assert_eq!(export["users"][0]["federatedIdentities"][0]["userName"], "ann");
    let realm_role = export["roles"]["realm"].as_array().unwrap().iter().find(|r| r["name"] == "r");
    assert_eq!(realm_role.unwrap()["futureRoleField"], true);
    assert_eq!(export["roles"]["client"]["app"][0]["futureRoleField"], 2);
    assert_eq!(export["groups"][0]["futureGroupField"], "top");
    assert_eq!(export["groups"][0]["subGroups"][0]["futureGroupField"], "sub");
    let scope = export["clientScopes"].as_array().unwrap().iter().find(|s| s["name"] == "sc");
    assert_eq!(scope.unwrap()["futureScopeField"], json!([]));
}

#[test]
fn a_typed_field_wins_over_a_kept_one_of_the_same_name() {
    let mut bundle =
        import_realm(serde_json::from_value(json!({"realm": "t"})).unwrap(), NOW).unwrap();
    bundle.realm.settings.kept.insert("accessTokenLifespan".to_owned(), json!(1));
    bundle.realm.settings.kept.insert("smtpServer".to_owned(), json!({"host": "mail"}));
    let text = serde_json::to_string(&realm_to_representation(&bundle.realm)).unwrap();
    assert_eq!(text.matches("\"accessTokenLifespan\"").count(), 1);
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["accessTokenLifespan"], 300);
    assert_eq!(value["smtpServer"], json!({"host": "mail"}));
}

#[test]
fn a_fresh_realm_has_every_field_keycloak_answers() {
    let keycloak: Value =
        serde_json::from_str(include_str!("keycloak-26.7.3-fresh-realm.json")).unwrap();
    let bundle = new_realm("r12-fresh", NOW).unwrap();
    let ours = serde_json::to_value(realm_to_representation(&bundle.realm)).unwrap();
    for (key, value) in keycloak.as_object().unwrap() {
        if ["id", "defaultRole"].contains(&key.as_str()) {
            continue;
        }
        assert_eq!(ours.get(key), Some(value), "{key}");
    }
}
