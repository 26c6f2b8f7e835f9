//! latchkey-bench: starts the real `latchkey` binary and measures, in one run on
//! the same cores, the ceilings (signatures of the token algorithm, argon2id hashes,
//! the same HTTP stack answering a trivial POST), startup time, resident memory,
//! session creation and token-endpoint throughput.
//! A measuring tool, not a test: nothing here asserts on timings.
//!
//! See `README.md` in this crate for what each figure means.

// A benchmark binary, not library or server code: it prints its report on stdout,
// and aborting with a message on an impossible setup failure (no key generation,
// no HTTP client, a worker task panicking) is the right behaviour for a tool.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

mod ceilings;
mod cpu;
mod http;
mod load;
mod postgres;
mod report;
mod server;
mod trivial;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::cpu::CpuSnapshot;
use crate::load::{Grant, Load, Stop};
use crate::report::{Report, ServerLogSummary};
use crate::server::{ServerConfig, Started};
use crate::trivial::TrivialServer;
use latchkey_core::token::algorithm::Algorithm;

#[derive(Debug, Parser)]
#[command(
    name = "latchkey-bench",
    about = "Benchmark the real latchkey server: startup, memory, token throughput vs CPU ceilings"
)]
struct Cli {
    /// Seconds per throughput phase (refresh, password). Default 10, or 3 with --quick.
    #[arg(long)]
    duration: Option<f64>,
    /// Concurrent requests (keep-alive connections) in the load phases.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Sessions to create (client_credentials grants) before measuring memory.
    /// Default 100000, or 2000 with --quick.
    #[arg(long)]
    sessions: Option<u64>,
    /// Longest time, in seconds, spent creating sessions.
    #[arg(long, default_value_t = 900.0)]
    sessions_timeout: f64,
    /// The latchkey binary. Default: target/release/latchkey in the workspace.
    #[arg(long)]
    bin: Option<PathBuf>,
    /// Threads for the CPU ceilings. Default: one per core.
    #[arg(long)]
    threads: Option<usize>,
    /// Seconds of RSA signing for the ceiling. Default 3, or 1 with --quick.
    #[arg(long)]
    rsa_seconds: Option<f64>,
    /// Seconds of argon2id hashing for the ceiling. Default 5, or 2 with --quick.
    #[arg(long)]
    argon2_seconds: Option<f64>,
    /// A smoke run: short phases and 2000 sessions.
    #[arg(long)]
    quick: bool,
    /// The algorithm access tokens are signed with (the bench realm's
    /// `defaultSignatureAlgorithm`): RS256, PS256, ES256, EdDSA, ...
    #[arg(long, default_value = "RS256", value_parser = parse_algorithm)]
    alg: Algorithm,
    /// Record login events in the bench realm (`eventsEnabled`, with `LOGIN`,
    /// `REFRESH_TOKEN`, `CLIENT_LOGIN` and their errors stored): what events cost a grant.
    #[arg(long)]
    events: bool,
    /// `postgres`: after the SQLite run, the token grants on a throw-away PostgreSQL
    /// (started here) with one and with two instances, beside the same ceilings.
    #[arg(long, default_value = "sqlite", value_parser = ["sqlite", "postgres"])]
    db: String,
    /// Internal: serve the trivial HTTP ceiling on this path (the bench starts itself
    /// with it as a second process).
    #[arg(long, hide = true)]
    serve_trivial: Option<String>,
}

fn parse_algorithm(name: &str) -> Result<Algorithm, String> {
    Algorithm::parse(name).ok_or_else(|| format!("unknown algorithm `{name}`"))
}

fn default_bin() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.canonicalize().unwrap_or(root);
    root.join("target/release/latchkey")
}

fn seconds(value: f64) -> Duration {
    Duration::from_secs_f64(value.max(0.0))
}

fn main() {
    let cli = Cli::parse();
    if let Some(path) = &cli.serve_trivial {
        trivial::serve(path);
        return;
    }
    let algorithm = cli.alg;
    let quick = cli.quick;
    let duration = seconds(cli.duration.unwrap_or(if quick { 3.0 } else { 10.0 }));
    let sessions = cli.sessions.unwrap_or(if quick { 2000 } else { 100_000 });
    let rsa_seconds = seconds(cli.rsa_seconds.unwrap_or(if quick { 1.0 } else { 3.0 }));
    let argon2_seconds = seconds(cli.argon2_seconds.unwrap_or(if quick { 2.0 } else { 5.0 }));
    let concurrency = cli.concurrency.max(1);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let threads = cli.threads.unwrap_or(cores).max(1);
    let bin = cli.bin.unwrap_or_else(default_bin);
    if !bin.is_file() {
        eprintln!(
            "no latchkey binary at {}; build it with `cargo build --release -p latchkey` or pass --bin",
            bin.display()
        );
        std::process::exit(2);
    }

    // 1. Ceilings, before the server runs, on the same cores.
    eprintln!(
        "ceiling: {} signatures, {threads} threads, {rsa_seconds:?}",
        ceilings::signature_name(algorithm)
    );
    let signatures = ceilings::signatures(algorithm, threads, rsa_seconds);
    eprintln!("ceiling: argon2id hashes, {threads} threads, {argon2_seconds:?}");
    let argon2 = ceilings::argon2_hashes(threads, argon2_seconds);

    // 2. Startup: a fresh database, then a restart on the same data directory.
    let root = tempfile::Builder::new().prefix("latchkey-bench-").tempdir().expect("temp dir");
    let data_dir = root.path().join("data");
    let import_dir = root.path().join("import");
    std::fs::create_dir_all(&data_dir).expect("create the data dir");
    std::fs::create_dir_all(&import_dir).expect("create the import dir");
    std::fs::write(
        import_dir.join("bench-realm.json"),
        load::realm_json(algorithm, cli.events).to_string(),
    )
    .expect("write the bench realm file");
    let config = ServerConfig {
        bin: bin.clone(),
        data_dir: data_dir.clone(),
        import_dir,
        log_file: root.path().join("server.log"),
        extra_args: Vec::new(),
    };
    eprintln!("startup: first start (fresh database) of {}", bin.display());
    let Started { server: mut first, ready_after: first_start, .. } =
        config.start(server::free_port()).expect("first start");
    let first_memory = first.memory_kib();
    let first_stop = first.stop();
    drop(first);
    eprintln!("startup: restart on the same data directory");
    let Started { server, ready_after: restart, probes: restart_probes } =
        config.start(server::free_port()).expect("restart");
    std::thread::sleep(Duration::from_millis(500));
    let idle_memory = server.memory_kib();

    // 3-4. Sessions and throughput over HTTP, from a one-thread runtime.
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let load = Arc::new(Load::new(server.port, server::RELATIVE_PATH));
    let measure = |label: &str, grant: Grant, stop: Stop, progress: bool| {
        eprintln!("{label}");
        let before = CpuSnapshot::now(Some(server.pid));
        let result =
            runtime.block_on(load.run(grant, concurrency, stop, progress.then_some(label)));
        let cpu = CpuSnapshot::now(Some(server.pid)).since(&before);
        (result, cpu)
    };
    let (sessions_result, sessions_cpu) = measure(
        "sessions: client_credentials grants",
        Grant::ClientCredentials,
        Stop { deadline: seconds(cli.sessions_timeout), target: Some(sessions) },
        true,
    );
    std::thread::sleep(Duration::from_millis(500));
    let sessions_memory = server.memory_kib();
    let (refresh_result, refresh_cpu) = measure(
        "throughput: refresh grants",
        Grant::Refresh,
        Stop { deadline: duration, target: None },
        false,
    );
    let refresh_memory = server.memory_kib();
    let (service_result, service_cpu) = measure(
        "throughput: client_credentials grants (no refresh token)",
        Grant::ServiceToken,
        Stop { deadline: duration, target: None },
        false,
    );
    // The HTTP ceiling: the same form (a refresh request with a real refresh token) on
    // the same kind of connections to the trivial server, while latchkey sits idle.
    let (trivial_body, signed_with) =
        runtime.block_on(load.sample()).expect("a password grant and a refresh for a sample");
    let trivial_server = TrivialServer::start(&load::token_path(server::RELATIVE_PATH));
    let trivial_load =
        Arc::new(Load::trivial(trivial_server.port, server::RELATIVE_PATH, trivial_body));
    eprintln!("ceiling: the same HTTP stack answering a trivial POST");
    let before = CpuSnapshot::now(Some(trivial_server.pid));
    let trivial_result = runtime.block_on(trivial_load.run(
        Grant::Trivial,
        concurrency,
        Stop { deadline: duration, target: None },
        None,
    ));
    let trivial_cpu = CpuSnapshot::now(Some(trivial_server.pid)).since(&before);
    drop(trivial_load);
    drop(trivial_server);
    let (password_result, password_cpu) = measure(
        "throughput: password grants",
        Grant::Password,
        Stop { deadline: duration, target: None },
        false,
    );
    let end_memory = server.memory_kib();
    let database_bytes = server::dir_size(&data_dir);
    drop(load);
    drop(runtime);
    let mut server = server;
    let final_stop = server.stop();
    drop(server);
    let log = ServerLogSummary::read(&config.log_file);

    let baseline = postgres::Baseline {
        cores,
        sqlite_refresh: refresh_result.per_second(),
        sqlite_password: password_result.per_second(),
        sqlite_service: service_result.per_second(),
        signatures: signatures.per_second,
        argon2: argon2.per_second,
    };
    let report = Report {
        cores,
        concurrency,
        duration,
        sessions_target: sessions,
        algorithm,
        signed_with,
        signatures,
        argon2,
        trivial: trivial_result,
        trivial_cpu,
        service: service_result,
        service_cpu,
        first_start,
        restart,
        restart_probes,
        first_stop,
        final_stop,
        first_memory,
        idle_memory,
        sessions_memory,
        refresh_memory,
        end_memory,
        database_bytes,
        sessions: sessions_result,
        sessions_cpu,
        refresh: refresh_result,
        refresh_cpu,
        password: password_result,
        password_cpu,
        log,
    };
    report.print();
    if cli.db == "postgres" {
        let import_dir = root.path().join("import");
        postgres::run(&bin, root.path(), import_dir, concurrency, duration, &baseline);
    }
}
