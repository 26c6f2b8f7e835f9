//! The password grant's decision, case by case: a request and what was loaded for it in,
//! the answer and the writes out. Every case starts from a login that succeeds and
//! changes one thing.

use std::sync::LazyLock;

use super::*;
use crate::brute_force::LoginFailure;
use crate::grant::fixture::{self, ISSUER, NOW, NOW_SECS, REALM};
use crate::password::{PasswordHash, hash_password};
use crate::realm::Realm;

/// A hash under the current policy (argon2id), made once.
static CURRENT_HASH: LazyLock<PasswordHash> = LazyLock::new(|| hash_password("secret"));

/// A PBKDF2 hash as Keycloak ≤23 exported them: verified as it is, rehashed on login.
fn imported_hash() -> PasswordHash {
    PasswordHash::from_keycloak(
        r#"{"value":"AAAA","salt":"AAAA","additionalParameters":{}}"#,
        r#"{"hashIterations":27500,"algorithm":"pbkdf2-sha256","additionalParameters":{}}"#,
    )
    .expect("a Keycloak PBKDF2 credential")
}

/// One password grant request and what was loaded for it.
struct Case {
    realm: Realm,
    client: Client,
    scope: Option<&'static str>,
    username: Option<&'static str>,
    found: Found,
    failure: Option<LoginFailure>,
    credential: Option<PasswordCredential>,
    is_password_valid: bool,
    role_ids: Vec<String>,
}

impl Case {
    fn new() -> Self {
        Case {
            realm: fixture::realm(),
            client: fixture::client(),
            scope: None,
            username: Some("alice"),
            found: Found::User(fixture::user()),
            failure: None,
            credential: Some(PasswordCredential {
                id: "credential-1".into(),
                user_id: "alice-id".into(),
                created_date: NOW.0 - 1000,
                hash: CURRENT_HASH.clone(),
            }),
            is_password_valid: true,
            role_ids: fixture::default_role_ids(),
        }
    }

    fn user(&mut self) -> &mut User {
        match &mut self.found {
            Found::User(user) => user,
            Found::Nobody | Found::Ambiguous => panic!("the case has no user"),
        }
    }

    fn detect_brute_force(&mut self) {
        self.realm.settings.brute_force.brute_force_protected = true;
    }

    /// One earlier failure, `ago_ms` milliseconds before now.
    fn failed_before(&mut self, ago_ms: i64) {
        self.failure = Some(LoginFailure {
            realm_id: self.realm.id.clone(),
            user_id: "alice-id".into(),
            num_failures: 1,
            num_temporary_lockouts: 0,
            last_failure: NOW.0 - ago_ms,
            last_ip_failure: None,
            failed_login_not_before: 0,
        });
    }
}

fn refusal(error: &OAuthError) -> String {
    let status = match error.refusal {
        Refusal::BadRequest => 400,
        Refusal::Unauthorized => 401,
        Refusal::Forbidden => 403,
        Refusal::NotFound => 404,
    };
    format!("refused {status} {error}")
}

fn show(write: &LoginWrite) -> String {
    let at = |secs: i64| format!("now{:+}", secs - NOW_SECS);
    match write {
        LoginWrite::Nothing => "records nothing".into(),
        LoginWrite::Failure { record, lockout } => {
            let counted = format!(
                "counts failure {} from {}",
                record.num_failures,
                record.last_ip_failure.as_deref().unwrap_or("?")
            );
            match lockout {
                None => counted,
                Some(Lockout::Temporary { cut_off }) => format!(
                    "{counted}, locks until {}, cuts tokens off before {}",
                    at(record.failed_login_not_before),
                    at(*cut_off)
                ),
                Some(Lockout::Permanent { cut_off, disabled }) => format!(
                    "{counted}, disables {} ({:?}), cuts tokens off before {}",
                    if disabled.enabled { "nobody" } else { disabled.username.as_str() },
                    disabled.profile.attributes["disabledReason"],
                    at(*cut_off)
                ),
            }
        }
        LoginWrite::Success { delete_failure, rehash } => {
            let mut parts = vec!["login counts"];
            if delete_failure.is_some() {
                parts.push("clears failures");
            }
            if rehash.is_some() {
                parts.push("rehashes");
            }
            parts.join(", ")
        }
    }
}

/// Checks the request, decides, and writes the outcome as one line.
fn outcome(case: &Case) -> String {
    let request = match check_request(&case.client, case.scope, case.username) {
        Ok(request) => request,
        Err(error) => return refusal(&error),
    };
    let input = PasswordInput {
        login: LoginInput {
            realm: &case.realm,
            found: &case.found,
            failure: case.failure.as_ref(),
            credential: case.credential.as_ref(),
            is_password_valid: case.is_password_valid,
            address: Some("192.0.2.1"),
            now: NOW,
        },
        keys: &REALM.keys,
        roles: &REALM.roles,
        client: &case.client,
        issuer: ISSUER,
        scope: &request.scope,
        role_ids: &case.role_ids,
        groups: &[],
    };
    match decide(&input).expect("the realm can sign") {
        Password::Granted { tokens, session, login } => format!(
            "granted `{}`, {} session of {} from {}; {}",
            tokens.scope,
            if session.offline { "offline" } else { "online" },
            session.user_id,
            session.ip_address,
            show(&login)
        ),
        Password::Refused { error, login } => format!("{}; {}", refusal(&error), show(&login)),
    }
}

#[track_caller]
fn check(change: impl FnOnce(&mut Case), expect: &str) {
    let mut case = Case::new();
    change(&mut case);
    assert_eq!(outcome(&case), expect);
}

const INVALID: &str = "refused 400 invalid_grant: Invalid user credentials";

#[test]
fn the_right_password_grants_tokens_and_a_session() {
    check(
        |_| {},
        "granted `profile email`, online session of alice-id from 192.0.2.1; login counts",
    );
}

#[test]
fn the_request_alone() {
    check(
        |case| case.client.settings.direct_access_grants_enabled = false,
        "refused 400 unauthorized_client: Client not allowed for direct access grants",
    );
    check(
        |case| case.client.settings.consent_required = true,
        "refused 400 invalid_client: Client requires user consent",
    );
    check(
        |case| case.scope = Some("phone wat"),
        "refused 400 invalid_scope: Invalid scopes: phone wat",
    );
    check(|case| case.username = None, "refused 401 invalid_request: Missing parameter: username");
}

#[test]
fn who_the_username_names() {
    check(|case| case.found = Found::Nobody, &format!("{INVALID}; records nothing"));
    check(
        |case| case.found = Found::Ambiguous,
        "refused 401 invalid_request: Invalid user credentials; records nothing",
    );
    check(
        |case| case.user().profile.service_account_client_id = Some("svc".into()),
        &format!("{INVALID}; records nothing"),
    );
}

#[test]
fn a_disabled_account_is_named_only_to_who_knows_the_password() {
    check(
        |case| case.user().enabled = false,
        "refused 400 invalid_grant: Account disabled; records nothing",
    );
    check(
        |case| {
            case.user().enabled = false;
            case.is_password_valid = false;
        },
        &format!("{INVALID}; records nothing"),
    );
}

#[test]
fn a_wrong_password_is_counted_where_brute_force_is_detected() {
    check(|case| case.is_password_valid = false, &format!("{INVALID}; records nothing"));
    check(
        |case| {
            case.detect_brute_force();
            case.is_password_valid = false;
        },
        &format!("{INVALID}; counts failure 1 from 192.0.2.1"),
    );
}

#[test]
fn a_quick_second_failure_locks_and_cuts_the_tokens_off() {
    check(
        |case| {
            case.detect_brute_force();
            case.failed_before(500);
            case.is_password_valid = false;
        },
        &format!(
            "{INVALID}; counts failure 2 from 192.0.2.1, locks until now+60, cuts tokens off before now+1"
        ),
    );
}

#[test]
fn permanent_lockout_disables_the_user() {
    check(
        |case| {
            case.detect_brute_force();
            case.realm.settings.brute_force.permanent_lockout = true;
            case.realm.settings.brute_force.failure_factor = 2;
            case.failed_before(10_000);
            case.is_password_valid = false;
        },
        &format!(
            "{INVALID}; counts failure 2 from 192.0.2.1, disables alice ([\"permanentLockout\"]), cuts tokens off before now+1"
        ),
    );
}

#[test]
fn a_locked_user_is_answered_like_a_wrong_password_and_not_counted() {
    let locked = |case: &mut Case| {
        case.detect_brute_force();
        case.failed_before(500);
        if let Some(failure) = &mut case.failure {
            failure.failed_login_not_before = NOW_SECS + 30;
        }
        // The flow loads no credential for a locked user and checks the dummy hash.
        case.credential = None;
        case.is_password_valid = false;
    };
    check(locked, &format!("{INVALID}; records nothing"));
}

#[test]
fn a_login_clears_the_failures_and_rehashes_an_imported_hash() {
    check(
        |case| {
            case.detect_brute_force();
            case.failed_before(10_000);
        },
        "granted `profile email`, online session of alice-id from 192.0.2.1; login counts, clears failures",
    );
    check(
        |case| {
            if let Some(credential) = &mut case.credential {
                credential.hash = imported_hash();
            }
        },
        "granted `profile email`, online session of alice-id from 192.0.2.1; login counts, rehashes",
    );
}

#[test]
fn required_actions_refuse_before_the_login_counts() {
    check(
        |case| {
            case.detect_brute_force();
            case.failed_before(10_000);
            case.user().profile.required_actions = vec!["UPDATE_PASSWORD".into()];
        },
        "refused 400 invalid_grant: Account is not fully set up; records nothing",
    );
}

#[test]
fn offline_access_makes_an_offline_session_for_users_holding_the_role() {
    check(
        |case| case.scope = Some("offline_access"),
        "granted `profile email offline_access`, offline session of alice-id from 192.0.2.1; login counts",
    );
    check(
        |case| {
            case.scope = Some("offline_access");
            case.role_ids.clear();
        },
        "refused 400 not_allowed: Offline tokens not allowed for the user or client; login counts",
    );
}
