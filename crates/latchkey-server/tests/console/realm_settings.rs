//! Realm settings: Tokens (and its inline errors), brute force detection, create realm,
//! CSRF on every form, and 404 pages for unknown realms.

use latchkey_testkit::{TestApp, spawn_app};
use serde_json::Value;

use crate::browser::Browser;

async fn crm_grant(app: &TestApp) -> Value {
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("client_id", "crm_client"),
                ("username", "crm_client_user"),
                ("password", "1234"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

const TOKENS: &str = "/realms/nagra/realm-settings/tokens";

fn token_fields<'a>(access: &'a str, unit: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("refreshTokenMaxReuse", "0"),
        ("accessTokenLifespan", access),
        ("accessTokenLifespan_unit", unit),
        ("ssoSessionIdleTimeout", "30"),
        ("ssoSessionIdleTimeout_unit", "minutes"),
        ("ssoSessionMaxLifespan", "10"),
        ("ssoSessionMaxLifespan_unit", "hours"),
        ("clientSessionIdleTimeout", "0"),
        ("clientSessionIdleTimeout_unit", "minutes"),
        ("clientSessionMaxLifespan", "0"),
        ("clientSessionMaxLifespan_unit", "minutes"),
    ]
}

#[tokio::test]
async fn the_tokens_page_shows_lifespans_in_units_a_person_reads() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let page = browser.get(TOKENS).await;
    assert_eq!(page.status, 200);
    for label in [
        "Access Token Lifespan",
        "SSO Session Idle",
        "SSO Session Max",
        "Client Session Idle",
        "Client Session Max",
        "Revoke Refresh Token",
        "Refresh Token Max Reuse",
    ] {
        page.assert_contains(&format!(">{label}</label>"));
    }
    page.assert_contains("id=\"accessTokenLifespan\" name=\"accessTokenLifespan\" value=\"5\"");
    page.assert_contains(
        "id=\"ssoSessionMaxLifespan\" name=\"ssoSessionMaxLifespan\" value=\"10\"",
    );
    page.assert_contains("<option value=\"hours\" selected>Hours</option>");
}

#[tokio::test]
async fn a_new_access_token_lifespan_shows_in_the_next_grant() {
    let app = spawn_app().await;
    assert_eq!(crm_grant(&app).await["expires_in"], 300);
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let page = browser.submit(TOKENS, &token_fields("10", "minutes")).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.location.as_deref(),
        Some("/keycloak/auth/admin/master/console/realms/nagra/realm-settings/tokens?notice=saved")
    );
    assert_eq!(crm_grant(&app).await["expires_in"], 600);
    let page = browser.get(&format!("{TOKENS}?notice=saved")).await;
    page.assert_contains("Your changes have been saved.");
    // Durable: it is in the database, not only in the cache.
    let realm = latchkey_core::store::Store::find_realm_by_name(&app.store, "nagra")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(realm.settings.tokens.access_token_lifespan, 600);
}

#[tokio::test]
async fn bad_lifespans_get_inline_errors_and_change_nothing() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let cases = [
        ("ten", "minutes", "Enter a whole number, such as 5."),
        ("", "minutes", "Enter a value."),
        ("-5", "minutes", "Must not be negative."),
        ("0", "minutes", "Must be greater than 0."),
        ("1.5", "hours", "Enter a whole number, such as 5."),
        ("99999999999999999999", "days", "Enter a whole number, such as 5."),
        ("3651", "days", "Too long: at most 10 years (315360000 seconds)."),
        ("40000", "days", "Too long: at most 10 years (315360000 seconds)."),
        ("5", "fortnights", "Choose a unit."),
    ];
    for (value, unit, message) in cases {
        let page = browser.submit(TOKENS, &token_fields(value, unit)).await;
        assert_eq!(page.status, 400, "{value} {unit}");
        page.assert_contains(&format!(
            "<p class=\"error\" id=\"accessTokenLifespan-error\">{message}</p>"
        ));
        page.assert_contains("Some values are not valid.");
        // What was typed stays in the field.
        page.assert_contains(&format!("name=\"accessTokenLifespan\" value=\"{value}\""));
    }
    assert_eq!(crm_grant(&app).await["expires_in"], 300);
    // Keycloak's rule: a client session is not longer than the SSO session (30 minutes).
    let mut fields = token_fields("5", "minutes");
    fields.retain(|(name, _)| !name.starts_with("clientSessionIdleTimeout"));
    fields
        .extend([("clientSessionIdleTimeout", "31"), ("clientSessionIdleTimeout_unit", "minutes")]);
    let page = browser.submit(TOKENS, &fields).await;
    assert_eq!(page.status, 400);
    page.assert_contains(
        "<p class=\"error\" id=\"clientSessionIdleTimeout-error\">Must not be longer than SSO Session Idle.</p>",
    );
    assert_eq!(crm_grant(&app).await["expires_in"], 300);
}

#[tokio::test]
async fn every_console_form_refuses_a_post_without_a_valid_csrf_token() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let forms = [
        "/realms/nagra/realm-settings",
        TOKENS,
        "/realms/nagra/realm-settings/security-defenses",
        "/create-realm",
    ];
    for path in forms {
        let mut fields = token_fields("1", "hours");
        fields.extend([("realm", "sneaky"), ("displayName", "Sneaky"), ("sslRequired", "none")]);
        let missing = browser.post(path, &fields).await;
        assert_eq!(missing.status, 403, "{path}");
        missing.assert_contains("Request refused");
        let mut forged = fields.clone();
        forged.push(("csrf", "bm90LWEtdG9rZW4"));
        assert_eq!(browser.post(path, &forged).await.status, 403, "{path}");
    }
    assert_eq!(crm_grant(&app).await["expires_in"], 300);
    assert_eq!(browser.get("/realms/sneaky/realm-settings").await.status, 404);

    // Another session's token is no good either.
    let mut other = Browser::new(&app);
    other.sign_in().await;
    let theirs = other.get(TOKENS).await.csrf();
    let mut fields = token_fields("1", "hours");
    fields.push(("csrf", &theirs));
    assert_eq!(browser.post(TOKENS, &fields).await.status, 403);
}

#[tokio::test]
async fn unknown_realms_and_pages_get_a_404_page() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    for path in [
        "/realms/nope/realm-settings",
        "/realms/nope/realm-settings/tokens",
        "/realms/nope",
        "/no/such/page",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, 404, "{path}");
        page.assert_contains("Page not found");
        assert!(page.headers["content-type"].to_str().unwrap().starts_with("text/html"));
    }
    // An action's address opened like a page: a page saying so, not the API's JSON.
    let page = browser.get("/realms/nagra/sessions/sign-out-all").await;
    assert_eq!(page.status, 405);
    page.assert_contains("This address only takes forms sent from a console page.");
}

#[tokio::test]
async fn brute_force_detection_is_switched_on_from_security_defenses() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let path = "/realms/nagra/realm-settings/security-defenses";
    let page = browser.get(path).await;
    page.assert_contains("Brute force detection");
    page.assert_contains("<option value=\"disabled\" selected>Disabled</option>");
    let fields = [
        ("bruteForceMode", "temporary"),
        ("failureFactor", "2"),
        ("maxTemporaryLockouts", "0"),
        ("bruteForceStrategy", "MULTIPLE"),
        ("waitIncrementSeconds", "1"),
        ("waitIncrementSeconds_unit", "minutes"),
        ("maxFailureWaitSeconds", "15"),
        ("maxFailureWaitSeconds_unit", "minutes"),
        ("maxDeltaTimeSeconds", "12"),
        ("maxDeltaTimeSeconds_unit", "hours"),
        ("quickLoginCheckMilliSeconds", "1000"),
        ("minimumQuickLoginWaitSeconds", "1"),
        ("minimumQuickLoginWaitSeconds_unit", "minutes"),
    ];
    let bad: Vec<(&str, &str)> = fields
        .iter()
        .map(|&(k, v)| if k == "failureFactor" { (k, "many") } else { (k, v) })
        .collect();
    let page = browser.submit(path, &bad).await;
    assert_eq!(page.status, 400);
    page.assert_contains("id=\"failureFactor-error\">Enter a whole number, such as 5.</p>");

    let page = browser.submit(path, &fields).await;
    assert_eq!(page.status, 303, "{}", page.body);
    // Two wrong passwords lock crm_client_user out of the password grant.
    for _ in 0..2 {
        let response = app
            .post_form(
                &app.token_url("nagra"),
                &[
                    ("grant_type", "password"),
                    ("client_id", "crm_client"),
                    ("username", "crm_client_user"),
                    ("password", "wrong"),
                ],
            )
            .await;
        assert_eq!(response.status().as_u16(), 400);
    }
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("client_id", "crm_client"),
                ("username", "crm_client_user"),
                ("password", "1234"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400, "locked out");
    let page = browser.get(path).await;
    page.assert_contains("<option value=\"temporary\" selected>Lockout temporarily</option>");

    // The user's page says so and lifts the lockout.
    let realm = latchkey_core::store::Store::find_realm_by_name(&app.store, "nagra")
        .await
        .unwrap()
        .unwrap();
    let user = latchkey_core::store::Store::find_user_by_username(
        &app.store,
        &realm.id,
        "crm_client_user",
    )
    .await
    .unwrap()
    .unwrap();
    let details = browser.get(&format!("/realms/nagra/users/{}", user.id)).await;
    details.assert_contains("This user is temporarily locked out after 2 failed logins.");
    let csrf = details.csrf();
    let page =
        browser.post(&format!("/realms/nagra/users/{}/unlock", user.id), &[("csrf", &csrf)]).await;
    assert_eq!(page.status, 303);
    assert_eq!(crm_grant(&app).await["expires_in"], 300);
    let details = browser.get(&format!("/realms/nagra/users/{}", user.id)).await;
    assert!(!details.body.contains("temporarily locked out"));
}

#[tokio::test]
async fn a_realm_is_created_from_the_console() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let page = browser.submit("/create-realm", &[("realm", "acme"), ("enabled", "on")]).await;
    assert_eq!(page.status, 303, "{}", page.body);
    assert_eq!(
        page.location.as_deref(),
        Some("/keycloak/auth/admin/master/console/realms/acme/realm-settings?notice=created")
    );
    let discovery = app
        .http
        .get(format!("{}/realms/acme/.well-known/openid-configuration", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(discovery.status().as_u16(), 200);
    let settings = browser.get("/realms/acme/realm-settings").await;
    settings.assert_contains(">acme</a>");

    let taken = browser.submit("/create-realm", &[("realm", "acme")]).await;
    assert_eq!(taken.status, 409);
    taken.assert_contains("A realm with this name exists already.");
    let bad = browser.submit("/create-realm", &[("realm", "a/b")]).await;
    assert_eq!(bad.status, 400);
    let empty = browser.submit("/create-realm", &[("realm", "")]).await;
    assert_eq!(empty.status, 400);
    empty.assert_contains("Enter a realm name.");
}

#[tokio::test]
async fn the_general_tab_disables_a_realm_but_never_master() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let page = browser
        .submit(
            "/realms/nagra/realm-settings",
            &[("sslRequired", "external"), ("displayName", "Nagra")],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("client_id", "crm_client"),
                ("username", "crm_client_user"),
                ("password", "1234"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_description"], "Realm not enabled");
    let page = browser
        .submit("/realms/nagra/realm-settings", &[("sslRequired", "external"), ("enabled", "on")])
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(crm_grant(&app).await["expires_in"], 300);

    let page = browser.get("/realms/master/realm-settings").await;
    assert!(!page.body.contains("id=\"enabled\""));
    let page =
        browser.submit("/realms/master/realm-settings", &[("sslRequired", "external")]).await;
    assert_eq!(page.status, 303);
    assert_eq!(
        browser.get("/realms/master/realm-settings").await.status,
        200,
        "master is still enabled"
    );
    let bad = browser.submit("/realms/nagra/realm-settings", &[("sslRequired", "sometimes")]).await;
    assert_eq!(bad.status, 400);
    bad.assert_contains("id=\"sslRequired-error\">Choose one of the options.</p>");
}

#[tokio::test]
async fn a_realm_is_deleted_after_a_question_but_master_never() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let page = browser.submit("/create-realm", &[("realm", "scratch"), ("enabled", "on")]).await;
    assert_eq!(page.status, 303);
    let settings = browser.get("/realms/scratch/realm-settings").await;
    settings.assert_contains("Delete realm");
    let csrf = settings.csrf();
    let question = browser.post("/realms/scratch/delete", &[("csrf", &csrf)]).await;
    assert_eq!(question.status, 200);
    question.assert_contains("Delete realm?");
    assert_eq!(browser.get("/realms/scratch/realm-settings").await.status, 200);
    let deleted =
        browser.post("/realms/scratch/delete", &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(deleted.status, 303);
    assert_eq!(browser.get("/realms/scratch/realm-settings").await.status, 404);
    let discovery = app
        .http
        .get(format!("{}/realms/scratch/.well-known/openid-configuration", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(discovery.status().as_u16(), 404);

    assert!(!browser.get("/realms/master/realm-settings").await.body.contains("Delete realm"));
    let refused =
        browser.post("/realms/master/delete", &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(refused.status, 400);
    refused.assert_contains("Can't delete master realm");
    assert_eq!(browser.get("/realms/master/realm-settings").await.status, 200);
}
