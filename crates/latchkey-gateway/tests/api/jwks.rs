//! The JWKS cache: fetched for an unknown `kid` only, never more often than the floor,
//! and picking up a new key (rotation) on the first token that uses it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use latchkey_core::time::{Clock, ManualClock};
use latchkey_core::token::jwt;
use latchkey_core::token::keys::{KeySet, StoredKey};
use latchkey_gateway::error::GatewayError;
use latchkey_gateway::validator::{Validator, ValidatorSettings};
use latchkey_gateway::verify::{Expectations, TokenError};
use latchkey_testkit::START;
use serde_json::{Value, json};

/// An issuer that serves discovery and a JWKS of the keys the test publishes.
struct FakeIssuer {
    issuer: String,
    published: Arc<Mutex<Vec<StoredKey>>>,
    jwks_fetches: Arc<AtomicUsize>,
}

#[derive(Clone)]
struct IssuerState {
    issuer: String,
    published: Arc<Mutex<Vec<StoredKey>>>,
    jwks_fetches: Arc<AtomicUsize>,
}

async fn spawn_issuer() -> FakeIssuer {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}/realms/fake", listener.local_addr().unwrap());
    let state = IssuerState {
        issuer: issuer.clone(),
        published: Arc::new(Mutex::new(Vec::new())),
        jwks_fetches: Arc::new(AtomicUsize::new(0)),
    };
    let app = Router::new()
        .route(
            "/realms/fake/.well-known/openid-configuration",
            get(|State(state): State<IssuerState>| async move {
                axum::Json(
                    json!({"issuer": state.issuer, "jwks_uri": format!("{}/certs", state.issuer)}),
                )
            }),
        )
        .route(
            "/realms/fake/certs",
            get(|State(state): State<IssuerState>| async move {
                state.jwks_fetches.fetch_add(1, Ordering::SeqCst);
                let published = state.published.lock().unwrap().clone();
                axum::Json(KeySet::from_stored(published, "issuer").unwrap().jwks())
            }),
        )
        .with_state(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    FakeIssuer { issuer, published: state.published, jwks_fetches: state.jwks_fetches }
}

impl FakeIssuer {
    fn publish(&self, key: &StoredKey) {
        self.published.lock().unwrap().push(key.clone());
    }

    fn fetches(&self) -> usize {
        self.jwks_fetches.load(Ordering::SeqCst)
    }

    fn token(&self, key: &StoredKey) -> String {
        token(&self.issuer, key)
    }
}

/// An access token of `issuer` signed with `key`.
fn token(issuer: &str, key: &StoredKey) -> String {
    let now = START.secs();
    let claims: Value = json!({
        "exp": now + 300, "iat": now, "iss": issuer, "sub": "s", "typ": "Bearer",
        "realm_access": {"roles": ["operatorRole"]},
    });
    let keys = KeySet::from_stored(vec![key.clone()], "issuer").unwrap();
    jwt::sign(keys.signer(key.algorithm).unwrap(), &claims).unwrap()
}

fn validator(issuer: &str, refresh_floor: Duration) -> Validator {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(START));
    let settings = ValidatorSettings {
        expectations: Expectations {
            issuers: vec![issuer.to_owned()],
            leeway_secs: 0,
            azp: None,
            audience: None,
        },
        refresh_floor,
        fetch_timeout: Duration::from_secs(5),
        revocation: None,
    };
    Validator::new(settings, clock).unwrap()
}

fn new_key() -> StoredKey {
    StoredKey::generate_rsa("fake", 0).unwrap()
}

#[tokio::test]
async fn unknown_kids_fetch_at_most_once_per_floor() {
    let issuer = spawn_issuer().await;
    let (first, unpublished) = (new_key(), new_key());
    issuer.publish(&first);
    let validator = validator(&issuer.issuer, Duration::from_secs(3600));

    assert!(validator.validate(&issuer.token(&first)).await.is_ok());
    assert!(validator.validate(&issuer.token(&first)).await.is_ok());
    assert_eq!(issuer.fetches(), 1, "known keys are checked from memory");
    for _ in 0..5 {
        let refused = validator.validate(&issuer.token(&unpublished)).await;
        assert!(matches!(refused, Err(GatewayError::InvalidToken(TokenError::UnknownKey))));
    }
    assert_eq!(issuer.fetches(), 1, "the floor holds back further fetches");
}

#[tokio::test]
async fn a_new_key_is_picked_up_on_first_use() {
    let issuer = spawn_issuer().await;
    let (first, second) = (new_key(), new_key());
    issuer.publish(&first);
    let validator = validator(&issuer.issuer, Duration::ZERO);

    assert!(validator.validate(&issuer.token(&first)).await.is_ok());
    issuer.publish(&second);
    assert!(validator.validate(&issuer.token(&second)).await.is_ok());
    assert!(validator.validate(&issuer.token(&first)).await.is_ok());
    assert_eq!(issuer.fetches(), 2);
}

#[tokio::test]
async fn an_unreachable_issuer_is_unavailable_not_unauthorized() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let unreachable = format!("http://{dead}/realms/fake");
    let validator = validator(&unreachable, Duration::ZERO);
    let refused = validator.validate(&token(&unreachable, &new_key())).await;
    assert!(matches!(refused, Err(GatewayError::KeysUnavailable)), "{refused:?}");
}
