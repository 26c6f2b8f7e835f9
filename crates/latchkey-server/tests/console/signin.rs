//! Sign-in, cookies, CSRF on the sign-in form, brute force, sign-out and expiry.

use latchkey_core::store::Store;
use latchkey_core::user::{PasswordCredential, User, UserProfile};
use latchkey_server::config::ServerConfig;
use latchkey_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, spawn_app, spawn_app_with};

use crate::browser::Browser;

const INVALID: &str = "Invalid username or password.";

async fn master_id(app: &TestApp) -> String {
    app.store.find_realm_by_name("master").await.unwrap().unwrap().id
}

#[tokio::test]
async fn the_console_sends_a_stranger_to_the_sign_in_form() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let root = browser.get("").await;
    assert_eq!(root.status, 303);
    assert_eq!(root.location.as_deref(), Some("/keycloak/auth/admin/master/console/login"));
    let tokens = browser.get("/realms/nagra/realm-settings/tokens").await;
    assert_eq!(tokens.status, 303);
    assert_eq!(tokens.location.as_deref(), Some("/keycloak/auth/admin/master/console/login"));

    let form = browser.get("/login").await;
    assert_eq!(form.status, 200);
    form.assert_contains("Sign in to your account");
    assert_eq!(form.headers["cache-control"], "no-store");
    let cookie = form.set_cookie("LATCHKEY_CONSOLE_LOGIN").unwrap();
    assert!(
        cookie.ends_with("; Path=/keycloak/auth/admin/master/console; HttpOnly; SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        form.headers["content-security-policy"].to_str().unwrap().contains("default-src 'none'")
    );
}

#[tokio::test]
async fn an_admin_signs_in_with_a_real_master_session_and_safe_cookies() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let page = browser.sign_in_as(ADMIN_USERNAME, ADMIN_PASSWORD).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/keycloak/auth/admin/master/console"));
    let cookie = page.set_cookie("LATCHKEY_CONSOLE_SESSION").unwrap();
    assert!(
        cookie.ends_with("; Path=/keycloak/auth/admin/master/console; HttpOnly; SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP: no Secure flag: {cookie}");
    // The login form's token is spent.
    assert!(page.set_cookie("LATCHKEY_CONSOLE_LOGIN").unwrap().contains("Max-Age=0"));

    // The sign-in is a user session of master for security-admin-console.
    let realm_id = master_id(&app).await;
    let admin = app.store.find_user_by_username(&realm_id, ADMIN_USERNAME).await.unwrap().unwrap();
    let sessions = app.store.list_user_sessions(&realm_id, &admin.id).await.unwrap();
    assert_eq!(sessions.len(), 1);
    let client = app.store.find_client_by_client_id(&realm_id, "security-admin-console").await;
    assert_eq!(sessions[0].client_uuid, client.unwrap().unwrap().id);
    let session_id = &sessions[0].id;
    assert!(browser.cookies["LATCHKEY_CONSOLE_SESSION"].starts_with(&format!("{session_id}.")));

    let home = browser.get("").await;
    assert_eq!(home.status, 303);
    assert_eq!(
        home.location.as_deref(),
        Some("/keycloak/auth/admin/master/console/realms/master/realm-settings")
    );
    let settings = browser.get("/realms/master/realm-settings").await;
    assert_eq!(settings.status, 200);
    settings.assert_contains("Realm settings");
    settings
        .assert_contains("<span class=\"name\" title=\"Signed in to realm master\">admin</span>");
}

#[tokio::test]
async fn a_session_id_without_its_mac_signs_nobody_in() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let value = browser.cookies["LATCHKEY_CONSOLE_SESSION"].clone();
    let (session_id, _) = value.split_once('.').unwrap();
    for forged in [session_id.to_owned(), format!("{session_id}.AAAA"), format!("{session_id}.")] {
        browser.cookies.insert("LATCHKEY_CONSOLE_SESSION".into(), forged.clone());
        let page = browser.get("/realms/master/realm-settings").await;
        assert_eq!(page.status, 303, "{forged}");
        assert_eq!(page.location.as_deref(), Some("/keycloak/auth/admin/master/console/login"));
    }
}

#[tokio::test]
async fn sign_in_without_the_forms_csrf_token_is_refused_before_the_password_is_checked() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    // No form visited: no cookie, no token.
    let page =
        browser.post("/login", &[("username", ADMIN_USERNAME), ("password", ADMIN_PASSWORD)]).await;
    assert_eq!(page.status, 403);
    page.assert_contains("Request refused");
    assert!(page.set_cookie("LATCHKEY_CONSOLE_SESSION").is_none());
    // A token that is not the cookie's.
    let form = browser.get("/login").await;
    assert_eq!(form.status, 200);
    let page = browser
        .post(
            "/login",
            &[
                ("csrf", "x".repeat(32).as_str()),
                ("username", ADMIN_USERNAME),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(page.set_cookie("LATCHKEY_CONSOLE_SESSION").is_none());
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer_and_failures_count() {
    let app = spawn_app().await;
    // Brute force detection on in master, before the realm is cached.
    let mut master = app.store.find_realm_by_name("master").await.unwrap().unwrap();
    master.settings.brute_force.brute_force_protected = true;
    master.settings.brute_force.failure_factor = 2;
    app.store.update_realm(&master).await.unwrap();

    let mut browser = Browser::new(&app);
    let wrong = browser.sign_in_as(ADMIN_USERNAME, "wrong").await;
    assert_eq!(wrong.status, 401);
    wrong.assert_contains(INVALID);
    assert!(wrong.set_cookie("LATCHKEY_CONSOLE_SESSION").is_none());
    let unknown = browser.sign_in_as("nobody", "wrong").await;
    assert_eq!(unknown.status, 401);
    unknown.assert_contains(INVALID);

    let admin = app.store.find_user_by_username(&master.id, ADMIN_USERNAME).await.unwrap().unwrap();
    let failure = app.store.find_login_failure(&master.id, &admin.id).await.unwrap().unwrap();
    assert_eq!(failure.num_failures, 1);
    // The second failure locks the admin out: the right password now gets the same
    // answer, through the console and through the password grant alike.
    let wrong = browser.sign_in_as(ADMIN_USERNAME, "wrong again").await;
    assert_eq!(wrong.status, 401);
    let locked = browser.sign_in_as(ADMIN_USERNAME, ADMIN_PASSWORD).await;
    assert_eq!(locked.status, 401);
    locked.assert_contains(INVALID);
    let grant = app
        .post_form(
            &app.token_url("master"),
            &[
                ("grant_type", "password"),
                ("client_id", "admin-cli"),
                ("username", ADMIN_USERNAME),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(grant.status().as_u16(), 400);
}

#[tokio::test]
async fn a_master_user_without_the_admin_role_gets_a_403_and_no_session() {
    let app = spawn_app().await;
    let realm_id = master_id(&app).await;
    let user = User {
        id: latchkey_core::random::uuid(),
        realm_id: realm_id.clone(),
        username: "operator".into(),
        enabled: true,
        created_timestamp: 0,
        profile: UserProfile::default(),
    };
    app.store.insert_user(&user).await.unwrap();
    app.store
        .set_password(&PasswordCredential {
            id: latchkey_core::random::uuid(),
            user_id: user.id.clone(),
            created_date: 0,
            hash: latchkey_core::password::hash_password("operator-password"),
        })
        .await
        .unwrap();
    let mut browser = Browser::new(&app);
    let page = browser.sign_in_as("operator", "operator-password").await;
    assert_eq!(page.status, 403);
    page.assert_contains("Access denied");
    assert!(page.set_cookie("LATCHKEY_CONSOLE_SESSION").is_none());
    assert!(app.store.list_user_sessions(&realm_id, &user.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn sign_out_ends_the_session_and_clears_the_cookie() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let cookie = browser.cookies["LATCHKEY_CONSOLE_SESSION"].clone();
    let session_id = cookie.split_once('.').unwrap().0.to_owned();

    // Without the token: refused, still signed in.
    let refused = browser.post("/logout", &[]).await;
    assert_eq!(refused.status, 403);
    assert!(app.store.find_session(&session_id).await.unwrap().is_some());

    // The masthead's sign-out form carries the session's token.
    let settings = browser.get("/realms/master/realm-settings").await;
    let csrf = settings.csrf();
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(
        out.location.as_deref(),
        Some("/keycloak/auth/admin/master/console/login?notice=signed-out")
    );
    assert!(out.set_cookie("LATCHKEY_CONSOLE_SESSION").unwrap().contains("Max-Age=0"));
    assert!(app.store.find_session(&session_id).await.unwrap().is_none());

    // The old cookie is worth nothing now.
    browser.cookies.insert("LATCHKEY_CONSOLE_SESSION".into(), cookie);
    let page = browser.get("/realms/master/realm-settings").await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location.as_deref(),
        Some("/keycloak/auth/admin/master/console/login?expired=1")
    );
}

#[tokio::test]
async fn the_session_expires_after_masters_sso_idle_and_max() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    // Use keeps it alive: 20 minutes, then 20 more (SSO Session Idle is 30 minutes).
    app.clock.advance_secs(20 * 60);
    assert_eq!(browser.get("/realms/master/realm-settings").await.status, 200);
    app.clock.advance_secs(20 * 60);
    assert_eq!(browser.get("/realms/master/realm-settings").await.status, 200);
    // Then 31 minutes idle.
    app.clock.advance_secs(31 * 60);
    let page = browser.get("/realms/master/realm-settings").await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location.as_deref(),
        Some("/keycloak/auth/admin/master/console/login?expired=1")
    );
    assert!(page.set_cookie("LATCHKEY_CONSOLE_SESSION").unwrap().contains("Max-Age=0"));
    let form = browser.get("/login?expired=1").await;
    form.assert_contains("Your session has expired.");

    // SSO Session Max (10 hours): however busy, the session ends.
    browser.sign_in().await;
    for _ in 0..21 {
        app.clock.advance_secs(29 * 60);
        let page = browser.get("/realms/master/realm-settings").await;
        if page.status == 303 {
            assert_eq!(
                page.location.as_deref(),
                Some("/keycloak/auth/admin/master/console/login?expired=1")
            );
            return;
        }
    }
    panic!("the session outlived SSO Session Max");
}

#[tokio::test]
async fn cookies_are_secure_when_the_console_is_reached_over_https() {
    let config = ServerConfig {
        hostname: Some("https://sso.example.test/keycloak/auth".into()),
        ..ServerConfig::default()
    };
    let app = spawn_app_with(config).await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/login").await;
    assert!(
        form.set_cookie("LATCHKEY_CONSOLE_LOGIN").unwrap().ends_with("; SameSite=Strict; Secure")
    );
    let page = browser.sign_in_as(ADMIN_USERNAME, ADMIN_PASSWORD).await;
    let cookie = page.set_cookie("LATCHKEY_CONSOLE_SESSION").unwrap();
    assert!(cookie.ends_with("; HttpOnly; SameSite=Strict; Secure"), "{cookie}");
}

#[tokio::test]
async fn the_style_sheet_is_served_with_a_long_cache_lifetime() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    let form = browser.get("/login").await;
    let marker = "<link rel=\"stylesheet\" href=\"/keycloak/auth/admin/master/console";
    let start = form.body.find(marker).unwrap() + marker.len();
    let path = &form.body[start..start + form.body[start..].find('"').unwrap()];
    let css = browser.get(path).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    assert_eq!(css.headers["cache-control"], "public, max-age=31536000, immutable");
    assert!(css.body.contains(".mast"));
    assert_eq!(browser.get("/assets/console-0000000000000000.css").await.status, 404);
}

#[tokio::test]
async fn plain_http_is_refused_where_masters_require_ssl_says_so() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    // Require SSL: all requests, set through the console itself.
    let csrf = browser.get("/realms/master/realm-settings").await.csrf();
    let page = browser
        .post("/realms/master/realm-settings", &[("csrf", &csrf), ("sslRequired", "all")])
        .await;
    assert_eq!(page.status, 303, "{}", page.body);

    let page = browser.get("/realms/master/realm-settings").await;
    assert_eq!(page.status, 403);
    page.assert_contains("HTTPS required");
    let mut stranger = Browser::new(&app);
    let form = stranger.get("/login").await;
    assert_eq!(form.status, 403);
    let post = stranger
        .post(
            "/login",
            &[("csrf", "x"), ("username", ADMIN_USERNAME), ("password", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(post.status, 403);
    post.assert_contains("HTTPS required");
}

/// An access token of the bootstrap admin from `master`'s `admin-cli`.
async fn admin_api_token(app: &TestApp) -> String {
    let response = app
        .post_form(
            &app.token_url("master"),
            &[
                ("grant_type", "password"),
                ("client_id", "admin-cli"),
                ("username", ADMIN_USERNAME),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    let body: serde_json::Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_console_session_is_listed_by_the_admin_api_and_ended_by_it() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let session_id =
        browser.cookies["LATCHKEY_CONSOLE_SESSION"].split_once('.').unwrap().0.to_owned();
    let token = admin_api_token(&app).await;
    let realm_id = master_id(&app).await;
    let admin = app.store.find_user_by_username(&realm_id, ADMIN_USERNAME).await.unwrap().unwrap();
    let url = format!("{}/admin/realms/master/users/{}/sessions", app.base_url, admin.id);
    let sessions: serde_json::Value =
        app.http.get(&url).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let console = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == session_id.as_str())
        .expect("the console session is listed");
    let clients: Vec<&serde_json::Value> =
        console["clients"].as_object().unwrap().values().collect();
    assert_eq!(clients, vec!["security-admin-console"]);

    let delete = format!("{}/admin/realms/master/sessions/{session_id}", app.base_url);
    let status = app.http.delete(delete).bearer_auth(&token).send().await.unwrap().status();
    assert_eq!(status.as_u16(), 204);
    let page = browser.get("/realms/master/realm-settings").await;
    assert_eq!(page.status, 303);
    assert_eq!(
        page.location.as_deref(),
        Some("/keycloak/auth/admin/master/console/login?expired=1")
    );
}
