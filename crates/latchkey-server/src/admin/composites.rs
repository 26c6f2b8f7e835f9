//! `…/roles/{role}/composites…` for realm roles, `…/clients/{id}/roles/{role}/composites…`
//! for client roles and `…/roles-by-id/{role}/composites…` for either
//! (`RoleContainerResource.java`, `RoleByIdResource.java`: `getRoleComposites`,
//! `addComposites`, `deleteComposites`, `getRealmRoleComposites`,
//! `getClientRoleComposites`). Composites are named by id in request bodies; one that
//! does not resolve is 404 `Could not find composite role` and nothing changes
//! (`manage::roles::change_composites`). Listings take `search` (the name contains it,
//! any case), `first` and `max`.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{
    RoleRepresentation, role_to_full_representation, role_to_representation,
};

use super::auth::{
    AdminRealm, ManageClients, ManageRealm, ManageRoles, Permission, ViewClients, ViewRealm,
    ViewRoles,
};
use super::request::{Body, Query, no_content};
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

fn list(
    realm: &RealmSnapshot,
    at: RoleAt,
    only: Only<'_>,
    query: &Query,
) -> Result<Response, ApiError> {
    let role = at.find(realm)?;
    let client_uuid = match only {
        Only::Client(id) => Some(clients::find(realm, id)?.id.as_str()),
        _ => None,
    };
    let page = query.page(usize::MAX)?;
    let search = query.get("search").map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let mut composites: Vec<&latchkey_core::role::Role> =
        role.composites.iter().filter_map(|id| realm.roles.get(id)).collect();
    composites.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    let children = composites
        .into_iter()
        .filter(|child| match only {
            Only::All => true,
            Only::Realm => child.client_uuid.is_none(),
            Only::Client(_) => child.client_uuid.as_deref() == client_uuid,
        })
        .filter(|child| {
            search.as_deref().is_none_or(|search| child.name.to_lowercase().contains(search))
        });
    let reps: Vec<RoleRepresentation> =
        page.apply(children).into_iter().map(role_to_representation).collect();
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
    query: Query,
) -> Result<Response, ApiError> {
    list(&realm, RoleAt::Realm(role), Only::All, &query)
}

pub(crate) async fn list_realm_role_realm_composites(
    AdminRealm { realm, .. }: AdminRealm<ViewRealm>,
    Path((_, role)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    list(&realm, RoleAt::Realm(role), Only::Realm, &query)
}

pub(crate) async fn list_realm_role_client_composites(
    AdminRealm { realm, .. }: AdminRealm<ViewRealm>,
    Path((_, role, client)): Path<(String, String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    list(&realm, RoleAt::Realm(role), Only::Client(&client), &query)
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
    query: Query,
) -> Result<Response, ApiError> {
    list(&realm, RoleAt::Client(id, role), Only::All, &query)
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

// By id: the role is found first (404), then the caller's permission for its container
// is checked (403), as `RoleByIdResource` does.

/// The permission a role's container asks: the realm's for a realm role, the clients'
/// for a client role.
fn needed(role: &latchkey_core::role::Role, view: bool) -> Permission {
    match (role.client_uuid.is_some(), view) {
        (false, true) => Permission::ViewRealm,
        (false, false) => Permission::ManageRealm,
        (true, true) => Permission::ViewClients,
        (true, false) => Permission::ManageClients,
    }
}

fn by_id<P>(admin: &AdminRealm<P>, id: &str, view: bool) -> Result<RoleAt, ApiError> {
    let role = RoleAt::Id(id.to_owned()).find(&admin.realm)?;
    admin.admin.require(&admin.realm.realm.name, needed(role, view))?;
    Ok(RoleAt::Id(id.to_owned()))
}

pub(crate) async fn list_by_id_composites(
    admin: AdminRealm<ViewRoles>,
    Path((_, role)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let at = by_id(&admin, &role, true)?;
    list(&admin.realm, at, Only::All, &query)
}

pub(crate) async fn list_by_id_realm_composites(
    admin: AdminRealm<ViewRoles>,
    Path((_, role)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let at = by_id(&admin, &role, true)?;
    list(&admin.realm, at, Only::Realm, &query)
}

pub(crate) async fn list_by_id_client_composites(
    admin: AdminRealm<ViewRoles>,
    Path((_, role, client)): Path<(String, String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let at = by_id(&admin, &role, true)?;
    list(&admin.realm, at, Only::Client(&client), &query)
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn post_by_id_composites(
    admin: AdminRealm<ManageRoles>,
    Path((_, role)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let at = by_id(&admin, &role, false)?;
    change(&admin.state, &admin.realm, at, &body, Composites::Add).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn delete_by_id_composites(
    admin: AdminRealm<ManageRoles>,
    Path((_, role)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let at = by_id(&admin, &role, false)?;
    change(&admin.state, &admin.realm, at, &body, Composites::Remove).await
}

/// `GET …/roles-by-id/{role}`: with attributes.
pub(crate) async fn get_role_by_id(
    admin: AdminRealm<ViewRoles>,
    Path((_, role)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let at = by_id(&admin, &role, true)?;
    Ok(Json(role_to_full_representation(at.find(&admin.realm)?)).into_response())
}

/// `PUT …/roles-by-id/{role}`: as `PUT …/roles/{name}` (`manage::roles::update`).
#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn put_role_by_id(
    admin: AdminRealm<ManageRoles>,
    Path((_, role)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let at = by_id(&admin, &role, false)?;
    let rep: RoleRepresentation = body.representation()?;
    roles::update(&admin.state, &admin.realm, &at, &rep).await?;
    Ok(no_content())
}

/// `DELETE …/roles-by-id/{role}`: 204; 400 for the realm's default role.
#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn delete_role_by_id(
    admin: AdminRealm<ManageRoles>,
    Path((_, role)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let at = by_id(&admin, &role, false)?;
    roles::remove(&admin.state, &admin.realm, &at).await?;
    Ok(no_content())
}
