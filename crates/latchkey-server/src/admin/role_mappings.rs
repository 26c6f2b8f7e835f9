//! `/admin/realms/{realm}/users/{id}/role-mappings…` (`RoleMapperResource.java`,
//! `ClientRoleMappingsResource.java`; spec §5.5): the roles granted to a user directly,
//! and realm roles and one client's roles added, removed, available and effective.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::client::Client;
use latchkey_core::representation::{RoleRepresentation, role_to_representation};
use latchkey_core::role::Role;
use latchkey_core::store::Store;
use latchkey_core::user::User;
use serde_json::{Map, Value, json};

use super::auth::open_realm;
use super::request::{Body, no_content};
use super::users::find_user;
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

/// The roles granted directly, by name.
pub(crate) async fn granted_roles<'a>(
    state: &AppState,
    realm: &'a RealmSnapshot,
    user: &User,
) -> Result<Vec<&'a Role>, ApiError> {
    let ids = state.store.list_user_role_ids(&user.id).await?;
    let mut roles: Vec<&Role> = ids.iter().filter_map(|id| realm.roles.get(id)).collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(roles)
}

fn representations(roles: &[&Role]) -> Vec<RoleRepresentation> {
    roles.iter().map(|role| role_to_representation(role)).collect()
}

/// `{"realmMappings":[…],"clientMappings":{clientId:{"id","client","mappings"}}}`, each
/// part left out when empty.
pub(crate) async fn get_role_mappings(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let roles = granted_roles(&state, &realm, &user).await?;
    let (realm_roles, client_roles): (Vec<&Role>, Vec<&Role>) =
        roles.into_iter().partition(|role| role.client_uuid.is_none());
    let mut body = Map::new();
    if !realm_roles.is_empty() {
        body.insert("realmMappings".into(), json!(representations(&realm_roles)));
    }
    let mut clients = Map::new();
    for role in client_roles {
        let Some(client_uuid) = role.client_uuid.as_deref() else { continue };
        let Some(client_id) = realm.roles.client_id_of(client_uuid) else { continue };
        let entry = clients
            .entry(client_id.to_owned())
            .or_insert_with(|| json!({"id": client_uuid, "client": client_id, "mappings": []}));
        if let Some(Value::Array(mappings)) = entry.get_mut("mappings") {
            mappings.push(json!(role_to_representation(role)));
        }
    }
    if !clients.is_empty() {
        body.insert("clientMappings".into(), Value::Object(clients));
    }
    Ok(Json(Value::Object(body)).into_response())
}

/// The realm roles granted directly.
pub(crate) async fn list_realm_mappings(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let roles = granted_roles(&state, &realm, &user).await?;
    let realm_roles: Vec<&Role> = roles.into_iter().filter(|r| r.client_uuid.is_none()).collect();
    Ok(Json(representations(&realm_roles)).into_response())
}

/// The stored realm roles the body names. Each entry must give the role's `id` and
/// `name` as stored, else the whole call is a 404 `Role not found` and nothing changes.
fn resolve<'a>(
    realm: &'a RealmSnapshot,
    reps: &[RoleRepresentation],
) -> Result<Vec<&'a Role>, ApiError> {
    reps.iter()
        .map(|rep| {
            realm
                .roles
                .find_realm_role(&rep.name)
                .filter(|role| rep.id.as_deref() == Some(role.id.as_str()))
                .ok_or(ApiError::plain(StatusCode::NOT_FOUND, "Role not found"))
        })
        .collect()
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_realm_mappings(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let reps: Vec<RoleRepresentation> = body.json()?;
    change_roles(&state, &user, &resolve(&realm, &reps)?, Mapping::Grant).await?;
    Ok(no_content())
}

/// Whether a role mapping change grants roles or takes them away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mapping {
    Grant,
    Revoke,
}

/// Grants `roles` (found in the realm already) to `user` directly, or takes them away:
/// the Admin API's role mappings and the console's.
pub(crate) async fn change_roles(
    state: &AppState,
    user: &User,
    roles: &[&Role],
    change: Mapping,
) -> Result<(), ApiError> {
    let role_ids: Vec<String> = roles.iter().map(|role| role.id.clone()).collect();
    match change {
        Mapping::Grant => state.store.grant_roles(&user.id, &role_ids).await?,
        Mapping::Revoke => state.store.revoke_roles(&user.id, &role_ids).await?,
    }
    tracing::info!(user_id = %user.id, count = role_ids.len(), ?change, "role mappings changed");
    Ok(())
}

/// Removes the realm roles the body names; without a body, every realm role granted.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_realm_mappings(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let roles = match body.json_or_empty::<Vec<RoleRepresentation>>()? {
        Some(reps) => resolve(&realm, &reps)?,
        None => granted_roles(&state, &realm, &user)
            .await?
            .into_iter()
            .filter(|r| r.client_uuid.is_none())
            .collect(),
    };
    change_roles(&state, &user, &roles, Mapping::Revoke).await?;
    Ok(no_content())
}

/// Realm roles the user has, directly or through composites (`realm/composite`), or
/// has not (`realm/available`).
async fn effective_split(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
    want_held: bool,
) -> Result<Vec<RoleRepresentation>, ApiError> {
    let granted = state.store.list_user_role_ids(&user.id).await?;
    let effective = realm.roles.expand(&granted);
    let roles: Vec<&Role> = realm
        .roles
        .realm_roles()
        .into_iter()
        .filter(|role| effective.realm.contains(&role.name) == want_held)
        .collect();
    Ok(representations(&roles))
}

pub(crate) async fn list_composite_realm_roles(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    Ok(Json(effective_split(&state, &realm, &user, true).await?).into_response())
}

pub(crate) async fn list_available_realm_roles(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    Ok(Json(effective_split(&state, &realm, &user, false).await?).into_response())
}

/// The client of `…/role-mappings/clients/{client}`, by internal id
/// (`RoleMapperResource.getUserClientRoleMappingsResource`).
fn mapped_client<'a>(realm: &'a RealmSnapshot, id: &str) -> Result<&'a Client, ApiError> {
    realm
        .clients
        .values()
        .find(|client| client.id == id)
        .map(|client| client.as_ref())
        .ok_or(ApiError::plain(StatusCode::NOT_FOUND, "Client not found"))
}

/// The client's roles the body names, each with its stored `id` and `name`
/// (`ClientRoleMappingsResource.addClientRoleMapping`), else 404 `Role not found`.
fn resolve_client_roles<'a>(
    realm: &'a RealmSnapshot,
    client: &Client,
    reps: &[RoleRepresentation],
) -> Result<Vec<&'a Role>, ApiError> {
    reps.iter()
        .map(|rep| {
            realm
                .roles
                .find_client_role(&client.id, &rep.name)
                .filter(|role| rep.id.as_deref() == Some(role.id.as_str()))
                .ok_or(ApiError::plain(StatusCode::NOT_FOUND, "Role not found"))
        })
        .collect()
}

/// The client's roles granted directly.
pub(crate) async fn list_client_mappings(
    State(state): State<AppState>,
    Path((realm_name, id, client)): Path<(String, String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let client = mapped_client(&realm, &client)?;
    let roles = granted_roles(&state, &realm, &user).await?;
    let mine: Vec<&Role> = roles
        .into_iter()
        .filter(|r| r.client_uuid.as_deref() == Some(client.id.as_str()))
        .collect();
    Ok(Json(representations(&mine)).into_response())
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_client_mappings(
    State(state): State<AppState>,
    Path((realm_name, id, client)): Path<(String, String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let client = mapped_client(&realm, &client)?;
    let reps: Vec<RoleRepresentation> = body.json()?;
    let roles = resolve_client_roles(&realm, client, &reps)?;
    change_roles(&state, &user, &roles, Mapping::Grant).await?;
    Ok(no_content())
}

/// Removes the client roles the body names; without a body, every role of the client
/// granted directly.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_client_mappings(
    State(state): State<AppState>,
    Path((realm_name, id, client)): Path<(String, String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let client = mapped_client(&realm, &client)?;
    let roles = match body.json_or_empty::<Vec<RoleRepresentation>>()? {
        Some(reps) => resolve_client_roles(&realm, client, &reps)?,
        None => granted_roles(&state, &realm, &user)
            .await?
            .into_iter()
            .filter(|r| r.client_uuid.as_deref() == Some(client.id.as_str()))
            .collect(),
    };
    change_roles(&state, &user, &roles, Mapping::Revoke).await?;
    Ok(no_content())
}

/// The client's roles the user has, directly or through composites (`composite`), or
/// has not (`available`).
async fn effective_client_split(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
    client: &Client,
    want_held: bool,
) -> Result<Vec<RoleRepresentation>, ApiError> {
    let granted = state.store.list_user_role_ids(&user.id).await?;
    let effective = realm.roles.expand(&granted);
    let held = effective.clients.get(&client.client_id);
    let roles: Vec<&Role> = realm
        .roles
        .client_roles(&client.id)
        .into_iter()
        .filter(|role| held.is_some_and(|names| names.contains(&role.name)) == want_held)
        .collect();
    Ok(representations(&roles))
}

pub(crate) async fn list_composite_client_roles(
    State(state): State<AppState>,
    Path((realm_name, id, client)): Path<(String, String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let client = mapped_client(&realm, &client)?;
    Ok(Json(effective_client_split(&state, &realm, &user, client, true).await?).into_response())
}

pub(crate) async fn list_available_client_roles(
    State(state): State<AppState>,
    Path((realm_name, id, client)): Path<(String, String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let user = find_user(&state, &realm, &id).await?;
    let client = mapped_client(&realm, &client)?;
    Ok(Json(effective_client_split(&state, &realm, &user, client, false).await?).into_response())
}
