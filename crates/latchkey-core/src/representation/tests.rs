use super::*;
use crate::realm::HmacAlgorithm;
use crate::time::UnixMillis;
use crate::token::keys::KeyKind;

const NOW: UnixMillis = UnixMillis(1_760_000_000_000);

fn nagra() -> crate::store::RealmBundle {
    let rep: RealmRepresentation =
        serde_json::from_str(include_str!("../../../../examples/nagra-realm.json")).unwrap();
    import_realm(rep, NOW).unwrap()
}

#[test]
fn nagra_example_has_the_seed_setup() {
    let bundle = nagra();
    assert_eq!(bundle.realm.name, "nagra");
    let client = bundle.clients.iter().find(|c| c.client_id == "crm_client").unwrap();
    assert!(client.public_client && client.settings.direct_access_grants_enabled);
    assert!(client.uses_lower_case_bearer());
    let user = bundle.users.iter().find(|u| u.user.username == "crm_client_user").unwrap();
    let role_names: Vec<&str> = user
        .role_ids
        .iter()
        .map(|id| bundle.roles.iter().find(|r| &r.id == id).unwrap().name.as_str())
        .collect();
    assert_eq!(role_names, ["operatorRole"]);
    assert!(user.password.as_ref().unwrap().hash.verify("1234"));
    assert!(bundle.keys.iter().any(|k| k.kind == KeyKind::Hmac(HmacAlgorithm::HS256)));
    assert!(bundle.keys.iter().any(|k| k.kind == KeyKind::Rsa));
}

#[test]
fn keycloak_export_with_pbkdf2_hash_and_unknown_fields_imports() {
    let salt = "MDEyMzQ1Njc4OWFiY2RlZg==";
    let mut derived = [0u8; 64];
    aws_lc_rs::pbkdf2::derive(
        aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
        std::num::NonZeroU32::new(27500).unwrap(),
        b"0123456789abcdef",
        b"s3cret",
        &mut derived,
    );
    use base64::Engine as _;
    let value = base64::engine::general_purpose::STANDARD.encode(derived);
    let json = format!(
        r#"{{"realm":"moved","authenticationFlows":[{{"alias":"x"}}],"keycloakVersion":"21.1.2",
            "users":[{{"username":"Bob","credentials":[{{"type":"password",
              "secretData":"{{\"value\":\"{value}\",\"salt\":\"{salt}\",\"additionalParameters\":{{}}}}",
              "credentialData":"{{\"hashIterations\":27500,\"algorithm\":\"pbkdf2-sha256\",\"additionalParameters\":{{}}}}"}}]}}]}}"#
    );
    let rep: RealmRepresentation = serde_json::from_str(&json).unwrap();
    let bundle = import_realm(rep, NOW).unwrap();
    let bob = &bundle.users[0];
    assert_eq!(bob.user.username, "bob");
    assert!(bob.password.as_ref().unwrap().hash.verify("s3cret"));
}

#[test]
fn unknown_role_reference_is_an_error() {
    let rep: RealmRepresentation =
        serde_json::from_str(r#"{"realm":"r","users":[{"username":"a","realmRoles":["nope"]}]}"#)
            .unwrap();
    let error = import_realm(rep, NOW).unwrap_err();
    assert_eq!(error.to_string(), "unknown realm role `nope`");
}

#[test]
fn export_then_import_keeps_ids_secrets_hashes_and_keys() {
    let bundle = nagra();
    let text = serde_json::to_string(&export_realm(&bundle)).unwrap();
    let again = import_realm(serde_json::from_str(&text).unwrap(), NOW).unwrap();
    assert_eq!(again.realm.id, bundle.realm.id);
    assert_eq!(again.realm.settings, bundle.realm.settings);
    let kids = |b: &crate::store::RealmBundle| {
        let mut kids: Vec<String> = b.keys.iter().map(|k| k.kid.clone()).collect();
        kids.sort();
        kids
    };
    assert_eq!(kids(&again), kids(&bundle));
    let user = |b: &crate::store::RealmBundle| {
        b.users.iter().find(|u| u.user.username == "crm_client_user").unwrap().clone()
    };
    assert_eq!(user(&again).user, user(&bundle).user);
    assert_eq!(user(&again).password.unwrap().hash, user(&bundle).password.unwrap().hash);
    let client = |b: &crate::store::RealmBundle| {
        b.clients.iter().find(|c| c.client_id == "crm_client").unwrap().clone()
    };
    assert_eq!(client(&again), client(&bundle));
}

#[test]
fn confidential_client_gets_a_secret_and_a_service_account() {
    let rep: RealmRepresentation = serde_json::from_str(
        r#"{"realm":"r","clients":[{"clientId":"svc","serviceAccountsEnabled":true}]}"#,
    )
    .unwrap();
    let bundle = import_realm(rep, NOW).unwrap();
    let client = bundle.clients.iter().find(|c| c.client_id == "svc").unwrap();
    assert_eq!(client.secret.as_ref().unwrap().expose().len(), 32);
    assert!(bundle.users.iter().any(|u| u.user.username == "service-account-svc"));
}
