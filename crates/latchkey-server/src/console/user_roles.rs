//! A user's Role mapping tab: realm and client roles assigned and available, assign and
//! unassign. Clients' Service account roles tab shows the same for the service-account
//! user, and a group's Role mapping tab for the group. Changes go through
//! `manage::role_mappings::change`, as the Admin API's do.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::role::Role;
use maud::{Markup, html};

use super::auth::{Console, ConsoleForm, ConsoleRealm};
use super::error::ConsoleError;
use super::fields::{Fields, select_field};
use super::layout::notice;
use super::see_other;
use super::users::{Tab, open_user, user_frame, user_url};
use crate::admin::request::Query;
use crate::cache::RealmSnapshot;
use crate::extract::Form;
use crate::manage::clients;
use crate::manage::role_mappings::{self, Holder, Mapping};
use crate::state::AppState;

/// The form value naming a client role: `<client internal id>/<role name>` (internal ids
/// never hold a `/`).
fn client_role_value(role: &Role) -> String {
    format!("{}/{}", role.client_uuid.as_deref().unwrap_or_default(), role.name)
}

pub(crate) async fn get_role_mapping(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    let name = &realm.realm.name;
    let actions = user_url(&console, name, &user, "/role-mapping");
    let content =
        role_mapping_content(&state, &console, &realm, Holder::User(&user), &actions).await?;
    Ok(user_frame(
        &console,
        name,
        &user,
        Tab::RoleMapping,
        notice(query.get("notice")),
        content,
        StatusCode::OK,
    ))
}

/// The roles mapped to `holder` (a user or a group) directly, with Unassign, and forms
/// to assign realm and client roles, posting to `{actions}/assign` and
/// `{actions}/unassign`. Shared by a user's Role mapping tab, a client's Service account
/// roles tab and a group's Role mapping tab.
pub(crate) async fn role_mapping_content(
    state: &AppState,
    console: &Console,
    realm: &RealmSnapshot,
    holder: Holder<'_>,
    actions: &str,
) -> Result<Markup, ConsoleError> {
    let assigned = role_mappings::granted(state, realm, holder).await?;
    let (realm_assigned, client_assigned): (Vec<&Role>, Vec<&Role>) =
        assigned.iter().copied().partition(|role| role.client_uuid.is_none());
    let effective = role_mappings::effective(state, realm, holder).await?;
    let through = match holder {
        Holder::User(_) => {
            "the roles above and the user's groups (composites, the default role, group roles)"
        }
        Holder::Group(..) => {
            "the roles above and the groups above this one (composites, parents' roles)"
        }
    };
    let mut inherited: Vec<&str> = effective
        .realm
        .iter()
        .map(String::as_str)
        .filter(|role| !realm_assigned.iter().any(|a| a.name == *role))
        .collect();
    inherited.sort_unstable();
    let available: Vec<(&str, &str)> = realm
        .roles
        .realm_roles()
        .into_iter()
        .filter(|role| !assigned.iter().any(|a| a.id == role.id))
        .map(|r| (r.name.as_str(), r.name.as_str()))
        .collect();
    let mut clients: Vec<(&str, Vec<&Role>)> = realm
        .clients
        .values()
        .map(|client| {
            let roles: Vec<&Role> = realm
                .roles
                .client_roles(&client.id)
                .into_iter()
                .filter(|role| !assigned.iter().any(|a| a.id == role.id))
                .collect();
            (client.client_id.as_str(), roles)
        })
        .filter(|(_, roles)| !roles.is_empty())
        .collect();
    clients.sort_by(|a, b| a.0.cmp(b.0));
    let client_of = |role: &Role| {
        role.client_uuid
            .as_deref()
            .and_then(|id| realm.roles.client_id_of(id))
            .unwrap_or("?")
            .to_owned()
    };
    let fields = Fields::default();
    let unassign = format!("{actions}/unassign");
    let assign = format!("{actions}/assign");
    let content = html! {
        div.table-wrap {
            @if assigned.is_empty() {
                p.empty { "No roles assigned directly." }
            } @else {
                table {
                    thead { tr { th { "Assigned role" } th.hide-narrow { "Description" } th.num { "" } } }
                    tbody {
                        @for role in realm_assigned.iter().chain(client_assigned.iter()) {
                            tr {
                                td {
                                    @if role.client_uuid.is_some() { span.badge { (client_of(role)) } " " }
                                    (role.name)
                                }
                                td.hide-narrow { (super::layout::description(role.description.as_deref())) }
                                td.actions-cell {
                                    form.inline method="post" action=(unassign) {
                                        (console.csrf_input())
                                        @if role.client_uuid.is_some() {
                                            input type="hidden" name="clientRole" value=(client_role_value(role));
                                        } @else {
                                            input type="hidden" name="role" value=(role.name);
                                        }
                                        button.button.danger.small type="submit" aria-label={ "Unassign " (role.name) } { "Unassign" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if !inherited.is_empty() {
            p.lede { "Effective through " (through) ": " (inherited.join(", ")) "." }
        }
        @if !available.is_empty() {
            form.panel method="post" action=(assign) {
                (console.csrf_input())
                h2 { "Assign realm role" }
                (select_field(&fields, "role", "Realm role", "Tokens issued from now on carry it in realm_access.roles.", &available))
                div.actions { button.button type="submit" { "Assign" } }
            }
        }
        @if !clients.is_empty() {
            form.panel method="post" action=(assign) {
                (console.csrf_input())
                h2 { "Assign client role" }
                div.field {
                    label for="clientRole" { "Client role" }
                    div.control {
                        select id="clientRole" name="clientRole" {
                            @for (client_id, roles) in &clients {
                                optgroup label=(client_id) {
                                    @for role in roles { option value=(client_role_value(role)) { (role.name) } }
                                }
                            }
                        }
                        p.help { "Tokens carry it in resource_access.<client>.roles; realm-management's realm-admin opens the realm's Admin API." }
                    }
                }
                div.actions { button.button type="submit" { "Assign" } }
            }
        }
    };
    Ok(content)
}

async fn change_mapping(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    id: String,
    form: Form,
    change: Mapping,
) -> Result<Response, ConsoleError> {
    let user = open_user(&state, &realm, &id).await?;
    apply_mapping(&state, &realm, Holder::User(&user), &form, change).await?;
    Ok(see_other(&format!(
        "{}?notice=assigned",
        user_url(&console, &realm.realm.name, &user, "/role-mapping")
    )))
}

/// Assigns or unassigns the role a role mapping form names: `role` (a realm role by
/// name) or `clientRole` (`<client internal id>/<role name>`).
pub(crate) async fn apply_mapping(
    state: &AppState,
    realm: &RealmSnapshot,
    holder: Holder<'_>,
    form: &Form,
    change: Mapping,
) -> Result<(), ConsoleError> {
    let role = match form.get("clientRole") {
        Some(value) => {
            let (client_uuid, role_name) = value.split_once('/').unwrap_or((value, ""));
            let client = clients::find(realm, client_uuid)?;
            realm.roles.find_client_role(&client.id, role_name)
        }
        None => realm.roles.find_realm_role(form.get("role").unwrap_or_default()),
    };
    let role = role.ok_or(ConsoleError::NotFound("This role"))?;
    role_mappings::change(state, holder, &[role], change).await?;
    Ok(())
}

pub(crate) async fn post_assign(
    page: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    change_mapping(page, id, form, Mapping::Grant).await
}

pub(crate) async fn post_unassign(
    page: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    change_mapping(page, id, form, Mapping::Revoke).await
}
