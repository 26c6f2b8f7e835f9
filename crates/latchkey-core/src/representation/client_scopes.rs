//! Client scopes in realm files: `clientScopes`, `defaultDefaultClientScopes`,
//! `defaultOptionalClientScopes`, `scopeMappings` and `clientScopeMappings`, read into a
//! bundle and written back (`RepresentationToModel.importRealm`, `ExportUtils`).
//!
//! As in Keycloak 26.7.3 (facts, surprises 3), a file that lists `clientScopes` replaces
//! the built-in scopes with its own (keeping `offline_access`, which comes with the
//! realm's offline role), and its realm default and optional scopes are only those it
//! names; a file without `clientScopes` keeps the built-in ones and their defaults.

use super::clients::with_mapper_ids;
use super::defaults::Builder;
use super::import::ImportError;
use super::types::{ClientScopeRepresentation, RealmRepresentation, ScopeMappingRepresentation};
use crate::client_scope::{ClientScope, RealmDefaultScope, ScopeKind};
use crate::store::{ClientScopeMapping, RealmBundle};

pub(super) fn import_client_scopes(
    builder: &mut Builder,
    rep: &RealmRepresentation,
) -> Result<(), ImportError> {
    let realm_id = builder.bundle.realm.id.clone();
    if let Some(declared) = &rep.client_scopes {
        let mut scopes: Vec<ClientScope> = Vec::with_capacity(declared.len() + 1);
        for (index, scope) in declared.iter().enumerate() {
            let name = scope
                .name
                .clone()
                .filter(|name| !name.is_empty())
                .ok_or(ImportError::MissingClientScopeName { index })?;
            if scopes.iter().any(|s| s.name == name) {
                return Err(ImportError::DuplicateClientScope(name));
            }
            scopes.push(ClientScope {
                id: scope
                    .id
                    .clone()
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(crate::random::uuid),
                realm_id: realm_id.clone(),
                name,
                description: scope.description.clone(),
                protocol: scope.protocol.clone().unwrap_or_else(|| "openid-connect".to_owned()),
                attributes: scope.attributes.clone().unwrap_or_default(),
                protocol_mappers: with_mapper_ids(
                    scope.protocol_mappers.as_deref().unwrap_or_default(),
                ),
                role_ids: Vec::new(),
            });
        }
        if !scopes.iter().any(|s| s.name == "offline_access") {
            // The built-in one, with its scope mapping of the `offline_access` role.
            let built_in = std::mem::take(&mut builder.bundle.client_scopes);
            scopes.extend(built_in.into_iter().filter(|s| s.name == "offline_access"));
        }
        builder.bundle.client_scopes = scopes;
        builder.bundle.default_client_scopes.clear();
    }
    for (names, kind, field) in [
        (&rep.default_default_client_scopes, ScopeKind::Default, "defaultDefaultClientScopes"),
        (&rep.default_optional_client_scopes, ScopeKind::Optional, "defaultOptionalClientScopes"),
    ] {
        let Some(names) = names else { continue };
        builder.bundle.default_client_scopes.retain(|entry| entry.kind != kind);
        for name in names {
            let scope_id = scope_id(&builder.bundle, name, field)?;
            if !builder.bundle.default_client_scopes.iter().any(|e| e.scope_id == scope_id) {
                builder.bundle.default_client_scopes.push(RealmDefaultScope { scope_id, kind });
            }
        }
    }
    for mapping in rep.scope_mappings.as_deref().unwrap_or_default() {
        let role_ids = mapping
            .roles
            .iter()
            .map(|role| {
                builder.find_role(None, role).ok_or_else(|| ImportError::UnknownRealmRole {
                    role: role.clone(),
                    used_by: "scopeMappings".into(),
                })
            })
            .collect::<Result<Vec<String>, ImportError>>()?;
        add_scope_mapping(builder, mapping, role_ids, "scopeMappings")?;
    }
    for (owner, mappings) in rep.client_scope_mappings.iter().flatten() {
        let used_by = format!("clientScopeMappings of `{owner}`");
        let owner_uuid = builder.client_uuid(owner).ok_or_else(|| ImportError::UnknownClient {
            client: owner.clone(),
            used_by: used_by.clone(),
        })?;
        for mapping in mappings {
            let role_ids = mapping
                .roles
                .iter()
                .map(|role| {
                    builder.find_role(Some(&owner_uuid), role).ok_or_else(|| {
                        ImportError::UnknownClientRole {
                            client: owner.clone(),
                            role: role.clone(),
                            used_by: used_by.clone(),
                        }
                    })
                })
                .collect::<Result<Vec<String>, ImportError>>()?;
            add_scope_mapping(builder, mapping, role_ids, &used_by)?;
        }
    }
    Ok(())
}

fn scope_id(bundle: &RealmBundle, name: &str, used_by: &str) -> Result<String, ImportError> {
    bundle.client_scopes.iter().find(|s| s.name == name).map(|s| s.id.clone()).ok_or_else(|| {
        ImportError::UnknownClientScope { scope: name.to_owned(), used_by: used_by.to_owned() }
    })
}

/// Gives the roles to the client or the client scope the mapping names.
fn add_scope_mapping(
    builder: &mut Builder,
    mapping: &ScopeMappingRepresentation,
    role_ids: Vec<String>,
    used_by: &str,
) -> Result<(), ImportError> {
    if let Some(client) = &mapping.client {
        let client_uuid = builder.client_uuid(client).ok_or_else(|| {
            ImportError::UnknownClient { client: client.clone(), used_by: used_by.to_owned() }
        })?;
        for role_id in role_ids {
            let entry = ClientScopeMapping { client_uuid: client_uuid.clone(), role_id };
            if !builder.bundle.client_scope_mappings.contains(&entry) {
                builder.bundle.client_scope_mappings.push(entry);
            }
        }
    } else if let Some(scope_name) = &mapping.client_scope {
        let scope_id = scope_id(&builder.bundle, scope_name, used_by)?;
        if let Some(scope) = builder.bundle.client_scopes.iter_mut().find(|s| s.id == scope_id) {
            for role_id in role_ids {
                if !scope.role_ids.contains(&role_id) {
                    scope.role_ids.push(role_id);
                }
            }
        }
    }
    Ok(())
}

/// A client scope as realm files and the Admin API write it.
pub fn client_scope_to_representation(scope: &ClientScope) -> ClientScopeRepresentation {
    ClientScopeRepresentation {
        id: Some(scope.id.clone()),
        name: Some(scope.name.clone()),
        description: scope.description.clone(),
        protocol: Some(scope.protocol.clone()),
        attributes: Some(scope.attributes.clone()),
        protocol_mappers: Some(scope.protocol_mappers.clone()).filter(|m| !m.is_empty()),
        extra: serde_json::Map::new(),
    }
}

/// The realm file's client-scope fields: every scope, the realm's default and optional
/// scope names, and the scope mappings of clients and scopes (realm roles under
/// `scopeMappings`, client roles under `clientScopeMappings` by the roles' client).
pub(super) fn export_client_scopes(bundle: &RealmBundle, export: &mut RealmRepresentation) {
    let mut scopes: Vec<&ClientScope> = bundle.client_scopes.iter().collect();
    scopes.sort_by(|a, b| a.name.cmp(&b.name));
    export.client_scopes = Some(scopes.iter().map(|s| client_scope_to_representation(s)).collect());
    let name_of =
        |id: &str| bundle.client_scopes.iter().find(|s| s.id == id).map(|s| s.name.clone());
    let names_of_kind = |kind| -> Vec<String> {
        bundle
            .default_client_scopes
            .iter()
            .filter(|e| e.kind == kind)
            .filter_map(|e| name_of(&e.scope_id))
            .collect()
    };
    export.default_default_client_scopes = Some(names_of_kind(ScopeKind::Default));
    export.default_optional_client_scopes = Some(names_of_kind(ScopeKind::Optional));

    // (holder is a client, holder name, role) for every mapping, clients' first.
    let client_id_of =
        |uuid: &str| bundle.clients.iter().find(|c| c.id == uuid).map(|c| c.client_id.clone());
    let mut held: Vec<(bool, String, &str)> = bundle
        .client_scope_mappings
        .iter()
        .filter_map(|m| Some((true, client_id_of(&m.client_uuid)?, m.role_id.as_str())))
        .collect();
    for scope in scopes {
        held.extend(
            scope.role_ids.iter().map(|role_id| (false, scope.name.clone(), role_id.as_str())),
        );
    }
    let mut realm_mappings: Vec<ScopeMappingRepresentation> = Vec::new();
    let mut client_mappings: std::collections::BTreeMap<String, Vec<ScopeMappingRepresentation>> =
        std::collections::BTreeMap::new();
    for (is_client, holder, role_id) in held {
        let Some(role) = bundle.roles.iter().find(|r| r.id == role_id) else { continue };
        let list = match &role.client_uuid {
            None => &mut realm_mappings,
            Some(owner) => {
                let Some(owner) = client_id_of(owner) else { continue };
                client_mappings.entry(owner).or_default()
            }
        };
        let position = list.iter().position(|m| {
            (if is_client { &m.client } else { &m.client_scope }).as_deref() == Some(&holder)
        });
        match position.and_then(|i| list.get_mut(i)) {
            Some(mapping) => mapping.roles.push(role.name.clone()),
            None => list.push(ScopeMappingRepresentation {
                client: is_client.then(|| holder.clone()),
                client_scope: (!is_client).then(|| holder.clone()),
                roles: vec![role.name.clone()],
            }),
        }
    }
    for mapping in realm_mappings.iter_mut().chain(client_mappings.values_mut().flatten()) {
        mapping.roles.sort();
    }
    export.scope_mappings = Some(realm_mappings).filter(|m| !m.is_empty());
    export.client_scope_mappings = Some(client_mappings).filter(|m| !m.is_empty());
}
