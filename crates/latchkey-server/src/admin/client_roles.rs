//! `/admin/realms/{realm}/clients/{id}/roles…` (`RoleContainerResource.java` with a
//! client as the container; spec §5.5): a client's roles listed, created, read,
//! updated and deleted by name, and the users holding one. The changes are
//! `manage::roles`'.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{RoleRepresentation, role_to_full_representation};

use super::auth::{AdminRealm, ManageClients, ViewClients};
use super::request::{Body, Query, created, no_content, path_segment, realm_url};
use super::roles::{holders, list};
use crate::error::ApiError;
use crate::manage::clients;
use crate::manage::roles::{self, RoleAt};

pub(crate) async fn list_client_roles(
    AdminRealm { realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let client = clients::find(&realm, &id)?;
    list(realm.roles.client_roles(&client.id), &query)
}

/// 201 with `Location: …/clients/{id}/roles/{name}`; 409 if the client has a role of
/// that name.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_client_role(
    AdminRealm { state, realm, caller, .. }: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let client = clients::find(&realm, &id)?;
    let rep: RoleRepresentation = body.representation()?;
    let role = roles::create(&state, &realm, Some(client), &rep).await?;
    let location = format!(
        "{}/clients/{}/roles/{}",
        realm_url(&caller.base_url, &realm.realm.name),
        path_segment(&client.id),
        path_segment(&role.name)
    );
    Ok(created(&location))
}

pub(crate) async fn get_client_role(
    AdminRealm { realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, role_name)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let role = RoleAt::Client(id, role_name).find(&realm)?;
    Ok(Json(role_to_full_representation(role)).into_response())
}

/// `manage::roles::update`: 204; 400 without a name, 409 if the name is taken.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_client_role(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, role_name)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: RoleRepresentation = body.representation()?;
    roles::update(&state, &realm, &RoleAt::Client(id, role_name), &rep).await?;
    Ok(no_content())
}

pub(crate) async fn list_client_role_users(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, role_name)): Path<(String, String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    holders(&state, &realm, RoleAt::Client(id, role_name), &query).await
}

/// Deletes the role with its composite links and grants. 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_client_role(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, role_name)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    roles::remove(&state, &realm, &RoleAt::Client(id, role_name)).await?;
    Ok(no_content())
}
