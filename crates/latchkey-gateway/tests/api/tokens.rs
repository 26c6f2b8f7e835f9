//! Bad tokens of every kind are refused with 401, and the upstream never sees them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::helpers::*;

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

#[tokio::test]
async fn a_forged_signature_is_refused() {
    let gateway = spawn_gateway().await;
    let token = operator_token(&gateway.latchkey).await;
    let (input, signature) = token.rsplit_once('.').unwrap();
    let mut signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    signature[10] ^= 0x01;
    let forged = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature));
    gateway.get("/operator/x", Some(&forged)).await.assert_invalid_token("invalid signature");
    // Claims changed under the original signature.
    let (header, payload) = latchkey_testkit::jwt_parts(&token);
    let mut payload = payload;
    payload["realm_access"]["roles"] = json!(["adminRole"]);
    let raised =
        format!("{}.{}.{}", encode(&header), encode(&payload), token.rsplit('.').next().unwrap());
    gateway.get("/admin/x", Some(&raised)).await.assert_invalid_token("invalid signature");
    assert_eq!(gateway.upstream.hits(), 0);
}

#[tokio::test]
async fn an_expired_token_is_refused_after_the_leeway() {
    let gateway = spawn_gateway().await;
    let token = operator_token(&gateway.latchkey).await;
    // Access tokens live 300 s; the gateway allows 5 s of skew.
    gateway.latchkey.clock.advance_secs(304);
    assert_eq!(gateway.get("/operator/x", Some(&token)).await.status, 200);
    gateway.latchkey.clock.advance_secs(2);
    gateway.get("/operator/x", Some(&token)).await.assert_invalid_token("token expired");
    assert_eq!(gateway.upstream.hits(), 1);
}

#[tokio::test]
async fn alg_none_and_hmac_with_the_public_key_are_refused() {
    let gateway = spawn_gateway().await;
    let token = operator_token(&gateway.latchkey).await;
    let (header, payload) = latchkey_testkit::jwt_parts(&token);
    let kid = header["kid"].as_str().unwrap();

    let none = format!(
        "{}.{}.",
        encode(&json!({"alg": "none", "typ": "JWT", "kid": kid})),
        encode(&payload)
    );
    gateway.get("/operator/x", Some(&none)).await.assert_invalid_token("algorithm not allowed");

    // HS256 keyed with the realm's public key, as an attacker could fetch it.
    let jwks: Value = gateway
        .http
        .get(gateway.latchkey.oidc_url("nagra", "certs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let modulus = URL_SAFE_NO_PAD.decode(jwks["keys"][0]["n"].as_str().unwrap()).unwrap();
    let input = format!(
        "{}.{}",
        encode(&json!({"alg": "HS256", "typ": "JWT", "kid": kid})),
        encode(&payload)
    );
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &modulus);
    let signature = aws_lc_rs::hmac::sign(&key, input.as_bytes());
    let hs256 = format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));
    gateway.get("/operator/x", Some(&hs256)).await.assert_invalid_token("algorithm not allowed");
    assert_eq!(gateway.upstream.hits(), 0);
}

#[tokio::test]
async fn refresh_and_id_tokens_are_not_bearer_tokens() {
    let gateway = spawn_gateway().await;
    let response = gateway
        .latchkey
        .post_form(
            &gateway.latchkey.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("client_id", "crm_client"),
                ("scope", "openid"),
            ],
        )
        .await;
    let tokens: Value = response.json().await.unwrap();
    // Realm nagra signs refresh tokens with HS256, so the allow-list already refuses them.
    let refresh = tokens["refresh_token"].as_str().unwrap();
    gateway.get("/operator/x", Some(refresh)).await.assert_invalid_token("algorithm not allowed");
    // The ID token is RS256 with the realm's key: its `typ` ("ID") is what refuses it.
    let id_token = tokens["id_token"].as_str().unwrap();
    assert_eq!(latchkey_testkit::jwt_parts(id_token).1["typ"], "ID");
    gateway.get("/operator/x", Some(id_token)).await.assert_invalid_token("not an access token");
    assert_eq!(gateway.upstream.hits(), 0);
}

#[tokio::test]
async fn tokens_of_another_issuer_are_refused() {
    let gateway = spawn_gateway().await;
    // A second latchkey: same realm name, its own port, so its own issuer and keys.
    let other = latchkey_testkit::spawn_app().await;
    let token = operator_token(&other).await;
    gateway.get("/operator/x", Some(&token)).await.assert_invalid_token("unknown issuer");
    // Its token relabelled with our issuer still fails: the signature is the other's key.
    let (header, mut payload) = latchkey_testkit::jwt_parts(&token);
    payload["iss"] = json!(gateway.latchkey.realm_url("nagra"));
    let relabelled =
        format!("{}.{}.{}", encode(&header), encode(&payload), token.rsplit('.').next().unwrap());
    gateway.get("/operator/x", Some(&relabelled)).await.assert_invalid_token("unknown signing key");
    assert_eq!(gateway.upstream.hits(), 0);
}

#[tokio::test]
async fn garbage_tokens_are_refused() {
    let gateway = spawn_gateway().await;
    for token in ["abc", "a.b.c", "a.b", "...."] {
        gateway.get("/operator/x", Some(token)).await.assert_invalid_token("malformed token");
    }
    assert_eq!(gateway.upstream.hits(), 0);
}

/// Issue 13: with `required_audience`, as `examples/gateway.toml` sets it, a token another
/// client of the realm obtained is refused even though its user holds the route's role.
#[tokio::test]
async fn a_token_of_another_client_with_the_role_is_refused_when_the_audience_is_required() {
    let gateway =
        spawn_gateway_with(|config| config.required_audience = Some("opentv-api".into())).await;
    let token = operator_token(&gateway.latchkey).await;
    assert_eq!(latchkey_testkit::jwt_parts(&token).1["aud"], "opentv-api");
    assert_eq!(gateway.get("/operator/x", Some(&token)).await.status, 200);

    let response = gateway
        .latchkey
        .post_form(
            &gateway.latchkey.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("client_id", "admin-cli"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let other: Value = response.json().await.unwrap();
    let other = other["access_token"].as_str().unwrap();
    let (_, claims) = latchkey_testkit::jwt_parts(other);
    assert_eq!((claims["azp"].as_str(), claims.get("aud")), (Some("admin-cli"), None));
    assert_eq!(claims["realm_access"]["roles"], json!(["operatorRole"]));
    gateway.get("/operator/x", Some(other)).await.assert_invalid_token("audience");
    assert_eq!(gateway.upstream.hits(), 1);
}
