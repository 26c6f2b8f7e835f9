//! Admin API: sessions, logouts, brute-force records, credentials and service-account
//! users (`UserResource.java`, `ClientResource.java`, `RealmAdminResource.java`,
//! `AttackDetectionResource.java`; spec §5.4).

use latchkey_testkit::{START, TestApp, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_token, post};

async fn user_id(app: &TestApp, token: &str, username: &str) -> String {
    let path = format!("/nagra/users?username={username}&exact=true");
    let answer = admin_call(app, "GET", &path, Some(token), None).await;
    answer.body[0]["id"].as_str().unwrap().to_owned()
}

async fn client_uuid(app: &TestApp, token: &str, client_id: &str) -> String {
    let path = format!("/nagra/clients?clientId={client_id}");
    let answer = admin_call(app, "GET", &path, Some(token), None).await;
    answer.body[0]["id"].as_str().unwrap().to_owned()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let answer = admin_call(app, "GET", path, Some(token), None).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.body);
    answer.body
}

#[tokio::test]
async fn a_users_sessions_are_listed_and_an_admin_logout_ends_them() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let login = app.seed_login().await;
    app.clock.advance_secs(30);
    let refreshed = app.refresh("crm_client", login["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refreshed.status(), 200);
    let refreshed: Value = refreshed.json().await.unwrap();
    let id = user_id(&app, &token, "crm_client_user").await;
    let crm = client_uuid(&app, &token, "crm_client").await;

    let sessions = get(&app, &token, &format!("/nagra/users/{id}/sessions")).await;
    let session_id = latchkey_testkit::jwt_parts(login["access_token"].as_str().unwrap()).1["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        sessions,
        json!([{
            "id": session_id,
            "username": "crm_client_user",
            "userId": id,
            "ipAddress": "127.0.0.1",
            "start": START.0,
            "lastAccess": START.0 + 30_000,
            "rememberMe": false,
            "clients": {crm.clone(): "crm_client"},
            "transientUser": false,
        }])
    );
    let by_client = get(&app, &token, &format!("/nagra/clients/{crm}/user-sessions")).await;
    assert_eq!(by_client, sessions);
    let paged = get(&app, &token, &format!("/nagra/clients/{crm}/user-sessions?first=1")).await;
    assert_eq!(paged, json!([]));

    let answer =
        admin_call(&app, "POST", &format!("/nagra/users/{id}/logout"), Some(&token), None).await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    assert_eq!(get(&app, &token, &format!("/nagra/users/{id}/sessions")).await, json!([]));
    let after = app.refresh("crm_client", refreshed["refresh_token"].as_str().unwrap()).await;
    assert_eq!(after.status(), 400);
    let after: Value = after.json().await.unwrap();
    assert_eq!(after["error"], "invalid_grant");
    // The user's not-before is now: tokens issued before it no longer refresh.
    let user = get(&app, &token, &format!("/nagra/users/{id}")).await;
    assert_eq!(user["notBefore"], json!(START.secs() + 30));
    // A new login works.
    app.clock.advance_secs(1);
    let again = app.seed_login().await;
    assert_eq!(
        app.refresh("crm_client", again["refresh_token"].as_str().unwrap()).await.status(),
        200
    );
}

#[tokio::test]
async fn one_session_is_deleted_and_logout_all_ends_the_realms_sessions() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let first = app.seed_login().await;
    let second = app.seed_login().await;
    let sid = |login: &Value| {
        latchkey_testkit::jwt_parts(login["access_token"].as_str().unwrap()).1["sid"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let answer =
        admin_call(&app, "DELETE", &format!("/nagra/sessions/{}", sid(&first)), Some(&token), None)
            .await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    let refused = app.refresh("crm_client", first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refused.status(), 400);
    let answer =
        admin_call(&app, "DELETE", &format!("/nagra/sessions/{}", sid(&first)), Some(&token), None)
            .await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Sesssion not found"})));
    // A session of another realm is not this realm's.
    let answer = admin_call(
        &app,
        "DELETE",
        &format!("/master/sessions/{}", sid(&second)),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(answer.status, 404);

    app.clock.advance_secs(10);
    let answer = admin_call(&app, "POST", "/nagra/logout-all", Some(&token), None).await;
    assert_eq!((answer.status, &answer.body), (200, &json!({})));
    let refused = app.refresh("crm_client", second["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refused.status(), 400);
    let realm = get(&app, &token, "/nagra").await;
    assert_eq!(realm["notBefore"], json!(START.secs() + 10));
    // The admin's own session, in master, is untouched.
    get(&app, &token, "/nagra/users").await;
}

#[tokio::test]
async fn brute_force_records_are_read_and_cleared() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = user_id(&app, &token, "crm_client_user").await;
    let path = format!("/nagra/attack-detection/brute-force/users/{id}");
    let none =
        json!({"numFailures": 0, "disabled": false, "lastIPFailure": "n/a", "lastFailure": 0});
    assert_eq!(get(&app, &token, &path).await, none, "not protected");

    let protect = json!({"bruteForceProtected": true, "failureFactor": 2});
    let answer = admin_call(&app, "PUT", "/nagra", Some(&token), Some(protect)).await;
    assert_eq!(answer.status, 204);
    assert_eq!(get(&app, &token, &path).await, none, "no record");
    let wrong = [
        ("grant_type", "password"),
        ("username", "crm_client_user"),
        ("password", "wrong"),
        ("client_id", "crm_client"),
    ];
    for _ in 0..2 {
        app.clock.advance_secs(5);
        let (status, _, _) = post(&app, &app.token_url("nagra"), &wrong).await;
        assert_eq!(status, 400);
    }
    assert_eq!(
        get(&app, &token, &path).await,
        json!({"numFailures": 2, "disabled": true, "lastIPFailure": "127.0.0.1",
               "lastFailure": START.0 + 10_000})
    );
    let answer = admin_call(&app, "DELETE", &path, Some(&token), None).await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    assert_eq!(get(&app, &token, &path).await, none);
    let (status, _, body) = post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "crm_client"),
        ],
    )
    .await;
    assert_eq!(status, 200, "the lockout is lifted: {body}");
    // An unknown user reads as no record, and clearing it is a 204.
    let unknown = "/nagra/attack-detection/brute-force/users/nobody";
    assert_eq!(get(&app, &token, unknown).await, none);
    assert_eq!(admin_call(&app, "DELETE", unknown, Some(&token), None).await.status, 204);
}

#[tokio::test]
async fn credentials_are_listed_without_secrets() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = user_id(&app, &token, "crm_client_user").await;
    let credentials = get(&app, &token, &format!("/nagra/users/{id}/credentials")).await;
    let list = credentials.as_array().unwrap();
    assert_eq!(list.len(), 1, "{credentials}");
    let password = &list[0];
    assert_eq!(password["type"], "password");
    assert!(password["id"].is_string());
    assert!(password["createdDate"].is_i64());
    assert!(password.get("secretData").is_none() && password.get("value").is_none());
    let data: Value = serde_json::from_str(password["credentialData"].as_str().unwrap()).unwrap();
    assert!(data["hashIterations"].is_i64(), "{data}");
    assert!(data["algorithm"].is_string(), "{data}");

    let answer = admin_call(
        &app,
        "POST",
        "/nagra/users",
        Some(&token),
        Some(json!({"username": "nopass", "enabled": true})),
    )
    .await;
    let new_id = answer.location().rsplit('/').next().unwrap().to_owned();
    assert_eq!(get(&app, &token, &format!("/nagra/users/{new_id}/credentials")).await, json!([]));
}

#[tokio::test]
async fn a_clients_service_account_user_is_read() {
    let app = spawn_app().await;
    app.add_confidential_client().await;
    let token = admin_token(&app).await;
    let answer = admin_call(
        &app,
        "POST",
        "/nagra/clients",
        Some(&token),
        Some(json!({"clientId": "robot", "serviceAccountsEnabled": true, "secret": "x"})),
    )
    .await;
    assert_eq!(answer.status, 201);
    let robot = answer.location().rsplit('/').next().unwrap().to_owned();
    let user = get(&app, &token, &format!("/nagra/clients/{robot}/service-account-user")).await;
    assert_eq!(user["username"], "service-account-robot");
    assert_eq!(user["serviceAccountClientId"], "robot");
    assert_eq!(user["enabled"], true);

    let crm = client_uuid(&app, &token, "crm_client").await;
    let answer = admin_call(
        &app,
        "GET",
        &format!("/nagra/clients/{crm}/service-account-user"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (400, json!({"error": "Service account not enabled for the client 'crm_client'"}))
    );
}

#[tokio::test]
async fn the_new_endpoints_refuse_strangers_and_unknown_ids() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = user_id(&app, &token, "crm_client_user").await;
    let crm = client_uuid(&app, &token, "crm_client").await;
    let login = app.seed_login().await;
    let user_token = login["access_token"].as_str().unwrap();
    let calls = [
        ("GET", format!("/nagra/users/{id}/sessions")),
        ("POST", format!("/nagra/users/{id}/logout")),
        ("GET", format!("/nagra/users/{id}/credentials")),
        ("GET", format!("/nagra/clients/{crm}/user-sessions")),
        ("GET", format!("/nagra/clients/{crm}/service-account-user")),
        ("DELETE", "/nagra/sessions/some-session".to_owned()),
        ("POST", "/nagra/logout-all".to_owned()),
        ("GET", format!("/nagra/attack-detection/brute-force/users/{id}")),
        ("DELETE", format!("/nagra/attack-detection/brute-force/users/{id}")),
    ];
    for (method, path) in &calls {
        let answer = admin_call(&app, method, path, None, None).await;
        assert_eq!(answer.status, 401, "{method} {path}");
        let answer = admin_call(&app, method, path, Some(user_token), None).await;
        assert_eq!(
            (answer.status, &answer.body),
            (403, &json!({"error": "HTTP 403 Forbidden"})),
            "{method} {path}"
        );
        let elsewhere = path.replacen("/nagra/", "/nowhere/", 1);
        let answer = admin_call(&app, method, &elsewhere, Some(&token), None).await;
        assert_eq!(
            (answer.status, &answer.body),
            (404, &json!({"error": "Realm not found."})),
            "{method} {elsewhere}"
        );
    }
    for (method, path) in [
        ("GET", "/nagra/users/nobody/sessions"),
        ("POST", "/nagra/users/nobody/logout"),
        ("GET", "/nagra/users/nobody/credentials"),
    ] {
        let answer = admin_call(&app, method, path, Some(&token), None).await;
        assert_eq!(
            (answer.status, answer.body),
            (404, json!({"error": "User not found"})),
            "{path}"
        );
    }
    for path in
        ["/nagra/clients/nothing/user-sessions", "/nagra/clients/nothing/service-account-user"]
    {
        let answer = admin_call(&app, "GET", path, Some(&token), None).await;
        assert_eq!(
            (answer.status, answer.body),
            (404, json!({"error": "Could not find client"})),
            "{path}"
        );
    }
}

/// Offline sessions are listed per user and client and counted apart from online ones
/// (`UserResource.getOfflineSessions`, `ClientResource.getOfflineUserSessions`,
/// `getOfflineSessionCount`, `RealmAdminResource.getClientSessionStats`).
#[tokio::test]
async fn offline_sessions_are_listed_and_counted() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    app.seed_login().await;
    app.grant_realm_role("crm_client_user", "offline_access").await;
    let (status, _, offline) = post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("client_id", "crm_client"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("scope", "offline_access"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{offline}");
    let sid = latchkey_testkit::jwt_parts(offline["access_token"].as_str().unwrap()).1["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = user_id(&app, &token, "crm_client_user").await;
    let crm = client_uuid(&app, &token, "crm_client").await;

    let mine = get(&app, &token, &format!("/nagra/users/{id}/offline-sessions/{crm}")).await;
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["id"], sid.as_str());
    assert_eq!(mine[0]["clients"], json!({crm.clone(): "crm_client"}));
    let by_client = get(&app, &token, &format!("/nagra/clients/{crm}/offline-sessions")).await;
    assert_eq!(by_client, mine);
    let online = get(&app, &token, &format!("/nagra/users/{id}/sessions")).await;
    assert!(online.as_array().unwrap().iter().all(|s| s["id"] != sid.as_str()));

    let count = get(&app, &token, &format!("/nagra/clients/{crm}/offline-session-count")).await;
    assert_eq!(count, json!({"count": 1}));
    let count = get(&app, &token, &format!("/nagra/clients/{crm}/session-count")).await;
    assert_eq!(count, json!({"count": online.as_array().unwrap().len()}));
    let stats = get(&app, &token, "/nagra/client-session-stats").await;
    assert_eq!(
        stats,
        json!([{
            "id": crm,
            "clientId": "crm_client",
            "active": online.as_array().unwrap().len().to_string(),
            "offline": "1",
        }])
    );

    let unknown = admin_call(
        &app,
        "GET",
        &format!("/nagra/users/{id}/offline-sessions/nope"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!((unknown.status, &unknown.body), (404, &json!({"error": "Client not found"})));
}

/// `DELETE …/attack-detection/brute-force/users` clears every record of the realm.
#[tokio::test]
async fn clearing_all_brute_force_records_unlocks_every_user() {
    let app = spawn_app().await;
    app.edit_realm(|realm| {
        let brute_force = &mut realm.settings.brute_force;
        brute_force.brute_force_protected = true;
        brute_force.failure_factor = 2;
    })
    .await;
    let token = admin_token(&app).await;
    for _ in 0..2 {
        let (status, _, _) = post(
            &app,
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("client_id", "crm_client"),
                ("username", "crm_client_user"),
                ("password", "wrong"),
            ],
        )
        .await;
        assert_eq!(status, 400);
    }
    let id = user_id(&app, &token, "crm_client_user").await;
    let status_path = format!("/nagra/attack-detection/brute-force/users/{id}");
    assert_eq!(get(&app, &token, &status_path).await["disabled"], true);
    assert_eq!(seed_status(&app).await, 400, "locked out");

    let cleared =
        admin_call(&app, "DELETE", "/nagra/attack-detection/brute-force/users", Some(&token), None)
            .await;
    assert_eq!((cleared.status, &cleared.body), (204, &Value::Null));
    assert_eq!(get(&app, &token, &status_path).await["numFailures"], 0);
    assert_eq!(seed_status(&app).await, 200);
}

/// The status of the seed's password grant.
async fn seed_status(app: &TestApp) -> u16 {
    app.post_form(
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "crm_client"),
        ],
    )
    .await
    .status()
    .as_u16()
}
