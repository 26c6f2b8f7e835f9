//! `/admin/realms/{realm}/roles…` (`RoleContainerResource.java`; spec §5.5): realm roles
//! listed, created (with composites), read, updated and deleted by name, and the users
//! holding one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{
    RoleRepresentation, UserRepresentation, role_to_representation, user_to_representation,
};
use latchkey_core::role::Role;
use latchkey_core::store::{Store, StoreError};

use super::auth::open_realm;
use super::composites::RoleAt;
use super::request::{
    Body, DEFAULT_MAX_RESULTS, Query, created, no_content, path_segment, realm_url,
};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

pub(crate) fn role_not_found() -> ApiError {
    ApiError::plain(StatusCode::NOT_FOUND, "Could not find role")
}

pub(crate) fn role_exists(name: &str) -> ApiError {
    ApiError::conflict(format!("Role with name {name} already exists"))
}

fn find_role<'a>(realm: &'a RealmSnapshot, name: &str) -> Result<&'a Role, ApiError> {
    realm.roles.find_realm_role(name).ok_or_else(role_not_found)
}

/// Realm roles by name; `search` keeps names containing it (any case), then
/// `first`/`max` (everything by default).
pub(crate) async fn list_roles(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let page = query.page(usize::MAX)?;
    let search = query.get("search").map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let roles = realm.roles.realm_roles().into_iter().filter(|role| {
        search.as_deref().is_none_or(|search| role.name.to_lowercase().contains(search))
    });
    let reps: Vec<RoleRepresentation> =
        page.apply(roles).into_iter().map(role_to_representation).collect();
    Ok(Json(reps).into_response())
}

/// The ids of the composites a new role names: realm roles by name, client roles by
/// client and name (`RoleContainerResource.createRole`; unknown clients are skipped).
pub(crate) fn composite_ids(
    realm: &RealmSnapshot,
    rep: &RoleRepresentation,
) -> Result<Vec<String>, ApiError> {
    let Some(composites) = rep.composites.as_ref().filter(|_| rep.composite) else {
        return Ok(Vec::new());
    };
    let mut ids = Vec::new();
    for name in &composites.realm {
        let role = realm.roles.find_realm_role(name).ok_or_else(|| ApiError::ErrorMessage {
            status: StatusCode::NOT_FOUND,
            message: format!("Realm Role with name {name} does not exist"),
        })?;
        ids.push(role.id.clone());
    }
    for (client_id, names) in &composites.client {
        let Some(client) = realm.client(client_id) else { continue };
        for name in names {
            let role = realm.roles.find_client_role(&client.id, name).ok_or_else(|| {
                ApiError::ErrorMessage {
                    status: StatusCode::NOT_FOUND,
                    message: format!("Client Role with name {name} does not exist"),
                }
            })?;
            ids.push(role.id.clone());
        }
    }
    Ok(ids)
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_role(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let rep: RoleRepresentation = body.json()?;
    let role = create_role(&state, &realm, &rep).await?;
    let location =
        format!("{}/roles/{}", realm_url(&caller.base_url, &realm_name), path_segment(&role.name));
    Ok(created(&location))
}

/// Creates a realm role (`POST …/roles` and the console's "Create role"): 400 without a
/// name, 409 when it is taken.
pub(crate) async fn create_role(
    state: &AppState,
    realm: &RealmSnapshot,
    rep: &RoleRepresentation,
) -> Result<Role, ApiError> {
    if rep.name.is_empty() {
        return Err(ApiError::plain(StatusCode::BAD_REQUEST, "role has no name"));
    }
    let role = Role {
        id: latchkey_core::random::uuid(),
        realm_id: realm.realm.id.clone(),
        client_uuid: None,
        name: rep.name.clone(),
        description: rep.description.clone(),
        composites: composite_ids(realm, rep)?,
    };
    match state.store.insert_role(&role).await {
        Err(StoreError::Conflict(_)) => return Err(role_exists(&rep.name)),
        other => other?,
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(role = %role.name, "realm role created");
    Ok(role)
}

pub(crate) async fn get_role(
    State(state): State<AppState>,
    Path((realm_name, role_name)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    Ok(Json(role_to_representation(find_role(&realm, &role_name)?)).into_response())
}

/// A new `name` renames the role (the realm's default role keeps its place), a
/// `description` replaces the old one.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn put_role(
    State(state): State<AppState>,
    Path((realm_name, role_name)): Path<(String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    update_role(&state, &caller, &realm_name, RoleAt::Realm(role_name), &body).await
}

/// `PUT …/roles/{role}` for realm and client roles alike.
pub(crate) async fn update_role(
    state: &AppState,
    caller: &Caller,
    realm_name: &str,
    at: RoleAt,
    body: &Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(state, caller, realm_name).await?;
    let rep: RoleRepresentation = body.json()?;
    let old = at.find(&realm)?;
    let mut role = old.clone();
    if !rep.name.is_empty() {
        role.name.clone_from(&rep.name);
    }
    if rep.description.is_some() {
        role.description.clone_from(&rep.description);
    }
    match state.store.update_role(&role).await {
        Err(StoreError::Conflict(_)) => return Err(role_exists(&rep.name)),
        other => other?,
    }
    let settings = &realm.realm.settings;
    let is_default =
        old.client_uuid.is_none() && settings.default_role.as_deref() == Some(old.name.as_str());
    if role.name != old.name && is_default {
        let mut renamed = realm.realm.clone();
        renamed.settings.default_role = Some(role.name.clone());
        state.store.update_realm(&renamed).await?;
    }
    state.realms.invalidate(realm_name);
    tracing::info!(role = %role.name, "role updated");
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_role(
    State(state): State<AppState>,
    Path((realm_name, role_name)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    remove_role(&state, &realm, &role_name).await?;
    Ok(no_content())
}

/// Deletes a realm role by name (`DELETE …/roles/{name}` and the console): 404 when
/// unknown, 400 for the realm's default role.
pub(crate) async fn remove_role(
    state: &AppState,
    realm: &RealmSnapshot,
    role_name: &str,
) -> Result<(), ApiError> {
    let role = find_role(realm, role_name)?;
    if realm.realm.settings.default_role.as_deref() == Some(role.name.as_str()) {
        return Err(ApiError::bad_request(format!(
            "{role_name} is default role of the realm and cannot be removed."
        )));
    }
    match state.store.delete_role(&realm.realm.id, &role.id).await {
        Err(StoreError::NotFound(_)) => return Err(role_not_found()),
        other => other?,
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(role = %role_name, "realm role deleted");
    Ok(())
}

/// The users holding the role directly, by username, then `first`/`max` (default 100).
pub(crate) async fn list_role_users(
    State(state): State<AppState>,
    Path((realm_name, role_name)): Path<(String, String)>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    role_users(&state, &caller, &realm_name, RoleAt::Realm(role_name), &query).await
}

/// `GET …/roles/{role}/users` for realm and client roles alike.
pub(crate) async fn role_users(
    state: &AppState,
    caller: &Caller,
    realm_name: &str,
    at: RoleAt,
    query: &Query,
) -> Result<Response, ApiError> {
    let realm = open_realm(state, caller, realm_name).await?;
    let page = query.page(DEFAULT_MAX_RESULTS)?;
    let role = at.find(&realm)?;
    let users = state.store.list_users_with_role(&realm.realm.id, &role.id).await?;
    let reps: Vec<UserRepresentation> =
        page.apply(users).iter().map(user_to_representation).collect();
    Ok(Json(reps).into_response())
}
