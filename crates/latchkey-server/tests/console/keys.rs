//! Signature algorithms in the console: Realm settings > Tokens > Default signature
//! algorithm, a client's three algorithm fields, and Realm settings > Keys (list, add a
//! provider, disable, delete), each seen by the next token request.

use latchkey_core::store::Store as _;
use latchkey_testkit::{TestApp, jwt_parts, spawn_app};
use serde_json::Value;

use crate::browser::Browser;

const KEYS: &str = "/realms/nagra/realm-settings/keys";

async fn crm_tokens(app: &TestApp) -> Value {
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("client_id", "crm_client"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("scope", "openid"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

fn alg(token: &Value) -> String {
    jwt_parts(token.as_str().unwrap()).0["alg"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_default_signature_algorithm_signs_the_next_token() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let page = browser.get("/realms/nagra/realm-settings/tokens").await;
    page.assert_contains(">Default signature algorithm</label>");
    page.assert_contains("<option value=\"RS256\" selected>RS256</option>");
    let mut fields = vec![("defaultSignatureAlgorithm", "ES256"), ("refreshTokenMaxReuse", "0")];
    for (name, value, unit) in [
        ("accessTokenLifespan", "5", "minutes"),
        ("ssoSessionIdleTimeout", "30", "minutes"),
        ("ssoSessionMaxLifespan", "10", "hours"),
        ("clientSessionIdleTimeout", "0", "minutes"),
        ("clientSessionMaxLifespan", "0", "minutes"),
    ] {
        fields.push((name, value));
        fields.push((
            match name {
                "accessTokenLifespan" => "accessTokenLifespan_unit",
                "ssoSessionIdleTimeout" => "ssoSessionIdleTimeout_unit",
                "ssoSessionMaxLifespan" => "ssoSessionMaxLifespan_unit",
                "clientSessionIdleTimeout" => "clientSessionIdleTimeout_unit",
                _ => "clientSessionMaxLifespan_unit",
            },
            unit,
        ));
    }
    let saved = browser.submit("/realms/nagra/realm-settings/tokens", &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let tokens = crm_tokens(&app).await;
    assert_eq!(
        (alg(&tokens["access_token"]), alg(&tokens["id_token"])),
        ("ES256".into(), "ES256".into())
    );
    let page = browser.get("/realms/nagra/realm-settings/tokens").await;
    page.assert_contains("<option value=\"ES256\" selected>ES256</option>");

    fields[0].1 = "none";
    let refused = browser.submit("/realms/nagra/realm-settings/tokens", &fields).await;
    assert_eq!(refused.status, 400);
    refused.assert_contains("Choose one of the options.");
}

#[tokio::test]
async fn a_clients_algorithms_are_chosen_on_its_settings_page() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let crm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let crm =
        latchkey_core::store::Store::find_client_by_client_id(&app.store, &crm.id, "crm_client")
            .await
            .unwrap()
            .unwrap();
    let path = format!("/realms/nagra/clients/{}", crm.id);
    let page = browser.get(&path).await;
    page.assert_contains(">Access token signature algorithm</label>");
    page.assert_contains("<option value=\"unsigned\" selected>unsigned</option>");
    let saved = browser
        .submit(
            &path,
            &[
                ("enabled", "on"),
                ("directAccessGrants", "on"),
                ("accessTokenAlgorithm", "EdDSA"),
                ("idTokenAlgorithm", "PS256"),
                ("userInfoAlgorithm", "ES384"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let tokens = crm_tokens(&app).await;
    assert_eq!(
        (alg(&tokens["access_token"]), alg(&tokens["id_token"])),
        ("EdDSA".into(), "PS256".into())
    );
    let userinfo = app
        .http
        .get(app.oidc_url("nagra", "userinfo"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.headers()["content-type"], "application/jwt");
    assert_eq!(jwt_parts(&userinfo.text().await.unwrap()).0["alg"], "ES384");

    // Back to the realm's default and plain JSON.
    let saved = browser
        .submit(
            &path,
            &[
                ("enabled", "on"),
                ("directAccessGrants", "on"),
                ("accessTokenAlgorithm", ""),
                ("idTokenAlgorithm", ""),
                ("userInfoAlgorithm", "unsigned"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let tokens = crm_tokens(&app).await;
    assert_eq!(alg(&tokens["access_token"]), "RS256");
}

#[tokio::test]
async fn keys_are_listed_added_disabled_and_deleted() {
    let app = spawn_app().await;
    let mut browser = Browser::new(&app);
    browser.sign_in().await;
    let page = browser.get(KEYS).await;
    assert_eq!(page.status, 200);
    // The seed's HMAC key (HS256) and the RSA key made on import both sign.
    page.assert_contains("RS256 <span class=\"badge on\">Signs</span>");
    page.assert_contains("HS256 <span class=\"badge on\">Signs</span>");

    let bad = browser
        .submit(KEYS, &[("algorithm", "ES384"), ("priority", "high"), ("keySize", "2048")])
        .await;
    assert_eq!(bad.status, 400);
    let added = browser
        .submit(
            KEYS,
            &[("algorithm", "ES384"), ("name", "edge"), ("priority", "10"), ("keySize", "2048")],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = browser.get(KEYS).await;
    page.assert_contains("ES384 <span class=\"badge on\">Signs</span>");
    page.assert_contains(">edge</td>");
    let admin = app
        .post_form(
            &app.token_url("master"),
            &[
                ("grant_type", "password"),
                ("client_id", "admin-cli"),
                ("username", latchkey_testkit::ADMIN_USERNAME),
                ("password", latchkey_testkit::ADMIN_PASSWORD),
            ],
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let components: Value = app
        .http
        .get(format!("{}/admin/realms/nagra/components?name=edge", app.base_url))
        .bearer_auth(admin["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(components[0]["providerId"], "ecdsa-generated");
    assert_eq!(components[0]["config"]["ecdsaEllipticCurveKey"][0], "P-384");
    let id = components[0]["id"].as_str().unwrap().to_owned();

    let csrf = page.csrf();
    let disabled = browser
        .post(&format!("{KEYS}/{id}/enabled"), &[("csrf", &csrf), ("enabled", "false")])
        .await;
    assert_eq!(disabled.status, 303);
    let page = browser.get(KEYS).await;
    page.assert_contains("<span class=\"badge off\">DISABLED</span>");
    let certs: Value =
        app.http.get(app.oidc_url("nagra", "certs")).send().await.unwrap().json().await.unwrap();
    assert!(certs["keys"].as_array().unwrap().iter().all(|key| key["alg"] != "ES384"));

    let question = browser.post(&format!("{KEYS}/{id}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(question.status, 200);
    question.assert_contains("Delete key?");
    let deleted =
        browser.post(&format!("{KEYS}/{id}/delete"), &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(deleted.status, 303);
    let page = browser.get(KEYS).await;
    assert!(!page.body.contains(">edge</td>"), "{}", page.body);
    let gone = browser.post(&format!("{KEYS}/{id}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(gone.status, 404);
}
