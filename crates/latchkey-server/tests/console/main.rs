//! The admin console over real HTTP: a real latchkey on 127.0.0.1:0 with a fresh
//! database per test, driven like a browser would (cookies kept, redirects not followed,
//! forms posted), asserting what a person would see and what the server stored.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unreachable_pub)]

mod browser;
mod groups;
mod keys;
mod realm_settings;
mod signin;
mod users;
