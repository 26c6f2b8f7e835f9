//! A realm's keys through the Admin API: `GET /keys` (`KeyResource.getKeyMetadata`) and
//! the key-provider components (`ComponentResource`: `GET/POST /components`,
//! `GET/PUT/DELETE /components/{id}`, `providerType` `org.keycloak.keys.KeyProvider`).
//! The rules (settings, validation texts, generation) are core's
//! (`latchkey_core::representation::keys`); this file reads the request, writes through
//! the store and drops the realm's snapshot, so the next token sees the change.
//!
//! Rotation as in Keycloak: a new key signs as soon as it is the active key of its
//! algorithm with the highest priority; the old one keeps verifying and stays in the
//! JWKS until it is made passive, disabled or deleted.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{
    ComponentError, ComponentRepresentation, KEY_PROVIDER, component_to_representation,
    key_from_component, keys_metadata, update_key_from_component,
};
use latchkey_core::store::{Store, StoreError};
use latchkey_core::token::keys::StoredKey;

use super::auth::open_realm;
use super::request::{Body, Query, created, no_content, path_segment, realm_url};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

/// `{"error":"Could not find component"}` (`ComponentResource`, 26.7.3).
fn component_not_found() -> ApiError {
    ApiError::plain(StatusCode::NOT_FOUND, "Could not find component")
}

fn refused(error: ComponentError) -> ApiError {
    match error {
        ComponentError::UnknownProvider => {
            ApiError::plain(StatusCode::BAD_REQUEST, "Invalid provider type or no such provider")
        }
        ComponentError::Invalid(message) => ApiError::bad_request(message),
        ComponentError::Generation(message) => ApiError::Internal(message),
    }
}

/// `GET /admin/realms/{realm}/keys`: every key, highest priority first, and the signing
/// key per algorithm in `active`.
pub(crate) async fn get_keys(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let stored = state.store.list_keys(&realm.realm.id).await?;
    let name = realm.realm.name.clone();
    // RSA certificates are made (one signature each): off the async runtime.
    let metadata = tokio::task::spawn_blocking(move || keys_metadata(&stored, &name))
        .await
        .map_err(|error| ApiError::Internal(format!("keys: {error}")))?
        .map_err(|error| ApiError::Internal(format!("stored key: {error}")))?;
    Ok(Json(metadata).into_response())
}

/// `GET /admin/realms/{realm}/components`: the realm's key providers; `type` (another
/// provider type lists nothing: latchkey keeps no other components), `parent` and
/// `name` filter as in Keycloak.
pub(crate) async fn list_components(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    if query.get("type").is_some_and(|kind| kind != KEY_PROVIDER)
        || query.get("parent").is_some_and(|parent| parent != realm.realm.id)
    {
        return Ok(Json(Vec::<ComponentRepresentation>::new()).into_response());
    }
    let components: Vec<ComponentRepresentation> = state
        .store
        .list_keys(&realm.realm.id)
        .await?
        .iter()
        .filter(|key| query.get("name").is_none_or(|name| key.name == name))
        .map(|key| component_to_representation(key, &realm.realm.id))
        .collect();
    Ok(Json(components).into_response())
}

async fn find_key(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<StoredKey, ApiError> {
    state
        .store
        .list_keys(&realm.realm.id)
        .await?
        .into_iter()
        .find(|key| key.id == id)
        .ok_or_else(component_not_found)
}

/// `GET /admin/realms/{realm}/components/{id}`.
pub(crate) async fn get_component(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let key = find_key(&state, &realm, &id).await?;
    Ok(Json(component_to_representation(&key, &realm.realm.id)).into_response())
}

/// `POST /admin/realms/{realm}/components`: a new key provider (`rsa-generated`, `rsa`,
/// `ecdsa-generated`, `eddsa-generated`, `hmac-generated`), its key generated or
/// imported. 201 with the component's `Location`.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_component(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let rep: ComponentRepresentation = body.json()?;
    let (realm_id, name, now) =
        (realm.realm.id.clone(), realm.realm.name.clone(), state.clock.now());
    // RSA key generation takes tens of milliseconds: off the async runtime.
    let key = tokio::task::spawn_blocking(move || key_from_component(&rep, &realm_id, &name, now))
        .await
        .map_err(|error| ApiError::Internal(format!("key generation: {error}")))?
        .map_err(refused)?;
    match state.store.insert_key(&key).await {
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::conflict(format!("Component with id {} already exists", key.id)));
        }
        other => other?,
    }
    keys_changed(&state, &realm_name);
    tracing::info!(kid = %key.kid, algorithm = %key.algorithm, provider = %key.provider_id, "key added");
    let location = format!(
        "{}/components/{}",
        realm_url(&caller.base_url, &realm_name),
        path_segment(&key.id)
    );
    Ok(created(&location))
}

/// `PUT /admin/realms/{realm}/components/{id}`: given settings replace stored ones
/// (priority, enabled, active, algorithm, ...); a new key size or curve makes a new key.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn put_component(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let rep: ComponentRepresentation = body.json()?;
    let key = find_key(&state, &realm, &id).await?;
    let (name, now) = (realm.realm.name.clone(), state.clock.now());
    let updated =
        tokio::task::spawn_blocking(move || update_key_from_component(&key, &rep, &name, now))
            .await
            .map_err(|error| ApiError::Internal(format!("key generation: {error}")))?
            .map_err(refused)?;
    match state.store.update_key(&updated).await {
        Err(StoreError::NotFound(_)) => return Err(component_not_found()),
        other => other?,
    }
    keys_changed(&state, &realm_name);
    tracing::info!(kid = %updated.kid, status = updated.status(), priority = updated.priority, "key updated");
    Ok(no_content())
}

/// `DELETE /admin/realms/{realm}/components/{id}`: the key stops signing and verifying.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_component(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    if !state.store.delete_key(&realm.realm.id, &id).await? {
        return Err(component_not_found());
    }
    keys_changed(&state, &realm_name);
    tracing::info!(component = %id, "key deleted");
    Ok(no_content())
}

/// The next request loads the realm's keys again, and gateways following the revocation
/// stream fetch the JWKS at once.
fn keys_changed(state: &AppState, realm_name: &str) {
    state.realms.invalidate(realm_name);
    state.revocations.publish_keys_changed(realm_name);
}
