//! User sessions: created by a password grant, extended by refreshes, ended by logout.
//!
//! latchkey keeps one client session per user session (direct grants never share an
//! SSO session between clients), so both live in one record.

/// Where a refresh-token chain stands when the realm has Revoke Refresh Token on
/// (`TokenManager.validateTokenReuse`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RefreshReuse {
    /// `jti` of the refresh token currently being counted.
    pub current_token_id: Option<String>,
    pub use_count: i64,
    /// Seconds: when the last refresh token of this chain was issued.
    pub last_refresh: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub realm_id: String,
    pub user_id: String,
    /// Internal id of the client of the session's one client session.
    pub client_uuid: String,
    /// Seconds: user session start (also the authentication time).
    pub started: i64,
    /// Seconds: last time a refresh token was issued for the session.
    pub last_refresh: i64,
    /// The scope string granted at login, carried into refresh tokens.
    pub scope: String,
    /// An offline session (`scope=offline_access`): offline lifetimes, `Offline` refresh tokens.
    pub offline: bool,
    pub reuse: RefreshReuse,
    /// The client's IP address at login (empty when unknown).
    pub ip_address: String,
}

impl Session {
    /// The session is valid when neither idle nor max has run out
    /// (`AuthenticationManager.isSessionValid`; KC 26 persistent sessions have no idle grace).
    pub fn is_active(&self, idle_timeout: i64, max_lifespan: i64, now_secs: i64) -> bool {
        now_secs < self.idle_deadline(idle_timeout) && now_secs < self.max_deadline(max_lifespan)
    }

    pub fn idle_deadline(&self, idle_timeout: i64) -> i64 {
        self.last_refresh.saturating_add(idle_timeout)
    }

    pub fn max_deadline(&self, max_lifespan: i64) -> i64 {
        self.started.saturating_add(max_lifespan)
    }
}
