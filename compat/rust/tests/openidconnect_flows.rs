//! The `openidconnect` crate (v4), as a Rust relying party uses it, against a real
//! latchkey from `latchkey_testkit::spawn_app()`: discovery, the JWKS, a password grant
//! with `openid`, and the ID token verified by the library with keys it fetched itself:
//! ES256 (the realm's `defaultSignatureAlgorithm`) and EdDSA (the client's
//! `id.token.signed.response.alg`), `at_hash` included.
//!
//! Notes on openidconnect 4.1 that these tests rely on:
//! - `Client::from_provider_metadata` takes the allowed ID-token algorithms from the
//!   discovery document's `id_token_signing_alg_values_supported`, so the verifier accepts
//!   ES256 and EdDSA only because latchkey lists them.
//! - `AccessTokenHash::from_token` hashes with the ID token's algorithm (SHA-512 for
//!   Ed25519), which is what latchkey (and Keycloak 26.7.3, observed) writes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use latchkey_core::time::{Clock as _, SystemClock};
use openidconnect::core::{CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, ClientId, IssuerUrl, Nonce, OAuth2TokenResponse, ResourceOwnerPassword,
    ResourceOwnerUsername, Scope, TokenResponse,
};

fn http_client() -> openidconnect::reqwest::Client {
    openidconnect::reqwest::Client::builder()
        .redirect(openidconnect::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The seed's password grant with `scope=openid`, its ID token verified by the library;
/// returns the ID token's algorithm.
async fn verified_login(app: &latchkey_testkit::TestApp) -> CoreJwsSigningAlgorithm {
    // The library checks `exp` and `iat` against the wall clock: bring latchkey's
    // manual clock (which starts in 2025) to the present first.
    let wall = SystemClock.now().secs();
    app.clock.advance_secs(wall - latchkey_testkit::START.secs());
    let http = http_client();
    let issuer = IssuerUrl::new(app.realm_url("nagra")).unwrap();
    let metadata = CoreProviderMetadata::discover_async(issuer, &http).await.unwrap();
    assert!(!metadata.jwks().keys().is_empty(), "the JWKS was fetched");
    let client =
        CoreClient::from_provider_metadata(metadata, ClientId::new("crm_client".to_owned()), None)
            .set_token_uri(openidconnect::TokenUrl::new(app.token_url("nagra")).unwrap());
    let response = client
        .exchange_password(
            &ResourceOwnerUsername::new("crm_client_user".to_owned()),
            &ResourceOwnerPassword::new("1234".to_owned()),
        )
        .add_scope(Scope::new("openid".to_owned()))
        .request_async(&http)
        .await
        .unwrap();
    let id_token = response.id_token().expect("an ID token for scope openid");
    let verifier = client.id_token_verifier();
    // A password grant carries no nonce.
    let claims = id_token.claims(&verifier, |_: Option<&Nonce>| Ok(())).unwrap();
    assert_eq!(claims.subject().as_str().len(), 36, "the user's id");
    assert_eq!(claims.preferred_username().map(|name| name.as_str()), Some("crm_client_user"));
    let algorithm = id_token.signing_alg().unwrap().clone();
    let key = id_token.signing_key(&verifier).unwrap();
    let expected = AccessTokenHash::from_token(response.access_token(), &algorithm, key).unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected));
    algorithm
}

#[tokio::test]
async fn es256_id_tokens_verify() {
    let app = latchkey_testkit::spawn_app().await;
    app.edit_realm(|realm| realm.settings.default_signature_algorithm = "ES256".into()).await;
    assert_eq!(verified_login(&app).await, CoreJwsSigningAlgorithm::EcdsaP256Sha256);
}

#[tokio::test]
async fn eddsa_id_tokens_verify() {
    let app = latchkey_testkit::spawn_app().await;
    app.edit_client("crm_client", |client| {
        client.settings.attributes.insert("id.token.signed.response.alg".into(), "EdDSA".into());
    })
    .await;
    assert_eq!(verified_login(&app).await, CoreJwsSigningAlgorithm::EdDsa);
}

#[tokio::test]
async fn rs256_id_tokens_still_verify() {
    let app = latchkey_testkit::spawn_app().await;
    assert_eq!(verified_login(&app).await, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256);
}
