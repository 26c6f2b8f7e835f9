//! A throw-away PostgreSQL for tests: one cluster per test process, made with `initdb`
//! in a temporary directory and started with `pg_ctl` on a free port of 127.0.0.1
//! (its unix socket in the same directory), and a fresh database for every test.
//!
//! The cluster is stopped and its directory deleted when the test process ends, however
//! it ends (tests failing, a panic, a kill): a watchdog started beside it, in a session
//! of its own, waits for the process to go and then runs `pg_ctl stop`.
//!
//! Without PostgreSQL's binaries the first test that asks for a database fails with a
//! message saying what to install: a suite that silently skipped would pass in CI with
//! nothing tested. They are looked for in `LATCHKEY_PG_BIN`, on `PATH`, then under
//! `/usr/lib/postgresql/<version>/bin` (Debian's `postgresql` package). As root (CI),
//! the server runs as the `postgres` user that package creates, since PostgreSQL
//! refuses to run as root.
//!
//! The cluster trades durability for speed (`fsync=off`): it lives as long as the test
//! process, and a crash of the machine loses nothing a test needs.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

/// The superuser's password on TCP (scram-sha-256, as a production server would ask).
const SUPERUSER_PASSWORD: &str = "latchkey-test-superuser";

/// A running test cluster.
#[derive(Debug)]
pub struct Cluster {
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// The temporary directory: `data/`, `server.log`, the unix socket.
    pub dir: PathBuf,
    /// Where `initdb`, `pg_ctl` and `postgres` are.
    pub bin_dir: PathBuf,
    /// Commits are flushed to disk (`Cluster::start_durable`), as in production.
    pub is_durable: bool,
}

/// A database of its own for one test.
#[derive(Clone, Debug)]
pub struct TestDatabase {
    pub name: String,
    /// `postgres://postgres:…@127.0.0.1:<port>/<name>`: the superuser, by password.
    pub url: String,
}

impl Cluster {
    /// `postgres://` URL of `database` for the superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{}/{database}", self.port)
    }

    /// The server's log, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// A cluster of its own (not the process's shared one), for a test that stops it;
    /// deleted when the process ends, like the shared one.
    pub fn start() -> Result<Cluster, String> {
        start_cluster(false)
    }

    /// A cluster of its own with PostgreSQL's durable defaults (`fsync`,
    /// `synchronous_commit`, full-page writes on), for benchmarks whose figures must
    /// include the cost of a commit.
    pub fn start_durable() -> Result<Cluster, String> {
        start_cluster(true)
    }

    /// Stops the server (`pg_ctl -m fast stop`: every connection cut at once). Not
    /// `immediate`: with the cluster's `synchronous_commit=off`, a crash may lose the
    /// last commits, which no test wants to see.
    pub fn stop(&self) -> Result<(), String> {
        let data = self.dir.join("data");
        run(
            is_root(),
            &self.bin_dir.join("pg_ctl"),
            &["-D".as_ref(), data.as_os_str(), "-m".as_ref(), "fast".as_ref(), "stop".as_ref()],
        )
    }

    /// Starts the stopped server again on the same port.
    pub fn restart(&self) -> Result<(), String> {
        pg_start(is_root(), &self.bin_dir, &self.dir, self.port, self.is_durable)
    }

    /// `CREATE ROLE … LOGIN PASSWORD …` and `CREATE DATABASE … OWNER …`, both new.
    pub async fn owned_database(&self) -> OwnedDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("app_{}_{n}_{}", std::process::id(), self.port);
        let user = format!("latchkey_{}_{n}_{}", std::process::id(), self.port);
        let password = format!("pw-{}-{n}-secret", std::process::id());
        let mut admin =
            sqlx::PgConnection::connect(&self.url("postgres")).await.unwrap_or_else(|error| {
                panic!("cannot reach the test cluster: {error}\n{}", self.log())
            });
        for statement in [
            format!("CREATE ROLE {user} LOGIN PASSWORD '{password}'"),
            format!("CREATE DATABASE {name} OWNER {user}"),
        ] {
            sqlx::query(&statement)
                .execute(&mut admin)
                .await
                .unwrap_or_else(|error| panic!("{statement}: {error}"));
        }
        let _ = admin.close().await;
        OwnedDatabase { name, user, password, port: self.port }
    }
}

/// The cluster of this test process, started on first use.
///
/// # Panics
/// When PostgreSQL's binaries are missing or the cluster does not start, with the reason.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(|| start_cluster(false)) {
        Ok(cluster) => cluster,
        Err(reason) => panic!("no PostgreSQL for the tests: {reason}"),
    }
}

/// Creates an empty database in the cluster (started if need be).
pub async fn fresh_database() -> TestDatabase {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let cluster = cluster();
    let name = format!("test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let mut admin =
        sqlx::PgConnection::connect(&cluster.url("postgres")).await.unwrap_or_else(|error| {
            panic!("cannot reach the test cluster: {error}\n{}", cluster.log())
        });
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|error| panic!("cannot create database {name}: {error}"));
    let _ = admin.close().await;
    TestDatabase { url: cluster.url(&name), name }
}

/// A database as an operator sets one up for latchkey: a login role with a password,
/// and a database that role owns.
#[derive(Clone, Debug)]
pub struct OwnedDatabase {
    pub name: String,
    pub user: String,
    pub password: String,
    /// The cluster's port on 127.0.0.1.
    pub port: u16,
}

impl OwnedDatabase {
    /// Keycloak's form of its URL, without credentials.
    pub fn jdbc_url(&self) -> String {
        format!("jdbc:postgresql://127.0.0.1:{}/{}", self.port, self.name)
    }
}

/// A database of the process's cluster as an operator sets one up for latchkey
/// ([`Cluster::owned_database`]).
pub async fn fresh_database_with_owner() -> OwnedDatabase {
    cluster().owned_database().await
}

fn start_cluster(is_durable: bool) -> Result<Cluster, String> {
    let bin_dir = find_bin_dir()?;
    let as_postgres = is_root();
    let dir = tempfile::Builder::new()
        .prefix("latchkey-pg-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?
        .keep();
    if as_postgres {
        let (uid, gid) = postgres_ids()?;
        std::os::unix::fs::chown(&dir, Some(uid), Some(gid))
            .map_err(|e| format!("chown {}: {e}", dir.display()))?;
    }
    let password_file = dir.join("password");
    std::fs::write(&password_file, SUPERUSER_PASSWORD)
        .map_err(|e| format!("password file: {e}"))?;
    if as_postgres {
        let (uid, gid) = postgres_ids()?;
        std::os::unix::fs::chown(&password_file, Some(uid), Some(gid))
            .map_err(|e| format!("chown password file: {e}"))?;
    }
    let data = dir.join("data");
    run(
        as_postgres,
        &bin_dir.join("initdb"),
        &[
            "-D".as_ref(),
            data.as_os_str(),
            "-U".as_ref(),
            "postgres".as_ref(),
            "--auth-local=trust".as_ref(),
            "--auth-host=scram-sha-256".as_ref(),
            format!("--pwfile={}", password_file.display()).as_ref(),
            "--no-locale".as_ref(),
            "--encoding=UTF8".as_ref(),
            "--no-sync".as_ref(),
        ],
    )?;
    let port = free_port()?;
    // The watchdog first, so that even a start that fails halfway is cleaned up.
    start_watchdog(as_postgres, &bin_dir, &dir)?;
    pg_start(as_postgres, &bin_dir, &dir, port, is_durable)?;
    Ok(Cluster { port, dir, bin_dir, is_durable })
}

/// `pg_ctl start` of the cluster in `dir` on `port`, waiting until it accepts connections.
fn pg_start(
    as_postgres: bool,
    bin_dir: &Path,
    dir: &Path,
    port: u16,
    is_durable: bool,
) -> Result<(), String> {
    let speed = if is_durable {
        ""
    } else {
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    };
    let server_options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400{speed}",
        dir.display()
    );
    let data = dir.join("data");
    let log = dir.join("server.log");
    run(
        as_postgres,
        &bin_dir.join("pg_ctl"),
        &[
            "-D".as_ref(),
            data.as_os_str(),
            "-l".as_ref(),
            log.as_os_str(),
            "-w".as_ref(),
            "-t".as_ref(),
            "60".as_ref(),
            "-o".as_ref(),
            server_options.as_ref(),
            "start".as_ref(),
        ],
    )
    .map_err(|e| format!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()))
}

/// `LATCHKEY_PG_BIN`, then `PATH`, then the newest `/usr/lib/postgresql/<version>/bin`.
fn find_bin_dir() -> Result<PathBuf, String> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = std::env::var_os("LATCHKEY_PG_BIN") {
        let dir = PathBuf::from(dir);
        return if has_tools(&dir) {
            Ok(dir)
        } else {
            Err(format!("LATCHKEY_PG_BIN={} has no initdb and pg_ctl", dir.display()))
        };
    }
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(dir) = on_path.into_iter().find(|dir| has_tools(dir)) {
        return Ok(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir).ok_or_else(|| {
        "PostgreSQL's initdb and pg_ctl were not found (LATCHKEY_PG_BIN, PATH, \
         /usr/lib/postgresql/*/bin): install Debian's `postgresql` package \
         (`bash scripts/test.sh` installs it when missing)"
            .to_owned()
    })
}

/// Runs a PostgreSQL tool, as the `postgres` user when the tests run as root.
fn run(as_postgres: bool, program: &Path, args: &[&std::ffi::OsStr]) -> Result<(), String> {
    let mut command = tool(as_postgres, program);
    command.args(args).stdin(Stdio::null());
    let output = command.output().map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{} failed ({}):\n{}{}",
        program.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

fn tool(as_postgres: bool, program: &Path) -> Command {
    if as_postgres {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

/// A shell in a session of its own (so that a Ctrl-C of the tests does not reach it)
/// that stops the cluster and deletes its directory once this process has gone.
fn start_watchdog(as_postgres: bool, bin_dir: &Path, dir: &Path) -> Result<(), String> {
    let stop = format!(
        "{}'{}' -D '{}' -m immediate stop",
        if as_postgres { "runuser -u postgres -- " } else { "" },
        bin_dir.join("pg_ctl").display(),
        dir.join("data").display()
    );
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop}; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display()
    );
    Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| format!("cannot start the cluster's watchdog: {e}"))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("free port: {e}"))?;
    listener.local_addr().map(|address| address.port()).map_err(|e| format!("free port: {e}"))
}

fn is_root() -> bool {
    id(&["-u"]).is_ok_and(|uid| uid == 0)
}

fn postgres_ids() -> Result<(u32, u32), String> {
    let uid = id(&["-u", "postgres"])
        .map_err(|e| format!("running as root needs the `postgres` user: {e}"))?;
    let gid = id(&["-g", "postgres"])?;
    Ok((uid, gid))
}

fn id(args: &[&str]) -> Result<u32, String> {
    let output = Command::new("id").args(args).output().map_err(|e| format!("id: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| format!("id {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr)))
}
