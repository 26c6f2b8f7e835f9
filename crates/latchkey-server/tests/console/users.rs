//! Users, role mapping, sessions, realm roles and clients through the console, each
//! change checked the way a client sees it: with a token request.

use latchkey_core::store::Store;
use latchkey_testkit::{TestApp, spawn_app};
use serde_json::Value;

use crate::browser::Browser;

async fn grant(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("client_id", "crm_client"),
                ("username", username),
                ("password", password),
            ],
        )
        .await;
    (response.status().as_u16(), response.json().await.unwrap())
}

fn realm_roles(token: &Value) -> Vec<String> {
    use base64::Engine as _;
    let payload = token["access_token"].as_str().unwrap().split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap();
    let claims: Value = serde_json::from_slice(&bytes).unwrap();
    claims["realm_access"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect()
}

/// Creates user `jane` with a password through the console; returns her id.
async fn create_jane(browser: &mut Browser<'_>, temporary: bool) -> String {
    let page = browser
        .submit(
            "/realms/nagra/users/new",
            &[
                ("username", "Jane"),
                ("email", "jane@example.com"),
                ("firstName", "Jane"),
                ("enabled", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location.unwrap();
    let prefix = "/keycloak/auth/admin/master/console/realms/nagra/users/";
    let id =
        location.strip_prefix(prefix).unwrap().strip_suffix("?notice=created").unwrap().to_owned();
    let mut fields = vec![("password", "jane-password"), ("passwordConfirmation", "jane-password")];
    if temporary {
        fields.push(("temporary", "on"));
    }
    let page = browser.submit(&format!("/realms/nagra/users/{id}/credentials"), &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    id
}

#[tokio::test]
async fn a_user_made_in_the_console_logs_in_and_gets_the_role_granted_there() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let id = create_jane(&mut browser, false).await;
    let (status, token) = grant(&app, "jane", "jane-password").await;
    assert_eq!(status, 200, "{token}");
    assert!(!realm_roles(&token).contains(&"operatorRole".to_owned()));

    let mapping = browser.get(&format!("/realms/nagra/users/{id}/role-mapping")).await;
    mapping.assert_contains("<option value=\"operatorRole\">operatorRole</option>");
    let csrf = mapping.csrf();
    let page = browser
        .post(
            &format!("/realms/nagra/users/{id}/role-mapping/assign"),
            &[("csrf", &csrf), ("role", "operatorRole")],
        )
        .await;
    assert_eq!(page.status, 303);
    let (_, token) = grant(&app, "jane", "jane-password").await;
    assert!(realm_roles(&token).contains(&"operatorRole".to_owned()));
    let users = browser.get("/realms/nagra/roles/operatorRole").await;
    users.assert_contains(">jane</a>");

    let page = browser
        .post(
            &format!("/realms/nagra/users/{id}/role-mapping/unassign"),
            &[("csrf", &csrf), ("role", "operatorRole")],
        )
        .await;
    assert_eq!(page.status, 303);
    let (_, token) = grant(&app, "jane", "jane-password").await;
    assert!(!realm_roles(&token).contains(&"operatorRole".to_owned()));
    let unknown = browser
        .post(
            &format!("/realms/nagra/users/{id}/role-mapping/assign"),
            &[("csrf", &csrf), ("role", "noSuchRole")],
        )
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn a_temporary_password_keeps_the_password_grant_closed() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    create_jane(&mut browser, true).await;
    let (status, body) = grant(&app, "jane", "jane-password").await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Account is not fully set up"))
    );
}

#[tokio::test]
async fn users_are_searched_edited_disabled_and_refused_with_inline_errors() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let id = create_jane(&mut browser, false).await;

    let found = browser.get("/realms/nagra/users?search=jan").await;
    found.assert_contains(">jane</a>");
    assert!(!found.body.contains(">crm_client_user</a>"));
    let none = browser.get("/realms/nagra/users?search=zzz").await;
    none.assert_contains("No users match your search.");

    let taken = browser.submit("/realms/nagra/users/new", &[("username", "jane")]).await;
    assert_eq!(taken.status, 409);
    taken.assert_contains("id=\"username-error\">Another user has this username.</p>");
    let taken = browser
        .submit("/realms/nagra/users/new", &[("username", "other"), ("email", "JANE@example.com")])
        .await;
    assert_eq!(taken.status, 409);
    taken.assert_contains("id=\"email-error\">Another user has this email.</p>");
    let short = browser.submit("/realms/nagra/users/new", &[("username", "ab")]).await;
    assert_eq!(short.status, 400);
    short.assert_contains("id=\"username-error\">Use 3 to 255 characters.</p>");
    // Keycloak's username validators (issue 13): what the Admin API refuses, the console does.
    for name in ["ab<c", "a/b/c", "jane doe", "аbc"] {
        let bad = browser.submit("/realms/nagra/users/new", &[("username", name)]).await;
        assert_eq!(bad.status, 400, "{name}");
        bad.assert_contains("id=\"username-error\">Leave out spaces, control characters");
    }
    let mismatch = browser
        .submit(
            &format!("/realms/nagra/users/{id}/credentials"),
            &[("password", "a"), ("passwordConfirmation", "b")],
        )
        .await;
    assert_eq!(mismatch.status, 400);
    mismatch.assert_contains("The passwords do not match.");
    let (status, _) = grant(&app, "jane", "jane-password").await;
    assert_eq!(status, 200, "the old password still works");

    let saved = browser
        .submit(
            &format!("/realms/nagra/users/{id}"),
            &[("email", "jane.doe@example.com"), ("lastName", "Doe")],
        )
        .await;
    assert_eq!(saved.status, 303);
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let stored = app.store.find_user_by_id(&realm.id, &id).await.unwrap().unwrap();
    assert_eq!(stored.profile.email.as_deref(), Some("jane.doe@example.com"));
    assert_eq!(stored.profile.last_name.as_deref(), Some("Doe"));

    let details = browser.get(&format!("/realms/nagra/users/{id}")).await;
    details.assert_contains("Disable user");
    let csrf = details.csrf();
    let page = browser
        .post(
            &format!("/realms/nagra/users/{id}/enabled"),
            &[("csrf", &csrf), ("enabled", "false")],
        )
        .await;
    assert_eq!(page.status, 303);
    let (status, body) = grant(&app, "jane", "jane-password").await;
    assert_eq!((status, body["error_description"].as_str()), (400, Some("Account disabled")));
    let page = browser
        .post(&format!("/realms/nagra/users/{id}/enabled"), &[("csrf", &csrf), ("enabled", "true")])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(grant(&app, "jane", "jane-password").await.0, 200);

    for path in [
        "/realms/nagra/users/no-such-id",
        "/realms/nagra/users/no-such-id/credentials",
        "/realms/nope/users",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        page.assert_contains("Page not found");
    }
}

#[tokio::test]
async fn sessions_are_listed_and_signed_out_one_or_all() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let (_, first) = grant(&app, "crm_client_user", "1234").await;
    let (_, second) = grant(&app, "crm_client_user", "1234").await;
    let first_sid = first["session_state"].as_str().unwrap();

    let page = browser.get("/realms/nagra/sessions").await;
    page.assert_contains("2 active sessions");
    page.assert_contains(&format!("name=\"session\" value=\"{first_sid}\""));
    let csrf = page.csrf();
    let out = browser
        .post("/realms/nagra/sessions/sign-out", &[("csrf", &csrf), ("session", first_sid)])
        .await;
    assert_eq!(out.status, 303);
    let refresh = |token: &Value| {
        let token = token["refresh_token"].as_str().unwrap().to_owned();
        let app = &app;
        async move {
            app.post_form(
                &app.token_url("nagra"),
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", "crm_client"),
                    ("refresh_token", &token),
                ],
            )
            .await
            .status()
            .as_u16()
        }
    };
    assert_eq!(refresh(&first).await, 400);
    assert_eq!(refresh(&second).await, 200);
    let gone = browser
        .post("/realms/nagra/sessions/sign-out", &[("csrf", &csrf), ("session", first_sid)])
        .await;
    assert_eq!(gone.status, 404);

    let all = browser.post("/realms/nagra/sessions/sign-out-all", &[("csrf", &csrf)]).await;
    assert_eq!(all.status, 303);
    assert_eq!(refresh(&second).await, 400);
    browser.get("/realms/nagra/sessions").await.assert_contains("No active sessions.");

    // The console's own sign-in is a master session, listed with the right client.
    let master = browser.get("/realms/master/sessions").await;
    master.assert_contains("security-admin-console");
    master.assert_contains("<span class=\"badge\">You</span>");
}

#[tokio::test]
async fn realm_roles_are_created_and_deleted_but_not_the_default_role() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let page = browser
        .submit(
            "/realms/nagra/roles/new",
            &[("name", "auditorRole"), ("description", "Reads audit logs")],
        )
        .await;
    assert_eq!(page.status, 303);
    browser.get("/realms/nagra/roles").await.assert_contains(">auditorRole</a>");
    let taken = browser.submit("/realms/nagra/roles/new", &[("name", "auditorRole")]).await;
    assert_eq!(taken.status, 409);
    taken.assert_contains("A role with this name exists already.");
    let csrf = browser.get("/realms/nagra/roles").await.csrf();
    let question = browser.post("/realms/nagra/roles/auditorRole/delete", &[("csrf", &csrf)]).await;
    question.assert_contains("Delete role?");
    browser.get("/realms/nagra/roles").await.assert_contains(">auditorRole</a>");
    let deleted = browser
        .post("/realms/nagra/roles/auditorRole/delete", &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(deleted.status, 303);
    assert!(!browser.get("/realms/nagra/roles").await.body.contains(">auditorRole</a>"));
    let refused = browser
        .post(
            "/realms/nagra/roles/default-roles-nagra/delete",
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status, 400);
    refused.assert_contains("is default role of the realm and cannot be removed.");
    assert_eq!(
        browser.post("/realms/nagra/roles/nope/delete", &[("csrf", &csrf)]).await.status,
        404
    );
}

#[tokio::test]
async fn clients_are_created_configured_and_get_new_secrets() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let invalid = browser
        .submit("/realms/nagra/clients/new", &[("clientId", "svc"), ("serviceAccounts", "on")])
        .await;
    assert_eq!(invalid.status, 400);
    invalid.assert_contains("Service accounts need client authentication on.");
    let page = browser
        .submit(
            "/realms/nagra/clients/new",
            &[("clientId", "svc"), ("clientAuthentication", "on"), ("serviceAccounts", "on")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let location = page.location.unwrap();
    let client_path = location
        .strip_prefix("/keycloak/auth/admin/master/console")
        .unwrap()
        .strip_suffix("?notice=created")
        .unwrap()
        .to_owned();
    let credentials = browser.get(&format!("{client_path}/credentials")).await;
    let marker = "id=\"clientSecret\"";
    assert!(credentials.body.contains(marker));
    let start = credentials.body.find("readonly value=\"").unwrap() + "readonly value=\"".len();
    let secret =
        credentials.body[start..start + credentials.body[start..].find('"').unwrap()].to_owned();
    let client_credentials = |secret: String| {
        let app = &app;
        async move {
            let response = app
                .post_form(
                    &app.token_url("nagra"),
                    &[
                        ("grant_type", "client_credentials"),
                        ("client_id", "svc"),
                        ("client_secret", &secret),
                    ],
                )
                .await;
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = client_credentials(secret.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");

    let saved = browser
        .submit(
            &client_path,
            &[
                ("enabled", "on"),
                ("clientAuthentication", "on"),
                ("serviceAccounts", "on"),
                ("lowerCaseBearer", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303);
    assert_eq!(client_credentials(secret.clone()).await.1["token_type"], "bearer");

    let csrf = browser.get(&format!("{client_path}/credentials")).await.csrf();
    let regenerated =
        browser.post(&format!("{client_path}/credentials/regenerate"), &[("csrf", &csrf)]).await;
    assert_eq!(regenerated.status, 303);
    assert_eq!(client_credentials(secret).await.0, 401);

    let taken = browser.submit("/realms/nagra/clients/new", &[("clientId", "svc")]).await;
    assert_eq!(taken.status, 409);
    // crm_client is public: no Credentials tab, no secret page.
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let crm = app.store.find_client_by_client_id(&realm.id, "crm_client").await.unwrap().unwrap();
    assert_eq!(
        browser.get(&format!("/realms/nagra/clients/{}/credentials", crm.id)).await.status,
        404
    );
    assert_eq!(browser.get("/realms/nagra/clients/nope").await.status, 404);

    // Direct access grants off: the password grant is refused at once.
    let page = browser
        .submit(
            &format!("/realms/nagra/clients/{}", crm.id),
            &[("enabled", "on"), ("standardFlow", "on")],
        )
        .await;
    assert_eq!(page.status, 303);
    let (status, body) = grant(&app, "crm_client_user", "1234").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unauthorized_client")));
}

#[tokio::test]
async fn users_and_clients_are_deleted_but_not_the_signed_in_admin_or_the_consoles_client() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let id = create_jane(&mut browser, false).await;
    let csrf = browser.get("/realms/nagra/users").await.csrf();
    // First the question, nothing deleted; then the confirmed post.
    let question =
        browser.post(&format!("/realms/nagra/users/{id}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(question.status, 200);
    question.assert_contains("Delete user?");
    question.assert_contains("<input type=\"hidden\" name=\"confirm\" value=\"yes\">");
    assert_eq!(grant(&app, "jane", "jane-password").await.0, 200);
    let page = browser
        .post(&format!("/realms/nagra/users/{id}/delete"), &[("csrf", &csrf), ("confirm", "yes")])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(grant(&app, "jane", "jane-password").await.0, 400);
    assert_eq!(browser.get(&format!("/realms/nagra/users/{id}")).await.status, 404);

    let master = app.store.find_realm_by_name("master").await.unwrap().unwrap();
    let admin = app.store.find_user_by_username(&master.id, "admin").await.unwrap().unwrap();
    let refused = browser
        .post(&format!("/realms/master/users/{}/delete", admin.id), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, 400);
    refused.assert_contains("You cannot delete the account you are signed in with.");

    let console_client = app
        .store
        .find_client_by_client_id(&master.id, "security-admin-console")
        .await
        .unwrap()
        .unwrap();
    let refused = browser
        .post(&format!("/realms/master/clients/{}/delete", console_client.id), &[("csrf", &csrf)])
        .await;
    assert_eq!(refused.status, 400);
    let nagra = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let crm = app.store.find_client_by_client_id(&nagra.id, "crm_client").await.unwrap().unwrap();
    let path = format!("/realms/nagra/clients/{}/delete", crm.id);
    let question = browser.post(&path, &[("csrf", &csrf)]).await;
    question.assert_contains("Delete client?");
    let page = browser.post(&path, &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(page.status, 303);
    let (status, body) = grant(&app, "crm_client_user", "1234").await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
}

#[tokio::test]
async fn a_client_role_granted_in_the_console_opens_the_admin_api() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let id = create_jane(&mut browser, false).await;
    let admin_api = |token: String| {
        let app = &app;
        async move {
            let url = format!("{}/admin/realms/nagra/users", app.base_url);
            app.http.get(url).bearer_auth(token).send().await.unwrap().status().as_u16()
        }
    };
    let (_, token) = grant(&app, "jane", "jane-password").await;
    assert_eq!(admin_api(token["access_token"].as_str().unwrap().to_owned()).await, 403);

    let nagra = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let management =
        app.store.find_client_by_client_id(&nagra.id, "realm-management").await.unwrap().unwrap();
    let value = format!("{}/realm-admin", management.id);
    let mapping = browser.get(&format!("/realms/nagra/users/{id}/role-mapping")).await;
    mapping.assert_contains("<optgroup label=\"realm-management\">");
    mapping.assert_contains(&format!("<option value=\"{value}\">realm-admin</option>"));
    let csrf = mapping.csrf();
    let page = browser
        .post(
            &format!("/realms/nagra/users/{id}/role-mapping/assign"),
            &[("csrf", &csrf), ("clientRole", &value)],
        )
        .await;
    assert_eq!(page.status, 303);
    let (_, token) = grant(&app, "jane", "jane-password").await;
    assert_eq!(admin_api(token["access_token"].as_str().unwrap().to_owned()).await, 200);
    let mapping = browser.get(&format!("/realms/nagra/users/{id}/role-mapping")).await;
    mapping.assert_contains("<span class=\"badge\">realm-management</span> realm-admin");

    let page = browser
        .post(
            &format!("/realms/nagra/users/{id}/role-mapping/unassign"),
            &[("csrf", &csrf), ("clientRole", &value)],
        )
        .await;
    assert_eq!(page.status, 303);
    let (_, token) = grant(&app, "jane", "jane-password").await;
    assert_eq!(admin_api(token["access_token"].as_str().unwrap().to_owned()).await, 403);
    let bad = browser
        .post(
            &format!("/realms/nagra/users/{id}/role-mapping/assign"),
            &[("csrf", &csrf), ("clientRole", "nope/realm-admin")],
        )
        .await;
    assert_eq!(bad.status, 404);
}

#[tokio::test]
async fn a_long_user_list_shows_the_first_hundred_and_asks_for_a_search() {
    let app = spawn_app().await;
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    for index in 0..105 {
        let user = latchkey_core::user::User {
            id: latchkey_core::random::uuid(),
            realm_id: realm.id.clone(),
            username: format!("user{index:03}"),
            enabled: true,
            created_timestamp: 0,
            profile: latchkey_core::user::UserProfile::default(),
        };
        app.store.insert_user(&user).await.unwrap();
    }
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let page = browser.get("/realms/nagra/users").await;
    page.assert_contains("Showing the first 100 of 107 users, by username.");
    let found = browser.get("/realms/nagra/users?search=user104").await;
    found.assert_contains(">user104</a>");
    assert!(!found.body.contains("Showing the first"));
}

#[tokio::test]
async fn a_users_sessions_tab_signs_one_or_all_of_their_sessions_out() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let user =
        app.store.find_user_by_username(&realm.id, "crm_client_user").await.unwrap().unwrap();
    let (_, first) = grant(&app, "crm_client_user", "1234").await;
    let (_, second) = grant(&app, "crm_client_user", "1234").await;
    let tab = format!("/realms/nagra/users/{}/sessions", user.id);
    let page = browser.get(&tab).await;
    let first_sid = first["session_state"].as_str().unwrap();
    page.assert_contains(&format!("value=\"{first_sid}\""));
    let csrf = page.csrf();
    let out =
        browser.post(&format!("{tab}/sign-out"), &[("csrf", &csrf), ("session", first_sid)]).await;
    assert_eq!(out.status, 303);
    assert!(!browser.get(&tab).await.body.contains(first_sid));
    let all = browser.post(&format!("{tab}/sign-out-all"), &[("csrf", &csrf)]).await;
    assert_eq!(all.status, 303);
    browser.get(&tab).await.assert_contains("No active sessions.");
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "refresh_token"),
                ("client_id", "crm_client"),
                ("refresh_token", second["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
}

#[tokio::test]
async fn service_account_roles_show_in_client_credentials_tokens() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let page = browser
        .submit(
            "/realms/nagra/clients/new",
            &[("clientId", "svc"), ("clientAuthentication", "on"), ("serviceAccounts", "on")],
        )
        .await;
    let location = page.location.unwrap();
    let client_path = location
        .strip_prefix("/keycloak/auth/admin/master/console")
        .unwrap()
        .strip_suffix("?notice=created")
        .unwrap()
        .to_owned();
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let client = app.store.find_client_by_client_id(&realm.id, "svc").await.unwrap().unwrap();
    let secret = client.secret.unwrap().expose().to_owned();
    let token = || {
        let (app, secret) = (&app, secret.clone());
        async move {
            let response = app
                .post_form(
                    &app.token_url("nagra"),
                    &[
                        ("grant_type", "client_credentials"),
                        ("client_id", "svc"),
                        ("client_secret", &secret),
                    ],
                )
                .await;
            response.json::<Value>().await.unwrap()
        }
    };
    assert!(!realm_roles(&token().await).contains(&"adminRole".to_owned()));

    let tab = browser.get(&format!("{client_path}/service-account-roles")).await;
    assert_eq!(tab.status, 200);
    tab.assert_contains("service-account-svc");
    let csrf = tab.csrf();
    let page = browser
        .post(
            &format!("{client_path}/service-account-roles/assign"),
            &[("csrf", &csrf), ("role", "adminRole")],
        )
        .await;
    assert_eq!(page.status, 303);
    assert!(realm_roles(&token().await).contains(&"adminRole".to_owned()));
    // The service account is no user to edit on the Users pages.
    let sa =
        app.store.find_user_by_username(&realm.id, "service-account-svc").await.unwrap().unwrap();
    assert_eq!(browser.get(&format!("/realms/nagra/users/{}", sa.id)).await.status, 404);
    // A client without service accounts has no such tab.
    let crm = app.store.find_client_by_client_id(&realm.id, "crm_client").await.unwrap().unwrap();
    let page =
        browser.get(&format!("/realms/nagra/clients/{}/service-account-roles", crm.id)).await;
    assert_eq!(page.status, 404);
}
