//! `/admin/realms` and `/admin/realms/{realm}` (`RealmsAdminResource`,
//! `RealmAdminResource`). The changes are `manage::realms`'.

use axum::Json;
use axum::response::{IntoResponse, Response};
use latchkey_core::representation::{
    PartialImportRepresentation, RealmRepresentation, is_realm_setting, partial_export,
    realm_to_representation, role_to_representation,
};
use latchkey_core::store::Store;

use super::auth::{
    AdminCaller, AdminRealm, AnyAdminRole, AnyRealm, CreateRealm, ManageRealm, Permission,
    ViewRealm, forbidden,
};
use super::request::{Body, ImportBody, Query, created, no_content, realm_url};
use crate::error::ApiError;
use crate::manage::{groups, realms};

/// The realms the caller may administer (`RealmsAdminResource.getRealms`): the whole
/// representation where the caller may view the realm (`view-realm`, `manage-realm`),
/// only `realm` where they hold another admin role; `briefRepresentation=true` keeps
/// only `id`, `realm`, `displayName` and `enabled` (`ModelToRepresentation.toBriefRepresentation`).
/// A caller who administers no realm at all is refused with 403, as Keycloak 26.7.3 does.
pub(crate) async fn list_realms(
    AdminCaller { state, admin, .. }: AdminCaller<AnyRealm>,
    query: Query,
) -> Result<Response, ApiError> {
    let is_brief = query.boolean("briefRepresentation").unwrap_or(false);
    let realms: Vec<RealmRepresentation> = state
        .store
        .list_realms()
        .await?
        .iter()
        .filter(|realm| admin.may_administer(&realm.name))
        .map(|realm| {
            let full = realm_to_representation(realm);
            if !admin.allows(&realm.name, Permission::ViewRealm) {
                return RealmRepresentation { realm: full.realm, ..RealmRepresentation::default() };
            }
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
    if realms.is_empty() {
        return Err(forbidden());
    }
    Ok(Json(realms).into_response())
}

/// Creates a realm from a full realm file, as `--import-realm` does, in one transaction:
/// 201 with its `Location`.
#[tracing::instrument(skip_all)]
pub(crate) async fn post_realm(
    AdminCaller { state, caller, .. }: AdminCaller<CreateRealm>,
    ImportBody(body): ImportBody,
) -> Result<Response, ApiError> {
    // Keycloak 26.7.3 answers every fault of this body alike (`facts-types/types5.py`).
    let rep: RealmRepresentation = body.representation().map_err(|error| match error {
        ApiError::MalformedJson
        | ApiError::JsonRange
        | ApiError::JsonType
        | ApiError::BadJson(_)
        | ApiError::UnknownField { .. } => ApiError::UnreadableRealm,
        other => other,
    })?;
    let name = realms::create(&state, rep).await?;
    Ok(created(&realm_url(&caller.base_url, &name)))
}

/// The realm's settings with its `defaultRole` and, when it has any, the paths of its
/// `defaultGroups` (`ModelToRepresentation.toRepresentation`).
pub(crate) async fn get_realm(
    AdminRealm { state, realm, .. }: AdminRealm<AnyAdminRole>,
) -> Result<Response, ApiError> {
    let mut rep = realm_to_representation(&realm.realm);
    rep.default_role = realm
        .realm
        .settings
        .default_role
        .as_deref()
        .and_then(|name| realm.roles.find_realm_role(name))
        .map(role_to_representation);
    let tree = groups::tree(&state, &realm).await?;
    let defaults = groups::defaults(&state, &realm, &tree).await?;
    if !defaults.is_empty() {
        rep.default_groups = Some(defaults.iter().map(|group| tree.path(&group.id)).collect());
    }
    Ok(Json(rep).into_response())
}

/// What `PUT …/{realm}` reads past, as Keycloak's `RealmAdminResource.updateRealm` does:
/// the parts of a realm file that are not the realm's own settings.
pub(crate) const REALM_FILE_PARTS: &[&str] = &[
    "clientScopeMappings",
    "clientScopes",
    "clients",
    "components",
    "defaultDefaultClientScopes",
    "defaultGroups",
    "defaultOptionalClientScopes",
    "defaultRole",
    "defaultRoles",
    "groups",
    "roles",
    "scopeMappings",
    "users",
];

/// Applies the fields the body gives; a new `realm` name renames the realm. 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_realm(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    body: Body,
) -> Result<Response, ApiError> {
    let mut rep: RealmRepresentation = body.representation_ignoring(REALM_FILE_PARTS)?;
    // The realm's settings are kept; realm-file parts (flows, identity providers...) are
    // read past, as `RealmAdminResource.updateRealm` does.
    rep.extra.retain(|name, _| is_realm_setting(name));
    realms::update(&state, &realm, &rep).await?;
    Ok(no_content())
}

/// Deletes the realm and everything in it. 204; 400 for `master`.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_realm(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
) -> Result<Response, ApiError> {
    realms::remove(&state, &realm).await?;
    Ok(no_content())
}

/// `POST /partialImport` (`RealmAdminResource.partialImport`, `manage-realm`): the
/// clients, roles, groups, users and identity providers of a realm file added in one
/// transaction, with `ifResourceExists` (`FAIL`, `SKIP`, `OVERWRITE`). 200 with
/// Keycloak's `PartialImportResults`. The file's other fields are read past, as
/// Keycloak's `PartialImportRepresentation` has none of them.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_partial_import(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
    ImportBody(body): ImportBody,
) -> Result<Response, ApiError> {
    let rep: PartialImportRepresentation = body.json()?;
    let results = realms::partial_import(&state, &realm, rep).await?;
    Ok(Json(results).into_response())
}

/// `POST /partial-export?exportClients=&exportGroupsAndRoles=`
/// (`RealmAdminResource.partialExport`, `view-realm`): the realm file without users and
/// secrets (`partial_export`). 200 with `Content-Type: application/json`, as Keycloak
/// 26.7.3 sends it (no charset, no `Cache-Control`).
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_partial_export(
    AdminRealm { state, realm, .. }: AdminRealm<ViewRealm>,
    query: Query,
) -> Result<Response, ApiError> {
    let export_clients = query.boolean("exportClients").unwrap_or(false);
    let export_groups_and_roles = query.boolean("exportGroupsAndRoles").unwrap_or(false);
    let bundle = crate::bootstrap::load_realm_bundle(
        &state.store,
        realm.realm.clone(),
        crate::bootstrap::ExportedUsers::ServiceAccounts,
    )
    .await?;
    Ok(Json(partial_export(&bundle, export_clients, export_groups_and_roles)).into_response())
}

/// `POST /clear-realm-cache` (`RealmAdminResource.clearRealmCache`, `manage-realm`): the
/// realm's snapshot (settings, clients, roles, keys) is dropped and read again from the
/// database on the next request, so a change made to the database behind latchkey's back
/// takes effect. 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_clear_realm_cache(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
) -> Result<Response, ApiError> {
    state.realms.invalidate(&realm.realm.name);
    tracing::info!("realm cache cleared");
    Ok(no_content())
}

/// `POST /clear-user-cache` (`RealmAdminResource.clearUserCache`, `manage-realm`). 204.
/// latchkey keeps no user cache: users, their credentials and role mappings are read
/// from the database on every request, so there is nothing to drop.
pub(crate) async fn post_clear_user_cache(
    AdminRealm { .. }: AdminRealm<ManageRealm>,
) -> Result<Response, ApiError> {
    Ok(no_content())
}

/// `POST /clear-keys-cache` (`RealmAdminResource.clearKeysCache`, `manage-realm`): the
/// realm's keys live in its snapshot, which is dropped, so they are loaded again from
/// the database on the next request. 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn post_clear_keys_cache(
    AdminRealm { state, realm, .. }: AdminRealm<ManageRealm>,
) -> Result<Response, ApiError> {
    state.realms.invalidate(&realm.realm.name);
    tracing::info!("keys cache cleared");
    Ok(no_content())
}
