//! Realm and client roles (`RoleContainerResource`, `RoleByIdResource`): found by name,
//! created with composites, renamed, deleted, their composites changed, their holders
//! listed. The realm's default role keeps its place when renamed and cannot be deleted.

use latchkey_core::client::Client;
use latchkey_core::representation::RoleRepresentation;
use latchkey_core::role::Role;
use latchkey_core::store::{Store, StoreError};
use latchkey_core::user::User;

use super::{Field, ManageError, Missing, Reason, clients};
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// The role a path names: a realm role by name, a client's role by the client's
/// internal id and the role's name, or any role by id (`…/roles-by-id/{id}`).
pub(crate) enum RoleAt {
    Realm(String),
    Client(String, String),
    Id(String),
}

impl RoleAt {
    pub(crate) fn find<'a>(&self, realm: &'a RealmSnapshot) -> Result<&'a Role, ManageError> {
        let role = match self {
            RoleAt::Realm(name) => realm.roles.find_realm_role(name),
            RoleAt::Client(id, name) => {
                let client = clients::find(realm, id)?;
                realm.roles.find_client_role(&client.id, name)
            }
            RoleAt::Id(id) => {
                return realm.roles.get(id).ok_or(ManageError::NotFound(Missing::RoleById));
            }
        };
        role.ok_or(ManageError::NotFound(Missing::Role))
    }
}

/// The id of the realm's default role, which new users and service accounts get.
pub(crate) fn default_role_id(realm: &RealmSnapshot) -> Option<String> {
    let name = realm.realm.settings.default_role.as_deref()?;
    realm.roles.find_realm_role(name).map(|role| role.id.clone())
}

/// The ids of the composites a new role names: realm roles by name, client roles by
/// client and name (`RoleContainerResource.createRole`; unknown clients are skipped).
fn composite_ids(
    realm: &RealmSnapshot,
    rep: &RoleRepresentation,
) -> Result<Vec<String>, ManageError> {
    let Some(composites) = rep.composites.as_ref().filter(|_| rep.composite == Some(true)) else {
        return Ok(Vec::new());
    };
    let mut ids = Vec::new();
    for name in &composites.realm {
        let role = realm
            .roles
            .find_realm_role(name)
            .ok_or_else(|| ManageError::NotFound(Missing::RealmRoleNamed(name.clone())))?;
        ids.push(role.id.clone());
    }
    for (client_id, names) in &composites.client {
        let Some(client) = realm.client(client_id) else { continue };
        for name in names {
            let role = realm
                .roles
                .find_client_role(&client.id, name)
                .ok_or_else(|| ManageError::NotFound(Missing::ClientRoleNamed(name.clone())))?;
            ids.push(role.id.clone());
        }
    }
    Ok(ids)
}

/// Creates a role of the realm, or of `client` when given, with the composites `rep`
/// names: the name is required and must be free in its container.
pub(crate) async fn create(
    state: &AppState,
    realm: &RealmSnapshot,
    client: Option<&Client>,
    rep: &RoleRepresentation,
) -> Result<Role, ManageError> {
    if rep.name.is_empty() {
        return Err(ManageError::invalid(Field::RoleName, Reason::Missing));
    }
    let taken = || ManageError::RoleNameTaken(rep.name.clone());
    if let Some(client) = client
        && realm.roles.find_client_role(&client.id, &rep.name).is_some()
    {
        return Err(taken());
    }
    let role = Role {
        id: latchkey_core::random::uuid(),
        realm_id: realm.realm.id.clone(),
        client_uuid: client.map(|client| client.id.clone()),
        name: rep.name.clone(),
        description: rep.description.clone(),
        composites: composite_ids(realm, rep)?,
        attributes: rep.attributes.clone().unwrap_or_default(),
    };
    match state.store.insert_role(&role).await {
        Err(StoreError::Conflict(_)) => return Err(taken()),
        other => other?,
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(role = %role.name, client_uuid = ?role.client_uuid, "role created");
    Ok(role)
}

/// `PUT` of a role (`RoleResource.updateRole`, 26.7.3, `facts-12.md` §3.1–3.3): the name
/// is required and may change (the realm's default role keeps its place under a new
/// name; a taken name is a bare 409), the description is set as given (absent, it goes),
/// `attributes` given replace the stored ones (absent, they stay).
pub(crate) async fn update(
    state: &AppState,
    realm: &RealmSnapshot,
    at: &RoleAt,
    rep: &RoleRepresentation,
) -> Result<(), ManageError> {
    let old = at.find(realm)?;
    if rep.name.trim().is_empty() {
        return Err(ManageError::invalid(Field::RoleName, Reason::Missing));
    }
    let mut role = old.clone();
    role.name.clone_from(&rep.name);
    role.description.clone_from(&rep.description);
    if let Some(attributes) = &rep.attributes {
        role.attributes.clone_from(attributes);
    }
    match state.store.update_role(&role).await {
        Err(StoreError::Conflict(_)) => return Err(ManageError::Duplicate),
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::Role)),
        other => other?,
    }
    let settings = &realm.realm.settings;
    let is_default =
        old.client_uuid.is_none() && settings.default_role.as_deref() == Some(old.name.as_str());
    if role.name != old.name && is_default {
        let mut renamed = realm.realm.clone();
        renamed.settings.default_role = Some(role.name.clone());
        state.store.update_realm(&renamed).await?;
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(role = %role.name, "role updated");
    Ok(())
}

/// Deletes the role with its composite links and grants; the realm's default role stays.
pub(crate) async fn remove(
    state: &AppState,
    realm: &RealmSnapshot,
    at: &RoleAt,
) -> Result<(), ManageError> {
    let role = at.find(realm)?;
    let is_default = role.client_uuid.is_none()
        && realm.realm.settings.default_role.as_deref() == Some(role.name.as_str());
    if is_default {
        return Err(ManageError::DefaultRole(role.name.clone()));
    }
    match state.store.delete_role(&realm.realm.id, &role.id).await {
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::Role)),
        other => other?,
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(role = %role.name, client_uuid = ?role.client_uuid, "role deleted");
    Ok(())
}

/// Whether a composites change adds the roles or takes them out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Composites {
    Add,
    Remove,
}

/// Adds the roles `reps` name by id to the composite role `at`, or takes them out; one
/// that does not resolve refuses the whole change.
pub(crate) async fn change_composites(
    state: &AppState,
    realm: &RealmSnapshot,
    at: &RoleAt,
    reps: &[RoleRepresentation],
    change: Composites,
) -> Result<(), ManageError> {
    let role = at.find(realm)?;
    let ids = reps
        .iter()
        .map(|rep| {
            rep.id
                .as_deref()
                .and_then(|id| realm.roles.get(id))
                .map(|role| role.id.clone())
                .ok_or(ManageError::NotFound(Missing::CompositeRole))
        })
        .collect::<Result<Vec<String>, ManageError>>()?;
    match change {
        Composites::Add => state.store.add_composites(&role.id, &ids).await?,
        Composites::Remove => state.store.remove_composites(&role.id, &ids).await?,
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(role = %role.name, count = ids.len(), ?change, "composites changed");
    Ok(())
}

/// The users the role is granted to directly, by username (members of groups holding
/// it are not listed, as in Keycloak).
pub(crate) async fn holders(
    state: &AppState,
    realm: &RealmSnapshot,
    role: &Role,
) -> Result<Vec<User>, ManageError> {
    Ok(state.store.list_users_with_role(&realm.realm.id, &role.id).await?)
}
