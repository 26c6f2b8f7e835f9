//! `…/clients/{id}/scope-mappings…` and `…/client-scopes/{id}/scope-mappings…`
//! (`ScopeMappedResource.java`, `ScopeMappedClientResource.java`; answers recorded from
//! 26.7.3 in `facts-12.md` §2.6): the realm roles and one client's roles in a client's or
//! a scope's scope, added, removed, available (not mapped directly) and effective
//! (`composite`). The changes are `manage::scope_mappings`'.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::client::Client;
use latchkey_core::client_scope::ClientScope;
use latchkey_core::representation::{RoleRepresentation, role_to_full_representation};
use latchkey_core::role::Role;

use super::auth::{AdminRealm, ManageClients, ViewClients};
use super::request::{Body, Query, no_content};
use super::role_mappings::{belongs, mappings_body, representations};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::manage::role_mappings::{self, Mapping};
use crate::manage::scope_mappings::{self, Scoped};
use crate::manage::{client_scopes, clients};
use crate::state::AppState;

/// What a path's `{id}` names, loaded.
enum Loaded {
    Client(std::sync::Arc<Client>),
    Scope(ClientScope),
}

impl Loaded {
    fn scoped(&self) -> Scoped<'_> {
        match self {
            Loaded::Client(client) => Scoped::Client(client),
            Loaded::Scope(scope) => Scoped::Scope(scope),
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Client,
    Scope,
}

async fn load(
    state: &AppState,
    realm: &RealmSnapshot,
    kind: Kind,
    id: &str,
) -> Result<Loaded, ApiError> {
    Ok(match kind {
        Kind::Client => Loaded::Client(clients::find(realm, id)?.clone()),
        Kind::Scope => Loaded::Scope(client_scopes::find(state, realm, id).await?),
    })
}

/// The client of `…/scope-mappings/clients/{client}` (`Could not find client`).
fn role_client<'a>(
    realm: &'a RealmSnapshot,
    client: Option<&str>,
) -> Result<Option<&'a Client>, ApiError> {
    Ok(client.map(|id| clients::find(realm, id).map(|client| client.as_ref())).transpose()?)
}

/// `{"realmMappings":[…],"clientMappings":{…}}` (`{}` for none), as a holder's role
/// mappings are written.
async fn all(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &Loaded,
) -> Result<Response, ApiError> {
    let roles = scope_mappings::granted(state, realm, loaded.scoped()).await?;
    Ok(Json(mappings_body(realm, roles)).into_response())
}

async fn list_granted(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &Loaded,
    client: Option<&str>,
) -> Result<Response, ApiError> {
    let client = role_client(realm, client)?;
    let roles = scope_mappings::granted(state, realm, loaded.scoped()).await?;
    Ok(Json(representations(roles.into_iter().filter(|role| belongs(role, client))))
        .into_response())
}

/// Adds or takes away the roles the body names (by `id` and `name`); a `DELETE` without a
/// body takes away every role of the realm (or of the client) mapped.
async fn change_granted(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &Loaded,
    client: Option<&str>,
    body: &Body,
    change: Mapping,
) -> Result<Response, ApiError> {
    let client = role_client(realm, client)?;
    let named = match change {
        Mapping::Grant => Some(body.json::<Vec<RoleRepresentation>>()?),
        Mapping::Revoke => body.json_or_empty::<Vec<RoleRepresentation>>()?,
    };
    let roles = match named {
        Some(reps) => role_mappings::resolve(realm, client, &reps)?,
        None => scope_mappings::granted(state, realm, loaded.scoped())
            .await?
            .into_iter()
            .filter(|role| belongs(role, client))
            .collect(),
    };
    scope_mappings::change(state, realm, loaded.scoped(), &roles, change).await?;
    Ok(no_content())
}

async fn list_effective(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &Loaded,
    client: Option<&str>,
    query: &Query,
) -> Result<Response, ApiError> {
    let is_brief = query.boolean("briefRepresentation").unwrap_or(true);
    let client = role_client(realm, client)?;
    let effective = scope_mappings::effective(state, realm, loaded.scoped()).await?;
    let candidates = match client {
        None => realm.roles.realm_roles(),
        Some(client) => realm.roles.client_roles(&client.id),
    };
    let roles: Vec<&Role> = candidates
        .into_iter()
        .filter(|role| match (&effective, client) {
            (None, _) => true,
            (Some(effective), None) => effective.realm.contains(&role.name),
            (Some(effective), Some(client)) => effective
                .clients
                .get(&client.client_id)
                .is_some_and(|names| names.contains(&role.name)),
        })
        .collect();
    let reps: Vec<RoleRepresentation> = if is_brief {
        representations(roles)
    } else {
        roles.into_iter().map(role_to_full_representation).collect()
    };
    Ok(Json(reps).into_response())
}

async fn list_available(
    state: &AppState,
    realm: &RealmSnapshot,
    loaded: &Loaded,
    client: Option<&str>,
) -> Result<Response, ApiError> {
    let client = role_client(realm, client)?;
    let granted = scope_mappings::granted(state, realm, loaded.scoped()).await?;
    let candidates = match client {
        None => realm.roles.realm_roles(),
        Some(client) => realm.roles.client_roles(&client.id),
    };
    let roles =
        candidates.into_iter().filter(|role| !granted.iter().any(|held| held.id == role.id));
    Ok(Json(representations(roles)).into_response())
}

// A client's scope mappings.

pub(crate) async fn get_client_scope_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    all(&state, &realm, &load(&state, &realm, Kind::Client, &id).await?).await
}

pub(crate) async fn get_scope_scope_mappings(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    all(&state, &realm, &load(&state, &realm, Kind::Scope, &id).await?).await
}

pub(crate) async fn list_client_realm_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_granted(&state, &realm, &load(&state, &realm, Kind::Client, &id).await?, None).await
}

pub(crate) async fn list_scope_realm_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_granted(&state, &realm, &load(&state, &realm, Kind::Scope, &id).await?, None).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_client_realm_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Client, &id).await?;
    change_granted(&state, &realm, &loaded, None, &body, Mapping::Grant).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_scope_realm_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Scope, &id).await?;
    change_granted(&state, &realm, &loaded, None, &body, Mapping::Grant).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_client_realm_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Client, &id).await?;
    change_granted(&state, &realm, &loaded, None, &body, Mapping::Revoke).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_scope_realm_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Scope, &id).await?;
    change_granted(&state, &realm, &loaded, None, &body, Mapping::Revoke).await
}

pub(crate) async fn list_client_realm_scope_available(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_available(&state, &realm, &load(&state, &realm, Kind::Client, &id).await?, None).await
}

pub(crate) async fn list_scope_realm_scope_available(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    list_available(&state, &realm, &load(&state, &realm, Kind::Scope, &id).await?, None).await
}

pub(crate) async fn list_client_realm_scope_composite(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Client, &id).await?;
    list_effective(&state, &realm, &loaded, None, &query).await
}

pub(crate) async fn list_scope_realm_scope_composite(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Scope, &id).await?;
    list_effective(&state, &realm, &loaded, None, &query).await
}

pub(crate) async fn list_client_client_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Client, &id).await?;
    list_granted(&state, &realm, &loaded, Some(&client)).await
}

pub(crate) async fn list_scope_client_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Scope, &id).await?;
    list_granted(&state, &realm, &loaded, Some(&client)).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_client_client_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, client)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Client, &id).await?;
    change_granted(&state, &realm, &loaded, Some(&client), &body, Mapping::Grant).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_scope_client_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, client)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Scope, &id).await?;
    change_granted(&state, &realm, &loaded, Some(&client), &body, Mapping::Grant).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_client_client_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, client)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Client, &id).await?;
    change_granted(&state, &realm, &loaded, Some(&client), &body, Mapping::Revoke).await
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_scope_client_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, client)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Scope, &id).await?;
    change_granted(&state, &realm, &loaded, Some(&client), &body, Mapping::Revoke).await
}

pub(crate) async fn list_client_client_scope_available(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Client, &id).await?;
    list_available(&state, &realm, &loaded, Some(&client)).await
}

pub(crate) async fn list_scope_client_scope_available(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, client)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Scope, &id).await?;
    list_available(&state, &realm, &loaded, Some(&client)).await
}

pub(crate) async fn list_client_client_scope_composite(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, client)): Path<(String, String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Client, &id).await?;
    list_effective(&state, &realm, &loaded, Some(&client), &query).await
}

pub(crate) async fn list_scope_client_scope_composite(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, client)): Path<(String, String, String)>,
    query: Query,
) -> Result<Response, ApiError> {
    let loaded = load(&state, &realm, Kind::Scope, &id).await?;
    list_effective(&state, &realm, &loaded, Some(&client), &query).await
}
