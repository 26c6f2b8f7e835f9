//! The client-credentials decision, case by case: a confidential client and its
//! service-account user in, the answer and the session to insert out.

use super::*;
use crate::client::Client;
use crate::grant::fixture::{self, ISSUER, NOW, REALM, WithPlan};
use crate::secret::Secret;
use crate::user::User;

/// One client-credentials request and what was loaded for it.
struct Case {
    client: Client,
    scope: Option<&'static str>,
    user: Option<User>,
}

impl Case {
    fn new() -> Self {
        let mut client = fixture::client();
        client.client_id = "svc".into();
        client.public_client = false;
        client.secret = Some(Secret::new("svc-secret"));
        client.settings.service_accounts_enabled = true;
        let client = client.with_plan();
        let mut user = fixture::user();
        user.username = service_account_username("svc");
        user.profile.service_account_client_id = Some("app-uuid".into());
        Case { client, scope: None, user: Some(user) }
    }
}

fn outcome(case: &Case) -> String {
    let refused = |error: OAuthError| format!("refused {:?} {error}", error.refusal);
    let scope = match check_request(&case.client, case.scope) {
        Ok(scope) => scope,
        Err(error) => return refused(error),
    };
    let realm = fixture::realm();
    let input = ClientCredentialsInput {
        realm: &realm,
        keys: &REALM.keys,
        roles: &REALM.roles,
        client: &case.client,
        issuer: ISSUER,
        scope: &scope,
        user: case.user.as_ref(),
        role_ids: &[],
        groups: &[],
        address: Some("192.0.2.7"),
        now: NOW,
    };
    match decide(&input).expect("the realm can sign") {
        ClientCredentials::Granted { tokens, session: None } => {
            format!("granted `{}`, no refresh token, no session", tokens.scope)
        }
        ClientCredentials::Granted { tokens, session: Some(session) } => format!(
            "granted `{}`{}, session of {} from {}",
            tokens.scope,
            if tokens.refresh_token.is_some() { " + refresh token" } else { "" },
            session.user_id,
            session.ip_address
        ),
        ClientCredentials::Refused(error) => refused(error),
    }
}

#[track_caller]
fn check(change: impl FnOnce(&mut Case), expect: &str) {
    let mut case = Case::new();
    change(&mut case);
    assert_eq!(outcome(&case), expect);
}

#[test]
fn a_service_account_gets_an_access_token_and_no_session() {
    check(|_| {}, "granted `profile email`, no refresh token, no session");
}

#[test]
fn use_refresh_token_makes_a_session() {
    check(
        |case| {
            case.client
                .settings
                .attributes
                .insert("client_credentials.use_refresh_token".into(), "true".into());
        },
        "granted `profile email` + refresh token, session of alice-id from 192.0.2.7",
    );
}

#[test]
fn the_client_must_be_confidential_with_service_accounts() {
    check(
        |case| case.client.settings.bearer_only = true,
        "refused Unauthorized unauthorized_client: Bearer-only client not allowed to retrieve service account",
    );
    check(
        |case| case.client.public_client = true,
        "refused Unauthorized unauthorized_client: Public client not allowed to retrieve service account",
    );
    check(
        |case| case.client.settings.service_accounts_enabled = false,
        "refused Unauthorized unauthorized_client: Client not enabled to retrieve service account",
    );
    check(
        |case| case.scope = Some("nope"),
        "refused BadRequest invalid_scope: Invalid scopes: nope",
    );
}

#[test]
fn the_service_account_user_must_exist_and_be_enabled() {
    check(
        |case| case.user = None,
        "refused Unauthorized invalid_request: The client does not have associated service account user",
    );
    check(
        |case| {
            if let Some(user) = &mut case.user {
                user.enabled = false;
            }
        },
        "refused Unauthorized invalid_request: User 'service-account-svc' disabled",
    );
}
