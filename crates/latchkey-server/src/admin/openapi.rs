//! The Admin API's OpenAPI 3.1 document, built from the same table that builds the
//! router (`admin.rs`): each route registers its handler and its `Op` together, so a
//! route cannot exist without its description, nor a description without its route.
//! Request and response bodies are the representation types themselves
//! (`latchkey_core::representation`, `JsonSchema` derived next to `Serialize`); the few
//! answers Keycloak builds by hand get their schema here.

use std::borrow::Cow;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use super::auth::{Access, Guarded};
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
    success: Success,
    conflict: bool,
}

/// An operation of `tag` named `summary`, answering 204 until told otherwise.
pub(crate) fn op(tag: &'static str, summary: &'static str) -> Op {
    Op { tag, summary, query: &[], body: None, success: Success::NoContent, conflict: false }
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

fn document(paths: &[(String, Vec<Routed>)]) -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = SchemaGenerator::new(settings);
    let error = generator.subschema_for::<ErrorRepresentation>();
    let error_response = |description: &str| json!({"description": description, "content": {"application/json": {"schema": error}}});

    let mut document_paths = Map::new();
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
                let query: Vec<Value> = op
                    .query
                    .iter()
                    .map(|(name, kind)| json!({"name": name, "in": "query", "schema": {"type": kind}}))
                    .collect();
                operation.insert("parameters".into(), Value::Array(query));
            }
            if let Some(body) = op.body {
                operation.insert(
                    "requestBody".into(),
                    json!({"required": true, "content": {"application/json": {"schema": body(&mut generator)}}}),
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
            if op.conflict {
                responses
                    .insert("409".into(), error_response("A resource with the same name exists"));
            }
            operation.insert("responses".into(), Value::Object(responses));
            item.insert(method.as_str().to_lowercase(), Value::Object(operation));
        }
        document_paths.insert(path.clone(), Value::Object(item));
    }

    let schemas: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
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
