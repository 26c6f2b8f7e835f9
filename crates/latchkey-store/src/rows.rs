//! Row shapes shared by the backends, and their conversion to and from the core types.
//!
//! The `FromRow` derives are generic over the database, so a PostgreSQL backend reads
//! the same structs; only the SQL around them may differ.

use latchkey_core::brute_force::LoginFailure;
use latchkey_core::client::{Client, ProtocolMapper};
use latchkey_core::client_scope::{ClientScope, RealmDefaultScope, ScopeKind};
use latchkey_core::group::Group;
use latchkey_core::password::PasswordHash;
use latchkey_core::realm::Realm;
use latchkey_core::role::Role;
use latchkey_core::secret::Secret;
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::{SessionContext, StoreError};
use latchkey_core::token::algorithm::{Algorithm, KeyType};
use latchkey_core::token::keys::StoredKey;
use latchkey_core::user::{Credential, PasswordCredential, User};

use crate::error::from_json;

#[derive(sqlx::FromRow)]
pub(crate) struct RealmRow {
    id: String,
    name: String,
    enabled: bool,
    settings: String,
}

impl TryFrom<RealmRow> for Realm {
    type Error = StoreError;

    fn try_from(row: RealmRow) -> Result<Self, StoreError> {
        Ok(Realm {
            settings: from_json(&row.settings, "realm settings")?,
            id: row.id,
            name: row.name,
            enabled: row.enabled,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct KeyRow {
    id: String,
    kid: String,
    realm_id: String,
    name: String,
    provider_id: String,
    algorithm: String,
    secret: Vec<u8>,
    certificate: Option<Vec<u8>>,
    config: String,
    priority: i64,
    enabled: bool,
    active: bool,
    created_at: i64,
}

/// The `kind` column of a key: what the table's CHECK allows.
pub(crate) fn key_kind_column(key: &StoredKey) -> &'static str {
    match key.key_type() {
        KeyType::Rsa => "rsa",
        KeyType::Ec(_) => "ec",
        KeyType::Ed25519 => "okp",
        KeyType::Hmac => "hmac",
    }
}

impl TryFrom<KeyRow> for StoredKey {
    type Error = StoreError;

    fn try_from(row: KeyRow) -> Result<Self, StoreError> {
        let algorithm = Algorithm::parse(&row.algorithm).ok_or_else(|| {
            StoreError::Corrupt(format!("key {}: algorithm {}", row.kid, row.algorithm))
        })?;
        Ok(StoredKey {
            config: from_json(&row.config, "key settings")?,
            id: row.id,
            kid: row.kid,
            realm_id: row.realm_id,
            name: row.name,
            provider_id: row.provider_id,
            algorithm,
            secret: row.secret,
            certificate: row.certificate,
            priority: row.priority,
            enabled: row.enabled,
            active: row.active,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClientRow {
    id: String,
    realm_id: String,
    client_id: String,
    enabled: bool,
    public_client: bool,
    secret: Option<String>,
    settings: String,
}

impl TryFrom<ClientRow> for Client {
    type Error = StoreError;

    fn try_from(row: ClientRow) -> Result<Self, StoreError> {
        Ok(Client {
            settings: from_json(&row.settings, "client settings")?,
            id: row.id,
            realm_id: row.realm_id,
            client_id: row.client_id,
            enabled: row.enabled,
            public_client: row.public_client,
            secret: row.secret.map(Secret::new),
            claims: Default::default(),
        })
    }
}

/// A role without its composites, which come from `role_composites`.
#[derive(sqlx::FromRow)]
pub(crate) struct RoleRow {
    id: String,
    realm_id: String,
    client_uuid: Option<String>,
    name: String,
    description: Option<String>,
    attributes: String,
}

impl TryFrom<RoleRow> for Role {
    type Error = StoreError;

    fn try_from(row: RoleRow) -> Result<Self, StoreError> {
        Ok(Role {
            attributes: from_json(&row.attributes, "role attributes")?,
            id: row.id,
            realm_id: row.realm_id,
            client_uuid: row.client_uuid,
            name: row.name,
            description: row.description,
            composites: Vec::new(),
        })
    }
}

/// A group without its role mappings, which come from `group_roles`.
#[derive(sqlx::FromRow)]
pub(crate) struct GroupRow {
    id: String,
    realm_id: String,
    parent_id: Option<String>,
    name: String,
    description: Option<String>,
    attributes: String,
}

impl TryFrom<GroupRow> for Group {
    type Error = StoreError;

    fn try_from(row: GroupRow) -> Result<Self, StoreError> {
        Ok(Group {
            attributes: from_json(&row.attributes, "group attributes")?,
            id: row.id,
            realm_id: row.realm_id,
            parent_id: row.parent_id,
            name: row.name,
            description: row.description,
            role_ids: Vec::new(),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: String,
    realm_id: String,
    username: String,
    enabled: bool,
    created_timestamp: i64,
    profile: String,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;

    fn try_from(row: UserRow) -> Result<Self, StoreError> {
        Ok(User {
            profile: from_json(&row.profile, "user profile")?,
            id: row.id,
            realm_id: row.realm_id,
            username: row.username,
            enabled: row.enabled,
            created_timestamp: row.created_timestamp,
        })
    }
}

/// The `users.email` column: the lower-cased email, searched case-insensitively
/// (Keycloak lower-cases emails too, `UserEntity.setEmail`).
pub(crate) fn email_column(user: &User) -> Option<String> {
    user.profile.email.as_deref().map(str::to_lowercase)
}

/// The `users.first_name` and `users.last_name` columns: lower-cased copies the user
/// search matches against.
pub(crate) fn name_columns(user: &User) -> (Option<String>, Option<String>) {
    let lower = |name: &Option<String>| name.as_deref().map(str::to_lowercase);
    (lower(&user.profile.first_name), lower(&user.profile.last_name))
}

#[derive(sqlx::FromRow)]
pub(crate) struct CredentialRow {
    id: String,
    user_id: String,
    created_date: i64,
    secret_data: String,
    credential_data: String,
}

impl TryFrom<CredentialRow> for PasswordCredential {
    type Error = StoreError;

    fn try_from(row: CredentialRow) -> Result<Self, StoreError> {
        let hash = PasswordHash::from_keycloak(&row.secret_data, &row.credential_data)
            .map_err(|e| StoreError::Corrupt(format!("password of user {}: {e}", row.user_id)))?;
        Ok(PasswordCredential {
            id: row.id,
            user_id: row.user_id,
            created_date: row.created_date,
            hash,
        })
    }
}

/// A credential of any type, as stored.
#[derive(sqlx::FromRow)]
pub(crate) struct AnyCredentialRow {
    id: String,
    user_id: String,
    #[sqlx(rename = "type")]
    credential_type: String,
    user_label: Option<String>,
    created_date: i64,
    secret_data: String,
    credential_data: String,
    priority: i64,
}

impl From<AnyCredentialRow> for Credential {
    fn from(row: AnyCredentialRow) -> Self {
        Credential {
            id: row.id,
            user_id: row.user_id,
            credential_type: row.credential_type,
            user_label: row.user_label,
            created_date: row.created_date,
            secret_data: Secret::new(row.secret_data),
            credential_data: row.credential_data,
            priority: row.priority,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    id: String,
    realm_id: String,
    user_id: String,
    client_uuid: String,
    started: i64,
    last_refresh: i64,
    scope: String,
    reuse_current_token_id: Option<String>,
    reuse_use_count: i64,
    reuse_last_refresh: i64,
    offline: bool,
    ip_address: String,
}

/// A session joined with its user and the user's role ids (`find_session_context`).
#[derive(sqlx::FromRow)]
pub(crate) struct SessionContextRow {
    #[sqlx(flatten)]
    session: SessionRow,
    u_id: Option<String>,
    u_realm_id: Option<String>,
    u_username: Option<String>,
    u_enabled: Option<bool>,
    u_created_timestamp: Option<i64>,
    u_profile: Option<String>,
    /// Role ids joined by U+001F (unit separator), which no id contains.
    role_ids: Option<String>,
}

impl TryFrom<SessionContextRow> for SessionContext {
    type Error = StoreError;

    fn try_from(row: SessionContextRow) -> Result<Self, StoreError> {
        let user = match (
            row.u_id,
            row.u_realm_id,
            row.u_username,
            row.u_enabled,
            row.u_created_timestamp,
            row.u_profile,
        ) {
            (
                Some(id),
                Some(realm_id),
                Some(username),
                Some(enabled),
                Some(created),
                Some(profile),
            ) => Some(User::try_from(UserRow {
                id,
                realm_id,
                username,
                enabled,
                created_timestamp: created,
                profile,
            })?),
            _ => None,
        };
        let role_ids = row
            .role_ids
            .map(|ids| ids.split('\u{1f}').map(str::to_owned).collect())
            .unwrap_or_default();
        Ok(SessionContext { session: Session::from(row.session), user, role_ids })
    }
}

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Session {
            id: row.id,
            realm_id: row.realm_id,
            user_id: row.user_id,
            client_uuid: row.client_uuid,
            started: row.started,
            last_refresh: row.last_refresh,
            scope: row.scope,
            offline: row.offline,
            ip_address: row.ip_address,
            reuse: RefreshReuse {
                current_token_id: row.reuse_current_token_id,
                use_count: row.reuse_use_count,
                last_refresh: row.reuse_last_refresh,
            },
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct LoginFailureRow {
    realm_id: String,
    user_id: String,
    num_failures: i64,
    num_temporary_lockouts: i64,
    last_failure: i64,
    last_ip_failure: Option<String>,
    failed_login_not_before: i64,
}

impl From<LoginFailureRow> for LoginFailure {
    fn from(row: LoginFailureRow) -> Self {
        LoginFailure {
            realm_id: row.realm_id,
            user_id: row.user_id,
            num_failures: row.num_failures,
            num_temporary_lockouts: row.num_temporary_lockouts,
            last_failure: row.last_failure,
            last_ip_failure: row.last_ip_failure,
            failed_login_not_before: row.failed_login_not_before,
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClientScopeRow {
    id: String,
    realm_id: String,
    name: String,
    description: Option<String>,
    protocol: String,
    attributes: String,
}

impl TryFrom<ClientScopeRow> for ClientScope {
    type Error = StoreError;

    fn try_from(row: ClientScopeRow) -> Result<Self, StoreError> {
        Ok(ClientScope {
            attributes: from_json(&row.attributes, "client scope attributes")?,
            id: row.id,
            realm_id: row.realm_id,
            name: row.name,
            description: row.description,
            protocol: row.protocol,
            protocol_mappers: Vec::new(),
            role_ids: Vec::new(),
        })
    }
}

/// A protocol mapper of a client scope, with the scope it belongs to.
#[derive(sqlx::FromRow)]
pub(crate) struct ScopeMapperRow {
    pub(crate) scope_id: String,
    id: String,
    name: String,
    protocol: String,
    protocol_mapper: String,
    config: String,
}

impl TryFrom<ScopeMapperRow> for (String, ProtocolMapper) {
    type Error = StoreError;

    fn try_from(row: ScopeMapperRow) -> Result<Self, StoreError> {
        let mapper = ProtocolMapper {
            config: from_json(&row.config, "protocol mapper config")?,
            id: Some(row.id),
            name: row.name,
            protocol: row.protocol,
            protocol_mapper: row.protocol_mapper,
        };
        Ok((row.scope_id, mapper))
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct RealmDefaultScopeRow {
    scope_id: String,
    is_default: bool,
}

impl From<RealmDefaultScopeRow> for RealmDefaultScope {
    fn from(row: RealmDefaultScopeRow) -> Self {
        let kind = if row.is_default { ScopeKind::Default } else { ScopeKind::Optional };
        RealmDefaultScope { scope_id: row.scope_id, kind }
    }
}
