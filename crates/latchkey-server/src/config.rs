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
    /// Threads hashing passwords at once.
    pub hash_workers: usize,
    /// Header-read, body-read and idle timeouts and the connection cap of the listener.
    pub connections: latchkey_listener::Limits,
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
            hash_workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            connections: latchkey_listener::Limits::default(),
        }
    }
}
