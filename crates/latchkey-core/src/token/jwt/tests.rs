use super::*;
use crate::token::keys::{HmacKey, StoredKey};
use proptest::prelude::*;

fn keys() -> &'static KeySet {
    static KEYS: std::sync::LazyLock<KeySet> = std::sync::LazyLock::new(|| {
        KeySet::from_stored(
            vec![
                StoredKey::generate_rsa("r", 0).unwrap(),
                StoredKey::generate_hmac("r", Algorithm::HS256, 0),
                StoredKey::generate("r", "ec", "ecdsa-generated", Algorithm::ES256, 0, 10, 0)
                    .unwrap(),
            ],
            "r",
        )
        .unwrap()
    });
    &KEYS
}

fn rs256() -> SigningKey<'static> {
    keys().signer(Algorithm::RS256).unwrap()
}

fn hs256() -> SigningKey<'static> {
    keys().signer(Algorithm::HS256).unwrap()
}

#[test]
fn header_bytes_match_keycloak() {
    for key in [rs256(), hs256(), keys().signer(Algorithm::ES256).unwrap()] {
        let token = sign(key, &serde_json::json!({"a": 1})).unwrap();
        let header = URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap();
        let expected =
            format!(r#"{{"alg":"{}","typ" : "JWT","kid" : "{}"}}"#, key.algorithm(), key.kid());
        assert_eq!(String::from_utf8(header).unwrap(), expected);
    }
}

#[test]
fn round_trip_and_tamper() {
    let token = sign(rs256(), &serde_json::json!({"sub": "x"})).unwrap();
    let claims: serde_json::Value = verify(keys(), &token).unwrap();
    assert_eq!(claims["sub"], "x");
    let forged = token.replacen(".ey", ".eyJzdWIiOiJ5In0.", 1);
    assert!(verify::<serde_json::Value>(keys(), &forged).is_err());
}

#[test]
fn hmac_only_where_hmac_is_required() {
    let token = sign(rs256(), &serde_json::json!({"sub": "x"})).unwrap();
    assert_eq!(
        verify_hmac::<serde_json::Value>(keys(), &token).unwrap_err(),
        JwtError::AlgorithmNotAllowed
    );
    let token = sign(hs256(), &serde_json::json!({"sub": "x"})).unwrap();
    let claims: serde_json::Value = verify_hmac(keys(), &token).unwrap();
    assert_eq!(claims["sub"], "x");
}

#[test]
fn alg_none_is_refused() {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
    let body = URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#);
    let token = format!("{header}.{body}.");
    assert_eq!(
        verify::<serde_json::Value>(keys(), &token).unwrap_err(),
        JwtError::AlgorithmNotAllowed
    );
    assert!(verify_hmac::<serde_json::Value>(keys(), &token).is_err());
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    let rsa = keys().active_rsa().unwrap();
    let forger = HmacKey::new(rsa.kid.clone(), Algorithm::HS256, &rsa.public_key_info);
    let token = sign(SigningKey::Hmac(&forger), &serde_json::json!({"sub": "x"})).unwrap();
    assert_eq!(verify::<serde_json::Value>(keys(), &token).unwrap_err(), JwtError::UnknownKey);
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(input in ".{0,400}") {
        let _ = verify::<serde_json::Value>(keys(), &input);
        let _ = verify_hmac::<serde_json::Value>(keys(), &input);
        let _ = peek_unverified::<serde_json::Value>(&input);
    }

    #[test]
    fn arbitrary_three_part_tokens_never_verify(a in "[A-Za-z0-9_-]{0,60}", b in "[A-Za-z0-9_-]{0,60}", c in "[A-Za-z0-9_-]{0,60}") {
        let token = format!("{a}.{b}.{c}");
        prop_assert!(verify::<serde_json::Value>(keys(), &token).is_err());
        prop_assert!(verify_hmac::<serde_json::Value>(keys(), &token).is_err());
    }
}
