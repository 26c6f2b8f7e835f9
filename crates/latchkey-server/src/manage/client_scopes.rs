//! Client scopes (`ClientScopesResource`, `ClientScopeResource`,
//! `RealmAdminResource`'s default scopes, `ClientResource`'s default and optional
//! scopes): the realm's scopes created, renamed and deleted, the realm's default and
//! optional scopes for new clients, and a client's own default and optional scopes. Every
//! change that reaches tokens drops the realm's snapshot, so the next token request
//! compiles the client's claims again (`cache.rs`, `token/mappers.rs`).
//!
//! A client names its scopes by name (`ClientSettings::default_client_scopes`), as
//! realm files do; renaming or deleting a scope renames it in, or takes it out of, every
//! client of the realm, one client after the other.

use std::sync::Arc;

use latchkey_core::client::Client;
use latchkey_core::client_scope::{
    ClientScope, PROTOCOLS, RealmDefaultScope, ScopeKind, is_valid_scope_name,
};
use latchkey_core::representation::ClientScopeRepresentation;
use latchkey_core::store::{Store, StoreError};

use super::{ManageError, Missing};
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// Why a client scope or one of its protocol mappers was refused.
#[derive(Debug, thiserror::Error)]
pub enum ScopeRefusal {
    /// The name is not an OAuth scope token (`is_valid_scope_name`); `None` when absent.
    #[error("unexpected client scope name {0:?}")]
    Name(Option<String>),
    /// A new scope's protocol is missing or not one latchkey knows.
    #[error("unexpected protocol")]
    Protocol,
    /// Another scope of the realm has the name (or the new scope's own mappers share a
    /// name, which Keycloak words the same way).
    #[error("client scope {0} exists")]
    NameTaken(String),
    /// The client or scope has a mapper of this protocol with this name.
    #[error("a protocol mapper has this name")]
    MapperNameTaken,
    /// `add-models` gave a name twice, or one the holder has.
    #[error("protocol mapper names must be unique per protocol")]
    MapperNamesNotUnique,
    /// A mapper without `protocol` (Keycloak's database refuses the row: a 409).
    #[error("a protocol mapper needs a protocol")]
    MapperProtocolMissing,
    /// An update that changes a mapper's name, type or id (Keycloak answers 500).
    #[error("a protocol mapper's name, type and id cannot change")]
    MapperIdentityChanged,
}

/// The realm's client scopes, by name, with their mappers and scope mappings.
pub(crate) async fn list(
    state: &AppState,
    realm: &RealmSnapshot,
) -> Result<Vec<ClientScope>, ManageError> {
    Ok(state.store.list_client_scopes(&realm.realm.id).await?)
}

/// The scope `…/client-scopes/{id}` names.
pub(crate) async fn find(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<ClientScope, ManageError> {
    list(state, realm)
        .await?
        .into_iter()
        .find(|scope| scope.id == id)
        .ok_or(ManageError::NotFound(Missing::ClientScope))
}

fn checked_name(name: Option<&str>) -> Result<String, ScopeRefusal> {
    match name {
        Some(name) if is_valid_scope_name(name) => Ok(name.to_owned()),
        other => Err(ScopeRefusal::Name(other.map(str::to_owned))),
    }
}

/// `POST …/client-scopes` (`ClientScopesResource.createClientScope`): the name must be a
/// scope token and free, the protocol one latchkey knows; the body's mappers come along
/// (their types unchecked, as in Keycloak), with fresh ids.
pub(crate) async fn create(
    state: &AppState,
    realm: &RealmSnapshot,
    rep: &ClientScopeRepresentation,
) -> Result<ClientScope, ManageError> {
    let name = checked_name(rep.name.as_deref())?;
    let protocol = rep
        .protocol
        .clone()
        .filter(|protocol| PROTOCOLS.contains(&protocol.as_str()))
        .ok_or(ScopeRefusal::Protocol)?;
    let existing = list(state, realm).await?;
    let mappers = rep.protocol_mappers.clone().unwrap_or_default();
    let mapper_names_clash = mappers.iter().enumerate().any(|(i, mapper)| {
        mappers.iter().skip(i + 1).any(|m| m.name == mapper.name && m.protocol == mapper.protocol)
    });
    if existing.iter().any(|scope| scope.name == name) || mapper_names_clash {
        return Err(ScopeRefusal::NameTaken(name).into());
    }
    let scope = ClientScope {
        id: latchkey_core::random::uuid(),
        realm_id: realm.realm.id.clone(),
        name: name.clone(),
        description: rep.description.clone(),
        protocol,
        attributes: rep.attributes.clone().unwrap_or_default(),
        protocol_mappers: mappers
            .into_iter()
            .map(|mapper| latchkey_core::client::ProtocolMapper {
                id: Some(latchkey_core::random::uuid()),
                ..mapper
            })
            .collect(),
        role_ids: Vec::new(),
    };
    match state.store.insert_client_scope(&scope).await {
        Err(StoreError::Conflict(_)) => return Err(ScopeRefusal::NameTaken(name).into()),
        other => other?,
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(scope_id = %scope.id, "client scope created");
    Ok(scope)
}

/// `PUT …/client-scopes/{id}` (`ClientScopeResource.update`, observed in 26.7.3): the
/// name is required, must be a scope token and free; `description`, `protocol` and
/// `attributes` given replace the stored ones (absent, they stay); the body's `id` and
/// `protocolMappers` are ignored. A new name is written into every client that has the
/// scope.
pub(crate) async fn update(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
    rep: &ClientScopeRepresentation,
) -> Result<(), ManageError> {
    let scopes = list(state, realm).await?;
    let stored = scopes
        .iter()
        .find(|scope| scope.id == id)
        .ok_or(ManageError::NotFound(Missing::ClientScope))?;
    let name = checked_name(rep.name.as_deref())?;
    if name != stored.name && scopes.iter().any(|scope| scope.name == name) {
        return Err(ScopeRefusal::NameTaken(name).into());
    }
    let mut scope = stored.clone();
    scope.name.clone_from(&name);
    if rep.description.is_some() {
        scope.description.clone_from(&rep.description);
    }
    if let Some(protocol) = &rep.protocol {
        scope.protocol.clone_from(protocol);
    }
    if let Some(attributes) = &rep.attributes {
        scope.attributes.clone_from(attributes);
    }
    let clients = renamed_in_clients(realm, &stored.name, Some(&name));
    match state.store.update_client_scope(&scope, &clients).await {
        Err(StoreError::Conflict(_)) => return Err(ScopeRefusal::NameTaken(name).into()),
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::ClientScope)),
        other => other?,
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(scope_id = %scope.id, "client scope updated");
    Ok(())
}

/// `DELETE …/client-scopes/{id}`: the scope goes with its mappers, its scope mappings and
/// its place among the realm's default scopes (Keycloak 26.7.3 answers 204 for a realm
/// default, facts-12 §2.3), and out of every client that had it.
pub(crate) async fn remove(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ManageError> {
    let scope = find(state, realm, id).await?;
    let clients = renamed_in_clients(realm, &scope.name, None);
    match state.store.delete_client_scope(&realm.realm.id, id, &clients).await {
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::ClientScope)),
        other => other?,
    }
    state.realms.invalidate(&realm.realm.name);
    tracing::info!(scope_id = %id, "client scope deleted");
    Ok(())
}

/// The clients of the snapshot that name scope `old`, with it renamed to `new` (or, for
/// `None`, taken out) of their default and optional scopes: written with the scope's own
/// change, in its transaction. A client deleted meanwhile makes the change `NotFound`, and
/// the caller's request fails whole rather than half.
fn renamed_in_clients(realm: &RealmSnapshot, old: &str, new: Option<&str>) -> Vec<Client> {
    let has = |names: &[String]| names.iter().any(|n| n == old);
    realm
        .clients
        .values()
        .filter(|stored| {
            has(&stored.settings.default_client_scopes)
                || has(&stored.settings.optional_client_scopes)
        })
        .map(|stored| {
            let mut client = Client::clone(stored);
            for names in [
                &mut client.settings.default_client_scopes,
                &mut client.settings.optional_client_scopes,
            ] {
                match new {
                    Some(new) => {
                        names.iter_mut().filter(|n| *n == old).for_each(|n| *n = new.to_owned())
                    }
                    None => names.retain(|n| n != old),
                }
            }
            client
        })
        .collect()
}

/// The realm's default (or optional) scopes, in the order added
/// (`GET …/default-default-client-scopes`, `…/default-optional-client-scopes`).
pub(crate) async fn realm_defaults(
    state: &AppState,
    realm: &RealmSnapshot,
    kind: ScopeKind,
) -> Result<Vec<ClientScope>, ManageError> {
    let scopes = list(state, realm).await?;
    let entries = state.store.list_realm_default_scopes(&realm.realm.id).await?;
    Ok(entries
        .into_iter()
        .filter(|entry| entry.kind == kind)
        .filter_map(|entry| scopes.iter().find(|scope| scope.id == entry.scope_id).cloned())
        .collect())
}

/// The scope a default-scope path names (`…/default-default-client-scopes/{id}`,
/// `…/clients/{id}/default-client-scopes/{id}`), worded as Keycloak words its absence there.
async fn find_to_link(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<ClientScope, ManageError> {
    find(state, realm, id).await.map_err(|error| match error {
        ManageError::NotFound(_) => ManageError::NotFound(Missing::ScopeToLink),
        other => other,
    })
}

/// `PUT …/default-{default,optional}-client-scopes/{id}`: 409 `Duplicate resource error`
/// when the scope is a default or optional scope of the realm already (facts-12 §2.3).
pub(crate) async fn add_realm_default(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
    kind: ScopeKind,
) -> Result<(), ManageError> {
    let scope = find_to_link(state, realm, id).await?;
    let entry = RealmDefaultScope { scope_id: scope.id.clone(), kind };
    if !state.store.add_realm_default_scope(&realm.realm.id, &entry).await? {
        return Err(ManageError::Duplicate);
    }
    tracing::info!(scope_id = %scope.id, ?kind, "realm default client scope added");
    Ok(())
}

/// `DELETE …/default-{default,optional}-client-scopes/{id}`: 204 also when the scope
/// was not one (of either kind; Keycloak removes it whichever it was).
pub(crate) async fn remove_realm_default(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<(), ManageError> {
    let scope = find_to_link(state, realm, id).await?;
    if state.store.remove_realm_default_scope(&realm.realm.id, &scope.id).await? {
        tracing::info!(scope_id = %scope.id, "realm default client scope removed");
    }
    Ok(())
}

/// A client's default (or optional) scopes that exist, in the client's order.
pub(crate) async fn client_scopes(
    state: &AppState,
    realm: &RealmSnapshot,
    client: &Client,
    kind: ScopeKind,
) -> Result<Vec<ClientScope>, ManageError> {
    let scopes = list(state, realm).await?;
    let names = match kind {
        ScopeKind::Default => &client.settings.default_client_scopes,
        ScopeKind::Optional => &client.settings.optional_client_scopes,
    };
    Ok(names
        .iter()
        .filter_map(|name| scopes.iter().find(|scope| &scope.name == name).cloned())
        .collect())
}

/// `PUT …/clients/{id}/{default,optional}-client-scopes/{scope}`
/// (`ClientResource.addDefaultClientScope`, observed in 26.7.3): a scope the client has
/// already, as either kind, or of another protocol is a 204 that changes nothing.
pub(crate) async fn add_to_client(
    state: &AppState,
    realm: &RealmSnapshot,
    client: &Arc<Client>,
    scope_id: &str,
    kind: ScopeKind,
) -> Result<(), ManageError> {
    let scope = find_to_link(state, realm, scope_id).await?;
    let settings = &client.settings;
    let has = |names: &[String]| names.contains(&scope.name);
    if scope.protocol != settings.protocol
        || has(&settings.default_client_scopes)
        || has(&settings.optional_client_scopes)
    {
        return Ok(());
    }
    let mut changed = Client::clone(client);
    match kind {
        ScopeKind::Default => changed.settings.default_client_scopes.push(scope.name.clone()),
        ScopeKind::Optional => changed.settings.optional_client_scopes.push(scope.name.clone()),
    }
    save_client(state, realm, &changed).await?;
    tracing::info!(client_id = %client.client_id, scope_id = %scope.id, ?kind, "client scope added to client");
    Ok(())
}

/// `DELETE …/clients/{id}/{default,optional}-client-scopes/{scope}`: 204 also when the
/// client did not have it.
pub(crate) async fn remove_from_client(
    state: &AppState,
    realm: &RealmSnapshot,
    client: &Arc<Client>,
    scope_id: &str,
    kind: ScopeKind,
) -> Result<(), ManageError> {
    let scope = find_to_link(state, realm, scope_id).await?;
    let mut changed = Client::clone(client);
    let names = match kind {
        ScopeKind::Default => &mut changed.settings.default_client_scopes,
        ScopeKind::Optional => &mut changed.settings.optional_client_scopes,
    };
    let before = names.len();
    names.retain(|name| *name != scope.name);
    if names.len() != before {
        save_client(state, realm, &changed).await?;
        tracing::info!(client_id = %client.client_id, scope_id = %scope.id, "client scope removed from client");
    }
    Ok(())
}

/// Writes a client whose scopes or mappers changed and drops the realm's snapshot.
pub(crate) async fn save_client(
    state: &AppState,
    realm: &RealmSnapshot,
    client: &Client,
) -> Result<(), ManageError> {
    match state.store.update_client(client).await {
        Err(StoreError::NotFound(_)) => return Err(ManageError::NotFound(Missing::Client)),
        other => other?,
    }
    state.realms.invalidate(&realm.realm.name);
    Ok(())
}

/// A new client's default and optional scopes (observed in 26.7.3, facts-12 §2.4): when
/// the body names either list, the scopes it names that exist, and nothing else (an
/// unknown name is dropped silently; the list not given is empty); otherwise the realm's
/// current default and optional scopes of the client's protocol.
pub(crate) async fn initial_scopes(
    state: &AppState,
    realm: &RealmSnapshot,
    client: &mut Client,
    given: (Option<&[String]>, Option<&[String]>),
) -> Result<(), ManageError> {
    let scopes = list(state, realm).await?;
    let settings = &mut client.settings;
    if let (None, None) = given {
        let entries = state.store.list_realm_default_scopes(&realm.realm.id).await?;
        let names = |kind: ScopeKind| -> Vec<String> {
            entries
                .iter()
                .filter(|entry| entry.kind == kind)
                .filter_map(|entry| scopes.iter().find(|scope| scope.id == entry.scope_id))
                .filter(|scope| scope.protocol == settings.protocol)
                .map(|scope| scope.name.clone())
                .collect()
        };
        settings.default_client_scopes = names(ScopeKind::Default);
        settings.optional_client_scopes = names(ScopeKind::Optional);
        return Ok(());
    }
    let existing = |names: Option<&[String]>| -> Vec<String> {
        names
            .unwrap_or_default()
            .iter()
            .filter(|name| scopes.iter().any(|scope| &scope.name == *name))
            .cloned()
            .collect()
    };
    settings.default_client_scopes = existing(given.0);
    settings.optional_client_scopes = existing(given.1);
    Ok(())
}
