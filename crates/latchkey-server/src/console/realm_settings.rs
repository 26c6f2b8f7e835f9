//! Realm settings (General, Security defenses > Brute force detection, Tokens) and
//! "Create realm". Every save goes through `manage::realms` (as the Admin API's), which
//! writes the realm and drops its cached snapshot, so the next
//! token request sees the change.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::realm::{BruteForceStrategy, SslRequired};
use latchkey_core::representation::RealmRepresentation;
use latchkey_core::representation::limits;
use maud::{Markup, html};

use super::auth::{Console, ConsoleForm, ConsoleRealm};
use super::error::{ConsoleError, refusal_status, refusal_text};
use super::fields::{Fields, check_field, duration_field, number_field, select_field, text_field};
use super::layout::{Confirm, Page, Section, is_confirmed, notice};
use super::see_other;
use crate::admin::request::Query;
use crate::cache::RealmSnapshot;
use crate::manage::{ManageError, realms};
use crate::state::AppState;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Tab {
    General,
    Keys,
    SecurityDefenses,
    Tokens,
}

pub(super) fn tabs(console: &Console, realm: &str, active: Tab) -> Markup {
    let tab = |tab: Tab, rest: &str, label: &str| {
        html! { a.active[tab == active] href=(console.realm_url(realm, rest)) { (label) } }
    };
    html! {
        nav.tabs aria-label="Realm settings" {
            (tab(Tab::General, "/realm-settings", "General"))
            (tab(Tab::Keys, "/realm-settings/keys", "Keys"))
            (tab(Tab::SecurityDefenses, "/realm-settings/security-defenses", "Security defenses"))
            (tab(Tab::Tokens, "/realm-settings/tokens", "Tokens"))
        }
    }
}

/// A realm settings page: heading, tabs, one form.
pub(super) fn settings_page(
    console: &Console,
    realm: &RealmSnapshot,
    tab: Tab,
    top: Markup,
    form: Markup,
) -> Response {
    let name = &realm.realm.name;
    let is_master = name == super::auth::ADMIN_REALM;
    let body = html! {
        div.head {
            h1 { "Realm settings" }
            @if !is_master {
                form.inline method="post" action=(console.realm_url(name, "/delete")) {
                    (console.csrf_input())
                    button.button.danger.small type="submit" { "Delete realm" }
                }
            }
        }
        p.lede { "Realm-wide settings of " strong { (name) } ". Changes apply to the next token request." }
        (tabs(console, name, tab))
        (top)
        (form)
    };
    Page {
        console,
        realm: name,
        section: Section::RealmSettings,
        title: "Realm settings".into(),
        crumbs: Vec::new(),
        body,
    }
    .render()
}

/// The error notice of a refused save, or of a form with inline errors.
fn error_notice(message: &str) -> Markup {
    html! { div.notice.error role="alert" { (message) } }
}

const FIX_BELOW: &str = "Some values are not valid. Correct the fields marked below.";

fn with_status(mut response: Response, status: StatusCode) -> Response {
    *response.status_mut() = status;
    response
}

// ---- General ----

fn ssl_value(ssl: SslRequired) -> &'static str {
    match ssl {
        SslRequired::All => "all",
        SslRequired::External => "external",
        SslRequired::None => "none",
    }
}

fn general_form(console: &Console, realm: &RealmSnapshot, fields: &Fields) -> Markup {
    let action = console.realm_url(&realm.realm.name, "/realm-settings");
    html! {
        form.panel method="post" action=(action) novalidate {
            (console.csrf_input())
            div.field { span.label { "Realm ID" } span.mono { (realm.realm.id) } }
            div.field { span.label { "Realm name" } span { (realm.realm.name) } }
            (text_field(fields, "displayName", "Display name", "The name shown to people; the realm name when empty."))
            (select_field(fields, "sslRequired", "Require SSL", "Whether plain HTTP is refused: for all requests, for external addresses only, or never.",
                &[("external", "External requests"), ("all", "All requests"), ("none", "None")]))
            (check_field(fields, "loginWithEmailAllowed", "Login with email", "On", "Users may sign in with their email address instead of their username."))
            @if realm.realm.name != super::auth::ADMIN_REALM {
                (check_field(fields, "enabled", "Enabled", "On", "A disabled realm answers every token request with \"Realm not enabled\"."))
            }
            div.actions { button.button type="submit" { "Save" } }
        }
    }
}

/// The General tab's fields as stored.
fn general_fields(realm: &RealmSnapshot) -> Fields {
    let settings = &realm.realm.settings;
    let mut fields = Fields::default();
    fields.set("displayName", settings.display_name.clone().unwrap_or_default());
    fields.set("sslRequired", ssl_value(settings.ssl_required));
    fields.set_check("loginWithEmailAllowed", settings.login_with_email_allowed);
    fields.set_check("enabled", realm.realm.enabled);
    fields
}

pub(crate) async fn get_general(
    ConsoleRealm { console, realm, .. }: ConsoleRealm,
    query: Query,
) -> Result<Response, ConsoleError> {
    let form = general_form(&console, &realm, &general_fields(&realm));
    Ok(settings_page(&console, &realm, Tab::General, notice(query.get("notice")), form))
}

pub(crate) async fn post_general(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let mut fields = Fields::from_form(&form);
    let ssl = fields.value("sslRequired").to_owned();
    if !["all", "external", "none"].contains(&ssl.as_str()) {
        fields.add_error("sslRequired", "Choose one of the options.");
    }
    if fields.has_errors() {
        let page = settings_page(
            &console,
            &realm,
            Tab::General,
            error_notice(FIX_BELOW),
            general_form(&console, &realm, &fields),
        );
        return Ok(with_status(page, StatusCode::BAD_REQUEST));
    }
    let rep = RealmRepresentation {
        display_name: Some(fields.text("displayName").unwrap_or_default()),
        ssl_required: Some(ssl),
        login_with_email_allowed: Some(fields.is_checked("loginWithEmailAllowed")),
        // Master stays enabled: its admins sign in here.
        enabled: (realm.realm.name != super::auth::ADMIN_REALM)
            .then(|| fields.is_checked("enabled")),
        ..RealmRepresentation::default()
    };
    save(&state, &console, &realm, &rep, "/realm-settings", Tab::General, &fields).await
}

/// Writes `rep` through `manage::realms::update` and goes back to the tab; a refusal
/// shows the form again with the message.
async fn save(
    state: &AppState,
    console: &Console,
    realm: &RealmSnapshot,
    rep: &RealmRepresentation,
    rest: &str,
    tab: Tab,
    fields: &Fields,
) -> Result<Response, ConsoleError> {
    match realms::update(state, realm, rep).await {
        Ok(()) => {
            Ok(see_other(&format!("{}?notice=saved", console.realm_url(&realm.realm.name, rest))))
        }
        Err(
            error @ (ManageError::RealmFile(_)
            | ManageError::MasterRealm(_)
            | ManageError::RealmNameTaken),
        ) => {
            let form = match tab {
                Tab::General => general_form(console, realm, fields),
                Tab::SecurityDefenses => brute_force_form(console, realm, fields),
                Tab::Tokens => tokens_form(console, realm, fields),
                Tab::Keys => html! {},
            };
            let page =
                settings_page(console, realm, tab, error_notice(&refusal_text(&error)), form);
            Ok(with_status(page, StatusCode::BAD_REQUEST))
        }
        Err(other) => Err(other.into()),
    }
}

// ---- Tokens ----

/// The algorithms a realm or client may sign with, as the console offers them.
pub(super) const SIGNATURE_ALGORITHMS: [(&str, &str); 13] = [
    ("RS256", "RS256"),
    ("RS384", "RS384"),
    ("RS512", "RS512"),
    ("PS256", "PS256"),
    ("PS384", "PS384"),
    ("PS512", "PS512"),
    ("ES256", "ES256"),
    ("ES384", "ES384"),
    ("ES512", "ES512"),
    ("EdDSA", "EdDSA"),
    ("HS256", "HS256"),
    ("HS384", "HS384"),
    ("HS512", "HS512"),
];

fn tokens_form(console: &Console, realm: &RealmSnapshot, fields: &Fields) -> Markup {
    let action = console.realm_url(&realm.realm.name, "/realm-settings/tokens");
    html! {
        form method="post" action=(action) novalidate {
            (console.csrf_input())
            section.panel {
                h2 { "General" }
                (select_field(fields, "defaultSignatureAlgorithm", "Default signature algorithm",
                    "Signs access and ID tokens of clients that do not choose their own. A key for it is made if the realm has none.",
                    &SIGNATURE_ALGORITHMS))
            }
            section.panel {
                h2 { "Refresh tokens" }
                (check_field(fields, "revokeRefreshToken", "Revoke Refresh Token", "On",
                    "A refresh token can be used only Refresh Token Max Reuse + 1 times; using an older one fails."))
                (number_field(fields, "refreshTokenMaxReuse", "Refresh Token Max Reuse",
                    "How many times a refresh token may be reused (with Revoke Refresh Token on). 0 means once."))
            }
            section.panel {
                h2 { "Access tokens" }
                (duration_field(fields, "accessTokenLifespan", "Access Token Lifespan",
                    "How long an access token is valid. Keep it short: minutes, not hours."))
            }
            section.panel {
                h2 { "Sessions" }
                (duration_field(fields, "ssoSessionIdleTimeout", "SSO Session Idle",
                    "A session ends after this long without a token refresh; refresh tokens expire with it."))
                (duration_field(fields, "ssoSessionMaxLifespan", "SSO Session Max",
                    "A session ends this long after sign-in, whatever its use."))
                (duration_field(fields, "clientSessionIdleTimeout", "Client Session Idle",
                    "Idle time of a client's session; 0 uses SSO Session Idle."))
                (duration_field(fields, "clientSessionMaxLifespan", "Client Session Max",
                    "Maximum time of a client's session; 0 uses SSO Session Max."))
            }
            div.actions { button.button type="submit" { "Save" } }
        }
    }
}

pub(crate) async fn get_tokens(
    ConsoleRealm { console, realm, .. }: ConsoleRealm,
    query: Query,
) -> Result<Response, ConsoleError> {
    let tokens = &realm.realm.settings.tokens;
    let mut fields = Fields::default();
    fields.set("defaultSignatureAlgorithm", realm.realm.settings.signature_algorithm().as_str());
    fields.set_check("revokeRefreshToken", tokens.revoke_refresh_token);
    fields.set("refreshTokenMaxReuse", tokens.refresh_token_max_reuse.to_string());
    fields.set_duration("accessTokenLifespan", tokens.access_token_lifespan);
    fields.set_duration("ssoSessionIdleTimeout", tokens.sso_session_idle_timeout);
    fields.set_duration("ssoSessionMaxLifespan", tokens.sso_session_max_lifespan);
    fields.set_duration("clientSessionIdleTimeout", tokens.client_session_idle_timeout);
    fields.set_duration("clientSessionMaxLifespan", tokens.client_session_max_lifespan);
    let form = tokens_form(&console, &realm, &fields);
    Ok(settings_page(&console, &realm, Tab::Tokens, notice(query.get("notice")), form))
}

pub(crate) async fn post_tokens(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let mut fields = Fields::from_form(&form);
    // A form without the field (an older page still open) leaves the algorithm as it is.
    let algorithm = fields.text("defaultSignatureAlgorithm");
    if algorithm
        .as_deref()
        .is_some_and(|algorithm| !SIGNATURE_ALGORITHMS.iter().any(|(value, _)| *value == algorithm))
    {
        fields.add_error("defaultSignatureAlgorithm", "Choose one of the options.");
    }
    let revoke = fields.is_checked("revokeRefreshToken");
    let reuse = limits::REFRESH_TOKEN_MAX_REUSE;
    let max_reuse = fields.number("refreshTokenMaxReuse", reuse.min, reuse.max);
    let access = fields.duration("accessTokenLifespan", &limits::ACCESS_TOKEN_LIFESPAN);
    let sso_idle = fields.duration("ssoSessionIdleTimeout", &limits::SSO_SESSION_IDLE_TIMEOUT);
    let sso_max = fields.duration("ssoSessionMaxLifespan", &limits::SSO_SESSION_MAX_LIFESPAN);
    let client_idle =
        fields.duration("clientSessionIdleTimeout", &limits::CLIENT_SESSION_IDLE_TIMEOUT);
    let client_max =
        fields.duration("clientSessionMaxLifespan", &limits::CLIENT_SESSION_MAX_LIFESPAN);
    if let (Some(idle), Some(max)) = (sso_idle, sso_max)
        && idle > max
    {
        fields.add_error("ssoSessionIdleTimeout", "Must not be longer than SSO Session Max.");
    }
    // Keycloak's own rule (`validateClientAndRealmTimeouts`), shown on the field.
    if let (Some(client), Some(sso)) = (client_idle, sso_idle)
        && client > sso
    {
        fields.add_error("clientSessionIdleTimeout", "Must not be longer than SSO Session Idle.");
    }
    if let (Some(client), Some(sso)) = (client_max, sso_max)
        && client > sso
    {
        fields.add_error("clientSessionMaxLifespan", "Must not be longer than SSO Session Max.");
    }
    let (
        Some(max_reuse),
        Some(access),
        Some(sso_idle),
        Some(sso_max),
        Some(client_idle),
        Some(client_max),
    ) = (max_reuse, access, sso_idle, sso_max, client_idle, client_max)
    else {
        return Ok(invalid(&console, &realm, Tab::Tokens, &fields));
    };
    if fields.has_errors() {
        return Ok(invalid(&console, &realm, Tab::Tokens, &fields));
    }
    let rep = RealmRepresentation {
        default_signature_algorithm: algorithm,
        revoke_refresh_token: Some(revoke),
        refresh_token_max_reuse: Some(max_reuse),
        access_token_lifespan: Some(access),
        sso_session_idle_timeout: Some(sso_idle),
        sso_session_max_lifespan: Some(sso_max),
        client_session_idle_timeout: Some(client_idle),
        client_session_max_lifespan: Some(client_max),
        ..RealmRepresentation::default()
    };
    save(&state, &console, &realm, &rep, "/realm-settings/tokens", Tab::Tokens, &fields).await
}

/// The form again, with its inline errors, as a 400.
fn invalid(console: &Console, realm: &RealmSnapshot, tab: Tab, fields: &Fields) -> Response {
    let form = match tab {
        Tab::General => general_form(console, realm, fields),
        Tab::SecurityDefenses => brute_force_form(console, realm, fields),
        Tab::Tokens => tokens_form(console, realm, fields),
        Tab::Keys => html! {},
    };
    with_status(
        settings_page(console, realm, tab, error_notice(FIX_BELOW), form),
        StatusCode::BAD_REQUEST,
    )
}

// ---- Security defenses > Brute force detection ----

const MODES: [(&str, &str); 4] = [
    ("disabled", "Disabled"),
    ("permanent", "Lockout permanently"),
    ("temporary", "Lockout temporarily"),
    ("permanent-after-temporary", "Lockout permanently after temporary lockout"),
];

fn brute_force_form(console: &Console, realm: &RealmSnapshot, fields: &Fields) -> Markup {
    let action = console.realm_url(&realm.realm.name, "/realm-settings/security-defenses");
    html! {
        form method="post" action=(action) novalidate {
            (console.csrf_input())
            section.panel {
                h2 { "Brute force detection" }
                (select_field(fields, "bruteForceMode", "Brute Force Mode",
                    "What happens after too many wrong passwords. Failures count for token requests and console sign-ins alike.", &MODES))
                (number_field(fields, "failureFactor", "Max login failures",
                    "Wrong passwords in a row before the user is locked out."))
                (number_field(fields, "maxTemporaryLockouts", "Max temporary lockouts",
                    "Only for \"permanently after temporary lockout\": temporary lockouts before the permanent one."))
                (select_field(fields, "bruteForceStrategy", "Strategy to increase wait time",
                    "Multiple: the wait grows with each lockout. Linear: it grows by the wait increment.",
                    &[("MULTIPLE", "Multiple"), ("LINEAR", "Linear")]))
                (duration_field(fields, "waitIncrementSeconds", "Wait increment",
                    "How long a temporary lockout lasts at first."))
                (duration_field(fields, "maxFailureWaitSeconds", "Max wait",
                    "The longest a temporary lockout lasts."))
                (duration_field(fields, "maxDeltaTimeSeconds", "Failure reset time",
                    "Failures older than this are forgotten."))
                (number_field(fields, "quickLoginCheckMilliSeconds", "Quick login check milliseconds",
                    "Two failures closer together than this (in milliseconds) count as a quick login."))
                (duration_field(fields, "minimumQuickLoginWaitSeconds", "Minimum quick login wait",
                    "How long to lock out after a quick login failure."))
            }
            div.actions { button.button type="submit" { "Save" } }
        }
    }
}

pub(crate) async fn get_security_defenses(
    ConsoleRealm { console, realm, .. }: ConsoleRealm,
    query: Query,
) -> Result<Response, ConsoleError> {
    let brute = &realm.realm.settings.brute_force;
    let mode = match (
        brute.brute_force_protected,
        brute.permanent_lockout,
        brute.max_temporary_lockouts,
    ) {
        (false, _, _) => "disabled",
        (true, false, _) => "temporary",
        (true, true, 0) => "permanent",
        (true, true, _) => "permanent-after-temporary",
    };
    let mut fields = Fields::default();
    fields.set("bruteForceMode", mode);
    fields.set("failureFactor", brute.failure_factor.to_string());
    fields.set("maxTemporaryLockouts", brute.max_temporary_lockouts.to_string());
    fields.set(
        "bruteForceStrategy",
        match brute.brute_force_strategy {
            BruteForceStrategy::MULTIPLE => "MULTIPLE",
            BruteForceStrategy::LINEAR => "LINEAR",
        },
    );
    fields.set_duration("waitIncrementSeconds", brute.wait_increment_seconds);
    fields.set_duration("maxFailureWaitSeconds", brute.max_failure_wait_seconds);
    fields.set_duration("maxDeltaTimeSeconds", brute.max_delta_time_seconds);
    fields.set("quickLoginCheckMilliSeconds", brute.quick_login_check_milli_seconds.to_string());
    fields.set_duration("minimumQuickLoginWaitSeconds", brute.minimum_quick_login_wait_seconds);
    let form = brute_force_form(&console, &realm, &fields);
    Ok(settings_page(&console, &realm, Tab::SecurityDefenses, notice(query.get("notice")), form))
}

pub(crate) async fn post_security_defenses(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let mut fields = Fields::from_form(&form);
    let mode = fields.value("bruteForceMode").to_owned();
    if !MODES.iter().any(|(key, _)| *key == mode) {
        fields.add_error("bruteForceMode", "Choose one of the options.");
    }
    let strategy = fields.value("bruteForceStrategy").to_owned();
    if !["MULTIPLE", "LINEAR"].contains(&strategy.as_str()) {
        fields.add_error("bruteForceStrategy", "Choose one of the options.");
    }
    // The console asks for at least one failure, where Keycloak's API takes 0.
    let failure_factor = fields.number("failureFactor", 1, limits::FAILURE_FACTOR.max);
    let min_lockouts = if mode == "permanent-after-temporary" { 1 } else { 0 };
    let max_lockouts =
        fields.number("maxTemporaryLockouts", min_lockouts, limits::MAX_TEMPORARY_LOCKOUTS.max);
    let wait_increment = fields.duration("waitIncrementSeconds", &limits::WAIT_INCREMENT_SECONDS);
    let max_wait = fields.duration("maxFailureWaitSeconds", &limits::MAX_FAILURE_WAIT_SECONDS);
    let reset = fields.duration("maxDeltaTimeSeconds", &limits::MAX_DELTA_TIME_SECONDS);
    let quick = limits::QUICK_LOGIN_CHECK_MILLI_SECONDS;
    let quick_check = fields.number("quickLoginCheckMilliSeconds", quick.min, quick.max);
    let quick_wait =
        fields.duration("minimumQuickLoginWaitSeconds", &limits::MINIMUM_QUICK_LOGIN_WAIT_SECONDS);
    let (
        Some(failure_factor),
        Some(max_lockouts),
        Some(wait_increment),
        Some(max_wait),
        Some(reset),
        Some(quick_check),
        Some(quick_wait),
    ) = (failure_factor, max_lockouts, wait_increment, max_wait, reset, quick_check, quick_wait)
    else {
        return Ok(invalid(&console, &realm, Tab::SecurityDefenses, &fields));
    };
    if fields.has_errors() {
        return Ok(invalid(&console, &realm, Tab::SecurityDefenses, &fields));
    }
    let (protected, permanent, lockouts) = match mode.as_str() {
        "permanent" => (true, true, 0),
        "temporary" => (true, false, max_lockouts),
        "permanent-after-temporary" => (true, true, max_lockouts),
        _ => (false, realm.realm.settings.brute_force.permanent_lockout, max_lockouts),
    };
    let rep = RealmRepresentation {
        brute_force_protected: Some(protected),
        permanent_lockout: Some(permanent),
        max_temporary_lockouts: Some(lockouts),
        brute_force_strategy: Some(strategy),
        failure_factor: Some(failure_factor),
        wait_increment_seconds: Some(wait_increment),
        max_failure_wait_seconds: Some(max_wait),
        max_delta_time_seconds: Some(reset),
        quick_login_check_milli_seconds: Some(quick_check),
        minimum_quick_login_wait_seconds: Some(quick_wait),
        ..RealmRepresentation::default()
    };
    save(
        &state,
        &console,
        &realm,
        &rep,
        "/realm-settings/security-defenses",
        Tab::SecurityDefenses,
        &fields,
    )
    .await
}

// ---- Delete realm ----

/// `POST …/realms/{realm}/delete`, after a confirmation page; never `master`.
pub(crate) async fn post_delete_realm(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let name = realm.realm.name.clone();
    if !is_confirmed(&form) && name != super::auth::ADMIN_REALM {
        return Ok(Confirm {
            section: Section::RealmSettings,
            title: "Delete realm?",
            question: format!(
                "Realm {name} will be deleted with all its users, clients, roles, keys and sessions. Every token it issued stops working. This cannot be undone."
            ),
            action: console.realm_url(&name, "/delete"),
            button: "Delete",
            cancel: console.realm_url(&name, "/realm-settings"),
        }
        .render(&console, &name));
    }
    match realms::remove(&state, &realm).await {
        Ok(()) => Ok(see_other(&format!(
            "{}?notice=deleted",
            console.realm_url(super::auth::ADMIN_REALM, "/realm-settings")
        ))),
        Err(error @ ManageError::MasterRealm(_)) => {
            let form = general_form(&console, &realm, &general_fields(&realm));
            let page = settings_page(
                &console,
                &realm,
                Tab::General,
                error_notice(&refusal_text(&error)),
                form,
            );
            Ok(with_status(page, refusal_status(&error)))
        }
        Err(other) => Err(other.into()),
    }
}

// ---- Create realm ----

fn create_realm_page(
    console: &Console,
    fields: &Fields,
    top: Markup,
    status: StatusCode,
) -> Response {
    let realm = super::auth::ADMIN_REALM;
    let body = html! {
        div.head { h1 { "Create realm" } }
        p.lede { "A realm manages its own users, clients, roles and sessions, isolated from the other realms." }
        (top)
        form.panel method="post" action={ (console.root) "/create-realm" } novalidate {
            (console.csrf_input())
            (text_field(fields, "realm", "Realm name", "Used in URLs: …/realms/<name>. It cannot be changed later here."))
            (check_field(fields, "enabled", "Enabled", "On", "A disabled realm issues no tokens."))
            div.actions {
                button.button type="submit" { "Create" }
                a.button.secondary href=(console.root) { "Cancel" }
            }
        }
    };
    Page {
        console,
        realm,
        section: Section::CreateRealm,
        title: "Create realm".into(),
        crumbs: Vec::new(),
        body,
    }
    .render_with(status)
}

pub(crate) async fn get_create_realm(console: Console) -> Response {
    let mut fields = Fields::default();
    fields.set_check("enabled", true);
    create_realm_page(&console, &fields, html! {}, StatusCode::OK)
}

pub(crate) async fn post_create_realm(
    State(state): State<AppState>,
    console: Console,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    let mut fields = Fields::from_form(&form);
    let name = fields.text("realm").unwrap_or_default();
    if name.is_empty() {
        fields.add_error("realm", "Enter a realm name.");
    } else if name.chars().count() > 255 {
        fields.add_error("realm", "At most 255 characters.");
    } else if name.chars().any(|c| c.is_control() || c.is_whitespace() || "/\\?#%".contains(c)) {
        fields.add_error(
            "realm",
            "Use letters, digits, '-', '_' or '.', without spaces or / \\ ? # %.",
        );
    }
    if fields.has_errors() {
        return Ok(create_realm_page(
            &console,
            &fields,
            error_notice(FIX_BELOW),
            StatusCode::BAD_REQUEST,
        ));
    }
    let rep = RealmRepresentation {
        realm: Some(name.clone()),
        enabled: Some(fields.is_checked("enabled")),
        ..RealmRepresentation::default()
    };
    match realms::create(&state, rep).await {
        Ok(name) => Ok(see_other(&format!(
            "{}?notice=created",
            console.realm_url(&name, "/realm-settings")
        ))),
        Err(error @ ManageError::RealmExists) => {
            fields.add_error("realm", refusal_text(&error));
            Ok(create_realm_page(
                &console,
                &fields,
                error_notice(FIX_BELOW),
                refusal_status(&error),
            ))
        }
        Err(error @ ManageError::RealmFile(_)) => Ok(create_realm_page(
            &console,
            &fields,
            error_notice(&refusal_text(&error)),
            refusal_status(&error),
        )),
        Err(other) => Err(other.into()),
    }
}
