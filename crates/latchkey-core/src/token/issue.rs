//! Builds and signs a token set: access, refresh and ID tokens with Keycloak's
//! claim layout (`TokenManager.initToken`, the granted scopes' and the client's protocol
//! mappers as compiled in `mappers.rs`, `AccessTokenResponseBuilder`), and the token
//! response body.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

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
use crate::token::mappers::{
    self, ClaimSource, CompiledScope, Mapper, Mapping, MemberOf, TokenKind,
};
use crate::user::User;

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
    /// The user's groups, for group membership mappers (empty unless
    /// `ClaimPlan::needs_groups`).
    pub groups: &'a [MemberOf],
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

/// The mappers a token runs: the granted scopes' (in their order), then the client's
/// own, so that a client's mapper has the last word on a claim.
fn active_mappers<'a>(
    client: &'a Client,
    scope: &'a GrantedScope,
) -> impl Iterator<Item = &'a Mapper> + Clone {
    client
        .claims
        .active(&scope.scopes)
        .flat_map(|s| s.mappers.iter())
        .chain(client.claims.client_mappers.iter())
}

fn has_mapping<'a>(
    mut mappers: impl Iterator<Item = &'a Mapper>,
    kind: TokenKind,
    wanted: fn(&Mapping) -> bool,
) -> bool {
    mappers.any(|m| m.switches.applies(kind) && wanted(&m.mapping))
}

/// Which of a token's claims with a fixed place its mappers ask for, found in one walk.
#[derive(Default)]
struct FixedClaims {
    sub: bool,
    acr_access: bool,
    acr_id: bool,
    allowed_origins: bool,
    realm_access: bool,
    resource_access: bool,
    audience_resolve: bool,
    session_state: bool,
}

impl FixedClaims {
    fn find<'a>(mappers: impl Iterator<Item = &'a Mapper>) -> Self {
        let mut fixed = FixedClaims::default();
        for mapper in mappers {
            let access = mapper.switches.applies(TokenKind::Access);
            match &mapper.mapping {
                Mapping::Sub => fixed.sub |= access,
                Mapping::Acr => {
                    fixed.acr_access |= access;
                    fixed.acr_id |= mapper.switches.applies(TokenKind::Id);
                }
                Mapping::AllowedOrigins => fixed.allowed_origins |= access,
                Mapping::RealmRoles { claim, .. } if claim.is_realm_access() => {
                    fixed.realm_access |= access;
                }
                Mapping::ClientRoles { claim, client_id: None, .. }
                    if claim.is_resource_access() =>
                {
                    fixed.resource_access |= access;
                }
                Mapping::AudienceResolve => fixed.audience_resolve |= access,
                Mapping::SessionState => fixed.session_state |= access,
                _ => {}
            }
        }
        fixed
    }
}

/// `aud`: other clients whose roles the token carries (audience resolve), then each
/// audience mapper's client or custom value, each once.
fn audience<'a>(
    request: &IssueRequest<'_>,
    roles: &EffectiveRoles,
    fixed: &FixedClaims,
    mappers: impl Iterator<Item = &'a Mapper>,
) -> Option<Audience> {
    let mut audience: Vec<String> = Vec::new();
    if fixed.audience_resolve {
        audience.extend(roles.clients.keys().filter(|c| **c != request.client.client_id).cloned());
    }
    for mapper in mappers.filter(|m| m.switches.applies(TokenKind::Access)) {
        if let Mapping::Audience(value) = &mapper.mapping
            && !audience.contains(value)
        {
            audience.push(value.clone());
        }
    }
    Audience::from_list(audience)
}

/// Whether the mappers of the client and its granted scopes claim roles in `kind`.
pub fn mappers_need_roles(client: &Client, scope: &GrantedScope, kind: TokenKind) -> bool {
    has_mapping(active_mappers(client, scope), kind, |m| {
        matches!(m, Mapping::RealmRoles { .. } | Mapping::ClientRoles { .. })
    })
}

/// The claims the mappers of the client and its granted scopes add beyond a token's
/// fixed ones, as userinfo answers them; `roles` are the user's, before the client's
/// scope limits them.
pub fn mapped_claims(
    client: &Client,
    user: &User,
    roles: &EffectiveRoles,
    groups: &[MemberOf],
    scope: &GrantedScope,
    session_id: Option<&str>,
    kind: TokenKind,
) -> Map<String, Value> {
    let roles = client.claims.allowed_roles(roles, &scope.scopes);
    let source = ClaimSource { user, roles: &roles, session_id, groups };
    mappers::other_claims(active_mappers(client, scope), kind, &source)
}

/// `{"roles":[…]}` of `realm_access` and each `resource_access` entry.
#[derive(serde::Serialize)]
struct Access<'a> {
    roles: &'a std::collections::BTreeSet<String>,
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
    let claims = &request.client.claims;
    let token_scope = request.scope.token_scope(claims);
    // The granted scopes, found once: every walk over the mappers below reuses them.
    let active: Vec<&CompiledScope> = claims.active(&request.scope.scopes).collect();
    let mappers =
        active.iter().flat_map(|scope| scope.mappers.iter()).chain(claims.client_mappers.iter());
    let fixed = FixedClaims::find(mappers.clone());
    let roles: Cow<'_, EffectiveRoles> = match &claims.scoped_roles {
        None => Cow::Borrowed(request.roles),
        Some(_) => Cow::Owned(claims.allowed_roles(request.roles, &request.scope.scopes)),
    };
    let roles = roles.as_ref();

    let mut access = JsonObject::with_capacity(1024);
    access.member("exp", &access_exp);
    access.member("iat", &now);
    access.member("jti", &access_token_id(session, request.grant));
    access.member("iss", request.issuer);
    let access_audience = audience(request, roles, &fixed, mappers.clone());
    if let Some(aud) = &access_audience {
        access.member("aud", aud);
    }
    if fixed.sub {
        access.member("sub", &request.user.id);
    }
    // The access token's `typ` is the response's token type (`TokenManager.formatTokenType`),
    // so the lower-case attribute makes it "bearer" too (observed in 26.7.3).
    access.member("typ", token_type(request.client));
    access.member("azp", &request.client.client_id);
    if let Some(session_id) = session_id {
        access.member("sid", session_id);
    }
    if fixed.acr_access {
        access.member("acr", "1");
    }
    if fixed.allowed_origins {
        let origins: Vec<&String> =
            request.client.settings.web_origins.iter().filter(|o| *o != "+").collect();
        if !origins.is_empty() {
            access.member("allowed-origins", &origins);
        }
    }
    if !roles.realm.is_empty() && fixed.realm_access {
        access.member("realm_access", &Access { roles: &roles.realm });
    }
    if !roles.clients.is_empty() && fixed.resource_access {
        let resource_access: std::collections::BTreeMap<&str, Access<'_>> = roles
            .clients
            .iter()
            .map(|(client_id, roles)| (client_id.as_str(), Access { roles }))
            .collect();
        access.member("resource_access", &resource_access);
    }
    access.member("scope", &token_scope);
    let mut access_claims = mappers::other_claims(
        mappers.clone(),
        TokenKind::Access,
        &ClaimSource { user: request.user, roles, session_id, groups: request.groups },
    );
    // The notes a client-credentials login writes on its session, claimed by the
    // `service_account` scope's mappers (`ServiceAccountConstants`), right after `scope`.
    if request.grant == GrantType::ClientCredentials {
        let notes = [
            ("client_id", Some(request.client.client_id.as_str())),
            ("clientHost", request.client_address),
            ("clientAddress", request.client_address),
        ];
        for (note, value) in notes {
            let Some(value) = value else { continue };
            let claimed = mappers.clone().find_map(|m| match &m.mapping {
                Mapping::SessionNote { note: wanted, claim, .. }
                    if wanted == note && m.switches.applies(TokenKind::Access) =>
                {
                    Some(claim.to_string())
                }
                _ => None,
            });
            match claimed {
                Some(claim) if claim == note => access.member(note, value),
                Some(claim) => {
                    access_claims.insert(claim, Value::from(value));
                }
                None => {}
            }
        }
    }
    let access_json = written(access.finish_with(access_claims))?;
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
        if fixed.session_state {
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
        if fixed.acr_id {
            id.member("acr", "1");
        }
        let id_claims = mappers::other_claims(
            mappers.clone(),
            TokenKind::Id,
            &ClaimSource { user: request.user, roles, session_id, groups: request.groups },
        );
        let id_json = written(id.finish_with(id_claims))?;
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
