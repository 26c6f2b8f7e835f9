//! Unit tests of realm import and export against the example realm and Keycloak-shaped files.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::*;
use crate::role::{EffectiveRoles, RoleGraph};
use crate::store::{RealmBundle, UserBundle};
use crate::time::UnixMillis;
use crate::token::algorithm::{Algorithm, KeyType};
use crate::token::keys::{KeySet, StoredKey};
use crate::user::REQUIRED_ACTION_UPDATE_PASSWORD;

mod client_scopes;
mod groups;
mod kept;
mod keys;
mod partial_import;

const NOW: UnixMillis = UnixMillis(1_760_000_000_000);

fn parse(json: &str) -> RealmRepresentation {
    serde_json::from_str(json).unwrap()
}

fn import(json: &str) -> RealmBundle {
    import_realm(parse(json), NOW).unwrap()
}

fn import_error(json: &str) -> String {
    import_realm(parse(json), NOW).unwrap_err().to_string()
}

fn nagra() -> RealmBundle {
    import(include_str!("../../../../examples/nagra-realm.json"))
}

fn user<'a>(bundle: &'a RealmBundle, username: &str) -> &'a UserBundle {
    bundle.users.iter().find(|u| u.user.username == username).unwrap()
}

fn client<'a>(bundle: &'a RealmBundle, client_id: &str) -> &'a crate::client::Client {
    bundle.clients.iter().find(|c| c.client_id == client_id).unwrap()
}

fn effective(bundle: &RealmBundle, role_ids: &[String]) -> EffectiveRoles {
    let client_ids = bundle.clients.iter().map(|c| (c.id.clone(), c.client_id.clone())).collect();
    RoleGraph::new(bundle.roles.clone(), client_ids).expand(role_ids)
}

fn realm_role_id(bundle: &RealmBundle, name: &str) -> String {
    bundle.roles.iter().find(|r| r.client_uuid.is_none() && r.name == name).unwrap().id.clone()
}

fn hmac_keys(bundle: &RealmBundle) -> Vec<&StoredKey> {
    bundle.keys.iter().filter(|k| k.key_type() == KeyType::Hmac).collect()
}

/// A Keycloak `secretData`/`credentialData` pair for PBKDF2-SHA256 with a fixed salt.
fn pbkdf2_credential(password: &str, iterations: u32) -> String {
    let salt = b"0123456789abcdef";
    let mut derived = [0u8; 64];
    aws_lc_rs::pbkdf2::derive(
        aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(iterations).unwrap(),
        salt,
        password.as_bytes(),
        &mut derived,
    );
    let secret_data = serde_json::json!({
        "value": STANDARD.encode(derived), "salt": STANDARD.encode(salt), "additionalParameters": {}
    });
    let credential_data = serde_json::json!({
        "hashIterations": iterations, "algorithm": "pbkdf2-sha256", "additionalParameters": {}
    });
    serde_json::json!({
        "id": "c0ffee00-0000-4000-8000-000000000001", "type": "password", "userLabel": "My password",
        "createdDate": 1_600_000_000_000_i64, "priority": 10,
        "secretData": secret_data.to_string(), "credentialData": credential_data.to_string()
    })
    .to_string()
}

#[test]
fn nagra_example_matches_the_seed_setup() {
    let bundle = nagra();
    assert_eq!(bundle.realm.name, "nagra");
    assert!(bundle.realm.enabled);
    assert_eq!(bundle.realm.settings.tokens.access_token_lifespan, 300);
    assert_eq!(bundle.realm.settings.tokens.sso_session_idle_timeout, 1800);
    let operator = bundle.roles.iter().find(|r| r.name == "operatorRole").unwrap();
    assert!(operator.client_uuid.is_none() && operator.description.is_some());
    assert!(bundle.roles.iter().any(|r| r.name == "adminRole" && r.client_uuid.is_none()));

    let crm = client(&bundle, "crm_client");
    assert!(crm.public_client && crm.secret.is_none());
    assert!(crm.settings.direct_access_grants_enabled && !crm.settings.standard_flow_enabled);
    assert!(crm.uses_lower_case_bearer());
    assert_eq!(
        crm.settings.default_client_scopes,
        ["web-origins", "acr", "profile", "roles", "basic", "email", "opentv-api"]
    );
    // The gateway's audience comes through the client scope `opentv-api` (issue 13):
    // the realm has Keycloak's built-in scopes, as its file lists them, and that one.
    assert_eq!(bundle.client_scopes.len(), 16);
    let api = bundle.client_scopes.iter().find(|s| s.name == "opentv-api").unwrap();
    assert_eq!(api.protocol_mappers[0].protocol_mapper, "oidc-audience-mapper");
    assert_eq!(api.protocol_mappers[0].config["included.client.audience"], "opentv-api");
    assert_eq!(bundle.default_client_scopes.len(), 14);
    assert!(!crm.has_mapper("oidc-audience-mapper"));
    assert!(crm.has_mapper("oidc-session-state-mapper"));
    let nbf = crm.settings.protocol_mappers.iter().find(|m| m.name == "nbf").unwrap();
    assert_eq!(nbf.protocol_mapper, "oidc-hardcoded-claim-mapper");
    assert_eq!(nbf.config["claim.value"], "0");
    assert!(crm.settings.protocol_mappers.iter().all(|m| m.id.is_some()));

    // The seed's token carries realm roles exactly ["operatorRole"]: no default roles.
    let crm_user = user(&bundle, "crm_client_user");
    let roles = effective(&bundle, &crm_user.role_ids);
    assert_eq!(roles.realm.into_iter().collect::<Vec<_>>(), ["operatorRole"]);
    assert!(roles.clients.is_empty());
    assert!(crm_user.user.enabled && !crm_user.user.profile.email_verified);
    assert!(crm_user.user.profile.required_actions.is_empty());
    let hash = &crm_user.password().unwrap().hash;
    assert!(hash.verify("1234") && !hash.verify("12345"));
    let admin = user(&bundle, "admin_user");
    assert_eq!(admin.role_ids, [realm_role_id(&bundle, "adminRole")]);
    assert!(admin.password().unwrap().hash.verify("admin1234"));

    // Refresh tokens are HS256 like the seed's.
    let hmac = hmac_keys(&bundle);
    assert_eq!(hmac.len(), 1);
    assert_eq!(hmac[0].algorithm, Algorithm::HS256);
    assert_eq!(bundle.keys.iter().filter(|k| k.key_type() == KeyType::Rsa).count(), 1);
    assert!(KeySet::from_stored(bundle.keys.clone(), "test").unwrap().active_rsa().is_some());
}

#[test]
fn new_realm_has_keycloak_defaults() {
    let bundle = new_realm("Demo", NOW).unwrap();
    assert_eq!(bundle.realm.settings.tokens.access_token_lifespan, 300);
    assert_eq!(bundle.realm.settings.default_role.as_deref(), Some("default-roles-demo"));
    let default_role = realm_role_id(&bundle, "default-roles-demo");
    let roles = effective(&bundle, &[default_role]);
    assert_eq!(
        roles.realm.into_iter().collect::<Vec<_>>(),
        ["default-roles-demo", "offline_access", "uma_authorization"]
    );
    assert_eq!(
        roles.clients["account"].iter().collect::<Vec<_>>(),
        ["manage-account", "manage-account-links", "view-profile"]
    );

    let account = client(&bundle, "account");
    assert!(account.public_client && account.settings.standard_flow_enabled);
    assert!(!account.settings.direct_access_grants_enabled);
    let admin_cli = client(&bundle, "admin-cli");
    assert!(admin_cli.public_client && admin_cli.settings.direct_access_grants_enabled);
    assert!(!admin_cli.settings.standard_flow_enabled);
    for bearer_only in ["realm-management", "broker"] {
        let management = client(&bundle, bearer_only);
        assert!(!management.public_client && management.settings.bearer_only);
        assert!(management.secret.is_none());
    }
    let management = client(&bundle, "realm-management");
    let realm_admin = bundle
        .roles
        .iter()
        .find(|r| r.client_uuid.as_ref() == Some(&management.id) && r.name == "realm-admin")
        .unwrap();
    let admin_roles = effective(&bundle, std::slice::from_ref(&realm_admin.id));
    for role in ["view-users", "manage-users", "query-users", "view-clients", "manage-realm"] {
        assert!(admin_roles.clients["realm-management"].contains(role), "{role}");
    }

    // Keycloak 26's `rsa-generated` and `hmac-generated-hs512` (observed in 26.7.3; its
    // encryption keys `rsa-enc-generated` and `aes-generated` have no use here).
    let keys: Vec<(&str, &str, Algorithm, i64)> = bundle
        .keys
        .iter()
        .map(|k| (k.name.as_str(), k.provider_id.as_str(), k.algorithm, k.priority))
        .collect();
    assert_eq!(
        keys,
        [
            ("rsa-generated", "rsa-generated", Algorithm::RS256, 100),
            ("hmac-generated-hs512", "hmac-generated", Algorithm::HS512, 100),
        ]
    );
    assert_eq!(bundle.keys[1].secret.len(), 128);
    let mut ids: Vec<&str> = bundle.clients.iter().map(|c| c.id.as_str()).collect();
    ids.extend(bundle.roles.iter().map(|r| r.id.as_str()));
    ids.push(&bundle.realm.id);
    assert!(ids.iter().all(|id| uuid::Uuid::parse_str(id).is_ok()));
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "ids are unique");
    assert!(!bundle.roles.iter().any(|r| r.name == "admin"));
}

#[test]
fn master_realm_has_admin_and_short_tokens() {
    let bundle = new_realm("master", NOW).unwrap();
    assert_eq!(bundle.realm.settings.tokens.access_token_lifespan, 60);
    let roles = effective(&bundle, &[realm_role_id(&bundle, "admin")]);
    assert!(roles.realm.contains("create-realm"));
    assert!(roles.clients["realm-management"].contains("manage-users"));
}

#[test]
fn keycloak_export_with_pbkdf2_hash_and_unknown_fields_imports() {
    let credential = pbkdf2_credential("s3cret", 27500);
    let json = format!(
        r#"{{"id":"moved","realm":"moved","keycloakVersion":"21.1.2","otpPolicyDigits":6,
            "authenticationFlows":[{{"alias":"browser","authenticationExecutions":[]}}],
            "clientScopes":[{{"name":"profile","protocolMappers":[]}}],
            "roles":{{"realm":[{{"name":"ops","composite":false,"attributes":{{}}}}]}},
            "clients":[{{"clientId":"app","surrogateAuthRequired":false,"nodeReRegistrationTimeout":0,
              "protocolMappers":[{{"name":"x","protocolMapper":"oidc-hardcoded-claim-mapper",
                "consentRequired":false,"config":{{}}}}]}}],
            "components":{{"org.keycloak.services.clientregistration.policy.ClientRegistrationPolicy":
              [{{"name":"Trusted Hosts","providerId":"trusted-hosts","subType":"anonymous"}}]}},
            "users":[{{"username":"Bob","totp":false,"disableableCredentialTypes":[],"groups":[],
              "realmRoles":["ops"],"credentials":[{credential}]}}]}}"#
    );
    let bundle = import(&json);
    assert_eq!(bundle.realm.id, "moved");
    let bob = user(&bundle, "bob");
    assert!(bob.user.enabled, "enabled defaults to true on import");
    assert_eq!(bob.role_ids, [realm_role_id(&bundle, "ops")]);
    let password = bob.password().unwrap();
    assert_eq!(password.id, "c0ffee00-0000-4000-8000-000000000001");
    assert_eq!(password.created_date, 1_600_000_000_000);
    assert_eq!(password.hash.algorithm, "pbkdf2-sha256");
    assert!(password.hash.verify("s3cret") && !password.hash.verify("s3cret!"));
}

#[test]
fn unknown_references_are_errors_that_name_them() {
    let cases = [
        (
            r#"{"realm":"r","users":[{"username":"ann","realmRoles":["nope"]}]}"#,
            "user `ann` refers to unknown realm role `nope`",
        ),
        (
            r#"{"realm":"r","users":[{"username":"ann","clientRoles":{"account":["nope"]}}]}"#,
            "user `ann` refers to unknown role `nope` of client `account`",
        ),
        (
            r#"{"realm":"r","users":[{"username":"ann","clientRoles":{"ghost":["x"]}}]}"#,
            "user `ann` refers to unknown client `ghost`",
        ),
        (
            r#"{"realm":"r","roles":{"realm":[{"name":"p","composites":{"realm":["q"]}}]}}"#,
            "composite role `p` refers to unknown realm role `q`",
        ),
        (
            r#"{"realm":"r","roles":{"client":{"ghost":[{"name":"x"}]}}}"#,
            "`roles.client` refers to unknown client `ghost`",
        ),
        (
            r#"{"realm":"r","defaultRole":{"name":"nope"}}"#,
            "`defaultRole` refers to unknown realm role `nope`",
        ),
        (
            r#"{"realm":"r","users":[{"username":"ANN"},{"username":"ann"}]}"#,
            "user `ann` is defined twice",
        ),
        (
            r#"{"realm":"r","clients":[{"clientId":"c"},{"clientId":"c"}]}"#,
            "client `c` is defined twice",
        ),
        (r#"{"realm":"r","users":[{"email":"x@example.com"}]}"#, "user #0 has no `username`"),
        (r#"{"enabled":true}"#, "the realm file has no `realm` name"),
        (
            r#"{"realm":"r","users":[{"username":"ann","credentials":[{"type":"password"}]}]}"#,
            "user `ann`: unreadable password credential: neither `value` nor `secretData` with `credentialData`",
        ),
        (
            r#"{"realm":"r","sslRequired":"sometimes"}"#,
            "invalid value `sometimes` for `sslRequired`",
        ),
        // Issue 13: settings out of range, and usernames Keycloak's validators refuse
        // (which Keycloak itself imports).
        (
            r#"{"realm":"r","accessTokenLifespan":-5}"#,
            "`accessTokenLifespan` is -5; it must be -1 or 1 to 315360000 seconds",
        ),
        (r#"{"realm":"r","failureFactor":-1}"#, "Failure factor may not be a negative value"),
        (
            r#"{"realm":"r","ssoSessionIdleTimeout":600,"clientSessionIdleTimeout":900}"#,
            "Client Session Idle Timeout cannot be greater than Realm SSO Idle Timeout.",
        ),
        (
            r#"{"realm":"r","clients":[{"clientId":"c","attributes":{"access.token.lifespan":"abc"}}]}"#,
            "client `c`: `access.token.lifespan` is \"abc\"; it must be empty or a whole number, -1 or 0 to 315360000 seconds",
        ),
        (
            r#"{"realm":"r","users":[{"username":"ok-user"},{"username":"ab<c"}]}"#,
            "user #1 `ab<c`: invalid username: it may not contain white space, control characters, letters of scripts other than Latin, or any of < > & \" ' $ % ! # ? § , ; : * ~ / \\ | ^ = [ ] { } ( ) `",
        ),
        (
            r#"{"realm":"r","users":[{"username":"ab\u0000"}]}"#,
            "user #0 `ab\\0`: invalid username: it must have 3 to 255 characters, and it may not contain white space, control characters, letters of scripts other than Latin, or any of < > & \" ' $ % ! # ? § , ; : * ~ / \\ | ^ = [ ] { } ( ) `",
        ),
        (
            r#"{"realm":"r","users":[{"username":"ann","notBefore":-3}]}"#,
            "user `ann`: `notBefore` is -3; it must be 0 to 2147483647 (seconds since 1970)",
        ),
    ];
    for (json, message) in cases {
        assert_eq!(import_error(json), message, "{json}");
    }
}

/// A realm with a bit of everything import and export handle.
const RICH: &str = r#"{
  "realm": "rich", "accessTokenLifespan": 120, "bruteForceProtected": true, "failureFactor": 5,
  "bruteForceStrategy": "LINEAR", "sslRequired": "none", "passwordPolicy": "length(8)",
  "revokeRefreshToken": true, "displayName": "Rich",
  "roles": {
    "realm": [{"name": "viewer"}, {"name": "editor", "composites": {"realm": ["viewer"],
      "client": {"api": ["write"], "account": ["view-profile"]}}}],
    "client": {"api": [{"name": "read"}, {"name": "write", "composites": {"client": {"api": ["read"]}}}]}
  },
  "clients": [
    {"clientId": "api", "secret": "api-secret", "serviceAccountsEnabled": true,
     "attributes": {"access.token.lifespan": "60"}, "optionalClientScopes": []},
    {"clientId": "web", "publicClient": true, "redirectUris": ["https://web.example/*"]}
  ],
  "users": [
    {"username": "Carol", "email": "carol@example.com", "firstName": "Carol", "emailVerified": true,
     "attributes": {"team": ["red"]}, "requiredActions": ["VERIFY_EMAIL"],
     "realmRoles": ["editor"], "clientRoles": {"api": ["read"]},
     "credentials": [{"type": "password", "value": "carol-pass", "temporary": true}]}
  ]
}"#;

#[test]
fn roles_composites_clients_and_service_accounts_import() {
    let bundle = import(RICH);
    let settings = &bundle.realm.settings;
    assert_eq!(settings.tokens.access_token_lifespan, 120);
    assert!(settings.tokens.revoke_refresh_token && settings.brute_force.brute_force_protected);
    assert_eq!(settings.brute_force.failure_factor, 5);

    let carol = user(&bundle, "carol");
    let roles = effective(&bundle, &carol.role_ids);
    assert_eq!(roles.realm.iter().collect::<Vec<_>>(), ["editor", "viewer"]);
    assert_eq!(roles.clients["api"].iter().collect::<Vec<_>>(), ["read", "write"]);
    assert_eq!(roles.clients["account"].iter().collect::<Vec<_>>(), ["view-profile"]);
    assert_eq!(
        carol.user.profile.required_actions,
        ["VERIFY_EMAIL", REQUIRED_ACTION_UPDATE_PASSWORD]
    );
    assert_eq!(carol.user.profile.attributes["team"], ["red"]);

    let api = client(&bundle, "api");
    assert!(api.secret.as_ref().unwrap().matches("api-secret"));
    assert_eq!(api.access_token_lifespan(), Some(60));
    assert!(api.settings.optional_client_scopes.is_empty());
    assert_eq!(api.settings.default_client_scopes.len(), 6, "defaults when not given");
    let service = user(&bundle, "service-account-api");
    assert_eq!(service.user.profile.service_account_client_id.as_deref(), Some("api"));
    assert_eq!(service.role_ids, [realm_role_id(&bundle, "default-roles-rich")]);
    assert!(!bundle.users.iter().any(|u| u.user.username.contains("web")));
}

#[test]
fn confidential_client_without_secret_gets_one_and_masked_secrets_count_as_none() {
    let bundle = import(
        r#"{"realm":"r","clients":[{"clientId":"svc"},{"clientId":"masked","secret":"**********"}]}"#,
    );
    for client_id in ["svc", "masked"] {
        let secret = client(&bundle, client_id).secret.as_ref().unwrap().expose().to_owned();
        assert_eq!(secret.len(), 32);
        assert!(secret.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}

#[test]
fn a_file_client_replaces_the_built_in_one_and_keeps_its_roles() {
    let bundle = import(
        r#"{"realm":"r","clients":[{"id":"acc-id","clientId":"account","publicClient":true,
            "standardFlowEnabled":false},{"clientId":"admin-cli","publicClient":true}]}"#,
    );
    assert_eq!(bundle.clients.iter().filter(|c| c.client_id == "account").count(), 1);
    let account = client(&bundle, "account");
    assert_eq!(account.id, "acc-id");
    assert!(!account.settings.standard_flow_enabled);
    assert!(!client(&bundle, "admin-cli").settings.direct_access_grants_enabled);
    let roles = effective(&bundle, &[realm_role_id(&bundle, "default-roles-r")]);
    assert!(roles.clients["account"].contains("manage-account-links"));
}

#[test]
fn legacy_default_roles_become_the_default_role() {
    let bundle = import(
        r#"{"realm":"old","roles":{"realm":[{"name":"member"}]},"defaultRoles":["member"],
            "clients":[{"clientId":"account","publicClient":true,"defaultRoles":["view-profile"]}]}"#,
    );
    let roles = effective(&bundle, &[realm_role_id(&bundle, "default-roles-old")]);
    assert_eq!(roles.realm.iter().collect::<Vec<_>>(), ["default-roles-old", "member"]);
    assert_eq!(roles.clients["account"].iter().collect::<Vec<_>>(), ["view-profile"]);
}

fn sorted<T: Clone, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> Vec<T> {
    let mut items = items.to_vec();
    items.sort_by_key(|item| key(item));
    items
}

/// What identifies a key: its component, `kid`, algorithm, material and ranking.
type KeyIdentity = (String, String, String, String, Algorithm, Vec<u8>, i64, bool, bool);

fn identity(key: &StoredKey) -> KeyIdentity {
    (
        key.id.clone(),
        key.kid.clone(),
        key.name.clone(),
        key.provider_id.clone(),
        key.algorithm,
        key.secret.clone(),
        key.priority,
        key.enabled,
        key.active,
    )
}

fn normalized(
    bundle: &RealmBundle,
) -> (Vec<KeyIdentity>, Vec<crate::role::Role>, HashMap<String, Vec<String>>) {
    let roles = sorted(&bundle.roles, |r| r.id.clone())
        .into_iter()
        .map(|mut role| {
            role.composites.sort();
            role
        })
        .collect();
    let grants = bundle
        .users
        .iter()
        .map(|u| (u.user.id.clone(), sorted(&u.role_ids, Clone::clone)))
        .collect();
    (sorted(&bundle.keys, |k| k.kid.clone()).iter().map(identity).collect(), roles, grants)
}

#[test]
fn export_then_import_keeps_ids_secrets_hashes_and_keys() {
    let credential = pbkdf2_credential("dave-pass", 1000);
    let mut rep = parse(RICH);
    let dave: UserRepresentation = serde_json::from_str(&format!(
        r#"{{"id":"dave-id","username":"dave","clientRoles":{{"account":["manage-account"]}},"credentials":[{credential}]}}"#
    ))
    .unwrap();
    rep.users.as_mut().unwrap().push(dave);
    let bundle = import_realm(rep, NOW).unwrap();

    let text = serde_json::to_string_pretty(&export_realm(&bundle)).unwrap();
    let again = import(&text);

    assert_eq!(again.realm, bundle.realm);
    assert_eq!(normalized(&again), normalized(&bundle));
    assert_eq!(sorted(&again.clients, |c| c.id.clone()), sorted(&bundle.clients, |c| c.id.clone()));
    assert_eq!(again.users.len(), bundle.users.len());
    for original in &bundle.users {
        let copy = again.users.iter().find(|u| u.user.id == original.user.id).unwrap();
        assert_eq!(copy.user, original.user);
        assert_eq!(copy.credentials, original.credentials);
    }
    assert!(user(&again, "dave").password().unwrap().hash.verify("dave-pass"));
    assert!(client(&again, "api").secret.as_ref().unwrap().matches("api-secret"));

    // Keycloak's shapes: camelCase, no nulls, keys with their material.
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(!text.contains("null"));
    assert_eq!(value["defaultRole"]["name"], "default-roles-rich");
    let providers = value["components"][KEY_PROVIDER].as_array().unwrap();
    let hmac = providers.iter().find(|p| p["name"] == "hmac-generated-hs512").unwrap();
    assert_eq!(hmac["providerId"], "hmac-generated");
    assert!(hmac["config"]["secret"][0].is_string() && hmac["config"]["kid"][0].is_string());
    let rsa = providers.iter().find(|p| p["providerId"] == "rsa-generated").unwrap();
    assert!(rsa["config"]["certificate"][0].is_string());
    let der = STANDARD.decode(rsa["config"]["privateKey"][0].as_str().unwrap()).unwrap();
    assert!(
        der[4..7] == [0x02, 0x01, 0x00] && der[7] == 0x02,
        "PKCS#1 starts with version then modulus; PKCS#8 has an algorithm sequence there"
    );
    let carol =
        value["users"].as_array().unwrap().iter().find(|u| u["username"] == "carol").unwrap();
    assert!(carol["credentials"][0]["secretData"].is_string());
    assert!(carol["credentials"][0].get("value").is_none());
}

#[test]
fn admin_representations_leave_out_what_is_absent() {
    let bundle = nagra();
    let crm_user =
        serde_json::to_value(user_to_representation(&user(&bundle, "crm_client_user").user))
            .unwrap();
    assert_eq!(crm_user["username"], "crm_client_user");
    assert_eq!(crm_user["emailVerified"], false);
    for absent in ["email", "firstName", "credentials", "realmRoles", "attributes"] {
        assert!(crm_user.get(absent).is_none(), "{absent}");
    }
    let crm =
        serde_json::to_value(client_to_representation(client(&bundle, "crm_client"))).unwrap();
    assert_eq!(crm["clientId"], "crm_client");
    assert_eq!(crm["publicClient"], true);
    assert!(crm.get("secret").is_none());
    let operator = bundle.roles.iter().find(|r| r.name == "operatorRole").unwrap();
    let role = serde_json::to_value(role_to_representation(operator)).unwrap();
    assert_eq!(role["composite"], false);
    assert_eq!(role["clientRole"], false);
    assert_eq!(role["containerId"], bundle.realm.id.as_str());
}

/// A built-in role the file restates with no composites keeps none, and an export
/// re-imports to the same file: found by the `realm_import` fuzz target (a Keycloak
/// export whose `manage-consent` had a misspelled `composites` key). A role the file only
/// names still keeps its built-in composites.
#[test]
fn a_built_in_role_restated_without_composites_round_trips() {
    let bundle = import(
        r#"{"realm": "rt", "enabled": true, "roles": {"client": {"account": [
            {"name": "manage-consent", "composite": true, "composites": {"clinet": {}}},
            {"name": "manage-account"}
        ]}}}"#,
    );
    let account = client(&bundle, "account").id.clone();
    let role = |bundle: &RealmBundle, name: &str| {
        bundle
            .roles
            .iter()
            .find(|r| r.client_uuid.as_deref() == Some(account.as_str()) && r.name == name)
            .unwrap()
            .clone()
    };
    assert!(role(&bundle, "manage-consent").composites.is_empty());
    assert_eq!(role(&bundle, "manage-account").composites.len(), 1, "kept: manage-account-links");
    let first = export_realm(&bundle);
    let again = import_realm(first.clone(), NOW).unwrap();
    assert!(role(&again, "manage-consent").composites.is_empty());
    assert_eq!(
        serde_json::to_value(&first).unwrap(),
        serde_json::to_value(export_realm(&again)).unwrap()
    );
}
