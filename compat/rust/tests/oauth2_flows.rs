//! The `oauth2` crate, as a Rust CRM would use it, against a real latchkey.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenType};
use oauth2::{
    ClientId, ClientSecret, RequestTokenError, ResourceOwnerPassword, ResourceOwnerUsername, TokenResponse,
    TokenUrl,
};

fn http_client() -> oauth2::reqwest::Client {
    oauth2::reqwest::Client::builder().redirect(oauth2::reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test]
async fn password_then_refresh_with_the_seed_client() {
    let app = latchkey_testkit::spawn_app().await;
    let client = BasicClient::new(ClientId::new("crm_client".into()))
        .set_token_uri(TokenUrl::new(app.token_url("nagra")).unwrap());
    let http = http_client();
    let token = client
        .exchange_password(&ResourceOwnerUsername::new("crm_client_user".into()), &ResourceOwnerPassword::new("1234".into()))
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(*token.token_type(), BasicTokenType::Bearer, "\"bearer\" parses as Bearer");
    assert_eq!(token.expires_in().unwrap().as_secs(), 300);
    let scopes: Vec<String> = token.scopes().unwrap().iter().map(|s| s.to_string()).collect();
    assert_eq!(scopes, ["profile", "email"]);
    let refresh = token.refresh_token().unwrap();

    app.clock.advance_secs(290);
    let refreshed = client.exchange_refresh_token(refresh).request_async(&http).await.unwrap();
    assert_ne!(refreshed.access_token().secret(), token.access_token().secret());
    assert_eq!(refreshed.expires_in().unwrap().as_secs(), 300);
    assert!(refreshed.refresh_token().is_some());
}

#[tokio::test]
async fn wrong_password_is_a_typed_invalid_grant() {
    let app = latchkey_testkit::spawn_app().await;
    let client = BasicClient::new(ClientId::new("crm_client".into()))
        .set_token_uri(TokenUrl::new(app.token_url("nagra")).unwrap());
    let error = client
        .exchange_password(&ResourceOwnerUsername::new("crm_client_user".into()), &ResourceOwnerPassword::new("nope".into()))
        .request_async(&http_client())
        .await
        .unwrap_err();
    match error {
        RequestTokenError::ServerResponse(response) => {
            assert_eq!(*response.error(), BasicErrorResponseType::InvalidGrant);
            assert_eq!(response.error_description().map(String::as_str), Some("Invalid user credentials"));
        }
        other => panic!("expected a server response, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_client_with_a_secret_is_invalid_client() {
    let app = latchkey_testkit::spawn_app().await;
    let client = BasicClient::new(ClientId::new("nobody".into()))
        .set_client_secret(ClientSecret::new("x".into()))
        .set_token_uri(TokenUrl::new(app.token_url("nagra")).unwrap());
    let error = client
        .exchange_password(&ResourceOwnerUsername::new("crm_client_user".into()), &ResourceOwnerPassword::new("1234".into()))
        .request_async(&http_client())
        .await
        .unwrap_err();
    match error {
        RequestTokenError::ServerResponse(response) => {
            assert_eq!(*response.error(), BasicErrorResponseType::InvalidClient);
        }
        other => panic!("expected a server response, got {other:?}"),
    }
}
