//! A realm's keys through the Admin API: `GET /keys` (`KeyResource.getKeyMetadata`,
//! `KeysMetadataRepresentation`, as python-keycloak's `get_keys` reads it) and the
//! key-provider components (`ComponentResource`: `GET/POST /components`,
//! `GET/PUT/DELETE /components/{id}`, `providerType` `org.keycloak.keys.KeyProvider`),
//! through `manage::keys`. latchkey keeps no other kind of component, so a listing of
//! another type is empty.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{
    ComponentRepresentation, KEY_PROVIDER, component_to_representation, keys_metadata,
};

use super::auth::{AdminRealm, ManageRealm, ViewRealm};
use super::request::{Body, Query, created, no_content, path_segment, realm_url};
use crate::error::ApiError;
use crate::manage::{ManageError, keys};

/// `GET /admin/realms/{realm}/keys`: every key, highest priority first, and the signing
/// key per algorithm in `active`.
pub(crate) async fn get_keys(
    AdminRealm { state, realm, .. }: AdminRealm<ViewRealm>,
) -> Result<Response, ApiError> {
    let stored = keys::list(&state, &realm).await?;
    let name = realm.realm.name.clone();
    // RSA certificates are made (one signature each): off the async runtime.
    let metadata = tokio::task::spawn_blocking(move || keys_metadata(&stored, &name))
        .await
        .map_err(ManageError::from)?
        .map_err(ManageError::from)?;
    Ok(Json(metadata).into_response())
}

/// `GET /admin/realms/{realm}/components`: the realm's key providers; `type`, `parent`
/// and `name` filter as in Keycloak.
pub(crate) async fn list_components(
    AdminRealm { state, realm, .. }: AdminRealm<ViewRealm>,
    query: Query,
) -> Result<Response, ApiError> {
    if query.get("type").is_some_and(|kind| kind != KEY_PROVIDER)
        || query.get("parent").is_some_and(|parent| parent != realm.realm.id)
    {
        return Ok(Json(Vec::<ComponentRepresentation>::new()).into_response());
    }
    let components: Vec<ComponentRepresentation> = keys::list(&state, &realm)
        .await?
        .iter()
        .filter(|key| query.get("name").is_none_or(|name| key.name == name))
        .map(|key| component_to_representation(key, &realm.realm.id))
        .collect();
    Ok(Json(components).into_response())
}

/// `GET /admin/realms/{realm}/components/{id}`.
pub(crate) async fn get_component(
    AdminRealm { state, realm, .. }: AdminRealm<ViewRealm>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let key = keys::find(&state, &realm, &id).await?;
    Ok(Json(component_to_representation(&key, &realm.realm.id)).into_response())
}

/// `POST /admin/realms/{realm}/components`: 201 with the new component's `Location`.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_component(
    AdminRealm { state, realm, caller, .. }: AdminRealm<ManageRealm>,
    body: Body,
) -> Result<Response, ApiError> {
    let component: ComponentRepresentation = body.json()?;
    let key = keys::add(&state, &realm, component).await?;
    let location = format!(
        "{}/components/{}",
        realm_url(&caller.base_url, &realm.realm.name),
        path_segment(&key.id)
    );
    Ok(created(&location))
}

/// `PUT /admin/realms/{realm}/components/{id}`: 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_component(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let component: ComponentRepresentation = body.json()?;
    keys::update(&state, &realm, &id, component).await?;
    Ok(no_content())
}

/// `DELETE /admin/realms/{realm}/components/{id}`: 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_component(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    keys::delete(&state, &realm, &id).await?;
    Ok(no_content())
}
