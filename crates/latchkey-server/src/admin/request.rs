//! What the Admin API handlers share: JSON bodies and query parameters that never leave
//! through axum's default rejections, and the `201 Created` / `204 No Content` answers.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::extract::read_body;
use crate::state::AppState;

/// A JSON request body, read whole under the server's size limit (413 above it).
///
/// Its `Content-Type`, as Keycloak 26.7.3 takes it (measured, `facts-13.md` §3.1): absent
/// is read as JSON (201/204, as curl with `-H 'Content-Type:'` sends it); `application/json`
/// with any parameters and in any case, `application/*` and `*/*` are JSON; anything
/// else (`text/plain`, a form, `application/vnd.foo+json`, an empty value, where Keycloak
/// answers 500) is 415 with Keycloak's body, before the body is read.
pub(crate) struct Body(bytes::Bytes);

impl FromRequest<AppState> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(value) = request.headers().get(header::CONTENT_TYPE)
            && !is_json_media_type(value.as_bytes())
        {
            return Err(ApiError::UnsupportedMediaType);
        }
        Ok(Body(read_body(request.into_body(), state.config.max_body_bytes).await?))
    }
}

/// Whether a `Content-Type` value is one JAX-RS matches with `@Consumes(application/json)`.
fn is_json_media_type(value: &[u8]) -> bool {
    let Ok(value) = std::str::from_utf8(value) else { return false };
    let essence = value.split(';').next().unwrap_or_default().trim();
    ["application/json", "application/*", "*/*"]
        .iter()
        .any(|accepted| essence.eq_ignore_ascii_case(accepted))
}

impl Body {
    /// The body as `T`. Fields latchkey does not model are ignored (a Keycloak client
    /// sends many), but a field of the wrong type or broken JSON is a 400.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.0).map_err(ApiError::BadJson)
    }

    /// `None` for an empty body (a `DELETE` may come without one).
    pub(crate) fn json_or_empty<T: DeserializeOwned>(&self) -> Result<Option<T>, ApiError> {
        if self.0.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        self.json().map(Some)
    }
}

/// The query string's pairs, in order.
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl FromRequestParts<AppState> for Query {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        Ok(Query { pairs: form_urlencoded::parse(query.as_bytes()).into_owned().collect() })
    }
}

/// A query parameter that does not read as its type.
fn bad_parameter() -> ApiError {
    ApiError::plain(StatusCode::BAD_REQUEST, "HTTP 400 Bad Request")
}

impl Query {
    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// `true`/`false` (any case); anything else is a 400.
    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(bad_parameter()),
        }
    }

    /// A whole number; anything else is a 400.
    pub(crate) fn integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(value) => value.trim().parse().map(Some).map_err(|_| bad_parameter()),
        }
    }

    /// `first` (default 0) and `max` (default `default_max`); negative values count as
    /// the defaults, as Keycloak's `-1` does.
    pub(crate) fn page(&self, default_max: usize) -> Result<Page, ApiError> {
        let first = self.integer("first")?.and_then(|v| usize::try_from(v).ok()).unwrap_or(0);
        let max = self.integer("max")?.and_then(|v| usize::try_from(v).ok()).unwrap_or(default_max);
        Ok(Page { first, max })
    }
}

/// A slice of a listing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Page {
    pub(crate) first: usize,
    pub(crate) max: usize,
}

impl Page {
    pub(crate) fn apply<T>(self, items: impl IntoIterator<Item = T>) -> Vec<T> {
        items.into_iter().skip(self.first).take(self.max).collect()
    }
}

/// `Constants.DEFAULT_MAX_RESULTS`: the `max` of a listing that does not say.
pub(crate) const DEFAULT_MAX_RESULTS: usize = 100;

/// `201 Created` with `Location`, no body.
pub(crate) fn created(location: &str) -> Response {
    let mut response = StatusCode::CREATED.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// A path segment with everything but RFC 3986's unreserved characters percent-encoded.
pub(crate) fn path_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `{base}/admin/realms/{realm}`, as `Location` headers start.
pub(crate) fn realm_url(base_url: &str, realm: &str) -> String {
    format!("{base_url}/admin/realms/{}", path_segment(realm))
}
