//! Role mappings of a user or a group (`RoleMapperResource`,
//! `ClientRoleMappingsResource`): the roles mapped directly, the effective ones (a
//! user's through their groups and the groups above too, a group's through the groups
//! above it, composites expanded), and mappings added or taken away. A body naming a
//! role must give its stored `id` and `name`, else nothing changes.

use latchkey_core::client::Client;
use latchkey_core::group::{Group, GroupTree};
use latchkey_core::representation::RoleRepresentation;
use latchkey_core::role::{EffectiveRoles, Role};
use latchkey_core::store::Store;
use latchkey_core::user::User;

use super::{ManageError, Missing};
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// Whose role mappings a request reads or changes.
#[derive(Clone, Copy)]
pub(crate) enum Holder<'a> {
    User(&'a User),
    /// A group, with the realm's tree for the groups above it.
    Group(&'a Group, &'a GroupTree),
}

impl Holder<'_> {
    /// Ids of the roles mapped directly.
    async fn granted_ids(&self, state: &AppState) -> Result<Vec<String>, ManageError> {
        match self {
            Holder::User(user) => Ok(state.store.list_user_role_ids(&user.id).await?),
            Holder::Group(group, _) => Ok(group.role_ids.clone()),
        }
    }

    /// Ids of the roles held before composites: a user's own and their groups' (and the
    /// groups above those), a group's own and the groups above it.
    async fn held_ids(&self, state: &AppState) -> Result<Vec<String>, ManageError> {
        match self {
            Holder::User(user) => Ok(state.store.list_user_held_role_ids(&user.id).await?),
            Holder::Group(group, tree) => Ok(tree.held_role_ids([group.id.as_str()])),
        }
    }
}

/// The roles mapped to the holder directly, by name.
pub(crate) async fn granted<'a>(
    state: &AppState,
    realm: &'a RealmSnapshot,
    holder: Holder<'_>,
) -> Result<Vec<&'a Role>, ManageError> {
    let ids = holder.granted_ids(state).await?;
    let mut roles: Vec<&Role> = ids.iter().filter_map(|id| realm.roles.get(id)).collect();
    roles.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(roles)
}

/// The holder's roles with groups and composites expanded.
pub(crate) async fn effective(
    state: &AppState,
    realm: &RealmSnapshot,
    holder: Holder<'_>,
) -> Result<EffectiveRoles, ManageError> {
    let held = holder.held_ids(state).await?;
    Ok(realm.roles.expand(&held))
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

/// Maps `roles` (found in the realm already) to the holder directly, or takes them away.
pub(crate) async fn change(
    state: &AppState,
    holder: Holder<'_>,
    roles: &[&Role],
    change: Mapping,
) -> Result<(), ManageError> {
    let role_ids: Vec<String> = roles.iter().map(|role| role.id.clone()).collect();
    let store = &state.store;
    match (holder, change) {
        (Holder::User(user), Mapping::Grant) => store.grant_roles(&user.id, &role_ids).await?,
        (Holder::User(user), Mapping::Revoke) => store.revoke_roles(&user.id, &role_ids).await?,
        (Holder::Group(group, _), Mapping::Grant) => {
            store.grant_group_roles(&group.id, &role_ids).await?;
        }
        (Holder::Group(group, _), Mapping::Revoke) => {
            store.revoke_group_roles(&group.id, &role_ids).await?;
        }
    }
    match holder {
        Holder::User(user) => {
            tracing::info!(user_id = %user.id, count = role_ids.len(), ?change, "role mappings changed");
        }
        Holder::Group(group, _) => {
            tracing::info!(group_id = %group.id, count = role_ids.len(), ?change, "group role mappings changed");
        }
    }
    Ok(())
}
