//! Scope mappings of a client or a client scope (`ScopeMappedResource`,
//! `ScopeMappedClientResource`): the realm and client roles whose claims a client
//! without `fullScopeAllowed` lets into its tokens. Each change drops the realm's
//! snapshot, where the client's claims are compiled (`token/mappers.rs`).

use latchkey_core::client::Client;
use latchkey_core::client_scope::ClientScope;
use latchkey_core::role::{EffectiveRoles, Role};
use latchkey_core::store::Store;

use super::ManageError;
use super::role_mappings::Mapping;
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// Whose scope mappings a request reads or changes.
#[derive(Clone, Copy)]
pub(crate) enum Scoped<'a> {
    Client(&'a Client),
    Scope(&'a ClientScope),
}

/// The roles mapped directly, by name.
pub(crate) async fn granted<'a>(
    state: &AppState,
    realm: &'a RealmSnapshot,
    holder: Scoped<'_>,
) -> Result<Vec<&'a Role>, ManageError> {
    let ids: Vec<String> = match holder {
        Scoped::Client(client) => state
            .store
            .list_client_scope_mappings(&realm.realm.id)
            .await?
            .into_iter()
            .filter(|mapping| mapping.client_uuid == client.id)
            .map(|mapping| mapping.role_id)
            .collect(),
        Scoped::Scope(scope) => scope.role_ids.clone(),
    };
    let mut roles: Vec<&Role> = ids.iter().filter_map(|id| realm.roles.get(id)).collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(roles)
}

/// The roles in scope (`composite`): every role for a client with `fullScopeAllowed`
/// (`ClientModel.hasScope`; facts-12 §2.6 lists all of the realm's roles), otherwise the
/// mapped ones with their composites.
pub(crate) async fn effective(
    state: &AppState,
    realm: &RealmSnapshot,
    holder: Scoped<'_>,
) -> Result<Option<EffectiveRoles>, ManageError> {
    if let Scoped::Client(client) = holder
        && client.settings.full_scope_allowed
    {
        return Ok(None);
    }
    let ids: Vec<String> =
        granted(state, realm, holder).await?.iter().map(|role| role.id.clone()).collect();
    Ok(Some(realm.roles.expand(&ids)))
}

/// Maps `roles` to the holder's scope, or takes them away.
pub(crate) async fn change(
    state: &AppState,
    realm: &RealmSnapshot,
    holder: Scoped<'_>,
    roles: &[&Role],
    change: Mapping,
) -> Result<(), ManageError> {
    let role_ids: Vec<String> = roles.iter().map(|role| role.id.clone()).collect();
    let store = &state.store;
    match (holder, change) {
        (Scoped::Client(client), Mapping::Grant) => {
            store.grant_client_scope_mappings(&client.id, &role_ids).await?;
        }
        (Scoped::Client(client), Mapping::Revoke) => {
            store.revoke_client_scope_mappings(&client.id, &role_ids).await?;
        }
        (Scoped::Scope(scope), Mapping::Grant) => {
            store.grant_client_scope_roles(&scope.id, &role_ids).await?;
        }
        (Scoped::Scope(scope), Mapping::Revoke) => {
            store.revoke_client_scope_roles(&scope.id, &role_ids).await?;
        }
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(count = role_ids.len(), ?change, "scope mappings changed");
    Ok(())
}
