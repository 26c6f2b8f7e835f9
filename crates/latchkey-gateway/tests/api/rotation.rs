//! Key rotation from RS256 to ES256, as an operator does it in Keycloak: add an ECDSA key
//! provider, switch the realm's default signature algorithm. New tokens are ES256 with
//! the new `kid`, tokens signed by the old RSA key keep working, and requests flowing
//! through the gateway during the rotation are never refused. latchkey tells the gateway
//! over the revocation stream (`event: keys`), so the JWKS refresh floor is no
//! obstacle. Deleting the old provider then ends its tokens.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use latchkey_testkit::jwt_parts;
use serde_json::{Value, json};

use crate::revocation::setup;

fn kid(token: &str) -> String {
    jwt_parts(token).0["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn requests_flow_through_a_rotation_and_old_tokens_stay_valid() {
    let setup = Arc::new(setup("fail_closed").await);
    let (old_token, _) = setup.login().await;
    let old_kid = kid(&old_token);
    assert_eq!(setup.call(&old_token).await.status, 200);

    // Two callers keep going through the gateway: one with the old token, one with
    // whatever token is newest.
    let latest = Arc::new(Mutex::new(old_token.clone()));
    let stop = Arc::new(AtomicBool::new(false));
    let (passed, refused) = (Arc::new(AtomicUsize::new(0)), Arc::new(Mutex::new(Vec::new())));
    let mut callers = Vec::new();
    for use_latest in [false, true] {
        let (setup, latest, stop) = (Arc::clone(&setup), Arc::clone(&latest), Arc::clone(&stop));
        let (passed, refused) = (Arc::clone(&passed), Arc::clone(&refused));
        let old_token = old_token.clone();
        callers.push(tokio::spawn(async move {
            while !stop.load(Ordering::SeqCst) {
                let token =
                    if use_latest { latest.lock().unwrap().clone() } else { old_token.clone() };
                let answer = setup.call(&token).await;
                match answer.status {
                    200 => passed.fetch_add(1, Ordering::SeqCst),
                    _ => {
                        refused.lock().unwrap().push((answer.status, answer.body));
                        0
                    }
                };
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;

    let admin = setup.admin_token().await;
    let created = setup
        .http
        .post(format!("{}/admin/realms/nagra/components", setup.latchkey.base_url))
        .bearer_auth(&admin)
        .json(&json!({
            "name": "ecdsa-rotated",
            "providerId": "ecdsa-generated",
            "providerType": "org.keycloak.keys.KeyProvider",
            "config": {"priority": ["200"], "ecdsaEllipticCurveKey": ["P-256"]},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let component = created.headers()["location"].to_str().unwrap().to_owned();
    // Published before it signs anything: the switch comes second.
    let switched = setup
        .http
        .put(format!("{}/admin/realms/nagra", setup.latchkey.base_url))
        .bearer_auth(&admin)
        .json(&json!({"defaultSignatureAlgorithm": "ES256"}))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 204);
    let (new_token, _) = setup.login().await;
    let new_kid = kid(&new_token);
    assert_eq!(jwt_parts(&new_token).0["alg"], "ES256");
    assert_ne!(new_kid, old_kid, "new tokens are signed with the new key");
    *latest.lock().unwrap() = new_token.clone();
    assert_eq!(setup.call(&new_token).await.status, 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    for caller in callers {
        caller.await.unwrap();
    }
    assert_eq!(*refused.lock().unwrap(), Vec::<(u16, Value)>::new(), "refused during the rotation");
    assert!(passed.load(Ordering::SeqCst) > 10, "the callers kept calling");
    assert_eq!(setup.call(&old_token).await.status, 200, "the old key still verifies");

    // The Admin API shows both keys active, each for its algorithm, as Keycloak does.
    let keys: Value = setup
        .http
        .get(format!("{}/admin/realms/nagra/keys", setup.latchkey.base_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(keys["active"]["ES256"], new_kid.as_str());
    assert_eq!(keys["active"]["RS256"], old_kid.as_str());
    let key_of = |kid: &str| {
        keys["keys"].as_array().unwrap().iter().find(|key| key["kid"] == kid).unwrap().clone()
    };
    assert_eq!(key_of(&new_kid)["status"], "ACTIVE");
    assert!(
        component.ends_with(&format!(
            "/components/{}",
            key_of(&new_kid)["providerId"].as_str().unwrap()
        ))
    );

    // Deleting the old RSA provider, once its tokens no longer matter, ends them at once.
    let rsa_component = key_of(&old_kid)["providerId"].as_str().unwrap().to_owned();
    let deleted = setup
        .http
        .delete(format!(
            "{}/admin/realms/nagra/components/{rsa_component}",
            setup.latchkey.base_url
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let certs = format!("{}/realms/nagra/protocol/openid-connect/certs", setup.issuer_base());
    let jwks: Value = setup.http.get(&certs).send().await.unwrap().json().await.unwrap();
    let published: Vec<&str> =
        jwks["keys"].as_array().unwrap().iter().map(|key| key["kid"].as_str().unwrap()).collect();
    assert!(!published.contains(&old_kid.as_str()) && published.contains(&new_kid.as_str()));
    let mut old_refused = false;
    for _ in 0..50 {
        if setup.call(&old_token).await.status == 401 {
            old_refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(old_refused, "the deleted key's token is refused within a second");
    assert_eq!(setup.call(&new_token).await.status, 200);
}
