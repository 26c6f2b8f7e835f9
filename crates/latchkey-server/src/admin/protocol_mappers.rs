//! `/admin/realms/{realm}/clients/{id}/protocol-mappers…` and
//! `/admin/realms/{realm}/client-scopes/{id}/protocol-mappers…` (`ProtocolMappersResource.java`;
//! answers recorded from 26.7.3 in `facts-12.md` §2.5): one handler per operation for
//! each holder, both through `manage::protocol_mappers`.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use latchkey_core::client::ProtocolMapper;
use latchkey_core::client_scope::mapper_model_view;
use serde_json::Value;

use super::auth::{AdminRealm, ManageClients, ViewClients};
use super::fields::PROTOCOL_MAPPER_LIST;
use super::request::{Body, created, no_content, path_segment, realm_url};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::manage::protocol_mappers::{self, Holder};
use crate::manage::{client_scopes, clients};
use crate::state::AppState;

/// Which kind of holder a path names.
#[derive(Clone, Copy)]
enum Kind {
    Client,
    Scope,
}

impl Kind {
    fn segment(self) -> &'static str {
        match self {
            Kind::Client => "clients",
            Kind::Scope => "client-scopes",
        }
    }
}

async fn holder(
    state: &AppState,
    realm: &RealmSnapshot,
    kind: Kind,
    id: &str,
) -> Result<Holder, ApiError> {
    Ok(match kind {
        Kind::Client => Holder::Client(clients::find(realm, id)?.clone()),
        Kind::Scope => Holder::Scope(client_scopes::find(state, realm, id).await?),
    })
}

fn has_protocol(value: Option<&Value>) -> bool {
    value.and_then(|mapper| mapper.get("protocol")).is_some_and(Value::is_string)
}

fn list(holder: &Holder, protocol: Option<&str>) -> Response {
    let views: Vec<ProtocolMapper> = holder
        .mappers()
        .iter()
        .filter(|mapper| protocol.is_none_or(|protocol| mapper.protocol == protocol))
        .map(mapper_model_view)
        .collect();
    Json(views).into_response()
}

async fn post_model(
    AdminRealm { state, realm, caller, .. }: AdminRealm<ManageClients>,
    kind: Kind,
    id: &str,
    body: &Body,
) -> Result<Response, ApiError> {
    let holder = holder(&state, &realm, kind, id).await?;
    let mapper: ProtocolMapper = body.representation()?;
    let has_protocol = has_protocol(body.untyped().as_ref());
    let mapper_id = protocol_mappers::add(&state, &realm, &holder, &mapper, has_protocol).await?;
    let location = format!(
        "{}/{}/{}/protocol-mappers/models/{}",
        realm_url(&caller.base_url, &realm.realm.name),
        kind.segment(),
        path_segment(id),
        mapper_id
    );
    Ok(created(&location))
}

async fn post_models(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    kind: Kind,
    id: &str,
    body: &Body,
) -> Result<Response, ApiError> {
    let holder = holder(&state, &realm, kind, id).await?;
    let mappers: Vec<ProtocolMapper> = body.representation_list(&PROTOCOL_MAPPER_LIST)?;
    let untyped = body.untyped();
    let given: Vec<(ProtocolMapper, bool)> = mappers
        .into_iter()
        .enumerate()
        .map(|(i, mapper)| {
            let has = has_protocol(untyped.as_ref().and_then(|all| all.get(i)));
            (mapper, has)
        })
        .collect();
    protocol_mappers::add_all(&state, &realm, &holder, &given).await?;
    Ok(no_content())
}

async fn put_model(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    kind: Kind,
    (id, mapper_id): (&str, &str),
    body: &Body,
) -> Result<Response, ApiError> {
    let holder = holder(&state, &realm, kind, id).await?;
    let rep: ProtocolMapper = body.representation()?;
    protocol_mappers::update(&state, &realm, &holder, mapper_id, &rep).await?;
    Ok(no_content())
}

async fn delete_model(
    AdminRealm { state, realm, .. }: AdminRealm<ManageClients>,
    kind: Kind,
    (id, mapper_id): (&str, &str),
) -> Result<Response, ApiError> {
    let holder = holder(&state, &realm, kind, id).await?;
    protocol_mappers::remove(&state, &realm, &holder, mapper_id).await?;
    Ok(no_content())
}

pub(crate) async fn list_client_mappers(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(list(&holder(&state, &realm, Kind::Client, &id).await?, None))
}

pub(crate) async fn list_scope_mappers(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    Ok(list(&holder(&state, &realm, Kind::Scope, &id).await?, None))
}

pub(crate) async fn list_client_mappers_of(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, protocol)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    Ok(list(&holder(&state, &realm, Kind::Client, &id).await?, Some(&protocol)))
}

pub(crate) async fn list_scope_mappers_of(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, protocol)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    Ok(list(&holder(&state, &realm, Kind::Scope, &id).await?, Some(&protocol)))
}

pub(crate) async fn get_client_mapper(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, mapper)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let holder = holder(&state, &realm, Kind::Client, &id).await?;
    Ok(Json(mapper_model_view(holder.mapper(&mapper)?)).into_response())
}

pub(crate) async fn get_scope_mapper(
    AdminRealm { state, realm, .. }: AdminRealm<ViewClients>,
    Path((_, id, mapper)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let holder = holder(&state, &realm, Kind::Scope, &id).await?;
    Ok(Json(mapper_model_view(holder.mapper(&mapper)?)).into_response())
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn post_client_mapper(
    admin: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    post_model(admin, Kind::Client, &id, &body).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn post_scope_mapper(
    admin: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    post_model(admin, Kind::Scope, &id, &body).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn post_client_mappers(
    admin: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    post_models(admin, Kind::Client, &id, &body).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn post_scope_mappers(
    admin: AdminRealm<ManageClients>,
    Path((_, id)): Path<(String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    post_models(admin, Kind::Scope, &id, &body).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn put_client_mapper(
    admin: AdminRealm<ManageClients>,
    Path((_, id, mapper)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    put_model(admin, Kind::Client, (&id, &mapper), &body).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn put_scope_mapper(
    admin: AdminRealm<ManageClients>,
    Path((_, id, mapper)): Path<(String, String, String)>,
    body: Body,
) -> Result<Response, ApiError> {
    put_model(admin, Kind::Scope, (&id, &mapper), &body).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn delete_client_mapper(
    admin: AdminRealm<ManageClients>,
    Path((_, id, mapper)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    delete_model(admin, Kind::Client, (&id, &mapper)).await
}

#[tracing::instrument(skip_all, fields(realm = %admin.realm.realm.name))]
pub(crate) async fn delete_scope_mapper(
    admin: AdminRealm<ManageClients>,
    Path((_, id, mapper)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    delete_model(admin, Kind::Scope, (&id, &mapper)).await
}
