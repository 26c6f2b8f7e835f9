//! Users and their password credentials.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::password::PasswordHash;

/// Required action that blocks the password grant (`Account is not fully set up`).
pub const REQUIRED_ACTION_UPDATE_PASSWORD: &str = "UPDATE_PASSWORD";

/// Profile fields and flags beyond the user's identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub email: Option<String>,
    pub email_verified: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub attributes: BTreeMap<String, Vec<String>>,
    pub required_actions: Vec<String>,
    /// Set for the hidden user behind a client's service account.
    pub service_account_client_id: Option<String>,
    pub not_before: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub realm_id: String,
    /// Keycloak stores usernames in lower case.
    pub username: String,
    pub enabled: bool,
    /// Milliseconds since the epoch.
    pub created_timestamp: i64,
    pub profile: UserProfile,
}

impl User {
    /// "first last", as the `name` claim (`FullNameMapper`); `None` when both are absent.
    pub fn full_name(&self) -> Option<String> {
        match (&self.profile.first_name, &self.profile.last_name) {
            (Some(first), Some(last)) => Some(format!("{first} {last}")),
            (Some(first), None) => Some(first.clone()),
            (None, Some(last)) => Some(last.clone()),
            (None, None) => None,
        }
    }

    pub fn is_service_account(&self) -> bool {
        self.profile.service_account_client_id.is_some()
    }
}

/// A stored password credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordCredential {
    pub id: String,
    pub user_id: String,
    /// Milliseconds since the epoch.
    pub created_date: i64,
    pub hash: PasswordHash,
}
