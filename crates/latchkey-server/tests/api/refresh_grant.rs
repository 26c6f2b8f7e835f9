//! `grant_type=refresh_token` (`RefreshTokenGrantType`, `TokenManager.refreshAccessToken`);
//! expected texts recorded from Keycloak 26.7.3. Expiry uses the manual clock, never sleeps.

use latchkey_testkit::{jwt_parts, spawn_app};

use crate::helpers::{expect_refresh_error, expect_token_error, post};

#[tokio::test]
async fn seed_refresh_returns_new_tokens_and_extends_the_session() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    app.clock.advance_secs(600);
    let response = app.refresh("crm_client", login["refresh_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 300);
    assert_eq!(body["refresh_expires_in"], 1800);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["session_state"], login["session_state"]);
    assert_ne!(body["access_token"], login["access_token"]);
    let (_, claims) = jwt_parts(body["access_token"].as_str().unwrap());
    assert_eq!(claims["realm_access"]["roles"], serde_json::json!(["operatorRole"]));
    // The idle window restarted at the refresh: 1700 s later the new token still works.
    app.clock.advance_secs(1700);
    let response = app.refresh("crm_client", body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn idle_session_expiry_is_token_is_not_active() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    app.clock.advance_secs(1801);
    let refresh = login["refresh_token"].as_str().unwrap();
    expect_refresh_error(&app, refresh, "Token is not active").await;
}

#[tokio::test]
async fn sso_session_max_caps_the_lifetimes_and_then_ends_the_session() {
    let app = spawn_app().await;
    let mut token = app.seed_login().await["refresh_token"].as_str().unwrap().to_owned();
    // Refresh every 25 minutes for 9.5 hours, then watch the last half hour shrink.
    for _ in 0..23 {
        app.clock.advance_secs(1500);
        let body: serde_json::Value = app.refresh("crm_client", &token).await.json().await.unwrap();
        token = body["refresh_token"].as_str().unwrap().to_owned();
    }
    app.clock.advance_secs(1500);
    let body: serde_json::Value = app.refresh("crm_client", &token).await.json().await.unwrap();
    // 24 * 1500 = 36000 - 0: the session max is reached exactly now.
    assert_eq!(body["error"], "invalid_grant", "{body}");
    assert_eq!(body["error_description"], "Session not active");
}

#[tokio::test]
async fn garbage_and_access_tokens_are_invalid_refresh_tokens() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    for presented in ["garbage", "a.b.c", login["access_token"].as_str().unwrap()] {
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

#[tokio::test]
async fn missing_refresh_token_is_invalid_request() {
    let app = spawn_app().await;
    expect_token_error(
        &app,
        &[("grant_type", "refresh_token"), ("client_id", "crm_client")],
        400,
        "invalid_request",
        "No refresh token",
    )
    .await;
}

#[tokio::test]
async fn another_clients_refresh_token_is_refused() {
    let app = spawn_app().await;
    app.add_confidential_client().await;
    let (status, _, body) = post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "svc_client"),
            ("client_secret", "s3cret"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    expect_token_error(
        &app,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "crm_client"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
        ],
        400,
        "invalid_grant",
        "Invalid refresh token. Token client and authorized client don't match",
    )
    .await;
}

#[tokio::test]
async fn refresh_via_another_host_name_is_an_issuer_mismatch() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    let url = app.token_url("nagra").replace("127.0.0.1", "localhost");
    let response = app
        .http
        .post(&url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "crm_client"),
            ("refresh_token", login["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    let port = app.port();
    assert_eq!(
        body["error_description"],
        format!(
            "Invalid token issuer. Expected 'http://localhost:{port}/keycloak/auth/realms/nagra', but was 'http://127.0.0.1:{port}/keycloak/auth/realms/nagra'"
        )
    );
}

#[tokio::test]
async fn logout_ends_the_session_and_its_refresh_tokens() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    let refresh = login["refresh_token"].as_str().unwrap();
    let (status, headers, body) = post(
        &app,
        &app.oidc_url("nagra", "logout"),
        &[("client_id", "crm_client"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(status, 204, "{body}");
    // `LogoutEndpoint`'s 204 carries `no-cache` and no `Pragma` (Keycloak 26.7.3, facts 6.4).
    assert_eq!(headers["cache-control"], "no-cache");
    assert_eq!(headers.get("pragma"), None);
    expect_refresh_error(&app, refresh, "Session not active").await;
    // Logging out again is still 204 (Keycloak 26.7.3).
    let (status, _, _) = post(
        &app,
        &app.oidc_url("nagra", "logout"),
        &[("client_id", "crm_client"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(status, 204);
}

// Recorded against Keycloak 26.7.3 with revokeRefreshToken=true, refreshTokenMaxReuse=0:
// reusing a token answers "Maximum allowed refresh token reuse exceeded" and detaches the
// client session, after which even the newest token gets "Session doesn't have required client".
#[tokio::test]
async fn revoke_refresh_token_allows_each_token_once_then_detaches_the_client() {
    let app = spawn_app().await;
    app.edit_realm(|realm| {
        realm.settings.tokens.revoke_refresh_token = true;
        realm.settings.tokens.refresh_token_max_reuse = 0;
    })
    .await;
    let first = app.seed_login().await["refresh_token"].as_str().unwrap().to_owned();
    app.clock.advance_secs(10);
    let second: serde_json::Value = app.refresh("crm_client", &first).await.json().await.unwrap();
    let second = second["refresh_token"].as_str().unwrap().to_owned();
    app.clock.advance_secs(10);
    expect_token_error(
        &app,
        &[("grant_type", "refresh_token"), ("client_id", "crm_client"), ("refresh_token", &first)],
        400,
        "invalid_grant",
        "Maximum allowed refresh token reuse exceeded",
    )
    .await;
    expect_token_error(
        &app,
        &[("grant_type", "refresh_token"), ("client_id", "crm_client"), ("refresh_token", &second)],
        400,
        "invalid_grant",
        "Session doesn't have required client",
    )
    .await;
}

#[tokio::test]
async fn revoke_refresh_token_refuses_the_newest_token_used_twice() {
    let app = spawn_app().await;
    app.edit_realm(|realm| realm.settings.tokens.revoke_refresh_token = true).await;
    let first = app.seed_login().await["refresh_token"].as_str().unwrap().to_owned();
    app.clock.advance_secs(10);
    let second: serde_json::Value = app.refresh("crm_client", &first).await.json().await.unwrap();
    let second = second["refresh_token"].as_str().unwrap().to_owned();
    app.clock.advance_secs(10);
    assert_eq!(app.refresh("crm_client", &second).await.status(), 200);
    app.clock.advance_secs(10);
    expect_token_error(
        &app,
        &[("grant_type", "refresh_token"), ("client_id", "crm_client"), ("refresh_token", &second)],
        400,
        "invalid_grant",
        "Maximum allowed refresh token reuse exceeded",
    )
    .await;
}

/// Keycloak 26.7.3: `scope` on a refresh narrows that answer's access token to the
/// default scopes plus what is asked again; unknown words are ignored; the new refresh
/// token keeps the session's whole scope, and an ID token is still answered.
#[tokio::test]
async fn scope_on_refresh_narrows_only_that_answer() {
    let app = spawn_app().await;
    let (status, _, login) = post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "crm_client"),
            ("scope", "openid address"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{login}");
    assert_eq!(login["scope"], "openid profile email address");
    let refresh = |scope: &'static str, token: String| {
        let app = &app;
        async move {
            let mut pairs = vec![
                ("grant_type", "refresh_token"),
                ("client_id", "crm_client"),
                ("refresh_token", token.as_str()),
            ];
            if !scope.is_empty() {
                pairs.push(("scope", scope));
            }
            let (status, _, body) = post(app, &app.token_url("nagra"), &pairs).await;
            assert_eq!(status, 200, "{body}");
            body
        }
    };
    let narrowed = refresh("email phone", login["refresh_token"].as_str().unwrap().into()).await;
    assert_eq!(narrowed["scope"], "profile email");
    assert!(narrowed["id_token"].is_string());
    let (_, access) = jwt_parts(narrowed["access_token"].as_str().unwrap());
    assert_eq!(access["scope"], "profile email");
    let widened = refresh("", narrowed["refresh_token"].as_str().unwrap().into()).await;
    assert_eq!(widened["scope"], "openid profile email address");
}
