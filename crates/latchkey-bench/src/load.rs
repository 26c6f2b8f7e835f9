//! Load on the real token endpoint over keep-alive HTTP/1.1 connections: C
//! concurrent tasks on the bench's single-threaded runtime, each with its own
//! connection (`http.rs`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use latchkey_core::token::algorithm::{Algorithm, KeyType};

use crate::http::Connection;

pub(crate) const REALM: &str = "bench";
pub(crate) const SERVICE_CLIENT: &str = "bench-svc";
pub(crate) const SERVICE_SECRET: &str = "bench-secret";
/// A confidential client with Keycloak's default: client credentials without a refresh
/// token, so no session is stored (a signed token per grant, nothing else).
pub(crate) const TOKEN_CLIENT: &str = "bench-cc";
pub(crate) const PUBLIC_CLIENT: &str = "bench-public";
pub(crate) const USERNAME: &str = "bench-user";
pub(crate) const PASSWORD: &str = "bench-password";

/// Pause after a transport error, so a dead server does not turn a worker into a busy loop.
const TRANSPORT_ERROR_PAUSE: Duration = Duration::from_millis(10);
/// At most this many error samples are kept per kind.
const SAMPLE_LENGTH: usize = 300;
/// Longest wait for one answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The bench realm, in Keycloak's realm JSON, for `--import-realm`: access tokens signed
/// with `algorithm` (the realm's `defaultSignatureAlgorithm`, and a key provider for it
/// of priority 100, as an operator adds one); with `events`, login, refresh and client
/// login events (and their errors) are stored.
pub(crate) fn realm_json(algorithm: Algorithm, events: bool) -> serde_json::Value {
    let provider = match algorithm.key_type() {
        KeyType::Rsa => serde_json::json!({"name": "bench-rsa", "providerId": "rsa-generated",
            "config": {"priority": ["100"], "algorithm": [algorithm.as_str()]}}),
        KeyType::Ec(curve) => {
            serde_json::json!({"name": "bench-ecdsa", "providerId": "ecdsa-generated",
            "config": {"priority": ["100"], "ecdsaEllipticCurveKey": [curve.as_str()]}})
        }
        KeyType::Ed25519 => {
            serde_json::json!({"name": "bench-eddsa", "providerId": "eddsa-generated",
            "config": {"priority": ["100"]}})
        }
        KeyType::Hmac => serde_json::json!({"name": "bench-hmac", "providerId": "hmac-generated",
            "config": {"priority": ["100"], "algorithm": [algorithm.as_str()]}}),
    };
    let event_types = [
        "LOGIN",
        "LOGIN_ERROR",
        "REFRESH_TOKEN",
        "REFRESH_TOKEN_ERROR",
        "CLIENT_LOGIN",
        "CLIENT_LOGIN_ERROR",
    ];
    serde_json::json!({
        "realm": REALM,
        "enabled": true,
        "eventsEnabled": events,
        "enabledEventTypes": if events { &event_types[..] } else { &[] },
        "defaultSignatureAlgorithm": algorithm.as_str(),
        "components": {"org.keycloak.keys.KeyProvider": [provider]},
        "clients": [
            {
                "clientId": SERVICE_CLIENT,
                "publicClient": false,
                "secret": SERVICE_SECRET,
                "serviceAccountsEnabled": true,
                "directAccessGrantsEnabled": true,
                "attributes": {"client_credentials.use_refresh_token": "true"}
            },
            {
                "clientId": TOKEN_CLIENT,
                "publicClient": false,
                "secret": SERVICE_SECRET,
                "serviceAccountsEnabled": true
            },
            {
                "clientId": PUBLIC_CLIENT,
                "publicClient": true,
                "directAccessGrantsEnabled": true
            }
        ],
        "users": [
            {
                "username": USERNAME,
                "enabled": true,
                "credentials": [{"type": "password", "value": PASSWORD, "temporary": false}]
            }
        ]
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Grant {
    /// `client_credentials` on `bench-svc`: one new persisted session each, no password hash.
    ClientCredentials,
    /// `password` on `bench-public`: one argon2id verification each.
    Password,
    /// `refresh_token` on `bench-public`, always with the worker's latest refresh token.
    Refresh,
    /// `client_credentials` on `bench-cc`: a token, no refresh token, nothing stored.
    ServiceToken,
    /// A refresh request's form, the same bytes every time, to the trivial server.
    Trivial,
}

/// When a phase ends: at the deadline, or once `target` requests have succeeded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stop {
    pub(crate) deadline: Duration,
    pub(crate) target: Option<u64>,
}

#[derive(Debug, Default)]
pub(crate) struct PhaseResult {
    pub(crate) ok: u64,
    pub(crate) elapsed: Duration,
    /// Failed requests by kind (`HTTP 400 invalid_grant`, `transport: ...`).
    pub(crate) errors: BTreeMap<String, u64>,
    /// The first response body (or error text) of each kind.
    pub(crate) samples: BTreeMap<String, String>,
    /// Latencies of the successful requests, in microseconds, sorted.
    pub(crate) latencies_us: Vec<u32>,
}

impl PhaseResult {
    pub(crate) fn per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 { self.ok as f64 / seconds } else { 0.0 }
    }

    pub(crate) fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The `p`-quantile (0..=1) of the successful requests' latencies, in milliseconds.
    pub(crate) fn latency_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let n = self.latencies_us.len();
        let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
        f64::from(self.latencies_us[rank - 1]) / 1000.0
    }

    fn merge(&mut self, other: WorkerResult) {
        self.ok += other.ok;
        for (kind, count) in other.errors {
            *self.errors.entry(kind).or_default() += count;
        }
        for (kind, sample) in other.samples {
            self.samples.entry(kind).or_insert(sample);
        }
        self.latencies_us.extend(other.latencies_us);
    }
}

#[derive(Default)]
struct WorkerResult {
    ok: u64,
    errors: BTreeMap<String, u64>,
    samples: BTreeMap<String, String>,
    latencies_us: Vec<u32>,
}

impl WorkerResult {
    fn error(&mut self, kind: String, sample: String) {
        *self.errors.entry(kind.clone()).or_default() += 1;
        self.samples.entry(kind).or_insert_with(|| sample.chars().take(SAMPLE_LENGTH).collect());
    }
}

pub(crate) struct Load {
    address: SocketAddr,
    host: String,
    token_path: String,
    /// The body of [`Grant::Trivial`].
    trivial_body: Vec<u8>,
}

/// Why a request got no answer.
enum Failure {
    Timeout,
    Connect(std::io::Error),
    Other(std::io::Error),
}

impl Failure {
    fn kind(&self) -> &'static str {
        match self {
            Failure::Timeout => "transport: timeout",
            Failure::Connect(_) => "transport: connect",
            Failure::Other(_) => "transport: other",
        }
    }

    fn sample(&self) -> String {
        match self {
            Failure::Timeout => format!("no answer within {REQUEST_TIMEOUT:?}"),
            Failure::Connect(e) | Failure::Other(e) => format!("{e:?}"),
        }
    }
}

/// A worker's connection, opened on first use and again after a failure.
#[derive(Default)]
struct Link {
    connection: Option<Connection>,
}

impl Link {
    /// Posts `body` to the token endpoint; the status and the body of the answer.
    async fn post(&mut self, load: &Load, body: &[u8]) -> Result<(u16, &[u8]), Failure> {
        let answer = {
            let connection = match &mut self.connection {
                Some(connection) => connection,
                slot => {
                    slot.insert(Connection::open(load.address).await.map_err(Failure::Connect)?)
                }
            };
            let request = connection.post_form(&load.host, &load.token_path, body);
            tokio::time::timeout(REQUEST_TIMEOUT, request).await
        };
        let failure = match answer {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(Failure::Other(e)),
            Err(_) => Some(Failure::Timeout),
        };
        if let Some(failure) = failure {
            self.connection = None;
            return Err(failure);
        }
        self.connection.as_ref().map(Connection::last_response).ok_or(Failure::Timeout)
    }
}

impl Load {
    /// `port` on 127.0.0.1, `relative_path` as the server was started with.
    pub(crate) fn new(port: u16, relative_path: &str) -> Load {
        Load {
            address: SocketAddr::from(([127, 0, 0, 1], port)),
            host: format!("127.0.0.1:{port}"),
            token_path: token_path(relative_path),
            trivial_body: Vec::new(),
        }
    }

    /// The same load against another server (the trivial one), sending `body` as the
    /// form of every request.
    pub(crate) fn trivial(port: u16, relative_path: &str, body: Vec<u8>) -> Load {
        Load { trivial_body: body, ..Load::new(port, relative_path) }
    }

    /// One password grant, for a look at what the server answers: the refresh form a
    /// worker would send next, and the access token's header `alg`.
    pub(crate) async fn sample(&self) -> Result<(Vec<u8>, String), String> {
        let (token, mut link) = self.login().await?;
        let mut body = Vec::new();
        self.body(Grant::Refresh, Some(&token), &mut body);
        let (status, answer) = link.post(self, &body).await.map_err(|e| e.sample())?;
        if status != 200 {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(answer)));
        }
        let alg = access_token_alg(answer).unwrap_or_else(|| "?".to_owned());
        Ok((body, alg))
    }

    /// The form of one grant. Refresh tokens are Base64URL and dots, which need no
    /// escaping in a form.
    fn body(&self, grant: Grant, refresh_token: Option<&str>, body: &mut Vec<u8>) {
        body.clear();
        match grant {
            Grant::Trivial => body.extend_from_slice(&self.trivial_body),
            Grant::ServiceToken => body.extend_from_slice(
                format!(
                    "grant_type=client_credentials&client_id={TOKEN_CLIENT}&client_secret={SERVICE_SECRET}"
                )
                .as_bytes(),
            ),
            Grant::ClientCredentials => body.extend_from_slice(
                format!(
                    "grant_type=client_credentials&client_id={SERVICE_CLIENT}&client_secret={SERVICE_SECRET}"
                )
                .as_bytes(),
            ),
            Grant::Password => body.extend_from_slice(
                format!(
                    "grant_type=password&client_id={PUBLIC_CLIENT}&username={USERNAME}&password={PASSWORD}"
                )
                .as_bytes(),
            ),
            Grant::Refresh => {
                let token = refresh_token.unwrap_or_default();
                body.extend_from_slice(b"grant_type=refresh_token&client_id=");
                body.extend_from_slice(PUBLIC_CLIENT.as_bytes());
                body.extend_from_slice(b"&refresh_token=");
                // `refresh_token` took only Base64URL and dots, which a form carries as they are.
                body.extend_from_slice(token.as_bytes());
            }
        }
    }

    /// One password grant; the refresh token of the new session and the connection.
    async fn login(&self) -> Result<(String, Link), String> {
        let mut link = Link::default();
        let mut body = Vec::new();
        self.body(Grant::Password, None, &mut body);
        let (status, answer) =
            link.post(self, &body).await.map_err(|e| format!("{}: {}", e.kind(), e.sample()))?;
        if status != 200 {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(answer)));
        }
        let token = refresh_token(answer)
            .ok_or_else(|| "no refresh_token in the password grant".to_owned())?;
        Ok((token, link))
    }

    /// Runs `concurrency` workers until `stop`; refresh workers first log in once each
    /// (outside the timed part). `progress` reports successes every few seconds on stderr.
    pub(crate) async fn run(
        self: &Arc<Self>,
        grant: Grant,
        concurrency: usize,
        stop: Stop,
        progress: Option<&str>,
    ) -> PhaseResult {
        let mut tokens: Vec<Option<(String, Link)>> = Vec::with_capacity(concurrency);
        if grant == Grant::Refresh {
            let logins: Vec<_> = (0..concurrency)
                .map(|_| {
                    let load = Arc::clone(self);
                    tokio::spawn(async move { load.login().await })
                })
                .collect();
            for login in logins {
                match login.await.expect("login task") {
                    Ok(token) => tokens.push(Some(token)),
                    Err(e) => {
                        eprintln!("login for the refresh phase failed: {e}");
                        tokens.push(None);
                    }
                }
            }
        } else {
            tokens.resize_with(concurrency, || None);
        }
        let succeeded = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        let deadline = started + stop.deadline;
        let reporter = progress.map(|label| {
            let label = label.to_owned();
            let succeeded = Arc::clone(&succeeded);
            let done = Arc::clone(&done);
            tokio::spawn(async move {
                let mut last = Instant::now();
                while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    if last.elapsed() >= Duration::from_secs(5) {
                        last = Instant::now();
                        let n = succeeded.load(Ordering::Relaxed);
                        let rate = n as f64 / started.elapsed().as_secs_f64();
                        eprintln!("  {label}: {n} so far, {rate:.0}/s");
                    }
                }
            })
        });
        let workers: Vec<_> = tokens
            .into_iter()
            .filter(|token| grant != Grant::Refresh || token.is_some())
            .map(|login| {
                let load = Arc::clone(self);
                let succeeded = Arc::clone(&succeeded);
                let (token, link) = login.map_or((None, Link::default()), |(t, l)| (Some(t), l));
                tokio::spawn(async move {
                    load.worker(grant, token, link, deadline, stop.target, &succeeded).await
                })
            })
            .collect();
        let mut result = PhaseResult::default();
        for worker in workers {
            result.merge(worker.await.expect("load worker"));
        }
        result.elapsed = started.elapsed();
        done.store(true, Ordering::Relaxed);
        if let Some(reporter) = reporter {
            let _ = reporter.await;
        }
        result.latencies_us.sort_unstable();
        result
    }

    async fn worker(
        &self,
        grant: Grant,
        mut token: Option<String>,
        mut link: Link,
        deadline: Instant,
        target: Option<u64>,
        succeeded: &AtomicU64,
    ) -> WorkerResult {
        let mut result = WorkerResult::default();
        let mut body = Vec::with_capacity(1024);
        loop {
            if Instant::now() >= deadline {
                break;
            }
            if target.is_some_and(|t| succeeded.load(Ordering::Relaxed) >= t) {
                break;
            }
            self.body(grant, token.as_deref(), &mut body);
            let sent = Instant::now();
            let response = link.post(self, &body).await;
            let latency = sent.elapsed();
            match response {
                Ok((200, answer)) => {
                    if grant == Grant::Refresh {
                        match refresh_token(answer) {
                            Some(next) => token = Some(next),
                            None => {
                                result.error(
                                    "HTTP 200 without refresh_token".to_owned(),
                                    String::from_utf8_lossy(answer).into_owned(),
                                );
                                continue;
                            }
                        }
                    }
                    result.ok += 1;
                    succeeded.fetch_add(1, Ordering::Relaxed);
                    result
                        .latencies_us
                        .push(u32::try_from(latency.as_micros()).unwrap_or(u32::MAX));
                }
                Ok((status, answer)) => {
                    let error = serde_json::from_slice::<serde_json::Value>(answer)
                        .ok()
                        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                        .unwrap_or_default();
                    result.error(
                        format!("HTTP {status} {error}").trim_end().to_owned(),
                        String::from_utf8_lossy(answer).into_owned(),
                    );
                }
                Err(failure) => {
                    result.error(failure.kind().to_owned(), failure.sample());
                    tokio::time::sleep(TRANSPORT_ERROR_PAUSE).await;
                }
            }
        }
        result
    }
}

/// `{relative_path}/realms/bench/protocol/openid-connect/token`.
pub(crate) fn token_path(relative_path: &str) -> String {
    format!("{relative_path}/realms/{REALM}/protocol/openid-connect/token")
}

/// The `alg` of a token response's access token header.
fn access_token_alg(body: &[u8]) -> Option<String> {
    use base64::Engine as _;
    #[derive(serde::Deserialize)]
    struct TokenResponse {
        access_token: String,
    }
    let response: TokenResponse = serde_json::from_slice(body).ok()?;
    let header = response.access_token.split('.').next()?;
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).ok()?;
    let header: serde_json::Value = serde_json::from_slice(&header).ok()?;
    Some(header.get("alg")?.as_str()?.to_owned())
}

/// The `refresh_token` of a token response. The bench reads only this field, and a JWT
/// needs no unescaping, so it is found, not parsed: the load generator's CPU is the
/// server's loss, and a JSON parser would scan the whole answer.
fn refresh_token(body: &[u8]) -> Option<String> {
    const FIELD: &[u8] = br#""refresh_token":""#;
    // The access token comes first: it ends at the first quote after its own name.
    let start = crate::http::find(body, FIELD)? + FIELD.len();
    let length = body[start..].iter().position(|byte| *byte == b'"')?;
    let token = std::str::from_utf8(&body[start..start + length]).ok()?;
    token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        .then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::refresh_token;

    #[test]
    fn the_refresh_token_is_found_after_the_access_token() {
        let body = br#"{"access_token":"a.b.c","expires_in":300,"refresh_token":"x-y_z.1.2","token_type":"Bearer"}"#;
        assert_eq!(refresh_token(body).as_deref(), Some("x-y_z.1.2"));
        assert_eq!(refresh_token(br#"{"error":"invalid_grant"}"#), None);
        assert_eq!(refresh_token(br#"{"refresh_token":"not a token"}"#), None);
        assert_eq!(refresh_token(br#"{"refresh_token":"unterminated"#), None);
    }
}
