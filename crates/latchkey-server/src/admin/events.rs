//! `/admin/realms/{realm}/events/config`, `/events` and `/admin-events`
//! (`RealmAdminResource`'s `getRealmEventsConfig`, `updateRealmEventsConfig`,
//! `getEvents`, `clearEvents`, `getAdminEvents`, `clearAdminEvents`). Reading needs
//! `view-events`, changing `manage-events`. The answers were recorded from Keycloak
//! 26.7.3 (`facts-12.md` §4).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use latchkey_core::event::{
    AdminEvent, AdminEventQuery, DEFAULT_MAX, Event, EventQuery, OPERATION_TYPES, Page,
    RESOURCE_TYPES, RealmEventsConfigRepresentation, is_event_type, parse_date,
};

use super::auth::{AdminRealm, ManageEvents, ViewEvents};
use super::request::{Body, Query, no_content};
use crate::error::ApiError;
use crate::manage::events;

/// The realm's events configuration; `enabledEventTypes` lists the saved-by-default
/// types when the realm names none.
pub(crate) async fn get_config(
    AdminRealm { realm, .. }: AdminRealm<ViewEvents>,
) -> Result<Response, ApiError> {
    let config = RealmEventsConfigRepresentation::from_settings(&realm.realm.settings.events);
    Ok(Json(config).into_response())
}

/// Replaces the configuration (`RealmManager.updateRealmEventsConfig`): 204; 400
/// `Unknown event listener` for a listener other than `jboss-logging`.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn put_config(
    AdminRealm { state, realm, .. }: AdminRealm<ManageEvents>,
    body: Body,
) -> Result<Response, ApiError> {
    let rep: RealmEventsConfigRepresentation = body.representation()?;
    let settings = rep.apply(&realm.realm.settings.events)?;
    events::save_settings(&state, &realm, settings).await?;
    Ok(no_content())
}

/// The realm's login events, newest first (`direction=asc`: oldest first), 100 without
/// `max`.
pub(crate) async fn get_events(
    AdminRealm { state, realm, .. }: AdminRealm<ViewEvents>,
    query: Query,
) -> Result<Response, ApiError> {
    let types = query.all("type");
    // Keycloak answers 500 for a type it does not know (`EventType.valueOf`); 400 here.
    if types.iter().any(|t| !is_event_type(t)) {
        return Err(ApiError::plain(StatusCode::BAD_REQUEST, "Invalid value for 'type'"));
    }
    let filter = EventQuery {
        types,
        client_id: non_empty(&query, "client"),
        user_id: non_empty(&query, "user"),
        ip_address: non_empty(&query, "ipAddress"),
        from: date(&query, "dateFrom", false)?,
        to: date(&query, "dateTo", true)?,
        page: page(&query)?,
    };
    let found = events::login_events(&state, &realm, &filter).await?;
    Ok(Json(found.iter().map(event_json).collect::<Vec<_>>()).into_response())
}

/// Deletes every login event of the realm: 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_events(
    AdminRealm { state, realm, .. }: AdminRealm<ManageEvents>,
) -> Result<Response, ApiError> {
    events::clear_login_events(&state, &realm).await?;
    Ok(no_content())
}

/// The realm's admin events, newest first, 100 without `max`.
pub(crate) async fn get_admin_events(
    AdminRealm { state, realm, .. }: AdminRealm<ViewEvents>,
    query: Query,
) -> Result<Response, ApiError> {
    let operation_types = query.all("operationTypes");
    // Keycloak answers 500 for an unknown operation (`OperationType.valueOf`); 400 here.
    if operation_types.iter().any(|t| !OPERATION_TYPES.contains(&t.as_str())) {
        return Err(ApiError::plain(StatusCode::BAD_REQUEST, "Invalid value for 'operationTypes'"));
    }
    let resource_types = query.all("resourceTypes");
    if resource_types.iter().any(|t| !RESOURCE_TYPES.contains(&t.as_str())) {
        return Err(ApiError::plain(StatusCode::BAD_REQUEST, "Invalid value for 'resourceTypes'"));
    }
    let filter = AdminEventQuery {
        operation_types,
        resource_types,
        resource_path: non_empty(&query, "resourcePath"),
        auth_realm: non_empty(&query, "authRealm"),
        auth_client: non_empty(&query, "authClient"),
        auth_user: non_empty(&query, "authUser"),
        auth_ip_address: non_empty(&query, "authIpAddress"),
        from: date(&query, "dateFrom", false)?,
        to: date(&query, "dateTo", true)?,
        page: page(&query)?,
    };
    let found = events::admin_events(&state, &realm, &filter).await?;
    Ok(Json(found.iter().map(admin_event_json).collect::<Vec<_>>()).into_response())
}

/// Deletes every admin event of the realm: 204.
#[tracing::instrument(skip_all, fields(realm = %realm.realm.name))]
pub(crate) async fn delete_admin_events(
    AdminRealm { state, realm, .. }: AdminRealm<ManageEvents>,
) -> Result<Response, ApiError> {
    events::clear_admin_events(&state, &realm).await?;
    Ok(no_content())
}

fn non_empty(query: &Query, name: &str) -> Option<String> {
    query.get(name).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// `dateFrom` / `dateTo`: `yyyy-MM-dd` or epoch milliseconds, else Keycloak's 400.
fn date(query: &Query, name: &str, end_of_day: bool) -> Result<Option<i64>, ApiError> {
    let Some(value) = query.get(name).filter(|v| !v.is_empty()) else { return Ok(None) };
    parse_date(value, end_of_day).map(Some).ok_or_else(|| {
        ApiError::plain(
            StatusCode::BAD_REQUEST,
            if end_of_day {
                "Invalid value for 'dateTo', expected format is yyyy-MM-dd or an Epoch timestamp"
            } else {
                "Invalid value for 'dateFrom', expected format is yyyy-MM-dd or an Epoch timestamp"
            },
        )
    })
}

/// `first`, `max` (100 when absent, no limit when negative) and `direction`.
fn page(query: &Query) -> Result<Page, ApiError> {
    let first = query.integer("first")?.map_or(0, i64::from).max(0);
    let max = match query.integer("max")? {
        None => Some(DEFAULT_MAX),
        Some(max) if max < 0 => None,
        Some(max) => Some(i64::from(max)),
    };
    let ascending = query.get("direction").is_some_and(|d| d.eq_ignore_ascii_case("asc"));
    Ok(Page { first, max, ascending })
}

/// `EventRepresentation`; absent fields are left out.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EventRepresentation {
    id: String,
    time: i64,
    #[serde(rename = "type")]
    event_type: String,
    realm_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `AuthDetailsRepresentation`.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthDetailsRepresentation {
    realm_id: String,
    client_id: String,
    user_id: String,
    ip_address: String,
}

/// `AdminEventRepresentation`; absent fields are left out.
#[derive(serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AdminEventRepresentation {
    id: String,
    time: i64,
    realm_id: String,
    auth_details: AuthDetailsRepresentation,
    operation_type: String,
    resource_type: String,
    resource_path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    representation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The details in the order recorded.
fn details_map(details: &[(String, String)]) -> Option<serde_json::Map<String, serde_json::Value>> {
    (!details.is_empty()).then(|| {
        details.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect()
    })
}

fn event_json(event: &Event) -> EventRepresentation {
    EventRepresentation {
        id: event.id.clone(),
        time: event.time,
        event_type: event.event_type.clone(),
        realm_id: event.realm_id.clone(),
        client_id: event.client_id.clone(),
        user_id: event.user_id.clone(),
        session_id: event.session_id.clone(),
        ip_address: event.ip_address.clone(),
        error: event.error.clone(),
        details: details_map(&event.details),
    }
}

fn admin_event_json(event: &AdminEvent) -> AdminEventRepresentation {
    AdminEventRepresentation {
        id: event.id.clone(),
        time: event.time,
        realm_id: event.realm_id.clone(),
        auth_details: AuthDetailsRepresentation {
            realm_id: event.auth.realm_id.clone(),
            client_id: event.auth.client_id.clone(),
            user_id: event.auth.user_id.clone(),
            ip_address: event.auth.ip_address.clone(),
        },
        operation_type: event.operation_type.clone(),
        resource_type: event.resource_type.clone(),
        resource_path: event.resource_path.clone(),
        representation: event.representation.clone(),
        error: event.error.clone(),
        details: details_map(&event.details),
    }
}
