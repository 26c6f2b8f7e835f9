//! Users and their credentials.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::password::PasswordHash;
use crate::secret::Secret;

/// Required action that blocks the password grant (`Account is not fully set up`).
pub const REQUIRED_ACTION_UPDATE_PASSWORD: &str = "UPDATE_PASSWORD";

/// The required actions a realm of Keycloak 26.7.3 has (`GET
/// …/authentication/required-actions`, `facts-12.md` §3.6): a user's `requiredActions`
/// keeps these and drops any other name, compared exactly (`update_password` is dropped
/// too). Any one of them, enabled in the realm or not, stops the password grant.
pub const REQUIRED_ACTIONS: &[&str] = &[
    "TERMS_AND_CONDITIONS",
    "UPDATE_PROFILE",
    "VERIFY_EMAIL",
    "CONFIGURE_TOTP",
    "UPDATE_PASSWORD",
    "delete_account",
    "UPDATE_EMAIL",
    "webauthn-register",
    "webauthn-register-passwordless",
    "VERIFY_PROFILE",
    "delete_credential",
    "idp_link",
    "CONFIGURE_RECOVERY_AUTHN_CODES",
    "update_user_locale",
];

/// `actions` without unknown names and repeats, in the order given.
pub fn known_required_actions(actions: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for action in actions {
        if REQUIRED_ACTIONS.contains(&action.as_str()) && !kept.contains(action) {
            kept.push(action.clone());
        }
    }
    kept
}

/// Keycloak's credential type for passwords.
pub const PASSWORD_CREDENTIAL: &str = "password";

/// The priority Keycloak gives a password (`PasswordCredentialProvider`): credentials are
/// listed by priority, lowest first.
pub const PASSWORD_PRIORITY: i64 = 10;

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

/// A stored password credential, its hash read: what a login checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordCredential {
    pub id: String,
    pub user_id: String,
    /// Milliseconds since the epoch.
    pub created_date: i64,
    pub hash: PasswordHash,
}

impl PasswordCredential {
    /// The credential as stored, unlabelled, at a password's priority.
    pub fn to_credential(&self) -> Credential {
        Credential {
            id: self.id.clone(),
            user_id: self.user_id.clone(),
            credential_type: PASSWORD_CREDENTIAL.to_owned(),
            user_label: None,
            created_date: self.created_date,
            secret_data: Secret::new(self.hash.secret_data()),
            credential_data: self.hash.credential_data(),
            priority: PASSWORD_PRIORITY,
        }
    }
}

/// A stored credential of any type, as Keycloak keeps it (`CredentialModel`): the
/// password, and the types latchkey keeps and exports without using them (`otp`,
/// `webauthn`, …). `Debug` leaves the secret data out.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    pub id: String,
    pub user_id: String,
    pub credential_type: String,
    /// The name a user or admin gave it (`userLabel`).
    pub user_label: Option<String>,
    /// Milliseconds since the epoch.
    pub created_date: i64,
    /// Keycloak's `secretData` JSON (a hash and salt, an OTP seed).
    pub secret_data: Secret,
    /// Keycloak's `credentialData` JSON (algorithm, iterations, digits, …).
    pub credential_data: String,
    /// The credential's place in the user's list, lowest first.
    pub priority: i64,
}

impl Credential {
    pub fn is_password(&self) -> bool {
        self.credential_type == PASSWORD_CREDENTIAL
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("credential_type", &self.credential_type)
            .field("user_label", &self.user_label)
            .field("priority", &self.priority)
            .finish_non_exhaustive()
    }
}
