//! `/admin/realms/{realm}/clients…` (`ClientsResource.java`, `ClientResource.java`;
//! spec §5.6): clients listed, created, read, updated and deleted by internal id, and
//! the client secret read and regenerated. The changes are `manage::clients`'.

use std::sync::Arc;

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::client::Client;
use latchkey_core::representation::{
    ClientAccess, ClientRepresentation, client_to_representation, user_to_representation,
};
use serde_json::json;

use super::auth::{
    Admin, AdminRealm, CreateClient, ManageClients, Permission, QueryClients, ViewClients,
};
use super::request::{Body, Query, created, no_content, path_segment, realm_url};
use crate::error::ApiError;
use crate::manage::clients;

/// Clients by `clientId`; the `clientId` filter is exact, or a case-insensitive
/// substring with `search=true`; then `first`/`max` (everything by default).
pub(crate) async fn list_clients(
    AdminRealm { realm, admin, .. }: AdminRealm<QueryClients>,
    query: Query,
) -> Result<Response, ApiError> {
    let page = query.page(usize::MAX)?;
    let is_search = query.boolean("search").unwrap_or(false);
    let wanted = query.get("clientId").filter(|v| !v.is_empty());
    let mut clients: Vec<&Arc<Client>> = realm
        .clients
        .values()
        .filter(|client| match wanted {
            None => true,
            Some(wanted) if is_search => {
                client.client_id.to_lowercase().contains(&wanted.to_lowercase())
            }
            Some(wanted) => client.client_id == wanted,
        })
        .collect();
    clients.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    let access = access(&admin, &realm.realm.name);
    let reps: Vec<ClientRepresentation> = page
        .apply(clients)
        .into_iter()
        .map(|client| ClientRepresentation {
            access: Some(access),
            ..client_to_representation(client)
        })
        .collect();
    Ok(Json(reps).into_response())
}

/// `ClientsResource.createClient`: 201 with `Location: …/clients/{id}`.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_client(
    AdminRealm { state, realm, caller, .. }: AdminRealm<CreateClient>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: ClientRepresentation = body.representation()?;
    let client = clients::create(&state, &realm, &rep).await?;
    let location = format!(
        "{}/clients/{}",
        realm_url(&caller.base_url, &realm.realm.name),
        path_segment(&client.id)
    );
    Ok(created(&location))
}

pub(crate) async fn get_client(
    AdminRealm { realm, admin, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let rep = ClientRepresentation {
        access: Some(access(&admin, &realm.realm.name)),
        ..client_to_representation(clients::find(&realm, &id)?)
    };
    Ok(Json(rep).into_response())
}

/// `access` of a client as `ClientPermissions.getAccess` words it for this caller:
/// `view`, `configure` and `manage`, the last two both from `manage-clients`.
fn access(admin: &Admin, realm: &str) -> ClientAccess {
    let manage = admin.allows(realm, Permission::ManageClients);
    ClientAccess { view: admin.allows(realm, Permission::ViewClients), configure: manage, manage }
}

/// The fields given replace the stored ones; `attributes` are merged. 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_client(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: ClientRepresentation = body.representation()?;
    clients::update(&state, &realm, &id, &rep).await?;
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_client(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    clients::remove(&state, &realm, &id).await?;
    Ok(no_content())
}

/// `{"type":"secret","value":…}` (a `CredentialRepresentation`); no `value` for a client
/// without a secret.
fn secret_body(client: &Client) -> Response {
    match &client.secret {
        Some(secret) => Json(json!({"type": "secret", "value": secret.expose()})).into_response(),
        None => Json(json!({"type": "secret"})).into_response(),
    }
}

pub(crate) async fn get_client_secret(
    AdminRealm { realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(secret_body(clients::find(&realm, &id)?))
}

/// `ClientResource.regenerateSecret`: a new random secret, answered in the same shape.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_client_secret(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let client = clients::regenerate_secret(&state, &realm, &id).await?;
    Ok(secret_body(&client))
}

/// `ClientResource.getServiceAccountUser`: the client's service-account user, created
/// on the spot if the client has service accounts on but no user yet; 400 when service
/// accounts are off.
pub(crate) async fn get_service_account_user(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let client = clients::find(&realm, &id)?;
    let user = clients::service_account_user(&state, &realm, client).await?;
    Ok(Json(user_to_representation(&user)).into_response())
}
