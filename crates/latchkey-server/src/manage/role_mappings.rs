//! A user's role mappings (`RoleMapperResource`, `ClientRoleMappingsResource`): the roles
//! granted directly, the effective ones, and grants added or taken away. A body naming a
//! role must give its stored `id` and `name`, else nothing changes.

use latchkey_core::client::Client;
use latchkey_core::representation::RoleRepresentation;
use latchkey_core::role::{EffectiveRoles, Role};
use latchkey_core::store::Store;
use latchkey_core::user::User;

use super::{ManageError, Missing};
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// The roles granted to `user` directly, by name.
pub(crate) async fn granted<'a>(
    state: &AppState,
    realm: &'a RealmSnapshot,
    user: &User,
) -> Result<Vec<&'a Role>, ManageError> {
    let ids = state.store.list_user_role_ids(&user.id).await?;
    let mut roles: Vec<&Role> = ids.iter().filter_map(|id| realm.roles.get(id)).collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(roles)
}

/// The user's roles with composites expanded.
pub(crate) async fn effective(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
) -> Result<EffectiveRoles, ManageError> {
    let granted = state.store.list_user_role_ids(&user.id).await?;
    Ok(realm.roles.expand(&granted))
}

/// The stored roles a body names: realm roles, or `client`'s roles when given. Each
/// entry must give the role's `id` and `name` as stored.
pub(crate) fn resolve<'a>(
    realm: &'a RealmSnapshot,
    client: Option<&Client>,
    reps: &[RoleRepresentation],
) -> Result<Vec<&'a Role>, ManageError> {
    reps.iter()
        .map(|rep| {
            let role = match client {
                None => realm.roles.find_realm_role(&rep.name),
                Some(client) => realm.roles.find_client_role(&client.id, &rep.name),
            };
            role.filter(|role| rep.id.as_deref() == Some(role.id.as_str()))
                .ok_or(ManageError::NotFound(Missing::MappedRole))
        })
        .collect()
}

/// Whether a role mapping change grants roles or takes them away.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mapping {
    Grant,
    Revoke,
}

/// Grants `roles` (found in the realm already) to `user` directly, or takes them away.
pub(crate) async fn change(
    state: &AppState,
    user: &User,
    roles: &[&Role],
    change: Mapping,
) -> Result<(), ManageError> {
    let role_ids: Vec<String> = roles.iter().map(|role| role.id.clone()).collect();
    match change {
        Mapping::Grant => state.store.grant_roles(&user.id, &role_ids).await?,
        Mapping::Revoke => state.store.revoke_roles(&user.id, &role_ids).await?,
    }
    tracing::info!(user_id = %user.id, count = role_ids.len(), ?change, "role mappings changed");
    Ok(())
}
