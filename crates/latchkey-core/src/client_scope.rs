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
