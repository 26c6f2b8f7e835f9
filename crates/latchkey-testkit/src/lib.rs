//! Starts latchkey for tests the same way everywhere: a real HTTP server on
//! 127.0.0.1 port 0, a fresh database, the example realm `nagra`, and a manual clock.
//!
//! The database engine is the tests' parameter: `LATCHKEY_TEST_DB=postgres` runs every
//! test that starts latchkey here on a fresh database of a throw-away PostgreSQL
//! (`postgres.rs`), and SQLite (a fresh file) is the default. `scripts/test.sh` runs the
//! HTTP, console, gateway and client tests once with each.

pub mod metrics;
pub mod postgres;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::client::Client;
use latchkey_core::realm::Realm;
use latchkey_core::store::Store;
use latchkey_core::time::{ManualClock, UnixMillis};
use latchkey_core::user::User;
use latchkey_server::bootstrap::{BootstrapAdmin, ensure_master_realm, import_realm_file};
use latchkey_server::config::ServerConfig;
use latchkey_server::{AppState, Server};
use latchkey_store::{Database, PostgresOptions};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Where the example realm file lives in the repository.
pub fn nagra_realm_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/nagra-realm.json")
}

/// The manual clock's starting point: a fixed, realistic instant.
pub const START: UnixMillis = UnixMillis(1_760_000_000_000);

pub const ADMIN_USERNAME: &str = "admin";
pub const ADMIN_PASSWORD: &str = "admin-password";

/// The engine the tests run on, from `LATCHKEY_TEST_DB` (`sqlite`, the default, or
/// `postgres`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestEngine {
    Sqlite,
    Postgres,
}

impl TestEngine {
    /// # Panics
    /// On a value that names no engine: a typo must not run the tests on the wrong one.
    pub fn from_env() -> Self {
        match std::env::var("LATCHKEY_TEST_DB").as_deref() {
            Err(_) | Ok("" | "sqlite") => TestEngine::Sqlite,
            Ok("postgres") => TestEngine::Postgres,
            Ok(other) => panic!("LATCHKEY_TEST_DB={other}: expected `sqlite` or `postgres`"),
        }
    }
}

/// Where a test's database lives, so that a restart opens the same one.
#[derive(Clone, Debug)]
pub enum TestDatabaseAt {
    /// The SQLite file.
    Sqlite(PathBuf),
    /// A database of the test cluster.
    Postgres(postgres::TestDatabase),
}

impl TestDatabaseAt {
    /// A new, empty database of the engine `LATCHKEY_TEST_DB` names; a SQLite file goes
    /// in `dir`.
    pub async fn fresh(dir: &Path) -> Self {
        match TestEngine::from_env() {
            TestEngine::Sqlite => TestDatabaseAt::Sqlite(dir.join("latchkey.db")),
            TestEngine::Postgres => TestDatabaseAt::Postgres(postgres::fresh_database().await),
        }
    }

    /// Opens it (creating and migrating on first use).
    pub async fn open(&self) -> Database {
        match self {
            TestDatabaseAt::Sqlite(path) => Database::open_sqlite(path).await.expect("database"),
            TestDatabaseAt::Postgres(database) => {
                let options = PostgresOptions::from_url(&database.url)
                    .expect("test database URL")
                    .pool_max_size(5);
                Database::open_postgres(&options).await.expect("database")
            }
        }
    }
}

/// A running latchkey.
pub struct TestApp {
    /// `http://127.0.0.1:<port>/keycloak/auth`
    pub base_url: String,
    pub address: std::net::SocketAddr,
    /// The management interface's address (`/metrics`, `/health/*`), when the
    /// configuration serves one (`ServerConfig::has_management_interface`).
    pub management_address: Option<std::net::SocketAddr>,
    pub clock: Arc<ManualClock>,
    pub store: Database,
    pub http: reqwest::Client,
    /// The database, for a restart (or a second instance) to open again.
    pub database: TestDatabaseAt,
    data_dir: Arc<tempfile::TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

/// Starts latchkey with a fresh database holding `master` and `nagra`.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(ServerConfig::default()).await
}

/// Starts latchkey with a given server configuration.
pub async fn spawn_app_with(config: ServerConfig) -> TestApp {
    let data_dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let database = TestDatabaseAt::fresh(data_dir.path()).await;
    spawn_with(config, data_dir, database, Arc::new(ManualClock::new(START)), 0).await
}

async fn spawn_with(
    mut config: ServerConfig,
    data_dir: Arc<tempfile::TempDir>,
    database: TestDatabaseAt,
    clock: Arc<ManualClock>,
    port: u16,
) -> TestApp {
    let store = database.open().await;
    let admin = BootstrapAdmin { username: ADMIN_USERNAME.into(), password: ADMIN_PASSWORD.into() };
    ensure_master_realm(&store, Some(admin), START).await.expect("master realm");
    import_realm_file(&store, &nagra_realm_file(), START).await.expect("nagra realm");
    config.http_port = 0;
    config.hash_workers = 2;
    let relative_path = config.relative_path.clone();
    let state = AppState::new(store.clone(), clock.clone(), config);
    let server =
        Server::bind(std::net::SocketAddr::from(([127, 0, 0, 1], port)), state).expect("bind");
    let address = server.local_addr().expect("address");
    let management_address = server.management_addr().expect("management address");
    let (shutdown, signal) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = server
            .run(async move {
                let _ = signal.await;
            })
            .await;
    });
    TestApp {
        base_url: format!("http://{address}{relative_path}"),
        address,
        management_address,
        clock,
        store,
        http: reqwest::Client::builder().build().expect("http client"),
        database,
        data_dir,
        shutdown: Some(shutdown),
        task: Some(task),
    }
}

impl TestApp {
    /// Stops the server and starts a new one on the same database file and port, as a
    /// restart of the process would. The clock carries on.
    pub async fn restart(mut self) -> TestApp {
        self.stop().await;
        let data_dir = Arc::clone(&self.data_dir);
        let clock = Arc::clone(&self.clock);
        let database = self.database.clone();
        spawn_with(ServerConfig::default(), data_dir, database, clock, self.port()).await
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Changes realm `nagra` in the database. Call before the first request: the server
    /// caches realm settings from then on.
    pub async fn edit_realm(&self, edit: impl FnOnce(&mut Realm)) {
        let mut realm =
            self.store.find_realm_by_name("nagra").await.expect("store").expect("nagra");
        edit(&mut realm);
        self.store.update_realm(&realm).await.expect("update realm");
    }

    /// Changes a user of realm `nagra` in the database.
    pub async fn edit_user(&self, username: &str, edit: impl FnOnce(&mut User)) {
        let realm = self.store.find_realm_by_name("nagra").await.expect("store").expect("nagra");
        let mut user = self
            .store
            .find_user_by_username(&realm.id, username)
            .await
            .expect("store")
            .expect("user");
        edit(&mut user);
        self.store.update_user(&user).await.expect("update user");
    }

    /// Changes a client of realm `nagra` in the database. Call before the first request.
    pub async fn edit_client(&self, client_id: &str, edit: impl FnOnce(&mut Client)) {
        let realm = self.store.find_realm_by_name("nagra").await.expect("store").expect("nagra");
        let mut client = self
            .store
            .find_client_by_client_id(&realm.id, client_id)
            .await
            .expect("store")
            .expect("client");
        edit(&mut client);
        self.store.update_client(&client).await.expect("update client");
    }

    /// Adds confidential client `svc_client` / `s3cret` to `nagra`, with direct grants
    /// and a service account. Call before the first request: the realm is cached from
    /// then on.
    pub async fn add_confidential_client(&self) {
        use latchkey_core::client::ClientSettings;
        use latchkey_core::secret::Secret;
        use latchkey_core::user::UserProfile;
        let realm = self.store.find_realm_by_name("nagra").await.expect("store").expect("nagra");
        let client = Client {
            id: latchkey_core::random::uuid(),
            realm_id: realm.id.clone(),
            client_id: "svc_client".into(),
            enabled: true,
            public_client: false,
            secret: Some(Secret::new("s3cret")),
            settings: ClientSettings {
                direct_access_grants_enabled: true,
                service_accounts_enabled: true,
                ..ClientSettings::default()
            },
            claims: Default::default(),
        };
        self.store.insert_client(&client).await.expect("insert client");
        let user = User {
            id: latchkey_core::random::uuid(),
            realm_id: realm.id.clone(),
            username: "service-account-svc_client".into(),
            enabled: true,
            created_timestamp: 0,
            profile: UserProfile {
                service_account_client_id: Some(client.id.clone()),
                ..UserProfile::default()
            },
        };
        self.store.insert_user(&user).await.expect("insert service account");
    }

    /// Grants a realm role of `nagra` (by name) to a user.
    pub async fn grant_realm_role(&self, username: &str, role_name: &str) {
        let realm = self.store.find_realm_by_name("nagra").await.expect("store").expect("nagra");
        let role = self
            .store
            .list_roles(&realm.id)
            .await
            .expect("store")
            .into_iter()
            .find(|r| r.client_uuid.is_none() && r.name == role_name)
            .expect("role");
        let user = self
            .store
            .find_user_by_username(&realm.id, username)
            .await
            .expect("store")
            .expect("user");
        self.store.grant_roles(&user.id, &[role.id]).await.expect("grant role");
    }

    async fn stop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    pub fn realm_url(&self, realm: &str) -> String {
        format!("{}/realms/{realm}", self.base_url)
    }

    pub fn oidc_url(&self, realm: &str, endpoint: &str) -> String {
        format!("{}/realms/{realm}/protocol/openid-connect/{endpoint}", self.base_url)
    }

    pub fn token_url(&self, realm: &str) -> String {
        self.oidc_url(realm, "token")
    }

    /// POSTs a form exactly as given (pairs in order, duplicates allowed).
    pub async fn post_form(&self, url: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
        let body: String = form_encode(pairs);
        self.http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// The seed's password grant for `crm_client_user` / `1234`.
    pub async fn seed_login(&self) -> Value {
        let response = self
            .post_form(
                &self.token_url("nagra"),
                &[
                    ("grant_type", "password"),
                    ("username", "crm_client_user"),
                    ("password", "1234"),
                    ("client_id", "crm_client"),
                ],
            )
            .await;
        assert_eq!(response.status(), 200, "seed login failed");
        response.json().await.expect("json")
    }

    pub async fn refresh(&self, client_id: &str, refresh_token: &str) -> reqwest::Response {
        self.post_form(
            &self.token_url("nagra"),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", client_id),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// `application/x-www-form-urlencoded` encoding of pairs.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode_component(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// The decoded JSON of a JWT's header and payload (no verification).
pub fn jwt_parts(token: &str) -> (Value, Value) {
    let mut pieces = token.split('.');
    let header = pieces.next().expect("header");
    let payload = pieces.next().expect("payload");
    let decode = |piece: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(piece).expect("base64url")).expect("json")
    };
    (decode(header), decode(payload))
}

/// The raw header bytes of a JWT, as a string.
pub fn jwt_header_text(token: &str) -> String {
    let header = token.split('.').next().expect("header");
    String::from_utf8(URL_SAFE_NO_PAD.decode(header).expect("base64url")).expect("utf-8")
}
