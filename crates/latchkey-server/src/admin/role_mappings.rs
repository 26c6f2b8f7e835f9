//! `…/users/{id}/role-mappings…` and `…/groups/{id}/role-mappings…`
//! (`RoleMapperResource.java`, `ClientRoleMappingsResource.java`; spec §5.5): the roles
//! mapped to a user or a group directly, and realm roles and one client's roles added,
//! removed, available (every role not mapped directly) and effective (`composite`:
//! through groups, the groups above and composites). The changes are
//! `manage::role_mappings`'.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::client::Client;
use latchkey_core::group::{Group, GroupTree};
use latchkey_core::representation::{
    RoleRepresentation, role_to_full_representation, role_to_representation,
};
use latchkey_core::role::Role;
use latchkey_core::user::User;
use serde_json::{Map, Value, json};

use super::auth::{AdminRealm, ManageUsers, ViewUsers};
use super::request::{Body, Query, no_content};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::manage::role_mappings::{self, Holder, Mapping};
use crate::manage::{clients, groups, users};
use crate::state::AppState;

pub(super) fn representations<'a>(
    roles: impl IntoIterator<Item = &'a Role>,
) -> Vec<RoleRepresentation> {
    roles.into_iter().map(role_to_representation).collect()
}

/// Whether a role belongs to `client`, or to the realm when `client` is `None`.
pub(super) fn belongs(role: &Role, client: Option<&Client>) -> bool {
    role.client_uuid.as_deref() == client.map(|client| client.id.as_str())
}

/// What a path's `{id}` names, loaded: a user, or a group with the realm's tree.
enum Loaded {
    User(User),
    Group(GroupTree, Group),
}

impl Loaded {
    async fn user(state: &AppState, realm: &RealmSnapshot, id: &str) -> Result<Self, ApiError> {
        Ok(Loaded::User(users::find(state, realm, id).await?))
    }

    async fn group(state: &AppState, realm: &RealmSnapshot, id: &str) -> Result<Self, ApiError> {
        let tree = groups::tree(state, realm).await?;
        let group = groups::find(&tree, id)?.clone();
        Ok(Loaded::Group(tree, group))
    }

    fn holder(&self) -> Holder<'_> {
        match self {
            Loaded::User(user) => Holder::User(user),
            Loaded::Group(tree, group) => Holder::Group(group, tree),
        }
    }
}

async fn all_mappings(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &Loaded,
) -> Result<Response, ApiError> {
    let roles = role_mappings::granted(state, realm, loaded.holder()).await?;
    Ok(Json(mappings_body(realm, roles)).into_response())
}

/// `{"realmMappings":[…],"clientMappings":{clientId:{"id","client","mappings"}}}`, each
/// part left out when empty: a holder's role mappings, and a client's or client scope's
/// scope mappings (`scope_mappings.rs`).
pub(super) fn mappings_body(realm: &RealmSnapshot, roles: Vec<&Role>) -> Value {
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
    Value::Object(body)
}

/// The roles of the realm (`client` `None`) or of a client mapped directly.
async fn list_granted(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &Loaded,
    client: Option<&str>,
) -> Result<Response, ApiError> {
    let client = client.map(|id| clients::find_for_user(realm, id)).transpose()?;
    let roles = role_mappings::granted(state, realm, loaded.holder()).await?;
    let roles = roles.into_iter().filter(|role| belongs(role, client));
    Ok(Json(representations(roles)).into_response())
}

/// Maps or takes away the roles the body names; a `DELETE` without a body takes away
/// every role of the realm (or of the client) mapped directly.
async fn change_granted(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &Loaded,
    client: Option<&str>,
    body: &Body,
    change: Mapping,
) -> Result<Response, ApiError> {
    let client = client.map(|id| clients::find_for_user(realm, id)).transpose()?;
    let named = match change {
        Mapping::Grant => Some(body.json::<Vec<RoleRepresentation>>()?),
        Mapping::Revoke => body.json_or_empty::<Vec<RoleRepresentation>>()?,
    };
    let roles = match named {
        Some(reps) => role_mappings::resolve(realm, client, &reps)?,
        None => role_mappings::granted(state, realm, loaded.holder())
            .await?
            .into_iter()
            .filter(|role| belongs(role, client))
            .collect(),
    };
    role_mappings::change(state, loaded.holder(), &roles, change).await?;
    Ok(no_content())
}

/// The roles of the realm or of a client the holder has through its mappings, groups and
/// composites (`composite`; `briefRepresentation=false` adds attributes).
async fn list_effective(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &Loaded,
    client: Option<&str>,
    query: &Query,
) -> Result<Response, ApiError> {
    let is_brief = query.boolean("briefRepresentation").unwrap_or(true);
    let client = client.map(|id| clients::find_for_user(realm, id)).transpose()?;
    let effective = role_mappings::effective(state, realm, loaded.holder()).await?;
    let roles: Vec<&Role> = match client {
        None => realm
            .roles
            .realm_roles()
            .into_iter()
            .filter(|role| effective.realm.contains(&role.name))
            .collect(),
        Some(client) => {
            let held = effective.clients.get(&client.client_id);
            realm
                .roles
                .client_roles(&client.id)
                .into_iter()
                .filter(|role| held.is_some_and(|names| names.contains(&role.name)))
                .collect()
        }
    };
    let reps: Vec<RoleRepresentation> = if is_brief {
        representations(roles)
    } else {
        roles.into_iter().map(role_to_full_representation).collect()
    };
    Ok(Json(reps).into_response())
}

/// The roles of the realm or of a client not mapped to the holder directly: roles held
/// through a group or a composite are still available (`facts-12.md` §1.8).
async fn list_available(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &Loaded,
    client: Option<&str>,
) -> Result<Response, ApiError> {
    let client = client.map(|id| clients::find_for_user(realm, id)).transpose()?;
    let granted = role_mappings::granted(state, realm, loaded.holder()).await?;
    let candidates = match client {
        None => realm.roles.realm_roles(),
        Some(client) => realm.roles.client_roles(&client.id),
    };
    let roles =
        candidates.into_iter().filter(|role| !granted.iter().any(|held| held.id == role.id));
    Ok(Json(representations(roles)).into_response())
}

// A user's mappings.

pub(crate) async fn get_role_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    all_mappings(&state, &realm, &Loaded::user(&state, &realm, &id).await?).await
}

pub(crate) async fn list_realm_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_granted(&state, &realm, &Loaded::user(&state, &realm, &id).await?, None).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_realm_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = Loaded::user(&state, &realm, &id).await?;
    change_granted(&state, &realm, &loaded, None, &body, Mapping::Grant).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_realm_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = Loaded::user(&state, &realm, &id).await?;
    change_granted(&state, &realm, &loaded, None, &body, Mapping::Revoke).await
}

pub(crate) async fn list_composite_realm_roles(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let loaded = Loaded::user(&state, &realm, &id).await?;
    list_effective(&state, &realm, &loaded, None, &query).await
}

pub(crate) async fn list_available_realm_roles(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_available(&state, &realm, &Loaded::user(&state, &realm, &id).await?, None).await
}

pub(crate) async fn list_client_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let loaded = Loaded::user(&state, &realm, &id).await?;
    list_granted(&state, &realm, &loaded, Some(&client)).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_client_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = Loaded::user(&state, &realm, &id).await?;
    change_granted(&state, &realm, &loaded, Some(&client), &body, Mapping::Grant).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_client_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = Loaded::user(&state, &realm, &id).await?;
    change_granted(&state, &realm, &loaded, Some(&client), &body, Mapping::Revoke).await
}

pub(crate) async fn list_composite_client_roles(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let loaded = Loaded::user(&state, &realm, &id).await?;
    list_effective(&state, &realm, &loaded, Some(&client), &query).await
}

pub(crate) async fn list_available_client_roles(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let loaded = Loaded::user(&state, &realm, &id).await?;
    list_available(&state, &realm, &loaded, Some(&client)).await
}

// A group's mappings (`GroupResource.getRoleMappings`: viewing needs what viewing the
// group does, changing what managing it does).

pub(crate) async fn get_group_role_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    all_mappings(&state, &realm, &Loaded::group(&state, &realm, &id).await?).await
}

pub(crate) async fn list_group_realm_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_granted(&state, &realm, &Loaded::group(&state, &realm, &id).await?, None).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_group_realm_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = Loaded::group(&state, &realm, &id).await?;
    change_granted(&state, &realm, &loaded, None, &body, Mapping::Grant).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_group_realm_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = Loaded::group(&state, &realm, &id).await?;
    change_granted(&state, &realm, &loaded, None, &body, Mapping::Revoke).await
}

pub(crate) async fn list_group_composite_realm_roles(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let loaded = Loaded::group(&state, &realm, &id).await?;
    list_effective(&state, &realm, &loaded, None, &query).await
}

pub(crate) async fn list_group_available_realm_roles(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_available(&state, &realm, &Loaded::group(&state, &realm, &id).await?, None).await
}

pub(crate) async fn list_group_client_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let loaded = Loaded::group(&state, &realm, &id).await?;
    list_granted(&state, &realm, &loaded, Some(&client)).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_group_client_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = Loaded::group(&state, &realm, &id).await?;
    change_granted(&state, &realm, &loaded, Some(&client), &body, Mapping::Grant).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_group_client_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ManageUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = Loaded::group(&state, &realm, &id).await?;
    change_granted(&state, &realm, &loaded, Some(&client), &body, Mapping::Revoke).await
}

pub(crate) async fn list_group_composite_client_roles(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let loaded = Loaded::group(&state, &realm, &id).await?;
    list_effective(&state, &realm, &loaded, Some(&client), &query).await
}

pub(crate) async fn list_group_available_client_roles(
    AdminRealm { state, realm, .. }: AdminRealm<ViewUsers>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let loaded = Loaded::group(&state, &realm, &id).await?;
    list_available(&state, &realm, &loaded, Some(&client)).await
}
