//! Admin API: users, passwords and realm role mappings (`UsersResource.java`,
//! `UserResource.java`, `RoleMapperResource.java`; spec §5.4–5.5).

use latchkey_testkit::{jwt_parts, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_call_raw, admin_token, post};

async fn create_user(app: &latchkey_testkit::TestApp, token: &str, rep: Value) -> String {
    let answer = admin_call(app, "POST", "/nagra/users", Some(token), Some(rep)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let prefix = format!("{}/admin/realms/nagra/users/", app.base_url);
    answer.location().strip_prefix(&prefix).unwrap().to_owned()
}

async fn login(app: &latchkey_testkit::TestApp, username: &str, password: &str) -> (u16, Value) {
    let (status, _, body) = post(
        app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("client_id", "crm_client"),
            ("username", username),
            ("password", password),
        ],
    )
    .await;
    (status, body)
}

#[tokio::test]
async fn a_created_user_can_log_in_with_the_password_set_by_the_admin() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_user(
        &app,
        &token,
        json!({"username": "Dora", "email": "dora@example.com", "firstName": "Dora",
               "lastName": "Explorer", "enabled": true, "attributes": {"team": ["blue"]}}),
    )
    .await;
    let user = admin_call(&app, "GET", &format!("/nagra/users/{id}"), Some(&token), None).await;
    assert_eq!(user.status, 200);
    assert_eq!(user.body["username"], "dora", "usernames are stored in lower case");
    assert_eq!(user.body["email"], "dora@example.com");
    assert_eq!(user.body["attributes"], json!({"team": ["blue"]}));
    assert_eq!(user.body["createdTimestamp"], latchkey_testkit::START.0);
    assert!(user.body.get("credentials").is_none());

    let answer = admin_call(
        &app,
        "PUT",
        &format!("/nagra/users/{id}/reset-password"),
        Some(&token),
        Some(json!({"type": "password", "value": "dora-pw", "temporary": false})),
    )
    .await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    let (status, body) = login(&app, "dora", "dora-pw").await;
    assert_eq!(status, 200, "{body}");
    let (_, claims) = jwt_parts(body["access_token"].as_str().unwrap());
    assert_eq!(claims["sub"], id.as_str());
    assert!(
        claims["realm_access"]["roles"].as_array().unwrap().contains(&json!("offline_access")),
        "new users get the realm's default role: {claims}"
    );
}

#[tokio::test]
async fn a_user_created_without_enabled_is_disabled() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_user(
        &app,
        &token,
        json!({"username": "eve", "credentials": [{"type": "password", "value": "eve-pw"}]}),
    )
    .await;
    let user = admin_call(&app, "GET", &format!("/nagra/users/{id}"), Some(&token), None).await;
    assert_eq!(user.body["enabled"], false);
    assert_ne!(login(&app, "eve", "eve-pw").await.0, 200);
    let answer = admin_call(
        &app,
        "PUT",
        &format!("/nagra/users/{id}"),
        Some(&token),
        Some(json!({"enabled": true})),
    )
    .await;
    assert_eq!(answer.status, 204);
    assert_eq!(login(&app, "eve", "eve-pw").await.0, 200, "the create call's credentials count");
}

#[tokio::test]
async fn a_temporary_password_blocks_the_password_grant() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_user(&app, &token, json!({"username": "fay", "enabled": true})).await;
    let path = format!("/nagra/users/{id}/reset-password");
    let answer = admin_call(
        &app,
        "PUT",
        &path,
        Some(&token),
        Some(json!({"type": "password", "value": "tmp-pw", "temporary": true})),
    )
    .await;
    assert_eq!(answer.status, 204);
    let (status, body) = login(&app, "fay", "tmp-pw").await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Account is not fully set up"))
    );
    let user = admin_call(&app, "GET", &format!("/nagra/users/{id}"), Some(&token), None).await;
    assert_eq!(user.body["requiredActions"], json!(["UPDATE_PASSWORD"]));
    // Without `temporary` the action goes away.
    let answer =
        admin_call(&app, "PUT", &path, Some(&token), Some(json!({"value": "new-pw"}))).await;
    assert_eq!(answer.status, 204);
    assert_eq!(login(&app, "fay", "new-pw").await.0, 200);
}

#[tokio::test]
async fn reset_password_without_a_value_is_400() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_user(&app, &token, json!({"username": "gus"})).await;
    let path = format!("/nagra/users/{id}/reset-password");
    let answer =
        admin_call(&app, "PUT", &path, Some(&token), Some(json!({"type": "password"}))).await;
    assert_eq!((answer.status, answer.body), (400, json!({"error": "No password provided"})));
    let answer = admin_call(&app, "PUT", &path, Some(&token), Some(json!({"value": "  "}))).await;
    assert_eq!((answer.status, answer.body), (400, json!({"error": "Empty password not allowed"})));
    let answer = admin_call(
        &app,
        "PUT",
        "/nagra/users/no-such-user/reset-password",
        Some(&token),
        Some(json!({"value": "x"})),
    )
    .await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "User not found"})));
}

#[tokio::test]
async fn duplicate_usernames_and_emails_are_409() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_user(&app, &token, json!({"username": "hal", "email": "hal@example.com"})).await;
    let answer =
        admin_call(&app, "POST", "/nagra/users", Some(&token), Some(json!({"username": "HAL"})))
            .await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"errorMessage": "User exists with same username"}))
    );
    let answer = admin_call(
        &app,
        "POST",
        "/nagra/users",
        Some(&token),
        Some(json!({"username": "hal2", "email": "HAL@example.com"})),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"errorMessage": "User exists with same email"}))
    );
    let answer =
        admin_call(&app, "POST", "/nagra/users", Some(&token), Some(json!({"email": "x@y.z"})))
            .await;
    assert_eq!(
        (answer.status, answer.body),
        (400, json!({"errorMessage": "User name is missing"}))
    );
    // Recorded from 26.7.3: the user profile's length rule on usernames.
    let answer =
        admin_call(&app, "POST", "/nagra/users", Some(&token), Some(json!({"username": "ab"})))
            .await;
    assert_eq!(
        (answer.status, answer.body),
        (
            400,
            json!({"field": "username", "errorMessage": "error-invalid-length", "params": ["username", 3, 255]})
        )
    );

    // The same refusals on update.
    let other = create_user(&app, &token, json!({"username": "ivy"})).await;
    let path = format!("/nagra/users/{other}");
    let answer =
        admin_call(&app, "PUT", &path, Some(&token), Some(json!({"username": "hal"}))).await;
    assert_eq!(answer.status, 409);
    let answer =
        admin_call(&app, "PUT", &path, Some(&token), Some(json!({"email": "hal@example.com"})))
            .await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"errorMessage": "User exists with same email"}))
    );
}

#[tokio::test]
async fn users_are_searched_counted_and_paged() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    for (username, email, first) in [
        ("alpha", "alpha@example.com", "Ann"),
        ("alphonse", "al@other.org", "Al"),
        ("beta", "beta@example.com", "Bea"),
    ] {
        create_user(
            &app,
            &token,
            json!({"username": username, "email": email, "firstName": first, "enabled": true}),
        )
        .await;
    }
    let names = |body: &Value| -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    let get = |query: &str| {
        let path = format!("/nagra/users{query}");
        let app = &app;
        let token = &token;
        async move { admin_call(app, "GET", &path, Some(token), None).await }
    };
    let all = get("").await;
    assert_eq!(names(&all.body), ["admin_user", "alpha", "alphonse", "beta", "crm_client_user"]);
    assert_eq!(names(&get("?search=alp").await.body), ["alpha", "alphonse"]);
    assert_eq!(names(&get("?search=*example*").await.body), ["alpha", "beta"]);
    assert_eq!(names(&get("?search=%22alpha%22").await.body), ["alpha"]);
    assert_eq!(names(&get("?search=BEA").await.body), ["beta"], "first names, any case");
    assert_eq!(names(&get("?username=lph").await.body), ["alpha", "alphonse"]);
    assert_eq!(names(&get("?username=alpha&exact=true").await.body), ["alpha"]);
    assert_eq!(names(&get("?email=example.com").await.body), ["alpha", "beta"]);
    assert_eq!(names(&get("?first=1&max=2").await.body), ["alpha", "alphonse"]);
    let id = all.body[1]["id"].as_str().unwrap();
    assert_eq!(names(&get(&format!("?search=id:{id}")).await.body), ["alpha"]);

    let brief = get("?username=beta&briefRepresentation=true").await;
    assert!(brief.body[0].get("requiredActions").is_none());
    assert_eq!(brief.body[0]["email"], "beta@example.com");

    let count = get("/count").await;
    assert_eq!((count.status, count.body), (200, json!(5)));
    assert_eq!(get("/count?search=alp").await.body, json!(2));
}

/// Paging and flags read as Keycloak 26.7.3's JAX-RS reads them (measured,
/// `UsersResource.getUsers`: `Integer first`, `Integer max`, `Boolean` flags): an
/// integer that is not a Java `Integer` is `404 {"error":"HTTP 404 Not Found"}`, empty is
/// absent, a negative `first` counts as 0, a negative `max` lists everything, `max=0`
/// nothing; a flag is true only for `true` in any case.
#[tokio::test]
async fn paging_and_flags_read_as_keycloak_reads_them() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let get = |query: &str| {
        let path = format!("/nagra/users{query}");
        let app = &app;
        let token = &token;
        async move { admin_call(app, "GET", &path, Some(token), None).await }
    };
    let names = |body: &Value| -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = names(&get("").await.body);
    assert!(all.len() >= 2, "{all:?}");
    for query in [
        "?max=ten",
        "?first=1.5",
        "?first=2147483648",
        "?max=9223372036854775808",
        "?first=%201",
        "?first=1e2",
    ] {
        let answer = get(query).await;
        assert_eq!(
            (answer.status, answer.body),
            (404, json!({"error": "HTTP 404 Not Found"})),
            "{query}"
        );
    }
    assert_eq!(names(&get("?first=&max=").await.body), all);
    assert_eq!(names(&get("?first=%2B1").await.body), all[1..]);
    assert_eq!(names(&get("?first=-5").await.body), all);
    assert_eq!(names(&get("?max=-1").await.body), all);
    assert_eq!(names(&get("?max=-2147483648").await.body), all);
    assert!(names(&get("?max=0").await.body).is_empty());
    assert!(names(&get("?first=2147483647").await.body).is_empty());
    assert_eq!(names(&get("?first=-5&max=2").await.body), all[..2]);
    // `exact=maybe` is false; `enabled=maybe` asks for disabled users (there are none).
    assert_eq!(names(&get("?exact=maybe").await.body), all);
    assert!(names(&get("?enabled=maybe").await.body).is_empty());
    let full = get("?briefRepresentation=maybe").await;
    assert!(full.body[0].get("requiredActions").is_some());
    let brief = get("?briefRepresentation=TRUE").await;
    assert!(brief.body[0].get("requiredActions").is_none());
}

#[tokio::test]
async fn a_user_is_updated_and_deleted() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_user(
        &app,
        &token,
        json!({"username": "jon", "firstName": "Jon", "enabled": true, "attributes": {"a": ["1"]},
               "credentials": [{"type": "password", "value": "jon-pw"}]}),
    )
    .await;
    let path = format!("/nagra/users/{id}");
    let answer = admin_call(
        &app,
        "PUT",
        &path,
        Some(&token),
        Some(json!({"lastName": "Snow", "emailVerified": true, "attributes": {"b": ["2"]}})),
    )
    .await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    let user = admin_call(&app, "GET", &path, Some(&token), None).await.body;
    assert_eq!(
        (user["firstName"].as_str(), user["lastName"].as_str()),
        (Some("Jon"), Some("Snow"))
    );
    assert_eq!(user["emailVerified"], true);
    assert_eq!(user["attributes"], json!({"b": ["2"]}));

    let (status, session) = login(&app, "jon", "jon-pw").await;
    assert_eq!(status, 200);
    let answer = admin_call(&app, "DELETE", &path, Some(&token), None).await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    let answer = admin_call(&app, "GET", &path, Some(&token), None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "User not found"})));
    assert_eq!(admin_call(&app, "DELETE", &path, Some(&token), None).await.status, 404);
    assert_eq!(admin_call(&app, "PUT", &path, Some(&token), Some(json!({}))).await.status, 404);
    // The deleted user's session is gone with them.
    let refresh = app.refresh("crm_client", session["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refresh.status(), 400);
}

#[tokio::test]
async fn bad_user_bodies_are_400_and_change_nothing() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_user(&app, &token, json!({"username": "kim", "firstName": "Kim"})).await;
    let cannot_parse =
        json!({"error": "unknown_error", "error_description": "Cannot parse the JSON"});
    for (method, path, body) in [
        ("POST", "/nagra/users".to_owned(), r#"{"username": 7}"#),
        ("PUT", format!("/nagra/users/{id}"), r#"{"firstName": ["K"]}"#),
        ("PUT", format!("/nagra/users/{id}"), r#"{"enabled": "yes"}"#),
        ("PUT", format!("/nagra/users/{id}/reset-password"), r#"{"value": 1234}"#),
        ("POST", format!("/nagra/users/{id}/role-mappings/realm"), r#"{"name": "x"}"#),
    ] {
        let answer = admin_call_raw(&app, method, &path, &token, body).await;
        assert_eq!((answer.status, &answer.body), (400, &cannot_parse), "{method} {path} {body}");
    }
    // Broken JSON is `invalid_request` (Keycloak 26.7.3, `facts-types/types4.py`).
    let answer = admin_call_raw(&app, "POST", "/nagra/users", &token, r#"{"username": "x""#).await;
    assert_eq!(
        (answer.status, &answer.body),
        (400, &json!({"error": "invalid_request", "error_description": "Cannot parse the JSON"}))
    );
    let user = admin_call(&app, "GET", &format!("/nagra/users/{id}"), Some(&token), None).await;
    assert_eq!(
        (user.body["firstName"].as_str(), user.body["enabled"].as_bool()),
        (Some("Kim"), Some(false))
    );
    let count = admin_call(&app, "GET", "/nagra/users/count", Some(&token), None).await;
    assert_eq!(count.body, json!(3));
}

#[tokio::test]
async fn users_of_an_unknown_realm_are_404_and_of_another_realm_403() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let answer = admin_call(&app, "GET", "/nowhere/users", Some(&token), None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Realm not found."})));
    let login = app.seed_login().await;
    let user_token = login["access_token"].as_str().unwrap();
    for (method, path) in
        [("GET", "/nagra/users"), ("GET", "/nagra/users/count"), ("POST", "/nagra/users")]
    {
        let answer =
            admin_call(&app, method, path, Some(user_token), Some(json!({"username": "x"}))).await;
        assert_eq!(
            (answer.status, &answer.body),
            (403, &json!({"error": "HTTP 403 Forbidden"})),
            "{path}"
        );
        let answer = admin_call(&app, method, path, None, None).await;
        assert_eq!(answer.status, 401, "{path}");
    }
}

#[tokio::test]
async fn realm_roles_are_mapped_listed_and_removed() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_user(
        &app,
        &token,
        json!({"username": "lea", "enabled": true,
               "credentials": [{"type": "password", "value": "lea-pw"}]}),
    )
    .await;
    let base = format!("/nagra/users/{id}/role-mappings");
    let mapped = admin_call(&app, "GET", &format!("{base}/realm"), Some(&token), None).await;
    let names = |body: &Value| -> Vec<String> {
        body.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(names(&mapped.body), ["default-roles-nagra"]);
    // Every realm role not mapped directly: those held through the default role's
    // composites too (26.7.3, `facts-12.md` §1.8, "alice's available realm roles").
    let available =
        admin_call(&app, "GET", &format!("{base}/realm/available"), Some(&token), None).await;
    assert_eq!(
        names(&available.body),
        ["adminRole", "offline_access", "operatorRole", "uma_authorization"]
    );
    let operator = available.body[2].clone();

    let add = json!([{"id": operator["id"], "name": "operatorRole"}]);
    let answer =
        admin_call(&app, "POST", &format!("{base}/realm"), Some(&token), Some(add.clone())).await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    let (_, body) = login(&app, "lea", "lea-pw").await;
    let (_, claims) = jwt_parts(body["access_token"].as_str().unwrap());
    assert!(claims["realm_access"]["roles"].as_array().unwrap().contains(&json!("operatorRole")));

    let all = admin_call(&app, "GET", &base, Some(&token), None).await.body;
    assert_eq!(names(&all["realmMappings"]), ["default-roles-nagra", "operatorRole"]);
    assert_eq!(
        all["realmMappings"][1],
        json!({
            "id": operator["id"], "name": "operatorRole", "description": "Opens the operator APIs",
            "composite": false, "clientRole": false, "containerId": operator["containerId"]
        })
    );
    assert!(all.get("clientMappings").is_none());
    let composite =
        admin_call(&app, "GET", &format!("{base}/realm/composite"), Some(&token), None).await;
    assert_eq!(
        names(&composite.body),
        ["default-roles-nagra", "offline_access", "operatorRole", "uma_authorization"]
    );
    let available =
        admin_call(&app, "GET", &format!("{base}/realm/available"), Some(&token), None).await;
    assert_eq!(names(&available.body), ["adminRole", "offline_access", "uma_authorization"]);

    let answer =
        admin_call(&app, "DELETE", &format!("{base}/realm"), Some(&token), Some(add)).await;
    assert_eq!(answer.status, 204);
    let mapped = admin_call(&app, "GET", &format!("{base}/realm"), Some(&token), None).await;
    assert_eq!(names(&mapped.body), ["default-roles-nagra"]);
    // Without a body, every realm role goes.
    let answer = admin_call(&app, "DELETE", &format!("{base}/realm"), Some(&token), None).await;
    assert_eq!(answer.status, 204);
    let mapped = admin_call(&app, "GET", &format!("{base}/realm"), Some(&token), None).await;
    assert_eq!(mapped.body, json!([]));
    assert_eq!(admin_call(&app, "GET", &base, Some(&token), None).await.body, json!({}));
}

#[tokio::test]
async fn mapping_a_role_needs_its_id_and_name() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_user(&app, &token, json!({"username": "max"})).await;
    let path = format!("/nagra/users/{id}/role-mappings/realm");
    for body in [
        json!([{"name": "operatorRole"}]),
        json!([{"id": "wrong", "name": "operatorRole"}]),
        json!([{"id": "x", "name": "noSuchRole"}]),
    ] {
        let answer = admin_call(&app, "POST", &path, Some(&token), Some(body.clone())).await;
        assert_eq!(
            (answer.status, &answer.body),
            (404, &json!({"error": "Role not found"})),
            "{body}"
        );
    }
    let mapped = admin_call(&app, "GET", &path, Some(&token), None).await;
    assert_eq!(mapped.body.as_array().unwrap().len(), 1, "nothing was granted");
    let answer =
        admin_call(&app, "GET", "/nagra/users/nobody/role-mappings", Some(&token), None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "User not found"})));
}

#[tokio::test]
async fn client_role_mappings_are_grouped_by_client() {
    let app = spawn_app().await;
    crate::helpers::grant_management_role(&app, "nagra", "admin_user", "view-users").await;
    let token = admin_token(&app).await;
    let users =
        admin_call(&app, "GET", "/nagra/users?username=admin_user&exact=true", Some(&token), None)
            .await;
    let id = users.body[0]["id"].as_str().unwrap();
    let all =
        admin_call(&app, "GET", &format!("/nagra/users/{id}/role-mappings"), Some(&token), None)
            .await;
    let management = &all.body["clientMappings"]["realm-management"];
    assert_eq!(management["client"], "realm-management");
    assert_eq!(management["mappings"][0]["name"], "view-users");
    assert_eq!(management["mappings"][0]["clientRole"], true);
    assert_eq!(management["mappings"][0]["containerId"], management["id"]);
}

/// The realm's `passwordPolicy` (`PasswordPolicy.java`, the `*PasswordPolicyProvider`s;
/// texts from the admin theme's `messages_en.properties`; answers recorded from 26.7.3):
/// reset-password and user creation name the broken rule, and nothing changes.
#[tokio::test]
async fn the_password_policy_refuses_weak_passwords_and_keeps_the_old_one() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let bad = json!({"passwordPolicy": "lenght(8)"});
    let refused = admin_call(&app, "PUT", "/nagra", Some(&token), Some(bad)).await;
    assert_eq!(
        (refused.status, &refused.body),
        (400, &json!({"errorMessage": "Password policy not found"}))
    );
    let bad = json!({"passwordPolicy": "length(eight)"});
    let refused = admin_call(&app, "PUT", "/nagra", Some(&token), Some(bad)).await;
    assert_eq!(
        (refused.status, &refused.body),
        (400, &json!({"errorMessage": "Invalid config for length: Not a valid number"}))
    );
    let policy = json!({"passwordPolicy": "notUsername(undefined) and length(8) and digits(1)"});
    assert_eq!(admin_call(&app, "PUT", "/nagra", Some(&token), Some(policy)).await.status, 204);
    let realm = admin_call(&app, "GET", "/nagra", Some(&token), None).await;
    assert_eq!(realm.body["passwordPolicy"], "notUsername(undefined) and length(8) and digits(1)");

    let users = admin_call(
        &app,
        "GET",
        "/nagra/users?username=crm_client_user&exact=true",
        Some(&token),
        None,
    )
    .await;
    let id = users.body[0]["id"].as_str().unwrap().to_owned();
    let path = format!("/nagra/users/{id}/reset-password");
    for (password, key, text) in [
        ("short1", "invalidPasswordMinLengthMessage", "Invalid password: minimum length 8."),
        (
            "longenough",
            "invalidPasswordMinDigitsMessage",
            "Invalid password: must contain at least 1 numerical digits.",
        ),
        (
            "CRM_Client_User",
            "invalidPasswordNotUsernameMessage",
            "Invalid password: must not be equal to the username.",
        ),
    ] {
        let body = json!({"type": "password", "value": password, "temporary": false});
        let answer = admin_call(&app, "PUT", &path, Some(&token), Some(body)).await;
        assert_eq!(
            (answer.status, &answer.body),
            (400, &json!({"error": key, "error_description": text})),
            "{password}"
        );
    }
    assert_eq!(login(&app, "crm_client_user", "1234").await.0, 200, "the old password stays");

    let body = json!({"type": "password", "value": "longenough1", "temporary": false});
    assert_eq!(admin_call(&app, "PUT", &path, Some(&token), Some(body)).await.status, 204);
    assert_eq!(login(&app, "crm_client_user", "longenough1").await.0, 200);

    let weak = json!({
        "username": "weakling",
        "enabled": true,
        "credentials": [{"type": "password", "value": "abc", "temporary": false}],
    });
    let answer = admin_call(&app, "POST", "/nagra/users", Some(&token), Some(weak)).await;
    let too_short = json!({
        "error": "invalidPasswordMinLengthMessage",
        "error_description": "Invalid password: minimum length 8.",
    });
    assert_eq!((answer.status, &answer.body), (400, &too_short));
    let found = admin_call(&app, "GET", "/nagra/users?username=weakling", Some(&token), None).await;
    assert_eq!(found.body, json!([]), "no user was created");
}
