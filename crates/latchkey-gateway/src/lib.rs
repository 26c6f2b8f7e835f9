//! latchkey's gateway: a reverse proxy that lets a request through only with a valid
//! access token carrying the route's role, and the same check as a tower layer.
//!
//! Architecture invariant: a token is verified from memory (`verify.rs` is pure); the
//! network is used only to fetch an issuer's JWKS, for an unknown `kid`, at most once
//! per refresh floor per issuer.

pub mod config;
pub mod error;
pub mod headers;
pub mod jwks;
pub mod layer;
pub mod metrics;
pub mod policy;
mod proxy;
pub mod validator;
pub mod verify;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use latchkey_core::time::Clock;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::trace::TraceLayer;

use crate::config::GatewayConfig;
use crate::error::ConfigError;
use crate::metrics::Metrics;
use crate::proxy::ProxyState;
use crate::validator::{Validator, ValidatorSettings};

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
    #[error("cannot build the JWKS client: {0}")]
    HttpClient(#[from] reqwest::Error),
}

/// A bound, not yet serving gateway.
pub struct Gateway {
    listener: TcpListener,
    router: Router,
    validator: Arc<Validator>,
}

impl Gateway {
    /// Checks the configuration and binds the listener. `clock` gives `now` for token
    /// expiry (tests pass a manual clock).
    pub async fn bind(
        config: &GatewayConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Gateway, StartError> {
        let routes = config.route_table()?;
        let settings = ValidatorSettings {
            expectations: config.expectations(),
            refresh_floor: config.jwks_refresh_floor(),
            fetch_timeout: std::time::Duration::from_secs(5),
        };
        let validator = Arc::new(Validator::new(settings, clock)?);
        let state = Arc::new(ProxyState {
            routes,
            validator: Arc::clone(&validator),
            realm: config.realm.clone(),
            client: ProxyState::client(),
            upstream_timeout: config.upstream_timeout(),
            permits: Arc::new(Semaphore::new(config.max_concurrent_upstream)),
            metrics: Arc::new(Metrics::default()),
        });
        let router = Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route("/metrics", get(get_metrics))
            .fallback(proxy::forward)
            // Traces never show tokens or cookies; the upstream still receives them.
            .layer(SetSensitiveHeadersLayer::new([
                http::header::AUTHORIZATION,
                http::header::COOKIE,
                http::header::SET_COOKIE,
            ]))
            .layer(TraceLayer::new_for_http())
            .with_state(state);
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Bind { address: config.listen, source })?;
        Ok(Gateway { listener, router, validator })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The validator, to share with `RequireRoleLayer`s in the same process.
    pub fn validator(&self) -> Arc<Validator> {
        Arc::clone(&self.validator)
    }

    /// Serves until `shutdown` completes. The issuers' keys are loaded in the background
    /// at start, so the gateway is up even while an issuer is not.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let validator = Arc::clone(&self.validator);
        tokio::spawn(async move { validator.prefetch().await });
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, service).with_graceful_shutdown(shutdown).await
    }
}

async fn get_metrics(
    State(state): State<Arc<ProxyState>>,
) -> ([(http::HeaderName, &'static str); 1], String) {
    (
        [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
}
