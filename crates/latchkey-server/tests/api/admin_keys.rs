//! A realm's keys: `GET /keys` (KeysMetadataRepresentation) and a new generated RSA key
//! through `POST /components`, the way an operator rotates the signing key.

use latchkey_testkit::jwt_parts;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn keys_list_the_active_key_per_algorithm() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let keys = admin_call(&app, "GET", "/nagra/keys", Some(&token), None).await;
    assert_eq!(keys.status, 200);
    let seed = app.seed_login().await;
    let signing_kid = jwt_parts(seed["access_token"].as_str().unwrap()).0["kid"].clone();
    assert_eq!(keys.body["active"]["RS256"], signing_kid);
    let rsa = keys.body["keys"].as_array().unwrap().iter().find(|k| k["type"] == "RSA").unwrap();
    assert_eq!(rsa["kid"], signing_kid);
    assert_eq!(rsa["status"], "ACTIVE");
    assert_eq!(rsa["algorithm"], "RS256");
    assert_eq!(rsa["use"], "SIG");
    assert_eq!(rsa["providerId"], "rsa-generated");
    assert!(rsa["publicKey"].as_str().unwrap().starts_with("MIIBIjAN"), "SPKI, base64");
    assert!(rsa["certificate"].as_str().unwrap().starts_with("MII"));
    assert!(rsa["validTo"].as_i64().unwrap() > latchkey_testkit::START.0);
    let hmac = keys.body["keys"].as_array().unwrap().iter().find(|k| k["type"] == "OCT").unwrap();
    assert_eq!(keys.body["active"][hmac["algorithm"].as_str().unwrap()], hmac["kid"]);
    assert!(hmac.get("publicKey").is_none(), "{hmac}");
}

#[tokio::test]
async fn only_generated_rsa_key_providers_can_be_added() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let component = |provider_id: &str, config: serde_json::Value| {
        json!({
            "name": "k",
            "providerId": provider_id,
            "providerType": "org.keycloak.keys.KeyProvider",
            "config": config,
        })
    };
    let unauthenticated = admin_call(
        &app,
        "POST",
        "/nagra/components",
        None,
        Some(component("rsa-generated", json!({}))),
    )
    .await;
    assert_eq!(unauthenticated.status, 401);
    for (provider_id, config) in [
        ("hmac-generated", json!({})),
        ("rsa-generated", json!({"keySize": ["4096"]})),
        ("rsa-generated", json!({"priority": ["high"]})),
    ] {
        let refused = admin_call(
            &app,
            "POST",
            "/nagra/components",
            Some(&token),
            Some(component(provider_id, config)),
        )
        .await;
        assert_eq!(refused.status, 400, "{provider_id}");
        assert!(refused.body["errorMessage"].is_string(), "{}", refused.body);
    }
    // Priority 0 (Keycloak's default) is a spare: published, but the old key still signs.
    let spare = admin_call(
        &app,
        "POST",
        "/nagra/components",
        Some(&token),
        Some(component("rsa-generated", json!({}))),
    )
    .await;
    assert_eq!(spare.status, 201);
    let spare_kid = spare.location().rsplit('/').next().unwrap().to_owned();
    let keys = admin_call(&app, "GET", "/nagra/keys", Some(&token), None).await;
    let listed = keys.body["keys"].as_array().unwrap();
    let spare = listed.iter().find(|k| k["kid"] == spare_kid.as_str()).unwrap();
    assert_eq!(spare["status"], "PASSIVE");
    assert_eq!(spare["providerPriority"], 0);
    let seed = app.seed_login().await;
    assert_ne!(jwt_parts(seed["access_token"].as_str().unwrap()).0["kid"], spare_kid.as_str());
    let jwks: serde_json::Value =
        app.http.get(app.oidc_url("nagra", "certs")).send().await.unwrap().json().await.unwrap();
    assert!(jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == spare_kid.as_str()));
}
