//! Offline tokens (`scope=offline_access`, `spec/keycloak-protocol.md` §3.5); expected
//! answers recorded from Keycloak 26.7.3: `refresh_expires_in` 0, a refresh token of
//! `typ` `Offline` without `exp`, an access token `jti` starting `ofrtro:`.

use latchkey_testkit::{TestApp, jwt_parts, spawn_app};

use crate::helpers::{expect_refresh_error, post};

const THIRTY_DAYS: i64 = 2_592_000;

async fn offline_login(app: &TestApp) -> serde_json::Value {
    app.grant_realm_role("crm_client_user", "offline_access").await;
    let (status, _, body) = post(
        app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("client_id", "crm_client"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("scope", "offline_access"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn offline_access_gives_an_offline_refresh_token_without_expiry() {
    let app = spawn_app().await;
    let login = offline_login(&app).await;
    assert_eq!(login["refresh_expires_in"], 0);
    assert_eq!(login["expires_in"], 300);
    assert!(login["scope"].as_str().unwrap().split(' ').any(|s| s == "offline_access"));
    let (_, refresh) = jwt_parts(login["refresh_token"].as_str().unwrap());
    assert_eq!(refresh["typ"], "Offline");
    assert!(refresh.get("exp").is_none(), "{refresh}");
    let (_, access) = jwt_parts(login["access_token"].as_str().unwrap());
    assert!(access["jti"].as_str().unwrap().starts_with("ofrtro:"), "{access}");
}

#[tokio::test]
async fn offline_token_outlives_the_sso_session_and_refreshes_as_offline() {
    let app = spawn_app().await;
    let login = offline_login(&app).await;
    // Past SSO idle (30 min) and SSO max (10 h): an online session would be gone.
    app.clock.advance_secs(11 * 3600);
    let response = app.refresh("crm_client", login["refresh_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["refresh_expires_in"], 0);
    assert_eq!(body["expires_in"], 300);
    let (_, refresh) = jwt_parts(body["refresh_token"].as_str().unwrap());
    assert_eq!(refresh["typ"], "Offline");
    assert_eq!(body["session_state"], login["session_state"]);
}

#[tokio::test]
async fn offline_session_idle_for_thirty_days_is_not_active() {
    let app = spawn_app().await;
    let login = offline_login(&app).await;
    app.clock.advance_secs(THIRTY_DAYS);
    let refresh = login["refresh_token"].as_str().unwrap();
    expect_refresh_error(&app, refresh, "Offline session not active").await;
}

#[tokio::test]
async fn logout_with_an_offline_token_ends_the_offline_session() {
    let app = spawn_app().await;
    let login = offline_login(&app).await;
    let refresh = login["refresh_token"].as_str().unwrap();
    let (status, _, _) = post(
        &app,
        &app.oidc_url("nagra", "logout"),
        &[("client_id", "crm_client"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(status, 204);
    expect_refresh_error(&app, refresh, "Offline user session not found").await;
}

#[tokio::test]
async fn offline_max_lifespan_when_enabled_gives_the_token_an_expiry() {
    let app = spawn_app().await;
    app.edit_realm(|realm| {
        realm.settings.tokens.offline_session_max_lifespan_enabled = true;
        realm.settings.tokens.offline_session_max_lifespan = 3600;
    })
    .await;
    let login = offline_login(&app).await;
    assert_eq!(login["refresh_expires_in"], 3600, "the max is shorter than the idle timeout");
    let (_, refresh) = jwt_parts(login["refresh_token"].as_str().unwrap());
    assert_eq!(refresh["exp"].as_i64().unwrap() - refresh["iat"].as_i64().unwrap(), 3600);
    app.clock.advance_secs(3601);
    let refresh = login["refresh_token"].as_str().unwrap();
    expect_refresh_error(&app, refresh, "Token is not active").await;
}

#[tokio::test]
async fn offline_session_survives_a_restart() {
    let app = spawn_app().await;
    let login = offline_login(&app).await;
    let app = app.restart().await;
    app.clock.advance_secs(7 * 24 * 3600);
    let response = app.refresh("crm_client", login["refresh_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
}
