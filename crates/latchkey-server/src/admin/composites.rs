//! `…/roles/{role}/composites…` for realm roles and `…/clients/{id}/roles/{role}/composites…`
//! for client roles (`RoleContainerResource.java`: `getRoleComposites`,
//! `addComposites`, `deleteComposites`, `getRealmRoleComposites`,
//! `getClientRoleComposites`). Composites are named by id in request bodies; one that
//! does not resolve is 404 `Could not find composite role` and nothing changes.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{RoleRepresentation, role_to_representation};
use latchkey_core::role::Role;
use latchkey_core::store::Store;

use super::auth::open_realm;
use super::clients::find_client;
use super::request::{Body, no_content};
use super::roles::role_not_found;
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

/// The role a path names: a realm role by name, or a client's role by the client's
/// internal id and the role's name.
pub(crate) enum RoleAt {
    Realm(String),
    Client(String, String),
}

impl RoleAt {
    pub(crate) fn find<'a>(&self, realm: &'a RealmSnapshot) -> Result<&'a Role, ApiError> {
        match self {
            RoleAt::Realm(name) => realm.roles.find_realm_role(name).ok_or_else(role_not_found),
            RoleAt::Client(id, name) => {
                let client = find_client(realm, id)?;
                realm.roles.find_client_role(&client.id, name).ok_or_else(role_not_found)
            }
        }
    }
}

/// Which of a role's composites a listing shows.
enum Only<'a> {
    All,
    Realm,
    Client(&'a str),
}

async fn list(
    state: &AppState,
    caller: &Caller,
    realm_name: &str,
    at: RoleAt,
    only: Only<'_>,
) -> Result<Response, ApiError> {
    let realm = open_realm(state, caller, realm_name).await?;
    let role = at.find(&realm)?;
    let client_uuid = match only {
        Only::Client(id) => Some(find_client(&realm, id)?.id.as_str()),
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

/// The ids a body of role representations names, each checked to be a role of the realm.
fn composite_ids(realm: &RealmSnapshot, body: &Body) -> Result<Vec<String>, ApiError> {
    let reps: Vec<RoleRepresentation> = body.json()?;
    reps.iter()
        .map(|rep| {
            rep.id
                .as_deref()
                .and_then(|id| realm.roles.get(id))
                .map(|role| role.id.clone())
                .ok_or_else(|| {
                    ApiError::plain(
                        axum::http::StatusCode::NOT_FOUND,
                        "Could not find composite role",
                    )
                })
        })
        .collect()
}

async fn change(
    state: &AppState,
    caller: &Caller,
    realm_name: &str,
    at: RoleAt,
    body: &Body,
    add: bool,
) -> Result<Response, ApiError> {
    let realm = open_realm(state, caller, realm_name).await?;
    let role = at.find(&realm)?;
    let ids = composite_ids(&realm, body)?;
    if add {
        state.store.add_composites(&role.id, &ids).await?;
    } else {
        state.store.remove_composites(&role.id, &ids).await?;
    }
    state.realms.invalidate(realm_name);
    tracing::info!(role = %role.name, count = ids.len(), add, "composites changed");
    Ok(no_content())
}

pub(crate) async fn list_realm_role_composites(
    State(state): State<AppState>,
    Path((realm_name, role)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    list(&state, &caller, &realm_name, RoleAt::Realm(role), Only::All).await
}

pub(crate) async fn list_realm_role_realm_composites(
    State(state): State<AppState>,
    Path((realm_name, role)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    list(&state, &caller, &realm_name, RoleAt::Realm(role), Only::Realm).await
}

pub(crate) async fn list_realm_role_client_composites(
    State(state): State<AppState>,
    Path((realm_name, role, client)): Path<(String, String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    list(&state, &caller, &realm_name, RoleAt::Realm(role), Only::Client(&client)).await
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_realm_role_composites(
    State(state): State<AppState>,
    Path((realm_name, role)): Path<(String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    change(&state, &caller, &realm_name, RoleAt::Realm(role), &body, true).await
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_realm_role_composites(
    State(state): State<AppState>,
    Path((realm_name, role)): Path<(String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    change(&state, &caller, &realm_name, RoleAt::Realm(role), &body, false).await
}

pub(crate) async fn list_client_role_composites(
    State(state): State<AppState>,
    Path((realm_name, id, role)): Path<(String, String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    list(&state, &caller, &realm_name, RoleAt::Client(id, role), Only::All).await
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_client_role_composites(
    State(state): State<AppState>,
    Path((realm_name, id, role)): Path<(String, String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    change(&state, &caller, &realm_name, RoleAt::Client(id, role), &body, true).await
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_client_role_composites(
    State(state): State<AppState>,
    Path((realm_name, id, role)): Path<(String, String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    change(&state, &caller, &realm_name, RoleAt::Client(id, role), &body, false).await
}
