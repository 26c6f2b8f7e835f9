//! The gateway's TOML configuration, checked completely before anything binds.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use http::Method;
use serde::Deserialize;

use crate::error::ConfigError;
use crate::policy::{RoleRef, Route, RouteTable, Rule, normalise_prefix};
use crate::revocation::{LinkLoss, RevocationSettings};
use crate::verify::Expectations;

/// The file as written (see `examples/gateway.toml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayConfig {
    /// Where the gateway listens, e.g. `127.0.0.1:8000`.
    pub listen: SocketAddr,
    /// The protection space named in `WWW-Authenticate` answers.
    #[serde(default = "default_realm")]
    pub realm: String,
    /// Accepted token issuers, e.g. `http://127.0.0.1:8080/keycloak/auth/realms/nagra`.
    pub issuers: Vec<String>,
    /// Allowed clock skew for `exp`, `nbf` and `iat`.
    #[serde(default = "default_leeway")]
    pub leeway_seconds: u32,
    /// If set, only tokens issued to this client (`azp`) pass.
    #[serde(default)]
    pub required_azp: Option<String>,
    /// If set, only tokens whose `aud` contains this value pass.
    #[serde(default)]
    pub required_audience: Option<String>,
    /// The shortest time between two JWKS fetches for one issuer.
    #[serde(default = "default_refresh_floor")]
    pub jwks_refresh_floor_seconds: u64,
    /// How long the upstream may stay silent before its response head: counted from the
    /// start, and again from each piece of request body sent. Longer is a 504.
    #[serde(default = "default_upstream_timeout")]
    pub upstream_timeout_ms: u64,
    /// Requests in flight to all upstreams together; a request that cannot start within
    /// the upstream timeout is answered 503.
    #[serde(default = "default_max_concurrent")]
    pub max_concurrent_upstream: usize,
    /// The longest wait for a request's head, from the moment a connection waits for one
    /// (opened, or its previous answer sent); then the connection is closed unanswered.
    #[serde(default = "default_header_read_timeout")]
    pub header_read_timeout_ms: u64,
    /// The longest wait for the next piece of a request body; then the upstream request
    /// is abandoned and the connection closed.
    #[serde(default = "default_body_read_timeout")]
    pub body_read_timeout_ms: u64,
    /// A connection without a request in flight is closed after this long.
    #[serde(default = "default_idle_timeout")]
    pub idle_timeout_ms: u64,
    /// Open client connections at most; at the cap the longest-idle one is closed for
    /// the newcomer (`latchkey_listener`).
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Follow latchkey's revocation stream (logout means logout); absent: do not.
    #[serde(default)]
    pub revocation: Option<RevocationConfig>,
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
}

/// `[revocation]`: the confidential client the gateway logs in as (in every issuer's
/// realm) to read the revocation stream; its service account needs the
/// `realm-management` client role `view-users`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationConfig {
    pub client_id: String,
    pub client_secret: String,
    /// `fail_closed` (default): refuse tokens (503) while the link is down;
    /// `keep_last`: check against the last known list.
    #[serde(default)]
    pub on_link_loss: LinkLoss,
    /// Silence on the stream longer than this (latchkey sends a heartbeat every second)
    /// counts as a lost link.
    #[serde(default = "default_link_timeout")]
    pub link_timeout_ms: u64,
}

impl std::fmt::Debug for RevocationConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationConfig")
            .field("client_id", &self.client_id)
            .field("on_link_loss", &self.on_link_loss)
            .field("link_timeout_ms", &self.link_timeout_ms)
            .finish_non_exhaustive()
    }
}

impl RevocationConfig {
    pub fn settings(&self) -> RevocationSettings {
        RevocationSettings {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            on_link_loss: self.on_link_loss,
            link_timeout: Duration::from_millis(self.link_timeout_ms),
        }
    }
}

/// One `[[routes]]` entry. Exactly one of `public = true`, `any_of` or `all_of`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// Path prefix, matched segment-wise: `/admin/` matches `/admin` and `/admin/...`.
    pub prefix: String,
    /// Methods this route serves; all when absent.
    #[serde(default)]
    pub methods: Option<Vec<String>>,
    /// `http://host:port[/base]`; the request path is appended.
    pub upstream: String,
    #[serde(default)]
    pub strip_prefix: bool,
    #[serde(default)]
    pub public: bool,
    /// Roles of which the token needs one: `adminRole` (realm) or `client:role`.
    #[serde(default)]
    pub any_of: Option<Vec<String>>,
    /// Roles the token needs all of.
    #[serde(default)]
    pub all_of: Option<Vec<String>>,
}

fn default_header_read_timeout() -> u64 {
    duration_ms(latchkey_listener::Limits::default().header_read_timeout)
}
fn default_body_read_timeout() -> u64 {
    duration_ms(latchkey_listener::Limits::default().body_read_timeout)
}
fn default_idle_timeout() -> u64 {
    duration_ms(latchkey_listener::Limits::default().idle_timeout)
}
fn default_max_connections() -> usize {
    latchkey_listener::Limits::default().max_connections
}
fn duration_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
fn default_realm() -> String {
    "latchkey".to_owned()
}
fn default_leeway() -> u32 {
    5
}
fn default_refresh_floor() -> u64 {
    10
}
fn default_upstream_timeout() -> u64 {
    30_000
}
fn default_max_concurrent() -> usize {
    1024
}
fn default_link_timeout() -> u64 {
    3000
}

impl GatewayConfig {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        Self::from_toml(&text)
    }

    /// Parses and validates.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        let config: GatewayConfig = toml::from_str(text)?;
        config.route_table()?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.issuers.is_empty() {
            return Err(ConfigError::Invalid("`issuers` is empty".into()));
        }
        for issuer in &self.issuers {
            if !(issuer.starts_with("http://") || issuer.starts_with("https://"))
                || issuer.ends_with('/')
            {
                return Err(ConfigError::Invalid(format!(
                    "issuer `{issuer}` must be an http(s) URL without a trailing `/`"
                )));
            }
        }
        if self.realm.is_empty()
            || !self
                .realm
                .chars()
                .all(|c| (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ')
        {
            return Err(ConfigError::Invalid(
                "`realm` must be printable ASCII without quotes".into(),
            ));
        }
        if let Some(revocation) = &self.revocation
            && (revocation.client_id.is_empty() || revocation.link_timeout_ms < 1000)
        {
            return Err(ConfigError::Invalid(
                "`revocation` needs a `client_id` and a `link_timeout_ms` of at least 1000".into(),
            ));
        }
        if self.max_concurrent_upstream == 0 || self.upstream_timeout_ms == 0 {
            return Err(ConfigError::Invalid(
                "`max_concurrent_upstream` and `upstream_timeout_ms` must be positive".into(),
            ));
        }
        if self.header_read_timeout_ms == 0
            || self.body_read_timeout_ms == 0
            || self.idle_timeout_ms == 0
            || self.max_connections == 0
        {
            return Err(ConfigError::Invalid(
                "`header_read_timeout_ms`, `body_read_timeout_ms`, `idle_timeout_ms` and \
                 `max_connections` must be positive"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The routes as the proxy matches them.
    pub fn route_table(&self) -> Result<RouteTable, ConfigError> {
        let routes = self.routes.iter().map(RouteConfig::to_route).collect::<Result<_, _>>()?;
        Ok(RouteTable::new(routes))
    }

    /// The prefixes of the guarded routes that take a token of any audience from any
    /// client of the issuers' realms: neither `required_audience` nor `required_azp` is
    /// set. oauth2-proxy checks the audience by default; the gateway warns at start.
    pub fn routes_open_to_any_client(&self) -> Vec<&str> {
        if self.required_audience.is_some() || self.required_azp.is_some() {
            return Vec::new();
        }
        self.routes
            .iter()
            .filter(|route| !route.public)
            .map(|route| route.prefix.as_str())
            .collect()
    }

    pub fn expectations(&self) -> Expectations {
        Expectations {
            issuers: self.issuers.clone(),
            leeway_secs: i64::from(self.leeway_seconds),
            azp: self.required_azp.clone(),
            audience: self.required_audience.clone(),
        }
    }

    /// The listener's timeouts and connection cap.
    pub fn connection_limits(&self) -> latchkey_listener::Limits {
        latchkey_listener::Limits {
            header_read_timeout: Duration::from_millis(self.header_read_timeout_ms),
            body_read_timeout: Duration::from_millis(self.body_read_timeout_ms),
            idle_timeout: Duration::from_millis(self.idle_timeout_ms),
            max_connections: self.max_connections,
        }
    }

    pub fn upstream_timeout(&self) -> Duration {
        Duration::from_millis(self.upstream_timeout_ms)
    }

    pub fn jwks_refresh_floor(&self) -> Duration {
        Duration::from_secs(self.jwks_refresh_floor_seconds)
    }
}

impl RouteConfig {
    fn to_route(&self) -> Result<Route, ConfigError> {
        let invalid = |what: &str| ConfigError::Invalid(format!("route `{}`: {what}", self.prefix));
        let prefix = normalise_prefix(&self.prefix)
            .ok_or_else(|| invalid("prefix must start with `/` and have no dot segments"))?;
        let methods = match &self.methods {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| Method::from_bytes(name.to_ascii_uppercase().as_bytes()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| invalid("unknown method"))?,
            ),
        };
        let upstream = self.upstream.trim_end_matches('/').to_owned();
        let uri: http::Uri = upstream.parse().map_err(|_| invalid("upstream is not a URL"))?;
        // The proxy's client speaks plain HTTP/1.1; TLS to upstreams is a later step.
        if uri.scheme_str() != Some("http") || uri.authority().is_none() || uri.query().is_some() {
            return Err(invalid("upstream must be an http://host:port[/path] URL"));
        }
        let roles = |names: &[String]| -> Result<Vec<RoleRef>, ConfigError> {
            if names.is_empty() {
                return Err(invalid("an empty role list would refuse everyone"));
            }
            names
                .iter()
                .map(|name| RoleRef::parse(name).ok_or_else(|| invalid("bad role name")))
                .collect()
        };
        let rule = match (self.public, &self.any_of, &self.all_of) {
            (true, None, None) => Rule::Public,
            (false, Some(any_of), None) => Rule::AnyOf(roles(any_of)?),
            (false, None, Some(all_of)) => Rule::AllOf(roles(all_of)?),
            _ => return Err(invalid("set exactly one of `public = true`, `any_of`, `all_of`")),
        };
        Ok(Route { prefix, methods, upstream, strip_prefix: self.strip_prefix, rule })
    }
}

#[cfg(test)]
mod tests;
