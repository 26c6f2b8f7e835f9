use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _, RSA_PSS_SHA256, RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::token::algorithm::Algorithm as CoreAlgorithm;
use latchkey_core::token::keys::{KeySet as CoreKeySet, StoredKey};
use serde_json::{Value, json};

use super::*;

const ISSUER: &str = "http://127.0.0.1:8080/keycloak/auth/realms/nagra";
const NOW: UnixMillis = UnixMillis(1_760_000_000_000);

/// One key per algorithm latchkey signs with, as a realm holding all of them publishes.
fn core_keys() -> &'static CoreKeySet {
    static KEYS: std::sync::LazyLock<CoreKeySet> = std::sync::LazyLock::new(|| {
        let keys = CoreAlgorithm::KEYCLOAK_ORDER
            .into_iter()
            .map(|alg| StoredKey::generate("r", "k", "generated", alg, 2048, 1, 0).unwrap())
            .collect();
        CoreKeySet::from_stored(keys, "r").unwrap()
    });
    &KEYS
}

/// The signature latchkey's key for `alg` makes over `input`.
fn sign_with(alg: CoreAlgorithm, input: &[u8]) -> Vec<u8> {
    let mut signature = String::new();
    core_keys().signer(alg).unwrap().sign_into(input, &mut signature).unwrap();
    URL_SAFE_NO_PAD.decode(signature).unwrap()
}

fn jwks() -> KeySet {
    KeySet::from_jwks(core_keys().jwks().to_string().as_bytes()).unwrap()
}

fn expectations() -> Expectations {
    Expectations { issuers: vec![ISSUER.into()], leeway_secs: 5, azp: None, audience: None }
}

fn claims() -> Value {
    let now = NOW.secs();
    json!({
        "exp": now + 300, "iat": now, "iss": ISSUER, "sub": "user-1", "typ": "Bearer",
        "azp": "crm_client", "aud": ["account", "api"], "preferred_username": "crm_client_user",
        "realm_access": { "roles": ["operatorRole", "offline_access"] },
        "resource_access": { "crm_client": { "roles": ["viewer"] } },
    })
}

/// A compact JWS with any header, signed by `sign` over the signing input.
fn token(header: Value, claims: &Value, sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let mut input = URL_SAFE_NO_PAD.encode(header.to_string());
    input.push('.');
    input.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn rs256(claims: &Value) -> String {
    let key = core_keys().active_rsa().unwrap();
    token(json!({"alg": "RS256", "typ": "JWT", "kid": key.kid}), claims, |input| {
        sign_with(CoreAlgorithm::RS256, input)
    })
}

fn check_with(
    token: &str,
    keys: &KeySet,
    expectations: &Expectations,
) -> Result<Identity, TokenError> {
    verify(inspect(token, expectations)?, keys, expectations, NOW)
}

#[track_caller]
fn check(token: &str) -> Result<Identity, TokenError> {
    check_with(token, &jwks(), &expectations())
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

#[test]
fn a_good_token_gives_the_identity() {
    let identity = check(&rs256(&claims())).unwrap();
    assert_eq!(identity.subject.as_deref(), Some("user-1"));
    assert_eq!(identity.username.as_deref(), Some("crm_client_user"));
    assert_eq!(identity.roles.realm, ["operatorRole", "offline_access"]);
    assert_eq!(identity.roles.clients["crm_client"], ["viewer"]);
}

#[test]
fn typ_must_be_bearer_in_any_case() {
    assert!(check(&rs256(&with(claims(), "typ", json!("bearer")))).is_ok());
    for typ in [json!("Refresh"), json!("Offline"), json!("ID"), Value::Null] {
        assert_eq!(check(&rs256(&with(claims(), "typ", typ))), Err(TokenError::WrongType));
    }
}

#[test]
fn times_are_checked_with_leeway() {
    let now = NOW.secs();
    assert!(check(&rs256(&with(claims(), "exp", json!(now - 5)))).is_ok());
    assert_eq!(check(&rs256(&with(claims(), "exp", json!(now - 6)))), Err(TokenError::Expired));
    assert!(check(&rs256(&with(claims(), "nbf", json!(now + 5)))).is_ok());
    assert_eq!(check(&rs256(&with(claims(), "nbf", json!(now + 6)))), Err(TokenError::NotYetValid));
    assert_eq!(
        check(&rs256(&with(claims(), "iat", json!(now + 60)))),
        Err(TokenError::IssuedInFuture)
    );
    let mut no_exp = claims();
    no_exp.as_object_mut().unwrap().remove("exp");
    assert_eq!(check(&rs256(&no_exp)), Err(TokenError::BadClaims));
}

#[test]
fn none_and_hmac_algorithms_are_refused_before_any_key_lookup() {
    let kid = core_keys().active_rsa().unwrap().kid.clone();
    let none = token(json!({"alg": "none", "kid": kid}), &claims(), |_| Vec::new());
    assert_eq!(check(&none).err(), Some(TokenError::AlgorithmNotAllowed));
    // HS256 keyed with the public key's bytes, the classic confusion attack.
    let public = core_keys().active_rsa().unwrap().public_key_info.clone();
    let hs256 = token(json!({"alg": "HS256", "kid": kid}), &claims(), |input| {
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &public);
        aws_lc_rs::hmac::sign(&key, input).as_ref().to_vec()
    });
    assert_eq!(check(&hs256).err(), Some(TokenError::AlgorithmNotAllowed));
}

#[test]
fn the_key_alg_must_match_the_header_alg() {
    let key = core_keys().active_rsa().unwrap();
    // Same RSA key, header says RS384: the JWK says RS256 only.
    let rs384 = token(json!({"alg": "RS384", "kid": key.kid}), &claims(), |input| {
        sign_with(CoreAlgorithm::RS256, input)
    });
    assert_eq!(check(&rs384).err(), Some(TokenError::AlgorithmNotAllowed));
    let es256 = token(json!({"alg": "ES256", "kid": key.kid}), &claims(), |input| {
        sign_with(CoreAlgorithm::RS256, input)
    });
    assert_eq!(check(&es256).err(), Some(TokenError::AlgorithmNotAllowed));
}

#[test]
fn forged_signature_unknown_kid_and_other_issuer_are_refused() {
    let good = rs256(&claims());
    let (input, _) = good.rsplit_once('.').unwrap();
    let forged = format!("{input}.{}", URL_SAFE_NO_PAD.encode([7u8; 256]));
    assert_eq!(check(&forged).err(), Some(TokenError::BadSignature));
    let other = rs256(&with(claims(), "sub", json!("someone-else")));
    let (other_input, _) = other.rsplit_once('.').unwrap();
    let (_, signature) = good.rsplit_once('.').unwrap();
    let tampered = format!("{other_input}.{signature}");
    assert_eq!(check(&tampered).err(), Some(TokenError::BadSignature));
    let unknown = token(json!({"alg": "RS256", "kid": "nope"}), &claims(), |input| {
        sign_with(CoreAlgorithm::RS256, input)
    });
    assert_eq!(check(&unknown).err(), Some(TokenError::UnknownKey));
    let elsewhere = rs256(&with(claims(), "iss", json!("http://evil/realms/nagra")));
    assert_eq!(check(&elsewhere).err(), Some(TokenError::UnknownIssuer));
    assert_eq!(check("abc").err(), Some(TokenError::Malformed));
}

#[test]
fn azp_and_audience_are_checked_when_configured() {
    let good = rs256(&claims());
    let mut wanted = expectations();
    wanted.azp = Some("crm_client".into());
    wanted.audience = Some("api".into());
    assert!(check_with(&good, &jwks(), &wanted).is_ok());
    wanted.azp = Some("other".into());
    assert_eq!(check_with(&good, &jwks(), &wanted), Err(TokenError::WrongAuthorizedParty));
    wanted.azp = None;
    wanted.audience = Some("billing".into());
    assert_eq!(check_with(&good, &jwks(), &wanted), Err(TokenError::WrongAudience));
}

#[test]
fn pss_and_ecdsa_keys_verify() {
    let rng = SystemRandom::new();
    let rsa = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let ec_pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, ec_pkcs8.as_ref()).unwrap();
    let point = ec.public_key().as_ref().to_vec();
    let public = rsa.public_key();
    let document = json!({"keys": [
        {"kid": "ps", "kty": "RSA", "alg": "PS256", "use": "sig",
         "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
         "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero())},
        {"kid": "ec", "kty": "EC", "crv": "P-256",
         "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..])},
        {"kid": "hmac", "kty": "oct", "k": "c2VjcmV0"},
    ]});
    let keys = KeySet::from_jwks(document.to_string().as_bytes()).unwrap();
    assert_eq!(keys.keys.len(), 2, "the oct key is skipped");
    let ps = token(json!({"alg": "PS256", "kid": "ps"}), &claims(), |input| {
        let mut signature = vec![0; rsa.public_modulus_len()];
        rsa.sign(&RSA_PSS_SHA256, &rng, input, &mut signature).unwrap();
        signature
    });
    assert!(check_with(&ps, &keys, &expectations()).is_ok());
    let es = token(json!({"alg": "ES256", "kid": "ec"}), &claims(), |input| {
        ec.sign(&rng, input).unwrap().as_ref().to_vec()
    });
    assert!(check_with(&es, &keys, &expectations()).is_ok());
    // The EC key has no `alg`: its curve still rules out ES384.
    let es384 = token(json!({"alg": "ES384", "kid": "ec"}), &claims(), |input| {
        ec.sign(&rng, input).unwrap().as_ref().to_vec()
    });
    assert_eq!(
        check_with(&es384, &keys, &expectations()).err(),
        Some(TokenError::AlgorithmNotAllowed)
    );
}

#[test]
fn every_algorithm_latchkey_signs_verifies_with_its_published_key_only() {
    let keys = jwks();
    assert_eq!(keys.keys.len(), 10, "every asymmetric key, no HMAC key");
    for alg in CoreAlgorithm::KEYCLOAK_ORDER.into_iter().filter(|alg| alg.is_asymmetric()) {
        let signer = core_keys().signer(alg).unwrap();
        let header = json!({"alg": alg.as_str(), "typ": "JWT", "kid": signer.kid()});
        let good = token(header, &claims(), |input| sign_with(alg, input));
        assert!(check(&good).is_ok(), "{alg}");
        // The same key named with another algorithm of the allow-list is refused.
        for other in
            CoreAlgorithm::KEYCLOAK_ORDER.into_iter().filter(|o| o.is_asymmetric() && *o != alg)
        {
            let header = json!({"alg": other.as_str(), "kid": signer.kid()});
            let confused = token(header, &claims(), |input| sign_with(other, input));
            assert_eq!(
                check(&confused).err(),
                Some(TokenError::AlgorithmNotAllowed),
                "{alg} as {other}"
            );
        }
    }
}
