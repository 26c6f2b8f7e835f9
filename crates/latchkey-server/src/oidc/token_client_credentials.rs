//! The client credentials grant's flow: check the client and scope, load the client's
//! service-account user and their grants, let
//! `latchkey_core::grant::client_credentials::decide` decide, insert the session it
//! returns, if any.

use latchkey_core::grant::client_credentials::{
    ClientCredentials, ClientCredentialsInput, check_request, decide, service_account_username,
};
use latchkey_core::store::Store;
use latchkey_core::token::issue::IssuedTokens;

use super::token::TokenRequest;
use crate::error::ApiError;
use crate::state::AppState;

pub async fn grant(state: &AppState, request: &TokenRequest) -> Result<IssuedTokens, ApiError> {
    let realm = &request.realm;
    let scope = check_request(&request.client, request.form.get("scope"))?;
    let username = service_account_username(&request.client.client_id);
    let user = state.store.find_user_by_username(&realm.realm.id, &username).await?;
    let role_ids = match &user {
        Some(user) => state.store.list_user_held_role_ids(&user.id).await?,
        None => Vec::new(),
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
        address: address.as_deref(),
        now: state.clock.now(),
    })?;
    match decision {
        ClientCredentials::Granted { tokens, session } => {
            if let Some(session) = &session {
                state.store.insert_session(session).await?;
            }
            Ok(tokens)
        }
        ClientCredentials::Refused(error) => Err(error.into()),
    }
}
