//! The HTTP ceiling: what the same HTTP stack as latchkey's (a multi-thread tokio
//! runtime with one worker per core, `axum::serve` with connect info, hyper's HTTP/1.1)
//! answers per second to the same POST, on the same kind of connections, when the
//! handler does nothing but parse the form and return a fixed 2 KB JSON body.
//!
//! It runs as a second process (this binary with `--serve-trivial`), so its CPU is
//! counted apart from the bench's, as the server's is.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::post;

/// The answer's size: about a token response's.
const BODY_BYTES: usize = 2048;

/// `{"access_token":"aaa…","token_type":"Bearer"}`, exactly [`BODY_BYTES`] long.
fn fixed_body() -> Bytes {
    let frame = r#"{"access_token":"","token_type":"Bearer"}"#;
    let padding = "a".repeat(BODY_BYTES - frame.len());
    Bytes::from(format!(r#"{{"access_token":"{padding}","token_type":"Bearer"}}"#))
}

/// The child's main: serve on 127.0.0.1 (free port), print `port <n>` on stdout, run
/// until killed.
pub(crate) fn serve(path: &str) {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let body = fixed_body();
        let app = Router::new().route(
            path,
            post(move |form: Bytes| {
                let body = body.clone();
                async move {
                    // What every form endpoint does first: every pair, decoded.
                    let pairs: Vec<(String, String)> =
                        form_urlencoded::parse(&form).into_owned().collect();
                    std::hint::black_box(pairs);
                    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
                }
            }),
        );
        println!("port {port}");
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .await
            .expect("serve");
    });
}

/// The trivial server as a child process; killed when dropped.
pub(crate) struct TrivialServer {
    child: Child,
    pub(crate) port: u16,
    pub(crate) pid: u32,
}

impl TrivialServer {
    pub(crate) fn start(path: &str) -> TrivialServer {
        let exe = std::env::current_exe().expect("the bench's own path");
        let mut child = Command::new(exe)
            .arg("--serve-trivial")
            .arg(path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the trivial server");
        let stdout = child.stdout.take().expect("the trivial server's stdout");
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("the trivial server's port");
        let port = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .expect("`port <n>` from the trivial server");
        let pid = child.id();
        TrivialServer { child, port, pid }
    }
}

impl Drop for TrivialServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
