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
    super::kept::restore(bundle, &mut export);
    super::kept::drop_typed_from_extra(&mut export);
    export
}

/// What `POST /admin/realms/{realm}/partial-export` answers (`RealmAdminResource.partialExport`,
/// facts-12 §5.2–5.3): the realm file without users and secrets. Clients come only with
/// `export_clients` (secrets masked, with their service-account users, whose
/// credentials stay out), roles and groups only with `export_groups_and_roles`; key
/// providers keep their settings but no key material.
pub fn partial_export(
    bundle: &RealmBundle,
    export_clients: bool,
    export_groups_and_roles: bool,
) -> RealmRepresentation {
    let mut export = export_realm(bundle);
    if export_clients {
        for client in export.clients.iter_mut().flatten() {
            if client.secret.is_some() {
                client.secret = Some(super::import::MASKED_SECRET.to_owned());
            }
        }
        let mut users = export.users.take().unwrap_or_default();
        users.retain(|user| user.service_account_client_id.is_some());
        for user in &mut users {
            user.credentials = None;
        }
        export.users = Some(users).filter(|users| !users.is_empty());
    } else {
        export.users = None;
        export.clients = None;
        export.client_scope_mappings = None;
    }
    if !export_groups_and_roles {
        export.roles = None;
        export.groups = None;
    }
    for key in export.components.iter_mut().flat_map(|c| c.get_mut(KEY_PROVIDER)).flatten() {
        let generated = key.provider_id.as_deref().is_some_and(|id| id.ends_with("-generated"));
        for name in ["privateKey", "secret", "certificate", "kid"] {
            if generated || name == "kid" {
                key.config.remove(name);
            } else if let Some(values) = key.config.get_mut(name) {
                *values = vec![super::import::MASKED_SECRET.to_owned()];
            }
        }
    }
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
/// `GET /admin/realms/{realm}` writes them: the typed ones, then what the realm keeps,
/// then Keycloak's defaults for a fresh realm.
pub fn realm_to_representation(realm: &Realm) -> RealmRepresentation {
    let mut rep = typed_realm_representation(realm);
    rep.extra = super::kept::realm_extra(realm);
    super::kept::drop_typed_from_extra(&mut rep);
    rep
}

fn typed_realm_representation(realm: &Realm) -> RealmRepresentation {
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
        events_enabled: Some(settings.events.events_enabled),
        events_expiration: settings.events.events_expiration,
        events_listeners: Some(settings.events.events_listeners.clone()),
        enabled_event_types: Some(settings.events.enabled_event_types.clone()),
        admin_events_enabled: Some(settings.events.admin_events_enabled),
        admin_events_details_enabled: Some(settings.events.admin_events_details_enabled),
        ..RealmRepresentation::default()
    }
}
