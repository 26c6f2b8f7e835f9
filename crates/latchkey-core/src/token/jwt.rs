//! Compact JWS: Keycloak's header bytes when signing, a strict algorithm check when verifying.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::keys::{HmacKey, KeyError, KeySet, RsaKey};

/// Largest token accepted for parsing; anything longer is refused unread.
pub const MAX_TOKEN_LENGTH: usize = 16 * 1024;

/// Why a presented token was refused. The callers turn these into their endpoint's wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("not a compact JWS")]
    Malformed,
    #[error("algorithm not allowed")]
    AlgorithmNotAllowed,
    #[error("unknown key id")]
    UnknownKey,
    #[error("bad signature")]
    BadSignature,
    #[error("claims do not parse")]
    BadClaims,
}

/// Keycloak's header, byte for byte (`JWSBuilder`: note the spaces around `:` for typ and kid).
fn header(alg: &str, kid: &str) -> String {
    format!(r#"{{"alg":"{alg}","typ" : "JWT","kid" : "{kid}"}}"#)
}

fn signing_input(alg: &str, kid: &str, claims: &serde_json::Value) -> String {
    let mut input = URL_SAFE_NO_PAD.encode(header(alg, kid));
    input.push('.');
    // Serializing a `Value` cannot fail; `to_vec` writes the bytes directly, where
    // `to_string` would go through `Display` and the formatter.
    URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims).unwrap_or_default(), &mut input);
    input
}

pub fn sign_rs256(key: &RsaKey, claims: &serde_json::Value) -> Result<String, KeyError> {
    let mut token = signing_input("RS256", &key.kid, claims);
    let signature = key.sign_rs256(token.as_bytes())?;
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    Ok(token)
}

pub fn sign_hmac(key: &HmacKey, claims: &serde_json::Value) -> String {
    let mut token = signing_input(key.algorithm.as_str(), &key.kid, claims);
    let signature = key.sign(token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    token
}

/// The JOSE header fields latchkey looks at.
#[derive(Clone, Debug, Deserialize)]
pub struct Header {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
}

/// A compact JWS taken apart and decoded, nothing checked yet.
#[derive(Clone, Debug)]
pub struct Parts<'a> {
    /// `header.payload` as it came, the bytes the signature covers.
    pub signing_input: &'a str,
    pub header: Header,
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Splits and decodes a compact JWS (size-limited, exactly three Base64URL parts, a JSON
/// header). Verifiers that hold their own keys (the gateway's JWKS) start here.
pub fn split(token: &str) -> Result<Parts<'_>, JwtError> {
    if token.len() > MAX_TOKEN_LENGTH {
        return Err(JwtError::Malformed);
    }
    let mut pieces = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (pieces.next(), pieces.next(), pieces.next(), pieces.next())
    else {
        return Err(JwtError::Malformed);
    };
    let decode = |piece: &str| URL_SAFE_NO_PAD.decode(piece).map_err(|_| JwtError::Malformed);
    let header: Header =
        serde_json::from_slice(&decode(header)?).map_err(|_| JwtError::Malformed)?;
    let signing_input = &token[..token.len() - signature.len() - 1];
    Ok(Parts { signing_input, header, payload: decode(payload)?, signature: decode(signature)? })
}

fn claims<T: DeserializeOwned>(payload: &[u8]) -> Result<T, JwtError> {
    serde_json::from_slice(payload).map_err(|_| JwtError::BadClaims)
}

/// Verifies a token that must be RS256 signed by one of the realm's RSA keys.
/// Any other `alg` (including `none` and every HMAC algorithm) is refused.
pub fn verify_rs256<T: DeserializeOwned>(keys: &KeySet, token: &str) -> Result<T, JwtError> {
    let parts = split(token)?;
    if parts.header.alg != "RS256" {
        return Err(JwtError::AlgorithmNotAllowed);
    }
    let key = keys.rsa_by_kid(parts.header.kid.as_deref()).ok_or(JwtError::UnknownKey)?;
    if !key.verify_rs256(parts.signing_input.as_bytes(), &parts.signature) {
        return Err(JwtError::BadSignature);
    }
    claims(&parts.payload)
}

/// Verifies a token that must be signed by one of the realm's HMAC keys, with exactly
/// that key's algorithm.
pub fn verify_hmac<T: DeserializeOwned>(keys: &KeySet, token: &str) -> Result<T, JwtError> {
    let parts = split(token)?;
    let key = keys.hmac_by_kid(parts.header.kid.as_deref()).ok_or(JwtError::UnknownKey)?;
    if parts.header.alg != key.algorithm.as_str() {
        return Err(JwtError::AlgorithmNotAllowed);
    }
    if !key.verify(parts.signing_input.as_bytes(), &parts.signature) {
        return Err(JwtError::BadSignature);
    }
    claims(&parts.payload)
}

/// Reads the claims without checking anything: only for choosing how to verify
/// (which realm, which kind of token). Never trust what it returns.
pub fn peek_unverified<T: DeserializeOwned>(token: &str) -> Result<T, JwtError> {
    claims(&split(token)?.payload)
}

#[cfg(test)]
mod tests;
