//! `/metrics` (issue 10): Prometheus' OpenMetrics text as Keycloak 26.7.3 serves it with
//! `--metrics-enabled=true` (recorded from a real 26.7.3: `Content-Type:
//! application/openmetrics-text; version=1.0.0; charset=utf-8`, on the management
//! interface, or on the main port with `--legacy-observability-interface`), read with
//! the strict reader of `latchkey_testkit::metrics`. Runs on the engine the tests run on.

use latchkey_server::config::ServerConfig;
use latchkey_testkit::metrics::{Exposition, parse};
use latchkey_testkit::{TestApp, TestEngine, spawn_app_with};

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

async fn scrape(app: &TestApp, url: &str) -> Exposition {
    let response = app.http.get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], CONTENT_TYPE);
    let text = response.text().await.unwrap();
    parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

async fn password_grant(app: &TestApp, password: &str) -> u16 {
    let form = [
        ("grant_type", "password"),
        ("username", "crm_client_user"),
        ("password", password),
        ("client_id", "crm_client"),
    ];
    app.post_form(&app.token_url("nagra"), &form).await.status().as_u16()
}

#[tokio::test]
async fn issue_10_token_requests_sessions_and_caches_are_counted_on_the_main_port() {
    let config = ServerConfig {
        metrics_enabled: true,
        legacy_observability_interface: true,
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config).await;
    let url = format!("{}/metrics", app.base_url);
    let before = scrape(&app, &url).await;
    let tokens = app.seed_login().await;
    let refresh_token = tokens["refresh_token"].as_str().unwrap();
    for _ in 0..2 {
        assert_eq!(app.refresh("crm_client", refresh_token).await.status(), 200);
    }
    assert_eq!(password_grant(&app, "wrong").await, 400);
    let unsupported = [("grant_type", "device_code"), ("client_id", "crm_client")];
    assert_eq!(app.post_form(&app.token_url("nagra"), &unsupported).await.status(), 400);

    let after = scrape(&app, &url).await;
    let requests = |grant: &str, outcome: &str| {
        let labels = [("grant_type", grant), ("outcome", outcome)];
        after.value("latchkey_token_requests_total", &labels)
    };
    assert_eq!(requests("password", "success"), Some(1.0));
    assert_eq!(requests("password", "invalid_grant"), Some(1.0));
    assert_eq!(requests("refresh_token", "success"), Some(2.0));
    assert_eq!(requests("unknown", "unsupported_grant_type"), Some(1.0));
    assert_eq!(requests("client_credentials", "success"), None);
    let latency = [("grant_type", "refresh_token"), ("outcome", "success")];
    assert_eq!(after.value("latchkey_token_request_duration_seconds_count", &latency), Some(2.0));
    assert!(after.value("latchkey_token_request_duration_seconds_sum", &latency).unwrap() > 0.0);
    assert_eq!(after.types["latchkey_token_request_duration_seconds"], "histogram");

    let moved = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels).unwrap() - before.value(name, labels).unwrap()
    };
    assert_eq!(moved("latchkey_sessions_created_total", &[]), 1.0);
    assert_eq!(moved("latchkey_sessions_ended_total", &[]), 0.0);
    // The first refresh reads the session from the database, the second from memory.
    assert_eq!(moved("latchkey_cache_misses_total", &[("cache", "sessions")]), 1.0);
    assert_eq!(moved("latchkey_cache_hits_total", &[("cache", "sessions")]), 1.0);
    assert!(moved("latchkey_cache_hits_total", &[("cache", "realms")]) >= 4.0);
    assert!(after.value("latchkey_refresh_times_queued", &[]).is_some());
    assert_eq!(after.value("latchkey_db_failures_total", &[]), Some(0.0));
    let pool = match TestEngine::from_env() {
        TestEngine::Sqlite => "write",
        TestEngine::Postgres => "default",
    };
    let max = after.value("latchkey_db_pool_max", &[("datasource", pool)]).unwrap();
    let active = after.value("agroal_active_count", &[("datasource", pool)]).unwrap();
    let idle = after.value("agroal_available_count", &[("datasource", pool)]).unwrap();
    assert!(active + idle <= max && max >= 1.0, "{active} + {idle} <= {max}");
    // The change feed is PostgreSQL's; its figures appear there only.
    let last_applied = after.value("latchkey_change_feed_last_applied", &[]);
    match TestEngine::from_env() {
        TestEngine::Sqlite => assert_eq!(last_applied, None),
        TestEngine::Postgres => {
            assert!(last_applied.is_some());
            let behind = after.value("latchkey_change_feed_behind_seconds", &[]).unwrap();
            assert!((0.0..5.0).contains(&behind), "behind {behind}");
        }
    }

    // A logout ends the session.
    let logout = [("client_id", "crm_client"), ("refresh_token", refresh_token)];
    let url_logout = app.oidc_url("nagra", "logout");
    assert_eq!(app.post_form(&url_logout, &logout).await.status(), 204);
    let ended = scrape(&app, &url).await;
    assert_eq!(
        ended.value("latchkey_sessions_ended_total", &[]).unwrap()
            - before.value("latchkey_sessions_ended_total", &[]).unwrap(),
        1.0
    );
}

#[tokio::test]
async fn issue_10_metrics_are_off_by_default_as_in_keycloak() {
    let app = spawn_app_with(ServerConfig::default()).await;
    let response = app.http.get(format!("{}/metrics", app.base_url)).send().await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(app.management_address, None);
}

#[tokio::test]
async fn issue_10_the_management_interface_serves_metrics_and_health() {
    let config = ServerConfig {
        metrics_enabled: true,
        http_management_port: 0,
        http_management_relative_path: "/manage".to_owned(),
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config).await;
    let management = app.management_address.expect("a management interface");
    assert_ne!(management.port(), app.address.port());
    assert_eq!(password_grant(&app, "1234").await, 200);
    let metrics = scrape(&app, &format!("http://{management}/manage/metrics")).await;
    let labels = [("grant_type", "password"), ("outcome", "success")];
    assert_eq!(metrics.value("latchkey_token_requests_total", &labels), Some(1.0));
    let ready = app.http.get(format!("http://{management}/manage/health/ready")).send().await;
    let ready = ready.unwrap();
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "UP");
    // Not on the main port without --legacy-observability-interface.
    let main = app.http.get(format!("{}/metrics", app.base_url)).send().await.unwrap();
    assert_eq!(main.status(), 404);
}
