//! The client credentials grant's flow: check the client and scope, load the client's
//! service-account user and their grants, let
//! `latchkey_core::grant::client_credentials::decide` decide, insert the session it
//! returns, if any.

use latchkey_core::grant::client_credentials::{
    ClientCredentials, ClientCredentialsInput, check_request, decide, service_account_username,
};
use latchkey_core::store::Store;
use latchkey_core::token::issue::IssuedTokens;

use super::token::{TokenRequest, member_of};
use super::token_password::{CLIENT_AUTH_METHOD, token_id};
use crate::error::ApiError;
use crate::events::LoginEvent;
use crate::state::AppState;

pub async fn grant(state: &AppState, request: &TokenRequest) -> Result<IssuedTokens, ApiError> {
    let realm = &request.realm;
    let scope = check_request(&request.client, request.form.get("scope"))?;
    let username = service_account_username(&request.client.client_id);
    let user = state.store.find_user_by_username(&realm.realm.id, &username).await?;
    let (role_ids, groups) = match &user {
        Some(user) => (
            state.store.list_user_held_role_ids(&user.id).await?,
            member_of(state, &request.client, &user.id).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    let address = request.caller.address.map(|a| a.to_string());
    let issuer = request.caller.issuer(&realm.realm.name);
    let decision = decide(&ClientCredentialsInput {
        realm: &realm.realm,
        keys: &realm.keys,
        roles: &realm.roles,
        client: &request.client,
        issuer: &issuer,
        scope: &scope,
        user: user.as_ref(),
        role_ids: &role_ids,
        groups: &groups,
        address: address.as_deref(),
        now: state.clock.now(),
    })?;
    let mut event = LoginEvent::new(state, realm, "CLIENT_LOGIN", &request.caller);
    event.client(&request.client.client_id);
    if let Some(user) = &user {
        event.user(&user.id);
    }
    match decision {
        ClientCredentials::Granted { tokens, session } => {
            if let Some(session) = &session {
                state.store.insert_session(session).await?;
            }
            if event.is_on() {
                event.detail("token_id", &token_id(&tokens.access_token));
                event.detail("grant_type", "client_credentials");
                event.detail("scope", &tokens.scope);
                event.detail("client_auth_method", CLIENT_AUTH_METHOD);
                event.detail("username", &username);
            }
            event.success(state, realm).await;
            Ok(tokens)
        }
        ClientCredentials::Refused(error) => {
            event.detail("reason", &error.description);
            event.detail("grant_type", "client_credentials");
            event.error(state, realm, error.code).await;
            Err(error.into())
        }
    }
}
