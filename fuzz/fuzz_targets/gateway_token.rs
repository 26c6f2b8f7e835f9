//! Fuzz target: the gateway's token checks (`latchkey_gateway::verify`, `jwks`), as every
//! request's `Authorization` header reaches them. The gateway holds the JWKS of a realm
//! with an RSA, an ECDSA P-256 and an Ed25519 key. Arbitrary text goes through `inspect`
//! and `verify`; nothing may panic and no token the fuzzer made may pass (it cannot sign
//! with the realm's keys). An input starting with `{` is also read as a JWKS document,
//! as the gateway reads the issuer's `certs` answer.
#![no_main]

use std::sync::LazyLock;

use latchkey_core::token::algorithm::Algorithm;
use latchkey_core::token::keys::{KeySet as RealmKeys, StoredKey};
use latchkey_gateway::jwks::KeySet;
use latchkey_gateway::verify::{Expectations, inspect, verify};
use libfuzzer_sys::fuzz_target;

const ISSUER: &str = "http://127.0.0.1:8080/keycloak/auth/realms/nagra";

static KEYS: LazyLock<KeySet> = LazyLock::new(|| {
    let generated = |provider: &str, algorithm| {
        StoredKey::generate("fuzz", provider, provider, algorithm, 2048, 100, 0)
            .expect("a generated key")
    };
    let realm = RealmKeys::from_stored(
        vec![
            StoredKey::generate_rsa("fuzz", 0).expect("an RSA key"),
            generated("ecdsa-generated", Algorithm::ES256),
            generated("eddsa-generated", Algorithm::EdDSA),
        ],
        "fuzz",
    )
    .expect("the key set");
    let document = serde_json::to_vec(&realm.jwks()).expect("JSON");
    KeySet::from_jwks(&document).expect("the realm's JWKS")
});

static EXPECTATIONS: LazyLock<Expectations> = LazyLock::new(|| Expectations {
    issuers: vec![ISSUER.to_owned()],
    leeway_secs: 5,
    azp: None,
    audience: None,
});

fuzz_target!(|data: &[u8]| {
    if data.first() == Some(&b'{') {
        let _ = KeySet::from_jwks(data);
    }
    let text = String::from_utf8_lossy(data);
    let Ok(presented) = inspect(&text, &EXPECTATIONS) else { return };
    let _ = presented.kid();
    assert!(verify(presented, &KEYS, &EXPECTATIONS, latchkey_core::time::UnixMillis(0)).is_err());
});
