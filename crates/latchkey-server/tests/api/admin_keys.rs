//! A realm's keys through the Admin API: `GET /keys` (KeysMetadataRepresentation) and the
//! key-provider components (`GET/POST /components`, `GET/PUT/DELETE /components/{id}`),
//! with the answers Keycloak 26.7.3 gave to the same requests (realm `algs-ref`).

use latchkey_testkit::jwt_parts;
use serde_json::{Value, json};

use crate::helpers::*;

fn component(provider_id: &str, config: Value) -> Value {
    json!({
        "name": "k",
        "providerId": provider_id,
        "providerType": "org.keycloak.keys.KeyProvider",
        "config": config,
    })
}

async fn realm_id(app: &latchkey_testkit::TestApp, token: &str) -> String {
    let realm = admin_call(app, "GET", "/nagra", Some(token), None).await;
    realm.body["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn keys_list_every_key_with_keycloaks_fields() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let keys = admin_call(&app, "GET", "/nagra/keys", Some(&token), None).await;
    assert_eq!(keys.status, 200);
    let seed = app.seed_login().await;
    let signing_kid = jwt_parts(seed["access_token"].as_str().unwrap()).0["kid"].clone();
    assert_eq!(keys.body["active"]["RS256"], signing_kid);
    let listed = keys.body["keys"].as_array().unwrap();
    let rsa = listed.iter().find(|k| k["type"] == "RSA").unwrap();
    let fields: Vec<&str> = rsa.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        [
            "providerId",
            "providerPriority",
            "kid",
            "status",
            "type",
            "algorithm",
            "publicKey",
            "certificate",
            "use",
            "validTo"
        ]
    );
    assert_eq!(rsa["kid"], signing_kid);
    assert_eq!(
        (rsa["status"].as_str(), rsa["algorithm"].as_str()),
        (Some("ACTIVE"), Some("RS256"))
    );
    assert_eq!(rsa["use"], "SIG");
    assert!(rsa["publicKey"].as_str().unwrap().starts_with("MIIBIjAN"), "SPKI, base64");
    assert!(rsa["certificate"].as_str().unwrap().starts_with("MII"));
    assert!(rsa["validTo"].as_i64().unwrap() > latchkey_testkit::START.0);
    // `providerId` is the component's id, as in Keycloak (not the provider's name).
    let components = admin_call(&app, "GET", "/nagra/components", Some(&token), None).await;
    let rsa_component = components
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["providerId"] == "rsa-generated")
        .unwrap();
    assert_eq!(rsa["providerId"], rsa_component["id"]);
    let hmac = listed.iter().find(|k| k["type"] == "OCT").unwrap();
    let fields: Vec<&str> = hmac.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        ["providerId", "providerPriority", "kid", "status", "type", "algorithm", "use"]
    );
    assert_eq!(keys.body["active"]["HS256"], hmac["kid"]);
}

#[tokio::test]
async fn key_providers_are_created_read_updated_and_deleted() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let parent = realm_id(&app, &token).await;
    let created = admin_call(
        &app,
        "POST",
        "/nagra/components",
        Some(&token),
        Some(component(
            "ecdsa-generated",
            json!({"priority": ["150"], "ecdsaEllipticCurveKey": ["P-384"], "ecGenerateCertificate": ["true"]}),
        )),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let location = created.location().to_owned();
    assert!(location.starts_with(&format!("{}/admin/realms/nagra/components/", app.base_url)));
    let id = location.rsplit('/').next().unwrap().to_owned();
    assert!(uuid_like(&id), "{id}");

    let shown =
        admin_call(&app, "GET", &format!("/nagra/components/{id}"), Some(&token), None).await;
    assert_eq!(shown.status, 200);
    assert_eq!(
        shown.body,
        json!({"id": id, "name": "k", "providerId": "ecdsa-generated",
               "providerType": "org.keycloak.keys.KeyProvider", "parentId": parent,
               "config": {"ecGenerateCertificate": ["true"], "ecdsaEllipticCurveKey": ["P-384"],
                          "priority": ["150"]}})
    );
    let listed = admin_call(
        &app,
        "GET",
        "/nagra/components?type=org.keycloak.keys.KeyProvider",
        Some(&token),
        None,
    )
    .await;
    assert!(listed.body.as_array().unwrap().iter().any(|c| c["id"] == id.as_str()));
    let other_type = admin_call(
        &app,
        "GET",
        "/nagra/components?type=org.keycloak.storage.UserStorageProvider",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(other_type.body, json!([]));

    let keys = admin_call(&app, "GET", "/nagra/keys", Some(&token), None).await;
    let ec = keys.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["providerId"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!((ec["type"].as_str(), ec["algorithm"].as_str()), (Some("EC"), Some("ES384")));
    assert_eq!(
        (ec["status"].as_str(), ec["providerPriority"].as_i64()),
        (Some("ACTIVE"), Some(150))
    );
    assert!(ec["certificate"].is_string() && ec["validTo"].is_i64());
    assert_eq!(keys.body["active"]["ES384"], ec["kid"]);
    let jwks: Value =
        app.http.get(app.oidc_url("nagra", "certs")).send().await.unwrap().json().await.unwrap();
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == ec["kid"]).unwrap();
    assert_eq!((jwk["kty"].as_str(), jwk["crv"].as_str()), (Some("EC"), Some("P-384")));
    assert!(jwk["x5c"].is_array(), "ecGenerateCertificate puts a certificate in the JWKS");

    // Passive: listed PASSIVE, still published; disabled: DISABLED, gone from the JWKS.
    let path = format!("/nagra/components/{id}");
    let passive = admin_call(
        &app,
        "PUT",
        &path,
        Some(&token),
        Some(component("ecdsa-generated", json!({"active": ["false"]}))),
    )
    .await;
    assert_eq!(passive.status, 204, "{}", passive.body);
    let keys = admin_call(&app, "GET", "/nagra/keys", Some(&token), None).await;
    let status = |keys: &Value| {
        keys["keys"].as_array().unwrap().iter().find(|k| k["kid"] == ec["kid"]).unwrap()["status"]
            .clone()
    };
    assert_eq!(status(&keys.body), "PASSIVE");
    assert!(keys.body["active"].get("ES384").is_none());
    let published =
        |jwks: &Value| jwks["keys"].as_array().unwrap().iter().any(|k| k["kid"] == ec["kid"]);
    let jwks: Value =
        app.http.get(app.oidc_url("nagra", "certs")).send().await.unwrap().json().await.unwrap();
    assert!(published(&jwks));
    admin_call(
        &app,
        "PUT",
        &path,
        Some(&token),
        Some(component("ecdsa-generated", json!({"enabled": ["false"]}))),
    )
    .await;
    let keys = admin_call(&app, "GET", "/nagra/keys", Some(&token), None).await;
    assert_eq!(status(&keys.body), "DISABLED");
    let jwks: Value =
        app.http.get(app.oidc_url("nagra", "certs")).send().await.unwrap().json().await.unwrap();
    assert!(!published(&jwks));

    let deleted = admin_call(&app, "DELETE", &path, Some(&token), None).await;
    assert_eq!(deleted.status, 204);
    for method in ["GET", "DELETE"] {
        let gone = admin_call(&app, method, &path, Some(&token), None).await;
        assert_eq!(
            (gone.status, gone.body.clone()),
            (404, json!({"error": "Could not find component"}))
        );
    }
    let gone =
        admin_call(&app, "PUT", &path, Some(&token), Some(component("ecdsa-generated", json!({}))))
            .await;
    assert_eq!((gone.status, gone.body), (404, json!({"error": "Could not find component"})));
}

fn uuid_like(value: &str) -> bool {
    value.len() == 36 && value.chars().filter(|c| *c == '-').count() == 4
}

/// `POST …/components` refusals, as 26.7.3 wrote them.
#[tokio::test]
async fn component_refusals_are_keycloaks() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let post = |body: Value| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, "POST", "/nagra/components", Some(token), Some(body)).await }
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
    for (body, expected) in [
        (
            component("ecdsa-generated", json!({"ecdsaEllipticCurveKey": ["P-999"]})),
            json!({"errorMessage": "'Elliptic Curve' should be P-256, P-384 or P-521"}),
        ),
        (
            component("rsa-generated", json!({"priority": ["abc"]})),
            json!({"errorMessage": "'Priority' should be a number"}),
        ),
        (
            component("rsa-generated", json!({"enabled": ["maybe"]})),
            json!({"errorMessage": "'Enabled' should be 'true' or 'false'"}),
        ),
        (
            component("hmac-generated", json!({"secretSize": ["7"]})),
            json!({"errorMessage": "'Secret size' should be 16, 24, 32, 64, 128, 256 or 512"}),
        ),
        (component("rsa", json!({})), json!({"errorMessage": "'Private RSA Key' is required"})),
        (
            component("rsa", json!({"privateKey": ["garbage"]})),
            json!({"errorMessage": "Failed to decode private key"}),
        ),
        (
            component("nope", json!({})),
            json!({"error": "Invalid provider type or no such provider"}),
        ),
        (
            json!({"name": "x", "providerType": "org.keycloak.keys.KeyProvider"}),
            json!({"error": "Invalid provider type or no such provider"}),
        ),
    ] {
        let refused = post(body.clone()).await;
        assert_eq!((refused.status, refused.body), (400, expected), "{body}");
    }
    let bad_json = admin_call_raw(&app, "POST", "/nagra/components", &token, "nojson").await;
    assert_eq!(bad_json.status, 400);
}

/// A new provider of a higher priority signs the next token at once; a priority-0 one
/// (Keycloak's default) is published but does not outrank the realm's key.
#[tokio::test]
async fn the_highest_priority_active_key_of_the_algorithm_signs() {
    let app = latchkey_testkit::spawn_app().await;
    let token = admin_token(&app).await;
    let before =
        jwt_parts(app.seed_login().await["access_token"].as_str().unwrap()).0["kid"].clone();
    let spare = admin_call(
        &app,
        "POST",
        "/nagra/components",
        Some(&token),
        Some(component("rsa-generated", json!({}))),
    )
    .await;
    assert_eq!(spare.status, 201);
    assert_eq!(
        jwt_parts(app.seed_login().await["access_token"].as_str().unwrap()).0["kid"],
        before
    );
    let newer = admin_call(
        &app,
        "POST",
        "/nagra/components",
        Some(&token),
        Some(component("rsa-generated", json!({"priority": ["200"], "keySize": ["3072"]}))),
    )
    .await;
    assert_eq!(newer.status, 201);
    let keys = admin_call(&app, "GET", "/nagra/keys", Some(&token), None).await;
    let access = app.seed_login().await["access_token"].as_str().unwrap().to_owned();
    let kid = jwt_parts(&access).0["kid"].clone();
    assert_ne!(kid, before);
    assert_eq!(keys.body["active"]["RS256"], kid);
    // Both older keys stay ACTIVE and published, as in Keycloak, until an admin acts.
    let statuses: Vec<&str> = keys.body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["type"] == "RSA")
        .map(|k| k["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ACTIVE", "ACTIVE", "ACTIVE"]);
    let jwks: Value =
        app.http.get(app.oidc_url("nagra", "certs")).send().await.unwrap().json().await.unwrap();
    let n = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid).unwrap()["n"]
        .as_str()
        .unwrap()
        .len();
    assert_eq!(n, 512, "a 3072-bit modulus, Base64URL");
    verify_with_jwks(&jwks, &access);
}
