//! `/health/live` and `/health/ready`: ready once the issuer's keys are loaded.

use std::time::{Duration, Instant};

use crate::helpers::*;

#[tokio::test]
async fn ready_once_the_keys_are_loaded() {
    let gateway = spawn_gateway().await;
    let live = gateway.get("/health/live", None).await;
    assert_eq!((live.status, live.body["status"].as_str()), (200, Some("UP")));
    let deadline = Instant::now() + Duration::from_secs(10);
    let ready = loop {
        let ready = gateway.get("/health/ready", None).await;
        if ready.status == 200 || Instant::now() > deadline {
            break ready;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(ready.status, 200, "{:?}", ready.body);
    let check = &ready.body["checks"][0];
    assert_eq!(check["name"], gateway.latchkey.realm_url("nagra"));
    assert_eq!(check["data"]["keys"], true);
    assert!(check["data"]["revocations"].is_null(), "revocations are not followed here");
    let metrics = gateway.get("/metrics", None).await;
    assert!(metrics.body.as_str().unwrap().contains("latchkey_gateway_issuer_keys_loaded{"));
}

#[tokio::test]
async fn not_ready_while_the_issuer_is_unreachable() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let gateway = spawn_gateway_with(|config| {
        config.issuers = vec![format!("http://{dead}/keycloak/auth/realms/nagra")];
    })
    .await;
    assert_eq!(gateway.get("/health/live", None).await.status, 200);
    let ready = gateway.get("/health/ready", None).await;
    assert_eq!(ready.status, 503);
    assert_eq!(ready.body["status"], "DOWN");
    assert_eq!(ready.body["checks"][0]["data"]["keys"], false);
}
