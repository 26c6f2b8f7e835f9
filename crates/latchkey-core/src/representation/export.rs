//! A `RealmBundle` back to Keycloak's realm JSON (`ExportUtils.exportRealm`), with ids,
//! client secrets, password hashes and key material, so that
//! `import_realm(export_realm(bundle))` gives the same realm.

use std::collections::{BTreeMap, HashMap};

use super::client_scopes::export_client_scopes;
use super::clients::client_to_representation;
use super::groups::{export_default_groups, export_groups};
use super::keys::export_keys;
use super::roles::{RoleNames, export_roles, role_to_representation};
use super::types::{KEY_PROVIDER, RealmRepresentation};
use super::users::export_user;
use crate::group::GroupTree;
use crate::realm::{BruteForceStrategy, Realm, SslRequired};
use crate::role::RoleGraph;
use crate::store::RealmBundle;
use crate::token::keys::KeySet;

/// The whole realm as one Keycloak realm file, users and secrets included.
pub fn export_realm(bundle: &RealmBundle) -> RealmRepresentation {
    let realm = &bundle.realm;
    let settings = &realm.settings;
    let names = RoleNames::new(bundle);
    let client_ids: HashMap<String, String> =
        bundle.clients.iter().map(|c| (c.id.clone(), c.client_id.clone())).collect();
    let roles = RoleGraph::new(bundle.roles.clone(), client_ids);
    let groups = GroupTree::new(bundle.groups.clone());
    let default_role = settings
        .default_role
        .as_deref()
        .and_then(|name| bundle.roles.iter().find(|r| r.client_uuid.is_none() && r.name == name));
    let mut export = RealmRepresentation {
        roles: Some(export_roles(bundle, &names)),
        default_role: default_role.map(role_to_representation),
        default_roles: None,
        groups: Some(export_groups(&groups, &roles)),
        default_groups: Some(export_default_groups(&groups, &bundle.default_group_ids))
            .filter(|paths| !paths.is_empty()),
        users: Some(bundle.users.iter().map(|user| export_user(user, &names, &groups)).collect()),
        clients: Some(bundle.clients.iter().map(client_to_representation).collect()),
        components: Some(BTreeMap::from([(
            KEY_PROVIDER.to_owned(),
            export_keys(&bundle.keys, &key_certificates(bundle)),
        )])),
        ..realm_to_representation(realm)
    };
    export_client_scopes(bundle, &mut export);
    export
}

/// The certificates of the realm's enabled asymmetric keys by component id, as the
/// JWKS publishes them (RSA keys make theirs when loaded).
fn key_certificates(bundle: &RealmBundle) -> BTreeMap<String, Vec<u8>> {
    KeySet::from_stored(bundle.keys.clone(), &bundle.realm.name)
        .map(|set| {
            set.asymmetric.into_iter().filter_map(|key| Some((key.id, key.certificate?))).collect()
        })
        .unwrap_or_default()
}

/// The realm's own fields, without roles, users, clients or keys, as the Admin API's
/// `GET /admin/realms/{realm}` writes them.
pub fn realm_to_representation(realm: &Realm) -> RealmRepresentation {
    let settings = &realm.settings;
    let tokens = &settings.tokens;
    let brute = &settings.brute_force;
    RealmRepresentation {
        id: Some(realm.id.clone()),
        realm: Some(realm.name.clone()),
        display_name: settings.display_name.clone(),
        not_before: Some(settings.not_before),
        default_signature_algorithm: Some(settings.default_signature_algorithm.clone()),
        revoke_refresh_token: Some(tokens.revoke_refresh_token),
        refresh_token_max_reuse: Some(tokens.refresh_token_max_reuse),
        access_token_lifespan: Some(tokens.access_token_lifespan),
        sso_session_idle_timeout: Some(tokens.sso_session_idle_timeout),
        sso_session_max_lifespan: Some(tokens.sso_session_max_lifespan),
        client_session_idle_timeout: Some(tokens.client_session_idle_timeout),
        client_session_max_lifespan: Some(tokens.client_session_max_lifespan),
        offline_session_idle_timeout: Some(tokens.offline_session_idle_timeout),
        offline_session_max_lifespan_enabled: Some(tokens.offline_session_max_lifespan_enabled),
        offline_session_max_lifespan: Some(tokens.offline_session_max_lifespan),
        enabled: Some(realm.enabled),
        ssl_required: Some(
            match settings.ssl_required {
                SslRequired::All => "all",
                SslRequired::External => "external",
                SslRequired::None => "none",
            }
            .to_owned(),
        ),
        login_with_email_allowed: Some(settings.login_with_email_allowed),
        duplicate_emails_allowed: Some(settings.duplicate_emails_allowed),
        brute_force_protected: Some(brute.brute_force_protected),
        permanent_lockout: Some(brute.permanent_lockout),
        max_temporary_lockouts: Some(brute.max_temporary_lockouts),
        brute_force_strategy: Some(
            match brute.brute_force_strategy {
                BruteForceStrategy::MULTIPLE => "MULTIPLE",
                BruteForceStrategy::LINEAR => "LINEAR",
            }
            .to_owned(),
        ),
        max_failure_wait_seconds: Some(brute.max_failure_wait_seconds),
        minimum_quick_login_wait_seconds: Some(brute.minimum_quick_login_wait_seconds),
        wait_increment_seconds: Some(brute.wait_increment_seconds),
        quick_login_check_milli_seconds: Some(brute.quick_login_check_milli_seconds),
        max_delta_time_seconds: Some(brute.max_delta_time_seconds),
        failure_factor: Some(brute.failure_factor),
        password_policy: settings.password_policy.clone(),
        ..RealmRepresentation::default()
    }
}
