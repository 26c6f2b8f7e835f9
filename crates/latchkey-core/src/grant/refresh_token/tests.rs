//! The refresh decision, case by case: a presented token and a loaded session in, the
//! answer and the session write out. Every case starts from a token that refreshes and
//! changes one thing.

use serde_json::{Value, json};

use super::*;
use crate::client::Client;
use crate::grant::fixture::{self, ISSUER, NOW, NOW_SECS, REALM};
use crate::realm::Realm;
use crate::store::SessionContext;
use crate::token::jwt;

/// One refresh request and what was loaded for it.
struct Case {
    realm: Realm,
    client: Client,
    /// The refresh token's claims, signed with the realm's HMAC key unless `token` is set.
    claims: Value,
    token: Option<String>,
    used_for: TokenUse,
    context: Option<SessionContext>,
    scope: Option<&'static str>,
}

impl Case {
    fn new() -> Self {
        Case {
            realm: fixture::realm(),
            client: fixture::client(),
            claims: json!({
                "exp": NOW_SECS + 1790, "iat": NOW_SECS - 10, "jti": "token-1", "iss": ISSUER,
                "sub": "alice-id", "typ": "Refresh", "azp": "app", "sid": "session-1",
                "scope": "openid profile email",
            }),
            token: None,
            used_for: TokenUse::Refresh,
            context: Some(SessionContext {
                session: fixture::session(),
                user: Some(fixture::user()),
                role_ids: fixture::default_role_ids(),
            }),
            scope: None,
        }
    }

    fn session(&mut self) -> &mut Session {
        &mut self.context.as_mut().expect("a session").session
    }

    fn revoke_refresh_token(&mut self, max_reuse: i64) {
        self.realm.settings.tokens.revoke_refresh_token = true;
        self.realm.settings.tokens.refresh_token_max_reuse = max_reuse;
    }
}

/// Reads the token, decides, and writes the outcome as one line.
fn outcome(case: Case) -> String {
    let keys = &REALM.keys;
    let token = case
        .token
        .clone()
        .unwrap_or_else(|| jwt::sign_hmac(keys.active_hmac().expect("an HMAC key"), &case.claims));
    let claims =
        match read_token(keys, &token, ISSUER, &case.realm, &case.client, NOW, case.used_for) {
            Ok(claims) => claims,
            Err(error) => return format!("refused: {error}"),
        };
    if case.used_for == TokenUse::Logout {
        return "read for logout".into();
    }
    let input = RefreshInput {
        realm: &case.realm,
        keys,
        roles: &REALM.roles,
        client: &case.client,
        issuer: ISSUER,
        claims: &claims,
        context: case.context,
        groups: &[],
        scope: case.scope,
        now: NOW,
    };
    match decide(input).expect("the realm can sign") {
        Refresh::Granted { tokens, write } => {
            let refresh = if tokens.refresh_token.is_some() { " + refresh token" } else { "" };
            format!("granted `{}`{refresh}; {}", tokens.scope, show(&write))
        }
        Refresh::Refused { error, write: None } => format!("refused: {error}"),
        Refresh::Refused { error, write: Some(write) } => {
            format!("refused: {error}; {}", show(&write))
        }
    }
}

fn show(write: &SessionWrite) -> String {
    let at = |secs: i64| format!("now{:+}", secs - NOW_SECS);
    match write {
        SessionWrite::Touch { session_id, last_refresh } => {
            format!("touch {session_id} at {}", at(*last_refresh))
        }
        SessionWrite::Update(session) => format!(
            "update {} at {}, reuse {:?} used {} at {}",
            session.id,
            at(session.last_refresh),
            session.reuse.current_token_id.as_deref().unwrap_or_default(),
            session.reuse.use_count,
            at(session.reuse.last_refresh),
        ),
        SessionWrite::DetachClient(session) => {
            format!("detach client of {} (client `{}`)", session.id, session.client_uuid)
        }
    }
}

#[track_caller]
fn check(change: impl FnOnce(&mut Case), expect: &str) {
    let mut case = Case::new();
    change(&mut case);
    assert_eq!(outcome(case), expect);
}

const TOUCHED: &str = "granted `openid profile email` + refresh token; touch session-1 at now+0";

#[test]
fn a_valid_token_refreshes_and_only_touches_the_session() {
    check(|_| {}, TOUCHED);
}

#[test]
fn the_token_alone() {
    check(
        |case| case.token = Some("not.a.jwt".into()),
        "refused: invalid_grant: Invalid refresh token",
    );
    check(
        |case| {
            let signed = jwt::sign_hmac(REALM.keys.active_hmac().expect("key"), &case.claims);
            case.token = Some(format!("{signed}x"));
        },
        "refused: invalid_grant: Invalid refresh token",
    );
    check(
        |case| case.claims["typ"] = json!("Bearer"),
        "refused: invalid_grant: Invalid refresh token",
    );
    check(
        |case| case.claims["iss"] = json!("http://elsewhere/realms/test"),
        "refused: invalid_grant: Invalid token issuer. Expected 'http://localhost/realms/test', but was 'http://elsewhere/realms/test'",
    );
    check(|case| case.realm.settings.not_before = NOW_SECS, "refused: invalid_grant: Stale token");
    check(
        |case| case.claims["exp"] = json!(NOW_SECS - 1),
        "refused: invalid_grant: Token is not active",
    );
    check(
        |case| case.client.client_id = "other".into(),
        "refused: invalid_grant: Invalid refresh token. Token client and authorized client don't match",
    );
}

#[test]
fn logout_reads_an_expired_token_and_nothing_else_changes() {
    check(
        |case| {
            case.used_for = TokenUse::Logout;
            case.claims["exp"] = json!(NOW_SECS - 1);
        },
        "read for logout",
    );
    check(
        |case| {
            case.used_for = TokenUse::Logout;
            case.claims["azp"] = json!("other");
        },
        "refused: invalid_grant: Invalid refresh token. Token client and authorized client don't match",
    );
}

#[test]
fn the_session_must_exist_in_this_realm_and_be_active() {
    check(|case| case.context = None, "refused: invalid_grant: Session not active");
    check(
        |case| case.session().realm_id = "other-realm".into(),
        "refused: invalid_grant: Session not active",
    );
    check(
        |case| case.session().last_refresh = NOW_SECS - 1800,
        "refused: invalid_grant: Session not active",
    );
    check(
        |case| case.session().started = NOW_SECS - 36_000,
        "refused: invalid_grant: Session not active",
    );
}

#[test]
fn offline_tokens_name_offline_sessions() {
    let offline = |case: &mut Case| {
        case.claims["typ"] = json!("Offline");
        case.session().offline = true;
    };
    check(offline, "granted `openid profile email` + refresh token; touch session-1 at now+0");
    check(
        |case| case.claims["typ"] = json!("Offline"),
        "refused: invalid_grant: Offline user session not found",
    );
    check(
        |case| {
            offline(case);
            case.context = None;
        },
        "refused: invalid_grant: Offline user session not found",
    );
    check(
        |case| {
            offline(case);
            case.session().last_refresh = NOW_SECS - 2_592_000;
        },
        "refused: invalid_grant: Offline session not active",
    );
    check(|case| case.session().offline = true, "refused: invalid_grant: Session not active");
}

#[test]
fn the_user_must_exist_and_be_enabled() {
    check(
        |case| case.context.as_mut().expect("a session").user = None,
        "refused: invalid_grant: Invalid refresh token",
    );
    check(
        |case| {
            if let Some(user) = &mut case.context.as_mut().expect("a session").user {
                user.enabled = false;
            }
        },
        "refused: invalid_grant: User disabled",
    );
}

#[test]
fn the_token_must_belong_to_the_session_and_its_client() {
    check(
        |case| case.session().started = NOW_SECS - 5,
        "refused: invalid_grant: Refresh token issued before the user session started",
    );
    check(
        |case| case.session().client_uuid = "other-uuid".into(),
        "refused: invalid_grant: Session doesn't have required client",
    );
    check(
        |case| {
            case.client
                .settings
                .attributes
                .insert("client.session.idle.timeout".into(), "5".into());
        },
        "refused: invalid_grant: Client session not active",
    );
}

#[test]
fn not_before_of_the_client_or_the_user_makes_the_token_stale() {
    check(|case| case.client.settings.not_before = NOW_SECS, "refused: invalid_grant: Stale token");
    check(
        |case| {
            if let Some(user) = &mut case.context.as_mut().expect("a session").user {
                user.profile.not_before = NOW_SECS;
            }
        },
        "refused: invalid_grant: Stale token",
    );
}

#[test]
fn revoke_refresh_token_counts_uses_and_writes_them_durably() {
    check(
        |case| case.revoke_refresh_token(0),
        "granted `openid profile email` + refresh token; update session-1 at now+0, reuse \"token-1\" used 1 at now+0",
    );
    check(
        |case| {
            case.revoke_refresh_token(1);
            case.session().reuse = RefreshReuse {
                current_token_id: Some("token-1".into()),
                use_count: 1,
                last_refresh: NOW_SECS - 10,
            };
        },
        "granted `openid profile email` + refresh token; update session-1 at now+0, reuse \"token-1\" used 2 at now+0",
    );
}

#[test]
fn a_token_used_past_the_reuse_limit_detaches_the_client() {
    check(
        |case| {
            case.revoke_refresh_token(0);
            case.session().reuse = RefreshReuse {
                current_token_id: Some("token-1".into()),
                use_count: 1,
                last_refresh: NOW_SECS - 10,
            };
        },
        "refused: invalid_grant: Maximum allowed refresh token reuse exceeded; detach client of session-1 (client ``)",
    );
}

#[test]
fn an_older_token_of_the_chain_is_stale() {
    check(
        |case| {
            case.revoke_refresh_token(0);
            case.session().reuse = RefreshReuse {
                current_token_id: Some("token-2".into()),
                use_count: 1,
                last_refresh: NOW_SECS - 5,
            };
        },
        "refused: invalid_grant: Stale token",
    );
}

#[test]
fn scope_narrows_the_access_token_and_clients_may_skip_refresh_tokens() {
    check(
        |case| case.scope = Some("email"),
        "granted `profile email` + refresh token; touch session-1 at now+0",
    );
    check(
        |case| {
            case.client.settings.attributes.insert("use.refresh.tokens".into(), "false".into());
        },
        "granted `openid profile email`; touch session-1 at now+0",
    );
}
