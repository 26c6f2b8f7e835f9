//! latchkey's storage: the `Store` trait of `latchkey-core`, with plain SQL and
//! migrations (`migrations/sqlite` and `migrations/postgres`, with the same numbers), on
//! SQLite (embedded, the default) or PostgreSQL (any number of instances on one database).
//!
//! Layers, top down: `Database` (`database.rs`) is what the server holds; it owns the
//! session cache, the group commit of session writes and the write-behind of refresh
//! times, the same for every engine. Below it, `Engine` (`engine.rs`) forwards to one
//! engine, which is plain SQL and keeps nothing in memory: `Sql<DB>` (`sql.rs`),
//! written once for every engine, with each engine's dialect in `sqlite.rs` and
//! `postgres.rs`.
//!
//! Architecture invariant: all SQL of latchkey lives in this crate, and every query is
//! checked at run time by the contract suite (`tests/contract.rs`) on every engine.

mod batch;
mod database;
mod engine;
mod error;
mod feed;
mod postgres;
mod rows;
mod session_cache;
mod sql;
mod sqlite;
mod stats;

pub use crate::database::{BootstrapLock, Database};
pub use crate::feed::{Change, ChangeFeed, GAP_WAIT, POLL_INTERVAL};
pub use crate::postgres::{InvalidUrl, PostgresOptions};
pub use crate::stats::{FeedStats, PoolStats, StoreStats};
