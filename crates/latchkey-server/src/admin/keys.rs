//! A realm's keys through the Admin API: `GET /keys` (`KeyResource.getKeyMetadata`,
//! `KeysMetadataRepresentation`, as python-keycloak's `get_keys` reads it) and
//! `POST /components` for a new generated RSA key (`ComponentResource.create` with
//! `providerId` `rsa-generated`, `providerType` `org.keycloak.keys.KeyProvider`), which
//! is how an operator rotates the signing key.
//!
//! Rotation: the new key signs as soon as it outranks the old one (higher `priority`,
//! or the same and newer). The old key is listed `PASSIVE`: still published in the JWKS
//! and still trusted until every token it signed has expired (the longest access-token
//! lifespan plus a margin, `cache::key_keep_ms`), then dropped from both, without a
//! restart (`cache.rs` reloads the realm then).

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use latchkey_core::store::Store;
use latchkey_core::token::keys::{KeyKind, RsaKey, StoredKey, drop_retired};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::open_realm;
use super::request::{Body, created, path_segment, realm_url};
use crate::cache::key_keep_ms;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

const KEY_PROVIDER_TYPE: &str = "org.keycloak.keys.KeyProvider";
const RSA_GENERATED: &str = "rsa-generated";
/// Keycloak's certificates are valid for ten years from 100 s before creation.
const CERTIFICATE_DAYS: i64 = 3652;

/// `GET /admin/realms/{realm}/keys`: the keys in use, highest rank first, and the
/// signing key per algorithm in `active`.
pub(crate) async fn get_keys(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let mut stored = state.store.list_keys(&realm.realm.id).await?;
    let clients: Vec<_> = realm.clients.values().map(|client| client.as_ref().clone()).collect();
    drop_retired(&mut stored, state.clock.now().0, key_keep_ms(&realm.realm, &clients));
    stored.sort_by_key(|key| std::cmp::Reverse((key.priority, key.created_at)));
    let mut active: HashMap<&'static str, String> = HashMap::new();
    let mut keys = Vec::new();
    for key in &stored {
        let algorithm = match key.kind {
            KeyKind::Rsa => "RS256",
            KeyKind::Hmac(algorithm) => algorithm.as_str(),
        };
        let status = if !key.enabled {
            "DISABLED"
        } else if active.contains_key(algorithm) {
            "PASSIVE"
        } else {
            active.insert(algorithm, key.kid.clone());
            "ACTIVE"
        };
        keys.push(key_representation(key, algorithm, status, &realm.realm.name)?);
    }
    Ok(Json(json!({ "active": active, "keys": keys })).into_response())
}

fn key_representation(
    key: &StoredKey,
    algorithm: &str,
    status: &str,
    realm_name: &str,
) -> Result<Value, ApiError> {
    let mut rep = json!({
        "providerId": match key.kind { KeyKind::Rsa => RSA_GENERATED, KeyKind::Hmac(_) => "hmac-generated" },
        "providerPriority": key.priority,
        "kid": key.kid,
        "status": status,
        "type": match key.kind { KeyKind::Rsa => "RSA", KeyKind::Hmac(_) => "OCT" },
        "algorithm": algorithm,
        "use": "SIG",
    });
    if key.kind == KeyKind::Rsa {
        let mut rsa = RsaKey::from_pkcs8(&key.secret)
            .map_err(|error| ApiError::Internal(format!("stored key: {error}")))?;
        rsa.certify(&key.secret, realm_name, key.created_at)
            .map_err(|error| ApiError::Internal(format!("stored key: {error}")))?;
        let not_before_secs = key.created_at.div_euclid(1000) - 100;
        rep["publicKey"] = Value::String(STANDARD.encode(&rsa.public_spki));
        rep["certificate"] = Value::String(STANDARD.encode(&rsa.certificate));
        rep["validTo"] = json!((not_before_secs + CERTIFICATE_DAYS * 86_400) * 1000);
    }
    Ok(rep)
}

/// The part of a `ComponentRepresentation` a key provider needs.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ComponentRepresentation {
    provider_id: Option<String>,
    provider_type: Option<String>,
    #[serde(default)]
    config: HashMap<String, Vec<String>>,
}

/// `POST /admin/realms/{realm}/components`: only `rsa-generated` key providers, which
/// generate one RSA-2048 key with the given `priority` (default 0, as Keycloak). 201
/// with the new component's `Location`; the key's `kid` is the component id.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_component(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let rep: ComponentRepresentation = body.json()?;
    if rep.provider_type.as_deref() != Some(KEY_PROVIDER_TYPE)
        || rep.provider_id.as_deref() != Some(RSA_GENERATED)
    {
        return Err(ApiError::bad_request(
            "latchkey creates key providers of type rsa-generated only",
        ));
    }
    let setting = |name: &str| rep.config.get(name).and_then(|values| values.first());
    let priority = match setting("priority") {
        None => 0,
        Some(text) => text
            .trim()
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request("'Priority' should be a number"))?,
    };
    if setting("keySize").is_some_and(|size| size != "2048")
        || setting("algorithm").is_some_and(|algorithm| algorithm != "RS256")
        || setting("enabled").is_some_and(|value| value == "false")
        || setting("active").is_some_and(|value| value == "false")
    {
        return Err(ApiError::bad_request(
            "latchkey generates enabled, active RS256 keys of 2048 bits only",
        ));
    }
    let realm_id = realm.realm.id.clone();
    let created_at = state.clock.now().0;
    let mut key =
        tokio::task::spawn_blocking(move || StoredKey::generate_rsa(&realm_id, created_at))
            .await
            .map_err(|error| ApiError::Internal(format!("key generation: {error}")))?
            .map_err(|error| ApiError::Internal(format!("key generation: {error}")))?;
    key.priority = priority;
    state.store.insert_key(&key).await?;
    state.realms.invalidate(&realm_name);
    state.revocations.publish_keys_changed(&realm_name);
    tracing::info!(kid = %key.kid, priority, "RSA key generated");
    let location = format!(
        "{}/components/{}",
        realm_url(&caller.base_url, &realm_name),
        path_segment(&key.kid)
    );
    Ok(created(&location))
}
