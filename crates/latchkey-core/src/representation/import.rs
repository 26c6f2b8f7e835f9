//! Realm JSON to a `RealmBundle`: Keycloak's defaults first, then what the file says
//! (`RealmManager.importRealm`, `LegacyExportImportManager`, `RepresentationToModel`).

use super::defaults::{Builder, realm_defaults};
use super::types::RealmRepresentation;
use super::{client_scopes, clients, groups, keys, roles, users};
use crate::realm::{BruteForceStrategy, Realm, RealmSettings, SslRequired};
use crate::store::RealmBundle;
use crate::time::UnixMillis;
use crate::token::algorithm::Algorithm;

/// Why a realm file cannot be imported. Messages name the offending entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    /// `PasswordPolicyConfigException`: Keycloak's own text.
    #[error(transparent)]
    PasswordPolicy(#[from] crate::password_policy::PolicyConfigError),
    #[error("the realm file has no `realm` name")]
    MissingRealmName,
    #[error("client #{index} has no `clientId`")]
    MissingClientId { index: usize },
    #[error("client `{0}` is defined twice")]
    DuplicateClient(String),
    #[error("client scope #{index} has no `name`")]
    MissingClientScopeName { index: usize },
    #[error("client scope `{0}` is defined twice")]
    DuplicateClientScope(String),
    #[error("{used_by} refers to unknown client scope `{scope}`")]
    UnknownClientScope { scope: String, used_by: String },
    #[error("user #{index} has no `username`")]
    MissingUsername { index: usize },
    #[error("user `{0}` is defined twice")]
    DuplicateUser(String),
    #[error("a group in {parent} has no `name`")]
    MissingGroupName { parent: String },
    #[error("group `{0}` is defined twice")]
    DuplicateGroup(String),
    #[error("{used_by} refers to unknown group `{path}`")]
    UnknownGroup { path: String, used_by: String },
    #[error("a role of {container} has no `name`")]
    MissingRoleName { container: String },
    #[error("{used_by} refers to unknown realm role `{role}`")]
    UnknownRealmRole { role: String, used_by: String },
    #[error("{used_by} refers to unknown client `{client}`")]
    UnknownClient { client: String, used_by: String },
    #[error("{used_by} refers to unknown role `{role}` of client `{client}`")]
    UnknownClientRole { client: String, role: String, used_by: String },
    #[error("user `{user}`: unreadable password credential: {message}")]
    Credential { user: String, message: String },
    #[error("key provider `{provider}`: {message}")]
    KeyProvider { provider: String, message: String },
    #[error("could not generate the realm's RSA key: {0}")]
    KeyGeneration(String),
    #[error("invalid value `{value}` for `{field}`")]
    InvalidValue { field: &'static str, value: String },
    /// A duration or count out of its range (`limits.rs`).
    #[error(transparent)]
    Setting(#[from] super::limits::SettingError),
    /// A client's duration or count out of its range.
    #[error("client `{client}`: {source}")]
    ClientSetting { client: String, source: super::limits::SettingError },
    /// A user's `notBefore` out of its range.
    #[error("user `{user}`: {source}")]
    UserSetting { user: String, source: super::limits::SettingError },
    /// A username Keycloak's username validators refuse (Keycloak itself does not check
    /// them on import; latchkey does).
    #[error("user #{index} `{username}`: invalid username: {problems}")]
    InvalidUsername { index: usize, username: String, problems: crate::username::UsernameProblems },
}

/// Imports a Keycloak realm file: starts from [`new_realm`](super::new_realm)'s defaults
/// and overlays the file's settings, roles, clients, users and keys.
///
/// Ids in the file are kept; missing ones are generated. Plain-text passwords are hashed
/// (slow: call this off the async runtime); hashed credentials are kept as they are.
/// As in Keycloak, imported users get only the roles and groups the file lists (no
/// default role, no default groups).
pub fn import_realm(rep: RealmRepresentation, now: UnixMillis) -> Result<RealmBundle, ImportError> {
    let name = rep.realm.clone().filter(|n| !n.is_empty()).ok_or(ImportError::MissingRealmName)?;
    let realm_id = rep.id.clone().filter(|id| !id.is_empty()).unwrap_or_else(crate::random::uuid);
    let keys = keys::import_keys(&rep, &realm_id, &name, now)?;
    let mut builder = Builder { bundle: realm_defaults(realm_id, &name) };
    builder.bundle.keys = keys;
    apply_realm_representation(&mut builder.bundle.realm, &rep)?;
    clients::import_clients(&mut builder, rep.clients.as_deref().unwrap_or_default())?;
    roles::import_roles(&mut builder, &rep)?;
    roles::import_default_role(&mut builder, &rep)?;
    client_scopes::import_client_scopes(&mut builder, &rep)?;
    super::defaults::add_built_in_scope_mappings(&mut builder);
    groups::import_groups(&mut builder, &rep)?;
    users::import_users(&mut builder, rep.users.as_deref().unwrap_or_default(), now)?;
    users::add_service_accounts(&mut builder, now);
    super::kept::collect(&rep, &mut builder.bundle);
    Ok(builder.bundle)
}

/// Overwrites the realm's settings with those the representation gives; absent fields
/// keep their value (import over defaults, and the Admin API's partial `PUT`). The name
/// and id are left alone. Every number given is checked against its range first
/// (`limits.rs`), and the result against Keycloak's session rule. On error the realm
/// may be partly changed: apply to a copy.
pub fn apply_realm_representation(
    realm: &mut Realm,
    rep: &RealmRepresentation,
) -> Result<(), ImportError> {
    super::limits::check_realm_representation(rep)?;
    set_if_given(&mut realm.enabled, rep.enabled);
    let settings: &mut RealmSettings = &mut realm.settings;
    if rep.display_name.is_some() {
        settings.display_name.clone_from(&rep.display_name);
    }
    if let Some(ssl) = rep.ssl_required.as_deref() {
        settings.ssl_required = parse_ssl_required(ssl)?;
    }
    let tokens = &mut settings.tokens;
    set_if_given(&mut tokens.access_token_lifespan, rep.access_token_lifespan);
    set_if_given(&mut tokens.sso_session_idle_timeout, rep.sso_session_idle_timeout);
    set_if_given(&mut tokens.sso_session_max_lifespan, rep.sso_session_max_lifespan);
    set_if_given(&mut tokens.client_session_idle_timeout, rep.client_session_idle_timeout);
    set_if_given(&mut tokens.client_session_max_lifespan, rep.client_session_max_lifespan);
    set_if_given(&mut tokens.offline_session_idle_timeout, rep.offline_session_idle_timeout);
    set_if_given(
        &mut tokens.offline_session_max_lifespan_enabled,
        rep.offline_session_max_lifespan_enabled,
    );
    set_if_given(&mut tokens.offline_session_max_lifespan, rep.offline_session_max_lifespan);
    set_if_given(&mut tokens.revoke_refresh_token, rep.revoke_refresh_token);
    set_if_given(&mut tokens.refresh_token_max_reuse, rep.refresh_token_max_reuse);
    let brute = &mut settings.brute_force;
    set_if_given(&mut brute.brute_force_protected, rep.brute_force_protected);
    set_if_given(&mut brute.permanent_lockout, rep.permanent_lockout);
    set_if_given(&mut brute.max_temporary_lockouts, rep.max_temporary_lockouts);
    set_if_given(&mut brute.max_failure_wait_seconds, rep.max_failure_wait_seconds);
    set_if_given(&mut brute.minimum_quick_login_wait_seconds, rep.minimum_quick_login_wait_seconds);
    set_if_given(&mut brute.wait_increment_seconds, rep.wait_increment_seconds);
    set_if_given(&mut brute.quick_login_check_milli_seconds, rep.quick_login_check_milli_seconds);
    set_if_given(&mut brute.max_delta_time_seconds, rep.max_delta_time_seconds);
    set_if_given(&mut brute.failure_factor, rep.failure_factor);
    if let Some(strategy) = rep.brute_force_strategy.as_deref() {
        brute.brute_force_strategy = match strategy {
            "MULTIPLE" => BruteForceStrategy::MULTIPLE,
            "LINEAR" => BruteForceStrategy::LINEAR,
            _ => {
                return Err(ImportError::InvalidValue {
                    field: "bruteForceStrategy",
                    value: strategy.to_owned(),
                });
            }
        };
    }
    set_if_given(&mut settings.login_with_email_allowed, rep.login_with_email_allowed);
    set_if_given(&mut settings.duplicate_emails_allowed, rep.duplicate_emails_allowed);
    if let Some(algorithm) = &rep.default_signature_algorithm {
        // Empty means Keycloak's default (RS256); anything else must be an algorithm
        // latchkey signs with (Keycloak 26.7.3 stores any text, then fails every token
        // request with a 500).
        if !algorithm.is_empty() && Algorithm::parse(algorithm).is_none() {
            return Err(ImportError::InvalidValue {
                field: "defaultSignatureAlgorithm",
                value: algorithm.clone(),
            });
        }
        settings.default_signature_algorithm.clone_from(algorithm);
    }
    set_if_given(&mut settings.not_before, rep.not_before);
    if let Some(policy) = rep.password_policy.as_deref() {
        settings.password_policy =
            crate::password_policy::PasswordPolicy::parse(policy)?.normalized();
    }
    apply_event_settings(&mut settings.events, rep)?;
    super::limits::check_realm_sessions(&settings.tokens)?;
    super::kept::keep_realm_fields(&mut settings.kept, &rep.extra);
    Ok(())
}

/// The realm's event settings a realm file or `PUT /admin/realms/{realm}` gives; a
/// field left out keeps its value.
fn apply_event_settings(
    events: &mut crate::event::EventSettings,
    rep: &RealmRepresentation,
) -> Result<(), ImportError> {
    set_if_given(&mut events.events_enabled, rep.events_enabled);
    if let Some(seconds) = rep.events_expiration {
        if seconds < 0 {
            return Err(ImportError::InvalidValue {
                field: "eventsExpiration",
                value: seconds.to_string(),
            });
        }
        events.events_expiration = Some(seconds).filter(|s| *s > 0);
    }
    // Listener names are kept as given (a Keycloak export may name `email` or its
    // own); latchkey's one listener is the log, whatever they say.
    if let Some(listeners) = &rep.events_listeners {
        events.events_listeners.clone_from(listeners);
    }
    if let Some(types) = &rep.enabled_event_types {
        events.enabled_event_types.clone_from(types);
    }
    set_if_given(&mut events.admin_events_enabled, rep.admin_events_enabled);
    set_if_given(&mut events.admin_events_details_enabled, rep.admin_events_details_enabled);
    Ok(())
}

fn parse_ssl_required(value: &str) -> Result<SslRequired, ImportError> {
    match value.to_ascii_lowercase().as_str() {
        "all" => Ok(SslRequired::All),
        "external" => Ok(SslRequired::External),
        "none" => Ok(SslRequired::None),
        _ => Err(ImportError::InvalidValue { field: "sslRequired", value: value.to_owned() }),
    }
}

/// What Keycloak writes instead of a secret in partial exports (`ComponentRepresentation.SECRET_VALUE`).
pub(super) const MASKED_SECRET: &str = "**********";

/// The value, unless it is absent, empty or masked.
pub(super) fn unmasked(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty() && *v != MASKED_SECRET)
}

/// Overwrites `target` when the file gives a value.
fn set_if_given<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}
