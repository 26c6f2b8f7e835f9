//! HTTP-level tests: a real latchkey on 127.0.0.1:0 with a fresh database per test.
//! Expected answers were recorded from Keycloak 26.7.3 (see each module).

// Integration tests: unwrapping is how a test says "this must work".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

mod admin_client_roles;
mod admin_client_scopes;
mod admin_clients;
mod admin_credentials;
mod admin_group_members;
mod admin_groups;
mod admin_keys;
mod admin_openapi;
mod admin_protocol_mappers;
mod admin_realms;
mod admin_roles;
mod admin_roles_by_id;
mod admin_scope_mappings;
mod admin_sessions;
mod admin_unknown_fields;
mod admin_users;
mod admin_validation;
mod algorithms;
mod bad_input;
mod client_auth;
mod client_scopes;
mod cors;
mod endpoints;
mod events;
mod helpers;
mod metrics;
mod offline;
mod partial_import;
mod password_grant;
mod races;
mod refresh_grant;
mod restart;
mod slow_clients;
