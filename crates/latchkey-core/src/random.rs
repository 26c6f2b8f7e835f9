//! Random identifiers and bytes from the system's secure generator.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

/// `n` random bytes. The system generator does not fail on Linux; if it ever did,
/// continuing with predictable bytes would be worse than stopping.
#[allow(clippy::expect_used, reason = "a broken system RNG is not recoverable")]
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).expect("system random generator failed");
    out
}

/// A random UUID v4 string, the id format Keycloak uses everywhere.
pub fn uuid() -> String {
    uuid::Builder::from_random_bytes(bytes::<16>()).into_uuid().to_string()
}

/// A user session id as Keycloak 26 makes them (`SecretGenerator.generateSecureID`):
/// 18 random bytes in unpadded Base64URL, 24 characters (`7wX9GOR52A8r7hm4dxp_rDd6`,
/// seen as `sid` and `session_state` from 26.7.3).
pub fn session_id() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes::<18>())
}

/// `len` random letters and digits.
pub fn alphanumeric(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        for byte in bytes::<32>() {
            // 62 * 4 = 248: reject the top values so every character is equally likely.
            if usize::from(byte) < ALPHABET.len() * 4 && out.len() < len {
                out.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            }
        }
    }
    out
}
