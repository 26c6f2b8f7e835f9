//! End-to-end tests: a real latchkey (testkit), the gateway and a counting upstream,
//! all on 127.0.0.1 port 0. The latchkey clock is manual, and the gateway shares it.

// Integration tests: unwrapping is how a test says "this must work".
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

mod health;
mod helpers;
mod jwks;
mod layer;
mod proxying;
mod revocation;
mod rotation;
mod routes;
mod slow_clients;
mod tokens;
