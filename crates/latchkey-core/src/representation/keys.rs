//! The realm's keys as `org.keycloak.keys.KeyProvider` components, both ways: realm
//! files (import and export, key material included) and the Admin API's components
//! (`ComponentResource`: create, update, show), with Keycloak 26.7.3's validation texts.
//!
//! One component is one key. Providers: `rsa-generated` (RSA 2048/3072/4096, RS* or
//! PS*), `rsa` (an imported PEM private key, optionally its certificate),
//! `ecdsa-generated` (P-256/384/521), `eddsa-generated` (Ed25519) and `hmac-generated`
//! (HS256/384/512). Keycloak's encryption keys (`rsa-enc-generated`, `aes-generated`)
//! and keystores are skipped on import: latchkey signs, it never decrypts.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::import::{ImportError, unmasked};
use super::types::{ComponentRepresentation, KEY_PROVIDER, RealmRepresentation};
use crate::time::UnixMillis;
use crate::token::algorithm::{Algorithm, Curve, KeyType};
use crate::token::keys::certificate::{self, decode_pem, der_element, read_certificate};
use crate::token::keys::{
    DEFAULT_HMAC_SECRET_BYTES, ECDSA_GENERATED, EDDSA_GENERATED, FALLBACK_PRIORITY, HMAC_GENERATED,
    HMAC_GENERATED_HS512, KeyError, RSA_GENERATED, RSA_IMPORTED, StoredKey, generate,
    public_key_info,
};

/// Config entries (`Attributes`, `GeneratedEcdsaKeyProviderFactory`, ...).
const PRIORITY: &str = "priority";
const ENABLED: &str = "enabled";
const ACTIVE: &str = "active";
const ALGORITHM: &str = "algorithm";
const KEY_SIZE: &str = "keySize";
const PRIVATE_KEY: &str = "privateKey";
const CERTIFICATE: &str = "certificate";
const SECRET: &str = "secret";
const SECRET_SIZE: &str = "secretSize";
const KID: &str = "kid";
const EC_CURVE: &str = "ecdsaEllipticCurveKey";
const EC_PRIVATE_KEY: &str = "ecdsaPrivateKey";
const EC_PUBLIC_KEY: &str = "ecdsaPublicKey";
const EC_GENERATE_CERTIFICATE: &str = "ecGenerateCertificate";
const ED_CURVE: &str = "eddsaEllipticCurveKey";
const ED_PRIVATE_KEY: &str = "eddsaPrivateKey";
const ED_PUBLIC_KEY: &str = "eddsaPublicKey";
/// Key material and the public halves derived from it: kept in the key, never in the
/// component's shown settings.
const MATERIAL: [&str; 8] = [
    PRIVATE_KEY,
    SECRET,
    KID,
    EC_PRIVATE_KEY,
    EC_PUBLIC_KEY,
    ED_PRIVATE_KEY,
    ED_PUBLIC_KEY,
    CERTIFICATE,
];
/// What Keycloak shows instead of a secret (`ComponentRepresentation.SECRET_VALUE`).
const MASKED: &str = "**********";
/// The RSA key sizes latchkey generates (Keycloak also offers 1024, too weak to sign with).
const RSA_KEY_SIZES: [u32; 3] = [2048, 3072, 4096];
const HMAC_SECRET_SIZES: [usize; 7] = [16, 24, 32, 64, 128, 256, 512];

/// Why a key-provider component is refused: Keycloak's `ComponentValidationException`
/// texts (`{"errorMessage": …}`), or an unknown provider (`{"error": …}`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComponentError {
    #[error("Invalid provider type or no such provider")]
    UnknownProvider,
    #[error("{0}")]
    Invalid(String),
    #[error("key generation failed: {0}")]
    Generation(String),
}

fn invalid(message: impl Into<String>) -> ComponentError {
    ComponentError::Invalid(message.into())
}

fn first<'a>(config: &'a BTreeMap<String, Vec<String>>, name: &str) -> Option<&'a str> {
    config.get(name).and_then(|values| values.first()).map(String::as_str)
}

/// `true`/`false` entries (`'Enabled' should be 'true' or 'false'`), default true.
fn flag(
    config: &BTreeMap<String, Vec<String>>,
    name: &str,
    label: &str,
) -> Result<bool, ComponentError> {
    match first(config, name) {
        None | Some("") => Ok(true),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(_) => Err(invalid(format!("'{label}' should be 'true' or 'false'"))),
    }
}

fn priority(config: &BTreeMap<String, Vec<String>>) -> Result<i64, ComponentError> {
    match first(config, PRIORITY).map(str::trim) {
        None | Some("") => Ok(0),
        Some(value) => value.parse().map_err(|_| invalid("'Priority' should be a number")),
    }
}

/// The algorithm and, for RSA, the key size a provider's settings ask for.
fn requested_algorithm(
    provider_id: &str,
    config: &BTreeMap<String, Vec<String>>,
) -> Result<(Algorithm, u32), ComponentError> {
    let named = first(config, ALGORITHM).filter(|a| !a.is_empty());
    match provider_id {
        RSA_GENERATED | RSA_IMPORTED => {
            let algorithm = match named {
                None => Algorithm::RS256,
                Some(name) => Algorithm::parse(name)
                    .filter(|a| a.key_type() == KeyType::Rsa)
                    .ok_or_else(|| {
                        invalid("'Algorithm' should be RS256, RS384, RS512, PS256, PS384 or PS512")
                    })?,
            };
            let bits = match first(config, KEY_SIZE).map(str::trim) {
                None | Some("") => 2048,
                Some(size) => size
                    .parse::<u32>()
                    .ok()
                    .filter(|bits| RSA_KEY_SIZES.contains(bits))
                    .ok_or_else(|| invalid("'Key size' should be 2048, 3072 or 4096"))?,
            };
            Ok((algorithm, bits))
        }
        ECDSA_GENERATED => {
            let curve = match first(config, EC_CURVE) {
                None | Some("") => Curve::P256,
                Some(name) => Curve::parse(name)
                    .ok_or_else(|| invalid("'Elliptic Curve' should be P-256, P-384 or P-521"))?,
            };
            Ok((curve.algorithm(), 0))
        }
        EDDSA_GENERATED => match first(config, ED_CURVE) {
            None | Some("") | Some("Ed25519") => Ok((Algorithm::EdDSA, 0)),
            // Keycloak also offers Ed448; latchkey's crypto library signs Ed25519 only.
            Some(_) => Err(invalid("'Elliptic Curve' should be Ed25519")),
        },
        HMAC_GENERATED => {
            let algorithm = match named {
                // `HS_ALGORITHM_PROPERTY`'s default.
                None => Algorithm::HS256,
                Some(name) => Algorithm::parse(name)
                    .filter(|a| a.key_type() == KeyType::Hmac)
                    .ok_or_else(|| invalid("'Algorithm' should be HS256, HS384 or HS512"))?,
            };
            Ok((algorithm, 0))
        }
        _ => Err(ComponentError::UnknownProvider),
    }
}

fn secret_size(config: &BTreeMap<String, Vec<String>>) -> Result<usize, ComponentError> {
    match first(config, SECRET_SIZE).map(str::trim) {
        None | Some("") => Ok(DEFAULT_HMAC_SECRET_BYTES),
        Some(size) => size
            .parse::<usize>()
            .ok()
            .filter(|size| HMAC_SECRET_SIZES.contains(size))
            .ok_or_else(|| invalid("'Secret size' should be 16, 24, 32, 64, 128, 256 or 512")),
    }
}

/// The settings worth keeping: everything but key material, empty values and masks.
fn public_settings(config: &BTreeMap<String, Vec<String>>) -> BTreeMap<String, Vec<String>> {
    config
        .iter()
        .filter(|(name, _)| !MATERIAL.contains(&name.as_str()))
        .filter(|(_, values)| values.first().is_some_and(|v| v != MASKED))
        .map(|(name, values)| (name.clone(), values.clone()))
        .collect()
}

/// A new key from a `POST …/components` body (`ComponentResource.create`): the settings
/// checked as Keycloak checks them, the key generated, or imported for `rsa`.
pub fn key_from_component(
    rep: &ComponentRepresentation,
    realm_id: &str,
    realm_name: &str,
    now: UnixMillis,
) -> Result<StoredKey, ComponentError> {
    if rep.provider_type.as_deref() != Some(KEY_PROVIDER) {
        return Err(ComponentError::UnknownProvider);
    }
    let provider_id = rep.provider_id.as_deref().ok_or(ComponentError::UnknownProvider)?;
    let config = &rep.config;
    let (algorithm, bits) = requested_algorithm(provider_id, config)?;
    let priority = priority(config)?;
    let enabled = flag(config, ENABLED, "Enabled")?;
    let active = flag(config, ACTIVE, "Active")?;
    let name = rep.name.clone().unwrap_or_default();
    let mut settings = public_settings(config);
    let mut key = match provider_id {
        RSA_IMPORTED => {
            imported_rsa(realm_id, &name, algorithm, config, &mut settings, realm_name, now)?
        }
        HMAC_GENERATED => {
            let size = secret_size(config)?;
            let mut key = StoredKey::generate_hmac(realm_id, algorithm, now.0);
            key.secret = generate::secret(size);
            key
        }
        _ => {
            let mut key =
                StoredKey::generate(realm_id, &name, provider_id, algorithm, bits, priority, now.0)
                    .map_err(|e| ComponentError::Generation(e.to_string()))?;
            if let KeyType::Ec(curve) = algorithm.key_type() {
                settings
                    .entry(EC_CURVE.to_owned())
                    .or_insert_with(|| vec![curve.as_str().to_owned()]);
                if first(config, EC_GENERATE_CERTIFICATE) == Some("true") {
                    key.certificate = Some(
                        certificate::self_signed(algorithm, &key.secret, realm_name, now.0)
                            .map_err(|e| ComponentError::Generation(e.to_string()))?,
                    );
                }
            }
            if algorithm == Algorithm::EdDSA {
                settings.entry(ED_CURVE.to_owned()).or_insert_with(|| vec!["Ed25519".to_owned()]);
            }
            key
        }
    };
    key.id = rep.id.clone().filter(|id| !id.is_empty()).unwrap_or_else(crate::random::uuid);
    key.name = name;
    key.provider_id = provider_id.to_owned();
    key.config = settings;
    key.priority = priority;
    key.enabled = enabled;
    key.active = active;
    Ok(key)
}

/// An `rsa` provider's key: `privateKey` (PEM, PKCS#1 or PKCS#8) and optionally its
/// `certificate`, which must be for that key; without one, a self-signed one is made.
fn imported_rsa(
    realm_id: &str,
    name: &str,
    algorithm: Algorithm,
    config: &BTreeMap<String, Vec<String>>,
    settings: &mut BTreeMap<String, Vec<String>>,
    realm_name: &str,
    now: UnixMillis,
) -> Result<StoredKey, ComponentError> {
    let pem = unmasked(first(config, PRIVATE_KEY))
        .ok_or_else(|| invalid("'Private RSA Key' is required"))?;
    let der = decode_pem(pem).ok_or_else(|| invalid("Failed to decode private key"))?;
    let mut key = StoredKey::with_material(realm_id, name, RSA_IMPORTED, algorithm, der, 0, now.0)
        .map_err(|_| invalid("Failed to decode private key"))?;
    let certificate = match unmasked(first(config, CERTIFICATE)) {
        Some(text) => {
            let der = decode_pem(text).ok_or_else(|| invalid("Failed to decode certificate"))?;
            let facts =
                read_certificate(&der).ok_or_else(|| invalid("Failed to decode certificate"))?;
            let spki = public_key_info(algorithm, &key.secret)
                .map_err(|e| ComponentError::Generation(e.to_string()))?;
            if spki.as_deref() != Some(facts.public_key_info.as_slice()) {
                return Err(invalid("Certificate does not match private key"));
            }
            settings.insert(CERTIFICATE.to_owned(), vec![text.to_owned()]);
            der
        }
        None => {
            let der = certificate::self_signed(algorithm, &key.secret, realm_name, now.0)
                .map_err(|e| ComponentError::Generation(e.to_string()))?;
            settings.insert(CERTIFICATE.to_owned(), vec![STANDARD.encode(&der)]);
            der
        }
    };
    key.certificate = Some(certificate);
    Ok(key)
}

/// `PUT …/components/{id}` (`RepresentationToModel.updateComponent`, then the
/// provider's validation): given settings replace stored ones, others stay, masked
/// values are ignored. A new key size, curve or secret size generates a new key (new
/// `kid`), as Keycloak does; a new `rsa` private key replaces the imported one.
pub fn update_key_from_component(
    key: &StoredKey,
    rep: &ComponentRepresentation,
    realm_name: &str,
    now: UnixMillis,
) -> Result<StoredKey, ComponentError> {
    if rep.provider_type.as_deref().is_some_and(|t| t != KEY_PROVIDER)
        || rep.provider_id.as_deref().is_some_and(|p| p != key.provider_id)
    {
        return Err(ComponentError::UnknownProvider);
    }
    let mut merged = key.config.clone();
    for (name, values) in &rep.config {
        if values.first().is_some_and(|v| v == MASKED) {
            continue;
        }
        merged.insert(name.clone(), values.clone());
    }
    let (algorithm, bits) = requested_algorithm(&key.provider_id, &merged)?;
    let mut updated = key.clone();
    updated.priority = priority(&merged)?;
    updated.enabled = flag(&merged, ENABLED, "Enabled")?;
    updated.active = flag(&merged, ACTIVE, "Active")?;
    if let Some(name) = &rep.name {
        updated.name.clone_from(name);
    }
    let replaced_key =
        rep.config.get(PRIVATE_KEY).and_then(|v| v.first()).is_some_and(|v| v != MASKED);
    let regenerate = match algorithm.key_type() {
        KeyType::Rsa if key.provider_id == RSA_IMPORTED => {
            replaced_key || key.algorithm != algorithm
        }
        KeyType::Rsa => rsa_bits(key) != Some(bits),
        KeyType::Ec(_) | KeyType::Ed25519 => key.algorithm != algorithm,
        KeyType::Hmac => secret_size(&merged)? != key.secret.len(),
    };
    if regenerate {
        let fresh = key_from_component(
            &ComponentRepresentation {
                id: Some(key.id.clone()),
                name: Some(updated.name.clone()),
                provider_id: Some(key.provider_id.clone()),
                provider_type: Some(KEY_PROVIDER.to_owned()),
                config: merged.clone(),
                ..ComponentRepresentation::default()
            },
            &key.realm_id,
            realm_name,
            now,
        )?;
        updated.kid = fresh.kid;
        updated.secret = fresh.secret;
        updated.certificate = fresh.certificate;
        updated.created_at = fresh.created_at;
        merged = fresh.config;
    } else {
        merged = public_settings(&merged);
        if key.provider_id == RSA_IMPORTED {
            merged.insert(
                CERTIFICATE.to_owned(),
                key.config.get(CERTIFICATE).cloned().unwrap_or_default(),
            );
        }
    }
    updated.algorithm = algorithm;
    updated.config = merged;
    Ok(updated)
}

/// The modulus size of a stored RSA key, in bits.
fn rsa_bits(key: &StoredKey) -> Option<u32> {
    let spki = public_key_info(key.algorithm, &key.secret).ok()??;
    // SubjectPublicKeyInfo { algorithm, BIT STRING { RSAPublicKey { modulus, exponent } } }.
    let (_, info, _) = der_element(&spki)?;
    let (_, _, rest) = der_element(info)?;
    let (0x03, bits, _) = der_element(rest)? else { return None };
    let (_, public_key, _) = der_element(bits.get(1..)?)?;
    let (0x02, modulus, _) = der_element(public_key)? else { return None };
    let significant = modulus.iter().skip_while(|b| **b == 0).count();
    u32::try_from(significant * 8).ok()
}

/// The component as `GET …/components` shows it: its settings without key material,
/// an imported key's private key masked.
pub fn component_to_representation(key: &StoredKey, parent_id: &str) -> ComponentRepresentation {
    let mut config = key.config.clone();
    if key.provider_id == RSA_IMPORTED {
        config.insert(PRIVATE_KEY.to_owned(), vec![MASKED.to_owned()]);
    }
    ComponentRepresentation {
        id: Some(key.id.clone()),
        name: Some(key.name.clone()).filter(|name| !name.is_empty()),
        provider_id: Some(key.provider_id.clone()),
        provider_type: Some(KEY_PROVIDER.to_owned()),
        parent_id: Some(parent_id.to_owned()),
        config,
        ..ComponentRepresentation::default()
    }
}

/// The key Keycloak makes when a token must be signed with an algorithm the realm has
/// no active key for (`DefaultKeyManager` → `KeyProviderFactory.createFallbackKeys`):
/// a `fallback-<alg>` component of priority -100, with the settings 26.7.3 gives it.
pub fn fallback_key(
    realm_id: &str,
    realm_name: &str,
    algorithm: Algorithm,
    now: UnixMillis,
) -> Result<StoredKey, ComponentError> {
    let mut config = BTreeMap::from([(PRIORITY.to_owned(), vec![FALLBACK_PRIORITY.to_string()])]);
    let provider_id = match algorithm.key_type() {
        KeyType::Rsa => {
            config.insert(ALGORITHM.to_owned(), vec![algorithm.as_str().to_owned()]);
            RSA_GENERATED
        }
        KeyType::Ec(curve) => {
            config.insert(EC_CURVE.to_owned(), vec![curve.as_str().to_owned()]);
            ECDSA_GENERATED
        }
        KeyType::Ed25519 => {
            config.insert(ED_CURVE.to_owned(), vec!["Ed25519".to_owned()]);
            EDDSA_GENERATED
        }
        KeyType::Hmac => {
            config.insert(ALGORITHM.to_owned(), vec![algorithm.as_str().to_owned()]);
            HMAC_GENERATED
        }
    };
    let rep = ComponentRepresentation {
        name: Some(format!("fallback-{algorithm}")),
        provider_id: Some(provider_id.to_owned()),
        provider_type: Some(KEY_PROVIDER.to_owned()),
        config,
        ..ComponentRepresentation::default()
    };
    key_from_component(&rep, realm_id, realm_name, now)
}

/// The realm's keys from a realm file: each key provider it carries, with its key
/// material when the file has it (a full Keycloak export: tokens issued by the old
/// server stay valid), a newly generated key when it does not (a partial export or a
/// hand-written file), as Keycloak's providers do when their component is created.
/// Then an RS256 key and an HMAC key are generated if the file has no active,
/// enabled one: the HMAC key with the algorithm of the file's first `hmac-generated`
/// provider, else HS512 (Keycloak ≥24's default).
pub(super) fn import_keys(
    rep: &RealmRepresentation,
    realm_id: &str,
    realm_name: &str,
    now: UnixMillis,
) -> Result<Vec<StoredKey>, ImportError> {
    let providers = rep
        .components
        .as_ref()
        .and_then(|components| components.get(KEY_PROVIDER))
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut keys: Vec<StoredKey> = Vec::new();
    let mut hmac_algorithm = None;
    for provider in providers {
        let provider_id = provider.provider_id.as_deref().unwrap_or_default();
        let name = provider.name.as_deref().unwrap_or(provider_id);
        let fail =
            |message: String| ImportError::KeyProvider { provider: name.to_owned(), message };
        let mut provider = provider.clone();
        provider.provider_type = Some(KEY_PROVIDER.to_owned());
        if provider_id == HMAC_GENERATED && first(&provider.config, ALGORITHM).is_none() {
            // `hmac-generated-hs512` is Keycloak ≥24's HS512 key; older files' keys are HS256.
            let default = if name == HMAC_GENERATED_HS512 { "HS512" } else { "HS256" };
            provider.config.insert(ALGORITHM.to_owned(), vec![default.to_owned()]);
        }
        let key = match provider_id {
            RSA_GENERATED | RSA_IMPORTED | ECDSA_GENERATED | EDDSA_GENERATED | HMAC_GENERATED => {
                imported_key(&provider, realm_id, realm_name, now)
                    .map_err(|e| fail(e.to_string()))?
            }
            // Encryption keys and keystores: nothing latchkey signs with.
            _ => continue,
        };
        let Some(mut key) = key else { continue };
        if key.key_type() == KeyType::Hmac && key.enabled && key.active && hmac_algorithm.is_none()
        {
            hmac_algorithm = Some(key.algorithm);
        }
        key.created_at = now.0;
        keys.push(key);
    }
    let usable =
        |key: &StoredKey, wanted: fn(&StoredKey) -> bool| key.enabled && key.active && wanted(key);
    if !keys.iter().any(|k| usable(k, |k| k.algorithm == Algorithm::RS256)) {
        keys.push(
            StoredKey::generate_rsa(realm_id, now.0)
                .map_err(|e| ImportError::KeyGeneration(e.to_string()))?,
        );
    }
    if !keys.iter().any(|k| usable(k, |k| k.key_type() == KeyType::Hmac)) {
        keys.push(StoredKey::generate_hmac(
            realm_id,
            hmac_algorithm.unwrap_or(Algorithm::HS512),
            now.0,
        ));
    }
    Ok(keys)
}

/// One provider of a realm file as a key; `None` for an `rsa` provider whose private
/// key the file does not carry (masked in a partial export).
fn imported_key(
    provider: &ComponentRepresentation,
    realm_id: &str,
    realm_name: &str,
    now: UnixMillis,
) -> Result<Option<StoredKey>, ComponentError> {
    let provider_id = provider.provider_id.as_deref().unwrap_or_default();
    let config = &provider.config;
    let given_value = |name: &str| unmasked(first(config, name));
    let decode = |value: &str, what: &str| {
        decode_pem(value).ok_or_else(|| invalid(format!("{what}: not base64")))
    };
    let given = match provider_id {
        RSA_GENERATED | RSA_IMPORTED => {
            given_value(PRIVATE_KEY).map(|v| decode(v, PRIVATE_KEY)).transpose()?
        }
        ECDSA_GENERATED => {
            given_value(EC_PRIVATE_KEY).map(|v| decode(v, EC_PRIVATE_KEY)).transpose()?
        }
        EDDSA_GENERATED => {
            given_value(ED_PRIVATE_KEY).map(|v| decode(v, ED_PRIVATE_KEY)).transpose()?
        }
        _ => given_value(SECRET)
            .map(|secret| decode_secret(secret).map_err(|e| invalid(format!("secret: {e}"))))
            .transpose()?,
    };
    let Some(material) = given else {
        if provider_id == RSA_IMPORTED {
            return Ok(None);
        }
        return key_from_component(provider, realm_id, realm_name, now).map(Some);
    };
    let (algorithm, _) = requested_algorithm(provider_id, config)?;
    // A provider without a name keeps none, as a generated one does (`key_from_component`):
    // its export, which carries the generated secret, then imports to the same file.
    let name = provider.name.clone().unwrap_or_default();
    let mut key =
        StoredKey::with_material(realm_id, &name, provider_id, algorithm, material, 0, now.0)
            .map_err(|e: KeyError| invalid(format!("private key: {e}")))?;
    if algorithm.key_type() == KeyType::Hmac
        && let Some(kid) = material_kid(config)
    {
        key.kid = kid;
    }
    if let Some(text) = given_value(CERTIFICATE) {
        key.certificate = Some(decode(text, CERTIFICATE)?);
    }
    key.id = provider.id.clone().filter(|id| !id.is_empty()).unwrap_or_else(crate::random::uuid);
    key.config = public_settings(config);
    if provider_id == RSA_IMPORTED
        && let Some(text) = given_value(CERTIFICATE)
    {
        key.config.insert(CERTIFICATE.to_owned(), vec![text.to_owned()]);
    }
    key.priority = priority(config)?;
    key.enabled = flag(config, ENABLED, "Enabled")?;
    key.active = flag(config, ACTIVE, "Active")?;
    Ok(Some(key))
}

fn material_kid(config: &BTreeMap<String, Vec<String>>) -> Option<String> {
    unmasked(first(config, KID)).map(str::to_owned)
}

/// Keycloak writes HMAC secrets base64url without padding; accept standard base64 too.
fn decode_secret(value: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let trimmed = value.trim().trim_end_matches('=');
    URL_SAFE_NO_PAD
        .decode(trimmed)
        .or_else(|error| STANDARD.decode(value.trim()).map_err(|_| error))
}

/// The `KeyProvider` components for the realm's keys, with their key material under
/// Keycloak's names, so that Keycloak and latchkey both import them and keep signing
/// with the same keys. RSA private keys are written PKCS#1, as Keycloak exports them.
/// `certificates` gives each asymmetric key's certificate by component id (RSA keys
/// make theirs when loaded, so the caller passes the loaded ones).
pub(super) fn export_keys(
    keys: &[StoredKey],
    certificates: &BTreeMap<String, Vec<u8>>,
) -> Vec<ComponentRepresentation> {
    keys.iter()
        .map(|key| {
            let mut config = key.config.clone();
            let mut set = |name: &str, value: String| {
                config.insert(name.to_owned(), vec![value]);
            };
            set(PRIORITY, key.priority.to_string());
            set(ENABLED, key.enabled.to_string());
            set(ACTIVE, key.active.to_string());
            let certificate = key.certificate.as_ref().or_else(|| certificates.get(&key.id));
            match key.key_type() {
                KeyType::Rsa => {
                    let der = pkcs1_of_pkcs8(&key.secret).unwrap_or(&key.secret);
                    set(PRIVATE_KEY, STANDARD.encode(der));
                    set(ALGORITHM, key.algorithm.as_str().to_owned());
                    if let Some(certificate) = certificate {
                        set(CERTIFICATE, STANDARD.encode(certificate));
                    }
                }
                KeyType::Ec(curve) => {
                    set(EC_PRIVATE_KEY, STANDARD.encode(&key.secret));
                    if let Ok(Some(spki)) = public_key_info(key.algorithm, &key.secret) {
                        set(EC_PUBLIC_KEY, STANDARD.encode(spki));
                    }
                    set(EC_CURVE, curve.as_str().to_owned());
                    if let Some(certificate) = certificate {
                        set(CERTIFICATE, STANDARD.encode(certificate));
                    }
                }
                KeyType::Ed25519 => {
                    set(ED_PRIVATE_KEY, STANDARD.encode(&key.secret));
                    if let Ok(Some(spki)) = public_key_info(key.algorithm, &key.secret) {
                        set(ED_PUBLIC_KEY, STANDARD.encode(spki));
                    }
                    set(ED_CURVE, "Ed25519".to_owned());
                }
                KeyType::Hmac => {
                    set(KID, key.kid.clone());
                    set(SECRET, URL_SAFE_NO_PAD.encode(&key.secret));
                    set(SECRET_SIZE, key.secret.len().to_string());
                    set(ALGORITHM, key.algorithm.as_str().to_owned());
                }
            }
            ComponentRepresentation {
                id: Some(key.id.clone()),
                name: Some(key.name.clone()).filter(|name| !name.is_empty()),
                provider_id: Some(key.provider_id.clone()),
                config,
                ..ComponentRepresentation::default()
            }
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

/// `GET …/keys` (`KeyResource.getKeyMetadata`, `KeysMetadataRepresentation`): every key
/// of the realm, highest priority first, with its status, and in `active` the key that
/// signs each algorithm. Fields in 26.7.3's order: `providerId` (the component's id),
/// `providerPriority`, `kid`, `status`, `type`, `algorithm`, `publicKey` and
/// `certificate` when there are, `use`, `validTo` (the certificate's end) when there is one.
pub fn keys_metadata(keys: &[StoredKey], realm_name: &str) -> Result<serde_json::Value, KeyError> {
    let mut sorted: Vec<&StoredKey> = keys.iter().collect();
    sorted.sort_by(|a, b| {
        b.priority.cmp(&a.priority).then(b.created_at.cmp(&a.created_at)).then(a.id.cmp(&b.id))
    });
    let mut active = serde_json::Map::new();
    let mut listed = Vec::with_capacity(sorted.len());
    for key in sorted {
        if key.enabled && key.active && !active.contains_key(key.algorithm.as_str()) {
            active.insert(key.algorithm.as_str().to_owned(), key.kid.clone().into());
        }
        let mut entry = serde_json::Map::new();
        entry.insert("providerId".into(), key.id.clone().into());
        entry.insert("providerPriority".into(), key.priority.into());
        entry.insert("kid".into(), key.kid.clone().into());
        entry.insert("status".into(), key.status().into());
        entry.insert("type".into(), key.key_type().keycloak_name().into());
        entry.insert("algorithm".into(), key.algorithm.as_str().into());
        let mut valid_to = None;
        if let Some(spki) = public_key_info(key.algorithm, &key.secret)? {
            entry.insert("publicKey".into(), STANDARD.encode(spki).into());
            let certificate = match (&key.certificate, key.key_type()) {
                (Some(certificate), _) => Some(certificate.clone()),
                (None, KeyType::Rsa) => Some(certificate::self_signed(
                    key.algorithm,
                    &key.secret,
                    realm_name,
                    key.created_at,
                )?),
                (None, _) => None,
            };
            if let Some(certificate) = certificate {
                valid_to = read_certificate(&certificate).map(|facts| facts.valid_to_ms);
                entry.insert("certificate".into(), STANDARD.encode(certificate).into());
            }
        }
        entry.insert("use".into(), "SIG".into());
        if let Some(valid_to) = valid_to {
            entry.insert("validTo".into(), valid_to.into());
        }
        listed.push(serde_json::Value::Object(entry));
    }
    Ok(serde_json::json!({ "active": active, "keys": listed }))
}
