//! Unit tests of key import: Keycloak's exported key material, generated algorithms, passive keys.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::{NOW, hmac_keys, import, import_error};
use crate::realm::HmacAlgorithm;
use crate::representation::{import_realm, keys};
use crate::token::keys::{KeyKind, KeySet, StoredKey};

#[test]
fn keycloak_exported_keys_are_imported() {
    let rsa = StoredKey::generate_rsa("elsewhere", 0).unwrap();
    let pkcs1 = keys::pkcs1_of_pkcs8(&rsa.secret).unwrap();
    assert!(pkcs1.len() < rsa.secret.len());
    let hmac_secret = [7u8; 32];
    let json = serde_json::json!({
        "realm": "moved",
        "components": {"org.keycloak.keys.KeyProvider": [
            {"name": "rsa-generated", "providerId": "rsa-generated", "config": {
                "privateKey": [STANDARD.encode(pkcs1)], "certificate": ["MIIC"], "priority": ["100"]}},
            {"name": "rsa-enc-generated", "providerId": "rsa-enc-generated", "config": {
                "privateKey": ["not a key"], "algorithm": ["RSA-OAEP"]}},
            {"name": "aes-generated", "providerId": "aes-generated", "config": {"secret": ["AAAA"]}},
            {"name": "hmac-generated", "providerId": "hmac-generated", "config": {
                "kid": ["7b39ec47-a482-4a2e-8301-19415ff6d708"],
                "secret": [URL_SAFE_NO_PAD.encode(hmac_secret)], "priority": ["100"],
                "algorithm": ["HS256"]}}
        ]}
    });
    let bundle = import_realm(serde_json::from_value(json).unwrap(), NOW).unwrap();
    assert_eq!(bundle.keys.len(), 2, "nothing generated: {:?}", bundle.keys);
    let imported_rsa = bundle.keys.iter().find(|k| k.kind == KeyKind::Rsa).unwrap();
    assert_eq!(imported_rsa.kid, rsa.kid);
    let hmac = hmac_keys(&bundle)[0];
    assert_eq!(hmac.kid, "7b39ec47-a482-4a2e-8301-19415ff6d708");
    assert_eq!(hmac.secret, hmac_secret);
    assert_eq!(hmac.kind, KeyKind::Hmac(HmacAlgorithm::HS256));
    let set = KeySet::from_stored(bundle.keys.clone(), "test").unwrap();
    assert_eq!(set.active_rsa().unwrap().kid, rsa.kid);
}

#[test]
fn key_providers_without_material_choose_the_generated_algorithm() {
    let cases = [
        (r#"[]"#, HmacAlgorithm::HS512),
        (
            r#"[{"name":"hmac-generated-hs512","providerId":"hmac-generated","config":{"secret":["**********"],"algorithm":["HS512"]}}]"#,
            HmacAlgorithm::HS512,
        ),
        (
            r#"[{"name":"hmac-generated","providerId":"hmac-generated","config":{}}]"#,
            HmacAlgorithm::HS256,
        ),
        (
            r#"[{"providerId":"hmac-generated","config":{"algorithm":["HS384"]}}]"#,
            HmacAlgorithm::HS384,
        ),
    ];
    for (providers, algorithm) in cases {
        let bundle = import(&format!(
            r#"{{"realm":"r","components":{{"org.keycloak.keys.KeyProvider":{providers}}}}}"#
        ));
        let hmac = hmac_keys(&bundle);
        assert_eq!(hmac.len(), 1, "{providers}");
        assert_eq!(hmac[0].kind, KeyKind::Hmac(algorithm), "{providers}");
        assert_eq!(hmac[0].secret.len(), 64);
    }
    assert_eq!(
        import_error(
            r#"{"realm":"r","components":{"org.keycloak.keys.KeyProvider":[{"name":"h","providerId":"hmac-generated","config":{"algorithm":["HS1"]}}]}}"#
        ),
        "key provider `h`: unsupported HMAC algorithm `HS1`"
    );
}

#[test]
fn a_passive_key_verifies_but_never_signs() {
    let provider = |kid: &str, priority: &str, active: &str| {
        serde_json::json!({"providerId": "hmac-generated", "config": {"kid": [kid],
            "secret": [URL_SAFE_NO_PAD.encode(kid)], "priority": [priority], "active": [active]}})
    };
    let json = serde_json::json!({"realm": "r", "components": {"org.keycloak.keys.KeyProvider": [
        provider("old", "200", "false"), provider("new", "100", "true")]}});
    let bundle = import_realm(serde_json::from_value(json).unwrap(), NOW).unwrap();
    let set = KeySet::from_stored(bundle.keys, "test").unwrap();
    assert_eq!(set.active_hmac().unwrap().kid, "new");
    assert!(set.hmac_by_kid(Some("old")).is_some());
}
