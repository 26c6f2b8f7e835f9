//! What the grant tests decide on: one realm as `new_realm` makes it (its keys generated
//! once per test run), a client of it, a user and that user's session.

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::client::{Client, ClientSettings};
use crate::realm::Realm;
use crate::representation::new_realm;
use crate::role::RoleGraph;
use crate::session::{RefreshReuse, Session};
use crate::store::RealmBundle;
use crate::time::UnixMillis;
use crate::token::keys::KeySet;
use crate::token::mappers::ClaimPlan;
use crate::user::{User, UserProfile};

/// The tests' `now`.
pub(super) const NOW: UnixMillis = UnixMillis(1_760_000_000_000);

/// `NOW` in seconds.
pub(super) const NOW_SECS: i64 = 1_760_000_000;

pub(super) struct Fixture {
    pub(super) bundle: RealmBundle,
    pub(super) keys: KeySet,
    pub(super) roles: RoleGraph,
}

/// Realm `test`, made once: generating its RSA key is the slow part.
pub(super) static REALM: LazyLock<Fixture> = LazyLock::new(|| {
    let bundle = new_realm("test", NOW).expect("a new realm");
    let keys = KeySet::from_stored(bundle.keys.clone(), "test").expect("its keys load");
    let client_ids: HashMap<String, String> =
        bundle.clients.iter().map(|c| (c.id.clone(), c.client_id.clone())).collect();
    let roles = RoleGraph::new(bundle.roles.clone(), client_ids);
    Fixture { bundle, keys, roles }
});

pub(super) const ISSUER: &str = "http://localhost/realms/test";

pub(super) fn realm() -> Realm {
    REALM.bundle.realm.clone()
}

/// A public client `app` with direct access grants.
pub(super) fn client() -> Client {
    Client {
        id: "app-uuid".into(),
        realm_id: REALM.bundle.realm.id.clone(),
        client_id: "app".into(),
        enabled: true,
        public_client: true,
        secret: None,
        settings: ClientSettings {
            direct_access_grants_enabled: true,
            ..ClientSettings::default()
        },
        claims: Default::default(),
    }
    .with_plan()
}

/// The client with its scopes compiled from the realm's built-in ones, as the server's
/// realm snapshot compiles them.
pub(super) trait WithPlan {
    fn with_plan(self) -> Self;
}

impl WithPlan for Client {
    fn with_plan(mut self) -> Self {
        let plan = ClaimPlan::compile(&self, &REALM.bundle.client_scopes, &[], &REALM.roles);
        self.claims = std::sync::Arc::new(plan);
        self
    }
}

/// User `alice`, enabled, with no required actions.
pub(super) fn user() -> User {
    User {
        id: "alice-id".into(),
        realm_id: REALM.bundle.realm.id.clone(),
        username: "alice".into(),
        enabled: true,
        created_timestamp: NOW.0 - 86_400_000,
        profile: UserProfile::default(),
    }
}

/// The realm's default role, which new users get.
pub(super) fn default_role_ids() -> Vec<String> {
    let name = REALM.bundle.realm.settings.default_role.as_deref().unwrap_or_default();
    REALM.roles.find_realm_role(name).map(|role| role.id.clone()).into_iter().collect()
}

/// Alice's online session with `app`, started 100 s ago and refreshed 10 s ago.
pub(super) fn session() -> Session {
    Session {
        id: "session-1".into(),
        realm_id: REALM.bundle.realm.id.clone(),
        user_id: "alice-id".into(),
        client_uuid: "app-uuid".into(),
        started: NOW_SECS - 100,
        last_refresh: NOW_SECS - 10,
        scope: "openid profile email".into(),
        offline: false,
        reuse: RefreshReuse { last_refresh: NOW_SECS - 10, ..RefreshReuse::default() },
        ip_address: "127.0.0.1".into(),
    }
}
