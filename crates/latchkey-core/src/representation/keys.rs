//! The realm's keys as `org.keycloak.keys.KeyProvider` components, both ways.
//!
//! Keycloak's export carries the key material (`hmac-generated`: `kid` and a base64url
//! `secret`; `rsa-generated`: `privateKey`, base64 DER of a PKCS#1 `RSAPrivateKey`), so
//! importing it keeps tokens issued by the old server valid. A provider without material
//! only chooses the algorithm of the key latchkey generates.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::import::{ImportError, unmasked};
use super::types::{ComponentRepresentation, KEY_PROVIDER, RealmRepresentation};
use crate::realm::HmacAlgorithm;
use crate::time::UnixMillis;
use crate::token::keys::{KeyKind, StoredKey};

/// Provider ids (and, in Keycloak ≥24, the component name) of generated HMAC keys.
const HMAC_GENERATED: &str = "hmac-generated";
const HMAC_GENERATED_HS512: &str = "hmac-generated-hs512";
/// Provider ids of RSA signing keys: generated, and imported from a PEM.
/// `rsa-enc-generated` (RSA-OAEP, encryption only) is not a signing key and is skipped.
const RSA_GENERATED: &str = "rsa-generated";
const RSA_IMPORTED: &str = "rsa";

/// The realm's keys: those the file carries, plus a generated RSA key and HMAC key
/// when the file has no enabled one of that kind. The HMAC key is generated with the
/// algorithm of the file's first active `hmac-generated` provider, else HS512
/// (Keycloak ≥24's default).
pub(super) fn import_keys(
    rep: &RealmRepresentation,
    realm_id: &str,
    now: UnixMillis,
) -> Result<Vec<StoredKey>, ImportError> {
    let providers = rep
        .components
        .as_ref()
        .and_then(|components| components.get(KEY_PROVIDER))
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut keys: Vec<StoredKey> = Vec::new();
    let mut passive: Vec<String> = Vec::new();
    let mut hmac_algorithm = None;
    for provider in providers {
        let provider_id = provider.provider_id.as_deref().unwrap_or_default();
        let name = provider.name.as_deref().unwrap_or(provider_id);
        let fail =
            |message: String| ImportError::KeyProvider { provider: name.to_owned(), message };
        let enabled = provider.config_value("enabled") != Some("false");
        let active = provider.config_value("active") != Some("false");
        let priority = match provider.config_value("priority") {
            None => 0,
            Some(value) => value
                .trim()
                .parse::<i64>()
                .map_err(|_| fail(format!("priority `{value}` is not a number")))?,
        };
        let key = match provider_id {
            HMAC_GENERATED | HMAC_GENERATED_HS512 => {
                let algorithm = match provider.config_value("algorithm") {
                    Some(value) => HmacAlgorithm::parse(value)
                        .ok_or_else(|| fail(format!("unsupported HMAC algorithm `{value}`")))?,
                    None if provider_id == HMAC_GENERATED_HS512 || name == HMAC_GENERATED_HS512 => {
                        HmacAlgorithm::HS512
                    }
                    // `HmacKeyProviderFactory`'s default before Keycloak 24.
                    None => HmacAlgorithm::HS256,
                };
                if enabled && active && hmac_algorithm.is_none() {
                    hmac_algorithm = Some(algorithm);
                }
                let Some(secret) = unmasked(provider.config_value("secret")) else { continue };
                let secret = decode_secret(secret).map_err(|e| fail(format!("secret: {e}")))?;
                let kid = unmasked(provider.config_value("kid"))
                    .map_or_else(crate::random::uuid, str::to_owned);
                StoredKey {
                    kid,
                    realm_id: realm_id.to_owned(),
                    kind: KeyKind::Hmac(algorithm),
                    secret,
                    priority,
                    enabled,
                    created_at: now.0,
                }
            }
            RSA_GENERATED | RSA_IMPORTED => {
                // latchkey signs and verifies RSA keys with RS256 only.
                if provider.config_value("algorithm").is_some_and(|a| a != "RS256") {
                    continue;
                }
                let Some(pem) = unmasked(provider.config_value("privateKey")) else { continue };
                let der = decode_pem(pem).map_err(|e| fail(format!("privateKey: {e}")))?;
                let mut key = StoredKey::rsa_from_der(realm_id, &der, priority, now.0)
                    .map_err(|e| fail(format!("privateKey: {e}")))?;
                key.enabled = enabled;
                key
            }
            _ => continue,
        };
        if !active {
            passive.push(key.kid.clone());
        }
        keys.push(key);
    }
    if !keys.iter().any(|k| k.enabled && k.kind == KeyKind::Rsa) {
        keys.push(
            StoredKey::generate_rsa(realm_id, now.0)
                .map_err(|e| ImportError::KeyGeneration(e.to_string()))?,
        );
    }
    if !keys.iter().any(|k| k.enabled && matches!(k.kind, KeyKind::Hmac(_))) {
        let algorithm = hmac_algorithm.unwrap_or(HmacAlgorithm::HS512);
        keys.push(StoredKey::generate_hmac(realm_id, algorithm, now.0));
    }
    demote_passive_keys(&mut keys, &passive);
    Ok(keys)
}

/// A passive Keycloak key verifies but never signs. latchkey signs with the enabled key
/// of highest priority, so a passive key is kept below every active key of its kind.
fn demote_passive_keys(keys: &mut [StoredKey], passive: &[String]) {
    let same_kind = |a: KeyKind, b: KeyKind| {
        matches!((a, b), (KeyKind::Rsa, KeyKind::Rsa))
            || matches!((a, b), (KeyKind::Hmac(_), KeyKind::Hmac(_)))
    };
    for kid in passive {
        let Some(kind) = keys.iter().find(|k| &k.kid == kid).map(|k| k.kind) else { continue };
        let lowest_active = keys
            .iter()
            .filter(|k| k.enabled && same_kind(k.kind, kind) && !passive.contains(&k.kid))
            .map(|k| k.priority)
            .min();
        if let (Some(lowest), Some(key)) = (lowest_active, keys.iter_mut().find(|k| &k.kid == kid))
            && key.priority >= lowest
        {
            key.priority = lowest.saturating_sub(1);
        }
    }
}

/// Keycloak writes HMAC secrets base64url without padding; accept standard base64 too.
fn decode_secret(value: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let trimmed = value.trim().trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|error| STANDARD.decode(value.trim()).map_err(|_| error))
}

/// The DER inside a PEM, with or without its `-----BEGIN ...-----` lines.
fn decode_pem(value: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let body: String = value
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
        .collect();
    STANDARD.decode(body)
}

/// The `KeyProvider` components for the realm's keys, with their secrets.
/// RSA keys are written as an imported `rsa` provider (Keycloak makes the certificate
/// it needs on import), PKCS#1 like Keycloak's own export.
pub(super) fn export_keys(keys: &[StoredKey]) -> Vec<ComponentRepresentation> {
    keys.iter()
        .map(|key| {
            let mut component = ComponentRepresentation::default();
            let mut set = |name: &str, value: String| {
                component.config.insert(name.to_owned(), vec![value]);
            };
            set("priority", key.priority.to_string());
            set("enabled", key.enabled.to_string());
            set("active", "true".to_owned());
            let (name, provider_id) = match key.kind {
                KeyKind::Rsa => {
                    let der = pkcs1_of_pkcs8(&key.secret).unwrap_or(&key.secret);
                    set("privateKey", STANDARD.encode(der));
                    set("algorithm", "RS256".to_owned());
                    (RSA_IMPORTED, RSA_IMPORTED)
                }
                KeyKind::Hmac(algorithm) => {
                    set("kid", key.kid.clone());
                    set("secret", URL_SAFE_NO_PAD.encode(&key.secret));
                    set("secretSize", key.secret.len().to_string());
                    set("algorithm", algorithm.as_str().to_owned());
                    let name = match algorithm {
                        HmacAlgorithm::HS512 => HMAC_GENERATED_HS512,
                        _ => HMAC_GENERATED,
                    };
                    (name, HMAC_GENERATED)
                }
            };
            component.name = Some(name.to_owned());
            component.provider_id = Some(provider_id.to_owned());
            component
        })
        .collect()
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo`
/// (SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING privateKey }, RFC 5208).
pub(super) fn pkcs1_of_pkcs8(der: &[u8]) -> Option<&[u8]> {
    let (0x30, info, _) = der_element(der)? else { return None };
    let (0x02, _, rest) = der_element(info)? else { return None };
    let (0x30, _, rest) = der_element(rest)? else { return None };
    let (0x04, private_key, _) = der_element(rest)? else { return None };
    Some(private_key)
}

/// One DER element: its tag, its contents and what follows it.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let length = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, tail) = rest.split_at_checked(count)?;
        rest = tail;
        bytes.iter().fold(0usize, |length, byte| (length << 8) | usize::from(*byte))
    };
    let (contents, rest) = rest.split_at_checked(length)?;
    Some((tag, contents, rest))
}
