//! What the Admin API handlers share: JSON bodies and query parameters that never leave
//! through axum's default rejections, and the `201 Created` / `204 No Content` answers.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use super::fields::KnownFields;
use super::java::{self, Fault, Java};
use crate::error::ApiError;
use crate::extract::read_body;
use crate::state::AppState;

mod shape;

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
        Body::read(request, state.config.max_body_bytes).await
    }
}

impl Body {
    async fn read(request: Request, limit: usize) -> Result<Self, ApiError> {
        if let Some(value) = request.headers().get(header::CONTENT_TYPE)
            && !is_json_media_type(value.as_bytes())
        {
            return Err(ApiError::UnsupportedMediaType);
        }
        Ok(Body(read_body(request.into_body(), limit).await?))
    }
}

/// A realm file's body (`POST /admin/realms`, `partialImport`): a [`Body`] under the
/// larger import limit (`--http-max-import-size`). As the body is the last extractor,
/// it is read only once the caller is authenticated and allowed.
pub(crate) struct ImportBody(pub(crate) Body);

impl FromRequest<AppState> for ImportBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ImportBody(Body::read(request, state.config.max_import_bytes).await?))
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
    /// sends many), but broken JSON, or a value of another JSON type than `T`'s schema
    /// says (`shape.rs`), is a 400; numbers with a zero fraction count as integers.
    pub(crate) fn json<T: DeserializeOwned + JsonSchema>(&self) -> Result<T, ApiError> {
        let value: serde_json::Value =
            serde_json::from_slice(&self.0).map_err(ApiError::BadJson)?;
        typed(value)
    }

    /// The body as one of Keycloak's representations: first checked as Keycloak's Jackson
    /// reads it (`java.rs`: broken JSON, a number out of its Java type's range, a value
    /// of a type Jackson does not coerce, an unknown field, nested representations
    /// included), then read as `T` as `json` reads it, before anything is applied.
    pub(crate) fn representation<T: DeserializeOwned + JsonSchema + KnownFields>(
        &self,
    ) -> Result<T, ApiError> {
        self.check_java::<T>()?;
        self.json()
    }

    /// As `representation`, for a handler that reads past `ignored` top-level fields:
    /// they are checked as Jackson checks them, then left out of `T`.
    pub(crate) fn representation_ignoring<T: DeserializeOwned + JsonSchema + KnownFields>(
        &self,
        ignored: &[&str],
    ) -> Result<T, ApiError> {
        self.check_java::<T>()?;
        let mut value: serde_json::Value =
            serde_json::from_slice(&self.0).map_err(ApiError::BadJson)?;
        if let Some(object) = value.as_object_mut() {
            for field in ignored {
                object.remove(*field);
            }
        }
        typed(value)
    }

    /// The body as a list of `T`, each element checked as `representation` checks one
    /// (`list` is `Java::List` of `T`'s representation).
    pub(crate) fn representation_list<T: DeserializeOwned + JsonSchema + KnownFields>(
        &self,
        list: &'static Java,
    ) -> Result<Vec<T>, ApiError> {
        java::check_as(&self.0, list).map_err(java_fault)?;
        self.json()
    }

    fn check_java<T: KnownFields>(&self) -> Result<(), ApiError> {
        java::check(&self.0, T::REPRESENTATION).map_err(java_fault)
    }

    /// The body as untyped JSON, for a question its type cannot answer (was a field
    /// given at all?); `None` when it is not JSON.
    pub(crate) fn untyped(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.0).ok()
    }

    /// `None` for an empty body (a `DELETE` may come without one).
    pub(crate) fn json_or_empty<T: DeserializeOwned + JsonSchema>(
        &self,
    ) -> Result<Option<T>, ApiError> {
        if self.0.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        self.json().map(Some)
    }
}

/// A JSON value as `T`, once its JSON types fit `T`'s schema (`shape.rs`).
fn typed<T: DeserializeOwned + JsonSchema>(value: serde_json::Value) -> Result<T, ApiError> {
    if let Some(path) = shape::mismatch::<T>(&value) {
        let error = <serde_json::Error as serde::de::Error>::custom(format!(
            "the value at `{path}` has another JSON type than its schema says"
        ));
        return Err(ApiError::BadJson(error));
    }
    T::deserialize(shape::integral_numbers(value)).map_err(ApiError::BadJson)
}

/// A plain-text request body (`@Consumes(TEXT_PLAIN)`, a credential's `userLabel`): an
/// absent `Content-Type` or `text/plain` with any parameters; anything else is Keycloak's
/// 415, before the body is read.
pub(crate) struct TextBody(bytes::Bytes);

impl FromRequest<AppState> for TextBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(value) = request.headers().get(header::CONTENT_TYPE) {
            let essence = value.to_str().unwrap_or_default().split(';').next().unwrap_or_default();
            if !essence.trim().eq_ignore_ascii_case("text/plain") {
                return Err(ApiError::UnsupportedMediaType);
            }
        }
        Ok(TextBody(read_body(request.into_body(), state.config.max_body_bytes).await?))
    }
}

impl TextBody {
    /// The body as UTF-8 text; broken UTF-8 is a 400.
    pub(crate) fn text(self) -> Result<String, ApiError> {
        String::from_utf8(self.0.to_vec())
            .map_err(|_| ApiError::plain(StatusCode::BAD_REQUEST, "HTTP 400 Bad Request"))
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

/// An integer query parameter that does not read as a Java `Integer`: JAX-RS answers
/// 404, not 400 (measured on 26.7.3: `?first=abc`, `?max=2147483648`, `?first=1.5`).
fn not_an_integer() -> ApiError {
    ApiError::plain(StatusCode::NOT_FOUND, "HTTP 404 Not Found")
}

impl Query {
    /// Every value of `name`, in order (a repeated parameter: `?type=LOGIN&type=LOGOUT`).
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A `Boolean` as JAX-RS converts it (`Boolean.valueOf`): `true` in any case is true,
    /// any other text false; absent or empty is `None` (the parameter's default). Keycloak
    /// never refuses one (`?briefRepresentation=maybe` lists full users).
    pub(crate) fn boolean(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            None | Some("") => None,
            Some(value) => Some(value.eq_ignore_ascii_case("true")),
        }
    }

    /// An `Integer` as JAX-RS converts it (`Integer.valueOf`: an optional sign and
    /// digits within 32 bits, no spaces); absent or empty is `None`, anything else 404.
    pub(crate) fn integer(&self, name: &str) -> Result<Option<i32>, ApiError> {
        match self.get(name) {
            None | Some("") => Ok(None),
            Some(value) => value.parse().map(Some).map_err(|_| not_an_integer()),
        }
    }

    /// `first` and `max` as Keycloak's listings read them: `first` counts from 0 (a
    /// negative one as 0), `max` defaults to `default_max` and a negative one means no
    /// limit (`max=-1`), `max=0` lists nothing.
    pub(crate) fn page(&self, default_max: usize) -> Result<Page, ApiError> {
        let first = self.integer("first")?;
        let max = self.integer("max")?;
        Ok(Page::new(first, max, default_max))
    }

    /// Roles page only when both `first` and `max` are given
    /// (`RoleContainerResource.getRoles`); otherwise every role.
    pub(crate) fn page_when_both(&self) -> Result<Page, ApiError> {
        match (self.integer("first")?, self.integer("max")?) {
            (Some(first), Some(max)) => Ok(Page::new(Some(first), Some(max), usize::MAX)),
            _ => Ok(Page { first: 0, max: usize::MAX }),
        }
    }
}

/// A slice of a listing.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Page {
    pub(crate) first: usize,
    pub(crate) max: usize,
}

impl Page {
    fn new(first: Option<i32>, max: Option<i32>, default_max: usize) -> Self {
        let first = first.and_then(|v| usize::try_from(v).ok()).unwrap_or(0);
        let max = match max {
            None => default_max,
            Some(max) => usize::try_from(max).unwrap_or(usize::MAX),
        };
        Page { first, max }
    }

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

/// `201 Created` with `Location` and a JSON body (`GroupResource.addChild`).
pub(crate) fn created_with(location: &str, body: &impl serde::Serialize) -> Response {
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
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

/// A fault of `java::check` as the Admin API answers it.
fn java_fault(fault: Fault) -> ApiError {
    match fault {
        Fault::Malformed => ApiError::MalformedJson,
        Fault::Range => ApiError::JsonRange,
        Fault::Mismatch => ApiError::JsonType,
        Fault::Unknown { representation, field, line, column } => {
            ApiError::UnknownField { representation, field, line, column }
        }
    }
}
