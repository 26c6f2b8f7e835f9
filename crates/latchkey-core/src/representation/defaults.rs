//! A realm as Keycloak creates it: default roles, built-in clients and generated keys
//! (`RealmManager.setupRealmDefaults`, `DefaultKeyProviders`, `Constants.defaultClients`).

use std::collections::HashMap;

use super::import::ImportError;
use crate::client::{Client, ClientSettings};
use crate::realm::{HmacAlgorithm, Realm};
use crate::role::Role;
use crate::secret::Secret;
use crate::store::RealmBundle;
use crate::time::UnixMillis;
use crate::token::keys::StoredKey;

/// Roles of the `realm-management` client; `realm-admin` contains them all.
const REALM_MANAGEMENT_ROLES: &[&str] = &[
    "view-users",
    "manage-users",
    "query-users",
    "query-groups",
    "view-clients",
    "manage-clients",
    "query-clients",
    "view-realm",
    "manage-realm",
    "query-realms",
    "view-events",
    "manage-events",
    "view-identity-providers",
    "manage-identity-providers",
    "view-authorization",
    "manage-authorization",
    "create-client",
    "impersonation",
];

pub(super) struct Builder {
    pub(super) bundle: RealmBundle,
}

impl Builder {
    pub(super) fn role(
        &mut self,
        client_uuid: Option<&str>,
        name: &str,
        composites: &[&str],
    ) -> String {
        let id = crate::random::uuid();
        let composites = composites.iter().filter_map(|c| self.find_role(client_uuid, c)).collect();
        self.bundle.roles.push(Role {
            id: id.clone(),
            realm_id: self.bundle.realm.id.clone(),
            client_uuid: client_uuid.map(str::to_owned),
            name: name.to_owned(),
            description: None,
            composites,
        });
        id
    }

    pub(super) fn find_role(&self, client_uuid: Option<&str>, name: &str) -> Option<String> {
        self.bundle
            .roles
            .iter()
            .find(|r| r.client_uuid.as_deref() == client_uuid && r.name == name)
            .map(|r| r.id.clone())
    }

    pub(super) fn client(
        &mut self,
        client_id: &str,
        public: bool,
        settings: ClientSettings,
    ) -> String {
        let id = crate::random::uuid();
        self.bundle.clients.push(Client {
            id: id.clone(),
            realm_id: self.bundle.realm.id.clone(),
            client_id: client_id.to_owned(),
            enabled: true,
            public_client: public,
            secret: (!public && !settings.bearer_only).then(Secret::generate),
            settings,
        });
        id
    }

    pub(super) fn client_uuids(&self) -> HashMap<String, String> {
        self.bundle.clients.iter().map(|c| (c.client_id.clone(), c.id.clone())).collect()
    }
}

/// A new realm with Keycloak's defaults, built-in clients and roles, and fresh keys
/// (RSA-2048 for RS256, HMAC `hmac_algorithm` for refresh tokens).
pub fn new_realm(name: &str, now: UnixMillis) -> Result<RealmBundle, ImportError> {
    new_realm_with(crate::random::uuid(), name, now, HmacAlgorithm::HS512)
}

pub(super) fn new_realm_with(
    realm_id: String,
    name: &str,
    now: UnixMillis,
    hmac_algorithm: HmacAlgorithm,
) -> Result<RealmBundle, ImportError> {
    let realm = Realm::new(realm_id, name.to_owned());
    let keys = vec![
        StoredKey::generate_rsa(&realm.id, now.0).map_err(|e| ImportError::Key(e.to_string()))?,
        StoredKey::generate_hmac(&realm.id, hmac_algorithm, now.0),
    ];
    let mut builder = Builder {
        bundle: RealmBundle {
            realm,
            keys,
            clients: Vec::new(),
            roles: Vec::new(),
            users: Vec::new(),
        },
    };
    let account = builder.client(
        "account",
        true,
        ClientSettings { name: Some("${client_account}".into()), ..ClientSettings::default() },
    );
    builder.client(
        "account-console",
        true,
        ClientSettings {
            name: Some("${client_account-console}".into()),
            ..ClientSettings::default()
        },
    );
    builder.client(
        "admin-cli",
        true,
        ClientSettings {
            name: Some("${client_admin-cli}".into()),
            standard_flow_enabled: false,
            direct_access_grants_enabled: true,
            ..ClientSettings::default()
        },
    );
    builder.client(
        "broker",
        false,
        ClientSettings {
            name: Some("${client_broker}".into()),
            bearer_only: true,
            ..ClientSettings::default()
        },
    );
    let management = builder.client(
        "realm-management",
        false,
        ClientSettings {
            name: Some("${client_realm-management}".into()),
            bearer_only: true,
            ..ClientSettings::default()
        },
    );
    builder.client(
        "security-admin-console",
        true,
        ClientSettings {
            name: Some("${client_security-admin-console}".into()),
            ..ClientSettings::default()
        },
    );

    builder.role(Some(&account), "view-profile", &[]);
    builder.role(Some(&account), "manage-account-links", &[]);
    builder.role(Some(&account), "manage-account", &["manage-account-links"]);
    for role in REALM_MANAGEMENT_ROLES {
        builder.role(Some(&management), role, &[]);
    }
    let realm_admin = builder.role(Some(&management), "realm-admin", REALM_MANAGEMENT_ROLES);
    let offline = builder.role(None, "offline_access", &[]);
    let uma = builder.role(None, "uma_authorization", &[]);
    let default_name = format!("default-roles-{}", name.to_lowercase());
    let default_id = builder.role(None, &default_name, &[]);
    let view_profile = builder.find_role(Some(&account), "view-profile");
    let manage_account = builder.find_role(Some(&account), "manage-account");
    if let Some(role) = builder.bundle.roles.iter_mut().find(|r| r.id == default_id) {
        role.composites = [Some(offline), Some(uma), view_profile, manage_account]
            .into_iter()
            .flatten()
            .collect();
    }
    if name == "master" {
        builder.role(None, "create-realm", &[]);
        let admin = builder.role(None, "admin", &["create-realm"]);
        if let Some(role) = builder.bundle.roles.iter_mut().find(|r| r.id == admin) {
            role.composites.push(realm_admin);
        }
    }
    Ok(builder.bundle)
}
