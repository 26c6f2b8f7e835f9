//! Request parsing that never leaves through axum's default rejections: forms,
//! bodies with a size limit, the caller's address and the issuer URL.

use std::net::{IpAddr, SocketAddr};

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

use crate::error::ApiError;
use crate::state::AppState;

/// An `application/x-www-form-urlencoded` body, every pair kept in order so
/// duplicated parameters can be detected. Bytes that are not UTF-8 decode to
/// U+FFFD, as Java's `URLDecoder` does for Keycloak.
#[derive(Debug, Default)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    pub fn parse(body: &[u8]) -> Self {
        // Most forms have nothing to decode (a refresh: JWT characters, a grant type, a
        // client id): split and copy. Anything with `%` or `+`, or not UTF-8, is decoded.
        if !body.iter().any(|b| matches!(b, b'%' | b'+'))
            && let Ok(text) = std::str::from_utf8(body)
        {
            let pairs = text
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (name.to_owned(), value.to_owned())
                })
                .collect();
            return Form { pairs };
        }
        Form { pairs: form_urlencoded::parse(body).into_owned().collect() }
    }

    /// The first value of `name`; an empty value counts as absent, as in Keycloak's
    /// form handling of `grant_type`, `username` and friends.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every pair, in order, empty values included.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn count(&self, name: &str) -> usize {
        self.pairs.iter().filter(|(k, _)| k == name).count()
    }

    /// Any key present twice (`TokenEndpoint`: "duplicated parameter").
    pub fn has_duplicates(&self) -> bool {
        let mut keys: Vec<&str> = self.pairs.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.windows(2).any(|pair| pair[0] == pair[1])
    }
}

fn is_form_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
}

/// Reads the whole body, refusing more than the configured limit.
pub async fn read_body(body: Body, limit: usize) -> Result<bytes::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        if latchkey_listener::is_body_timeout(&error) {
            ApiError::BodyTimeout
        } else {
            ApiError::TooLarge
        }
    })
}

impl FromRequest<AppState> for Form {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        // Keycloak 26.7 reads any other body as an empty form, so a JSON body answers
        // "Missing form parameter: grant_type" (observed), not 415.
        let is_form = is_form_content_type(request.headers());
        let body = read_body(request.into_body(), state.config.max_body_bytes).await?;
        if !is_form {
            return Ok(Form::default());
        }
        Ok(Form::parse(&body))
    }
}

/// Who is calling and through which URL, for issuers and address checks.
#[derive(Debug, Clone)]
pub struct Caller {
    pub address: Option<IpAddr>,
    /// `scheme://host[:port]{relative_path}` as the client sees latchkey.
    pub base_url: String,
    pub authorization: Option<String>,
    pub is_https: bool,
    /// The `Origin` header of a browser's cross-origin request.
    pub origin: Option<axum::http::HeaderValue>,
}

impl Caller {
    pub fn issuer(&self, realm: &str) -> String {
        format!("{}/realms/{realm}", self.base_url)
    }

    /// Whether the address is loopback or private (`sslRequired=external`).
    pub fn is_private_address(&self) -> bool {
        match self.address {
            None => true,
            Some(IpAddr::V4(v4)) => {
                v4.is_loopback() || v4.is_private() || v4.is_link_local() || v4.is_unspecified()
            }
            Some(IpAddr::V6(v6)) => {
                v6.is_loopback()
                    || v6.is_unique_local()
                    || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback() || v4.is_private())
            }
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let address = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        let is_https = state.config.tls.is_some();
        let base_url = match &state.config.hostname {
            Some(hostname) => hostname.clone(),
            None => {
                let host = parts
                    .headers
                    .get(header::HOST)
                    .and_then(|v| v.to_str().ok())
                    .filter(|h| is_plausible_host(h))
                    .map(str::to_owned)
                    .unwrap_or_else(|| {
                        format!("{}:{}", state.config.http_host, state.config.http_port)
                    });
                let scheme = if is_https { "https" } else { "http" };
                format!("{scheme}://{host}{}", state.config.relative_path)
            }
        };
        let authorization = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let origin = crate::cors::origin(&parts.headers);
        Ok(Caller { address, base_url, authorization, is_https, origin })
    }
}

/// The `{realm}` of the route's path, if it has one.
pub async fn realm_parameter(parts: &mut Parts, state: &AppState) -> Option<String> {
    let parameters = RawPathParams::from_request_parts(parts, state).await.ok()?;
    parameters.iter().find(|(name, _)| *name == "realm").map(|(_, value)| value.to_owned())
}

/// A Host header that can go into a URL unchanged: host name or address and port.
fn is_plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]_".contains(&b))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Form;

    #[test]
    fn duplicates_and_empty_values() {
        let form = Form::parse(b"a=1&b=&a=2&c=%41+b");
        assert!(form.has_duplicates());
        assert_eq!(form.get("a"), Some("1"));
        assert_eq!(form.get("b"), None);
        assert_eq!(form.get("c"), Some("A b"));
        assert_eq!(form.count("a"), 2);
    }

    proptest! {
        #[test]
        fn any_bytes_parse_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let form = Form::parse(&body);
            let _ = form.has_duplicates();
            let _ = form.get("grant_type");
        }

        #[test]
        fn the_plain_path_reads_what_the_decoder_reads(body in "[a-zA-Z0-9=&._~-]{0,80}") {
            let decoded: Vec<(String, String)> =
                form_urlencoded::parse(body.as_bytes()).into_owned().collect();
            prop_assert_eq!(Form::parse(body.as_bytes()).pairs, decoded);
        }

        #[test]
        fn encoded_pairs_round_trip(key in "[a-z_]{1,12}", value in "\\PC{1,40}") {
            let body: String = form_urlencoded::Serializer::new(String::new()).append_pair(&key, &value).finish();
            let form = Form::parse(body.as_bytes());
            prop_assert_eq!(form.get(&key), Some(value.as_str()));
        }
    }
}
