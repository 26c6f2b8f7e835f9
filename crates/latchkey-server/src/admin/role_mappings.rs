//! `/admin/realms/{realm}/users/{id}/role-mappings…` (`RoleMapperResource.java`,
//! `ClientRoleMappingsResource.java`; spec §5.5): the roles granted to a user directly,
//! and realm roles and one client's roles added, removed, available and effective. The
//! changes are `manage::role_mappings`'.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::client::Client;
use latchkey_core::representation::{RoleRepresentation, role_to_representation};
use latchkey_core::role::Role;
use serde_json::{Map, Value, json};

use super::auth::{AdminRealm, ManageUsers, ViewUsers};
use super::request::{Body, no_content};
use crate::error::ApiError;
use crate::manage::role_mappings::{self, Mapping};
use crate::manage::{clients, users};

fn representations<'a>(roles: impl IntoIterator<Item = &'a Role>) -> Vec<RoleRepresentation> {
    roles.into_iter().map(role_to_representation).collect()
}

/// Whether a role belongs to `client`, or to the realm when `client` is `None`.
fn belongs(role: &Role, client: Option<&Client>) -> bool {
    role.client_uuid.as_deref() == client.map(|client| client.id.as_str())
}

/// `{"realmMappings":[…],"clientMappings":{clientId:{"id","client","mappings"}}}`, each
/// part left out when empty.
pub(crate) async fn get_role_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let user = users::find(&state, &realm, &id).await?;
    let roles = role_mappings::granted(&state, &realm, &user).await?;
    let (realm_roles, client_roles): (Vec<&Role>, Vec<&Role>) =
        roles.into_iter().partition(|role| role.client_uuid.is_none());
    let mut body = Map::new();
    if !realm_roles.is_empty() {
        body.insert("realmMappings".into(), json!(representations(realm_roles)));
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

/// The roles of the realm (`client` `None`) or of a client granted directly.
async fn list_granted(
    admin: &AdminRealm<ViewUsers>,
    id: &str,
    client: Option<&str>,
) -> Result<Response, ApiError> {
    let (state, realm) = (&admin.state, &admin.realm);
    let user = users::find(state, realm, id).await?;
    let client = client.map(|id| clients::find_for_user(realm, id)).transpose()?;
    let roles = role_mappings::granted(state, realm, &user).await?;
    let roles = roles.into_iter().filter(|role| belongs(role, client));
    Ok(Json(representations(roles)).into_response())
}

/// Grants or takes away the roles the body names; a `DELETE` without a body takes away
/// every role of the realm (or of the client) granted directly.
async fn change_granted(
    admin: &AdminRealm<ManageUsers>,
    id: &str,
    client: Option<&str>,
    body: &Body,
    change: Mapping,
) -> Result<Response, ApiError> {
    let (state, realm) = (&admin.state, &admin.realm);
    let user = users::find(state, realm, id).await?;
    let client = client.map(|id| clients::find_for_user(realm, id)).transpose()?;
    let named = match change {
        Mapping::Grant => Some(body.json::<Vec<RoleRepresentation>>()?),
        Mapping::Revoke => body.json_or_empty::<Vec<RoleRepresentation>>()?,
    };
    let roles = match named {
        Some(reps) => role_mappings::resolve(realm, client, &reps)?,
        None => role_mappings::granted(state, realm, &user)
            .await?
            .into_iter()
            .filter(|role| belongs(role, client))
            .collect(),
    };
    role_mappings::change(state, &user, &roles, change).await?;
    Ok(no_content())
}

/// The roles of the realm or of a client the user has, directly or through composites
/// (`composite`), or has not (`available`).
async fn list_effective(
    admin: &AdminRealm<ViewUsers>,
    id: &str,
    client: Option<&str>,
    want_held: bool,
) -> Result<Response, ApiError> {
    let (state, realm) = (&admin.state, &admin.realm);
    let user = users::find(state, realm, id).await?;
    let client = client.map(|id| clients::find_for_user(realm, id)).transpose()?;
    let effective = role_mappings::effective(state, realm, &user).await?;
    let roles: Vec<&Role> = match client {
        None => realm
            .roles
            .realm_roles()
            .into_iter()
            .filter(|role| effective.realm.contains(&role.name) == want_held)
            .collect(),
        Some(client) => {
            let held = effective.clients.get(&client.client_id);
            realm
                .roles
                .client_roles(&client.id)
                .into_iter()
                .filter(|role| held.is_some_and(|names| names.contains(&role.name)) == want_held)
                .collect()
        }
    };
    Ok(Json(representations(roles)).into_response())
}

pub(crate) async fn list_realm_mappings(
    admin: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_granted(&admin, &id, None).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn post_realm_mappings(
    admin: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    change_granted(&admin, &id, None, &body, Mapping::Grant).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn delete_realm_mappings(
    admin: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    change_granted(&admin, &id, None, &body, Mapping::Revoke).await
}

pub(crate) async fn list_composite_realm_roles(
    admin: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_effective(&admin, &id, None, true).await
}

pub(crate) async fn list_available_realm_roles(
    admin: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_effective(&admin, &id, None, false).await
}

pub(crate) async fn list_client_mappings(
    admin: AdminRealm<ViewUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    list_granted(&admin, &id, Some(&client)).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn post_client_mappings(
    admin: AdminRealm<ManageUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    change_granted(&admin, &id, Some(&client), &body, Mapping::Grant).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn delete_client_mappings(
    admin: AdminRealm<ManageUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    change_granted(&admin, &id, Some(&client), &body, Mapping::Revoke).await
}

pub(crate) async fn list_composite_client_roles(
    admin: AdminRealm<ViewUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    list_effective(&admin, &id, Some(&client), true).await
}

pub(crate) async fn list_available_client_roles(
    admin: AdminRealm<ViewUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    list_effective(&admin, &id, Some(&client), false).await
}
