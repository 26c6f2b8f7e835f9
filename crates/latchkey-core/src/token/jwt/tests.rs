use super::*;
use crate::realm::HmacAlgorithm;
use crate::token::keys::StoredKey;
use proptest::prelude::*;

fn keys() -> &'static KeySet {
    static KEYS: std::sync::LazyLock<KeySet> = std::sync::LazyLock::new(|| {
        KeySet::from_stored(
            vec![
                StoredKey::generate_rsa("r", 0).unwrap(),
                StoredKey::generate_hmac("r", HmacAlgorithm::HS256, 0),
            ],
            "r",
        )
        .unwrap()
    });
    &KEYS
}

#[test]
fn header_bytes_match_keycloak() {
    let keys = keys();
    let token = sign_rs256(keys.active_rsa().unwrap(), &serde_json::json!({"a": 1})).unwrap();
    let header = URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap();
    let expected = format!(r#"{{"alg":"RS256","typ" : "JWT","kid" : "{}"}}"#, keys.rsa[0].kid);
    assert_eq!(String::from_utf8(header).unwrap(), expected);
}

#[test]
fn rs256_round_trip_and_tamper() {
    let keys = keys();
    let token = sign_rs256(keys.active_rsa().unwrap(), &serde_json::json!({"sub": "x"})).unwrap();
    let claims: serde_json::Value = verify_rs256(keys, &token).unwrap();
    assert_eq!(claims["sub"], "x");
    let forged = token.replacen(".ey", ".eyJzdWIiOiJ5In0.", 1);
    assert!(verify_rs256::<serde_json::Value>(keys, &forged).is_err());
}

#[test]
fn hmac_token_is_not_accepted_where_rs256_is_required() {
    let keys = keys();
    let token = sign_hmac(keys.active_hmac().unwrap(), &serde_json::json!({"sub": "x"}));
    assert_eq!(
        verify_rs256::<serde_json::Value>(keys, &token).unwrap_err(),
        JwtError::AlgorithmNotAllowed
    );
    let claims: serde_json::Value = verify_hmac(keys, &token).unwrap();
    assert_eq!(claims["sub"], "x");
}

#[test]
fn alg_none_is_refused() {
    let keys = keys();
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
    let body = URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#);
    let token = format!("{header}.{body}.");
    assert_eq!(
        verify_rs256::<serde_json::Value>(keys, &token).unwrap_err(),
        JwtError::AlgorithmNotAllowed
    );
    assert!(verify_hmac::<serde_json::Value>(keys, &token).is_err());
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    let keys = keys();
    let public = keys.active_rsa().unwrap().public_spki.clone();
    let forger = crate::token::keys::HmacKey::new(
        keys.active_rsa().unwrap().kid.clone(),
        HmacAlgorithm::HS256,
        &public,
    );
    let token = sign_hmac(&forger, &serde_json::json!({"sub": "x"}));
    assert!(verify_rs256::<serde_json::Value>(keys, &token).is_err());
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(input in ".{0,400}") {
        let keys = keys();
        let _ = verify_rs256::<serde_json::Value>(keys, &input);
        let _ = verify_hmac::<serde_json::Value>(keys, &input);
        let _ = peek_unverified::<serde_json::Value>(&input);
    }

    #[test]
    fn arbitrary_three_part_tokens_never_verify(a in "[A-Za-z0-9_-]{0,60}", b in "[A-Za-z0-9_-]{0,60}", c in "[A-Za-z0-9_-]{0,60}") {
        let keys = keys();
        let token = format!("{a}.{b}.{c}");
        prop_assert!(verify_rs256::<serde_json::Value>(keys, &token).is_err());
        prop_assert!(verify_hmac::<serde_json::Value>(keys, &token).is_err());
    }
}
