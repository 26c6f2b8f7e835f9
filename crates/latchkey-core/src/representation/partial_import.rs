//! `POST /admin/realms/{realm}/partialImport` (Keycloak's `PartialImportManager` and its
//! handlers): the clients, roles, groups, users and identity providers of a realm file
//! added to an existing realm, with `ifResourceExists` saying what happens to those
//! that exist: `FAIL` (409, nothing written), `SKIP` or `OVERWRITE` (deleted, then
//! created anew under a new id, as Keycloak does).
//!
//! The plan is made without the database: the realm as it is (its settings, clients,
//! roles, groups, scopes and service accounts) is exported, stripped of the links
//! between its own entities, the file's resources are merged in under new ids, and the
//! whole is read back with [`import_realm`], so that the new entities resolve their
//! references (role names, group paths, client ids, scopes) exactly as a realm import
//! does. Only the entities that came from the file, and the roles they create on the
//! way (a group's unknown role, as Keycloak's `importGroup` creates it), are written:
//! [`RealmChanges`], one transaction.

use std::collections::{HashMap, HashSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::export::export_realm;
use super::import::{ImportError, import_realm};
use super::types::{
    ClientRepresentation, GroupRepresentation, RealmRepresentation, RoleRepresentation,
    RolesRepresentation, UserRepresentation,
};
use crate::group::GroupTree;
use crate::random::uuid;
use crate::store::{RealmBundle, RealmChanges};
use crate::time::UnixMillis;

/// `PartialImportRepresentation`: the resources a partial import adds, and what to do
/// with those that exist. A realm file's other fields (its settings, flows, scopes...)
/// are read past, as Keycloak's Jackson reads them into this class.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct PartialImportRepresentation {
    /// `FAIL` (the default), `SKIP` or `OVERWRITE`.
    #[schemars(extend("enum" = ["FAIL", "SKIP", "OVERWRITE", null]))]
    pub if_resource_exists: Option<String>,
    pub users: Option<Vec<UserRepresentation>>,
    pub clients: Option<Vec<ClientRepresentation>>,
    pub groups: Option<Vec<GroupRepresentation>>,
    pub roles: Option<RolesRepresentation>,
    /// Kept with the realm's settings as given (latchkey does not broker logins).
    pub identity_providers: Option<Vec<Map<String, Value>>>,
    pub identity_provider_mappers: Option<Vec<Map<String, Value>>>,
    /// Whatever else the file holds, read past.
    #[serde(flatten)]
    #[schemars(skip)]
    pub other: Map<String, Value>,
}

/// `PartialImportRepresentation.Policy`: what to do with a resource that exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    Fail,
    Skip,
    Overwrite,
}

impl Policy {
    /// `ifResourceExists`; absent is `FAIL`, as in Keycloak.
    pub fn parse(value: Option<&str>) -> Result<Self, PartialImportError> {
        match value {
            None | Some("FAIL") => Ok(Policy::Fail),
            Some("SKIP") => Ok(Policy::Skip),
            Some("OVERWRITE") => Ok(Policy::Overwrite),
            Some(other) => Err(PartialImportError::Policy(other.to_owned())),
        }
    }
}

/// Why a partial import is refused; nothing is written.
#[derive(Debug, thiserror::Error)]
pub enum PartialImportError {
    /// A resource exists under `FAIL`: Keycloak's `existsMessage`, answered 409.
    #[error("{0}")]
    Exists(String),
    /// Client roles for a client neither in the realm nor in the file (412).
    #[error("Can not import client roles for nonexistent client named {0}")]
    NoSuchClient(String),
    /// `ifResourceExists` is not `FAIL`, `SKIP` or `OVERWRITE` (Keycloak 26.7.3 answers
    /// 500; the request is what is wrong).
    #[error("Invalid value for 'ifResourceExists': {0}")]
    Policy(String),
    #[error(transparent)]
    Import(#[from] ImportError),
}

/// `PartialImportResults`: the counts, and one result per resource of the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartialImportResults {
    pub overwritten: usize,
    pub added: usize,
    pub skipped: usize,
    pub results: Vec<PartialImportResult>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PartialImportResult {
    pub action: Action,
    pub resource_type: ResourceType,
    /// The client id, role name (`clientId-->name` for a client role), group name,
    /// username, or identity provider alias.
    pub resource_name: String,
    /// The entity's id; a client role's is its client's, as in Keycloak.
    pub id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Added,
    Skipped,
    Overwritten,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResourceType {
    User,
    Client,
    Idp,
    IdpMapper,
    RealmRole,
    ClientRole,
    Group,
}

/// What the import writes and what it answers.
#[derive(Debug)]
pub struct PartialImportPlan {
    pub changes: RealmChanges,
    pub results: PartialImportResults,
}

/// The file's users as the caller found them in the database: for each user of
/// `rep.users`, in order, the id of the user it names (by username, or by email where
/// emails are unique), if any.
pub type ExistingUsers = [Option<String>];

/// Plans the import of `rep` into the realm `current` holds (its users: only the
/// service accounts). Plain-text passwords are hashed: call off the async runtime.
pub fn plan_partial_import(
    current: &RealmBundle,
    existing_users: &ExistingUsers,
    mut rep: PartialImportRepresentation,
    now: UnixMillis,
) -> Result<PartialImportPlan, PartialImportError> {
    let policy = Policy::parse(rep.if_resource_exists.as_deref())?;
    let mut plan = Planner {
        current,
        policy,
        merged: reference_realm(current),
        changes: RealmChanges { realm_id: current.realm.id.clone(), ..RealmChanges::default() },
        results: Vec::new(),
        fresh: HashSet::new(),
        new_clients: HashMap::new(),
    };
    plan.clients(rep.clients.take().unwrap_or_default())?;
    plan.roles(rep.roles.take().unwrap_or_default())?;
    plan.groups(rep.groups.take().unwrap_or_default())?;
    plan.users(rep.users.take().unwrap_or_default(), existing_users)?;
    plan.identity_providers(
        rep.identity_providers.take().unwrap_or_default(),
        rep.identity_provider_mappers.take().unwrap_or_default(),
    )?;
    let bundle = import_realm(std::mem::take(&mut plan.merged), now)?;
    plan.written(bundle);
    let results = plan.results;
    let count = |action| results.iter().filter(|r| r.action == action).count();
    Ok(PartialImportPlan {
        changes: plan.changes,
        results: PartialImportResults {
            overwritten: count(Action::Overwritten),
            added: count(Action::Added),
            skipped: count(Action::Skipped),
            results,
        },
    })
}

/// The realm as a file whose entities are only names to resolve against: its
/// settings, keys, scopes, clients, and its roles and groups without composites or
/// mappings (those of existing entities are not written, and may name what an
/// overwrite removes).
fn reference_realm(current: &RealmBundle) -> RealmRepresentation {
    let mut merged = export_realm(current);
    merged.users = None;
    merged.scope_mappings = None;
    merged.client_scope_mappings = None;
    merged.default_groups = None;
    let strip = |role: &mut RoleRepresentation| {
        role.composite = Some(false);
        role.composites = None;
    };
    if let Some(roles) = &mut merged.roles {
        roles.realm.iter_mut().for_each(strip);
        roles.client.values_mut().flatten().for_each(strip);
    }
    if let Some(role) = &mut merged.default_role {
        strip(role);
    }
    fn strip_group(group: &mut GroupRepresentation) {
        group.realm_roles = None;
        group.client_roles = None;
        group.sub_groups.iter_mut().flatten().for_each(strip_group);
    }
    merged.groups.iter_mut().flatten().for_each(strip_group);
    merged
}

struct Planner<'a> {
    current: &'a RealmBundle,
    policy: Policy,
    merged: RealmRepresentation,
    changes: RealmChanges,
    results: Vec<PartialImportResult>,
    /// Ids given to the file's entities (groups below them included).
    fresh: HashSet<String>,
    /// The file's clients that are written, by client id, with their new ids.
    new_clients: HashMap<String, String>,
}

impl Planner<'_> {
    fn result(&mut self, action: Action, kind: ResourceType, name: &str, id: Option<String>) {
        self.results.push(PartialImportResult {
            action,
            resource_type: kind,
            resource_name: name.to_owned(),
            id,
        });
    }

    /// What to do with a resource that exists: `None` to skip it (recorded), the
    /// action to record once it is written otherwise.
    fn on_existing(
        &mut self,
        kind: ResourceType,
        name: &str,
        existing_id: Option<&str>,
        message: impl FnOnce() -> String,
    ) -> Result<Option<Action>, PartialImportError> {
        match self.policy {
            Policy::Fail => Err(PartialImportError::Exists(message())),
            Policy::Skip => {
                self.result(Action::Skipped, kind, name, existing_id.map(str::to_owned));
                Ok(None)
            }
            Policy::Overwrite => Ok(Some(Action::Overwritten)),
        }
    }

    fn fresh_id(&mut self) -> String {
        let id = uuid();
        self.fresh.insert(id.clone());
        id
    }

    /// `ClientsPartialImport`: by `clientId`; an overwritten client takes its roles and
    /// its service-account user with it. A realm's built-in clients are passed over
    /// without a result, as Keycloak 26.7.3 does (their roles are not).
    fn clients(&mut self, reps: Vec<ClientRepresentation>) -> Result<(), PartialImportError> {
        let current = self.current;
        for mut rep in reps {
            if INTERNAL_CLIENTS.contains(&rep.client_id.as_str()) {
                continue;
            }
            let client_id = rep.client_id.clone();
            let existing = current.clients.iter().find(|c| c.client_id == client_id);
            let action = match existing {
                None => Action::Added,
                Some(existing) => {
                    let message = || format!("Client id '{client_id}' already exists");
                    let Some(action) = self.on_existing(
                        ResourceType::Client,
                        &client_id,
                        Some(&existing.id),
                        message,
                    )?
                    else {
                        continue;
                    };
                    self.changes.deleted_clients.push(existing.id.clone());
                    if let Some(clients) = &mut self.merged.clients {
                        clients.retain(|c| c.client_id != client_id);
                    }
                    if let Some(roles) = &mut self.merged.roles {
                        roles.client.remove(&client_id);
                    }
                    for user in &current.users {
                        if user.user.profile.service_account_client_id.as_deref()
                            == Some(client_id.as_str())
                        {
                            self.changes.deleted_users.push(user.user.id.clone());
                        }
                    }
                    action
                }
            };
            let id = self.fresh_id();
            rep.id = Some(id.clone());
            for mapper in rep.protocol_mappers.iter_mut().flatten() {
                mapper.id = None;
            }
            self.result(action, ResourceType::Client, &client_id, Some(id.clone()));
            self.new_clients.insert(client_id, id);
            self.merged.clients.get_or_insert_with(Vec::new).push(rep);
        }
        Ok(())
    }

    /// `RolesPartialImport`: realm roles by name, client roles by client and name (their
    /// client in the realm or in the file, 412 otherwise).
    fn roles(&mut self, reps: RolesRepresentation) -> Result<(), PartialImportError> {
        let current = self.current;
        for mut rep in reps.realm {
            if rep.name.is_empty() {
                let container = "the realm".to_owned();
                return Err(ImportError::MissingRoleName { container }.into());
            }
            let name = rep.name.clone();
            let existing = current.roles.iter().find(|r| r.client_uuid.is_none() && r.name == name);
            let action = match existing {
                None => Action::Added,
                Some(existing) => {
                    let message = || format!("Realm role '{name}' already exists.");
                    let kind = ResourceType::RealmRole;
                    let Some(action) =
                        self.on_existing(kind, &name, Some(&existing.id), message)?
                    else {
                        continue;
                    };
                    self.changes.deleted_roles.push(existing.id.clone());
                    if let Some(roles) = &mut self.merged.roles {
                        roles.realm.retain(|r| r.name != name);
                    }
                    action
                }
            };
            let id = self.fresh_id();
            rep.id = Some(id.clone());
            rep.container_id = None;
            self.result(action, ResourceType::RealmRole, &name, Some(id));
            self.merged.roles.get_or_insert_with(Default::default).realm.push(rep);
        }
        for (client_id, roles) in reps.client {
            let client = current.clients.iter().find(|c| c.client_id == client_id);
            let client_uuid = match (self.new_clients.get(&client_id), client) {
                (Some(new_id), _) => new_id.clone(),
                (None, Some(client)) => client.id.clone(),
                (None, None) => return Err(PartialImportError::NoSuchClient(client_id)),
            };
            for mut rep in roles {
                if rep.name.is_empty() {
                    let container = format!("client `{client_id}`");
                    return Err(ImportError::MissingRoleName { container }.into());
                }
                let name = rep.name.clone();
                let combined = format!("{client_id}-->{name}");
                let existing = client.and_then(|client| {
                    current.roles.iter().find(|r| {
                        r.client_uuid.as_deref() == Some(client.id.as_str()) && r.name == name
                    })
                });
                let action = match existing {
                    None => Action::Added,
                    Some(existing) => {
                        let message = || {
                            format!("Client role '{name}' for client '{client_id}' already exists.")
                        };
                        let kind = ResourceType::ClientRole;
                        let existing_client = client.map(|c| c.id.as_str());
                        let Some(action) =
                            self.on_existing(kind, &combined, existing_client, message)?
                        else {
                            continue;
                        };
                        self.changes.deleted_roles.push(existing.id.clone());
                        if let Some(roles) = &mut self.merged.roles
                            && let Some(list) = roles.client.get_mut(&client_id)
                        {
                            list.retain(|r| r.name != name);
                        }
                        action
                    }
                };
                let id = self.fresh_id();
                rep.id = Some(id);
                rep.container_id = None;
                self.result(action, ResourceType::ClientRole, &combined, Some(client_uuid.clone()));
                let merged_roles = self.merged.roles.get_or_insert_with(Default::default);
                merged_roles.client.entry(client_id.clone()).or_default().push(rep);
            }
        }
        Ok(())
    }

    /// `GroupsPartialImport`: by path (the file's `path`, else `/name`); a new group is
    /// created at the top level with its subgroups, as `importGroup(realm, null, rep)`.
    fn groups(&mut self, reps: Vec<GroupRepresentation>) -> Result<(), PartialImportError> {
        let tree = GroupTree::new(self.current.groups.clone());
        for mut rep in reps {
            let Some(name) = rep.name.clone().filter(|n| !n.is_empty()) else {
                let parent = "the realm".to_owned();
                return Err(ImportError::MissingGroupName { parent }.into());
            };
            let path = rep.path.clone().unwrap_or_else(|| format!("/{name}"));
            let action = match tree.find_by_path(&path) {
                None => Action::Added,
                Some(existing) => {
                    let message = || format!("Group '{path}' already exists");
                    let kind = ResourceType::Group;
                    let Some(action) =
                        self.on_existing(kind, &name, Some(&existing.id), message)?
                    else {
                        continue;
                    };
                    self.changes.deleted_groups.push(existing.id.clone());
                    remove_group(self.merged.groups.get_or_insert_with(Vec::new), &existing.id);
                    action
                }
            };
            self.fresh_group_ids(&mut rep);
            rep.path = None;
            self.result(action, ResourceType::Group, &name, rep.id.clone());
            self.merged.groups.get_or_insert_with(Vec::new).push(rep);
        }
        Ok(())
    }

    fn fresh_group_ids(&mut self, rep: &mut GroupRepresentation) {
        rep.id = Some(self.fresh_id());
        for child in rep.sub_groups.iter_mut().flatten() {
            child.path = None;
            self.fresh_group_ids(child);
        }
    }

    /// `UsersPartialImport`: existing users were found by the caller.
    fn users(
        &mut self,
        reps: Vec<UserRepresentation>,
        existing: &ExistingUsers,
    ) -> Result<(), PartialImportError> {
        let duplicate_emails = self.current.realm.settings.duplicate_emails_allowed;
        for (index, mut rep) in reps.into_iter().enumerate() {
            let name = if rep.username.is_empty() {
                rep.email.clone().unwrap_or_default()
            } else {
                rep.username.clone()
            };
            let action = match existing.get(index).cloned().flatten() {
                None => Action::Added,
                Some(existing_id) => {
                    let message = || match rep.email.as_deref() {
                        Some(email) if duplicate_emails => format!(
                            "User with user name {name} or with email {email} already exists."
                        ),
                        _ => format!("User with user name {name} already exists."),
                    };
                    let kind = ResourceType::User;
                    let Some(action) =
                        self.on_existing(kind, &name, Some(&existing_id), message)?
                    else {
                        continue;
                    };
                    self.changes.deleted_users.push(existing_id);
                    action
                }
            };
            let id = self.fresh_id();
            rep.id = Some(id.clone());
            for credential in rep.credentials.iter_mut().flatten() {
                credential.id = None;
            }
            self.result(action, ResourceType::User, &name, Some(id));
            self.merged.users.get_or_insert_with(Vec::new).push(rep);
        }
        Ok(())
    }

    /// Identity providers and their mappers, which latchkey keeps with the realm's
    /// settings as the file gave them (`IdentityProvidersPartialImport` by `alias`,
    /// `IdentityProviderMappersPartialImport` by provider alias and `name`).
    fn identity_providers(
        &mut self,
        providers: Vec<Map<String, Value>>,
        mappers: Vec<Map<String, Value>>,
    ) -> Result<(), PartialImportError> {
        let mut kept = self.current.realm.settings.kept.clone();
        let mut changed = false;
        for (field, kind, given) in [
            ("identityProviders", ResourceType::Idp, providers),
            ("identityProviderMappers", ResourceType::IdpMapper, mappers),
        ] {
            if given.is_empty() {
                continue;
            }
            let given: Vec<Value> = given.into_iter().map(Value::Object).collect();
            let mut list = match kept.get(field) {
                Some(Value::Array(list)) => list.clone(),
                _ => Vec::new(),
            };
            for item in &given {
                let key = identity_key(kind, item);
                let name = text(item, if kind == ResourceType::Idp { "alias" } else { "name" });
                let id_field = if kind == ResourceType::Idp { "internalId" } else { "id" };
                let position = list.iter().position(|old| identity_key(kind, old) == key);
                let action = match position {
                    None => Action::Added,
                    Some(position) => {
                        let message = || match kind {
                            ResourceType::Idp => {
                                format!("Identity Provider '{name}' already exists.")
                            }
                            _ => format!("Identity Provider Mapper'{name}' already exists."),
                        };
                        let old_id = list[position].get(id_field).and_then(Value::as_str);
                        let old_id = old_id.map(str::to_owned);
                        let Some(action) =
                            self.on_existing(kind, &name, old_id.as_deref(), message)?
                        else {
                            continue;
                        };
                        list.remove(position);
                        action
                    }
                };
                let mut item = item.clone();
                let id = uuid();
                if let Value::Object(object) = &mut item {
                    object.insert(id_field.to_owned(), Value::String(id.clone()));
                }
                list.push(item);
                changed = true;
                self.result(action, kind, &name, Some(id));
            }
            kept.insert(field.to_owned(), Value::Array(list));
        }
        if changed {
            let mut realm = self.current.realm.clone();
            realm.settings.kept = kept;
            self.changes.realm = Some(realm);
        }
        Ok(())
    }

    /// Keeps, of the realm read back, what came from the file.
    fn written(&mut self, bundle: RealmBundle) {
        let current_roles: HashSet<&str> =
            self.current.roles.iter().map(|r| r.id.as_str()).collect();
        let new_client_ids: HashSet<&String> = self.new_clients.keys().collect();
        let is_written_client = |uuid: Option<&str>| uuid.is_some_and(|u| self.fresh.contains(u));
        self.changes.groups =
            bundle.groups.iter().filter(|g| self.fresh.contains(&g.id)).cloned().collect();
        self.changes.users = bundle
            .users
            .iter()
            .filter(|u| {
                self.fresh.contains(&u.user.id)
                    || u.user
                        .profile
                        .service_account_client_id
                        .as_ref()
                        .is_some_and(|c| new_client_ids.contains(c))
            })
            .cloned()
            .collect();
        self.changes.clients =
            bundle.clients.iter().filter(|c| self.fresh.contains(&c.id)).cloned().collect();
        self.changes.client_scope_mappings = bundle
            .client_scope_mappings
            .iter()
            .filter(|m| self.fresh.contains(&m.client_uuid))
            .cloned()
            .collect();
        let mut roles: Vec<_> = bundle
            .roles
            .iter()
            .filter(|r| self.fresh.contains(&r.id) || is_written_client(r.client_uuid.as_deref()))
            .cloned()
            .collect();
        // Roles the file's entities name that did not exist: created, as Keycloak's
        // `importGroup` creates a group's unknown realm role (and what those contain).
        let mut named: Vec<String> = self
            .changes
            .groups
            .iter()
            .flat_map(|g| g.role_ids.iter())
            .chain(self.changes.users.iter().flat_map(|u| u.role_ids.iter()))
            .chain(self.changes.client_scope_mappings.iter().map(|m| &m.role_id))
            .chain(roles.iter().flat_map(|r| r.composites.iter()))
            .cloned()
            .collect();
        while let Some(id) = named.pop() {
            if current_roles.contains(id.as_str()) || roles.iter().any(|r| r.id == id) {
                continue;
            }
            if let Some(role) = bundle.roles.iter().find(|r| r.id == id) {
                named.extend(role.composites.iter().cloned());
                roles.push(role.clone());
            }
        }
        self.changes.roles = roles;
        let written: HashSet<&str> = self
            .changes
            .clients
            .iter()
            .map(|c| c.id.as_str())
            .chain(self.changes.roles.iter().map(|r| r.id.as_str()))
            .chain(self.changes.groups.iter().map(|g| g.id.as_str()))
            .chain(self.changes.users.iter().map(|u| u.user.id.as_str()))
            .collect();
        self.changes.kept = bundle
            .kept
            .iter()
            .filter(|k| written.contains(k.entity_id.as_str()))
            .cloned()
            .collect();
        let mut seen = HashSet::new();
        self.changes.deleted_users.retain(|id| seen.insert(id.clone()));
    }
}

/// The clients every realm has (`Constants.defaultClients`), which a partial import
/// leaves alone: measured on Keycloak 26.7.3, a partial export imported into another
/// realm lists none of them in its results.
const INTERNAL_CLIENTS: &[&str] = &[
    "account",
    "account-console",
    "admin-cli",
    "broker",
    "realm-management",
    "security-admin-console",
];

/// Removes the group of that id wherever it is in the tree.
fn remove_group(groups: &mut Vec<GroupRepresentation>, id: &str) {
    groups.retain(|g| g.id.as_deref() != Some(id));
    for group in groups.iter_mut() {
        if let Some(children) = &mut group.sub_groups {
            remove_group(children, id);
        }
    }
}

/// What names an identity provider (its alias) or a mapper (its provider and name).
fn identity_key(kind: ResourceType, item: &Value) -> (String, String) {
    match kind {
        ResourceType::Idp => (text(item, "alias"), String::new()),
        _ => (text(item, "identityProviderAlias"), text(item, "name")),
    }
}

fn text(item: &Value, field: &str) -> String {
    item.get(field).and_then(Value::as_str).unwrap_or_default().to_owned()
}
