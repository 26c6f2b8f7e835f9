//! Admin events, recorded in one place: a layer on the Admin API's routes. After a
//! write (`POST`, `PUT`, `DELETE`) under `/admin/realms/{realm}/…` answered 2xx, in a
//! realm with `adminEventsEnabled`, it records what Keycloak's `AdminEventBuilder`
//! records (`facts-12.md` §4.4): the operation (from the method, or `ACTION` for the
//! endpoints that act rather than store), the resource type (from the route's shape,
//! [`classify`]), the resource path below the realm (a create's path is its new
//! `Location`), who called (the token's realm, client and user, by id, and the
//! address), and with `adminEventsDetailsEnabled` the request's JSON body as the
//! representation (secrets masked, credentials left out). A refused call (4xx/5xx) is
//! not recorded, as in Keycloak. Realms whose admin events are off cost the layer one
//! snapshot lookup.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use latchkey_core::event::{AdminEvent, AuthDetails};
use serde_json::Value;

use crate::extract::{read_body, realm_parameter};
use crate::state::AppState;

/// Keycloak's mask for secrets in representations (`ComponentRepresentation.SECRET_VALUE`).
const MASK: &str = "**********";

/// The layer: runs the handler, then records the event of a successful write.
pub(crate) async fn record(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    if !matches!(method, Method::POST | Method::PUT | Method::DELETE) {
        return next.run(request).await;
    }
    let path = request.uri().path().to_owned();
    let Some(below) = path.strip_prefix("/admin/realms/") else {
        return next.run(request).await;
    };
    let resource = below.split_once('/').map_or("", |(_, resource)| resource);
    let (mut parts, body) = request.into_parts();
    let Some(realm_name) = realm_parameter(&mut parts, &state).await else {
        return next.run(Request::from_parts(parts, body)).await;
    };
    let request = Request::from_parts(parts, body);
    let Ok(Some(realm)) = state.realms.get(&state.store, &realm_name).await else {
        return next.run(request).await;
    };
    let settings = &realm.realm.settings.events;
    let config_change = resource.trim_end_matches('/') == "events/config";
    // The configuration's own change is recorded when admin events were on before it or
    // are on after it (`refreshRealmEventsConfig`); other writes when they are on now.
    if !settings.admin_events_enabled && !config_change {
        return next.run(request).await;
    }
    let Some((operation, resource_type)) = classify(&method, resource) else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    // A realm file's body is read under the import limit, as its handler reads it.
    let limit = if resource == "partialImport" {
        state.config.max_import_bytes
    } else {
        state.config.max_body_bytes
    };
    let Ok(bytes) = read_body(body, limit).await else {
        // The handler reads the body again and answers the same refusal.
        return next.run(Request::from_parts(parts, Body::empty())).await;
    };
    let authorization =
        parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let address = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip().to_string());
    let response = next.run(Request::from_parts(parts, Body::from(bytes.clone()))).await;
    if !response.status().is_success() {
        return response;
    }
    // Settings as they are after the call (a change of the configuration itself).
    let Ok(Some(after)) = state.realms.get(&state.store, &realm_name).await else {
        return response;
    };
    let now_on = after.realm.settings.events.admin_events_enabled;
    if !(now_on || (config_change && settings.admin_events_enabled)) {
        return response;
    }
    let details = if config_change {
        after.realm.settings.events.admin_events_details_enabled
            || settings.admin_events_details_enabled
    } else {
        settings.admin_events_details_enabled
    };
    if resource.trim_end_matches('/') == "partialImport" {
        let auth = caller(&state, authorization.as_deref(), address).await;
        let written = Written { realm_id: &realm.realm.id, auth, details, request: &bytes };
        return partial_import_events(&state, written, response).await;
    }
    let resource_path = match (operation, response.headers().get(header::LOCATION)) {
        ("CREATE", Some(location)) => location
            .to_str()
            .ok()
            .and_then(|l| l.split_once(&format!("/admin/realms/{}/", realm.realm.name)))
            .map(|(_, tail)| tail.to_owned())
            .unwrap_or_else(|| resource.to_owned()),
        _ => resource.trim_end_matches('/').to_owned(),
    };
    let auth = caller(&state, authorization.as_deref(), address).await;
    let event = AdminEvent {
        id: latchkey_core::random::uuid(),
        time: state.clock.now().0,
        realm_id: realm.realm.id.clone(),
        auth,
        operation_type: operation.to_owned(),
        resource_type: resource_type.to_owned(),
        resource_path,
        representation: if details && operation != "ACTION" {
            representation(&bytes)
        } else {
            None
        },
        error: None,
        details: Vec::new(),
    };
    if let Err(error) = state.store.record_admin_event(event).await {
        tracing::error!(%error, "admin event not recorded");
    }
    response
}

/// What a partial import's events are made of, besides its answer.
struct Written<'a> {
    realm_id: &'a str,
    auth: AuthDetails,
    details: bool,
    request: &'a [u8],
}

/// A partial import is recorded as Keycloak 26.7.3 records it
/// (`RealmAdminResource.partialImport`, measured): one event per resource written,
/// `CREATE` when added and `UPDATE` when overwritten, of resource type `REALM`, at
/// `{users|clients|groups|realms|identity-provider-settings|mappers}/{id}` (`realms` for a
/// realm role, a client role at its client), with the file's entry as the representation
/// when details are on. Skipped resources are not recorded.
async fn partial_import_events(
    state: &AppState,
    written: Written<'_>,
    response: Response,
) -> Response {
    let (parts, body) = response.into_parts();
    // The answer is the handler's own small JSON: read whole, then sent on unchanged.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let results: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let file: Value = serde_json::from_slice(written.request).unwrap_or(Value::Null);
    for result in results["results"].as_array().into_iter().flatten() {
        let operation = match result["action"].as_str() {
            Some("ADDED") => "CREATE",
            Some("OVERWRITTEN") => "UPDATE",
            _ => continue,
        };
        let kind = result["resourceType"].as_str().unwrap_or_default();
        let name = result["resourceName"].as_str().unwrap_or_default();
        let id = result["id"].as_str().unwrap_or_default();
        let path = match kind {
            "USER" => "users",
            "GROUP" => "groups",
            "CLIENT" | "CLIENT_ROLE" => "clients",
            "REALM_ROLE" => "realms",
            "IDP" => "identity-provider-settings",
            "IDP_MAPPER" => "mappers",
            _ => continue,
        };
        let representation =
            written.details.then(|| file_entry(&file, kind, name)).flatten().and_then(
                |mut entry| {
                    // Keycloak's entry carries the id it was created with.
                    if matches!(kind, "USER" | "CLIENT" | "REALM_ROLE")
                        && let Value::Object(object) = &mut entry
                    {
                        object.insert("id".into(), Value::String(id.to_owned()));
                    }
                    representation(entry.to_string().as_bytes())
                },
            );
        let event = AdminEvent {
            id: latchkey_core::random::uuid(),
            time: state.clock.now().0,
            realm_id: written.realm_id.to_owned(),
            auth: written.auth.clone(),
            operation_type: operation.to_owned(),
            resource_type: "REALM".to_owned(),
            resource_path: format!("{path}/{id}"),
            representation,
            error: None,
            details: Vec::new(),
        };
        if let Err(error) = state.store.record_admin_event(event).await {
            tracing::error!(%error, "admin event not recorded");
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// The partial-import file's entry a result names.
fn file_entry(file: &Value, kind: &str, name: &str) -> Option<Value> {
    let find = |list: &Value, field: &str, wanted: &str| {
        list.as_array()?.iter().find(|entry| entry[field] == wanted).cloned()
    };
    match kind {
        "USER" => find(&file["users"], "username", name),
        "CLIENT" => find(&file["clients"], "clientId", name),
        "GROUP" => find(&file["groups"], "name", name),
        "REALM_ROLE" => find(&file["roles"]["realm"], "name", name),
        "CLIENT_ROLE" => {
            let (client, role) = name.split_once("-->")?;
            find(&file["roles"]["client"][client], "name", role)
        }
        "IDP" => find(&file["identityProviders"], "alias", name),
        "IDP_MAPPER" => find(&file["identityProviderMappers"], "name", name),
        _ => None,
    }
}

/// Who called: the realm, client and user of the bearer token (already verified by the
/// handler that answered 2xx), by id.
async fn caller(
    state: &AppState,
    authorization: Option<&str>,
    address: Option<String>,
) -> AuthDetails {
    let mut auth =
        AuthDetails { ip_address: address.unwrap_or_default(), ..AuthDetails::default() };
    let Some(token) =
        authorization.and_then(|a| a.strip_prefix("Bearer ").or(a.strip_prefix("bearer ")))
    else {
        return auth;
    };
    let Ok(claims) = latchkey_core::token::jwt::peek_unverified::<Value>(token) else {
        return auth;
    };
    let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
    auth.user_id = text("sub").unwrap_or_default();
    let realm_name = text("iss").and_then(|iss| iss.rsplit('/').next().map(str::to_owned));
    if let Some(name) = realm_name
        && let Ok(Some(realm)) = state.realms.get(&state.store, &name).await
    {
        auth.realm_id = realm.realm.id.clone();
        if let Some(client) = text("azp").and_then(|azp| realm.client(&azp).cloned()) {
            auth.client_id = client.id.clone();
        }
    }
    auth
}

/// The request body as the event's representation: JSON re-written compactly, a
/// `secret` masked and `credentials` left out (Keycloak never records them).
fn representation(bytes: &[u8]) -> Option<String> {
    let mut value: Value = serde_json::from_slice(bytes).ok()?;
    if let Value::Object(object) = &mut value {
        object.remove("credentials");
        if object.contains_key("secret") {
            object.insert("secret".into(), Value::String(MASK.into()));
        }
        if object.contains_key("value") && object.contains_key("type") {
            return None;
        }
    }
    Some(value.to_string())
}

/// The operation and resource type of a write, from the method and the path below the
/// realm (`RealmAdminResource` and the resources under it, `ResourceType`); `None` for
/// what Keycloak does not record.
pub(crate) fn classify(method: &Method, resource: &str) -> Option<(&'static str, &'static str)> {
    let segments: Vec<&str> = resource.split('/').filter(|s| !s.is_empty()).collect();
    let by_method = || match *method {
        Method::POST => "CREATE",
        Method::PUT => "UPDATE",
        _ => "DELETE",
    };
    let mapping = |segment: Option<&&str>| match segment {
        Some(&"clients") => "CLIENT_ROLE_MAPPING",
        _ => "REALM_ROLE_MAPPING",
    };
    let scope_mapping = |segment: Option<&&str>| match segment {
        Some(&"clients") => "CLIENT_SCOPE_MAPPING",
        _ => "REALM_SCOPE_MAPPING",
    };
    let found = match segments.as_slice() {
        // A deleted realm keeps no events.
        [] if *method == Method::DELETE => return None,
        [] => (by_method(), "REALM"),
        ["events", "config"] => ("UPDATE", "REALM"),
        ["events"] | ["admin-events"] => return None,
        [
            "clear-realm-cache" | "clear-user-cache" | "clear-keys-cache" | "logout-all"
            | "push-revocation",
        ] => ("ACTION", "REALM"),
        ["partialImport"] => ("CREATE", "REALM"),
        ["users"] | ["users", _] => (by_method(), "USER"),
        [
            "users",
            _,
            "reset-password" | "logout" | "execute-actions-email" | "send-verify-email",
        ] => ("ACTION", "USER"),
        ["users", _, "groups", _] => (by_method_membership(method), "GROUP_MEMBERSHIP"),
        ["users" | "groups", _, "role-mappings", rest @ ..] => (by_method(), mapping(rest.first())),
        ["users", _, "credentials", ..] => ("ACTION", "USER"),
        ["groups", ..] | ["default-groups", _] => (by_method(), "GROUP"),
        ["roles", _, "composites", ..] | ["roles-by-id", _, "composites", ..] => {
            (by_method(), "REALM_ROLE")
        }
        ["roles"] | ["roles", _] | ["roles-by-id", _] => (by_method(), "REALM_ROLE"),
        ["clients", _, "roles", ..] => (by_method(), "CLIENT_ROLE"),
        ["clients", _, "protocol-mappers", ..] | ["client-scopes", _, "protocol-mappers", ..] => {
            (by_method(), "PROTOCOL_MAPPER")
        }
        ["clients" | "client-scopes", _, "scope-mappings", rest @ ..] => {
            (by_method(), scope_mapping(rest.first()))
        }
        ["clients", _, "client-secret" | "push-revocation" | "logout-all"] => ("ACTION", "CLIENT"),
        ["clients", ..] => (by_method(), "CLIENT"),
        ["client-scopes", ..]
        | ["default-default-client-scopes" | "default-optional-client-scopes", ..] => {
            (by_method(), "CLIENT_SCOPE")
        }
        ["components", ..] => (by_method(), "COMPONENT"),
        ["sessions", _] => ("DELETE", "USER_SESSION"),
        ["attack-detection", ..] => ("DELETE", "USER_LOGIN_FAILURE"),
        _ => (by_method(), "REALM"),
    };
    Some(found)
}

/// Joining a group is a `PUT` that creates a membership.
fn by_method_membership(method: &Method) -> &'static str {
    if *method == Method::DELETE { "DELETE" } else { "CREATE" }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shapes Keycloak 26.7.3 recorded (`facts-12.md` §4.4) and their neighbours.
    #[test]
    fn writes_are_classified_as_keycloak_records_them() {
        let cases = [
            (Method::POST, "groups", Some(("CREATE", "GROUP"))),
            (Method::PUT, "groups/g", Some(("UPDATE", "GROUP"))),
            (Method::DELETE, "groups/g", Some(("DELETE", "GROUP"))),
            (Method::POST, "groups/g/children", Some(("CREATE", "GROUP"))),
            (Method::POST, "users", Some(("CREATE", "USER"))),
            (Method::PUT, "users/u/reset-password", Some(("ACTION", "USER"))),
            (Method::PUT, "users/u/groups/g", Some(("CREATE", "GROUP_MEMBERSHIP"))),
            (Method::DELETE, "users/u/groups/g", Some(("DELETE", "GROUP_MEMBERSHIP"))),
            (Method::POST, "users/u/role-mappings/realm", Some(("CREATE", "REALM_ROLE_MAPPING"))),
            (
                Method::DELETE,
                "groups/g/role-mappings/clients/c",
                Some(("DELETE", "CLIENT_ROLE_MAPPING")),
            ),
            (Method::PUT, "events/config", Some(("UPDATE", "REALM"))),
            (Method::POST, "clients", Some(("CREATE", "CLIENT"))),
            (Method::POST, "clients/c/roles", Some(("CREATE", "CLIENT_ROLE"))),
            (Method::POST, "clients/c/client-secret", Some(("ACTION", "CLIENT"))),
            (
                Method::POST,
                "client-scopes/s/protocol-mappers/models",
                Some(("CREATE", "PROTOCOL_MAPPER")),
            ),
            (
                Method::POST,
                "clients/c/scope-mappings/realm",
                Some(("CREATE", "REALM_SCOPE_MAPPING")),
            ),
            (Method::POST, "roles", Some(("CREATE", "REALM_ROLE"))),
            (Method::POST, "components", Some(("CREATE", "COMPONENT"))),
            (Method::DELETE, "sessions/s", Some(("DELETE", "USER_SESSION"))),
            (Method::PUT, "", Some(("UPDATE", "REALM"))),
            (Method::DELETE, "", None),
            (Method::DELETE, "events", None),
            (Method::DELETE, "admin-events", None),
        ];
        for (method, path, expected) in cases {
            assert_eq!(classify(&method, path), expected, "{method} {path}");
        }
    }

    #[test]
    fn representations_hide_secrets_and_credentials() {
        let client = representation(br#"{"clientId":"c","secret":"topsecret"}"#);
        assert_eq!(client.as_deref(), Some(r#"{"clientId":"c","secret":"**********"}"#));
        let user = representation(
            br#"{"username":"u","enabled":true,"credentials":[{"type":"password","value":"pw"}]}"#,
        );
        assert_eq!(user.as_deref(), Some(r#"{"username":"u","enabled":true}"#));
        assert_eq!(representation(br#"{"type":"password","value":"pw"}"#), None);
        assert_eq!(representation(b""), None);
    }
}
