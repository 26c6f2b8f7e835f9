//! The commands: start servers, import and export realms.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use latchkey_client::TokenSource;
use latchkey_core::time::{Clock, SystemClock};
use latchkey_gateway::Gateway;
use latchkey_gateway::config::GatewayConfig;
use latchkey_server::bootstrap::{ensure_master_realm, export_realm_file, import_realm_file};
use latchkey_server::{AppState, Server};
use latchkey_store::Database;

use crate::cli::{AuthArgs, CallArgs, Command, GatewayArgs, ServerArgs};
use crate::config::{Config, DatabaseConfig, start_config};

pub(crate) async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::StartDev(args) => start(args, true).await,
        Command::Start(args) => start(args, false).await,
        Command::Import(args) => {
            init_logging("info");
            let config = Config::load(args.server.options, args.server.config_file.as_deref())?;
            let store = DatabaseConfig::from_options(&config.options)?.open().await?;
            // Not while a server starting on the same database imports its own files.
            let lock = store.lock_bootstrap().await?;
            match import_realm_file(&store, &args.file, SystemClock.now()).await? {
                Some(name) => tracing::info!(realm = %name, "imported"),
                None => tracing::warn!("a realm with that name exists; nothing imported"),
            }
            lock.release().await?;
            store.close().await;
            Ok(())
        }
        Command::Export(args) => {
            init_logging("info");
            let config = Config::load(args.server.options, args.server.config_file.as_deref())?;
            let store = DatabaseConfig::from_options(&config.options)?.open().await?;
            export_realm_file(&store, &args.realm, &args.file).await?;
            store.close().await;
            tracing::info!(realm = %args.realm, file = %args.file.display(), "exported");
            Ok(())
        }
        Command::Gateway(args) => gateway(args).await,
        Command::Token(args) => {
            init_cli_logging();
            let token = token_source(&args.auth)?.access_token().await?;
            write_stdout(format!("{token}\n").as_bytes())
        }
        Command::Call(args) => call(args).await,
    }
}

/// Warnings only on stderr, so stdout stays the token or the response body.
fn init_cli_logging() {
    let filter = tracing_subscriber::EnvFilter::new("warn");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .try_init();
}

fn token_source(auth: &AuthArgs) -> anyhow::Result<TokenSource> {
    let Some((first, fallbacks)) = auth.url.split_first() else {
        anyhow::bail!("--url is required");
    };
    let mut builder = TokenSource::builder_for_issuer(first, auth.client_id.clone());
    for issuer in fallbacks {
        builder = builder.fallback_issuer(issuer);
    }
    if let Some(secret) = &auth.client_secret {
        builder = builder.client_secret(secret.clone());
    }
    builder = match (&auth.username, &auth.password) {
        (Some(username), Some(password)) => builder.password(username.clone(), password.clone()),
        (Some(_), None) => anyhow::bail!("--username needs --password (or LATCHKEY_PASSWORD)"),
        (None, _) => builder.client_credentials(),
    };
    if let Some(scope) = &auth.scope {
        builder = builder.scope(scope.clone());
    }
    Ok(builder.build()?)
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()?;
    Ok(())
}

async fn call(args: CallArgs) -> anyhow::Result<()> {
    init_cli_logging();
    let token = token_source(&args.auth)?.access_token().await?;
    let method = match (&args.method, &args.data) {
        (Some(method), _) => reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            .with_context(|| format!("invalid method `{method}`"))?,
        (None, Some(_)) => reqwest::Method::POST,
        (None, None) => reqwest::Method::GET,
    };
    let mut request = reqwest::Client::new().request(method, &args.target).bearer_auth(token);
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .with_context(|| format!("header `{header}` is not `Name: value`"))?;
        request = request.header(name.trim(), value.trim());
    }
    if let Some(data) = args.data {
        request = request.body(data);
    }
    let response = request.send().await.with_context(|| format!("cannot reach {}", args.target))?;
    let status = response.status();
    eprintln!("HTTP {status}");
    let body = response.bytes().await?;
    write_stdout(&body)?;
    if status.is_client_error() || status.is_server_error() {
        anyhow::bail!("HTTP {status}");
    }
    Ok(())
}

async fn gateway(args: GatewayArgs) -> anyhow::Result<()> {
    init_logging(&args.log_level);
    let config = GatewayConfig::load(&args.config)?;
    let gateway = Gateway::bind(&config, Arc::new(SystemClock)).await?;
    tracing::info!(
        routes = config.routes.len(),
        "gateway listening on http://{}",
        gateway.local_addr()?
    );
    gateway.run(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(format!(
        "{level},sqlx=warn,tower_http=warn,hyper=warn"
    ))
    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).try_init();
}

async fn start(args: ServerArgs, is_dev: bool) -> anyhow::Result<()> {
    let layered = Config::load(args.options, args.config_file.as_deref())?;
    let config = start_config(&layered.options, is_dev)?;
    // Checked before anything starts, like the server's own options.
    let gateway_config = layered
        .gateway_toml()?
        .map(|text| GatewayConfig::from_toml(&text))
        .transpose()
        .context("the config file's [gateway] table")?;
    init_logging(&config.log_level);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = config.database.open().await?;
    tracing::info!(engine = store.engine_name(), database = %config.database, "database open");
    // Instances started together on one database create `master` and import realm
    // files one after the other, so each realm is imported once.
    let lock = store.lock_bootstrap().await?;
    ensure_master_realm(&store, config.admin.clone(), clock.now()).await?;
    if let Some(dir) = &config.import_dir {
        import_directory(&store, dir, clock.as_ref()).await?;
    }
    lock.release().await?;
    let address = SocketAddr::new(config.server.http_host, config.server.http_port);
    let relative_path = config.server.relative_path.clone();
    let is_tls = config.server.tls.is_some();
    let management_path = config.server.http_management_relative_path.clone();
    let state = AppState::new(store, clock, config.server);
    let server = Server::bind(address, state)?;
    let bound = server.local_addr()?;
    let scheme = if is_tls { "https" } else { "http" };
    if let Some(management) = server.management_addr()? {
        tracing::info!("management interface listening on http://{management}{management_path}");
    }
    tracing::info!(
        mode = if is_dev { "development" } else { "production" },
        "listening on {scheme}://{bound}{relative_path}"
    );
    let Some(gateway_config) = gateway_config else {
        server.run(shutdown_signal()).await?;
        tracing::info!("stopped");
        return Ok(());
    };
    // One process: the gateway beside the server, both stopped by the same signal.
    let gateway = Gateway::bind(&gateway_config, Arc::new(SystemClock)).await?;
    tracing::info!(
        routes = gateway_config.routes.len(),
        "gateway listening on http://{}",
        gateway.local_addr()?
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|is_stopped| *is_stopped).await;
    };
    let (served, proxied) = tokio::join!(
        server.run(until_stopped(stopped.clone())),
        gateway.run(until_stopped(stopped))
    );
    served?;
    proxied?;
    tracing::info!("stopped");
    Ok(())
}

async fn import_directory(
    store: &Database,
    dir: &std::path::Path,
    clock: &dyn Clock,
) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read import directory {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    entries.sort();
    for path in entries {
        import_realm_file(store, &path, clock.now()).await?;
    }
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
