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
use crate::token::json::JsonObject;
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

impl IssuedTokens {
    /// The token endpoint's JSON body, fields in Keycloak's order (`AccessTokenResponse`;
    /// `spec/keycloak-protocol.md` §1.6), written straight from the token set: it is
    /// written on every grant, and the tokens need no escaping.
    pub fn response_json(&self) -> Vec<u8> {
        let tokens = self.access_token.len()
            + self.refresh_token.as_ref().map_or(0, String::len)
            + self.id_token.as_ref().map_or(0, String::len);
        let mut body = JsonObject::with_capacity(tokens + 256);
        body.plain("access_token", &self.access_token);
        body.member("expires_in", &self.expires_in);
        body.member("refresh_expires_in", &self.refresh_expires_in);
        if let Some(refresh_token) = &self.refresh_token {
            body.plain("refresh_token", refresh_token);
        }
        body.member("token_type", self.token_type);
        if let Some(id_token) = &self.id_token {
            body.plain("id_token", id_token);
        }
        body.member("not-before-policy", &self.not_before_policy);
        if let Some(session_state) = &self.session_state {
            body.member("session_state", session_state);
        }
        body.member("scope", &self.scope);
        // Numbers and strings always serialize.
        body.finish().unwrap_or_default()
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

/// `{"roles":[…]}` of `realm_access` and each `resource_access` entry.
#[derive(serde::Serialize)]
struct Access<'a> {
    roles: &'a std::collections::BTreeSet<String>,
}

/// The claims that come last: profile and email claims, then the client's mappers for
/// `token_kind` (which replace a claim of the same name where it stands).
fn last_claims(
    request: &IssueRequest<'_>,
    session_id: Option<&str>,
    token_kind: &str,
) -> Map<String, Value> {
    let mut claims = Map::new();
    user_claims(request.user, request.scope, &mut claims);
    apply_mappers(request.client, session_id, token_kind, &mut claims);
    claims
}

fn written(claims: Option<Vec<u8>>) -> Result<Vec<u8>, IssueError> {
    claims.ok_or(IssueError::Key(KeyError::Rejected("claims do not serialize".into())))
}

/// Builds and signs the token set. Claims are written straight to JSON in Keycloak's
/// order (`json.rs`), then signed.
pub fn issue(request: &IssueRequest<'_>) -> Result<IssuedTokens, IssueError> {
    let now = request.now.secs();
    let session = request.session;
    let offline = session.is_some_and(|s| s.offline);
    let lifetimes = Lifetimes::for_session(request.realm, request.client, offline);
    let session_id = session.map(|s| s.id.as_str());
    let access_exp = lifetimes.access_expiry(session, now);
    let auth_time = session.map_or(now, |s| s.started);
    let token_scope = request.scope.token_scope();

    let mut access = JsonObject::with_capacity(1024);
    access.member("exp", &access_exp);
    access.member("iat", &now);
    access.member("jti", &access_token_id(session, request.grant));
    access.member("iss", request.issuer);
    let access_audience = audience(request);
    if let Some(aud) = &access_audience {
        access.member("aud", aud);
    }
    if request.scope.has("basic") {
        access.member("sub", &request.user.id);
    }
    // The access token's `typ` is the response's token type (`TokenManager.formatTokenType`),
    // so the lower-case attribute makes it "bearer" too (observed in 26.7.3).
    access.member("typ", token_type(request.client));
    access.member("azp", &request.client.client_id);
    if let Some(session_id) = session_id {
        access.member("sid", session_id);
    }
    if request.scope.has("acr") {
        access.member("acr", "1");
    }
    if request.scope.has("web-origins") {
        let origins: Vec<&String> =
            request.client.settings.web_origins.iter().filter(|o| *o != "+").collect();
        if !origins.is_empty() {
            access.member("allowed-origins", &origins);
        }
    }
    if request.scope.has("roles") {
        if !request.roles.realm.is_empty() {
            access.member("realm_access", &Access { roles: &request.roles.realm });
        }
        if !request.roles.clients.is_empty() {
            let resource_access: std::collections::BTreeMap<&str, Access<'_>> = request
                .roles
                .clients
                .iter()
                .map(|(client_id, roles)| (client_id.as_str(), Access { roles }))
                .collect();
            access.member("resource_access", &resource_access);
        }
    }
    access.member("scope", &token_scope);
    if request.grant == GrantType::ClientCredentials {
        access.member("client_id", &request.client.client_id);
        if let Some(address) = request.client_address {
            access.member("clientHost", address);
            access.member("clientAddress", address);
        }
    }
    let access_json =
        written(access.finish_with(last_claims(request, session_id, "access.token.claim")))?;
    let access_algorithm = request.client.access_token_algorithm(&request.realm.settings);
    let access_key =
        request.keys.signer(access_algorithm).ok_or(IssueError::NoKey(access_algorithm))?;
    let access_token = jwt::sign_json(access_key, &access_json)?;

    let mut refresh_token = None;
    let mut refresh_token_id = None;
    let mut refresh_expires_in = 0;
    if let (true, Some(session)) = (request.issue_refresh, session) {
        let refresh_exp = lifetimes.refresh_expiry(session, now);
        let token_id = crate::random::uuid();
        let mut refresh = JsonObject::with_capacity(640);
        // An offline token without a max lifespan has no `exp` (`TokenManager`
        // `AccessTokenResponseBuilder.generateRefreshToken`).
        if let Some(exp) = refresh_exp {
            refresh.member("exp", &exp);
        }
        refresh.member("iat", &now);
        refresh.plain("jti", &token_id);
        refresh.member("iss", request.issuer);
        refresh.member("aud", request.issuer);
        refresh.member("sub", &request.user.id);
        refresh.member("typ", if offline { TYP_OFFLINE } else { TYP_REFRESH });
        refresh.member("azp", &request.client.client_id);
        refresh.member("sid", &session.id);
        if request.client.has_mapper(MAPPER_SESSION_STATE) {
            refresh.member("session_state", &session.id);
        }
        // The session's scope, not a narrowed one: the next refresh may ask for it all.
        refresh.member("scope", &session.scope);
        if let Some(reuse_id) = request.reuse_id {
            refresh.member("reuse_id", reuse_id);
        }
        // Keycloak 26.7 copies the access token's audience and names the token
        // provider in refresh tokens (seen from 26.7.3: `"aud_x":"account","prov":"default"`).
        if let Some(aud) = &access_audience {
            refresh.member("aud_x", aud);
        }
        refresh.member("prov", "default");
        let hmac = request.keys.active_hmac().ok_or(IssueError::NoKey(Algorithm::HS512))?;
        refresh_token = Some(jwt::sign_json(SigningKey::Hmac(hmac), &written(refresh.finish())?)?);
        refresh_token_id = Some(token_id);
        refresh_expires_in = refresh_exp.map_or(0, |exp| exp - now);
    }

    // A refresh narrowed without `openid` still answers an ID token when the session
    // has `openid` (Keycloak 26.7.3).
    let wants_id_token =
        session.map_or(request.scope.openid, |s| s.scope.split(' ').any(|w| w == "openid"));
    let id_token = if wants_id_token {
        let id_algorithm = request.client.id_token_algorithm(&request.realm.settings);
        let id_key = request.keys.signer(id_algorithm).ok_or(IssueError::NoKey(id_algorithm))?;
        let mut id = JsonObject::with_capacity(1024);
        id.member("exp", &access_exp);
        id.member("iat", &now);
        id.member("auth_time", &auth_time);
        id.plain("jti", &crate::random::uuid());
        id.member("iss", request.issuer);
        id.member("aud", &request.client.client_id);
        id.member("sub", &request.user.id);
        id.member("typ", TYP_ID);
        id.member("azp", &request.client.client_id);
        if let Some(session_id) = session_id {
            id.member("sid", session_id);
        }
        id.plain("at_hash", &at_hash(id_algorithm, &access_token));
        if request.scope.has("acr") {
            id.member("acr", "1");
        }
        let id_json = written(id.finish_with(last_claims(request, session_id, "id.token.claim")))?;
        Some(jwt::sign_json(id_key, &id_json)?)
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
        scope: token_scope,
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
