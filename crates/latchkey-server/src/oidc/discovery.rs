//! `GET /realms/{realm}/.well-known/openid-configuration` (`OIDCWellKnownProvider`),
//! fields in Keycloak's order, listing what latchkey serves.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use latchkey_core::token::algorithm::Algorithm;
use serde_json::{Value, json};

use crate::extract::Caller;
use crate::state::AppState;

pub async fn get_openid_configuration(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
) -> Response {
    let response = match state.realm(&realm_name).await {
        Ok(_) => Json(document(&caller.issuer(&realm_name))).into_response(),
        Err(error) => error.into_response(),
    };
    let response = crate::headers::cache_control_on_success(
        response,
        "no-cache, must-revalidate, no-transform, no-store",
    );
    crate::cors::allow(response, caller.origin, false)
}

pub(crate) fn document(issuer: &str) -> Value {
    let oidc = format!("{issuer}/protocol/openid-connect");
    // Every algorithm latchkey signs ID tokens and userinfo answers with, in the order
    // Keycloak 26.7.3 lists them (observed); a realm or client may choose any of them,
    // and the key is made on first use if the realm has none.
    let signing: Vec<&str> = Algorithm::KEYCLOAK_ORDER.iter().map(|alg| alg.as_str()).collect();
    let mut userinfo_signing = signing.clone();
    userinfo_signing.push("none");
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{oidc}/auth"),
        "token_endpoint": format!("{oidc}/token"),
        "introspection_endpoint": format!("{oidc}/token/introspect"),
        "userinfo_endpoint": format!("{oidc}/userinfo"),
        "end_session_endpoint": format!("{oidc}/logout"),
        "frontchannel_logout_session_supported": true,
        "frontchannel_logout_supported": true,
        "jwks_uri": format!("{oidc}/certs"),
        "grant_types_supported": ["client_credentials", "password", "refresh_token"],
        "acr_values_supported": ["0", "1"],
        "response_types_supported": ["code", "none", "id_token", "token", "id_token token", "code id_token", "code token", "code id_token token"],
        "subject_types_supported": ["public"],
        "prompt_values_supported": ["none", "login", "consent"],
        "id_token_signing_alg_values_supported": signing,
        "userinfo_signing_alg_values_supported": userinfo_signing,
        "request_object_signing_alg_values_supported": ["RS256", "none"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "introspection_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "name", "given_name", "family_name", "preferred_username", "email", "acr", "azp", "nonce"],
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": false,
        "scopes_supported": ["openid", "acr", "address", "basic", "email", "microprofile-jwt", "offline_access", "organization", "phone", "profile", "roles", "web-origins"],
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": true,
        "code_challenge_methods_supported": ["plain", "S256"],
        "tls_client_certificate_bound_access_tokens": false,
        "revocation_endpoint": format!("{oidc}/revoke"),
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "require_pushed_authorization_requests": false,
        "authorization_response_iss_parameter_supported": true,
    })
}
