//! Client authentication at the token endpoint (`ClientIdAndSecretAuthenticator`,
//! `AuthenticationProcessor`), with the answers of Keycloak 26.7.3.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use latchkey_testkit::spawn_app;

use crate::helpers::{assert_oauth_error, expect_token_error, post};

const USER: [(&str, &str); 3] =
    [("grant_type", "password"), ("username", "crm_client_user"), ("password", "1234")];

fn with<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    USER.iter().copied().chain(extra.iter().copied()).collect()
}

#[tokio::test]
async fn missing_and_unknown_client_are_401_invalid_client() {
    let app = spawn_app().await;
    for form in [with(&[]), with(&[("client_id", "nope")])] {
        expect_token_error(
            &app,
            &form,
            401,
            "invalid_client",
            "Invalid client or Invalid client credentials",
        )
        .await;
    }
}

#[tokio::test]
async fn confidential_client_by_basic_and_by_post() {
    let app = spawn_app().await;
    app.add_confidential_client().await;
    let basic = format!("Basic {}", STANDARD.encode("svc_client:s3cret"));
    let response = app
        .http
        .post(app.token_url("nagra"))
        .header("authorization", &basic)
        .form(&USER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["token_type"], "Bearer",
        "Keycloak 26 default without the lower-case attribute"
    );
    let (status, _, _) = post(
        &app,
        &app.token_url("nagra"),
        &with(&[("client_id", "svc_client"), ("client_secret", "s3cret")]),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn wrong_or_missing_secret_is_401_unauthorized_client() {
    let app = spawn_app().await;
    app.add_confidential_client().await;
    for form in [
        with(&[("client_id", "svc_client"), ("client_secret", "wrong")]),
        with(&[("client_id", "svc_client")]),
    ] {
        expect_token_error(
            &app,
            &form,
            401,
            "unauthorized_client",
            "Invalid client or Invalid client credentials",
        )
        .await;
    }
    let response = app
        .http
        .post(app.token_url("nagra"))
        .header("authorization", format!("Basic {}", STANDARD.encode("svc_client:wrong")))
        .form(&USER)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_oauth_error(
        status,
        &headers,
        &body,
        "unauthorized_client",
        "Invalid client or Invalid client credentials",
    );
    assert_eq!(status, 401);
}

#[tokio::test]
async fn bearer_header_without_client_id_is_invalid_client() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.token_url("nagra"))
        .header("authorization", "Bearer x")
        .form(&USER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn grant_type_is_checked_before_the_client() {
    let app = spawn_app().await;
    expect_token_error(
        &app,
        &[("client_id", "nope")],
        400,
        "invalid_request",
        "Missing form parameter: grant_type",
    )
    .await;
    expect_token_error(
        &app,
        &[("grant_type", "magic")],
        400,
        "unsupported_grant_type",
        "Unsupported grant_type",
    )
    .await;
}

#[tokio::test]
async fn duplicated_parameter_comes_after_client_authentication() {
    let app = spawn_app().await;
    let mut form = with(&[("client_id", "crm_client")]);
    form.push(("username", "crm_client_user"));
    expect_token_error(&app, &form, 400, "invalid_request", "duplicated parameter").await;
    let mut form = with(&[("client_id", "nope")]);
    form.push(("username", "x"));
    expect_token_error(
        &app,
        &form,
        401,
        "invalid_client",
        "Invalid client or Invalid client credentials",
    )
    .await;
}

#[tokio::test]
async fn client_credentials_for_the_service_account() {
    let app = spawn_app().await;
    app.add_confidential_client().await;
    let (status, _, body) = post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "svc_client"),
            ("client_secret", "s3cret"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["refresh_expires_in"], 0);
    assert!(body.get("refresh_token").is_none());
    assert!(body.get("session_state").is_none());
    let (_, claims) = latchkey_testkit::jwt_parts(body["access_token"].as_str().unwrap());
    assert_eq!(claims["preferred_username"], "service-account-svc_client");
    assert_eq!(claims["client_id"], "svc_client");
    assert!(claims["jti"].as_str().unwrap().starts_with("trrtcc:"));
    expect_token_error(
        &app,
        &[("grant_type", "client_credentials"), ("client_id", "crm_client")],
        401,
        "unauthorized_client",
        "Public client not allowed to retrieve service account",
    )
    .await;
}
