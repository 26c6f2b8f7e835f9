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
        super::limits::check_client_representation(rep).map_err(|source| {
            ImportError::ClientSetting { client: rep.client_id.clone(), source }
        })?;
        import_client(builder, rep);
    }
    Ok(())
}

fn import_client(builder: &mut Builder, rep: &ClientRepresentation) {
    let mut client = client_from_representation(rep, &builder.bundle.realm.id);
    let built_in = builder.bundle.clients.iter().position(|c| c.client_id == rep.client_id);
    let built_in_id = built_in.map(|index| builder.bundle.clients.remove(index).id);
    if rep.id.as_deref().is_none_or(str::is_empty)
        && let Some(built_in_id) = &built_in_id
    {
        client.id.clone_from(built_in_id);
    }
    let id = client.id.clone();
    if let Some(old_id) = built_in_id {
        for role in &mut builder.bundle.roles {
            if role.client_uuid.as_deref() == Some(old_id.as_str()) {
                role.client_uuid = Some(id.clone());
            }
        }
    }
    builder.bundle.clients.push(client);
}

/// A new client from its representation, with Keycloak's defaults for what it leaves
/// out (`RepresentationToModel.createClient`): the id is kept or generated, and a
/// confidential client without a secret gets a generated one.
pub fn client_from_representation(rep: &ClientRepresentation, realm_id: &str) -> Client {
    let defaults = ClientSettings::default();
    let public = rep.public_client.unwrap_or(false);
    let bearer_only = rep.bearer_only.unwrap_or(false);
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
        protocol_mappers: with_mapper_ids(rep.protocol_mappers.as_deref().unwrap_or_default()),
        default_client_scopes: rep
            .default_client_scopes
            .clone()
            .unwrap_or(defaults.default_client_scopes),
        optional_client_scopes: rep
            .optional_client_scopes
            .clone()
            .unwrap_or(defaults.optional_client_scopes),
        not_before: rep.not_before.unwrap_or(0),
        surrogate_auth_required: rep.surrogate_auth_required.unwrap_or(false),
        always_display_in_console: rep.always_display_in_console.unwrap_or(false),
        frontchannel_logout: rep.frontchannel_logout.unwrap_or(false),
        node_re_registration_timeout: rep
            .node_re_registration_timeout
            .unwrap_or(defaults.node_re_registration_timeout),
        authentication_flow_binding_overrides: rep
            .authentication_flow_binding_overrides
            .clone()
            .unwrap_or_default(),
    };
    // Keycloak generates a secret for a confidential client that has none
    // (`KeycloakModelUtils.generateSecret`); a masked one from a partial export counts as none.
    let secret = (!public && !bearer_only)
        .then(|| unmasked(rep.secret.as_deref()).map_or_else(Secret::generate, Secret::new));
    Client {
        id: rep.id.clone().filter(|id| !id.is_empty()).unwrap_or_else(crate::random::uuid),
        realm_id: realm_id.to_owned(),
        client_id: rep.client_id.clone(),
        enabled: rep.enabled.unwrap_or(true),
        public_client: public,
        secret,
        settings,
        claims: Default::default(),
    }
}

pub(super) fn with_mapper_ids(mappers: &[ProtocolMapper]) -> Vec<ProtocolMapper> {
    mappers
        .iter()
        .map(|mapper| ProtocolMapper {
            id: Some(mapper.id.clone().unwrap_or_else(crate::random::uuid)),
            ..mapper.clone()
        })
        .collect()
}

/// The Admin API's `PUT /clients/{id}`: fields the representation gives replace the
/// stored ones (`RepresentationToModel.updateClient`); the id never changes. A client
/// that becomes confidential without a secret gets one.
pub fn apply_client_representation(client: &mut Client, rep: &ClientRepresentation) {
    let settings = &mut client.settings;
    if !rep.client_id.is_empty() {
        client.client_id.clone_from(&rep.client_id);
    }
    set(&mut client.enabled, rep.enabled);
    set(&mut client.public_client, rep.public_client);
    if rep.name.is_some() {
        settings.name.clone_from(&rep.name);
    }
    if rep.description.is_some() {
        settings.description.clone_from(&rep.description);
    }
    if rep.root_url.is_some() {
        settings.root_url.clone_from(&rep.root_url);
    }
    if rep.base_url.is_some() {
        settings.base_url.clone_from(&rep.base_url);
    }
    set(&mut settings.bearer_only, rep.bearer_only);
    set(&mut settings.consent_required, rep.consent_required);
    set(&mut settings.standard_flow_enabled, rep.standard_flow_enabled);
    set(&mut settings.implicit_flow_enabled, rep.implicit_flow_enabled);
    set(&mut settings.direct_access_grants_enabled, rep.direct_access_grants_enabled);
    set(&mut settings.service_accounts_enabled, rep.service_accounts_enabled);
    set(&mut settings.full_scope_allowed, rep.full_scope_allowed);
    set(&mut settings.client_authenticator_type, rep.client_authenticator_type.clone());
    set(&mut settings.protocol, rep.protocol.clone());
    set(&mut settings.redirect_uris, rep.redirect_uris.clone());
    set(&mut settings.web_origins, rep.web_origins.clone());
    set(&mut settings.default_client_scopes, rep.default_client_scopes.clone());
    set(&mut settings.optional_client_scopes, rep.optional_client_scopes.clone());
    set(&mut settings.not_before, rep.not_before);
    set(&mut settings.surrogate_auth_required, rep.surrogate_auth_required);
    set(&mut settings.always_display_in_console, rep.always_display_in_console);
    set(&mut settings.frontchannel_logout, rep.frontchannel_logout);
    set(&mut settings.node_re_registration_timeout, rep.node_re_registration_timeout);
    set(
        &mut settings.authentication_flow_binding_overrides,
        rep.authentication_flow_binding_overrides.clone(),
    );
    if let Some(mappers) = &rep.protocol_mappers {
        settings.protocol_mappers = with_mapper_ids(mappers);
    }
    // Keycloak merges attributes: the given ones are set, the others stay.
    for (name, value) in rep.attributes.iter().flatten() {
        settings.attributes.insert(name.clone(), value.clone());
    }
    if let Some(secret) = unmasked(rep.secret.as_deref()) {
        client.secret = Some(Secret::new(secret));
    }
    let is_confidential = !client.public_client && !client.settings.bearer_only;
    if is_confidential && client.secret.is_none() {
        client.secret = Some(Secret::generate());
    }
}

fn set<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
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
        surrogate_auth_required: Some(settings.surrogate_auth_required),
        enabled: Some(client.enabled),
        always_display_in_console: Some(settings.always_display_in_console),
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
        frontchannel_logout: Some(settings.frontchannel_logout),
        protocol: Some(settings.protocol.clone()),
        attributes: Some(settings.attributes.clone()),
        authentication_flow_binding_overrides: Some(
            settings.authentication_flow_binding_overrides.clone(),
        ),
        full_scope_allowed: Some(settings.full_scope_allowed),
        node_re_registration_timeout: Some(settings.node_re_registration_timeout),
        protocol_mappers: Some(settings.protocol_mappers.clone())
            .filter(|mappers| !mappers.is_empty()),
        default_client_scopes: Some(settings.default_client_scopes.clone()),
        optional_client_scopes: Some(settings.optional_client_scopes.clone()),
        default_roles: None,
        access: None,
        extra: serde_json::Map::new(),
    }
}
