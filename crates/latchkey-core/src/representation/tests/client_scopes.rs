//! Client scopes in realm files: the built-in ones of a file without `clientScopes`, a
//! Keycloak 26.7.3 export's read and written back, and a file's own replacing them (facts
//! 2.1, 2.3, 5.5 and surprises 3).

use super::{import, import_error};
use crate::client_scope::ScopeKind;
use crate::representation::export_realm;

const KEYCLOAK_EXPORT: &str = include_str!("keycloak-26.7.3-export.json");

#[track_caller]
fn round_trips(json: &str) -> serde_json::Value {
    let first = export_realm(&import(json));
    let text = serde_json::to_string_pretty(&first).unwrap();
    let second = export_realm(&import(&text));
    let (first, second) =
        (serde_json::to_value(first).unwrap(), serde_json::to_value(second).unwrap());
    assert_eq!(second, first, "a second export differs from the first");
    first
}

fn names(value: &serde_json::Value) -> Vec<String> {
    value.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn a_file_without_client_scopes_gets_the_built_in_ones_and_writes_them() {
    let bundle = import(r#"{"realm": "r"}"#);
    assert_eq!(bundle.client_scopes.len(), 15);
    let offline = bundle.client_scopes.iter().find(|s| s.name == "offline_access").unwrap();
    let offline_role = bundle
        .roles
        .iter()
        .find(|r| r.client_uuid.is_none() && r.name == "offline_access")
        .unwrap();
    assert_eq!(offline.role_ids, std::slice::from_ref(&offline_role.id));

    let exported = round_trips(r#"{"realm": "r"}"#);
    let mut expected: Vec<String> = bundle.client_scopes.iter().map(|s| s.name.clone()).collect();
    expected.sort();
    assert_eq!(names(&exported["clientScopes"]), expected);
    assert_eq!(
        exported["defaultDefaultClientScopes"],
        serde_json::json!([
            "role_list",
            "saml_organization",
            "AuthnContextClassRef",
            "profile",
            "email",
            "roles",
            "web-origins",
            "acr",
            "basic"
        ])
    );
    assert_eq!(
        exported["defaultOptionalClientScopes"],
        serde_json::json!([
            "offline_access",
            "address",
            "phone",
            "microprofile-jwt",
            "organization"
        ])
    );
    // What a Keycloak 26.7.3 export of a fresh realm has (facts 5.6).
    assert_eq!(
        exported["scopeMappings"],
        serde_json::json!([{"clientScope": "offline_access", "roles": ["offline_access"]}])
    );
    assert_eq!(
        exported["clientScopeMappings"],
        serde_json::json!({"account": [{"client": "account-console", "roles": ["manage-account", "view-groups"]}]})
    );
}

#[test]
fn a_keycloak_export_keeps_its_scopes_ids_and_mappings() {
    let original: serde_json::Value = serde_json::from_str(KEYCLOAK_EXPORT).unwrap();
    let exported = round_trips(KEYCLOAK_EXPORT);
    let by_name = |list: &serde_json::Value| {
        let mut scopes: Vec<(String, String, usize)> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let mappers =
                    s.get("protocolMappers").and_then(|m| m.as_array()).map_or(0, Vec::len);
                (
                    s["name"].as_str().unwrap().to_owned(),
                    s["id"].as_str().unwrap().to_owned(),
                    mappers,
                )
            })
            .collect();
        scopes.sort();
        scopes
    };
    assert_eq!(by_name(&exported["clientScopes"]), by_name(&original["clientScopes"]));
    for field in [
        "defaultDefaultClientScopes",
        "defaultOptionalClientScopes",
        "scopeMappings",
        "clientScopeMappings",
    ] {
        assert_eq!(exported[field], original[field], "{field}");
    }
    let email = |list: &serde_json::Value| {
        list.as_array().unwrap().iter().find(|s| s["name"] == "email").unwrap().clone()
    };
    let (ours, theirs) = (email(&exported["clientScopes"]), email(&original["clientScopes"]));
    assert_eq!(ours["attributes"], theirs["attributes"]);
    assert_eq!(ours["protocolMappers"][0]["id"], theirs["protocolMappers"][0]["id"]);
    assert_eq!(ours["protocolMappers"][0]["config"], theirs["protocolMappers"][0]["config"]);
}

/// Facts 5.5: a file with `clientScopes` has those scopes (and `offline_access`) only,
/// and no realm default scopes unless it names them.
#[test]
fn a_files_own_client_scopes_replace_the_built_in_ones() {
    let scenario = r#"{
        "realm": "scenario",
        "roles": {"realm": [{"name": "operatorRole"}]},
        "clientScopes": [{"name": "operator-api", "protocol": "openid-connect",
            "attributes": {"include.in.token.scope": "true"},
            "protocolMappers": [{"name": "operator-api-audience", "protocol": "openid-connect",
                "protocolMapper": "oidc-audience-mapper",
                "config": {"included.custom.audience": "operator-api", "access.token.claim": "true"}}]}],
        "clients": [{"clientId": "crm_client", "publicClient": true,
                     "defaultClientScopes": ["operator-api"]}],
        "scopeMappings": [{"client": "crm_client", "roles": ["operatorRole"]},
                          {"clientScope": "operator-api", "roles": ["operatorRole"]}]
    }"#;
    let bundle = import(scenario);
    let names: Vec<&str> = bundle.client_scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["operator-api", "offline_access"]);
    assert!(bundle.default_client_scopes.is_empty());
    let api = &bundle.client_scopes[0];
    assert_eq!(api.protocol_mappers[0].config["included.custom.audience"], "operator-api");
    assert!(api.protocol_mappers[0].id.is_some());
    let operator =
        bundle.roles.iter().find(|r| r.name == "operatorRole").map(|r| r.id.clone()).unwrap();
    assert_eq!(api.role_ids, std::slice::from_ref(&operator));
    let crm = bundle.clients.iter().find(|c| c.client_id == "crm_client").unwrap();
    assert!(
        bundle
            .client_scope_mappings
            .iter()
            .any(|m| m.client_uuid == crm.id && m.role_id == operator)
    );

    let exported = round_trips(scenario);
    assert_eq!(names_of(&exported["clientScopes"]), ["offline_access", "operator-api"]);
    assert_eq!(exported["defaultDefaultClientScopes"], serde_json::json!([]));
    assert_eq!(
        exported["scopeMappings"],
        serde_json::json!([
            {"client": "crm_client", "roles": ["operatorRole"]},
            {"clientScope": "offline_access", "roles": ["offline_access"]},
            {"clientScope": "operator-api", "roles": ["operatorRole"]}
        ])
    );

    let named = import(
        r#"{"realm": "r", "clientScopes": [{"name": "a"}, {"name": "b"}],
            "defaultDefaultClientScopes": ["b"], "defaultOptionalClientScopes": ["a", "offline_access"]}"#,
    );
    let kinds: Vec<(String, ScopeKind)> = named
        .default_client_scopes
        .iter()
        .map(|d| {
            let name =
                named.client_scopes.iter().find(|s| s.id == d.scope_id).unwrap().name.clone();
            (name, d.kind)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("b".to_owned(), ScopeKind::Default),
            ("a".to_owned(), ScopeKind::Optional),
            ("offline_access".to_owned(), ScopeKind::Optional)
        ]
    );
}

fn names_of(value: &serde_json::Value) -> Vec<String> {
    names(value)
}

#[test]
fn client_scope_references_that_do_not_resolve_are_errors_that_name_them() {
    assert_eq!(
        import_error(r#"{"realm": "r", "defaultDefaultClientScopes": ["nope"]}"#),
        "defaultDefaultClientScopes refers to unknown client scope `nope`"
    );
    assert_eq!(
        import_error(r#"{"realm": "r", "clientScopes": [{"name": "a"}, {"name": "a"}]}"#),
        "client scope `a` is defined twice"
    );
    assert_eq!(
        import_error(r#"{"realm": "r", "clientScopes": [{"protocol": "saml"}]}"#),
        "client scope #0 has no `name`"
    );
    assert_eq!(
        import_error(
            r#"{"realm": "r", "scopeMappings": [{"clientScope": "profile", "roles": ["ghost"]}]}"#
        ),
        "scopeMappings refers to unknown realm role `ghost`"
    );
    assert_eq!(
        import_error(
            r#"{"realm": "r", "clientScopeMappings": {"account": [{"client": "nobody", "roles": ["view-profile"]}]}}"#
        ),
        "clientScopeMappings of `account` refers to unknown client `nobody`"
    );
}
