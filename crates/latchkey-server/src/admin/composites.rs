//! `…/roles/{role}/composites…` for realm roles and `…/clients/{id}/roles/{role}/composites…`
//! for client roles (`RoleContainerResource.java`: `getRoleComposites`,
//! `addComposites`, `deleteComposites`, `getRealmRoleComposites`,
//! `getClientRoleComposites`). Composites are named by id in request bodies; one that
//! does not resolve is 404 `Could not find composite role` and nothing changes
//! (`manage::roles::change_composites`).

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{RoleRepresentation, role_to_representation};

use super::auth::{AdminRealm, ManageClients, ManageRealm, ViewClients, ViewRealm};
use super::request::{Body, no_content};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::manage::clients;
use crate::manage::roles::{self, Composites, RoleAt};
use crate::state::AppState;

/// Which of a role's composites a listing shows.
enum Only<'a> {
    All,
    Realm,
    Client(&'a str),
}

fn list(realm: &RealmSnapshot, at: RoleAt, only: Only<'_>) -> Result<Response, ApiError> {
    let role = at.find(realm)?;
    let client_uuid = match only {
        Only::Client(id) => Some(clients::find(realm, id)?.id.as_str()),
        _ => None,
    };
    let reps: Vec<RoleRepresentation> = role
        .composites
        .iter()
        .filter_map(|id| realm.roles.get(id))
        .filter(|child| match only {
            Only::All => true,
            Only::Realm => child.client_uuid.is_none(),
            Only::Client(_) => child.client_uuid.as_deref() == client_uuid,
        })
        .map(role_to_representation)
        .collect();
    Ok(Json(reps).into_response())
}

async fn change(
    state: &AppState,
    realm: &RealmSnapshot,
    at: RoleAt,
    body: &Body,
    change: Composites,
) -> Result<Response, ApiError> {
    at.find(realm)?;
    let reps: Vec<RoleRepresentation> = body.json()?;
    roles::change_composites(state, realm, &at, &reps, change).await?;
    Ok(no_content())
}

pub(crate) async fn list_realm_role_composites(
    AdminRealm { realm, .. }: AdminRealm<ViewRealm>,
    Path((_, role)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list(&realm, RoleAt::Realm(role), Only::All)
}

pub(crate) async fn list_realm_role_realm_composites(
    AdminRealm { realm, .. }: AdminRealm<ViewRealm>,
    Path((_, role)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list(&realm, RoleAt::Realm(role), Only::Realm)
}

pub(crate) async fn list_realm_role_client_composites(
    AdminRealm { realm, .. }: AdminRealm<ViewRealm>,
    Path((_, role, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    list(&realm, RoleAt::Realm(role), Only::Client(&client))
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_realm_role_composites(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, role)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    change(&state, &realm, RoleAt::Realm(role), &body, Composites::Add).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_realm_role_composites(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, role)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    change(&state, &realm, RoleAt::Realm(role), &body, Composites::Remove).await
}

pub(crate) async fn list_client_role_composites(
    AdminRealm { realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, role)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    list(&realm, RoleAt::Client(id, role), Only::All)
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_client_role_composites(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, role)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    change(&state, &realm, RoleAt::Client(id, role), &body, Composites::Add).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_client_role_composites(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, role)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    change(&state, &realm, RoleAt::Client(id, role), &body, Composites::Remove).await
}
