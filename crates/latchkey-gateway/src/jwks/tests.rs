use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use super::*;

#[test]
fn keys_with_odd_use_alg_or_type_are_skipped() {
    let document = json!({"keys": [
        {"kid": "enc", "kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB"},
        {"kid": "hs", "kty": "oct", "alg": "HS256", "k": "c2VjcmV0"},
        {"kid": "mismatch", "kty": "RSA", "alg": "ES256", "n": "AQAB", "e": "AQAB"},
        {"kid": "unknown-alg", "kty": "RSA", "alg": "RSA-OAEP", "n": "AQAB", "e": "AQAB"},
        {"kid": "bad-curve", "kty": "EC", "crv": "P-192", "x": "AA", "y": "AA"},
        {"kid": "short-ec", "kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
        {"kid": "ok", "kty": "RSA", "alg": "RS256", "n": "AQAB", "e": "AQAB"},
    ]});
    let keys = KeySet::from_jwks(document.to_string().as_bytes()).unwrap();
    let kids: Vec<_> = keys.keys.iter().map(|key| key.kid.as_deref().unwrap()).collect();
    assert_eq!(kids, ["ok"]);
    assert!(KeySet::from_jwks(b"not json").is_err());
}

#[test]
fn the_allow_list_has_no_none_and_no_hmac() {
    for name in ["none", "None", "HS256", "HS384", "HS512", "eddsa", "Ed25519", ""] {
        assert_eq!(Algorithm::parse(name), None, "{name}");
    }
    assert_eq!(Algorithm::parse("RS256"), Some(Algorithm::RS256));
    assert_eq!(Algorithm::parse("ES512"), Some(Algorithm::ES512));
    assert_eq!(Algorithm::parse("EdDSA"), Some(Algorithm::EdDSA));
}

#[test]
fn okp_keys_are_ed25519_only() {
    let x = URL_SAFE_NO_PAD.encode([9u8; 32]);
    let document = json!({"keys": [
        {"kid": "ed", "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "x": x},
        {"kid": "ed448", "kty": "OKP", "crv": "Ed448", "x": URL_SAFE_NO_PAD.encode([9u8; 57])},
        {"kid": "x25519", "kty": "OKP", "crv": "X25519", "x": x},
        {"kid": "short", "kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
        {"kid": "ed-as-es", "kty": "OKP", "crv": "Ed25519", "alg": "ES256", "x": x},
    ]});
    let keys = KeySet::from_jwks(document.to_string().as_bytes()).unwrap();
    let kids: Vec<_> = keys.keys.iter().map(|key| key.kid.as_deref().unwrap()).collect();
    assert_eq!(kids, ["ed"]);
    assert!(keys.keys[0].accepts(Algorithm::EdDSA));
    assert!(!keys.keys[0].accepts(Algorithm::ES256) && !keys.keys[0].accepts(Algorithm::RS256));
}

#[test]
fn without_kid_only_a_single_candidate_is_chosen() {
    let one = json!({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]});
    let keys = KeySet::from_jwks(one.to_string().as_bytes()).unwrap();
    assert!(keys.find(None, Algorithm::RS256).is_some());
    assert!(keys.find(None, Algorithm::ES256).is_none());
    let two = json!({"keys": [
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"}, {"kty": "RSA", "n": "AQAC", "e": "AQAB"},
    ]});
    let keys = KeySet::from_jwks(two.to_string().as_bytes()).unwrap();
    assert!(keys.find(None, Algorithm::RS256).is_none());
}
