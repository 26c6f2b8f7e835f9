//! Answer headers several endpoints share.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// `Cache-Control` as Keycloak 26.7.3 sends it on a protocol endpoint's successful
/// answer (recorded in the issue-12 facts, 6.4; its errors there carry none):
/// discovery `no-cache, must-revalidate, no-transform, no-store`
/// (`OIDCWellKnownProviderFactory`), realm info, JWKS, introspection and back-channel
/// logout `no-cache` (`@NoCache`). Revoke sets none.
pub fn cache_control_on_success(mut response: Response, value: &'static str) -> Response {
    if response.status().is_success() {
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
}

/// Userinfo (`UserInfoEndpoint`): `Cache-Control: no-store, no-cache` and `Pragma:
/// no-cache` on the claims, `no-store` and `Pragma` on a bearer refusal (401, 403).
pub fn userinfo_cache_control(response: Response) -> Response {
    let status = response.status();
    if status.is_success() {
        let mut response = response;
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        return response;
    }
    if matches!(status.as_u16(), 401 | 403) {
        return no_store(response);
    }
    response
}

/// `Cache-Control: no-store` and `Pragma: no-cache`: what Keycloak sets on every token
/// endpoint answer, errors included, and what every console page carries (they show who
/// is signed in and hold CSRF tokens).
pub fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
