//! Clients (`ClientsResource`, `ClientResource`): found by internal id, created (a
//! confidential client with service accounts gets its service-account user), updated,
//! deleted, given a new secret.

use std::collections::BTreeMap;
use std::sync::Arc;

use latchkey_core::client::Client;
use latchkey_core::grant::client_credentials::service_account_username;
use latchkey_core::representation::limits;
use latchkey_core::representation::{
    ClientRepresentation, apply_client_representation, client_from_representation,
};
use latchkey_core::secret::Secret;
use latchkey_core::store::{Store, StoreError, UserBundle};
use latchkey_core::user::{User, UserProfile};

use super::{Field, ManageError, Missing, Reason};
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// The client with this internal id (the `id` of the Admin API).
pub(crate) fn find<'a>(realm: &'a RealmSnapshot, id: &str) -> Result<&'a Arc<Client>, ManageError> {
    realm
        .clients
        .values()
        .find(|client| client.id == id)
        .ok_or(ManageError::NotFound(Missing::Client))
}

/// The client a user's sub-resource names by internal id (`…/role-mappings/clients/{client}`,
/// `…/offline-sessions/{client}`), where Keycloak words its absence differently.
pub(crate) fn find_for_user<'a>(
    realm: &'a RealmSnapshot,
    id: &str,
) -> Result<&'a Client, ManageError> {
    realm
        .clients
        .values()
        .find(|client| client.id == id)
        .map(|client| client.as_ref())
        .ok_or(ManageError::NotFound(Missing::MappedClient))
}

/// Creates a client from `rep` (`ClientsResource.createClient`): the client id is
/// required and must be free; its scopes are the realm's current default and optional
/// scopes unless the body names some (`client_scopes::initial_scopes`); a confidential client with service accounts gets its
/// service-account user, holding the realm's default role
/// (`ClientManager.enableServiceAccount`).
pub(crate) async fn create(
    state: &AppState,
    realm: &RealmSnapshot,
    rep: &ClientRepresentation,
) -> Result<Client, ManageError> {
    if !rep.client_id.is_empty() && rep.client_id.trim().is_empty() {
        return Err(ManageError::invalid(Field::ClientId, Reason::Missing));
    }
    limits::check_client_representation(rep)?;
    limits::check_client_sessions(
        rep.attributes.as_ref().unwrap_or(&BTreeMap::new()),
        &realm.realm.settings.tokens,
    )?;
    if realm.client(&rep.client_id).is_some() {
        return Err(ManageError::ClientIdTaken(rep.client_id.clone()));
    }
    let mut client = client_from_representation(rep, &realm.realm.id);
    // Keycloak 26.7.3 (`ClientsResource.createClient`, observed): a client without a
    // `clientId` takes its generated id as one; a client made through the Admin API is
    // marked `realm_client: "false"`, and a confidential one records when its secret was made.
    if client.client_id.is_empty() {
        client.client_id.clone_from(&client.id);
    }
    super::client_scopes::initial_scopes(
        state,
        realm,
        &mut client,
        (rep.default_client_scopes.as_deref(), rep.optional_client_scopes.as_deref()),
    )
    .await?;
    let attributes = &mut client.settings.attributes;
    attributes.entry(REALM_CLIENT.to_owned()).or_insert_with(|| "false".to_owned());
    if client.secret.is_some() {
        stamp_secret_creation(state, &mut client);
    }
    match state.store.insert_client(&client).await {
        Err(StoreError::Conflict(_)) => {
            return Err(ManageError::ClientIdTaken(rep.client_id.clone()));
        }
        other => other?,
    }
    if client.settings.service_accounts_enabled && client.secret.is_some() {
        add_service_account(state, realm, &client).await?;
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(client_id = %client.client_id, "client created");
    Ok(client)
}

/// The attribute Keycloak sets on the clients it makes for a realm's own administration
/// (`"true"`) and on every other client (`"false"`).
const REALM_CLIENT: &str = "realm_client";

/// `client.secret.creation.time`: when the client's secret was made, in epoch seconds
/// (`ClientResource.regenerateSecret`, `RepresentationToModel.createClient`).
fn stamp_secret_creation(state: &AppState, client: &mut Client) {
    let seconds = state.clock.now().0 / 1000;
    client
        .settings
        .attributes
        .insert("client.secret.creation.time".to_owned(), seconds.to_string());
}

/// Creates the client's service-account user, unless a user of that name exists.
async fn add_service_account(
    state: &AppState,
    realm: &RealmSnapshot,
    client: &Client,
) -> Result<(), ManageError> {
    let default_role = super::roles::default_role_id(realm);
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
    let bundle = UserBundle::new(user, None, default_role.into_iter().collect());
    match state.store.insert_user_bundle(&bundle).await {
        // A user of that name exists already: it stays as it is.
        Err(StoreError::Conflict(_)) => Ok(()),
        other => Ok(other?),
    }
}

/// Applies `rep` to the client with internal id `id` (`ClientResource.update`): the
/// fields given replace the stored ones, `attributes` are merged, a new client id must
/// be free; turning service accounts on makes the service-account user.
pub(crate) async fn update(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
    rep: &ClientRepresentation,
) -> Result<Client, ManageError> {
    let stored = find(realm, id)?;
    limits::check_client_representation(rep)?;
    let mut client = Client::clone(stored);
    apply_client_representation(&mut client, rep);
    limits::check_client_sessions(&client.settings.attributes, &realm.realm.settings.tokens)?;
    let taken = || ManageError::ClientIdTaken(client.client_id.clone());
    if client.client_id != stored.client_id && realm.client(&client.client_id).is_some() {
        return Err(taken());
    }
    match state.store.update_client(&client).await {
        Err(StoreError::Conflict(_)) => return Err(taken()),
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::Client)),
        other => other?,
    }
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

/// Deletes the client (by internal id) and its roles.
pub(crate) async fn remove(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ManageError> {
    let client = find(realm, id)?;
    match state.store.delete_client(&realm.realm.id, &client.id).await {
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::Client)),
        other => other?,
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(client_id = %client.client_id, "client deleted");
    Ok(())
}

/// Gives the client a new random secret (`ClientResource.regenerateSecret`).
pub(crate) async fn regenerate_secret(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<Client, ManageError> {
    let mut client = Client::clone(find(realm, id)?);
    client.secret = Some(Secret::generate());
    stamp_secret_creation(state, &mut client);
    state.store.update_client(&client).await?;
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(client_id = %client.client_id, "client secret regenerated");
    Ok(client)
}

/// The client's service-account user (`ClientResource.getServiceAccountUser`), made on
/// the spot if the client has service accounts on but no user yet.
pub(crate) async fn service_account_user(
    state: &AppState,
    realm: &RealmSnapshot,
    client: &Client,
) -> Result<User, ManageError> {
    let username = service_account_username(&client.client_id);
    let realm_id = &realm.realm.id;
    if let Some(user) = state.store.find_user_by_username(realm_id, &username).await? {
        return Ok(user);
    }
    if !client.settings.service_accounts_enabled {
        return Err(ManageError::ServiceAccountDisabled(client.client_id.clone()));
    }
    add_service_account(state, realm, client).await?;
    // Deleted again the instant after it was made.
    state
        .store
        .find_user_by_username(realm_id, &username)
        .await?
        .ok_or(ManageError::NotFound(Missing::User))
}
