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

/// Lets the page at `origin` read the answer. `expose_methods` adds the
/// `Access-Control-Expose-Headers` the token endpoint sends.
pub fn allow(mut response: Response, origin: HeaderValue, expose_methods: bool) -> Response {
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

/// Echoes the request's origin on a public document (discovery, JWKS).
pub fn allow_any(headers: &HeaderMap, response: Response) -> Response {
    match origin(headers) {
        Some(origin) => allow(response, origin, false),
        None => response,
    }
}

/// A preflight (`OPTIONS`) answer: 200, and with an `Origin` the CORS grant for
/// `methods`. Keycloak answers every origin here; the real request is checked.
pub fn preflight(request: &Request, methods: &'static str) -> Response {
    let response = StatusCode::OK.into_response();
    let Some(origin) = origin(request.headers()) else { return response };
    let mut response = allow(response, origin, false);
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(methods));
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(ALLOW_HEADERS));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static(MAX_AGE));
    response
}
