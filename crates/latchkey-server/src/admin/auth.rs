//! Who may call the Admin API (`AdminRoot.authenticateRealmAdminRequest`,
//! `RealmsAdminResource.getRealmAdmin`): a valid access token of realm `master` whose
//! user holds master's realm role `admin` administers every realm; a valid access
//! token of realm R whose user holds the `realm-management` client role `realm-admin`
//! administers R. A realm's own users may also hold only some of the
//! `realm-management` roles (`view-users`, `manage-users`, `view-clients`, …, as a
//! service account that creates users does): each handler names the permission it needs
//! in its first argument, [`AdminRealm<P>`], which checks it before the handler runs. The
//! token is
//! checked like any other (`oidc/bearer.rs`: signature, expiry, revocation, session,
//! user) and the roles are read from the store, so a revoked grant counts at once.

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use latchkey_core::store::Store;
use latchkey_core::token::jwt;

use crate::cache::RealmSnapshot;
use crate::error::ApiError;
use crate::extract::{Caller, realm_parameter};
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
    /// Listing and counting groups (`query-groups`; `view-users` and `manage-users` open
    /// every group, `GroupPermissions`).
    QueryGroups,
    ViewClients,
    ManageClients,
    /// `create-client` may add clients without managing the others.
    CreateClient,
    /// Reading a role by id: `view-realm` for a realm role, `view-clients` for a client
    /// role (`RolePermissions.requireView`); the handler checks which once it has found
    /// the role.
    ViewRoles,
    /// Changing a role by id: `manage-realm` or `manage-clients`, as for `ViewRoles`.
    ManageRoles,
    /// Reading login and admin events and their configuration (`view-events`).
    ViewEvents,
    /// Changing the events configuration and deleting events (`manage-events`).
    ManageEvents,
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
            Permission::QueryGroups => &["query-groups", "view-users", "manage-users"],
            Permission::ViewClients => &["view-clients", "manage-clients"],
            Permission::ManageClients => &["manage-clients"],
            Permission::CreateClient => &["create-client", "manage-clients"],
            Permission::ViewRoles => {
                &["view-realm", "manage-realm", "view-clients", "manage-clients"]
            }
            Permission::ManageRoles => &["manage-realm", "manage-clients"],
            Permission::ViewEvents => &["view-events", "manage-events"],
            Permission::ManageEvents => &["manage-events"],
        }
    }
}

/// An authenticated caller of the Admin API.
#[derive(Debug)]
pub(crate) struct Admin {
    /// The realm the token was issued by.
    token_realm: String,
    pub(crate) is_master_admin: bool,
    pub(crate) may_create_realms: bool,
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

    /// Whether the caller may do what `needed` names in realm `realm`.
    pub(crate) fn allows(&self, realm: &str, needed: Permission) -> bool {
        if self.is_master_admin {
            return true;
        }
        if self.token_realm != realm {
            return false;
        }
        let holds = |role: &str| self.management_roles.contains(role);
        holds(REALM_ADMIN_ROLE)
            || match needed {
                Permission::AnyAdminRole => !self.management_roles.is_empty(),
                _ => needed.roles().iter().any(|role| holds(role)),
            }
    }

    pub(crate) fn require(&self, realm: &str, needed: Permission) -> Result<(), ApiError> {
        if self.allows(realm, needed) { Ok(()) } else { Err(forbidden()) }
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
    let granted = state.store.list_user_held_role_ids(&verified.user.id).await?;
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

/// A permission as a type, the argument of [`AdminRealm`]: each is a zero-sized marker
/// naming one [`Permission`], so a handler's signature says what it needs and the route
/// table reads it from there ([`Guarded`]).
pub(crate) trait Needs: Send + Sync + 'static {
    const PERMISSION: Permission;
}

/// Any `realm-management` role (listing a realm's roles, reading the realm).
pub(crate) struct AnyAdminRole;
impl Needs for AnyAdminRole {
    const PERMISSION: Permission = Permission::AnyAdminRole;
}
/// `Permission::ViewRealm`.
pub(crate) struct ViewRealm;
impl Needs for ViewRealm {
    const PERMISSION: Permission = Permission::ViewRealm;
}
/// `Permission::ManageRealm`.
pub(crate) struct ManageRealm;
impl Needs for ManageRealm {
    const PERMISSION: Permission = Permission::ManageRealm;
}
/// Searching and counting users.
pub(crate) struct QueryUsers;
impl Needs for QueryUsers {
    const PERMISSION: Permission = Permission::QueryUsers;
}
/// Listing and counting groups.
pub(crate) struct QueryGroups;
impl Needs for QueryGroups {
    const PERMISSION: Permission = Permission::QueryGroups;
}
/// `Permission::ViewUsers`.
pub(crate) struct ViewUsers;
impl Needs for ViewUsers {
    const PERMISSION: Permission = Permission::ViewUsers;
}
/// `Permission::ManageUsers`.
pub(crate) struct ManageUsers;
impl Needs for ManageUsers {
    const PERMISSION: Permission = Permission::ManageUsers;
}
/// Listing clients.
pub(crate) struct QueryClients;
impl Needs for QueryClients {
    const PERMISSION: Permission = Permission::QueryClients;
}
/// `Permission::ViewClients`.
pub(crate) struct ViewClients;
impl Needs for ViewClients {
    const PERMISSION: Permission = Permission::ViewClients;
}
/// `Permission::ManageClients`.
pub(crate) struct ManageClients;
impl Needs for ManageClients {
    const PERMISSION: Permission = Permission::ManageClients;
}
/// Reading a role by id (checked again against the role's container).
pub(crate) struct ViewRoles;
impl Needs for ViewRoles {
    const PERMISSION: Permission = Permission::ViewRoles;
}
/// Changing a role by id (checked again against the role's container).
pub(crate) struct ManageRoles;
impl Needs for ManageRoles {
    const PERMISSION: Permission = Permission::ManageRoles;
}
/// `Permission::ViewEvents`.
pub(crate) struct ViewEvents;
impl Needs for ViewEvents {
    const PERMISSION: Permission = Permission::ViewEvents;
}
/// `Permission::ManageEvents`.
pub(crate) struct ManageEvents;
impl Needs for ManageEvents {
    const PERMISSION: Permission = Permission::ManageEvents;
}
/// Adding clients without managing the others.
pub(crate) struct CreateClient;
impl Needs for CreateClient {
    const PERMISSION: Permission = Permission::CreateClient;
}

/// The realm an Admin API call names, opened for a caller who may do what `P` names, in
/// Keycloak's order: 401 for a missing or bad token, 404 `Realm not found.` for an
/// unknown realm, 403 for a caller without `P`'s permission there. A handler taking it
/// as its first argument cannot run unchecked.
pub(crate) struct AdminRealm<P> {
    pub(crate) state: AppState,
    pub(crate) realm: Arc<RealmSnapshot>,
    pub(crate) caller: Caller,
    /// Who called, for answers that depend on what else they may do (a group's `access`,
    /// a role whose container decides the permission).
    pub(crate) admin: Admin,
    needs: PhantomData<P>,
}

impl<P: Needs> FromRequestParts<AppState> for AdminRealm<P> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let admin = authenticate(state, &caller).await?;
        let realm_name = realm_parameter(parts, state)
            .await
            .ok_or(ApiError::plain(StatusCode::NOT_FOUND, "Realm not found."))?;
        let realm = state
            .realms
            .get(&state.store, &realm_name)
            .await?
            .ok_or(ApiError::plain(StatusCode::NOT_FOUND, "Realm not found."))?;
        admin.require(&realm_name, P::PERMISSION)?;
        Ok(AdminRealm { state: state.clone(), realm, caller, admin, needs: PhantomData })
    }
}

/// What a realm-less Admin API call (`/admin/realms`) needs of its caller.
pub(crate) trait CallerNeeds: Send + Sync + 'static {
    const ACCESS: Access;
    fn allows(admin: &Admin) -> bool;
}

/// Any admin of any realm: `GET /admin/realms` lists the realms the caller administers.
pub(crate) struct AnyRealm;
impl CallerNeeds for AnyRealm {
    const ACCESS: Access = Access::AnyRealm;
    fn allows(_: &Admin) -> bool {
        true
    }
}

/// Master's `admin` or `create-realm` role (`AdminRoles.CREATE_REALM`).
pub(crate) struct CreateRealm;
impl CallerNeeds for CreateRealm {
    const ACCESS: Access = Access::CreateRealm;
    fn allows(admin: &Admin) -> bool {
        admin.is_master_admin || admin.may_create_realms
    }
}

/// An authenticated Admin API caller who may do what `N` names, for the routes that name
/// no realm: 401 for a missing or bad token, 403 without `N`.
pub(crate) struct AdminCaller<N> {
    pub(crate) state: AppState,
    pub(crate) admin: Admin,
    pub(crate) caller: Caller,
    needs: PhantomData<N>,
}

impl<N: CallerNeeds> FromRequestParts<AppState> for AdminCaller<N> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let admin = authenticate(state, &caller).await?;
        if !N::allows(&admin) {
            return Err(forbidden());
        }
        Ok(AdminCaller { state: state.clone(), admin, caller, needs: PhantomData })
    }
}

/// Who may call an operation, as the OpenAPI document says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// A realm's operation: master's `admin`, the realm's `realm-admin`, or this.
    Realm(Permission),
    /// Any admin; the answer shows what the caller administers.
    AnyRealm,
    /// Master's `admin` or `create-realm`.
    CreateRealm,
}

/// What the first argument of an Admin API handler guards, read from the handler's type:
/// an [`AdminRealm<P>`] or an [`AdminCaller<N>`]. `Api::route` takes only handlers whose
/// argument list starts with one, so no route runs without authentication, and the
/// OpenAPI document is written from the same types. `M` is axum's marker of how the last
/// argument is extracted.
pub(crate) trait Guarded {
    const ACCESS: Access;
}

impl<M, P: Needs> Guarded for (M, AdminRealm<P>) {
    const ACCESS: Access = Access::Realm(P::PERMISSION);
}
impl<M, P: Needs, A> Guarded for (M, AdminRealm<P>, A) {
    const ACCESS: Access = Access::Realm(P::PERMISSION);
}
impl<M, P: Needs, A, B> Guarded for (M, AdminRealm<P>, A, B) {
    const ACCESS: Access = Access::Realm(P::PERMISSION);
}
impl<M, P: Needs, A, B, C> Guarded for (M, AdminRealm<P>, A, B, C) {
    const ACCESS: Access = Access::Realm(P::PERMISSION);
}
impl<M, N: CallerNeeds> Guarded for (M, AdminCaller<N>) {
    const ACCESS: Access = N::ACCESS;
}
impl<M, N: CallerNeeds, A> Guarded for (M, AdminCaller<N>, A) {
    const ACCESS: Access = N::ACCESS;
}
impl<M, N: CallerNeeds, A, B> Guarded for (M, AdminCaller<N>, A, B) {
    const ACCESS: Access = N::ACCESS;
}
