//! Client scopes (Keycloak's `ClientScopeModel`): named sets of protocol mappers and scope
//! mappings a client gets by default or when it asks, the realm's default and optional
//! scopes that new clients start with, and the scopes every new realm gets.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::client::ProtocolMapper;

/// Scope attribute saying whether the scope's name is written into a token's `scope`.
pub const ATTR_INCLUDE_IN_TOKEN_SCOPE: &str = "include.in.token.scope";
/// Scope attribute saying whether a consent screen lists the scope.
pub const ATTR_DISPLAY_ON_CONSENT_SCREEN: &str = "display.on.consent.screen";

/// One client scope of a realm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientScope {
    pub id: String,
    pub realm_id: String,
    pub name: String,
    pub description: Option<String>,
    /// `openid-connect` or `saml`.
    pub protocol: String,
    pub attributes: BTreeMap<String, String>,
    /// In the order they were added; each has an id.
    pub protocol_mappers: Vec<ProtocolMapper>,
    /// Scope mappings: the realm and client roles this scope lets into a token of a
    /// client without `fullScopeAllowed`.
    pub role_ids: Vec<String>,
}

impl ClientScope {
    /// Whether the scope's name goes into a token's `scope` (`include.in.token.scope`,
    /// true when absent, as `ClientScopeModel.isIncludeInTokenScope` reads it).
    pub fn is_included_in_token_scope(&self) -> bool {
        self.attributes
            .get(ATTR_INCLUDE_IN_TOKEN_SCOPE)
            .is_none_or(|value| value.eq_ignore_ascii_case("true"))
    }
}

/// Whether `name` may name a client scope: one or more of the characters of an OAuth
/// scope token (RFC 6749 §3.3, `NQCHAR` without `"` and `\\`), at most 255 of them (the
/// column's width). Keycloak 26.7.3 refuses the others with `Unexpected name "…" for
/// ClientScope` (observed: space, tab, `é`, `"`, `\\` and the empty name refused; `/`,
/// `,`, `:`, `+`, `%`, `~` accepted; 256 characters answer 500 there).
pub fn is_valid_scope_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name.bytes().all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

/// The protocols a client scope may have (`LoginProtocolFactory` ids of Keycloak 26.7.3).
pub const PROTOCOLS: [&str; 3] = ["openid-connect", "saml", "docker-v2"];

/// Every protocol mapper type Keycloak 26.7.3 knows (`GET /admin/serverinfo`,
/// `protocolMapperTypes`, recorded 2026-12-07). A mapper of another type is refused with
/// `404 ProtocolMapper provider not found`; latchkey stores the types it does not act on
/// and leaves them out of tokens (`token/mappers.rs`).
pub const PROTOCOL_MAPPER_TYPES: [&str; 39] = [
    "docker-v2-allow-all-mapper",
    "oidc-acr-mapper",
    "oidc-address-mapper",
    "oidc-allowed-origins-mapper",
    "oidc-amr-mapper",
    "oidc-audience-mapper",
    "oidc-audience-resolve-mapper",
    "oidc-claims-param-token-mapper",
    "oidc-claims-param-value-idtoken-mapper",
    "oidc-full-name-mapper",
    "oidc-group-membership-mapper",
    "oidc-hardcoded-claim-mapper",
    "oidc-hardcoded-role-mapper",
    "oidc-nonce-backwards-compatible-mapper",
    "oidc-organization-group-membership-mapper",
    "oidc-organization-membership-mapper",
    "oidc-role-name-mapper",
    "oidc-session-state-mapper",
    "oidc-sha256-pairwise-sub-mapper",
    "oidc-sub-mapper",
    "oidc-usermodel-attribute-mapper",
    "oidc-usermodel-client-role-mapper",
    "oidc-usermodel-property-mapper",
    "oidc-usermodel-realm-role-mapper",
    "oidc-usersessionmodel-note-mapper",
    "saml-audience-mapper",
    "saml-audience-resolve-mapper",
    "saml-authn-context-class-ref-mapper",
    "saml-group-membership-mapper",
    "saml-hardcode-attribute-mapper",
    "saml-hardcode-role-mapper",
    "saml-organization-group-membership-mapper",
    "saml-organization-membership-mapper",
    "saml-role-list-mapper",
    "saml-role-name-mapper",
    "saml-user-attribute-mapper",
    "saml-user-attribute-nameid-mapper",
    "saml-user-property-mapper",
    "saml-user-session-note-mapper",
];

/// A mapper as `…/protocol-mappers/models` shows it: an OpenID Connect mapper that puts
/// its claim in the access token and says nothing of introspection shows
/// `introspection.token.claim: "true"`, the default the claim follows (observed in
/// 26.7.3, facts-12 §2.5; the client and scope representations show the stored config).
pub fn mapper_model_view(mapper: &ProtocolMapper) -> ProtocolMapper {
    let mut view = mapper.clone();
    let in_access_token = mapper.config.get("access.token.claim").is_some_and(|v| v == "true");
    if mapper.protocol == "openid-connect" && in_access_token {
        view.config
            .entry("introspection.token.claim".to_owned())
            .or_insert_with(|| "true".to_owned());
    }
    view
}

/// Whether a scope of the realm is given to new clients as a default scope or an
/// optional one (Keycloak's `DEFAULT_CLIENT_SCOPE` table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    Default,
    Optional,
}

/// One entry of the realm's default client scopes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealmDefaultScope {
    pub scope_id: String,
    pub kind: ScopeKind,
}

/// A built-in scope as recorded from a fresh Keycloak 26.7.3 realm
/// (`GET /admin/realms/{realm}/client-scopes`, facts 2.1), without ids.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuiltInScope {
    name: String,
    description: Option<String>,
    protocol: String,
    attributes: BTreeMap<String, String>,
    protocol_mappers: Vec<BuiltInMapper>,
    realm_default: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BuiltInMapper {
    name: String,
    protocol: String,
    protocol_mapper: String,
    config: BTreeMap<String, String>,
}

/// The built-in scopes of Keycloak 26.7.3, with their mappers' configuration, in the
/// order of the realm's default then optional scopes (`service_account` last, in
/// neither). The same data seeds existing realms in migration 0012.
const BUILT_IN_SCOPES: &str = include_str!("client_scope/built_in.json");

/// The scopes a new realm gets, with fresh ids, and the realm's default and optional
/// scopes among them in Keycloak's order (`RealmManager.setupClientScopes`,
/// `DefaultClientScopes.createDefaultClientScopes`).
pub fn built_in_scopes(realm_id: &str) -> (Vec<ClientScope>, Vec<RealmDefaultScope>) {
    // The file is part of the binary and parsed by a unit test: it always parses.
    let recorded: Vec<BuiltInScope> = serde_json::from_str(BUILT_IN_SCOPES).unwrap_or_default();
    let mut scopes = Vec::with_capacity(recorded.len());
    let mut defaults = Vec::new();
    for built_in in recorded {
        let id = crate::random::uuid();
        let kind = match built_in.realm_default.as_deref() {
            Some("default") => Some(ScopeKind::Default),
            Some("optional") => Some(ScopeKind::Optional),
            _ => None,
        };
        if let Some(kind) = kind {
            defaults.push(RealmDefaultScope { scope_id: id.clone(), kind });
        }
        scopes.push(ClientScope {
            id,
            realm_id: realm_id.to_owned(),
            name: built_in.name,
            description: built_in.description,
            protocol: built_in.protocol,
            attributes: built_in.attributes,
            protocol_mappers: built_in
                .protocol_mappers
                .into_iter()
                .map(|mapper| ProtocolMapper {
                    id: Some(crate::random::uuid()),
                    name: mapper.name,
                    protocol: mapper.protocol,
                    protocol_mapper: mapper.protocol_mapper,
                    config: mapper.config,
                })
                .collect(),
            role_ids: Vec::new(),
        });
    }
    (scopes, defaults)
}

#[cfg(test)]
mod tests;
