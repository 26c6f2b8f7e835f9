//! Requests that race for one row: two uses of a refresh token, failed logins of one
//! user, all at the same moment. The store writes each of these only if the row is still
//! what the request read, so the answers are those of the same requests one after the
//! other (on one instance here, and on several sharing a PostgreSQL database).

use latchkey_testkit::{TestApp, form_encode, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_token};

/// With Revoke Refresh Token and no reuse allowed, a refresh token sent 8 times at once
/// is answered once; every other use is Keycloak's reuse refusal (or, once that refusal
/// has detached the client session, "Session doesn't have required client").
#[tokio::test]
async fn a_refresh_token_used_eight_times_at_once_is_accepted_once() {
    let app = spawn_app().await;
    app.edit_realm(|realm| {
        realm.settings.tokens.revoke_refresh_token = true;
        realm.settings.tokens.refresh_token_max_reuse = 0;
    })
    .await;
    let first = app.seed_login().await["refresh_token"].as_str().unwrap().to_owned();
    app.clock.advance_secs(10);
    let pairs =
        [("grant_type", "refresh_token"), ("client_id", "crm_client"), ("refresh_token", &first)];
    let url = app.token_url("nagra");
    let answers = post_at_once(&app, &url, &pairs, 8).await;
    let accepted = answers.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(accepted, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(status, _)| *status != 200) {
        assert_eq!(*status, 400, "{body}");
        assert_eq!(body["error"], "invalid_grant", "{body}");
        let description = body["error_description"].as_str().unwrap();
        assert!(
            description == "Maximum allowed refresh token reuse exceeded"
                || description == "Session doesn't have required client",
            "{body}"
        );
    }
}

/// 8 wrong passwords for one user at the same moment are 8 failures in the user's
/// brute-force record (`AttackDetectionResource`'s `numFailures`), as 8 sent one after
/// the other would be. (The quick-login check is off: it would lock the user at the
/// second failure, and failures during a lockout are not counted.)
#[tokio::test]
async fn wrong_passwords_sent_at_once_are_all_counted() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let protect = json!({
        "bruteForceProtected": true,
        "failureFactor": 30,
        "quickLoginCheckMilliSeconds": 0,
    });
    assert_eq!(admin_call(&app, "PUT", "/nagra", Some(&token), Some(protect)).await.status, 204);
    let users = admin_call(
        &app,
        "GET",
        "/nagra/users?username=crm_client_user&exact=true",
        Some(&token),
        None,
    )
    .await;
    let id = users.body[0]["id"].as_str().unwrap().to_owned();
    let wrong = [
        ("grant_type", "password"),
        ("username", "crm_client_user"),
        ("password", "wrong"),
        ("client_id", "crm_client"),
    ];
    let url = app.token_url("nagra");
    let answers = post_at_once(&app, &url, &wrong, 8).await;
    for (status, body) in &answers {
        assert_eq!(*status, 400, "{body}");
        assert_eq!(body["error_description"], "Invalid user credentials", "{body}");
    }
    let path = format!("/nagra/attack-detection/brute-force/users/{id}");
    let record: Value = admin_call(&app, "GET", &path, Some(&token), None).await.body;
    assert_eq!(record["numFailures"], 8, "{record}");
}

/// Sends the same form `count` times at once; the status and JSON body of each answer.
async fn post_at_once(
    app: &TestApp,
    url: &str,
    pairs: &[(&str, &str)],
    count: usize,
) -> Vec<(u16, Value)> {
    let body = form_encode(pairs);
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..count {
        let request = app
            .http
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone());
        requests.spawn(async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        });
    }
    requests.join_all().await
}
