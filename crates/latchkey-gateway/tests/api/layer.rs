//! `RequireRoleLayer` in front of a plain axum service.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::routing::get;
use axum::{Extension, Router};
use latchkey_core::time::Clock;
use latchkey_gateway::layer::RequireRoleLayer;
use latchkey_gateway::policy::{RoleRef, Rule};
use latchkey_gateway::revocation::{LinkLoss, RevocationSettings};
use latchkey_gateway::validator::{Validator, ValidatorSettings};
use latchkey_gateway::verify::{Expectations, Identity};

use crate::helpers::*;
use crate::revocation::grant_view_users;

#[tokio::test]
async fn the_layer_guards_a_service_of_its_own() {
    let latchkey = latchkey_testkit::spawn_app().await;
    guards_a_service(&latchkey).await;
}

/// The same with tokens signed ES256 and EdDSA (the realm's default signature algorithm),
/// whose keys the layer's validator reads from the JWKS as it does RSA ones.
#[tokio::test]
async fn the_layer_verifies_ecdsa_and_eddsa_tokens() {
    for algorithm in ["ES256", "EdDSA"] {
        let latchkey = latchkey_testkit::spawn_app().await;
        latchkey
            .edit_realm(|realm| realm.settings.default_signature_algorithm = algorithm.into())
            .await;
        let token = operator_token(&latchkey).await;
        assert_eq!(latchkey_testkit::jwt_parts(&token).0["alg"], algorithm);
        guards_a_service(&latchkey).await;
    }
}

async fn guards_a_service(latchkey: &latchkey_testkit::TestApp) {
    let clock: Arc<dyn Clock> = latchkey.clock.clone();
    let settings = ValidatorSettings {
        expectations: Expectations {
            issuers: vec![latchkey.realm_url("nagra")],
            leeway_secs: 0,
            azp: Some("crm_client".into()),
            audience: None,
        },
        refresh_floor: Duration::from_secs(10),
        fetch_timeout: Duration::from_secs(5),
        revocation: None,
    };
    let validator = Arc::new(Validator::new(settings, clock).unwrap());
    let rule = Rule::AnyOf(vec![RoleRef::Realm("operatorRole".into())]);
    let app = Router::new()
        .route(
            "/me",
            get(|Extension(identity): Extension<Identity>| async move {
                identity.username.unwrap_or_default()
            }),
        )
        .layer(RequireRoleLayer::new(validator, rule, "service"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://{address}/me");
    let http = reqwest::Client::new();

    let operator = operator_token(latchkey).await;
    let allowed = http.get(&url).bearer_auth(&operator).send().await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.text().await.unwrap(), "crm_client_user");

    let admin = admin_token(latchkey).await;
    let refused = http.get(&url).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let missing = http.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], r#"Bearer realm="service""#);
}

/// A Rust service that guards itself with the layer follows revocations too: it starts
/// the validator's background work and keeps the guard.
#[tokio::test]
async fn the_layer_refuses_a_logged_out_session() {
    let latchkey = latchkey_testkit::spawn_app().await;
    latchkey.add_confidential_client().await;
    grant_view_users(&latchkey, "service-account-svc_client").await;
    let clock: Arc<dyn Clock> = latchkey.clock.clone();
    let settings = ValidatorSettings {
        expectations: Expectations {
            issuers: vec![latchkey.realm_url("nagra")],
            leeway_secs: 0,
            azp: None,
            audience: None,
        },
        refresh_floor: Duration::from_secs(10),
        fetch_timeout: Duration::from_secs(5),
        revocation: Some(RevocationSettings {
            client_id: "svc_client".into(),
            client_secret: "s3cret".into(),
            on_link_loss: LinkLoss::FailClosed,
            link_timeout: Duration::from_secs(3),
        }),
    };
    let validator = Arc::new(Validator::new(settings, clock).unwrap());
    let _background = validator.start();
    let rule = Rule::AnyOf(vec![RoleRef::Realm("operatorRole".into())]);
    let app = Router::new().route("/me", get(|| async { "ok" })).layer(RequireRoleLayer::new(
        Arc::clone(&validator),
        rule,
        "service",
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let url = format!("http://{address}/me");
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !validator.status().iter().all(|issuer| issuer.revocation.as_ref().unwrap().is_up) {
        assert!(Instant::now() < deadline, "the revocation link never came up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let tokens = login(&latchkey, "crm_client_user", "1234").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(http.get(&url).bearer_auth(access).send().await.unwrap().status(), 200);
    let logout = latchkey
        .post_form(
            &latchkey.oidc_url("nagra", "logout"),
            &[
                ("client_id", "crm_client"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(logout.status(), 204);
    let since = Instant::now();
    loop {
        let response = http.get(&url).bearer_auth(access).send().await.unwrap();
        if response.status() == 401 {
            let challenge = response.headers()["www-authenticate"].to_str().unwrap();
            assert!(challenge.contains("token revoked"), "{challenge}");
            break;
        }
        assert!(since.elapsed() < Duration::from_secs(1), "still accepted after 1 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
