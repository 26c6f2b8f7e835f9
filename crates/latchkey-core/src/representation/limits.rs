//! The ranges latchkey accepts for the durations and counts of realm, client and user
//! representations, checked before anything is written: by the realm import, the Admin
//! API's create and update, and the console (which reads the same table for its inline
//! errors), and written into the Admin API's OpenAPI document.
//!
//! Keycloak 26.7.3 checks almost none of these (measured, `facts-13.md` §1): it stores
//! `accessTokenLifespan` -5 (tokens born expired) or -2147483648 (a negative `exp`),
//! and a client's `access.token.lifespan` of `abc` makes every later grant a 500. Where
//! it does check, latchkey answers as it does: the brute-force counts refuse negatives
//! with its words (`DefaultExportImportManager.checkNonNegativeNumber`), a client
//! session may not outlive the SSO session
//! (`DefaultExportImportManager.validateClientAndRealmTimeouts`,
//! `DefaultClientValidationProvider.validateClientSessionTimeout`). Everywhere else
//! latchkey is stricter than Keycloak, where Keycloak is merely sloppy: lifespans run
//! from 1 second to 10 years, `-1` only where Keycloak gives it a meaning (an access
//! token that lives as long as its session; a client value that defers to the realm's),
//! counts and times are never negative and fit Keycloak's `int`.

use std::fmt::Write as _;

use super::types::{ClientRepresentation, RealmRepresentation};
use crate::client::{
    ATTR_ACCESS_TOKEN_LIFESPAN, ATTR_CLIENT_SESSION_IDLE, ATTR_CLIENT_SESSION_MAX,
};

/// Ten years of 365 days, in seconds: the longest lifespan latchkey stores.
pub const TEN_YEARS: i64 = 10 * 365 * 86_400;
/// Keycloak keeps these values in Java `int`s.
pub const INT_MAX: i64 = i32::MAX as i64;

/// A client's offline session idle timeout (stored, not used by latchkey).
pub const ATTR_CLIENT_OFFLINE_SESSION_IDLE: &str = "client.offline.session.idle.timeout";
/// A client's offline session max lifespan (stored, not used by latchkey).
pub const ATTR_CLIENT_OFFLINE_SESSION_MAX: &str = "client.offline.session.max.lifespan";

/// What a value counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Milliseconds,
    /// Seconds since 1970 (`notBefore`).
    Time,
    Count,
}

/// The values one setting accepts: `min..=max`, and `-1` too when `minus_one`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    /// The JSON name (a representation field or a client attribute).
    pub name: &'static str,
    /// Keycloak's words for it, for the messages it shares with Keycloak.
    pub label: &'static str,
    pub min: i64,
    pub max: i64,
    /// `-1` is accepted too, with the meaning Keycloak gives it.
    pub minus_one: bool,
    pub unit: Unit,
    /// Keycloak refuses negatives itself, with "`label` may not be a negative value".
    pub keycloak_non_negative: bool,
}

impl Limit {
    const fn new(name: &'static str, label: &'static str, min: i64, max: i64, unit: Unit) -> Self {
        Limit { name, label, min, max, minus_one: false, unit, keycloak_non_negative: false }
    }

    const fn or_minus_one(mut self) -> Self {
        self.minus_one = true;
        self
    }

    /// Keycloak's own non-negative check (its brute-force settings).
    const fn keycloak_non_negative(mut self) -> Self {
        self.keycloak_non_negative = true;
        self
    }

    pub fn accepts(&self, value: i64) -> bool {
        (self.minus_one && value == -1) || (self.min..=self.max).contains(&value)
    }

    pub fn check(&self, value: i64) -> Result<(), SettingError> {
        if self.accepts(value) {
            Ok(())
        } else if self.keycloak_non_negative && value < 0 {
            Err(SettingError::Negative { label: self.label })
        } else {
            Err(SettingError::OutOfRange { limit: *self, value })
        }
    }

    /// What the setting accepts, in words: `-1 or 1 to 315360000 seconds`.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        if self.minus_one {
            text.push_str("-1 or ");
        }
        let _ = write!(text, "{} to {}", self.min, self.max);
        text.push_str(match self.unit {
            Unit::Seconds => " seconds",
            Unit::Milliseconds => " milliseconds",
            Unit::Time => " (seconds since 1970)",
            Unit::Count => "",
        });
        text
    }
}

/// Why a setting is refused. The texts Keycloak has are Keycloak's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingError {
    /// `DefaultExportImportManager.checkNonNegativeNumber`.
    #[error("{label} may not be a negative value")]
    Negative { label: &'static str },
    #[error("`{}` is {value}; it must be {}", .limit.name, .limit.describe())]
    OutOfRange { limit: Limit, value: i64 },
    /// A client attribute that must hold a whole number.
    #[error("`{}` is {value:?}; it must be empty or a whole number, {}", .limit.name, .limit.describe())]
    NotANumber { limit: Limit, value: String },
    /// `validateClientAndRealmTimeouts`, remember-me off (latchkey has no remember-me).
    #[error("Client Session Idle Timeout cannot be greater than Realm SSO Idle Timeout.")]
    RealmClientIdleAboveSso,
    #[error("Client session max lifespan cannot exceed realm SSO session max lifespan.")]
    RealmClientMaxAboveSso,
    /// `DefaultClientValidationProvider.validateClientSessionTimeout`.
    #[error("Client session idle timeout cannot exceed realm SSO session idle timeout.")]
    ClientIdleAboveSso,
    #[error("Client session max lifespan cannot exceed realm SSO session max lifespan.")]
    ClientMaxAboveSso,
}

impl SettingError {
    /// The JSON name of the setting, where the refusal concerns one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            SettingError::OutOfRange { limit, .. } | SettingError::NotANumber { limit, .. } => {
                Some(limit.name)
            }
            _ => None,
        }
    }
}

use Unit::{Count, Milliseconds, Seconds, Time};

pub const NOT_BEFORE: Limit = Limit::new("notBefore", "Not before", 0, INT_MAX, Time);
pub const REFRESH_TOKEN_MAX_REUSE: Limit =
    Limit::new("refreshTokenMaxReuse", "Refresh token max reuse", 0, INT_MAX, Count);
/// `-1`: the token lives until the session's max (`TokenManager.getTokenExpiration`).
pub const ACCESS_TOKEN_LIFESPAN: Limit =
    Limit::new("accessTokenLifespan", "Access token lifespan", 1, TEN_YEARS, Seconds)
        .or_minus_one();
pub const SSO_SESSION_IDLE_TIMEOUT: Limit =
    Limit::new("ssoSessionIdleTimeout", "SSO session idle", 1, TEN_YEARS, Seconds);
pub const SSO_SESSION_MAX_LIFESPAN: Limit =
    Limit::new("ssoSessionMaxLifespan", "SSO session max", 1, TEN_YEARS, Seconds);
/// 0: the SSO session's value.
pub const CLIENT_SESSION_IDLE_TIMEOUT: Limit =
    Limit::new("clientSessionIdleTimeout", "Client session idle", 0, TEN_YEARS, Seconds);
/// 0: the SSO session's value.
pub const CLIENT_SESSION_MAX_LIFESPAN: Limit =
    Limit::new("clientSessionMaxLifespan", "Client session max", 0, TEN_YEARS, Seconds);
pub const OFFLINE_SESSION_IDLE_TIMEOUT: Limit =
    Limit::new("offlineSessionIdleTimeout", "Offline session idle", 1, TEN_YEARS, Seconds);
pub const OFFLINE_SESSION_MAX_LIFESPAN: Limit =
    Limit::new("offlineSessionMaxLifespan", "Offline session max", 1, TEN_YEARS, Seconds);
pub const MAX_TEMPORARY_LOCKOUTS: Limit =
    Limit::new("maxTemporaryLockouts", "Maximum temporary lockouts", 0, INT_MAX, Count)
        .keycloak_non_negative();
pub const MAX_FAILURE_WAIT_SECONDS: Limit =
    Limit::new("maxFailureWaitSeconds", "Maximum failure wait seconds", 0, TEN_YEARS, Seconds)
        .keycloak_non_negative();
pub const MINIMUM_QUICK_LOGIN_WAIT_SECONDS: Limit = Limit::new(
    "minimumQuickLoginWaitSeconds",
    "Minimum quick login wait seconds",
    0,
    TEN_YEARS,
    Seconds,
)
.keycloak_non_negative();
pub const WAIT_INCREMENT_SECONDS: Limit =
    Limit::new("waitIncrementSeconds", "Wait increment seconds", 0, TEN_YEARS, Seconds)
        .keycloak_non_negative();
pub const QUICK_LOGIN_CHECK_MILLI_SECONDS: Limit = Limit::new(
    "quickLoginCheckMilliSeconds",
    "Quick login check milliseconds",
    0,
    INT_MAX,
    Milliseconds,
)
.keycloak_non_negative();
pub const MAX_DELTA_TIME_SECONDS: Limit =
    Limit::new("maxDeltaTimeSeconds", "Maximum delta time seconds", 0, TEN_YEARS, Seconds)
        .keycloak_non_negative();
pub const FAILURE_FACTOR: Limit =
    Limit::new("failureFactor", "Failure factor", 0, INT_MAX, Count).keycloak_non_negative();

/// Reads one number from a realm representation.
pub type RealmField = fn(&RealmRepresentation) -> Option<i64>;

/// The realm representation's numbers, with how to read each from it.
pub const REALM_LIMITS: [(Limit, RealmField); 16] = [
    (NOT_BEFORE, |rep| rep.not_before),
    (REFRESH_TOKEN_MAX_REUSE, |rep| rep.refresh_token_max_reuse),
    (ACCESS_TOKEN_LIFESPAN, |rep| rep.access_token_lifespan),
    (SSO_SESSION_IDLE_TIMEOUT, |rep| rep.sso_session_idle_timeout),
    (SSO_SESSION_MAX_LIFESPAN, |rep| rep.sso_session_max_lifespan),
    (CLIENT_SESSION_IDLE_TIMEOUT, |rep| rep.client_session_idle_timeout),
    (CLIENT_SESSION_MAX_LIFESPAN, |rep| rep.client_session_max_lifespan),
    (OFFLINE_SESSION_IDLE_TIMEOUT, |rep| rep.offline_session_idle_timeout),
    (OFFLINE_SESSION_MAX_LIFESPAN, |rep| rep.offline_session_max_lifespan),
    (MAX_TEMPORARY_LOCKOUTS, |rep| rep.max_temporary_lockouts),
    (MAX_FAILURE_WAIT_SECONDS, |rep| rep.max_failure_wait_seconds),
    (MINIMUM_QUICK_LOGIN_WAIT_SECONDS, |rep| rep.minimum_quick_login_wait_seconds),
    (WAIT_INCREMENT_SECONDS, |rep| rep.wait_increment_seconds),
    (QUICK_LOGIN_CHECK_MILLI_SECONDS, |rep| rep.quick_login_check_milli_seconds),
    (MAX_DELTA_TIME_SECONDS, |rep| rep.max_delta_time_seconds),
    (FAILURE_FACTOR, |rep| rep.failure_factor),
];

/// A user's `notBefore`.
pub const USER_NOT_BEFORE: Limit = NOT_BEFORE;
/// A client's `notBefore`.
pub const CLIENT_NOT_BEFORE: Limit = NOT_BEFORE;

/// Client attributes holding seconds. An empty value removes the attribute; `0` (and
/// `-1`) defer to the realm's value, as Keycloak treats values ≤ 0 for the session ones
/// (for `access.token.lifespan`, Keycloak's `-1` means "until the session's max" and
/// latchkey reads it so; its `0`, a token born expired, latchkey reads as the realm's).
pub const CLIENT_ATTRIBUTE_LIMITS: [Limit; 5] = [
    Limit::new(ATTR_ACCESS_TOKEN_LIFESPAN, "Access token lifespan", 0, TEN_YEARS, Seconds)
        .or_minus_one(),
    Limit::new(ATTR_CLIENT_SESSION_IDLE, "Client session idle", 0, TEN_YEARS, Seconds)
        .or_minus_one(),
    Limit::new(ATTR_CLIENT_SESSION_MAX, "Client session max", 0, TEN_YEARS, Seconds).or_minus_one(),
    Limit::new(
        ATTR_CLIENT_OFFLINE_SESSION_IDLE,
        "Client offline session idle",
        0,
        TEN_YEARS,
        Seconds,
    )
    .or_minus_one(),
    Limit::new(
        ATTR_CLIENT_OFFLINE_SESSION_MAX,
        "Client offline session max",
        0,
        TEN_YEARS,
        Seconds,
    )
    .or_minus_one(),
];

/// Checks the numbers a realm representation gives (absent ones are not looked at).
pub fn check_realm_representation(rep: &RealmRepresentation) -> Result<(), SettingError> {
    for (limit, read) in REALM_LIMITS {
        if let Some(value) = read(rep) {
            limit.check(value)?;
        }
    }
    Ok(())
}

/// Keycloak's check of the realm's settings once applied: a client session may not be
/// longer than the SSO session (values ≤ 0 mean "the SSO session's").
pub fn check_realm_sessions(tokens: &crate::realm::TokenSettings) -> Result<(), SettingError> {
    if tokens.client_session_idle_timeout > tokens.sso_session_idle_timeout {
        return Err(SettingError::RealmClientIdleAboveSso);
    }
    if tokens.client_session_max_lifespan > tokens.sso_session_max_lifespan {
        return Err(SettingError::RealmClientMaxAboveSso);
    }
    Ok(())
}

/// A client attribute's seconds: `None` for an empty value (the attribute goes).
pub fn attribute_seconds(limit: &Limit, value: &str) -> Result<Option<i64>, SettingError> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    let not_a_number =
        || SettingError::NotANumber { limit: *limit, value: value.chars().take(40).collect() };
    // Canonical decimal text only: no sign but `-`, no leading zeros, no `-0`.
    let number: i64 = value.trim().parse().map_err(|_| not_a_number())?;
    if number.to_string() != value.trim() {
        return Err(not_a_number());
    }
    limit.check(number)?;
    Ok(Some(number))
}

/// Checks the numbers a client representation gives: `notBefore` and the attributes
/// holding seconds.
pub fn check_client_representation(rep: &ClientRepresentation) -> Result<(), SettingError> {
    if let Some(not_before) = rep.not_before {
        CLIENT_NOT_BEFORE.check(not_before)?;
    }
    let attributes = rep.attributes.iter().flatten();
    for (name, value) in attributes {
        if let Some(limit) = CLIENT_ATTRIBUTE_LIMITS.iter().find(|limit| limit.name == name) {
            attribute_seconds(limit, value)?;
        }
    }
    Ok(())
}

/// Keycloak's check of a client's session attributes against its realm's SSO session,
/// on the Admin API's create and update (`DefaultClientValidationProvider`).
pub fn check_client_sessions(
    attributes: &std::collections::BTreeMap<String, String>,
    tokens: &crate::realm::TokenSettings,
) -> Result<(), SettingError> {
    let seconds = |name: &str| {
        attributes.get(name).and_then(|value| value.trim().parse::<i64>().ok()).unwrap_or(0)
    };
    if seconds(ATTR_CLIENT_SESSION_IDLE) > tokens.sso_session_idle_timeout {
        return Err(SettingError::ClientIdleAboveSso);
    }
    if seconds(ATTR_CLIENT_SESSION_MAX) > tokens.sso_session_max_lifespan {
        return Err(SettingError::ClientMaxAboveSso);
    }
    Ok(())
}

/// A regular expression matching exactly the decimal text of the values `limit`
/// accepts (and the empty string), for a client attribute's schema.
pub fn attribute_pattern(limit: &Limit) -> String {
    let mut alternatives = vec![String::new()];
    if limit.minus_one {
        alternatives.push("-1".to_owned());
    }
    if limit.min == 0 {
        alternatives.push("0".to_owned());
    }
    alternatives.extend(positive_up_to(u64::try_from(limit.max).unwrap_or(0)));
    format!("^({})$", alternatives.join("|"))
}

/// Alternatives matching `1..=max` written without leading zeros.
fn positive_up_to(max: u64) -> Vec<String> {
    if max == 0 {
        return Vec::new();
    }
    let digits: Vec<u32> = max.to_string().chars().filter_map(|c| c.to_digit(10)).collect();
    let width = digits.len();
    let mut alternatives = Vec::new();
    // Every number with fewer digits.
    if width > 1 {
        alternatives.push(format!("[1-9][0-9]{{0,{}}}", width - 2));
    }
    // Numbers as long as `max` that first fall below it at position `i`.
    for (i, digit) in digits.iter().enumerate() {
        let lowest = u32::from(i == 0);
        if *digit > lowest {
            let prefix: String = digits[..i].iter().map(|d| d.to_string()).collect();
            let rest = width - i - 1;
            let mut alternative = format!("{prefix}[{lowest}-{}]", digit - 1);
            if rest > 0 {
                let _ = write!(alternative, "[0-9]{{{rest}}}");
            }
            alternatives.push(alternative);
        }
    }
    alternatives.push(max.to_string());
    alternatives
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_matches_exactly_the_accepted_values() {
        let limit = CLIENT_ATTRIBUTE_LIMITS[0];
        let pattern = regex::Regex::new(&attribute_pattern(&limit)).unwrap();
        let accepted = |text: &str| attribute_seconds(&limit, text).is_ok();
        for text in [
            "",
            "-1",
            "0",
            "1",
            "9",
            "10",
            "99",
            "300",
            "315359999",
            "315360000",
            "315360001",
            "315400000",
            "399999999",
            "1000000000",
            "-2",
            "-0",
            "01",
            "abc",
            "1.5",
            "3153600000",
        ] {
            // The pattern takes no surrounding spaces, the server trims them.
            assert_eq!(pattern.is_match(text), accepted(text), "{text:?}");
        }
        for max in [1_u64, 9, 10, 11, 100, 2_147_483_647] {
            let pattern = regex::Regex::new(&format!("^({})$", positive_up_to(max).join("|")));
            let pattern = pattern.unwrap();
            for n in (0..=max.min(2000)).chain([max - 1, max, max + 1, max * 10]) {
                assert_eq!(pattern.is_match(&n.to_string()), (1..=max).contains(&n), "{n} {max}");
            }
        }
    }

    #[test]
    fn keycloak_words_its_own_checks() {
        assert_eq!(
            FAILURE_FACTOR.check(-1).unwrap_err().to_string(),
            "Failure factor may not be a negative value"
        );
        assert_eq!(
            ACCESS_TOKEN_LIFESPAN.check(-5).unwrap_err().to_string(),
            "`accessTokenLifespan` is -5; it must be -1 or 1 to 315360000 seconds"
        );
        assert!(ACCESS_TOKEN_LIFESPAN.check(-1).is_ok());
        assert!(ACCESS_TOKEN_LIFESPAN.check(0).is_err());
        assert!(ACCESS_TOKEN_LIFESPAN.check(TEN_YEARS + 1).is_err());
        assert!(SSO_SESSION_IDLE_TIMEOUT.check(-1).is_err());
        assert!(FAILURE_FACTOR.check(INT_MAX + 1).is_err());
    }
}
