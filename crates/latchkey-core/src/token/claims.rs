//! Claim sets of the tokens latchkey reads back: refresh tokens and access tokens.
//! Issuing builds JSON in Keycloak's order in `issue.rs`.

use serde::{Deserialize, Serialize};

/// `aud`: a string when single, an array when several (`StringOrArraySerializer`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    pub fn from_list(mut list: Vec<String>) -> Option<Self> {
        match list.len() {
            0 => None,
            1 => list.pop().map(Audience::One),
            _ => Some(Audience::Many(list)),
        }
    }

    pub fn contains(&self, value: &str) -> bool {
        match self {
            Audience::One(one) => one == value,
            Audience::Many(many) => many.iter().any(|v| v == value),
        }
    }
}

/// What latchkey reads from a refresh token (`RefreshToken.java`).
#[derive(Clone, Debug, Deserialize)]
pub struct RefreshClaims {
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub jti: Option<String>,
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub typ: Option<String>,
    pub azp: Option<String>,
    /// Session id; tokens of Keycloak ≤24 carry `session_state` instead.
    pub sid: Option<String>,
    pub session_state: Option<String>,
    pub scope: Option<String>,
    pub reuse_id: Option<String>,
}

impl RefreshClaims {
    pub fn session_id(&self) -> Option<&str> {
        self.sid.as_deref().or(self.session_state.as_deref())
    }
}

/// What latchkey reads from an access token (`AccessToken.java`); the rest is kept raw.
#[derive(Clone, Debug, Deserialize)]
pub struct AccessClaims {
    pub exp: Option<i64>,
    pub iat: Option<i64>,
    pub jti: Option<String>,
    pub iss: Option<String>,
    pub sub: Option<String>,
    pub typ: Option<String>,
    pub azp: Option<String>,
    pub sid: Option<String>,
    pub session_state: Option<String>,
    pub scope: Option<String>,
}

impl AccessClaims {
    pub fn session_id(&self) -> Option<&str> {
        self.sid.as_deref().or(self.session_state.as_deref())
    }
}

pub const TYP_BEARER: &str = "Bearer";
pub const TYP_REFRESH: &str = "Refresh";
pub const TYP_OFFLINE: &str = "Offline";
pub const TYP_ID: &str = "ID";
