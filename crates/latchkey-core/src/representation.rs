//! Keycloak's realm JSON (RealmRepresentation and friends) for realm import and
//! export, and the converters the Admin API shares with them.
//!
//! Fields latchkey does not model are kept on import and written back on export
//! (`kept.rs`), so a full Keycloak export reads and comes back whole; absent
//! fields are left out on output, as Keycloak's `NON_NULL` mapper does
//! (`spec/keycloak-protocol.md` §6).

mod client_scopes;
mod clients;
mod defaults;
mod export;
mod groups;
mod import;
mod kept;
mod keys;
pub mod limits;
mod partial_import;
mod roles;
mod types;
mod users;

pub use client_scopes::client_scope_to_representation;
pub use clients::{
    apply_client_representation, client_from_representation, client_to_representation,
};
pub use defaults::new_realm;
pub use export::{export_realm, partial_export, realm_to_representation};
pub use groups::{GroupView, group_role_names, group_to_representation, node_to_representation};
pub use import::{ImportError, apply_realm_representation, import_realm};
pub use kept::{is_realm_setting, kept_parts};
pub use keys::{
    ComponentError, component_to_representation, fallback_key, key_from_component, keys_metadata,
    update_key_from_component,
};
pub use partial_import::{
    Action, ExistingUsers, PartialImportError, PartialImportPlan, PartialImportRepresentation,
    PartialImportResult, PartialImportResults, Policy, ResourceType, plan_partial_import,
};
pub use roles::{role_to_full_representation, role_to_representation};
pub use types::{
    ClientAccess, ClientRepresentation, ClientScopeRepresentation, ComponentRepresentation,
    CompositesRepresentation, CredentialRepresentation, GroupAccess, GroupRepresentation,
    KEY_PROVIDER, RealmRepresentation, RoleRepresentation, RolesRepresentation,
    ScopeMappingRepresentation, UserRepresentation,
};
pub use users::{apply_user_representation, user_to_representation};

#[cfg(test)]
mod tests;
