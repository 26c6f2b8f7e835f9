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
pub mod revocation;
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
    limits: latchkey_listener::Limits,
}

impl Gateway {
    /// Checks the configuration and binds the listener. `clock` gives `now` for token
    /// expiry (tests pass a manual clock).
    pub async fn bind(
        config: &GatewayConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Gateway, StartError> {
        let routes = config.route_table()?;
        for prefix in config.routes_open_to_any_client() {
            tracing::warn!(
                route = prefix,
                "route {prefix} accepts tokens of any audience and any client of the issuers' \
                 realms: set required_audience (or required_azp)"
            );
        }
        let settings = ValidatorSettings {
            expectations: config.expectations(),
            refresh_floor: config.jwks_refresh_floor(),
            fetch_timeout: std::time::Duration::from_secs(5),
            revocation: config.revocation.as_ref().map(|revocation| revocation.settings()),
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
            .route("/health/live", get(get_live))
            .route("/health/ready", get(get_ready))
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
        Ok(Gateway { listener, router, validator, limits: config.connection_limits() })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The validator, to share with `RequireRoleLayer`s in the same process.
    pub fn validator(&self) -> Arc<Validator> {
        Arc::clone(&self.validator)
    }

    /// Serves until `shutdown` completes. The issuers' keys are loaded and their
    /// revocation streams followed in the background, so the gateway is up even while
    /// an issuer is not (`/health/ready` says whether it can check tokens).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let background = self.validator.start();
        let served = latchkey_listener::serve(
            self.listener,
            latchkey_listener::Plain,
            self.router,
            self.limits,
            shutdown,
        )
        .await;
        drop(background);
        served
    }
}

async fn get_metrics(
    State(state): State<Arc<ProxyState>>,
) -> ([(http::HeaderName, &'static str); 1], String) {
    let mut text = state.metrics.render();
    metrics::render_issuers(&mut text, &state.validator.status());
    ([(http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
}

/// Keycloak's shape (SmallRye Health): the process answers.
async fn get_live() -> axum::Json<serde_json::Value> {
    axum::Json(serde_json::json!({"status": "UP", "checks": []}))
}

/// Ready when every issuer's keys are loaded and, where revocations are followed, its
/// tokens can pass: the link is up, or it is down under `keep_last` after at least one
/// snapshot. 503 with the failing checks otherwise.
async fn get_ready(State(state): State<Arc<ProxyState>>) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let mut is_ready = true;
    let checks: Vec<serde_json::Value> = state
        .validator
        .status()
        .into_iter()
        .map(|issuer| {
            let link = issuer.revocation.as_ref().map(|link| {
                serde_json::json!({
                    "link": if link.is_up { "up" } else { "down" },
                    "entries": link.entries,
                })
            });
            let is_up = issuer.has_keys
                && issuer.revocation.as_ref().is_none_or(|link| link.is_serving && link.has_synced);
            is_ready &= is_up;
            serde_json::json!({
                "name": issuer.issuer,
                "status": if is_up { "UP" } else { "DOWN" },
                "data": {"keys": issuer.has_keys, "revocations": link},
            })
        })
        .collect();
    let status = if is_ready { "UP" } else { "DOWN" };
    let code = if is_ready { http::StatusCode::OK } else { http::StatusCode::SERVICE_UNAVAILABLE };
    (code, axum::Json(serde_json::json!({"status": status, "checks": checks}))).into_response()
}
