//! `/admin/realms/{realm}/clients/{id}/roles…` (`RoleContainerResource.java` with a
//! client as the container; spec §5.5): a client's roles listed, created, read,
//! updated and deleted by name, and the users holding one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{RoleRepresentation, role_to_representation};
use latchkey_core::role::Role;
use latchkey_core::store::{Store, StoreError};

use super::auth::open_realm;
use super::clients::find_client;
use super::composites::RoleAt;
use super::request::{Body, Query, created, no_content, path_segment, realm_url};
use super::roles::{composite_ids, role_exists, role_not_found, role_users, update_role};
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

/// The client's roles by name; `search` keeps names containing it (any case), then
/// `first`/`max` (everything by default).
pub(crate) async fn list_client_roles(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let client = find_client(&realm, &id)?;
    let page = query.page(usize::MAX)?;
    let search = query.get("search").map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let roles = realm.roles.client_roles(&client.id).into_iter().filter(|role| {
        search.as_deref().is_none_or(|search| role.name.to_lowercase().contains(search))
    });
    let reps: Vec<RoleRepresentation> =
        page.apply(roles).into_iter().map(role_to_representation).collect();
    Ok(Json(reps).into_response())
}

/// 201 with `Location: …/clients/{id}/roles/{name}`; 409 if the client has a role of
/// that name.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_client_role(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let client = find_client(&realm, &id)?;
    let rep: RoleRepresentation = body.json()?;
    if rep.name.is_empty() {
        return Err(ApiError::plain(StatusCode::BAD_REQUEST, "role has no name"));
    }
    if realm.roles.find_client_role(&client.id, &rep.name).is_some() {
        return Err(role_exists(&rep.name));
    }
    let role = Role {
        id: latchkey_core::random::uuid(),
        realm_id: realm.realm.id.clone(),
        client_uuid: Some(client.id.clone()),
        name: rep.name.clone(),
        description: rep.description.clone(),
        composites: composite_ids(&realm, &rep)?,
    };
    match state.store.insert_role(&role).await {
        Err(StoreError::Conflict(_)) => return Err(role_exists(&rep.name)),
        other => other?,
    }
    state.realms.invalidate(&realm_name);
    tracing::info!(client_id = %client.client_id, role = %role.name, "client role created");
    let location = format!(
        "{}/clients/{}/roles/{}",
        realm_url(&caller.base_url, &realm_name),
        path_segment(&client.id),
        path_segment(&role.name)
    );
    Ok(created(&location))
}

pub(crate) async fn get_client_role(
    State(state): State<AppState>,
    Path((realm_name, id, role_name)): Path<(String, String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let client = find_client(&realm, &id)?;
    let role = realm.roles.find_client_role(&client.id, &role_name).ok_or_else(role_not_found)?;
    Ok(Json(role_to_representation(role)).into_response())
}

/// Renames the role or replaces its description. 204; 409 if the name is taken.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn put_client_role(
    State(state): State<AppState>,
    Path((realm_name, id, role_name)): Path<(String, String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    update_role(&state, &caller, &realm_name, RoleAt::Client(id, role_name), &body).await
}

/// The users holding the client role directly, by username, then `first`/`max`
/// (default 100).
pub(crate) async fn list_client_role_users(
    State(state): State<AppState>,
    Path((realm_name, id, role_name)): Path<(String, String, String)>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    role_users(&state, &caller, &realm_name, RoleAt::Client(id, role_name), &query).await
}

/// Deletes the role with its composite links and grants. 204.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_client_role(
    State(state): State<AppState>,
    Path((realm_name, id, role_name)): Path<(String, String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let client = find_client(&realm, &id)?;
    let role = realm.roles.find_client_role(&client.id, &role_name).ok_or_else(role_not_found)?;
    match state.store.delete_role(&realm.realm.id, &role.id).await {
        Err(StoreError::NotFound(_)) => return Err(role_not_found()),
        other => other?,
    }
    state.realms.invalidate(&realm_name);
    tracing::info!(client_id = %client.client_id, role = %role_name, "client role deleted");
    Ok(no_content())
}
