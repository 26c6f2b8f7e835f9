//! The check itself (bearer token → verified identity → rule) and `RequireRoleLayer`,
//! the same check as a tower layer for any Rust service's own routes.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::Response;
use http::{HeaderMap, HeaderName, HeaderValue, Request, header};
use tower::{Layer, Service};

use crate::error::GatewayError;
use crate::policy::Rule;
use crate::validator::Validator;
use crate::verify::{Identity, TokenError};

pub const X_AUTH_SUBJECT: HeaderName = HeaderName::from_static("x-auth-subject");
pub const X_AUTH_USERNAME: HeaderName = HeaderName::from_static("x-auth-username");
pub const X_AUTH_ROLES: HeaderName = HeaderName::from_static("x-auth-roles");

/// The bearer token of a request. `Ok(None)` when there is no `Authorization` header or it
/// uses another scheme; an empty or repeated bearer credential is a malformed token.
pub fn bearer_token(headers: &HeaderMap) -> Result<Option<&str>, TokenError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return match headers.contains_key(header::AUTHORIZATION) {
            true => Err(TokenError::Malformed),
            false => Ok(None),
        };
    };
    let value = value.to_str().map_err(|_| TokenError::Malformed)?;
    let Some((scheme, token)) = value.split_once(' ') else {
        return match value.eq_ignore_ascii_case("bearer") {
            true => Err(TokenError::Malformed),
            false => Ok(None),
        };
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(TokenError::Malformed);
    }
    Ok(Some(token))
}

/// Decides a request: `Ok(None)` for a public rule (no token looked at), the verified
/// identity when the token is good and carries the rule's roles, a refusal otherwise.
pub async fn authorize(
    validator: &Validator,
    headers: &HeaderMap,
    rule: &Rule,
) -> Result<Option<Identity>, GatewayError> {
    if rule.is_public() {
        return Ok(None);
    }
    let token = bearer_token(headers)?.ok_or(GatewayError::MissingToken)?;
    let identity = validator.validate(token).await?;
    if !rule.allows(&identity.roles) {
        return Err(GatewayError::InsufficientScope);
    }
    Ok(Some(identity))
}

/// Removes every client-supplied `X-Auth-*` header, then states the verified identity:
/// `X-Auth-Subject` (`sub`), `X-Auth-Username` (`preferred_username`) and `X-Auth-Roles`
/// (realm roles, comma-separated). Values that cannot be header values are left out.
pub fn set_identity_headers(headers: &mut HeaderMap, identity: Option<&Identity>) {
    let spoofed: Vec<HeaderName> =
        headers.keys().filter(|name| name.as_str().starts_with("x-auth-")).cloned().collect();
    for name in spoofed {
        headers.remove(name);
    }
    let Some(identity) = identity else { return };
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
            headers.insert(name, value);
        }
    };
    if let Some(subject) = &identity.subject {
        set(X_AUTH_SUBJECT, subject);
    }
    if let Some(username) = &identity.username {
        set(X_AUTH_USERNAME, username);
    }
    set(X_AUTH_ROLES, &identity.roles.realm.join(","));
}

/// Puts [`RequireRole`] in front of a service: requests without a valid token carrying the
/// rule's roles are answered 401/403 and never reach it. On success the request carries
/// the [`Identity`] as an extension and the `X-Auth-*` headers.
#[derive(Clone, Debug)]
pub struct RequireRoleLayer {
    validator: Arc<Validator>,
    rule: Arc<Rule>,
    realm: Arc<str>,
}

impl RequireRoleLayer {
    /// `realm` is the name in the `WWW-Authenticate` challenge.
    pub fn new(validator: Arc<Validator>, rule: Rule, realm: &str) -> Self {
        RequireRoleLayer { validator, rule: Arc::new(rule), realm: Arc::from(realm) }
    }
}

impl<S> Layer<S> for RequireRoleLayer {
    type Service = RequireRole<S>;

    fn layer(&self, inner: S) -> RequireRole<S> {
        RequireRole {
            inner,
            validator: Arc::clone(&self.validator),
            rule: Arc::clone(&self.rule),
            realm: Arc::clone(&self.realm),
        }
    }
}

/// The service made by [`RequireRoleLayer`].
#[derive(Clone, Debug)]
pub struct RequireRole<S> {
    inner: S,
    validator: Arc<Validator>,
    rule: Arc<Rule>,
    realm: Arc<str>,
}

impl<S, B> Service<Request<B>> for RequireRole<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual swap).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let validator = Arc::clone(&self.validator);
        let rule = Arc::clone(&self.rule);
        let realm = Arc::clone(&self.realm);
        Box::pin(async move {
            match authorize(&validator, request.headers(), &rule).await {
                Ok(identity) => {
                    set_identity_headers(request.headers_mut(), identity.as_ref());
                    if let Some(identity) = identity {
                        request.extensions_mut().insert(identity);
                    }
                    inner.call(request).await
                }
                Err(error) => {
                    tracing::info!(%error, "request refused");
                    Ok(error.to_response(&realm))
                }
            }
        })
    }
}

#[cfg(test)]
mod tests;
