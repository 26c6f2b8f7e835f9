//! Issue 13: every duration and count of a realm or client gets a range, usernames pass
//! Keycloak's username validators, and JSON bodies are taken with the `Content-Type`s
//! Keycloak takes. Keycloak 26.7.3's own answers (measured, `facts-13.md`) are copied
//! where it has them; where it stores nonsense (a lifespan of -5, a client lifespan of
//! `abc` that breaks every later grant), latchkey refuses with a Keycloak-shaped body.

use serde_json::{Value, json};

use crate::helpers::{Answer, admin_call, admin_token};

/// `PUT /admin/realms/nagra` with `body`.
async fn put_realm(app: &latchkey_testkit::TestApp, token: &str, body: Value) -> Answer {
    admin_call(app, "PUT", "/nagra", Some(token), Some(body)).await
}

/// The realm as the Admin API shows it.
async fn realm(app: &latchkey_testkit::TestApp, token: &str) -> Value {
    admin_call(app, "GET", "/nagra", Some(token), None).await.body
}

#[tokio::test]
async fn realm_durations_and_counts_out_of_range_are_refused_and_change_nothing() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let before = realm(&app, &token).await;
    let out_of_range = |field: &str, text: &str| json!({"field": field, "errorMessage": text});
    let cases = [
        (
            json!({"accessTokenLifespan": -5}),
            out_of_range(
                "accessTokenLifespan",
                "`accessTokenLifespan` is -5; it must be -1 or 1 to 315360000 seconds",
            ),
        ),
        (
            json!({"accessTokenLifespan": 0}),
            out_of_range(
                "accessTokenLifespan",
                "`accessTokenLifespan` is 0; it must be -1 or 1 to 315360000 seconds",
            ),
        ),
        // Beyond a Java `int` Jackson refuses it before latchkey's range (Keycloak 26.7.3:
        // the same 400, `facts-13.md` §1.1 "P1").
        (
            json!({"accessTokenLifespan": 2_147_483_648_i64}),
            json!({"error": "HTTP 400 Bad Request", "error_description": "Cannot parse the JSON"}),
        ),
        (
            json!({"ssoSessionIdleTimeout": 315_360_001}),
            out_of_range(
                "ssoSessionIdleTimeout",
                "`ssoSessionIdleTimeout` is 315360001; it must be 1 to 315360000 seconds",
            ),
        ),
        (
            json!({"offlineSessionIdleTimeout": -1}),
            out_of_range(
                "offlineSessionIdleTimeout",
                "`offlineSessionIdleTimeout` is -1; it must be 1 to 315360000 seconds",
            ),
        ),
        (
            json!({"refreshTokenMaxReuse": -1}),
            out_of_range(
                "refreshTokenMaxReuse",
                "`refreshTokenMaxReuse` is -1; it must be 0 to 2147483647",
            ),
        ),
        (
            json!({"notBefore": -5}),
            out_of_range(
                "notBefore",
                "`notBefore` is -5; it must be 0 to 2147483647 (seconds since 1970)",
            ),
        ),
        // Keycloak's own words (`DefaultExportImportManager.checkNonNegativeNumber`).
        (
            json!({"failureFactor": -1}),
            json!({"errorMessage": "Failure factor may not be a negative value"}),
        ),
        (
            json!({"maxTemporaryLockouts": -5}),
            json!({"errorMessage": "Maximum temporary lockouts may not be a negative value"}),
        ),
        (
            json!({"quickLoginCheckMilliSeconds": -1}),
            json!({"errorMessage": "Quick login check milliseconds may not be a negative value"}),
        ),
        // `validateClientAndRealmTimeouts`, checked on the realm once applied.
        (
            json!({"clientSessionIdleTimeout": 4000}),
            json!({"errorMessage": "Client Session Idle Timeout cannot be greater than Realm SSO Idle Timeout."}),
        ),
        (
            json!({"ssoSessionMaxLifespan": 600, "clientSessionMaxLifespan": 900}),
            json!({"errorMessage": "Client session max lifespan cannot exceed realm SSO session max lifespan."}),
        ),
        (
            json!({"accessTokenLifespan": 9_223_372_036_854_775_808_u64}),
            json!({"error": "HTTP 400 Bad Request", "error_description": "Cannot parse the JSON"}),
        ),
    ];
    for (body, expected) in cases {
        // Any valid change beside it is not applied either.
        let mut body = body;
        body["displayName"] = json!("Changed");
        let answer = put_realm(&app, &token, body.clone()).await;
        assert_eq!((answer.status, &answer.body), (400, &expected), "{body}");
    }
    assert_eq!(realm(&app, &token).await, before);
    // The next token still lives the realm's 300 s.
    let login = app.seed_login().await;
    assert_eq!(login["expires_in"], 300);
}

#[tokio::test]
async fn the_ends_of_each_range_and_minus_one_are_accepted() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let body = json!({
        "accessTokenLifespan": 1,
        "ssoSessionIdleTimeout": 315_360_000,
        "ssoSessionMaxLifespan": 315_360_000,
        "clientSessionIdleTimeout": 0,
        "offlineSessionMaxLifespan": 1,
        "failureFactor": 0,
        "maxFailureWaitSeconds": 315_360_000,
        "quickLoginCheckMilliSeconds": 2_147_483_647,
        "refreshTokenMaxReuse": 2_147_483_647,
    });
    let answer = put_realm(&app, &token, body.clone()).await;
    assert_eq!(answer.status, 204, "{:?}", answer.body);
    let stored = realm(&app, &token).await;
    for (field, value) in body.as_object().unwrap() {
        assert_eq!(&stored[field], value, "{field}");
    }
    // -1: the access token lives as long as its session may (Keycloak's meaning).
    let answer = put_realm(&app, &token, json!({"accessTokenLifespan": -1})).await;
    assert_eq!(answer.status, 204);
    let login = app.seed_login().await;
    assert_eq!(login["expires_in"], 315_360_000);
}

#[tokio::test]
async fn client_lifespans_are_checked_on_create_and_update() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let create = |attributes: Value| json!({"clientId": "timed", "attributes": attributes});
    // Keycloak 26.7.3 stores `abc` and answers every later grant of the client with 500.
    let answer = admin_call(
        &app,
        "POST",
        "/nagra/clients",
        Some(&token),
        Some(create(json!({"access.token.lifespan": "abc"}))),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body,
        json!({
            "field": "access.token.lifespan",
            "errorMessage": "`access.token.lifespan` is \"abc\"; it must be empty or a whole number, -1 or 0 to 315360000 seconds",
        })
    );
    for value in ["-5", "1.5", "2147483648", "+60", "0060"] {
        let attributes = json!({"access.token.lifespan": value});
        let answer =
            admin_call(&app, "POST", "/nagra/clients", Some(&token), Some(create(attributes)))
                .await;
        assert_eq!(answer.status, 400, "{value}");
        assert_eq!(answer.body["field"], "access.token.lifespan", "{value}");
    }
    // Keycloak's own check (`DefaultClientValidationProvider`): SSO idle is 1800.
    let answer = admin_call(
        &app,
        "POST",
        "/nagra/clients",
        Some(&token),
        Some(create(json!({"client.session.idle.timeout": "4000"}))),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.body,
        json!({
            "error": "invalid_input",
            "error_description": "Client session idle timeout cannot exceed realm SSO session idle timeout.",
        })
    );
    let clients = admin_call(&app, "GET", "/nagra/clients?clientId=timed", Some(&token), None);
    assert_eq!(clients.await.body, json!([]), "nothing was created");

    let attributes = json!({"access.token.lifespan": "60", "client.session.max.lifespan": ""});
    let answer =
        admin_call(&app, "POST", "/nagra/clients", Some(&token), Some(create(attributes))).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    let location = answer.location().to_owned();
    let path = location.split("/admin/realms").nth(1).unwrap().to_owned();
    let update = json!({"clientId": "timed", "attributes": {"client.session.max.lifespan": "-7"}});
    let answer = admin_call(&app, "PUT", &path, Some(&token), Some(update)).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["field"], "client.session.max.lifespan");
    let update = json!({"clientId": "timed", "notBefore": -1});
    let answer = admin_call(&app, "PUT", &path, Some(&token), Some(update)).await;
    assert_eq!((answer.status, answer.body["field"].as_str()), (400, Some("notBefore")));
    let stored = admin_call(&app, "GET", &path, Some(&token), None).await.body;
    assert_eq!(stored["attributes"]["access.token.lifespan"], "60");
    assert_eq!(stored["attributes"]["client.session.max.lifespan"], "");
    assert_eq!(stored["notBefore"], 0);
}

/// `POST …/users` as Keycloak 26.7.3 answered each name (`facts-13.md` §2.2).
#[tokio::test]
async fn usernames_go_through_keycloaks_username_validators() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let invalid_character = json!({
        "field": "username",
        "errorMessage": "error-username-invalid-character",
        "params": ["username"],
    });
    let invalid_length = json!({
        "field": "username",
        "errorMessage": "error-invalid-length",
        "params": ["username", 3, 255],
    });
    let create = |username: &str| json!({"username": username, "enabled": true});
    for name in ["ab\u{0}c", "ab<c", "ab>c", "ab/c", "ab\\c", "a b", "abc ", "ab\tc", "аbc", "ab:c"]
    {
        let answer = admin_call(&app, "POST", "/nagra/users", Some(&token), Some(create(name)));
        let answer = answer.await;
        assert_eq!((answer.status, &answer.body), (400, &invalid_character), "{name:?}");
    }
    for name in ["ab", &"a".repeat(256)] {
        let answer = admin_call(&app, "POST", "/nagra/users", Some(&token), Some(create(name)));
        let answer = answer.await;
        assert_eq!((answer.status, &answer.body), (400, &invalid_length), "{name:?}");
    }
    let answer = admin_call(&app, "POST", "/nagra/users", Some(&token), Some(create(" ab "))).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body, json!({"errors": [invalid_length, invalid_character]}));
    for name in ["   ", ""] {
        let answer = admin_call(&app, "POST", "/nagra/users", Some(&token), Some(create(name)));
        let answer = answer.await;
        assert_eq!(answer.body, json!({"errorMessage": "User name is missing"}), "{name:?}");
    }
    let users = admin_call(&app, "GET", "/nagra/users/count", Some(&token), None).await;
    assert_eq!(users.body, 2, "only the example's two users");

    for name in ["ab@c", "ab.c-d_e+f", "ABCdef", "straße", "ab😀", &"a".repeat(255)] {
        let answer = admin_call(&app, "POST", "/nagra/users", Some(&token), Some(create(name)));
        assert_eq!(answer.await.status, 201, "{name:?}");
    }
    let found =
        admin_call(&app, "GET", "/nagra/users?username=abcdef&exact=true", Some(&token), None);
    assert_eq!(found.await.body[0]["username"], "abcdef", "stored in lower case");

    // A rename is checked too; leaving the name as it is needs no check.
    let answer =
        admin_call(&app, "GET", "/nagra/users?username=ab@c&exact=true", Some(&token), None);
    let id = answer.await.body[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/nagra/users/{id}");
    let answer =
        admin_call(&app, "PUT", &path, Some(&token), Some(json!({"username": "x<y"}))).await;
    assert_eq!((answer.status, &answer.body), (400, &invalid_character));
    let answer =
        admin_call(&app, "PUT", &path, Some(&token), Some(json!({"firstName": "Bob"}))).await;
    assert_eq!(answer.status, 204);
    let user = admin_call(&app, "GET", &path, Some(&token), None).await.body;
    assert_eq!(
        (user["username"].as_str(), user["firstName"].as_str()),
        (Some("ab@c"), Some("Bob"))
    );
}

/// Keycloak imports `ab<c` (measured); latchkey refuses it on import, naming the user.
#[tokio::test]
async fn a_realm_created_with_an_invalid_username_is_refused_whole() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let body = json!({
        "realm": "r13-import",
        "users": [{"username": "good1", "enabled": true}, {"username": "ab<c", "enabled": true}],
    });
    let answer = admin_call(&app, "POST", "", Some(&token), Some(body)).await;
    assert_eq!(answer.status, 400);
    let message = answer.body["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("user #1 `ab<c`: invalid username: it may not contain"),
        "{message}"
    );
    let answer = admin_call(&app, "GET", "/r13-import", Some(&token), None).await;
    assert_eq!(answer.status, 404, "nothing was created");
    let body = json!({"realm": "r13-import", "accessTokenLifespan": -5});
    let answer = admin_call(&app, "POST", "", Some(&token), Some(body)).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["field"], "accessTokenLifespan");
}

/// `facts-13.md` §3.1: Keycloak reads a JSON body without `Content-Type` as JSON, and
/// answers any other type 415 with this body.
#[tokio::test]
async fn json_bodies_are_taken_with_the_content_types_keycloak_takes() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let url = format!("{}/admin/realms/nagra/users", app.base_url);
    let send = |content_type: Option<&'static str>, username: &'static str| {
        let mut request = app.http.post(&url).bearer_auth(&token);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.body(format!(r#"{{"username":"{username}","enabled":true}}"#)).send()
    };
    for (content_type, username) in [
        (None, "no-type"),
        (Some("application/json; charset=utf-8"), "with-charset"),
        (Some("APPLICATION/JSON"), "upper-case"),
        (Some("*/*"), "any-type"),
    ] {
        let response = send(content_type, username).await.unwrap();
        assert_eq!(response.status(), 201, "{content_type:?}");
    }
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "application/vnd.foo+json",
        "",
    ] {
        let response = send(Some(content_type), "refused").await.unwrap();
        assert_eq!(response.status(), 415, "{content_type:?}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({"error": "The content-type header value did not match the value in @Consumes"})
        );
    }
    let answer = admin_call(&app, "GET", "/nagra/users?username=refused", Some(&token), None);
    assert_eq!(answer.await.body, json!([]));
}
