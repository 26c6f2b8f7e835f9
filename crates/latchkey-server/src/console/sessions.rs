//! Sessions: the realm's active (online) sessions of every client, each with "Sign out",
//! and "Sign out all sessions" (`manage::sessions`, as the Admin API's). Console
//! sign-ins are master sessions of `security-admin-console` and show here too.

use axum::http::StatusCode;
use axum::response::Response;
use latchkey_core::session::Session;
use latchkey_core::store::Store;
use latchkey_core::user::User;
use maud::{Markup, html};

use super::auth::{Console, ConsoleForm, ConsoleRealm};
use super::error::ConsoleError;
use super::layout::{Page, Section, notice, time_text};
use super::see_other;
use crate::admin::request::{Query, path_segment};
use crate::cache::RealmSnapshot;
use crate::manage::sessions;
use crate::state::AppState;

/// A table of sessions with a "Sign out" form per row posting `session=<id>` to `action`.
/// `show_user` is off on a user's own Sessions tab.
pub(crate) fn sessions_table(
    console: &Console,
    realm: &RealmSnapshot,
    rows: &[(&User, &Session)],
    action: &str,
    show_user: bool,
) -> Markup {
    let name = &realm.realm.name;
    html! {
        div.table-wrap {
            @if rows.is_empty() {
                p.empty { "No active sessions." }
            } @else {
                table {
                    thead { tr {
                        @if show_user { th { "Username" } } th.hide-narrow[show_user] { "Client" } th.hide-narrow { "IP address" }
                        th.hide-narrow { "Started" } th { "Last access" } th.num { "" }
                    } }
                    tbody {
                        @for (user, session) in rows {
                            tr {
                                @if show_user { td {
                                    @if user.is_service_account() { (user.username) }
                                    @else { a href=(console.realm_url(name, &format!("/users/{}", path_segment(&user.id)))) { (user.username) } }
                                    @if session.id == console.session_id { " " span.badge { "You" } }
                                } }
                                // On a phone the realm's list keeps the username, a user's list the client.
                                td.hide-narrow[show_user] { (realm.clients.values().find(|c| c.id == session.client_uuid).map_or("—", |c| c.client_id.as_str())) }
                                td.hide-narrow { (if session.ip_address.is_empty() { "—" } else { session.ip_address.as_str() }) }
                                td.hide-narrow { (when(session.started)) }
                                td { (when(session.last_refresh)) }
                                td.actions-cell {
                                    form.inline method="post" action=(action) {
                                        (console.csrf_input())
                                        input type="hidden" name="session" value=(session.id);
                                        button.button.danger.small type="submit" { "Sign out" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A time as date and clock time, which wrap onto two lines on a phone.
fn when(secs: i64) -> Markup {
    let text = time_text(secs);
    let (date, clock) = text.split_once(' ').unwrap_or((text.as_str(), ""));
    html! { span.when { (date) } " " span.when { (clock) } }
}

/// The realm's online sessions with their users, the most recent sign-ins first (at
/// most `PAGE_SIZE`), and how many there are in all.
async fn realm_sessions(
    state: &AppState,
    realm: &RealmSnapshot,
) -> Result<(Vec<(User, Session)>, usize), ConsoleError> {
    let mut sessions = Vec::new();
    for client in realm.clients.values() {
        sessions.extend(state.store.list_client_sessions(&realm.realm.id, &client.id).await?);
    }
    sessions.sort_by(|a, b| b.started.cmp(&a.started).then(a.id.cmp(&b.id)));
    let total = sessions.len();
    sessions.truncate(super::users::PAGE_SIZE);
    let mut rows = Vec::with_capacity(sessions.len());
    for session in sessions {
        if let Some(user) = state.store.find_user_by_id(&realm.realm.id, &session.user_id).await? {
            rows.push((user, session));
        }
    }
    Ok((rows, total))
}

pub(crate) async fn get_sessions(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    query: Query,
) -> Result<Response, ConsoleError> {
    let name = &realm.realm.name;
    let (rows, total) = realm_sessions(&state, &realm).await?;
    let refs: Vec<(&User, &Session)> = rows.iter().map(|(u, s)| (u, s)).collect();
    let body = html! {
        div.head { h1 { "Sessions" } }
        p.lede { "Active sessions of realm " strong { (name) } ": one per sign-in, until it is signed out or its SSO Session Idle or Max runs out." }
        (notice(query.get("notice")))
        @if !refs.is_empty() {
            div.toolbar {
                span {
                    (total) @if total == 1 { " active session" } @else { " active sessions" }
                    @if total > refs.len() { " (the " (refs.len()) " most recent shown)" }
                }
                span.spacer {}
                form method="post" action=(console.realm_url(name, "/sessions/sign-out-all")) {
                    (console.csrf_input())
                    button.button.danger type="submit" { "Sign out all sessions" }
                }
            }
        }
        (sessions_table(&console, &realm, &refs, &console.realm_url(name, "/sessions/sign-out"), true))
    };
    Ok(Page {
        console: &console,
        realm: name,
        section: Section::Sessions,
        title: "Sessions".into(),
        crumbs: Vec::new(),
        body,
    }
    .render_with(StatusCode::OK))
}

pub(crate) async fn post_sign_out(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    ConsoleForm(form): ConsoleForm,
) -> Result<Response, ConsoleError> {
    sessions::end(&state, &realm, form.get("session").unwrap_or_default()).await?;
    Ok(see_other(&format!(
        "{}?notice=signed-out",
        console.realm_url(&realm.realm.name, "/sessions")
    )))
}

pub(crate) async fn post_sign_out_all(
    ConsoleRealm { state, console, realm }: ConsoleRealm,
    _: ConsoleForm,
) -> Result<Response, ConsoleError> {
    sessions::logout_all(&state, &realm).await?;
    Ok(see_other(&format!(
        "{}?notice=signed-out-all",
        console.realm_url(&realm.realm.name, "/sessions")
    )))
}
