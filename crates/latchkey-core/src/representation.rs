//! Keycloak's JSON representations (RealmRepresentation and friends) for realm
//! import and export.
