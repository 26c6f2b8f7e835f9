//! The server's settings, already validated by the binary that loaded them.

use std::net::IpAddr;
use std::path::PathBuf;

/// TLS certificate and key files (PEM).
#[derive(Clone, Debug)]
pub struct TlsFiles {
    pub certificate: PathBuf,
    pub key: PathBuf,
}

#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub http_host: IpAddr,
    pub http_port: u16,
    /// Always starts with `/` and never ends with one, or is empty for `/`.
    pub relative_path: String,
    /// Fixed frontend URL (`--hostname`), e.g. `https://sso.example.com/keycloak/auth`.
    /// When `None`, the issuer follows the request's `Host` (dev mode).
    pub hostname: Option<String>,
    pub tls: Option<TlsFiles>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest realm file the Admin API reads (`POST /admin/realms`, `partialImport`),
    /// once the caller is authenticated.
    pub max_import_bytes: usize,
    /// Threads hashing passwords at once.
    pub hash_workers: usize,
    /// Header-read, body-read and idle timeouts and the connection cap of the listener.
    pub connections: latchkey_listener::Limits,
    /// Serve `/metrics` (`--metrics-enabled`, off by default as in Keycloak).
    pub metrics_enabled: bool,
    /// Serve `/metrics` on the main port under the relative path rather than on the
    /// management interface (Keycloak's `--legacy-observability-interface`).
    pub legacy_observability_interface: bool,
    /// The management interface's port (`--http-management-port`, Keycloak's 9000), on
    /// `http_host`; it serves `/metrics` and `/health/*` when metrics are enabled.
    pub http_management_port: u16,
    /// Its relative path (`--http-management-relative-path`): like `relative_path`, and
    /// empty for `/`, Keycloak's default.
    pub http_management_relative_path: String,
    /// `/health/ready` answers 503 once the change feed (PostgreSQL) has not been read
    /// for longer than this (`--health-feed-max-lag`).
    pub feed_max_lag: std::time::Duration,
}

impl ServerConfig {
    /// Whether the management interface is served, on its own port.
    pub fn has_management_interface(&self) -> bool {
        self.metrics_enabled && !self.legacy_observability_interface
    }
}

impl ServerConfig {
    /// Normalises a relative path the way Keycloak's `--http-relative-path` reads it.
    pub fn normalize_relative_path(path: &str) -> String {
        let trimmed = path.trim().trim_end_matches('/');
        if trimmed.is_empty() {
            String::new()
        } else if trimmed.starts_with('/') {
            trimmed.to_owned()
        } else {
            format!("/{trimmed}")
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            http_host: IpAddr::from([127, 0, 0, 1]),
            http_port: 8080,
            relative_path: "/keycloak/auth".to_owned(),
            hostname: None,
            tls: None,
            max_body_bytes: 64 * 1024,
            max_import_bytes: 10 * 1024 * 1024,
            hash_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            connections: latchkey_listener::Limits::default(),
            metrics_enabled: false,
            legacy_observability_interface: false,
            http_management_port: 9000,
            http_management_relative_path: String::new(),
            feed_max_lag: std::time::Duration::from_secs(5),
        }
    }
}
