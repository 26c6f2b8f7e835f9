//! Command line: Keycloak's command and option names (`start-dev`, `--http-port`, ...).
//! Every option can also come from `LATCHKEY_<NAME>` or the TOML config file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "latchkey",
    version,
    about = "A Keycloak-compatible identity and API-access service"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start in development mode: plain HTTP on 127.0.0.1, issuer from the request's host.
    StartDev(ServerArgs),
    /// Start in production mode: needs --hostname and HTTPS (or --http-enabled=true).
    Start(ServerArgs),
    /// Import a realm file (Keycloak's realm JSON) into the database, offline.
    Import(ImportArgs),
    /// Export a realm, users and credentials included, to a Keycloak realm file, offline.
    Export(ExportArgs),
    /// Run the gateway: a reverse proxy that checks bearer tokens and roles per route.
    Gateway(GatewayArgs),
    /// Log in (password grant or client credentials) and print an access token.
    Token(TokenArgs),
    /// Send an HTTP request with `Authorization: Bearer <token>`; print the response body.
    Call(CallArgs),
}

/// Where the data lives; shared by every command.
#[derive(Debug, Args, Default)]
pub(crate) struct StorageArgs {
    /// TOML configuration file (same names as the options, with `-` or `_`).
    #[arg(long, env = "LATCHKEY_CONFIG_FILE")]
    pub(crate) config_file: Option<PathBuf>,
    /// Database vendor: `sqlite` (embedded, default).
    #[arg(long, env = "LATCHKEY_DB")]
    pub(crate) db: Option<String>,
    /// Database URL, e.g. `sqlite:///var/lib/latchkey/latchkey.db`.
    #[arg(long, env = "LATCHKEY_DB_URL")]
    pub(crate) db_url: Option<String>,
    /// Directory for the embedded database (default `./data`).
    #[arg(long, env = "LATCHKEY_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    #[arg(long, env = "LATCHKEY_HTTP_HOST")]
    pub(crate) http_host: Option<String>,
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
    #[arg(long, env = "LATCHKEY_HTTPS_CERTIFICATE_FILE")]
    pub(crate) https_certificate_file: Option<PathBuf>,
    #[arg(long, env = "LATCHKEY_HTTPS_CERTIFICATE_KEY_FILE")]
    pub(crate) https_certificate_key_file: Option<PathBuf>,
    /// Import the realm files of the import directory on start (existing realms are skipped).
    #[arg(long, env = "LATCHKEY_IMPORT_REALM", num_args = 0..=1, default_missing_value = "true")]
    pub(crate) import_realm: Option<bool>,
    /// Directory of realm files for --import-realm (default `<data-dir>/import`).
    #[arg(long, env = "LATCHKEY_IMPORT_DIR")]
    pub(crate) import_dir: Option<PathBuf>,
    #[arg(long, env = "LATCHKEY_BOOTSTRAP_ADMIN_USERNAME")]
    pub(crate) bootstrap_admin_username: Option<String>,
    #[arg(long, env = "LATCHKEY_BOOTSTRAP_ADMIN_PASSWORD", hide_env_values = true)]
    pub(crate) bootstrap_admin_password: Option<String>,
    /// Largest request body, in bytes (default 65536).
    #[arg(long, env = "LATCHKEY_HTTP_MAX_BODY_SIZE")]
    pub(crate) http_max_body_size: Option<usize>,
    /// Log level: error, warn, info, debug, trace (default info).
    #[arg(long, env = "LATCHKEY_LOG_LEVEL")]
    pub(crate) log_level: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    /// Realm file to import.
    #[arg(long)]
    pub(crate) file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    pub(crate) storage: StorageArgs,
    #[arg(long)]
    pub(crate) realm: String,
    #[arg(long)]
    pub(crate) file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct GatewayArgs {
    /// The gateway's TOML file (see examples/gateway.toml).
    #[arg(long, env = "LATCHKEY_GATEWAY_CONFIG")]
    pub(crate) config: PathBuf,
    /// Log level: error, warn, info, debug, trace (default info).
    #[arg(long, env = "LATCHKEY_LOG_LEVEL", default_value = "info")]
    pub(crate) log_level: String,
}

/// How `token` and `call` log in.
#[derive(Debug, Args)]
pub(crate) struct AuthArgs {
    /// Issuer URL, e.g. `http://127.0.0.1:8080/keycloak/auth/realms/nagra`.
    #[arg(long, env = "LATCHKEY_URL")]
    pub(crate) url: String,
    #[arg(long, env = "LATCHKEY_CLIENT_ID")]
    pub(crate) client_id: String,
    /// Secret of a confidential client (sent as HTTP Basic).
    #[arg(long, env = "LATCHKEY_CLIENT_SECRET", hide_env_values = true)]
    pub(crate) client_secret: Option<String>,
    /// User for the password grant; without it, client credentials are used.
    #[arg(long, env = "LATCHKEY_USERNAME")]
    pub(crate) username: Option<String>,
    #[arg(long, env = "LATCHKEY_PASSWORD", hide_env_values = true)]
    pub(crate) password: Option<String>,
    /// `scope` of the login, e.g. `openid` for userinfo.
    #[arg(long)]
    pub(crate) scope: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    #[command(flatten)]
    pub(crate) auth: AuthArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CallArgs {
    #[command(flatten)]
    pub(crate) auth: AuthArgs,
    /// HTTP method (default GET, or POST with --data).
    #[arg(short = 'X', long = "request")]
    pub(crate) method: Option<String>,
    /// Request body.
    #[arg(short = 'd', long = "data")]
    pub(crate) data: Option<String>,
    /// Extra header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header")]
    pub(crate) headers: Vec<String>,
    /// The URL to call.
    pub(crate) target: String,
}
