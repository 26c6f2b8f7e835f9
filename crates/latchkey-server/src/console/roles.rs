//! Realm roles: listed, created, and deleted (`manage::roles`, as the Admin API's); each
//! role's page lists the users it is assigned to directly.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::representation::RoleRepresentation;
use maud::{Markup, html};

use super::auth::{Console, ConsoleForm, ConsoleRealm};
use super::error::{ConsoleError, refusal_status, refusal_text};
use super::fields::{Fields, text_field};
use super::layout::{Confirm, Page, Section, is_confirmed, notice};
use super::see_other;
use crate::admin::request::{Query, path_segment};
use crate::cache::RealmSnapshot;
use crate::manage::ManageError;
use crate::manage::roles::{self, RoleAt};

fn roles_page(
    console: &Console,
    realm: &str,
    title: &str,
    crumbs: Vec<(String, String)>,
    body: Markup,
    status: StatusCode,
) -> Response {
    Page { console, realm, section: Section::RealmRoles, title: title.to_owned(), crumbs, body }
        .render_with(status)
}

fn role_url(console: &Console, realm: &str, role: &str, rest: &str) -> String {
    console.realm_url(realm, &format!("/roles/{}{rest}", path_segment(role)))
}

fn list(console: &Console, realm: &RealmSnapshot, top: Markup, status: StatusCode) -> Response {
    let name = &realm.realm.name;
    let default_role = realm.realm.settings.default_role.as_deref();
    let roles = realm.roles.realm_roles();
    let body = html! {
        div.head { h1 { "Realm roles" } }
        p.lede { "Roles of realm " strong { (name) } ". Tokens list a user's realm roles in " code { "realm_access.roles" } "." }
        (top)
        div.toolbar {
            span { (roles.len()) " roles" }
            span.spacer {}
            a.button href=(console.realm_url(name, "/roles/new")) { "Create role" }
        }
        div.table-wrap {
            table {
                thead { tr { th { "Role name" } th { "Composite" } th.hide-narrow { "Description" } th.num { "" } } }
                tbody {
                    @for role in &roles {
                        tr {
                            td {
                                a href=(role_url(console, name, &role.name, "")) { (role.name) }
                                @if default_role == Some(role.name.as_str()) { " " span.badge { "Default" } }
                            }
                            td { @if role.composites.is_empty() { "False" } @else { "True" } }
                            td.hide-narrow { (super::layout::description(role.description.as_deref())) }
                            td.actions-cell {
                                @if default_role != Some(role.name.as_str()) {
                                    form.inline method="post" action=(role_url(console, name, &role.name, "/delete")) {
                                        (console.csrf_input())
                                        button.button.danger.small type="submit" aria-label={ "Delete " (role.name) } { "Delete" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    roles_page(console, name, "Realm roles", Vec::new(), body, status)
}

pub(crate) async fn get_roles(
    ConsoleRealm { console, realm, .. }: ConsoleRealm,
    query: Query,
) -> Result<Response, ConsoleError> {
    Ok(list(&console, &realm, notice(query.get("notice")), StatusCode::OK))
}

fn new_role_page(console: &Console, realm: &str, fields: &Fields, status: StatusCode) -> Response {
    let crumbs = vec![(console.realm_url(realm, "/roles"), "Realm roles".to_owned())];
    let body = html! {
        div.head { h1 { "Create role" } }
        @if fields.has_errors() { div.notice.error role="alert" { "Some values are not valid. Correct the fields marked below." } }
        form.panel method="post" action=(console.realm_url(realm, "/roles/new")) novalidate {
            (console.csrf_input())
            (text_field(fields, "name", "Role name", "For example operatorRole."))
            (text_field(fields, "description", "Description", ""))
            div.actions {
                button.button type="submit" { "Create" }
                a.button.secondary href=(console.realm_url(realm, "/roles")) { "Cancel" }
            }
        }
    };
    roles_page(console, realm, "Create role", crumbs, body, status)
}

pub(crate) async fn get_new_role(
    ConsoleRealm { console, realm, .. }: ConsoleRealm,
) -> Result<Response, ConsoleError> {
    Ok(new_role_page(&console, &realm.realm.name, &Fields::default(), StatusCode::OK))
}

pub(crate) async fn post_new_role(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = realm.realm.name.clone();
    let mut fields = Fields::from_form(&form);
    let role_name = fields.text("name").unwrap_or_default();
    if role_name.is_empty() {
        fields.add_error("name", "Enter a role name.");
    } else if role_name.chars().count() > 255 {
        fields.add_error("name", "At most 255 characters.");
    }
    if fields.has_errors() {
        return Ok(new_role_page(&console, &name, &fields, StatusCode::BAD_REQUEST));
    }
    let rep = RoleRepresentation {
        name: role_name,
        description: fields.text("description"),
        ..RoleRepresentation::default()
    };
    match roles::create(&state, &realm, None, &rep).await {
        Ok(_) => Ok(see_other(&format!("{}?notice=created", console.realm_url(&name, "/roles")))),
        Err(error @ (ManageError::RoleNameTaken(_) | ManageError::Invalid { .. })) => {
            fields.add_error("name", refusal_text(&error));
            Ok(new_role_page(&console, &name, &fields, refusal_status(&error)))
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn post_delete_role(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, role_name)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    if !is_confirmed(&form) {
        realm.roles.find_realm_role(&role_name).ok_or(ConsoleError::NotFound("This role"))?;
        return Ok(Confirm {
            section: Section::RealmRoles,
            title: "Delete role?",
            question: format!(
                "Role {role_name} will be deleted and removed from every user who has it. This cannot be undone."
            ),
            action: role_url(&console, name, &role_name, "/delete"),
            button: "Delete",
            cancel: console.realm_url(name, "/roles"),
        }
        .render(&console, name));
    }
    match roles::remove(&state, &realm, &RoleAt::Realm(role_name)).await {
        Ok(()) => Ok(see_other(&format!(
            "{}?notice=deleted",
            console.realm_url(&realm.realm.name, "/roles")
        ))),
        Err(error @ ManageError::DefaultRole(_)) => {
            let top = html! { div.notice.error role="alert" { (refusal_text(&error)) } };
            Ok(list(&console, &realm, top, refusal_status(&error)))
        }
        Err(other) => Err(other.into()),
    }
}

/// A role and the users it is assigned to directly.
pub(crate) async fn get_role(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, role_name)): Path<(String, String)>,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let role =
        realm.roles.find_realm_role(&role_name).ok_or(ConsoleError::NotFound("This role"))?;
    let users = roles::holders(&state, &realm, role).await?;
    let crumbs = vec![(console.realm_url(name, "/roles"), "Realm roles".to_owned())];
    let body = html! {
        div.head { h1 { (role.name) } }
        p.lede { (super::layout::description(role.description.as_deref())) }
        h2 { "Users in role" }
        div.table-wrap {
            @if users.is_empty() {
                p.empty { "No user has this role directly. Assign it from a user's Role mapping tab." }
            } @else {
                table {
                    thead { tr { th { "Username" } th { "Email" } } }
                    tbody {
                        @for user in &users {
                            tr {
                                td { a href=(console.realm_url(name, &format!("/users/{}/role-mapping", path_segment(&user.id)))) { (user.username) } }
                                td { (user.profile.email.as_deref().unwrap_or("—")) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(roles_page(&console, name, &role.name, crumbs, body, StatusCode::OK))
}
