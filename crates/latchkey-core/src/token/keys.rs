//! A realm's keys: RSA for access and ID tokens, HMAC for refresh tokens.
//!
//! Key ids follow Keycloak: RSA `kid` = Base64URL(SHA-256(SubjectPublicKeyInfo DER))
//! (`KeyUtils.createKeyId`), HMAC `kid` = a random UUID.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RsaKeyPair};
use aws_lc_rs::{digest, hmac};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::realm::HmacAlgorithm;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key material rejected: {0}")]
    Rejected(String),
    #[error("key generation failed")]
    Generation,
}

/// What a stored key is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa,
    Hmac(HmacAlgorithm),
}

/// A key as storage keeps it. `Debug` leaves the secret out.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub kid: String,
    pub realm_id: String,
    pub kind: KeyKind,
    /// PKCS#8 DER for RSA, the raw secret for HMAC.
    pub secret: Vec<u8>,
    /// Higher signs; all enabled keys verify.
    pub priority: i64,
    pub enabled: bool,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

impl fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKey")
            .field("kid", &self.kid)
            .field("kind", &self.kind)
            .field("priority", &self.priority)
            .finish_non_exhaustive()
    }
}

impl StoredKey {
    /// A new RSA-2048 signing key (`rsa-generated`).
    pub fn generate_rsa(realm_id: &str, created_at: i64) -> Result<Self, KeyError> {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generation)?;
        let der: Pkcs8V1Der<'static> = pair.as_der().map_err(|_| KeyError::Generation)?;
        let secret = der.as_ref().to_vec();
        let key = RsaKey::from_pkcs8(&secret)?;
        Ok(StoredKey {
            kid: key.kid.clone(),
            realm_id: realm_id.to_owned(),
            kind: KeyKind::Rsa,
            secret,
            priority: 100,
            enabled: true,
            created_at,
        })
    }

    /// A new HMAC key with a random UUID `kid` (`hmac-generated`); 64 bytes like Keycloak's HS512 key.
    pub fn generate_hmac(realm_id: &str, algorithm: HmacAlgorithm, created_at: i64) -> Self {
        let secret = crate::random::bytes::<64>().to_vec();
        StoredKey {
            kid: crate::random::uuid(),
            realm_id: realm_id.to_owned(),
            kind: KeyKind::Hmac(algorithm),
            secret,
            priority: 100,
            enabled: true,
            created_at,
        }
    }
}

/// An RSA key ready to sign RS256.
pub struct RsaKey {
    pub kid: String,
    pair: RsaKeyPair,
    /// PKCS#1 RSAPublicKey DER, for verification.
    public_pkcs1: Vec<u8>,
    /// SubjectPublicKeyInfo DER, for `public_key` in the realm info.
    pub public_spki: Vec<u8>,
    /// Unsigned big-endian modulus and exponent, for the JWK.
    pub modulus: Vec<u8>,
    pub exponent: Vec<u8>,
    /// The key's self-signed X.509 certificate (DER), for `x5c` in the JWKS; empty until
    /// [`RsaKey::certify`].
    pub certificate: Vec<u8>,
}

impl RsaKey {
    pub fn from_pkcs8(der: &[u8]) -> Result<Self, KeyError> {
        let pair = RsaKeyPair::from_pkcs8(der).map_err(|e| KeyError::Rejected(e.to_string()))?;
        let public = pair.public_key();
        let spki: PublicKeyX509Der<'static> =
            public.as_der().map_err(|_| KeyError::Rejected("public key encoding".into()))?;
        let public_spki = spki.as_ref().to_vec();
        let kid = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, &public_spki));
        Ok(RsaKey {
            kid,
            public_pkcs1: public.as_ref().to_vec(),
            public_spki,
            modulus: public.modulus().big_endian_without_leading_zero().to_vec(),
            exponent: public.exponent().big_endian_without_leading_zero().to_vec(),
            certificate: Vec::new(),
            pair,
        })
    }

    /// Makes the key's self-signed certificate, as Keycloak does for each RSA key it
    /// generates (`CertificateUtils.generateV1SelfSignedCertificate`: subject `CN=<realm
    /// name>` cut to 64 characters, serial = creation time in milliseconds, valid from
    /// 100 s before creation for 10 years, SHA256withRSA). PKCS#1 v1.5 signatures are
    /// deterministic, so the same key, subject and creation time give the same bytes:
    /// the certificate is made when keys are loaded and never needs storing.
    pub fn certify(
        &mut self,
        pkcs8: &[u8],
        subject: &str,
        created_at_ms: i64,
    ) -> Result<(), KeyError> {
        let rejected = |e: &dyn fmt::Display| KeyError::Rejected(format!("certificate: {e}"));
        let pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &rustls_pki_types::PrivatePkcs8KeyDer::from(pkcs8),
            &rcgen::PKCS_RSA_SHA256,
        )
        .map_err(|e| rejected(&e))?;
        let mut params = rcgen::CertificateParams::default();
        let mut name = rcgen::DistinguishedName::new();
        name.push(rcgen::DnType::CommonName, subject.chars().take(64).collect::<String>());
        params.distinguished_name = name;
        let start = time::OffsetDateTime::from_unix_timestamp(created_at_ms.div_euclid(1000) - 100)
            .map_err(|e| rejected(&e))?;
        params.not_before = start;
        params.not_after = start + time::Duration::days(3652);
        params.serial_number =
            Some(rcgen::SerialNumber::from(u64::try_from(created_at_ms).unwrap_or(0)));
        let certificate = params.self_signed(&pair).map_err(|e| rejected(&e))?;
        self.certificate = certificate.der().to_vec();
        Ok(())
    }

    pub fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|_| KeyError::Generation)?;
        Ok(signature)
    }

    pub fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            &self.public_pkcs1,
        )
        .verify(message, signature)
        .is_ok()
    }
}

/// An HMAC key for refresh tokens.
pub struct HmacKey {
    pub kid: String,
    pub algorithm: HmacAlgorithm,
    key: hmac::Key,
}

impl HmacKey {
    pub fn new(kid: String, algorithm: HmacAlgorithm, secret: &[u8]) -> Self {
        let hmac_algorithm = match algorithm {
            HmacAlgorithm::HS256 => hmac::HMAC_SHA256,
            HmacAlgorithm::HS384 => hmac::HMAC_SHA384,
            HmacAlgorithm::HS512 => hmac::HMAC_SHA512,
        };
        HmacKey { kid, algorithm, key: hmac::Key::new(hmac_algorithm, secret) }
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        hmac::sign(&self.key, message).as_ref().to_vec()
    }

    /// Constant-time check.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        hmac::verify(&self.key, message, signature).is_ok()
    }
}

/// All enabled keys of a realm, the signing ones first.
#[derive(Default)]
pub struct KeySet {
    pub rsa: Vec<RsaKey>,
    pub hmac: Vec<HmacKey>,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("rsa", &self.rsa.iter().map(|k| &k.kid).collect::<Vec<_>>())
            .field("hmac", &self.hmac.iter().map(|k| &k.kid).collect::<Vec<_>>())
            .finish()
    }
}

impl KeySet {
    /// Builds the set from stored keys: enabled only, highest priority (then newest) first.
    /// RSA keys get their self-signed certificate with subject `CN=<realm_name>`.
    pub fn from_stored(mut stored: Vec<StoredKey>, realm_name: &str) -> Result<Self, KeyError> {
        stored.retain(|k| k.enabled);
        stored.sort_by(|a, b| b.priority.cmp(&a.priority).then(b.created_at.cmp(&a.created_at)));
        let mut set = KeySet::default();
        for key in stored {
            match key.kind {
                KeyKind::Rsa => {
                    let mut rsa = RsaKey::from_pkcs8(&key.secret)?;
                    rsa.certify(&key.secret, realm_name, key.created_at)?;
                    set.rsa.push(rsa);
                }
                KeyKind::Hmac(algorithm) => {
                    set.hmac.push(HmacKey::new(key.kid, algorithm, &key.secret))
                }
            }
        }
        Ok(set)
    }

    pub fn active_rsa(&self) -> Option<&RsaKey> {
        self.rsa.first()
    }

    pub fn active_hmac(&self) -> Option<&HmacKey> {
        self.hmac.first()
    }

    pub fn rsa_by_kid(&self, kid: Option<&str>) -> Option<&RsaKey> {
        match kid {
            Some(kid) => self.rsa.iter().find(|k| k.kid == kid),
            // Keycloak falls back to the active key when `kid` is missing.
            None => self.active_rsa(),
        }
    }

    pub fn hmac_by_kid(&self, kid: Option<&str>) -> Option<&HmacKey> {
        match kid {
            Some(kid) => self.hmac.iter().find(|k| k.kid == kid),
            None => self.active_hmac(),
        }
    }

    /// The JWKS document (`JWKBuilder.rsa`): public RSA keys only, never HMAC, with the
    /// certificate chain and its SHA-1 and SHA-256 thumbprints as Keycloak writes them.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .rsa
            .iter()
            .map(|key| {
                let thumbprint =
                    |algorithm| URL_SAFE_NO_PAD.encode(digest::digest(algorithm, &key.certificate));
                serde_json::json!({
                    "kid": key.kid,
                    "kty": "RSA",
                    "alg": "RS256",
                    "use": "sig",
                    "n": URL_SAFE_NO_PAD.encode(&key.modulus),
                    "e": URL_SAFE_NO_PAD.encode(&key.exponent),
                    "x5c": [STANDARD.encode(&key.certificate)],
                    "x5t": thumbprint(&digest::SHA1_FOR_LEGACY_USE_ONLY),
                    "x5t#S256": thumbprint(&digest::SHA256),
                })
            })
            .collect();
        serde_json::json!({ "keys": keys })
    }
}

/// Drops the RSA keys that no token can need any more. A key stops signing when a newer
/// key outranks it (higher priority, or the same priority and newer); every token it
/// signed has expired `keep_ms` later, and from then on it is neither published nor
/// trusted. Keys outranked only by older keys never signed and stay (spares).
/// Returns when the next of the remaining keys will be dropped, if any (milliseconds).
pub fn drop_retired(stored: &mut Vec<StoredKey>, now_ms: i64, keep_ms: i64) -> Option<i64> {
    let retire_at: Vec<Option<i64>> =
        stored.iter().map(|key| retirement(stored, key, keep_ms)).collect();
    let mut next = None;
    let mut retire_at = retire_at.into_iter();
    stored.retain(|_| match retire_at.next().flatten() {
        Some(at) if at <= now_ms => false,
        Some(at) => {
            next = Some(next.map_or(at, |held: i64| held.min(at)));
            true
        }
        None => true,
    });
    next
}

/// When an RSA key can be dropped: `keep_ms` after the first newer key that outranks it.
fn retirement(stored: &[StoredKey], key: &StoredKey, keep_ms: i64) -> Option<i64> {
    if key.kind != KeyKind::Rsa || !key.enabled {
        return None;
    }
    stored
        .iter()
        .filter(|other| {
            other.kind == KeyKind::Rsa
                && other.enabled
                && other.created_at >= key.created_at
                && (other.priority, other.created_at) > (key.priority, key.created_at)
        })
        .map(|other| other.created_at)
        .min()
        .map(|superseded_at| superseded_at.saturating_add(keep_ms))
}

impl StoredKey {
    /// An RSA key from DER: PKCS#8, or PKCS#1 `RSAPrivateKey` as Keycloak exports it
    /// (`rsa` component `privateKey`), kept as PKCS#8.
    pub fn rsa_from_der(
        realm_id: &str,
        der: &[u8],
        priority: i64,
        created_at: i64,
    ) -> Result<Self, KeyError> {
        let pkcs8 = match RsaKeyPair::from_pkcs8(der) {
            Ok(_) => der.to_vec(),
            Err(_) => {
                let pair =
                    RsaKeyPair::from_der(der).map_err(|e| KeyError::Rejected(e.to_string()))?;
                let encoded: Pkcs8V1Der<'static> =
                    pair.as_der().map_err(|_| KeyError::Generation)?;
                encoded.as_ref().to_vec()
            }
        };
        let key = RsaKey::from_pkcs8(&pkcs8)?;
        Ok(StoredKey {
            kid: key.kid.clone(),
            realm_id: realm_id.to_owned(),
            kind: KeyKind::Rsa,
            secret: pkcs8,
            priority,
            enabled: true,
            created_at,
        })
    }
}

#[cfg(test)]
mod tests;
