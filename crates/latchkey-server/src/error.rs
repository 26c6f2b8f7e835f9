//! The one place where errors become HTTP answers.
//!
//! Bodies follow Keycloak: OAuth errors as `{"error":…,"error_description":…}`
//! (`OAuth2ErrorRepresentation`), other failures as `{"error":"<message>"}`
//! (`KeycloakErrorHandler`), bearer-token failures as a bare `WWW-Authenticate`, and
//! the Admin API's own refusals as `{"errorMessage":…}` (`ErrorResponse`,
//! `ErrorRepresentation`): every `ManageError` gets the status and text Keycloak answers
//! for it here (`manage_response`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::oauth_error::{OAuthError, Refusal};
use latchkey_core::representation::limits::SettingError;
use latchkey_core::representation::{ComponentError, ImportError, PartialImportError};
use latchkey_core::store::StoreError;
use latchkey_core::token::issue::IssueError;
use latchkey_core::username::{MAX_LENGTH, MIN_LENGTH, UsernameProblems};

use crate::manage::client_scopes::ScopeRefusal;
use crate::manage::{Field, ManageError, MasterChange, Missing, Reason};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// `NotFoundException("Realm does not exist")`.
    #[error("realm does not exist")]
    RealmNotFound,
    /// A non-OAuth refusal written as `{"error":"<message>"}`.
    #[error("{message}")]
    Plain { status: StatusCode, message: &'static str },
    /// Bearer-token refusal of a resource endpoint (userinfo): status plus
    /// `WWW-Authenticate`, no body (`OAuth2Error.json(false)`, Keycloak ≥19.0.2).
    #[error("bearer refused: {description:?}")]
    Bearer {
        status: StatusCode,
        realm: String,
        code: Option<&'static str>,
        description: Option<&'static str>,
    },
    /// A refusal of the admin layer (the Admin API's and the console's changes).
    #[error(transparent)]
    Manage(#[from] ManageError),
    /// A JSON body that does not parse or has a value of the wrong type: 400 with
    /// `KeycloakErrorHandler`'s answer to a Jackson failure (`unknown_error`,
    /// "Cannot parse the JSON"). The parser's message is kept for the log only.
    #[error("cannot parse the JSON: {0}")]
    BadJson(#[source] serde_json::Error),
    /// A body that is not JSON, as Keycloak's Jackson reads a representation
    /// (`JsonParseException`).
    #[error("malformed JSON body")]
    MalformedJson,
    /// A number beyond the range of its field's Java type (`InputCoercionException`,
    /// which RESTEasy reports as its own `400 Bad Request`).
    #[error("a number in the JSON body is out of range")]
    JsonRange,
    /// A value Jackson does not coerce into its field's Java type
    /// (`MismatchedInputException`).
    #[error("a value in the JSON body has the wrong type")]
    JsonType,
    /// A new realm's body that does not read as a realm, whatever the fault: Keycloak
    /// reads it as a stream (`RealmsAdminResource.importRealm`).
    #[error("the realm body does not read as a realm")]
    UnreadableRealm,
    /// A field the representation does not have (Jackson's `UnrecognizedPropertyException`,
    /// answered by `KeycloakErrorHandler`), where the input stood when it was read.
    #[error("unrecognized field {field:?} in {representation}")]
    UnknownField { representation: &'static str, field: String, line: usize, column: usize },
    /// The request body is larger than the configured limit.
    #[error("request body too large")]
    TooLarge,
    /// The request body stalled past the body read timeout (`latchkey_listener`).
    /// Keycloak closes such a connection without an answer after 60 s; latchkey says
    /// 408 and closes it.
    #[error("request body timed out")]
    BodyTimeout,
    /// A JSON endpoint's body came with another `Content-Type` (RESTEasy's 415).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The realm cannot sign tokens (no active key): the server's fault, not the client's.
    #[error(transparent)]
    Issue(#[from] IssueError),
}

impl ApiError {
    pub fn plain(status: StatusCode, message: &'static str) -> Self {
        ApiError::Plain { status, message }
    }
}

/// A refused events configuration (`PUT /events/config`): Keycloak's
/// `{"error":"Unknown event listener"}`.
impl From<latchkey_core::event::EventsConfigError> for ApiError {
    fn from(error: latchkey_core::event::EventsConfigError) -> Self {
        use latchkey_core::event::EventsConfigError as E;
        match error {
            E::UnknownListener => {
                ApiError::plain(StatusCode::BAD_REQUEST, "Unknown event listener")
            }
            E::NegativeExpiration => {
                ApiError::plain(StatusCode::BAD_REQUEST, "Invalid value for 'eventsExpiration'")
            }
        }
    }
}

fn status_of(refusal: Refusal) -> StatusCode {
    match refusal {
        Refusal::BadRequest => StatusCode::BAD_REQUEST,
        Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
        Refusal::Forbidden => StatusCode::FORBIDDEN,
        Refusal::NotFound => StatusCode::NOT_FOUND,
    }
}

/// A JSON answer with a body built from pairs, in order.
fn json_response(status: StatusCode, pairs: &[(&str, &str)]) -> Response {
    let body: serde_json::Map<String, serde_json::Value> =
        pairs.iter().map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(*v))).collect();
    (status, axum::Json(serde_json::Value::Object(body))).into_response()
}

/// Quotes a value for a `WWW-Authenticate` parameter.
fn quoted(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::OAuth(error) => {
                let status = status_of(error.refusal);
                json_response(
                    status,
                    &[("error", error.code), ("error_description", &error.description)],
                )
            }
            ApiError::RealmNotFound => {
                json_response(StatusCode::NOT_FOUND, &[("error", "Realm does not exist")])
            }
            ApiError::Plain { status, message } => json_response(status, &[("error", message)]),
            ApiError::Manage(error) => manage_response(error),
            ApiError::Bearer { status, realm, code, description } => {
                let mut value = format!("Bearer realm=\"{}\"", quoted(&realm));
                if let Some(code) = code {
                    value.push_str(&format!(", error=\"{code}\""));
                }
                if let Some(description) = description {
                    value.push_str(&format!(", error_description=\"{}\"", quoted(description)));
                }
                let mut response = status.into_response();
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
                }
                response
            }
            ApiError::BadJson(error) => {
                tracing::info!(error = %error, "request body refused");
                // `KeycloakErrorHandler`: a `JsonParseException` is `invalid_request`, a
                // value that does not fit its type `unknown_error`.
                let code = if error.is_syntax() || error.is_eof() {
                    "invalid_request"
                } else {
                    "unknown_error"
                };
                json_response(
                    StatusCode::BAD_REQUEST,
                    &[("error", code), ("error_description", "Cannot parse the JSON")],
                )
            }
            ApiError::MalformedJson => json_response(
                StatusCode::BAD_REQUEST,
                &[("error", "invalid_request"), ("error_description", "Cannot parse the JSON")],
            ),
            ApiError::JsonRange => json_response(
                StatusCode::BAD_REQUEST,
                &[
                    ("error", "HTTP 400 Bad Request"),
                    ("error_description", "Cannot parse the JSON"),
                ],
            ),
            ApiError::UnreadableRealm => {
                error_message(StatusCode::BAD_REQUEST, "unable to read contents from stream")
            }
            ApiError::JsonType => json_response(
                StatusCode::BAD_REQUEST,
                &[("error", "unknown_error"), ("error_description", "Cannot parse the JSON")],
            ),
            ApiError::UnsupportedMediaType => json_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                &[("error", "The content-type header value did not match the value in @Consumes")],
            ),
            ApiError::BodyTimeout => {
                let mut response = json_response(
                    StatusCode::REQUEST_TIMEOUT,
                    &[
                        ("error", "invalid_request"),
                        ("error_description", "Request body timed out"),
                    ],
                );
                response.headers_mut().insert(
                    axum::http::header::CONNECTION,
                    axum::http::HeaderValue::from_static("close"),
                );
                response
            }
            ApiError::UnknownField { representation, field, line, column } => {
                let message = format!(
                    "Invalid json representation for {representation}. Unrecognized field \"{field}\" at line {line} column {column}."
                );
                json_response(StatusCode::BAD_REQUEST, &[("error", &message)])
            }
            ApiError::TooLarge => json_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                &[("error", "invalid_request"), ("error_description", "Request body too large")],
            ),
            ApiError::Store(error) => {
                tracing::error!(error = %error, "storage failure");
                json_response(StatusCode::INTERNAL_SERVER_ERROR, &[("error", "unknown_error")])
            }
            ApiError::Issue(error) => {
                tracing::error!(error = %error, "tokens not issued");
                json_response(StatusCode::INTERNAL_SERVER_ERROR, &[("error", "unknown_error")])
            }
        }
    }
}

/// `{"errorMessage":…}`, Keycloak's `ErrorResponse` (`exists` is 409, `error` 400).
fn error_message(status: StatusCode, message: &str) -> Response {
    json_response(status, &[("errorMessage", message)])
}

/// A refusal of the admin layer as Keycloak answers it: its `NotFoundException`s,
/// `ErrorResponse`s and `BadRequestException`s, by resource.
fn manage_response(error: ManageError) -> Response {
    use StatusCode as S;
    match error {
        ManageError::NotFound(missing) => {
            let text = match missing {
                Missing::User => "User not found",
                Missing::Client => "Could not find client",
                Missing::Role => "Could not find role",
                // Keycloak's spelling (`RealmAdminResource.deleteSession`).
                Missing::Session => "Sesssion not found",
                Missing::MappedRole => "Role not found",
                Missing::MappedClient => "Client not found",
                Missing::CompositeRole => "Could not find composite role",
                Missing::Component => "Could not find component",
                Missing::RealmRoleNamed(name) => {
                    let message = format!("Realm Role with name {name} does not exist");
                    return error_message(S::NOT_FOUND, &message);
                }
                Missing::ClientRoleNamed(name) => {
                    let message = format!("Client Role with name {name} does not exist");
                    return error_message(S::NOT_FOUND, &message);
                }
                Missing::RoleById => "Could not find role with id",
                Missing::Group => "Could not find group by id",
                Missing::ChildGroup => "Could not find child by id",
                Missing::MemberGroup => "Group not found",
                Missing::GroupPath => "Group path does not exist",
                Missing::Credential => "Credential not found",
                Missing::ClientScope => "Could not find client scope",
                Missing::ScopeToLink => "Client scope not found",
                Missing::MapperProvider => "ProtocolMapper provider not found",
                Missing::Mapper => "Model not found",
            };
            json_response(S::NOT_FOUND, &[("error", text)])
        }
        ManageError::UsernameTaken => error_message(S::CONFLICT, "User exists with same username"),
        ManageError::EmailTaken => error_message(S::CONFLICT, "User exists with same email"),
        ManageError::ClientIdTaken(client_id) => {
            error_message(S::CONFLICT, &format!("Client {client_id} already exists"))
        }
        ManageError::RoleNameTaken(name) => {
            error_message(S::CONFLICT, &format!("Role with name {name} already exists"))
        }
        // `KeycloakErrorHandler` on a `ModelDuplicateException` (26.7.3, `facts-12.md` §3.2).
        ManageError::Duplicate => json_response(
            S::CONFLICT,
            &[("error", "conflict"), ("error_description", "Duplicate resource error")],
        ),
        ManageError::TopLevelGroupTaken(name) => {
            error_message(S::CONFLICT, &format!("Top level group named '{name}' already exists."))
        }
        ManageError::SiblingGroupTaken(name) => {
            error_message(S::CONFLICT, &format!("Sibling group named '{name}' already exists."))
        }
        // Keycloak 26.7.3 answers 500 `unknown_error`: the request is what is wrong.
        ManageError::GroupCycle => error_message(
            S::BAD_REQUEST,
            "A group cannot be moved under itself or one of its subgroups.",
        ),
        // Keycloak 26.7.3 answers 500 and logs this text; the body is what is wrong.
        ManageError::UnknownGroupPath(path) => error_message(
            S::BAD_REQUEST,
            &format!("Unable to find group specified by path: {path}"),
        ),
        // `RealmsAdminResource.importRealm`.
        ManageError::RealmExists => {
            error_message(S::CONFLICT, "Conflict detected. See logs for details")
        }
        ManageError::RealmNameTaken => error_message(S::CONFLICT, "Realm with same name exists"),
        ManageError::Invalid { field, reason } => invalid_response(field, reason),
        // As 26.7.3 answers reset-password, user creation and user update alike: the
        // message key as `error` and its text as `error_description`.
        ManageError::PasswordPolicy(violation) => json_response(
            S::BAD_REQUEST,
            &[("error", violation.key), ("error_description", &violation.description())],
        ),
        ManageError::RealmFile(ImportError::Setting(error)) | ManageError::Setting(error) => {
            setting_response(&error)
        }
        ManageError::RealmFile(error) => error_message(S::BAD_REQUEST, &error.to_string()),
        ManageError::PartialImport(error) => partial_import_response(error),
        ManageError::InvalidUsername(problems) => username_response(problems),
        ManageError::MasterRealm(MasterChange::Rename) => {
            error_message(S::BAD_REQUEST, "Can't rename master realm")
        }
        ManageError::MasterRealm(MasterChange::Delete) => {
            error_message(S::BAD_REQUEST, "Can't delete master realm")
        }
        ManageError::DefaultRole(name) => error_message(
            S::BAD_REQUEST,
            &format!("{name} is default role of the realm and cannot be removed."),
        ),
        // A `BadRequestException` in `ClientResource.getServiceAccountUser`.
        ManageError::ServiceAccountDisabled(client_id) => {
            let message = format!("Service account not enabled for the client '{client_id}'");
            json_response(S::BAD_REQUEST, &[("error", &message)])
        }
        // `ComponentResource`: the provider's `ComponentValidationException` text, or an
        // unknown provider (26.7.3's answers).
        ManageError::Component(ComponentError::UnknownProvider) => {
            json_response(S::BAD_REQUEST, &[("error", "Invalid provider type or no such provider")])
        }
        ManageError::Component(ComponentError::Invalid(message)) => {
            error_message(S::BAD_REQUEST, &message)
        }
        ManageError::ComponentExists(id) => {
            error_message(S::CONFLICT, &format!("Component with id {id} already exists"))
        }
        ManageError::ClientScope(refusal) => scope_response(refusal),
        ManageError::Store(error) => ApiError::Store(error).into_response(),
        error @ (ManageError::Hashing
        | ManageError::Key(_)
        | ManageError::Task(_)
        | ManageError::Component(ComponentError::Generation(_))) => {
            tracing::error!(error = %error, "admin change failed");
            json_response(S::INTERNAL_SERVER_ERROR, &[("error", "unknown_error")])
        }
    }
}

/// `RealmAdminResource.partialImport`'s refusals: `ErrorResponse.exists` (409) for a
/// resource that exists under `FAIL`, `ErrorResponse.error(…, PRECONDITION_FAILED)` for
/// client roles without their client, 400 for an unknown policy or a file that does not
/// import (Keycloak 26.7.3 answers 500 for both).
fn partial_import_response(error: PartialImportError) -> Response {
    use StatusCode as S;
    match error {
        PartialImportError::Exists(message) => error_message(S::CONFLICT, &message),
        error @ PartialImportError::NoSuchClient(_) => {
            error_message(S::PRECONDITION_FAILED, &error.to_string())
        }
        error @ PartialImportError::Policy(_) => error_message(S::BAD_REQUEST, &error.to_string()),
        PartialImportError::Import(error) => manage_response(ManageError::RealmFile(error)),
    }
}

/// A setting out of range: Keycloak's own refusals as it words them (a realm's as a
/// `ModelException`, a client's as `invalid_input`), latchkey's stricter ranges as an
/// `ErrorRepresentation` naming the field.
/// Client scopes and protocol mappers refused (`ClientScopesResource`,
/// `ProtocolMappersResource`; texts and statuses observed in 26.7.3, facts-12 §2.2, §2.5).
fn scope_response(refusal: ScopeRefusal) -> Response {
    use StatusCode as S;
    match refusal {
        ScopeRefusal::Name(name) => {
            // Keycloak answers 500 to a scope without a name; latchkey words it as Java
            // would print the missing name.
            let name = name.as_deref().unwrap_or("null");
            error_message(S::BAD_REQUEST, &format!("Unexpected name \"{name}\" for ClientScope"))
        }
        ScopeRefusal::Protocol => error_message(S::BAD_REQUEST, "Unexpected protocol"),
        ScopeRefusal::NameTaken(name) => {
            error_message(S::CONFLICT, &format!("Client Scope {name} already exists"))
        }
        ScopeRefusal::MapperNameTaken => {
            error_message(S::CONFLICT, "Protocol mapper exists with same name")
        }
        ScopeRefusal::MapperNamesNotUnique => json_response(
            S::CONFLICT,
            &[
                ("error", "conflict"),
                ("error_description", "Protocol mapper name must be unique per protocol"),
            ],
        ),
        ScopeRefusal::MapperProtocolMissing => json_response(
            S::CONFLICT,
            &[("error", "conflict"), ("error_description", "Duplicate resource error")],
        ),
        ScopeRefusal::MapperIdentityChanged => {
            error_message(S::BAD_REQUEST, "A protocol mapper's name, type and id cannot change")
        }
    }
}

fn setting_response(error: &SettingError) -> Response {
    let text = error.to_string();
    match error {
        SettingError::Negative { .. }
        | SettingError::RealmClientIdleAboveSso
        | SettingError::RealmClientMaxAboveSso => error_message(StatusCode::BAD_REQUEST, &text),
        SettingError::ClientIdleAboveSso | SettingError::ClientMaxAboveSso => json_response(
            StatusCode::BAD_REQUEST,
            &[("error", "invalid_input"), ("error_description", &text)],
        ),
        SettingError::OutOfRange { limit, .. } | SettingError::NotANumber { limit, .. } => {
            json_response(
                StatusCode::BAD_REQUEST,
                &[("field", limit.name), ("errorMessage", &text)],
            )
        }
    }
}

/// The user profile's username validators, as 26.7.3 answers them: one error as an
/// `ErrorRepresentation`, two as `{"errors": [...]}`, length first.
fn username_response(problems: UsernameProblems) -> Response {
    let mut errors = Vec::new();
    if problems.length {
        errors.push(serde_json::json!({
            "field": "username",
            "errorMessage": "error-invalid-length",
            "params": ["username", MIN_LENGTH, MAX_LENGTH],
        }));
    }
    if problems.characters {
        errors.push(serde_json::json!({
            "field": "username",
            "errorMessage": "error-username-invalid-character",
            "params": ["username"],
        }));
    }
    let body = match <[serde_json::Value; 1]>::try_from(errors) {
        Ok([one]) => one,
        Err(errors) => serde_json::json!({ "errors": errors }),
    };
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// A request value the admin layer refused, as each resource of Keycloak words it.
fn invalid_response(field: Field, reason: Reason) -> Response {
    use StatusCode as S;
    match (field, reason) {
        (Field::Username, _) => error_message(S::BAD_REQUEST, "User name is missing"),
        (Field::Password, Reason::Blank) => {
            json_response(S::BAD_REQUEST, &[("error", "Empty password not allowed")])
        }
        (Field::Password, _) => json_response(S::BAD_REQUEST, &[("error", "No password provided")]),
        (Field::ClientId, _) => error_message(S::BAD_REQUEST, "Client id is missing"),
        (Field::RoleName, _) => json_response(S::BAD_REQUEST, &[("error", "role has no name")]),
        (Field::GroupName, _) => error_message(S::BAD_REQUEST, "Group name is missing"),
        (Field::GroupId, _) => error_message(S::BAD_REQUEST, "Invalid group id"),
    }
}
