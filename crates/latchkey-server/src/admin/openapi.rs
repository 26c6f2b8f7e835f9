//! The Admin API's OpenAPI 3.1 document, built from the same table that builds the
//! router (`routes.rs`): each route registers its handler and its `Op` together, so a
//! route cannot exist without its description, nor a description without its route.
//! Request and response bodies are the representation types themselves
//! (`latchkey_core::representation`, `JsonSchema` derived next to `Serialize`); the few
//! answers Keycloak builds by hand get their schema here.

use std::borrow::Cow;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;
use latchkey_core::representation::limits::{self, Limit};
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use super::auth::{Access, Guarded};
use super::java::{self, Representation};
use crate::state::AppState;

/// How a schema enters the document: a function of the generator, so that referenced
/// types land once in `components/schemas`.
type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

fn list_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<Vec<T>>()
}

/// What a successful call answers.
#[derive(Clone, Copy)]
enum Success {
    Json(SchemaFn, &'static str),
    Created,
    NoContent,
}

/// One operation: a method on a path.
#[derive(Clone)]
pub(crate) struct Op {
    tag: &'static str,
    summary: &'static str,
    query: &'static [(&'static str, &'static str)],
    body: Option<SchemaFn>,
    body_required: bool,
    /// `application/json`, or `text/plain` for a body that is plain text.
    body_media_type: &'static str,
    /// The Keycloak representation the body is checked as (`java.rs`), when it is one.
    known_fields: Option<&'static Representation>,
    /// The body is a list of `known_fields` (`closed_list`).
    known_list: bool,
    /// Fields of the body the handler reads past (checked only as Jackson checks them).
    ignored_fields: &'static [&'static str],
    required_fields: &'static [&'static str],
    success: Success,
    conflict: bool,
    refusals: &'static [(&'static str, &'static str)],
}

/// An operation of `tag` named `summary`, answering 204 until told otherwise.
pub(crate) fn op(tag: &'static str, summary: &'static str) -> Op {
    Op {
        tag,
        summary,
        query: &[],
        body: None,
        body_required: true,
        body_media_type: "application/json",
        known_fields: None,
        known_list: false,
        ignored_fields: &[],
        required_fields: &[],
        success: Success::NoContent,
        conflict: false,
        refusals: &[],
    }
}

impl Op {
    /// Query parameters as `(name, JSON type)`.
    pub(crate) fn query(mut self, query: &'static [(&'static str, &'static str)]) -> Self {
        self.query = query;
        self
    }

    /// A JSON request body of type `T`.
    pub(crate) fn body<T: JsonSchema>(mut self) -> Self {
        self.body = Some(schema_of::<T>);
        self
    }

    /// A JSON request body of type `T` in which `fields` are present and hold what the
    /// server accepts (`required_field`; a name ending in `?` may be absent). For the
    /// create operations: `PUT` takes the same type partially.
    pub(crate) fn body_requiring<T: JsonSchema>(mut self, fields: &'static [&'static str]) -> Self {
        self.body = Some(schema_of::<T>);
        self.required_fields = fields;
        self
    }

    /// The body is read as Keycloak's `representation` (`Body::representation`): its
    /// fields, their Java types and Jackson's coercions (`java::schema`), unknown fields
    /// refused, nested representations included; the document says so.
    pub(crate) fn closed(mut self, representation: &'static Representation) -> Self {
        self.known_fields = Some(representation);
        self
    }

    /// As `closed`, for a body that is a list of the representation
    /// (`Body::representation_list`).
    pub(crate) fn closed_list(mut self, representation: &'static Representation) -> Self {
        self.known_fields = Some(representation);
        self.known_list = true;
        self
    }

    /// The handler reads past these fields of the body (`PUT …/{realm}` takes a realm's
    /// settings, not the users or clients of a realm file): the document holds them to
    /// their Java types only.
    pub(crate) fn ignoring(mut self, fields: &'static [&'static str]) -> Self {
        self.ignored_fields = fields;
        self
    }

    /// A plain-text body (`@Consumes(TEXT_PLAIN)`): any string, sent as `text/plain`.
    pub(crate) fn text_body(mut self) -> Self {
        self.body = Some(schema_of::<String>);
        self.body_media_type = "text/plain";
        self
    }

    /// The body may be left out (a `DELETE` without one changes nothing).
    pub(crate) fn body_optional(mut self) -> Self {
        self.body_required = false;
        self
    }

    /// Further refusals the handler answers, as `(status, description)`.
    pub(crate) fn refuses(mut self, refusals: &'static [(&'static str, &'static str)]) -> Self {
        self.refusals = refusals;
        self
    }

    /// A JSON request body that is a list of `T`.
    pub(crate) fn body_list<T: JsonSchema>(mut self) -> Self {
        self.body = Some(list_of::<T>);
        self
    }

    /// 200 with a `T`.
    pub(crate) fn returns<T: JsonSchema>(mut self) -> Self {
        self.success = Success::Json(schema_of::<T>, "OK");
        self
    }

    /// 200 with a list of `T`.
    pub(crate) fn returns_list<T: JsonSchema>(mut self) -> Self {
        self.success = Success::Json(list_of::<T>, "OK");
        self
    }

    /// 201 with the new resource's URL in `Location`.
    pub(crate) fn created(mut self) -> Self {
        self.success = Success::Created;
        self.conflict = true;
        self
    }

    /// 409 is a possible answer (a duplicate name).
    pub(crate) fn conflicts(mut self) -> Self {
        self.conflict = true;
        self
    }
}

/// An operation as registered: its method, its description, and who may call it.
struct Routed {
    method: Method,
    op: Op,
    access: Access,
}

/// The methods served at one path, with their descriptions and who may call them.
pub(crate) struct Endpoint {
    router: MethodRouter<AppState>,
    ops: Vec<Routed>,
}

/// Each method takes a handler whose first argument guards it (`auth::Guarded`: an
/// `AdminRealm<P>` or an `AdminCaller<N>`); who may call it is read from that type.
impl Endpoint {
    pub(crate) fn new() -> Self {
        Endpoint { router: MethodRouter::new(), ops: Vec::new() }
    }

    pub(crate) fn get<H, T>(mut self, handler: H, op: Op) -> Self
    where
        H: Handler<T, AppState>,
        T: Guarded + 'static,
    {
        self.router = self.router.get(handler);
        self.ops.push(Routed { method: Method::GET, op, access: T::ACCESS });
        self
    }

    pub(crate) fn post<H, T>(mut self, handler: H, op: Op) -> Self
    where
        H: Handler<T, AppState>,
        T: Guarded + 'static,
    {
        self.router = self.router.post(handler);
        self.ops.push(Routed { method: Method::POST, op, access: T::ACCESS });
        self
    }

    pub(crate) fn put<H, T>(mut self, handler: H, op: Op) -> Self
    where
        H: Handler<T, AppState>,
        T: Guarded + 'static,
    {
        self.router = self.router.put(handler);
        self.ops.push(Routed { method: Method::PUT, op, access: T::ACCESS });
        self
    }

    pub(crate) fn delete<H, T>(mut self, handler: H, op: Op) -> Self
    where
        H: Handler<T, AppState>,
        T: Guarded + 'static,
    {
        self.router = self.router.delete(handler);
        self.ops.push(Routed { method: Method::DELETE, op, access: T::ACCESS });
        self
    }
}

/// The router and the document, grown together.
pub(crate) struct Api {
    router: Router<AppState>,
    paths: Vec<(String, Vec<Routed>)>,
}

impl Api {
    pub(crate) fn new() -> Self {
        Api { router: Router::new(), paths: Vec::new() }
    }

    /// Serves `endpoint` at `path` and at `path/`, as Keycloak's JAX-RS resources do
    /// (`@keycloak/keycloak-admin-client` lists and creates at `…/users/`); the document
    /// names the path once.
    /// A path ending in a catch-all (`{*path}`, `…/group-by-path/{*path}`) takes any
    /// rest, so it has no second form; the document names it `{path}`.
    pub(crate) fn route(mut self, path: &str, endpoint: Endpoint) -> Self {
        let is_catch_all = path.rsplit('/').next().is_some_and(|last| last.starts_with("{*"));
        if is_catch_all {
            self.router = self.router.route(path, endpoint.router);
        } else {
            self.router = self
                .router
                .route(path, endpoint.router.clone())
                .route(&format!("{path}/"), endpoint.router);
        }
        self.paths.push((path.replace("{*", "{"), endpoint.ops));
        self
    }

    /// The router, and the OpenAPI document describing exactly its routes.
    pub(crate) fn finish(self) -> (Router<AppState>, Value) {
        let document = document(&self.paths);
        (self.router, document)
    }
}

/// Keycloak's `ErrorRepresentation` as the Admin API writes it: `error` for most
/// refusals, `errorMessage` (with `params`) for validation and conflicts.
fn error_schema() -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "error": {"type": "string"},
            "error_description": {"type": "string"},
            "errorMessage": {"type": "string"},
            "field": {"type": "string"},
            "params": {"type": "array"}
        }
    })
}

/// `UserSessionRepresentation` (`admin/sessions.rs`).
fn session_schema() -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "username": {"type": "string"},
            "userId": {"type": "string"},
            "ipAddress": {"type": "string"},
            "start": {"type": "integer", "description": "milliseconds since the epoch"},
            "lastAccess": {"type": "integer", "description": "milliseconds since the epoch"},
            "rememberMe": {"type": "boolean"},
            "clients": {"type": "object", "additionalProperties": {"type": "string"}},
            "transientUser": {"type": "boolean"}
        }
    })
}

/// `{"count": n}` (`admin/offline_sessions.rs`).
fn session_count_schema() -> Schema {
    json_schema!({"type": "object", "properties": {"count": {"type": "integer"}}})
}

/// One client's session counts, as strings (`admin/offline_sessions.rs`).
fn client_session_stat_schema() -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "clientId": {"type": "string"},
            "active": {"type": "string"},
            "offline": {"type": "string"}
        }
    })
}

/// `KeysMetadataRepresentation` (`admin/keys.rs`).
fn keys_schema() -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "active": {"type": "object", "additionalProperties": {"type": "string"}},
            "keys": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "providerId": {"type": "string"},
                        "providerPriority": {"type": "integer"},
                        "kid": {"type": "string"},
                        "status": {"type": "string"},
                        "type": {"type": "string"},
                        "algorithm": {"type": "string"},
                        "publicKey": {"type": "string"},
                        "certificate": {"type": "string"},
                        "use": {"type": "string"},
                        "validTo": {"type": "integer"}
                    }
                }
            }
        }
    })
}

/// The brute-force record of a user (`admin/attack_detection.rs`).
fn brute_force_schema() -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "numFailures": {"type": "integer"},
            "disabled": {"type": "boolean"},
            "lastIPFailure": {"type": "string"},
            "lastFailure": {"type": "integer"}
        }
    })
}

/// `MappingsRepresentation` (`admin/role_mappings.rs`).
fn mappings_schema() -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "realmMappings": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/RoleRepresentation"}
            },
            "clientMappings": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "client": {"type": "string"},
                        "mappings": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/RoleRepresentation"}
                        }
                    }
                }
            }
        }
    })
}

/// Stand-ins naming the hand-written schemas, so that `returns::<T>()` reads the same
/// for every answer.
pub(crate) struct ErrorRepresentation;
pub(crate) struct UserSessionRepresentation;
pub(crate) struct BruteForceStatus;
pub(crate) struct MappingsRepresentation;
pub(crate) struct SessionCount;
pub(crate) struct KeysMetadataRepresentation;
/// `{"count": n}` of `…/groups/count` and `…/users/{id}/groups/count`.
pub(crate) struct GroupCount;

impl JsonSchema for GroupCount {
    fn schema_name() -> Cow<'static, str> {
        "GroupCount".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        session_count_schema()
    }
}

impl JsonSchema for KeysMetadataRepresentation {
    fn schema_name() -> Cow<'static, str> {
        "KeysMetadataRepresentation".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        keys_schema()
    }
}
pub(crate) struct ClientSessionStat;

impl JsonSchema for SessionCount {
    fn schema_name() -> Cow<'static, str> {
        "SessionCount".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        session_count_schema()
    }
}

impl JsonSchema for ClientSessionStat {
    fn schema_name() -> Cow<'static, str> {
        "ClientSessionStat".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        client_session_stat_schema()
    }
}

impl JsonSchema for ErrorRepresentation {
    fn schema_name() -> Cow<'static, str> {
        "ErrorRepresentation".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        error_schema()
    }
}

impl JsonSchema for UserSessionRepresentation {
    fn schema_name() -> Cow<'static, str> {
        "UserSessionRepresentation".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        session_schema()
    }
}

impl JsonSchema for BruteForceStatus {
    fn schema_name() -> Cow<'static, str> {
        "BruteForceStatus".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        brute_force_schema()
    }
}

impl JsonSchema for MappingsRepresentation {
    fn schema_name() -> Cow<'static, str> {
        "MappingsRepresentation".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        mappings_schema()
    }
}

/// What a path parameter holds.
fn describe_parameter(name: &str) -> &'static str {
    match name {
        "realm" => "realm name (not id)",
        "id" => "internal id (UUID) of the user, client, group or role",
        "client" => "internal id (UUID) of the client",
        "user" => "user id",
        "role" => "role name",
        "group" => "group id",
        "credential" => "credential id",
        "after" => "id of the credential to move after",
        "path" => "a group's path, its names from the top level joined by /",
        "session" => "session id",
        _ => "identifier",
    }
}

/// The `description` and `x-latchkey-roles` of an operation: the `realm-management`
/// roles that open it besides master's `admin` and the realm's `realm-admin`.
fn access_fields(access: Access) -> (String, Value) {
    match access {
        Access::Realm(permission) => {
            let roles = match permission.roles() {
                [] => "any realm-management role".to_owned(),
                roles => roles.join(" or "),
            };
            (
                format!(
                    "Needs master's admin role, realm-admin, or {roles} in the realm's realm-management client."
                ),
                json!(permission.roles()),
            )
        }
        Access::AnyRealm => {
            ("Lists the realms in which the caller holds any admin role.".to_owned(), json!([]))
        }
        Access::CreateRealm => {
            ("Needs master's admin or create-realm role.".to_owned(), json!(["create-realm"]))
        }
    }
}

/// The ranges the server enforces on durations and counts (`limits.rs`), written into
/// the representations' schemas: a number's `minimum` and `maximum` (or `-1` besides),
/// a client attribute's pattern. Keycloak's relational checks (a client session no
/// longer than the SSO session) compare with stored values and have no JSON Schema.
fn write_limits(schemas: &mut Map<String, Value>) {
    let number = |limit: &Limit| {
        let range = json!({"type": "integer", "minimum": limit.min, "maximum": limit.max});
        let mut choices = vec![range, json!({"type": "null"})];
        if limit.minus_one {
            choices.push(json!({"const": -1}));
        }
        json!({"anyOf": choices, "description": limit.describe()})
    };
    let mut set = |schema: &str, field: &str, value: Value| {
        if let Some(properties) = schemas
            .get_mut(schema)
            .and_then(|s| s.get_mut("properties"))
            .and_then(Value::as_object_mut)
        {
            properties.insert(field.to_owned(), value);
        }
    };
    for (limit, _) in &limits::REALM_LIMITS {
        set("RealmRepresentation", limit.name, number(limit));
    }
    set("UserRepresentation", "notBefore", number(&limits::USER_NOT_BEFORE));
    set("RealmRepresentation", "passwordPolicy", password_policy());
    set("RealmRepresentation", "sslRequired", required_field("sslRequired"));
    set(
        "RealmRepresentation",
        "bruteForceStrategy",
        json!({"type": ["string", "null"], "enum": ["MULTIPLE", "LINEAR", null]}),
    );
    set("ClientRepresentation", "notBefore", number(&limits::CLIENT_NOT_BEFORE));
    let attributes: Map<String, Value> = limits::CLIENT_ATTRIBUTE_LIMITS
        .iter()
        .map(|limit| {
            let pattern = limits::attribute_pattern(limit);
            (
                limit.name.to_owned(),
                json!({"type": "string", "pattern": pattern, "description": limit.describe()}),
            )
        })
        .collect();
    set(
        "ClientRepresentation",
        "attributes",
        json!({
            "type": ["object", "null"],
            "properties": attributes,
            "additionalProperties": {"type": "string"}
        }),
    );
}

/// `passwordPolicy` as `password_policy.rs` parses it: known ids joined by ` and `, the
/// counting ones with an optional `(n)`. (It also takes `regexPattern(…)` and
/// `hashAlgorithm(…)`, which the pattern leaves out.)
fn password_policy() -> Value {
    let counted = "length|maxLength|digits|lowerCase|upperCase|specialChars|hashIterations|\
                   passwordHistory|forceExpiredPasswordChange|passwordAge|maxAuthAge|\
                   recoveryCodesWarningThreshold";
    let flags = "notUsername|notEmail|notContainsUsername|hashAlgorithm|passwordBlacklist";
    let entry = format!("(?:(?:{counted})(?:\\([0-9]{{1,9}}\\))?|(?:{flags}))");
    json!({
        "type": ["string", "null"],
        "pattern": format!("^(?:{entry}(?: and {entry})*)?$")
    })
}

/// What a create operation requires of a field beyond its type.
fn required_field(name: &str) -> Value {
    match name {
        // Keycloak's default username validators (`latchkey_core::username`): 3 to 255
        // characters, none of the prohibited ones. The pattern says it for printable ASCII;
        // the server also takes letters of the Latin script, no other script.
        "username" => json!({
            "type": "string",
            "minLength": 3,
            "maxLength": 255,
            "pattern": "^(?:(?![<>&\"'$%!#?,;:*~/\\\\|^=\\[\\]{}()`])[\\x21-\\x7e]){3,255}$"
        }),
        // A new username on `PUT …/users/{id}`: blank (Java's `trim`) leaves the stored
        // one as it is; anything else must pass the validators.
        "username~" => json!({"anyOf": [
            {"type": "string", "pattern": "^[\\x00-\\x20]*$"},
            required_field("username")
        ]}),
        // `representation/keys.rs`: the key providers latchkey makes. Which settings a
        // provider takes (algorithm, key size, curve, secret size, an imported PEM) depends
        // on the provider, a rule across fields this document does not state; the server
        // answers Keycloak's 400 texts for them (`compat/schemathesis/run.py` says so).
        "providerId" => json!({"enum": [
            "rsa-generated", "rsa", "ecdsa-generated", "eddsa-generated", "hmac-generated"
        ]}),
        "providerType" => json!({"const": "org.keycloak.keys.KeyProvider"}),
        "config" => json!({
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}}
        }),
        // A name that is not only white space (`ObjectUtil.isBlank`): a group's.
        "name!" => json!({"type": "string", "pattern": "\\S"}),
        // `sslRequired` as the import reads it (`import.rs`): any case.
        "sslRequired" => {
            json!({"type": ["string", "null"], "pattern": "^([aA][lL][lL]|[eE][xX][tT][eE][rR][nN][aA][lL]|[nN][oO][nN][eE])$"})
        }
        // A new realm's users, clients and roles are created: each needs its name
        // (`POST /admin/realms`; `PUT …/{realm}` ignores them, as Keycloak does).
        "users" => named("UserRepresentation", "username"),
        "clients" => named("ClientRepresentation", "clientId"),
        "roles" => {
            let mut role = named("RoleRepresentation", "name");
            role["type"] = json!("array");
            json!({
                "type": ["object", "null"],
                "properties": {
                    "realm": role,
                    "client": {"type": "object", "additionalProperties": role}
                }
            })
        }
        _ => json!({"type": "string", "minLength": 1}),
    }
}

/// A list of `schema` in which each item has a `field` that `required_field` accepts.
fn named(schema: &str, field: &str) -> Value {
    json!({
        "type": ["array", "null"],
        "items": {
            "allOf": [{"$ref": format!("#/components/schemas/{schema}")}],
            "required": [field],
            "properties": {field: required_field(field)}
        }
    })
}

/// A query parameter as the server reads it (`request.rs`, JAX-RS's conversions, as
/// Keycloak 26.7.3 answers them, `facts-13.md` §3.3): an integer is a Java `Integer` (32
/// bits; anything else is a 404, empty is absent), a boolean is any text (`true` in any
/// case is true, any other text false, empty is absent).
fn query_parameter(name: &str, kind: &str) -> Value {
    let empty = json!({"type": "string", "maxLength": 0});
    let (schema, description) = match (kind, name) {
        ("integer", "first") => (
            json!({"anyOf": [{"type": "integer", "format": "int32", "minimum": i32::MIN, "maximum": i32::MAX}, empty]}),
            "Index of the first result, from 0 (a negative one counts as 0). Not a 32-bit integer: 404.",
        ),
        ("integer", "max") => (
            json!({"anyOf": [{"type": "integer", "format": "int32", "minimum": i32::MIN, "maximum": i32::MAX}, empty]}),
            "Most results to return (a negative one: no limit). Not a 32-bit integer: 404.",
        ),
        ("integer", _) => (
            json!({"anyOf": [{"type": "integer", "format": "int32", "minimum": i32::MIN, "maximum": i32::MAX}, empty]}),
            "A 32-bit integer; anything else is a 404.",
        ),
        ("boolean", _) => (
            json!({"anyOf": [{"type": "boolean"}, {"type": "string"}]}),
            "`true` in any case is true, any other text false (Java's `Boolean.valueOf`); empty or absent is the default.",
        ),
        ("event-type", _) => (
            json!({"type": "string", "enum": latchkey_core::event::SAVED_BY_DEFAULT.iter()
                .chain(latchkey_core::event::NOT_SAVED_BY_DEFAULT).collect::<Vec<_>>()}),
            "A Keycloak event type (`EventType`), repeatable; any other is a 400.",
        ),
        ("operation-type", _) => (
            json!({"type": "string", "enum": latchkey_core::event::OPERATION_TYPES}),
            "`CREATE`, `UPDATE`, `DELETE` or `ACTION`, repeatable; any other is a 400.",
        ),
        ("resource-type", _) => (
            json!({"type": "string", "enum": latchkey_core::event::RESOURCE_TYPES}),
            "A Keycloak resource type (`ResourceType`), repeatable; any other is a 400.",
        ),
        ("date", _) => (
            json!({"anyOf": [{"type": "string", "pattern": "^([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|-?[0-9]{1,18})$"}, empty]}),
            "`yyyy-MM-dd` (UTC) or epoch milliseconds; anything else is a 400.",
        ),
        (kind, _) => (json!({"type": kind}), ""),
    };
    let mut parameter = json!({"name": name, "in": "query", "schema": schema});
    if !description.is_empty() {
        parameter["description"] = json!(description);
    }
    parameter
}

fn document(paths: &[(String, Vec<Routed>)]) -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = SchemaGenerator::new(settings);
    let error = generator.subschema_for::<ErrorRepresentation>();
    let error_response = |description: &str| json!({"description": description, "content": {"application/json": {"schema": error}}});

    let mut document_paths = Map::new();
    let mut jackson = Map::new();
    let mut relaxed = Vec::new();
    for (path, ops) in paths {
        let parameters: Vec<Value> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| {
                json!({
                    "name": name,
                    "in": "path",
                    "required": true,
                    "description": describe_parameter(name),
                    "schema": {"type": "string"}
                })
            })
            .collect();
        let mut item = Map::new();
        item.insert("parameters".into(), Value::Array(parameters));
        for Routed { method, op, access } in ops {
            let mut operation = Map::new();
            operation.insert("tags".into(), json!([op.tag]));
            operation.insert("summary".into(), json!(op.summary));
            let (description, roles) = access_fields(*access);
            operation.insert("description".into(), json!(description));
            operation.insert("x-latchkey-roles".into(), roles);
            if !op.query.is_empty() {
                let query: Vec<Value> =
                    op.query.iter().map(|(name, kind)| query_parameter(name, kind)).collect();
                operation.insert("parameters".into(), Value::Array(query));
            }
            if let Some(body) = op.body {
                let mut schema = body(&mut generator).to_value();
                if !op.ignored_fields.is_empty()
                    && let Some(reference) = schema.get("$ref").and_then(Value::as_str)
                {
                    let name = reference.rsplit('/').next().unwrap_or_default().to_owned();
                    schema = json!({"$ref": format!("#/components/schemas/{name}.ignoring")});
                    relaxed.push((name, op.ignored_fields));
                }
                if !op.required_fields.is_empty() {
                    // `name?`: a rule on an optional field.
                    let rules: Map<String, Value> = op
                        .required_fields
                        .iter()
                        .map(|field| {
                            let rule = field.trim_end_matches('?');
                            (rule.trim_end_matches(['!', '~']).to_owned(), required_field(rule))
                        })
                        .collect();
                    let required: Vec<&str> = op
                        .required_fields
                        .iter()
                        .filter(|f| !f.ends_with('?'))
                        .map(|f| f.trim_end_matches('!'))
                        .collect();
                    schema = json!({
                        "allOf": [schema],
                        "required": required,
                        "properties": rules
                    });
                }
                if let Some(representation) = op.known_fields {
                    for (name, definition) in java::definitions(representation) {
                        jackson.insert(name, definition);
                    }
                    let reference = format!("#/components/schemas/Jackson.{}", representation.name);
                    let jackson = if op.known_list {
                        json!({"type": "array", "items": {"$ref": reference}})
                    } else {
                        json!({"$ref": reference})
                    };
                    schema = json!({"allOf": [schema, jackson]});
                }
                operation.insert(
                    "requestBody".into(),
                    json!({"required": op.body_required, "content": {op.body_media_type: {"schema": schema}}}),
                );
            }
            let mut responses = Map::new();
            match op.success {
                Success::Json(schema, description) => {
                    responses.insert(
                        "200".into(),
                        json!({"description": description, "content": {"application/json": {"schema": schema(&mut generator)}}}),
                    );
                }
                Success::Created => {
                    responses.insert(
                        "201".into(),
                        json!({"description": "Created", "headers": {"Location": {"description": "URL of the new resource", "schema": {"type": "string"}}}}),
                    );
                }
                Success::NoContent => {
                    responses.insert("204".into(), json!({"description": "No Content"}));
                }
            }
            if op.body.is_some() || !op.query.is_empty() {
                responses.insert("400".into(), error_response("Malformed body or parameter"));
            }
            responses.insert("401".into(), error_response("No valid bearer token"));
            responses
                .insert("403".into(), error_response("The token may not administer this realm"));
            if path != "/admin/realms" {
                responses.insert("404".into(), error_response("No such realm or resource"));
            }
            for (status, description) in op.refusals {
                responses.insert((*status).into(), error_response(description));
            }
            if op.conflict {
                responses
                    .insert("409".into(), error_response("A resource with the same name exists"));
            }
            operation.insert("responses".into(), Value::Object(responses));
            item.insert(method.as_str().to_lowercase(), Value::Object(operation));
        }
        document_paths.insert(path.clone(), Value::Object(item));
    }

    let mut schemas: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    write_limits(&mut schemas);
    schemas.extend(jackson);
    for (name, ignored) in relaxed {
        let Some(mut schema) = schemas.get(&name).cloned() else { continue };
        if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            for field in ignored {
                properties.insert((*field).to_owned(), Value::Bool(true));
            }
        }
        schemas.insert(format!("{name}.ignoring"), schema);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "latchkey Admin REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Keycloak's Admin REST API as latchkey serves it. Paths are relative to the server's relative path (`--http-relative-path`)."
        },
        "security": [{"bearer": []}],
        "paths": document_paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
            "schemas": schemas
        }
    })
}
