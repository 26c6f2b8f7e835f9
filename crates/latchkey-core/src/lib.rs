//! latchkey's domain and protocol: realms, users, clients, roles, sessions, the
//! grant rules and the tokens they issue.
//!
//! Architecture invariant: this crate performs no I/O and reads no clock; `now`
//! is always an argument. The `Store` trait is the only way out.

pub mod time;
pub mod random;
pub mod secret;
pub mod realm;
pub mod client;
pub mod user;
pub mod role;
pub mod session;
pub mod scope;
pub mod password;
pub mod brute_force;
pub mod oauth_error;
pub mod token;
pub mod store;
pub mod grant;
pub mod representation;
