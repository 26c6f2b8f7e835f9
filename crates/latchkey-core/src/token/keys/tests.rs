use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::*;
use crate::token::jwt;

fn key(algorithm: Algorithm, priority: i64, created_at: i64) -> StoredKey {
    let provider = match algorithm.key_type() {
        KeyType::Rsa => RSA_GENERATED,
        KeyType::Ec(_) => ECDSA_GENERATED,
        KeyType::Ed25519 => EDDSA_GENERATED,
        KeyType::Hmac => HMAC_GENERATED,
    };
    StoredKey::generate("r", provider, provider, algorithm, 2048, priority, created_at).unwrap()
}

fn kids(set: &KeySet) -> Vec<&str> {
    set.asymmetric
        .iter()
        .map(|k| k.kid.as_str())
        .chain(set.hmac.iter().map(|k| k.kid.as_str()))
        .collect()
}

#[test]
fn every_algorithm_signs_and_verifies_only_itself() {
    let keys: Vec<StoredKey> =
        Algorithm::KEYCLOAK_ORDER.iter().map(|alg| key(*alg, 100, 1)).collect();
    let set = KeySet::from_stored(keys.clone(), "r").unwrap();
    for algorithm in Algorithm::KEYCLOAK_ORDER {
        let signer = set.signer(algorithm).unwrap();
        assert_eq!(signer.algorithm(), algorithm);
        let token = jwt::sign(signer, &serde_json::json!({"sub": "x"})).unwrap();
        let header: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap(),
        )
        .unwrap();
        assert_eq!(header["alg"], algorithm.as_str());
        let claims: serde_json::Value = jwt::verify(&set, &token).unwrap();
        assert_eq!(claims["sub"], "x", "{algorithm}");
        // The same signature under any other algorithm's name and key is refused.
        let (_, rest) = token.split_once('.').unwrap();
        for other in Algorithm::KEYCLOAK_ORDER.into_iter().filter(|a| *a != algorithm) {
            let other_key = set.signer(other).unwrap();
            let forged = format!("{}{rest}", other_key.encoded_header());
            assert!(
                jwt::verify::<serde_json::Value>(&set, &forged).is_err(),
                "{algorithm} as {other}"
            );
        }
    }
}

#[test]
fn signature_lengths_are_the_jws_encodings() {
    // ECDSA signatures are the fixed-width `r || s` of RFC 7518 §3.4, not DER.
    for (algorithm, length) in [
        (Algorithm::ES256, 64),
        (Algorithm::ES384, 96),
        (Algorithm::ES512, 132),
        (Algorithm::EdDSA, 64),
        (Algorithm::RS256, 256),
        (Algorithm::PS256, 256),
        (Algorithm::HS512, 64),
    ] {
        let set = KeySet::from_stored(vec![key(algorithm, 1, 1)], "r").unwrap();
        let token = jwt::sign(set.signer(algorithm).unwrap(), &serde_json::json!({})).unwrap();
        let signature = URL_SAFE_NO_PAD.decode(token.rsplit('.').next().unwrap()).unwrap();
        assert_eq!(signature.len(), length, "{algorithm}");
    }
}

/// Recorded from Keycloak 26.7.3 (`GET …/keys` and the JWKS of realm `algs-ref`): an
/// `ecdsa-generated` P-256 key's `publicKey` and `kid`, and an `eddsa-generated` one's.
#[test]
fn key_ids_are_keycloaks() {
    let cases = [
        (
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE94PctpAIKhop75yDvQ1nFxHl7WS67WweHi/g1ierKOzz64UBYQkK6EmPQDYCzOAkdrsyQMI3+a8oFOU6nuLcSg==",
            "CtAV_H28zB4bMXcBzKjWmUGxp1XHjqdbaNWZqjH2aXA",
        ),
        (
            "MCowBQYDK2VwAyEAay3Jtj/aqkBpdu6Ft3cRKnv1un2UCY4mW8xleGZBUDE=",
            "PpHfdcUFQXn1zEodvmSZomEFgnRwCIucdjo77ZyTyTE",
        ),
    ];
    for (public_key, kid) in cases {
        assert_eq!(key_id(&STANDARD.decode(public_key).unwrap()), kid);
    }
    for algorithm in [Algorithm::RS256, Algorithm::ES384, Algorithm::EdDSA] {
        let stored = key(algorithm, 1, 1);
        let spki = public_key_info(algorithm, &stored.secret).unwrap().unwrap();
        assert_eq!(stored.kid, key_id(&spki));
    }
    assert!(uuid::Uuid::parse_str(&key(Algorithm::HS256, 1, 1).kid).is_ok());
}

/// The JWK fields and their order as 26.7.3 writes them (observed).
#[test]
fn jwks_fields_are_keycloaks() {
    let mut ec_with_certificate = key(Algorithm::ES384, 150, 1);
    ec_with_certificate.certificate = Some(
        certificate::self_signed(Algorithm::ES384, &ec_with_certificate.secret, "r", 1).unwrap(),
    );
    let set = KeySet::from_stored(
        vec![
            key(Algorithm::RS256, 100, 1),
            ec_with_certificate,
            key(Algorithm::ES256, 0, 1),
            key(Algorithm::EdDSA, 50, 1),
            key(Algorithm::HS512, 100, 1),
        ],
        "r",
    )
    .unwrap();
    let jwks = set.jwks();
    let fields: Vec<Vec<&str>> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|jwk| jwk.as_object().unwrap().keys().map(String::as_str).collect())
        .collect();
    assert_eq!(
        fields,
        [
            vec!["kid", "kty", "alg", "use", "x5c", "x5t", "x5t#S256", "crv", "x", "y"],
            vec!["kid", "kty", "alg", "use", "x5c", "x5t", "x5t#S256", "n", "e"],
            vec!["kid", "kty", "alg", "use", "crv", "x"],
            vec!["kid", "kty", "alg", "use", "crv", "x", "y"],
        ]
    );
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys[0]["crv"], "P-384");
    assert_eq!(URL_SAFE_NO_PAD.decode(keys[0]["x"].as_str().unwrap()).unwrap().len(), 48);
    assert_eq!(keys[2]["kty"], "OKP");
    assert_eq!(keys[2]["crv"], "Ed25519");
    assert_eq!(keys[3]["alg"], "ES256");
    assert_eq!(keys[3]["use"], "sig");
}

#[test]
fn the_highest_active_key_signs_passive_keys_verify_disabled_keys_do_neither() {
    let old = key(Algorithm::ES256, 100, 1);
    let newer = key(Algorithm::ES256, 100, 2);
    let mut passive = key(Algorithm::ES256, 500, 3);
    passive.active = false;
    let mut disabled = key(Algorithm::ES256, 900, 4);
    disabled.enabled = false;
    let set = KeySet::from_stored(
        vec![old.clone(), newer.clone(), passive.clone(), disabled.clone()],
        "r",
    )
    .unwrap();
    assert_eq!(set.signer(Algorithm::ES256).unwrap().kid(), newer.kid);
    assert_eq!(kids(&set), [passive.kid.as_str(), newer.kid.as_str(), old.kid.as_str()]);
    assert!(set.verifier(Some(&passive.kid), Algorithm::ES256).is_some());
    assert!(set.verifier(Some(&old.kid), Algorithm::ES256).is_some());
    assert!(set.verifier(Some(&disabled.kid), Algorithm::ES256).is_none());
    // A kid is only trusted for its own algorithm.
    assert!(set.verifier(Some(&old.kid), Algorithm::ES384).is_none());
    assert!(set.signer(Algorithm::RS256).is_none());
}

#[test]
fn refresh_tokens_prefer_hs512_and_keep_an_older_realms_hs256() {
    let hs256 = key(Algorithm::HS256, 200, 1);
    let hs512 = key(Algorithm::HS512, 100, 1);
    let both = KeySet::from_stored(vec![hs256.clone(), hs512.clone()], "r").unwrap();
    assert_eq!(both.active_hmac().unwrap().kid, hs512.kid);
    let seed = KeySet::from_stored(vec![hs256.clone()], "r").unwrap();
    assert_eq!(seed.active_hmac().unwrap().kid, hs256.kid);
}

#[test]
fn stored_keys_never_print_their_secret() {
    let stored = key(Algorithm::HS256, 1, 1);
    let printed = format!("{stored:?}");
    assert!(!printed.contains(&format!("{:?}", stored.secret)));
    assert!(printed.contains(&stored.kid));
}

#[test]
fn generated_rsa_certificates_are_keycloaks_and_the_same_on_every_load() {
    // Created 2026-12-07 08:39:45.554 UTC like a key of 26.7.3, whose certificate said
    // notBefore 08:38:05, notAfter 2036-12-07 08:39:45, serial 01A24FA8B292.
    let created = 1_796_632_785_554;
    let stored = key(Algorithm::RS256, 100, created);
    let first = KeySet::from_stored(vec![stored.clone()], "algs-ref").unwrap();
    let again = KeySet::from_stored(vec![stored], "algs-ref").unwrap();
    let certificate = first.asymmetric[0].certificate.clone().unwrap();
    assert_eq!(Some(&certificate), again.asymmetric[0].certificate.as_ref());
    let facts = certificate::read_certificate(&certificate).unwrap();
    assert_eq!(facts.valid_to_ms, 2_112_251_985_000);
    assert_eq!(facts.public_key_info, first.asymmetric[0].public_key_info);
}
