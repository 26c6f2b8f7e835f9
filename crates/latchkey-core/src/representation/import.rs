//! Realm JSON to a `RealmBundle`: Keycloak's defaults first, then what the file says
//! (`RealmManager.importRealm`, `RepresentationToModel`).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::defaults::{Builder, new_realm_with};
use super::types::{ClientRepresentation, KEY_PROVIDER, RealmRepresentation, UserRepresentation};
use crate::client::{Client, ClientSettings};
use crate::grant::client_credentials::service_account_username;
use crate::password::{PasswordHash, hash_password};
use crate::realm::{BruteForceStrategy, HmacAlgorithm, SslRequired};
use crate::secret::Secret;
use crate::store::{RealmBundle, UserBundle};
use crate::time::UnixMillis;
use crate::token::keys::{KeyKind, StoredKey};
use crate::user::{PasswordCredential, REQUIRED_ACTION_UPDATE_PASSWORD, User, UserProfile};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the realm file has no `realm` name")]
    MissingName,
    #[error("unknown realm role `{0}`")]
    UnknownRealmRole(String),
    #[error("unknown client `{0}`")]
    UnknownClient(String),
    #[error("unknown role `{role}` of client `{client}`")]
    UnknownClientRole { client: String, role: String },
    #[error("user `{user}`: {message}")]
    Credential { user: String, message: String },
    #[error("key: {0}")]
    Key(String),
    #[error("invalid value for {field}: {value}")]
    InvalidValue { field: &'static str, value: String },
}

/// Imports a Keycloak realm file. Plain-text passwords are hashed (slow: call off the
/// async runtime); hashed credentials are kept as they are.
pub fn import_realm(rep: RealmRepresentation, now: UnixMillis) -> Result<RealmBundle, ImportError> {
    let name = rep.realm.clone().filter(|n| !n.is_empty()).ok_or(ImportError::MissingName)?;
    let realm_id = rep.id.clone().unwrap_or_else(crate::random::uuid);
    let hmac_algorithm = hmac_algorithm(&rep)?;
    let mut builder = Builder { bundle: new_realm_with(realm_id, &name, now, hmac_algorithm)? };
    overlay_settings(&mut builder.bundle, &rep)?;
    import_keys(&mut builder.bundle, &rep, now)?;
    for client in rep.clients.iter().flatten() {
        import_client(&mut builder, client);
    }
    import_roles(&mut builder, &rep)?;
    let explicit_service_accounts: Vec<String> =
        rep.users.iter().flatten().filter_map(|u| u.service_account_client_id.clone()).collect();
    for user in rep.users.iter().flatten() {
        let bundle = import_user(&builder, user, now)?;
        builder.bundle.users.push(bundle);
    }
    let service_clients: Vec<String> = builder
        .bundle
        .clients
        .iter()
        .filter(|c| {
            c.settings.service_accounts_enabled && !explicit_service_accounts.contains(&c.client_id)
        })
        .map(|c| c.client_id.clone())
        .collect();
    for client_id in service_clients {
        let mut profile = UserProfile {
            service_account_client_id: Some(client_id.clone()),
            ..UserProfile::default()
        };
        profile.email_verified = false;
        let user = User {
            id: crate::random::uuid(),
            realm_id: builder.bundle.realm.id.clone(),
            username: service_account_username(&client_id),
            enabled: true,
            created_timestamp: now.0,
            profile,
        };
        let default_role = builder
            .bundle
            .realm
            .settings
            .default_role
            .clone()
            .and_then(|r| builder.find_role(None, &r));
        builder.bundle.users.push(UserBundle {
            user,
            password: None,
            role_ids: default_role.into_iter().collect(),
        });
    }
    Ok(builder.bundle)
}

fn hmac_algorithm(rep: &RealmRepresentation) -> Result<HmacAlgorithm, ImportError> {
    let providers = rep.components.as_ref().and_then(|c| c.get(KEY_PROVIDER));
    for provider in providers.into_iter().flatten() {
        if provider.provider_id.as_deref() == Some("hmac-generated") {
            let algorithm = provider.config_value("algorithm").unwrap_or("HS256");
            return HmacAlgorithm::parse(algorithm).ok_or(ImportError::InvalidValue {
                field: "hmac algorithm",
                value: algorithm.to_owned(),
            });
        }
    }
    Ok(HmacAlgorithm::HS512)
}

/// Key material carried by the file replaces the generated keys of that kind, so tokens
/// issued before the move stay valid.
fn import_keys(
    bundle: &mut RealmBundle,
    rep: &RealmRepresentation,
    now: UnixMillis,
) -> Result<(), ImportError> {
    let providers = rep.components.as_ref().and_then(|c| c.get(KEY_PROVIDER));
    let realm_id = bundle.realm.id.clone();
    let mut imported = Vec::new();
    for provider in providers.into_iter().flatten() {
        let priority =
            provider.config_value("priority").and_then(|p| p.parse().ok()).unwrap_or(100);
        match provider.provider_id.as_deref() {
            Some("hmac-generated") | Some("hmac-generated-hs512") => {
                let (Some(secret), Some(kid)) =
                    (provider.config_value("secret"), provider.config_value("kid"))
                else {
                    continue;
                };
                let secret = URL_SAFE_NO_PAD
                    .decode(secret.trim_end_matches('='))
                    .map_err(|e| ImportError::Key(format!("hmac secret: {e}")))?;
                let algorithm = provider
                    .config_value("algorithm")
                    .and_then(HmacAlgorithm::parse)
                    .unwrap_or(HmacAlgorithm::HS256);
                imported.push(StoredKey {
                    kid: kid.to_owned(),
                    realm_id: realm_id.clone(),
                    kind: KeyKind::Hmac(algorithm),
                    secret,
                    priority,
                    enabled: true,
                    created_at: now.0,
                });
            }
            Some("rsa-generated") | Some("rsa") => {
                let Some(private_key) = provider.config_value("privateKey") else { continue };
                let body: String =
                    private_key.lines().filter(|l| !l.starts_with("-----")).collect();
                let der = STANDARD
                    .decode(body.trim())
                    .map_err(|e| ImportError::Key(format!("rsa private key: {e}")))?;
                let key = StoredKey::rsa_from_der(&realm_id, &der, priority, now.0)
                    .map_err(|e| ImportError::Key(e.to_string()))?;
                imported.push(key);
            }
            _ => {}
        }
    }
    if imported.iter().any(|k| k.kind == KeyKind::Rsa) {
        bundle.keys.retain(|k| k.kind != KeyKind::Rsa);
    }
    if imported.iter().any(|k| matches!(k.kind, KeyKind::Hmac(_))) {
        bundle.keys.retain(|k| !matches!(k.kind, KeyKind::Hmac(_)));
    }
    bundle.keys.extend(imported);
    Ok(())
}

fn overlay_settings(
    bundle: &mut RealmBundle,
    rep: &RealmRepresentation,
) -> Result<(), ImportError> {
    let realm = &mut bundle.realm;
    let settings = &mut realm.settings;
    if let Some(enabled) = rep.enabled {
        realm.enabled = enabled;
    }
    set_if_given(&mut settings.display_name, rep.display_name.clone().map(Some));
    if let Some(ssl) = rep.ssl_required.as_deref() {
        settings.ssl_required = match ssl.to_ascii_lowercase().as_str() {
            "all" => SslRequired::All,
            "external" => SslRequired::External,
            "none" => SslRequired::None,
            _ => {
                return Err(ImportError::InvalidValue {
                    field: "sslRequired",
                    value: ssl.to_owned(),
                });
            }
        };
    }
    let tokens = &mut settings.tokens;
    set_if_given(&mut tokens.access_token_lifespan, rep.access_token_lifespan);
    set_if_given(&mut tokens.sso_session_idle_timeout, rep.sso_session_idle_timeout);
    set_if_given(&mut tokens.sso_session_max_lifespan, rep.sso_session_max_lifespan);
    set_if_given(&mut tokens.client_session_idle_timeout, rep.client_session_idle_timeout);
    set_if_given(&mut tokens.client_session_max_lifespan, rep.client_session_max_lifespan);
    set_if_given(&mut tokens.revoke_refresh_token, rep.revoke_refresh_token);
    set_if_given(&mut tokens.refresh_token_max_reuse, rep.refresh_token_max_reuse);
    let brute = &mut settings.brute_force;
    set_if_given(&mut brute.brute_force_protected, rep.brute_force_protected);
    set_if_given(&mut brute.permanent_lockout, rep.permanent_lockout);
    set_if_given(&mut brute.max_temporary_lockouts, rep.max_temporary_lockouts);
    set_if_given(&mut brute.max_failure_wait_seconds, rep.max_failure_wait_seconds);
    set_if_given(&mut brute.minimum_quick_login_wait_seconds, rep.minimum_quick_login_wait_seconds);
    set_if_given(&mut brute.wait_increment_seconds, rep.wait_increment_seconds);
    set_if_given(&mut brute.quick_login_check_milli_seconds, rep.quick_login_check_milli_seconds);
    set_if_given(&mut brute.max_delta_time_seconds, rep.max_delta_time_seconds);
    set_if_given(&mut brute.failure_factor, rep.failure_factor);
    if let Some(strategy) = rep.brute_force_strategy.as_deref() {
        brute.brute_force_strategy = match strategy {
            "MULTIPLE" => BruteForceStrategy::MULTIPLE,
            "LINEAR" => BruteForceStrategy::LINEAR,
            _ => {
                return Err(ImportError::InvalidValue {
                    field: "bruteForceStrategy",
                    value: strategy.to_owned(),
                });
            }
        };
    }
    set_if_given(&mut settings.login_with_email_allowed, rep.login_with_email_allowed);
    set_if_given(&mut settings.duplicate_emails_allowed, rep.duplicate_emails_allowed);
    set_if_given(
        &mut settings.default_signature_algorithm,
        rep.default_signature_algorithm.clone(),
    );
    set_if_given(&mut settings.not_before, rep.not_before);
    set_if_given(&mut settings.password_policy, rep.password_policy.clone().map(Some));
    Ok(())
}

/// Overwrites `target` when the file gives a value.
fn set_if_given<T>(target: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *target = value;
    }
}

fn import_client(builder: &mut Builder, rep: &ClientRepresentation) {
    let defaults = ClientSettings::default();
    let public = rep.public_client.unwrap_or(false);
    let bearer_only = rep.bearer_only.unwrap_or(false);
    let settings = ClientSettings {
        name: rep.name.clone(),
        description: rep.description.clone(),
        bearer_only,
        consent_required: rep.consent_required.unwrap_or(false),
        standard_flow_enabled: rep.standard_flow_enabled.unwrap_or(defaults.standard_flow_enabled),
        implicit_flow_enabled: rep.implicit_flow_enabled.unwrap_or(false),
        direct_access_grants_enabled: rep.direct_access_grants_enabled.unwrap_or(false),
        service_accounts_enabled: rep.service_accounts_enabled.unwrap_or(false),
        full_scope_allowed: rep.full_scope_allowed.unwrap_or(true),
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
        protocol_mappers: rep.protocol_mappers.clone().unwrap_or_default(),
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
    let secret = if public || bearer_only {
        None
    } else {
        Some(rep.secret.clone().map_or_else(Secret::generate, Secret::new))
    };
    let realm_id = builder.bundle.realm.id.clone();
    let existing = builder.bundle.clients.iter().position(|c| c.client_id == rep.client_id);
    let id = match (&existing, &rep.id) {
        (_, Some(id)) => id.clone(),
        (Some(index), None) => builder.bundle.clients[*index].id.clone(),
        (None, None) => crate::random::uuid(),
    };
    if let Some(index) = existing {
        let old_id = builder.bundle.clients.remove(index).id;
        for role in builder
            .bundle
            .roles
            .iter_mut()
            .filter(|r| r.client_uuid.as_deref() == Some(old_id.as_str()))
        {
            role.client_uuid = Some(id.clone());
        }
    }
    builder.bundle.clients.push(Client {
        id,
        realm_id,
        client_id: rep.client_id.clone(),
        enabled: rep.enabled.unwrap_or(true),
        public_client: public,
        secret,
        settings,
    });
}

fn import_roles(builder: &mut Builder, rep: &RealmRepresentation) -> Result<(), ImportError> {
    let Some(roles) = &rep.roles else { return Ok(()) };
    let client_uuids = builder.client_uuids();
    let mut declared: Vec<(Option<String>, &super::types::RoleRepresentation)> = Vec::new();
    for role in &roles.realm {
        declared.push((None, role));
    }
    for (client_id, client_roles) in &roles.client {
        let uuid = client_uuids
            .get(client_id)
            .ok_or_else(|| ImportError::UnknownClient(client_id.clone()))?;
        for role in client_roles {
            declared.push((Some(uuid.clone()), role));
        }
    }
    for (client_uuid, role) in &declared {
        match builder.find_role(client_uuid.as_deref(), &role.name) {
            Some(existing) => {
                if let Some(stored) = builder.bundle.roles.iter_mut().find(|r| r.id == existing) {
                    stored.description = role.description.clone().or(stored.description.take());
                }
            }
            None => {
                let id = builder.role(client_uuid.as_deref(), &role.name, &[]);
                if let Some(stored) = builder.bundle.roles.iter_mut().find(|r| r.id == id) {
                    stored.description = role.description.clone();
                    if let Some(given) = &role.id {
                        stored.id = given.clone();
                    }
                }
            }
        }
    }
    for (client_uuid, role) in &declared {
        let Some(composites) = &role.composites else { continue };
        let mut child_ids = Vec::new();
        for name in &composites.realm {
            child_ids.push(
                builder
                    .find_role(None, name)
                    .ok_or_else(|| ImportError::UnknownRealmRole(name.clone()))?,
            );
        }
        for (client_id, names) in &composites.client {
            let uuid = client_uuids
                .get(client_id)
                .ok_or_else(|| ImportError::UnknownClient(client_id.clone()))?;
            for name in names {
                child_ids.push(builder.find_role(Some(uuid), name).ok_or_else(|| {
                    ImportError::UnknownClientRole { client: client_id.clone(), role: name.clone() }
                })?);
            }
        }
        let parent = builder.find_role(client_uuid.as_deref(), &role.name);
        if let Some(stored) =
            builder.bundle.roles.iter_mut().find(|r| Some(&r.id) == parent.as_ref())
        {
            for child in child_ids {
                if !stored.composites.contains(&child) {
                    stored.composites.push(child);
                }
            }
        }
    }
    Ok(())
}

fn import_user(
    builder: &Builder,
    rep: &UserRepresentation,
    now: UnixMillis,
) -> Result<UserBundle, ImportError> {
    let id = rep.id.clone().unwrap_or_else(crate::random::uuid);
    let mut required_actions = rep.required_actions.clone().unwrap_or_default();
    let mut password = None;
    for credential in rep.credentials.iter().flatten() {
        if credential.credential_type.as_deref().unwrap_or("password") != "password" {
            continue;
        }
        let hash = match (&credential.value, &credential.secret_data, &credential.credential_data) {
            (Some(value), _, _) => hash_password(value),
            (None, Some(secret), Some(data)) => {
                PasswordHash::from_keycloak(secret, data).map_err(|e| ImportError::Credential {
                    user: rep.username.clone(),
                    message: e.to_string(),
                })?
            }
            _ => continue,
        };
        if credential.temporary.unwrap_or(false)
            && !required_actions.iter().any(|a| a == REQUIRED_ACTION_UPDATE_PASSWORD)
        {
            required_actions.push(REQUIRED_ACTION_UPDATE_PASSWORD.to_owned());
        }
        password = Some(PasswordCredential {
            id: credential.id.clone().unwrap_or_else(crate::random::uuid),
            user_id: id.clone(),
            created_date: credential.created_date.unwrap_or(now.0),
            hash,
        });
    }
    let mut role_ids = Vec::new();
    for name in rep.realm_roles.iter().flatten() {
        role_ids.push(
            builder
                .find_role(None, name)
                .ok_or_else(|| ImportError::UnknownRealmRole(name.clone()))?,
        );
    }
    let client_uuids = builder.client_uuids();
    for (client_id, names) in rep.client_roles.iter().flatten() {
        let uuid = client_uuids
            .get(client_id)
            .ok_or_else(|| ImportError::UnknownClient(client_id.clone()))?;
        for name in names {
            role_ids.push(builder.find_role(Some(uuid), name).ok_or_else(|| {
                ImportError::UnknownClientRole { client: client_id.clone(), role: name.clone() }
            })?);
        }
    }
    let user = User {
        id,
        realm_id: builder.bundle.realm.id.clone(),
        username: rep.username.to_lowercase(),
        enabled: rep.enabled.unwrap_or(true),
        created_timestamp: rep.created_timestamp.unwrap_or(now.0),
        profile: UserProfile {
            email: rep.email.clone(),
            email_verified: rep.email_verified.unwrap_or(false),
            first_name: rep.first_name.clone(),
            last_name: rep.last_name.clone(),
            attributes: rep.attributes.clone().unwrap_or_default(),
            required_actions,
            service_account_client_id: rep.service_account_client_id.clone(),
            not_before: rep.not_before.unwrap_or(0),
        },
    };
    Ok(UserBundle { user, password, role_ids })
}
