//! Partial import (`PartialImportManager`): what each policy writes and answers, and that
//! the new entities resolve their references against the realm as it is.

use super::*;

/// A realm with a client and its role, a realm role, a group holding it, and a client
/// with a service account.
const REALM: &str = r#"{
  "realm": "shop",
  "roles": {"realm": [{"name": "operatorRole"}], "client": {"api": [{"name": "reader"}]}},
  "clients": [{"clientId": "api", "secret": "api-secret"},
              {"clientId": "robot", "secret": "s", "serviceAccountsEnabled": true}],
  "groups": [{"name": "operators", "realmRoles": ["operatorRole"],
              "subGroups": [{"name": "night"}]}]
}"#;

/// The file: a client that exists and a new one with a role, roles old and new, a group
/// old and new (naming a role nobody declared), users old and new.
const FILE: &str = r#"{
  "clients": [{"clientId": "api", "secret": "new-secret"},
              {"clientId": "billing", "secret": "b", "serviceAccountsEnabled": true}],
  "roles": {"realm": [{"name": "operatorRole", "description": "again"},
                      {"name": "auditor", "composites": {"realm": ["operatorRole"]}}],
            "client": {"billing": [{"name": "payer"}], "api": [{"name": "reader"}]}},
  "groups": [{"name": "operators"},
             {"name": "auditors", "realmRoles": ["auditor", "undeclared"],
              "clientRoles": {"billing": ["payer"]}, "subGroups": [{"name": "inner"}]}],
  "users": [{"username": "alice", "email": "alice@example.com",
             "realmRoles": ["auditor"], "groups": ["/operators/night", "/auditors"],
             "credentials": [{"type": "password", "value": "pw"}]},
            {"username": "bob"}],
  "identityProviders": [{"alias": "github", "providerId": "github"}]
}"#;

fn current() -> RealmBundle {
    let mut bundle = import(REALM);
    // As the server loads it: users only as service accounts.
    bundle.users.retain(|u| u.user.profile.service_account_client_id.is_some());
    bundle
}

fn file(json: &str, policy: &str) -> PartialImportRepresentation {
    let mut rep: PartialImportRepresentation = serde_json::from_str(json).unwrap();
    rep.if_resource_exists = Some(policy.to_owned());
    rep
}

fn plan(
    current: &RealmBundle,
    json: &str,
    policy: &str,
    existing: &[Option<String>],
) -> Result<PartialImportPlan, PartialImportError> {
    plan_partial_import(current, existing, file(json, policy), NOW)
}

fn actions(plan: &PartialImportPlan) -> Vec<(Action, ResourceType, &str)> {
    plan.results
        .results
        .iter()
        .map(|r| (r.action, r.resource_type, r.resource_name.as_str()))
        .collect()
}

#[test]
fn fail_refuses_the_first_resource_that_exists_with_keycloaks_message() {
    let error = plan(&current(), FILE, "FAIL", &[None, None]).unwrap_err();
    assert_eq!(error.to_string(), "Client id 'api' already exists");
    let only_roles = r#"{"roles": {"realm": [{"name": "operatorRole"}]}}"#;
    let error = plan(&current(), only_roles, "FAIL", &[]);
    assert_eq!(error.unwrap_err().to_string(), "Realm role 'operatorRole' already exists.");
    let only_users = r#"{"users": [{"username": "alice"}]}"#;
    let error = plan(&current(), only_users, "FAIL", &[Some("alice-id".to_owned())]);
    assert_eq!(error.unwrap_err().to_string(), "User with user name alice already exists.");
    let only_groups = r#"{"groups": [{"name": "operators"}]}"#;
    let error = plan(&current(), only_groups, "FAIL", &[]);
    assert_eq!(error.unwrap_err().to_string(), "Group '/operators' already exists");
    let client_role = r#"{"roles": {"client": {"api": [{"name": "reader"}]}}}"#;
    let error = plan(&current(), client_role, "FAIL", &[]);
    assert_eq!(
        error.unwrap_err().to_string(),
        "Client role 'reader' for client 'api' already exists."
    );
}

#[test]
fn skip_keeps_what_exists_and_adds_the_rest_resolving_names_against_the_realm() {
    let bundle = current();
    let plan = plan(&bundle, FILE, "SKIP", &[Some("alice-id".to_owned()), None]).unwrap();
    let api = bundle.clients.iter().find(|c| c.client_id == "api").unwrap();
    assert_eq!(
        actions(&plan),
        vec![
            (Action::Skipped, ResourceType::Client, "api"),
            (Action::Added, ResourceType::Client, "billing"),
            (Action::Skipped, ResourceType::RealmRole, "operatorRole"),
            (Action::Added, ResourceType::RealmRole, "auditor"),
            (Action::Skipped, ResourceType::ClientRole, "api-->reader"),
            (Action::Added, ResourceType::ClientRole, "billing-->payer"),
            (Action::Skipped, ResourceType::Group, "operators"),
            (Action::Added, ResourceType::Group, "auditors"),
            (Action::Skipped, ResourceType::User, "alice"),
            (Action::Added, ResourceType::User, "bob"),
            (Action::Added, ResourceType::Idp, "github"),
        ]
    );
    assert_eq!((plan.results.added, plan.results.skipped, plan.results.overwritten), (6, 5, 0));
    // A skipped client role's id is its client's, as in Keycloak.
    assert_eq!(plan.results.results[4].id.as_deref(), Some(api.id.as_str()));
    let changes = &plan.changes;
    assert!(changes.deleted_clients.is_empty() && changes.deleted_users.is_empty());
    let billing = &changes.clients[0];
    assert_eq!((changes.clients.len(), billing.client_id.as_str()), (1, "billing"));
    // The new client's service account comes with it.
    let users: Vec<&str> = changes.users.iter().map(|u| u.user.username.as_str()).collect();
    assert_eq!(users, ["bob", "service-account-billing"]);
    // The auditor role contains the existing operatorRole; the group's undeclared role is
    // created; the new group and its child are written, the existing group is not.
    let operator = bundle.roles.iter().find(|r| r.name == "operatorRole").unwrap();
    let auditor = changes.roles.iter().find(|r| r.name == "auditor").unwrap();
    assert_eq!(auditor.composites, vec![operator.id.clone()]);
    let names: Vec<&str> = changes.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"payer") && names.contains(&"undeclared"));
    let groups: Vec<&str> = changes.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(groups, ["auditors", "inner"]);
    let realm = changes.realm.as_ref().unwrap();
    assert_eq!(realm.settings.kept["identityProviders"][0]["alias"], "github");
}

#[test]
fn overwrite_deletes_and_recreates_under_new_ids_with_the_new_users_links() {
    let bundle = current();
    // The overwritten group's child goes with it: a user naming it is refused.
    let error = plan(&bundle, FILE, "OVERWRITE", &[None, None]).unwrap_err();
    assert_eq!(error.to_string(), "user `alice` refers to unknown group `/operators/night`",);
    let file = FILE.replace("/operators/night", "/operators");
    let plan = plan(&bundle, &file, "OVERWRITE", &[Some("alice-id".to_owned()), None]).unwrap();
    let old_api = bundle.clients.iter().find(|c| c.client_id == "api").unwrap();
    let old_group = bundle.groups.iter().find(|g| g.name == "operators").unwrap();
    let changes = &plan.changes;
    assert_eq!(changes.deleted_clients, vec![old_api.id.clone()]);
    assert_eq!(changes.deleted_groups, vec![old_group.id.clone()]);
    assert_eq!(changes.deleted_users, vec!["alice-id".to_owned()]);
    // The client role overwritten went with its client: its delete is no error.
    assert_eq!(changes.deleted_roles.len(), 2);
    assert_eq!((plan.results.added, plan.results.skipped, plan.results.overwritten), (6, 0, 5));
    let new_api = changes.clients.iter().find(|c| c.client_id == "api").unwrap();
    assert_ne!(new_api.id, old_api.id);
    assert_eq!(
        new_api.secret.as_ref().map(|s| s.expose().to_owned()).as_deref(),
        Some("new-secret")
    );
    // The overwritten client's role is written again under it.
    assert!(changes.roles.iter().any(|r| r.client_uuid.as_ref() == Some(&new_api.id)));
    // Alice is created anew, in the new /operators group and holding the new auditor.
    let alice = changes.users.iter().find(|u| u.user.username == "alice").unwrap();
    assert_ne!(alice.user.id, "alice-id");
    let operators = changes.groups.iter().find(|g| g.name == "operators").unwrap();
    assert!(alice.group_ids.contains(&operators.id));
    let auditor = changes.roles.iter().find(|r| r.name == "auditor").unwrap();
    assert_eq!(alice.role_ids, vec![auditor.id.clone()]);
    assert!(alice.password().is_some());
}

#[test]
fn client_roles_need_their_client_and_a_bad_policy_is_named() {
    let file = r#"{"roles": {"client": {"ghost": [{"name": "x"}]}}}"#;
    let error = plan(&current(), file, "SKIP", &[]).unwrap_err();
    assert_eq!(error.to_string(), "Can not import client roles for nonexistent client named ghost");
    let error = plan(&current(), "{}", "MERGE", &[]).unwrap_err();
    assert_eq!(error.to_string(), "Invalid value for 'ifResourceExists': MERGE");
    assert_eq!(Policy::parse(None).unwrap(), Policy::Fail);
}

#[test]
fn an_empty_file_changes_nothing() {
    let plan = plan(&current(), "{}", "FAIL", &[]).unwrap();
    assert_eq!(plan.results, PartialImportResults::default());
    let changes = &plan.changes;
    assert!(changes.clients.is_empty() && changes.roles.is_empty() && changes.groups.is_empty());
    assert!(changes.users.is_empty() && changes.realm.is_none() && changes.kept.is_empty());
}
