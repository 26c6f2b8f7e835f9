//! CORS as Keycloak answers it (`services/.../Cors.java`, `DefaultCors`), recorded
//! against 26.7.3: the answer echoes the caller's `Origin` with credentials allowed;
//! the token endpoint refuses an origin the client does not list (403 `Invalid origin`).

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Headers a preflight allows (`Cors.DEFAULT_ALLOW_HEADERS`).
const ALLOW_HEADERS: &str = "Origin, X-Requested-With, Access-Control-Request-Method, Accept, \
     Access-Control-Request-Headers, DPoP, Content-Type, Authorization";
/// Seconds a browser may cache a preflight answer (`Cors.DEFAULT_MAX_AGE`).
const MAX_AGE: &str = "3600";

/// The request's `Origin`, when it has a usable one.
pub fn origin(headers: &HeaderMap) -> Option<HeaderValue> {
    headers.get(header::ORIGIN).filter(|v| !v.is_empty()).cloned()
}

/// Lets the page at `origin` read the answer (nothing without an origin).
/// `expose_methods` adds the `Access-Control-Expose-Headers` the token endpoint sends.
pub fn allow(
    mut response: Response,
    origin: Option<HeaderValue>,
    expose_methods: bool,
) -> Response {
    let Some(origin) = origin else { return response };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    if expose_methods {
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("Access-Control-Allow-Methods"),
        );
    }
    response
}

/// A preflight (`OPTIONS`) answer: 200, and with an `Origin` the CORS grant for
/// `methods`. Keycloak answers every origin here; the real request is checked.
pub fn preflight(request: &Request, methods: &'static str) -> Response {
    let Some(origin) = origin(request.headers()) else { return StatusCode::OK.into_response() };
    let mut response = allow(StatusCode::OK.into_response(), Some(origin), false);
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(methods));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
    response
}
