//! Password hashes in Keycloak's credential format: argon2id by default,
//! PBKDF2 variants verified as imported and rehashed on the next login.
//!
//! Formats follow `PasswordCredentialData` / `PasswordSecretData` and the hash
//! providers `Argon2PasswordHashProvider` and `Pbkdf2PasswordHashProvider`
//! (`spec/keycloak-protocol.md` §6.2).

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

/// Keycloak ≥25's default: argon2id v1.3, 7168 KiB, 5 passes, 1 lane, 32-byte hash.
pub const ARGON2_MEMORY_KIB: u32 = 7168;
pub const ARGON2_ITERATIONS: u32 = 5;
pub const ARGON2_PARALLELISM: u32 = 1;
pub const ARGON2_HASH_LENGTH: usize = 32;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("malformed credential data: {0}")]
    Malformed(String),
    #[error("unsupported hash algorithm {0}")]
    UnsupportedAlgorithm(String),
}

/// A stored password hash. `Debug` leaves out the salt and hash bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash {
    /// Keycloak's provider id: `argon2`, `pbkdf2`, `pbkdf2-sha256`, `pbkdf2-sha512`, ...
    pub algorithm: String,
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub value: Vec<u8>,
    /// Lists of strings, as Keycloak writes them (`{"memory":["7168"]}`).
    pub additional_parameters: BTreeMap<String, Vec<String>>,
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHash")
            .field("algorithm", &self.algorithm)
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SecretData {
    value: String,
    #[serde(default)]
    salt: Option<String>,
    #[serde(default)]
    additional_parameters: BTreeMap<String, Vec<String>>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CredentialData {
    #[serde(default)]
    hash_iterations: i64,
    algorithm: String,
    #[serde(default, alias = "algorithmData")]
    additional_parameters: BTreeMap<String, Vec<String>>,
}

impl PasswordHash {
    /// Reads Keycloak's `secretData` and `credentialData` strings.
    pub fn from_keycloak(secret_data: &str, credential_data: &str) -> Result<Self, PasswordError> {
        let secret: SecretData = serde_json::from_str(secret_data)
            .map_err(|e| PasswordError::Malformed(format!("secretData: {e}")))?;
        let credential: CredentialData = serde_json::from_str(credential_data)
            .map_err(|e| PasswordError::Malformed(format!("credentialData: {e}")))?;
        let value = STANDARD
            .decode(secret.value.as_bytes())
            .map_err(|e| PasswordError::Malformed(format!("hash value: {e}")))?;
        let salt = match secret.salt.as_deref() {
            None | Some("__SALT__") => Vec::new(),
            Some(salt) => STANDARD
                .decode(salt.as_bytes())
                .map_err(|e| PasswordError::Malformed(format!("salt: {e}")))?,
        };
        let iterations = u32::try_from(credential.hash_iterations.max(0)).unwrap_or(u32::MAX);
        let mut additional_parameters = credential.additional_parameters;
        additional_parameters.extend(secret.additional_parameters);
        let hash = PasswordHash {
            algorithm: credential.algorithm,
            iterations,
            salt,
            value,
            additional_parameters,
        };
        hash.check_supported()?;
        Ok(hash)
    }

    /// Keycloak's `secretData` JSON string.
    pub fn secret_data(&self) -> String {
        serde_json::json!({
            "value": STANDARD.encode(&self.value),
            "salt": STANDARD.encode(&self.salt),
            "additionalParameters": {},
        })
        .to_string()
    }

    /// Keycloak's `credentialData` JSON string.
    pub fn credential_data(&self) -> String {
        serde_json::json!({
            "hashIterations": self.iterations,
            "algorithm": self.algorithm,
            "additionalParameters": self.additional_parameters,
        })
        .to_string()
    }

    fn check_supported(&self) -> Result<(), PasswordError> {
        match self.algorithm.as_str() {
            "argon2" => argon2_params(self).map(|_| ()),
            other => pbkdf2_algorithm(other)
                .map(|_| ())
                .ok_or_else(|| PasswordError::UnsupportedAlgorithm(other.to_owned())),
        }
    }

    /// Checks `password` against the hash in constant time.
    pub fn verify(&self, password: &str) -> bool {
        match self.algorithm.as_str() {
            "argon2" => {
                let Ok((argon, length)) = argon2_params(self) else { return false };
                let mut out = vec![0u8; length];
                if argon2_into(&argon, password.as_bytes(), &self.salt, &mut out).is_err() {
                    return false;
                }
                out.ct_eq(&self.value).into()
            }
            other => {
                let (Some(algorithm), Some(iterations)) =
                    (pbkdf2_algorithm(other), NonZeroU32::new(self.iterations))
                else {
                    return false;
                };
                aws_lc_rs::pbkdf2::verify(
                    algorithm,
                    iterations,
                    &self.salt,
                    password.as_bytes(),
                    &self.value,
                )
                .is_ok()
            }
        }
    }

    /// Whether the hash already uses the default algorithm and parameters; if not,
    /// a successful login rehashes it (Keycloak's `policyCheck`).
    pub fn is_current_policy(&self) -> bool {
        self.algorithm == "argon2"
            && self.iterations == ARGON2_ITERATIONS
            && param(self, "memory") == Some(ARGON2_MEMORY_KIB)
            && param(self, "parallelism") == Some(ARGON2_PARALLELISM)
            && self.additional_parameters.get("type").and_then(|v| v.first()).map(String::as_str)
                == Some("id")
            && self.value.len() == ARGON2_HASH_LENGTH
    }
}

fn param(hash: &PasswordHash, name: &str) -> Option<u32> {
    hash.additional_parameters.get(name)?.first()?.parse().ok()
}

fn argon2_params(hash: &PasswordHash) -> Result<(argon2::Argon2<'static>, usize), PasswordError> {
    let algorithm = match hash.additional_parameters.get("type").and_then(|v| v.first()) {
        None => argon2::Algorithm::Argon2id,
        Some(t) if t == "id" => argon2::Algorithm::Argon2id,
        Some(t) if t == "i" => argon2::Algorithm::Argon2i,
        Some(t) if t == "d" => argon2::Algorithm::Argon2d,
        Some(t) => return Err(PasswordError::Malformed(format!("argon2 type {t}"))),
    };
    let version = match hash.additional_parameters.get("version").and_then(|v| v.first()) {
        Some(v) if v == "1.0" => argon2::Version::V0x10,
        _ => argon2::Version::V0x13,
    };
    let memory = param(hash, "memory").unwrap_or(ARGON2_MEMORY_KIB);
    let parallelism = param(hash, "parallelism").unwrap_or(ARGON2_PARALLELISM);
    let length = param(hash, "hashLength")
        .and_then(|v| usize::try_from(v).ok())
        .unwrap_or(hash.value.len().max(1));
    let iterations = if hash.iterations == 0 { ARGON2_ITERATIONS } else { hash.iterations };
    let params = argon2::Params::new(memory, iterations, parallelism, Some(length))
        .map_err(|e| PasswordError::Malformed(format!("argon2 parameters: {e}")))?;
    Ok((argon2::Argon2::new(algorithm, version, params), length))
}

/// Runs argon2 in this thread's reusable working memory. A fresh 7 MiB allocation per
/// hash costs page faults and zeroing on every login and leaves freed blocks in the
/// allocator's per-thread arenas; the hashing threads are few and long-lived, so each
/// keeps one buffer, grown to the largest memory parameter it has seen.
fn argon2_into(
    argon: &argon2::Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    thread_local! {
        static MEMORY: std::cell::RefCell<Vec<argon2::Block>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let blocks = argon.params().block_count();
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, argon2::Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
    })
}

fn pbkdf2_algorithm(name: &str) -> Option<aws_lc_rs::pbkdf2::Algorithm> {
    match name {
        "pbkdf2" => Some(aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA1),
        "pbkdf2-sha256" => Some(aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA256),
        "pbkdf2-sha384" => Some(aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA384),
        "pbkdf2-sha512" => Some(aws_lc_rs::pbkdf2::PBKDF2_HMAC_SHA512),
        _ => None,
    }
}

/// Hashes with the default algorithm (argon2id, Keycloak's parameters) and a fresh salt.
/// Slow on purpose: call it off the async runtime.
pub fn hash_password(password: &str) -> PasswordHash {
    hash_with_salt(password, crate::random::bytes::<16>().to_vec())
}

fn hash_with_salt(password: &str, salt: Vec<u8>) -> PasswordHash {
    let additional_parameters = BTreeMap::from([
        ("hashLength".to_owned(), vec![ARGON2_HASH_LENGTH.to_string()]),
        ("memory".to_owned(), vec![ARGON2_MEMORY_KIB.to_string()]),
        ("type".to_owned(), vec!["id".to_owned()]),
        ("version".to_owned(), vec!["1.3".to_owned()]),
        ("parallelism".to_owned(), vec![ARGON2_PARALLELISM.to_string()]),
    ]);
    let mut hash = PasswordHash {
        algorithm: "argon2".to_owned(),
        iterations: ARGON2_ITERATIONS,
        salt,
        value: Vec::new(),
        additional_parameters,
    };
    let mut out = vec![0u8; ARGON2_HASH_LENGTH];
    if let Ok((argon, _)) = argon2_params(&hash) {
        // The parameters are constants that argon2 accepts, so this cannot fail.
        let _ = argon2_into(&argon, password.as_bytes(), &hash.salt, &mut out);
    }
    hash.value = out;
    hash
}

/// A fixed hash checked for unknown users, so their answer costs the same time
/// as a known user's (`AuthenticatorUtils.dummyHash`).
pub fn dummy_hash() -> &'static PasswordHash {
    static DUMMY: LazyLock<PasswordHash> =
        LazyLock::new(|| hash_with_salt("latchkey-dummy-password", vec![0x5a; 16]));
    &DUMMY
}

#[cfg(test)]
mod tests;
