//! Who may call the Admin API (`AdminRoot.authenticateRealmAdminRequest`,
//! `RealmsAdminResource.getRealmAdmin`): a valid access token of realm `master` whose
//! user holds master's realm role `admin` administers every realm; a valid access
//! token of realm R whose user holds the `realm-management` client role `realm-admin`
//! administers R. A realm's own users may also hold only some of the
//! `realm-management` roles (`view-users`, `manage-users`, `view-clients`, …, as a
//! service account that creates users does): each operation of the routing table names
//! the `Permission` it needs (`admin.rs`), and `open_realm` checks it. The token is
//! checked like any other (`oidc/bearer.rs`: signature, expiry, revocation, session,
//! user) and the roles are read from the store, so a revoked grant counts at once.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::StatusCode;
use latchkey_core::store::Store;
use latchkey_core::token::jwt;

use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::Caller;
use crate::oidc::bearer::{bearer_token, verify_access_token};
use crate::state::AppState;

/// The realm that administers every realm (`Config.getAdminRealm`).
const ADMIN_REALM: &str = "master";
/// Master's realm role that opens every realm.
const ADMIN_ROLE: &str = "admin";
/// Master's realm role that may create realms (`AdminRoles.CREATE_REALM`).
const CREATE_REALM_ROLE: &str = "create-realm";
/// The client holding a realm's admin roles, and the role that contains them all.
const MANAGEMENT_CLIENT: &str = "realm-management";
const REALM_ADMIN_ROLE: &str = "realm-admin";

/// What an operation of the Admin API needs from a realm's own administrator: one of
/// the `realm-management` client roles Keycloak checks for it (`AdminRoles`; a
/// `manage-*` role includes its `view-*`). `realm-admin` and master's `admin` grant all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Permission {
    /// Any `realm-management` role (`RolePermissions.canList`: listing roles).
    AnyAdminRole,
    ViewRealm,
    ManageRealm,
    /// Searching and counting users (`query-users`).
    QueryUsers,
    ViewUsers,
    ManageUsers,
    /// Listing clients (`query-clients`).
    QueryClients,
    ViewClients,
    ManageClients,
    /// `create-client` may add clients without managing the others.
    CreateClient,
}

impl Permission {
    /// The `realm-management` roles that grant it, the one Keycloak names first.
    pub(crate) fn roles(self) -> &'static [&'static str] {
        match self {
            Permission::AnyAdminRole => &[],
            Permission::ViewRealm => &["view-realm", "manage-realm"],
            Permission::ManageRealm => &["manage-realm"],
            Permission::QueryUsers => &["query-users", "view-users", "manage-users"],
            Permission::ViewUsers => &["view-users", "manage-users"],
            Permission::ManageUsers => &["manage-users"],
            Permission::QueryClients => &["query-clients", "view-clients", "manage-clients"],
            Permission::ViewClients => &["view-clients", "manage-clients"],
            Permission::ManageClients => &["manage-clients"],
            Permission::CreateClient => &["create-client", "manage-clients"],
        }
    }
}

/// An authenticated caller of the Admin API.
#[derive(Debug)]
pub(crate) struct Admin {
    /// The realm the token was issued by.
    token_realm: String,
    is_master_admin: bool,
    may_create_realms: bool,
    /// The caller's `realm-management` client roles (composites expanded).
    management_roles: BTreeSet<String>,
}

/// `{"error":"HTTP 401 Unauthorized"}`: no token, or one that does not verify.
pub(crate) fn unauthorized() -> ApiError {
    ApiError::plain(StatusCode::UNAUTHORIZED, "HTTP 401 Unauthorized")
}

/// `{"error":"HTTP 403 Forbidden"}`: a good token without the right role.
pub(crate) fn forbidden() -> ApiError {
    ApiError::plain(StatusCode::FORBIDDEN, "HTTP 403 Forbidden")
}

impl Admin {
    /// Whether the caller holds any admin role for realm `realm` (it is listed).
    pub(crate) fn may_administer(&self, realm: &str) -> bool {
        self.is_master_admin || (self.token_realm == realm && !self.management_roles.is_empty())
    }

    /// Whether the caller may do what `needed` names in realm `realm`; `None` (an
    /// operation outside the table) takes `realm-admin`.
    pub(crate) fn allows(&self, realm: &str, needed: Option<Permission>) -> bool {
        if self.is_master_admin {
            return true;
        }
        if self.token_realm != realm {
            return false;
        }
        let holds = |role: &str| self.management_roles.contains(role);
        holds(REALM_ADMIN_ROLE)
            || needed.is_some_and(|needed| match needed {
                Permission::AnyAdminRole => !self.management_roles.is_empty(),
                _ => needed.roles().iter().any(|role| holds(role)),
            })
    }

    pub(crate) fn require(&self, realm: &str, needed: Option<Permission>) -> Result<(), ApiError> {
        if self.allows(realm, needed) { Ok(()) } else { Err(forbidden()) }
    }

    pub(crate) fn require_create_realm(&self) -> Result<(), ApiError> {
        if self.is_master_admin || self.may_create_realms { Ok(()) } else { Err(forbidden()) }
    }
}

/// Checks the bearer token and reads the caller's admin roles.
pub(crate) async fn authenticate(state: &AppState, caller: &Caller) -> Result<Admin, ApiError> {
    let token = bearer_token(caller.authorization.as_deref()).ok_or_else(unauthorized)?;
    // The issuer names the realm whose keys must verify the token; it is trusted only
    // once that realm's signature checks out (the issuer is checked again there).
    let issuer = jwt::peek_unverified::<serde_json::Value>(token)
        .ok()
        .and_then(|claims| claims.get("iss").and_then(|iss| iss.as_str()).map(str::to_owned))
        .ok_or_else(unauthorized)?;
    let prefix = format!("{}/realms/", caller.base_url);
    let realm_name = issuer
        .strip_prefix(&prefix)
        .filter(|name| !name.is_empty() && !name.contains('/'))
        .ok_or_else(unauthorized)?;
    let Some(realm) = state.realms.get(&state.store, realm_name).await? else {
        return Err(unauthorized());
    };
    let verified =
        verify_access_token(state, &realm, token, &issuer).await?.map_err(|failure| {
            tracing::info!(?failure, "admin token refused");
            unauthorized()
        })?;
    let granted = state.store.list_user_role_ids(&verified.user.id).await?;
    let roles = realm.roles.expand(&granted);
    let is_master = realm.realm.name == ADMIN_REALM;
    Ok(Admin {
        token_realm: realm.realm.name.clone(),
        is_master_admin: is_master && roles.realm.contains(ADMIN_ROLE),
        may_create_realms: is_master && roles.realm.contains(CREATE_REALM_ROLE),
        management_roles: roles
            .clients
            .get(MANAGEMENT_CLIENT)
            .map(|names| names.iter().map(|name| name.to_string()).collect())
            .unwrap_or_default(),
    })
}

/// The steps every `/admin/realms/{realm}/…` call starts with, in Keycloak's order:
/// 401 for a bad token, 404 `Realm not found.` for an unknown realm, 403 for a caller
/// without the operation's permission (`caller.admin_permission`, set by the routing
/// table).
pub(crate) async fn open_realm(
    state: &AppState,
    caller: &Caller,
    realm_name: &str,
) -> Result<Arc<RealmSnapshot>, ApiError> {
    let admin = authenticate(state, caller).await?;
    let realm = state
        .realms
        .get(&state.store, realm_name)
        .await?
        .ok_or(ApiError::plain(StatusCode::NOT_FOUND, "Realm not found."))?;
    admin.require(realm_name, caller.admin_permission)?;
    Ok(realm)
}
