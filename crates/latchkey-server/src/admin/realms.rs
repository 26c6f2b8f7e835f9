//! `/admin/realms` and `/admin/realms/{realm}` (`RealmsAdminResource`, `RealmAdminResource`).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{
    RealmRepresentation, apply_realm_representation, import_realm, realm_to_representation,
};
use latchkey_core::store::{Store, StoreError};

use super::auth::{authenticate, open_realm};
use super::request::{Body, Query, created, no_content, realm_url};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::state::AppState;

/// `RealmsAdminResource.importRealm`: a taken name is a 409 with this message.
const REALM_CONFLICT: &str = "Conflict detected. See logs for details";

/// The realms the caller may administer, by name; `briefRepresentation=true` keeps
/// only `id`, `realm`, `displayName` and `enabled` (`ModelToRepresentation.toBriefRepresentation`).
pub(crate) async fn list_realms(
    State(state): State<AppState>,
    caller: Caller,
    query: Query,
) -> Result<Response, ApiError> {
    let admin = authenticate(&state, &caller).await?;
    let is_brief = query.boolean("briefRepresentation")?.unwrap_or(false);
    let realms: Vec<RealmRepresentation> = state
        .store
        .list_realms()
        .await?
        .iter()
        .filter(|realm| admin.may_administer(&realm.name))
        .map(|realm| {
            let full = realm_to_representation(realm);
            if !is_brief {
                return full;
            }
            RealmRepresentation {
                id: full.id,
                realm: full.realm,
                display_name: full.display_name,
                enabled: full.enabled,
                ..RealmRepresentation::default()
            }
        })
        .collect();
    Ok(Json(realms).into_response())
}

/// Creates a realm from a full realm file, as `--import-realm` does, in one transaction.
#[tracing::instrument(skip_all)]
pub(crate) async fn post_realm(
    State(state): State<AppState>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let admin = authenticate(&state, &caller).await?;
    admin.require_create_realm()?;
    let rep: RealmRepresentation = body.json()?;
    let name = create_realm(&state, rep).await?;
    Ok(created(&realm_url(&caller.base_url, &name)))
}

/// Creates a realm from its representation (the admin console's "Create realm" too) and
/// returns its name: 409 when the name is taken, 400 when the file does not import.
pub(crate) async fn create_realm(
    state: &AppState,
    rep: RealmRepresentation,
) -> Result<String, ApiError> {
    let name = rep.realm.clone().unwrap_or_default();
    if !name.is_empty() && state.store.find_realm_by_name(&name).await?.is_some() {
        return Err(ApiError::conflict(REALM_CONFLICT));
    }
    let now = state.clock.now();
    // Plain-text passwords are hashed and keys generated: slow work, off the runtime.
    let bundle = tokio::task::spawn_blocking(move || import_realm(rep, now))
        .await
        .map_err(|e| ApiError::Internal(format!("realm import task: {e}")))?
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    match state.store.import_realm(&bundle).await {
        Err(StoreError::Conflict(detail)) => {
            tracing::info!(realm = %name, detail = %detail, "realm exists");
            return Err(ApiError::conflict(REALM_CONFLICT));
        }
        other => other?,
    }
    state.realms.invalidate(&name);
    tracing::info!(realm = %name, "realm created");
    Ok(name)
}

pub(crate) async fn get_realm(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    Ok(Json(realm_to_representation(&realm.realm)).into_response())
}

/// Applies the fields the body gives (`RealmAdminResource.updateRealm`); a new `realm`
/// name renames the realm.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn put_realm(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    body: Body,
) -> Result<Response, ApiError> {
    let snapshot = open_realm(&state, &caller, &realm_name).await?;
    let rep: RealmRepresentation = body.json()?;
    update_realm(&state, &snapshot, &rep).await?;
    Ok(no_content())
}

/// Applies the fields `rep` gives to the realm, writes it and drops the cached snapshot
/// (`PUT /admin/realms/{realm}` and the console's realm settings pages).
pub(crate) async fn update_realm(
    state: &AppState,
    snapshot: &RealmSnapshot,
    rep: &RealmRepresentation,
) -> Result<(), ApiError> {
    let realm_name = snapshot.realm.name.clone();
    let mut realm = snapshot.realm.clone();
    apply_realm_representation(&mut realm, rep)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    if let Some(new_name) = rep.realm.as_deref().filter(|n| !n.is_empty() && *n != realm.name) {
        if realm.name == "master" {
            return Err(ApiError::bad_request("Can't rename master realm"));
        }
        realm.name = new_name.to_owned();
    }
    match state.store.update_realm(&realm).await {
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::conflict("Realm with same name exists"));
        }
        other => other?,
    }
    state.realms.invalidate(&realm_name);
    state.realms.invalidate(&realm.name);
    tracing::info!(realm = %realm.name, "realm updated");
    Ok(())
}

/// Deletes the realm and everything in it. Realm `master` stays: without it nobody
/// could administer anything.
#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub(crate) async fn delete_realm(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let realm = open_realm(&state, &caller, &realm_name).await?;
    remove_realm(&state, &realm).await?;
    Ok(no_content())
}

/// Deletes the realm with everything in it; 400 for `master`.
pub(crate) async fn remove_realm(state: &AppState, realm: &RealmSnapshot) -> Result<(), ApiError> {
    if realm.realm.name == "master" {
        return Err(ApiError::bad_request("Can't delete master realm"));
    }
    state.store.delete_realm(&realm.realm.id).await?;
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(realm = %realm.realm.name, "realm deleted");
    Ok(())
}
