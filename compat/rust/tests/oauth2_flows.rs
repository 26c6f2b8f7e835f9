//! The `oauth2` crate (v5), as a Rust CRM would use it, against a real latchkey started by
//! `latchkey_testkit::spawn_app()` (realm `nagra`, public client `crm_client`, manual clock).
//!
//! Notes on oauth2 5.0 that these tests rely on:
//! - `StandardTokenResponse.token_type` is deserialized case-insensitively
//!   (`helpers::deserialize_untagged_enum_case_insensitive` lower-cases first), so both the
//!   seed's `"bearer"` and Keycloak 26's default `"Bearer"` parse as `BasicTokenType::Bearer`.
//! - With no client secret, `client_id` goes in the form body (`AuthType::BasicAuth` + no
//!   secret); with a secret, it goes in an `Authorization: Basic` header.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use oauth2::basic::{
    BasicClient, BasicErrorResponse, BasicErrorResponseType, BasicRevocationErrorResponse,
    BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    ClientId, ClientSecret, EndpointNotSet, EndpointSet, ExtraTokenFields, RefreshToken,
    RequestTokenError, ResourceOwnerPassword, ResourceOwnerUsername, StandardRevocableToken,
    StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

/// Keycloak's fields beyond RFC 6749, as a CRM that cares about them would declare them.
#[derive(Clone, Debug, Deserialize, Serialize)]
struct KeycloakFields {
    refresh_expires_in: u64,
    #[serde(rename = "not-before-policy")]
    not_before_policy: i64,
    session_state: Option<String>,
    id_token: Option<String>,
}

impl ExtraTokenFields for KeycloakFields {}

type KeycloakTokenResponse = StandardTokenResponse<KeycloakFields, BasicTokenType>;

type KeycloakClient = oauth2::Client<
    BasicErrorResponse,
    KeycloakTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

fn http_client() -> oauth2::reqwest::Client {
    oauth2::reqwest::Client::builder()
        .redirect(oauth2::reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn crm_client(app: &latchkey_testkit::TestApp) -> KeycloakClient {
    oauth2::Client::new(ClientId::new("crm_client".into()))
        .set_token_uri(TokenUrl::new(app.token_url("nagra")).unwrap())
}

fn seed_user() -> (ResourceOwnerUsername, ResourceOwnerPassword) {
    (
        ResourceOwnerUsername::new("crm_client_user".into()),
        ResourceOwnerPassword::new("1234".into()),
    )
}

async fn login(client: &KeycloakClient, http: &oauth2::reqwest::Client) -> KeycloakTokenResponse {
    let (username, password) = seed_user();
    client.exchange_password(&username, &password).request_async(http).await.unwrap()
}

/// The error of a failed token request, which must be an OAuth error answer from the server.
fn server_error<E: std::error::Error + 'static>(
    error: RequestTokenError<E, BasicErrorResponse>,
) -> BasicErrorResponse {
    match error {
        RequestTokenError::ServerResponse(response) => response,
        other => panic!("expected an OAuth error response, got {other:?}"),
    }
}

fn scopes(token: &impl TokenResponse) -> Vec<String> {
    token.scopes().map(|s| s.iter().map(|s| s.to_string()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn password_then_refresh_with_the_seed_client() {
    let app = latchkey_testkit::spawn_app().await;
    let client = crm_client(&app);
    let http = http_client();

    let token = login(&client, &http).await;
    assert_eq!(*token.token_type(), BasicTokenType::Bearer, "\"bearer\" parses as Bearer");
    assert_eq!(token.expires_in(), Some(Duration::from_secs(300)));
    assert_eq!(scopes(&token), ["profile", "email"]);
    let (header, claims) = latchkey_testkit::jwt_parts(token.access_token().secret());
    assert_eq!(header["alg"], "RS256");
    assert_eq!(claims["preferred_username"], "crm_client_user");
    assert_eq!(claims["realm_access"]["roles"], serde_json::json!(["operatorRole"]));
    let extra = token.extra_fields();
    assert_eq!(extra.refresh_expires_in, 1800);
    assert_eq!(extra.not_before_policy, 0);
    assert!(extra.id_token.is_none(), "no id_token without the openid scope");
    let session = extra.session_state.clone().expect("session_state");
    let refresh = token.refresh_token().expect("refresh token").clone();
    assert_eq!(latchkey_testkit::jwt_parts(refresh.secret()).0["alg"], "HS256");

    app.clock.advance_secs(290);
    let refreshed = client.exchange_refresh_token(&refresh).request_async(&http).await.unwrap();
    assert_eq!(*refreshed.token_type(), BasicTokenType::Bearer);
    assert_ne!(refreshed.access_token().secret(), token.access_token().secret());
    assert_eq!(refreshed.expires_in(), Some(Duration::from_secs(300)));
    assert_eq!(scopes(&refreshed), ["profile", "email"]);
    assert_eq!(refreshed.extra_fields().refresh_expires_in, 1800);
    assert_eq!(refreshed.extra_fields().session_state.as_deref(), Some(session.as_str()));
    let new_refresh = refreshed.refresh_token().expect("a new refresh token");
    assert_ne!(new_refresh.secret(), refresh.secret());
}

#[tokio::test]
async fn the_basic_client_type_works_too() {
    let app = latchkey_testkit::spawn_app().await;
    let client = BasicClient::new(ClientId::new("crm_client".into()))
        .set_token_uri(TokenUrl::new(app.token_url("nagra")).unwrap());
    let http = http_client();
    let (username, password) = seed_user();
    let token = client.exchange_password(&username, &password).request_async(&http).await.unwrap();
    assert_eq!(*token.token_type(), BasicTokenType::Bearer);
    assert_eq!(token.expires_in(), Some(Duration::from_secs(300)));
    let refreshed = client
        .exchange_refresh_token(token.refresh_token().unwrap())
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(refreshed.expires_in(), Some(Duration::from_secs(300)));
}

#[tokio::test]
async fn refreshing_keeps_the_session_alive_past_the_first_idle_window() {
    let app = latchkey_testkit::spawn_app().await;
    let client = crm_client(&app);
    let http = http_client();
    let mut refresh = login(&client, &http).await.refresh_token().unwrap().clone();
    // Three refreshes 25 minutes apart: 75 minutes in all, each within the 30-minute idle window.
    for _ in 0..3 {
        app.clock.advance_secs(1500);
        let refreshed = client.exchange_refresh_token(&refresh).request_async(&http).await.unwrap();
        assert_eq!(refreshed.extra_fields().refresh_expires_in, 1800);
        refresh = refreshed.refresh_token().unwrap().clone();
    }
}

#[tokio::test]
async fn an_idle_session_ends_after_thirty_minutes() {
    let app = latchkey_testkit::spawn_app().await;
    let client = crm_client(&app);
    let http = http_client();
    let refresh = login(&client, &http).await.refresh_token().unwrap().clone();
    app.clock.advance_secs(1801);
    let error = client.exchange_refresh_token(&refresh).request_async(&http).await.unwrap_err();
    let response = server_error(error);
    assert_eq!(*response.error(), BasicErrorResponseType::InvalidGrant);
    assert_eq!(response.error_description().map(String::as_str), Some("Token is not active"));
}

#[tokio::test]
async fn wrong_password_is_a_typed_invalid_grant() {
    let app = latchkey_testkit::spawn_app().await;
    let client = crm_client(&app);
    let error = client
        .exchange_password(&seed_user().0, &ResourceOwnerPassword::new("nope".into()))
        .request_async(&http_client())
        .await
        .unwrap_err();
    let response = server_error(error);
    assert_eq!(*response.error(), BasicErrorResponseType::InvalidGrant);
    assert_eq!(response.error_description().map(String::as_str), Some("Invalid user credentials"));
}

#[tokio::test]
async fn unknown_client_with_a_secret_is_invalid_client() {
    let app = latchkey_testkit::spawn_app().await;
    let client = BasicClient::new(ClientId::new("nobody".into()))
        .set_client_secret(ClientSecret::new("x".into()))
        .set_token_uri(TokenUrl::new(app.token_url("nagra")).unwrap());
    let (username, password) = seed_user();
    let error = client
        .exchange_password(&username, &password)
        .request_async(&http_client())
        .await
        .unwrap_err();
    let response = server_error(error);
    assert_eq!(*response.error(), BasicErrorResponseType::InvalidClient);
    assert_eq!(
        response.error_description().map(String::as_str),
        Some("Invalid client or Invalid client credentials")
    );
}

#[tokio::test]
async fn revoking_the_refresh_token_ends_the_session() {
    let app = latchkey_testkit::spawn_app().await;
    let client = crm_client(&app);
    let http = http_client();
    let token = login(&client, &http).await;
    let refresh: RefreshToken = token.refresh_token().unwrap().clone();
    // oauth2's `revoke_token` refuses a plain-http revocation URL (`InsecureUrl`, RFC 7009 asks
    // for TLS) and the testkit serves http, so the RFC 7009 request is sent by hand.
    let revoked = app
        .post_form(
            &app.oidc_url("nagra", "revoke"),
            &[
                ("token", refresh.secret()),
                ("token_type_hint", "refresh_token"),
                ("client_id", "crm_client"),
            ],
        )
        .await;
    assert_eq!(revoked.status(), 200);
    let error = client.exchange_refresh_token(&refresh).request_async(&http).await.unwrap_err();
    let response = server_error(error);
    assert_eq!(*response.error(), BasicErrorResponseType::InvalidGrant);
    assert_eq!(response.error_description().map(String::as_str), Some("Session not active"));
}
