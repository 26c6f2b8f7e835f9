//! Unit tests of keys as components: Keycloak's exported key material, generated keys,
//! the Admin API's component checks (texts recorded from Keycloak 26.7.3), fallbacks.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::{NOW, hmac_keys, import, import_error};
use crate::representation::{
    ComponentError, ComponentRepresentation, component_to_representation, export_realm,
    fallback_key, import_realm, key_from_component, keys, update_key_from_component,
};
use crate::token::algorithm::{Algorithm, KeyType};
use crate::token::keys::{KeySet, StoredKey, certificate, generate, key_id, public_key_info};

fn component(provider_id: &str, config: &[(&str, &str)]) -> ComponentRepresentation {
    ComponentRepresentation {
        name: Some("k".into()),
        provider_id: Some(provider_id.into()),
        provider_type: Some("org.keycloak.keys.KeyProvider".into()),
        config: config.iter().map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()])).collect(),
        ..ComponentRepresentation::default()
    }
}

fn create(provider_id: &str, config: &[(&str, &str)]) -> Result<StoredKey, ComponentError> {
    key_from_component(&component(provider_id, config), "realm-id", "algs", NOW)
}

#[track_caller]
fn refused(provider_id: &str, config: &[(&str, &str)]) -> String {
    create(provider_id, config).unwrap_err().to_string()
}

fn spki(key: &StoredKey) -> Vec<u8> {
    public_key_info(key.algorithm, &key.secret).unwrap().unwrap()
}

#[test]
fn keycloak_exported_keys_are_imported() {
    let rsa = StoredKey::generate_rsa("elsewhere", 0).unwrap();
    let pkcs1 = keys::pkcs1_of_pkcs8(&rsa.secret).unwrap();
    assert!(pkcs1.len() < rsa.secret.len());
    let rsa_certificate = certificate::self_signed(Algorithm::RS256, &rsa.secret, "kc", 5).unwrap();
    let ec = generate::ec(crate::token::algorithm::Curve::P384).unwrap();
    let ed = generate::ed25519().unwrap();
    let hmac_secret = [7u8; 32];
    let json = serde_json::json!({
        "realm": "moved",
        "components": {"org.keycloak.keys.KeyProvider": [
            {"id": "c-rsa", "name": "rsa-generated", "providerId": "rsa-generated", "config": {
                "privateKey": [STANDARD.encode(pkcs1)], "certificate": [STANDARD.encode(&rsa_certificate)],
                "priority": ["100"]}},
            {"name": "rsa-enc-generated", "providerId": "rsa-enc-generated", "config": {
                "privateKey": ["not a key"], "algorithm": ["RSA-OAEP"]}},
            {"name": "aes-generated", "providerId": "aes-generated", "config": {"secret": ["AAAA"]}},
            {"id": "c-ec", "name": "ec", "providerId": "ecdsa-generated", "config": {
                "ecdsaPrivateKey": [STANDARD.encode(&ec)], "ecdsaEllipticCurveKey": ["P-384"],
                "priority": ["50"], "active": ["false"]}},
            {"id": "c-ed", "name": "ed", "providerId": "eddsa-generated", "config": {
                "eddsaPrivateKey": [STANDARD.encode(&ed)], "eddsaEllipticCurveKey": ["Ed25519"],
                "enabled": ["false"]}},
            {"name": "hmac-generated", "providerId": "hmac-generated", "config": {
                "kid": ["7b39ec47-a482-4a2e-8301-19415ff6d708"],
                "secret": [URL_SAFE_NO_PAD.encode(hmac_secret)], "priority": ["100"],
                "algorithm": ["HS256"]}}
        ]}
    });
    let bundle = import_realm(serde_json::from_value(json).unwrap(), NOW).unwrap();
    let by_id = |id: &str| bundle.keys.iter().find(|k| k.id == id).unwrap();
    assert_eq!(bundle.keys.len(), 4, "nothing generated: {:?}", bundle.keys);
    let imported_rsa = by_id("c-rsa");
    assert_eq!(imported_rsa.kid, rsa.kid);
    assert_eq!(imported_rsa.certificate.as_ref(), Some(&rsa_certificate));
    let imported_ec = by_id("c-ec");
    assert_eq!(
        (imported_ec.algorithm, imported_ec.active, imported_ec.priority),
        (Algorithm::ES384, false, 50)
    );
    assert_eq!(imported_ec.kid, key_id(&spki(imported_ec)));
    let imported_ed = by_id("c-ed");
    assert_eq!((imported_ed.algorithm, imported_ed.enabled), (Algorithm::EdDSA, false));
    let hmac = hmac_keys(&bundle)[0];
    assert_eq!(hmac.kid, "7b39ec47-a482-4a2e-8301-19415ff6d708");
    assert_eq!(hmac.secret, hmac_secret);
    assert_eq!(hmac.algorithm, Algorithm::HS256);
    let set = KeySet::from_stored(bundle.keys.clone(), "test").unwrap();
    assert_eq!(set.active_rsa().unwrap().kid, rsa.kid);
    assert_eq!(set.active_rsa().unwrap().certificate.as_ref(), Some(&rsa_certificate));
    // Passive: verifies, never signs. Disabled: neither.
    assert!(set.signer(Algorithm::ES384).is_none());
    assert!(set.verifier(Some(&imported_ec.kid), Algorithm::ES384).is_some());
    assert!(set.verifier(Some(&imported_ed.kid), Algorithm::EdDSA).is_none());

    // And back: the same keys, signing with the same kids.
    let again = import_realm(export_realm(&bundle), NOW).unwrap();
    for key in &bundle.keys {
        let copy = again.keys.iter().find(|k| k.id == key.id).unwrap();
        assert_eq!(
            (&copy.kid, &copy.secret, copy.algorithm),
            (&key.kid, &key.secret, key.algorithm)
        );
    }
}

#[test]
fn key_providers_without_material_are_generated_with_their_settings() {
    let cases = [
        (r#"[]"#, Algorithm::HS512),
        (
            r#"[{"name":"hmac-generated-hs512","providerId":"hmac-generated","config":{"secret":["**********"],"algorithm":["HS512"]}}]"#,
            Algorithm::HS512,
        ),
        (
            r#"[{"name":"hmac-generated","providerId":"hmac-generated","config":{}}]"#,
            Algorithm::HS256,
        ),
        (
            r#"[{"name":"hmac-generated-hs512","providerId":"hmac-generated","config":{}}]"#,
            Algorithm::HS512,
        ),
        (r#"[{"providerId":"hmac-generated","config":{"algorithm":["HS384"]}}]"#, Algorithm::HS384),
    ];
    for (providers, algorithm) in cases {
        let bundle = import(&format!(
            r#"{{"realm":"r","components":{{"org.keycloak.keys.KeyProvider":{providers}}}}}"#
        ));
        let hmac = hmac_keys(&bundle);
        assert_eq!(hmac.len(), 1, "{providers}");
        assert_eq!(hmac[0].algorithm, algorithm, "{providers}");
        assert_eq!(hmac[0].secret.len(), 128);
    }
    let bundle = import(
        r#"{"realm":"r","defaultSignatureAlgorithm":"ES256","components":{"org.keycloak.keys.KeyProvider":[
            {"name":"ec","providerId":"ecdsa-generated","config":{"priority":["100"]}},
            {"name":"ed","providerId":"eddsa-generated","config":{}},
            {"name":"ps","providerId":"rsa-generated","config":{"algorithm":["PS256"],"keySize":["3072"]}}]}}"#,
    );
    let algorithms: Vec<Algorithm> = bundle.keys.iter().map(|k| k.algorithm).collect();
    assert_eq!(
        algorithms,
        [Algorithm::ES256, Algorithm::EdDSA, Algorithm::PS256, Algorithm::RS256, Algorithm::HS512]
    );
    assert_eq!(bundle.realm.settings.signature_algorithm(), Algorithm::ES256);
    assert_eq!(
        import_error(
            r#"{"realm":"r","components":{"org.keycloak.keys.KeyProvider":[{"name":"h","providerId":"hmac-generated","config":{"algorithm":["HS1"]}}]}}"#
        ),
        "key provider `h`: 'Algorithm' should be HS256, HS384 or HS512"
    );
    assert_eq!(
        import_error(r#"{"realm":"r","defaultSignatureAlgorithm":"FOO"}"#),
        "invalid value `FOO` for `defaultSignatureAlgorithm`"
    );
    assert_eq!(
        import(r#"{"realm":"r","defaultSignatureAlgorithm":""}"#)
            .realm
            .settings
            .signature_algorithm(),
        Algorithm::RS256
    );
}

/// `POST …/components` answers of Keycloak 26.7.3 (realm `algs-ref`), with latchkey's
/// narrower choices where it offers less (no RSA-1024, no Ed448).
#[test]
fn component_settings_are_checked_as_keycloak_checks_them() {
    assert_eq!(
        refused("rsa-generated", &[("keySize", "1000")]),
        "'Key size' should be 2048, 3072 or 4096"
    );
    assert_eq!(
        refused("ecdsa-generated", &[("ecdsaEllipticCurveKey", "P-999")]),
        "'Elliptic Curve' should be P-256, P-384 or P-521"
    );
    assert_eq!(
        refused("eddsa-generated", &[("eddsaEllipticCurveKey", "Ed448")]),
        "'Elliptic Curve' should be Ed25519"
    );
    assert_eq!(refused("rsa-generated", &[("priority", "abc")]), "'Priority' should be a number");
    assert_eq!(
        refused("rsa-generated", &[("enabled", "maybe")]),
        "'Enabled' should be 'true' or 'false'"
    );
    assert_eq!(
        refused("rsa-generated", &[("active", "maybe")]),
        "'Active' should be 'true' or 'false'"
    );
    assert_eq!(
        refused("hmac-generated", &[("secretSize", "7")]),
        "'Secret size' should be 16, 24, 32, 64, 128, 256 or 512"
    );
    assert_eq!(refused("nope", &[]), "Invalid provider type or no such provider");
    assert_eq!(refused("rsa", &[]), "'Private RSA Key' is required");
    assert_eq!(refused("rsa", &[("privateKey", "garbage")]), "Failed to decode private key");
    // Keycloak stores these and then signs nonsense; latchkey keeps an RSA key RSA.
    assert_eq!(
        refused("rsa-generated", &[("algorithm", "ES256")]),
        "'Algorithm' should be RS256, RS384, RS512, PS256, PS384 or PS512"
    );
    assert_eq!(
        refused("hmac-generated", &[("algorithm", "RS256")]),
        "'Algorithm' should be HS256, HS384 or HS512"
    );
    let mut no_type = component("rsa-generated", &[]);
    no_type.provider_type = None;
    assert_eq!(
        key_from_component(&no_type, "r", "r", NOW).unwrap_err(),
        ComponentError::UnknownProvider
    );
}

#[test]
fn generated_components_are_keys_with_keycloaks_settings() {
    let ec = create(
        "ecdsa-generated",
        &[
            ("priority", "150"),
            ("ecdsaEllipticCurveKey", "P-384"),
            ("ecGenerateCertificate", "true"),
        ],
    )
    .unwrap();
    assert_eq!(
        (ec.algorithm, ec.priority, ec.enabled, ec.active),
        (Algorithm::ES384, 150, true, true)
    );
    let facts = certificate::read_certificate(ec.certificate.as_ref().unwrap()).unwrap();
    assert_eq!(facts.public_key_info, spki(&ec));
    // Keycloak fills in the default curve, nothing else (observed).
    let default_ec = create("ecdsa-generated", &[]).unwrap();
    assert_eq!(
        default_ec.config,
        BTreeMap::from([("ecdsaEllipticCurveKey".to_owned(), vec!["P-256".to_owned()])])
    );
    assert_eq!((default_ec.algorithm, default_ec.priority), (Algorithm::ES256, 0));
    assert!(default_ec.certificate.is_none());
    let ed = create("eddsa-generated", &[("priority", "50")]).unwrap();
    assert_eq!(ed.config["eddsaEllipticCurveKey"], ["Ed25519"]);
    let rsa = create("rsa-generated", &[("keySize", "3072"), ("algorithm", "PS256")]).unwrap();
    assert_eq!(rsa.algorithm, Algorithm::PS256);
    assert_eq!(rsa.config.len(), 2);
    let hmac = create("hmac-generated", &[("algorithm", "HS384"), ("secretSize", "32")]).unwrap();
    assert_eq!((hmac.algorithm, hmac.secret.len()), (Algorithm::HS384, 32));
    let shown = component_to_representation(&hmac, "realm-id");
    assert_eq!(shown.parent_id.as_deref(), Some("realm-id"));
    assert!(!shown.config.contains_key("secret") && !shown.config.contains_key("kid"));
}

#[test]
fn an_imported_rsa_key_keeps_its_certificate_and_shows_its_private_key_masked() {
    let rsa = StoredKey::generate_rsa("elsewhere", 0).unwrap();
    let pem = format!(
        "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
        STANDARD.encode(keys::pkcs1_of_pkcs8(&rsa.secret).unwrap())
    );
    let own = certificate::self_signed(Algorithm::RS256, &rsa.secret, "imported", 0).unwrap();
    let own_pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----",
        STANDARD.encode(&own)
    );
    let key =
        create("rsa", &[("privateKey", &pem), ("certificate", &own_pem), ("algorithm", "RS512")])
            .unwrap();
    assert_eq!((key.kid.as_str(), key.algorithm), (rsa.kid.as_str(), Algorithm::RS512));
    assert_eq!(key.certificate.as_ref(), Some(&own));
    let shown = component_to_representation(&key, "p");
    assert_eq!(shown.config["privateKey"], ["**********"]);
    assert_eq!(shown.config["certificate"], [own_pem]);

    let other = StoredKey::generate_rsa("elsewhere", 0).unwrap();
    let other_certificate =
        STANDARD.encode(certificate::self_signed(Algorithm::RS256, &other.secret, "x", 0).unwrap());
    assert_eq!(
        refused("rsa", &[("privateKey", &pem), ("certificate", &other_certificate)]),
        "Certificate does not match private key"
    );
    assert_eq!(
        refused("rsa", &[("privateKey", &pem), ("certificate", "junk")]),
        "Failed to decode certificate"
    );
    // Without a certificate, one is made, and shown Base64 as Keycloak shows it.
    let key = create("rsa", &[("privateKey", &pem)]).unwrap();
    assert_eq!(
        component_to_representation(&key, "p").config["certificate"],
        [STANDARD.encode(key.certificate.unwrap())]
    );
}

#[test]
fn updates_merge_settings_and_regenerate_only_when_the_key_must_change() {
    let ec = create("ecdsa-generated", &[("priority", "150"), ("ecdsaEllipticCurveKey", "P-384")])
        .unwrap();
    let update = |key: &StoredKey, config: &[(&str, &str)]| {
        let mut rep = component("ecdsa-generated", config);
        rep.name = None;
        update_key_from_component(key, &rep, "algs", NOW)
    };
    let passive = update(&ec, &[("active", "false")]).unwrap();
    assert_eq!(
        (passive.kid.as_str(), passive.active, passive.priority),
        (ec.kid.as_str(), false, 150)
    );
    assert_eq!(passive.status(), "PASSIVE");
    let disabled = update(&passive, &[("enabled", "false")]).unwrap();
    assert_eq!(disabled.status(), "DISABLED");
    assert_eq!(disabled.config["active"], ["false"]);
    assert_eq!(disabled.name, "k");
    let moved =
        update(&disabled, &[("ecdsaEllipticCurveKey", "P-521"), ("enabled", "true")]).unwrap();
    assert_ne!(moved.kid, ec.kid);
    assert_eq!(
        (moved.algorithm, moved.id.as_str(), moved.status()),
        (Algorithm::ES512, ec.id.as_str(), "PASSIVE")
    );
    assert_eq!(
        update(&ec, &[("priority", "x")]).unwrap_err().to_string(),
        "'Priority' should be a number"
    );
    let mut wrong = component("rsa-generated", &[]);
    wrong.name = None;
    assert_eq!(
        update_key_from_component(&ec, &wrong, "algs", NOW).unwrap_err(),
        ComponentError::UnknownProvider
    );

    let rsa = create("rsa-generated", &[("keySize", "3072")]).unwrap();
    let same = update_key_from_component(
        &rsa,
        &component("rsa-generated", &[("keySize", "3072"), ("algorithm", "PS512")]),
        "algs",
        NOW,
    )
    .unwrap();
    assert_eq!((same.kid.as_str(), same.algorithm), (rsa.kid.as_str(), Algorithm::PS512));
    let bigger = update_key_from_component(
        &rsa,
        &component("rsa-generated", &[("keySize", "4096")]),
        "algs",
        NOW,
    )
    .unwrap();
    assert_ne!(bigger.kid, rsa.kid);

    let hmac = create("hmac-generated", &[("algorithm", "HS256")]).unwrap();
    let masked = update_key_from_component(
        &hmac,
        &component("hmac-generated", &[("secret", "**********"), ("priority", "7")]),
        "algs",
        NOW,
    )
    .unwrap();
    assert_eq!((masked.secret.as_slice(), masked.priority), (hmac.secret.as_slice(), 7));
    let resized = update_key_from_component(
        &hmac,
        &component("hmac-generated", &[("secretSize", "64")]),
        "algs",
        NOW,
    )
    .unwrap();
    assert_eq!(resized.secret.len(), 64);
    assert_ne!(resized.kid, hmac.kid);
}

/// The `fallback-<alg>` components 26.7.3 made when a client asked for an algorithm
/// the realm had no key for (observed: `fallback-ES256`, `fallback-EdDSA`,
/// `fallback-RS384`, `fallback-HS384`, `fallback-ES512`).
#[test]
fn fallback_keys_are_keycloaks() {
    let settings = |pairs: &[(&str, &str)]| -> BTreeMap<String, Vec<String>> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), vec![(*v).to_owned()])).collect()
    };
    let cases = [
        (
            Algorithm::ES256,
            "ecdsa-generated",
            settings(&[("ecdsaEllipticCurveKey", "P-256"), ("priority", "-100")]),
        ),
        (
            Algorithm::ES512,
            "ecdsa-generated",
            settings(&[("ecdsaEllipticCurveKey", "P-521"), ("priority", "-100")]),
        ),
        (
            Algorithm::EdDSA,
            "eddsa-generated",
            settings(&[("eddsaEllipticCurveKey", "Ed25519"), ("priority", "-100")]),
        ),
        (
            Algorithm::RS384,
            "rsa-generated",
            settings(&[("algorithm", "RS384"), ("priority", "-100")]),
        ),
        (
            Algorithm::HS384,
            "hmac-generated",
            settings(&[("algorithm", "HS384"), ("priority", "-100")]),
        ),
    ];
    for (algorithm, provider_id, config) in cases {
        let key = fallback_key("r", "r", algorithm, NOW).unwrap();
        assert_eq!(key.name, format!("fallback-{algorithm}"));
        assert_eq!(
            (key.provider_id.as_str(), key.algorithm, key.priority),
            (provider_id, algorithm, -100)
        );
        assert_eq!(key.config, config);
        assert_eq!(key.key_type() == KeyType::Hmac, !algorithm.is_asymmetric());
    }
}
