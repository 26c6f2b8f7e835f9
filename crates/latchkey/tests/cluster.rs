//! Three latchkey processes on one PostgreSQL database, used as one service (issue 10):
//! a session refreshed on one instance and ended on another, refresh-token reuse across
//! instances, Admin API changes on one instance reaching the others within a second,
//! brute-force failures counted across instances, a gateway following one instance's
//! revocation stream hearing of a session ended on another, and the same feed with
//! polling only on a database at SERIALIZABLE isolation (what CockroachDB and YugabyteDB
//! give), and readiness (`/health/ready` on the main port and the management interface)
//! turning 503 while an instance's change feed is blocked or its PostgreSQL is down,
//! with the metrics showing why. Every wait is bounded; every instance is a real `latchkey start-dev` process
//! of the test process's throw-away PostgreSQL cluster (`latchkey_testkit::postgres`).
//!
//! All three instances get one `--hostname` (instance B's address), as instances behind
//! one load balancer get the balancer's: tokens from any of them name one issuer.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use latchkey_testkit::postgres::{OwnedDatabase, fresh_database_with_owner};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_latchkey");

/// What issue 10 promises: a change on one instance applies to the next request on the
/// others within this.
const WITHIN: Duration = Duration::from_secs(1);

fn nagra_realm_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/nagra-realm.json")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running instance; killed when dropped.
struct Instance {
    child: Child,
    port: u16,
    _work: tempfile::TempDir,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    fn base(&self) -> String {
        format!("http://127.0.0.1:{}/keycloak/auth", self.port)
    }

    fn token_url(&self) -> String {
        format!("{}/realms/nagra/protocol/openid-connect/token", self.base())
    }
}

/// How the instances reach the database.
#[derive(Clone, Copy)]
struct Mode {
    notify: bool,
    serializable: bool,
}

/// Starts `start-dev` on `port` with the example realm to import, and waits (at most
/// 60 s) for its "listening on" line.
fn start(database: &OwnedDatabase, mode: Mode, port: u16, hostname: &str) -> Instance {
    start_with(database, mode, port, hostname, &[])
}

/// `start` with more flags.
fn start_with(
    database: &OwnedDatabase,
    mode: Mode,
    port: u16,
    hostname: &str,
    flags: &[&str],
) -> Instance {
    let work = tempfile::tempdir().unwrap();
    let import = work.path().join("import");
    std::fs::create_dir_all(&import).unwrap();
    std::fs::copy(nagra_realm_file(), import.join("nagra-realm.json")).unwrap();
    let mut child = Command::new(BIN)
        .arg("start-dev")
        .args(["--db", "postgres", "--db-url", &database.jdbc_url()])
        .args(["--db-username", &database.user, "--db-password", &database.password])
        .args(["--db-notify", if mode.notify { "true" } else { "false" }])
        .args(["--http-port", &port.to_string(), "--hostname", hostname])
        .args(["--import-realm", "--import-dir"])
        .arg(&import)
        .args(flags)
        .env("LATCHKEY_BOOTSTRAP_ADMIN_USERNAME", "admin")
        .env("LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD", "admin")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
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
        match received.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) if line.contains("listening on http") && !line.contains("management") => {
                break;
            }
            Ok(line) => log.push(line),
            Err(_) => {
                let _ = child.kill();
                panic!("latchkey did not listen within 60 s:\n{}", log.join("\n"));
            }
        }
    }
    std::thread::spawn(move || while received.recv().is_ok() {});
    Instance { child, port, _work: work }
}

/// A fresh database for a cluster, at SERIALIZABLE isolation if `mode` says so.
async fn cluster_database(mode: Mode) -> OwnedDatabase {
    let database = fresh_database_with_owner().await;
    if mode.serializable {
        let cluster = latchkey_testkit::postgres::cluster();
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&cluster.url("postgres"))
            .await
            .unwrap();
        sqlx::query(&format!(
            "ALTER DATABASE \"{}\" SET default_transaction_isolation = 'serializable'",
            database.name
        ))
        .execute(&mut admin)
        .await
        .unwrap();
    }
    database
}

/// The `--hostname` of every instance: instance B's address.
fn cluster_hostname(ports: &[u16; 3]) -> String {
    format!("http://127.0.0.1:{}/keycloak/auth", ports[1])
}

/// Three instances on `database`, started at once: A, B and C.
fn start_three(database: &OwnedDatabase, mode: Mode) -> [Instance; 3] {
    let ports = [free_port(), free_port(), free_port()];
    let hostname = cluster_hostname(&ports);
    let database = Arc::new(database.clone());
    let starting: Vec<_> = ports
        .into_iter()
        .map(|port| {
            let (database, hostname) = (Arc::clone(&database), hostname.clone());
            std::thread::spawn(move || start(&database, mode, port, &hostname))
        })
        .collect();
    let mut started = starting.into_iter().map(|thread| thread.join().unwrap());
    [started.next().unwrap(), started.next().unwrap(), started.next().unwrap()]
}

/// Three instances on a fresh database.
async fn three_instances(mode: Mode) -> [Instance; 3] {
    start_three(&cluster_database(mode).await, mode)
}

/// A token endpoint's answer: status and JSON body.
async fn post_form(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = reqwest::Client::new().post(url).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn login(instance: &Instance, password: &str) -> (u16, Value) {
    post_form(
        &instance.token_url(),
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", password),
            ("client_id", "crm_client"),
        ],
    )
    .await
}

async fn refresh(instance: &Instance, refresh_token: &str) -> (u16, Value) {
    post_form(
        &instance.token_url(),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", "crm_client"),
        ],
    )
    .await
}

fn field(body: &Value, name: &str) -> String {
    body[name].as_str().unwrap_or_else(|| panic!("no {name} in {body}")).to_owned()
}

/// The claims of a JWT, unverified (the tests check what a client reads).
fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap(),
    )
    .unwrap()
}

fn header(jwt: &str) -> Value {
    let header = jwt.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header).unwrap(),
    )
    .unwrap()
}

/// Calls `attempt` until it returns `Some`, for at most `WITHIN` after `since`; panics
/// with the last answer otherwise.
async fn within<T>(
    what: &str,
    since: Instant,
    mut attempt: impl AsyncFnMut() -> Result<T, String>,
) -> T {
    loop {
        match attempt().await {
            Ok(value) => return value,
            Err(last) if since.elapsed() > WITHIN => {
                panic!("{what}: not within {WITHIN:?}; last answer: {last}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// The Admin API of one instance, as `admin` of realm master.
struct Admin {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Admin {
    async fn of(instance: &Instance) -> Admin {
        let (status, body) = post_form(
            &format!("{}/realms/master/protocol/openid-connect/token", instance.base()),
            &[
                ("grant_type", "password"),
                ("username", "admin"),
                ("password", "admin"),
                ("client_id", "admin-cli"),
            ],
        )
        .await;
        assert_eq!(status, 200, "{body}");
        Admin {
            http: reqwest::Client::new(),
            base: format!("{}/admin/realms/nagra", instance.base()),
            token: field(&body, "access_token"),
        }
    }

    /// Sends `body` (if any) to `path` under the realm; the status and the `Location`.
    async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, String) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request =
            self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let location = response
            .headers()
            .get("location")
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (response.status().as_u16(), location)
    }

    async fn get(&self, path: &str) -> Value {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    async fn user_id(&self, username: &str) -> String {
        let users = self.get(&format!("/users?username={username}&exact=true")).await;
        field(&users[0], "id")
    }
}

/// Login on A, refresh on B, logout on C: the next refreshes on A and B are refused with
/// Keycloak's "Session not active", within a second.
async fn a_session_ended_on_c_is_refused_on_a_and_b(instances: &[Instance; 3]) {
    let [a, b, c] = instances;
    let (status, body) = login(a, "1234").await;
    assert_eq!(status, 200, "{body}");
    // Refreshed on A and on B: the session is in both instances' memory.
    let (status, body) = refresh(a, &field(&body, "refresh_token")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = refresh(b, &field(&body, "refresh_token")).await;
    assert_eq!(status, 200, "{body}");
    let refresh_token = field(&body, "refresh_token");
    let response = reqwest::Client::new()
        .post(format!("{}/realms/nagra/protocol/openid-connect/logout", c.base()))
        .form(&[("refresh_token", refresh_token.as_str()), ("client_id", "crm_client")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let ended = Instant::now();
    for instance in [a, b] {
        let body =
            within("the logout on C reaches another instance", ended, async || {
                match refresh(instance, &refresh_token).await {
                    (400, body) => Ok(body),
                    (status, body) => Err(format!("{status} {body}")),
                }
            })
            .await;
        assert_eq!(
            body,
            json!({"error": "invalid_grant", "error_description": "Session not active"})
        );
    }
}

#[tokio::test]
async fn a_session_refreshed_on_two_instances_and_ended_on_a_third_is_refused_everywhere() {
    let instances = three_instances(Mode { notify: true, serializable: false }).await;
    a_session_ended_on_c_is_refused_on_a_and_b(&instances).await;
}

/// With Revoke Refresh Token on, a refresh token used on A and again on B is refused on
/// B, and the reuse ends the chain on every instance (Keycloak detaches the client from
/// the session: `TokenManager.validateTokenReuse`).
#[tokio::test]
async fn a_refresh_token_reused_on_another_instance_is_refused_and_ends_the_chain() {
    let instances = three_instances(Mode { notify: true, serializable: false }).await;
    let [a, b, c] = &instances;
    let admin = Admin::of(a).await;
    let settings = json!({"revokeRefreshToken": true, "refreshTokenMaxReuse": 0});
    assert_eq!(admin.send("PUT", "", Some(settings)).await.0, 204);
    let changed = Instant::now();
    let (status, body) = login(b, "1234").await;
    assert_eq!(status, 200, "{body}");
    let first = field(&body, "refresh_token");
    // A reuse is judged by seconds (`iat` against the last refresh), as in Keycloak.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = refresh(a, &first).await;
    assert_eq!(status, 200, "{body}");
    let second = field(&body, "refresh_token");
    assert!(changed.elapsed() < Duration::from_secs(3));
    let (status, body) = refresh(b, &first).await;
    assert_eq!(status, 400, "the first token, used again on B: {body}");
    assert_eq!(
        body,
        json!({"error": "invalid_grant", "error_description": "Maximum allowed refresh token reuse exceeded"})
    );
    let reused = Instant::now();
    for instance in [a, c] {
        let body =
            within("the reuse on B ends the chain elsewhere", reused, async || {
                match refresh(instance, &second).await {
                    (400, body) => Ok(body),
                    (status, body) => Err(format!("{status} {body}")),
                }
            })
            .await;
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
}

/// Admin API changes made on A reach B and C within a second: an access-token lifespan,
/// a new role mapping, a rotated key, a deleted client, a disabled user; and brute-force
/// settings, with failures counted across the three instances.
#[tokio::test]
async fn admin_changes_on_one_instance_apply_to_the_next_requests_on_the_others() {
    let instances = three_instances(Mode { notify: true, serializable: false }).await;
    let [a, b, c] = &instances;
    let admin = Admin::of(a).await;
    // B and C hold the realm, the user and a session in memory first.
    let mut chains = Vec::new();
    for instance in [b, c] {
        let (status, body) = login(instance, "1234").await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = refresh(instance, &field(&body, "refresh_token")).await;
        assert_eq!(status, 200, "{body}");
        chains.push(field(&body, "refresh_token"));
    }

    // A lifespan.
    assert_eq!(admin.send("PUT", "", Some(json!({"accessTokenLifespan": 120}))).await.0, 204);
    let changed = Instant::now();
    for (instance, chain) in [b, c].into_iter().zip(&chains) {
        within("a new lifespan", changed, async || match refresh(instance, chain).await {
            (200, body) if body["expires_in"] == 120 => Ok(()),
            (status, body) => Err(format!("{status} {body}")),
        })
        .await;
    }

    // A new role mapping: in the next access token of B's and C's sessions.
    let (status, _) = admin.send("POST", "/roles", Some(json!({"name": "clusterRole"}))).await;
    assert_eq!(status, 201);
    let role = admin.get("/roles/clusterRole").await;
    let user_id = admin.user_id("crm_client_user").await;
    let mapping = json!([{"id": role["id"], "name": "clusterRole"}]);
    let path = format!("/users/{user_id}/role-mappings/realm");
    assert_eq!(admin.send("POST", &path, Some(mapping)).await.0, 204);
    let changed = Instant::now();
    for (instance, chain) in [b, c].into_iter().zip(&chains) {
        within("a new role mapping", changed, async || match refresh(instance, chain).await {
            (200, body) => {
                let roles = claims(&field(&body, "access_token"))["realm_access"]["roles"].clone();
                match roles.as_array().is_some_and(|roles| roles.contains(&json!("clusterRole"))) {
                    true => Ok(()),
                    false => Err(format!("roles {roles}")),
                }
            }
            (status, body) => Err(format!("{status} {body}")),
        })
        .await;
    }

    // A rotated key: a new RSA key of a higher priority signs on B and C.
    let component = json!({
        "name": "rotated",
        "providerId": "rsa-generated",
        "providerType": "org.keycloak.keys.KeyProvider",
        "config": {"priority": ["500"]}
    });
    let (status, location) = admin.send("POST", "/components", Some(component)).await;
    assert_eq!(status, 201);
    let component_id = location.rsplit('/').next().unwrap().to_owned();
    let keys = admin.get("/keys").await;
    let kid = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["providerId"] == component_id.as_str())
        .map(|key| field(key, "kid"))
        .unwrap();
    let changed = Instant::now();
    for (instance, chain) in [b, c].into_iter().zip(&chains) {
        within("a rotated key", changed, async || match refresh(instance, chain).await {
            (200, body) if header(&field(&body, "access_token"))["kid"] == kid.as_str() => Ok(()),
            (status, body) => Err(format!("{status} {body}")),
        })
        .await;
    }

    // A deleted client: its client-credentials grant fails on B and C.
    let client = json!({
        "clientId": "cluster-svc",
        "publicClient": false,
        "secret": "s3cret",
        "serviceAccountsEnabled": true
    });
    let (status, location) = admin.send("POST", "/clients", Some(client)).await;
    assert_eq!(status, 201);
    let client_credentials = [
        ("grant_type", "client_credentials"),
        ("client_id", "cluster-svc"),
        ("client_secret", "s3cret"),
    ];
    for instance in [b, c] {
        let created = Instant::now();
        within("a new client", created, async || {
            match post_form(&instance.token_url(), &client_credentials).await {
                (200, _) => Ok(()),
                (status, body) => Err(format!("{status} {body}")),
            }
        })
        .await;
    }
    let client_id = location.rsplit('/').next().unwrap().to_owned();
    assert_eq!(admin.send("DELETE", &format!("/clients/{client_id}"), None).await.0, 204);
    let deleted = Instant::now();
    for instance in [b, c] {
        let body = within("a deleted client", deleted, async || {
            match post_form(&instance.token_url(), &client_credentials).await {
                (401, body) => Ok(body),
                (status, body) => Err(format!("{status} {body}")),
            }
        })
        .await;
        assert_eq!(body["error"], "invalid_client", "{body}");
    }

    // Brute-force settings, then failures on A, B and C counted together.
    let settings = json!({
        "bruteForceProtected": true,
        "failureFactor": 3,
        "waitIncrementSeconds": 60,
        "maxFailureWaitSeconds": 900,
        "maxDeltaTimeSeconds": 43200
    });
    assert_eq!(admin.send("PUT", "", Some(settings)).await.0, 204);
    tokio::time::sleep(WITHIN).await;
    for instance in [a, b, c] {
        let (status, body) = login(instance, "not-the-password").await;
        assert_eq!(status, 400, "{body}");
    }
    for instance in [b, c] {
        let (status, body) = login(instance, "1234").await;
        assert_eq!(
            (status, body),
            (
                400,
                json!({"error": "invalid_grant", "error_description": "Invalid user credentials"})
            ),
            "locked after three failures on three instances"
        );
    }
    let status = admin
        .send("DELETE", &format!("/attack-detection/brute-force/users/{user_id}"), None)
        .await
        .0;
    assert_eq!(status, 204);

    // A disabled user: B's and C's sessions of theirs end.
    let (status, _) =
        admin.send("PUT", &format!("/users/{user_id}"), Some(json!({"enabled": false}))).await;
    assert_eq!(status, 204);
    let disabled = Instant::now();
    for (instance, chain) in [b, c].into_iter().zip(&chains) {
        let body =
            within("a disabled user", disabled, async || match refresh(instance, chain).await {
                (400, body) => Ok(body),
                (status, body) => Err(format!("{status} {body}")),
            })
            .await;
        assert_eq!(body["error"], "invalid_grant", "{body}");
    }
}

/// The upstream behind the gateway: counts the requests it receives.
async fn counting_upstream() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { break };
            let counted = Arc::clone(&counted);
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buffer = vec![0u8; 8192];
                let mut read = 0;
                while !buffer[..read].windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buffer[read..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => read += n,
                    }
                }
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    (address, hits)
}

/// A gateway that follows B's revocation stream refuses, within a second, the access
/// token of a session ended on C; its upstream never sees the refused request.
#[tokio::test]
async fn a_gateway_following_one_instance_refuses_a_session_ended_on_another() {
    let instances = three_instances(Mode { notify: true, serializable: false }).await;
    let [a, b, c] = &instances;
    let admin = Admin::of(a).await;
    // The gateway's confidential client, whose service account may view users.
    let client = json!({
        "clientId": "cluster-gateway",
        "publicClient": false,
        "secret": "s3cret",
        "serviceAccountsEnabled": true
    });
    let (status, location) = admin.send("POST", "/clients", Some(client)).await;
    assert_eq!(status, 201);
    let gateway_client = location.rsplit('/').next().unwrap().to_owned();
    let account = admin.get(&format!("/clients/{gateway_client}/service-account-user")).await;
    let management = admin.get("/clients?clientId=realm-management").await;
    let management_id = field(&management[0], "id");
    let view_users = admin.get(&format!("/clients/{management_id}/roles/view-users")).await;
    let path = format!("/users/{}/role-mappings/clients/{management_id}", field(&account, "id"));
    assert_eq!(admin.send("POST", &path, Some(json!([view_users]))).await.0, 204);

    let (upstream, hits) = counting_upstream().await;
    let config = latchkey_gateway::config::GatewayConfig::from_toml(&format!(
        r#"
listen = "127.0.0.1:0"
issuers = ["{base}/realms/nagra"]
required_azp = "crm_client"

[revocation]
client_id = "cluster-gateway"
client_secret = "s3cret"
link_timeout_ms = 3000

[[routes]]
prefix = "/operator/"
upstream = "http://{upstream}"
any_of = ["operatorRole"]
"#,
        base = b.base(),
    ))
    .unwrap();
    let clock: Arc<dyn latchkey_core::time::Clock> = Arc::new(latchkey_core::time::SystemClock);
    let gateway = latchkey_gateway::Gateway::bind(&config, clock).await.unwrap();
    let guarded = format!("http://{}/operator/status", gateway.local_addr().unwrap());
    tokio::spawn(gateway.run(std::future::pending::<()>()));

    let (status, body) = login(c, "1234").await;
    assert_eq!(status, 200, "{body}");
    let (access, refresh_token) = (field(&body, "access_token"), field(&body, "refresh_token"));
    let http = reqwest::Client::new();
    let started = Instant::now();
    loop {
        // The gateway answers 503 until its link to B's stream is up.
        let status = http.get(&guarded).bearer_auth(&access).send().await.unwrap().status();
        if status == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "the gateway never let it through");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = hits.load(Ordering::SeqCst);
    let response = http
        .post(format!("{}/realms/nagra/protocol/openid-connect/logout", c.base()))
        .form(&[("refresh_token", refresh_token.as_str()), ("client_id", "crm_client")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let ended = Instant::now();
    within("the gateway hears of the logout on C through B", ended, async || {
        match http.get(&guarded).bearer_auth(&access).send().await.unwrap().status().as_u16() {
            401 => Ok(()),
            status => Err(status.to_string()),
        }
    })
    .await;
    let hits_after = hits.load(Ordering::SeqCst);
    // Requests let through before the revocation arrived reached the upstream; none after.
    let status = http.get(&guarded).bearer_auth(&access).send().await.unwrap().status();
    assert_eq!(status, 401);
    assert_eq!(hits.load(Ordering::SeqCst), hits_after, "a refused request reached the upstream");
    assert!(hits_after >= seen);
}

/// What CockroachDB and YugabyteDB users run: polling only (`--db-notify=false`) on a
/// database whose transactions are SERIALIZABLE. A logout and a realm change still reach
/// the other instances within a second.
#[tokio::test]
async fn the_feed_works_polling_only_at_serializable_isolation() {
    let instances = three_instances(Mode { notify: false, serializable: true }).await;
    a_session_ended_on_c_is_refused_on_a_and_b(&instances).await;
    let [a, b, c] = &instances;
    let mut chains = Vec::new();
    for instance in [b, c] {
        let (status, body) = login(instance, "1234").await;
        assert_eq!(status, 200, "{body}");
        chains.push(field(&body, "refresh_token"));
    }
    let admin = Admin::of(a).await;
    assert_eq!(admin.send("PUT", "", Some(json!({"accessTokenLifespan": 90}))).await.0, 204);
    let changed = Instant::now();
    for (instance, chain) in [b, c].into_iter().zip(&chains) {
        within("a new lifespan, polled", changed, async || match refresh(instance, chain).await {
            (200, body) if body["expires_in"] == 90 => Ok(()),
            (status, body) => Err(format!("{status} {body}")),
        })
        .await;
    }
}

/// A round-robin front on 127.0.0.1: each connection goes to the next instance, and to
/// the one after when an instance refuses it (as HAProxy's `redispatch`, nginx's
/// `proxy_next_upstream error`). Bytes are copied both ways until either side closes.
async fn round_robin_front(ports: Vec<u16>) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let next = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else { break };
            let (ports, next) = (ports.clone(), Arc::clone(&next));
            tokio::spawn(async move {
                for _ in 0..ports.len() {
                    let port = ports[next.fetch_add(1, Ordering::Relaxed) % ports.len()];
                    if let Ok(mut server) =
                        tokio::net::TcpStream::connect(("127.0.0.1", port)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        return;
                    }
                }
            });
        }
    });
    port
}

/// A client of the round-robin front that tries a request again once after a
/// connection error (the instance it reached died), as issue 10 asks of clients.
#[derive(Clone)]
struct FrontClient {
    http: reqwest::Client,
    token_url: String,
}

impl FrontClient {
    async fn post(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let mut last_error = String::new();
        for _ in 0..2 {
            match self.http.post(&self.token_url).form(form).send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    match response.json().await {
                        Ok(body) => return (status, body),
                        Err(error) => last_error = error.to_string(),
                    }
                }
                Err(error) => last_error = error.to_string(),
            }
        }
        panic!("failed twice; last: {last_error}")
    }

    async fn refresh(&self, token: &str) -> (u16, Value) {
        self.post(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", token),
            ("client_id", "crm_client"),
        ])
        .await
    }
}

/// `kill -9` of one instance of three while logins and refreshes run through a
/// round-robin front: a client that tries again once after a connection error sees no
/// failure, and every answer it got stays true (the last refresh token of every session
/// refreshes on the two others). The killed instance, started again, serves at once.
#[tokio::test]
async fn an_instance_killed_under_load_loses_nothing_that_was_answered() {
    let mode = Mode { notify: true, serializable: false };
    let database = cluster_database(mode).await;
    let mut instances = start_three(&database, mode);
    let ports = [instances[0].port, instances[1].port, instances[2].port];
    let front = round_robin_front(ports.to_vec()).await;
    let client = FrontClient {
        // A new connection per request, so that requests go round the instances.
        http: reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap(),
        token_url: format!(
            "http://127.0.0.1:{front}/keycloak/auth/realms/nagra/protocol/openid-connect/token"
        ),
    };
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (client, stop) = (client.clone(), Arc::clone(&stop));
            tokio::spawn(async move {
                let mut last_tokens = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let (status, body) = client
                        .post(&[
                            ("grant_type", "password"),
                            ("username", "crm_client_user"),
                            ("password", "1234"),
                            ("client_id", "crm_client"),
                        ])
                        .await;
                    assert_eq!(status, 200, "a login through the front: {body}");
                    let mut token = field(&body, "refresh_token");
                    for _ in 0..5 {
                        let (status, body) = client.refresh(&token).await;
                        assert_eq!(status, 200, "a refresh through the front: {body}");
                        token = field(&body, "refresh_token");
                    }
                    last_tokens.push(token);
                }
                last_tokens
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(2)).await;
    instances[0].child.kill().unwrap();
    instances[0].child.wait().unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    let mut tokens = Vec::new();
    for worker in workers {
        tokens.extend(worker.await.unwrap());
    }
    assert!(tokens.len() >= 4, "the load ran: {} sessions", tokens.len());
    for token in &tokens {
        let (status, body) = client.refresh(token).await;
        assert_eq!(status, 200, "a session answered before or during the kill: {body}");
    }
    // Started again on its port, the killed instance serves with no manual step.
    let restarted = start(&database, mode, ports[0], &cluster_hostname(&ports));
    let (status, body) =
        refresh(&restarted, &field(&client.refresh(&tokens[0]).await.1, "refresh_token")).await;
    assert_eq!(status, 200, "the restarted instance: {body}");
    let response = reqwest::get(format!("{}/health/ready", restarted.base())).await.unwrap();
    assert_eq!(response.status(), 200);
}

/// An instance with the management interface on a port of its own, readiness at most
/// `max_lag` behind the feed; its management port.
fn start_observed(database: &OwnedDatabase, max_lag: &str) -> (Instance, u16) {
    let (port, management) = (free_port(), free_port());
    let hostname = format!("http://127.0.0.1:{port}/keycloak/auth");
    let management_port = management.to_string();
    let flags = [
        "--metrics-enabled",
        "--http-management-port",
        &management_port,
        "--health-feed-max-lag",
        max_lag,
    ];
    let mode = Mode { notify: true, serializable: false };
    (start_with(database, mode, port, &hostname, &flags), management)
}

/// `/health/ready`'s status and body.
async fn ready(url: &str) -> (u16, Value) {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
    match client.get(url).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.json().await.unwrap_or(Value::Null))
        }
        Err(error) => (0, Value::String(error.to_string())),
    }
}

/// Polls `url` until readiness answers `status`, for at most `limit`; the body.
async fn ready_becomes(url: &str, status: u16, limit: Duration) -> Value {
    let since = Instant::now();
    loop {
        let (answered, body) = ready(url).await;
        if answered == status {
            return body;
        }
        assert!(since.elapsed() < limit, "{url}: not {status} within {limit:?}: {answered} {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn metrics(management: u16) -> latchkey_testkit::metrics::Exposition {
    let url = format!("http://127.0.0.1:{management}/metrics");
    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    latchkey_testkit::metrics::parse(&text).unwrap_or_else(|error| panic!("{error}\n{text}"))
}

#[tokio::test]
async fn issue_10_readiness_is_503_while_the_change_feed_is_blocked_then_200_again() {
    let database = fresh_database_with_owner().await;
    let (instance, management) = start_observed(&database, "1s");
    let main_ready = format!("{}/health/ready", instance.base());
    let management_ready = format!("http://127.0.0.1:{management}/health/ready");
    for url in [&main_ready, &management_ready] {
        let body = ready_becomes(url, 200, Duration::from_secs(10)).await;
        assert_eq!(body, json!({"status": "UP", "checks": [{"name": "database", "status": "UP"}]}));
    }
    assert!(metrics(management).await.value("latchkey_change_feed_last_applied", &[]).is_some());

    // A transaction holding the feed's table: the instance's reads of it wait.
    let url = format!(
        "postgres://{}:{}@127.0.0.1:{}/{}",
        database.user, database.password, database.port, database.name
    );
    let mut blocker = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut blocker).await.unwrap();
    sqlx::query("LOCK TABLE change_feed IN ACCESS EXCLUSIVE MODE")
        .execute(&mut blocker)
        .await
        .unwrap();
    let down = json!({"status": "DOWN", "checks": [{"name": "change-feed", "status": "DOWN"}]});
    for url in [&main_ready, &management_ready] {
        assert_eq!(ready_becomes(url, 503, Duration::from_secs(5)).await, down);
    }
    let behind = metrics(management).await.value("latchkey_change_feed_behind_seconds", &[]);
    assert!(behind.unwrap() > 1.0, "behind {behind:?}");
    // Requests are still answered (the database is up): only the balancer moves away.
    assert_eq!(login(&instance, "1234").await.0, 200);

    sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();
    for url in [&main_ready, &management_ready] {
        ready_becomes(url, 200, Duration::from_secs(5)).await;
    }
}

#[tokio::test]
async fn issue_10_readiness_is_503_while_postgresql_is_down_then_200_after_it_restarts() {
    let cluster = latchkey_testkit::postgres::Cluster::start().unwrap();
    let database = cluster.owned_database().await;
    let (instance, management) = start_observed(&database, "5s");
    let main_ready = format!("{}/health/ready", instance.base());
    ready_becomes(&main_ready, 200, Duration::from_secs(10)).await;
    assert_eq!(metrics(management).await.value("latchkey_db_failures_total", &[]), Some(0.0));
    let (status, body) = login(&instance, "1234").await;
    assert_eq!(status, 200, "{body}");

    cluster.stop().unwrap();
    let down = json!({"status": "DOWN", "checks": [{"name": "database", "status": "DOWN"}]});
    assert_eq!(ready_becomes(&main_ready, 503, Duration::from_secs(5)).await, down);
    // The management interface still answers, and says why.
    let management_ready = format!("http://127.0.0.1:{management}/health/ready");
    assert_eq!(ready(&management_ready).await.0, 503);
    // Calls that wait for a connection fail after the pool's timeout (10 s) and count.
    let since = Instant::now();
    while metrics(management).await.value("latchkey_db_failures_total", &[]) < Some(1.0) {
        assert!(since.elapsed() < Duration::from_secs(15), "no failure counted");
        let _ = login(&instance, "1234").await;
    }

    cluster.restart().unwrap();
    ready_becomes(&main_ready, 200, Duration::from_secs(15)).await;
    let (status, body) = login(&instance, "1234").await;
    assert_eq!(status, 200, "{body}");
}
