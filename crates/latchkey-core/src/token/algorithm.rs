//! The JWS algorithms Keycloak 26 signs with (RFC 7518 §3.1, RFC 8037 for EdDSA), and
//! the kind of key each one needs. `none` is not an algorithm here: nothing latchkey
//! signs or verifies may use it.

use std::fmt;

use aws_lc_rs::digest;

/// A JWS `alg` latchkey signs and verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// Ed25519 (Keycloak's `eddsa-generated` default curve).
    EdDSA,
    HS256,
    HS384,
    HS512,
}

/// The curves of the ECDSA algorithms (RFC 7518 §3.4: ES256 is P-256 only, and so on).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    /// The JWK `crv` and Keycloak's `ecdsaEllipticCurveKey` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    pub fn parse(name: &str) -> Option<Curve> {
        match name {
            "P-256" => Some(Curve::P256),
            "P-384" => Some(Curve::P384),
            "P-521" => Some(Curve::P521),
            _ => None,
        }
    }

    /// Bytes of one coordinate (and of `r` and `s` in a signature).
    pub fn width(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    /// The algorithm a key on this curve signs with.
    pub fn algorithm(self) -> Algorithm {
        match self {
            Curve::P256 => Algorithm::ES256,
            Curve::P384 => Algorithm::ES384,
            Curve::P521 => Algorithm::ES512,
        }
    }
}

/// What kind of key an algorithm needs. A key verifies only its own algorithm, so an
/// RSA key never checks an ECDSA token, a P-256 key never an ES384 one, and no
/// public key is ever used as an HMAC secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    Rsa,
    Ec(Curve),
    /// Ed25519 (JWK `kty` `OKP`, `crv` `Ed25519`).
    Ed25519,
    /// A shared secret (JWK `kty` `oct`).
    Hmac,
}

impl KeyType {
    /// Keycloak's `type` in `GET …/keys` (`KeyType`: `RSA`, `EC`, `OKP`, `OCT`).
    pub fn keycloak_name(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ec(_) => "EC",
            KeyType::Ed25519 => "OKP",
            KeyType::Hmac => "OCT",
        }
    }
}

impl Algorithm {
    /// Every algorithm, in the order Keycloak 26.7.3 lists them in its discovery
    /// document's `id_token_signing_alg_values_supported` (observed).
    pub const KEYCLOAK_ORDER: [Algorithm; 13] = [
        Algorithm::PS384,
        Algorithm::RS384,
        Algorithm::EdDSA,
        Algorithm::ES384,
        Algorithm::HS256,
        Algorithm::HS512,
        Algorithm::ES256,
        Algorithm::RS256,
        Algorithm::HS384,
        Algorithm::ES512,
        Algorithm::PS256,
        Algorithm::PS512,
        Algorithm::RS512,
    ];

    /// Keycloak's default for access and ID tokens (`Constants.DEFAULT_SIGNATURE_ALGORITHM`).
    pub const DEFAULT: Algorithm = Algorithm::RS256;

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::ES512 => "ES512",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
        }
    }

    /// `None` for anything else, `none` included. Names are case-sensitive (RFC 7515 §4.1.1).
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
            "HS256" => Algorithm::HS256,
            "HS384" => Algorithm::HS384,
            "HS512" => Algorithm::HS512,
            _ => return None,
        })
    }

    pub fn key_type(self) -> KeyType {
        match self {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => KeyType::Rsa,
            Algorithm::ES256 => KeyType::Ec(Curve::P256),
            Algorithm::ES384 => KeyType::Ec(Curve::P384),
            Algorithm::ES512 => KeyType::Ec(Curve::P521),
            Algorithm::EdDSA => KeyType::Ed25519,
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => KeyType::Hmac,
        }
    }

    /// Whether the key that checks it can be published (everything but HMAC).
    pub fn is_asymmetric(self) -> bool {
        self.key_type() != KeyType::Hmac
    }

    /// The hash of `at_hash` and `c_hash` (OIDC Core §3.1.3.6: the hash of the JWS
    /// algorithm; SHA-512 for Ed25519, as Keycloak 26.7.3 computes it, observed).
    pub fn half_hash_algorithm(self) -> &'static digest::Algorithm {
        match self {
            Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 | Algorithm::HS256 => {
                &digest::SHA256
            }
            Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 | Algorithm::HS384 => {
                &digest::SHA384
            }
            Algorithm::RS512
            | Algorithm::PS512
            | Algorithm::ES512
            | Algorithm::HS512
            | Algorithm::EdDSA => &digest::SHA512,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
