//! latchkey's HTTP server: the OIDC endpoints of every realm, the Admin REST API,
//! health, and the start-up work (bootstrap admin, realm import).
//!
//! Architecture invariant: only this crate knows status codes, headers and bodies;
//! `error.rs` is the one place errors become answers.

pub mod admin;
pub mod app;
pub mod bootstrap;
pub mod cache;
pub mod cluster;
pub mod config;
pub mod console;
pub mod cors;
pub mod error;
pub(crate) mod events;
pub mod extract;
pub mod hashing;
pub mod headers;
pub mod health;
pub mod manage;
pub mod metrics;
pub mod oidc;
pub mod revocation;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;

use axum_server::accept::Accept as _;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use latchkey_listener::{Handshake, Plain};

pub use crate::app::app;
pub use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
    #[error("cannot load TLS certificate or key: {0}")]
    Tls(std::io::Error),
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A bound listener, ready to serve, and the management interface's when it has one.
pub struct Server {
    listener: std::net::TcpListener,
    management: Option<std::net::TcpListener>,
    state: AppState,
}

impl Server {
    /// Binds `address` (port 0 picks a free port), and the management interface on the
    /// same host when the configuration has one (`ServerConfig::has_management_interface`).
    pub fn bind(address: SocketAddr, state: AppState) -> Result<Self, ServeError> {
        let listener = bind(address)?;
        let management = if state.config.has_management_interface() {
            Some(bind(SocketAddr::new(address.ip(), state.config.http_management_port))?)
        } else {
            None
        };
        Ok(Server { listener, management, state })
    }

    pub fn local_addr(&self) -> Result<SocketAddr, ServeError> {
        Ok(self.listener.local_addr()?)
    }

    /// The management interface's address, when it is served.
    pub fn management_addr(&self) -> Result<Option<SocketAddr>, ServeError> {
        Ok(self.management.as_ref().map(std::net::TcpListener::local_addr).transpose()?)
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let tls = self.state.config.tls.clone();
        let store = self.state.store.clone();
        let reaper = tokio::spawn(reap_sessions(self.state.clone()));
        let follower = tokio::spawn(cluster::follow_changes(self.state.clone()));
        // Revocation streams never end by themselves; closing them lets shutdown finish.
        let hub = std::sync::Arc::clone(&self.state.revocations);
        let shutdown = async move {
            shutdown.await;
            hub.close();
        };
        let limits = self.state.config.connections;
        // Health and metrics answer until the process ends; nothing there needs draining.
        let management = match self.management {
            Some(listener) => {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                let router = app::management_app(self.state.clone());
                Some(tokio::spawn(latchkey_listener::serve(
                    listener,
                    Plain,
                    router,
                    limits,
                    std::future::pending(),
                )))
            }
            None => None,
        };
        let router = app(self.state);
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        match tls {
            None => {
                latchkey_listener::serve(listener, Plain, router, limits, shutdown).await?;
            }
            Some(files) => {
                // Several crypto providers may be compiled in (dev-dependencies bring ring);
                // say which one serves TLS. Failing means one is installed already.
                let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
                let config = RustlsConfig::from_pem_file(&files.certificate, &files.key)
                    .await
                    .map_err(ServeError::Tls)?;
                // The listener speaks HTTP/1.1 only: offer nothing else in ALPN.
                let mut server_config = (*config.get_inner()).clone();
                server_config.alpn_protocols = vec![b"http/1.1".to_vec()];
                let acceptor = RustlsAcceptor::new(RustlsConfig::from_config(std::sync::Arc::new(
                    server_config,
                )));
                latchkey_listener::serve(listener, Tls(acceptor), router, limits, shutdown).await?;
            }
        }
        reaper.abort();
        follower.abort();
        if let Some(management) = management {
            management.abort();
        }
        // The refresh times written behind reach the database before the process ends.
        if let Err(error) = store.flush().await {
            tracing::error!(%error, "refresh times not written at shutdown");
        }
        Ok(())
    }
}

fn bind(address: SocketAddr) -> Result<std::net::TcpListener, ServeError> {
    let listener = std::net::TcpListener::bind(address)
        .map_err(|source| ServeError::Bind { address, source })?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// The TLS handshake of `axum-server`'s rustls acceptor, for the listener.
#[derive(Clone)]
struct Tls(RustlsAcceptor);

impl Handshake for Tls {
    type Stream =
        <RustlsAcceptor as axum_server::accept::Accept<tokio::net::TcpStream, ()>>::Stream;

    async fn handshake(&self, stream: tokio::net::TcpStream) -> std::io::Result<Self::Stream> {
        let (stream, ()) = self.0.accept(stream, ()).await?;
        Ok(stream)
    }
}

/// Deletes sessions idle past every realm's SSO idle timeout (offline sessions: past
/// every realm's offline idle timeout), expired access-token revocations, expired
/// gateway revocations, the change feed's old rows and login events past their realm's
/// `eventsExpiration`, once a minute, on one instance of
/// a cluster (`cluster::is_leader`). Expired sessions are refused anyway; this keeps the
/// tables small.
async fn reap_sessions(state: AppState) {
    use latchkey_core::store::Store;
    let mut interval = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        interval.tick().await;
        if !cluster::is_leader(&state).await {
            continue;
        }
        cluster::prune_changes(&state).await;
        let (longest_idle, longest_offline_idle) = match state.store.list_realms().await {
            Ok(realms) => {
                let longest = |idle: fn(&latchkey_core::realm::TokenSettings) -> i64| {
                    realms.iter().map(|r| idle(&r.settings.tokens)).max().unwrap_or(0)
                };
                (
                    longest(|t| t.sso_session_idle_timeout),
                    longest(|t| t.offline_session_idle_timeout),
                )
            }
            Err(error) => {
                tracing::warn!(error = %error, "session cleanup skipped");
                continue;
            }
        };
        let now = state.clock.now().secs();
        let (online_before, offline_before) =
            (now.saturating_sub(longest_idle), now.saturating_sub(longest_offline_idle));
        match state.store.delete_sessions_idle_since(online_before, offline_before).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "expired sessions removed"),
            Err(error) => tracing::warn!(error = %error, "session cleanup failed"),
        }
        if let Err(error) = state.store.delete_expired_revocations(now).await {
            tracing::warn!(error = %error, "revocation cleanup failed");
        }
        events::delete_expired(&state).await;
    }
}
