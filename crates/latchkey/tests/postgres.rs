//! The binary on PostgreSQL, as an operator runs it: Keycloak's `--db` options from
//! flags, environment and config file, three instances started at once on an empty
//! database, `import` and `export`, and what a wrong URL, a refused password or an
//! unreachable server looks like. Each test has a fresh database (and role) of the test
//! process's throw-away cluster (`latchkey_testkit::postgres`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use latchkey_testkit::postgres::{OwnedDatabase, fresh_database_with_owner};

const BIN: &str = env!("CARGO_BIN_EXE_latchkey");

fn nagra_realm_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/nagra-realm.json")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running server and every line it logged until it listened.
struct Running {
    child: Child,
    log: Vec<String>,
    port: u16,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `start-dev` on a free port with an import directory holding the example realm,
/// and waits (at most 60 s) for its "listening on" line.
fn start_dev(args: &[&str], envs: &[(&str, &str)], work: &Path) -> Running {
    let import = work.join("import");
    std::fs::create_dir_all(&import).unwrap();
    std::fs::copy(nagra_realm_file(), import.join("nagra-realm.json")).unwrap();
    let port = free_port();
    let mut command = Command::new(BIN);
    command
        .arg("start-dev")
        .args(args)
        .args(["--http-port", &port.to_string(), "--import-realm", "--import-dir"])
        .arg(&import)
        .env("LATCHKEY_BOOTSTRAP_ADMIN_USERNAME", "admin")
        .env("LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD", "admin")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut log = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match received.recv_timeout(left) {
            Ok(line) => {
                let is_listening = line.contains("listening on");
                log.push(line);
                if is_listening {
                    break;
                }
            }
            Err(_) => {
                let _ = child.kill();
                let output = child.wait_with_output().unwrap();
                panic!(
                    "latchkey exited, or did not listen within 60 s:\n{}\n{}",
                    log.join("\n"),
                    String::from_utf8_lossy(&output.stderr)
                );
            }
        }
    }
    // Keep reading, so the server never blocks on a full pipe.
    std::thread::spawn(move || while received.recv().is_ok() {});
    Running { child, log, port }
}

/// The seed's password grant on an instance: the status.
async fn seed_login(port: u16) -> u16 {
    let url =
        format!("http://127.0.0.1:{port}/keycloak/auth/realms/nagra/protocol/openid-connect/token");
    reqwest::Client::new()
        .post(url)
        .form(&[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "crm_client"),
        ])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn flags(database: &OwnedDatabase) -> Vec<String> {
    vec![
        "--db".into(),
        "postgres".into(),
        "--db-url".into(),
        database.jdbc_url(),
        "--db-username".into(),
        database.user.clone(),
        "--db-password".into(),
        database.password.clone(),
    ]
}

fn strs(strings: &[String]) -> Vec<&str> {
    strings.iter().map(String::as_str).collect()
}

#[tokio::test]
async fn starts_on_postgres_from_flags_environment_or_config_file_and_keeps_its_data() {
    let database = fresh_database_with_owner().await;
    let work = tempfile::tempdir().unwrap();

    let first = start_dev(&strs(&flags(&database)), &[], work.path());
    assert_eq!(seed_login(first.port).await, 200);
    assert!(first.log.iter().any(|line| line.contains("realm imported")), "{:?}", first.log);
    assert!(
        first.log.iter().all(|line| !line.contains(&database.password)),
        "the password is never logged"
    );
    drop(first);

    // Keycloak's variables, with LATCHKEY_ for KC_, and the credentials in the URL.
    let url = format!(
        "postgresql://{}:{}@127.0.0.1:{}/{}",
        database.user, database.password, database.port, database.name
    );
    let second =
        start_dev(&[], &[("LATCHKEY_DB", "postgres"), ("LATCHKEY_DB_URL", &url)], work.path());
    assert_eq!(seed_login(second.port).await, 200, "the realm is still there");
    assert!(second.log.iter().any(|line| line.contains("realm exists, import skipped")));
    drop(second);

    let config = work.path().join("latchkey.toml");
    std::fs::write(
        &config,
        format!(
            "db = \"postgres\"\ndb-url = \"{}\"\ndb-username = \"{}\"\ndb-password = \"{}\"\n\
             db-pool-max-size = 4\ndb-connect-timeout = \"5s\"\n",
            database.jdbc_url(),
            database.user,
            database.password
        ),
    )
    .unwrap();
    let third = start_dev(&["--config-file", config.to_str().unwrap()], &[], work.path());
    assert_eq!(seed_login(third.port).await, 200);
}

/// Three instances started at the same moment on an empty database: all three start,
/// and the realm is imported by exactly one of them (the others find it there).
#[tokio::test]
async fn three_instances_started_at_once_on_an_empty_database_import_the_realm_once() {
    let database = fresh_database_with_owner().await;
    let args = flags(&database);
    let works: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let starting: Vec<_> = works
        .iter()
        .map(|work| {
            let args = args.clone();
            let work = work.path().to_owned();
            std::thread::spawn(move || start_dev(&strs(&args), &[], &work))
        })
        .collect();
    let instances: Vec<Running> = starting.into_iter().map(|t| t.join().unwrap()).collect();
    let imported = instances
        .iter()
        .flat_map(|instance| &instance.log)
        .filter(|line| line.contains("realm imported") && line.contains("nagra"))
        .count();
    let skipped = instances
        .iter()
        .flat_map(|instance| &instance.log)
        .filter(|line| line.contains("realm exists, import skipped") && line.contains("nagra"))
        .count();
    assert_eq!((imported, skipped), (1, 2));
    for instance in &instances {
        assert_eq!(seed_login(instance.port).await, 200);
    }
}

#[tokio::test]
async fn import_and_export_work_on_postgres() {
    let database = fresh_database_with_owner().await;
    let work = tempfile::tempdir().unwrap();
    let args = flags(&database);
    let file = nagra_realm_file();
    let output = Command::new(BIN)
        .arg("import")
        .args(strs(&args))
        .args(["--file", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let exported = work.path().join("out.json");
    let output = Command::new(BIN)
        .arg("export")
        .args(strs(&args))
        .args(["--realm", "nagra", "--file", exported.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let realm: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    assert_eq!(realm["realm"], "nagra");
    let user = realm["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "crm_client_user")
        .unwrap();
    assert_eq!(user["realmRoles"], serde_json::json!(["operatorRole"]));
    // A server on that database serves the imported realm.
    let server = start_dev(&strs(&args), &[], work.path());
    assert_eq!(seed_login(server.port).await, 200);
}

/// Runs `start-dev` expecting it to fail: its stderr, and how long it took.
fn failing_start(args: &[&str]) -> (String, Duration) {
    let work = tempfile::tempdir().unwrap();
    let began = Instant::now();
    let output = Command::new(BIN)
        .arg("start-dev")
        .args(args)
        .args(["--http-port", &free_port().to_string(), "--data-dir"])
        .arg(work.path())
        .output()
        .unwrap();
    let took = began.elapsed();
    assert!(!output.status.success(), "latchkey started with {args:?}");
    assert_eq!(output.status.code(), Some(1), "an exit, not a crash");
    (String::from_utf8_lossy(&output.stderr).into_owned(), took)
}

/// One line on stderr, naming the problem, without the password.
#[track_caller]
fn check_one_line(stderr: &str, says: &str, password: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|line| !line.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].starts_with("latchkey: ") && lines[0].contains(says), "{stderr}");
    assert!(!stderr.contains(password), "the password shows: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test]
async fn a_wrong_url_a_refused_password_or_an_unreachable_server_is_one_line_and_an_exit() {
    let database = fresh_database_with_owner().await;
    let password = "not-the-password-4711";

    let (stderr, _) = failing_start(&[
        "--db",
        "postgres",
        "--db-url",
        &format!("mysql://app:{password}@127.0.0.1/latchkey"),
    ]);
    check_one_line(&stderr, "invalid PostgreSQL URL", password);

    let wrong_password = format!(
        "postgres://{}:{password}@127.0.0.1:{}/{}",
        database.user, database.port, database.name
    );
    let (stderr, _) = failing_start(&["--db", "postgres", "--db-url", &wrong_password]);
    check_one_line(&stderr, "password authentication failed", password);
    assert!(stderr.contains(&database.user), "it says who could not sign in: {stderr}");

    let nobody_listens = format!("jdbc:postgresql://127.0.0.1:{}/latchkey", free_port());
    let (stderr, took) = failing_start(&[
        "--db",
        "postgres",
        "--db-url",
        &nobody_listens,
        "--db-password",
        password,
    ]);
    check_one_line(&stderr, "Connection refused", password);
    assert!(took < Duration::from_secs(10), "{took:?}");

    // A server that accepts the connection and never answers: the connect timeout ends it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("jdbc:postgresql://{}/latchkey", silent.local_addr().unwrap());
    let held = std::thread::spawn(move || silent.accept().map(|(socket, _)| socket));
    let (stderr, took) = failing_start(&[
        "--db",
        "postgres",
        "--db-url",
        &silent_url,
        "--db-password",
        password,
        "--db-connect-timeout",
        "2s",
    ]);
    check_one_line(&stderr, "no answer within 2 s", password);
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(10), "{took:?}");
    drop(held.join().unwrap());
}
