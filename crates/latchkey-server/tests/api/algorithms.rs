//! Signature algorithms end to end: the realm's `defaultSignatureAlgorithm`, the client
//! attributes `access.token.signed.response.alg`, `id.token.signed.response.alg` and
//! `user.info.response.signature.alg`, the `fallback-<alg>` keys Keycloak makes for an
//! algorithm without a key, discovery, and a rotation from RS256 to ES256. Every token
//! is checked against the published JWKS with aws-lc-rs directly.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_testkit::{TestApp, jwt_header_text, jwt_parts};
use serde_json::{Value, json};

use crate::helpers::*;

async fn jwks(app: &TestApp) -> Value {
    app.http.get(app.oidc_url("nagra", "certs")).send().await.unwrap().json().await.unwrap()
}

async fn set_client_attributes(app: &TestApp, token: &str, client_id: &str, attributes: Value) {
    let found =
        admin_call(app, "GET", &format!("/nagra/clients?clientId={client_id}"), Some(token), None)
            .await;
    let id = found.body[0]["id"].as_str().unwrap().to_owned();
    let updated = admin_call(
        app,
        "PUT",
        &format!("/nagra/clients/{id}"),
        Some(token),
        Some(json!({"clientId": client_id, "attributes": attributes})),
    )
    .await;
    assert_eq!(updated.status, 204, "{}", updated.body);
}

async fn openid_login(app: &TestApp) -> Value {
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("client_id", "crm_client"),
                ("scope", "openid"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn alg(token: &Value) -> String {
    jwt_parts(token.as_str().unwrap()).0["alg"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_realm_default_signs_and_a_missing_key_is_made_as_keycloak_makes_it() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let updated = admin_call(
        &app,
        "PUT",
        "/nagra",
        Some(&token),
        Some(json!({"defaultSignatureAlgorithm": "ES256"})),
    )
    .await;
    assert_eq!(updated.status, 204);
    let realm = admin_call(&app, "GET", "/nagra", Some(&token), None).await;
    assert_eq!(realm.body["defaultSignatureAlgorithm"], "ES256");

    let tokens = openid_login(&app).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        jwt_header_text(access),
        format!(
            r#"{{"alg":"ES256","typ" : "JWT","kid" : "{}"}}"#,
            jwt_parts(access).0["kid"].as_str().unwrap()
        )
    );
    assert_eq!(alg(&tokens["id_token"]), "ES256");
    // The seed's refresh tokens stay HS256.
    assert_eq!(alg(&tokens["refresh_token"]), "HS256");
    let published = jwks(&app).await;
    let claims = verify_with_jwks(&published, access);
    assert_eq!(claims["preferred_username"], "crm_client_user");
    verify_with_jwks(&published, tokens["id_token"].as_str().unwrap());
    let signature = URL_SAFE_NO_PAD.decode(access.rsplit('.').next().unwrap()).unwrap();
    assert_eq!(signature.len(), 64, "r || s, not DER");

    // Keycloak 26.7.3 made `fallback-ES256` (ecdsa-generated, P-256, priority -100).
    let components = admin_call(&app, "GET", "/nagra/components", Some(&token), None).await;
    let fallback =
        components.body.as_array().unwrap().iter().find(|c| c["name"] == "fallback-ES256").unwrap();
    assert_eq!(fallback["providerId"], "ecdsa-generated");
    assert_eq!(
        fallback["config"],
        json!({"ecdsaEllipticCurveKey": ["P-256"], "priority": ["-100"]})
    );

    // The token works where latchkey checks tokens itself, and refreshes stay ES256.
    let userinfo =
        app.http.get(app.oidc_url("nagra", "userinfo")).bearer_auth(access).send().await.unwrap();
    assert_eq!(userinfo.status(), 200);
    let refreshed: Value = app
        .refresh("crm_client", tokens["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alg(&refreshed["access_token"]), "ES256");

    let refused = admin_call(
        &app,
        "PUT",
        "/nagra",
        Some(&token),
        Some(json!({"defaultSignatureAlgorithm": "FOO"})),
    )
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.body["errorMessage"], "invalid value `FOO` for `defaultSignatureAlgorithm`");
    let emptied = admin_call(
        &app,
        "PUT",
        "/nagra",
        Some(&token),
        Some(json!({"defaultSignatureAlgorithm": ""})),
    )
    .await;
    assert_eq!(emptied.status, 204);
    assert_eq!(alg(&app.seed_login().await["access_token"]), "RS256", "empty means RS256");
}

#[tokio::test]
async fn clients_choose_their_access_id_token_and_userinfo_algorithms() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    set_client_attributes(
        &app,
        &token,
        "crm_client",
        json!({
            "access.token.signed.response.alg": "PS256",
            "id.token.signed.response.alg": "EdDSA",
            "user.info.response.signature.alg": "ES384",
        }),
    )
    .await;
    let tokens = openid_login(&app).await;
    let access = tokens["access_token"].as_str().unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(
        (alg(&tokens["access_token"]), alg(&tokens["id_token"])),
        ("PS256".into(), "EdDSA".into())
    );
    let published = jwks(&app).await;
    verify_with_jwks(&published, access);
    let id_claims = verify_with_jwks(&published, id_token);
    // EdDSA's at_hash is half of SHA-512 (what 26.7.3 computes, observed).
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA512, access.as_bytes());
    assert_eq!(id_claims["at_hash"], URL_SAFE_NO_PAD.encode(&digest.as_ref()[..32]));

    // Signed userinfo: `application/jwt`, with `iss` and `aud` (UserInfoEndpoint).
    let userinfo =
        app.http.get(app.oidc_url("nagra", "userinfo")).bearer_auth(access).send().await.unwrap();
    assert_eq!(userinfo.status(), 200);
    assert_eq!(userinfo.headers()["content-type"], "application/jwt");
    let signed = userinfo.text().await.unwrap();
    assert_eq!(jwt_parts(&signed).0["alg"], "ES384");
    let claims = verify_with_jwks(&published, &signed);
    assert_eq!(claims["aud"], "crm_client");
    assert_eq!(claims["iss"], app.realm_url("nagra"));
    assert_eq!(claims["sub"], id_claims["sub"]);
    assert_eq!(claims["preferred_username"], "crm_client_user");

    // Three fallback keys, one per algorithm the realm had none for.
    let keys = admin_call(&app, "GET", "/nagra/keys", Some(&token), None).await;
    for algorithm in ["PS256", "EdDSA", "ES384", "RS256", "HS256"] {
        assert!(keys.body["active"][algorithm].is_string(), "{algorithm}: {}", keys.body["active"]);
    }
}

#[tokio::test]
async fn discovery_lists_every_algorithm_keycloak_offers() {
    let app = latchkey_testkit::spawn_app().await;
    let document: Value = app
        .http
        .get(format!("{}/.well-known/openid-configuration", app.realm_url("nagra")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Keycloak 26.7.3's lists, in its order (observed).
    let algorithms = json!([
        "PS384", "RS384", "EdDSA", "ES384", "HS256", "HS512", "ES256", "RS256", "HS384", "ES512",
        "PS256", "PS512", "RS512"
    ]);
    assert_eq!(document["id_token_signing_alg_values_supported"], algorithms);
    let mut with_none = algorithms.as_array().unwrap().clone();
    with_none.push(json!("none"));
    assert_eq!(document["userinfo_signing_alg_values_supported"], Value::Array(with_none));
}

/// Rotation from RS256 to ES256 as an operator does it: add an ECDSA key, switch the
/// realm's default. Tokens of both stay good while they live.
#[tokio::test]
async fn a_rotation_from_rs256_to_es256_keeps_both_generations_valid() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let old = app.seed_login().await;
    let added = admin_call(
        &app,
        "POST",
        "/nagra/components",
        Some(&token),
        Some(json!({"name": "ecdsa", "providerId": "ecdsa-generated",
                    "providerType": "org.keycloak.keys.KeyProvider", "config": {"priority": ["100"]}})),
    )
    .await;
    assert_eq!(added.status, 201);
    admin_call(
        &app,
        "PUT",
        "/nagra",
        Some(&token),
        Some(json!({"defaultSignatureAlgorithm": "ES256"})),
    )
    .await;
    let new = app.seed_login().await;
    assert_eq!(
        (alg(&old["access_token"]), alg(&new["access_token"])),
        ("RS256".into(), "ES256".into())
    );
    let published = jwks(&app).await;
    let introspect = |access: String| {
        let app = &app;
        async move {
            app.http
                .get(app.oidc_url("nagra", "userinfo"))
                .bearer_auth(access)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for tokens in [&old, &new] {
        let access = tokens["access_token"].as_str().unwrap();
        verify_with_jwks(&published, access);
        // userinfo needs `openid`, which the seed's tokens lack: 403, not 401, means the
        // signature and the session were accepted.
        assert_eq!(introspect(access.to_owned()).await, 403);
    }
    // A refresh of the old session now gets an ES256 token.
    let refreshed: Value = app
        .refresh("crm_client", old["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(alg(&refreshed["access_token"]), "ES256");
}
