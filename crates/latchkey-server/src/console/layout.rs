//! The frame every console page shares: masthead with the signed-in user and sign-out,
//! the realm switcher, the navigation named as Keycloak's console names it, notices, and
//! the one style sheet (served with a content fingerprint in its name, cached for a year).

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::auth::{CSRF_FIELD, Console};
use crate::admin::request::path_segment;

/// The style sheet, compiled in.
const CSS: &str = include_str!("console.css");

/// FNV-1a of the style sheet, so a new sheet gets a new URL and old ones can be cached
/// for ever.
const CSS_FINGERPRINT: u64 = {
    let bytes = CSS.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut index = 0;
    while index < bytes.len() {
        hash ^= bytes[index] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        index += 1;
    }
    hash
};

fn css_file() -> String {
    format!("console-{CSS_FINGERPRINT:016x}.css")
}

fn css_href(root: &str) -> String {
    format!("{root}/assets/{}", css_file())
}

/// `GET …/console/assets/{file}`: the style sheet under its current name, else 404.
pub(crate) async fn get_asset(Path(file): Path<String>) -> Response {
    if file != css_file() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mut response = CSS.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

/// The left navigation's entries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Clients,
    RealmRoles,
    Users,
    Groups,
    Sessions,
    RealmSettings,
    CreateRealm,
}

impl Console {
    /// `{root}/realms/{realm}{rest}`.
    pub(crate) fn realm_url(&self, realm: &str, rest: &str) -> String {
        format!("{}/realms/{}{rest}", self.root, path_segment(realm))
    }

    /// The hidden CSRF field of every form.
    pub(crate) fn csrf_input(&self) -> Markup {
        html! { input type="hidden" name=(CSRF_FIELD) value=(self.csrf); }
    }
}

/// A page of the console: title (for `<title>` and the heading), the realm it is about,
/// the navigation entry to highlight, and the body below the heading.
pub(crate) struct Page<'a> {
    pub(crate) console: &'a Console,
    pub(crate) realm: &'a str,
    pub(crate) section: Section,
    pub(crate) title: String,
    pub(crate) crumbs: Vec<(String, String)>,
    pub(crate) body: Markup,
}

impl Page<'_> {
    pub(crate) fn render(self) -> Response {
        self.render_with(StatusCode::OK)
    }

    /// With another status: a form shown again with its errors is a 400.
    pub(crate) fn render_with(self, status: StatusCode) -> Response {
        let console = self.console;
        let realm = self.realm;
        let nav = |section: Section, rest: &str, label: &str| {
            html! {
                li { a.active[section == self.section] href=(console.realm_url(realm, rest)) { (label) } }
            }
        };
        let markup = html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) " · " (realm) " · latchkey admin console" }
                    link rel="stylesheet" href=(css_href(&console.root));
                }
                body {
                    header.mast {
                        a.brand href=(console.root) { "latchkey" small { "Admin console" } }
                        span.spacer {}
                        div.who {
                            span.name title="Signed in to realm master" { (console.user.username) }
                            form method="post" action={ (console.root) "/logout" } {
                                (console.csrf_input())
                                button.button.small type="submit" { "Sign out" }
                            }
                        }
                    }
                    div.frame {
                        nav.side aria-label="Console" {
                            details.realms {
                                summary { span { span.label { "Realm" } (realm) } }
                                ul {
                                    @for name in &console.realms {
                                        li { a.current[name == realm] href=(console.realm_url(name, "/realm-settings")) { (name) } }
                                    }
                                    li.create { a href={ (console.root) "/create-realm" } { "+ Create realm" } }
                                }
                            }
                            div.nav {
                                h3 { "Manage" }
                                ul {
                                    (nav(Section::Clients, "/clients", "Clients"))
                                    (nav(Section::RealmRoles, "/roles", "Realm roles"))
                                    (nav(Section::Users, "/users", "Users"))
                                    (nav(Section::Groups, "/groups", "Groups"))
                                    (nav(Section::Sessions, "/sessions", "Sessions"))
                                }
                                h3 { "Configure" }
                                ul {
                                    (nav(Section::RealmSettings, "/realm-settings", "Realm settings"))
                                }
                            }
                        }
                        main.content {
                            @if !self.crumbs.is_empty() {
                                div.crumbs {
                                    @for (index, (href, label)) in self.crumbs.iter().enumerate() {
                                        @if index > 0 { " › " }
                                        a href=(href) { (label) }
                                    }
                                }
                            }
                            (self.body)
                        }
                    }
                }
            }
        };
        let mut response = (status, Html(markup.into_string())).into_response();
        response = crate::headers::no_store(response);
        response
    }
}

/// A notice above a page's content, from the `notice` query parameter a form's redirect
/// adds. Only known keys show text: the URL cannot put words on the page.
pub(crate) fn notice(key: Option<&str>) -> Markup {
    let text = match key {
        Some("saved") => "Your changes have been saved.",
        Some("created") => "Created.",
        Some("password") => "The password has been set.",
        Some("assigned") => "Role mapping updated.",
        Some("signed-out") => "The session has been signed out.",
        Some("signed-out-all") => "All sessions have been signed out.",
        Some("regenerated") => {
            "A new client secret has been generated. Clients using the old one must be updated."
        }
        Some("deleted") => "Deleted.",
        Some("enabled") => "The user is now enabled.",
        Some("disabled") => "The user is now disabled.",
        Some("unlocked") => "The user's login failures have been cleared.",
        Some("joined") => {
            "Membership updated: the user holds the group's roles from the next login or refresh."
        }
        Some("left") => "Membership updated: the group's roles no longer reach the user.",
        Some("moved") => "The group has been moved.",
        _ => return html! {},
    };
    html! { div.notice.ok role="status" { (text) } }
}

/// "Are you sure?" without a script: a destructive form posts here first without
/// `confirm=yes` and gets this page, whose button posts again with it.
pub(crate) struct Confirm<'a> {
    pub(crate) section: Section,
    pub(crate) title: &'a str,
    pub(crate) question: String,
    pub(crate) action: String,
    pub(crate) button: &'a str,
    pub(crate) cancel: String,
}

impl Confirm<'_> {
    pub(crate) fn render(self, console: &Console, realm: &str) -> Response {
        let body = html! {
            div.head { h1 { (self.title) } }
            div.panel {
                p { (self.question) }
                form.actions method="post" action=(self.action) {
                    (console.csrf_input())
                    input type="hidden" name="confirm" value="yes";
                    button.button.destructive type="submit" { (self.button) }
                    a.button.secondary href=(self.cancel) { "Cancel" }
                }
            }
        };
        Page {
            console,
            realm,
            section: self.section,
            title: self.title.to_owned(),
            crumbs: Vec::new(),
            body,
        }
        .render()
    }
}

/// Whether a destructive form was confirmed.
pub(crate) fn is_confirmed(form: &crate::extract::Form) -> bool {
    form.get("confirm") == Some("yes")
}

/// A description to show: Keycloak's built-in roles carry message keys
/// (`${role_offline-access}`), which mean nothing to a reader.
pub(crate) fn description(text: Option<&str>) -> &str {
    text.filter(|t| !t.is_empty() && !t.starts_with("${")).unwrap_or("—")
}

/// A page with only a message: errors, and the console's refusals.
pub(crate) fn message_page(root: &str, title: &str, message: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · latchkey admin console" }
                link rel="stylesheet" href=(css_href(root));
            }
            body {
                header.mast { a.brand href=(root) { "latchkey" small { "Admin console" } } }
                div.message {
                    h1 { (title) }
                    p { (message) }
                    a.button href=(root) { "Back to the console" }
                }
            }
        }
    }
}

/// The sign-in page's frame.
pub(crate) fn signin_page(root: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Sign in · latchkey admin console" }
                link rel="stylesheet" href=(css_href(root));
            }
            body.signin-body { (body) }
        }
    }
}

/// `2026-11-30 16:20:05 UTC` for seconds since the epoch (the proleptic Gregorian
/// calendar from days since 1970-01-01, civil-from-days).
pub(crate) fn time_text(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let in_day = secs.rem_euclid(86_400);
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::time_text;

    #[test]
    fn times_read_as_utc_dates() {
        assert_eq!(time_text(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(time_text(1_760_000_000), "2025-10-09 08:53:20 UTC");
        assert_eq!(time_text(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(time_text(1_798_761_599), "2026-12-31 23:59:59 UTC");
    }
}
