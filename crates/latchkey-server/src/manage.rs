//! The admin layer: what an administrator reads and changes in a realm, for the Admin
//! REST API (`admin/`) and the web console (`console/`) alike. Its functions take the
//! state and the realm's snapshot, check, write through `Store` (each write committed
//! before they return), drop the realm's cached snapshot when its settings, clients or
//! roles changed, tell the gateways when tokens must stop, and return domain values or a
//! [`ManageError`]. They know nothing of HTTP: `error.rs` alone turns a `ManageError`
//! into Keycloak's status and body, and the console puts it on the form field it
//! concerns (`console/error.rs`).
//!
//! Adding a resource: a file here with its lookups and changes; its refusals as
//! `ManageError` variants, answered in `error.rs` and shown in `console/error.rs`; then
//! the Admin API's handlers in `admin/` (each taking `AdminRealm<P>` with the permission
//! it needs) and the console's pages in `console/`, both calling this file.

pub(crate) mod attack_detection;
pub(crate) mod client_scopes;
pub(crate) mod clients;
pub(crate) mod credentials;
pub(crate) mod events;
pub(crate) mod groups;
pub(crate) mod keys;
pub(crate) mod protocol_mappers;
pub(crate) mod realms;
pub(crate) mod role_mappings;
pub(crate) mod roles;
pub(crate) mod scope_mappings;
pub(crate) mod sessions;
pub(crate) mod users;

use latchkey_core::password_policy::PolicyViolation;
use latchkey_core::representation::limits::SettingError;
use latchkey_core::representation::{ComponentError, ImportError};
use latchkey_core::store::StoreError;
use latchkey_core::token::keys::KeyError;
use latchkey_core::username::UsernameProblems;

/// Why an admin read or change was refused, in the domain's terms.
#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    /// What the request names does not exist (nothing was changed).
    #[error("{0:?} not found")]
    NotFound(Missing),
    #[error("another user has this username")]
    UsernameTaken,
    #[error("another user has this email")]
    EmailTaken,
    #[error("client {0} exists")]
    ClientIdTaken(String),
    #[error("role {0} exists")]
    RoleNameTaken(String),
    /// A role renamed to a name its container has (`ModelDuplicateException`, which
    /// Keycloak's role updates do not word).
    #[error("duplicate resource")]
    Duplicate,
    /// A new top-level group's name, or a group moved to the top level (worded with the
    /// name the request gave), is taken there.
    #[error("top-level group {0} exists")]
    TopLevelGroupTaken(String),
    /// A group's siblings have the name (a new child, a rename, a move).
    #[error("sibling group {0} exists")]
    SiblingGroupTaken(String),
    /// A group moved under itself would be below itself (Keycloak answers 500).
    #[error("a group cannot move below itself")]
    GroupCycle,
    /// A user's `groups` names a path that does not exist (Keycloak answers 500).
    #[error("no group at path {0}")]
    UnknownGroupPath(String),
    /// A new realm's name is taken.
    #[error("the realm exists")]
    RealmExists,
    /// A realm renamed to a taken name.
    #[error("another realm has this name")]
    RealmNameTaken,
    /// A value the request gives is not acceptable.
    #[error("{field:?}: {reason:?}")]
    Invalid { field: Field, reason: Reason },
    /// A username Keycloak's username validators refuse (`username.rs`).
    #[error("invalid username: {0}")]
    InvalidUsername(UsernameProblems),
    /// A client's duration or count out of its range, or Keycloak's session rule.
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// A new password the realm's password policy refuses.
    #[error("password policy: {}", .0.key)]
    PasswordPolicy(PolicyViolation),
    /// A realm representation that does not import or apply.
    #[error(transparent)]
    RealmFile(#[from] ImportError),
    /// A partial import refused (`PartialImportManager`): a resource exists under
    /// `FAIL`, client roles without their client, an unknown policy, or a file that
    /// does not import.
    #[error(transparent)]
    PartialImport(#[from] latchkey_core::representation::PartialImportError),
    /// Realm `master` cannot be renamed or deleted: nobody could administer anything.
    #[error("realm master cannot be {0:?}")]
    MasterRealm(MasterChange),
    /// The realm's default role cannot be deleted.
    #[error("{0} is the realm's default role")]
    DefaultRole(String),
    /// The client's service-account user was asked for, but the client has none.
    #[error("service accounts are off for client {0}")]
    ServiceAccountDisabled(String),
    /// A key-provider component's settings refused (Keycloak's texts), or its provider
    /// unknown.
    #[error(transparent)]
    Component(#[from] ComponentError),
    /// A new component's id is taken.
    #[error("component {0} exists")]
    ComponentExists(String),
    /// A client scope or a protocol mapper refused (`client_scopes.rs`).
    #[error(transparent)]
    ClientScope(#[from] client_scopes::ScopeRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The hashing pool did not answer.
    #[error("password hashing failed")]
    Hashing,
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A blocking task (realm import, key generation) panicked.
    #[error(transparent)]
    Task(#[from] tokio::task::JoinError),
}

/// What was not found. Keycloak words a missing client or role differently per resource,
/// hence more than one kind for each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    User,
    /// The client of `…/clients/{id}` (`ClientsResource`).
    Client,
    /// The role of `…/roles/{role}` (`RoleContainerResource`).
    Role,
    Session,
    /// A role a role-mapping body names (`RoleMapperResource`).
    MappedRole,
    /// The client of `…/role-mappings/clients/{client}` or `…/offline-sessions/{client}`.
    MappedClient,
    /// A composite a composites body names by id.
    CompositeRole,
    /// A realm role a new role's `composites` names.
    RealmRoleNamed(String),
    /// A client role a new role's `composites` names.
    ClientRoleNamed(String),
    /// The component of `…/components/{id}` (`ComponentResource`).
    Component,
    /// The role of `…/roles-by-id/{id}` (`RoleByIdResource`).
    RoleById,
    /// The group of `…/groups/{id}` (`GroupsResource`).
    Group,
    /// The group a move names by `id` (`GroupResource.addChild`).
    ChildGroup,
    /// The group of `…/users/{id}/groups/{group}` or `…/default-groups/{group}`.
    MemberGroup,
    /// The group of `…/group-by-path/{path}`.
    GroupPath,
    /// The credential of `…/users/{id}/credentials/{credential}`.
    Credential,
    /// The scope of `…/client-scopes/{id}` (`ClientScopesResource`).
    ClientScope,
    /// The scope a default-scope path names (`…/default-default-client-scopes/{id}`,
    /// `…/clients/{id}/default-client-scopes/{id}`).
    ScopeToLink,
    /// A protocol mapper's type (`protocolMapper`) Keycloak does not know.
    MapperProvider,
    /// The mapper of `…/protocol-mappers/models/{id}`.
    Mapper,
}

/// A field of a request an admin change checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Username,
    Password,
    ClientId,
    RoleName,
    GroupName,
    /// A group's `id` in a body that names another group.
    GroupId,
}

/// What is wrong with a [`Field`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Missing,
    /// Present but only white space.
    Blank,
    NotANumber,
    /// A value latchkey does not serve.
    Unsupported,
}

/// What cannot happen to realm `master`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MasterChange {
    Rename,
    Delete,
}

impl ManageError {
    pub(crate) fn invalid(field: Field, reason: Reason) -> Self {
        ManageError::Invalid { field, reason }
    }
}
