//! Users: search, create, details (edit, enable/disable), credentials (set a password,
//! temporary or not), and the user's sessions with sign-out; the Role mapping tab is in
//! `user_roles.rs`, the Groups tab in `groups.rs`. Every change calls the admin layer's
//! function for it (`manage::users`, `manage::sessions`, `manage::attack_detection`).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::brute_force::is_temporarily_locked;
use latchkey_core::representation::{CredentialRepresentation, UserRepresentation};
use latchkey_core::store::Store;
use latchkey_core::user::User;
use maud::{Markup, html};

use super::auth::{Console, ConsoleForm, ConsoleRealm};
use super::error::{ConsoleError, refusal_status, refusal_text};
use super::fields::{Fields, check_field, password_field, text_field};
use super::layout::{Confirm, Page, Section, is_confirmed, notice, time_text};
use super::see_other;
use super::sessions::sessions_table;
use crate::admin::request::{Query, path_segment};
use crate::cache::RealmSnapshot;
use crate::manage::{Field, ManageError, attack_detection, sessions, users};
use crate::state::AppState;

fn error_notice(message: &str) -> Markup {
    html! { div.notice.error role="alert" { (message) } }
}

/// Rows a listing shows at most; a search narrows it down.
pub(crate) const PAGE_SIZE: usize = 100;

const FIX_BELOW: &str = "Some values are not valid. Correct the fields marked below.";

/// The user of this realm, or the 404 page. Service-account users are managed through
/// their client.
pub(crate) async fn open_user(
    state: &AppState,
    realm: &RealmSnapshot,
    id: &str,
) -> Result<User, ConsoleError> {
    let user = users::find(state, realm, id).await?;
    if user.is_service_account() {
        return Err(ConsoleError::NotFound("This user"));
    }
    Ok(user)
}

pub(crate) fn user_url(console: &Console, realm: &str, user: &User, rest: &str) -> String {
    console.realm_url(realm, &format!("/users/{}{rest}", path_segment(&user.id)))
}

fn users_page(
    console: &Console,
    realm: &str,
    title: String,
    crumbs: Vec<(String, String)>,
    body: Markup,
    status: StatusCode,
) -> Response {
    Page { console, realm, section: Section::Users, title, crumbs, body }.render_with(status)
}

// ---- List and search ----

pub(crate) async fn get_users(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    query: Query,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let search = query.get("search").map(str::trim).filter(|s| !s.is_empty());
    let (users, total) = users::search(&state, &realm, search, PAGE_SIZE).await?;
    let body = html! {
        div.head {
            h1 { "Users" }
        }
        p.lede { "People who sign in to realm " strong { (name) } ", their credentials and their roles." }
        (notice(query.get("notice")))
        div.toolbar {
            form method="get" action=(console.realm_url(name, "/users")) role="search" {
                input type="search" name="search" value=(search.unwrap_or_default()) placeholder="Search user" aria-label="Search user";
                button.button.secondary type="submit" { "Search" }
            }
            span.spacer {}
            a.button href=(console.realm_url(name, "/users/new")) { "Add user" }
        }
        div.table-wrap {
            @if users.is_empty() {
                p.empty {
                    @if search.is_some() { "No users match your search." } @else { "No users yet. Add one to get started." }
                }
            } @else {
                @if total > users.len() {
                    p.empty { "Showing the first " (users.len()) " of " (total) " users, by username. Search to find others." }
                }
                table {
                    thead { tr { th { "Username" } th { "Email" } th.hide-narrow { "Last name" } th.hide-narrow { "First name" } th { "Status" } } }
                    tbody {
                        @for user in &users {
                            tr {
                                td { a href=(user_url(&console, name, user, "")) { (user.username) } }
                                td { (user.profile.email.as_deref().unwrap_or("—")) }
                                td.hide-narrow { (user.profile.last_name.as_deref().unwrap_or("—")) }
                                td.hide-narrow { (user.profile.first_name.as_deref().unwrap_or("—")) }
                                td { (status_badge(user.enabled)) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(users_page(&console, name, "Users".into(), Vec::new(), body, StatusCode::OK))
}

fn status_badge(enabled: bool) -> Markup {
    if enabled {
        html! { span.badge.on { "Enabled" } }
    } else {
        html! { span.badge.off { "Disabled" } }
    }
}

// ---- Create ----

fn new_user_page(
    console: &Console,
    realm: &str,
    fields: &Fields,
    top: Markup,
    status: StatusCode,
) -> Response {
    let crumbs = vec![(console.realm_url(realm, "/users"), "Users".to_owned())];
    let body = html! {
        div.head { h1 { "Create user" } }
        (top)
        form.panel method="post" action=(console.realm_url(realm, "/users/new")) novalidate {
            (console.csrf_input())
            (text_field(fields, "username", "Username", "3 to 255 characters, no spaces or symbols such as < > / ; stored in lower case."))
            (text_field(fields, "email", "Email", ""))
            (text_field(fields, "firstName", "First name", ""))
            (text_field(fields, "lastName", "Last name", ""))
            (check_field(fields, "enabled", "Enabled", "On", "A disabled user cannot sign in."))
            div.actions {
                button.button type="submit" { "Create" }
                a.button.secondary href=(console.realm_url(realm, "/users")) { "Cancel" }
            }
        }
    };
    users_page(console, realm, "Create user".into(), crumbs, body, status)
}

pub(crate) async fn get_new_user(
    ConsoleRealm { console, realm, .. }: ConsoleRealm,
) -> Result<Response, ConsoleError> {
    let mut fields = Fields::default();
    fields.set_check("enabled", true);
    Ok(new_user_page(&console, &realm.realm.name, &fields, html! {}, StatusCode::OK))
}

pub(crate) async fn post_new_user(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = realm.realm.name.clone();
    let mut fields = Fields::from_form(&form);
    let username = fields.text("username").unwrap_or_default();
    let problems = latchkey_core::username::check(&username);
    if username.is_empty() {
        fields.add_error("username", "Enter a username.");
    } else if !problems.is_empty() {
        fields.add_error("username", super::error::username_text(problems));
    }
    let email = fields.text("email");
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        fields.add_error("email", "Enter an email address, such as jane@example.com.");
    }
    if fields.has_errors() {
        return Ok(new_user_page(
            &console,
            &name,
            &fields,
            error_notice(FIX_BELOW),
            StatusCode::BAD_REQUEST,
        ));
    }
    let rep = UserRepresentation {
        username,
        email,
        first_name: fields.text("firstName"),
        last_name: fields.text("lastName"),
        enabled: Some(fields.is_checked("enabled")),
        ..UserRepresentation::default()
    };
    match users::create(&state, &realm, &rep).await {
        Ok(user) => {
            Ok(see_other(&format!("{}?notice=created", user_url(&console, &name, &user, ""))))
        }
        Err(error) => {
            let status = refusal_on_fields(&mut fields, error)?;
            Ok(new_user_page(&console, &name, &fields, error_notice(FIX_BELOW), status))
        }
    }
}

/// Puts a refusal of a user write on the field it concerns; the rest becomes a page.
fn refusal_on_fields(fields: &mut Fields, error: ManageError) -> Result<StatusCode, ConsoleError> {
    let field = match &error {
        ManageError::EmailTaken => "email",
        ManageError::UsernameTaken
        | ManageError::InvalidUsername(_)
        | ManageError::Invalid { field: Field::Username, .. } => "username",
        _ => return Err(error.into()),
    };
    fields.add_error(field, refusal_text(&error));
    Ok(refusal_status(&error))
}

// ---- One user: header and tabs ----

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tab {
    Details,
    Credentials,
    RoleMapping,
    Groups,
    Sessions,
}

pub(crate) fn user_frame(
    console: &Console,
    realm: &str,
    user: &User,
    tab: Tab,
    top: Markup,
    content: Markup,
    status: StatusCode,
) -> Response {
    let tab_link = |which: Tab, rest: &str, label: &str| {
        html! { a.active[which == tab] href=(user_url(console, realm, user, rest)) { (label) } }
    };
    let (toggle_label, toggle_value) =
        if user.enabled { ("Disable", "false") } else { ("Enable", "true") };
    let body = html! {
        div.head {
            h1 { (user.username) }
            (status_badge(user.enabled))
            form.inline method="post" action=(user_url(console, realm, user, "/enabled")) {
                (console.csrf_input())
                input type="hidden" name="enabled" value=(toggle_value);
                button.button.secondary.small type="submit" { (toggle_label) " user" }
            }
            form.inline method="post" action=(user_url(console, realm, user, "/delete")) {
                (console.csrf_input())
                button.button.danger.small type="submit" { "Delete user" }
            }
        }
        nav.tabs aria-label="User" {
            (tab_link(Tab::Details, "", "Details"))
            (tab_link(Tab::Credentials, "/credentials", "Credentials"))
            (tab_link(Tab::RoleMapping, "/role-mapping", "Role mapping"))
            (tab_link(Tab::Groups, "/groups", "Groups"))
            (tab_link(Tab::Sessions, "/sessions", "Sessions"))
        }
        (top)
        (content)
    };
    let crumbs = vec![(console.realm_url(realm, "/users"), "Users".to_owned())];
    users_page(console, realm, user.username.clone(), crumbs, body, status)
}

// ---- Details ----

fn details_form(console: &Console, realm: &str, user: &User, fields: &Fields) -> Markup {
    html! {
        form.panel method="post" action=(user_url(console, realm, user, "")) novalidate {
            (console.csrf_input())
            div.field { span.label { "ID" } span.mono { (user.id) } }
            div.field { span.label { "Created at" } span { (time_text(user.created_timestamp / 1000)) } }
            div.field { span.label { "Username" } span { (user.username) } }
            @if !user.profile.required_actions.is_empty() {
                div.field {
                    span.label { "Required user actions" }
                    span { (user.profile.required_actions.join(", ")) }
                    p.help { "The password grant refuses this user until these are done; set a non-temporary password to clear UPDATE_PASSWORD." }
                }
            }
            (text_field(fields, "email", "Email", ""))
            (check_field(fields, "emailVerified", "Email verified", "Yes", ""))
            (text_field(fields, "firstName", "First name", ""))
            (text_field(fields, "lastName", "Last name", ""))
            div.actions { button.button type="submit" { "Save" } }
        }
    }
}

pub(crate) async fn get_user(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    let profile = &user.profile;
    let mut fields = Fields::default();
    fields.set("email", profile.email.clone().unwrap_or_default());
    fields.set_check("emailVerified", profile.email_verified);
    fields.set("firstName", profile.first_name.clone().unwrap_or_default());
    fields.set("lastName", profile.last_name.clone().unwrap_or_default());
    let name = &realm.realm.name;
    let form = html! {
        (lockout_notice(&state, &console, &realm, &user).await?)
        (details_form(&console, name, &user, &fields))
    };
    Ok(user_frame(
        &console,
        name,
        &user,
        Tab::Details,
        notice(query.get("notice")),
        form,
        StatusCode::OK,
    ))
}

pub(crate) async fn post_user(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    let name = realm.realm.name.clone();
    let mut fields = Fields::from_form(&form);
    let email = fields.text("email");
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        fields.add_error("email", "Enter an email address, such as jane@example.com.");
    }
    if fields.has_errors() {
        let form = details_form(&console, &name, &user, &fields);
        return Ok(user_frame(
            &console,
            &name,
            &user,
            Tab::Details,
            error_notice(FIX_BELOW),
            form,
            StatusCode::BAD_REQUEST,
        ));
    }
    let rep = UserRepresentation {
        email: Some(email.unwrap_or_default()),
        email_verified: Some(fields.is_checked("emailVerified")),
        first_name: Some(fields.text("firstName").unwrap_or_default()).filter(|v| !v.is_empty()),
        last_name: Some(fields.text("lastName").unwrap_or_default()).filter(|v| !v.is_empty()),
        ..UserRepresentation::default()
    };
    match users::update(&state, &realm, &user.id, &rep).await {
        Ok(user) => {
            Ok(see_other(&format!("{}?notice=saved", user_url(&console, &name, &user, ""))))
        }
        Err(error) => {
            let status = refusal_on_fields(&mut fields, error)?;
            let form = details_form(&console, &name, &user, &fields);
            Ok(user_frame(
                &console,
                &name,
                &user,
                Tab::Details,
                error_notice(FIX_BELOW),
                form,
                status,
            ))
        }
    }
}

/// When brute force detection has the user locked out, says so with an "Unlock" button.
async fn lockout_notice(
    state: &AppState,
    console: &Console,
    realm: &RealmSnapshot,
    user: &User,
) -> Result<Markup, ConsoleError> {
    if !realm.realm.settings.brute_force.brute_force_protected {
        return Ok(html! {});
    }
    let failure = attack_detection::record(state, realm, &user.id).await?;
    if !is_temporarily_locked(failure.as_ref(), state.clock.now()) {
        return Ok(html! {});
    }
    let failures = failure.map_or(0, |f| f.num_failures);
    Ok(html! {
        div.notice.info role="status" {
            "This user is temporarily locked out after " (failures) " failed logins. "
            form.inline method="post" action=(user_url(console, &realm.realm.name, user, "/unlock")) {
                (console.csrf_input())
                button.button.secondary.small type="submit" { "Unlock user" }
            }
        }
    })
}

/// `POST …/users/{id}/unlock`: clears the user's login failures.
pub(crate) async fn post_unlock(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    _: ConsoleForm,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    attack_detection::clear(&state, &realm, &user.id).await?;
    Ok(see_other(&format!("{}?notice=unlocked", user_url(&console, &realm.realm.name, &user, ""))))
}

/// `POST …/users/{id}/enabled`: enable or disable (enabling clears login failures).
pub(crate) async fn post_enabled(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    let enabled = form.get("enabled") == Some("true");
    let rep = UserRepresentation { enabled: Some(enabled), ..UserRepresentation::default() };
    let user = users::update(&state, &realm, &user.id, &rep).await?;
    let key = if enabled { "enabled" } else { "disabled" };
    Ok(see_other(&format!("{}?notice={key}", user_url(&console, &realm.realm.name, &user, ""))))
}

/// `POST …/users/{id}/delete`: the user and their sessions, credential and grants.
pub(crate) async fn post_delete(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    if user.id == console.user.id {
        let top = error_notice("You cannot delete the account you are signed in with.");
        let content = html! {};
        return Ok(user_frame(
            &console,
            &realm.realm.name,
            &user,
            Tab::Details,
            top,
            content,
            StatusCode::BAD_REQUEST,
        ));
    }
    if !is_confirmed(&form) {
        return Ok(Confirm {
            section: Section::Users,
            title: "Delete user?",
            question: format!(
                "User {} will be deleted with their password, role mappings and sessions. This cannot be undone.",
                user.username
            ),
            action: user_url(&console, &realm.realm.name, &user, "/delete"),
            button: "Delete",
            cancel: user_url(&console, &realm.realm.name, &user, ""),
        }
        .render(&console, &realm.realm.name));
    }
    users::remove(&state, &realm, &user.id).await?;
    Ok(see_other(&format!("{}?notice=deleted", console.realm_url(&realm.realm.name, "/users"))))
}

// ---- Credentials ----

fn credentials_content(
    console: &Console,
    realm: &str,
    user: &User,
    password_set: Option<i64>,
    fields: &Fields,
) -> Markup {
    html! {
        section.panel {
            h2 { "Password" }
            @match password_set {
                Some(created) => p { "A password is set (since " (time_text(created / 1000)) ")." },
                None => p { "No password is set: this user cannot sign in yet." },
            }
        }
        form.panel method="post" action=(user_url(console, realm, user, "/credentials")) novalidate {
            (console.csrf_input())
            h2 { @if password_set.is_some() { "Reset password" } @else { "Set password" } }
            (password_field(fields, "password", "Password", ""))
            (password_field(fields, "passwordConfirmation", "Password confirmation", ""))
            (check_field(fields, "temporary", "Temporary", "On",
                "The user must choose a new password at the next sign-in. Token requests with the password grant are refused until then."))
            div.actions { button.button type="submit" { "Save password" } }
        }
    }
}

pub(crate) async fn get_credentials(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    let password = users::password(&state, &user).await?.map(|p| p.created_date);
    let mut fields = Fields::default();
    fields.set_check("temporary", true);
    let name = &realm.realm.name;
    let content = credentials_content(&console, name, &user, password, &fields);
    Ok(user_frame(
        &console,
        name,
        &user,
        Tab::Credentials,
        notice(query.get("notice")),
        content,
        StatusCode::OK,
    ))
}

pub(crate) async fn post_credentials(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    let name = realm.realm.name.clone();
    let mut fields = Fields::from_form(&form);
    let password = form.get("password").unwrap_or_default().to_owned();
    if password.trim().is_empty() {
        fields.add_error("password", "Enter a password.");
    } else if form.get("passwordConfirmation").unwrap_or_default() != password {
        fields.add_error("passwordConfirmation", "The passwords do not match.");
    }
    if fields.has_errors() {
        let stored = users::password(&state, &user).await?.map(|p| p.created_date);
        let content = credentials_content(&console, &name, &user, stored, &fields);
        return Ok(user_frame(
            &console,
            &name,
            &user,
            Tab::Credentials,
            error_notice(FIX_BELOW),
            content,
            StatusCode::BAD_REQUEST,
        ));
    }
    let rep = CredentialRepresentation {
        value: Some(password),
        temporary: Some(fields.is_checked("temporary")),
        ..CredentialRepresentation::default()
    };
    users::reset_password(&state, &realm, &user.id, rep).await?;
    Ok(see_other(&format!("{}?notice=password", user_url(&console, &name, &user, "/credentials"))))
}

// ---- Sessions ----

pub(crate) async fn get_sessions(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    let name = &realm.realm.name;
    let sessions = state.store.list_user_sessions(&realm.realm.id, &user.id).await?;
    let rows: Vec<(&User, _)> = sessions.iter().map(|s| (&user, s)).collect();
    let action = user_url(&console, name, &user, "/sessions/sign-out");
    let content = html! {
        (sessions_table(&console, &realm, &rows, &action, false))
        @if !sessions.is_empty() {
            form method="post" action=(user_url(&console, name, &user, "/sessions/sign-out-all")) {
                (console.csrf_input())
                button.button.danger type="submit" { "Sign out all sessions" }
            }
        }
    };
    Ok(user_frame(
        &console,
        name,
        &user,
        Tab::Sessions,
        notice(query.get("notice")),
        content,
        StatusCode::OK,
    ))
}

pub(crate) async fn post_sign_out(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    let session = form.get("session").unwrap_or_default();
    sessions::end(&state, &realm, session).await?;
    Ok(see_other(&format!(
        "{}?notice=signed-out",
        user_url(&console, &realm.realm.name, &user, "/sessions")
    )))
}

pub(crate) async fn post_sign_out_all(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    _: ConsoleForm,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    sessions::logout_user(&state, &realm, &user.id).await?;
    Ok(see_other(&format!(
        "{}?notice=signed-out-all",
        user_url(&console, &realm.realm.name, &user, "/sessions")
    )))
}
