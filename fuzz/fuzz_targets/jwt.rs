//! Fuzz target: latchkey's compact-JWS parser and verifier (`latchkey_core::token::jwt`),
//! as every bearer and refresh token reaches it. Arbitrary text goes to `verify` and
//! `verify_hmac` against a realm holding a key of each family (RSA, ECDSA P-256, Ed25519,
//! HMAC); the input split at its first `\n` also becomes the header and payload of a token
//! signed with the realm's HMAC key, so the claim parsing behind a valid signature is
//! reached too. Nothing may panic; a token the fuzzer made verifies only through the
//! HMAC key that signed it, never as an asymmetric token.
#![no_main]

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::token::algorithm::Algorithm;
use latchkey_core::token::claims::AccessClaims;
use latchkey_core::token::jwt;
use latchkey_core::token::keys::{KeySet, StoredKey};
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<KeySet> = LazyLock::new(|| {
    let generated = |provider: &str, algorithm| {
        StoredKey::generate("fuzz", provider, provider, algorithm, 2048, 100, 0)
            .expect("a generated key")
    };
    let keys = vec![
        StoredKey::generate_rsa("fuzz", 0).expect("an RSA key"),
        generated("ecdsa-generated", Algorithm::ES256),
        generated("eddsa-generated", Algorithm::EdDSA),
        StoredKey::generate_hmac("fuzz", Algorithm::HS512, 0),
    ];
    KeySet::from_stored(keys, "fuzz").expect("the key set")
});

fuzz_target!(|data: &[u8]| {
    let keys = &*KEYS;
    let text = String::from_utf8_lossy(data);
    // A forged token never verifies (the fuzzer cannot sign with the realm's keys).
    assert!(jwt::verify::<serde_json::Value>(keys, &text).is_err());
    assert!(jwt::verify_hmac::<AccessClaims>(keys, &text).is_err());
    let _ = jwt::peek_unverified::<AccessClaims>(&text);

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
    // Whatever its header says, an HMAC-signed token is never taken for an RSA, ECDSA or
    // EdDSA one.
    if let Ok(parts) = jwt::split(&token)
        && Algorithm::parse(&parts.header.alg).is_some_and(|alg| alg.is_asymmetric())
    {
        assert!(jwt::verify::<serde_json::Value>(keys, &token).is_err());
    }
});
