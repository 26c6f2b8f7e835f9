//! `POST /realms/{realm}/protocol/openid-connect/token/introspect`
//! (`TokenIntrospectionEndpoint`, `AccessTokenIntrospectionProvider`, RFC 7662).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use latchkey_core::grant::refresh_token::{TokenUse, check_session, check_token};
use latchkey_core::oauth_error::{OAuthError, Refusal};
use latchkey_core::store::Store;
use latchkey_core::token::claims::Audience;
use latchkey_core::token::jwt;
use serde::Deserialize as _;
use serde_json::{Map, Value, json};

use super::bearer::verify_access_token;
use super::token::{RealmForm, authenticate};
use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::events::LoginEvent;
use crate::extract::Caller;
use crate::state::AppState;

pub async fn post_introspect(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    request: Result<RealmForm, ApiError>,
) -> Response {
    let response = introspect(&state, &realm_name, &caller, request)
        .await
        .unwrap_or_else(IntoResponse::into_response);
    crate::headers::cache_control_on_success(response, "no-cache")
}

fn inactive() -> Response {
    Json(json!({ "active": false })).into_response()
}

async fn introspect(
    state: &AppState,
    realm_name: &str,
    caller: &Caller,
    request: Result<RealmForm, ApiError>,
) -> Result<Response, ApiError> {
    let RealmForm { realm, form } = request?;
    // No client at all gives the token endpoint's answer; a failed secret gets
    // introspection's own text (observed in 26.7.3).
    let client = authenticate(&realm, &form, caller).map_err(|error| match error {
        ApiError::OAuth(oauth) if oauth.code == "unauthorized_client" => {
            ApiError::OAuth(OAuthError::new(
                Refusal::Unauthorized,
                "invalid_client",
                "Client authentication failed.",
            ))
        }
        other => other,
    })?;
    if client.public_client {
        return Err(
            OAuthError::new(Refusal::Forbidden, "invalid_request", "Client not allowed.").into()
        );
    }
    if form.has_duplicates() {
        return Err(OAuthError::invalid_request("duplicated parameter").into());
    }
    if form.count("token") == 0 {
        return Err(OAuthError::invalid_request("Token not provided.").into());
    }
    let Some(token) = form.get("token") else { return Ok(inactive()) };
    let skips_audience_check = client
        .attribute("allow.token.introspection.without.audience.check")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let issuer = caller.issuer(realm_name);
    match form.get("token_type_hint").unwrap_or("access_token") {
        "access_token" | "requesting_party_token" => {
            let verified = match verify_access_token(state, &realm, token, &issuer).await? {
                Ok(verified) => verified,
                Err(_) => return Ok(inactive()),
            };
            // Keycloak ≥26.5 shows a token only to a client in its audience, unless the
            // client skips that check (`allow.token.introspection.without.audience.check`).
            let is_audience = verified
                .raw
                .get("aud")
                .and_then(|aud| Audience::deserialize(aud).ok())
                .is_some_and(|aud| aud.contains(&client.client_id));
            // `INTROSPECT_TOKEN` (not saved by default), Keycloak 26.7.3's details.
            let mut event = LoginEvent::new(state, &realm, "INTROSPECT_TOKEN", caller);
            if event.is_on() {
                event.client(&client.client_id).user(&verified.user.id);
                if let Some(session_id) = verified.claims.session_id() {
                    event.session(session_id);
                }
            }
            if !is_audience && !skips_audience_check {
                if event.is_on() {
                    let reason =
                        format!("Client '{}' is not in the token audience", client.client_id);
                    event.detail("reason", &reason);
                    introspected(&mut event, &verified.claims);
                }
                event.error(state, &realm, "invalid_token").await;
                return Ok(inactive());
            }
            if event.is_on() {
                introspected(&mut event, &verified.claims);
            }
            event.success(state, &realm).await;
            let mut claims: Map<String, Value> = verified.raw;
            if let Some(azp) = claims.get("azp").cloned() {
                claims.insert("client_id".into(), azp);
            }
            claims.insert("username".into(), json!(verified.user.username));
            claims.insert("token_type".into(), json!("Bearer"));
            claims.insert("active".into(), json!(true));
            Ok(Json(Value::Object(claims)).into_response())
        }
        "refresh_token" => {
            introspect_refresh(state, &realm, &client.client_id, token, &issuer).await
        }
        _ => Err(OAuthError::invalid_request("Unsupported token type.").into()),
    }
}

/// The details of an access token's introspection.
fn introspected(event: &mut LoginEvent, claims: &latchkey_core::token::claims::AccessClaims) {
    event.detail("token_issued_for", claims.azp.as_deref().unwrap_or_default());
    event.detail("token_id", claims.jti.as_deref().unwrap_or_default());
    event.detail("token_type", "Bearer");
    event.detail("client_auth_method", super::token_password::CLIENT_AUTH_METHOD);
}

async fn introspect_refresh(
    state: &AppState,
    realm: &RealmSnapshot,
    caller_client_id: &str,
    token: &str,
    issuer: &str,
) -> Result<Response, ApiError> {
    let Ok(Value::Object(raw)) = jwt::verify_hmac::<Value>(&realm.keys, token) else {
        return Ok(inactive());
    };
    let Ok(claims) = latchkey_core::token::claims::RefreshClaims::deserialize(&raw) else {
        return Ok(inactive());
    };
    // A refresh token is shown only to the client it was issued to.
    if claims.azp.as_deref() != Some(caller_client_id) {
        return Ok(inactive());
    }
    let Some(client) = realm.client(caller_client_id) else { return Ok(inactive()) };
    let now = state.clock.now();
    if check_token(&claims, issuer, &realm.realm, client, now, TokenUse::Refresh).is_err() {
        return Ok(inactive());
    }
    // The same single read as the refresh grant (session, user, grants).
    let context = match claims.session_id() {
        Some(id) => state.store.find_session_context(id).await?,
        None => None,
    };
    // The refresh grant's own session and reuse checks; the reuse count is not saved,
    // so introspection never uses up a token (`spec/keycloak-protocol.md` §3.4).
    let Ok(active) = check_session(&claims, &realm.realm, client, context.as_ref(), now) else {
        return Ok(inactive());
    };
    let mut body = raw;
    body.insert("client_id".into(), json!(client.client_id));
    body.insert("username".into(), json!(active.user.username));
    body.insert("token_type".into(), json!(claims.typ));
    body.insert("active".into(), json!(true));
    Ok(Json(Value::Object(body)).into_response())
}
