//! `grant_type=password`, as the seed documents use it. Error answers are those of
//! Keycloak 26.7.3 (`ResourceOwnerPasswordCredentialsGrantType`, `ValidateUsername`,
//! `ValidatePassword`), recorded against a real server.

use latchkey_testkit::{jwt_header_text, jwt_parts, spawn_app};

use crate::helpers::expect_token_error;

#[tokio::test]
async fn seed_request_returns_the_seed_response_fields() {
    let app = spawn_app().await;
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("client_id", "crm_client"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["pragma"], "no-cache");
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: serde_json::Value = response.json().await.unwrap();
    let keys: Vec<&str> = body.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "refresh_expires_in",
            "refresh_token",
            "token_type",
            "not-before-policy",
            "session_state",
            "scope"
        ]
    );
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["refresh_expires_in"], 1800);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["not-before-policy"], 0);
    assert_eq!(body["scope"], "profile email");

    let access = body["access_token"].as_str().unwrap();
    let (header, claims) = jwt_parts(access);
    assert_eq!(header["alg"], "RS256");
    assert!(jwt_header_text(access).starts_with(r#"{"alg":"RS256","typ" : "JWT","kid" : ""#));
    let issuer = format!("{}/realms/nagra", app.base_url);
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["azp"], "crm_client");
    assert_eq!(claims["realm_access"]["roles"], serde_json::json!(["operatorRole"]));
    assert_eq!(claims["scope"], "profile email");
    assert_eq!(claims["preferred_username"], "crm_client_user");
    assert_eq!(claims["email_verified"], false);
    assert_eq!(claims["acr"], "1");
    assert_eq!(claims["nbf"], 0);
    assert_eq!(claims["auth_time"], 0);
    // The seed's claim set, from its access token (old Keycloak; `sid` is Keycloak 26's addition).
    for claim in [
        "jti",
        "exp",
        "nbf",
        "iat",
        "iss",
        "sub",
        "typ",
        "azp",
        "auth_time",
        "session_state",
        "acr",
        "realm_access",
        "scope",
        "email_verified",
        "preferred_username",
    ] {
        assert!(claims.get(claim).is_some(), "missing {claim}: {claims}");
    }
    assert_eq!(claims["session_state"], body["session_state"]);
    // Keycloak 26's session ids: 18 random bytes, Base64URL, 24 characters.
    let sid = body["session_state"].as_str().unwrap();
    assert_eq!(sid.len(), 24, "{sid}");
    assert!(sid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 300);
    assert!(claims["jti"].as_str().unwrap().starts_with("onrtro:"));
    // Not in the seed's token: the example realm gives crm_client's tokens the audience
    // of the APIs behind the gateway (an `oidc-audience-mapper`, issue 13), one value,
    // which Keycloak writes as a string.
    assert_eq!(claims["aud"], "opentv-api", "{claims}");

    let refresh = body["refresh_token"].as_str().unwrap();
    let (header, claims) = jwt_parts(refresh);
    assert_eq!(header["alg"], "HS256");
    assert_eq!(claims["typ"], "Refresh");
    assert_eq!(claims["aud"], issuer.as_str());
    assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 1800);
    assert_eq!(claims["prov"], "default");
    // Keycloak 26.7 copies the access token's audience into `aud_x`.
    assert_eq!(claims["aud_x"], "opentv-api", "{claims}");
}

#[tokio::test]
async fn openid_scope_adds_an_id_token_for_the_client() {
    let app = spawn_app().await;
    let (status, _, body) = crate::helpers::post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "crm_client"),
            ("scope", "openid"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["scope"], "openid profile email");
    let (_, id) = jwt_parts(body["id_token"].as_str().unwrap());
    assert_eq!(id["typ"], "ID");
    assert_eq!(id["aud"], "crm_client");
    assert_eq!(id["azp"], "crm_client");
    assert_eq!(id["sid"], body["session_state"]);
    assert!(id["at_hash"].is_string());
}

#[tokio::test]
async fn wrong_password_is_invalid_user_credentials() {
    let app = spawn_app().await;
    expect_token_error(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "nope"),
            ("client_id", "crm_client"),
        ],
        400,
        "invalid_grant",
        "Invalid user credentials",
    )
    .await;
}

#[tokio::test]
async fn unknown_user_gets_the_same_answer_as_a_wrong_password() {
    let app = spawn_app().await;
    expect_token_error(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "nobody"),
            ("password", "1234"),
            ("client_id", "crm_client"),
        ],
        400,
        "invalid_grant",
        "Invalid user credentials",
    )
    .await;
}

#[tokio::test]
async fn missing_username_is_401_invalid_request() {
    let app = spawn_app().await;
    expect_token_error(
        &app,
        &[("grant_type", "password"), ("password", "1234"), ("client_id", "crm_client")],
        401,
        "invalid_request",
        "Missing parameter: username",
    )
    .await;
}

#[tokio::test]
async fn missing_password_is_invalid_user_credentials() {
    let app = spawn_app().await;
    expect_token_error(
        &app,
        &[("grant_type", "password"), ("username", "crm_client_user"), ("client_id", "crm_client")],
        400,
        "invalid_grant",
        "Invalid user credentials",
    )
    .await;
}

#[tokio::test]
async fn unknown_scope_is_refused_before_the_user_is_checked() {
    let app = spawn_app().await;
    expect_token_error(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "nobody"),
            ("password", "x"),
            ("client_id", "crm_client"),
            ("scope", "openid unknownscope"),
        ],
        400,
        "invalid_scope",
        "Invalid scopes: openid unknownscope",
    )
    .await;
}

#[tokio::test]
async fn disabled_user_learns_it_only_with_the_right_password() {
    let app = spawn_app().await;
    app.edit_user("crm_client_user", |user| user.enabled = false).await;
    expect_token_error(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "crm_client"),
        ],
        400,
        "invalid_grant",
        "Account disabled",
    )
    .await;
    expect_token_error(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "wrong"),
            ("client_id", "crm_client"),
        ],
        400,
        "invalid_grant",
        "Invalid user credentials",
    )
    .await;
}

#[tokio::test]
async fn temporary_password_means_account_not_fully_set_up() {
    let app = spawn_app().await;
    app.edit_user("crm_client_user", |user| {
        user.profile.required_actions = vec!["UPDATE_PASSWORD".into()];
    })
    .await;
    expect_token_error(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "crm_client"),
        ],
        400,
        "invalid_grant",
        "Account is not fully set up",
    )
    .await;
}

#[tokio::test]
async fn brute_force_lock_looks_exactly_like_a_wrong_password_and_lifts_after_the_wait() {
    let app = spawn_app().await;
    app.edit_realm(|realm| {
        realm.settings.brute_force.brute_force_protected = true;
        realm.settings.brute_force.failure_factor = 3;
    })
    .await;
    let wrong = [
        ("grant_type", "password"),
        ("username", "crm_client_user"),
        ("password", "wrong"),
        ("client_id", "crm_client"),
    ];
    let right = [
        ("grant_type", "password"),
        ("username", "crm_client_user"),
        ("password", "1234"),
        ("client_id", "crm_client"),
    ];
    for _ in 0..3 {
        app.clock.advance_secs(5);
        expect_token_error(&app, &wrong, 400, "invalid_grant", "Invalid user credentials").await;
    }
    expect_token_error(&app, &right, 400, "invalid_grant", "Invalid user credentials").await;
    app.clock.advance_secs(61);
    let (status, _, _) = crate::helpers::post(&app, &app.token_url("nagra"), &right).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn email_works_as_username() {
    let app = spawn_app().await;
    app.edit_user("crm_client_user", |user| user.profile.email = Some("crm@example.com".into()))
        .await;
    let (status, _, body) = crate::helpers::post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("username", "CRM@example.com"),
            ("password", "1234"),
            ("client_id", "crm_client"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn offline_access_without_the_role_is_not_allowed() {
    let app = spawn_app().await;
    expect_token_error(
        &app,
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "crm_client"),
            ("scope", "offline_access"),
        ],
        400,
        "not_allowed",
        "Offline tokens not allowed for the user or client",
    )
    .await;
}
