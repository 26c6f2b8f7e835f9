use super::*;

#[test]
fn argon2_hash_round_trips_through_keycloak_json() {
    let hash = hash_password("1234");
    assert!(hash.is_current_policy());
    let back = PasswordHash::from_keycloak(&hash.secret_data(), &hash.credential_data()).unwrap();
    assert!(back.verify("1234"));
    assert!(!back.verify("12345"));
    assert!(back.is_current_policy());
}

#[test]
fn keycloak_pbkdf2_sha256_export_verifies() {
    // PBKDF2-HMAC-SHA256, 27500 iterations, 64-byte key, as Keycloak ≤23 exported it.
    let salt = STANDARD.encode(b"0123456789abcdef");
    let mut derived = [0u8; 64];
    aws_lc_rs::pbkdf2::derive(
        aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::new(27500).unwrap(),
        b"0123456789abcdef",
        b"s3cret",
        &mut derived,
    );
    let secret_data = format!(
        r#"{{"value":"{}","salt":"{salt}","additionalParameters":{{}}}}"#,
        STANDARD.encode(derived)
    );
    let credential_data =
        r#"{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}"#;
    let hash = PasswordHash::from_keycloak(&secret_data, credential_data).unwrap();
    assert!(hash.verify("s3cret"));
    assert!(!hash.verify("s3cret "));
    assert!(!hash.is_current_policy());
}

#[test]
fn unknown_algorithm_is_refused_at_import() {
    let err = PasswordHash::from_keycloak(
        r#"{"value":"AAAA","salt":"AAAA"}"#,
        r#"{"hashIterations":1,"algorithm":"md5"}"#,
    )
    .unwrap_err();
    assert_eq!(err, PasswordError::UnsupportedAlgorithm("md5".into()));
}

#[test]
fn debug_does_not_print_hash_bytes() {
    let text = format!("{:?}", hash_password("x"));
    assert!(!text.contains("value"), "{text}");
}
