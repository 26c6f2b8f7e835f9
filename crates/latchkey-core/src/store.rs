//! The storage port: what the grants and the server need from a database.
//!
//! Speaks domain types only. Implemented by `latchkey-store` for SQLite (and
//! PostgreSQL later); every method is one short transaction or less.

use std::future::Future;

use crate::brute_force::LoginFailure;
use crate::client::Client;
use crate::client_scope::{ClientScope, RealmDefaultScope};
use crate::group::Group;
use crate::realm::Realm;
use crate::revocation::Revocation;
use crate::role::Role;
use crate::session::{RefreshReuse, Session};
use crate::token::keys::StoredKey;
use crate::user::{Credential, PasswordCredential, User};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write (duplicate name, username, client id...).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A row that must exist does not.
    #[error("not found: {0}")]
    NotFound(String),
    /// The database failed; the cause is kept for the log, never shown to clients.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A stored value no longer parses (a bug or a hand-edited database).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// A session with what a refresh needs beside it, read in one go.
#[derive(Clone, Debug)]
pub struct SessionContext {
    pub session: Session,
    /// The session's user, if it still exists in the session's realm.
    pub user: Option<User>,
    /// Ids of the roles the user holds before composites are expanded: granted
    /// directly, and mapped to their groups and to the groups above those.
    pub role_ids: Vec<String>,
}

/// A user with what import and export move along with it.
#[derive(Clone, Debug)]
pub struct UserBundle {
    pub user: User,
    /// Every credential, the password included, in the order shown (by priority).
    pub credentials: Vec<Credential>,
    /// Ids of the roles granted directly.
    pub role_ids: Vec<String>,
    /// Ids of the groups the user is a member of.
    pub group_ids: Vec<String>,
}

impl UserBundle {
    /// A user with only their password (if any) and direct grants.
    pub fn new(user: User, password: Option<&PasswordCredential>, role_ids: Vec<String>) -> Self {
        UserBundle {
            user,
            credentials: password.map(PasswordCredential::to_credential).into_iter().collect(),
            role_ids,
            group_ids: Vec::new(),
        }
    }

    /// The password credential with its hash read; `None` without one, or when its
    /// stored data does not read.
    pub fn password(&self) -> Option<PasswordCredential> {
        let credential = self.credentials.iter().find(|c| c.is_password())?;
        let hash = crate::password::PasswordHash::from_keycloak(
            credential.secret_data.expose(),
            &credential.credential_data,
        )
        .ok()?;
        Some(PasswordCredential {
            id: credential.id.clone(),
            user_id: credential.user_id.clone(),
            created_date: credential.created_date,
            hash,
        })
    }
}

/// A whole realm, for import (one transaction) and export.
#[derive(Clone, Debug)]
pub struct RealmBundle {
    pub realm: Realm,
    pub keys: Vec<StoredKey>,
    pub clients: Vec<Client>,
    pub roles: Vec<Role>,
    /// Every group, each after the group above it.
    pub groups: Vec<Group>,
    /// Ids of the groups new users join (`defaultGroups`), in order.
    pub default_group_ids: Vec<String>,
    /// Every client scope, with its mappers and scope mappings.
    pub client_scopes: Vec<ClientScope>,
    /// The realm's default and optional client scopes, in order.
    pub default_client_scopes: Vec<RealmDefaultScope>,
    /// The clients' scope mappings.
    pub client_scope_mappings: Vec<ClientScopeMapping>,
    pub users: Vec<UserBundle>,
    /// What the realm file said of its entities that latchkey does not model.
    pub kept: Vec<KeptFields>,
}

/// What a partial import changes in a realm, applied in one transaction
/// (`Store::apply_realm_changes`): the entities it overwrites are deleted first (with
/// what cascades from them: a client's roles, a role's grants, a group's subgroups and
/// memberships, a user's credentials and sessions), then the new ones are inserted in
/// the order of a whole-realm import.
#[derive(Clone, Debug, Default)]
pub struct RealmChanges {
    pub realm_id: String,
    /// The realm's settings, when they change (identity providers are kept there).
    pub realm: Option<Realm>,
    pub deleted_users: Vec<String>,
    pub deleted_groups: Vec<String>,
    pub deleted_roles: Vec<String>,
    pub deleted_clients: Vec<String>,
    pub clients: Vec<Client>,
    pub roles: Vec<Role>,
    /// Each after the group above it.
    pub groups: Vec<Group>,
    pub client_scope_mappings: Vec<ClientScopeMapping>,
    pub users: Vec<UserBundle>,
    pub kept: Vec<KeptFields>,
}

/// The kinds of entity whose unmodelled realm-file fields are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeptKind {
    Client,
    User,
    Role,
    Group,
    ClientScope,
}

impl KeptKind {
    /// The `kind` column, and the name of the kind in import warnings.
    pub fn as_str(self) -> &'static str {
        match self {
            KeptKind::Client => "client",
            KeptKind::User => "user",
            KeptKind::Role => "role",
            KeptKind::Group => "group",
            KeptKind::ClientScope => "client_scope",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [KeptKind::Client, KeptKind::User, KeptKind::Role, KeptKind::Group, KeptKind::ClientScope]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// The fields of one entity's representation that latchkey does not model, as the
/// realm file gave them; written back in place by export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptFields {
    pub realm_id: String,
    pub kind: KeptKind,
    pub entity_id: String,
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// A role whose claims a client lets into its tokens when it lacks `fullScopeAllowed`
/// (Keycloak's `SCOPE_MAPPING`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientScopeMapping {
    pub client_uuid: String,
    pub role_id: String,
}

type Res<T> = Result<T, StoreError>;

/// A client's session counts (`RealmAdminResource.getClientSessionStats`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientSessionCount {
    pub client_uuid: String,
    pub online: i64,
    pub offline: i64,
}

/// How a user field is matched; the text is lower-case (columns are compared
/// lower-cased, as Keycloak's search is case-insensitive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextMatch {
    Exact(String),
    Contains(String),
    Prefix(String),
}

/// The Admin API's user search (`UsersResource.getUsers`): every filter given must
/// hold; `search` matches the username, email, first or last name. Service-account
/// users are never found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserQuery {
    pub search: Option<TextMatch>,
    pub username: Option<TextMatch>,
    pub email: Option<TextMatch>,
    pub first_name: Option<TextMatch>,
    pub last_name: Option<TextMatch>,
    pub enabled: Option<bool>,
    pub email_verified: Option<bool>,
    /// `q=key:value …`: every attribute named must hold the value; keys are compared
    /// exactly, values in any case (the value given lower-case).
    pub attributes: Vec<(String, String)>,
}

pub trait Store: Send + Sync {
    // Realms.
    fn list_realms(&self) -> impl Future<Output = Res<Vec<Realm>>> + Send;
    fn find_realm_by_name(&self, name: &str) -> impl Future<Output = Res<Option<Realm>>> + Send;
    fn update_realm(&self, realm: &Realm) -> impl Future<Output = Res<()>> + Send;
    /// Deletes the realm and everything in it.
    fn delete_realm(&self, realm_id: &str) -> impl Future<Output = Res<()>> + Send;
    /// Inserts a whole realm in one transaction; `Conflict` if the name exists.
    fn import_realm(&self, bundle: &RealmBundle) -> impl Future<Output = Res<()>> + Send;
    /// Applies a partial import in one transaction: deletes, then inserts. `Conflict` if
    /// an insert collides with what stays; on any error nothing is written.
    fn apply_realm_changes(&self, changes: &RealmChanges) -> impl Future<Output = Res<()>> + Send;
    /// The kept fields of the realm's entities (only the export reads them).
    fn list_kept_fields(&self, realm_id: &str)
    -> impl Future<Output = Res<Vec<KeptFields>>> + Send;

    // Keys.
    fn list_keys(&self, realm_id: &str) -> impl Future<Output = Res<Vec<StoredKey>>> + Send;
    /// `Conflict` if the component id exists, `NotFound` if the realm does not.
    fn insert_key(&self, key: &StoredKey) -> impl Future<Output = Res<()>> + Send;
    /// Replaces the key with the same component id in its realm; `NotFound` if none.
    fn update_key(&self, key: &StoredKey) -> impl Future<Output = Res<()>> + Send;
    /// Deletes a key of the realm by component id; whether there was one.
    fn delete_key(&self, realm_id: &str, id: &str) -> impl Future<Output = Res<bool>> + Send;

    // Clients.
    fn list_clients(&self, realm_id: &str) -> impl Future<Output = Res<Vec<Client>>> + Send;
    fn find_client_by_client_id(
        &self,
        realm_id: &str,
        client_id: &str,
    ) -> impl Future<Output = Res<Option<Client>>> + Send;
    fn insert_client(&self, client: &Client) -> impl Future<Output = Res<()>> + Send;
    fn update_client(&self, client: &Client) -> impl Future<Output = Res<()>> + Send;

    // Roles.
    /// Every realm and client role of the realm, with composites.
    fn list_roles(&self, realm_id: &str) -> impl Future<Output = Res<Vec<Role>>> + Send;
    fn insert_role(&self, role: &Role) -> impl Future<Output = Res<()>> + Send;
    /// Ids of the roles granted directly to the user.
    fn list_user_role_ids(&self, user_id: &str) -> impl Future<Output = Res<Vec<String>>> + Send;
    /// Ids of the roles the user holds before composites are expanded: granted directly,
    /// and mapped to the user's groups and to the groups above them, each once. What
    /// tokens and admin permissions are made from.
    fn list_user_held_role_ids(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Res<Vec<String>>> + Send;
    fn grant_roles(
        &self,
        user_id: &str,
        role_ids: &[String],
    ) -> impl Future<Output = Res<()>> + Send;

    // Users.
    fn list_users(&self, realm_id: &str) -> impl Future<Output = Res<Vec<User>>> + Send;
    /// The users `query` finds, by username, skipping `first`, at most `max`.
    fn search_users(
        &self,
        realm_id: &str,
        query: &UserQuery,
        first: usize,
        max: usize,
    ) -> impl Future<Output = Res<Vec<User>>> + Send;
    /// How many users `query` finds.
    fn count_users_matching(
        &self,
        realm_id: &str,
        query: &UserQuery,
    ) -> impl Future<Output = Res<i64>> + Send;
    fn find_user_by_id(
        &self,
        realm_id: &str,
        id: &str,
    ) -> impl Future<Output = Res<Option<User>>> + Send;
    /// Exact match on the lower-cased username.
    fn find_user_by_username(
        &self,
        realm_id: &str,
        username: &str,
    ) -> impl Future<Output = Res<Option<User>>> + Send;
    /// Users with this email (case-insensitive); more than one only when the realm allows duplicates.
    fn find_users_by_email(
        &self,
        realm_id: &str,
        email: &str,
    ) -> impl Future<Output = Res<Vec<User>>> + Send;
    fn insert_user(&self, user: &User) -> impl Future<Output = Res<()>> + Send;
    fn update_user(&self, user: &User) -> impl Future<Output = Res<()>> + Send;
    fn find_password(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Res<Option<PasswordCredential>>> + Send;
    /// Replaces the user's password credential.
    fn set_password(&self, credential: &PasswordCredential)
    -> impl Future<Output = Res<()>> + Send;

    // Sessions.
    fn insert_session(&self, session: &Session) -> impl Future<Output = Res<()>> + Send;
    fn find_session(&self, id: &str) -> impl Future<Output = Res<Option<Session>>> + Send;
    /// The session, its user and the user's role grants in one read: the refresh
    /// grant's hot path.
    fn find_session_context(
        &self,
        id: &str,
    ) -> impl Future<Output = Res<Option<SessionContext>>> + Send;
    /// Writes `last_refresh` (never moving it back), `client_uuid` and the reuse state,
    /// durably before it returns.
    fn update_session(&self, session: &Session) -> impl Future<Output = Res<()>> + Send;
    /// A refresh under Revoke Refresh Token: writes the session's `last_refresh` and
    /// reuse state, durably before it returns, only if the session still has its client
    /// and the reuse state `read` (the one the refresh decided on). False when another
    /// refresh of the session wrote first, or the session is gone: read it again and
    /// decide again. So two uses of one refresh token at the same moment, on one instance
    /// or several, cannot both count as its first use.
    fn update_session_reuse(
        &self,
        session: &Session,
        read: &RefreshReuse,
    ) -> impl Future<Output = Res<bool>> + Send;
    /// Records that the session was refreshed at `last_refresh` (seconds; never moves
    /// back). Written behind: readers see it at once, the database within a short
    /// window, and a crash may lose that window, which only makes the session expire
    /// earlier. A session deleted meanwhile stays deleted.
    fn touch_session(&self, id: &str, last_refresh: i64) -> impl Future<Output = Res<()>> + Send;
    fn delete_session(&self, id: &str) -> impl Future<Output = Res<()>> + Send;
    fn delete_user_sessions(&self, user_id: &str) -> impl Future<Output = Res<()>> + Send;
    fn count_sessions(&self, realm_id: &str) -> impl Future<Output = Res<i64>> + Send;
    /// Removes online sessions whose `last_refresh` is older than `online_before` and
    /// offline ones older than `offline_before` (seconds); returns how many.
    fn delete_sessions_idle_since(
        &self,
        online_before: i64,
        offline_before: i64,
    ) -> impl Future<Output = Res<u64>> + Send;

    // Brute force.
    fn find_login_failure(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> impl Future<Output = Res<Option<LoginFailure>>> + Send;
    /// Writes the whole record, whatever is stored (a test's or an import's setup).
    fn upsert_login_failure(&self, failure: &LoginFailure) -> impl Future<Output = Res<()>> + Send;
    /// Counting a failed login: writes the user's record only if it is still `read`
    /// (`None`: there was none, and this creates it). False when another failed login (or
    /// a success clearing the record) wrote first: read the record again and count
    /// again. So failures counted at the same moment, on one instance or several, are all
    /// counted.
    fn update_login_failure(
        &self,
        read: Option<&LoginFailure>,
        failure: &LoginFailure,
    ) -> impl Future<Output = Res<bool>> + Send;
    fn delete_login_failure(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> impl Future<Output = Res<()>> + Send;

    // Revoked access tokens (RFC 7009 on an access token), kept until they expire.
    fn insert_revoked_token(
        &self,
        jti: &str,
        expires_at: i64,
    ) -> impl Future<Output = Res<()>> + Send;
    fn is_token_revoked(&self, jti: &str) -> impl Future<Output = Res<bool>> + Send;

    // Revocations pushed to gateways, kept while a token they cover may be valid.
    fn insert_revocation(
        &self,
        realm_id: &str,
        revocation: &Revocation,
    ) -> impl Future<Output = Res<()>> + Send;
    /// The realm's entries whose `expires` is `now` or later.
    fn list_revocations(
        &self,
        realm_id: &str,
        now: i64,
    ) -> impl Future<Output = Res<Vec<Revocation>>> + Send;
    /// Deletes the entries that expired before `now`; the count deleted.
    fn delete_expired_revocations(&self, now: i64) -> impl Future<Output = Res<u64>> + Send;

    // Admin API: the writes that import never needed.
    /// Inserts a user with its credentials, role grants and groups in one transaction.
    /// `Conflict` if the username (or id) is taken; `NotFound` if a role or a group does
    /// not exist.
    fn insert_user_bundle(&self, bundle: &UserBundle) -> impl Future<Output = Res<()>> + Send;
    /// Deletes the user with its sessions, credentials, grants, memberships and login
    /// failures.
    /// `NotFound` if the realm has no such user.
    fn delete_user(&self, realm_id: &str, user_id: &str) -> impl Future<Output = Res<()>> + Send;
    /// Deletes the client (by internal id) and its roles. `NotFound` if it does not exist.
    fn delete_client(&self, realm_id: &str, id: &str) -> impl Future<Output = Res<()>> + Send;
    /// Writes the role's name, description and attributes (composites are left as they are).
    /// `NotFound` if the role is gone, `Conflict` if the new name is taken.
    fn update_role(&self, role: &Role) -> impl Future<Output = Res<()>> + Send;
    /// Deletes the role, its composite links and its grants. `NotFound` if it does not exist.
    fn delete_role(&self, realm_id: &str, role_id: &str) -> impl Future<Output = Res<()>> + Send;
    /// Removes direct grants; a role not granted is ignored.
    fn revoke_roles(
        &self,
        user_id: &str,
        role_ids: &[String],
    ) -> impl Future<Output = Res<()>> + Send;
    /// Makes the roles `child_ids` part of composite `parent_id`, all or nothing; a link
    /// already there stays once.
    fn add_composites(
        &self,
        parent_id: &str,
        child_ids: &[String],
    ) -> impl Future<Output = Res<()>> + Send;
    /// Takes `child_ids` out of composite `parent_id`; a role not in it is ignored.
    fn remove_composites(
        &self,
        parent_id: &str,
        child_ids: &[String],
    ) -> impl Future<Output = Res<()>> + Send;
    /// The users the role is granted to directly, by username.
    fn list_users_with_role(
        &self,
        realm_id: &str,
        role_id: &str,
    ) -> impl Future<Output = Res<Vec<User>>> + Send;

    // Groups.
    /// Every group of the realm with its role mappings.
    fn list_groups(&self, realm_id: &str) -> impl Future<Output = Res<Vec<Group>>> + Send;
    /// Inserts a group with its role mappings. `Conflict` if a group beside it (at the
    /// top level, or under the same parent) has its name; `NotFound` if the parent or a
    /// role does not exist.
    fn insert_group(&self, group: &Group) -> impl Future<Output = Res<()>> + Send;
    /// Writes the group's name, description and attributes (not its place, not its
    /// roles). `NotFound` if it is gone, `Conflict` if a group beside it has the name.
    fn update_group(&self, group: &Group) -> impl Future<Output = Res<()>> + Send;
    /// Moves the group under `parent_id` (`None`: the top level), in one transaction that
    /// sees the tree as it is. `Ok(false)`, nothing written, if the new parent is the
    /// group itself or below it; `NotFound` if either is gone; `Conflict` if a group at
    /// the new place has the name.
    fn move_group(
        &self,
        realm_id: &str,
        group_id: &str,
        parent_id: Option<&str>,
    ) -> impl Future<Output = Res<bool>> + Send;
    /// Deletes the group and every group below it, with their memberships, role
    /// mappings and default-group entries. `NotFound` if it does not exist.
    fn delete_group(&self, realm_id: &str, group_id: &str) -> impl Future<Output = Res<()>> + Send;
    /// Maps roles to the group, all or nothing; a role mapped already stays once.
    /// `NotFound` if the group or a role does not exist.
    fn grant_group_roles(
        &self,
        group_id: &str,
        role_ids: &[String],
    ) -> impl Future<Output = Res<()>> + Send;
    /// Takes role mappings away from the group; a role not mapped is ignored.
    fn revoke_group_roles(
        &self,
        group_id: &str,
        role_ids: &[String],
    ) -> impl Future<Output = Res<()>> + Send;
    /// Ids of the groups the user is a member of (directly).
    fn list_user_group_ids(&self, user_id: &str) -> impl Future<Output = Res<Vec<String>>> + Send;
    /// Makes the user a member of the group; a member already stays one. `NotFound` if
    /// either does not exist.
    fn join_group(&self, user_id: &str, group_id: &str) -> impl Future<Output = Res<()>> + Send;
    /// Ends the membership; not a member is not an error.
    fn leave_group(&self, user_id: &str, group_id: &str) -> impl Future<Output = Res<()>> + Send;
    /// The group's direct members, by username, skipping `first`, at most `max`.
    fn list_group_members(
        &self,
        realm_id: &str,
        group_id: &str,
        first: usize,
        max: usize,
    ) -> impl Future<Output = Res<Vec<User>>> + Send;
    /// Ids of the realm's default groups, which new users join, in the order added.
    fn list_default_group_ids(
        &self,
        realm_id: &str,
    ) -> impl Future<Output = Res<Vec<String>>> + Send;
    /// Makes the group a default group; one already stays once. `NotFound` if it does not
    /// exist in the realm.
    fn add_default_group(
        &self,
        realm_id: &str,
        group_id: &str,
    ) -> impl Future<Output = Res<()>> + Send;
    /// The group is no longer a default group; one that was not is not an error.
    fn remove_default_group(
        &self,
        realm_id: &str,
        group_id: &str,
    ) -> impl Future<Output = Res<()>> + Send;

    // Client scopes.
    /// Every client scope of the realm, by name, with its mappers and scope mappings.
    fn list_client_scopes(
        &self,
        realm_id: &str,
    ) -> impl Future<Output = Res<Vec<ClientScope>>> + Send;
    /// Inserts a scope with its mappers and scope mappings. `Conflict` if the realm has a
    /// scope of that name or a mapper id is taken; `NotFound` if a role does not exist.
    fn insert_client_scope(&self, scope: &ClientScope) -> impl Future<Output = Res<()>> + Send;
    /// Writes the scope's name, description, protocol, attributes and mappers (all of
    /// them, replacing the stored ones); not its scope mappings. `clients` (those whose
    /// scope lists name it, renamed) are written in the same transaction, so a rename
    /// is seen whole or not at all. `NotFound` if the scope or one of the clients is
    /// gone, `Conflict` if another scope has the name.
    fn update_client_scope(
        &self,
        scope: &ClientScope,
        clients: &[Client],
    ) -> impl Future<Output = Res<()>> + Send;
    /// Deletes the scope with its mappers, scope mappings and realm-default entry, and
    /// writes `clients` (those that had it, without it) in the same transaction.
    /// `NotFound` if the scope or one of the clients does not exist in the realm.
    fn delete_client_scope(
        &self,
        realm_id: &str,
        scope_id: &str,
        clients: &[Client],
    ) -> impl Future<Output = Res<()>> + Send;
    /// Adds scope mappings to the scope, all or nothing; one there already stays once.
    /// `NotFound` if the scope or a role does not exist.
    fn grant_client_scope_roles(
        &self,
        scope_id: &str,
        role_ids: &[String],
    ) -> impl Future<Output = Res<()>> + Send;
    /// Takes scope mappings away from the scope; a role not mapped is ignored.
    fn revoke_client_scope_roles(
        &self,
        scope_id: &str,
        role_ids: &[String],
    ) -> impl Future<Output = Res<()>> + Send;
    /// The realm's default and optional client scopes, in the order added.
    fn list_realm_default_scopes(
        &self,
        realm_id: &str,
    ) -> impl Future<Output = Res<Vec<RealmDefaultScope>>> + Send;
    /// Appends a default or optional scope; `false`, nothing written, if the scope is one
    /// already (of either kind) or is not a scope of the realm.
    fn add_realm_default_scope(
        &self,
        realm_id: &str,
        entry: &RealmDefaultScope,
    ) -> impl Future<Output = Res<bool>> + Send;
    /// `false` if the scope was neither a default nor an optional scope of the realm.
    fn remove_realm_default_scope(
        &self,
        realm_id: &str,
        scope_id: &str,
    ) -> impl Future<Output = Res<bool>> + Send;
    /// The scope mappings of every client of the realm.
    fn list_client_scope_mappings(
        &self,
        realm_id: &str,
    ) -> impl Future<Output = Res<Vec<ClientScopeMapping>>> + Send;
    /// Adds scope mappings to the client, all or nothing; one there already stays once.
    /// `NotFound` if the client or a role does not exist.
    fn grant_client_scope_mappings(
        &self,
        client_uuid: &str,
        role_ids: &[String],
    ) -> impl Future<Output = Res<()>> + Send;
    /// Takes scope mappings away from the client; a role not mapped is ignored.
    fn revoke_client_scope_mappings(
        &self,
        client_uuid: &str,
        role_ids: &[String],
    ) -> impl Future<Output = Res<()>> + Send;

    // Credentials of every type.
    /// The user's credentials, the password included, by priority.
    fn list_credentials(&self, user_id: &str) -> impl Future<Output = Res<Vec<Credential>>> + Send;
    /// Names (or, with `None`, unnames) one of the user's credentials. `NotFound` if the
    /// user has no credential of that id.
    fn set_credential_label(
        &self,
        user_id: &str,
        credential_id: &str,
        label: Option<&str>,
    ) -> impl Future<Output = Res<()>> + Send;
    /// Deletes one of the user's credentials. `NotFound` if the user has none of that id.
    fn delete_credential(
        &self,
        user_id: &str,
        credential_id: &str,
    ) -> impl Future<Output = Res<()>> + Send;
    /// Puts one of the user's credentials first (`after` `None`) or right after another
    /// of theirs, the others keeping their order; priorities become 10, 20, … in the new
    /// order (`UserCredentialManager.moveStoredCredentialTo`). `Ok(false)`, nothing
    /// written, if either is not the user's.
    fn move_credential(
        &self,
        user_id: &str,
        credential_id: &str,
        after: Option<&str>,
    ) -> impl Future<Output = Res<bool>> + Send;

    // Admin API: sessions.
    /// The user's online sessions (offline ones left out), oldest first.
    fn list_user_sessions(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> impl Future<Output = Res<Vec<Session>>> + Send;
    /// The online sessions of the client (by internal id), oldest first.
    fn list_client_sessions(
        &self,
        realm_id: &str,
        client_uuid: &str,
    ) -> impl Future<Output = Res<Vec<Session>>> + Send;
    /// The user's offline sessions, oldest first.
    fn list_user_offline_sessions(
        &self,
        realm_id: &str,
        user_id: &str,
    ) -> impl Future<Output = Res<Vec<Session>>> + Send;
    /// The offline sessions of the client (by internal id), oldest first.
    fn list_client_offline_sessions(
        &self,
        realm_id: &str,
        client_uuid: &str,
    ) -> impl Future<Output = Res<Vec<Session>>> + Send;
    /// How many online and offline sessions each client of the realm has; clients
    /// without sessions are left out.
    fn count_sessions_by_client(
        &self,
        realm_id: &str,
    ) -> impl Future<Output = Res<Vec<ClientSessionCount>>> + Send;
    /// Deletes every brute-force record of the realm; returns how many.
    fn delete_realm_login_failures(&self, realm_id: &str) -> impl Future<Output = Res<u64>> + Send;
    /// Deletes the realm's online sessions (offline ones stay); returns how many.
    fn delete_realm_sessions(&self, realm_id: &str) -> impl Future<Output = Res<u64>> + Send;
}
