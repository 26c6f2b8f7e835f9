//! A realm as Keycloak creates it: default roles, built-in clients and generated keys
//! (`RealmManager.setupRealmDefaults`, `setupAccountManagement`, `setupBrokerService`,
//! `setupAdminCli`, `DefaultKeyProviders`, `ApplianceBootstrap` for `master`).

use std::collections::BTreeMap;

use super::import::ImportError;
use crate::client::{Client, ClientSettings, ProtocolMapper};
use crate::realm::Realm;
use crate::role::Role;
use crate::secret::Secret;
use crate::store::RealmBundle;
use crate::time::UnixMillis;
use crate::token::algorithm::Algorithm;
use crate::token::keys::StoredKey;

/// Roles of the `realm-management` client with the roles each contains
/// (`AdminRoles`, `RealmManager.setupRealmAdminRole`); `realm-admin` contains them all.
const REALM_MANAGEMENT_ROLES: &[(&str, &[&str])] = &[
    ("query-users", &[]),
    ("query-groups", &[]),
    ("query-clients", &[]),
    ("query-realms", &[]),
    ("view-users", &["query-users", "query-groups"]),
    ("manage-users", &[]),
    ("view-clients", &["query-clients"]),
    ("manage-clients", &[]),
    ("view-realm", &[]),
    ("manage-realm", &[]),
    ("view-events", &[]),
    ("manage-events", &[]),
    ("view-identity-providers", &[]),
    ("manage-identity-providers", &[]),
    ("view-authorization", &[]),
    ("manage-authorization", &[]),
    ("create-client", &[]),
    ("impersonation", &[]),
    // Keycloak 26's organizations: latchkey has none, but a realm file or a partial
    // import from Keycloak names these roles (`keycloak-26.7.3-export.json`).
    ("query-organizations", &[]),
    ("view-organizations", &["query-organizations"]),
    ("manage-organizations", &[]),
];

/// Roles of the `account` client (`AccountRoles`), composites listed before their parents.
const ACCOUNT_ROLES: &[(&str, &[&str])] = &[
    ("view-profile", &[]),
    ("manage-account-links", &[]),
    ("manage-account", &["manage-account-links"]),
    ("view-applications", &[]),
    ("view-consent", &[]),
    ("manage-consent", &["view-consent"]),
    ("delete-account", &[]),
    ("view-groups", &[]),
];

/// Client attribute asking for PKCE with S256 (the consoles have it).
const ATTR_PKCE_METHOD: &str = "pkce.code.challenge.method";

/// A realm bundle under construction, with the lookups import needs.
pub(super) struct Builder {
    pub(super) bundle: RealmBundle,
}

impl Builder {
    /// Adds a role without composites and returns its id.
    pub(super) fn add_role(
        &mut self,
        client_uuid: Option<&str>,
        name: &str,
        description: Option<String>,
    ) -> String {
        let id = crate::random::uuid();
        self.bundle.roles.push(Role {
            id: id.clone(),
            realm_id: self.bundle.realm.id.clone(),
            client_uuid: client_uuid.map(str::to_owned),
            name: name.to_owned(),
            description,
            composites: Vec::new(),
            attributes: BTreeMap::new(),
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

    pub(super) fn role_mut(&mut self, id: &str) -> Option<&mut Role> {
        self.bundle.roles.iter_mut().find(|r| r.id == id)
    }

    /// Adds `children` to the composite role `parent`, skipping ones it already has.
    pub(super) fn add_composites(&mut self, parent: &str, children: Vec<String>) {
        if let Some(role) = self.role_mut(parent) {
            for child in children {
                if !role.composites.contains(&child) {
                    role.composites.push(child);
                }
            }
        }
    }

    /// The internal id of the client with this OAuth `client_id`.
    pub(super) fn client_uuid(&self, client_id: &str) -> Option<String> {
        self.bundle.clients.iter().find(|c| c.client_id == client_id).map(|c| c.id.clone())
    }

    /// Adds a client role with Keycloak's `${role_<name>}` description and its composites
    /// (roles of the same client, added before).
    fn client_role(&mut self, client_uuid: &str, name: &str, composites: &[&str]) -> String {
        let id = self.add_role(Some(client_uuid), name, Some(format!("${{role_{name}}}")));
        let children =
            composites.iter().filter_map(|c| self.find_role(Some(client_uuid), c)).collect();
        self.add_composites(&id, children);
        id
    }

    fn built_in_client(
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
            settings: ClientSettings { name: Some(format!("${{client_{client_id}}}")), ..settings },
            claims: Default::default(),
        });
        id
    }
}

/// A new realm with Keycloak's defaults: the roles `offline_access`, `uma_authorization`
/// and `default-roles-<name>`, the built-in clients and their roles, an RSA-2048 key for
/// RS256 and an HS512 key for refresh tokens. Realm `master` also gets `admin` and
/// `create-realm`, and a 60 s access token lifespan.
///
/// Fails only if the system cannot generate an RSA key.
pub fn new_realm(name: &str, now: UnixMillis) -> Result<RealmBundle, ImportError> {
    let mut builder = Builder { bundle: realm_defaults(crate::random::uuid(), name) };
    add_built_in_scope_mappings(&mut builder);
    let mut bundle = builder.bundle;
    bundle.keys = vec![
        StoredKey::generate_rsa(&bundle.realm.id, now.0)
            .map_err(|e| ImportError::KeyGeneration(e.to_string()))?,
        StoredKey::generate_hmac(&bundle.realm.id, Algorithm::HS512, now.0),
    ];
    Ok(bundle)
}

/// Keycloak's scope mappings of a new realm (seen in 26.7.3's exports): the
/// `offline_access` scope carries the role of that name, and the account console the
/// account roles it needs. Added by name once a file's clients, roles and scopes are in,
/// and only where missing.
pub(super) fn add_built_in_scope_mappings(builder: &mut Builder) {
    if let Some(offline) = builder.find_role(None, "offline_access")
        && let Some(scope) =
            builder.bundle.client_scopes.iter_mut().find(|s| s.name == "offline_access")
        && !scope.role_ids.contains(&offline)
    {
        scope.role_ids.push(offline);
    }
    let (Some(account), Some(console)) =
        (builder.client_uuid("account"), builder.client_uuid("account-console"))
    else {
        return;
    };
    for role in ["manage-account", "view-groups"] {
        if let Some(role_id) = builder.find_role(Some(&account), role) {
            let mapping =
                crate::store::ClientScopeMapping { client_uuid: console.clone(), role_id };
            if !builder.bundle.client_scope_mappings.contains(&mapping) {
                builder.bundle.client_scope_mappings.push(mapping);
            }
        }
    }
}

/// Everything of [`new_realm`] but the keys and the built-in scope mappings, which
/// import decides on.
pub(super) fn realm_defaults(realm_id: String, name: &str) -> RealmBundle {
    let realm = Realm::new(realm_id, name.to_owned());
    let (client_scopes, default_client_scopes) = crate::client_scope::built_in_scopes(&realm.id);
    let default_role_name = realm.settings.default_role.clone();
    let mut builder = Builder {
        bundle: RealmBundle {
            realm,
            keys: Vec::new(),
            clients: Vec::new(),
            roles: Vec::new(),
            groups: Vec::new(),
            default_group_ids: Vec::new(),
            client_scopes,
            default_client_scopes,
            client_scope_mappings: Vec::new(),
            users: Vec::new(),
            kept: Vec::new(),
        },
    };
    let account_url = format!("/realms/{name}/account/");
    let account = builder.built_in_client(
        "account",
        true,
        ClientSettings {
            root_url: Some("${authBaseUrl}".into()),
            base_url: Some(account_url.clone()),
            redirect_uris: vec![format!("{account_url}*")],
            ..ClientSettings::default()
        },
    );
    builder.built_in_client(
        "account-console",
        true,
        ClientSettings {
            root_url: Some("${authBaseUrl}".into()),
            base_url: Some(account_url.clone()),
            redirect_uris: vec![format!("{account_url}*")],
            attributes: BTreeMap::from([(ATTR_PKCE_METHOD.to_owned(), "S256".to_owned())]),
            protocol_mappers: vec![ProtocolMapper {
                id: Some(crate::random::uuid()),
                name: "audience resolve".into(),
                protocol: "openid-connect".into(),
                protocol_mapper: "oidc-audience-resolve-mapper".into(),
                config: BTreeMap::new(),
            }],
            ..ClientSettings::default()
        },
    );
    builder.built_in_client(
        "admin-cli",
        true,
        ClientSettings {
            standard_flow_enabled: false,
            direct_access_grants_enabled: true,
            ..ClientSettings::default()
        },
    );
    // Keycloak's exports show `broker` and `realm-management` as bearer-only
    // confidential clients (`KeycloakModelUtils.createManagementClient`): no secret.
    let broker = builder.built_in_client(
        "broker",
        false,
        ClientSettings { bearer_only: true, ..ClientSettings::default() },
    );
    let management = builder.built_in_client(
        "realm-management",
        false,
        ClientSettings { bearer_only: true, ..ClientSettings::default() },
    );
    let console_url = format!("/admin/{name}/console/");
    builder.built_in_client(
        "security-admin-console",
        true,
        ClientSettings {
            root_url: Some("${authAdminUrl}".into()),
            base_url: Some(console_url.clone()),
            redirect_uris: vec![format!("{console_url}*")],
            web_origins: vec!["+".into()],
            attributes: BTreeMap::from([(ATTR_PKCE_METHOD.to_owned(), "S256".to_owned())]),
            ..ClientSettings::default()
        },
    );

    for (role, composites) in ACCOUNT_ROLES {
        builder.client_role(&account, role, composites);
    }
    builder.client_role(&broker, "read-token", &[]);
    let mut management_roles = Vec::new();
    for (role, composites) in REALM_MANAGEMENT_ROLES {
        management_roles.push(builder.client_role(&management, role, composites));
    }
    let realm_admin = builder.client_role(&management, "realm-admin", &[]);
    builder.add_composites(&realm_admin, management_roles);

    let offline = builder.add_role(None, "offline_access", Some("${role_offline-access}".into()));
    let uma = builder.add_role(None, "uma_authorization", Some("${role_uma_authorization}".into()));
    if let Some(default_name) = default_role_name {
        let default_role =
            builder.add_role(None, &default_name, Some("${role_default-roles}".into()));
        let account_defaults = ["view-profile", "manage-account"]
            .iter()
            .filter_map(|role| builder.find_role(Some(&account), role));
        let children = [offline, uma].into_iter().chain(account_defaults).collect();
        builder.add_composites(&default_role, children);
    }
    if name == "master" {
        let create_realm =
            builder.add_role(None, "create-realm", Some("${role_create-realm}".into()));
        // Keycloak's `admin` contains every `<realm>-realm` client's roles; latchkey keeps
        // one `realm-management` client per realm, so `realm-admin` stands in for them.
        let admin = builder.add_role(None, "admin", Some("${role_admin}".into()));
        builder.add_composites(&admin, vec![create_realm, realm_admin]);
    }
    builder.bundle
}
