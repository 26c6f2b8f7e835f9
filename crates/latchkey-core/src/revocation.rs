//! Revocations as latchkey pushes them to gateways: which still-unexpired access tokens
//! must no longer be accepted. Pure: what an entry covers and when it can be forgotten.
//!
//! An entry names a session (`sid`), a user (`sub`, tokens issued before a cut-off), one
//! token (`jti`) or a whole realm (tokens issued before a cut-off). `expires` is the
//! time (seconds) after which no access token the entry covers can still be valid, so
//! the entry is dropped then.

use serde::{Deserialize, Serialize};

/// One revocation, as sent on the wire (`{"type":"session","sid":…,"expires":…}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Revocation {
    /// A session ended: every token with this `sid` (or `session_state`).
    Session { sid: String, expires: i64 },
    /// A user's tokens issued before `issued_before` (seconds; `iat < issued_before`).
    User { sub: String, issued_before: i64, expires: i64 },
    /// One access token, by `jti`.
    Token { jti: String, expires: i64 },
    /// Every token of the realm issued before `issued_before`.
    Realm { issued_before: i64, expires: i64 },
}

/// What a verified token says about itself, as far as revocations care.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokenFacts<'a> {
    pub sid: Option<&'a str>,
    pub sub: Option<&'a str>,
    pub jti: Option<&'a str>,
    /// `iat` in seconds; a token without one counts as issued at 0 (the oldest).
    pub iat: Option<i64>,
}

impl Revocation {
    /// When the entry can be forgotten (seconds since the epoch).
    pub fn expires(&self) -> i64 {
        match self {
            Revocation::Session { expires, .. }
            | Revocation::User { expires, .. }
            | Revocation::Token { expires, .. }
            | Revocation::Realm { expires, .. } => *expires,
        }
    }

    /// Whether a token with these facts is revoked by this entry.
    pub fn covers(&self, token: &TokenFacts<'_>) -> bool {
        let iat = token.iat.unwrap_or(0);
        match self {
            Revocation::Session { sid, .. } => token.sid == Some(sid.as_str()),
            Revocation::User { sub, issued_before, .. } => {
                token.sub == Some(sub.as_str()) && iat < *issued_before
            }
            Revocation::Token { jti, .. } => token.jti == Some(jti.as_str()),
            Revocation::Realm { issued_before, .. } => iat < *issued_before,
        }
    }
}

/// The revocations of one realm, indexed for a lookup per request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevocationList {
    sessions: std::collections::HashMap<String, i64>,
    tokens: std::collections::HashMap<String, i64>,
    /// `sub` → (issued_before, expires); a later cut-off replaces an earlier one.
    users: std::collections::HashMap<String, (i64, i64)>,
    realm: Option<(i64, i64)>,
}

impl RevocationList {
    /// Adds an entry; entries about the same thing keep the widest cut-off and the
    /// latest expiry.
    pub fn insert(&mut self, revocation: Revocation) {
        match revocation {
            Revocation::Session { sid, expires } => {
                let held = self.sessions.entry(sid).or_insert(expires);
                *held = (*held).max(expires);
            }
            Revocation::Token { jti, expires } => {
                let held = self.tokens.entry(jti).or_insert(expires);
                *held = (*held).max(expires);
            }
            Revocation::User { sub, issued_before, expires } => {
                let held = self.users.entry(sub).or_insert((issued_before, expires));
                *held = (held.0.max(issued_before), held.1.max(expires));
            }
            Revocation::Realm { issued_before, expires } => {
                let held = self.realm.get_or_insert((issued_before, expires));
                *held = (held.0.max(issued_before), held.1.max(expires));
            }
        }
    }

    /// Whether any entry covers the token.
    pub fn covers(&self, token: &TokenFacts<'_>) -> bool {
        let iat = token.iat.unwrap_or(0);
        token.sid.is_some_and(|sid| self.sessions.contains_key(sid))
            || token.jti.is_some_and(|jti| self.tokens.contains_key(jti))
            || token
                .sub
                .and_then(|sub| self.users.get(sub))
                .is_some_and(|(issued_before, _)| iat < *issued_before)
            || self.realm.is_some_and(|(issued_before, _)| iat < issued_before)
    }

    /// Forgets entries whose tokens have all expired by `now` (seconds).
    pub fn prune(&mut self, now: i64) {
        self.sessions.retain(|_, expires| *expires >= now);
        self.tokens.retain(|_, expires| *expires >= now);
        self.users.retain(|_, (_, expires)| *expires >= now);
        if self.realm.is_some_and(|(_, expires)| expires < now) {
            self.realm = None;
        }
    }

    pub fn len(&self) -> usize {
        self.sessions.len()
            + self.tokens.len()
            + self.users.len()
            + usize::from(self.realm.is_some())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every entry, as sent in a snapshot.
    pub fn entries(&self) -> Vec<Revocation> {
        let mut entries: Vec<Revocation> = Vec::with_capacity(self.len());
        entries.extend(
            self.sessions
                .iter()
                .map(|(sid, expires)| Revocation::Session { sid: sid.clone(), expires: *expires }),
        );
        entries.extend(
            self.tokens
                .iter()
                .map(|(jti, expires)| Revocation::Token { jti: jti.clone(), expires: *expires }),
        );
        entries.extend(self.users.iter().map(|(sub, (issued_before, expires))| Revocation::User {
            sub: sub.clone(),
            issued_before: *issued_before,
            expires: *expires,
        }));
        if let Some((issued_before, expires)) = self.realm {
            entries.push(Revocation::Realm { issued_before, expires });
        }
        entries
    }
}

#[cfg(test)]
mod tests;
