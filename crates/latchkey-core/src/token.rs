//! Tokens: keys, compact JWS, claim sets, lifetimes, and issuing a token set.

pub mod keys;
pub mod jwt;
pub mod claims;
pub mod lifetimes;
pub mod issue;
