//! `/admin/realms/{realm}/client-scopes…`, `…/default-default-client-scopes…`,
//! `…/default-optional-client-scopes…` and `…/clients/{id}/{default,optional}-client-scopes…`
//! (`ClientScopesResource.java`, `ClientScopeResource.java`, `RealmAdminResource.java`,
//! `ClientResource.java`; answers recorded from 26.7.3 in `facts-12.md` §2.2–2.4). The
//! changes are `manage::client_scopes`'.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::client_scope::{ClientScope, ScopeKind};
use latchkey_core::representation::{ClientScopeRepresentation, client_scope_to_representation};
use serde::Serialize;

use super::auth::{AdminRealm, ManageClients, ManageRealm, ViewClients};
use super::request::{Body, created, no_content, realm_url};
use crate::error::ApiError;
use crate::manage::client_scopes;
use crate::manage::clients;

/// A scope as the default-scope listings write it (`ClientScopeRepresentation` with only
/// `id` and `name`).
#[derive(Serialize, schemars::JsonSchema)]
pub(crate) struct ScopeRef {
    id: String,
    name: String,
}

fn refs(scopes: Vec<ClientScope>) -> Response {
    let refs: Vec<ScopeRef> =
        scopes.into_iter().map(|scope| ScopeRef { id: scope.id, name: scope.name }).collect();
    Json(refs).into_response()
}

pub(crate) async fn list_client_scopes(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
) -> Result<Response, ApiError> {
    let scopes = client_scopes::list(&state, &realm).await?;
    let reps: Vec<ClientScopeRepresentation> =
        scopes.iter().map(client_scope_to_representation).collect();
    Ok(Json(reps).into_response())
}

/// 201 with `Location`; unknown fields are ignored, as Keycloak 26.7.3 ignores them here.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_client_scope(
    AdminRealm { state, realm, caller, .. }: AdminRealm<ManageClients>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: ClientScopeRepresentation = body.representation()?;
    let scope = client_scopes::create(&state, &realm, &rep).await?;
    let location =
        format!("{}/client-scopes/{}", realm_url(&caller.base_url, &realm.realm.name), scope.id);
    Ok(created(&location))
}

pub(crate) async fn get_client_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let scope = client_scopes::find(&state, &realm, &id).await?;
    Ok(Json(client_scope_to_representation(&scope)).into_response())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_client_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: ClientScopeRepresentation = body.representation()?;
    client_scopes::update(&state, &realm, &id, &rep).await?;
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_client_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    client_scopes::remove(&state, &realm, &id).await?;
    Ok(no_content())
}

pub(crate) async fn list_realm_default_scopes(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
) -> Result<Response, ApiError> {
    Ok(refs(client_scopes::realm_defaults(&state, &realm, ScopeKind::Default).await?))
}

pub(crate) async fn list_realm_optional_scopes(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
) -> Result<Response, ApiError> {
    Ok(refs(client_scopes::realm_defaults(&state, &realm, ScopeKind::Optional).await?))
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_realm_default_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    client_scopes::add_realm_default(&state, &realm, &id, ScopeKind::Default).await?;
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_realm_optional_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    client_scopes::add_realm_default(&state, &realm, &id, ScopeKind::Optional).await?;
    Ok(no_content())
}

/// Either path takes the scope out whichever kind it was, as Keycloak does.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_realm_default_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    client_scopes::remove_realm_default(&state, &realm, &id).await?;
    Ok(no_content())
}

pub(crate) async fn list_client_default_scopes(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let client = clients::find(&realm, &id)?;
    Ok(refs(client_scopes::client_scopes(&state, &realm, client, ScopeKind::Default).await?))
}

pub(crate) async fn list_client_optional_scopes(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let client = clients::find(&realm, &id)?;
    Ok(refs(client_scopes::client_scopes(&state, &realm, client, ScopeKind::Optional).await?))
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_client_default_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, scope)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let client = clients::find(&realm, &id)?;
    client_scopes::add_to_client(&state, &realm, client, &scope, ScopeKind::Default).await?;
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_client_optional_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, scope)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let client = clients::find(&realm, &id)?;
    client_scopes::add_to_client(&state, &realm, client, &scope, ScopeKind::Optional).await?;
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_client_default_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, scope)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let client = clients::find(&realm, &id)?;
    client_scopes::remove_from_client(&state, &realm, client, &scope, ScopeKind::Default).await?;
    Ok(no_content())
}

#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_client_optional_scope(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    Path((_, id, scope)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let client = clients::find(&realm, &id)?;
    client_scopes::remove_from_client(&state, &realm, client, &scope, ScopeKind::Optional).await?;
    Ok(no_content())
}
