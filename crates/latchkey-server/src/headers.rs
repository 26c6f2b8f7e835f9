//! Answer headers several endpoints share.

use axum::http::{HeaderValue, header};
use axum::response::Response;

/// `Cache-Control: no-store` and `Pragma: no-cache`: what Keycloak sets on every token
/// endpoint answer, errors included, and what every console page carries (they show who
/// is signed in and hold CSRF tokens).
pub fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
