//! Clients: listed, created (public or confidential, direct access grants, service
//! accounts), their settings (the lower-case `bearer` token type among them) and, for a
//! confidential client, its secret with "Regenerate". Through the admin layer's
//! `manage::clients`, as the Admin API's changes.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::client::{
    ATTR_ACCESS_TOKEN_ALG, ATTR_ID_TOKEN_ALG, ATTR_LOWER_CASE_BEARER, ATTR_USERINFO_ALG, Client,
};
use latchkey_core::representation::ClientRepresentation;
use latchkey_core::token::algorithm::Algorithm;
use latchkey_core::user::User;
use maud::{Markup, html};

use super::auth::{Console, ConsoleForm, ConsoleRealm};
use super::error::{ConsoleError, refusal_status, refusal_text};
use super::fields::{Fields, check_field, select_field, text_field};
use super::layout::{Confirm, Page, Section, is_confirmed, notice};
use super::see_other;
use super::user_roles::{apply_mapping, role_mapping_content};
use crate::admin::request::{Query, path_segment};
use crate::cache::RealmSnapshot;
use crate::extract::Form;
use crate::manage::role_mappings::Holder;
use crate::manage::role_mappings::Mapping;
use crate::manage::{ManageError, clients};
use crate::state::AppState;

const FIX_BELOW: &str = "Some values are not valid. Correct the fields marked below.";

fn clients_page(
    console: &Console,
    realm: &str,
    title: &str,
    crumbs: Vec<(String, String)>,
    body: Markup,
    status: StatusCode,
) -> Response {
    Page { console, realm, section: Section::Clients, title: title.to_owned(), crumbs, body }
        .render_with(status)
}

fn client_url(console: &Console, realm: &str, client: &Client, rest: &str) -> String {
    console.realm_url(realm, &format!("/clients/{}{rest}", path_segment(&client.id)))
}

fn open_client<'a>(realm: &'a RealmSnapshot, id: &str) -> Result<&'a Client, ConsoleError> {
    Ok(clients::find(realm, id)?.as_ref())
}

/// A name to show: Keycloak's built-in clients carry message keys (`${client_account}`).
fn display_name(client: &Client) -> &str {
    client.settings.name.as_deref().filter(|n| !n.is_empty() && !n.starts_with("${")).unwrap_or("—")
}

fn access_type(client: &Client) -> &'static str {
    if client.settings.bearer_only {
        "Bearer-only"
    } else if client.public_client {
        "Public"
    } else {
        "Confidential"
    }
}

pub(crate) async fn get_clients(
    ConsoleRealm { console, realm, .. }: ConsoleRealm,
    query: Query,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let mut clients: Vec<&Client> = realm.clients.values().map(|c| c.as_ref()).collect();
    clients.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    let body = html! {
        div.head { h1 { "Clients" } }
        p.lede { "Applications and services that request tokens from realm " strong { (name) } "." }
        (notice(query.get("notice")))
        div.toolbar {
            span { (clients.len()) " clients" }
            span.spacer {}
            a.button href=(console.realm_url(name, "/clients/new")) { "Create client" }
        }
        div.table-wrap {
            table {
                thead { tr { th { "Client ID" } th.hide-narrow { "Name" } th { "Access" } th.hide-narrow { "Direct access grants" } th { "Status" } } }
                tbody {
                    @for client in &clients {
                        tr {
                            td { a href=(client_url(&console, name, client, "")) { (client.client_id) } }
                            td.hide-narrow { (display_name(client)) }
                            td { (access_type(client)) }
                            td.hide-narrow { @if client.settings.direct_access_grants_enabled { "On" } @else { "Off" } }
                            td { @if client.enabled { span.badge.on { "Enabled" } } @else { span.badge.off { "Disabled" } } }
                        }
                    }
                }
            }
        }
    };
    Ok(clients_page(&console, name, "Clients", Vec::new(), body, StatusCode::OK))
}

/// The capability switches shared by "Create client" and a client's settings.
fn capability_fields(fields: &Fields) -> Markup {
    html! {
        (check_field(fields, "clientAuthentication", "Client authentication", "On",
            "On: a confidential client that authenticates with a secret. Off: a public client (browser or mobile app)."))
        (check_field(fields, "standardFlow", "Standard flow", "On", "Authorization code flow (browser sign-in)."))
        (check_field(fields, "directAccessGrants", "Direct access grants", "On",
            "The password grant: the client sends a user's username and password to the token endpoint."))
        (check_field(fields, "serviceAccounts", "Service accounts roles", "On",
            "The client credentials grant, for a confidential client acting on its own behalf."))
    }
}

/// Reads the capability switches; service accounts need client authentication.
fn read_capabilities(fields: &mut Fields) -> (bool, bool, bool, bool) {
    let confidential = fields.is_checked("clientAuthentication");
    let service_accounts = fields.is_checked("serviceAccounts");
    if service_accounts && !confidential {
        fields.add_error("serviceAccounts", "Service accounts need client authentication on.");
    }
    (
        confidential,
        fields.is_checked("standardFlow"),
        fields.is_checked("directAccessGrants"),
        service_accounts,
    )
}

fn new_client_page(
    console: &Console,
    realm: &str,
    fields: &Fields,
    status: StatusCode,
) -> Response {
    let crumbs = vec![(console.realm_url(realm, "/clients"), "Clients".to_owned())];
    let body = html! {
        div.head { h1 { "Create client" } }
        @if fields.has_errors() { div.notice.error role="alert" { (FIX_BELOW) } }
        form method="post" action=(console.realm_url(realm, "/clients/new")) novalidate {
            (console.csrf_input())
            section.panel {
                h2 { "General settings" }
                (text_field(fields, "clientId", "Client ID", "The client_id applications send, such as crm_client."))
                (text_field(fields, "name", "Name", ""))
            }
            section.panel {
                h2 { "Capability config" }
                (capability_fields(fields))
            }
            div.actions {
                button.button type="submit" { "Save" }
                a.button.secondary href=(console.realm_url(realm, "/clients")) { "Cancel" }
            }
        }
    };
    clients_page(console, realm, "Create client", crumbs, body, status)
}

pub(crate) async fn get_new_client(
    ConsoleRealm { console, realm, .. }: ConsoleRealm,
) -> Result<Response, ConsoleError> {
    let mut fields = Fields::default();
    fields.set_check("standardFlow", true);
    fields.set_check("directAccessGrants", true);
    Ok(new_client_page(&console, &realm.realm.name, &fields, StatusCode::OK))
}

pub(crate) async fn post_new_client(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = realm.realm.name.clone();
    let mut fields = Fields::from_form(&form);
    let client_id = fields.text("clientId").unwrap_or_default();
    if client_id.is_empty() {
        fields.add_error("clientId", "Enter a client ID.");
    } else if client_id.chars().count() > 255 || client_id.chars().any(char::is_whitespace) {
        fields.add_error("clientId", "Use at most 255 characters, without spaces.");
    }
    let (confidential, standard, direct, service) = read_capabilities(&mut fields);
    if fields.has_errors() {
        return Ok(new_client_page(&console, &name, &fields, StatusCode::BAD_REQUEST));
    }
    let rep = ClientRepresentation {
        client_id,
        name: fields.text("name"),
        enabled: Some(true),
        public_client: Some(!confidential),
        standard_flow_enabled: Some(standard),
        direct_access_grants_enabled: Some(direct),
        service_accounts_enabled: Some(service),
        ..ClientRepresentation::default()
    };
    match clients::create(&state, &realm, &rep).await {
        Ok(client) => {
            Ok(see_other(&format!("{}?notice=created", client_url(&console, &name, &client, ""))))
        }
        Err(error @ (ManageError::ClientIdTaken(_) | ManageError::Invalid { .. })) => {
            fields.add_error("clientId", refusal_text(&error));
            Ok(new_client_page(&console, &name, &fields, refusal_status(&error)))
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Settings,
    Credentials,
    ServiceAccountRoles,
}

fn client_frame(
    console: &Console,
    realm: &str,
    client: &Client,
    tab: Tab,
    top: Markup,
    content: Markup,
    status: StatusCode,
) -> Response {
    let crumbs = vec![(console.realm_url(realm, "/clients"), "Clients".to_owned())];
    let body = html! {
        div.head {
            h1 { (client.client_id) }
            span.badge { (access_type(client)) }
            form.inline method="post" action=(client_url(console, realm, client, "/delete")) {
                (console.csrf_input())
                button.button.danger.small type="submit" { "Delete client" }
            }
        }
        nav.tabs aria-label="Client" {
            a.active[tab == Tab::Settings] href=(client_url(console, realm, client, "")) { "Settings" }
            @if client.secret.is_some() {
                a.active[tab == Tab::Credentials] href=(client_url(console, realm, client, "/credentials")) { "Credentials" }
            }
            @if client.settings.service_accounts_enabled {
                a.active[tab == Tab::ServiceAccountRoles] href=(client_url(console, realm, client, "/service-account-roles")) { "Service account roles" }
            }
        }
        (top)
        (content)
    };
    clients_page(console, realm, &client.client_id, crumbs, body, status)
}

/// The algorithms of a client's signature settings, after `empty` (the realm's
/// default, or unsigned).
fn algorithm_options(empty: &'static str) -> Vec<(&'static str, &'static str)> {
    let first = if empty.is_empty() { ("", "Realm default") } else { (empty, "unsigned") };
    std::iter::once(first).chain(super::realm_settings::SIGNATURE_ALGORITHMS).collect()
}

fn settings_form(console: &Console, realm: &str, client: &Client, fields: &Fields) -> Markup {
    html! {
        form method="post" action=(client_url(console, realm, client, "")) novalidate {
            (console.csrf_input())
            section.panel {
                h2 { "General settings" }
                div.field { span.label { "Client ID" } span.mono { (client.client_id) } }
                (text_field(fields, "name", "Name", ""))
                (text_field(fields, "description", "Description", ""))
                (check_field(fields, "enabled", "Enabled", "On", "A disabled client gets no tokens."))
            }
            section.panel {
                h2 { "Capability config" }
                @if client.settings.bearer_only {
                    p.help { "This client is bearer-only: it only checks tokens and never requests them." }
                }
                (capability_fields(fields))
            }
            section.panel {
                h2 { "Advanced" }
                (check_field(fields, "lowerCaseBearer", "Use lower-case bearer type in token responses", "On",
                    "Token responses say \"token_type\": \"bearer\" instead of \"Bearer\", as older Keycloak releases did."))
                (select_field(fields, "accessTokenAlgorithm", "Access token signature algorithm",
                    "Empty: the realm's default signature algorithm.", &algorithm_options("")))
                (select_field(fields, "idTokenAlgorithm", "ID token signature algorithm",
                    "Empty: the realm's default signature algorithm.", &algorithm_options("")))
                (select_field(fields, "userInfoAlgorithm", "User info signed response algorithm",
                    "Unsigned: userinfo answers JSON; otherwise a JWT signed with this algorithm.",
                    &algorithm_options("unsigned")))
            }
            div.actions { button.button type="submit" { "Save" } }
        }
    }
}

pub(crate) async fn get_client(
    ConsoleRealm { console, realm, .. }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let client = open_client(&realm, &id)?;
    let settings = &client.settings;
    let mut fields = Fields::default();
    fields.set("name", settings.name.clone().unwrap_or_default());
    fields.set("description", settings.description.clone().unwrap_or_default());
    fields.set_check("enabled", client.enabled);
    fields.set_check("clientAuthentication", !client.public_client);
    fields.set_check("standardFlow", settings.standard_flow_enabled);
    fields.set_check("directAccessGrants", settings.direct_access_grants_enabled);
    fields.set_check("serviceAccounts", settings.service_accounts_enabled);
    fields.set_check("lowerCaseBearer", client.uses_lower_case_bearer());
    let attribute = |name: &str| client.algorithm_attribute(name).map_or("", |a| a.as_str());
    fields.set("accessTokenAlgorithm", attribute(ATTR_ACCESS_TOKEN_ALG));
    fields.set("idTokenAlgorithm", attribute(ATTR_ID_TOKEN_ALG));
    fields.set("userInfoAlgorithm", client.userinfo_algorithm().map_or("unsigned", |a| a.as_str()));
    let name = &realm.realm.name;
    let form = settings_form(&console, name, client, &fields);
    Ok(client_frame(
        &console,
        name,
        client,
        Tab::Settings,
        notice(query.get("notice")),
        form,
        StatusCode::OK,
    ))
}

pub(crate) async fn post_client(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let client = open_client(&realm, &id)?;
    let name = realm.realm.name.clone();
    let mut fields = Fields::from_form(&form);
    let (confidential, standard, direct, service) = read_capabilities(&mut fields);
    // Keycloak stores an empty value for "the realm's default" and "unsigned"; a form
    // without the field (an older page still open) leaves the attribute as it is.
    let mut algorithm = |field: &str, empty: &str| {
        if form.count(field) == 0 {
            return None;
        }
        let value = fields.value(field).trim().to_owned();
        if value != empty && Algorithm::parse(&value).is_none() {
            fields.add_error(field, "Choose one of the options.");
        }
        Some(if value == empty { String::new() } else { value })
    };
    let access_algorithm = algorithm("accessTokenAlgorithm", "");
    let id_algorithm = algorithm("idTokenAlgorithm", "");
    let userinfo_algorithm = algorithm("userInfoAlgorithm", "unsigned");
    if fields.has_errors() {
        let top = html! { div.notice.error role="alert" { (FIX_BELOW) } };
        let form = settings_form(&console, &name, client, &fields);
        return Ok(client_frame(
            &console,
            &name,
            client,
            Tab::Settings,
            top,
            form,
            StatusCode::BAD_REQUEST,
        ));
    }
    let lower_case = if fields.is_checked("lowerCaseBearer") { "true" } else { "false" };
    let rep = ClientRepresentation {
        name: Some(fields.text("name").unwrap_or_default()),
        description: Some(fields.text("description").unwrap_or_default()),
        enabled: Some(fields.is_checked("enabled")),
        public_client: Some(!confidential),
        standard_flow_enabled: Some(standard),
        direct_access_grants_enabled: Some(direct),
        service_accounts_enabled: Some(service),
        attributes: Some(
            [
                (ATTR_LOWER_CASE_BEARER, Some(lower_case.to_owned())),
                (ATTR_ACCESS_TOKEN_ALG, access_algorithm),
                (ATTR_ID_TOKEN_ALG, id_algorithm),
                (ATTR_USERINFO_ALG, userinfo_algorithm),
            ]
            .into_iter()
            .filter_map(|(name, value)| Some((name.to_owned(), value?)))
            .collect(),
        ),
        ..ClientRepresentation::default()
    };
    let client = clients::update(&state, &realm, &client.id, &rep).await?;
    Ok(see_other(&format!("{}?notice=saved", client_url(&console, &name, &client, ""))))
}

/// `POST …/clients/{id}/delete`. The console's own client in master stays: without it
/// nobody could sign in here again.
pub(crate) async fn post_delete(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let client = open_client(&realm, &id)?;
    if realm.realm.name == super::auth::ADMIN_REALM
        && super::auth::CONSOLE_CLIENTS.contains(&client.client_id.as_str())
    {
        let top = html! { div.notice.error role="alert" { "The admin console signs in through this client; it cannot be deleted here." } };
        return Ok(client_frame(
            &console,
            &realm.realm.name,
            client,
            Tab::Settings,
            top,
            html! {},
            StatusCode::BAD_REQUEST,
        ));
    }
    if !is_confirmed(&form) {
        return Ok(Confirm {
            section: Section::Clients,
            title: "Delete client?",
            question: format!(
                "Client {} will be deleted with its roles; applications using it get no more tokens. This cannot be undone.",
                client.client_id
            ),
            action: client_url(&console, &realm.realm.name, client, "/delete"),
            button: "Delete",
            cancel: client_url(&console, &realm.realm.name, client, ""),
        }
        .render(&console, &realm.realm.name));
    }
    clients::remove(&state, &realm, &client.id).await?;
    Ok(see_other(&format!("{}?notice=deleted", console.realm_url(&realm.realm.name, "/clients"))))
}

pub(crate) async fn get_credentials(
    ConsoleRealm { console, realm, .. }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let client = open_client(&realm, &id)?;
    let name = &realm.realm.name;
    let Some(secret) = &client.secret else {
        return Err(ConsoleError::NotFound("A secret of this client"));
    };
    let content = html! {
        section.panel {
            h2 { "Client authenticator" }
            div.field { span.label { "Client authenticator" } span { "Client Id and Secret" } }
            div.field {
                span.label { "Client secret" }
                details {
                    summary { "Show secret" }
                    div.secret { input type="text" readonly value=(secret.expose()) aria-label="Client secret" id="clientSecret"; }
                }
            }
            form.actions method="post" action=(client_url(&console, name, client, "/credentials/regenerate")) {
                (console.csrf_input())
                button.button.secondary type="submit" { "Regenerate" }
            }
        }
    };
    Ok(client_frame(
        &console,
        name,
        client,
        Tab::Credentials,
        notice(query.get("notice")),
        content,
        StatusCode::OK,
    ))
}

pub(crate) async fn post_regenerate(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    _: ConsoleForm,
) -> Result<Response, ConsoleError> {
    let client = open_client(&realm, &id)?;
    if client.secret.is_none() {
        return Err(ConsoleError::NotFound("A secret of this client"));
    }
    let client = clients::regenerate_secret(&state, &realm, &client.id).await?;
    Ok(see_other(&format!(
        "{}?notice=regenerated",
        client_url(&console, &realm.realm.name, &client, "/credentials")
    )))
}

/// The client's service-account user, made on the spot like the Admin API's
/// `service-account-user` does; 404 when service accounts are off.
async fn service_account(
    state: &AppState,
    realm: &RealmSnapshot,
    client: &Client,
) -> Result<User, ConsoleError> {
    if !client.settings.service_accounts_enabled {
        return Err(ConsoleError::NotFound("The service account of this client"));
    }
    Ok(clients::service_account_user(state, realm, client).await?)
}

/// `…/clients/{id}/service-account-roles`: the roles client-credentials tokens carry.
pub(crate) async fn get_service_account_roles(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    query: Query,
) -> Result<Response, ConsoleError> {
    let client = open_client(&realm, &id)?;
    let user = service_account(&state, &realm, client).await?;
    let name = &realm.realm.name;
    let actions = client_url(&console, name, client, "/service-account-roles");
    let content = html! {
        p.lede { "Roles of the service account " code { (user.username) } ": tokens from the client credentials grant carry them." }
        (role_mapping_content(&state, &console, &realm, Holder::User(&user), &actions).await?)
    };
    Ok(client_frame(
        &console,
        name,
        client,
        Tab::ServiceAccountRoles,
        notice(query.get("notice")),
        content,
        StatusCode::OK,
    ))
}

async fn change_service_account_roles(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    id: String,
    form: Form,
    change: Mapping,
) -> Result<Response, ConsoleError> {
    let client = open_client(&realm, &id)?;
    let user = service_account(&state, &realm, client).await?;
    apply_mapping(&state, &realm, Holder::User(&user), &form, change).await?;
    Ok(see_other(&format!(
        "{}?notice=assigned",
        client_url(&console, &realm.realm.name, client, "/service-account-roles")
    )))
}

pub(crate) async fn post_service_account_assign(
    page: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    change_service_account_roles(page, id, form, Mapping::Grant).await
}

pub(crate) async fn post_service_account_unassign(
    page: ConsoleRealm,
    Path((_, id)): Path<(String, String)>,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    change_service_account_roles(page, id, form, Mapping::Revoke).await
}
