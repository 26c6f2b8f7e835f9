//! Who is signed in to the console: the session cookie, the CSRF tokens and the checks
//! every console page runs before it reads or changes anything, as extractors a handler
//! cannot forget: [`Console`] (signed in), [`ConsoleRealm`] (and the realm of the URL),
//! [`ConsoleForm`] (a form whose CSRF token is this session's), [`SignInForm`].
//!
//! A console sign-in is a real user session of realm `master` for client
//! `security-admin-console`, stored like a password grant's session: it shows in the
//! Admin API's and the console's session listings, ends on sign-out, on an admin's
//! "Sign out", and when master's SSO Session Idle or SSO Session Max runs out.
//!
//! The cookie holds `<session id>.<MAC>`, the MAC an HMAC of the session id under
//! master's HMAC key (the key that signs master's refresh tokens, shared by every
//! instance and kept across restarts). Session ids are visible to whoever may list
//! master's sessions, so the id alone never signs anyone in. The CSRF token of a signed-in
//! page is a second HMAC of the session id with another label: nothing to store, and a
//! token from one session is useless in another. The sign-in form, before any session
//! exists, uses a double-submit token: a random value in a cookie and in the form.

use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::store::Store;
use latchkey_core::user::User;
use subtle::ConstantTimeEq;

use super::error::ConsoleError;
use crate::cache::RealmSnapshot;
use crate::extract::{Caller, Form, realm_parameter};
use crate::state::AppState;

/// The realm whose admins may use the console.
pub(crate) const ADMIN_REALM: &str = "master";
/// Master's realm role the console requires, the same rule as the Admin API's.
pub(crate) const ADMIN_ROLE: &str = "admin";
/// The client a console session belongs to (`admin-cli` if a realm file removed it).
pub(crate) const CONSOLE_CLIENTS: [&str; 2] = ["security-admin-console", "admin-cli"];

/// The signed-in session's cookie.
pub(crate) const SESSION_COOKIE: &str = "LATCHKEY_CONSOLE_SESSION";
/// The sign-in form's double-submit CSRF cookie.
pub(crate) const LOGIN_COOKIE: &str = "LATCHKEY_CONSOLE_LOGIN";
/// The hidden form field every console form carries.
pub(crate) const CSRF_FIELD: &str = "csrf";

const SESSION_LABEL: &[u8] = b"latchkey console session\0";
const CSRF_LABEL: &[u8] = b"latchkey console csrf\0";

/// A signed-in console user, checked for this request.
pub(crate) struct Console {
    pub(crate) user: User,
    pub(crate) session_id: String,
    /// The CSRF token the pages put in their forms.
    pub(crate) csrf: String,
    /// `{base}/admin/master/console`, for links.
    pub(crate) root: String,
    /// The realms for the realm switcher, by name.
    pub(crate) realms: Vec<String>,
}

/// What checks a signed-in form's CSRF token: put in the request's extensions by the
/// [`Console`] extractor, read by [`ConsoleForm`].
#[derive(Clone)]
struct CsrfKey {
    session_id: String,
    user_id: String,
    master: Arc<RealmSnapshot>,
}

impl CsrfKey {
    /// Refuses a form whose CSRF token is missing or is not this session's.
    fn check(&self, form: &Form) -> Result<(), ConsoleError> {
        let presented = form.get(CSRF_FIELD).unwrap_or_default();
        let Ok(presented) = URL_SAFE_NO_PAD.decode(presented) else {
            return Err(ConsoleError::Csrf);
        };
        if verify(&self.master, CSRF_LABEL, &self.session_id, &presented) {
            Ok(())
        } else {
            tracing::warn!(user_id = %self.user_id, "console form refused: bad CSRF token");
            Err(ConsoleError::Csrf)
        }
    }
}

/// A console page of one realm: the signed-in admin ([`Console`]) and the realm the
/// URL's `{realm}` names, or the 404 page.
pub(crate) struct ConsoleRealm {
    pub(crate) state: AppState,
    pub(crate) console: Console,
    pub(crate) realm: Arc<RealmSnapshot>,
}

impl FromRequestParts<AppState> for ConsoleRealm {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let console = Console::from_request_parts(parts, state).await?;
        let name =
            realm_parameter(parts, state).await.ok_or(ConsoleError::NotFound("This realm"))?;
        let realm = state
            .realms
            .get(&state.store, &name)
            .await?
            .ok_or(ConsoleError::NotFound("This realm"))?;
        Ok(ConsoleRealm { state: state.clone(), console, realm })
    }
}

/// A signed-in console form, its CSRF token checked against the session before the
/// handler runs (403 "Request refused" otherwise, nothing changed). It must come after a
/// [`Console`] or [`ConsoleRealm`] argument, which knows the session; without one every
/// form is refused. `T` is the form as the handler reads it: the [`Form`] itself, or
/// anything made from one.
pub(crate) struct ConsoleForm<T = Form>(pub(crate) T);

impl<T: From<Form>> FromRequest<AppState> for ConsoleForm<T> {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let key = request.extensions().get::<CsrfKey>().cloned();
        let form = Form::from_request(request, state).await?;
        key.ok_or(ConsoleError::Csrf)?.check(&form)?;
        Ok(ConsoleForm(T::from(form)))
    }
}

/// The sign-in form, before any session exists: served over HTTPS where master's
/// Require SSL wants it, and carrying the double-submit token of its cookie.
pub(crate) struct SignInForm {
    pub(crate) form: Form,
    pub(crate) master: Arc<RealmSnapshot>,
    pub(crate) caller: Caller,
}

impl FromRequest<AppState> for SignInForm {
    type Rejection = ConsoleError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let caller = Caller::from_request_parts(&mut parts, state).await?;
        let headers = parts.headers.clone();
        let form = Form::from_request(Request::from_parts(parts, body), state).await?;
        let master = state.realm(ADMIN_REALM).await?;
        check_https(&master, &caller)?;
        check_login_csrf(&headers, &form)?;
        Ok(SignInForm { form, master, caller })
    }
}

/// `label || value`, the message each MAC covers.
fn labelled(label: &[u8], value: &str) -> Vec<u8> {
    [label, value.as_bytes()].concat()
}

/// The MAC of `value` under master's signing HMAC key.
fn mac(master: &RealmSnapshot, label: &[u8], value: &str) -> Option<String> {
    let key = master.keys.active_hmac()?;
    Some(URL_SAFE_NO_PAD.encode(key.sign(&labelled(label, value))))
}

/// Whether `presented` is the MAC of `value` under any of master's HMAC keys (constant
/// time per key), so a key rotation signs nobody out.
fn verify(master: &RealmSnapshot, label: &[u8], value: &str, presented: &[u8]) -> bool {
    let message = labelled(label, value);
    master.keys.hmac.iter().any(|key| key.verify(&message, presented))
}

/// The session cookie's value for a new session.
pub(crate) fn session_cookie_value(master: &RealmSnapshot, session_id: &str) -> Option<String> {
    Some(format!("{session_id}.{}", mac(master, SESSION_LABEL, session_id)?))
}

/// A cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The attributes every console cookie carries: only sent to the console's paths, never
/// to scripts, never cross-site, and only over HTTPS when the server is on HTTPS.
pub(crate) fn set_cookie(state: &AppState, name: &str, value: &str) -> String {
    let secure = if is_https(state) { "; Secure" } else { "" };
    let path = super::root(state);
    format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict{secure}")
}

/// A `Set-Cookie` that deletes the cookie.
pub(crate) fn clear_cookie(state: &AppState, name: &str) -> String {
    format!("{}; Max-Age=0", set_cookie(state, name, ""))
}

/// Whether the browser reaches latchkey over HTTPS (TLS here, or a `--hostname` with
/// `https://` in front of a proxy).
pub(crate) fn is_https(state: &AppState) -> bool {
    state.config.tls.is_some()
        || state.config.hostname.as_deref().is_some_and(|h| h.starts_with("https://"))
}

/// Whether the sign-in form's token matches its cookie (constant time).
fn check_login_csrf(headers: &HeaderMap, form: &Form) -> Result<(), ConsoleError> {
    let expected = cookie(headers, LOGIN_COOKIE).unwrap_or_default();
    let presented = form.get(CSRF_FIELD).unwrap_or_default();
    let matches = !expected.is_empty()
        && expected.len() == presented.len()
        && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()));
    if matches {
        Ok(())
    } else {
        tracing::warn!("console sign-in refused: bad CSRF token");
        Err(ConsoleError::Csrf)
    }
}

/// Refuses plain HTTP where master's Require SSL does (`external`: from a public
/// address), as Keycloak's console does: a password or a session cookie must not
/// travel in clear text.
pub(crate) fn check_https(master: &RealmSnapshot, caller: &Caller) -> Result<(), ConsoleError> {
    let ssl = master.realm.settings.ssl_required;
    if !caller.is_https && ssl.refuses_plain_http(caller.is_private_address()) {
        return Err(ConsoleError::HttpsRequired);
    }
    Ok(())
}

/// The signed-in console user, or why not: no or bad cookie (sign in), a session that has
/// ended or expired (sign in again), a user who is no longer master's admin (403).
impl FromRequestParts<AppState> for Console {
    type Rejection = ConsoleError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let value = cookie(&parts.headers, SESSION_COOKIE).ok_or(ConsoleError::SignedOut)?;
        let (session_id, presented) = value.split_once('.').ok_or(ConsoleError::SignedOut)?;
        let presented = URL_SAFE_NO_PAD.decode(presented).map_err(|_| ConsoleError::SignedOut)?;
        let master = state
            .realms
            .get(&state.store, ADMIN_REALM)
            .await?
            .ok_or_else(|| ConsoleError::Internal("realm master does not exist".into()))?;
        check_https(&master, &caller)?;
        if !verify(&master, SESSION_LABEL, session_id, &presented) {
            tracing::info!("console cookie refused: bad MAC");
            return Err(ConsoleError::SignedOut);
        }
        let now = state.clock.now().secs();
        let Some(mut session) = state
            .store
            .find_session(session_id)
            .await?
            .filter(|s| s.realm_id == master.realm.id && !s.offline)
        else {
            return Err(ConsoleError::Expired);
        };
        let tokens = &master.realm.settings.tokens;
        let user = state.store.find_user_by_id(&master.realm.id, &session.user_id).await?;
        let is_valid = session.is_active(
            tokens.sso_session_idle_timeout,
            tokens.sso_session_max_lifespan,
            now,
        ) && master.realm.settings.not_before <= session.started;
        let user = match user {
            Some(user)
                if is_valid && user.enabled && user.profile.not_before <= session.started =>
            {
                user
            }
            _ => {
                state.store.delete_session(&session.id).await?;
                tracing::info!("console session ended: expired or user gone");
                return Err(ConsoleError::Expired);
            }
        };
        let granted = state.store.list_user_held_role_ids(&user.id).await?;
        if !master.roles.expand(&granted).realm.contains(ADMIN_ROLE) {
            return Err(ConsoleError::NotAdmin);
        }
        if session.last_refresh < now {
            session.last_refresh = now;
            state.store.update_session(&session).await?;
        }
        let csrf = mac(&master, CSRF_LABEL, &session.id)
            .ok_or_else(|| ConsoleError::Internal("realm master has no HMAC key".into()))?;
        let mut realms: Vec<String> =
            state.store.list_realms().await?.into_iter().map(|realm| realm.name).collect();
        realms.sort();
        parts.extensions.insert(CsrfKey {
            session_id: session.id.clone(),
            user_id: user.id.clone(),
            master: Arc::clone(&master),
        });
        Ok(Console { user, session_id: session.id, csrf, root: super::root(state), realms })
    }
}
