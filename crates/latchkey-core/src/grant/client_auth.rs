//! Client authentication: `client_secret_basic` and `client_secret_post`
//! (`ClientIdAndSecretAuthenticator`, `AuthenticationProcessor`, `BasicAuthHelper.RFC6749`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::client::Client;
use crate::oauth_error::{OAuthError, Refusal};

/// What the request presented, from the `Authorization` header and the form.
#[derive(Clone, Debug, Default)]
pub struct PresentedClient {
    pub client_id: Option<String>,
    pub secret: Option<String>,
}

/// Splits `Basic base64(id:secret)` into its form-decoded halves (RFC 6749 §2.3.1).
pub fn parse_basic(header: &str) -> Option<(String, String)> {
    let (scheme, value) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(value.trim()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((form_decode(id), form_decode(secret)))
}

/// `application/x-www-form-urlencoded` decoding of one value; left as is when it is not
/// valid encoding (Keycloak decodes only halves that "contain valid URL encoding").
fn form_decode(value: &str) -> String {
    let replaced = value.replace('+', " ");
    let bytes = replaced.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes.get(index + 1..index + 3).and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(byte) => {
                    out.push(byte);
                    index += 3;
                }
                None => return value.to_owned(),
            }
        } else {
            out.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| value.to_owned())
}

impl PresentedClient {
    /// Combines header and form; form values win (`ClientIdAndSecretAuthenticator`).
    pub fn from_parts(
        authorization: Option<&str>,
        form_client_id: Option<&str>,
        form_secret: Option<&str>,
    ) -> Self {
        let mut presented = PresentedClient::default();
        if let Some((id, secret)) = authorization.and_then(parse_basic) {
            presented.client_id = Some(id);
            presented.secret = Some(secret);
        }
        if let Some(id) = form_client_id {
            if presented.client_id.as_deref() != Some(id) {
                presented.secret = None;
            }
            presented.client_id = Some(id.to_owned());
        }
        if let Some(secret) = form_secret {
            presented.secret = Some(secret.to_owned());
        }
        presented
    }
}

/// Decides client authentication once the client named by `presented` was looked up.
pub fn authenticate_client(
    presented: &PresentedClient,
    client: Option<&Client>,
) -> Result<(), OAuthError> {
    // An unusable `Authorization` header without a form `client_id` is a plain
    // `invalid_client` in Keycloak 26.7.3 (observed), not a Basic challenge.
    let Some(_) = presented.client_id.as_deref() else {
        return Err(OAuthError::invalid_client());
    };
    let Some(client) = client else { return Err(OAuthError::invalid_client()) };
    if !client.enabled {
        return Err(OAuthError::invalid_client());
    }
    if client.settings.protocol != "openid-connect" {
        return Err(OAuthError::new(
            Refusal::BadRequest,
            "invalid_client",
            "Wrong client protocol.",
        ));
    }
    if client.public_client {
        return Ok(());
    }
    let Some(presented_secret) = presented.secret.as_deref() else {
        return Err(OAuthError::unauthorized_client());
    };
    match &client.secret {
        Some(secret) if secret.matches(presented_secret) => {}
        _ => return Err(OAuthError::unauthorized_client()),
    }
    if client.settings.bearer_only {
        return Err(OAuthError::new(
            Refusal::BadRequest,
            "invalid_client",
            "Bearer-only not allowed",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_is_base64_then_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("my%20app:s3+cret"));
        assert_eq!(parse_basic(&header), Some(("my app".into(), "s3 cret".into())));
        assert_eq!(parse_basic("Bearer abc"), None);
        assert_eq!(parse_basic("Basic !!!"), None);
    }

    #[test]
    fn form_client_id_overrides_header_and_drops_its_secret() {
        let header = format!("basic {}", STANDARD.encode("a:secret-a"));
        let presented = PresentedClient::from_parts(Some(&header), Some("b"), None);
        assert_eq!(presented.client_id.as_deref(), Some("b"));
        assert_eq!(presented.secret, None);
    }
}
