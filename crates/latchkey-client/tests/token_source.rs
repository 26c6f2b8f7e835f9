//! The token source against a real latchkey (testkit), behind a counting proxy that sees
//! every request the source sends to the token endpoint.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use latchkey_client::{Error, TokenSource};
use latchkey_core::store::Store;
use latchkey_core::time::Clock;
use latchkey_testkit::{TestApp, jwt_parts, spawn_app};

/// Counts the grants posted to the token endpoint, then forwards them to latchkey.
#[derive(Default)]
struct Counts {
    password: AtomicUsize,
    refresh: AtomicUsize,
    client_credentials: AtomicUsize,
    /// While set, the proxy answers 503 without forwarding.
    failing: std::sync::atomic::AtomicBool,
}

impl Counts {
    fn get(&self) -> (usize, usize, usize) {
        (
            self.password.load(Ordering::SeqCst),
            self.refresh.load(Ordering::SeqCst),
            self.client_credentials.load(Ordering::SeqCst),
        )
    }
    fn total(&self) -> usize {
        let (a, b, c) = self.get();
        a + b + c
    }
}

struct Proxy {
    counts: Arc<Counts>,
    upstream: String,
    http: reqwest::Client,
}

async fn forward(
    State(proxy): State<Arc<Proxy>>,
    headers: HeaderMap,
    body: String,
) -> impl IntoResponse {
    let counter = if body.contains("grant_type=password") {
        &proxy.counts.password
    } else if body.contains("grant_type=refresh_token") {
        &proxy.counts.refresh
    } else {
        &proxy.counts.client_credentials
    };
    counter.fetch_add(1, Ordering::SeqCst);
    if proxy.counts.failing.load(Ordering::SeqCst) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("content-type", "application/json")],
            "{}".into(),
        );
    }
    let mut request = proxy.http.post(&proxy.upstream).body(body);
    for name in ["content-type", "authorization"] {
        if let Some(value) = headers.get(name) {
            request = request.header(name, value.to_str().unwrap());
        }
    }
    let response = request.send().await.unwrap();
    let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
    let text = response.text().await.unwrap();
    (status, [("content-type", "application/json")], text)
}

/// Starts the counting proxy in front of `app`'s token endpoint; returns its URL.
async fn counting_proxy(app: &TestApp) -> (String, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    let proxy = Arc::new(Proxy {
        counts: Arc::clone(&counts),
        upstream: app.token_url("nagra"),
        http: reqwest::Client::new(),
    });
    let router =
        axum::Router::new().route("/token", axum::routing::post(forward)).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{address}/token"), counts)
}

fn crm_source(app: &TestApp, token_url: &str) -> TokenSource {
    TokenSource::builder(token_url, "crm_client")
        .password("crm_client_user", "1234")
        .scope("openid")
        .clock(app.clock.clone())
        .build()
        .unwrap()
}

/// Checks what a user would: the token is unexpired now and latchkey accepts it.
async fn assert_usable(app: &TestApp, token: &str) {
    let (_, claims) = jwt_parts(token);
    let exp = claims["exp"].as_i64().unwrap();
    let now = app.clock.now().secs();
    assert!(exp > now, "handed out a token expiring at {exp} at {now}");
    let response =
        app.http.get(app.oidc_url("nagra", "userinfo")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200, "userinfo refused the token");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["preferred_username"], "crm_client_user");
}

#[tokio::test]
async fn keeps_a_token_fresh_across_lifespans_logouts_and_session_ends() {
    let app = spawn_app().await;
    let (url, counts) = counting_proxy(&app).await;
    let source = crm_source(&app, &url);

    // 20 steps of 100 s: access tokens live 300 s, refreshed 30 s before they expire.
    let mut previous = String::new();
    let mut distinct = 0;
    for _ in 0..20 {
        let token = source.access_token().await.unwrap();
        assert_usable(&app, &token).await;
        if token != previous {
            distinct += 1;
            previous = token;
        }
        app.clock.advance_secs(100);
    }
    let (logins, refreshes, _) = counts.get();
    assert_eq!(logins, 1, "one login, then refreshes");
    assert_eq!(refreshes, distinct - 1);
    assert!(refreshes >= 6, "2000 s of 300 s tokens needs refreshes, saw {refreshes}");

    // An administrator ends the session: the refresh is refused and the source logs in again.
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let user =
        app.store.find_user_by_username(&realm.id, "crm_client_user").await.unwrap().unwrap();
    app.store.delete_user_sessions(&user.id).await.unwrap();
    app.clock.advance_secs(300);
    let token = source.access_token().await.unwrap();
    assert_usable(&app, &token).await;
    let (logins, refreshes_after, _) = counts.get();
    assert_eq!((logins, refreshes_after), (2, refreshes + 1), "refused refresh, then a login");

    // Idle longer than SSO Session Idle (1800 s): a new login.
    app.clock.advance_secs(1900);
    let token = source.access_token().await.unwrap();
    assert_usable(&app, &token).await;
    assert_eq!(counts.get().0, 3);

    // Busy past SSO Session Max (36000 s): refreshes every 290 s, then a new login.
    for _ in 0..130 {
        app.clock.advance_secs(290);
        let token = source.access_token().await.unwrap();
        assert_usable(&app, &token).await;
    }
    let (logins, _, _) = counts.get();
    assert_eq!(logins, 4, "one more login once the session reached its maximum");
}

#[tokio::test]
async fn concurrent_callers_at_expiry_share_one_refresh() {
    let app = spawn_app().await;
    let (url, counts) = counting_proxy(&app).await;
    let source = crm_source(&app, &url);
    let first = source.access_token().await.unwrap();
    app.clock.advance_secs(290);

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.access_token().await.unwrap() })
        })
        .collect();
    let mut tokens = Vec::new();
    for task in tasks {
        tokens.push(task.await.unwrap());
    }
    assert_eq!(counts.get(), (1, 1, 0), "one login, then exactly one refresh");
    assert!(tokens.iter().all(|t| *t == tokens[0]), "all callers got the same token");
    assert_ne!(tokens[0], first);
    assert_usable(&app, &tokens[0]).await;

    // An API answered 401: the caller invalidates, and the next call refreshes.
    source.invalidate().await;
    let renewed = source.access_token().await.unwrap();
    assert_ne!(renewed, tokens[0]);
    assert_eq!(counts.get(), (1, 2, 0));
}

#[tokio::test]
async fn wrong_password_is_a_clear_error_and_backs_off_without_posting() {
    let app = spawn_app().await;
    let (url, counts) = counting_proxy(&app).await;
    let source = TokenSource::builder(&url, "crm_client")
        .password("crm_client_user", "wrong")
        .clock(app.clock.clone())
        .credentials_backoff(Duration::from_secs(60))
        .build()
        .unwrap();

    let error = source.access_token().await.unwrap_err();
    match &error {
        Error::CredentialsRejected { error, description } => {
            assert_eq!(error, "invalid_grant");
            assert_eq!(description, "Invalid user credentials");
        }
        other => panic!("expected CredentialsRejected, got {other:?}"),
    }
    assert!(!error.to_string().contains("wrong"), "the password is not in the message");
    assert_eq!(counts.total(), 1);

    app.clock.advance_secs(30);
    for _ in 0..5 {
        let error = source.access_token().await.unwrap_err();
        assert!(matches!(error, Error::BackingOff { .. }), "{error:?}");
    }
    assert_eq!(counts.total(), 1, "nothing reached the server during the back-off");

    app.clock.advance_secs(31);
    let error = source.access_token().await.unwrap_err();
    assert!(matches!(error, Error::CredentialsRejected { .. }), "{error:?}");
    assert_eq!(counts.total(), 2, "after the back-off, one new attempt");
}

#[tokio::test]
async fn wrong_client_is_a_clear_error() {
    let app = spawn_app().await;
    let source = TokenSource::builder(app.token_url("nagra"), "no_such_client")
        .password("crm_client_user", "1234")
        .clock(app.clock.clone())
        .build()
        .unwrap();
    let error = source.access_token().await.unwrap_err();
    match error {
        Error::CredentialsRejected { error, .. } => {
            assert!(error == "invalid_client" || error == "unauthorized_client", "{error}")
        }
        other => panic!("expected CredentialsRejected, got {other:?}"),
    }
    assert!(matches!(source.access_token().await, Err(Error::BackingOff { .. })));
}

#[tokio::test]
async fn unreachable_server_is_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let source = TokenSource::builder(format!("http://{address}/token"), "crm_client")
        .password("crm_client_user", "1234")
        .retries(3, Duration::from_millis(10))
        .build()
        .unwrap();
    match source.access_token().await {
        Err(Error::Network { attempts, .. }) => assert_eq!(attempts, 3),
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[tokio::test]
async fn client_credentials_on_a_confidential_client() {
    let app = spawn_app().await;
    app.add_confidential_client().await;

    let (url, counts) = counting_proxy(&app).await;
    let source = TokenSource::builder_for_realm(&app.base_url, "nagra", "svc_client")
        .client_secret("s3cret")
        .client_credentials()
        .clock(app.clock.clone())
        .build()
        .unwrap();
    let token = source.access_token().await.unwrap();
    let (_, claims) = jwt_parts(&token);
    assert_eq!(claims["azp"], "svc_client");
    assert_eq!(claims["preferred_username"], "service-account-svc_client");
    assert!(claims["exp"].as_i64().unwrap() > app.clock.now().secs());
    assert_eq!(source.access_token().await.unwrap(), token, "reused while fresh");

    // Through the proxy, expiry means a new client-credentials grant (no refresh token).
    let proxied = TokenSource::builder(&url, "svc_client")
        .client_secret("s3cret")
        .client_credentials()
        .clock(app.clock.clone())
        .build()
        .unwrap();
    proxied.access_token().await.unwrap();
    app.clock.advance_secs(400);
    let token = proxied.access_token().await.unwrap();
    assert!(jwt_parts(&token).1["exp"].as_i64().unwrap() > app.clock.now().secs());
    assert_eq!(counts.get().2, 2);

    let wrong = TokenSource::builder(&url, "svc_client")
        .client_secret("not-it")
        .client_credentials()
        .clock(app.clock.clone())
        .build()
        .unwrap();
    assert!(matches!(
        wrong.access_token().await,
        Err(Error::CredentialsRejected { ref error, .. }) if error == "unauthorized_client" || error == "invalid_client"
    ));
}

#[tokio::test]
async fn a_failing_server_is_retried_and_the_current_token_used_while_valid() {
    let app = spawn_app().await;
    let (url, counts) = counting_proxy(&app).await;
    let source = TokenSource::builder(&url, "crm_client")
        .password("crm_client_user", "1234")
        .clock(app.clock.clone())
        .retries(3, Duration::from_millis(5))
        .build()
        .unwrap();
    let first = source.access_token().await.unwrap();

    // Inside the refresh margin (expires at 300 s, renewed from 270 s) the server fails.
    counts.failing.store(true, Ordering::SeqCst);
    app.clock.advance_secs(280);
    assert_eq!(source.access_token().await.unwrap(), first, "still valid: handed out");
    assert_eq!(counts.get(), (1, 3, 0), "three attempts at the refresh");

    // Past expiry the failure is reported; the refresh token is kept for later.
    app.clock.advance_secs(30);
    match source.access_token().await {
        Err(Error::Unavailable { status, attempts }) => assert_eq!((status, attempts), (503, 3)),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    counts.failing.store(false, Ordering::SeqCst);
    let token = source.access_token().await.unwrap();
    assert_usable_without_userinfo(&app, &token);
    assert_eq!(counts.get(), (1, 7, 0), "recovered with a refresh, no new login");
}

fn assert_usable_without_userinfo(app: &TestApp, token: &str) {
    let (_, claims) = jwt_parts(token);
    assert!(claims["exp"].as_i64().unwrap() > app.clock.now().secs());
}

/// An upstream that answers with the user the gateway vouched for.
async fn whoami(headers: HeaderMap) -> String {
    headers.get("x-auth-username").and_then(|v| v.to_str().ok()).unwrap_or("-").to_owned()
}

/// A gateway in front of `whoami`, guarding `/operator/` with operatorRole; returns its URL.
async fn spawn_guarded_api(app: &TestApp) -> String {
    let router = axum::Router::new().fallback(whoami);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let config = latchkey_gateway::config::GatewayConfig::from_toml(&format!(
        "listen = \"127.0.0.1:0\"\nissuers = [\"{}\"]\n\n[[routes]]\nprefix = \"/operator/\"\n\
         upstream = \"http://{upstream}\"\nany_of = [\"operatorRole\"]\n",
        app.realm_url("nagra")
    ))
    .unwrap();
    let clock: Arc<dyn Clock> = app.clock.clone();
    let gateway = latchkey_gateway::Gateway::bind(&config, clock).await.unwrap();
    let address = gateway.local_addr().unwrap();
    tokio::spawn(gateway.run(std::future::pending::<()>()));
    format!("http://{address}")
}

#[tokio::test]
async fn a_crm_calls_an_operator_api_through_the_gateway_for_hours() {
    let app = spawn_app().await;
    let api = spawn_guarded_api(&app).await;
    let source = TokenSource::builder_for_issuer(&app.realm_url("nagra"), "crm_client")
        .password("crm_client_user", "1234")
        .clock(app.clock.clone())
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    // Calls every 100 s, then a pause longer than SSO Session Idle, then calls again.
    for step in 0..40 {
        app.clock.advance_secs(if step == 20 { 2000 } else { 100 });
        let token = source.access_token().await.unwrap();
        let response = http
            .get(format!("{api}/operator/subscribers"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "step {step}");
        assert_eq!(response.text().await.unwrap(), "crm_client_user");
    }
    let unauthenticated = http.get(format!("{api}/operator/subscribers")).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401, "the route is guarded");
}

/// The token source hands out tokens of whatever algorithm the realm signs with (it never
/// parses them), and the gateway verifies each against the realm's JWKS: ES256, ES512,
/// EdDSA, PS256 and RS512 access tokens, fresh and refreshed.
#[tokio::test]
async fn tokens_of_every_algorithm_pass_the_gateway() {
    for algorithm in ["ES256", "ES512", "EdDSA", "PS256", "RS512"] {
        let app = spawn_app().await;
        app.edit_realm(|realm| realm.settings.default_signature_algorithm = algorithm.into()).await;
        let api = spawn_guarded_api(&app).await;
        let source = TokenSource::builder_for_issuer(&app.realm_url("nagra"), "crm_client")
            .password("crm_client_user", "1234")
            .clock(app.clock.clone())
            .build()
            .unwrap();
        let http = reqwest::Client::new();
        let mut seen = Vec::new();
        for _ in 0..3 {
            let token = source.access_token().await.unwrap();
            assert_eq!(jwt_parts(&token).0["alg"], algorithm);
            let response = http
                .get(format!("{api}/operator/subscribers"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{algorithm}");
            seen.push(token);
            // Past the refresh margin: the next call refreshes.
            app.clock.advance_secs(290);
        }
        seen.dedup();
        assert_eq!(seen.len(), 3, "{algorithm}: a new token each time");
    }
}

/// Several instances of one service: the first refuses connections (stopped), so the
/// source logs in on the next at once, and later requests stay there.
#[tokio::test]
async fn an_instance_refusing_connections_is_skipped_for_the_next() {
    let app = spawn_app().await;
    let (url, counts) = counting_proxy(&app).await;
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_issuer = format!("http://{}/keycloak/auth/realms/nagra", dead.local_addr().unwrap());
    drop(dead);
    let source = TokenSource::builder_for_issuer(&dead_issuer, "crm_client")
        .fallback_token_url(&url)
        .password("crm_client_user", "1234")
        .scope("openid")
        .clock(app.clock.clone())
        .retries(1, Duration::from_millis(10))
        .build()
        .unwrap();
    let token = source.access_token().await.unwrap();
    assert_usable(&app, &token).await;
    assert_eq!(counts.get(), (1, 0, 0));
    // Past the access token's life: the refresh goes to the instance that answered.
    app.clock.advance_secs(290);
    let token = source.access_token().await.unwrap();
    assert_usable(&app, &token).await;
    assert_eq!(counts.get(), (1, 1, 0));

    // Every instance refusing is a network error after the attempts.
    let none = TokenSource::builder_for_issuer(&dead_issuer, "crm_client")
        .fallback_issuer(&dead_issuer)
        .password("crm_client_user", "1234")
        .retries(2, Duration::from_millis(10))
        .build()
        .unwrap();
    assert!(matches!(none.access_token().await, Err(Error::Network { attempts: 2, .. })));
}
