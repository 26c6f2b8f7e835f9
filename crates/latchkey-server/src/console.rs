//! The web admin console at `{base}/admin/master/console`: server-rendered HTML (maud),
//! one style sheet, no script. A master-realm admin signs in with username and password
//! (`signin.rs`, `auth.rs`) and manages every realm: realm settings (`realm_settings.rs`,
//! and its Keys tab `keys.rs`), users (`users.rs`), realm roles (`roles.rs`), groups
//! (`groups.rs`), clients (`clients.rs`) and sessions (`sessions.rs`). Every change goes
//! through the same functions as the Admin REST API (`crate::manage`), so the same store
//! calls, the same checks and the same cache invalidation apply. Handlers take `auth::ConsoleRealm` (signed in, realm found) and
//! `auth::ConsoleForm` (the session's CSRF token checked) before they run.
//!
//! Decisions:
//! - **A sign-in is a real user session** of realm `master` for client
//!   `security-admin-console` (`admin-cli` if a realm file removed it): it shows in the
//!   session listings, an admin can end it, the reaper removes it, and it expires with
//!   master's SSO Session Idle (every console request refreshes it) and Max. Sign-in runs
//!   the password grant's own check (`oidc::token_password::check_password`): the same
//!   lookup, hashing, brute-force counting and lockout; every refusal is the same
//!   "Invalid username or password." A right password without master's `admin` role is a
//!   403 page and no session.
//! - **Cookie and CSRF** (`auth.rs`): `LATCHKEY_CONSOLE_SESSION=<session id>.<MAC>`,
//!   `HttpOnly; SameSite=Strict`, `Secure` over HTTPS; a form's CSRF token is a second MAC
//!   of the session id, checked before the handler runs; the sign-in form uses a
//!   double-submit token. `SameSite=Strict` means a link from another site opens the
//!   sign-in form: the price of never sending the cookie cross-site.
//! - **HTTPS**: master's Require SSL applies as in Keycloak: with `external` a page or
//!   sign-in over plain HTTP from a public address is a 403 "HTTPS required" page.
//! - **Headers**: `Cache-Control: no-store` on pages, a `Content-Security-Policy` that
//!   allows only the console's own sheet and forms, on top of Keycloak's security headers.
//!   The style sheet is served as `…/assets/console-<FNV-1a of the sheet>.css`, immutable.
//! - **Errors** (`error.rs`): a form with bad values comes back with 400 and an error
//!   under each field (what was typed stays); a refusal of the admin layer goes on its
//!   field or a notice; unknown realms, users, clients and paths are 404 pages, a GET of
//!   a form's action a 405 page, storage failures a 500 page that shows nothing.
//! - **No script, still safe to click**: deleting a realm, user, client or role asks
//!   first (a question page posting again with `confirm=yes`); the signed-in admin's own
//!   account, master's console client and realm `master` cannot be deleted here.
//! - Pages live under `…/console/realms/{realm}/…` (Keycloak's SPA uses `#/{realm}/…`).

mod auth;
mod clients;
mod error;
mod fields;
mod groups;
mod keys;
mod layout;
mod realm_settings;
mod roles;
mod sessions;
mod signin;
mod user_roles;
mod users;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;

use self::error::ConsoleError;
use crate::state::AppState;

/// Where the console lives, relative to `{base}` (Keycloak's URL).
pub(crate) const ROOT: &str = "/admin/master/console";

/// `{relative path}/admin/master/console`, the prefix of every console link.
fn root(state: &AppState) -> String {
    format!("{}{ROOT}", state.config.relative_path)
}

/// `303 See Other` to `location`: where every successful form post goes (POST, redirect,
/// GET), with a `notice` for the page to show.
fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The console's routes, relative to `{base}`.
pub fn routes(state: AppState) -> Router<AppState> {
    let realm = |rest: &str| format!("{ROOT}/realms/{{realm}}{rest}");
    Router::new()
        .route(ROOT, get(signin::get_root))
        .route(&format!("{ROOT}/"), get(signin::get_root))
        .route(&format!("{ROOT}/login"), get(signin::get_login).post(signin::post_login))
        .route(&format!("{ROOT}/logout"), post_only(signin::post_logout))
        .route(&format!("{ROOT}/assets/{{file}}"), get(layout::get_asset))
        .route(
            &format!("{ROOT}/create-realm"),
            get(realm_settings::get_create_realm).post(realm_settings::post_create_realm),
        )
        .route(&realm(""), get(realm_home))
        .route(&realm("/delete"), post_only(realm_settings::post_delete_realm))
        .route(
            &realm("/realm-settings"),
            get(realm_settings::get_general).post(realm_settings::post_general),
        )
        .route(
            &realm("/realm-settings/tokens"),
            get(realm_settings::get_tokens).post(realm_settings::post_tokens),
        )
        .route(&realm("/realm-settings/keys"), get(keys::get_keys).post(keys::post_add_key))
        .route(&realm("/realm-settings/keys/{id}/enabled"), post_only(keys::post_enabled))
        .route(&realm("/realm-settings/keys/{id}/delete"), post_only(keys::post_delete))
        .route(
            &realm("/realm-settings/security-defenses"),
            get(realm_settings::get_security_defenses).post(realm_settings::post_security_defenses),
        )
        .route(&realm("/users"), get(users::get_users))
        .route(&realm("/users/new"), get(users::get_new_user).post(users::post_new_user))
        .route(&realm("/users/{id}"), get(users::get_user).post(users::post_user))
        .route(&realm("/users/{id}/enabled"), post_only(users::post_enabled))
        .route(&realm("/users/{id}/delete"), post_only(users::post_delete))
        .route(&realm("/users/{id}/unlock"), post_only(users::post_unlock))
        .route(
            &realm("/users/{id}/credentials"),
            get(users::get_credentials).post(users::post_credentials),
        )
        .route(&realm("/users/{id}/role-mapping"), get(user_roles::get_role_mapping))
        .route(&realm("/users/{id}/role-mapping/assign"), post_only(user_roles::post_assign))
        .route(&realm("/users/{id}/role-mapping/unassign"), post_only(user_roles::post_unassign))
        .route(&realm("/users/{id}/groups"), get(groups::get_user_groups))
        .route(&realm("/users/{id}/groups/join"), post_only(groups::post_user_join))
        .route(&realm("/users/{id}/groups/leave"), post_only(groups::post_user_leave))
        .route(&realm("/users/{id}/sessions"), get(users::get_sessions))
        .route(&realm("/users/{id}/sessions/sign-out"), post_only(users::post_sign_out))
        .route(&realm("/users/{id}/sessions/sign-out-all"), post_only(users::post_sign_out_all))
        .route(&realm("/roles"), get(roles::get_roles))
        .route(&realm("/roles/new"), get(roles::get_new_role).post(roles::post_new_role))
        .route(&realm("/roles/{role}"), get(roles::get_role))
        .route(&realm("/roles/{role}/delete"), post_only(roles::post_delete_role))
        .route(&realm("/groups"), get(groups::get_groups))
        .route(&realm("/groups/new"), post_only(groups::post_new_group))
        .route(&realm("/groups/{id}"), get(groups::get_group))
        .route(&realm("/groups/{id}/children"), post_only(groups::post_child))
        .route(&realm("/groups/{id}/members"), get(groups::get_members))
        .route(&realm("/groups/{id}/members/add"), post_only(groups::post_add_member))
        .route(&realm("/groups/{id}/members/remove"), post_only(groups::post_remove_member))
        .route(&realm("/groups/{id}/role-mapping"), get(groups::get_role_mapping))
        .route(&realm("/groups/{id}/role-mapping/assign"), post_only(groups::post_assign))
        .route(&realm("/groups/{id}/role-mapping/unassign"), post_only(groups::post_unassign))
        .route(&realm("/groups/{id}/settings"), get(groups::get_settings).post(groups::post_settings))
        .route(&realm("/groups/{id}/move"), post_only(groups::post_move))
        .route(&realm("/groups/{id}/delete"), post_only(groups::post_delete))
        .route(&realm("/clients"), get(clients::get_clients))
        .route(&realm("/clients/new"), get(clients::get_new_client).post(clients::post_new_client))
        .route(&realm("/clients/{id}"), get(clients::get_client).post(clients::post_client))
        .route(&realm("/clients/{id}/delete"), post_only(clients::post_delete))
        .route(&realm("/clients/{id}/service-account-roles"), get(clients::get_service_account_roles))
        .route(
            &realm("/clients/{id}/service-account-roles/assign"),
            post_only(clients::post_service_account_assign),
        )
        .route(
            &realm("/clients/{id}/service-account-roles/unassign"),
            post_only(clients::post_service_account_unassign),
        )
        .route(&realm("/clients/{id}/credentials"), get(clients::get_credentials))
        .route(&realm("/clients/{id}/credentials/regenerate"), post_only(clients::post_regenerate))
        .route(&realm("/sessions"), get(sessions::get_sessions))
        .route(&realm("/sessions/sign-out"), post_only(sessions::post_sign_out))
        .route(&realm("/sessions/sign-out-all"), post_only(sessions::post_sign_out_all))
        .route(&format!("{ROOT}/{{*rest}}"), get(not_found).post(not_found))
        .layer(axum::middleware::map_response_with_state(state, error::finish))
        // Only the console's own style sheet, forms and pages; no script at all.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        ))
}

/// `…/realms/{realm}`: the realm's settings.
async fn realm_home(
    auth::ConsoleRealm { state, realm, .. }: auth::ConsoleRealm,
) -> Result<Response, ConsoleError> {
    Ok(see_other(&format!(
        "{}/realms/{}/realm-settings",
        root(&state),
        crate::admin::request::path_segment(&realm.realm.name)
    )))
}

/// A route that only takes form posts; a GET (a bookmarked action URL) gets a page, not
/// the API's JSON 405.
fn post_only<H, T>(handler: H) -> axum::routing::MethodRouter<AppState>
where
    H: axum::handler::Handler<T, AppState>,
    T: 'static,
{
    post(handler).get(|| async {
        ConsoleError::Api(crate::error::ApiError::plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "This address only takes forms sent from a console page.",
        ))
        .into_response()
    })
}

async fn not_found() -> Response {
    ConsoleError::NotFound("This page").into_response()
}
