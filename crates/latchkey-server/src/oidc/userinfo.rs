//! `GET|POST /realms/{realm}/protocol/openid-connect/userinfo` (`UserInfoEndpoint`,
//! Keycloak ≥19.0.2: errors are a status and `WWW-Authenticate`, no body): the claims as
//! JSON, or as a signed JWT for clients that set `user.info.response.signature.alg`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::role::EffectiveRoles;
use latchkey_core::scope::GrantedScope;
use latchkey_core::token::issue::{IssueError, mapped_claims, mappers_need_roles};
use latchkey_core::token::jwt;
use latchkey_core::token::mappers::TokenKind;
use serde_json::{Map, Value, json};

use super::bearer::{BearerFailure, bearer_token, verify_access_token};
use super::token::{effective_roles, member_of};
use crate::error::ApiError;
use crate::events::LoginEvent;
use crate::extract::{Caller, Form, read_body};
use crate::headers::userinfo_cache_control;
use crate::state::AppState;

fn refuse(
    realm: &str,
    status: StatusCode,
    code: &'static str,
    description: &'static str,
) -> ApiError {
    ApiError::Bearer {
        status,
        realm: realm.to_owned(),
        code: Some(code),
        description: Some(description),
    }
}

pub async fn get_userinfo(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Response {
    userinfo_cache_control(
        userinfo(&state, &realm_name, &caller, None)
            .await
            .unwrap_or_else(IntoResponse::into_response),
    )
}

pub async fn post_userinfo(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    request: axum::extract::Request,
) -> Response {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let form = if is_form {
        match read_body(request.into_body(), state.config.max_body_bytes).await {
            Ok(body) => Some(Form::parse(&body)),
            Err(error) => return error.into_response(),
        }
    } else {
        None
    };
    userinfo_cache_control(
        userinfo(&state, &realm_name, &caller, form)
            .await
            .unwrap_or_else(IntoResponse::into_response),
    )
}

async fn userinfo(
    state: &AppState,
    realm_name: &str,
    caller: &Caller,
    form: Option<Form>,
) -> Result<Response, ApiError> {
    let realm = state.realm(realm_name).await?;
    let header_token = bearer_token(caller.authorization.as_deref());
    let form_token = form.as_ref().and_then(|f| f.get("access_token"));
    if form.as_ref().is_some_and(|f| f.count("access_token") > 1) {
        return Err(refuse(
            realm_name,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Duplicate parameter",
        ));
    }
    let token = match (header_token, form_token) {
        (Some(_), Some(_)) => {
            return Err(refuse(
                realm_name,
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "More than one method used for including an access token",
            ));
        }
        (Some(token), None) | (None, Some(token)) => token,
        (None, None) => {
            return Err(ApiError::Bearer {
                status: StatusCode::UNAUTHORIZED,
                realm: realm_name.to_owned(),
                code: None,
                description: None,
            });
        }
    };
    let issuer = caller.issuer(realm_name);
    let verified = match verify_access_token(state, &realm, token, &issuer).await? {
        Ok(verified) => verified,
        Err(failure) => {
            let description = match failure {
                BearerFailure::Verification => "Token verification failed",
                BearerFailure::ClientNotFound => "Client not found",
                BearerFailure::ClientDisabled => "Client disabled",
                // Keycloak 26.7.3 answers a logged-out session with this code-like text (observed).
                BearerFailure::SessionNotFound => "user_session_not_found",
                BearerFailure::SessionExpired => "Session expired",
                BearerFailure::UserDisabled => "User disabled",
            };
            let mut event = LoginEvent::new(state, &realm, "USER_INFO_REQUEST", caller);
            event.detail("reason", description).detail("auth_method", "validate_access_token");
            event.error(state, &realm, "invalid_token").await;
            return Err(refuse(realm_name, StatusCode::UNAUTHORIZED, "invalid_token", description));
        }
    };
    // `USER_INFO_REQUEST` (not saved by default) with Keycloak 26.7.3's details.
    let mut event = LoginEvent::new(state, &realm, "USER_INFO_REQUEST", caller);
    if event.is_on() {
        if let Some(azp) = verified.claims.azp.as_deref() {
            event.client(azp);
        }
        event.user(&verified.user.id);
        if let Some(session_id) = verified.claims.session_id() {
            event.session(session_id);
        }
        event.detail("auth_method", "validate_access_token");
        event.detail("signature_required", "false");
        event.detail("username", &verified.user.username);
    }
    let scope = GrantedScope::from_refresh_scope(
        verified
            .session
            .as_ref()
            .map_or(verified.claims.scope.as_deref().unwrap_or(""), |s| &s.scope),
    );
    if !scope.openid {
        return Err(refuse(
            realm_name,
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "Missing openid scope",
        ));
    }
    event.success(state, &realm).await;
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(verified.user.id));
    let client = verified.claims.azp.as_deref().and_then(|azp| realm.client(azp));
    if let Some(client) = client {
        // Roles are read only for a client whose userinfo mappers claim them.
        let roles = if mappers_need_roles(client, &scope, TokenKind::Userinfo) {
            effective_roles(state, &realm, &verified.user).await?
        } else {
            EffectiveRoles::default()
        };
        let groups = member_of(state, client, &verified.user.id).await?;
        let session_id = verified.claims.session_id();
        let mapped = mapped_claims(
            client,
            &verified.user,
            &roles,
            &groups,
            &scope,
            session_id,
            TokenKind::Userinfo,
        );
        for (name, value) in mapped {
            claims.insert(name, value);
        }
    }
    // A client with `user.info.response.signature.alg` gets the claims as a JWT signed
    // with that algorithm, with `iss` and `aud` added (`UserInfoEndpoint`, 26.7.3:
    // `application/jwt`).
    if let Some((client, algorithm)) =
        client.and_then(|client| Some((client, client.userinfo_algorithm()?)))
    {
        claims.insert("iss".into(), json!(issuer));
        claims.insert("aud".into(), json!(client.client_id));
        let key = realm.keys.signer(algorithm).ok_or(IssueError::NoKey(algorithm))?;
        let signed = jwt::sign(key, &claims).map_err(IssueError::from)?;
        return Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/jwt"))], signed)
            .into_response());
    }
    Ok(Json(Value::Object(claims)).into_response())
}
