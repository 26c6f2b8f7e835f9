//! `/admin/realms/{realm}/groups…`, `…/group-by-path/{path}`, `…/users/{id}/groups…`,
//! `…/default-groups…` and `…/roles/{role}/groups` (`GroupsResource.java`,
//! `GroupResource.java`, `UserResource.java`, `RealmAdminResource.java`,
//! `RoleContainerResource.java`; answers recorded from 26.7.3 in `facts-12.md` §1 and
//! §3.4). Listings are answered from the realm's tree (`latchkey_core::group`); the
//! changes are `manage::groups`'.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::group::{
    Group, GroupTree, child_name_matches, name_matches, parse_attribute_query,
};
use latchkey_core::representation::{
    GroupAccess, GroupRepresentation, GroupView, UserRepresentation, group_to_representation,
    node_to_representation, user_to_representation,
};
use serde_json::json;

use super::auth::{
    Admin, AdminRealm, ManageRealm, ManageUsers, Permission, QueryGroups, ViewClients, ViewRealm,
    ViewUsers,
};
use super::request::{
    Body, DEFAULT_MAX_RESULTS, Page, Query, created, created_with, no_content, path_segment,
    realm_url,
};
use super::users::brief;
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::manage::groups::{self, Placed};
use crate::manage::roles::RoleAt;
use crate::manage::users;
use crate::state::AppState;

/// What the caller may do with the realm's groups (`GroupPermissions.getAccess`).
fn access(admin: &Admin, realm: &RealmSnapshot) -> GroupAccess {
    let name = &realm.realm.name;
    let may_view = admin.allows(name, Permission::ViewUsers);
    let may_manage = admin.allows(name, Permission::ManageUsers);
    GroupAccess {
        view: may_view,
        view_members: may_view,
        manage_members: may_manage,
        manage: may_manage,
        manage_membership: may_manage,
    }
}

/// A group as the Admin API's group resources write one.
fn one(
    tree: &GroupTree,
    realm: &RealmSnapshot,
    group: &Group,
    view: &GroupView,
) -> GroupRepresentation {
    group_to_representation(tree, &realm.roles, group, view)
}

/// `{"count": n}`.
fn count_body(count: usize) -> Response {
    Json(json!({"count": count})).into_response()
}

/// `GET …/groups`: without `search` or `q`, the top-level groups; with them, the matches
/// at any depth (`search`: the name contains it in any case, or equals it with
/// `exact=true`; `q=key:value …`: attributes, exactly). Matches come by name, paged
/// (`first`, `max`, everything by default), and with `populateHierarchy` (the default)
/// inside the groups above them. Brief by default (`briefRepresentation`), with
/// `subGroupCount` unless `subGroupsCount=false`.
pub(crate) async fn list_groups(
    AdminRealm { state, realm, admin, .. }: AdminRealm<QueryGroups>,
    query: Query,
) -> Result<Response, ApiError> {
    let page = query.page(usize::MAX)?;
    let view = GroupView {
        full: !query.boolean("briefRepresentation").unwrap_or(true),
        sub_group_count: query.boolean("subGroupsCount").unwrap_or(true),
        access: Some(access(&admin, &realm)),
    };
    let populate = query.boolean("populateHierarchy").unwrap_or(true);
    let tree = groups::tree(&state, &realm).await?;
    let matches: Vec<&Group> = if let Some(q) = query.get("q") {
        tree.search_attributes(&parse_attribute_query(q))
    } else if let Some(search) = query.get("search") {
        tree.search(search.trim(), query.boolean("exact").unwrap_or(false))
    } else {
        tree.top_level()
    };
    let matches = page.apply(matches);
    let reps: Vec<GroupRepresentation> = if populate {
        tree.hierarchy(&matches)
            .iter()
            .map(|node| node_to_representation(&tree, &realm.roles, node, &view))
            .collect()
    } else {
        matches.into_iter().map(|group| one(&tree, &realm, group, &view)).collect()
    };
    Ok(Json(reps).into_response())
}

/// `GET …/groups/count`: every group at any depth, only the top level with `top=true`,
/// or those whose name contains `search` in any case.
pub(crate) async fn count_groups(
    AdminRealm { state, realm, .. }: AdminRealm<QueryGroups>,
    query: Query,
) -> Result<Response, ApiError> {
    let tree = groups::tree(&state, &realm).await?;
    let count = match query.get("search") {
        Some(search) => tree.search(search.trim(), false).len(),
        None if query.boolean("top").unwrap_or(false) => tree.top_level().len(),
        None => tree.len(),
    };
    Ok(count_body(count))
}

/// `POST …/groups` or `…/groups/{id}/children`: a new group (201 with `Location`; a child
/// also with its representation), or an existing one moved there (`id` in the body:
/// 204).
async fn place(
    admin: &AdminRealm<ManageUsers>,
    parent: Option<&str>,
    body: &Body,
) -> Result<Response, ApiError> {
    let (state, realm) = (&admin.state, &admin.realm);
    let rep: GroupRepresentation = body.representation()?;
    let group = match groups::create_or_move(state, realm, parent, &rep).await? {
        Placed::Moved => return Ok(no_content()),
        Placed::Created(group) => group,
    };
    let location = format!(
        "{}/groups/{}",
        realm_url(&admin.caller.base_url, &realm.realm.name),
        path_segment(&group.id)
    );
    if parent.is_none() {
        return Ok(created(&location));
    }
    let tree = groups::tree(state, realm).await?;
    let access = Some(access(&admin.admin, realm));
    let view = GroupView { full: true, sub_group_count: false, access };
    Ok(created_with(&location, &one(&tree, realm, &group, &view)))
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn post_group(
    admin: AdminRealm<ManageUsers>,
    body: Body,
) -> Result<Response, ApiError> {
    place(&admin, None, &body).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn post_child(
    admin: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    place(&admin, Some(&id), &body).await
}

/// `GET …/groups/{id}`: full, with `subGroupCount` and `access`.
pub(crate) async fn get_group(
    AdminRealm { state, realm, admin, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let tree = groups::tree(&state, &realm).await?;
    let group = groups::find(&tree, &id)?;
    let view =
        GroupView { full: true, sub_group_count: true, access: Some(access(&admin, &realm)) };
    Ok(Json(one(&tree, &realm, group, &view)).into_response())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_group(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: GroupRepresentation = body.representation()?;
    groups::update(&state, &realm, &id, &rep).await?;
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_group(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    groups::remove(&state, &realm, &id).await?;
    Ok(no_content())
}

/// `GET …/groups/{id}/children`: the groups directly below, by name; `search` keeps
/// names starting with it in any case (`exact=true`: equal to it), then `first` (0) and
/// `max` (10). Full by default, with `subGroupCount` unless `subGroupsCount=false`.
pub(crate) async fn list_children(
    AdminRealm { state, realm, admin, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let page = query.page(10)?;
    let view = GroupView {
        full: !query.boolean("briefRepresentation").unwrap_or(false),
        sub_group_count: query.boolean("subGroupsCount").unwrap_or(true),
        access: Some(access(&admin, &realm)),
    };
    let is_exact = query.boolean("exact").unwrap_or(false);
    let search = query.get("search").unwrap_or_default();
    let tree = groups::tree(&state, &realm).await?;
    let parent = groups::find(&tree, &id)?;
    let children = tree
        .children(&parent.id)
        .into_iter()
        .filter(|child| search.is_empty() || child_name_matches(child, search, is_exact));
    let reps: Vec<GroupRepresentation> =
        page.apply(children).into_iter().map(|group| one(&tree, &realm, group, &view)).collect();
    Ok(Json(reps).into_response())
}

/// `GET …/groups/{id}/members`: the direct members by username, `first`/`max` (100),
/// full unless `briefRepresentation=true`.
pub(crate) async fn list_members(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let page = query.page(DEFAULT_MAX_RESULTS)?;
    let is_brief = query.boolean("briefRepresentation").unwrap_or(false);
    let tree = groups::tree(&state, &realm).await?;
    let group = groups::find(&tree, &id)?;
    let members = groups::members(&state, &realm, group, page.first, page.max).await?;
    let reps: Vec<UserRepresentation> = members
        .iter()
        .map(|user| if is_brief { brief(user) } else { user_to_representation(user) })
        .collect();
    Ok(Json(reps).into_response())
}

/// `GET …/group-by-path/{path}`: full, with `subGroupCount`, no `access`.
pub(crate) async fn get_group_by_path(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, path)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let tree = groups::tree(&state, &realm).await?;
    let group = tree
        .find_by_path(&path)
        .ok_or(crate::manage::ManageError::NotFound(crate::manage::Missing::GroupPath))?;
    let view = GroupView { full: true, sub_group_count: true, access: None };
    Ok(Json(one(&tree, &realm, group, &view)).into_response())
}

/// The groups of a user listing or a role's holders: brief (`id`, `name`, `path`,
/// `parentId`, `subGroups`) unless `full`, never `subGroupCount` nor `access`.
fn plain_list<'a>(
    tree: &GroupTree,
    realm: &RealmSnapshot,
    groups: impl IntoIterator<Item = &'a Group>,
    full: bool,
) -> Response {
    let view = GroupView { full, ..GroupView::default() };
    let reps: Vec<GroupRepresentation> =
        groups.into_iter().map(|group| one(tree, realm, group, &view)).collect();
    Json(reps).into_response()
}

/// The user's groups that a `search` (the name contains it, any case) keeps.
async fn user_groups<'a>(
    state: &AppState,
    realm: &RealmSnapshot,
    tree: &'a GroupTree,
    id: &str,
    query: &Query,
) -> Result<Vec<&'a Group>, ApiError> {
    let user = users::find(state, realm, id).await?;
    let groups = groups::of_user(state, tree, &user).await?;
    let search = query.get("search").map(str::trim).unwrap_or_default();
    Ok(groups.into_iter().filter(|g| search.is_empty() || name_matches(g, search, false)).collect())
}

/// `GET …/users/{id}/groups`: the groups the user is a member of (not those above them),
/// by name; `search`, `first`/`max` (100), brief unless `briefRepresentation=false`.
pub(crate) async fn list_user_groups(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let page = query.page(DEFAULT_MAX_RESULTS)?;
    let full = !query.boolean("briefRepresentation").unwrap_or(true);
    let tree = groups::tree(&state, &realm).await?;
    let groups = user_groups(&state, &realm, &tree, &id, &query).await?;
    Ok(plain_list(&tree, &realm, page.apply(groups), full))
}

/// `GET …/users/{id}/groups/count`: `{"count": n}`, with `search` as the listing's.
pub(crate) async fn count_user_groups(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let tree = groups::tree(&state, &realm).await?;
    Ok(count_body(user_groups(&state, &realm, &tree, &id, &query).await?.len()))
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_user_group(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id, group)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let user = users::find(&state, &realm, &id).await?;
    groups::join(&state, &realm, &user, &group).await?;
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_user_group(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id, group)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let user = users::find(&state, &realm, &id).await?;
    groups::leave(&state, &realm, &user, &group).await?;
    Ok(no_content())
}

/// `GET …/default-groups`: brief, in the order they were made default.
pub(crate) async fn list_default_groups(
    AdminRealm { state, realm, .. }: AdminRealm<ViewRealm>,
) -> Result<Response, ApiError> {
    let tree = groups::tree(&state, &realm).await?;
    let defaults = groups::defaults(&state, &realm, &tree).await?;
    Ok(plain_list(&tree, &realm, defaults, false))
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_default_group(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, group)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    groups::set_default(&state, &realm, &group, true).await?;
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_default_group(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, group)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    groups::set_default(&state, &realm, &group, false).await?;
    Ok(no_content())
}

/// The groups a role is mapped to directly, by name, `first`/`max` (100), brief unless
/// `briefRepresentation=false` (`RoleContainerResource.getGroupsInRole`).
async fn role_holders(
    state: &AppState,
    realm: &RealmSnapshot,
    at: RoleAt,
    query: &Query,
) -> Result<Response, ApiError> {
    let page: Page = query.page(DEFAULT_MAX_RESULTS)?;
    let full = !query.boolean("briefRepresentation").unwrap_or(true);
    let role = at.find(realm)?;
    let tree = groups::tree(state, realm).await?;
    Ok(plain_list(&tree, realm, page.apply(tree.holding_role(&role.id)), full))
}

pub(crate) async fn list_role_groups(
    AdminRealm { state, realm, .. }: AdminRealm<ViewRealm>,
    Path((_, role)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    role_holders(&state, &realm, RoleAt::Realm(role), &query).await
}

pub(crate) async fn list_client_role_groups(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, role)): Path<(String, String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    role_holders(&state, &realm, RoleAt::Client(id, role), &query).await
}
