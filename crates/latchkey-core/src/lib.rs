//! latchkey's domain and protocol: realms, users, clients, roles, sessions, the
//! grant rules and the tokens they issue.
//!
//! Architecture invariant: this crate performs no I/O and reads no clock; `now`
//! is always an argument. The `Store` trait is the only way out.

pub mod brute_force;
pub mod client;
pub mod client_scope;
pub mod event;
pub mod grant;
pub mod group;
pub mod oauth_error;
pub mod password;
pub mod password_policy;
pub mod random;
pub mod realm;
pub mod representation;
pub mod revocation;
pub mod role;
pub mod scope;
pub mod secret;
pub mod session;
pub mod store;
pub mod time;
pub mod token;
pub mod user;
pub mod username;
