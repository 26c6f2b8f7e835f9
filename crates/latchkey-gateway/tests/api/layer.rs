//! `RequireRoleLayer` in front of a plain axum service.

use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::{Extension, Router};
use latchkey_core::time::Clock;
use latchkey_gateway::layer::RequireRoleLayer;
use latchkey_gateway::policy::{RoleRef, Rule};
use latchkey_gateway::validator::{Validator, ValidatorSettings};
use latchkey_gateway::verify::{Expectations, Identity};

use crate::helpers::*;

#[tokio::test]
async fn the_layer_guards_a_service_of_its_own() {
    let latchkey = latchkey_testkit::spawn_app().await;
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

    let operator = operator_token(&latchkey).await;
    let allowed = http.get(&url).bearer_auth(&operator).send().await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(allowed.text().await.unwrap(), "crm_client_user");

    let admin = admin_token(&latchkey).await;
    let refused = http.get(&url).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(refused.status(), 403);
    let missing = http.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], r#"Bearer realm="service""#);
}
