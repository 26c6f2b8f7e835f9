//! A `RealmBundle` back to Keycloak's realm JSON, credentials and keys included, so that
//! `import_realm(export_realm(b))` gives the same realm.

use std::collections::{BTreeMap, HashMap};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::types::{
    ClientRepresentation, ComponentRepresentation, CompositesRepresentation,
    CredentialRepresentation, KEY_PROVIDER, RealmRepresentation, RoleRepresentation,
    RolesRepresentation, UserRepresentation,
};
use crate::client::Client;
use crate::realm::{BruteForceStrategy, SslRequired};
use crate::role::Role;
use crate::secret::Secret;
use crate::store::RealmBundle;
use crate::token::keys::KeyKind;

pub fn export_realm(bundle: &RealmBundle) -> RealmRepresentation {
    let realm = &bundle.realm;
    let settings = &realm.settings;
    let client_ids: HashMap<&str, &str> =
        bundle.clients.iter().map(|c| (c.id.as_str(), c.client_id.as_str())).collect();
    let roles_by_id: HashMap<&str, &Role> =
        bundle.roles.iter().map(|r| (r.id.as_str(), r)).collect();

    let mut roles = RolesRepresentation::default();
    for role in &bundle.roles {
        let rep = role_representation(role, &roles_by_id, &client_ids);
        match role.client_uuid.as_deref().and_then(|uuid| client_ids.get(uuid)) {
            None => roles.realm.push(rep),
            Some(client_id) => roles.client.entry((*client_id).to_owned()).or_default().push(rep),
        }
    }

    let users = bundle
        .users
        .iter()
        .map(|entry| {
            let user = &entry.user;
            let mut realm_roles = Vec::new();
            let mut client_roles: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for id in &entry.role_ids {
                let Some(role) = roles_by_id.get(id.as_str()) else { continue };
                match role.client_uuid.as_deref().and_then(|uuid| client_ids.get(uuid)) {
                    None => realm_roles.push(role.name.clone()),
                    Some(client_id) => client_roles
                        .entry((*client_id).to_owned())
                        .or_default()
                        .push(role.name.clone()),
                }
            }
            let credentials = entry.password.as_ref().map(|password| {
                vec![CredentialRepresentation {
                    id: Some(password.id.clone()),
                    credential_type: Some("password".into()),
                    created_date: Some(password.created_date),
                    secret_data: Some(password.hash.secret_data()),
                    credential_data: Some(password.hash.credential_data()),
                    ..CredentialRepresentation::default()
                }]
            });
            UserRepresentation {
                id: Some(user.id.clone()),
                username: user.username.clone(),
                enabled: Some(user.enabled),
                email: user.profile.email.clone(),
                email_verified: Some(user.profile.email_verified),
                first_name: user.profile.first_name.clone(),
                last_name: user.profile.last_name.clone(),
                created_timestamp: Some(user.created_timestamp),
                attributes: Some(user.profile.attributes.clone()).filter(|a| !a.is_empty()),
                credentials,
                required_actions: Some(user.profile.required_actions.clone()),
                realm_roles: Some(realm_roles),
                client_roles: Some(client_roles).filter(|c| !c.is_empty()),
                service_account_client_id: user.profile.service_account_client_id.clone(),
                not_before: Some(user.profile.not_before),
            }
        })
        .collect();

    let keys = bundle
        .keys
        .iter()
        .map(|key| {
            let mut config: BTreeMap<String, Vec<String>> = BTreeMap::new();
            config.insert("priority".into(), vec![key.priority.to_string()]);
            config.insert("enabled".into(), vec![key.enabled.to_string()]);
            config.insert("active".into(), vec!["true".into()]);
            let provider_id = match key.kind {
                KeyKind::Rsa => {
                    config.insert("privateKey".into(), vec![STANDARD.encode(&key.secret)]);
                    config.insert("algorithm".into(), vec!["RS256".into()]);
                    "rsa"
                }
                KeyKind::Hmac(algorithm) => {
                    config.insert("kid".into(), vec![key.kid.clone()]);
                    config.insert("secret".into(), vec![URL_SAFE_NO_PAD.encode(&key.secret)]);
                    config.insert("algorithm".into(), vec![algorithm.as_str().to_owned()]);
                    "hmac-generated"
                }
            };
            ComponentRepresentation {
                id: None,
                name: Some(provider_id.to_owned()),
                provider_id: Some(provider_id.to_owned()),
                config,
            }
        })
        .collect();

    RealmRepresentation {
        id: Some(realm.id.clone()),
        realm: Some(realm.name.clone()),
        display_name: settings.display_name.clone(),
        enabled: Some(realm.enabled),
        ssl_required: Some(
            match settings.ssl_required {
                SslRequired::All => "all",
                SslRequired::External => "external",
                SslRequired::None => "none",
            }
            .to_owned(),
        ),
        access_token_lifespan: Some(settings.tokens.access_token_lifespan),
        sso_session_idle_timeout: Some(settings.tokens.sso_session_idle_timeout),
        sso_session_max_lifespan: Some(settings.tokens.sso_session_max_lifespan),
        client_session_idle_timeout: Some(settings.tokens.client_session_idle_timeout),
        client_session_max_lifespan: Some(settings.tokens.client_session_max_lifespan),
        revoke_refresh_token: Some(settings.tokens.revoke_refresh_token),
        refresh_token_max_reuse: Some(settings.tokens.refresh_token_max_reuse),
        brute_force_protected: Some(settings.brute_force.brute_force_protected),
        permanent_lockout: Some(settings.brute_force.permanent_lockout),
        max_temporary_lockouts: Some(settings.brute_force.max_temporary_lockouts),
        brute_force_strategy: Some(
            match settings.brute_force.brute_force_strategy {
                BruteForceStrategy::MULTIPLE => "MULTIPLE",
                BruteForceStrategy::LINEAR => "LINEAR",
            }
            .to_owned(),
        ),
        max_failure_wait_seconds: Some(settings.brute_force.max_failure_wait_seconds),
        minimum_quick_login_wait_seconds: Some(
            settings.brute_force.minimum_quick_login_wait_seconds,
        ),
        wait_increment_seconds: Some(settings.brute_force.wait_increment_seconds),
        quick_login_check_milli_seconds: Some(settings.brute_force.quick_login_check_milli_seconds),
        max_delta_time_seconds: Some(settings.brute_force.max_delta_time_seconds),
        failure_factor: Some(settings.brute_force.failure_factor),
        login_with_email_allowed: Some(settings.login_with_email_allowed),
        duplicate_emails_allowed: Some(settings.duplicate_emails_allowed),
        default_signature_algorithm: Some(settings.default_signature_algorithm.clone()),
        not_before: Some(settings.not_before),
        password_policy: settings.password_policy.clone(),
        roles: Some(roles),
        clients: Some(bundle.clients.iter().map(client_representation).collect()),
        users: Some(users),
        components: Some(BTreeMap::from([(KEY_PROVIDER.to_owned(), keys)])),
    }
}

fn role_representation(
    role: &Role,
    roles: &HashMap<&str, &Role>,
    client_ids: &HashMap<&str, &str>,
) -> RoleRepresentation {
    let mut composites = CompositesRepresentation::default();
    for child in role.composites.iter().filter_map(|id| roles.get(id.as_str())) {
        match child.client_uuid.as_deref().and_then(|uuid| client_ids.get(uuid)) {
            None => composites.realm.push(child.name.clone()),
            Some(client_id) => composites
                .client
                .entry((*client_id).to_owned())
                .or_default()
                .push(child.name.clone()),
        }
    }
    RoleRepresentation {
        id: Some(role.id.clone()),
        name: role.name.clone(),
        description: role.description.clone(),
        composite: role.is_composite(),
        composites: role.is_composite().then_some(composites),
        client_role: Some(role.client_uuid.is_some()),
        container_id: Some(role.client_uuid.clone().unwrap_or_else(|| role.realm_id.clone())),
    }
}

/// A client in Keycloak's representation (the Admin API uses the same shape).
pub fn client_representation(client: &Client) -> ClientRepresentation {
    let settings = &client.settings;
    ClientRepresentation {
        id: Some(client.id.clone()),
        client_id: client.client_id.clone(),
        name: settings.name.clone(),
        description: settings.description.clone(),
        enabled: Some(client.enabled),
        client_authenticator_type: Some(settings.client_authenticator_type.clone()),
        secret: client.secret.as_ref().map(Secret::expose).map(str::to_owned),
        bearer_only: Some(settings.bearer_only),
        consent_required: Some(settings.consent_required),
        standard_flow_enabled: Some(settings.standard_flow_enabled),
        implicit_flow_enabled: Some(settings.implicit_flow_enabled),
        direct_access_grants_enabled: Some(settings.direct_access_grants_enabled),
        service_accounts_enabled: Some(settings.service_accounts_enabled),
        public_client: Some(client.public_client),
        full_scope_allowed: Some(settings.full_scope_allowed),
        protocol: Some(settings.protocol.clone()),
        root_url: settings.root_url.clone(),
        base_url: settings.base_url.clone(),
        redirect_uris: Some(settings.redirect_uris.clone()),
        web_origins: Some(settings.web_origins.clone()),
        not_before: Some(settings.not_before),
        attributes: Some(settings.attributes.clone()),
        protocol_mappers: Some(settings.protocol_mappers.clone()),
        default_client_scopes: Some(settings.default_client_scopes.clone()),
        optional_client_scopes: Some(settings.optional_client_scopes.clone()),
    }
}
