//! Configuration: every option of the server commands defined once ([`Options`]: its
//! flag, its `LATCHKEY_*` variable and its config file key), layered flags > environment >
//! config file > defaults.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, CommandFactory as _};
use latchkey_server::bootstrap::BootstrapAdmin;
use latchkey_server::config::{ServerConfig, TlsFiles};
use latchkey_store::{Database, PostgresOptions};
use serde::Deserialize;

/// The options of `start`, `start-dev`, `import` and `export`, one field each. A field's
/// name is its flag (`http_port`: `--http-port`) and its config file key (`http-port`, or
/// `http_port`); `env` names its variable. Clap reads flags and the environment into one
/// value, serde the config file into another, and [`Options::or`] layers them. Every
/// field is optional: defaults are applied where a value is used ([`start_config`]).
#[derive(Debug, Default, Args, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Options {
    /// Database vendor: `sqlite` (embedded, default) or `postgres`.
    #[arg(long, env = "LATCHKEY_DB")]
    pub(crate) db: Option<String>,
    /// Database URL: `sqlite:///var/lib/latchkey/latchkey.db`, or for `postgres`
    /// `jdbc:postgresql://host:port/database` (also `postgres://[user[:password]@]host…`).
    #[arg(long, env = "LATCHKEY_DB_URL", hide_env_values = true)]
    pub(crate) db_url: Option<String>,
    /// PostgreSQL user (over the URL's).
    #[arg(long, env = "LATCHKEY_DB_USERNAME")]
    pub(crate) db_username: Option<String>,
    /// PostgreSQL password (over the URL's).
    #[arg(long, env = "LATCHKEY_DB_PASSWORD", hide_env_values = true)]
    pub(crate) db_password: Option<String>,
    /// Largest number of PostgreSQL connections of this instance (default 20).
    #[arg(long, env = "LATCHKEY_DB_POOL_MAX_SIZE")]
    pub(crate) db_pool_max_size: Option<u32>,
    /// How long to wait for PostgreSQL to accept a connection: seconds, or with a unit
    /// (`500ms`, `10s`, `1m`; default 10 s).
    #[arg(long, env = "LATCHKEY_DB_CONNECT_TIMEOUT")]
    pub(crate) db_connect_timeout: Option<Duration>,
    /// Wake the change feed between instances with PostgreSQL's LISTEN/NOTIFY (default
    /// true); `false` polls it every 250 ms only (CockroachDB, YugabyteDB).
    #[arg(long, env = "LATCHKEY_DB_NOTIFY", num_args = 0..=1, default_missing_value = "true")]
    pub(crate) db_notify: Option<bool>,
    /// Directory for the embedded database (default `./data`).
    #[arg(long, env = "LATCHKEY_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1 in development, 0.0.0.0 in production).
    #[arg(long, env = "LATCHKEY_HTTP_HOST")]
    pub(crate) http_host: Option<String>,
    /// Port to listen on (default 8080).
    #[arg(long, env = "LATCHKEY_HTTP_PORT")]
    pub(crate) http_port: Option<u16>,
    /// Path under which everything is served (default `/keycloak/auth`).
    #[arg(long, env = "LATCHKEY_HTTP_RELATIVE_PATH")]
    pub(crate) http_relative_path: Option<String>,
    /// Serve plain HTTP in production mode.
    #[arg(long, env = "LATCHKEY_HTTP_ENABLED", num_args = 0..=1, default_missing_value = "true")]
    pub(crate) http_enabled: Option<bool>,
    /// Public URL or host name; fixes the token issuer.
    #[arg(long, env = "LATCHKEY_HOSTNAME")]
    pub(crate) hostname: Option<String>,
    /// PEM certificate chain for HTTPS.
    #[arg(long, env = "LATCHKEY_HTTPS_CERTIFICATE_FILE")]
    pub(crate) https_certificate_file: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long, env = "LATCHKEY_HTTPS_CERTIFICATE_KEY_FILE")]
    pub(crate) https_certificate_key_file: Option<PathBuf>,
    /// Import the realm files of the import directory on start (existing realms are skipped).
    #[arg(long, env = "LATCHKEY_IMPORT_REALM", num_args = 0..=1, default_missing_value = "true")]
    pub(crate) import_realm: Option<bool>,
    /// Directory of realm files for --import-realm (default `<data-dir>/import`).
    #[arg(long, env = "LATCHKEY_IMPORT_DIR")]
    pub(crate) import_dir: Option<PathBuf>,
    /// User name of the first admin of realm `master` (first start only).
    #[arg(long, env = "LATCHKEY_BOOTSTRAP_ADMIN_USERNAME")]
    pub(crate) bootstrap_admin_username: Option<String>,
    /// Password of the first admin of realm `master` (first start only).
    #[arg(long, env = "LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD", hide_env_values = true)]
    pub(crate) bootstrap_admin_password: Option<String>,
    /// Largest request body, in bytes (default 65536).
    #[arg(long, env = "LATCHKEY_HTTP_MAX_BODY_SIZE")]
    pub(crate) http_max_body_size: Option<usize>,
    /// Largest realm file the Admin API takes (`POST /admin/realms`, `partialImport`), in
    /// bytes, read only once the caller is authenticated (default 10485760, Keycloak's
    /// 10 MiB).
    #[arg(long, env = "LATCHKEY_HTTP_MAX_IMPORT_SIZE")]
    pub(crate) http_max_import_size: Option<usize>,
    /// Seconds a connection may take to send a request's head, counted from when it
    /// waits for one (opened, or its previous answer sent) (default 30).
    #[arg(long, env = "LATCHKEY_HTTP_HEADER_READ_TIMEOUT")]
    pub(crate) http_header_read_timeout: Option<u64>,
    /// Seconds of silence allowed within a request body (default 60).
    #[arg(long, env = "LATCHKEY_HTTP_BODY_READ_TIMEOUT")]
    pub(crate) http_body_read_timeout: Option<u64>,
    /// Seconds a connection without a request in flight stays open (default 60).
    #[arg(long, env = "LATCHKEY_HTTP_IDLE_TIMEOUT")]
    pub(crate) http_idle_timeout: Option<u64>,
    /// Open connections at most; at the cap the longest-idle one is closed (default 10000).
    #[arg(long, env = "LATCHKEY_HTTP_MAX_CONNECTIONS")]
    pub(crate) http_max_connections: Option<usize>,
    /// Log level: error, warn, info, debug, trace (default info).
    #[arg(long, env = "LATCHKEY_LOG_LEVEL")]
    pub(crate) log_level: Option<String>,
    /// Serve Prometheus metrics at `/metrics` on the management interface (default false).
    #[arg(long, env = "LATCHKEY_METRICS_ENABLED", num_args = 0..=1, default_missing_value = "true")]
    pub(crate) metrics_enabled: Option<bool>,
    /// Port of the management interface, which serves `/metrics` and `/health/*` when
    /// metrics are enabled (default 9000).
    #[arg(long, env = "LATCHKEY_HTTP_MANAGEMENT_PORT")]
    pub(crate) http_management_port: Option<u16>,
    /// Path under which the management interface serves (default `/`).
    #[arg(long, env = "LATCHKEY_HTTP_MANAGEMENT_RELATIVE_PATH")]
    pub(crate) http_management_relative_path: Option<String>,
    /// Serve `/metrics` on the main port under the relative path, with no management
    /// interface (default false).
    #[arg(
        long,
        env = "LATCHKEY_LEGACY_OBSERVABILITY_INTERFACE",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    pub(crate) legacy_observability_interface: Option<bool>,
    /// `/health/ready` answers 503 once the change feed between instances (PostgreSQL)
    /// has not been read for this long: seconds, or with a unit (default 5 s).
    #[arg(long, env = "LATCHKEY_HEALTH_FEED_MAX_LAG")]
    pub(crate) health_feed_max_lag: Option<Duration>,
}

impl Options {
    /// Each option from `self` where it is set, else from `lower`.
    pub(crate) fn or(self, lower: Options) -> Options {
        Options {
            db: self.db.or(lower.db),
            db_url: self.db_url.or(lower.db_url),
            db_username: self.db_username.or(lower.db_username),
            db_password: self.db_password.or(lower.db_password),
            db_pool_max_size: self.db_pool_max_size.or(lower.db_pool_max_size),
            db_connect_timeout: self.db_connect_timeout.or(lower.db_connect_timeout),
            db_notify: self.db_notify.or(lower.db_notify),
            data_dir: self.data_dir.or(lower.data_dir),
            http_host: self.http_host.or(lower.http_host),
            http_port: self.http_port.or(lower.http_port),
            http_relative_path: self.http_relative_path.or(lower.http_relative_path),
            http_enabled: self.http_enabled.or(lower.http_enabled),
            hostname: self.hostname.or(lower.hostname),
            https_certificate_file: self.https_certificate_file.or(lower.https_certificate_file),
            https_certificate_key_file: self
                .https_certificate_key_file
                .or(lower.https_certificate_key_file),
            import_realm: self.import_realm.or(lower.import_realm),
            import_dir: self.import_dir.or(lower.import_dir),
            bootstrap_admin_username: self
                .bootstrap_admin_username
                .or(lower.bootstrap_admin_username),
            bootstrap_admin_password: self
                .bootstrap_admin_password
                .or(lower.bootstrap_admin_password),
            http_max_body_size: self.http_max_body_size.or(lower.http_max_body_size),
            http_max_import_size: self.http_max_import_size.or(lower.http_max_import_size),
            http_header_read_timeout: self
                .http_header_read_timeout
                .or(lower.http_header_read_timeout),
            http_body_read_timeout: self.http_body_read_timeout.or(lower.http_body_read_timeout),
            http_idle_timeout: self.http_idle_timeout.or(lower.http_idle_timeout),
            http_max_connections: self.http_max_connections.or(lower.http_max_connections),
            log_level: self.log_level.or(lower.log_level),
            metrics_enabled: self.metrics_enabled.or(lower.metrics_enabled),
            http_management_port: self.http_management_port.or(lower.http_management_port),
            http_management_relative_path: self
                .http_management_relative_path
                .or(lower.http_management_relative_path),
            legacy_observability_interface: self
                .legacy_observability_interface
                .or(lower.legacy_observability_interface),
            health_feed_max_lag: self.health_feed_max_lag.or(lower.health_feed_max_lag),
        }
    }

    /// Whether `key` names an option: the config file's keys are the options' flags.
    fn is_option(key: &str) -> bool {
        OptionsOnly::command().get_arguments().any(|argument| argument.get_long() == Some(key))
    }
}

/// [`Options`] alone as a command, to list its flags.
#[derive(clap::Parser)]
struct OptionsOnly {
    #[command(flatten)]
    options: Options,
}

/// The options in effect, and the config file's `[gateway]` table if it has one.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) options: Options,
    /// The gateway's own configuration, run beside the server in the same process.
    pub(crate) gateway: Option<toml::Table>,
}

impl Config {
    /// Layers `flags` (flags and environment, as clap read them) over the config file.
    pub(crate) fn load(flags: Options, config_file: Option<&Path>) -> anyhow::Result<Config> {
        let Some(path) = config_file else { return Ok(Config { options: flags, gateway: None }) };
        let (file, gateway) = read_file(path)?;
        Ok(Config { options: flags.or(file), gateway })
    }

    /// The `[gateway]` table, as the text `latchkey gateway --config` would read.
    pub(crate) fn gateway_toml(&self) -> anyhow::Result<Option<String>> {
        self.gateway
            .as_ref()
            .map(|table| toml::to_string(table).context("the [gateway] table does not serialise"))
            .transpose()
    }
}

/// The config file: `name = value` pairs with the options' names (`-` or `_`), and
/// optionally a `[gateway]` table. An unknown name or a value of the wrong type is an
/// error naming the option and the file.
fn read_file(path: &Path) -> anyhow::Result<(Options, Option<toml::Table>)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    parse_file(&text, path)
}

/// The config file's text read as `read_file` reads it; `path` names it in errors.
/// (`fuzz/fuzz_targets/config.rs` feeds it any text.)
pub(crate) fn parse_file(
    text: &str,
    path: &Path,
) -> anyhow::Result<(Options, Option<toml::Table>)> {
    let table: toml::Table = text
        .parse()
        .with_context(|| format!("config file {} is not valid TOML", path.display()))?;
    let mut options = toml::Table::new();
    let mut gateway = None;
    for (key, value) in table {
        if key == "gateway" {
            match value {
                toml::Value::Table(table) => gateway = Some(table),
                _ => bail!("`gateway` in config file {} must be a table", path.display()),
            }
            continue;
        }
        let key = key.replace('_', "-");
        if !Options::is_option(&key) {
            bail!("unknown option `{key}` in config file {}", path.display());
        }
        options.insert(key, value);
    }
    let options =
        serde_path_to_error::deserialize(toml::Value::Table(options)).map_err(|error| {
            anyhow::anyhow!(
                "option `{}` in config file {}: {}",
                error.path(),
                path.display(),
                error.inner().message().trim_end()
            )
        })?;
    Ok((options, gateway))
}

/// The database a command opens, from `--db` and its options.
#[derive(Debug)]
#[expect(clippy::large_enum_variant, reason = "made once at start")]
pub(crate) enum DatabaseConfig {
    /// The embedded database file.
    Sqlite(PathBuf),
    Postgres(PostgresOptions),
}

impl DatabaseConfig {
    pub(crate) fn from_options(options: &Options) -> anyhow::Result<Self> {
        match options.db.as_deref().unwrap_or("sqlite") {
            "sqlite" | "dev-file" => Self::sqlite(options),
            "postgres" => Self::postgres(options),
            other => bail!("unknown --db `{other}`; supported: sqlite, postgres"),
        }
    }

    fn sqlite(options: &Options) -> anyhow::Result<Self> {
        let postgres_only = [
            ("--db-username", options.db_username.is_some()),
            ("--db-password", options.db_password.is_some()),
            ("--db-pool-max-size", options.db_pool_max_size.is_some()),
            ("--db-connect-timeout", options.db_connect_timeout.is_some()),
            ("--db-notify", options.db_notify.is_some()),
        ];
        if let Some((flag, _)) = postgres_only.iter().find(|(_, is_set)| *is_set) {
            bail!("{flag} is for --db postgres; the embedded sqlite database has none");
        }
        let Some(url) = &options.db_url else {
            return Ok(DatabaseConfig::Sqlite(data_dir(options).join("latchkey.db")));
        };
        let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))
        else {
            if url.contains("postgres") {
                bail!("--db-url is a PostgreSQL URL: add --db postgres");
            }
            bail!("--db-url is not a sqlite URL (sqlite:///path/latchkey.db)");
        };
        Ok(DatabaseConfig::Sqlite(PathBuf::from(path)))
    }

    fn postgres(options: &Options) -> anyhow::Result<Self> {
        let Some(url) = &options.db_url else {
            bail!("--db postgres needs --db-url (jdbc:postgresql://host:port/database)");
        };
        // The URL may hold a password: the error says what is wrong, never the URL.
        let mut postgres = PostgresOptions::from_url(url)?;
        if let Some(username) = &options.db_username {
            postgres = postgres.username(username);
        }
        if let Some(password) = &options.db_password {
            postgres = postgres.password(password);
        }
        if let Some(size) = options.db_pool_max_size {
            if size == 0 {
                bail!("--db-pool-max-size must be at least 1");
            }
            postgres = postgres.pool_max_size(size);
        }
        if let Some(timeout) = options.db_connect_timeout {
            postgres = postgres.connect_timeout(timeout.0);
        }
        if let Some(notify) = options.db_notify {
            postgres = postgres.notify(notify);
        }
        Ok(DatabaseConfig::Postgres(postgres))
    }

    /// Opens it, applying the migrations; the error names the database (never a password).
    pub(crate) async fn open(&self) -> anyhow::Result<Database> {
        match self {
            DatabaseConfig::Sqlite(path) => Database::open_sqlite(path)
                .await
                .with_context(|| format!("cannot open database {}", path.display())),
            // The innermost cause alone ("Connection refused", "password authentication
            // failed for user …", "no answer within 10 s"): the layers above it repeat it.
            DatabaseConfig::Postgres(options) => {
                Database::open_postgres(options).await.map_err(|error| {
                    let error = anyhow::Error::from(error);
                    anyhow::anyhow!(
                        "cannot open PostgreSQL database {options}: {}",
                        error.root_cause()
                    )
                })
            }
        }
    }
}

/// The file's path, or `host:port/database as user` (never the password).
impl std::fmt::Display for DatabaseConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DatabaseConfig::Sqlite(path) => write!(f, "{}", path.display()),
            DatabaseConfig::Postgres(options) => write!(f, "{options}"),
        }
    }
}

/// `--db-connect-timeout`: seconds (`10`, `2.5`), or a number with `ms`, `s` or `m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Duration(pub(crate) std::time::Duration);

impl std::str::FromStr for Duration {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
            Some(at) => text.split_at(at),
            None => (text, "s"),
        };
        let seconds_per_unit = match unit {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            _ => return Err(format!("`{text}` is not a duration (e.g. 10, 10s, 500ms, 1m)")),
        };
        number
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n > 0.0)
            .map(|n| Duration(std::time::Duration::from_secs_f64(n * seconds_per_unit)))
            .ok_or_else(|| format!("`{text}` is not a positive duration (e.g. 10, 10s, 500ms, 1m)"))
    }
}

/// In the config file: a number of seconds, or a string as on the command line.
impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Seconds(f64),
            Text(String),
        }
        let text = match Written::deserialize(deserializer)? {
            Written::Seconds(seconds) => seconds.to_string(),
            Written::Text(text) => text,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn data_dir(options: &Options) -> PathBuf {
    options.data_dir.clone().unwrap_or_else(|| PathBuf::from("data"))
}

/// Everything `start` / `start-dev` need, validated before anything binds.
pub(crate) struct StartConfig {
    pub(crate) server: ServerConfig,
    pub(crate) database: DatabaseConfig,
    pub(crate) import_dir: Option<PathBuf>,
    pub(crate) admin: Option<BootstrapAdmin>,
    pub(crate) log_level: String,
}

pub(crate) fn start_config(options: &Options, is_dev: bool) -> anyhow::Result<StartConfig> {
    let http_host = match &options.http_host {
        Some(host) => host
            .parse::<IpAddr>()
            .with_context(|| format!("--http-host `{host}` is not an IP address"))?,
        None if is_dev => IpAddr::from([127, 0, 0, 1]),
        None => IpAddr::from([0, 0, 0, 0]),
    };
    let mut server = ServerConfig { http_host, ..ServerConfig::default() };
    if let Some(port) = options.http_port {
        server.http_port = port;
    }
    if let Some(path) = &options.http_relative_path {
        server.relative_path = ServerConfig::normalize_relative_path(path);
    }
    if let Some(limit) = options.http_max_body_size {
        server.max_body_bytes = limit;
    }
    if let Some(limit) = options.http_max_import_size {
        server.max_import_bytes = limit;
    }
    let seconds = |value: Option<u64>, flag: &str, default: std::time::Duration| match value {
        None => Ok(default),
        Some(0) => bail!("--{flag} must be at least 1 second"),
        Some(seconds) => Ok(std::time::Duration::from_secs(seconds)),
    };
    let limits = &mut server.connections;
    limits.header_read_timeout = seconds(
        options.http_header_read_timeout,
        "http-header-read-timeout",
        limits.header_read_timeout,
    )?;
    limits.body_read_timeout = seconds(
        options.http_body_read_timeout,
        "http-body-read-timeout",
        limits.body_read_timeout,
    )?;
    limits.idle_timeout =
        seconds(options.http_idle_timeout, "http-idle-timeout", limits.idle_timeout)?;
    match options.http_max_connections {
        Some(0) => bail!("--http-max-connections must be at least 1"),
        Some(cap) => limits.max_connections = cap,
        None => {}
    }
    server.metrics_enabled = options.metrics_enabled.unwrap_or(false);
    server.legacy_observability_interface = options.legacy_observability_interface.unwrap_or(false);
    if let Some(port) = options.http_management_port {
        server.http_management_port = port;
    }
    if let Some(path) = &options.http_management_relative_path {
        server.http_management_relative_path = ServerConfig::normalize_relative_path(path);
    }
    if let Some(lag) = options.health_feed_max_lag {
        server.feed_max_lag = lag.0;
    }
    if server.has_management_interface() && server.http_management_port == server.http_port {
        bail!("--http-management-port must differ from --http-port");
    }
    server.tls = match (&options.https_certificate_file, &options.https_certificate_key_file) {
        (Some(certificate), Some(key)) => {
            Some(TlsFiles { certificate: certificate.clone(), key: key.clone() })
        }
        (None, None) => None,
        _ => bail!("--https-certificate-file and --https-certificate-key-file go together"),
    };
    let http_enabled = options.http_enabled.unwrap_or(is_dev);
    if !is_dev {
        if options.hostname.is_none() {
            bail!("production mode needs --hostname (or use start-dev)");
        }
        if server.tls.is_none() && !http_enabled {
            bail!(
                "production mode needs HTTPS: give --https-certificate-file and --https-certificate-key-file, or --http-enabled=true"
            );
        }
    }
    server.hostname = options.hostname.as_deref().map(|h| frontend_url(h, &server));
    let import_dir = if options.import_realm.unwrap_or(false) {
        Some(options.import_dir.clone().unwrap_or_else(|| data_dir(options).join("import")))
    } else {
        None
    };
    let admin = match (&options.bootstrap_admin_username, &options.bootstrap_admin_password) {
        (Some(username), Some(password)) => {
            Some(BootstrapAdmin { username: username.clone(), password: password.clone() })
        }
        (None, None) => None,
        _ => bail!("the bootstrap admin needs both a username and a password"),
    };
    Ok(StartConfig {
        server,
        database: DatabaseConfig::from_options(options)?,
        import_dir,
        admin,
        log_level: options.log_level.clone().unwrap_or_else(|| "info".to_owned()),
    })
}

/// `--hostname` as a full base URL: a bare host gets the scheme, port and relative path.
fn frontend_url(hostname: &str, server: &ServerConfig) -> String {
    if hostname.starts_with("http://") || hostname.starts_with("https://") {
        return hostname.trim_end_matches('/').to_owned();
    }
    let scheme = if server.tls.is_some() { "https" } else { "http" };
    let default_port = if server.tls.is_some() { 443 } else { 80 };
    let port = if server.http_port == default_port {
        String::new()
    } else {
        format!(":{}", server.http_port)
    };
    format!("{scheme}://{hostname}{port}{}", server.relative_path)
}

#[cfg(test)]
mod tests;
