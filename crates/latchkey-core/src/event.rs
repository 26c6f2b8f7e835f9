//! Login events and admin events: what Keycloak 26.7.3 records, which types a realm
//! stores, and the filters of the Admin API's event queries.
//!
//! Names and defaults follow Keycloak's `EventType` (`server-spi-private/.../events/
//! EventType.java`: each type's `saveByDefault`), `RealmEventsConfigRepresentation`,
//! `EventRepresentation` and `AdminEventRepresentation`; the recorded details and
//! error codes are in `/work/coord/facts-12.md` §4 (answers of a real 26.7.3).

use serde::{Deserialize, Serialize};

/// A realm's event settings (Realm settings > Events), kept in the realm's settings
/// as `RealmRepresentation` names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventSettings {
    pub events_enabled: bool,
    /// Seconds after which stored login events are deleted; `None` keeps them.
    pub events_expiration: Option<i64>,
    pub events_listeners: Vec<String>,
    /// The types stored; empty means every type Keycloak saves by default.
    pub enabled_event_types: Vec<String>,
    pub admin_events_enabled: bool,
    pub admin_events_details_enabled: bool,
}

impl Default for EventSettings {
    fn default() -> Self {
        EventSettings {
            events_enabled: false,
            events_expiration: None,
            events_listeners: vec![JBOSS_LOGGING.to_owned()],
            enabled_event_types: Vec::new(),
            admin_events_enabled: false,
            admin_events_details_enabled: false,
        }
    }
}

/// The one event listener latchkey has: events go to the log (`tracing`), as
/// Keycloak's `jboss-logging` listener writes them to the server log.
pub const JBOSS_LOGGING: &str = "jboss-logging";

impl EventSettings {
    /// Whether a login event of this type is stored: events on, and the type listed
    /// (or, with no list, saved by default).
    pub fn stores(&self, event_type: &str) -> bool {
        self.events_enabled
            && if self.enabled_event_types.is_empty() {
                SAVED_BY_DEFAULT.contains(&event_type)
            } else {
                self.enabled_event_types.iter().any(|t| t == event_type)
            }
    }

    /// `enabledEventTypes` as `GET /events/config` shows it: the stored list, or the
    /// saved-by-default types when it is empty.
    pub fn shown_event_types(&self) -> Vec<String> {
        if self.enabled_event_types.is_empty() {
            SAVED_BY_DEFAULT.iter().map(|t| (*t).to_owned()).collect()
        } else {
            self.enabled_event_types.clone()
        }
    }
}

/// `RealmEventsConfigRepresentation`: the body of `GET/PUT /events/config`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RealmEventsConfigRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_expiration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_listeners: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled_event_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_events_details_enabled: Option<bool>,
}

/// Why an events configuration is refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventsConfigError {
    /// Keycloak: `{"error":"Unknown event listener"}` (400).
    #[error("Unknown event listener")]
    UnknownListener,
    /// latchkey's own limit: a negative expiration.
    #[error("Invalid value for 'eventsExpiration'")]
    NegativeExpiration,
}

impl RealmEventsConfigRepresentation {
    /// The settings as `GET /events/config` writes them.
    pub fn from_settings(settings: &EventSettings) -> Self {
        RealmEventsConfigRepresentation {
            events_enabled: Some(settings.events_enabled),
            events_expiration: settings.events_expiration,
            events_listeners: Some(settings.events_listeners.clone()),
            enabled_event_types: Some(settings.shown_event_types()),
            admin_events_enabled: Some(settings.admin_events_enabled),
            admin_events_details_enabled: Some(settings.admin_events_details_enabled),
        }
    }

    /// What a `PUT /events/config` makes of the settings (`RealmManager.updateEvents
    /// Config`): the expiration is replaced (absent = none), the switches, the
    /// listeners and the types when given. Unknown types are kept, as Keycloak
    /// keeps them (204); only the listeners are checked.
    pub fn apply(&self, settings: &EventSettings) -> Result<EventSettings, EventsConfigError> {
        let mut next = settings.clone();
        // A switch left out keeps its value (measured on 26.7.3: a PUT of only
        // `eventsEnabled` leaves admin events on).
        if let Some(on) = self.events_enabled {
            next.events_enabled = on;
        }
        if let Some(on) = self.admin_events_enabled {
            next.admin_events_enabled = on;
        }
        if let Some(on) = self.admin_events_details_enabled {
            next.admin_events_details_enabled = on;
        }
        if self.events_expiration.is_some_and(|seconds| seconds < 0) {
            return Err(EventsConfigError::NegativeExpiration);
        }
        next.events_expiration = self.events_expiration.filter(|seconds| *seconds > 0);
        if let Some(listeners) = &self.events_listeners {
            if listeners.iter().any(|l| l != JBOSS_LOGGING) {
                return Err(EventsConfigError::UnknownListener);
            }
            next.events_listeners.clone_from(listeners);
        }
        if let Some(types) = &self.enabled_event_types {
            // The saved-by-default list read back and written again means "default".
            next.enabled_event_types =
                if types_are_default(types) { Vec::new() } else { types.clone() };
        }
        Ok(next)
    }
}

fn types_are_default(types: &[String]) -> bool {
    types.len() == SAVED_BY_DEFAULT.len()
        && SAVED_BY_DEFAULT.iter().all(|t| types.iter().any(|given| given == t))
}

/// Whether Keycloak 26.7.3 knows this event type (exact, upper-case).
pub fn is_event_type(name: &str) -> bool {
    SAVED_BY_DEFAULT.contains(&name) || NOT_SAVED_BY_DEFAULT.contains(&name)
}

/// One login event (`EventRepresentation`); `time` in milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub time: i64,
    pub event_type: String,
    pub realm_id: String,
    /// The client's `clientId` (not its id), as Keycloak records it.
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub ip_address: Option<String>,
    pub error: Option<String>,
    /// In the order recorded.
    pub details: Vec<(String, String)>,
}

/// Who made an admin change (`AuthDetailsRepresentation`): the realm, client and user
/// of the caller's token, by id.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AuthDetails {
    pub realm_id: String,
    pub client_id: String,
    pub user_id: String,
    pub ip_address: String,
}

/// One admin event (`AdminEventRepresentation`); `time` in milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdminEvent {
    pub id: String,
    pub time: i64,
    pub realm_id: String,
    pub auth: AuthDetails,
    /// `CREATE`, `UPDATE`, `DELETE` or `ACTION`.
    pub operation_type: String,
    pub resource_type: String,
    /// Below the realm, without a leading slash: `users/<id>/groups/<id>`.
    pub resource_path: String,
    /// The change's JSON, when the realm records details.
    pub representation: Option<String>,
    pub error: Option<String>,
    pub details: Vec<(String, String)>,
}

/// `OperationType`.
pub const OPERATION_TYPES: &[&str] = &["CREATE", "UPDATE", "DELETE", "ACTION"];

/// `ResourceType` (`server-spi-private/.../events/admin/ResourceType.java`).
pub const RESOURCE_TYPES: &[&str] = &[
    "REALM",
    "REALM_ROLE",
    "REALM_ROLE_MAPPING",
    "REALM_SCOPE_MAPPING",
    "AUTH_FLOW",
    "AUTH_EXECUTION_FLOW",
    "AUTH_EXECUTION",
    "AUTHENTICATOR_CONFIG",
    "REQUIRED_ACTION",
    "IDENTITY_PROVIDER",
    "IDENTITY_PROVIDER_MAPPER",
    "PROTOCOL_MAPPER",
    "USER",
    "USER_LOGIN_FAILURE",
    "USER_SESSION",
    "USER_FEDERATION_PROVIDER",
    "USER_FEDERATION_MAPPER",
    "GROUP",
    "GROUP_MEMBERSHIP",
    "CLIENT",
    "CLIENT_INITIAL_ACCESS_MODEL",
    "CLIENT_ROLE",
    "CLIENT_ROLE_MAPPING",
    "CLIENT_SCOPE",
    "CLIENT_SCOPE_MAPPING",
    "CLIENT_SCOPE_CLIENT_MAPPING",
    "CLUSTER_NODE",
    "COMPONENT",
    "AUTHORIZATION_RESOURCE_SERVER",
    "AUTHORIZATION_RESOURCE",
    "AUTHORIZATION_SCOPE",
    "AUTHORIZATION_POLICY",
    "CUSTOM",
    "USER_PROFILE",
    "ORGANIZATION",
    "ORGANIZATION_MEMBERSHIP",
];

/// Where a query's results start and how many it returns, newest first unless
/// `ascending`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    pub first: i64,
    /// `None`: no limit.
    pub max: Option<i64>,
    pub ascending: bool,
}

impl Default for Page {
    /// Keycloak's defaults: from the first, at most 100, newest first.
    fn default() -> Self {
        Page { first: 0, max: Some(DEFAULT_MAX), ascending: false }
    }
}

/// What `GET /events` and `GET /admin-events` return without `max`.
pub const DEFAULT_MAX: i64 = 100;

/// The filters of `GET /events`; `None` and empty match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventQuery {
    pub types: Vec<String>,
    pub client_id: Option<String>,
    pub user_id: Option<String>,
    pub ip_address: Option<String>,
    /// Inclusive bounds, milliseconds.
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub page: Page,
}

/// The filters of `GET /admin-events`; `None` and empty match everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AdminEventQuery {
    pub operation_types: Vec<String>,
    pub resource_types: Vec<String>,
    /// `*` matches any run of characters (Keycloak's `resourcePath` wildcard).
    pub resource_path: Option<String>,
    pub auth_realm: Option<String>,
    pub auth_client: Option<String>,
    pub auth_user: Option<String>,
    pub auth_ip_address: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub page: Page,
}

/// Reads `dateFrom` / `dateTo` as Keycloak does: `yyyy-MM-dd` (UTC; the start of the
/// day for `dateFrom`, its last millisecond for `dateTo`) or epoch milliseconds.
/// `None` when it is neither.
pub fn parse_date(value: &str, end_of_day: bool) -> Option<i64> {
    if let Ok(millis) = value.parse::<i64>() {
        return Some(millis);
    }
    let mut parts = value.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(year, 4) || !digits(month, 2) || !digits(day, 2) {
        return None;
    }
    let (year, month, day): (i32, i32, i64) =
        (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    // Keycloak 26.7.3 refuses `2026-13-45` (400); a day past its month's end within
    // 1..=31 rolls over (`2026-02-30` is 2026-03-02), so that every value of the
    // OpenAPI document's pattern reads.
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let months = year * 12 + month - 1;
    let first = time::Date::from_calendar_date(
        months.div_euclid(12),
        time::Month::try_from(u8::try_from(months.rem_euclid(12) + 1).ok()?).ok()?,
        1,
    )
    .ok()?;
    let julian = i64::from(first.to_julian_day()) + day - 1;
    let start = (julian - i64::from(UNIX_EPOCH_JULIAN_DAY)) * DAY_MILLIS;
    Some(if end_of_day { start + DAY_MILLIS - 1 } else { start })
}

const DAY_MILLIS: i64 = 86_400_000;
/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

/// The types Keycloak stores when `enabledEventTypes` is empty (`saveByDefault`), in
/// the order `GET /events/config` lists them (recorded from Keycloak 26.7.3).
pub const SAVED_BY_DEFAULT: &[&str] = &[
    "LOGIN",
    "LOGIN_ERROR",
    "REGISTER",
    "REGISTER_ERROR",
    "LOGOUT",
    "LOGOUT_ERROR",
    "CODE_TO_TOKEN",
    "CODE_TO_TOKEN_ERROR",
    "CLIENT_LOGIN",
    "CLIENT_LOGIN_ERROR",
    "FEDERATED_IDENTITY_LINK",
    "FEDERATED_IDENTITY_LINK_ERROR",
    "REMOVE_FEDERATED_IDENTITY",
    "REMOVE_FEDERATED_IDENTITY_ERROR",
    "UPDATE_EMAIL",
    "UPDATE_EMAIL_ERROR",
    "UPDATE_PROFILE",
    "UPDATE_PROFILE_ERROR",
    "UPDATE_PASSWORD",
    "UPDATE_PASSWORD_ERROR",
    "UPDATE_TOTP",
    "UPDATE_TOTP_ERROR",
    "VERIFY_EMAIL",
    "VERIFY_EMAIL_ERROR",
    "VERIFY_PROFILE",
    "VERIFY_PROFILE_ERROR",
    "REMOVE_TOTP",
    "REMOVE_TOTP_ERROR",
    "GRANT_CONSENT",
    "GRANT_CONSENT_ERROR",
    "UPDATE_CONSENT",
    "UPDATE_CONSENT_ERROR",
    "REVOKE_GRANT",
    "REVOKE_GRANT_ERROR",
    "SEND_VERIFY_EMAIL",
    "SEND_VERIFY_EMAIL_ERROR",
    "SEND_RESET_PASSWORD",
    "SEND_RESET_PASSWORD_ERROR",
    "SEND_IDENTITY_PROVIDER_LINK",
    "SEND_IDENTITY_PROVIDER_LINK_ERROR",
    "RESET_PASSWORD",
    "RESET_PASSWORD_ERROR",
    "RESTART_AUTHENTICATION",
    "RESTART_AUTHENTICATION_ERROR",
    "IDENTITY_PROVIDER_LINK_ACCOUNT",
    "IDENTITY_PROVIDER_LINK_ACCOUNT_ERROR",
    "IDENTITY_PROVIDER_LOGIN",
    "IDENTITY_PROVIDER_LOGIN_ERROR",
    "IDENTITY_PROVIDER_FIRST_LOGIN",
    "IDENTITY_PROVIDER_FIRST_LOGIN_ERROR",
    "IDENTITY_PROVIDER_POST_LOGIN",
    "IDENTITY_PROVIDER_POST_LOGIN_ERROR",
    "IMPERSONATE",
    "IMPERSONATE_ERROR",
    "CUSTOM_REQUIRED_ACTION",
    "CUSTOM_REQUIRED_ACTION_ERROR",
    "EXECUTE_ACTIONS",
    "EXECUTE_ACTIONS_ERROR",
    "EXECUTE_ACTION_TOKEN",
    "EXECUTE_ACTION_TOKEN_ERROR",
    "CLIENT_REGISTER",
    "CLIENT_REGISTER_ERROR",
    "CLIENT_UPDATE",
    "CLIENT_UPDATE_ERROR",
    "CLIENT_DELETE",
    "CLIENT_DELETE_ERROR",
    "CLIENT_INITIATED_ACCOUNT_LINKING",
    "CLIENT_INITIATED_ACCOUNT_LINKING_ERROR",
    "TOKEN_EXCHANGE",
    "TOKEN_EXCHANGE_ERROR",
    "OAUTH2_DEVICE_AUTH",
    "OAUTH2_DEVICE_AUTH_ERROR",
    "OAUTH2_DEVICE_VERIFY_USER_CODE",
    "OAUTH2_DEVICE_VERIFY_USER_CODE_ERROR",
    "OAUTH2_DEVICE_CODE_TO_TOKEN",
    "OAUTH2_DEVICE_CODE_TO_TOKEN_ERROR",
    "AUTHREQID_TO_TOKEN",
    "AUTHREQID_TO_TOKEN_ERROR",
    "PERMISSION_TOKEN",
    "DELETE_ACCOUNT",
    "DELETE_ACCOUNT_ERROR",
    "USER_DISABLED_BY_PERMANENT_LOCKOUT",
    "USER_DISABLED_BY_TEMPORARY_LOCKOUT",
    "OAUTH2_EXTENSION_GRANT",
    "OAUTH2_EXTENSION_GRANT_ERROR",
    "FEDERATED_IDENTITY_OVERRIDE_LINK",
    "FEDERATED_IDENTITY_OVERRIDE_LINK_ERROR",
    "UPDATE_CREDENTIAL",
    "UPDATE_CREDENTIAL_ERROR",
    "REMOVE_CREDENTIAL",
    "REMOVE_CREDENTIAL_ERROR",
    "INVITE_ORG",
    "INVITE_ORG_ERROR",
    "VERIFIABLE_CREDENTIAL_REQUEST",
    "VERIFIABLE_CREDENTIAL_REQUEST_ERROR",
    "VERIFIABLE_CREDENTIAL_OFFER_REQUEST",
    "VERIFIABLE_CREDENTIAL_OFFER_REQUEST_ERROR",
    "VERIFIABLE_CREDENTIAL_CREATE_OFFER",
    "VERIFIABLE_CREDENTIAL_CREATE_OFFER_ERROR",
    "VERIFIABLE_CREDENTIAL_PRE_AUTHORIZED_GRANT",
    "VERIFIABLE_CREDENTIAL_PRE_AUTHORIZED_GRANT_ERROR",
    "JWT_AUTHORIZATION_GRANT",
    "JWT_AUTHORIZATION_GRANT_ERROR",
];

/// The types Keycloak knows but stores only when `enabledEventTypes` lists them
/// (`saveByDefault` false).
pub const NOT_SAVED_BY_DEFAULT: &[&str] = &[
    "REFRESH_TOKEN",
    "REFRESH_TOKEN_ERROR",
    "VALIDATE_ACCESS_TOKEN",
    "VALIDATE_ACCESS_TOKEN_ERROR",
    "INTROSPECT_TOKEN",
    "INTROSPECT_TOKEN_ERROR",
    "INVALID_SIGNATURE",
    "INVALID_SIGNATURE_ERROR",
    "REGISTER_NODE",
    "REGISTER_NODE_ERROR",
    "UNREGISTER_NODE",
    "UNREGISTER_NODE_ERROR",
    "USER_INFO_REQUEST",
    "USER_INFO_REQUEST_ERROR",
    "IDENTITY_PROVIDER_RESPONSE",
    "IDENTITY_PROVIDER_RESPONSE_ERROR",
    "IDENTITY_PROVIDER_RETRIEVE_TOKEN",
    "IDENTITY_PROVIDER_RETRIEVE_TOKEN_ERROR",
    "CLIENT_INFO",
    "CLIENT_INFO_ERROR",
    "PERMISSION_TOKEN_ERROR",
    "PUSHED_AUTHORIZATION_REQUEST",
    "PUSHED_AUTHORIZATION_REQUEST_ERROR",
    "USER_DISABLED_BY_PERMANENT_LOCKOUT_ERROR",
    "USER_DISABLED_BY_TEMPORARY_LOCKOUT_ERROR",
];

#[cfg(test)]
mod tests;

/// The error a refused password login records (Keycloak's `Errors`), in the order
/// `grant::password::decide_login` checks, and whether the event names the user
/// (Keycloak 26.7.3 names them for a wrong password and a disabled account, not for a
/// user who must still set up their account).
pub fn password_login_error(
    input: &crate::grant::password::LoginInput<'_>,
) -> (&'static str, bool) {
    use crate::grant::password::{Found, is_password_checked};
    let user = match input.found {
        Found::Ambiguous | Found::Nobody => return ("user_not_found", false),
        Found::User(user) => user,
    };
    if user.is_service_account() {
        return ("invalid_user_credentials", true);
    }
    if !user.enabled {
        return ("user_disabled", true);
    }
    if !is_password_checked(input.failure, input.now) {
        return ("user_temporarily_disabled", true);
    }
    if !input.is_password_valid {
        return ("invalid_user_credentials", true);
    }
    if !user.profile.required_actions.is_empty() {
        return ("resolve_required_actions", false);
    }
    ("not_allowed", true)
}
