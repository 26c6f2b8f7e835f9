//! Fuzz target: latchkey's compact-JWS parser and verifier (`latchkey_core::token::jwt`),
//! as every bearer token reaches it. Arbitrary text goes to `verify_rs256` and
//! `verify_hmac` against a realm's keys; the input split at its first `\n` also becomes
//! the header and payload of a token signed with the realm's HMAC key, so the claim
//! parsing behind a valid signature is reached too. Nothing may panic; only a token
//! signed by the realm may verify.
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::realm::HmacAlgorithm;
use latchkey_core::token::claims::AccessClaims;
use latchkey_core::token::jwt;
use latchkey_core::token::keys::{KeySet, StoredKey};
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<KeySet> = LazyLock::new(|| {
    let rsa = StoredKey::generate_rsa("fuzz", 0).expect("an RSA key");
    let hmac = StoredKey::generate_hmac("fuzz", HmacAlgorithm::HS512, 0);
    KeySet::from_stored(vec![rsa, hmac], "fuzz").expect("the key set")
});

fuzz_target!(|data: &[u8]| {
    let keys = &*KEYS;
    let text = String::from_utf8_lossy(data);
    // A forged token never verifies (the fuzzer cannot sign with the realm's keys).
    assert!(jwt::verify_rs256::<serde_json::Value>(keys, &text).is_err());
    let _ = jwt::verify_hmac::<AccessClaims>(keys, &text);

    // Header and payload of the fuzzer's choosing, signed with the realm's HMAC key.
    let (header, payload) = match data.iter().position(|&b| b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b"{\"alg\":\"HS512\"}"[..], data),
    };
    let Some(key) = keys.active_hmac() else { return };
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let signature = URL_SAFE_NO_PAD.encode(key.sign(signing_input.as_bytes()));
    let token = format!("{signing_input}.{signature}");
    let _ = jwt::verify_hmac::<AccessClaims>(keys, &token);
    let _ = jwt::verify_hmac::<serde_json::Value>(keys, &token);
    assert!(jwt::verify_rs256::<serde_json::Value>(keys, &token).is_err());
});
