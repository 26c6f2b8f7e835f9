//! Realm and client roles between `RolesRepresentation` and the domain, both ways.
//! Composites and grants name roles; the domain links them by id.

use std::collections::HashMap;

use super::defaults::Builder;
use super::import::ImportError;
use super::types::{
    CompositesRepresentation, RealmRepresentation, RoleRepresentation, RolesRepresentation,
};
use crate::role::Role;
use crate::store::RealmBundle;

/// The id of realm role `name`, or an error saying who asked for it.
pub(super) fn resolve_realm_role(
    builder: &Builder,
    name: &str,
    used_by: &str,
) -> Result<String, ImportError> {
    builder.find_role(None, name).ok_or_else(|| ImportError::UnknownRealmRole {
        role: name.to_owned(),
        used_by: used_by.to_owned(),
    })
}

/// The id of role `name` of the client `client_id`, or an error saying who asked for it.
pub(super) fn resolve_client_role(
    builder: &Builder,
    client_id: &str,
    name: &str,
    used_by: &str,
) -> Result<String, ImportError> {
    let uuid = builder.client_uuid(client_id).ok_or_else(|| ImportError::UnknownClient {
        client: client_id.to_owned(),
        used_by: used_by.to_owned(),
    })?;
    builder.find_role(Some(&uuid), name).ok_or_else(|| ImportError::UnknownClientRole {
        client: client_id.to_owned(),
        role: name.to_owned(),
        used_by: used_by.to_owned(),
    })
}

/// Declares every role of the file (keeping its id), then resolves composites by name,
/// so a composite may name a role listed after it or a role of any client.
/// A role that gives `composites` gets exactly those; one that says `"composite": false`
/// gets none (a Keycloak export writes a built-in role whose composites were removed
/// that way); one that says neither keeps the built-in ones it may have.
pub(super) fn import_roles(
    builder: &mut Builder,
    rep: &RealmRepresentation,
) -> Result<(), ImportError> {
    let Some(roles) = &rep.roles else { return Ok(()) };
    let mut declared: Vec<(String, &RoleRepresentation)> = Vec::new();
    for role in &roles.realm {
        declared.push((declare_role(builder, None, role, "the realm")?, role));
    }
    for (client_id, client_roles) in &roles.client {
        let uuid = builder.client_uuid(client_id).ok_or_else(|| ImportError::UnknownClient {
            client: client_id.clone(),
            used_by: "`roles.client`".to_owned(),
        })?;
        let container = format!("client `{client_id}`");
        for role in client_roles {
            declared.push((declare_role(builder, Some(&uuid), role, &container)?, role));
        }
    }
    for (id, role) in declared {
        let Some(composites) = &role.composites else {
            if role.composite == Some(false)
                && let Some(stored) = builder.role_mut(&id)
            {
                stored.composites.clear();
            }
            continue;
        };
        let used_by = format!("composite role `{}`", role.name);
        let mut children = Vec::new();
        for name in &composites.realm {
            children.push(resolve_realm_role(builder, name, &used_by)?);
        }
        for (client_id, names) in &composites.client {
            for name in names {
                children.push(resolve_client_role(builder, client_id, name, &used_by)?);
            }
        }
        if let Some(stored) = builder.role_mut(&id) {
            stored.composites.clear();
        }
        builder.add_composites(&id, children);
    }
    Ok(())
}

/// Adds the role, or updates the built-in role of that name, and returns its id.
fn declare_role(
    builder: &mut Builder,
    client_uuid: Option<&str>,
    rep: &RoleRepresentation,
    container: &str,
) -> Result<String, ImportError> {
    if rep.name.is_empty() {
        return Err(ImportError::MissingRoleName { container: container.to_owned() });
    }
    let id = match builder.find_role(client_uuid, &rep.name) {
        Some(existing) => {
            if let (Some(description), Some(stored)) =
                (&rep.description, builder.role_mut(&existing))
            {
                stored.description = Some(description.clone());
            }
            existing
        }
        None => builder.add_role(client_uuid, &rep.name, rep.description.clone()),
    };
    if let (Some(attributes), Some(stored)) = (&rep.attributes, builder.role_mut(&id)) {
        stored.attributes.clone_from(attributes);
    }
    Ok(adopt_role_id(builder, id, rep.id.as_deref()))
}

/// Gives the role the id the file uses, updating the composites that point at it.
fn adopt_role_id(builder: &mut Builder, current: String, wanted: Option<&str>) -> String {
    let Some(wanted) = wanted.filter(|w| !w.is_empty() && *w != current) else { return current };
    for role in &mut builder.bundle.roles {
        if role.id == current {
            role.id = wanted.to_owned();
        }
        for child in &mut role.composites {
            if *child == current {
                *child = wanted.to_owned();
            }
        }
    }
    wanted.to_owned()
}

/// Applies `defaultRole` (Keycloak ≥13), or the `defaultRoles` lists of realm and
/// clients that older versions exported (`MigrateTo13_0_0` folds them into the role).
pub(super) fn import_default_role(
    builder: &mut Builder,
    rep: &RealmRepresentation,
) -> Result<(), ImportError> {
    if let Some(default_role) = rep.default_role.as_ref().filter(|r| !r.name.is_empty()) {
        resolve_realm_role(builder, &default_role.name, "`defaultRole`")?;
        builder.bundle.realm.settings.default_role = Some(default_role.name.clone());
        return Ok(());
    }
    let legacy_clients: Vec<(&str, &[String])> = rep
        .clients
        .iter()
        .flatten()
        .filter_map(|c| c.default_roles.as_deref().map(|roles| (c.client_id.as_str(), roles)))
        .collect();
    if rep.default_roles.is_none() && legacy_clients.is_empty() {
        return Ok(());
    }
    let Some(default_name) = builder.bundle.realm.settings.default_role.clone() else {
        return Ok(());
    };
    let default_id = resolve_realm_role(builder, &default_name, "`defaultRoles`")?;
    let mut children = Vec::new();
    for name in rep.default_roles.iter().flatten() {
        children.push(resolve_realm_role(builder, name, "`defaultRoles`")?);
    }
    let mut replaced_clients = Vec::new();
    for (client_id, names) in &legacy_clients {
        let used_by = format!("`defaultRoles` of client `{client_id}`");
        for name in *names {
            children.push(resolve_client_role(builder, client_id, name, &used_by)?);
        }
        replaced_clients.extend(builder.client_uuid(client_id));
    }
    // Keep the part of the built-in composites that the file does not restate.
    let kept: Vec<String> = builder
        .bundle
        .roles
        .iter()
        .find(|r| r.id == default_id)
        .map(|role| role.composites.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|child| {
            let owner = builder.bundle.roles.iter().find(|r| r.id == *child);
            match owner.and_then(|r| r.client_uuid.as_ref()) {
                None => rep.default_roles.is_none(),
                Some(client_uuid) => !replaced_clients.contains(client_uuid),
            }
        })
        .collect();
    if let Some(role) = builder.role_mut(&default_id) {
        role.composites = kept;
    }
    builder.add_composites(&default_id, children);
    Ok(())
}

/// A role as the Admin API lists it (`toBriefRepresentation`): no composite names, only
/// whether it has some, and no attributes.
pub fn role_to_representation(role: &Role) -> RoleRepresentation {
    RoleRepresentation {
        id: Some(role.id.clone()),
        name: role.name.clone(),
        description: role.description.clone(),
        composite: Some(role.is_composite()),
        composites: None,
        client_role: Some(role.client_uuid.is_some()),
        container_id: Some(role.client_uuid.clone().unwrap_or_else(|| role.realm_id.clone())),
        attributes: None,
        extra: serde_json::Map::new(),
    }
}

/// A role as the Admin API reads one (`toRepresentation`): with its attributes.
pub fn role_to_full_representation(role: &Role) -> RoleRepresentation {
    RoleRepresentation { attributes: Some(role.attributes.clone()), ..role_to_representation(role) }
}

/// Looks roles and clients up by id, to write names where the domain keeps ids.
pub(super) struct RoleNames<'a> {
    roles: HashMap<&'a str, &'a Role>,
    client_ids: HashMap<&'a str, &'a str>,
}

/// Where a role lives, by name.
pub(super) enum RoleOwner<'a> {
    Realm,
    Client(&'a str),
}

impl<'a> RoleNames<'a> {
    pub(super) fn new(bundle: &'a RealmBundle) -> Self {
        RoleNames {
            roles: bundle.roles.iter().map(|r| (r.id.as_str(), r)).collect(),
            client_ids: bundle
                .clients
                .iter()
                .map(|c| (c.id.as_str(), c.client_id.as_str()))
                .collect(),
        }
    }

    pub(super) fn role(&self, id: &str) -> Option<&'a Role> {
        self.roles.get(id).copied()
    }

    /// `None` for a client role whose client is missing (nothing to name it by).
    pub(super) fn owner(&self, role: &Role) -> Option<RoleOwner<'a>> {
        match &role.client_uuid {
            None => Some(RoleOwner::Realm),
            Some(uuid) => self.client_ids.get(uuid.as_str()).map(|c| RoleOwner::Client(c)),
        }
    }
}

/// The `roles` section: every role with its composites by name.
pub(super) fn export_roles(bundle: &RealmBundle, names: &RoleNames<'_>) -> RolesRepresentation {
    let mut roles = RolesRepresentation::default();
    for role in &bundle.roles {
        let mut rep = role_to_full_representation(role);
        if role.is_composite() {
            let mut composites = CompositesRepresentation::default();
            for child in role.composites.iter().filter_map(|id| names.role(id)) {
                match names.owner(child) {
                    Some(RoleOwner::Realm) => composites.realm.push(child.name.clone()),
                    Some(RoleOwner::Client(client_id)) => composites
                        .client
                        .entry(client_id.to_owned())
                        .or_default()
                        .push(child.name.clone()),
                    None => {}
                }
            }
            rep.composites = Some(composites);
        }
        match names.owner(role) {
            Some(RoleOwner::Realm) => roles.realm.push(rep),
            Some(RoleOwner::Client(client_id)) => {
                roles.client.entry(client_id.to_owned()).or_default().push(rep);
            }
            None => {}
        }
    }
    roles
}
