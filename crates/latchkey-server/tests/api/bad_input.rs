//! Malformed requests get a precise 4xx in Keycloak's shape, never a 500.

use latchkey_testkit::spawn_app;

use crate::helpers::expect_token_error;

#[tokio::test]
async fn json_body_reads_as_an_empty_form() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.token_url("nagra"))
        .header("content-type", "application/json")
        .body(r#"{"grant_type":"password"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error_description"], "Missing form parameter: grant_type");
}

#[tokio::test]
async fn get_on_the_token_endpoint_is_405() {
    let app = spawn_app().await;
    let response = app.http.get(app.token_url("nagra")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"error": "HTTP 405 Method Not Allowed"}));
}

#[tokio::test]
async fn unknown_realm_is_404_realm_does_not_exist() {
    let app = spawn_app().await;
    for url in [
        app.token_url("nope"),
        format!("{}/.well-known/openid-configuration", app.realm_url("nope")),
        app.oidc_url("nope", "certs"),
    ] {
        let response = app
            .http
            .request(
                if url.ends_with("token") { reqwest::Method::POST } else { reqwest::Method::GET },
                &url,
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{url}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body, serde_json::json!({"error": "Realm does not exist"}));
    }
}

#[tokio::test]
async fn invalid_utf8_in_a_value_is_just_a_wrong_user() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(app.token_url("nagra"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            b"grant_type=password&client_id=crm_client&password=1234&username=%FF%FE\xff".to_vec(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error_description"], "Invalid user credentials");
}

#[tokio::test]
async fn oversized_body_is_413_not_a_crash() {
    let app = spawn_app().await;
    let huge = format!("grant_type=password&username={}", "a".repeat(2 * 1024 * 1024));
    let response = app
        .http
        .post(app.token_url("nagra"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    // And the server still answers.
    expect_token_error(
        &app,
        &[("grant_type", "nope")],
        400,
        "unsupported_grant_type",
        "Unsupported grant_type",
    )
    .await;
}

#[tokio::test]
async fn forged_refresh_tokens_never_cause_a_server_error() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    let genuine = login["refresh_token"].as_str().unwrap();
    let mut parts: Vec<String> = genuine.split('.').map(str::to_owned).collect();
    parts[1] = "eyJ0eXAiOiJSZWZyZXNoIn0".into();
    let forged = parts.join(".");
    let alg_none = format!("eyJhbGciOiJub25lIn0.{}.", genuine.split('.').nth(1).unwrap());
    let truncated = &genuine[..genuine.len() - 10];
    for presented in
        [forged.as_str(), alg_none.as_str(), truncated, "....", "%%%", &"x".repeat(20000)]
    {
        expect_token_error(
            &app,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "crm_client"),
                ("refresh_token", presented),
            ],
            400,
            "invalid_grant",
            "Invalid refresh token",
        )
        .await;
    }
}
