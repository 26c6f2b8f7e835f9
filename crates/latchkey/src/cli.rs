//! Command line: Keycloak's command and option names (`start-dev`, `--http-port`, ...).
//! The server commands' options are defined once, in `config.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Options;

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

/// The server commands' options: a config file, and every option as a flag (or its
/// `LATCHKEY_*` variable) that wins over the file.
#[derive(Debug, Args)]
pub(crate) struct ServerArgs {
    /// TOML configuration file: the options' names as keys (`http-port = 8081`, `-` or
    /// `_`), and optionally a `[gateway]` table to run the gateway beside the server.
    #[arg(long, env = "LATCHKEY_CONFIG_FILE")]
    pub(crate) config_file: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) options: Options,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    #[command(flatten)]
    pub(crate) server: ServerArgs,
    /// Realm file to import.
    #[arg(long)]
    pub(crate) file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    pub(crate) server: ServerArgs,
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
    /// Issuer URL, e.g. `http://127.0.0.1:8080/keycloak/auth/realms/nagra`. Several
    /// instances of one cluster: repeat it or separate with commas; a request goes to the
    /// next when one refuses the connection.
    #[arg(long, env = "LATCHKEY_URL", value_delimiter = ',', required = true)]
    pub(crate) url: Vec<String>,
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
