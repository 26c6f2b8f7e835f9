//! A realm's keys: what storage keeps (one `StoredKey` per Keycloak key-provider
//! component), and the loaded `KeySet` that signs and verifies.
//!
//! Every key has exactly one algorithm, and verifies nothing else: an RSA key signs and
//! checks only the RS/PS algorithm its provider names, an EC key only the ES algorithm
//! of its curve, an Ed25519 key only EdDSA, an HMAC key only its HS algorithm.
//!
//! Key ids follow Keycloak: asymmetric keys' `kid` = Base64URL(SHA-256(SubjectPublicKeyInfo
//! DER)) (`KeyUtils.createKeyId`, seen for RSA, EC and Ed25519 keys of 26.7.3), HMAC
//! keys' `kid` = a random UUID (`AbstractGeneratedSecretKeyProviderFactory`).

pub mod certificate;

use std::collections::BTreeMap;
use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, KeyPair as _, ParsedPublicKey,
    RsaKeyPair,
};
use aws_lc_rs::{digest, hmac};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::token::algorithm::{Algorithm, Curve, KeyType};

/// Keycloak's key provider ids (`providerId` of `org.keycloak.keys.KeyProvider` components).
pub const RSA_GENERATED: &str = "rsa-generated";
/// An RSA key imported from a PEM (`ImportedRsaKeyProviderFactory`).
pub const RSA_IMPORTED: &str = "rsa";
pub const ECDSA_GENERATED: &str = "ecdsa-generated";
pub const EDDSA_GENERATED: &str = "eddsa-generated";
pub const HMAC_GENERATED: &str = "hmac-generated";
/// The name Keycloak ≥24 gives a new realm's HMAC key (its provider is `hmac-generated`).
pub const HMAC_GENERATED_HS512: &str = "hmac-generated-hs512";

/// Bytes of a generated HMAC secret when the component does not say
/// (`GeneratedHmacKeyProviderFactory.DEFAULT_HMAC_KEY_SIZE` in 26.7.3).
pub const DEFAULT_HMAC_SECRET_BYTES: usize = 128;
/// The priority Keycloak gives the keys it creates when an algorithm has none
/// (`fallback-<alg>` components, seen from 26.7.3).
pub const FALLBACK_PRIORITY: i64 = -100;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key material rejected: {0}")]
    Rejected(String),
    #[error("key generation failed")]
    Generation,
    #[error("signing failed")]
    Signing,
}

/// A key as storage keeps it: one key-provider component of the realm with its key.
/// `Debug` leaves the secret out.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// The component's id (what `…/components/{id}` and `providerId` in `GET …/keys` name).
    pub id: String,
    pub kid: String,
    pub realm_id: String,
    /// The component's name (`rsa-generated`, `fallback-ES256`, what the admin typed).
    pub name: String,
    /// `rsa-generated`, `rsa`, `ecdsa-generated`, `eddsa-generated` or `hmac-generated`.
    pub provider_id: String,
    /// The one algorithm the key signs and verifies.
    pub algorithm: Algorithm,
    /// PKCS#8 DER for RSA, EC and Ed25519 keys; the raw secret for HMAC.
    pub secret: Vec<u8>,
    /// The key's X.509 certificate (DER), when it has a stored one (imported, or an EC
    /// key with `ecGenerateCertificate`). Generated RSA keys get theirs when loaded.
    pub certificate: Option<Vec<u8>>,
    /// The component's settings as given, without key material (`priority`, `keySize`,
    /// `ecdsaEllipticCurveKey`, `algorithm`, ...), for the Admin API.
    pub config: BTreeMap<String, Vec<String>>,
    /// Among active keys of one algorithm, the highest signs; every enabled key verifies.
    pub priority: i64,
    /// Disabled keys are neither published nor trusted.
    pub enabled: bool,
    /// Passive keys (enabled, not active) verify and are published, but never sign.
    pub active: bool,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

impl fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKey")
            .field("id", &self.id)
            .field("kid", &self.kid)
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .field("priority", &self.priority)
            .field("enabled", &self.enabled)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// Generated private keys and secrets, in the form `StoredKey::secret` keeps them.
pub mod generate {
    use super::*;

    /// A new RSA private key of `bits` (2048, 3072 or 4096), PKCS#8 DER.
    pub fn rsa(bits: u32) -> Result<Vec<u8>, KeyError> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            _ => return Err(KeyError::Rejected(format!("RSA key size {bits}"))),
        };
        let pair = RsaKeyPair::generate(size).map_err(|_| KeyError::Generation)?;
        let der: Pkcs8V1Der<'static> = pair.as_der().map_err(|_| KeyError::Generation)?;
        Ok(der.as_ref().to_vec())
    }

    /// A new ECDSA private key on `curve`, PKCS#8 DER.
    pub fn ec(curve: Curve) -> Result<Vec<u8>, KeyError> {
        let pair =
            EcdsaKeyPair::generate(ecdsa_signing(curve)).map_err(|_| KeyError::Generation)?;
        Ok(pair.to_pkcs8v1().map_err(|_| KeyError::Generation)?.as_ref().to_vec())
    }

    /// A new Ed25519 private key, PKCS#8 v1 DER (as Java encodes it).
    pub fn ed25519() -> Result<Vec<u8>, KeyError> {
        let pair = Ed25519KeyPair::generate().map_err(|_| KeyError::Generation)?;
        Ok(pair.to_pkcs8v1().map_err(|_| KeyError::Generation)?.as_ref().to_vec())
    }

    /// `bytes` random bytes.
    pub fn secret(bytes: usize) -> Vec<u8> {
        let mut secret = Vec::with_capacity(bytes);
        while secret.len() < bytes {
            let chunk = crate::random::bytes::<32>();
            secret.extend_from_slice(&chunk[..(bytes - secret.len()).min(32)]);
        }
        secret
    }

    /// A new private key or secret for `algorithm`; `rsa_bits` for RSA algorithms.
    pub fn for_algorithm(algorithm: Algorithm, rsa_bits: u32) -> Result<Vec<u8>, KeyError> {
        match algorithm.key_type() {
            KeyType::Rsa => rsa(rsa_bits),
            KeyType::Ec(curve) => ec(curve),
            KeyType::Ed25519 => ed25519(),
            KeyType::Hmac => Ok(secret(DEFAULT_HMAC_SECRET_BYTES)),
        }
    }
}

fn ecdsa_signing(curve: Curve) -> &'static EcdsaSigningAlgorithm {
    match curve {
        Curve::P256 => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        Curve::P384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        Curve::P521 => &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
    }
}

/// A private key in the form the store keeps: PKCS#8 DER. RSA keys may come as PKCS#1
/// `RSAPrivateKey` (Keycloak's `rsa` providers and exports), EC and Ed25519 keys as
/// PKCS#8 (Keycloak's `ecdsaPrivateKey`/`eddsaPrivateKey`, Java's encoding).
pub fn normalize_private_key(algorithm: Algorithm, der: &[u8]) -> Result<Vec<u8>, KeyError> {
    let rejected = |e: &dyn fmt::Display| KeyError::Rejected(e.to_string());
    match algorithm.key_type() {
        KeyType::Rsa => {
            if RsaKeyPair::from_pkcs8(der).is_ok() {
                return Ok(der.to_vec());
            }
            let pair = RsaKeyPair::from_der(der).map_err(|e| rejected(&e))?;
            let encoded: Pkcs8V1Der<'static> = pair.as_der().map_err(|_| KeyError::Generation)?;
            Ok(encoded.as_ref().to_vec())
        }
        KeyType::Ec(curve) => {
            let pair = EcdsaKeyPair::from_pkcs8(ecdsa_signing(curve), der)
                .or_else(|_| EcdsaKeyPair::from_private_key_der(ecdsa_signing(curve), der))
                .map_err(|e| rejected(&e))?;
            Ok(pair.to_pkcs8v1().map_err(|_| KeyError::Generation)?.as_ref().to_vec())
        }
        KeyType::Ed25519 => {
            let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|e| rejected(&e))?;
            Ok(pair.to_pkcs8v1().map_err(|_| KeyError::Generation)?.as_ref().to_vec())
        }
        KeyType::Hmac => Ok(der.to_vec()),
    }
}

/// The SubjectPublicKeyInfo DER of a stored private key (`None` for HMAC secrets).
pub fn public_key_info(algorithm: Algorithm, pkcs8: &[u8]) -> Result<Option<Vec<u8>>, KeyError> {
    Ok(match Material::parse(algorithm, pkcs8)? {
        Material::Hmac(_) => None,
        material => Some(material.public_key_info()?),
    })
}

/// Keycloak's `kid` for an asymmetric key: Base64URL(SHA-256(SubjectPublicKeyInfo)).
pub fn key_id(public_key_info: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, public_key_info))
}

impl StoredKey {
    /// A new key of a component: generated material for `algorithm` (`rsa_bits` for
    /// RSA), the `kid` Keycloak would give it, enabled, active, `priority` as given.
    #[allow(clippy::too_many_arguments)]
    pub fn generate(
        realm_id: &str,
        name: &str,
        provider_id: &str,
        algorithm: Algorithm,
        rsa_bits: u32,
        priority: i64,
        created_at: i64,
    ) -> Result<Self, KeyError> {
        let secret = generate::for_algorithm(algorithm, rsa_bits)?;
        Self::with_material(realm_id, name, provider_id, algorithm, secret, priority, created_at)
    }

    /// A key of a component from given material (normalised to PKCS#8 for asymmetric
    /// keys). The `kid` is derived from the public key; an HMAC key gets a new UUID.
    pub fn with_material(
        realm_id: &str,
        name: &str,
        provider_id: &str,
        algorithm: Algorithm,
        material: Vec<u8>,
        priority: i64,
        created_at: i64,
    ) -> Result<Self, KeyError> {
        let secret = normalize_private_key(algorithm, &material)?;
        let kid = match public_key_info(algorithm, &secret)? {
            Some(spki) => key_id(&spki),
            None => crate::random::uuid(),
        };
        Ok(StoredKey {
            id: crate::random::uuid(),
            kid,
            realm_id: realm_id.to_owned(),
            name: name.to_owned(),
            provider_id: provider_id.to_owned(),
            algorithm,
            secret,
            certificate: None,
            config: BTreeMap::from([("priority".to_owned(), vec![priority.to_string()])]),
            priority,
            enabled: true,
            active: true,
            created_at,
        })
    }

    /// A new realm's signing key (`rsa-generated`: RSA-2048, RS256, priority 100).
    pub fn generate_rsa(realm_id: &str, created_at: i64) -> Result<Self, KeyError> {
        Self::generate(
            realm_id,
            RSA_GENERATED,
            RSA_GENERATED,
            Algorithm::RS256,
            2048,
            100,
            created_at,
        )
    }

    /// A new `hmac-generated` key with a random UUID `kid` and Keycloak's default
    /// secret size, priority 100; named `hmac-generated-hs512` for HS512, as Keycloak
    /// names a new realm's refresh-token key.
    pub fn generate_hmac(realm_id: &str, algorithm: Algorithm, created_at: i64) -> Self {
        let name =
            if algorithm == Algorithm::HS512 { HMAC_GENERATED_HS512 } else { HMAC_GENERATED };
        let mut key = StoredKey {
            id: crate::random::uuid(),
            kid: crate::random::uuid(),
            realm_id: realm_id.to_owned(),
            name: name.to_owned(),
            provider_id: HMAC_GENERATED.to_owned(),
            algorithm,
            secret: generate::secret(DEFAULT_HMAC_SECRET_BYTES),
            certificate: None,
            config: BTreeMap::new(),
            priority: 100,
            enabled: true,
            active: true,
            created_at,
        };
        key.config.insert("priority".to_owned(), vec!["100".to_owned()]);
        key.config.insert("algorithm".to_owned(), vec![algorithm.as_str().to_owned()]);
        key
    }

    pub fn key_type(&self) -> KeyType {
        self.algorithm.key_type()
    }

    /// `ACTIVE`, `PASSIVE` or `DISABLED`, as `GET …/keys` says (`KeyStatus`).
    pub fn status(&self) -> &'static str {
        match (self.enabled, self.active) {
            (false, _) => "DISABLED",
            (true, true) => "ACTIVE",
            (true, false) => "PASSIVE",
        }
    }
}

/// A key's private half, parsed once.
enum Material {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Hmac(Box<hmac::Key>),
}

impl Material {
    fn parse(algorithm: Algorithm, secret: &[u8]) -> Result<Material, KeyError> {
        let rejected = |e: &dyn fmt::Display| KeyError::Rejected(e.to_string());
        Ok(match algorithm.key_type() {
            KeyType::Rsa => {
                Material::Rsa(RsaKeyPair::from_pkcs8(secret).map_err(|e| rejected(&e))?)
            }
            KeyType::Ec(curve) => Material::Ec(
                EcdsaKeyPair::from_pkcs8(ecdsa_signing(curve), secret).map_err(|e| rejected(&e))?,
            ),
            KeyType::Ed25519 => Material::Ed25519(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(secret).map_err(|e| rejected(&e))?,
            ),
            KeyType::Hmac => {
                if secret.is_empty() {
                    return Err(KeyError::Rejected("empty HMAC secret".into()));
                }
                let hmac_algorithm = match algorithm {
                    Algorithm::HS256 => hmac::HMAC_SHA256,
                    Algorithm::HS384 => hmac::HMAC_SHA384,
                    _ => hmac::HMAC_SHA512,
                };
                Material::Hmac(Box::new(hmac::Key::new(hmac_algorithm, secret)))
            }
        })
    }

    fn public_key_info(&self) -> Result<Vec<u8>, KeyError> {
        let encoding = || KeyError::Rejected("public key encoding".into());
        let der: PublicKeyX509Der<'static> = match self {
            Material::Rsa(pair) => pair.public_key().as_der().map_err(|_| encoding())?,
            Material::Ec(pair) => pair.public_key().as_der().map_err(|_| encoding())?,
            Material::Ed25519(pair) => pair.public_key().as_der().map_err(|_| encoding())?,
            Material::Hmac(_) => return Err(encoding()),
        };
        Ok(der.as_ref().to_vec())
    }
}

/// The public numbers a JWK carries (RFC 7518 §6), Base64URL.
#[derive(Clone, Debug)]
enum PublicJwk {
    Rsa { n: String, e: String },
    Ec { crv: &'static str, x: String, y: String },
    Okp { x: String },
}

/// An RSA, EC or Ed25519 key ready to sign and to verify its one algorithm.
pub struct AsymmetricKey {
    /// The component's id.
    pub id: String,
    pub kid: String,
    pub algorithm: Algorithm,
    pub active: bool,
    pub priority: i64,
    signer: Material,
    verifier: ParsedPublicKey,
    /// SubjectPublicKeyInfo DER (`publicKey` of `GET …/keys`, `public_key` of the realm info).
    pub public_key_info: Vec<u8>,
    /// DER; for `x5c` and its thumbprints in the JWKS.
    pub certificate: Option<Vec<u8>>,
    jwk: PublicJwk,
    /// `Base64URL(header) + "."`, the start of every token this key signs.
    header: String,
}

/// An HMAC key: signs refresh tokens (and access or ID tokens of clients that ask for
/// an HS algorithm), never published.
pub struct HmacKey {
    pub id: String,
    pub kid: String,
    pub algorithm: Algorithm,
    pub active: bool,
    key: hmac::Key,
    /// `Base64URL(header) + "."`, the start of every token this key signs.
    header: String,
}

impl HmacKey {
    pub fn new(kid: String, algorithm: Algorithm, secret: &[u8]) -> Self {
        let hmac_algorithm = match algorithm {
            Algorithm::HS256 => hmac::HMAC_SHA256,
            Algorithm::HS384 => hmac::HMAC_SHA384,
            _ => hmac::HMAC_SHA512,
        };
        HmacKey {
            id: kid.clone(),
            header: encoded_header(algorithm, &kid),
            kid,
            algorithm,
            active: true,
            key: hmac::Key::new(hmac_algorithm, secret),
        }
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        hmac::sign(&self.key, message).as_ref().to_vec()
    }

    /// Constant-time check.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        hmac::verify(&self.key, message, signature).is_ok()
    }
}

impl AsymmetricKey {
    fn load(stored: &StoredKey, realm_name: &str) -> Result<Self, KeyError> {
        let signer = Material::parse(stored.algorithm, &stored.secret)?;
        let public_key_info = signer.public_key_info()?;
        let (verifier, jwk) = match &signer {
            Material::Rsa(pair) => {
                let public = pair.public_key();
                let parameters: &'static dyn signature::VerificationAlgorithm =
                    match stored.algorithm {
                        Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                        _ => &signature::RSA_PSS_2048_8192_SHA512,
                    };
                let verifier = ParsedPublicKey::new(parameters, public.as_ref())
                    .map_err(|e| KeyError::Rejected(e.to_string()))?;
                let jwk = PublicJwk::Rsa {
                    n: URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
                    e: URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
                };
                (verifier, jwk)
            }
            Material::Ec(pair) => {
                let KeyType::Ec(curve) = stored.algorithm.key_type() else {
                    return Err(KeyError::Rejected("not an EC algorithm".into()));
                };
                let parameters: &'static dyn signature::VerificationAlgorithm = match curve {
                    Curve::P256 => &signature::ECDSA_P256_SHA256_FIXED,
                    Curve::P384 => &signature::ECDSA_P384_SHA384_FIXED,
                    Curve::P521 => &signature::ECDSA_P521_SHA512_FIXED,
                };
                // The uncompressed point `04 || x || y`.
                let point = pair.public_key().as_ref();
                let verifier = ParsedPublicKey::new(parameters, point)
                    .map_err(|e| KeyError::Rejected(e.to_string()))?;
                let coordinates = point
                    .get(1..)
                    .filter(|coordinates| coordinates.len() == 2 * curve.width())
                    .ok_or_else(|| KeyError::Rejected("EC point encoding".into()))?;
                let (x, y) = coordinates.split_at(curve.width());
                let jwk = PublicJwk::Ec {
                    crv: curve.as_str(),
                    x: URL_SAFE_NO_PAD.encode(x),
                    y: URL_SAFE_NO_PAD.encode(y),
                };
                (verifier, jwk)
            }
            Material::Ed25519(pair) => {
                let raw = pair.public_key().as_ref();
                let verifier = ParsedPublicKey::new(&signature::ED25519, raw)
                    .map_err(|e| KeyError::Rejected(e.to_string()))?;
                (verifier, PublicJwk::Okp { x: URL_SAFE_NO_PAD.encode(raw) })
            }
            Material::Hmac(_) => return Err(KeyError::Rejected("not an asymmetric key".into())),
        };
        let certificate = match (&stored.certificate, stored.algorithm.key_type()) {
            (Some(certificate), _) => Some(certificate.clone()),
            // Deterministic, so made again on every load rather than stored.
            (None, KeyType::Rsa) => Some(certificate::self_signed(
                stored.algorithm,
                &stored.secret,
                realm_name,
                stored.created_at,
            )?),
            (None, _) => None,
        };
        Ok(AsymmetricKey {
            id: stored.id.clone(),
            kid: stored.kid.clone(),
            algorithm: stored.algorithm,
            active: stored.active,
            priority: stored.priority,
            signer,
            verifier,
            public_key_info,
            certificate,
            jwk,
            header: encoded_header(stored.algorithm, &stored.kid),
        })
    }

    /// Appends the Base64URL signature of `message` to `out`.
    fn sign_into(&self, message: &[u8], out: &mut String) -> Result<(), KeyError> {
        match &self.signer {
            Material::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match self.algorithm {
                    Algorithm::RS256 => &signature::RSA_PKCS1_SHA256,
                    Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_SHA384,
                    _ => &signature::RSA_PSS_SHA512,
                };
                // Up to RSA-8192 without a heap allocation.
                let mut buffer = [0u8; 1024];
                let signature =
                    buffer.get_mut(..pair.public_modulus_len()).ok_or(KeyError::Signing)?;
                pair.sign(padding, &SystemRandom::new(), message, signature)
                    .map_err(|_| KeyError::Signing)?;
                URL_SAFE_NO_PAD.encode_string(signature, out);
            }
            Material::Ec(pair) => {
                // The `_FIXED` encoding: `r || s`, as JWS wants (RFC 7518 §3.4).
                let signature =
                    pair.sign(&SystemRandom::new(), message).map_err(|_| KeyError::Signing)?;
                URL_SAFE_NO_PAD.encode_string(signature.as_ref(), out);
            }
            Material::Ed25519(pair) => {
                URL_SAFE_NO_PAD.encode_string(pair.sign(message).as_ref(), out);
            }
            Material::Hmac(key) => {
                URL_SAFE_NO_PAD.encode_string(hmac::sign(key, message).as_ref(), out);
            }
        }
        Ok(())
    }

    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verifier.verify_sig(message, signature).is_ok()
    }

    /// The key's JWK (`JWKBuilder`), fields in Keycloak 26.7.3's order: `kid`, `kty`,
    /// `alg`, `use`, then the certificate chain and its thumbprints if there is a
    /// certificate, then the public numbers.
    pub fn jwk(&self) -> serde_json::Value {
        let mut jwk = serde_json::Map::new();
        let kty = match self.jwk {
            PublicJwk::Rsa { .. } => "RSA",
            PublicJwk::Ec { .. } => "EC",
            PublicJwk::Okp { .. } => "OKP",
        };
        jwk.insert("kid".into(), self.kid.clone().into());
        jwk.insert("kty".into(), kty.into());
        jwk.insert("alg".into(), self.algorithm.as_str().into());
        jwk.insert("use".into(), "sig".into());
        if let Some(certificate) = &self.certificate {
            let thumbprint =
                |algorithm| URL_SAFE_NO_PAD.encode(digest::digest(algorithm, certificate));
            jwk.insert("x5c".into(), serde_json::json!([STANDARD.encode(certificate)]));
            jwk.insert("x5t".into(), thumbprint(&digest::SHA1_FOR_LEGACY_USE_ONLY).into());
            jwk.insert("x5t#S256".into(), thumbprint(&digest::SHA256).into());
        }
        match &self.jwk {
            PublicJwk::Rsa { n, e } => {
                jwk.insert("n".into(), n.clone().into());
                jwk.insert("e".into(), e.clone().into());
            }
            PublicJwk::Ec { crv, x, y } => {
                jwk.insert("crv".into(), (*crv).into());
                jwk.insert("x".into(), x.clone().into());
                jwk.insert("y".into(), y.clone().into());
            }
            PublicJwk::Okp { x } => {
                jwk.insert("crv".into(), "Ed25519".into());
                jwk.insert("x".into(), x.clone().into());
            }
        }
        serde_json::Value::Object(jwk)
    }
}

/// Keycloak's JOSE header (`JWSBuilder`: the spaces around `:` for `typ` and `kid` are
/// its own), Base64URL, followed by the `.` that ends it.
fn encoded_header(algorithm: Algorithm, kid: &str) -> String {
    let header = format!(r#"{{"alg":"{algorithm}","typ" : "JWT","kid" : "{kid}"}}"#);
    let mut encoded = URL_SAFE_NO_PAD.encode(header);
    encoded.push('.');
    encoded
}

/// The key that signs a token: asymmetric, or HMAC.
#[derive(Clone, Copy)]
pub enum SigningKey<'a> {
    Asymmetric(&'a AsymmetricKey),
    Hmac(&'a HmacKey),
}

impl SigningKey<'_> {
    pub fn kid(&self) -> &str {
        match self {
            SigningKey::Asymmetric(key) => &key.kid,
            SigningKey::Hmac(key) => &key.kid,
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            SigningKey::Asymmetric(key) => key.algorithm,
            SigningKey::Hmac(key) => key.algorithm,
        }
    }

    /// `Base64URL(header) + "."`: Keycloak's JOSE header for this key (`JWSBuilder`,
    /// byte for byte: `{"alg":"ES256","typ" : "JWT","kid" : "…"}`, note the spaces).
    pub fn encoded_header(&self) -> &str {
        match self {
            SigningKey::Asymmetric(key) => &key.header,
            SigningKey::Hmac(key) => &key.header,
        }
    }

    /// Appends the Base64URL signature of `message` to `out`.
    pub fn sign_into(&self, message: &[u8], out: &mut String) -> Result<(), KeyError> {
        match self {
            SigningKey::Asymmetric(key) => key.sign_into(message, out),
            SigningKey::Hmac(key) => {
                URL_SAFE_NO_PAD.encode_string(hmac::sign(&key.key, message).as_ref(), out);
                Ok(())
            }
        }
    }

    /// Constant time for HMAC.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            SigningKey::Asymmetric(key) => key.verify(message, signature),
            SigningKey::Hmac(key) => key.verify(message, signature),
        }
    }
}

/// All enabled keys of a realm, each list highest priority (then newest) first.
#[derive(Default)]
pub struct KeySet {
    pub asymmetric: Vec<AsymmetricKey>,
    pub hmac: Vec<HmacKey>,
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeySet")
            .field("asymmetric", &self.asymmetric.iter().map(|k| &k.kid).collect::<Vec<_>>())
            .field("hmac", &self.hmac.iter().map(|k| &k.kid).collect::<Vec<_>>())
            .finish()
    }
}

impl KeySet {
    /// Loads the enabled keys. RSA keys without a stored certificate get their
    /// self-signed one with subject `CN=<realm_name>`.
    pub fn from_stored(mut stored: Vec<StoredKey>, realm_name: &str) -> Result<Self, KeyError> {
        stored.retain(|k| k.enabled);
        stored.sort_by(|a, b| b.priority.cmp(&a.priority).then(b.created_at.cmp(&a.created_at)));
        let mut set = KeySet::default();
        for key in &stored {
            let loaded = |e: KeyError| KeyError::Rejected(format!("key {}: {e}", key.kid));
            if key.algorithm.is_asymmetric() {
                set.asymmetric.push(AsymmetricKey::load(key, realm_name).map_err(loaded)?);
            } else {
                let Material::Hmac(hmac_key) =
                    Material::parse(key.algorithm, &key.secret).map_err(loaded)?
                else {
                    continue;
                };
                set.hmac.push(HmacKey {
                    header: encoded_header(key.algorithm, &key.kid),
                    id: key.id.clone(),
                    kid: key.kid.clone(),
                    algorithm: key.algorithm,
                    active: key.active,
                    key: *hmac_key,
                });
            }
        }
        Ok(set)
    }

    /// The key that signs `algorithm`: the active key of that algorithm with the
    /// highest priority (`DefaultKeyManager.getActiveKey`).
    pub fn signer(&self, algorithm: Algorithm) -> Option<SigningKey<'_>> {
        if algorithm.is_asymmetric() {
            self.asymmetric
                .iter()
                .find(|key| key.active && key.algorithm == algorithm)
                .map(SigningKey::Asymmetric)
        } else {
            self.hmac
                .iter()
                .find(|key| key.active && key.algorithm == algorithm)
                .map(SigningKey::Hmac)
        }
    }

    /// The key that signs refresh tokens: Keycloak ≥24's HS512 when the realm has an
    /// active one, else the realm's highest active HMAC key (realms from older Keycloak
    /// files, such as the seed's, keep their HS256 refresh tokens).
    pub fn active_hmac(&self) -> Option<&HmacKey> {
        self.hmac
            .iter()
            .find(|key| key.active && key.algorithm == Algorithm::HS512)
            .or_else(|| self.hmac.iter().find(|key| key.active))
    }

    /// The realm's RS256 signing key, whose public key the realm info shows.
    pub fn active_rsa(&self) -> Option<&AsymmetricKey> {
        self.asymmetric.iter().find(|key| key.active && key.algorithm == Algorithm::RS256)
    }

    /// The key that checks a token whose header says `algorithm` and `kid`: an enabled
    /// key with that `kid` and exactly that algorithm, or without a `kid`, the
    /// algorithm's signing key (Keycloak falls back to the active key).
    pub fn verifier(&self, kid: Option<&str>, algorithm: Algorithm) -> Option<SigningKey<'_>> {
        let Some(kid) = kid else { return self.signer(algorithm) };
        if algorithm.is_asymmetric() {
            self.asymmetric
                .iter()
                .find(|key| key.kid == kid && key.algorithm == algorithm)
                .map(SigningKey::Asymmetric)
        } else {
            self.hmac
                .iter()
                .find(|key| key.kid == kid && key.algorithm == algorithm)
                .map(SigningKey::Hmac)
        }
    }

    /// The JWKS document: every enabled asymmetric key (active or passive), never HMAC.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self.asymmetric.iter().map(AsymmetricKey::jwk).collect();
        serde_json::json!({ "keys": keys })
    }
}

#[cfg(test)]
mod tests;
