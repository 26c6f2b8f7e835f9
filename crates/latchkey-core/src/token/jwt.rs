//! Compact JWS: Keycloak's header bytes when signing, a strict algorithm check when verifying.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::algorithm::Algorithm;
use super::keys::{HmacKey, KeyError, KeySet, SigningKey};

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

/// Signs claims already serialized as JSON: `header.payload.signature`, with the key's
/// Keycloak-shaped header.
pub fn sign_json(key: SigningKey<'_>, claims_json: &[u8]) -> Result<String, KeyError> {
    let header = key.encoded_header();
    let mut token = String::with_capacity(header.len() + claims_json.len() * 4 / 3 + 4);
    token.push_str(header);
    URL_SAFE_NO_PAD.encode_string(claims_json, &mut token);
    // At most 683 characters (RSA-4096).
    let mut signature = String::with_capacity(688);
    key.sign_into(token.as_bytes(), &mut signature)?;
    token.reserve_exact(signature.len() + 1);
    token.push('.');
    token.push_str(&signature);
    Ok(token)
}

/// Signs a claim set (anything that serializes to a JSON object).
pub fn sign<T: serde::Serialize + ?Sized>(
    key: SigningKey<'_>,
    claims: &T,
) -> Result<String, KeyError> {
    let json = serde_json::to_vec(claims).map_err(|e| KeyError::Rejected(e.to_string()))?;
    sign_json(key, &json)
}

/// Signs claims with an HMAC key, as refresh tokens are. A JSON value always
/// serializes, so this cannot fail for one.
pub fn sign_hmac(key: &HmacKey, claims: &serde_json::Value) -> String {
    sign(SigningKey::Hmac(key), claims).unwrap_or_default()
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

/// Verifies a token signed by one of the realm's keys: its `alg` must be an algorithm
/// latchkey knows (never `none`) and exactly the algorithm of the key its `kid` names,
/// so an RSA key never checks an ECDSA token, nor a public key an HMAC one.
pub fn verify<T: DeserializeOwned>(keys: &KeySet, token: &str) -> Result<T, JwtError> {
    verify_with(keys, token, |_| true)
}

/// Verifies a token that must be signed by one of the realm's HMAC keys (refresh
/// tokens), with exactly that key's algorithm.
pub fn verify_hmac<T: DeserializeOwned>(keys: &KeySet, token: &str) -> Result<T, JwtError> {
    verify_with(keys, token, |alg| !alg.is_asymmetric())
}

fn verify_with<T: DeserializeOwned>(
    keys: &KeySet,
    token: &str,
    allowed: impl Fn(Algorithm) -> bool,
) -> Result<T, JwtError> {
    let parts = split(token)?;
    let alg = Algorithm::parse(&parts.header.alg)
        .filter(|alg| allowed(*alg))
        .ok_or(JwtError::AlgorithmNotAllowed)?;
    let key = keys.verifier(parts.header.kid.as_deref(), alg).ok_or(JwtError::UnknownKey)?;
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
