//! Brute force detection with Keycloak's semantics (`DefaultBruteForceProtector`).
//!
//! A locked user is answered exactly like a wrong password; failures during a
//! lockout are not counted; a success clears the record.

use crate::realm::{BruteForceSettings, BruteForceStrategy};
use crate::time::UnixMillis;

/// Per-user failure record (`UserLoginFailureModel`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoginFailure {
    pub realm_id: String,
    pub user_id: String,
    pub num_failures: i64,
    pub num_temporary_lockouts: i64,
    /// Milliseconds of the last failure.
    pub last_failure: i64,
    pub last_ip_failure: Option<String>,
    /// Seconds until which the user is locked out (0: not locked).
    pub failed_login_not_before: i64,
}

/// What a failure did to the account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FailureOutcome {
    /// Counted; the user may try again.
    Counted,
    /// Temporarily locked until `failed_login_not_before`.
    TemporarilyLocked,
    /// The user must be disabled (permanent lockout).
    PermanentlyLocked,
}

/// Whether the user is locked out right now (temporary lockout in force).
pub fn is_temporarily_locked(failure: Option<&LoginFailure>, now: UnixMillis) -> bool {
    failure.is_some_and(|f| f.failed_login_not_before > now.secs())
}

/// Records a failed login and decides the lockout. `failure` is the stored record
/// (or a fresh one).
pub fn record_failure(
    settings: &BruteForceSettings,
    failure: &mut LoginFailure,
    ip: Option<&str>,
    now: UnixMillis,
) -> FailureOutcome {
    let previous_failure = failure.last_failure;
    let since_last_ms = now.0 - previous_failure;
    if previous_failure > 0 && since_last_ms > settings.max_delta_time_seconds.saturating_mul(1000)
    {
        failure.num_failures = 0;
        failure.num_temporary_lockouts = 0;
    }
    failure.num_failures += 1;
    failure.last_failure = now.0;
    failure.last_ip_failure = ip.map(str::to_owned);

    if settings.permanent_lockout
        && (settings.max_temporary_lockouts == 0
            || failure.num_temporary_lockouts >= settings.max_temporary_lockouts)
        && failure.num_failures >= settings.failure_factor
    {
        return FailureOutcome::PermanentlyLocked;
    }

    let factor = settings.failure_factor.max(1);
    let mut wait = match settings.brute_force_strategy {
        BruteForceStrategy::MULTIPLE => {
            settings.wait_increment_seconds * (failure.num_failures / factor)
        }
        BruteForceStrategy::LINEAR => {
            if failure.num_failures >= factor {
                settings.wait_increment_seconds * (1 + failure.num_failures - factor)
            } else {
                0
            }
        }
    };
    if wait <= 0 && previous_failure > 0 && since_last_ms < settings.quick_login_check_milli_seconds
    {
        wait = settings.minimum_quick_login_wait_seconds;
    }
    if wait > 0 {
        wait = wait.min(settings.max_failure_wait_seconds);
        failure.failed_login_not_before = now.secs() + wait;
        failure.num_temporary_lockouts += 1;
        return FailureOutcome::TemporarilyLocked;
    }
    FailureOutcome::Counted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> BruteForceSettings {
        BruteForceSettings { brute_force_protected: true, failure_factor: 3, ..Default::default() }
    }

    #[test]
    fn third_slow_failure_locks_for_the_wait_increment() {
        let settings = settings();
        let mut failure = LoginFailure::default();
        let mut now = UnixMillis::from_secs(1_000_000);
        assert_eq!(record_failure(&settings, &mut failure, None, now), FailureOutcome::Counted);
        now = now.plus_secs(5);
        assert_eq!(record_failure(&settings, &mut failure, None, now), FailureOutcome::Counted);
        now = now.plus_secs(5);
        assert_eq!(
            record_failure(&settings, &mut failure, None, now),
            FailureOutcome::TemporarilyLocked
        );
        assert_eq!(failure.failed_login_not_before, now.secs() + 60);
        assert!(is_temporarily_locked(Some(&failure), now.plus_secs(59)));
        assert!(!is_temporarily_locked(Some(&failure), now.plus_secs(60)));
    }

    #[test]
    fn two_quick_failures_lock_for_the_minimum_wait() {
        let settings = BruteForceSettings { brute_force_protected: true, ..Default::default() };
        let mut failure = LoginFailure::default();
        let now = UnixMillis::from_secs(1_000_000);
        record_failure(&settings, &mut failure, None, now);
        let outcome = record_failure(&settings, &mut failure, None, UnixMillis(now.0 + 200));
        assert_eq!(outcome, FailureOutcome::TemporarilyLocked);
        assert_eq!(failure.failed_login_not_before, now.secs() + 60);
    }

    #[test]
    fn permanent_lockout_disables_at_the_factor() {
        let settings = BruteForceSettings { permanent_lockout: true, ..settings() };
        let mut failure = LoginFailure::default();
        let mut now = UnixMillis::from_secs(1_000_000);
        for _ in 0..2 {
            record_failure(&settings, &mut failure, None, now);
            now = now.plus_secs(5);
        }
        assert_eq!(
            record_failure(&settings, &mut failure, None, now),
            FailureOutcome::PermanentlyLocked
        );
    }
}
