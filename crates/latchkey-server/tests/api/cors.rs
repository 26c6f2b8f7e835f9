//! CORS on the token endpoint and the public documents, as Keycloak 26.7.3 answered
//! (`services/.../Cors.java`): the caller's origin echoed with credentials, a client's
//! unlisted origin refused with 403 `{"error":"Invalid origin"}` before the password is
//! looked at, preflights answered for any origin.

use latchkey_testkit::{TestApp, spawn_app};
use reqwest::header::HeaderMap;

const GOOD: &str = "http://crm.example";
const EVIL: &str = "http://evil.example";

async fn token_request(
    app: &TestApp,
    origin: &str,
    pairs: &[(&str, &str)],
) -> (u16, HeaderMap, String) {
    let response = app
        .http
        .post(app.token_url("nagra"))
        .header("origin", origin)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(latchkey_testkit::form_encode(pairs))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().unwrap())
}

const SEED: &[(&str, &str)] = &[
    ("grant_type", "password"),
    ("client_id", "crm_client"),
    ("username", "crm_client_user"),
    ("password", "1234"),
];

async fn app_with_web_origin() -> TestApp {
    let app = spawn_app().await;
    app.edit_client("crm_client", |client| client.settings.web_origins = vec![GOOD.to_owned()])
        .await;
    app
}

#[tokio::test]
async fn listed_origin_gets_the_tokens_and_the_cors_headers() {
    let app = app_with_web_origin().await;
    let (status, headers, body) = token_request(&app, GOOD, SEED).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(GOOD));
    assert_eq!(header(&headers, "access-control-allow-credentials"), Some("true"));
    assert_eq!(
        header(&headers, "access-control-expose-headers"),
        Some("Access-Control-Allow-Methods")
    );
    let wrong = [SEED[0], SEED[1], SEED[2], ("password", "wrong")];
    let (status, headers, _) = token_request(&app, GOOD, &wrong).await;
    assert_eq!(status, 400);
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(GOOD), "errors too");
}

#[tokio::test]
async fn unlisted_origin_is_refused_before_the_password_is_checked() {
    let app = app_with_web_origin().await;
    for password in ["1234", "wrong"] {
        let pairs = [SEED[0], SEED[1], SEED[2], ("password", password)];
        let (status, headers, body) = token_request(&app, EVIL, &pairs).await;
        assert_eq!((status, body.as_str()), (403, r#"{"error":"Invalid origin"}"#));
        assert_eq!(header(&headers, "access-control-allow-origin"), None);
        assert_eq!(header(&headers, "cache-control"), Some("no-store"));
    }
}

#[tokio::test]
async fn a_client_without_web_origins_refuses_every_origin() {
    let app = spawn_app().await;
    let (status, _, body) = token_request(&app, GOOD, SEED).await;
    assert_eq!((status, body.as_str()), (403, r#"{"error":"Invalid origin"}"#));
}

#[tokio::test]
async fn unknown_client_is_invalid_client_with_the_origin_echoed() {
    let app = app_with_web_origin().await;
    let pairs = [SEED[0], ("client_id", "nope"), SEED[2], SEED[3]];
    let (status, headers, body) = token_request(&app, EVIL, &pairs).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("invalid_client"));
    assert_eq!(header(&headers, "access-control-allow-origin"), Some(EVIL));
}

#[tokio::test]
async fn missing_grant_type_is_answered_without_cors_headers() {
    let app = app_with_web_origin().await;
    let (status, headers, body) = token_request(&app, GOOD, &[("client_id", "crm_client")]).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
}

#[tokio::test]
async fn preflight_of_the_token_endpoint_allows_post() {
    let app = spawn_app().await;
    let response = app
        .http
        .request(reqwest::Method::OPTIONS, app.token_url("nagra"))
        .header("origin", EVIL)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(header(headers, "access-control-allow-origin"), Some(EVIL));
    assert_eq!(header(headers, "access-control-allow-methods"), Some("POST, OPTIONS"));
    assert_eq!(header(headers, "access-control-max-age"), Some("3600"));
    assert!(header(headers, "access-control-allow-headers").unwrap().contains("Authorization"));
}

#[tokio::test]
async fn jwks_and_discovery_are_readable_from_any_origin() {
    let app = spawn_app().await;
    for url in [
        app.oidc_url("nagra", "certs"),
        format!("{}/.well-known/openid-configuration", app.realm_url("nagra")),
    ] {
        let response = app.http.get(&url).header("origin", EVIL).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(header(response.headers(), "access-control-allow-origin"), Some(EVIL));
        assert_eq!(header(response.headers(), "access-control-allow-credentials"), Some("true"));
    }
}
