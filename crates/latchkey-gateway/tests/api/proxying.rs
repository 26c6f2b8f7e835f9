//! What passes through: methods, paths, headers and streamed bodies; and the answers
//! when the upstream fails.

use http_body_util::BodyExt as _;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::helpers::*;

#[tokio::test]
async fn spoofed_identity_and_hop_by_hop_headers_are_stripped() {
    let gateway = spawn_gateway().await;
    let token = operator_token(&gateway.latchkey).await;
    let answer = gateway
        .http
        .delete(gateway.url("/operator/devices/7?force=true"))
        .bearer_auth(&token)
        .header("x-auth-roles", "adminRole")
        .header("x-auth-username", "admin_user")
        .header("x-auth-extra", "1")
        .header("connection", "x-private")
        .header("x-private", "secret")
        .header("proxy-authorization", "Basic abc")
        .header("x-forwarded-for", "203.0.113.9")
        .header("x-custom", "kept")
        .send()
        .await
        .unwrap();
    let answer = Answer::read(answer).await;
    assert_eq!(answer.status, 200);
    let headers = &answer.body["headers"];
    assert_eq!(answer.body["method"], "DELETE");
    assert_eq!(answer.body["uri"], "/operator/devices/7?force=true");
    assert_eq!(headers["x-auth-username"], "crm_client_user");
    assert!(!headers["x-auth-roles"].as_str().unwrap().contains("adminRole"));
    assert!(headers.get("x-auth-extra").is_none());
    assert!(headers.get("x-private").is_none());
    assert!(headers.get("proxy-authorization").is_none());
    assert_eq!(headers["x-custom"], "kept");
    assert_eq!(headers["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
    assert_eq!(headers["x-forwarded-proto"], "http");
    assert_eq!(headers["x-forwarded-host"], gateway.address.to_string());
    assert_eq!(headers["host"], gateway.upstream.address.to_string());
    assert!(headers["x-auth-subject"].as_str().is_some_and(|s| !s.is_empty()));

    // A public route passes no identity, whatever the client claimed.
    let public = gateway
        .http
        .get(gateway.url("/client/x"))
        .header("x-auth-roles", "adminRole")
        .send()
        .await
        .unwrap();
    let public = Answer::read(public).await;
    assert!(public.body["headers"].get("x-auth-roles").is_none());
}

const BIG: u64 = 64 * 1024 * 1024;

#[tokio::test]
async fn large_bodies_stream_both_ways() {
    // The upstream answers once it has read the whole 64 MiB upload, which takes seconds
    // in a debug build on a busy machine: the suite's 1-second upstream timeout is not
    // what this test is about.
    let gateway = spawn_gateway_with(|config| config.upstream_timeout_ms = 60_000).await;
    let client = Client::builder(TokioExecutor::new()).build_http::<Generated>();

    let upload =
        http::Request::post(gateway.url("/client/upload")).body(Generated::new(BIG)).unwrap();
    let response = client.request(upload).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body, serde_json::json!({"bytes": BIG, "intact": true}));

    let download = http::Request::get(gateway.url(&format!("/client/download?bytes={BIG}")))
        .body(Generated::new(0))
        .unwrap();
    let response = client.request(download).await.unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.into_body();
    let mut received: u64 = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            assert!(data.iter().enumerate().all(|(i, b)| *b == pattern(received + i as u64)));
            received += data.len() as u64;
        }
    }
    assert_eq!(received, BIG);
    assert_eq!(gateway.upstream.hits(), 2);
}

/// Waits (bounded) until `condition` holds.
async fn eventually(mut condition: impl FnMut() -> bool) -> bool {
    for _ in 0..200 {
        if condition() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test]
async fn bodies_are_not_buffered_whole_in_either_direction() {
    let gateway = spawn_gateway().await;
    let chunk = bytes::Bytes::from(vec![7u8; 64 * 1024]);

    // Upload: the upstream sees the first chunk while the client still holds the rest.
    let client = Client::builder(TokioExecutor::new()).build_http::<ChannelBody>();
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let upload =
        http::Request::post(gateway.url("/client/trickle-up")).body(ChannelBody(receiver)).unwrap();
    let pending = tokio::spawn(client.request(upload));
    sender.send(chunk.clone()).await.unwrap();
    let received = std::sync::Arc::clone(&gateway.upstream.received);
    assert!(eventually(|| received.load(std::sync::atomic::Ordering::SeqCst) == 64 * 1024).await);
    sender.send(chunk.clone()).await.unwrap();
    drop(sender);
    let response = pending.await.unwrap().unwrap();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"131072");

    // Download: the client reads the first chunk while the upstream has not finished.
    let download = gateway.http.get(gateway.url("/client/trickle-down")).send();
    let download = tokio::spawn(download);
    let feed = std::sync::Arc::clone(&gateway.upstream.trickle_down);
    assert!(eventually(|| feed.lock().unwrap().is_some()).await);
    let sender = feed.lock().unwrap().take().unwrap();
    sender.send(chunk.clone()).await.unwrap();
    let mut response = download.await.unwrap().unwrap();
    let mut first = 0;
    while first < 64 * 1024 {
        first += response.chunk().await.unwrap().expect("the first chunk, before the end").len();
    }
    assert_eq!(first, 64 * 1024);
    drop(sender);
    assert_eq!(response.chunk().await.unwrap(), None);
}

#[tokio::test]
async fn an_upstream_that_is_down_is_a_502() {
    let gateway = spawn_gateway().await;
    let answer = gateway.get("/down/x", None).await;
    assert_eq!(answer.status, 502);
    assert_eq!(answer.body["error"], "bad_gateway");
}

#[tokio::test]
async fn a_slow_upstream_is_a_504() {
    let gateway = spawn_gateway().await;
    let started = std::time::Instant::now();
    let answer = gateway.get("/client/slow", None).await;
    assert_eq!(answer.status, 504);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(gateway.upstream.hits(), 1);
}

#[tokio::test]
async fn a_slot_is_held_until_the_body_is_done_and_the_next_request_waits_then_503() {
    let gateway = spawn_gateway_with(|config| config.max_concurrent_upstream = 1).await;
    let holding = gateway.http.get(gateway.url("/client/hold")).send().await.unwrap();
    assert_eq!(holding.status(), 200);
    let busy = gateway.get("/client/x", None).await;
    assert_eq!(busy.status, 503);
    assert_eq!(busy.body["error"], "busy");
    assert_eq!(gateway.upstream.hits(), 1);
    drop(holding);
    // The slot comes back once the held response is gone.
    let mut status = 0;
    for _ in 0..50 {
        status = gateway.get("/client/x", None).await.status;
        if status == 200 {
            break;
        }
    }
    assert_eq!(status, 200);
}
