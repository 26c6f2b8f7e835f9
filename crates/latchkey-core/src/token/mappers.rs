//! Protocol mappers compiled once per realm snapshot: for each client, the client
//! scopes it has (default, optional) with their mappers parsed into [`Mapper`]s, its own
//! mappers, and the roles its tokens may carry. Issuing a token then only walks what
//! was compiled (`issue.rs`); nothing is looked up or parsed per request.
//!
//! The mapper types and their configuration keys are Keycloak 26.7.3's
//! (`AudienceProtocolMapper`, `HardcodedClaim`, `UserAttributeMapper`,
//! `UserPropertyMapper`, `FullNameMapper`, `RealmRoleMapper` / `UserRealmRoleMappingMapper`,
//! `UserClientRoleMappingMapper`, `AudienceResolveProtocolMapper`,
//! `AllowedWebOriginsProtocolMapper`, `AcrProtocolMapper`, `SubMapper`,
//! `UserSessionNoteMapper`, `AddressMapper`, `SessionStateMapper`); each reads the switches
//! `access.token.claim`, `id.token.claim`, `userinfo.token.claim` and
//! `introspection.token.claim` (facts 2.1, 2.8).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::client::{Client, ProtocolMapper};
use crate::client_scope::ClientScope;
use crate::role::{EffectiveRoles, RoleGraph};
use crate::user::User;

/// Which token a claim is being written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Id,
    Userinfo,
    Introspection,
}

/// The token switches of one mapper. A switch that is absent is off
/// (`OIDCAttributeMapperHelper.includeInAccessToken`), but userinfo's follows the ID
/// token's and introspection's the access token's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Switches {
    access: bool,
    id: bool,
    userinfo: bool,
    introspection: bool,
}

impl Switches {
    fn read(config: &BTreeMap<String, String>) -> Self {
        let on = |key: &str| config.get(key).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Switches {
            access: on("access.token.claim"),
            id: on("id.token.claim"),
            // Absent, it follows the ID token's (`OIDCAttributeMapperHelper.includeInUserInfo`).
            userinfo: on("userinfo.token.claim")
                || (!config.contains_key("userinfo.token.claim") && on("id.token.claim")),
            // Keycloak 26.7.3 reads a mapper without the switch as on for introspection
            // when it is on for access tokens (facts, surprises 11).
            introspection: on("introspection.token.claim")
                || (!config.contains_key("introspection.token.claim") && on("access.token.claim")),
        }
    }

    pub fn applies(&self, kind: TokenKind) -> bool {
        match kind {
            TokenKind::Access => self.access,
            TokenKind::Id => self.id,
            TokenKind::Userinfo => self.userinfo,
            TokenKind::Introspection => self.introspection,
        }
    }
}

/// How a mapper's value is typed (`jsonType.label`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    String,
    Long,
    Boolean,
    Json,
}

impl JsonType {
    fn read(config: &BTreeMap<String, String>) -> Self {
        match config.get("jsonType.label").map(String::as_str) {
            Some("long" | "int") => JsonType::Long,
            Some("boolean") => JsonType::Boolean,
            Some("JSON") => JsonType::Json,
            _ => JsonType::String,
        }
    }

    fn convert(self, raw: &str) -> Option<Value> {
        match self {
            JsonType::String => Some(Value::from(raw)),
            JsonType::Long => raw.trim().parse::<i64>().ok().map(Value::from),
            JsonType::Boolean => Some(Value::from(raw.trim().eq_ignore_ascii_case("true"))),
            JsonType::Json => serde_json::from_str(raw).ok(),
        }
    }
}

/// A claim name split at its unescaped dots (`a.b` is nested, `a\.b` is one name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimPath(Vec<String>);

impl std::fmt::Display for ClaimPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

impl ClaimPath {
    pub fn parse(name: &str) -> Self {
        let mut parts = vec![String::new()];
        let mut chars = name.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'.') => {
                    chars.next();
                    if let Some(part) = parts.last_mut() {
                        part.push('.');
                    }
                }
                '.' => parts.push(String::new()),
                _ => {
                    if let Some(part) = parts.last_mut() {
                        part.push(c);
                    }
                }
            }
        }
        ClaimPath(parts)
    }

    /// `realm_access.roles`: the realm roles' fixed place in an access token.
    pub fn is_realm_access(&self) -> bool {
        self.0 == ["realm_access", "roles"]
    }

    /// `resource_access.${client_id}.roles`: the client roles' fixed place.
    pub fn is_resource_access(&self) -> bool {
        self.0 == ["resource_access", "${client_id}", "roles"]
    }

    /// Sets the claim, making the objects on its way; a non-object in the way is replaced.
    fn set(&self, claims: &mut Map<String, Value>, value: Value) {
        let Some((last, path)) = self.0.split_last() else { return };
        let mut target = claims;
        for part in path {
            let entry = target.entry(part.clone()).or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            let Value::Object(next) = entry else { return };
            target = next;
        }
        target.insert(last.clone(), value);
    }
}

/// What one mapper adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// `sub` (`oidc-sub-mapper`).
    Sub,
    /// `acr` "1" (`oidc-acr-mapper`; latchkey has password and client logins only).
    Acr,
    /// `allowed-origins` from the client's web origins.
    AllowedOrigins,
    /// Every other client whose roles the token carries joins `aud`.
    AudienceResolve,
    /// A client id or a custom value joins `aud`.
    Audience(String),
    /// The realm roles, at `realm_access.roles` or elsewhere.
    RealmRoles { claim: ClaimPath, prefix: String, multivalued: bool },
    /// Client roles (of one client, or of each at `${client_id}`).
    ClientRoles { claim: ClaimPath, client_id: Option<String>, prefix: String, multivalued: bool },
    /// A user attribute (`username`, `email`, `firstName`, `lastName` are the user's own).
    UserAttribute { attribute: String, claim: ClaimPath, json_type: JsonType, multivalued: bool },
    /// A property of the user (`username`, `email`, `emailVerified`, `firstName`, ...).
    UserProperty { property: String, claim: ClaimPath, json_type: JsonType },
    /// `name`: first and last name.
    FullName,
    /// A fixed value.
    Hardcoded { claim: ClaimPath, value: Value },
    /// A note of the user session: client credentials write `client_id`, `clientHost`
    /// and `clientAddress`.
    SessionNote { note: String, claim: ClaimPath, json_type: JsonType },
    /// `address`, from the user's attributes named in the config.
    Address { fields: Vec<(&'static str, String)> },
    /// `session_state`, removed in Keycloak 25 and given back by this mapper.
    SessionState,
    /// The groups the user is a direct member of, by full path or by name, always a
    /// list and absent when there are none (`GroupMembershipMapper`; facts 2.8).
    GroupMembership { claim: ClaimPath, full_path: bool },
}

/// One compiled mapper.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapper {
    pub mapping: Mapping,
    pub switches: Switches,
}

const MAPPER_HARDCODED_CLAIM: &str = "oidc-hardcoded-claim-mapper";
const MAPPER_SESSION_STATE: &str = "oidc-session-state-mapper";
const MAPPER_AUDIENCE: &str = "oidc-audience-mapper";

impl Mapper {
    /// Reads one stored mapper: one `Mapper` (an audience mapper naming a client and a
    /// custom audience gives two), or none for a type latchkey does not apply (SAML
    /// mappers, organization, script mappers), which adds nothing.
    pub fn compile(mapper: &ProtocolMapper) -> Vec<Mapper> {
        let config = &mapper.config;
        let text = |key: &str| config.get(key).cloned().unwrap_or_default();
        let claim = || ClaimPath::parse(&text("claim.name"));
        let multivalued = config.get("multivalued").is_some_and(|v| v == "true");
        let switches = Switches::read(config);
        let one = |mapping| vec![Mapper { mapping, switches }];
        match mapper.protocol_mapper.as_str() {
            "oidc-sub-mapper" => one(Mapping::Sub),
            "oidc-acr-mapper" => one(Mapping::Acr),
            "oidc-allowed-origins-mapper" => one(Mapping::AllowedOrigins),
            "oidc-audience-resolve-mapper" => one(Mapping::AudienceResolve),
            MAPPER_AUDIENCE => ["included.client.audience", "included.custom.audience"]
                .iter()
                .filter_map(|key| config.get(*key).filter(|v| !v.is_empty()))
                .map(|audience| Mapper { mapping: Mapping::Audience(audience.clone()), switches })
                .collect(),
            "oidc-usermodel-realm-role-mapper" => one(Mapping::RealmRoles {
                claim: claim(),
                prefix: text("usermodel.realmRoleMapping.rolePrefix"),
                multivalued,
            }),
            "oidc-usermodel-client-role-mapper" => one(Mapping::ClientRoles {
                claim: claim(),
                client_id: config
                    .get("usermodel.clientRoleMapping.clientId")
                    .filter(|v| !v.is_empty())
                    .cloned(),
                prefix: text("usermodel.clientRoleMapping.rolePrefix"),
                multivalued,
            }),
            "oidc-usermodel-attribute-mapper" => one(Mapping::UserAttribute {
                attribute: text("user.attribute"),
                claim: claim(),
                json_type: JsonType::read(config),
                multivalued,
            }),
            "oidc-usermodel-property-mapper" => one(Mapping::UserProperty {
                property: text("user.attribute"),
                claim: claim(),
                json_type: JsonType::read(config),
            }),
            "oidc-full-name-mapper" => one(Mapping::FullName),
            MAPPER_HARDCODED_CLAIM => {
                let Some(raw) = config.get("claim.value") else { return Vec::new() };
                let json_type = JsonType::read(config);
                let value = json_type.convert(raw).unwrap_or_else(|| Value::from(raw.clone()));
                one(Mapping::Hardcoded { claim: claim(), value })
            }
            "oidc-usersessionmodel-note-mapper" => one(Mapping::SessionNote {
                note: text("user.session.note"),
                claim: claim(),
                json_type: JsonType::read(config),
            }),
            "oidc-address-mapper" => one(Mapping::Address {
                fields: ["formatted", "street", "locality", "region", "postal_code", "country"]
                    .iter()
                    .map(|field| {
                        let attribute = config
                            .get(&format!("user.attribute.{field}"))
                            .cloned()
                            .unwrap_or_else(|| (*field).to_owned());
                        let claim = if *field == "street" { "street_address" } else { field };
                        (claim, attribute)
                    })
                    .collect(),
            }),
            MAPPER_SESSION_STATE => one(Mapping::SessionState),
            "oidc-group-membership-mapper" => one(Mapping::GroupMembership {
                claim: claim(),
                full_path: config.get("full.path").is_some_and(|v| v == "true"),
            }),
            _ => Vec::new(),
        }
    }
}

/// A client scope as a token needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompiledScope {
    pub name: String,
    pub include_in_token_scope: bool,
    pub mappers: Vec<Mapper>,
    /// The scope's scope mappings (role ids).
    pub role_ids: Vec<String>,
}

impl CompiledScope {
    fn new(scope: &ClientScope) -> Self {
        CompiledScope {
            name: scope.name.clone(),
            include_in_token_scope: scope.is_included_in_token_scope(),
            mappers: scope.protocol_mappers.iter().flat_map(Mapper::compile).collect(),
            role_ids: scope.role_ids.clone(),
        }
    }
}

/// Everything about a client's scopes and mappers that issuing a token reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClaimPlan {
    /// The client's default scopes that exist in the realm and speak OpenID Connect.
    pub default_scopes: Vec<CompiledScope>,
    /// The client's optional scopes, likewise.
    pub optional_scopes: Vec<CompiledScope>,
    /// The client's own mappers.
    pub client_mappers: Vec<Mapper>,
    /// `None` with `fullScopeAllowed`; else the roles the client's tokens may carry
    /// without any optional scope: its scope mappings, its own roles and the default
    /// scopes' scope mappings, composites expanded.
    pub scoped_roles: Option<ScopedRoles>,
    /// Whether a scope of the client or the client itself has a group membership mapper,
    /// so that a grant reads the user's groups (only then).
    pub needs_groups: bool,
}

/// The roles a client without `fullScopeAllowed` lets into its tokens
/// (`TokenManager.getAccess`): its scope mappings, its own roles and its default scopes'
/// scope mappings, plus those of each optional scope a request asks for, composites
/// expanded (facts 2.11).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedRoles {
    base: EffectiveRoles,
    /// Per optional scope (by name), what it adds.
    optional: Vec<(String, EffectiveRoles)>,
}

impl ClaimPlan {
    /// Compiles a client's plan from the realm's scopes, the client's scope mappings and
    /// the realm's roles. A scope name the realm does not have, or a SAML scope, is
    /// skipped as Keycloak skips it. A client with service accounts has
    /// `service_account` as a default scope, as Keycloak gives it when they are enabled.
    pub fn compile(
        client: &Client,
        scopes: &[ClientScope],
        client_scope_role_ids: &[String],
        roles: &RoleGraph,
    ) -> Self {
        let find =
            |name: &str| scopes.iter().find(|s| s.name == name && s.protocol == "openid-connect");
        let mut default_names: Vec<&str> =
            client.settings.default_client_scopes.iter().map(String::as_str).collect();
        if client.settings.service_accounts_enabled && !default_names.contains(&"service_account") {
            default_names.push("service_account");
        }
        let default_scopes: Vec<CompiledScope> =
            default_names.into_iter().filter_map(find).map(CompiledScope::new).collect();
        let optional_scopes: Vec<CompiledScope> = client
            .settings
            .optional_client_scopes
            .iter()
            .filter(|name| !default_scopes.iter().any(|s| &s.name == *name))
            .filter_map(|name| find(name))
            .map(CompiledScope::new)
            .collect();
        let scoped_roles = (!client.settings.full_scope_allowed).then(|| {
            let own = roles.client_roles(&client.id).into_iter().map(|r| r.id.clone());
            let from_defaults = default_scopes.iter().flat_map(|s| s.role_ids.iter().cloned());
            let base: Vec<String> =
                client_scope_role_ids.iter().cloned().chain(own).chain(from_defaults).collect();
            ScopedRoles {
                base: roles.expand(&base),
                optional: optional_scopes
                    .iter()
                    .map(|s| (s.name.clone(), roles.expand(&s.role_ids)))
                    .collect(),
            }
        });
        let client_mappers: Vec<Mapper> =
            client.settings.protocol_mappers.iter().flat_map(Mapper::compile).collect();
        let needs_groups = default_scopes
            .iter()
            .chain(&optional_scopes)
            .flat_map(|s| s.mappers.iter())
            .chain(&client_mappers)
            .any(|m| matches!(m.mapping, Mapping::GroupMembership { .. }));
        ClaimPlan { default_scopes, optional_scopes, client_mappers, scoped_roles, needs_groups }
    }

    pub fn is_default(&self, name: &str) -> bool {
        self.default_scopes.iter().any(|s| s.name == name)
    }

    pub fn is_optional(&self, name: &str) -> bool {
        self.optional_scopes.iter().any(|s| s.name == name)
    }

    /// The scopes a token carries: those of `granted` (the session's scope names, its
    /// default scopes first) that the client has, in that order. A name the client no
    /// longer has adds nothing.
    pub fn active<'a>(
        &'a self,
        granted: &'a [String],
    ) -> impl Iterator<Item = &'a CompiledScope> + Clone {
        granted.iter().filter_map(move |name| {
            self.default_scopes
                .iter()
                .chain(&self.optional_scopes)
                .find(|scope| &scope.name == name)
        })
    }

    /// The roles of `roles` this client's tokens may carry with the `granted` scopes.
    pub fn allowed_roles(&self, roles: &EffectiveRoles, granted: &[String]) -> EffectiveRoles {
        let Some(scoped) = &self.scoped_roles else { return roles.clone() };
        let mut allowed = scoped.base.clone();
        for (_, extra) in scoped.optional.iter().filter(|(name, _)| granted.contains(name)) {
            allowed.realm.extend(extra.realm.iter().cloned());
            for (client_id, names) in &extra.clients {
                allowed.clients.entry(client_id.clone()).or_default().extend(names.iter().cloned());
            }
        }
        EffectiveRoles {
            realm: roles.realm.intersection(&allowed.realm).cloned().collect(),
            clients: roles
                .clients
                .iter()
                .filter_map(|(client_id, names)| {
                    let permitted = allowed.clients.get(client_id)?;
                    let kept: BTreeSet<String> = names.intersection(permitted).cloned().collect();
                    (!kept.is_empty()).then(|| (client_id.clone(), kept))
                })
                .collect(),
        }
    }
}

/// A group the user is a direct member of, as a group membership mapper writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberOf {
    pub name: String,
    /// `/parent/child`.
    pub path: String,
}

/// What the claims of a mapper are made from, besides the mapper.
#[derive(Debug)]
pub struct ClaimSource<'a> {
    pub user: &'a User,
    /// The roles the token may carry.
    pub roles: &'a EffectiveRoles,
    pub session_id: Option<&'a str>,
    /// The user's groups; read from the store only for a client whose plan has a group
    /// membership mapper (`ClaimPlan::needs_groups`), empty otherwise.
    pub groups: &'a [MemberOf],
}

/// The user's value of an attribute, where Keycloak's user profile puts the core fields.
fn attribute_values<'a>(user: &'a User, attribute: &str) -> Vec<&'a str> {
    let single = |value: Option<&'a String>| value.map(String::as_str).into_iter().collect();
    match attribute {
        "username" => vec![user.username.as_str()],
        "email" => single(user.profile.email.as_ref()),
        "firstName" => single(user.profile.first_name.as_ref()),
        "lastName" => single(user.profile.last_name.as_ref()),
        other => user
            .profile
            .attributes
            .get(other)
            .map(|values| values.iter().map(String::as_str).collect())
            .unwrap_or_default(),
    }
}

fn typed_values(values: &[&str], json_type: JsonType, multivalued: bool) -> Option<Value> {
    if multivalued {
        let typed: Vec<Value> = values.iter().filter_map(|v| json_type.convert(v)).collect();
        (!typed.is_empty()).then(|| Value::Array(typed))
    } else {
        values.first().and_then(|v| json_type.convert(v))
    }
}

/// Role names as a claim: always a list, as Keycloak writes role claims.
fn role_names<'a>(names: impl Iterator<Item = &'a String>, prefix: &str) -> Option<Value> {
    let names: Vec<Value> = names.map(|n| Value::from(format!("{prefix}{n}"))).collect();
    (!names.is_empty()).then_some(Value::Array(names))
}

/// Claims that come last in a token, in Keycloak's usual order for the built-in ones
/// (`email_verified`, `name`, `preferred_username`, `given_name`, `family_name`, `email`,
/// as 26.7.3's tokens show them), then the others in mapper order.
const FIRST_CLAIMS: [&str; 6] =
    ["email_verified", "name", "preferred_username", "given_name", "family_name", "email"];

/// Adds the claims of `mappers` for `kind` that have no fixed place in the token (the
/// ones issuing writes itself: `sub`, `acr`, `aud`, `allowed-origins`, `realm_access`,
/// `resource_access`, and the session notes of client credentials).
pub fn other_claims<'a>(
    mappers: impl Iterator<Item = &'a Mapper>,
    kind: TokenKind,
    source: &ClaimSource<'_>,
) -> Map<String, Value> {
    let mut claims = Map::new();
    for mapper in mappers.filter(|m| m.switches.applies(kind)) {
        match &mapper.mapping {
            Mapping::RealmRoles { claim, prefix, .. } => {
                if claim.is_realm_access() {
                    continue;
                }
                if let Some(value) = role_names(source.roles.realm.iter(), prefix) {
                    claim.set(&mut claims, value);
                }
            }
            Mapping::ClientRoles { claim, client_id, prefix, .. } => {
                if client_id.is_none() && claim.is_resource_access() {
                    continue;
                }
                for (owner, names) in &source.roles.clients {
                    if client_id.as_ref().is_some_and(|wanted| wanted != owner) {
                        continue;
                    }
                    let Some(value) = role_names(names.iter(), prefix) else {
                        continue;
                    };
                    let path = ClaimPath(
                        claim.0.iter().map(|p| p.replace("${client_id}", owner)).collect(),
                    );
                    path.set(&mut claims, value);
                }
            }
            Mapping::UserAttribute { attribute, claim, json_type, multivalued } => {
                let values = attribute_values(source.user, attribute);
                if let Some(value) = typed_values(&values, *json_type, *multivalued) {
                    claim.set(&mut claims, value);
                }
            }
            Mapping::UserProperty { property, claim, json_type } => {
                let value = match property.as_str() {
                    "emailVerified" => Some(source.user.profile.email_verified.to_string()),
                    "enabled" => Some(source.user.enabled.to_string()),
                    "id" => Some(source.user.id.clone()),
                    "createdTimestamp" => Some(source.user.created_timestamp.to_string()),
                    other => attribute_values(source.user, other).first().map(|v| (*v).to_owned()),
                };
                if let Some(value) = value.and_then(|v| json_type.convert(&v)) {
                    claim.set(&mut claims, value);
                }
            }
            Mapping::FullName => {
                if let Some(name) = source.user.full_name() {
                    claims.insert("name".into(), json!(name));
                }
            }
            Mapping::Hardcoded { claim, value } => claim.set(&mut claims, value.clone()),
            Mapping::Address { fields } => {
                let mut address = Map::new();
                for (claim, attribute) in fields {
                    if let Some(value) = attribute_values(source.user, attribute).first() {
                        address.insert((*claim).to_owned(), json!(value));
                    }
                }
                if !address.is_empty() {
                    claims.insert("address".into(), Value::Object(address));
                }
            }
            Mapping::SessionState => {
                if let Some(session_id) = source.session_id {
                    claims.insert("session_state".into(), json!(session_id));
                }
            }
            Mapping::GroupMembership { claim, full_path } => {
                let names: Vec<Value> = source
                    .groups
                    .iter()
                    .map(|g| {
                        Value::from(if *full_path { g.path.as_str() } else { g.name.as_str() })
                    })
                    .collect();
                if !names.is_empty() {
                    claim.set(&mut claims, Value::Array(names));
                }
            }
            Mapping::SessionNote { .. }
            | Mapping::Sub
            | Mapping::Acr
            | Mapping::AllowedOrigins
            | Mapping::AudienceResolve
            | Mapping::Audience(_) => {}
        }
    }
    let mut ordered = Map::with_capacity(claims.len());
    for name in FIRST_CLAIMS {
        if let Some(value) = claims.shift_remove(name) {
            ordered.insert(name.to_owned(), value);
        }
    }
    ordered.extend(claims);
    ordered
}

#[cfg(test)]
mod tests;
