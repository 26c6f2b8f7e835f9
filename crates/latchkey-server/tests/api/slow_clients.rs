//! Slow and silent clients on real sockets (issue 13 item 5): a half-sent head, a
//! silent connection, a stalled body and an idle keep-alive are closed within the
//! listener's timeouts (`latchkey_listener`), and with the connection cap taken by slow
//! connections a login still gets through, because the longest-idle one is shed for it.
//! The timeouts are set short in the configuration so the tests stay fast.

use std::time::{Duration, Instant};

use latchkey_server::config::ServerConfig;
use latchkey_testkit::{TestApp, spawn_app_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn config(header: u64, body: u64, idle: u64, max_connections: usize) -> ServerConfig {
    let mut config = ServerConfig::default();
    config.connections.header_read_timeout = Duration::from_millis(header);
    config.connections.body_read_timeout = Duration::from_millis(body);
    config.connections.idle_timeout = Duration::from_millis(idle);
    config.connections.max_connections = max_connections;
    config
}

/// Reads until the server closes the connection (EOF or reset), at most `limit`; what
/// was read and when it ended, or `None` if it was still open at `limit`.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<(Vec<u8>, Duration)> {
    let start = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let left = limit.checked_sub(start.elapsed())?;
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some((received, start.elapsed())),
            Ok(Ok(n)) => received.extend_from_slice(&buffer[..n]),
        }
    }
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.address).await.unwrap()
}

#[tokio::test]
async fn a_half_sent_head_and_a_silent_connection_are_closed_at_the_header_timeout() {
    let app = spawn_app_with(config(400, 10_000, 10_000, 100)).await;
    let mut half = connect(&app).await;
    half.write_all(b"GET /keycloak/auth/realms/nagra HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Partial: ")
        .await
        .unwrap();
    let mut silent = connect(&app).await;
    let (answer, after) = read_until_closed(&mut half, Duration::from_secs(5))
        .await
        .expect("a half-sent head is closed");
    assert!(answer.is_empty(), "closed without an answer: {:?}", String::from_utf8_lossy(&answer));
    assert!(after >= Duration::from_millis(300), "closed at the timeout, not before: {after:?}");
    let (answer, _) = read_until_closed(&mut silent, Duration::from_secs(5))
        .await
        .expect("a silent connection is closed");
    assert!(answer.is_empty());
    // A client that sends its head in time is answered.
    let realm = app.http.get(app.realm_url("nagra")).send().await.unwrap();
    assert_eq!(realm.status(), 200);
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_closed_at_the_body_timeout() {
    let app = spawn_app_with(config(10_000, 400, 10_000, 100)).await;
    let mut stream = connect(&app).await;
    let head = "POST /keycloak/auth/realms/nagra/protocol/openid-connect/token HTTP/1.1\r\n\
                Host: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                Content-Length: 100\r\n\r\ngrant_type";
    stream.write_all(head.as_bytes()).await.unwrap();
    let (answer, after) = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("a stalled body is closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"), "{answer}");
    assert!(answer.contains("Request body timed out"), "{answer}");
    assert!(after >= Duration::from_millis(300), "{after:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_at_the_idle_timeout() {
    let app = spawn_app_with(config(10_000, 10_000, 400, 100)).await;
    let mut stream = connect(&app).await;
    let request = "GET /keycloak/auth/realms/nagra HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let start = Instant::now();
    let (answer, after) = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("an idle connection is closed");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "answered first: {answer}");
    assert!(after >= Duration::from_millis(300), "{after:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// The cap (8) taken by silent connections: a login still succeeds at once (the
/// longest-idle silent connection is closed for it), long before any timeout.
#[tokio::test]
async fn at_the_connection_cap_a_login_sheds_a_silent_connection() {
    let app = spawn_app_with(config(30_000, 30_000, 30_000, 8)).await;
    let mut slow = Vec::new();
    for _ in 0..8 {
        let mut stream = connect(&app).await;
        stream.write_all(b"GET / HTTP/1.1\r\nHost: 127").await.unwrap();
        slow.push(stream);
    }
    // Let the server accept all eight.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    let login = app
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
    assert_eq!(login.status(), 200);
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
    let mut shed = 0;
    for stream in &mut slow {
        if read_until_closed(stream, Duration::from_millis(100)).await.is_some() {
            shed += 1;
        }
    }
    assert!(shed >= 1, "a silent connection made room for the login");
    assert!(shed < 8, "only as many as needed: {shed}");
}
