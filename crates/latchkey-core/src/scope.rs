//! Client scopes: which ones a client has, which a request may ask for, and the
//! `scope` string of tokens (`OIDCLoginProtocolFactory`, `TokenManager`).

use crate::client::Client;
use crate::oauth_error::OAuthError;
use crate::token::mappers::ClaimPlan;

/// Scopes every new client gets as default (`OIDCLoginProtocolFactory`, KC 26).
pub const DEFAULT_CLIENT_SCOPES: &[&str] =
    &["web-origins", "acr", "profile", "roles", "basic", "email"];
/// Scopes every new client may ask for.
pub const OPTIONAL_CLIENT_SCOPES: &[&str] =
    &["address", "phone", "offline_access", "microprofile-jwt", "organization"];

/// The scopes a grant ends up with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantedScope {
    pub openid: bool,
    /// Client scope names, defaults first then the optional ones asked for.
    pub scopes: Vec<String>,
}

impl GrantedScope {
    /// Resolves the `scope` parameter against the client's scopes (those the realm has:
    /// its compiled plan). Unknown names fail with `Invalid scopes: <parameter as sent>`
    /// (`TokenManager.isValidScope`).
    pub fn resolve(client: &Client, requested: Option<&str>) -> Result<Self, OAuthError> {
        let plan = &client.claims;
        let mut granted = GrantedScope {
            openid: false,
            scopes: plan.default_scopes.iter().map(|s| s.name.clone()).collect(),
        };
        let Some(requested) = requested else { return Ok(granted) };
        for word in requested.split(' ').filter(|w| !w.is_empty()) {
            if word == "openid" {
                granted.openid = true;
            } else if plan.is_default(word) {
                continue;
            } else if plan.is_optional(word) {
                if !granted.scopes.iter().any(|s| s == word) {
                    granted.scopes.push(word.to_owned());
                }
            } else {
                return Err(OAuthError::new(
                    crate::oauth_error::Refusal::BadRequest,
                    "invalid_scope",
                    format!("Invalid scopes: {requested}"),
                ));
            }
        }
        Ok(granted)
    }

    /// Parses the full scope string kept in a refresh token.
    pub fn from_refresh_scope(scope: &str) -> Self {
        let mut granted = GrantedScope { openid: false, scopes: Vec::new() };
        for word in scope.split(' ').filter(|w| !w.is_empty()) {
            if word == "openid" {
                granted.openid = true;
            } else {
                granted.scopes.push(word.to_owned());
            }
        }
        granted
    }

    /// The scope of a refresh's new access token when the request sends `scope`: the
    /// client's default scopes, plus the session's optional scopes and `openid` only if
    /// asked again. Words the session never had are ignored, not refused. Seen from
    /// Keycloak 26.7.3: a session of `openid email profile address` refreshed with
    /// `scope=email` answers `email profile`; the refresh token keeps the session's scope.
    pub fn narrowed(&self, requested: Option<&str>, client: &Client) -> Self {
        let Some(requested) = requested else { return self.clone() };
        let asked: Vec<&str> = requested.split(' ').filter(|w| !w.is_empty()).collect();
        let plan = &client.claims;
        GrantedScope {
            openid: self.openid && asked.contains(&"openid"),
            scopes: self
                .scopes
                .iter()
                .filter(|s| plan.is_default(s) || asked.contains(&s.as_str()))
                .cloned()
                .collect(),
        }
    }

    pub fn has(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The `scope` of the access token and token response: `openid`, then the granted
    /// scopes the client has whose `include.in.token.scope` is on.
    pub fn token_scope(&self, plan: &ClaimPlan) -> String {
        let shown = plan.active(&self.scopes).filter(|s| s.include_in_token_scope);
        let words: Vec<&str> = self
            .openid
            .then_some("openid")
            .into_iter()
            .chain(shown.map(|s| s.name.as_str()))
            .collect();
        words.join(" ")
    }

    /// The session's scope, kept in refresh tokens: every granted scope, those shown in
    /// tokens first, so a refresh keeps all of them.
    pub fn full_scope(&self, plan: &ClaimPlan) -> String {
        let active = || plan.active(&self.scopes);
        let words: Vec<&str> = self
            .openid
            .then_some("openid")
            .into_iter()
            .chain(active().filter(|s| s.include_in_token_scope).map(|s| s.name.as_str()))
            .chain(active().filter(|s| !s.include_in_token_scope).map(|s| s.name.as_str()))
            .collect();
        words.join(" ")
    }
}
