//! Tokens: algorithms, keys, compact JWS, claim sets, lifetimes, and issuing a token set.

pub mod algorithm;
pub mod claims;
pub mod issue;
mod json;
pub mod jwt;
pub mod keys;
pub mod lifetimes;
pub mod mappers;
