//! X.509 certificates of a realm's keys: the self-signed one Keycloak makes for a
//! generated key, and the few facts read back from one (its public key and expiry).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::KeyError;
use crate::token::algorithm::{Algorithm, Curve, KeyType};

/// Makes the key's self-signed certificate as Keycloak does for the keys it generates
/// (`CertificateUtils.generateV1SelfSignedCertificate`, seen from 26.7.3: subject
/// `CN=<realm name>` cut to 64 characters, serial = creation time in milliseconds,
/// valid from 100 s before creation until ten years after it).
/// RSA signatures (PKCS#1 v1.5) are deterministic, so an RSA key gets the same bytes on
/// every load and its certificate never needs storing; ECDSA certificates are stored.
pub(crate) fn self_signed(
    algorithm: Algorithm,
    pkcs8: &[u8],
    subject: &str,
    created_at_ms: i64,
) -> Result<Vec<u8>, KeyError> {
    let rejected = |e: &dyn fmt::Display| KeyError::Rejected(format!("certificate: {e}"));
    let sign_algorithm = match algorithm.key_type() {
        KeyType::Rsa => &rcgen::PKCS_RSA_SHA256,
        KeyType::Ec(Curve::P256) => &rcgen::PKCS_ECDSA_P256_SHA256,
        KeyType::Ec(Curve::P384) => &rcgen::PKCS_ECDSA_P384_SHA384,
        KeyType::Ec(Curve::P521) => &rcgen::PKCS_ECDSA_P521_SHA512,
        KeyType::Ed25519 | KeyType::Hmac => {
            return Err(KeyError::Rejected(format!("no certificate for {algorithm} keys")));
        }
    };
    let pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
        &rustls_pki_types::PrivatePkcs8KeyDer::from(pkcs8),
        sign_algorithm,
    )
    .map_err(|e| rejected(&e))?;
    let mut params = rcgen::CertificateParams::default();
    let mut name = rcgen::DistinguishedName::new();
    name.push(rcgen::DnType::CommonName, subject.chars().take(64).collect::<String>());
    params.distinguished_name = name;
    let created = time::OffsetDateTime::from_unix_timestamp(created_at_ms.div_euclid(1000))
        .map_err(|e| rejected(&e))?;
    params.not_before = created - time::Duration::seconds(100);
    params.not_after =
        created.replace_year(created.year() + 10).unwrap_or(created + time::Duration::days(3652));
    params.serial_number =
        Some(rcgen::SerialNumber::from(u64::try_from(created_at_ms).unwrap_or(0)));
    let certificate = params.self_signed(&pair).map_err(|e| rejected(&e))?;
    Ok(certificate.der().to_vec())
}

/// What latchkey reads from a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    /// The DER `SubjectPublicKeyInfo`, to compare with the key's own.
    pub public_key_info: Vec<u8>,
    /// `notAfter`, in milliseconds since the epoch (Keycloak's `validTo`).
    pub valid_to_ms: i64,
}

/// Reads a DER certificate (RFC 5280 §4.1). `None` if it is not one.
pub fn read_certificate(der: &[u8]) -> Option<CertificateFacts> {
    let (0x30, certificate, _) = der_element(der)? else { return None };
    let (0x30, tbs, _) = der_element(certificate)? else { return None };
    let mut rest = tbs;
    // [0] EXPLICIT version, optional.
    if rest.first() == Some(&0xa0) {
        rest = der_element(rest)?.2;
    }
    let (0x02, _serial, rest) = der_element(rest)? else { return None };
    let (0x30, _signature, rest) = der_element(rest)? else { return None };
    let (0x30, _issuer, rest) = der_element(rest)? else { return None };
    let (0x30, validity, rest) = der_element(rest)? else { return None };
    let (0x30, _subject, rest) = der_element(rest)? else { return None };
    let start = rest;
    let (0x30, _, after) = der_element(rest)? else { return None };
    let public_key_info = start[..start.len() - after.len()].to_vec();
    let (_, _not_before, validity) = der_element(validity)?;
    let (tag, not_after, _) = der_element(validity)?;
    let valid_to_ms = parse_time(tag, not_after)?.checked_mul(1000)?;
    Some(CertificateFacts { public_key_info, valid_to_ms })
}

/// UTCTime (`YYMMDDHHMMSSZ`, tag 0x17) or GeneralizedTime (`YYYYMMDDHHMMSSZ`, 0x18), in
/// seconds since the epoch.
fn parse_time(tag: u8, value: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(value).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let short: i32 = text.get(..2)?.parse().ok()?;
            (if short >= 50 { 1900 + short } else { 2000 + short }, text.get(2..)?)
        }
        0x18 => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    if rest.len() != 10 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let field = |at: usize| rest.get(at..at + 2).and_then(|f| f.parse::<u8>().ok());
    let month = time::Month::try_from(field(0)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, field(2)?).ok()?;
    let time = time::Time::from_hms(field(4)?, field(6)?, field(8)?).ok()?;
    Some(time::PrimitiveDateTime::new(date, time).assume_utc().unix_timestamp())
}

/// One DER element: its tag, its contents and what follows it.
pub(crate) fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
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

/// The DER inside a PEM, with or without its `-----BEGIN ...-----` lines, as Keycloak
/// accepts private keys and certificates in its key providers' forms.
pub fn decode_pem(value: &str) -> Option<Vec<u8>> {
    let body: String = value
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(|line| line.chars().filter(|c| !c.is_whitespace()))
        .collect();
    STANDARD.decode(body).ok().filter(|der| !der.is_empty())
}
