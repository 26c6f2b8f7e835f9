//! An issuer's public keys (RFC 7517 JWK Set) and the algorithms each may verify.
//! Pure: parsing a fetched document and checking a signature; fetching is in `issuer.rs`.

use std::sync::Arc;

use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;

/// The asymmetric JWS algorithms the gateway accepts (RFC 7518 §3.1, RFC 8037 for
/// EdDSA with Ed25519). `none` and the HMAC algorithms are not in this list on purpose:
/// a gateway only ever holds public keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    EdDSA,
}

impl Algorithm {
    /// `None` for anything outside the allow-list (`none`, `HS256`, unknown names).
    pub fn parse(name: &str) -> Option<Algorithm> {
        Some(match name {
            "RS256" => Algorithm::RS256,
            "RS384" => Algorithm::RS384,
            "RS512" => Algorithm::RS512,
            "PS256" => Algorithm::PS256,
            "PS384" => Algorithm::PS384,
            "PS512" => Algorithm::PS512,
            "ES256" => Algorithm::ES256,
            "ES384" => Algorithm::ES384,
            "ES512" => Algorithm::ES512,
            "EdDSA" => Algorithm::EdDSA,
            _ => return None,
        })
    }

    fn is_rsa(self) -> bool {
        matches!(
            self,
            Algorithm::RS256
                | Algorithm::RS384
                | Algorithm::RS512
                | Algorithm::PS256
                | Algorithm::PS384
                | Algorithm::PS512
        )
    }

    /// The curve an ECDSA algorithm is defined on (RFC 7518 §3.4).
    fn curve(self) -> Option<Curve> {
        match self {
            Algorithm::ES256 => Some(Curve::P256),
            Algorithm::ES384 => Some(Curve::P384),
            Algorithm::ES512 => Some(Curve::P521),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Curve {
    P256,
    P384,
    P521,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Material {
    /// Unsigned big-endian modulus and exponent.
    Rsa { modulus: Vec<u8>, exponent: Vec<u8> },
    /// The uncompressed SEC1 point `04 || x || y`.
    Ec { curve: Curve, point: Vec<u8> },
    /// An Ed25519 public key, 32 bytes (RFC 8037 §2).
    Ed25519 { x: Vec<u8> },
}

/// One usable verification key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    pub kid: Option<String>,
    /// The JWK's own `alg`; when present, the only algorithm this key verifies.
    pub alg: Option<Algorithm>,
    material: Material,
    /// The key parsed once for its own `alg` (RSA key set-up costs about as much as a
    /// verification, so it is not repeated per token).
    prepared: Prepared,
}

/// A key ready for one algorithm, shared by the clones of its `PublicKey`.
#[derive(Clone, Default)]
struct Prepared(Option<(Algorithm, Arc<ParsedPublicKey>)>);

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Prepared").field(&self.0.as_ref().map(|(alg, _)| alg)).finish()
    }
}

/// Derived from the material, so equal keys are equal whatever was prepared.
impl PartialEq for Prepared {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for Prepared {}

impl PublicKey {
    /// Whether a token whose header says `alg` may be checked with this key: the JWK's
    /// `alg` if it has one, otherwise an algorithm of the key's type (and curve).
    pub fn accepts(&self, alg: Algorithm) -> bool {
        if let Some(own) = self.alg
            && own != alg
        {
            return false;
        }
        match &self.material {
            Material::Rsa { .. } => alg.is_rsa(),
            Material::Ec { curve, .. } => alg.curve() == Some(*curve),
            Material::Ed25519 { .. } => alg == Algorithm::EdDSA,
        }
    }

    /// Checks `signature` over `message`. Callers check [`PublicKey::accepts`] first; a
    /// mismatch here is a failed verification too.
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        if !self.accepts(alg) {
            return false;
        }
        if let Some((prepared_alg, parsed)) = &self.prepared.0
            && *prepared_alg == alg
        {
            return parsed.verify_sig(message, signature).is_ok();
        }
        match &self.material {
            Material::Rsa { modulus, exponent } => {
                let parameters = match alg {
                    Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                    Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
                    _ => return false,
                };
                RsaPublicKeyComponents { n: modulus.as_slice(), e: exponent.as_slice() }
                    .verify(parameters, message, signature)
                    .is_ok()
            }
            Material::Ec { point, .. } => {
                // JWS carries ECDSA signatures as fixed-width `r || s` (RFC 7518 §3.4).
                let parameters = match alg {
                    Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
                    Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
                    Algorithm::ES512 => &signature::ECDSA_P521_SHA512_FIXED,
                    _ => return false,
                };
                UnparsedPublicKey::new(parameters, point).verify(message, signature).is_ok()
            }
            Material::Ed25519 { x } => {
                UnparsedPublicKey::new(&signature::ED25519, x).verify(message, signature).is_ok()
            }
        }
    }
}

impl PublicKey {
    /// The key parsed for `alg`; `None` if the library refuses it (then every
    /// verification with it fails the usual way).
    fn parse(&self, alg: Algorithm) -> Option<ParsedPublicKey> {
        match &self.material {
            Material::Rsa { modulus, exponent } => {
                let parameters = match alg {
                    Algorithm::RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                    Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
                    _ => return None,
                };
                RsaPublicKeyComponents { n: modulus.as_slice(), e: exponent.as_slice() }
                    .to_parsed_public_key(parameters)
                    .ok()
            }
            Material::Ec { point, .. } => {
                let parameters = match alg {
                    Algorithm::ES256 => &signature::ECDSA_P256_SHA256_FIXED,
                    Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
                    Algorithm::ES512 => &signature::ECDSA_P521_SHA512_FIXED,
                    _ => return None,
                };
                ParsedPublicKey::new(parameters, point).ok()
            }
            Material::Ed25519 { x } => ParsedPublicKey::new(&signature::ED25519, x).ok(),
        }
    }
}

/// The keys of one issuer, in the order the JWKS listed them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySet {
    pub keys: Vec<PublicKey>,
}

impl KeySet {
    /// Parses a JWKS document. Keys that cannot verify signatures here (symmetric `oct`
    /// keys, `use` other than `sig`, unknown `kty`/`alg`/`crv`, broken numbers) are
    /// skipped, not fatal: one odd key must not take the issuer's other keys down.
    pub fn from_jwks(document: &[u8]) -> Result<KeySet, serde_json::Error> {
        let parsed: JwksDocument = serde_json::from_slice(document)?;
        let keys = parsed.keys.into_iter().filter_map(|jwk| jwk.into_public_key()).collect();
        Ok(KeySet { keys })
    }

    /// The key for a header's `kid` and `alg`. Without a `kid`, the only key that accepts
    /// the algorithm, if there is exactly one.
    pub fn find(&self, kid: Option<&str>, alg: Algorithm) -> Option<&PublicKey> {
        match kid {
            Some(kid) => self.keys.iter().find(|key| key.kid.as_deref() == Some(kid)),
            None => {
                let mut candidates = self.keys.iter().filter(|key| key.accepts(alg));
                match (candidates.next(), candidates.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct JwksDocument {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    usage: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

impl Jwk {
    fn into_public_key(self) -> Option<PublicKey> {
        if self.usage.as_deref().is_some_and(|usage| usage != "sig") {
            return None;
        }
        let alg = match self.alg.as_deref() {
            None => None,
            Some(name) => Some(Algorithm::parse(name)?),
        };
        let decode = |value: Option<String>| URL_SAFE_NO_PAD.decode(value?).ok();
        let material = match self.kty.as_str() {
            "RSA" => {
                let modulus = decode(self.n)?;
                let exponent = decode(self.e)?;
                Material::Rsa {
                    modulus: strip_leading_zeros(modulus),
                    exponent: strip_leading_zeros(exponent),
                }
            }
            "EC" => {
                let (curve, width) = match self.crv.as_deref()? {
                    "P-256" => (Curve::P256, 32),
                    "P-384" => (Curve::P384, 48),
                    "P-521" => (Curve::P521, 66),
                    _ => return None,
                };
                let x = decode(self.x)?;
                let y = decode(self.y)?;
                if x.len() != width || y.len() != width {
                    return None;
                }
                let mut point = Vec::with_capacity(1 + 2 * width);
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Material::Ec { curve, point }
            }
            "OKP" => {
                // Ed448 is not offered; X25519 keys are for key agreement, not signatures.
                if self.crv.as_deref()? != "Ed25519" {
                    return None;
                }
                let x = decode(self.x)?;
                if x.len() != 32 {
                    return None;
                }
                Material::Ed25519 { x }
            }
            _ => return None,
        };
        let mut key = PublicKey { kid: self.kid, alg, material, prepared: Prepared::default() };
        // A JWK whose `alg` contradicts its type (an RSA key saying ES256) is unusable.
        match alg {
            Some(alg) if !key.accepts(alg) => None,
            Some(alg) => {
                key.prepared = Prepared(key.parse(alg).map(|parsed| (alg, Arc::new(parsed))));
                Some(key)
            }
            None => Some(key),
        }
    }
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|byte| **byte == 0).count();
    bytes.drain(..zeros.min(bytes.len().saturating_sub(1)));
    bytes
}

#[cfg(test)]
mod tests;
