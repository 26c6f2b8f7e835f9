//! The one place where errors become HTTP answers.
//!
//! Bodies follow Keycloak: OAuth errors as `{"error":…,"error_description":…}`
//! (`OAuth2ErrorRepresentation`), other failures as `{"error":"<message>"}`
//! (`KeycloakErrorHandler`), bearer-token failures as a bare `WWW-Authenticate`, and
//! the Admin API's own refusals as `{"errorMessage":…}` (`ErrorResponse`,
//! `ErrorRepresentation`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::oauth_error::{OAuthError, Refusal};
use latchkey_core::store::StoreError;
use latchkey_core::token::issue::IssueError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// `NotFoundException("Realm does not exist")`.
    #[error("realm does not exist")]
    RealmNotFound,
    /// A non-OAuth refusal written as `{"error":"<message>"}`.
    #[error("{message}")]
    Plain { status: StatusCode, message: &'static str },
    /// Bearer-token refusal of a resource endpoint (userinfo): status plus
    /// `WWW-Authenticate`, no body (`OAuth2Error.json(false)`, Keycloak ≥19.0.2).
    #[error("bearer refused: {description:?}")]
    Bearer {
        status: StatusCode,
        realm: String,
        code: Option<&'static str>,
        description: Option<&'static str>,
    },
    /// An Admin API refusal written as Keycloak's `ErrorRepresentation`,
    /// `{"errorMessage":"<message>"}` (`ErrorResponse.exists` is 409, `.error` 400).
    #[error("{message}")]
    ErrorMessage { status: StatusCode, message: String },
    /// A user-profile validation failure: 400 `{"field":…,"errorMessage":…,"params":[…]}`
    /// (`ErrorResponse.error` with `ErrorRepresentation.field`/`params`).
    #[error("invalid {field}: {message}")]
    Validation { field: &'static str, message: &'static str, params: serde_json::Value },
    /// A JSON body that does not parse or has a value of the wrong type: 400 with
    /// `KeycloakErrorHandler`'s answer to a Jackson failure (`unknown_error`,
    /// "Cannot parse the JSON"). The parser's message is kept for the log only.
    #[error("cannot parse the JSON: {0}")]
    BadJson(String),
    /// `GET …/clients/{id}/service-account-user` of a client without service accounts:
    /// 400 `{"error":"Service account not enabled for the client '<clientId>'"}`
    /// (a `BadRequestException` in `ClientResource.getServiceAccountUser`).
    #[error("service account not enabled for client {client_id}")]
    ServiceAccountDisabled { client_id: String },
    /// The request body is larger than the configured limit.
    #[error("request body too large")]
    TooLarge,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The realm cannot sign tokens (no active key): the server's fault, not the client's.
    #[error(transparent)]
    Issue(#[from] IssueError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn plain(status: StatusCode, message: &'static str) -> Self {
        ApiError::Plain { status, message }
    }

    /// `{"errorMessage":…}` with 409, as Keycloak's `ErrorResponse.exists`.
    pub fn conflict(message: impl Into<String>) -> Self {
        ApiError::ErrorMessage { status: StatusCode::CONFLICT, message: message.into() }
    }

    /// `{"errorMessage":…}` with 400, as Keycloak's `ErrorResponse.error`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::ErrorMessage { status: StatusCode::BAD_REQUEST, message: message.into() }
    }
}

fn status_of(refusal: Refusal) -> StatusCode {
    match refusal {
        Refusal::BadRequest => StatusCode::BAD_REQUEST,
        Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
        Refusal::Forbidden => StatusCode::FORBIDDEN,
        Refusal::NotFound => StatusCode::NOT_FOUND,
    }
}

/// A JSON answer with a body built from pairs, in order.
fn json_response(status: StatusCode, pairs: &[(&str, &str)]) -> Response {
    let body: serde_json::Map<String, serde_json::Value> =
        pairs.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect();
    (status, axum::Json(serde_json::Value::Object(body))).into_response()
}

/// Quotes a value for a `WWW-Authenticate` parameter.
fn quoted(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::OAuth(error) => {
                let status = status_of(error.refusal);
                json_response(
                    status,
                    &[("error", error.code), ("error_description", &error.description)],
                )
            }
            ApiError::RealmNotFound => {
                json_response(StatusCode::NOT_FOUND, &[("error", "Realm does not exist")])
            }
            ApiError::Plain { status, message } => json_response(status, &[("error", message)]),
            ApiError::ServiceAccountDisabled { client_id } => {
                let message = format!("Service account not enabled for the client '{client_id}'");
                json_response(StatusCode::BAD_REQUEST, &[("error", &message)])
            }
            ApiError::Bearer { status, realm, code, description } => {
                let mut value = format!("Bearer realm=\"{}\"", quoted(&realm));
                if let Some(code) = code {
                    value.push_str(&format!(", error=\"{code}\""));
                }
                if let Some(description) = description {
                    value.push_str(&format!(", error_description=\"{}\"", quoted(description)));
                }
                let mut response = status.into_response();
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
                }
                response
            }
            ApiError::ErrorMessage { status, message } => {
                json_response(status, &[("errorMessage", &message)])
            }
            ApiError::Validation { field, message, params } => (
                StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({
                    "field": field,
                    "errorMessage": message,
                    "params": params,
                })),
            )
                .into_response(),
            ApiError::BadJson(message) => {
                tracing::info!(error = %message, "request body refused");
                json_response(
                    StatusCode::BAD_REQUEST,
                    &[("error", "unknown_error"), ("error_description", "Cannot parse the JSON")],
                )
            }
            ApiError::TooLarge => json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                &[("error", "invalid_request"), ("error_description", "Request body too large")],
            ),
            ApiError::Store(error) => {
                tracing::error!(error = %error, "storage failure");
                json_response(StatusCode::INTERNAL_SERVER_ERROR, &[("error", "unknown_error")])
            }
            ApiError::Issue(error) => {
                tracing::error!(error = %error, "tokens not issued");
                json_response(StatusCode::INTERNAL_SERVER_ERROR, &[("error", "unknown_error")])
            }
            ApiError::Internal(message) => {
                tracing::error!(error = %message, "internal failure");
                json_response(StatusCode::INTERNAL_SERVER_ERROR, &[("error", "unknown_error")])
            }
        }
    }
}
