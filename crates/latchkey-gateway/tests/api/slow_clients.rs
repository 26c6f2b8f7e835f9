//! Slow and silent clients of the gateway on real sockets (issue 13 item 5): a half-sent
//! head and a stalled body are closed within the gateway's timeouts, and with the
//! connection cap taken by silent connections a request still gets through, because the
//! longest-idle connection is shed for it (`latchkey_listener`).

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::spawn_gateway_with;

/// Reads until the gateway closes the connection, at most `limit`; what was read and
/// when, or `None` if it was still open at `limit`.
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

#[tokio::test]
async fn a_half_sent_head_is_closed_at_the_header_timeout() {
    let gateway = spawn_gateway_with(|config| config.header_read_timeout_ms = 400).await;
    let mut half = TcpStream::connect(gateway.address).await.unwrap();
    half.write_all(b"GET /client/x HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Partial: ").await.unwrap();
    let (answer, after) = read_until_closed(&mut half, Duration::from_secs(5))
        .await
        .expect("a half-sent head is closed");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(after >= Duration::from_millis(300), "closed at the timeout: {after:?}");
}

#[tokio::test]
async fn a_stalled_body_is_closed_at_the_body_timeout() {
    let gateway = spawn_gateway_with(|config| config.body_read_timeout_ms = 400).await;
    let mut stream = TcpStream::connect(gateway.address).await.unwrap();
    let head =
        "POST /client/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n0123456789";
    stream.write_all(head.as_bytes()).await.unwrap();
    let (_, after) = read_until_closed(&mut stream, Duration::from_secs(5))
        .await
        .expect("a stalled body is closed");
    assert!(after >= Duration::from_millis(300), "{after:?}");
}

#[tokio::test]
async fn at_the_connection_cap_a_request_sheds_a_silent_connection() {
    let gateway = spawn_gateway_with(|config| config.max_connections = 4).await;
    let mut silent = Vec::new();
    for _ in 0..4 {
        silent.push(TcpStream::connect(gateway.address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    let answer = gateway.get("/client/open", None).await;
    assert_eq!(answer.status, 200);
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
    let mut shed = 0;
    for stream in &mut silent {
        if read_until_closed(stream, Duration::from_millis(100)).await.is_some() {
            shed += 1;
        }
    }
    assert!((1..4).contains(&shed), "{shed} silent connections closed");
}
