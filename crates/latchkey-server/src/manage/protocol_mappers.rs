//! Protocol mappers of a client or a client scope (`ProtocolMappersResource`): listed,
//! added one at a time or several at once (all or nothing), updated (the config replaced
//! whole) and deleted. Each change drops the realm's snapshot, so the next token carries
//! it (`token/mappers.rs` compiles the claims per snapshot).

use std::sync::Arc;

use latchkey_core::client::{Client, ProtocolMapper};
use latchkey_core::client_scope::{ClientScope, PROTOCOL_MAPPER_TYPES};
use latchkey_core::store::{Store, StoreError};

use super::client_scopes::{ScopeRefusal, save_client};
use super::{ManageError, Missing};
use crate::cache::RealmSnapshot;
use crate::state::AppState;

/// What holds the mappers: a client or a client scope, as read for this request.
pub(crate) enum Holder {
    Client(Arc<Client>),
    Scope(ClientScope),
}

impl Holder {
    /// The mappers, in the order they were added.
    pub(crate) fn mappers(&self) -> &[ProtocolMapper] {
        match self {
            Holder::Client(client) => &client.settings.protocol_mappers,
            Holder::Scope(scope) => &scope.protocol_mappers,
        }
    }

    /// The mapper `…/models/{id}` names.
    pub(crate) fn mapper(&self, id: &str) -> Result<&ProtocolMapper, ManageError> {
        self.mappers()
            .iter()
            .find(|mapper| mapper.id.as_deref() == Some(id))
            .ok_or(ManageError::NotFound(Missing::Mapper))
    }
}

/// Writes the holder with `mappers` in place of its own.
async fn save(
    state: &AppState,
    realm: &RealmSnapshot,
    holder: &Holder,
    mappers: Vec<ProtocolMapper>,
) -> Result<(), ManageError> {
    match holder {
        Holder::Client(client) => {
            let mut changed = Client::clone(client);
            changed.settings.protocol_mappers = mappers;
            save_client(state, realm, &changed).await
        }
        Holder::Scope(scope) => {
            let mut changed = scope.clone();
            changed.protocol_mappers = mappers;
            match state.store.update_client_scope(&changed, &[]).await {
                Err(StoreError::NotFound(_)) => {
                    return Err(ManageError::NotFound(Missing::ClientScope));
                }
                // A scope's mapper names are unique whatever their protocol (the table's
                // key), where Keycloak allows one name per protocol.
                Err(StoreError::Conflict(_)) => {
                    return Err(ScopeRefusal::MapperNamesNotUnique.into());
                }
                other => other?,
            }
            state.realms.invalidate(&realm.realm.name);
            Ok(())
        }
    }
}

/// Checks a new mapper as `ProtocolMappersResource` does before storing it: a type
/// Keycloak knows (404 otherwise), a protocol; gives it a fresh id.
fn checked_new(mapper: &ProtocolMapper, has_protocol: bool) -> Result<ProtocolMapper, ManageError> {
    if !PROTOCOL_MAPPER_TYPES.contains(&mapper.protocol_mapper.as_str()) {
        return Err(ManageError::NotFound(Missing::MapperProvider));
    }
    if !has_protocol {
        return Err(ScopeRefusal::MapperProtocolMissing.into());
    }
    Ok(ProtocolMapper { id: Some(latchkey_core::random::uuid()), ..mapper.clone() })
}

fn same_name(a: &ProtocolMapper, b: &ProtocolMapper) -> bool {
    a.name == b.name && a.protocol == b.protocol
}

/// `POST …/protocol-mappers/models`: 409 when the holder has a mapper of that protocol
/// and name. Returns the new mapper's id.
pub(crate) async fn add(
    state: &AppState,
    realm: &RealmSnapshot,
    holder: &Holder,
    mapper: &ProtocolMapper,
    has_protocol: bool,
) -> Result<String, ManageError> {
    let new = checked_new(mapper, has_protocol)?;
    if holder.mappers().iter().any(|existing| same_name(existing, &new)) {
        return Err(ScopeRefusal::MapperNameTaken.into());
    }
    let id = new.id.clone().unwrap_or_default();
    let mut mappers = holder.mappers().to_vec();
    mappers.push(new);
    save(state, realm, holder, mappers).await?;
    tracing::info!(mapper_id = %id, "protocol mapper added");
    Ok(id)
}

/// `POST …/protocol-mappers/add-models`: every mapper or none (Keycloak's transaction);
/// a name given twice or taken is 409.
pub(crate) async fn add_all(
    state: &AppState,
    realm: &RealmSnapshot,
    holder: &Holder,
    new: &[(ProtocolMapper, bool)],
) -> Result<(), ManageError> {
    let mut mappers = holder.mappers().to_vec();
    for (mapper, has_protocol) in new {
        let checked = checked_new(mapper, *has_protocol)?;
        if mappers.iter().any(|existing| same_name(existing, &checked)) {
            return Err(ScopeRefusal::MapperNamesNotUnique.into());
        }
        mappers.push(checked);
    }
    save(state, realm, holder, mappers).await?;
    tracing::info!(count = new.len(), "protocol mappers added");
    Ok(())
}

/// `PUT …/protocol-mappers/models/{id}`: the config is replaced whole; the name, the type
/// and an `id` in the body must be the mapper's own (Keycloak answers 500 to a change;
/// latchkey 400).
pub(crate) async fn update(
    state: &AppState,
    realm: &RealmSnapshot,
    holder: &Holder,
    id: &str,
    rep: &ProtocolMapper,
) -> Result<(), ManageError> {
    let stored = holder.mapper(id)?;
    if rep.name != stored.name
        || rep.protocol_mapper != stored.protocol_mapper
        || rep.id.as_deref().is_some_and(|given| given != id)
    {
        return Err(ScopeRefusal::MapperIdentityChanged.into());
    }
    let mappers = holder
        .mappers()
        .iter()
        .map(|mapper| {
            if mapper.id.as_deref() == Some(id) {
                ProtocolMapper { config: rep.config.clone(), ..mapper.clone() }
            } else {
                mapper.clone()
            }
        })
        .collect();
    save(state, realm, holder, mappers).await?;
    tracing::info!(mapper_id = %id, "protocol mapper updated");
    Ok(())
}

/// `DELETE …/protocol-mappers/models/{id}`.
pub(crate) async fn remove(
    state: &AppState,
    realm: &RealmSnapshot,
    holder: &Holder,
    id: &str,
) -> Result<(), ManageError> {
    holder.mapper(id)?;
    let mappers = holder
        .mappers()
        .iter()
        .filter(|mapper| mapper.id.as_deref() != Some(id))
        .cloned()
        .collect();
    save(state, realm, holder, mappers).await?;
    tracing::info!(mapper_id = %id, "protocol mapper deleted");
    Ok(())
}
