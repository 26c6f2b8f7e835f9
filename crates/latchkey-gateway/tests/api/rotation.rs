//! Key rotation: an admin adds a generated RSA key of higher priority; new tokens carry
//! its `kid`, tokens signed by the old key keep working, and requests flowing through
//! the gateway during the rotation are never refused. latchkey tells the gateway over
//! the revocation stream (`event: keys`), so the JWKS refresh floor is no obstacle.

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
            "name": "rsa-rotated",
            "providerId": "rsa-generated",
            "providerType": "org.keycloak.keys.KeyProvider",
            "config": {"priority": ["200"]},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_owned();
    let (new_token, _) = setup.login().await;
    let new_kid = kid(&new_token);
    assert_ne!(new_kid, old_kid, "new tokens are signed with the new key");
    assert!(location.ends_with(&format!("/components/{new_kid}")), "{location}");
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

    // The Admin API shows the new key active and the old one passive.
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
    assert_eq!(keys["active"]["RS256"], new_kid.as_str());
    let status_of = |kid: &str| {
        keys["keys"].as_array().unwrap().iter().find(|key| key["kid"] == kid).unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(&new_kid), "ACTIVE");
    assert_eq!(status_of(&old_kid), "PASSIVE");

    // Once every token of the old key has expired (300 s + 60 s margin), the JWKS drops it.
    let certs = format!("{}/realms/nagra/protocol/openid-connect/certs", setup.issuer_base());
    let published = |jwks: Value| -> Vec<String> {
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|key| key["kid"].as_str().unwrap().to_owned())
            .collect()
    };
    let before: Value = setup.http.get(&certs).send().await.unwrap().json().await.unwrap();
    assert_eq!(published(before), [new_kid.clone(), old_kid.clone()]);
    setup.latchkey.clock.advance_secs(359);
    let still: Value = setup.http.get(&certs).send().await.unwrap().json().await.unwrap();
    assert_eq!(published(still).len(), 2);
    setup.latchkey.clock.advance_secs(1);
    let after: Value = setup.http.get(&certs).send().await.unwrap().json().await.unwrap();
    assert_eq!(published(after), [new_kid]);
}
