//! How the console's refusals become pages: the console's own small mapping beside
//! `error.rs` (which writes Keycloak's JSON for the APIs). A `ConsoleError` becomes a
//! bare response carrying a [`Finish`] extension; [`finish`], a response layer on the
//! console's routes, turns that into the HTML page or the redirect to the sign-in form,
//! since only it knows the console's URL.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use latchkey_core::representation::ComponentError;
use latchkey_core::store::StoreError;

use super::layout;
use crate::error::ApiError;
use crate::manage::client_scopes::ScopeRefusal;
use crate::manage::{Field, ManageError, MasterChange, Missing};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub(crate) enum ConsoleError {
    /// No session cookie, or one that does not verify: sign in.
    #[error("not signed in")]
    SignedOut,
    /// The session ended (signed out elsewhere, idle or max reached): sign in again.
    #[error("session expired")]
    Expired,
    /// Signed in, but no longer an admin of realm `master`.
    #[error("not an admin")]
    NotAdmin,
    /// Plain HTTP where realm master's Require SSL refuses it.
    #[error("HTTPS required")]
    HttpsRequired,
    /// A form without this session's CSRF token; nothing was changed.
    #[error("bad CSRF token")]
    Csrf,
    /// An unknown realm, user, client or role in the URL.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A refusal of the admin layer that the page has no form field to show it on.
    #[error(transparent)]
    Manage(#[from] ManageError),
    /// A request the console cannot read (too large a body, …) or a failure below it.
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What [`finish`] must still do with a refused request.
#[derive(Clone, Debug)]
pub(crate) enum Finish {
    Page { title: &'static str, message: String },
    SignIn { expired: bool },
}

fn finishing(status: StatusCode, finish: Finish) -> Response {
    let mut response = status.into_response();
    response.extensions_mut().insert(finish);
    response
}

fn page(status: StatusCode, title: &'static str, message: impl Into<String>) -> Response {
    finishing(status, Finish::Page { title, message: message.into() })
}

/// What the page names that does not exist, for the 404 page.
fn missing_noun(missing: &Missing) -> &'static str {
    match missing {
        Missing::User => "This user",
        Missing::Client | Missing::MappedClient => "This client",
        Missing::Role | Missing::MappedRole | Missing::CompositeRole => "This role",
        Missing::RealmRoleNamed(_) | Missing::ClientRoleNamed(_) => "A role the form names",
        Missing::Session => "This session",
        Missing::Component => "This key",
        Missing::RoleById => "This role",
        Missing::Group | Missing::ChildGroup | Missing::MemberGroup | Missing::GroupPath => {
            "This group"
        }
        Missing::Credential => "This credential",
        Missing::ClientScope | Missing::ScopeToLink => "This client scope",
        Missing::MapperProvider => "This mapper type",
        Missing::Mapper => "This mapper",
    }
}

/// The console's words for a refusal of the admin layer, for the form field it concerns
/// or a notice.
pub(crate) fn refusal_text(error: &ManageError) -> String {
    match error {
        ManageError::NotFound(missing) => {
            format!(
                "{} does not exist. It may have been deleted or renamed.",
                missing_noun(missing)
            )
        }
        ManageError::UsernameTaken => "Another user has this username.".into(),
        ManageError::EmailTaken => "Another user has this email.".into(),
        ManageError::ClientIdTaken(_) => "A client with this client ID exists already.".into(),
        ManageError::RoleNameTaken(_) | ManageError::Duplicate => {
            "A role with this name exists already.".into()
        }
        ManageError::TopLevelGroupTaken(_) => {
            "A top-level group with this name exists already.".into()
        }
        ManageError::SiblingGroupTaken(_) => {
            "A group with this name exists already at that place.".into()
        }
        ManageError::GroupCycle => {
            "A group cannot move under itself or one of its subgroups.".into()
        }
        ManageError::UnknownGroupPath(path) => format!("There is no group {path}."),
        ManageError::RealmExists | ManageError::RealmNameTaken => {
            "A realm with this name exists already.".into()
        }
        ManageError::Invalid { field, reason } => match (field, reason) {
            (Field::Username, _) => "Enter a username.".into(),
            (Field::Password, _) => "Enter a password.".into(),
            (Field::ClientId, _) => "Enter a client ID.".into(),
            (Field::RoleName, _) => "Enter a role name.".into(),
            (Field::GroupName, _) => "Enter a group name.".into(),
            (Field::GroupId, _) => "This form names another group.".into(),
        },
        ManageError::PasswordPolicy(violation) => violation.description(),
        ManageError::RealmFile(error) => error.to_string(),
        ManageError::PartialImport(error) => error.to_string(),
        ManageError::InvalidUsername(problems) => username_text(*problems),
        ManageError::Setting(error) => error.to_string(),
        ManageError::MasterRealm(MasterChange::Rename) => "Can't rename master realm".into(),
        ManageError::MasterRealm(MasterChange::Delete) => "Can't delete master realm".into(),
        ManageError::DefaultRole(name) => {
            format!("{name} is default role of the realm and cannot be removed.")
        }
        ManageError::ServiceAccountDisabled(_) => {
            "This client has no service account: turn service accounts on first.".into()
        }
        ManageError::Component(ComponentError::Generation(_))
        | ManageError::Store(_)
        | ManageError::Hashing
        | ManageError::Key(_)
        | ManageError::Task(_) => unexpected().into(),
        ManageError::Component(error) => format!("{error}."),
        ManageError::ComponentExists(_) => "A key with this id exists already.".into(),
        ManageError::ClientScope(refusal) => format!("{}.", capitalised(&refusal.to_string())),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The status of a page showing a refusal of the admin layer.
pub(crate) fn refusal_status(error: &ManageError) -> StatusCode {
    match error {
        ManageError::NotFound(_) => StatusCode::NOT_FOUND,
        ManageError::UsernameTaken
        | ManageError::EmailTaken
        | ManageError::ClientIdTaken(_)
        | ManageError::RoleNameTaken(_)
        | ManageError::Duplicate
        | ManageError::TopLevelGroupTaken(_)
        | ManageError::SiblingGroupTaken(_)
        | ManageError::RealmExists
        | ManageError::RealmNameTaken
        | ManageError::ComponentExists(_)
        | ManageError::ClientScope(
            ScopeRefusal::NameTaken(_)
            | ScopeRefusal::MapperNameTaken
            | ScopeRefusal::MapperNamesNotUnique
            | ScopeRefusal::MapperProtocolMissing,
        ) => StatusCode::CONFLICT,
        ManageError::Component(ComponentError::Generation(_))
        | ManageError::Store(_)
        | ManageError::Hashing
        | ManageError::Key(_)
        | ManageError::Task(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        match self {
            ConsoleError::SignedOut => {
                finishing(StatusCode::SEE_OTHER, Finish::SignIn { expired: false })
            }
            ConsoleError::Expired => {
                finishing(StatusCode::SEE_OTHER, Finish::SignIn { expired: true })
            }
            ConsoleError::NotAdmin => page(
                StatusCode::FORBIDDEN,
                "Access denied",
                "Your account may not use the admin console: it needs realm master's admin role.",
            ),
            ConsoleError::HttpsRequired => page(
                StatusCode::FORBIDDEN,
                "HTTPS required",
                "Realm master's Require SSL setting refuses plain HTTP from this address. Open the console with https://.",
            ),
            ConsoleError::Csrf => page(
                StatusCode::FORBIDDEN,
                "Request refused",
                "This form was not sent from a current console page, so nothing was changed. \
                 Go back, reload the page and try again.",
            ),
            ConsoleError::NotFound(what) => page(
                StatusCode::NOT_FOUND,
                "Page not found",
                format!("{what} does not exist. It may have been deleted or renamed."),
            ),
            ConsoleError::Api(ApiError::Store(error))
            | ConsoleError::Manage(ManageError::Store(error))
            | ConsoleError::Store(error) => {
                tracing::error!(error = %error, "console: storage failure");
                page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", unexpected())
            }
            ConsoleError::Internal(message) => {
                tracing::error!(error = %message, "console: internal failure");
                page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", unexpected())
            }
            ConsoleError::Manage(error) => {
                let status = refusal_status(&error);
                let title = match status {
                    StatusCode::NOT_FOUND => "Page not found",
                    StatusCode::INTERNAL_SERVER_ERROR => {
                        tracing::error!(error = %error, "console: internal failure");
                        "Something went wrong"
                    }
                    _ => "Request refused",
                };
                page(status, title, refusal_text(&error))
            }
            ConsoleError::Api(error) => {
                let status = status_of(&error);
                let title = if status == StatusCode::NOT_FOUND {
                    "Page not found"
                } else {
                    "Request refused"
                };
                page(status, title, api_message(&error))
            }
        }
    }
}

/// The message of a request the console cannot read, for a page.
fn api_message(error: &ApiError) -> String {
    match error {
        ApiError::Plain { message, .. } => (*message).to_owned(),
        ApiError::OAuth(error) => error.description.to_string(),
        other => other.to_string(),
    }
}

/// The status the API would answer with.
fn status_of(error: &ApiError) -> StatusCode {
    match error {
        ApiError::Plain { status, .. } | ApiError::Bearer { status, .. } => *status,
        ApiError::RealmNotFound => StatusCode::NOT_FOUND,
        ApiError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn unexpected() -> &'static str {
    "The server could not complete this request. Nothing secret was shown; the details are in the server's log."
}

/// Turns a refused console request into its page or redirect (a response layer).
pub(crate) async fn finish(State(state): State<AppState>, mut response: Response) -> Response {
    let Some(finish) = response.extensions_mut().remove::<Finish>() else { return response };
    let root = super::root(&state);
    match finish {
        Finish::SignIn { expired } => {
            let target =
                if expired { format!("{root}/login?expired=1") } else { format!("{root}/login") };
            let mut response = StatusCode::SEE_OTHER.into_response();
            let headers = response.headers_mut();
            if let Ok(value) = HeaderValue::from_str(&target) {
                headers.insert(header::LOCATION, value);
            }
            if expired {
                let clear = super::auth::clear_cookie(&state, super::auth::SESSION_COOKIE);
                if let Ok(value) = HeaderValue::from_str(&clear) {
                    headers.insert(header::SET_COOKIE, value);
                }
            }
            response
        }
        Finish::Page { title, message } => {
            let status = response.status();
            let markup = layout::message_page(&root, title, &message);
            let mut response = (status, Html(markup.into_string())).into_response();
            response = crate::headers::no_store(response);
            response
        }
    }
}

/// The console's words for a username the validators refuse.
pub(crate) fn username_text(problems: latchkey_core::username::UsernameProblems) -> String {
    use latchkey_core::username::{MAX_LENGTH, MIN_LENGTH};
    let length = format!("Use {MIN_LENGTH} to {MAX_LENGTH} characters.");
    let characters = "Leave out spaces, control characters, letters of scripts other than \
                      Latin and these: < > & \" ' $ % ! # ? § , ; : * ~ / \\ | ^ = [ ] { } ( ) `";
    match (problems.length, problems.characters) {
        (true, true) => format!("{length} {characters}"),
        (true, false) => length,
        _ => characters.to_owned(),
    }
}
