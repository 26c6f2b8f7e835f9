//! A realm with one of everything, built by hand so that every field has a value that
//! is not its default and a lossy column would show.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use latchkey_core::client::{Client, ClientSettings, ProtocolMapper};
use latchkey_core::client_scope::{ClientScope, RealmDefaultScope, ScopeKind};
use latchkey_core::group::Group;
use latchkey_core::password::{PasswordHash, hash_password};
use latchkey_core::realm::Realm;
use latchkey_core::role::Role;
use latchkey_core::secret::Secret;
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::{ClientScopeMapping, KeptFields, KeptKind, RealmBundle, UserBundle};
use latchkey_core::token::algorithm::Algorithm;
use latchkey_core::token::keys::StoredKey;
use latchkey_core::user::{Credential, PasswordCredential, User, UserProfile};
use serde_json::json;

/// Milliseconds; the realm's creation time.
pub(crate) const CREATED: i64 = 1_760_000_000_000;

/// argon2 is slow on purpose: hash once for the whole suite.
pub(crate) static PASSWORD: LazyLock<PasswordHash> =
    LazyLock::new(|| hash_password("correct horse"));

/// Ids of one realm's entities, prefixed by the realm name so that realms never clash.
pub(crate) struct Ids {
    prefix: String,
}

impl Ids {
    pub(crate) fn new(realm: &str) -> Self {
        Ids { prefix: realm.to_owned() }
    }

    pub(crate) fn of(&self, what: &str) -> String {
        format!("{}-{what}", self.prefix)
    }
}

pub(crate) fn realm(name: &str) -> Realm {
    let mut realm = Realm::new(Ids::new(name).of("realm"), name.to_owned());
    realm.settings.display_name = Some(format!("The {name} realm"));
    realm.settings.kept.insert("smtpServer".to_owned(), json!({"host": "mail.example.com"}));
    realm.settings.tokens.revoke_refresh_token = true;
    realm.settings.tokens.refresh_token_max_reuse = 2;
    realm.settings.brute_force.brute_force_protected = true;
    realm.settings.duplicate_emails_allowed = true;
    realm.settings.password_policy = Some("length(12)".into());
    realm
}

pub(crate) fn key(realm_id: &str, kid: &str, algorithm: Algorithm, priority: i64) -> StoredKey {
    StoredKey {
        id: format!("component-{kid}"),
        kid: kid.to_owned(),
        realm_id: realm_id.to_owned(),
        name: format!("{algorithm} key"),
        provider_id: "ecdsa-generated".to_owned(),
        algorithm,
        // The store keeps the bytes as they are; it never parses them.
        secret: kid.bytes().chain([0, 255, 7]).collect(),
        certificate: (priority > 50).then(|| vec![0x30, 0x82, 1, 2]),
        config: BTreeMap::from([("priority".to_owned(), vec![priority.to_string()])]),
        priority,
        enabled: priority > 0,
        active: priority != 1,
        created_at: CREATED + priority,
    }
}

pub(crate) fn client(realm_id: &str, id: &str, client_id: &str, secret: Option<&str>) -> Client {
    let settings = ClientSettings {
        name: Some(format!("{client_id} app")),
        direct_access_grants_enabled: true,
        redirect_uris: vec!["https://app.example.com/*".into()],
        web_origins: vec!["+".into()],
        attributes: BTreeMap::from([("access.token.lifespan".into(), "120".into())]),
        protocol_mappers: vec![ProtocolMapper {
            id: Some(format!("{id}-mapper")),
            name: "audience".into(),
            protocol: "openid-connect".into(),
            protocol_mapper: "oidc-audience-mapper".into(),
            config: BTreeMap::from([("included.client.audience".into(), client_id.into())]),
        }],
        not_before: 17,
        ..ClientSettings::default()
    };
    Client {
        id: id.to_owned(),
        realm_id: realm_id.to_owned(),
        client_id: client_id.to_owned(),
        enabled: true,
        public_client: secret.is_none(),
        secret: secret.map(Secret::new),
        settings,
        claims: Default::default(),
    }
}

pub(crate) fn role(realm_id: &str, id: &str, client_uuid: Option<&str>, name: &str) -> Role {
    Role {
        id: id.to_owned(),
        realm_id: realm_id.to_owned(),
        client_uuid: client_uuid.map(str::to_owned),
        name: name.to_owned(),
        description: Some(format!("{name} role")),
        composites: Vec::new(),
        attributes: BTreeMap::from([("level".into(), vec!["3".into(), "1".into()])]),
    }
}

pub(crate) fn group(realm_id: &str, id: &str, parent_id: Option<&str>, name: &str) -> Group {
    Group {
        id: id.to_owned(),
        realm_id: realm_id.to_owned(),
        parent_id: parent_id.map(str::to_owned),
        name: name.to_owned(),
        description: Some(format!("the {name} group")),
        attributes: BTreeMap::from([("floor".into(), vec!["2".into(), "1".into()])]),
        role_ids: Vec::new(),
    }
}

/// A one-time-password credential as Keycloak exports it; the store keeps it as it is.
pub(crate) fn otp(user_id: &str, id: &str, priority: i64) -> Credential {
    Credential {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        credential_type: "otp".into(),
        user_label: Some("phone".into()),
        created_date: CREATED + 1,
        secret_data: Secret::new(r#"{"value":"JBSWY3DPEHPK3PXP"}"#),
        credential_data:
            r#"{"subType":"totp","digits":6,"counter":0,"period":30,"algorithm":"HmacSHA1"}"#.into(),
        priority,
    }
}

pub(crate) fn user(realm_id: &str, id: &str, username: &str, email: Option<&str>) -> User {
    User {
        id: id.to_owned(),
        realm_id: realm_id.to_owned(),
        username: username.to_owned(),
        enabled: true,
        created_timestamp: CREATED,
        profile: UserProfile {
            email: email.map(str::to_owned),
            email_verified: email.is_some(),
            first_name: Some(username.to_uppercase()),
            last_name: None,
            attributes: BTreeMap::from([("team".into(), vec!["blue".into(), "red".into()])]),
            required_actions: Vec::new(),
            service_account_client_id: None,
            not_before: 0,
        },
    }
}

pub(crate) fn password(user_id: &str, id: &str) -> PasswordCredential {
    PasswordCredential {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        created_date: CREATED,
        hash: PASSWORD.clone(),
    }
}

/// A client scope (id `ids.of(name)`) with one audience mapper (id `<scope id>-aud`)
/// and the given scope mappings.
pub(crate) fn client_scope(
    realm_id: &str,
    ids: &Ids,
    name: &str,
    role_ids: &[String],
) -> ClientScope {
    let id = ids.of(name);
    ClientScope {
        protocol_mappers: vec![ProtocolMapper {
            id: Some(format!("{id}-aud")),
            name: "api audience".into(),
            protocol: "openid-connect".into(),
            protocol_mapper: "oidc-audience-mapper".into(),
            config: [
                ("included.custom.audience".to_owned(), "api".to_owned()),
                ("access.token.claim".to_owned(), "true".to_owned()),
            ]
            .into(),
        }],
        id,
        realm_id: realm_id.to_owned(),
        name: name.to_owned(),
        description: Some(format!("{name} scope")),
        protocol: "openid-connect".into(),
        attributes: [("include.in.token.scope".to_owned(), "true".to_owned())].into(),
        role_ids: role_ids.to_vec(),
    }
}

/// Realm `name`: two keys, a public and a confidential client, realm roles with a
/// composite that names a role listed after it and a client role, a client role that
/// shares a realm role's name, a client scope `audience` (a realm default, with a mapper
/// and a scope mapping of `user`; `app` has a scope mapping of its `viewer`), groups (`/staff` holding `user`, `/staff/ops` holding the
/// client's `admin` and a default group, `/Staff` beside `/staff`), and three users (one
/// with a password, an OTP and grants, one in `/staff/ops`, one service account).
pub(crate) fn bundle(name: &str) -> RealmBundle {
    let ids = Ids::new(name);
    let realm = realm(name);
    let realm_id = realm.id.clone();
    let app = ids.of("app");
    let mut admin = role(&realm_id, &ids.of("admin"), None, "admin");
    admin.composites = vec![ids.of("user"), ids.of("app-viewer")];
    let mut default_roles =
        role(&realm_id, &ids.of("default-roles"), None, &format!("default-roles-{name}"));
    default_roles.composites = vec![ids.of("user")];
    let alice = user(&realm_id, &ids.of("alice"), "alice", Some("Alice@Example.COM"));
    let bob = user(&realm_id, &ids.of("bob"), "bob", None);
    let mut service = user(&realm_id, &ids.of("service"), "service-account-backend", None);
    service.profile.service_account_client_id = Some(ids.of("backend"));
    let mut staff = group(&realm_id, &ids.of("staff"), None, "staff");
    staff.role_ids = vec![ids.of("user")];
    let mut ops = group(&realm_id, &ids.of("ops"), Some(&staff.id), "ops");
    ops.role_ids = vec![ids.of("app-admin")];
    let other_staff = group(&realm_id, &ids.of("Staff"), None, "Staff");
    let alice_password = password(&alice.id, &ids.of("alice-password")).to_credential();
    let alice_otp = otp(&alice.id, &ids.of("alice-otp"), 20);
    RealmBundle {
        keys: vec![
            key(&realm_id, &ids.of("rsa"), Algorithm::RS256, 100),
            key(&realm_id, &ids.of("ed"), Algorithm::EdDSA, 60),
            key(&realm_id, &ids.of("ec"), Algorithm::ES384, 1),
            key(&realm_id, &ids.of("hmac"), Algorithm::HS512, 0),
        ],
        clients: vec![
            client(&realm_id, &app, "app", None),
            client(&realm_id, &ids.of("backend"), "backend", Some("s3cr3t")),
        ],
        roles: vec![
            admin,
            default_roles,
            role(&realm_id, &ids.of("user"), None, "user"),
            role(&realm_id, &ids.of("app-viewer"), Some(&app), "viewer"),
            role(&realm_id, &ids.of("app-admin"), Some(&app), "admin"),
        ],
        default_group_ids: vec![ops.id.clone()],
        groups: vec![staff, ops, other_staff],
        client_scopes: vec![client_scope(&realm_id, &ids, "audience", &[ids.of("user")])],
        default_client_scopes: vec![RealmDefaultScope {
            scope_id: ids.of("audience"),
            kind: ScopeKind::Default,
        }],
        client_scope_mappings: vec![ClientScopeMapping {
            client_uuid: app.clone(),
            role_id: ids.of("app-viewer"),
        }],
        users: vec![
            UserBundle {
                credentials: vec![alice_password, alice_otp],
                role_ids: vec![ids.of("admin"), ids.of("default-roles")],
                group_ids: Vec::new(),
                user: alice,
            },
            UserBundle { group_ids: vec![ids.of("ops")], ..UserBundle::new(bob, None, Vec::new()) },
            UserBundle::new(service, None, vec![ids.of("app-viewer")]),
        ],
        kept: vec![
            kept(&realm_id, KeptKind::Client, &app, json!({"futureClientField": {"a": [1]}})),
            kept(&realm_id, KeptKind::User, &ids.of("alice"), json!({"federatedIdentities": []})),
            kept(&realm_id, KeptKind::Role, &ids.of("user"), json!({"futureRoleField": true})),
            kept(&realm_id, KeptKind::Group, &ids.of("staff"), json!({"futureGroupField": "x"})),
            kept(&realm_id, KeptKind::ClientScope, &ids.of("audience"), json!({"f": null})),
        ],
        realm,
    }
}

fn kept(realm_id: &str, kind: KeptKind, entity_id: &str, fields: serde_json::Value) -> KeptFields {
    let serde_json::Value::Object(fields) = fields else { unreachable!("an object") };
    KeptFields { realm_id: realm_id.to_owned(), kind, entity_id: entity_id.to_owned(), fields }
}

/// A session of the bundle's first user (alice) with the public client.
pub(crate) fn session(bundle: &RealmBundle, id: &str, last_refresh: i64) -> Session {
    Session {
        id: id.to_owned(),
        realm_id: bundle.realm.id.clone(),
        user_id: bundle.users[0].user.id.clone(),
        client_uuid: bundle.clients[0].id.clone(),
        started: 1_000,
        last_refresh,
        scope: "openid profile email".into(),
        offline: false,
        reuse: RefreshReuse::default(),
        ip_address: "192.0.2.7".into(),
    }
}
