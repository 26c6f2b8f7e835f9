//! Admin API: a user's credentials, required actions and attribute search
//! (`UserResource.java`, `UsersResource.java`). Answers recorded from Keycloak 26.7.3 in
//! realm `r12-users` (`facts-12.md` §3.5–3.7); this realm is `users`.

use latchkey_testkit::{TestApp, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_token, create, create_realm, field, post};

/// The password grant through the realm's `admin-cli`.
async fn login(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    let form = [
        ("grant_type", "password"),
        ("client_id", "admin-cli"),
        ("username", username),
        ("password", password),
    ];
    let (status, _, body) = post(app, &app.token_url("users"), &form).await;
    (status, body)
}

const OTP_DATA: &str =
    r#"{"subType":"totp","digits":6,"counter":0,"period":30,"algorithm":"HmacSHA1"}"#;

#[tokio::test]
async fn credentials_are_listed_labelled_moved_and_deleted_as_in_keycloak() {
    // facts-12 §3.5.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "users").await;
    let user = create(
        &app,
        &token,
        "/users/users",
        json!({"username": "cred-user", "enabled": true, "credentials": [
            {"type": "password", "value": "pw", "temporary": false, "userLabel": "main"},
            {"type": "otp", "userLabel": "phone", "secretData": "{\"value\":\"JBSWY3DPEHPK3PXP\"}",
             "credentialData": OTP_DATA}]}),
    )
    .await;
    let base = format!("/users/users/{user}/credentials");
    let list = || {
        let (app, token, base) = (&app, &token, &base);
        async move { admin_call(app, "GET", base, Some(token), None).await.body }
    };
    let listed = list().await;
    assert_eq!(field(&listed, "type"), ["password", "otp"]);
    // A password given as a value keeps no label; no secret data is shown.
    let password = &listed[0];
    assert_eq!(
        password.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["id", "type", "createdDate", "credentialData"]
    );
    assert!(password["credentialData"].as_str().unwrap().contains("\"algorithm\""));
    let otp = &listed[1];
    assert_eq!(
        otp,
        &json!({"id": otp["id"], "type": "otp", "userLabel": "phone",
                "createdDate": otp["createdDate"], "credentialData": OTP_DATA})
    );
    let (password_id, otp_id) =
        (password["id"].as_str().unwrap().to_owned(), otp["id"].as_str().unwrap().to_owned());

    // A label is plain text; JSON is refused with 415.
    let label = app
        .http
        .put(format!("{}/admin/realms{base}/{password_id}/userLabel", app.base_url))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("My password")
        .send()
        .await
        .unwrap();
    assert_eq!(label.status(), 204);
    let json_label = admin_call(
        &app,
        "PUT",
        &format!("{base}/{password_id}/userLabel"),
        Some(&token),
        Some(json!("json label")),
    )
    .await;
    assert_eq!(
        (json_label.status, json_label.body),
        (
            415,
            json!({"error": "The content-type header value did not match the value in @Consumes"})
        )
    );
    assert_eq!(field(&list().await, "userLabel"), ["My password", "phone"]);
    let unknown = "00000000-0000-0000-0000-000000000000";
    let answer = app
        .http
        .put(format!("{}/admin/realms{base}/{unknown}/userLabel", app.base_url))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(answer.json::<Value>().await.unwrap(), json!({"error": "Credential not found"}));

    // Moving.
    let first =
        admin_call(&app, "POST", &format!("{base}/{otp_id}/moveToFirst"), Some(&token), None).await;
    assert_eq!((first.status, &first.body), (204, &Value::Null));
    assert_eq!(field(&list().await, "type"), ["otp", "password"]);
    let after = format!("{base}/{otp_id}/moveAfter/{password_id}");
    assert_eq!(admin_call(&app, "POST", &after, Some(&token), None).await.status, 204);
    assert_eq!(field(&list().await, "type"), ["password", "otp"]);
    let after_unknown = format!("{base}/{otp_id}/moveAfter/{unknown}");
    assert_eq!(admin_call(&app, "POST", &after_unknown, Some(&token), None).await.status, 204);
    assert_eq!(field(&list().await, "type"), ["password", "otp"]);
    let answer =
        admin_call(&app, "POST", &format!("{base}/{unknown}/moveToFirst"), Some(&token), None)
            .await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Credential not found"})));

    // Deleting: the OTP, then the password, which ends password logins.
    assert_eq!(login(&app, "cred-user", "pw").await.0, 200);
    let delete = |id: String| {
        let (app, token, base) = (&app, &token, &base);
        async move { admin_call(app, "DELETE", &format!("{base}/{id}"), Some(token), None).await }
    };
    let answer = delete(otp_id.clone()).await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    let answer = delete(otp_id).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Credential not found"})));
    assert_eq!(delete(password_id).await.status, 204);
    assert_eq!(list().await, json!([]));
    let (status, body) = login(&app, "cred-user", "pw").await;
    assert_eq!(
        (status, body),
        (400, json!({"error": "invalid_grant", "error_description": "Invalid user credentials"}))
    );
    let types = admin_call(
        &app,
        "GET",
        &format!("/users/users/{user}/configured-user-storage-credential-types"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!((types.status, types.body), (200, json!([])));
    let answer =
        admin_call(&app, "GET", &format!("/users/users/{unknown}/credentials"), Some(&token), None)
            .await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "User not found"})));
}

fn set(body: &Value) -> std::collections::BTreeSet<String> {
    body.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn required_actions_are_kept_and_stop_the_password_grant_as_in_keycloak() {
    // facts-12 §3.6.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "users").await;
    let user = create(
        &app,
        &token,
        "/users/users",
        json!({"username": "ra-user", "enabled": true, "credentials": [{"type": "password", "value": "pw"}]}),
    )
    .await;
    let path = format!("/users/users/{user}");
    let put = |actions: Value| {
        let (app, token, path) = (&app, &token, &path);
        async move {
            let answer = admin_call(
                app,
                "PUT",
                path,
                Some(token),
                Some(json!({"requiredActions": actions})),
            )
            .await;
            assert_eq!(answer.status, 204);
            admin_call(app, "GET", path, Some(token), None).await.body["requiredActions"].clone()
        }
    };
    let stored = put(json!(["UPDATE_PASSWORD", "VERIFY_EMAIL"])).await;
    assert_eq!(set(&stored), set(&json!(["VERIFY_EMAIL", "UPDATE_PASSWORD"])));
    let (status, body) = login(&app, "ra-user", "pw").await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error": "invalid_grant", "error_description": "Account is not fully set up"})
        )
    );
    // A required action disabled in Keycloak's realm (terms and conditions) stops it too.
    assert_eq!(put(json!(["TERMS_AND_CONDITIONS"])).await, json!(["TERMS_AND_CONDITIONS"]));
    assert_eq!(login(&app, "ra-user", "pw").await.0, 400);
    // Unknown names, and the lower-case alias, are dropped.
    assert_eq!(put(json!(["NO_SUCH_ACTION"])).await, json!([]));
    assert_eq!(put(json!(["update_password"])).await, json!([]));
    assert_eq!(login(&app, "ra-user", "pw").await.0, 200);
    assert_eq!(put(json!([])).await, json!([]));

    let created = create(
        &app,
        &token,
        "/users/users",
        json!({"username": "ra-new", "enabled": true,
               "requiredActions": ["CONFIGURE_TOTP", "TERMS_AND_CONDITIONS", "UPDATE_PROFILE"]}),
    )
    .await;
    let read =
        admin_call(&app, "GET", &format!("/users/users/{created}"), Some(&token), None).await;
    assert_eq!(
        set(&read.body["requiredActions"]),
        set(&json!(["TERMS_AND_CONDITIONS", "CONFIGURE_TOTP", "UPDATE_PROFILE"]))
    );
    // A temporary password adds UPDATE_PASSWORD.
    let reset = admin_call(
        &app,
        "PUT",
        &format!("{path}/reset-password"),
        Some(&token),
        Some(json!({"type": "password", "value": "tmp", "temporary": true})),
    )
    .await;
    assert_eq!(reset.status, 204);
    let read = admin_call(&app, "GET", &path, Some(&token), None).await;
    assert_eq!(read.body["requiredActions"], json!(["UPDATE_PASSWORD"]));
}

#[tokio::test]
async fn users_are_searched_by_attribute_as_in_keycloak() {
    // facts-12 §3.7: att1 (dept=eng, city=Paris), att2 (dept=eng,ops, city=Lyon),
    // att3 (dept=Eng), att4 (dept=engineering).
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "users").await;
    for (name, attributes) in [
        ("att1", json!({"dept": ["eng"], "city": ["Paris"]})),
        ("att2", json!({"dept": ["eng", "ops"], "city": ["Lyon"]})),
        ("att3", json!({"dept": ["Eng"]})),
        ("att4", json!({"dept": ["engineering"]})),
    ] {
        let body = json!({"username": name, "enabled": true, "attributes": attributes});
        create(&app, &token, "/users/users", body).await;
    }
    let search = |query: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let answer =
                admin_call(app, "GET", &format!("/users/users?{query}"), Some(token), None).await;
            assert_eq!(answer.status, 200, "{query}");
            answer.body
        }
    };
    for (query, expected) in [
        ("q=dept:eng", &["att1", "att2", "att3"][..]),
        ("q=dept:ops", &["att2"]),
        ("q=dept:Eng", &["att1", "att2", "att3"]),
        ("q=dept:en", &[]),
        ("q=dept:eng%20city:Paris", &["att1"]),
        // Only the first `q` counts.
        ("q=dept:eng&q=city:Paris", &["att1", "att2", "att3"]),
        ("q=city:Paris%20dept:ops", &[]),
        ("q=dept:eng&first=1&max=1", &["att2"]),
        ("q=dept:eng&username=att2", &["att2"]),
        ("q=dept:eng&search=att1", &["att1"]),
        // No `key:value` term: no filter.
        ("q=dept", &["att1", "att2", "att3", "att4"]),
        ("q=dept:", &[]),
        ("q=nosuch:x", &[]),
        ("q=dept:eng%3Aops", &[]),
        // Keys match exactly.
        ("q=DEPT:eng", &[]),
    ] {
        assert_eq!(field(&search(query).await, "username"), expected, "{query}");
    }
    let brief = search("q=dept:eng&briefRepresentation=true").await;
    assert!(brief[0].get("attributes").is_none());
    let full = search("q=dept:eng").await;
    assert_eq!(full[0]["attributes"], json!({"city": ["Paris"], "dept": ["eng"]}));
    let count = admin_call(&app, "GET", "/users/users/count?q=dept:eng", Some(&token), None).await;
    assert_eq!((count.status, count.body), (200, json!(3)));
}
