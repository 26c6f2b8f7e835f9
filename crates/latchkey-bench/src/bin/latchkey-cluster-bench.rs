//! latchkey-cluster-bench: how long a change made on one latchkey instance takes to reach
//! another on the same PostgreSQL (issue 10's change feed). It starts a throw-away
//! PostgreSQL (`latchkey_testkit::postgres`: `initdb` in a temporary directory, fsync off)
//! and three instances of the real binary, once with LISTEN/NOTIFY and once polling only
//! (`--db-notify=false`), and times, over `--trials` trials each:
//!
//! - a logout on C until a refresh of the same session on B is refused (B had the session
//!   in memory: refreshed there before the logout);
//! - a realm change on A (the access-token lifespan) until a refresh on B answers the new
//!   `expires_in`.
//!
//! Each time runs from the change's answer (committed) to the first answer on B that
//! shows it, so it includes one request to B. Each change waits a different part of the
//! poll interval first (trial × 97 ms modulo 250 ms), so that trials are not in step with
//! the poll. A measuring tool: nothing is asserted.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(
    name = "latchkey-cluster-bench",
    about = "Change-feed latency between latchkey instances"
)]
struct Cli {
    /// Trials per measurement and mode.
    #[arg(long, default_value_t = 200)]
    trials: usize,
    /// The latchkey binary. Default: target/release/latchkey in the workspace.
    #[arg(long)]
    bin: Option<PathBuf>,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Instance {
    child: Child,
    base: String,
    _work: tempfile::TempDir,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(
    bin: &Path,
    database: &latchkey_testkit::postgres::OwnedDatabase,
    notify: bool,
    port: u16,
    hostname: &str,
) -> Instance {
    let work = tempfile::tempdir().unwrap();
    let import = work.path().join("import");
    std::fs::create_dir_all(&import).unwrap();
    std::fs::copy(workspace().join("examples/nagra-realm.json"), import.join("nagra.json"))
        .unwrap();
    let mut child = Command::new(bin)
        .arg("start-dev")
        .args(["--db", "postgres", "--db-url", &database.jdbc_url()])
        .args(["--db-username", &database.user, "--db-password", &database.password])
        .args(["--db-notify", if notify { "true" } else { "false" }])
        .args(["--http-port", &port.to_string(), "--hostname", hostname, "--log-level", "warn"])
        .args(["--import-realm", "--import-dir"])
        .arg(&import)
        .env("LATCHKEY_BOOTSTRAP_ADMIN_USERNAME", "admin")
        .env("LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD", "admin")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || for _ in BufReader::new(stderr).lines() {});
    let base = format!("http://127.0.0.1:{port}/keycloak/auth");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "latchkey did not listen on {port} within 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    Instance { child, base, _work: work }
}

async fn post_form(http: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = http.post(url).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn token_url(instance: &Instance) -> String {
    format!("{}/realms/nagra/protocol/openid-connect/token", instance.base)
}

async fn login(http: &reqwest::Client, instance: &Instance) -> String {
    let form = [
        ("grant_type", "password"),
        ("username", "crm_client_user"),
        ("password", "1234"),
        ("client_id", "crm_client"),
    ];
    let (status, body) = post_form(http, &token_url(instance), &form).await;
    assert_eq!(status, 200, "{body}");
    body["refresh_token"].as_str().unwrap().to_owned()
}

async fn refresh(http: &reqwest::Client, instance: &Instance, token: &str) -> (u16, Value) {
    let form =
        [("grant_type", "refresh_token"), ("refresh_token", token), ("client_id", "crm_client")];
    post_form(http, &token_url(instance), &form).await
}

/// Polls `seen` until it is true; the time since `since`. Gives up after 10 s.
async fn time_until(since: Instant, mut seen: impl AsyncFnMut() -> bool) -> Duration {
    while !seen().await {
        assert!(since.elapsed() < Duration::from_secs(10), "the change never arrived");
    }
    since.elapsed()
}

fn summary(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "  {name:<34} n={:<4} p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms",
        times.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

/// A pause that spreads the trials' changes over the poll interval.
async fn out_of_step(trial: usize) {
    tokio::time::sleep(Duration::from_millis((trial as u64 * 97) % 250)).await;
}

async fn measure(bin: &Path, notify: bool, trials: usize) {
    let database = latchkey_testkit::postgres::fresh_database_with_owner().await;
    let ports = [free_port(), free_port(), free_port()];
    let hostname = format!("http://127.0.0.1:{}/keycloak/auth", ports[1]);
    let [a, b, c] = ports.map(|port| start(bin, &database, notify, port, &hostname));
    let http = reqwest::Client::new();

    let mut logouts = Vec::with_capacity(trials);
    for trial in 0..trials {
        let token = login(&http, &a).await;
        let (status, body) = refresh(&http, &b, &token).await;
        assert_eq!(status, 200, "{body}");
        let token = body["refresh_token"].as_str().unwrap().to_owned();
        out_of_step(trial).await;
        let response = http
            .post(format!("{}/realms/nagra/protocol/openid-connect/logout", c.base))
            .form(&[("refresh_token", token.as_str()), ("client_id", "crm_client")])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let since = Instant::now();
        logouts.push(time_until(since, async || refresh(&http, &b, &token).await.0 == 400).await);
    }

    let form = [
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "admin"),
        ("client_id", "admin-cli"),
    ];
    let master = format!("{}/realms/master/protocol/openid-connect/token", a.base);
    let admin_token =
        post_form(&http, &master, &form).await.1["access_token"].as_str().unwrap().to_owned();
    let token = login(&http, &b).await;
    let mut changes = Vec::with_capacity(trials);
    for trial in 0..trials {
        // Far from the admin token's own lifespan, and different every trial.
        let lifespan = 600 + trial as i64;
        out_of_step(trial).await;
        let response = http
            .put(format!("{}/admin/realms/nagra", a.base))
            .bearer_auth(&admin_token)
            .json(&json!({"accessTokenLifespan": lifespan}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        let since = Instant::now();
        changes.push(
            time_until(since, async || {
                refresh(&http, &b, &token).await.1["expires_in"] == json!(lifespan)
            })
            .await,
        );
    }
    drop(c);
    println!("{}:", if notify { "LISTEN/NOTIFY" } else { "polling only (--db-notify=false)" });
    summary("logout on C -> refused on B", logouts);
    summary("realm change on A -> applied on B", changes);
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let bin = cli.bin.unwrap_or_else(|| workspace().join("target/release/latchkey"));
    println!("latchkey-cluster-bench: {} trials each, binary {}", cli.trials, bin.display());
    for notify in [true, false] {
        measure(&bin, notify, cli.trials).await;
    }
}
