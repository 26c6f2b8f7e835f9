//! Every URL latchkey serves, on one screen.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, options, post};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::trace::TraceLayer;

use crate::admin;
use crate::console;
use crate::cors;
use crate::error::ApiError;
use crate::health;
use crate::oidc;
use crate::state::AppState;

pub fn app(state: AppState) -> Router {
    // Preflights answer with the methods Keycloak 26.7.3 lists for each endpoint.
    const GET_HEAD: &str = "GET, HEAD, OPTIONS";
    const POST: &str = "POST, OPTIONS";
    const GET: &str = "GET";
    let oidc_routes = Router::new()
        .route("/realms/{realm}", get(oidc::realm_info::get_realm).options(preflight(GET_HEAD)))
        .route(
            "/realms/{realm}/.well-known/openid-configuration",
            get(oidc::discovery::get_openid_configuration).options(preflight(GET)),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/token",
            post(oidc::token::post_token).options(preflight(POST)),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/token/introspect",
            post(oidc::introspect::post_introspect),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/certs",
            get(oidc::certs::get_certs).options(preflight(GET)),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/userinfo",
            get(oidc::userinfo::get_userinfo)
                .post(oidc::userinfo::post_userinfo)
                .options(preflight(GET_HEAD)),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/logout",
            post(oidc::logout::post_logout).options(preflight(GET_HEAD)),
        )
        .route(
            "/realms/{realm}/protocol/openid-connect/revoke",
            post(oidc::revoke::post_revoke).options(preflight(POST)),
        )
        .route(
            "/realms/{realm}/latchkey/revocations",
            get(crate::revocation::stream::get_revocations),
        )
        .route("/health/live", get(health::get_live))
        .route("/health/ready", get(health::get_ready))
        .merge(legacy_observability(&state))
        .merge(admin::routes(&state))
        .merge(console::routes(state.clone()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);

    let relative_path = state.config.relative_path.clone();
    let routes = if relative_path.is_empty() {
        oidc_routes
    } else {
        Router::new().nest(&relative_path, oidc_routes).fallback(not_found)
    };
    routes
        .layer(axum::middleware::map_response(add_security_headers))
        .layer(SetSensitiveHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            HeaderName::from_static("set-cookie"),
        ]))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// `/metrics` on the main port, with `--metrics-enabled` and
/// `--legacy-observability-interface`.
fn legacy_observability(state: &AppState) -> Router<AppState> {
    let config = &state.config;
    if config.metrics_enabled && config.legacy_observability_interface {
        Router::new().route("/metrics", get(get_metrics))
    } else {
        Router::new()
    }
}

/// The management interface (`--http-management-port`, served with `--metrics-enabled`):
/// health and metrics under `--http-management-relative-path`, as Keycloak's.
pub fn management_app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/health/live", get(health::get_live))
        .route("/health/ready", get(health::get_ready))
        .route("/metrics", get(get_metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let relative_path = state.config.http_management_relative_path.clone();
    let routes = if relative_path.is_empty() {
        routes
    } else {
        Router::new().nest(&relative_path, routes).fallback(not_found)
    };
    routes.layer(TraceLayer::new_for_http()).with_state(state)
}

async fn get_metrics(State(state): State<AppState>) -> Response {
    let content_type = HeaderValue::from_static(crate::metrics::CONTENT_TYPE);
    ([(header::CONTENT_TYPE, content_type)], state.metrics.render()).into_response()
}

/// Keycloak's default `browserSecurityHeaders`, as 26.7.3 sends them on every answer.
const SECURITY_HEADERS: [(HeaderName, HeaderValue); 5] = [
    (HeaderName::from_static("referrer-policy"), HeaderValue::from_static("no-referrer")),
    (
        HeaderName::from_static("strict-transport-security"),
        HeaderValue::from_static("max-age=31536000; includeSubDomains"),
    ),
    (HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff")),
    (HeaderName::from_static("x-frame-options"), HeaderValue::from_static("SAMEORIGIN")),
    (HeaderName::from_static("x-robots-tag"), HeaderValue::from_static("none")),
];

/// Adds the security headers an answer does not set itself (one layer for all five).
async fn add_security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.entry(name).or_insert(value);
    }
    response
}

/// An `OPTIONS` route answering CORS preflights for `methods`.
fn preflight(methods: &'static str) -> MethodRouter<AppState> {
    options(move |request: Request| async move { cors::preflight(&request, methods) })
}

async fn not_found() -> Response {
    ApiError::plain(StatusCode::NOT_FOUND, "HTTP 404 Not Found").into_response()
}

async fn method_not_allowed() -> Response {
    ApiError::plain(StatusCode::METHOD_NOT_ALLOWED, "HTTP 405 Method Not Allowed").into_response()
}
