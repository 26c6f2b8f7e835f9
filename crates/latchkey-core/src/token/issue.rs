//! Builds and signs a token set: access, refresh and ID tokens with Keycloak's
//! claim layout (`TokenManager.initToken`, the default scopes' protocol mappers,
//! `AccessTokenResponseBuilder`), and the token response body.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use crate::client::Client;
use crate::grant::GrantType;
use crate::realm::Realm;
use crate::role::EffectiveRoles;
use crate::scope::GrantedScope;
use crate::session::Session;
use crate::time::UnixMillis;
use crate::token::algorithm::Algorithm;
use crate::token::claims::{Audience, TYP_BEARER, TYP_ID, TYP_OFFLINE, TYP_REFRESH};
use crate::token::jwt;
use crate::token::keys::{KeyError, KeySet, SigningKey};
use crate::token::lifetimes::Lifetimes;
use crate::user::User;

/// Protocol mapper adding a fixed claim (`HardcodedClaim`).
pub const MAPPER_HARDCODED_CLAIM: &str = "oidc-hardcoded-claim-mapper";
/// Protocol mapper restoring the `session_state` claim removed in Keycloak 25 (`SessionStateMapper`).
pub const MAPPER_SESSION_STATE: &str = "oidc-session-state-mapper";
/// Protocol mapper adding a client or custom audience (`AudienceProtocolMapper`).
pub const MAPPER_AUDIENCE: &str = "oidc-audience-mapper";

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("the realm has no active {0} key")]
    NoKey(Algorithm),
    #[error(transparent)]
    Key(#[from] KeyError),
}

/// Everything a token set is made from.
#[derive(Debug)]
pub struct IssueRequest<'a> {
    pub realm: &'a Realm,
    pub client: &'a Client,
    pub user: &'a User,
    pub roles: &'a EffectiveRoles,
    /// The user session; `None` for client credentials without a refresh token.
    pub session: Option<&'a Session>,
    pub scope: &'a GrantedScope,
    pub issuer: &'a str,
    pub grant: GrantType,
    pub keys: &'a KeySet,
    pub now: UnixMillis,
    /// Whether a refresh token is issued (needs `session`).
    pub issue_refresh: bool,
    /// Chain id for Revoke Refresh Token, carried from token to token.
    pub reuse_id: Option<&'a str>,
    /// The caller's address, for service-account claims.
    pub client_address: Option<&'a str>,
}

/// A signed token set and the numbers of the response.
#[derive(Debug, Clone)]
pub struct IssuedTokens {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: Option<String>,
    pub refresh_expires_in: i64,
    /// `jti` of the refresh token, for reuse detection.
    pub refresh_token_id: Option<String>,
    pub id_token: Option<String>,
    pub token_type: &'static str,
    pub not_before_policy: i64,
    pub session_state: Option<String>,
    pub scope: String,
}

/// The token endpoint's JSON body, fields in Keycloak's order (`AccessTokenResponse`;
/// `spec/keycloak-protocol.md` §1.6). Serialized straight from the token set, with no
/// intermediate JSON tree: it is written on every grant.
#[derive(Debug, serde::Serialize)]
pub struct ResponseBody<'a> {
    access_token: &'a str,
    expires_in: i64,
    refresh_expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
    token_type: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_token: Option<&'a str>,
    #[serde(rename = "not-before-policy")]
    not_before_policy: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_state: Option<&'a str>,
    scope: &'a str,
}

impl IssuedTokens {
    /// The token endpoint's JSON body.
    pub fn response_body(&self) -> ResponseBody<'_> {
        ResponseBody {
            access_token: &self.access_token,
            expires_in: self.expires_in,
            refresh_expires_in: self.refresh_expires_in,
            refresh_token: self.refresh_token.as_deref(),
            token_type: self.token_type,
            id_token: self.id_token.as_deref(),
            not_before_policy: self.not_before_policy,
            session_state: self.session_state.as_deref(),
            scope: &self.scope,
        }
    }
}

/// Every algorithm the realm's tokens may be signed with: the realm's default and what
/// each client asks for its access tokens, ID tokens and signed userinfo answers. Each
/// needs an active key (Keycloak makes a `fallback-<alg>` key for one that has none).
pub fn algorithms_in_use<'a>(
    realm: &Realm,
    clients: impl IntoIterator<Item = &'a Client>,
) -> std::collections::BTreeSet<Algorithm> {
    let mut algorithms = std::collections::BTreeSet::from([realm.settings.signature_algorithm()]);
    for client in clients {
        algorithms.insert(client.access_token_algorithm(&realm.settings));
        algorithms.insert(client.id_token_algorithm(&realm.settings));
        algorithms.extend(client.userinfo_algorithm());
    }
    algorithms
}

/// `<session type>rt<grant>:<uuid>`: `on`line, `of`fline or `tr`ansient (no session),
/// as Keycloak 26 writes it (`onrtro:…` for a password grant).
fn access_token_id(session: Option<&Session>, grant: GrantType) -> String {
    let session_type = match session {
        Some(session) if session.offline => "of",
        Some(_) => "on",
        None => "tr",
    };
    format!("{session_type}rt{}:{}", grant.short_name(), crate::random::uuid())
}

fn hardcoded_value(config: &std::collections::BTreeMap<String, String>) -> Option<Value> {
    let raw = config.get("claim.value")?;
    let typed = match config.get("jsonType.label").map(String::as_str) {
        Some("long") | Some("int") => raw.trim().parse::<i64>().map(Value::from).ok(),
        Some("boolean") => raw.trim().parse::<bool>().map(Value::from).ok(),
        Some("JSON") => serde_json::from_str(raw).ok(),
        _ => None,
    };
    Some(typed.unwrap_or_else(|| Value::from(raw.clone())))
}

fn mapper_applies(config: &std::collections::BTreeMap<String, String>, token: &str) -> bool {
    config.get(token).is_none_or(|v| v.eq_ignore_ascii_case("true"))
}

/// Adds the claims of the client's mappers for one token kind
/// (`access.token.claim`, `id.token.claim`, `userinfo.token.claim`, ...).
pub fn apply_mappers(
    client: &Client,
    session_id: Option<&str>,
    token_kind: &str,
    claims: &mut Map<String, Value>,
) {
    for mapper in &client.settings.protocol_mappers {
        if !mapper_applies(&mapper.config, token_kind) {
            continue;
        }
        match mapper.protocol_mapper.as_str() {
            MAPPER_HARDCODED_CLAIM => {
                if let (Some(name), Some(value)) =
                    (mapper.config.get("claim.name"), hardcoded_value(&mapper.config))
                {
                    claims.insert(name.clone(), value);
                }
            }
            MAPPER_SESSION_STATE => {
                if let Some(session_id) = session_id {
                    claims.insert("session_state".into(), json!(session_id));
                }
            }
            _ => {}
        }
    }
}

fn audience(request: &IssueRequest<'_>) -> Option<Audience> {
    let mut audience: Vec<String> = Vec::new();
    if request.scope.has("roles") {
        audience.extend(
            request.roles.clients.keys().filter(|c| **c != request.client.client_id).cloned(),
        );
    }
    for mapper in &request.client.settings.protocol_mappers {
        if mapper.protocol_mapper != MAPPER_AUDIENCE
            || !mapper_applies(&mapper.config, "access.token.claim")
        {
            continue;
        }
        for key in ["included.client.audience", "included.custom.audience"] {
            if let Some(value) = mapper.config.get(key).filter(|v| !v.is_empty())
                && !audience.contains(value)
            {
                audience.push(value.clone());
            }
        }
    }
    Audience::from_list(audience)
}

/// Profile and email claims, shared by access tokens, ID tokens and userinfo.
pub fn user_claims(user: &User, scope: &GrantedScope, claims: &mut Map<String, Value>) {
    if scope.has("email") {
        claims.insert("email_verified".into(), json!(user.profile.email_verified));
    }
    if scope.has("profile") {
        if let Some(name) = user.full_name() {
            claims.insert("name".into(), json!(name));
        }
        claims.insert("preferred_username".into(), json!(user.username));
        if let Some(first) = &user.profile.first_name {
            claims.insert("given_name".into(), json!(first));
        }
        if let Some(last) = &user.profile.last_name {
            claims.insert("family_name".into(), json!(last));
        }
    }
    if scope.has("email")
        && let Some(email) = &user.profile.email
    {
        claims.insert("email".into(), json!(email));
    }
}

/// Builds and signs the token set.
pub fn issue(request: &IssueRequest<'_>) -> Result<IssuedTokens, IssueError> {
    let now = request.now.secs();
    let session = request.session;
    let offline = session.is_some_and(|s| s.offline);
    let lifetimes = Lifetimes::for_session(request.realm, request.client, offline);
    let session_id = session.map(|s| s.id.as_str());
    let access_exp = lifetimes.access_expiry(session, now);
    let auth_time = session.map_or(now, |s| s.started);

    // Sized for the usual claims, so the map does not grow while it is filled.
    let mut access = Map::with_capacity(24);
    access.insert("exp".into(), json!(access_exp));
    access.insert("iat".into(), json!(now));
    access.insert("jti".into(), json!(access_token_id(session, request.grant)));
    access.insert("iss".into(), json!(request.issuer));
    let access_audience = audience(request);
    if let Some(aud) = &access_audience {
        access.insert("aud".into(), json!(aud));
    }
    if request.scope.has("basic") {
        access.insert("sub".into(), json!(request.user.id));
    }
    // The access token's `typ` is the response's token type (`TokenManager.formatTokenType`),
    // so the lower-case attribute makes it "bearer" too (observed in 26.7.3).
    access.insert("typ".into(), json!(token_type(request.client)));
    access.insert("azp".into(), json!(request.client.client_id));
    if let Some(session_id) = session_id {
        access.insert("sid".into(), json!(session_id));
    }
    if request.scope.has("acr") {
        access.insert("acr".into(), json!("1"));
    }
    if request.scope.has("web-origins") {
        let origins: Vec<&String> =
            request.client.settings.web_origins.iter().filter(|o| *o != "+").collect();
        if !origins.is_empty() {
            access.insert("allowed-origins".into(), json!(origins));
        }
    }
    if request.scope.has("roles") {
        if !request.roles.realm.is_empty() {
            access.insert("realm_access".into(), json!({ "roles": request.roles.realm }));
        }
        if !request.roles.clients.is_empty() {
            let resource_access: Map<String, Value> = request
                .roles
                .clients
                .iter()
                .map(|(client_id, roles)| (client_id.clone(), json!({ "roles": roles })))
                .collect();
            access.insert("resource_access".into(), Value::Object(resource_access));
        }
    }
    access.insert("scope".into(), json!(request.scope.token_scope()));
    if request.grant == GrantType::ClientCredentials {
        access.insert("client_id".into(), json!(request.client.client_id));
        if let Some(address) = request.client_address {
            access.insert("clientHost".into(), json!(address));
            access.insert("clientAddress".into(), json!(address));
        }
    }
    user_claims(request.user, request.scope, &mut access);
    apply_mappers(request.client, session_id, "access.token.claim", &mut access);
    let access_algorithm = request.client.access_token_algorithm(&request.realm.settings);
    let access_key =
        request.keys.signer(access_algorithm).ok_or(IssueError::NoKey(access_algorithm))?;
    let access_token = jwt::sign(access_key, &access)?;

    let mut refresh_token = None;
    let mut refresh_token_id = None;
    let mut refresh_expires_in = 0;
    if let (true, Some(session)) = (request.issue_refresh, session) {
        let refresh_exp = lifetimes.refresh_expiry(session, now);
        let token_id = crate::random::uuid();
        let mut refresh = Map::with_capacity(16);
        // An offline token without a max lifespan has no `exp` (`TokenManager`
        // `AccessTokenResponseBuilder.generateRefreshToken`).
        if let Some(exp) = refresh_exp {
            refresh.insert("exp".into(), json!(exp));
        }
        refresh.insert("iat".into(), json!(now));
        refresh.insert("jti".into(), json!(token_id));
        refresh.insert("iss".into(), json!(request.issuer));
        refresh.insert("aud".into(), json!(request.issuer));
        refresh.insert("sub".into(), json!(request.user.id));
        refresh.insert("typ".into(), json!(if offline { TYP_OFFLINE } else { TYP_REFRESH }));
        refresh.insert("azp".into(), json!(request.client.client_id));
        refresh.insert("sid".into(), json!(session.id));
        if request.client.has_mapper(MAPPER_SESSION_STATE) {
            refresh.insert("session_state".into(), json!(session.id));
        }
        // The session's scope, not a narrowed one: the next refresh may ask for it all.
        refresh.insert("scope".into(), json!(session.scope));
        if let Some(reuse_id) = request.reuse_id {
            refresh.insert("reuse_id".into(), json!(reuse_id));
        }
        // Keycloak 26.7 copies the access token's audience and names the token
        // provider in refresh tokens (seen from 26.7.3: `"aud_x":"account","prov":"default"`).
        if let Some(aud) = &access_audience {
            refresh.insert("aud_x".into(), json!(aud));
        }
        refresh.insert("prov".into(), json!("default"));
        let hmac = request.keys.active_hmac().ok_or(IssueError::NoKey(Algorithm::HS512))?;
        refresh_token = Some(jwt::sign(SigningKey::Hmac(hmac), &refresh)?);
        refresh_token_id = Some(token_id);
        refresh_expires_in = refresh_exp.map_or(0, |exp| exp - now);
    }

    // A refresh narrowed without `openid` still answers an ID token when the session
    // has `openid` (Keycloak 26.7.3).
    let wants_id_token =
        session.map_or(request.scope.openid, |s| s.scope.split(' ').any(|w| w == "openid"));
    let id_token = if wants_id_token {
        let mut id = Map::with_capacity(24);
        id.insert("exp".into(), json!(access_exp));
        id.insert("iat".into(), json!(now));
        id.insert("auth_time".into(), json!(auth_time));
        id.insert("jti".into(), json!(crate::random::uuid()));
        id.insert("iss".into(), json!(request.issuer));
        id.insert("aud".into(), json!(request.client.client_id));
        id.insert("sub".into(), json!(request.user.id));
        id.insert("typ".into(), json!(TYP_ID));
        id.insert("azp".into(), json!(request.client.client_id));
        if let Some(session_id) = session_id {
            id.insert("sid".into(), json!(session_id));
        }
        let id_algorithm = request.client.id_token_algorithm(&request.realm.settings);
        let id_key = request.keys.signer(id_algorithm).ok_or(IssueError::NoKey(id_algorithm))?;
        id.insert("at_hash".into(), json!(at_hash(id_algorithm, &access_token)));
        if request.scope.has("acr") {
            id.insert("acr".into(), json!("1"));
        }
        user_claims(request.user, request.scope, &mut id);
        apply_mappers(request.client, session_id, "id.token.claim", &mut id);
        Some(jwt::sign(id_key, &id)?)
    } else {
        None
    };

    let not_before_policy = request
        .realm
        .settings
        .not_before
        .max(request.client.settings.not_before)
        .max(request.user.profile.not_before);
    Ok(IssuedTokens {
        access_token,
        expires_in: access_exp.saturating_sub(now),
        refresh_token,
        refresh_expires_in,
        refresh_token_id,
        id_token,
        token_type: token_type(request.client),
        not_before_policy,
        session_state: session_id.map(str::to_owned),
        scope: request.scope.token_scope(),
    })
}

fn token_type(client: &Client) -> &'static str {
    if client.uses_lower_case_bearer() { "bearer" } else { TYP_BEARER }
}

/// Left half of the access token's hash under the ID token's algorithm, Base64URL
/// (OIDC Core §3.1.3.6; SHA-512 for EdDSA, as Keycloak 26.7.3 computes it).
pub fn at_hash(id_token_algorithm: Algorithm, access_token: &str) -> String {
    let digest = aws_lc_rs::digest::digest(
        id_token_algorithm.half_hash_algorithm(),
        access_token.as_bytes(),
    );
    let digest = digest.as_ref();
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

#[cfg(test)]
mod tests;
