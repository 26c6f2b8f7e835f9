//! A realm and its settings, with Keycloak's defaults.
//!
//! Defaults follow `RealmManager.setupRealmDefaults` and the importer
//! (`RepresentationToModel`), see `spec/keycloak-protocol.md` §3.1.

use serde::{Deserialize, Serialize};

use crate::event::EventSettings;
use crate::token::algorithm::Algorithm;

/// When plain HTTP is refused (`sslRequired`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SslRequired {
    All,
    #[default]
    External,
    None,
}

impl SslRequired {
    /// Whether a plain-HTTP request from an address of this kind must be refused.
    pub fn refuses_plain_http(self, is_private_address: bool) -> bool {
        match self {
            SslRequired::All => true,
            SslRequired::External => !is_private_address,
            SslRequired::None => false,
        }
    }
}

/// How a temporary lockout's wait grows (`bruteForceStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum BruteForceStrategy {
    #[default]
    MULTIPLE,
    LINEAR,
}

/// Brute force detection settings, named as in RealmRepresentation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BruteForceSettings {
    pub brute_force_protected: bool,
    pub permanent_lockout: bool,
    pub max_temporary_lockouts: i64,
    pub brute_force_strategy: BruteForceStrategy,
    pub max_failure_wait_seconds: i64,
    pub minimum_quick_login_wait_seconds: i64,
    pub wait_increment_seconds: i64,
    pub quick_login_check_milli_seconds: i64,
    pub max_delta_time_seconds: i64,
    pub failure_factor: i64,
}

impl Default for BruteForceSettings {
    fn default() -> Self {
        BruteForceSettings {
            brute_force_protected: false,
            permanent_lockout: false,
            max_temporary_lockouts: 0,
            brute_force_strategy: BruteForceStrategy::MULTIPLE,
            max_failure_wait_seconds: 900,
            minimum_quick_login_wait_seconds: 60,
            wait_increment_seconds: 60,
            quick_login_check_milli_seconds: 1000,
            max_delta_time_seconds: 43200,
            failure_factor: 30,
        }
    }
}

/// Token and session lifetimes (Realm settings > Tokens / Sessions), in seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TokenSettings {
    pub access_token_lifespan: i64,
    pub sso_session_idle_timeout: i64,
    pub sso_session_max_lifespan: i64,
    /// 0 means "use the SSO value".
    pub client_session_idle_timeout: i64,
    /// 0 means "use the SSO value".
    pub client_session_max_lifespan: i64,
    pub revoke_refresh_token: bool,
    pub refresh_token_max_reuse: i64,
    /// Offline sessions end after this long without a refresh (30 days).
    pub offline_session_idle_timeout: i64,
    /// Whether offline sessions also have a maximum age (off by default).
    pub offline_session_max_lifespan_enabled: bool,
    pub offline_session_max_lifespan: i64,
}

impl Default for TokenSettings {
    fn default() -> Self {
        TokenSettings {
            access_token_lifespan: 300,
            sso_session_idle_timeout: 1800,
            sso_session_max_lifespan: 36000,
            client_session_idle_timeout: 0,
            client_session_max_lifespan: 0,
            revoke_refresh_token: false,
            refresh_token_max_reuse: 0,
            offline_session_idle_timeout: 2_592_000,
            offline_session_max_lifespan_enabled: false,
            offline_session_max_lifespan: 5_184_000,
        }
    }
}

/// Everything about a realm except its users, clients, roles and keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RealmSettings {
    pub display_name: Option<String>,
    pub ssl_required: SslRequired,
    #[serde(flatten)]
    pub tokens: TokenSettings,
    #[serde(flatten)]
    pub brute_force: BruteForceSettings,
    pub login_with_email_allowed: bool,
    pub duplicate_emails_allowed: bool,
    pub default_signature_algorithm: String,
    /// Realm-wide "not before" (push revocation), in seconds; tokens issued earlier are stale.
    pub not_before: i64,
    pub password_policy: Option<String>,
    /// Name of the composite role every new user gets (`default-roles-<realm>`).
    pub default_role: Option<String>,
    /// The realm representation's fields latchkey does not model (authentication
    /// flows, identity providers, SMTP, ...), kept as a realm file or the Admin API
    /// gave them and written back by export and `GET /admin/realms/{realm}`.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub kept: serde_json::Map<String, serde_json::Value>,
    /// Realm settings > Events (`event.rs`).
    #[serde(flatten)]
    pub events: EventSettings,
}

impl Default for RealmSettings {
    fn default() -> Self {
        RealmSettings {
            display_name: None,
            ssl_required: SslRequired::External,
            tokens: TokenSettings::default(),
            brute_force: BruteForceSettings::default(),
            login_with_email_allowed: true,
            duplicate_emails_allowed: false,
            default_signature_algorithm: "RS256".to_owned(),
            not_before: 0,
            password_policy: None,
            default_role: None,
            kept: serde_json::Map::new(),
            events: EventSettings::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Realm {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    pub settings: RealmSettings,
}

impl RealmSettings {
    /// The algorithm of access and ID tokens when the client names none
    /// (`defaultSignatureAlgorithm`; empty means Keycloak's RS256).
    pub fn signature_algorithm(&self) -> Algorithm {
        Algorithm::parse(&self.default_signature_algorithm).unwrap_or(Algorithm::DEFAULT)
    }
}

impl Realm {
    /// The realm `master` gets a 60 s access token lifespan (`ApplianceBootstrap`).
    pub fn new(id: String, name: String) -> Self {
        let mut settings = RealmSettings::default();
        if name == "master" {
            settings.tokens.access_token_lifespan = 60;
        }
        settings.default_role = Some(format!("default-roles-{}", name.to_lowercase()));
        Realm { id, name, enabled: true, settings }
    }
}
