//! Secrets that never print themselves and compare in constant time.

use std::fmt;

use subtle::ConstantTimeEq;

/// A client secret (or any shared secret) as stored. `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The plain value, for the few places that must write it (storage, export).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with what a client presented.
    pub fn matches(&self, presented: &str) -> bool {
        self.0.as_bytes().ct_eq(presented.as_bytes()).into()
    }

    /// 32 random alphanumerics, as Keycloak generates client secrets.
    pub fn generate() -> Self {
        Secret(crate::random::alphanumeric(32))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}
