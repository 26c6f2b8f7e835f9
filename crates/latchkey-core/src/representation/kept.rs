//! What a realm file holds that latchkey does not act on: collected on import, written
//! back in place on export, and named in one warning per kind.
//!
//! Nothing here lists Keycloak's fields by hand: a representation's `extra` map is
//! whatever its typed fields did not take (`#[serde(flatten)]`), so a field that becomes
//! typed stops being kept by itself. The realm's own fields live in its settings
//! (`RealmSettings::kept`), the entities' in `RealmBundle::kept`, keyed by entity id.
//! On output a typed field always wins over a kept one of the same name.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{Map, Value};

use super::types::{
    ComponentRepresentation, GroupRepresentation, KEY_PROVIDER, RealmRepresentation,
    RoleRepresentation,
};
use crate::realm::Realm;
use crate::store::{KeptFields, KeptKind, RealmBundle};

/// The realm-level key under which components other than keys are kept.
const COMPONENTS: &str = "components";

/// What `GET /admin/realms/{realm}` answers for a fresh Keycloak 26.7.3 realm, for the
/// fields latchkey has no value of its own for (recorded: facts-12 §5.1).
const KEYCLOAK_REALM_DEFAULTS: &str = include_str!("realm_defaults.json");

/// One line per kind of kept part, in a stable order: each top-level field, each
/// component type other than keys, and each entity kind with a field of its own
/// (`clients[].authenticationFlowBindingOverrides`).
pub fn kept_parts(rep: &RealmRepresentation) -> Vec<String> {
    let mut parts: Vec<String> = rep.extra.keys().cloned().collect();
    if let Some(components) = &rep.components {
        parts.extend(
            components
                .keys()
                .filter(|kind| *kind != KEY_PROVIDER)
                .map(|kind| format!("components.{kind}")),
        );
    }
    let mut fields = BTreeSet::new();
    let mut note = |prefix: &str, extra: &Map<String, Value>| {
        fields.extend(extra.keys().map(|key| format!("{prefix}[].{key}")));
    };
    for client in rep.clients.iter().flatten() {
        note("clients", &client.extra);
    }
    for user in rep.users.iter().flatten() {
        note("users", &user.extra);
    }
    if let Some(roles) = &rep.roles {
        for role in &roles.realm {
            note("roles.realm", &role.extra);
        }
        for role in roles.client.values().flatten() {
            note("roles.client.*", &role.extra);
        }
    }
    let mut groups: Vec<&GroupRepresentation> = rep.groups.iter().flatten().collect();
    while let Some(group) = groups.pop() {
        note("groups", &group.extra);
        groups.extend(group.sub_groups.iter().flatten());
    }
    for scope in rep.client_scopes.iter().flatten() {
        note("clientScopes", &scope.extra);
    }
    parts.extend(fields);
    parts
}

/// Fills the bundle built from `rep` with what `rep` says that latchkey does not model:
/// components other than keys on the realm, each entity's own fields by its id.
pub(super) fn collect(rep: &RealmRepresentation, bundle: &mut RealmBundle) {
    let realm_id = bundle.realm.id.clone();
    if let Some(components) = &rep.components {
        let others: Map<String, Value> = components
            .iter()
            .filter(|(kind, _)| *kind != KEY_PROVIDER)
            .filter_map(|(kind, list)| Some((kind.clone(), serde_json::to_value(list).ok()?)))
            .collect();
        if !others.is_empty() {
            bundle.realm.settings.kept.insert(COMPONENTS.to_owned(), Value::Object(others));
        }
    }
    let mut kept = Vec::new();
    let mut keep = |kind: KeptKind, entity_id: Option<&String>, extra: &Map<String, Value>| {
        if let Some(entity_id) = entity_id.filter(|_| !extra.is_empty()) {
            kept.push(KeptFields {
                realm_id: realm_id.clone(),
                kind,
                entity_id: entity_id.clone(),
                fields: extra.clone(),
            });
        }
    };
    let client_uuids: HashMap<&str, &String> =
        bundle.clients.iter().map(|c| (c.client_id.as_str(), &c.id)).collect();
    for client in rep.clients.iter().flatten() {
        keep(KeptKind::Client, client_uuids.get(client.client_id.as_str()).copied(), &client.extra);
    }
    let user_ids: HashMap<&str, &String> =
        bundle.users.iter().map(|u| (u.user.username.as_str(), &u.user.id)).collect();
    for user in rep.users.iter().flatten() {
        let username = crate::username::java_trim(&user.username).to_lowercase();
        keep(KeptKind::User, user_ids.get(username.as_str()).copied(), &user.extra);
    }
    if let Some(roles) = &rep.roles {
        let role_ids: HashMap<(Option<&str>, &str), &String> = bundle
            .roles
            .iter()
            .map(|r| ((r.client_uuid.as_deref(), r.name.as_str()), &r.id))
            .collect();
        let mut keep_role = |client: Option<&str>, role: &RoleRepresentation| {
            keep(KeptKind::Role, role_ids.get(&(client, role.name.as_str())).copied(), &role.extra);
        };
        for role in &roles.realm {
            keep_role(None, role);
        }
        for (client_id, list) in &roles.client {
            let client_uuid = client_uuids.get(client_id.as_str()).map(|id| id.as_str());
            for role in list.iter().filter(|_| client_uuid.is_some()) {
                keep_role(client_uuid, role);
            }
        }
    }
    let group_ids: HashMap<(Option<&str>, &str), &String> =
        bundle.groups.iter().map(|g| ((g.parent_id.as_deref(), g.name.as_str()), &g.id)).collect();
    let mut groups: Vec<(Option<&String>, &GroupRepresentation)> =
        rep.groups.iter().flatten().map(|g| (None, g)).collect();
    while let Some((parent, group)) = groups.pop() {
        let name = group.name.as_deref().unwrap_or_default();
        let id = group_ids.get(&(parent.map(String::as_str), name)).copied();
        keep(KeptKind::Group, id, &group.extra);
        if let Some(id) = id {
            groups.extend(group.sub_groups.iter().flatten().map(|sub| (Some(id), sub)));
        }
    }
    let scope_ids: HashMap<&str, &String> =
        bundle.client_scopes.iter().map(|s| (s.name.as_str(), &s.id)).collect();
    for scope in rep.client_scopes.iter().flatten() {
        let name = scope.name.as_deref().unwrap_or_default();
        keep(KeptKind::ClientScope, scope_ids.get(name).copied(), &scope.extra);
    }
    bundle.kept = kept;
}

/// Writes the kept parts back into an export of the bundle, each where it came from.
pub(super) fn restore(bundle: &RealmBundle, export: &mut RealmRepresentation) {
    if let Some(Value::Object(others)) = bundle.realm.settings.kept.get(COMPONENTS) {
        let components = export.components.get_or_insert_with(BTreeMap::new);
        for (kind, list) in others {
            let Ok(list) = serde_json::from_value::<Vec<ComponentRepresentation>>(list.clone())
            else {
                continue;
            };
            components.entry(kind.clone()).or_insert(list);
        }
    }
    let kept: HashMap<(KeptKind, &str), &Map<String, Value>> =
        bundle.kept.iter().map(|k| ((k.kind, k.entity_id.as_str()), &k.fields)).collect();
    if kept.is_empty() {
        return;
    }
    let find = |kind: KeptKind, id: &Option<String>| kept.get(&(kind, id.as_deref()?)).copied();
    for client in export.clients.iter_mut().flatten() {
        if let Some(fields) = find(KeptKind::Client, &client.id) {
            let emitted = emitted_keys(&*client);
            merge(&mut client.extra, fields, &emitted);
        }
    }
    for user in export.users.iter_mut().flatten() {
        if let Some(fields) = find(KeptKind::User, &user.id) {
            let emitted = emitted_keys(&*user);
            merge(&mut user.extra, fields, &emitted);
        }
    }
    if let Some(roles) = &mut export.roles {
        for role in roles.realm.iter_mut().chain(roles.client.values_mut().flatten()) {
            if let Some(fields) = find(KeptKind::Role, &role.id) {
                let emitted = emitted_keys(&*role);
                merge(&mut role.extra, fields, &emitted);
            }
        }
    }
    let mut groups: Vec<&mut GroupRepresentation> = export.groups.iter_mut().flatten().collect();
    while let Some(group) = groups.pop() {
        if let Some(fields) = find(KeptKind::Group, &group.id) {
            let emitted = emitted_keys(&*group);
            merge(&mut group.extra, fields, &emitted);
        }
        groups.extend(group.sub_groups.iter_mut().flatten());
    }
    for scope in export.client_scopes.iter_mut().flatten() {
        if let Some(fields) = find(KeptKind::ClientScope, &scope.id) {
            let emitted = emitted_keys(&*scope);
            merge(&mut scope.extra, fields, &emitted);
        }
    }
}

/// Keycloak's answer for a fresh realm's fields that latchkey does not model.
fn keycloak_realm_defaults() -> Map<String, Value> {
    serde_json::from_str(KEYCLOAK_REALM_DEFAULTS).unwrap_or_default()
}

/// Whether `GET /admin/realms/{realm}` answers an untyped field of this name (a realm
/// setting, not a realm-file part such as `authenticationFlows`): what a `PUT` keeps.
pub fn is_realm_setting(name: &str) -> bool {
    keycloak_realm_defaults().contains_key(name)
}

/// Adds to the realm representation's schema the fields latchkey answers from what it
/// keeps or from Keycloak's defaults, each with the JSON type of its default.
pub(super) fn document_realm_fields(schema: &mut schemars::Schema) {
    let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (key, value) in keycloak_realm_defaults() {
        let documented = match value {
            Value::Bool(_) => serde_json::json!({"type": "boolean"}),
            Value::Number(_) => serde_json::json!({"type": "integer", "format": "int32"}),
            Value::String(_) => serde_json::json!({"type": "string"}),
            Value::Array(_) => serde_json::json!({"type": "array", "items": {"type": "string"}}),
            Value::Object(_) | Value::Null => serde_json::json!({"type": "object"}),
        };
        properties.entry(key).or_insert(documented);
    }
}

/// Keeps the realm fields given (a realm file's or a `PUT`'s), except those equal to
/// Keycloak's default, which `realm_extra` writes anyway: a field set back to its
/// default is dropped, so a realm keeps only what differs from a fresh one.
pub(super) fn keep_realm_fields(kept: &mut Map<String, Value>, given: &Map<String, Value>) {
    if given.is_empty() {
        return;
    }
    let defaults = keycloak_realm_defaults();
    for (key, value) in given {
        if defaults.get(key) == Some(value) {
            kept.remove(key);
        } else {
            kept.insert(key.clone(), value.clone());
        }
    }
}

/// The realm representation's untyped fields: Keycloak's defaults for a fresh realm,
/// overlaid with what the realm keeps (components left to the export).
pub(super) fn realm_extra(realm: &Realm) -> Map<String, Value> {
    let mut extra = keycloak_realm_defaults();
    for (key, value) in &realm.settings.kept {
        if key != COMPONENTS {
            extra.insert(key.clone(), value.clone());
        }
    }
    extra
}

/// Drops from `rep.extra` the fields its typed fields write, so that no name is
/// written twice (a kept or default field that became typed).
pub(super) fn drop_typed_from_extra(rep: &mut RealmRepresentation) {
    let extra = std::mem::take(&mut rep.extra);
    let emitted = emitted_keys(&*rep);
    rep.extra = extra.into_iter().filter(|(key, _)| !emitted.contains(key)).collect();
}

/// The names a representation's typed fields write (its `extra` is expected empty or
/// already free of typed names).
fn emitted_keys<T: Serialize>(rep: &T) -> BTreeSet<String> {
    match serde_json::to_value(rep) {
        Ok(Value::Object(map)) => map.into_iter().map(|(key, _)| key).collect(),
        _ => BTreeSet::new(),
    }
}

fn merge(extra: &mut Map<String, Value>, kept: &Map<String, Value>, emitted: &BTreeSet<String>) {
    for (key, value) in kept {
        if !emitted.contains(key) {
            extra.insert(key.clone(), value.clone());
        }
    }
}
