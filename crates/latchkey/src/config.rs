//! Layered configuration: defaults < TOML file < `LATCHKEY_*` environment < flags.
//! Clap has already merged flags over the environment; the file fills what is left.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use latchkey_server::bootstrap::BootstrapAdmin;
use latchkey_server::config::{ServerConfig, TlsFiles};

use crate::cli::{ServerArgs, StorageArgs};

/// The config file: flat `name = value` pairs with the options' names, and optionally a
/// `[gateway]` table, the gateway's own configuration, run in the same process.
#[derive(Debug, Default)]
pub(crate) struct FileConfig(BTreeMap<String, toml::Value>, Option<toml::Table>);

impl FileConfig {
    pub(crate) fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let Some(path) = path else { return Ok(FileConfig::default()) };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let table: toml::Table = text
            .parse()
            .with_context(|| format!("config file {} is not valid TOML", path.display()))?;
        let mut values = BTreeMap::new();
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
            if !KNOWN_KEYS.contains(&key.as_str()) {
                bail!("unknown option `{key}` in config file {}", path.display());
            }
            values.insert(key, value);
        }
        Ok(FileConfig(values, gateway))
    }

    /// The `[gateway]` table, as the text `latchkey gateway --config` would read.
    pub(crate) fn gateway_toml(&self) -> anyhow::Result<Option<String>> {
        self.1
            .as_ref()
            .map(|table| toml::to_string(table).context("the [gateway] table does not serialise"))
            .transpose()
    }

    fn string(&self, key: &str) -> anyhow::Result<Option<String>> {
        match self.0.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.clone())),
            Some(toml::Value::Integer(i)) => Ok(Some(i.to_string())),
            Some(toml::Value::Boolean(b)) => Ok(Some(b.to_string())),
            Some(other) => bail!("option `{key}` has an unusable value {other}"),
        }
    }

    fn parsed<T: std::str::FromStr>(&self, key: &str) -> anyhow::Result<Option<T>> {
        match self.string(key)? {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| anyhow::anyhow!("option `{key}` has an invalid value `{text}`")),
        }
    }
}

const KNOWN_KEYS: &[&str] = &[
    "db",
    "db-url",
    "data-dir",
    "http-host",
    "http-port",
    "http-relative-path",
    "http-enabled",
    "hostname",
    "https-certificate-file",
    "https-certificate-key-file",
    "import-realm",
    "import-dir",
    "bootstrap-admin-username",
    "bootstrap-admin-password",
    "http-max-body-size",
    "log-level",
];

/// Where the embedded database file is.
pub(crate) fn database_path(storage: &StorageArgs, file: &FileConfig) -> anyhow::Result<PathBuf> {
    let db = storage.db.clone().or(file.string("db")?).unwrap_or_else(|| "sqlite".to_owned());
    match db.as_str() {
        "sqlite" | "dev-file" => {}
        "postgres" => bail!("--db=postgres is not available yet; use the embedded sqlite database"),
        other => bail!("unknown --db `{other}`; supported: sqlite"),
    }
    if let Some(url) = storage.db_url.clone().or(file.string("db-url")?) {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .with_context(|| format!("--db-url `{url}` is not a sqlite URL"))?;
        return Ok(PathBuf::from(path));
    }
    Ok(data_dir(storage, file)?.join("latchkey.db"))
}

pub(crate) fn data_dir(storage: &StorageArgs, file: &FileConfig) -> anyhow::Result<PathBuf> {
    Ok(storage
        .data_dir
        .clone()
        .or(file.string("data-dir")?.map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("data")))
}

/// Everything `start` / `start-dev` need, validated before anything binds.
pub(crate) struct StartConfig {
    pub(crate) server: ServerConfig,
    pub(crate) database: PathBuf,
    pub(crate) import_dir: Option<PathBuf>,
    pub(crate) admin: Option<BootstrapAdmin>,
    pub(crate) log_level: String,
}

pub(crate) fn start_config(
    args: &ServerArgs,
    file: &FileConfig,
    is_dev: bool,
) -> anyhow::Result<StartConfig> {
    let mut server = ServerConfig::default();
    let host = args.http_host.clone().or(file.string("http-host")?);
    server.http_host = match host {
        Some(host) => host
            .parse::<IpAddr>()
            .with_context(|| format!("--http-host `{host}` is not an IP address"))?,
        None if is_dev => IpAddr::from([127, 0, 0, 1]),
        None => IpAddr::from([0, 0, 0, 0]),
    };
    if let Some(port) = args.http_port.or(file.parsed("http-port")?) {
        server.http_port = port;
    }
    if let Some(path) = args.http_relative_path.clone().or(file.string("http-relative-path")?) {
        server.relative_path = ServerConfig::normalize_relative_path(&path);
    }
    if let Some(limit) = args.http_max_body_size.or(file.parsed("http-max-body-size")?) {
        server.max_body_bytes = limit;
    }
    let certificate = args
        .https_certificate_file
        .clone()
        .or(file.string("https-certificate-file")?.map(PathBuf::from));
    let key = args
        .https_certificate_key_file
        .clone()
        .or(file.string("https-certificate-key-file")?.map(PathBuf::from));
    server.tls = match (certificate, key) {
        (Some(certificate), Some(key)) => Some(TlsFiles { certificate, key }),
        (None, None) => None,
        _ => bail!("--https-certificate-file and --https-certificate-key-file go together"),
    };
    let hostname = args.hostname.clone().or(file.string("hostname")?);
    let http_enabled = args.http_enabled.or(file.parsed("http-enabled")?).unwrap_or(is_dev);
    if !is_dev {
        if hostname.is_none() {
            bail!("production mode needs --hostname (or use start-dev)");
        }
        if server.tls.is_none() && !http_enabled {
            bail!(
                "production mode needs HTTPS: give --https-certificate-file and --https-certificate-key-file, or --http-enabled=true"
            );
        }
    }
    server.hostname = hostname.map(|h| frontend_url(&h, &server));
    let import = args.import_realm.or(file.parsed("import-realm")?).unwrap_or(false);
    let import_dir = if import {
        Some(
            args.import_dir
                .clone()
                .or(file.string("import-dir")?.map(PathBuf::from))
                .map_or_else(|| data_dir(&args.storage, file).map(|d| d.join("import")), Ok)?,
        )
    } else {
        None
    };
    let username =
        args.bootstrap_admin_username.clone().or(file.string("bootstrap-admin-username")?);
    let password =
        args.bootstrap_admin_password.clone().or(file.string("bootstrap-admin-password")?);
    let admin = match (username, password) {
        (Some(username), Some(password)) => Some(BootstrapAdmin { username, password }),
        (None, None) => None,
        _ => bail!("the bootstrap admin needs both a username and a password"),
    };
    let log_level =
        args.log_level.clone().or(file.string("log-level")?).unwrap_or_else(|| "info".to_owned());
    Ok(StartConfig {
        server,
        database: database_path(&args.storage, file)?,
        import_dir,
        admin,
        log_level,
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
