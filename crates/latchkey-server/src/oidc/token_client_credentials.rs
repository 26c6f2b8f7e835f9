//! The client credentials grant: a token for the client's service-account user,
//! without a refresh token unless the client asks for one.

use latchkey_core::grant::GrantType;
use latchkey_core::grant::client_credentials::{
    check_client, check_service_account, service_account_username,
};
use latchkey_core::scope::GrantedScope;
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::Store;
use latchkey_core::token::issue::{IssueRequest, IssuedTokens, issue};

use super::token::{TokenRequest, effective_roles};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn grant(state: &AppState, request: &TokenRequest) -> Result<IssuedTokens, ApiError> {
    let realm = &request.realm;
    check_client(&request.client)?;
    let scope = GrantedScope::resolve(&request.client, request.form.get("scope"))?;
    let username = service_account_username(&request.client.client_id);
    let user = state.store.find_user_by_username(&realm.realm.id, &username).await?;
    let user = check_service_account(user.as_ref())?;
    let now = state.clock.now();
    let with_refresh = request.client.client_credentials_use_refresh_token();
    let session = with_refresh.then(|| Session {
        id: latchkey_core::random::session_id(),
        realm_id: realm.realm.id.clone(),
        user_id: user.id.clone(),
        client_uuid: request.client.id.clone(),
        started: now.secs(),
        last_refresh: now.secs(),
        scope: scope.full_scope(),
        offline: false,
        reuse: RefreshReuse::default(),
        ip_address: request.caller.address.map(|a| a.to_string()).unwrap_or_default(),
    });
    let roles = effective_roles(state, realm, user).await?;
    let issuer = request.caller.issuer(&realm.realm.name);
    let address = request.caller.address.map(|a| a.to_string());
    let tokens = issue(&IssueRequest {
        realm: &realm.realm,
        client: &request.client,
        user,
        roles: &roles,
        session: session.as_ref(),
        scope: &scope,
        issuer: &issuer,
        grant: GrantType::ClientCredentials,
        keys: &realm.keys,
        now,
        issue_refresh: with_refresh,
        reuse_id: None,
        client_address: address.as_deref(),
    })
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(session) = &session {
        state.store.insert_session(session).await?;
    }
    Ok(tokens)
}
