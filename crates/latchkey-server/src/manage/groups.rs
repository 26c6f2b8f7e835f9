//! Groups (`GroupsResource`, `GroupResource`, a user's groups in `UserResource`, default
//! groups in `RealmAdminResource`): the realm's tree read whole, groups created, renamed,
//! moved and deleted, their members, and the realm's default groups. A change to a
//! group's roles or place changes what its members' tokens hold: the store drops the
//! users it caches (`latchkey-store`'s `database.rs`); tokens issued before keep what
//! they say until they expire, as in Keycloak.

use latchkey_core::group::{Group, GroupTree};
use latchkey_core::representation::GroupRepresentation;
use latchkey_core::store::{Store, StoreError};
use latchkey_core::user::User;

use super::{Field, ManageError, Missing, Reason};
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// The realm's groups, read in one go: the Admin API's listings, paths and searches are
/// answered from the tree.
pub(crate) async fn tree(
    state: &AppState,
    realm: &RealmSnapshot,
) -> Result<GroupTree, ManageError> {
    Ok(GroupTree::new(state.store.list_groups(&realm.realm.id).await?))
}

/// The group `…/groups/{id}` names.
pub(crate) fn find<'a>(tree: &'a GroupTree, id: &str) -> Result<&'a Group, ManageError> {
    tree.get(id).ok_or(ManageError::NotFound(Missing::Group))
}

/// The name a body gives: required, and not only white space (`ObjectUtil.isBlank`).
fn required_name(rep: &GroupRepresentation) -> Result<String, ManageError> {
    match rep.name.as_deref() {
        Some(name) if !name.trim().is_empty() => Ok(name.to_owned()),
        _ => Err(ManageError::invalid(Field::GroupName, Reason::Missing)),
    }
}

/// What a `POST` of a group did.
pub(crate) enum Placed {
    /// A new group, made from the body.
    Created(Group),
    /// The body named an existing group (`id`), now under the parent.
    Moved,
}

/// `POST …/groups` (`parent` `None`) or `POST …/groups/{parent}/children`: a body with an
/// `id` moves that group there (the body's `name` is required but not applied); without
/// one, a group is made from the body's name, description and attributes (its
/// `realmRoles`, `clientRoles` and `subGroups` are ignored, as Keycloak's Admin API
/// does). The name must be free at the place.
pub(crate) async fn create_or_move(
    state: &AppState,
    realm: &RealmSnapshot,
    parent: Option<&str>,
    rep: &GroupRepresentation,
) -> Result<Placed, ManageError> {
    let tree = tree(state, realm).await?;
    let parent = parent.map(|id| find(&tree, id)).transpose()?;
    let name = required_name(rep)?;
    let taken = || match parent {
        None => ManageError::TopLevelGroupTaken(name.clone()),
        Some(_) => ManageError::SiblingGroupTaken(name.clone()),
    };
    let parent_id = parent.map(|group| group.id.clone());
    if let Some(id) = &rep.id {
        let child = tree.get(id).ok_or(ManageError::NotFound(Missing::ChildGroup))?;
        // Already there, or "under itself": nothing to do (`GroupAdapter.setParent`).
        if child.parent_id == parent_id || parent_id.as_deref() == Some(child.id.as_str()) {
            return Ok(Placed::Moved);
        }
        if let Some(parent) = parent
            && tree.is_self_or_below(&child.id, &parent.id)
        {
            return Err(ManageError::GroupCycle);
        }
        let realm_id = &realm.realm.id;
        match state.store.move_group(realm_id, &child.id, parent_id.as_deref()).await {
            Ok(true) => {}
            Ok(false) => return Err(ManageError::GroupCycle),
            Err(StoreError::Conflict(_)) => return Err(taken()),
            Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::ChildGroup)),
            Err(error) => return Err(error.into()),
        }
        tracing::info!(group_id = %child.id, parent_id = ?parent_id, "group moved");
        return Ok(Placed::Moved);
    }
    let siblings = match parent {
        None => tree.top_level(),
        Some(parent) => tree.children(&parent.id),
    };
    if siblings.iter().any(|sibling| sibling.name == name) {
        return Err(taken());
    }
    let group = Group {
        id: latchkey_core::random::uuid(),
        realm_id: realm.realm.id.clone(),
        parent_id,
        name: name.clone(),
        description: rep.description.clone(),
        attributes: rep.attributes.clone().unwrap_or_default(),
        role_ids: Vec::new(),
    };
    match state.store.insert_group(&group).await {
        Err(StoreError::Conflict(_)) => return Err(taken()),
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::Group)),
        other => other?,
    }
    tracing::info!(group_id = %group.id, "group created");
    Ok(Placed::Created(group))
}

/// `PUT …/groups/{id}` (`GroupResource.updateGroup`): the name is required and must be
/// free among the group's siblings, an `id` must be the group's own; `attributes` given
/// replace the stored ones (absent, they stay); `description` is set as given (absent,
/// it goes).
pub(crate) async fn update(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
    rep: &GroupRepresentation,
) -> Result<(), ManageError> {
    let tree = tree(state, realm).await?;
    let stored = find(&tree, id)?;
    let name = required_name(rep)?;
    if rep.id.as_deref().is_some_and(|given| given != stored.id) {
        return Err(ManageError::invalid(Field::GroupId, Reason::Unsupported));
    }
    let siblings = match &stored.parent_id {
        None => tree.top_level(),
        Some(parent) => tree.children(parent),
    };
    let taken = || ManageError::SiblingGroupTaken(name.clone());
    if name != stored.name && siblings.iter().any(|s| s.id != stored.id && s.name == name) {
        return Err(taken());
    }
    let mut group = stored.clone();
    group.name.clone_from(&name);
    group.description.clone_from(&rep.description);
    if let Some(attributes) = &rep.attributes {
        group.attributes.clone_from(attributes);
    }
    match state.store.update_group(&group).await {
        Err(StoreError::Conflict(_)) => return Err(taken()),
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::Group)),
        other => other?,
    }
    tracing::info!(group_id = %group.id, "group updated");
    Ok(())
}

/// Deletes the group and every group below it, with their memberships and role mappings.
pub(crate) async fn remove(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ManageError> {
    match state.store.delete_group(&realm.realm.id, id).await {
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::Group)),
        other => other?,
    }
    tracing::info!(group_id = %id, "group deleted");
    Ok(())
}

/// The group of a membership or default-group path, worded `Group not found`.
fn find_member_group<'a>(tree: &'a GroupTree, id: &str) -> Result<&'a Group, ManageError> {
    tree.get(id).ok_or(ManageError::NotFound(Missing::MemberGroup))
}

/// The groups the user is a member of, by name (then path): a membership of a group
/// below makes no membership of the group above.
pub(crate) async fn of_user<'a>(
    state: &AppState,
    tree: &'a GroupTree,
    user: &User,
) -> Result<Vec<&'a Group>, ManageError> {
    let ids = state.store.list_user_group_ids(&user.id).await?;
    let mut groups: Vec<&Group> = ids.iter().filter_map(|id| tree.get(id)).collect();
    groups.sort_by_cached_key(|group| (group.name.clone(), tree.path(&group.id)));
    Ok(groups)
}

/// `PUT …/users/{id}/groups/{group}`: a member already stays one.
pub(crate) async fn join(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
    group_id: &str,
) -> Result<(), ManageError> {
    let tree = tree(state, realm).await?;
    let group = find_member_group(&tree, group_id)?;
    match state.store.join_group(&user.id, &group.id).await {
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::MemberGroup)),
        other => other?,
    }
    tracing::info!(user_id = %user.id, group_id = %group.id, "user joined a group");
    Ok(())
}

/// `DELETE …/users/{id}/groups/{group}`: not a member is not an error.
pub(crate) async fn leave(
    state: &AppState,
    realm: &RealmSnapshot,
    user: &User,
    group_id: &str,
) -> Result<(), ManageError> {
    let tree = tree(state, realm).await?;
    let group = find_member_group(&tree, group_id)?;
    state.store.leave_group(&user.id, &group.id).await?;
    tracing::info!(user_id = %user.id, group_id = %group.id, "user left a group");
    Ok(())
}

/// The group's direct members, by username.
pub(crate) async fn members(
    state: &AppState,
    realm: &RealmSnapshot,
    group: &Group,
    first: usize,
    max: usize,
) -> Result<Vec<User>, ManageError> {
    Ok(state.store.list_group_members(&realm.realm.id, &group.id, first, max).await?)
}

/// The realm's default groups, in the order they were made default.
pub(crate) async fn defaults<'a>(
    state: &AppState,
    realm: &RealmSnapshot,
    tree: &'a GroupTree,
) -> Result<Vec<&'a Group>, ManageError> {
    let ids = state.store.list_default_group_ids(&realm.realm.id).await?;
    Ok(ids.iter().filter_map(|id| tree.get(id)).collect())
}

/// Makes the group a default group (`true`) or no longer one.
pub(crate) async fn set_default(
    state: &AppState,
    realm: &RealmSnapshot,
    group_id: &str,
    is_default: bool,
) -> Result<(), ManageError> {
    let tree = tree(state, realm).await?;
    let group = find_member_group(&tree, group_id)?;
    let realm_id = &realm.realm.id;
    if is_default {
        match state.store.add_default_group(realm_id, &group.id).await {
            Err(StoreError::NotFound(_)) => {
                return Err(ManageError::NotFound(Missing::MemberGroup));
            }
            other => other?,
        }
    } else {
        state.store.remove_default_group(realm_id, &group.id).await?;
    }
    tracing::info!(group_id = %group.id, is_default, "default group changed");
    Ok(())
}

/// The ids of the groups a new user joins: the realm's default groups, then those `paths`
/// names (`/a/b`, or `a/b`), each once. A path that names no group refuses the user.
pub(crate) async fn for_new_user(
    state: &AppState,
    realm: &RealmSnapshot,
    paths: &[String],
) -> Result<Vec<String>, ManageError> {
    let mut ids = state.store.list_default_group_ids(&realm.realm.id).await?;
    if paths.is_empty() {
        return Ok(ids);
    }
    let tree = tree(state, realm).await?;
    for path in paths {
        let group =
            tree.find_by_path(path).ok_or_else(|| ManageError::UnknownGroupPath(path.clone()))?;
        if !ids.contains(&group.id) {
            ids.push(group.id.clone());
        }
    }
    Ok(ids)
}
