//! The gateway's refusals and failures, and the one place they become HTTP answers.

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

use crate::verify::TokenError;

#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// No bearer token at all (RFC 6750 §3.1: answer without an error code).
    #[error("no bearer token")]
    MissingToken,
    #[error("invalid token: {0}")]
    InvalidToken(#[from] TokenError),
    #[error("the token lacks the role this route needs")]
    InsufficientScope,
    /// The issuer's keys could not be loaded at all, so no token can be checked.
    #[error("the issuer's keys are unavailable")]
    KeysUnavailable,
    /// `fail_closed` and the revocation link to the issuer is down.
    #[error("the issuer's revocations are unavailable")]
    RevocationsUnavailable,
    #[error("no route for this request")]
    NoRoute,
    #[error("request path refused")]
    BadPath,
    #[error("too many requests in flight to the upstreams")]
    Busy,
    #[error("upstream failed: {0}")]
    Upstream(String),
    #[error("upstream timed out")]
    UpstreamTimeout,
}

impl GatewayError {
    pub fn status(&self) -> StatusCode {
        match self {
            GatewayError::MissingToken | GatewayError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            GatewayError::InsufficientScope => StatusCode::FORBIDDEN,
            GatewayError::NoRoute => StatusCode::NOT_FOUND,
            GatewayError::BadPath => StatusCode::BAD_REQUEST,
            GatewayError::KeysUnavailable
            | GatewayError::RevocationsUnavailable
            | GatewayError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            GatewayError::Upstream(_) => StatusCode::BAD_GATEWAY,
            GatewayError::UpstreamTimeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// The label for the `outcome` of the request metrics.
    pub fn outcome(&self) -> &'static str {
        match self {
            GatewayError::InvalidToken(TokenError::Revoked) => "revoked",
            GatewayError::MissingToken | GatewayError::InvalidToken(_) => "unauthorized",
            GatewayError::InsufficientScope => "forbidden",
            GatewayError::NoRoute => "no_route",
            GatewayError::BadPath => "bad_path",
            GatewayError::KeysUnavailable => "keys_unavailable",
            GatewayError::RevocationsUnavailable => "revocations_unavailable",
            GatewayError::Busy => "busy",
            GatewayError::Upstream(_) => "upstream_error",
            GatewayError::UpstreamTimeout => "upstream_timeout",
        }
    }

    /// The answer. `realm` names the protection space in `WWW-Authenticate` (RFC 6750 §3).
    /// Bodies are short JSON objects; causes stay in the logs.
    pub fn to_response(&self, realm: &str) -> Response {
        let challenge = match self {
            GatewayError::MissingToken => Some(format!(r#"Bearer realm="{realm}""#)),
            GatewayError::InvalidToken(reason) => Some(format!(
                r#"Bearer realm="{realm}", error="invalid_token", error_description="{reason}""#
            )),
            GatewayError::InsufficientScope => Some(format!(
                r#"Bearer realm="{realm}", error="insufficient_scope", error_description="{self}""#
            )),
            _ => None,
        };
        let (error, description) = match self {
            GatewayError::MissingToken => ("invalid_request", self.to_string()),
            GatewayError::InvalidToken(reason) => ("invalid_token", reason.to_string()),
            GatewayError::InsufficientScope => ("insufficient_scope", self.to_string()),
            // Upstream details (addresses, OS errors) are for the logs only.
            GatewayError::Upstream(_) => ("bad_gateway", "upstream failed".to_owned()),
            other => (other.outcome(), other.to_string()),
        };
        let body = serde_json::json!({ "error": error, "error_description": description });
        let mut response = Response::new(Body::from(body.to_string()));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(challenge) = challenge.and_then(|value| HeaderValue::from_str(&value).ok()) {
            headers.insert(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

/// Why a configuration was refused at startup.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("invalid gateway configuration: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("invalid gateway configuration: {0}")]
    Invalid(String),
}
