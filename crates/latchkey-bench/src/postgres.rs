//! `latchkey-bench --db postgres`: the token grants on PostgreSQL, one instance and two
//! instances on one database, after the SQLite run and beside its ceilings. It starts its
//! own throw-away PostgreSQL (`latchkey_testkit::postgres::Cluster::start_durable`:
//! `initdb` in a temporary directory, a free port of 127.0.0.1, PostgreSQL's durable
//! defaults, so a commit costs what it costs in production), and reads the database's own
//! counters (`pg_stat_database`, the WAL position) around the refresh phase: transactions,
//! row writes and WAL bytes per refresh (database round trips are not counted: that
//! needs `pg_stat_statements` preloaded). The time a logout or a realm change takes to
//! reach another instance is `latchkey-cluster-bench`'s.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use latchkey_testkit::postgres::{Cluster, OwnedDatabase};

use crate::load::{Grant, Load, PhaseResult, Stop};
use crate::server::{self, RELATIVE_PATH, ServerConfig};

/// What the PostgreSQL run is compared with: the SQLite run's rates and the ceilings.
pub(crate) struct Baseline {
    pub(crate) cores: usize,
    pub(crate) sqlite_refresh: f64,
    pub(crate) sqlite_password: f64,
    pub(crate) sqlite_service: f64,
    pub(crate) signatures: f64,
    pub(crate) argon2: f64,
}

/// Longer than PostgreSQL's delay before an idle backend reports its statistics.
const STATS_DELAY: Duration = Duration::from_secs(11);

/// The database's counters at one moment.
#[derive(Clone, Copy, Debug, Default)]
struct DatabaseCounters {
    transactions: f64,
    row_writes: f64,
    wal_bytes: f64,
}

fn read_counters(cluster: &Cluster, database: &OwnedDatabase) -> DatabaseCounters {
    // A backend that goes idle reports its statistics after 10 s (PostgreSQL 15's
    // `PGSTAT_IDLE_INTERVAL`); the WAL position is exact at once.
    std::thread::sleep(STATS_DELAY);
    let sql = format!(
        "SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted, \
         pg_current_wal_lsn() - '0/0'::pg_lsn FROM pg_stat_database WHERE datname = '{}'",
        database.name
    );
    // Beside `initdb`, or on `PATH` (Debian links the client alone into /usr/bin).
    let psql = cluster.bin_dir.join("psql");
    let psql = if psql.is_file() { psql } else { PathBuf::from("psql") };
    let output = Command::new(psql)
        .arg(cluster.url(&database.name))
        .args(["-At", "-F", " ", "-c", &sql])
        .output()
        .expect("psql");
    let text = String::from_utf8_lossy(&output.stdout);
    let numbers: Vec<f64> = text.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    let Ok([transactions, row_writes, wal_bytes]) = <[f64; 3]>::try_from(numbers) else {
        eprintln!("pg_stat_database: {text} {}", String::from_utf8_lossy(&output.stderr));
        std::process::exit(2);
    };
    DatabaseCounters { transactions, row_writes, wal_bytes }
}

/// The grants' rates over `loads` at once (each with `concurrency / loads.len()` workers).
async fn phase(loads: &[Arc<Load>], grant: Grant, concurrency: usize, duration: Duration) -> f64 {
    let each = (concurrency / loads.len()).max(1);
    let stop = Stop { deadline: duration, target: None };
    let runs = loads.iter().map(|load| {
        let load = Arc::clone(load);
        tokio::spawn(async move { load.run(grant, each, stop, None).await })
    });
    let mut per_second = 0.0;
    for run in runs.collect::<Vec<_>>() {
        let result: PhaseResult = run.await.expect("load task");
        if result.error_count() > 0 {
            eprintln!("  {grant:?}: {} failed: {:?}", result.error_count(), result.samples);
        }
        per_second += result.per_second();
    }
    per_second
}

struct Figures {
    refresh: f64,
    password: f64,
    service: f64,
    per_refresh: DatabaseCounters,
}

fn measure(
    runtime: &tokio::runtime::Runtime,
    ports: &[u16],
    cluster: &Cluster,
    database: &OwnedDatabase,
    concurrency: usize,
    duration: Duration,
) -> Figures {
    let loads: Vec<Arc<Load>> =
        ports.iter().map(|port| Arc::new(Load::new(*port, RELATIVE_PATH))).collect();
    // The background first (the change feed's polls, the jobs), over a window as long as
    // the refresh phase's, to subtract from it.
    let idle = read_counters(cluster, database);
    std::thread::sleep(duration);
    let before = read_counters(cluster, database);
    let refresh = runtime.block_on(phase(&loads, Grant::Refresh, concurrency, duration));
    let after = read_counters(cluster, database);
    // The logins that start the refresh workers are a handful beside the refreshes.
    let refreshes = (refresh * duration.as_secs_f64()).max(1.0);
    let delta = |pick: fn(&DatabaseCounters) -> f64| {
        ((pick(&after) - pick(&before)) - (pick(&before) - pick(&idle))) / refreshes
    };
    let per_refresh = DatabaseCounters {
        transactions: delta(|c| c.transactions),
        row_writes: delta(|c| c.row_writes),
        wal_bytes: delta(|c| c.wal_bytes),
    };
    let service = runtime.block_on(phase(&loads, Grant::ServiceToken, concurrency, duration));
    let password = runtime.block_on(phase(&loads, Grant::Password, concurrency, duration));
    Figures { refresh, password, service, per_refresh }
}

/// Runs the PostgreSQL phases and prints them.
pub(crate) fn run(
    bin: &Path,
    root: &Path,
    import_dir: PathBuf,
    concurrency: usize,
    duration: Duration,
    baseline: &Baseline,
) {
    eprintln!("postgres: a throw-away durable cluster (initdb, pg_ctl)");
    let cluster = Cluster::start_durable().expect("a PostgreSQL cluster");
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime");
    let database = runtime.block_on(cluster.owned_database());
    let instance = |n: usize| {
        let data_dir = root.join(format!("pg-instance-{n}"));
        std::fs::create_dir_all(&data_dir).expect("instance dir");
        let config = ServerConfig {
            bin: bin.to_path_buf(),
            data_dir: data_dir.clone(),
            import_dir: import_dir.clone(),
            log_file: root.join(format!("pg-instance-{n}.log")),
            extra_args: vec![
                "--db".into(),
                "postgres".into(),
                "--db-url".into(),
                database.jdbc_url(),
                "--db-username".into(),
                database.user.clone(),
                "--db-password".into(),
                database.password.clone(),
            ],
        };
        config.start(server::free_port()).expect("a latchkey instance on PostgreSQL")
    };
    let first = instance(1);
    eprintln!("postgres: one instance");
    let one = measure(&runtime, &[first.server.port], &cluster, &database, concurrency, duration);
    let second = instance(2);
    eprintln!("postgres: two instances, the load split between them");
    let ports = [first.server.port, second.server.port];
    let two = measure(&runtime, &ports, &cluster, &database, concurrency, duration);
    drop(second);
    drop(first);
    let _ = cluster.stop();
    print(baseline, &one, &two);
}

fn print(baseline: &Baseline, one: &Figures, two: &Figures) {
    let cores = baseline.cores as f64;
    println!();
    println!("PostgreSQL (durable: fsync and synchronous_commit on), same machine and run");
    println!(
        "  {:<28} {:>12} {:>12} {:>12} {:>16}",
        "grants per second", "SQLite", "PG, 1 inst.", "PG, 2 inst.", "ceiling"
    );
    let row = |name: &str, sqlite: f64, one: f64, two: f64, ceiling: String| {
        println!("  {name:<28} {sqlite:>12.0} {one:>12.0} {two:>12.0} {ceiling:>16}");
    };
    row(
        "refresh_token",
        baseline.sqlite_refresh,
        one.refresh,
        two.refresh,
        format!("{:.0} sig/s", baseline.signatures),
    );
    row(
        "password",
        baseline.sqlite_password,
        one.password,
        two.password,
        format!("{:.0} argon2/s", baseline.argon2),
    );
    row(
        "client_credentials (no RT)",
        baseline.sqlite_service,
        one.service,
        two.service,
        format!("{:.0} sig/s", baseline.signatures),
    );
    println!(
        "  per refresh, from pg_stat_database and the WAL position (an idle window of the \
         same length subtracted; the logins that start the refresh workers included):"
    );
    for (name, figures) in [("1 instance", one), ("2 instances", two)] {
        let per = &figures.per_refresh;
        println!(
            "    {name:<12} {:.3} transactions, {:.3} row writes, {:.0} WAL bytes",
            per.transactions, per.row_writes, per.wal_bytes
        );
    }
    println!(
        "  Keycloak's published sizing: 120 refreshes/s and 15 password logins/s per vCPU, \
         1400 write IOPS per 100 requests/s (14 per request)"
    );
    println!(
        "  latchkey on {cores:.0} cores (server, PostgreSQL and load generator together): \
         {:.0} refreshes/s and {:.1} logins/s per vCPU on one instance ({:.1}x and {:.1}x \
         Keycloak's), {:.3} transactions per refresh (each commit at most one WAL flush) \
         against Keycloak's 14 writes",
        one.refresh / cores,
        one.password / cores,
        one.refresh / cores / 120.0,
        one.password / cores / 15.0,
        one.per_refresh.transactions
    );
}
