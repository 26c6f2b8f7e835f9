//! `/admin/realms/{realm}/clients…` (`ClientsResource.java`, `ClientResource.java`;
//! spec §5.6): clients listed, created, read, updated and deleted by internal id, and
//! the client secret read and regenerated.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::client::Client;
use latchkey_core::grant::client_credentials::service_account_username;
use latchkey_core::representation::{
    ClientRepresentation, apply_client_representation, client_from_representation,
    client_to_representation, user_to_representation,
};
use latchkey_core::secret::Secret;
use latchkey_core::store::{Store, StoreError, UserBundle};
use latchkey_core::user::{User, UserProfile};
use serde_json::json;

use super::auth::open_realm;
use super::request::{Body, Query, created, no_content, path_segment, realm_url};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

fn client_not_found() -> ApiError {
    ApiError::plain(StatusCode::NOT_FOUND, "Could not find client")
}

fn client_exists(client_id: &str) -> ApiError {
    ApiError::conflict(format!("Client {client_id} already exists"))
}

/// The client with this internal id (the `id` of the Admin API).
pub(crate) fn find_client<'a>(
    realm: &'a RealmSnapshot,
    id: &str,
) -> Result<&'a Arc<Client>, ApiError> {
    realm.clients.values().find(|client| client.id == id).ok_or_else(client_not_found)
}

/// Clients by `clientId`; the `clientId` filter is exact, or a case-insensitive
/// substring with `search=true`; then `first`/`max` (everything by default).
pub(crate) async fn list_clients(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let page = query.page(usize::MAX)?;
    let is_search = query.boolean("search")?.unwrap_or(false);
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
    let reps: Vec<ClientRepresentation> =
        page.apply(clients).into_iter().map(|client| client_to_representation(client)).collect();
    Ok(Json(reps).into_response())
}

/// `ClientsResource.createClient`: 201 with `Location: …/clients/{id}`. A confidential
/// client with service accounts gets its service-account user, holding the realm's
/// default role (`ClientManager.enableServiceAccount`).
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_client(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let rep: ClientRepresentation = body.json()?;
    let client = create_client(&state, &realm, &rep).await?;
    let location = format!(
        "{}/clients/{}",
        realm_url(&caller.base_url, &realm_name),
        path_segment(&client.id)
    );
    Ok(created(&location))
}

/// Creates a client (`POST …/clients` and the console's "Create client"): 400 without a
/// client id, 409 when it is taken; a confidential client with service accounts gets its
/// service-account user.
pub(crate) async fn create_client(
    state: &AppState,
    realm: &RealmSnapshot,
    rep: &ClientRepresentation,
) -> Result<Client, ApiError> {
    if rep.client_id.trim().is_empty() {
        return Err(ApiError::bad_request("Client id is missing"));
    }
    if realm.client(&rep.client_id).is_some() {
        return Err(client_exists(&rep.client_id));
    }
    let client = client_from_representation(rep, &realm.realm.id);
    match state.store.insert_client(&client).await {
        Err(StoreError::Conflict(_)) => return Err(client_exists(&rep.client_id)),
        other => other?,
    }
    if client.settings.service_accounts_enabled && client.secret.is_some() {
        add_service_account(state, realm, &client).await?;
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(client_id = %client.client_id, "client created");
    Ok(client)
}

pub(crate) async fn add_service_account(
    state: &AppState,
    realm: &RealmSnapshot,
    client: &Client,
) -> Result<(), ApiError> {
    let default_role = realm
        .realm
        .settings
        .default_role
        .as_deref()
        .and_then(|name| realm.roles.find_realm_role(name))
        .map(|role| role.id.clone());
    let user = User {
        id: latchkey_core::random::uuid(),
        realm_id: realm.realm.id.clone(),
        username: service_account_username(&client.client_id),
        enabled: true,
        created_timestamp: state.clock.now().0,
        profile: UserProfile {
            service_account_client_id: Some(client.client_id.clone()),
            ..UserProfile::default()
        },
    };
    let bundle = UserBundle { user, password: None, role_ids: default_role.into_iter().collect() };
    match state.store.insert_user_bundle(&bundle).await {
        // A user of that name exists already: it stays as it is.
        Err(StoreError::Conflict(_)) => Ok(()),
        other => Ok(other?),
    }
}

pub(crate) async fn get_client(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    Ok(Json(client_to_representation(find_client(&realm, &id)?)).into_response())
}

/// The fields given replace the stored ones; `attributes` are merged.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn put_client(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let rep: ClientRepresentation = body.json()?;
    update_client(&state, &realm, &id, &rep).await?;
    Ok(no_content())
}

/// Applies `rep` to the client with internal id `id` (`PUT …/clients/{id}` and the
/// console's client details): 404 when unknown, 409 on a taken client id.
pub(crate) async fn update_client(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
    rep: &ClientRepresentation,
) -> Result<Client, ApiError> {
    let stored = find_client(realm, id)?;
    let mut client = Client::clone(stored);
    apply_client_representation(&mut client, rep);
    if client.client_id != stored.client_id && realm.client(&client.client_id).is_some() {
        return Err(client_exists(&client.client_id));
    }
    match state.store.update_client(&client).await {
        Err(StoreError::Conflict(_)) => return Err(client_exists(&client.client_id)),
        Err(StoreError::NotFound(_)) => return Err(client_not_found()),
        other => other?,
    }
    // Turning service accounts on makes the service-account user, as creation does.
    if client.settings.service_accounts_enabled
        && !stored.settings.service_accounts_enabled
        && client.secret.is_some()
    {
        add_service_account(state, realm, &client).await?;
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(client_id = %client.client_id, "client updated");
    Ok(client)
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_client(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    remove_client(&state, &realm, &id).await?;
    Ok(no_content())
}

/// Deletes the client (by internal id) and its roles; 404 when unknown.
pub(crate) async fn remove_client(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ApiError> {
    let client = find_client(realm, id)?;
    match state.store.delete_client(&realm.realm.id, &client.id).await {
        Err(StoreError::NotFound(_)) => return Err(client_not_found()),
        other => other?,
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(client_id = %client.client_id, "client deleted");
    Ok(())
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
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    Ok(secret_body(find_client(&realm, &id)?))
}

/// `ClientResource.regenerateSecret`: a new random secret, answered in the same shape.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn post_client_secret(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let client = regenerate_secret(&state, &realm, &id).await?;
    Ok(secret_body(&client))
}

/// Gives the client a new random secret (the Admin API's and the console's "Regenerate").
pub(crate) async fn regenerate_secret(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<Client, ApiError> {
    let mut client = Client::clone(find_client(realm, id)?);
    client.secret = Some(Secret::generate());
    state.store.update_client(&client).await?;
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(client_id = %client.client_id, "client secret regenerated");
    Ok(client)
}

/// `ClientResource.getServiceAccountUser`: the client's service-account user, created
/// on the spot if the client has service accounts on but no user yet; 400 when service
/// accounts are off.
pub(crate) async fn get_service_account_user(
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    let client = find_client(&realm, &id)?;
    let username = service_account_username(&client.client_id);
    let realm_id = &realm.realm.id;
    let mut user = state.store.find_user_by_username(realm_id, &username).await?;
    if user.is_none() {
        if !client.settings.service_accounts_enabled {
            return Err(ApiError::ServiceAccountDisabled { client_id: client.client_id.clone() });
        }
        add_service_account(&state, &realm, client).await?;
        user = state.store.find_user_by_username(realm_id, &username).await?;
    }
    let user = user.ok_or_else(|| ApiError::Internal("service account user vanished".into()))?;
    Ok(Json(user_to_representation(&user)).into_response())
}
