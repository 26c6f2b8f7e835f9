//! Load on the real token endpoint over keep-alive HTTP/1.1 connections: C
//! concurrent tasks on the bench's single-threaded runtime, each with its own
//! connection from a shared pool.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub(crate) const REALM: &str = "bench";
pub(crate) const SERVICE_CLIENT: &str = "bench-svc";
pub(crate) const SERVICE_SECRET: &str = "bench-secret";
pub(crate) const PUBLIC_CLIENT: &str = "bench-public";
pub(crate) const USERNAME: &str = "bench-user";
pub(crate) const PASSWORD: &str = "bench-password";

/// Pause after a transport error, so a dead server does not turn a worker into a busy loop.
const TRANSPORT_ERROR_PAUSE: Duration = Duration::from_millis(10);
/// At most this many error samples are kept per kind.
const SAMPLE_LENGTH: usize = 300;

/// The bench realm, in Keycloak's realm JSON, for `--import-realm`.
pub(crate) fn realm_json() -> serde_json::Value {
    serde_json::json!({
        "realm": REALM,
        "enabled": true,
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
    client: reqwest::Client,
    token_url: String,
}

impl Load {
    pub(crate) fn new(base_url: &str, concurrency: usize) -> Load {
        let client = reqwest::Client::builder()
            .no_proxy()
            .tcp_nodelay(true)
            .pool_max_idle_per_host(concurrency)
            .pool_idle_timeout(Duration::from_secs(300))
            .timeout(Duration::from_secs(60))
            .build()
            .expect("HTTP client");
        let token_url = format!("{base_url}/realms/{REALM}/protocol/openid-connect/token");
        Load { client, token_url }
    }

    fn body(grant: Grant, refresh_token: Option<&str>) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        match grant {
            Grant::ClientCredentials => form
                .append_pair("grant_type", "client_credentials")
                .append_pair("client_id", SERVICE_CLIENT)
                .append_pair("client_secret", SERVICE_SECRET),
            Grant::Password => form
                .append_pair("grant_type", "password")
                .append_pair("client_id", PUBLIC_CLIENT)
                .append_pair("username", USERNAME)
                .append_pair("password", PASSWORD),
            Grant::Refresh => form
                .append_pair("grant_type", "refresh_token")
                .append_pair("client_id", PUBLIC_CLIENT)
                .append_pair("refresh_token", refresh_token.unwrap_or_default()),
        };
        form.finish()
    }

    async fn post(&self, body: String) -> Result<(u16, Vec<u8>), reqwest::Error> {
        let response = self
            .client
            .post(&self.token_url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await?;
        Ok((status, bytes.to_vec()))
    }

    /// One password grant; the refresh token of the new session.
    pub(crate) async fn login(&self) -> Result<String, String> {
        let (status, body) =
            self.post(Self::body(Grant::Password, None)).await.map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("HTTP {status}: {}", String::from_utf8_lossy(&body)));
        }
        refresh_token(&body).ok_or_else(|| "no refresh_token in the password grant".to_owned())
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
        let mut tokens = Vec::with_capacity(concurrency);
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
            tokens.resize(concurrency, None);
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
            .map(|token| {
                let load = Arc::clone(self);
                let succeeded = Arc::clone(&succeeded);
                tokio::spawn(async move {
                    load.worker(grant, token, deadline, stop.target, &succeeded).await
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
        deadline: Instant,
        target: Option<u64>,
        succeeded: &AtomicU64,
    ) -> WorkerResult {
        let mut result = WorkerResult::default();
        loop {
            if Instant::now() >= deadline {
                break;
            }
            if target.is_some_and(|t| succeeded.load(Ordering::Relaxed) >= t) {
                break;
            }
            let body = Self::body(grant, token.as_deref());
            let sent = Instant::now();
            let response = self.post(body).await;
            let latency = sent.elapsed();
            match response {
                Ok((200, body)) => {
                    if grant == Grant::Refresh {
                        match refresh_token(&body) {
                            Some(next) => token = Some(next),
                            None => {
                                result.error(
                                    "HTTP 200 without refresh_token".to_owned(),
                                    String::from_utf8_lossy(&body).into_owned(),
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
                Ok((status, body)) => {
                    let error = serde_json::from_slice::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
                        .unwrap_or_default();
                    result.error(
                        format!("HTTP {status} {error}").trim_end().to_owned(),
                        String::from_utf8_lossy(&body).into_owned(),
                    );
                }
                Err(e) => {
                    let kind = if e.is_timeout() {
                        "transport: timeout"
                    } else if e.is_connect() {
                        "transport: connect"
                    } else {
                        "transport: other"
                    };
                    result.error(kind.to_owned(), format!("{e:?}"));
                    tokio::time::sleep(TRANSPORT_ERROR_PAUSE).await;
                }
            }
        }
        result
    }
}

fn refresh_token(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value.get("refresh_token")?.as_str().map(str::to_owned)
}
