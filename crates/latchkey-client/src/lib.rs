//! A token source for a CRM or a script: logs in with the password grant (or client
//! credentials), hands out a valid access token, refreshes it shortly before it expires,
//! logs in again when the session is gone, and backs off when the credentials are wrong.
//!
//! ```no_run
//! # async fn demo() -> Result<(), latchkey_client::Error> {
//! let tokens = latchkey_client::TokenSource::builder_for_issuer(
//!     "https://sso.example.com/keycloak/auth/realms/nagra",
//!     "crm_client",
//! )
//! .password("crm_client_user", "1234")
//! .build()?;
//! let token = tokens.access_token().await?;
//! # let _ = token;
//! # Ok(())
//! # }
//! ```
//!
//! Expiry is judged from `expires_in` / `refresh_expires_in` in the token response, counted
//! from the moment the response arrived on the injected [`Clock`]; the JWT is never parsed.
//! One mutex guards the state and is held across the request, so concurrent callers share a
//! single login or refresh.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use latchkey_core::time::{Clock, SystemClock, UnixMillis};
use serde::Deserialize;
use tokio::sync::Mutex;

/// What can go wrong when getting a token.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The token endpoint refused the credentials (wrong password, unknown or wrong client,
    /// grant not allowed for the client, disabled or locked account).
    #[error("credentials rejected by the token endpoint: {error}: {description}")]
    CredentialsRejected { error: String, description: String },
    /// The credentials were rejected a moment ago; no request is sent until the back-off ends.
    #[error(
        "credentials were rejected ({error}: {description}); not retrying for another {} s",
        retry_in.as_secs()
    )]
    BackingOff { error: String, description: String, retry_in: Duration },
    /// Any other error answer of the token endpoint.
    #[error("token endpoint answered {status}: {error}: {description}")]
    Refused { status: u16, error: String, description: String },
    /// The token endpoint kept answering 5xx.
    #[error("token endpoint unavailable: HTTP {status} after {attempts} attempts")]
    Unavailable { status: u16, attempts: u32 },
    /// The token endpoint could not be reached.
    #[error("cannot reach the token endpoint after {attempts} attempts: {source}")]
    Network {
        attempts: u32,
        #[source]
        source: reqwest::Error,
    },
    /// The answer was not a token response.
    #[error("unexpected token response: {0}")]
    InvalidResponse(String),
    /// The source was configured wrongly.
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// How the source logs in.
#[derive(Clone)]
pub enum Grant {
    /// `grant_type=password` with a user's name and password.
    Password { username: String, password: String },
    /// `grant_type=client_credentials` (needs a confidential client with a service account).
    ClientCredentials,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Grant::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Grant::ClientCredentials => f.write_str("ClientCredentials"),
        }
    }
}

/// Configures a [`TokenSource`].
pub struct TokenSourceBuilder {
    token_url: String,
    fallback_token_urls: Vec<String>,
    client_id: String,
    client_secret: Option<String>,
    grant: Option<Grant>,
    scope: Option<String>,
    clock: Arc<dyn Clock>,
    http: Option<reqwest::Client>,
    refresh_margin: Duration,
    credentials_backoff: Duration,
    attempts: u32,
    retry_delay: Duration,
}

impl fmt::Debug for TokenSourceBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSourceBuilder")
            .field("token_url", &self.token_url)
            .field("fallback_token_urls", &self.fallback_token_urls)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "<redacted>"))
            .field("grant", &self.grant)
            .field("scope", &self.scope)
            .field("refresh_margin", &self.refresh_margin)
            .field("credentials_backoff", &self.credentials_backoff)
            .field("attempts", &self.attempts)
            .field("retry_delay", &self.retry_delay)
            .finish_non_exhaustive()
    }
}

impl TokenSourceBuilder {
    /// The client secret, sent as HTTP Basic (`client_secret_basic`).
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// Log in with the password grant.
    pub fn password(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.grant = Some(Grant::Password { username: username.into(), password: password.into() });
        self
    }

    /// Log in with client credentials.
    pub fn client_credentials(mut self) -> Self {
        self.grant = Some(Grant::ClientCredentials);
        self
    }

    /// The `scope` parameter of the login (e.g. `openid` to call userinfo).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// The clock expiry is judged on (default: the wall clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The HTTP client to use (default: a new `reqwest::Client`).
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Refresh this long before the access token expires (default 30 s; never more than
    /// half the token's lifetime).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// After the credentials were rejected, fail fast for this long (default 60 s).
    pub fn credentials_backoff(mut self, backoff: Duration) -> Self {
        self.credentials_backoff = backoff;
        self
    }

    /// Another instance of the same service (its issuer URL, as for
    /// [`TokenSource::builder_for_issuer`]): when an instance refuses the connection
    /// (stopped, or dead), the request goes at once to the next, in the order given, and
    /// later requests start at the one that answered. Instances behind one address need
    /// none of this; several addresses of one cluster do.
    pub fn fallback_issuer(self, issuer: &str) -> Self {
        self.fallback_token_url(token_url_for_issuer(issuer))
    }

    /// [`TokenSourceBuilder::fallback_issuer`] by the instance's token endpoint URL.
    pub fn fallback_token_url(mut self, token_url: impl Into<String>) -> Self {
        self.fallback_token_urls.push(token_url.into());
        self
    }

    /// How often a request is tried on network errors and 5xx (default 3), and the delay
    /// before the first retry (default 200 ms, doubled each time).
    pub fn retries(mut self, attempts: u32, first_delay: Duration) -> Self {
        self.attempts = attempts.max(1);
        self.retry_delay = first_delay;
        self
    }

    pub fn build(self) -> Result<TokenSource, Error> {
        let grant =
            self.grant.ok_or_else(|| Error::Config("no credentials: password or client".into()))?;
        if matches!(grant, Grant::ClientCredentials) && self.client_secret.is_none() {
            return Err(Error::Config("client credentials need a client secret".into()));
        }
        let mut token_urls = vec![self.token_url];
        token_urls.extend(self.fallback_token_urls);
        for url in &token_urls {
            reqwest::Url::parse(url)
                .map_err(|e| Error::Config(format!("token URL `{url}`: {e}")))?;
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .map_err(|e| Error::Config(format!("HTTP client: {e}")))?,
        };
        Ok(TokenSource {
            inner: Arc::new(Inner {
                token_urls,
                current: AtomicUsize::new(0),
                client_id: self.client_id,
                client_secret: self.client_secret,
                grant,
                scope: self.scope,
                clock: self.clock,
                http,
                refresh_margin: self.refresh_margin,
                credentials_backoff: self.credentials_backoff,
                attempts: self.attempts,
                retry_delay: self.retry_delay,
                state: Mutex::new(State::default()),
            }),
        })
    }
}

/// Hands out valid access tokens. Cheap to clone; clones share the tokens.
#[derive(Clone)]
pub struct TokenSource {
    inner: Arc<Inner>,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("token_urls", &self.inner.token_urls)
            .field("client_id", &self.inner.client_id)
            .field("grant", &self.inner.grant)
            .finish_non_exhaustive()
    }
}

struct Inner {
    /// The first instance's token endpoint, then the fallbacks'.
    token_urls: Vec<String>,
    /// The index in `token_urls` of the instance requests go to.
    current: AtomicUsize,
    client_id: String,
    client_secret: Option<String>,
    grant: Grant,
    scope: Option<String>,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    refresh_margin: Duration,
    credentials_backoff: Duration,
    attempts: u32,
    retry_delay: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    tokens: Option<Tokens>,
    rejected: Option<Rejection>,
}

struct Tokens {
    access_token: String,
    /// When the access token should be replaced: expiry minus the margin.
    renew_at: UnixMillis,
    /// When the access token expires.
    expires_at: UnixMillis,
    refresh_token: Option<String>,
    /// When the refresh token expires; `None` when the server gave no lifetime.
    refresh_expires_at: Option<UnixMillis>,
}

struct Rejection {
    error: String,
    description: String,
    until: UnixMillis,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: i64,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    refresh_expires_in: Option<i64>,
}

#[derive(Deserialize, Default)]
struct ErrorResponse {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// What one exchange with the token endpoint ended in.
enum Outcome {
    Tokens(TokenResponse),
    /// A 4xx with an OAuth error body.
    Refused {
        status: u16,
        body: ErrorResponse,
    },
}

const DEFAULT_ISSUER_TOKEN_PATH: &str = "/protocol/openid-connect/token";

impl TokenSource {
    /// A builder for the given token endpoint URL.
    pub fn builder(
        token_url: impl Into<String>,
        client_id: impl Into<String>,
    ) -> TokenSourceBuilder {
        TokenSourceBuilder {
            token_url: token_url.into(),
            fallback_token_urls: Vec::new(),
            client_id: client_id.into(),
            client_secret: None,
            grant: None,
            scope: None,
            clock: Arc::new(SystemClock),
            http: None,
            refresh_margin: Duration::from_secs(30),
            credentials_backoff: Duration::from_secs(60),
            attempts: 3,
            retry_delay: Duration::from_millis(200),
        }
    }

    /// A builder for an issuer URL such as `https://host/keycloak/auth/realms/nagra`.
    pub fn builder_for_issuer(issuer: &str, client_id: impl Into<String>) -> TokenSourceBuilder {
        Self::builder(token_url_for_issuer(issuer), client_id)
    }

    /// A builder for a server base URL (`https://host/keycloak/auth`) and a realm name.
    pub fn builder_for_realm(
        base_url: &str,
        realm: &str,
        client_id: impl Into<String>,
    ) -> TokenSourceBuilder {
        let issuer = format!("{}/realms/{realm}", base_url.trim_end_matches('/'));
        Self::builder(token_url_for_issuer(&issuer), client_id)
    }

    /// A valid access token: the current one, a refreshed one, or one from a new login.
    pub async fn access_token(&self) -> Result<String, Error> {
        let inner = &self.inner;
        let mut state = inner.state.lock().await;
        let now = inner.clock.now();
        if let Some(tokens) = &state.tokens
            && now < tokens.renew_at
        {
            return Ok(tokens.access_token.clone());
        }
        if let Some(rejected) = &state.rejected {
            if now < rejected.until {
                let retry_in =
                    Duration::from_millis(u64::try_from(rejected.until.0 - now.0).unwrap_or(0));
                return Err(Error::BackingOff {
                    error: rejected.error.clone(),
                    description: rejected.description.clone(),
                    retry_in,
                });
            }
            state.rejected = None;
        }
        let current = state.tokens.take();
        let refresh_token = current.as_ref().and_then(|tokens| {
            let usable = tokens.refresh_expires_at.is_none_or(|at| now < at);
            if usable { tokens.refresh_token.clone() } else { None }
        });
        if let Some(refresh_token) = refresh_token {
            let grant =
                [("grant_type", "refresh_token"), ("refresh_token", refresh_token.as_str())];
            match inner.exchange(&grant).await {
                Ok(Outcome::Tokens(response)) => {
                    tracing::debug!(client_id = %inner.client_id, "access token refreshed");
                    return Ok(inner.store(&mut state, response));
                }
                Ok(Outcome::Refused { body, .. }) if body.error == "invalid_grant" => {
                    tracing::info!(
                        client_id = %inner.client_id,
                        reason = %body.error_description,
                        "refresh refused; logging in again"
                    );
                }
                Ok(Outcome::Refused { status, body }) => {
                    return Err(inner.refused(&mut state, status, body));
                }
                Err(error) => {
                    // The server is unreachable or failing: keep the tokens for the next
                    // try, and hand out the current access token while it has not expired.
                    if let Some(tokens) = current {
                        let still_valid = inner.clock.now() < tokens.expires_at;
                        let access_token = tokens.access_token.clone();
                        state.tokens = Some(tokens);
                        if still_valid {
                            tracing::warn!(%error, "refresh failed; the current token is still valid");
                            return Ok(access_token);
                        }
                    }
                    return Err(error);
                }
            }
        }
        let outcome = match &inner.grant {
            Grant::Password { username, password } => {
                inner
                    .exchange(&[
                        ("grant_type", "password"),
                        ("username", username),
                        ("password", password),
                    ])
                    .await?
            }
            Grant::ClientCredentials => {
                inner.exchange(&[("grant_type", "client_credentials")]).await?
            }
        };
        match outcome {
            Outcome::Tokens(response) => {
                tracing::debug!(client_id = %inner.client_id, "logged in");
                Ok(inner.store(&mut state, response))
            }
            Outcome::Refused { status, body } => Err(inner.refused(&mut state, status, body)),
        }
    }

    /// Forgets the current access token (e.g. after an API answered 401), so the next
    /// [`access_token`](Self::access_token) refreshes it.
    pub async fn invalidate(&self) {
        let mut state = self.inner.state.lock().await;
        if let Some(tokens) = &mut state.tokens {
            tokens.renew_at = UnixMillis(i64::MIN);
            tokens.expires_at = UnixMillis(i64::MIN);
        }
    }
}

/// The token endpoint of an issuer URL.
pub fn token_url_for_issuer(issuer: &str) -> String {
    format!("{}{DEFAULT_ISSUER_TOKEN_PATH}", issuer.trim_end_matches('/'))
}

fn is_credentials_error(status: u16, error: &str) -> bool {
    matches!(error, "invalid_client" | "unauthorized_client" | "invalid_grant") || status == 401
}

impl Inner {
    /// Keeps a token response and returns its access token.
    fn store(&self, state: &mut State, response: TokenResponse) -> String {
        let received_at = self.clock.now();
        let lifetime_ms = response.expires_in.max(0).saturating_mul(1000);
        let margin_ms =
            i64::try_from(self.refresh_margin.as_millis()).unwrap_or(i64::MAX).min(lifetime_ms / 2);
        let expires_at = UnixMillis(received_at.0.saturating_add(lifetime_ms));
        let renew_at = UnixMillis(expires_at.0.saturating_sub(margin_ms));
        let refresh_expires_at = response
            .refresh_expires_in
            .filter(|secs| *secs > 0)
            .map(|secs| received_at.plus_secs(secs));
        let access_token = response.access_token;
        state.tokens = Some(Tokens {
            access_token: access_token.clone(),
            renew_at,
            expires_at,
            refresh_token: response.refresh_token,
            refresh_expires_at,
        });
        access_token
    }

    /// Turns a refusal into an error, starting the back-off for credential errors.
    fn refused(&self, state: &mut State, status: u16, body: ErrorResponse) -> Error {
        if is_credentials_error(status, &body.error) {
            let backoff = i64::try_from(self.credentials_backoff.as_millis()).unwrap_or(i64::MAX);
            let until = UnixMillis(self.clock.now().0.saturating_add(backoff));
            tracing::warn!(
                client_id = %self.client_id,
                error = %body.error,
                reason = %body.error_description,
                backoff_secs = self.credentials_backoff.as_secs(),
                "credentials rejected; backing off"
            );
            state.rejected = Some(Rejection {
                error: body.error.clone(),
                description: body.error_description.clone(),
                until,
            });
            Error::CredentialsRejected { error: body.error, description: body.error_description }
        } else {
            Error::Refused { status, error: body.error, description: body.error_description }
        }
    }

    /// POSTs a grant to the token endpoint, retrying network errors and 5xx.
    async fn exchange(&self, grant: &[(&str, &str)]) -> Result<Outcome, Error> {
        let mut form: Vec<(&str, &str)> = grant.to_vec();
        if self.client_secret.is_none() {
            form.push(("client_id", &self.client_id));
        }
        if let Some(scope) = &self.scope
            && grant.first().is_some_and(|(_, v)| *v != "refresh_token")
        {
            form.push(("scope", scope));
        }
        let body = encode_form(&form);
        let mut delay = self.retry_delay;
        let mut attempt = 0;
        // Instances that refused the connection since the last one that answered.
        let mut refused = 0;
        loop {
            let current = self.current.load(Ordering::Relaxed) % self.token_urls.len();
            if refused == 0 {
                attempt += 1;
            }
            let mut request = self
                .http
                .post(&self.token_urls[current])
                .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body.clone());
            if let Some(secret) = &self.client_secret {
                request = request
                    .basic_auth(encode_component(&self.client_id), Some(encode_component(secret)));
            }
            let last = attempt >= self.attempts;
            match request.send().await {
                // Another instance may be up: try it at once, as one attempt for all.
                Err(source) if source.is_connect() && refused + 1 < self.token_urls.len() => {
                    refused += 1;
                    let next = (current + 1) % self.token_urls.len();
                    self.current.store(next, Ordering::Relaxed);
                    tracing::warn!(error = %source, next = %self.token_urls[next], "instance unreachable; trying the next");
                    continue;
                }
                Err(source) => {
                    refused = 0;
                    if source.is_connect() {
                        let next = (current + 1) % self.token_urls.len();
                        self.current.store(next, Ordering::Relaxed);
                    }
                    if last {
                        return Err(Error::Network { attempts: attempt, source });
                    }
                    tracing::warn!(attempt, error = %source, "token endpoint unreachable; retrying");
                }
                Ok(response) if response.status().is_server_error() => {
                    refused = 0;
                    let status = response.status().as_u16();
                    if last {
                        return Err(Error::Unavailable { status, attempts: attempt });
                    }
                    tracing::warn!(attempt, status, "token endpoint failed; retrying");
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let bytes = response
                        .bytes()
                        .await
                        .map_err(|source| Error::Network { attempts: attempt, source })?;
                    if (200..300).contains(&status) {
                        let tokens: TokenResponse = serde_json::from_slice(&bytes)
                            .map_err(|e| Error::InvalidResponse(e.to_string()))?;
                        return Ok(Outcome::Tokens(tokens));
                    }
                    let body: ErrorResponse = serde_json::from_slice(&bytes).unwrap_or_default();
                    return Ok(Outcome::Refused { status, body });
                }
            }
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2);
        }
    }
}

/// `application/x-www-form-urlencoded` encoding of pairs.
fn encode_form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode_component(k), encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Form encoding of one component (as RFC 6749 2.3.1 also asks for Basic credentials).
fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(byte))
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_redacts_secrets() {
        let builder = TokenSource::builder("http://127.0.0.1:1/token", "crm_client")
            .client_secret("top-secret")
            .password("crm_client_user", "hunter2");
        let text = format!("{builder:?}");
        assert!(!text.contains("top-secret") && !text.contains("hunter2"), "{text}");
        assert!(text.contains("crm_client_user"));
    }

    #[test]
    fn issuer_url_gives_the_token_endpoint() {
        assert_eq!(
            token_url_for_issuer("http://h/keycloak/auth/realms/nagra/"),
            "http://h/keycloak/auth/realms/nagra/protocol/openid-connect/token"
        );
    }

    #[test]
    fn client_credentials_need_a_secret() {
        let built =
            TokenSource::builder("http://127.0.0.1:1/token", "svc").client_credentials().build();
        assert!(matches!(built, Err(Error::Config(_))));
    }
}
