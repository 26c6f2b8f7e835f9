//! latchkey-gateway-bench: what checking tokens costs the gateway. In one run, on the
//! same cores and loopback only, it measures requests per second and p50/p99 latency
//!
//! 1. directly to an upstream (a minimal in-process HTTP server),
//! 2. through the gateway on a public route (a plain proxy, no token looked at),
//! 3. through the gateway on a role-checked route with a valid token (signature, claims,
//!    role; and the revocation list when latchkey's stream is followed),
//!
//! and prints the ratios, plus the gateway's CPU time per request in 2 and 3. The real
//! `latchkey` release binary serves tokens (`start-dev`, realm `nagra` imported) and runs
//! the gateway (`latchkey gateway --config`). Target: authenticated throughput at least
//! 90% of the plain proxy's. A measuring tool, not a test: nothing asserts on timings.
//! Phases alternate (direct, public, auth, then the reverse) so that a noisy neighbour
//! hits all of them alike.

// A benchmark binary: it prints its report, and aborting on an impossible setup failure
// is the right behaviour for a tool.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "latchkey-gateway-bench",
    about = "Gateway throughput: direct upstream vs plain proxy vs token-checked route"
)]
struct Cli {
    /// Seconds per measured phase (each target is measured `rounds` times).
    #[arg(long, default_value_t = 4.0)]
    duration: f64,
    /// Rounds over the three targets, alternating their order.
    #[arg(long, default_value_t = 2)]
    rounds: usize,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// The latchkey binary. Default: target/release/latchkey in the workspace.
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Follow latchkey's revocation stream in the gateway (the check then includes the
    /// revocation list lookup).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    revocation: bool,
    /// Also measure Apache httpd with mod_auth_openidc (Debian's `apache2` and
    /// `libapache2-mod-auth-openidc`) as an OAuth 2.0 resource server doing the same
    /// check (RS256 signature against latchkey's key, `exp`, the role claim) in front of
    /// the same upstream.
    #[arg(long)]
    apache: bool,
}

const APACHE: &str = "/usr/sbin/apache2";
const APACHE_MODULES: &str = "/usr/lib/apache2/modules";

const RELATIVE_PATH: &str = "/keycloak/auth";

fn main() {
    let cli = Cli::parse();
    let bin = cli.bin.clone().unwrap_or_else(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        root.canonicalize().unwrap_or(root).join("target/release/latchkey")
    });
    if !bin.is_file() {
        eprintln!(
            "no latchkey binary at {}; build it with `cargo build --release -p latchkey`",
            bin.display()
        );
        std::process::exit(2);
    }
    let root =
        tempfile::Builder::new().prefix("latchkey-gateway-bench-").tempdir().expect("temp dir");
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");

    // The upstream: one thread of its own, answering every GET with a small body.
    let upstream = spawn_upstream();
    eprintln!("upstream on {upstream}");

    // latchkey with realm `nagra` (and, for the revocation stream, a gateway client).
    let import_dir = root.path().join("import");
    std::fs::create_dir_all(&import_dir).expect("import dir");
    let realm_file =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/nagra-realm.json");
    let mut realm: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&realm_file).expect("read the example realm"))
            .expect("realm json");
    add_gateway_client(&mut realm);
    std::fs::write(import_dir.join("nagra.json"), realm.to_string()).expect("write realm");
    let latchkey_port = free_port();
    let latchkey = Process::spawn(
        Command::new(&bin)
            .arg("start-dev")
            .args(["--http-port", &latchkey_port.to_string()])
            .arg("--data-dir")
            .arg(root.path().join("data"))
            .arg("--import-realm")
            .arg("--import-dir")
            .arg(&import_dir)
            .env("LATCHKEY_BOOTSTRAP_ADMIN_USERNAME", "admin")
            .env("LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD", "bench-admin-password"),
        &root.path().join("latchkey.log"),
    );
    wait_ready(latchkey_port, &format!("{RELATIVE_PATH}/health/ready"), &latchkey);
    let issuer = format!("http://127.0.0.1:{latchkey_port}{RELATIVE_PATH}/realms/nagra");
    eprintln!("latchkey on {issuer}");

    // The gateway: the release binary, `/operator/` role-checked, `/client/` public.
    let gateway_port = free_port();
    let revocation = if cli.revocation {
        format!(
            "[revocation]\nclient_id = \"{GATEWAY_CLIENT}\"\nclient_secret = \"{GATEWAY_SECRET}\"\n"
        )
    } else {
        String::new()
    };
    let config = format!(
        r#"listen = "127.0.0.1:{gateway_port}"
realm = "bench"
issuers = ["{issuer}"]
max_concurrent_upstream = 4096
{revocation}
[[routes]]
prefix = "/operator/"
upstream = "http://{upstream}"
any_of = ["operatorRole"]

[[routes]]
prefix = "/client/"
upstream = "http://{upstream}"
public = true
"#
    );
    let config_file = root.path().join("gateway.toml");
    std::fs::write(&config_file, config).expect("write gateway config");
    let gateway = Process::spawn(
        Command::new(&bin).arg("gateway").arg("--config").arg(&config_file).env("RUST_LOG", "warn"),
        &root.path().join("gateway.log"),
    );
    wait_ready(gateway_port, "/health/ready", &gateway);
    eprintln!("gateway on 127.0.0.1:{gateway_port} (revocation stream: {})", cli.revocation);

    let client = reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(cli.concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    let token = runtime.block_on(login(&client, &issuer));
    let apache = cli.apache.then(|| {
        let jwks: serde_json::Value = runtime.block_on(async {
            client
                .get(format!("{issuer}/protocol/openid-connect/certs"))
                .send()
                .await
                .expect("JWKS")
                .json()
                .await
                .expect("JWKS json")
        });
        let apache = Apache::start(root.path(), upstream, &jwks);
        eprintln!("apache with mod_auth_openidc on 127.0.0.1:{}", apache.port);
        apache
    });
    let mut targets = vec![
        Target {
            name: "direct to upstream",
            url: format!("http://{upstream}/operator/devices"),
            token: None,
        },
        Target {
            name: "gateway, public route",
            url: format!("http://127.0.0.1:{gateway_port}/client/devices"),
            token: None,
        },
        Target {
            name: "gateway, token + role",
            url: format!("http://127.0.0.1:{gateway_port}/operator/devices"),
            token: Some(token.clone()),
        },
    ];
    if let Some(apache) = &apache {
        targets.push(Target {
            name: "apache, public route",
            url: format!("http://127.0.0.1:{}/client/devices", apache.port),
            token: None,
        });
        targets.push(Target {
            name: "apache mod_auth_openidc, token + role",
            url: format!("http://127.0.0.1:{}/operator/devices", apache.port),
            token: Some(token),
        });
    }
    for target in &targets {
        let status = runtime.block_on(probe(&client, target));
        assert_eq!(status, 200, "{} answers {status}", target.name);
    }

    let duration = Duration::from_secs_f64(cli.duration.max(0.1));
    let mut results: Vec<Measured> = targets.iter().map(|_| Measured::default()).collect();
    for round in 0..cli.rounds.max(1) {
        let mut order: Vec<usize> = (0..targets.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for index in order {
            let target = &targets[index];
            eprintln!("round {}: {} for {duration:?}", round + 1, target.name);
            // A short warm-up fills the connection pools.
            runtime.block_on(run(&client, target, cli.concurrency, Duration::from_millis(300)));
            let cpu_before = process_ticks(gateway.pid());
            let phase = runtime.block_on(run(&client, target, cli.concurrency, duration));
            let cpu_ticks = process_ticks(gateway.pid()).saturating_sub(cpu_before);
            results[index].add(phase, cpu_ticks);
        }
    }
    drop(gateway);
    drop(apache);
    drop(latchkey);

    print_report(&cli, &targets, &mut results);
}

const GATEWAY_CLIENT: &str = "bench-gateway";
const GATEWAY_SECRET: &str = "bench-gateway-secret";

/// A confidential client whose service account may read the revocation stream.
fn add_gateway_client(realm: &mut serde_json::Value) {
    let clients = realm["clients"].as_array_mut().expect("clients");
    clients.push(serde_json::json!({
        "clientId": GATEWAY_CLIENT,
        "publicClient": false,
        "secret": GATEWAY_SECRET,
        "serviceAccountsEnabled": true,
    }));
    let users = realm["users"].as_array_mut().expect("users");
    users.push(serde_json::json!({
        "username": format!("service-account-{GATEWAY_CLIENT}"),
        "enabled": true,
        "serviceAccountClientId": GATEWAY_CLIENT,
        "clientRoles": {"realm-management": ["view-users"]},
    }));
}

struct Target {
    name: &'static str,
    url: String,
    token: Option<String>,
}

#[derive(Default)]
struct Phase {
    ok: u64,
    errors: u64,
    elapsed: Duration,
    latencies_us: Vec<u32>,
}

#[derive(Default)]
struct Measured {
    ok: u64,
    errors: u64,
    elapsed: Duration,
    latencies_us: Vec<u32>,
    gateway_ticks: u64,
}

impl Measured {
    fn add(&mut self, phase: Phase, gateway_ticks: u64) {
        self.ok += phase.ok;
        self.errors += phase.errors;
        self.elapsed += phase.elapsed;
        self.latencies_us.extend(phase.latencies_us);
        self.gateway_ticks += gateway_ticks;
    }

    fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    fn latency_ms(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return 0.0;
        }
        let n = self.latencies_us.len();
        let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
        f64::from(self.latencies_us[rank - 1]) / 1000.0
    }

    /// Gateway CPU per request, in microseconds (clock ticks are 10 ms).
    fn gateway_cpu_us(&self) -> f64 {
        self.gateway_ticks as f64 * 10_000.0 / (self.ok.max(1) as f64)
    }
}

async fn login(client: &reqwest::Client, issuer: &str) -> String {
    let response = client
        .post(format!("{issuer}/protocol/openid-connect/token"))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "crm_client"),
            ("username", "crm_client_user"),
            ("password", "1234"),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 200, "login");
    let body: serde_json::Value = response.json().await.expect("token json");
    body["access_token"].as_str().expect("access_token").to_owned()
}

async fn probe(client: &reqwest::Client, target: &Target) -> u16 {
    let mut request = client.get(&target.url);
    if let Some(token) = &target.token {
        request = request.bearer_auth(token);
    }
    request.send().await.map(|response| response.status().as_u16()).unwrap_or(0)
}

/// `concurrency` workers on this thread, each sending GETs back to back until the end.
async fn run(
    client: &reqwest::Client,
    target: &Target,
    concurrency: usize,
    duration: Duration,
) -> Phase {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency.max(1))
        .map(|_| {
            let (client, stop) = (client.clone(), Arc::clone(&stop));
            let url = target.url.clone();
            let authorization = target.token.as_ref().map(|token| format!("Bearer {token}"));
            tokio::spawn(async move {
                let mut phase = Phase::default();
                while !stop.load(Ordering::Relaxed) {
                    let sent = Instant::now();
                    let mut request = client.get(&url);
                    if let Some(value) = &authorization {
                        request = request.header("authorization", value);
                    }
                    let outcome = match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            response.bytes().await.is_ok() && status == 200
                        }
                        Err(_) => false,
                    };
                    if outcome {
                        phase.ok += 1;
                        phase
                            .latencies_us
                            .push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                    } else {
                        phase.errors += 1;
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
                phase
            })
        })
        .collect();
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::Relaxed);
    let mut total = Phase::default();
    for worker in workers {
        let phase = worker.await.expect("worker");
        total.ok += phase.ok;
        total.errors += phase.errors;
        total.latencies_us.extend(phase.latencies_us);
    }
    total.elapsed = started.elapsed();
    total
}

fn print_report(cli: &Cli, targets: &[Target], results: &mut [Measured]) {
    for result in results.iter_mut() {
        result.latencies_us.sort_unstable();
    }
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!(
        "latchkey-gateway-bench: {cores} cores, {} connections, {} x {:.1} s per target, revocation stream {}",
        cli.concurrency,
        cli.rounds.max(1),
        cli.duration,
        if cli.revocation { "on" } else { "off" }
    );
    println!();
    println!("| target | requests/s | p50 ms | p99 ms | errors | gateway CPU µs/request |");
    println!("|---|---|---|---|---|---|");
    for (target, result) in targets.iter().zip(results.iter()) {
        let cpu = match target.name.starts_with("gateway") {
            true => format!("{:.0}", result.gateway_cpu_us()),
            false => "-".to_owned(),
        };
        println!(
            "| {} | {:.0} | {:.2} | {:.2} | {} | {cpu} |",
            target.name,
            result.per_second(),
            result.latency_ms(0.5),
            result.latency_ms(0.99),
            result.errors
        );
    }
    let (direct, public, auth) = (&results[0], &results[1], &results[2]);
    println!();
    println!(
        "token check vs plain proxy: {:.2} of the throughput (target >= 0.90), gateway CPU per request x{:.2}",
        auth.per_second() / public.per_second().max(1e-9),
        auth.gateway_cpu_us() / public.gateway_cpu_us().max(1e-9)
    );
    println!(
        "plain proxy vs direct: {:.2} of the throughput; token check vs direct: {:.2}",
        public.per_second() / direct.per_second().max(1e-9),
        auth.per_second() / direct.per_second().max(1e-9)
    );
    if let [.., apache_public, apache_auth] = &results[..]
        && results.len() == 5
    {
        println!(
            "apache mod_auth_openidc: token check {:.2} of its own plain proxy; latchkey's token check does {:.2}x apache's requests/s",
            apache_auth.per_second() / apache_public.per_second().max(1e-9),
            auth.per_second() / apache_auth.per_second().max(1e-9)
        );
    }
    println!(
        "The load generator shares the cores with the gateway and the upstream; under other load the ratios are noisy."
    );
}

/// A child process whose output goes to a log file; dropping it kills it.
struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    fn spawn(command: &mut Command, log: &Path) -> Process {
        let file = std::fs::File::create(log).expect("log file");
        let child = command
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .expect("start the latchkey binary");
        Process { child, log: log.to_owned() }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `path` until it answers 200, for at most 60 s.
fn wait_ready(port: u16, path: &str, process: &Process) {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(200)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
            let mut head = [0u8; 12];
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_exact(&mut head).is_ok()
                && head.starts_with(b"HTTP/1.1 200")
            {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let log = std::fs::read_to_string(&process.log).unwrap_or_default();
    eprintln!("{path} on port {port} never became ready; log:\n{log}");
    std::process::exit(1);
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

/// utime + stime of a process, in clock ticks.
fn process_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field =
        |index: usize| fields.get(index).and_then(|value| value.parse::<u64>().ok()).unwrap_or(0);
    // Fields 14 and 15 of stat(5), counted from the state (field 3) here.
    field(11) + field(12)
}

/// The upstream: axum on its own one-thread runtime, `ok` for every GET.
fn spawn_upstream() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind upstream");
    let address = listener.local_addr().expect("upstream address");
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("upstream runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("upstream listener");
            let app = axum::Router::new().fallback(|| async { "ok" });
            axum::serve(listener, app).await.expect("upstream");
        });
    });
    address
}

/// Apache httpd (event MPM) as a reverse proxy, `/operator/` behind mod_auth_openidc as
/// an OAuth 2.0 resource server verifying RS256 tokens with latchkey's certificate (its
/// JWKS `x5c`; the module fetches JWKS over HTTPS only) and `Require claim
/// realm_access.roles:operatorRole`, `/client/` open.
struct Apache {
    port: u16,
    config: PathBuf,
    process: Process,
}

impl Apache {
    fn start(root: &Path, upstream: SocketAddr, jwks: &serde_json::Value) -> Apache {
        if !Path::new(APACHE).is_file()
            || !Path::new(APACHE_MODULES).join("mod_auth_openidc.so").is_file()
        {
            eprintln!("--apache needs Debian's apache2 and libapache2-mod-auth-openidc installed");
            std::process::exit(2);
        }
        let dir = root.join("apache");
        std::fs::create_dir_all(&dir).expect("apache dir");
        let key = &jwks["keys"][0];
        let kid = key["kid"].as_str().expect("kid");
        let der = key["x5c"][0].as_str().expect("x5c");
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in der.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).expect("base64"));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        let certificate = dir.join("latchkey.pem");
        std::fs::write(&certificate, pem).expect("write certificate");
        let port = free_port();
        let modules = APACHE_MODULES;
        let config = dir.join("apache.conf");
        let text = format!(
            r#"ServerRoot {dir}
Listen 127.0.0.1:{port}
PidFile {dir}/apache.pid
ErrorLog {dir}/error.log
LogLevel warn
ServerName localhost
User www-data
Group www-data
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule authn_core_module {modules}/mod_authn_core.so
LoadModule proxy_module {modules}/mod_proxy.so
LoadModule proxy_http_module {modules}/mod_proxy_http.so
LoadModule auth_openidc_module {modules}/mod_auth_openidc.so
KeepAlive On
MaxKeepAliveRequests 0
OIDCCryptoPassphrase latchkey-bench
OIDCOAuthVerifyCertFiles {kid}#{certificate}
<Location /operator/>
  AuthType oauth20
  Require claim realm_access.roles:operatorRole
</Location>
<Location /client/>
  Require all granted
</Location>
ProxyPass / http://{upstream}/
"#,
            dir = dir.display(),
            certificate = certificate.display(),
        );
        std::fs::write(&config, text).expect("write apache config");
        let process = Process::spawn(
            Command::new(APACHE).arg("-f").arg(&config).arg("-DFOREGROUND"),
            &dir.join("stdout.log"),
        );
        wait_ready(port, "/client/devices", &process);
        Apache { port, config, process }
    }
}

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = Command::new(APACHE).arg("-f").arg(&self.config).args(["-k", "stop"]).status();
        let _ = self.process.child.wait();
    }
}
