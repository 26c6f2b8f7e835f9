//! The serde shapes of Keycloak's representations (`core/.../representations/idm/*.java`),
//! limited to the fields latchkey models.
//!
//! Every field is optional on input. The realm, client, user, role, group and client
//! scope representations collect the fields latchkey does not model in `extra`
//! (`#[serde(flatten)]`), so a full Keycloak export (authentication flows, identity
//! providers, ...) reads and is written back as it came (`kept.rs`). `None` fields are
//! left out on output, as Keycloak's `NON_NULL` object mapper does.

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::ProtocolMapper;

/// Where Keycloak keeps key providers in `components`.
pub const KEY_PROVIDER: &str = "org.keycloak.keys.KeyProvider";

/// One realm, as `kc.sh export` writes it and `--import-realm` reads it. Its schema
/// also names the untyped fields `GET /admin/realms/{realm}` answers (`kept.rs`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
#[schemars(transform = super::kept::document_realm_fields)]
pub struct RealmRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
    /// Empty is Keycloak's default (RS256); otherwise an algorithm latchkey signs with
    /// (`Algorithm::parse`; anything else is refused with 400).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(extend("enum" = [
        "", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
        "EdDSA", "HS256", "HS384", "HS512", null
    ]))]
    pub default_signature_algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_refresh_token: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_max_reuse: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token_lifespan: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_session_idle_timeout: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_session_max_lifespan: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_session_idle_timeout: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_session_max_lifespan: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline_session_idle_timeout: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline_session_max_lifespan_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offline_session_max_lifespan: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_required: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_with_email_allowed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_emails_allowed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brute_force_protected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permanent_lockout: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_temporary_lockouts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brute_force_strategy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failure_wait_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_quick_login_wait_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_increment_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_login_check_milli_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_delta_time_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_factor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_expiration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_listeners: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled_event_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_events_details_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<RolesRepresentation>,
    /// The composite role every new user gets (Keycloak ≥13). Only `name` is read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_role: Option<RoleRepresentation>,
    /// Realm role names granted to new users, as Keycloak <13 exported them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_roles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupRepresentation>>,
    /// Paths of the groups new users join.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_groups: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<UserRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients: Option<Vec<ClientRepresentation>>,
    /// Components by provider type; keys live under [`KEY_PROVIDER`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub components: Option<BTreeMap<String, Vec<ComponentRepresentation>>>,
    /// The realm's client scopes; given, they replace the built-in ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_scopes: Option<Vec<ClientScopeRepresentation>>,
    /// Names of the scopes new clients get as default scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_default_client_scopes: Option<Vec<String>>,
    /// Names of the scopes new clients get as optional scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_optional_client_scopes: Option<Vec<String>>,
    /// Realm roles scope-mapped to clients and client scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_mappings: Option<Vec<ScopeMappingRepresentation>>,
    /// Client roles scope-mapped to clients and client scopes, by the roles' client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_scope_mappings: Option<BTreeMap<String, Vec<ScopeMappingRepresentation>>>,
    /// The fields latchkey does not model, kept as they came (`kept.rs`): a field
    /// that becomes typed leaves this map by itself.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// A client scope (`ClientScopeRepresentation`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientScopeRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_mappers: Option<Vec<ProtocolMapper>>,
    /// The fields latchkey does not model, kept as they came (`kept.rs`): a field
    /// that becomes typed leaves this map by itself.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// Roles scope-mapped to one client or client scope (`ScopeMappingRepresentation`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ScopeMappingRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_scope: Option<String>,
    pub roles: Vec<String>,
}

/// `roles`: `{"realm": [...], "client": {clientId: [...]}}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct RolesRepresentation {
    pub realm: Vec<RoleRepresentation>,
    pub client: BTreeMap<String, Vec<RoleRepresentation>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct RoleRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Always written; read as given, so that a file's `"composite": false` without
    /// `composites` can say "none" for a built-in role (see `roles::import_roles`).
    pub composite: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub composites: Option<CompositesRepresentation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_role: Option<bool>,
    /// The realm id for a realm role, the client's internal id for a client role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    /// Left out of brief representations (listings, mappings, composites).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<BTreeMap<String, Vec<String>>>,
    /// The fields latchkey does not model, kept as they came (`kept.rs`): a field
    /// that becomes typed leaves this map by itself.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// The roles a composite role contains, by name: `{"realm": [...], "client": {clientId: [...]}}`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct CompositesRepresentation {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub realm: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub client: BTreeMap<String, Vec<String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surrogate_auth_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub always_display_in_console: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_authenticator_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_origins: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_only: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consent_required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub standard_flow_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implicit_flow_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direct_access_grants_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_accounts_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_client: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frontchannel_logout: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_flow_binding_overrides: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_scope_allowed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_re_registration_timeout: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_mappers: Option<Vec<ProtocolMapper>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_client_scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional_client_scopes: Option<Vec<String>>,
    /// This client's role names granted to new users, as Keycloak <13 exported them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_roles: Option<Vec<String>>,
    /// What the caller may do with the client (`ClientResource.getClient`'s `access`);
    /// written by the Admin API only, ignored on input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<ClientAccess>,
    /// The fields latchkey does not model, kept as they came (`kept.rs`): a field
    /// that becomes typed leaves this map by itself.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// A client's `access`, in Keycloak's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct ClientAccess {
    pub view: bool,
    pub configure: bool,
    pub manage: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct UserRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_timestamp: Option<i64>,
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<BTreeMap<String, Vec<String>>>,
    /// Set on the hidden user behind a client's service account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Vec<CredentialRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_actions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm_roles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_roles: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
    /// Paths of the user's groups: read on create and import, written by export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
    /// The fields latchkey does not model, kept as they came (`kept.rs`): a field
    /// that becomes typed leaves this map by itself.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// A group (`GroupRepresentation`), in Keycloak's field order. Which fields a listing
/// fills depends on it (brief or full, with `subGroupCount` or not); `None` is left out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_group_count: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_groups: Option<Vec<GroupRepresentation>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<BTreeMap<String, Vec<String>>>,
    /// Names of the realm roles mapped to the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm_roles: Option<Vec<String>>,
    /// Client id to the names of that client's roles mapped to the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_roles: Option<BTreeMap<String, Vec<String>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<GroupAccess>,
    /// The fields latchkey does not model, kept as they came (`kept.rs`): a field
    /// that becomes typed leaves this map by itself.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

/// What the caller may do with a group (`GroupPermissionEvaluator.getAccess`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupAccess {
    pub view: bool,
    pub view_members: bool,
    pub manage_members: bool,
    pub manage: bool,
    pub manage_membership: bool,
}

/// A credential: plain (`value`, `temporary`) for hand-written files, hashed
/// (`secretData`, `credentialData`, both JSON in a string) in Keycloak's exports.
/// `Debug` shows the type only.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct CredentialRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub credential_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary: Option<bool>,
    /// Read on import (the list's order otherwise gives it); not written.
    #[serde(skip_serializing)]
    pub priority: Option<i64>,
}

impl fmt::Debug for CredentialRepresentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialRepresentation")
            .field("id", &self.id)
            .field("type", &self.credential_type)
            .finish_non_exhaustive()
    }
}

/// A component; `org.keycloak.keys.KeyProvider` entries are the realm's keys, with their
/// secrets in `config` (`secret`, `privateKey`). `Debug` leaves `config` out.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct ComponentRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// `org.keycloak.keys.KeyProvider` for keys; the realm file says it by the map key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_type: Option<String>,
    /// The realm's id (`GET …/components` writes it; realm files leave it out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_type: Option<String>,
    /// Values are lists of strings, as Keycloak writes them (`"priority": ["100"]`).
    pub config: BTreeMap<String, Vec<String>>,
    /// Fields latchkey does not model (`subComponents`), kept for components other
    /// than keys.
    #[serde(flatten)]
    #[schemars(skip)]
    pub extra: Map<String, Value>,
}

impl fmt::Debug for ComponentRepresentation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ComponentRepresentation")
            .field("name", &self.name)
            .field("provider_id", &self.provider_id)
            .finish_non_exhaustive()
    }
}

impl ComponentRepresentation {
    /// The first value of a config entry.
    pub fn config_value(&self, name: &str) -> Option<&str> {
        self.config.get(name)?.first().map(String::as_str)
    }
}
