//! Groups between `GroupRepresentation` and the domain, both ways: the Admin API's
//! listings (brief or full, `ModelToRepresentation.toRepresentation`), and the realm
//! file's `groups` tree and `defaultGroups` (`RepresentationToModel.importGroup`,
//! `ExportUtils`).

use std::collections::BTreeMap;

use super::defaults::Builder;
use super::import::ImportError;
use super::types::{GroupAccess, GroupRepresentation, RealmRepresentation};
use crate::group::{Group, GroupNode, GroupTree};
use crate::role::RoleGraph;

/// How much of a group a listing writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GroupView {
    /// With `attributes`, `realmRoles` and `clientRoles` (not `briefRepresentation`).
    pub full: bool,
    /// With `subGroupCount`.
    pub sub_group_count: bool,
    /// With `access` (the Admin API's group resources; not user or role listings).
    pub access: Option<GroupAccess>,
}

/// The names of the roles mapped to the group: realm roles, and each client's by client
/// id, by name.
pub fn group_role_names(
    roles: &RoleGraph,
    group: &Group,
) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut realm_roles = Vec::new();
    let mut client_roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for role in group.role_ids.iter().filter_map(|id| roles.get(id)) {
        match &role.client_uuid {
            None => realm_roles.push(role.name.clone()),
            Some(client_uuid) => {
                if let Some(client_id) = roles.client_id_of(client_uuid) {
                    client_roles.entry(client_id.to_owned()).or_default().push(role.name.clone());
                }
            }
        }
    }
    realm_roles.sort();
    for names in client_roles.values_mut() {
        names.sort();
    }
    (realm_roles, client_roles)
}

/// One group as `view` says, with `subGroups` empty.
pub fn group_to_representation(
    tree: &GroupTree,
    roles: &RoleGraph,
    group: &Group,
    view: &GroupView,
) -> GroupRepresentation {
    let (realm_roles, client_roles) = if view.full {
        let (realm_roles, client_roles) = group_role_names(roles, group);
        (Some(realm_roles), Some(client_roles))
    } else {
        (None, None)
    };
    GroupRepresentation {
        id: Some(group.id.clone()),
        name: Some(group.name.clone()),
        description: group.description.clone(),
        path: Some(tree.path(&group.id)),
        parent_id: group.parent_id.clone(),
        sub_group_count: view
            .sub_group_count
            .then(|| i64::try_from(tree.sub_group_count(&group.id)).unwrap_or(i64::MAX)),
        sub_groups: Some(Vec::new()),
        attributes: view.full.then(|| group.attributes.clone()),
        realm_roles,
        client_roles,
        access: view.access,
        extra: serde_json::Map::new(),
    }
}

/// A group with the part of the tree below it that a listing shows.
pub fn node_to_representation(
    tree: &GroupTree,
    roles: &RoleGraph,
    node: &GroupNode<'_>,
    view: &GroupView,
) -> GroupRepresentation {
    let mut rep = group_to_representation(tree, roles, node.group, view);
    rep.sub_groups = Some(
        node.sub_groups
            .iter()
            .map(|child| node_to_representation(tree, roles, child, view))
            .collect(),
    );
    rep
}

/// The realm file's `groups`: every top-level group with its whole subtree, full, with
/// no `subGroupCount` or `access` (`ExportUtils.exportGroup`).
pub(super) fn export_groups(tree: &GroupTree, roles: &RoleGraph) -> Vec<GroupRepresentation> {
    fn subtree(tree: &GroupTree, roles: &RoleGraph, group: &Group) -> GroupRepresentation {
        let view = GroupView { full: true, ..GroupView::default() };
        let mut rep = group_to_representation(tree, roles, group, &view);
        rep.sub_groups =
            Some(tree.children(&group.id).into_iter().map(|c| subtree(tree, roles, c)).collect());
        rep
    }
    tree.top_level().into_iter().map(|group| subtree(tree, roles, group)).collect()
}

/// The paths of the realm's default groups.
pub(super) fn export_default_groups(tree: &GroupTree, ids: &[String]) -> Vec<String> {
    ids.iter().filter(|id| tree.get(id).is_some()).map(|id| tree.path(id)).collect()
}

/// Adds the file's groups, with their ids, attributes and role mappings, then resolves
/// `defaultGroups` by path. A role a group names that the realm lacks is created, as
/// Keycloak's importer does; a client it names must exist.
pub(super) fn import_groups(
    builder: &mut Builder,
    rep: &RealmRepresentation,
) -> Result<(), ImportError> {
    for group in rep.groups.iter().flatten() {
        import_group(builder, None, group)?;
    }
    let tree = GroupTree::new(builder.bundle.groups.clone());
    for path in rep.default_groups.iter().flatten() {
        let group = tree.find_by_path(path).ok_or_else(|| ImportError::UnknownGroup {
            path: path.clone(),
            used_by: "`defaultGroups`".to_owned(),
        })?;
        if !builder.bundle.default_group_ids.contains(&group.id) {
            builder.bundle.default_group_ids.push(group.id.clone());
        }
    }
    Ok(())
}

fn import_group(
    builder: &mut Builder,
    parent: Option<&Group>,
    rep: &GroupRepresentation,
) -> Result<(), ImportError> {
    let name = rep.name.clone().filter(|name| !name.is_empty()).ok_or_else(|| {
        ImportError::MissingGroupName {
            parent: parent.map(|p| p.name.clone()).unwrap_or_else(|| "the realm".to_owned()),
        }
    })?;
    let parent_id = parent.map(|p| p.id.clone());
    let is_taken = builder.bundle.groups.iter().any(|g| g.parent_id == parent_id && g.name == name);
    if is_taken {
        return Err(ImportError::DuplicateGroup(name));
    }
    let used_by = format!("group `{name}`");
    let mut role_ids: Vec<String> = Vec::new();
    for role_name in rep.realm_roles.iter().flatten() {
        let role_name = role_name.trim();
        let id = match builder.find_role(None, role_name) {
            Some(id) => id,
            None => builder.add_role(None, role_name, None),
        };
        if !role_ids.contains(&id) {
            role_ids.push(id);
        }
    }
    for (client_id, names) in rep.client_roles.iter().flatten() {
        let client_uuid = builder.client_uuid(client_id).ok_or_else(|| {
            ImportError::UnknownClient { client: client_id.clone(), used_by: used_by.clone() }
        })?;
        for role_name in names {
            let role_name = role_name.trim();
            let id = match builder.find_role(Some(&client_uuid), role_name) {
                Some(id) => id,
                None => builder.add_role(Some(&client_uuid), role_name, None),
            };
            if !role_ids.contains(&id) {
                role_ids.push(id);
            }
        }
    }
    let group = Group {
        id: rep.id.clone().filter(|id| !id.is_empty()).unwrap_or_else(crate::random::uuid),
        realm_id: builder.bundle.realm.id.clone(),
        parent_id,
        name,
        description: rep.description.clone(),
        attributes: rep.attributes.clone().unwrap_or_default(),
        role_ids,
    };
    if builder.bundle.groups.iter().any(|g| g.id == group.id) {
        return Err(ImportError::DuplicateGroup(group.id));
    }
    builder.bundle.groups.push(group.clone());
    for child in rep.sub_groups.iter().flatten() {
        import_group(builder, Some(&group), child)?;
    }
    Ok(())
}
