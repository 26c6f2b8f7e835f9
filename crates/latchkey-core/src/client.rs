//! OAuth clients: public or confidential, with the switches the grants check.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::realm::RealmSettings;
use crate::secret::Secret;
use crate::token::algorithm::Algorithm;

/// Client attribute that makes the token response say `"token_type": "bearer"`
/// (`OIDCConfigAttributes.USE_LOWER_CASE_IN_TOKEN_RESPONSE`).
pub const ATTR_LOWER_CASE_BEARER: &str = "token.response.type.bearer.lower-case";
/// Client attribute overriding the realm's access token lifespan, in seconds.
pub const ATTR_ACCESS_TOKEN_LIFESPAN: &str = "access.token.lifespan";
/// Client attributes overriding the realm's client session idle and max.
pub const ATTR_CLIENT_SESSION_IDLE: &str = "client.session.idle.timeout";
pub const ATTR_CLIENT_SESSION_MAX: &str = "client.session.max.lifespan";
/// Client attribute turning refresh tokens off (`use.refresh.tokens`, default true).
pub const ATTR_USE_REFRESH_TOKENS: &str = "use.refresh.tokens";
/// Client attribute giving client-credentials grants a refresh token (default false).
pub const ATTR_CLIENT_CREDENTIALS_REFRESH: &str = "client_credentials.use_refresh_token";
/// Client attributes choosing the signature algorithm of its access tokens, ID tokens and
/// signed userinfo answers (`OIDCConfigAttributes`; the userinfo one is
/// `user.info.response.signature.alg` in 26.7.3, and setting it makes userinfo answer
/// `application/jwt`).
pub const ATTR_ACCESS_TOKEN_ALG: &str = "access.token.signed.response.alg";
pub const ATTR_ID_TOKEN_ALG: &str = "id.token.signed.response.alg";
pub const ATTR_USERINFO_ALG: &str = "user.info.response.signature.alg";
/// The attributes above, each naming one algorithm (or empty: the realm's default).
pub const SIGNATURE_ALGORITHM_ATTRIBUTES: [&str; 3] =
    [ATTR_ACCESS_TOKEN_ALG, ATTR_ID_TOKEN_ALG, ATTR_USERINFO_ALG];

/// A protocol mapper attached to a client or a client scope, in Keycloak's
/// representation (`ProtocolMapperRepresentation`). Written with `consentRequired: false`
/// between `protocolMapper` and `config`, as Keycloak 26.7.3 writes every mapper in the
/// Admin API and in exports (facts-12 §2.1, §2.5); `consentRequired` and `consentText`
/// are accepted on input and not kept (Keycloak ignores them since consent moved to
/// client scopes).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProtocolMapper {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    #[serde(default = "default_protocol")]
    pub protocol: String,
    pub protocol_mapper: String,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

fn default_protocol() -> String {
    "openid-connect".to_owned()
}

impl Serialize for ProtocolMapper {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut fields = serializer.serialize_struct("ProtocolMapper", 6)?;
        match &self.id {
            Some(id) => fields.serialize_field("id", id)?,
            None => fields.skip_field("id")?,
        }
        fields.serialize_field("name", &self.name)?;
        fields.serialize_field("protocol", &self.protocol)?;
        fields.serialize_field("protocolMapper", &self.protocol_mapper)?;
        fields.serialize_field("consentRequired", &false)?;
        fields.serialize_field("config", &self.config)?;
        fields.end()
    }
}

/// The parts of a client that are not its identity, kept together because they
/// travel together between storage, import and the grants.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientSettings {
    pub name: Option<String>,
    pub description: Option<String>,
    pub bearer_only: bool,
    pub consent_required: bool,
    pub standard_flow_enabled: bool,
    pub implicit_flow_enabled: bool,
    pub direct_access_grants_enabled: bool,
    pub service_accounts_enabled: bool,
    pub full_scope_allowed: bool,
    pub client_authenticator_type: String,
    pub protocol: String,
    pub root_url: Option<String>,
    pub base_url: Option<String>,
    pub redirect_uris: Vec<String>,
    pub web_origins: Vec<String>,
    pub attributes: BTreeMap<String, String>,
    pub protocol_mappers: Vec<ProtocolMapper>,
    pub default_client_scopes: Vec<String>,
    pub optional_client_scopes: Vec<String>,
    pub not_before: i64,
    /// Stored and given back; latchkey has no reverse-proxy mode that would read it.
    #[serde(default)]
    pub surrogate_auth_required: bool,
    /// Shown in the account console's application list (stored, not acted on).
    #[serde(default)]
    pub always_display_in_console: bool,
    /// Front-channel logout (stored, not acted on: latchkey has no browser logout).
    #[serde(default)]
    pub frontchannel_logout: bool,
    /// Cluster node re-registration (stored, not acted on).
    #[serde(default = "no_timeout")]
    pub node_re_registration_timeout: i64,
    /// Authentication flows by protocol (stored, not acted on).
    #[serde(default)]
    pub authentication_flow_binding_overrides: BTreeMap<String, String>,
}

/// Keycloak's `nodeReRegistrationTimeout` of a client that does not set it.
fn no_timeout() -> i64 {
    -1
}

impl Default for ClientSettings {
    fn default() -> Self {
        ClientSettings {
            name: None,
            description: None,
            bearer_only: false,
            consent_required: false,
            standard_flow_enabled: true,
            implicit_flow_enabled: false,
            direct_access_grants_enabled: false,
            service_accounts_enabled: false,
            full_scope_allowed: true,
            client_authenticator_type: "client-secret".to_owned(),
            protocol: "openid-connect".to_owned(),
            root_url: None,
            base_url: None,
            redirect_uris: Vec::new(),
            web_origins: Vec::new(),
            attributes: BTreeMap::new(),
            protocol_mappers: Vec::new(),
            default_client_scopes: crate::scope::DEFAULT_CLIENT_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            optional_client_scopes: crate::scope::OPTIONAL_CLIENT_SCOPES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            not_before: 0,
            surrogate_auth_required: false,
            always_display_in_console: false,
            frontchannel_logout: false,
            node_re_registration_timeout: no_timeout(),
            authentication_flow_binding_overrides: BTreeMap::new(),
        }
    }
}

/// `scheme://host[:port]` of an absolute URL; `None` for a relative one.
fn origin_of(url: &str) -> Option<&str> {
    let host_start = url.find("://")? + 3;
    let end = url[host_start..].find('/').map_or(url.len(), |i| host_start + i);
    Some(&url[..end])
}

impl ClientSettings {
    /// Whether a browser page at `origin` may call this client's endpoints
    /// (`WebOriginsUtils.resolveValidWebOrigins`): a listed web origin, `*` for any,
    /// or with `+` the origin of any redirect URI (relative ones through the root URL).
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.web_origins.iter().any(|allowed| match allowed.as_str() {
            "*" => true,
            "+" => self.redirect_uris.iter().any(|uri| {
                let absolute = if uri.starts_with('/') {
                    self.root_url.as_deref()
                } else {
                    Some(uri.as_str())
                };
                absolute.and_then(origin_of) == Some(origin)
            }),
            listed => listed.trim_end_matches('/') == origin,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    /// Internal UUID (`id` in the Admin API).
    pub id: String,
    pub realm_id: String,
    /// The OAuth `client_id`.
    pub client_id: String,
    pub enabled: bool,
    pub public_client: bool,
    /// Present for confidential clients.
    pub secret: Option<Secret>,
    pub settings: ClientSettings,
    /// The client's scopes and mappers as tokens need them, compiled by the realm
    /// snapshot (`ClaimPlan::compile`); empty on a client read from the store.
    pub claims: std::sync::Arc<crate::token::mappers::ClaimPlan>,
}

impl Client {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.settings.attributes.get(name).map(String::as_str)
    }

    fn attribute_is_true(&self, name: &str) -> bool {
        self.attribute(name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    fn attribute_secs(&self, name: &str) -> Option<i64> {
        self.attribute(name).and_then(|v| v.trim().parse::<i64>().ok()).filter(|v| *v != 0)
    }

    pub fn uses_lower_case_bearer(&self) -> bool {
        self.attribute_is_true(ATTR_LOWER_CASE_BEARER)
    }

    pub fn access_token_lifespan(&self) -> Option<i64> {
        self.attribute_secs(ATTR_ACCESS_TOKEN_LIFESPAN)
    }

    pub fn client_session_idle(&self) -> Option<i64> {
        self.attribute_secs(ATTR_CLIENT_SESSION_IDLE)
    }

    pub fn client_session_max(&self) -> Option<i64> {
        self.attribute_secs(ATTR_CLIENT_SESSION_MAX)
    }

    pub fn uses_refresh_tokens(&self) -> bool {
        !self.attribute(ATTR_USE_REFRESH_TOKENS).is_some_and(|v| v.eq_ignore_ascii_case("false"))
    }

    pub fn client_credentials_use_refresh_token(&self) -> bool {
        self.attribute_is_true(ATTR_CLIENT_CREDENTIALS_REFRESH)
    }

    /// The algorithm an attribute names; `None` when unset or empty (then the realm's
    /// default applies, as `DefaultTokenManager.signatureAlgorithm` decides).
    pub fn algorithm_attribute(&self, name: &str) -> Option<Algorithm> {
        self.attribute(name).and_then(Algorithm::parse)
    }

    /// The algorithm of this client's access tokens.
    pub fn access_token_algorithm(&self, realm: &RealmSettings) -> Algorithm {
        self.algorithm_attribute(ATTR_ACCESS_TOKEN_ALG)
            .unwrap_or_else(|| realm.signature_algorithm())
    }

    /// The algorithm of this client's ID tokens.
    pub fn id_token_algorithm(&self, realm: &RealmSettings) -> Algorithm {
        self.algorithm_attribute(ATTR_ID_TOKEN_ALG).unwrap_or_else(|| realm.signature_algorithm())
    }

    /// The algorithm of this client's signed userinfo answers; `None`: plain JSON.
    pub fn userinfo_algorithm(&self) -> Option<Algorithm> {
        self.algorithm_attribute(ATTR_USERINFO_ALG)
    }

    pub fn has_mapper(&self, protocol_mapper: &str) -> bool {
        self.settings.protocol_mappers.iter().any(|m| m.protocol_mapper == protocol_mapper)
    }
}

#[cfg(test)]
mod origin_tests {
    use super::ClientSettings;

    fn settings(web_origins: &[&str], redirect_uris: &[&str]) -> ClientSettings {
        ClientSettings {
            web_origins: web_origins.iter().map(|s| (*s).to_owned()).collect(),
            redirect_uris: redirect_uris.iter().map(|s| (*s).to_owned()).collect(),
            root_url: Some("https://root.example:8443/app".to_owned()),
            ..ClientSettings::default()
        }
    }

    #[test]
    fn listed_origins_only() {
        let client = settings(&["http://good.example"], &[]);
        assert!(client.allows_origin("http://good.example"));
        assert!(!client.allows_origin("http://evil.example"));
        assert!(!client.allows_origin("http://good.example.evil"));
        assert!(!settings(&[], &[]).allows_origin("http://good.example"));
    }

    #[test]
    fn star_allows_any_origin() {
        assert!(settings(&["*"], &[]).allows_origin("http://anything.example"));
    }

    #[test]
    fn plus_means_the_redirect_uris_origins() {
        let client = settings(&["+"], &["http://localhost:3000/*", "/callback"]);
        assert!(client.allows_origin("http://localhost:3000"));
        assert!(client.allows_origin("https://root.example:8443"));
        assert!(!client.allows_origin("http://localhost:3001"));
    }
}
