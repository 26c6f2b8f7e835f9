//! `POST /realms/{realm}/protocol/openid-connect/token` (`TokenEndpoint`): the
//! checks every grant shares, in Keycloak's order, then the grant's own flow.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::client::Client;
use latchkey_core::grant::GrantType;
use latchkey_core::grant::client_auth::{PresentedClient, authenticate_client};
use latchkey_core::group::GroupTree;
use latchkey_core::oauth_error::{OAuthError, Refusal};
use latchkey_core::role::EffectiveRoles;
use latchkey_core::store::Store;
use latchkey_core::token::issue::IssuedTokens;
use latchkey_core::token::mappers::MemberOf;
use latchkey_core::user::User;

use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::events::LoginEvent;
use crate::extract::{Caller, Form, realm_parameter};
use crate::headers::no_store;
use crate::state::AppState;

/// What the grant flows get after the shared checks.
pub struct TokenRequest {
    pub realm: Arc<RealmSnapshot>,
    pub client: Arc<Client>,
    pub form: Form,
    pub caller: Caller,
}

#[tracing::instrument(skip_all, fields(realm = %realm_name))]
pub async fn post_token(
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    caller: Caller,
    request: Result<RealmForm, ApiError>,
) -> Response {
    // Keycloak adds CORS headers once the grant type is known (`TokenEndpoint.processGrantRequest`
    // then `Cors.allowedOrigins`): a refused client still gets them, and once the client is
    // known an origin it does not list is refused before anything else.
    let started = std::time::Instant::now();
    let mut cors_origin = None;
    let mut grant_type = None;
    let result = async {
        let RealmForm { realm, form } = request?;
        let grant = GrantType::parse(form.get("grant_type"))?;
        grant_type = Some(grant);
        cors_origin = caller.origin.clone();
        let client = match authenticate(&realm, &form, &caller) {
            Ok(client) => client,
            Err(error) => {
                client_refused(&state, &realm, &form, &caller, grant).await;
                return Err(error);
            }
        };
        if let Some(origin) = &caller.origin
            && !origin.to_str().is_ok_and(|o| client.settings.allows_origin(o))
        {
            cors_origin = None;
            tracing::info!(client_id = %client.client_id, ?origin, "origin not allowed");
            return Err(ApiError::plain(StatusCode::FORBIDDEN, "Invalid origin"));
        }
        if form.has_duplicates() {
            return Err(OAuthError::invalid_request("duplicated parameter").into());
        }
        let request = TokenRequest { realm, client, form, caller };
        let tokens = match grant {
            GrantType::Password => super::token_password::grant(&state, &request).await?,
            GrantType::RefreshToken => super::token_refresh::grant(&state, &request).await?,
            GrantType::ClientCredentials => {
                super::token_client_credentials::grant(&state, &request).await?
            }
        };
        Ok::<IssuedTokens, ApiError>(tokens)
    }
    .await;
    let outcome = result.as_ref().map(|_| ());
    state.metrics.observe_token_request(grant_type, outcome, started.elapsed());
    let response = no_store(match result {
        Ok(tokens) => (
            [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            tokens.response_json(),
        )
            .into_response(),
        Err(error) => error.into_response(),
    });
    crate::cors::allow(response, cors_origin, true)
}

/// Records the refused client authentication of a token request as the grant's
/// `_ERROR` event: `client_not_found` for a client id the realm does not have, else
/// `invalid_client_credentials`, with only the `grant_type` detail (Keycloak 26.7.3,
/// `facts-12.md` §4.2).
async fn client_refused(
    state: &AppState,
    realm: &RealmSnapshot,
    form: &Form,
    caller: &Caller,
    grant: GrantType,
) {
    let (event_type, grant_type) = match grant {
        GrantType::Password => ("LOGIN", "password"),
        GrantType::RefreshToken => ("REFRESH_TOKEN", "refresh_token"),
        GrantType::ClientCredentials => ("CLIENT_LOGIN", "client_credentials"),
    };
    let mut event = LoginEvent::new(state, realm, event_type, caller);
    if !event.is_on() {
        return;
    }
    let presented = PresentedClient::from_parts(
        caller.authorization.as_deref(),
        form.get("client_id"),
        form.get("client_secret"),
    );
    let known = presented.client_id.as_deref().and_then(|id| realm.client(id)).is_some();
    if let Some(client_id) = &presented.client_id {
        event.client(client_id);
    }
    event.detail("grant_type", grant_type);
    let code = if known { "invalid_client_credentials" } else { "client_not_found" };
    event.error(state, realm, code).await;
}

/// The request of a realm's form endpoint (token, logout, revoke, introspect), opened as
/// Keycloak's do it first: the realm of the path (404 `Realm does not exist`), the form,
/// then `checkSsl` and `checkRealm` (403). Handlers take it as a `Result`, to answer a
/// refusal with their own headers.
pub struct RealmForm {
    pub realm: Arc<RealmSnapshot>,
    pub form: Form,
}

impl FromRequest<AppState> for RealmForm {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let caller = Caller::from_request_parts(&mut parts, state).await?;
        let name = realm_parameter(&mut parts, state).await.ok_or(ApiError::RealmNotFound)?;
        let realm = state.realm(&name).await?;
        let form = Form::from_request(Request::from_parts(parts, body), state).await?;
        check_realm(&realm, &caller)?;
        Ok(RealmForm { realm, form })
    }
}

fn check_realm(realm: &RealmSnapshot, caller: &Caller) -> Result<(), ApiError> {
    if !caller.is_https
        && realm.realm.settings.ssl_required.refuses_plain_http(caller.is_private_address())
    {
        return Err(OAuthError::new(Refusal::Forbidden, "invalid_request", "HTTPS required").into());
    }
    if !realm.realm.enabled {
        return Err(
            OAuthError::new(Refusal::Forbidden, "access_denied", "Realm not enabled").into()
        );
    }
    Ok(())
}

/// Client authentication against the cached clients of the realm.
pub fn authenticate(
    realm: &RealmSnapshot,
    form: &Form,
    caller: &Caller,
) -> Result<Arc<Client>, ApiError> {
    let presented = PresentedClient::from_parts(
        caller.authorization.as_deref(),
        form.get("client_id"),
        form.get("client_secret"),
    );
    let client = presented.client_id.as_deref().and_then(|id| realm.client(id)).cloned();
    match authenticate_client(&presented, client.as_deref()) {
        Ok(()) => client.ok_or_else(|| OAuthError::invalid_client().into()),
        Err(error) => {
            tracing::info!(client_id = ?presented.client_id, error = %error, "client authentication failed");
            Err(error.into())
        }
    }
}

/// The groups a group membership mapper writes for `user_id`, sorted by path: read only
/// for a client whose plan has such a mapper (two reads: the user's memberships and the
/// realm's groups, for their paths), empty for every other client.
pub async fn member_of(
    state: &AppState,
    client: &Client,
    user_id: &str,
) -> Result<Vec<MemberOf>, ApiError> {
    if !client.claims.needs_groups {
        return Ok(Vec::new());
    }
    let ids = state.store.list_user_group_ids(user_id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let tree = GroupTree::new(state.store.list_groups(&client.realm_id).await?);
    let mut groups: Vec<MemberOf> = ids
        .iter()
        .filter_map(|id| tree.get(id))
        .map(|group| MemberOf { name: group.name.clone(), path: tree.path(&group.id) })
        .collect();
    groups.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(groups)
}

/// The user's effective roles, composites expanded.
pub async fn effective_roles(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
) -> Result<EffectiveRoles, ApiError> {
    let granted = state.store.list_user_held_role_ids(&user.id).await?;
    Ok(realm.roles.expand(&granted))
}
