//! `/admin/realms/{realm}/roles…` (`RoleContainerResource.java`; spec §5.5): realm roles
//! listed, created (with composites), read, updated and deleted by name, and the users
//! holding one. The changes are `manage::roles`'.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{
    RoleRepresentation, UserRepresentation, role_to_full_representation, role_to_representation,
    user_to_representation,
};
use latchkey_core::role::Role;

use super::auth::{AdminRealm, ManageRealm, ViewRealm};
use super::request::{
    Body, DEFAULT_MAX_RESULTS, Query, created, no_content, path_segment, realm_url,
};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::manage::roles::{self, RoleAt};
use crate::state::AppState;

/// Roles by name; `search` keeps names containing it (any case), then `first`/`max`
/// (everything by default): realm roles and a client's roles alike. Brief (no
/// attributes) unless `briefRepresentation=false`.
pub(crate) fn list<'a>(
    roles: impl IntoIterator<Item = &'a Role>,
    query: &Query,
) -> Result<Response, ApiError> {
    let page = query.page_when_both()?;
    let is_brief = query.boolean("briefRepresentation").unwrap_or(true);
    let search = query.get("search").map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty());
    let roles = roles.into_iter().filter(|role| {
        search.as_deref().is_none_or(|search| role.name.to_lowercase().contains(search))
    });
    let write = if is_brief { role_to_representation } else { role_to_full_representation };
    let reps: Vec<RoleRepresentation> = page.apply(roles).into_iter().map(write).collect();
    Ok(Json(reps).into_response())
}

pub(crate) async fn list_roles(
    AdminRealm { realm, .. }: AdminRealm<ViewRealm>,
    query: Query,
) -> Result<Response, ApiError> {
    list(realm.roles.realm_roles(), &query)
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_role(
    AdminRealm { state, realm, caller, .. }: AdminRealm<ManageRealm>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: RoleRepresentation = body.representation()?;
    let role = roles::create(&state, &realm, None, &rep).await?;
    let location = format!(
        "{}/roles/{}",
        realm_url(&caller.base_url, &realm.realm.name),
        path_segment(&role.name)
    );
    Ok(created(&location))
}

pub(crate) async fn get_role(
    AdminRealm { realm, .. }: AdminRealm<ViewRealm>,
    Path((_, role_name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(Json(role_to_full_representation(RoleAt::Realm(role_name).find(&realm)?)).into_response())
}

/// `manage::roles::update`: 204; 400 without a name, 409 if the name is taken.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_role(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, role_name)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: RoleRepresentation = body.representation()?;
    roles::update(&state, &realm, &RoleAt::Realm(role_name), &rep).await?;
    Ok(no_content())
}

/// 204; 400 for the realm's default role.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_role(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, role_name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    roles::remove(&state, &realm, &RoleAt::Realm(role_name)).await?;
    Ok(no_content())
}

/// The users holding the role directly, by username, then `first`/`max` (default 100):
/// realm roles and client roles alike.
pub(crate) async fn holders(
    state: &AppState,
    realm: &RealmSnapshot,
    at: RoleAt,
    query: &Query,
) -> Result<Response, ApiError> {
    let page = query.page(DEFAULT_MAX_RESULTS)?;
    let users = roles::holders(state, realm, at.find(realm)?).await?;
    let reps: Vec<UserRepresentation> =
        page.apply(users).iter().map(user_to_representation).collect();
    Ok(Json(reps).into_response())
}

pub(crate) async fn list_role_users(
    AdminRealm { state, realm, .. }: AdminRealm<ViewRealm>,
    Path((_, role_name)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    holders(&state, &realm, RoleAt::Realm(role_name), &query).await
}
