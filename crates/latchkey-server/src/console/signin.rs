//! Sign-in and sign-out. A wrong password, an unknown user, a disabled or locked one all
//! get the same "Invalid username or password." after the same hashing time, and a wrong
//! password counts towards brute-force detection exactly as the password grant's does
//! (`oidc::token_password::check_password`). A right password of a user without master's
//! `admin` role gets a 403 page and no session.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::Store;
use maud::{Markup, html};

use super::auth::{
    ADMIN_REALM, ADMIN_ROLE, CONSOLE_CLIENTS, CSRF_FIELD, Console, ConsoleForm, LOGIN_COOKIE,
    SESSION_COOKIE, SignInForm, check_https, clear_cookie, cookie, session_cookie_value,
    set_cookie,
};
use super::error::ConsoleError;
use super::layout::signin_page;
use super::{root, see_other};
use crate::admin::request::Query;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::headers::no_store;
use crate::oidc::token::effective_roles;
use crate::oidc::token_password::check_password;
use crate::state::AppState;

const INVALID: &str = "Invalid username or password.";

fn add_cookie(response: &mut Response, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// `GET …/console`: the master realm's settings when signed in, else the sign-in form.
pub(crate) async fn get_root(
    State(state): State<AppState>,
    console: Result<Console, ConsoleError>,
) -> Response {
    match console {
        Ok(console) => see_other(&console.realm_url(ADMIN_REALM, "/realm-settings")),
        Err(ConsoleError::SignedOut) => see_other(&format!("{}/login", root(&state))),
        Err(error) => error.into_response(),
    }
}

/// The sign-in form with a fresh double-submit token in a cookie and a hidden field.
fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    username: &str,
    message: Option<Markup>,
) -> Response {
    // The token of a sign-in form already open in another tab stays valid.
    let token = cookie(headers, LOGIN_COOKIE)
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map_or_else(|| latchkey_core::random::alphanumeric(32), str::to_owned);
    let root = root(state);
    let body = html! {
        main.signin {
            div.brand { "latchkey" small { "Admin console" } }
            h1 { "Sign in to your account" }
            @if let Some(message) = message { (message) }
            form method="post" action={ (root) "/login" } {
                input type="hidden" name=(CSRF_FIELD) value=(token);
                label for="username" { "Username or email" }
                input type="text" id="username" name="username" value=(username) autocomplete="username" autofocus required;
                label for="password" { "Password" }
                input type="password" id="password" name="password" autocomplete="current-password" required;
                button.button type="submit" { "Sign in" }
            }
            p.foot { "Realm master · administrators only" }
        }
    };
    let mut response = (status, Html(signin_page(&root, body).into_string())).into_response();
    response = no_store(response);
    add_cookie(&mut response, &set_cookie(state, LOGIN_COOKIE, &token));
    response
}

/// `GET …/console/login`.
pub(crate) async fn get_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
    query: Query,
    console: Result<Console, ConsoleError>,
) -> Result<Response, ConsoleError> {
    if let Ok(console) = console {
        return Ok(see_other(&console.realm_url(ADMIN_REALM, "/realm-settings")));
    }
    check_https(&*state.realm(ADMIN_REALM).await?, &caller)?;
    let message = match query.get("notice") {
        _ if query.get("expired").is_some() => Some(
            html! { div.notice.info role="status" { "Your session has expired. Please sign in again." } },
        ),
        Some("signed-out") => {
            Some(html! { div.notice.ok role="status" { "You have signed out." } })
        }
        _ => None,
    };
    Ok(form_page(&state, &headers, StatusCode::OK, "", message))
}

/// `POST …/console/login`: CSRF first (403, nothing checked), then the password check
/// shared with the password grant, then master's `admin` role, then a new session.
#[tracing::instrument(skip_all)]
pub(crate) async fn post_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    SignInForm { form, master, caller }: SignInForm,
) -> Result<Response, ConsoleError> {
    let username = form.get("username").unwrap_or_default().trim().to_owned();
    let password = form.get("password").unwrap_or_default().to_owned();
    let invalid = |username: &str| {
        let message = html! { div.notice.error role="alert" { (INVALID) } };
        form_page(&state, &headers, StatusCode::UNAUTHORIZED, username, Some(message))
    };
    if username.is_empty() {
        return Ok(invalid(&username));
    }
    let address = caller.address.map(|a| a.to_string());
    let user = match check_password(&state, &master, &username, &password, address.as_deref()).await
    {
        Ok(user) => user,
        Err(ApiError::OAuth(_)) => {
            tracing::info!("console sign-in refused");
            return Ok(invalid(&username));
        }
        Err(other) => return Err(other.into()),
    };
    if !effective_roles(&state, &master, &user).await?.realm.contains(ADMIN_ROLE) {
        tracing::info!(user_id = %user.id, "console sign-in refused: not an admin");
        return Err(ConsoleError::NotAdmin);
    }
    let client = CONSOLE_CLIENTS
        .iter()
        .find_map(|id| master.client(id))
        .ok_or_else(|| ConsoleError::Internal("realm master has no console client".into()))?;
    let now = state.clock.now().secs();
    let session = Session {
        id: latchkey_core::random::session_id(),
        realm_id: master.realm.id.clone(),
        user_id: user.id.clone(),
        client_uuid: client.id.clone(),
        started: now,
        last_refresh: now,
        scope: "openid".into(),
        offline: false,
        reuse: RefreshReuse { last_refresh: now, ..RefreshReuse::default() },
        ip_address: address.unwrap_or_default(),
    };
    let value = session_cookie_value(&master, &session.id)
        .ok_or_else(|| ConsoleError::Internal("realm master has no HMAC key".into()))?;
    state.store.insert_session(&session).await?;
    tracing::info!(user_id = %user.id, "console sign-in");
    let mut response = see_other(&root(&state));
    add_cookie(&mut response, &set_cookie(&state, SESSION_COOKIE, &value));
    add_cookie(&mut response, &clear_cookie(&state, LOGIN_COOKIE));
    Ok(response)
}

/// `POST …/console/logout`: ends the session (CSRF-checked, so no page elsewhere can
/// sign an admin out) and clears the cookie.
pub(crate) async fn post_logout(
    State(state): State<AppState>,
    console: Console,
    _: ConsoleForm,
) -> Result<Response, ConsoleError> {
    state.store.delete_session(&console.session_id).await?;
    tracing::info!(user_id = %console.user.id, "console sign-out");
    let mut response = see_other(&format!("{}/login?notice=signed-out", root(&state)));
    add_cookie(&mut response, &clear_cookie(&state, SESSION_COOKIE));
    Ok(response)
}
