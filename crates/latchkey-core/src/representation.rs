//! Keycloak's JSON representations (RealmRepresentation and friends) for realm
//! import and export (`core/.../representations/idm/*.java`). Unknown fields are
//! ignored on import, so a full Keycloak export reads; absent fields are left out
//! on output, as Keycloak's `NON_NULL` mapper does.

mod defaults;
mod export;
mod import;
mod types;

pub use defaults::new_realm;
pub use export::export_realm;
pub use import::{ImportError, import_realm};
pub use types::*;

#[cfg(test)]
mod tests;
pub use export::client_representation;
