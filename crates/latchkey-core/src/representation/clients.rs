//! Clients between `ClientRepresentation` and the domain, both ways
//! (`RepresentationToModel.createClient`, `ModelToRepresentation.toRepresentation`).

use std::collections::HashSet;

use super::defaults::Builder;
use super::import::{ImportError, unmasked};
use super::types::ClientRepresentation;
use crate::client::{Client, ClientSettings, ProtocolMapper};
use crate::secret::Secret;

/// Adds the file's clients; one with the `clientId` of a built-in client replaces it
/// and takes over its roles.
pub(super) fn import_clients(
    builder: &mut Builder,
    reps: &[ClientRepresentation],
) -> Result<(), ImportError> {
    let mut seen = HashSet::new();
    for (index, rep) in reps.iter().enumerate() {
        if rep.client_id.is_empty() {
            return Err(ImportError::MissingClientId { index });
        }
        if !seen.insert(rep.client_id.as_str()) {
            return Err(ImportError::DuplicateClient(rep.client_id.clone()));
        }
        import_client(builder, rep);
    }
    Ok(())
}

fn import_client(builder: &mut Builder, rep: &ClientRepresentation) {
    let defaults = ClientSettings::default();
    let public = rep.public_client.unwrap_or(false);
    let bearer_only = rep.bearer_only.unwrap_or(false);
    let protocol_mappers = rep
        .protocol_mappers
        .iter()
        .flatten()
        .map(|mapper| ProtocolMapper {
            id: Some(mapper.id.clone().unwrap_or_else(crate::random::uuid)),
            ..mapper.clone()
        })
        .collect();
    let settings = ClientSettings {
        name: rep.name.clone(),
        description: rep.description.clone(),
        bearer_only,
        consent_required: rep.consent_required.unwrap_or(defaults.consent_required),
        standard_flow_enabled: rep.standard_flow_enabled.unwrap_or(defaults.standard_flow_enabled),
        implicit_flow_enabled: rep.implicit_flow_enabled.unwrap_or(defaults.implicit_flow_enabled),
        direct_access_grants_enabled: rep
            .direct_access_grants_enabled
            .unwrap_or(defaults.direct_access_grants_enabled),
        service_accounts_enabled: rep
            .service_accounts_enabled
            .unwrap_or(defaults.service_accounts_enabled),
        full_scope_allowed: rep.full_scope_allowed.unwrap_or(defaults.full_scope_allowed),
        client_authenticator_type: rep
            .client_authenticator_type
            .clone()
            .unwrap_or(defaults.client_authenticator_type),
        protocol: rep.protocol.clone().unwrap_or(defaults.protocol),
        root_url: rep.root_url.clone(),
        base_url: rep.base_url.clone(),
        redirect_uris: rep.redirect_uris.clone().unwrap_or_default(),
        web_origins: rep.web_origins.clone().unwrap_or_default(),
        attributes: rep.attributes.clone().unwrap_or_default(),
        protocol_mappers,
        default_client_scopes: rep
            .default_client_scopes
            .clone()
            .unwrap_or(defaults.default_client_scopes),
        optional_client_scopes: rep
            .optional_client_scopes
            .clone()
            .unwrap_or(defaults.optional_client_scopes),
        not_before: rep.not_before.unwrap_or(0),
    };
    // Keycloak generates a secret for a confidential client that has none
    // (`KeycloakModelUtils.generateSecret`); a masked one from a partial export counts as none.
    let secret = (!public && !bearer_only)
        .then(|| unmasked(rep.secret.as_deref()).map_or_else(Secret::generate, Secret::new));
    let built_in = builder.bundle.clients.iter().position(|c| c.client_id == rep.client_id);
    let built_in_id = built_in.map(|index| builder.bundle.clients.remove(index).id);
    let id = rep
        .id
        .clone()
        .filter(|id| !id.is_empty())
        .or_else(|| built_in_id.clone())
        .unwrap_or_else(crate::random::uuid);
    if let Some(old_id) = built_in_id {
        for role in &mut builder.bundle.roles {
            if role.client_uuid.as_deref() == Some(old_id.as_str()) {
                role.client_uuid = Some(id.clone());
            }
        }
    }
    builder.bundle.clients.push(Client {
        id,
        realm_id: builder.bundle.realm.id.clone(),
        client_id: rep.client_id.clone(),
        enabled: rep.enabled.unwrap_or(true),
        public_client: public,
        secret,
        settings,
    });
}

/// A client in Keycloak's representation, secret included, as the Admin API's
/// `GET /clients/{id}` and the realm export write it.
pub fn client_to_representation(client: &Client) -> ClientRepresentation {
    let settings = &client.settings;
    ClientRepresentation {
        id: Some(client.id.clone()),
        client_id: client.client_id.clone(),
        name: settings.name.clone(),
        description: settings.description.clone(),
        root_url: settings.root_url.clone(),
        base_url: settings.base_url.clone(),
        enabled: Some(client.enabled),
        client_authenticator_type: Some(settings.client_authenticator_type.clone()),
        secret: client.secret.as_ref().map(|s| s.expose().to_owned()),
        redirect_uris: Some(settings.redirect_uris.clone()),
        web_origins: Some(settings.web_origins.clone()),
        not_before: Some(settings.not_before),
        bearer_only: Some(settings.bearer_only),
        consent_required: Some(settings.consent_required),
        standard_flow_enabled: Some(settings.standard_flow_enabled),
        implicit_flow_enabled: Some(settings.implicit_flow_enabled),
        direct_access_grants_enabled: Some(settings.direct_access_grants_enabled),
        service_accounts_enabled: Some(settings.service_accounts_enabled),
        public_client: Some(client.public_client),
        protocol: Some(settings.protocol.clone()),
        attributes: Some(settings.attributes.clone()),
        full_scope_allowed: Some(settings.full_scope_allowed),
        protocol_mappers: Some(settings.protocol_mappers.clone())
            .filter(|mappers| !mappers.is_empty()),
        default_client_scopes: Some(settings.default_client_scopes.clone()),
        optional_client_scopes: Some(settings.optional_client_scopes.clone()),
        default_roles: None,
    }
}
