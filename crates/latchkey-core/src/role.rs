//! Realm and client roles, composites, and a user's effective roles.

use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub id: String,
    pub realm_id: String,
    /// The internal id of the client owning this role; `None` for a realm role.
    pub client_uuid: Option<String>,
    pub name: String,
    pub description: Option<String>,
    /// Ids of the roles this composite role contains.
    pub composites: Vec<String>,
    /// Free-form attributes (`RoleRepresentation.attributes`), values in order.
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl Role {
    pub fn is_composite(&self) -> bool {
        !self.composites.is_empty()
    }
}

/// Every role of a realm, indexed for expansion. Built once per realm and cached.
#[derive(Clone, Debug, Default)]
pub struct RoleGraph {
    by_id: HashMap<String, Role>,
    /// client uuid -> OAuth client_id, for `resource_access` keys.
    client_ids: HashMap<String, String>,
}

/// A user's roles after composites are expanded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EffectiveRoles {
    pub realm: BTreeSet<String>,
    /// OAuth client_id -> role names.
    pub clients: BTreeMap<String, BTreeSet<String>>,
}

impl RoleGraph {
    pub fn new(roles: Vec<Role>, client_ids: HashMap<String, String>) -> Self {
        RoleGraph { by_id: roles.into_iter().map(|r| (r.id.clone(), r)).collect(), client_ids }
    }

    pub fn get(&self, id: &str) -> Option<&Role> {
        self.by_id.get(id)
    }

    /// The realm's realm roles (not client roles), by name.
    pub fn realm_roles(&self) -> Vec<&Role> {
        let mut roles: Vec<&Role> =
            self.by_id.values().filter(|r| r.client_uuid.is_none()).collect();
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        roles
    }

    /// The roles of the client with this internal id, by name.
    pub fn client_roles(&self, client_uuid: &str) -> Vec<&Role> {
        let mut roles: Vec<&Role> =
            self.by_id.values().filter(|r| r.client_uuid.as_deref() == Some(client_uuid)).collect();
        roles.sort_by(|a, b| a.name.cmp(&b.name));
        roles
    }

    /// The OAuth client_id of the client with this internal id.
    pub fn client_id_of(&self, client_uuid: &str) -> Option<&str> {
        self.client_ids.get(client_uuid).map(String::as_str)
    }

    pub fn find_realm_role(&self, name: &str) -> Option<&Role> {
        self.by_id.values().find(|r| r.client_uuid.is_none() && r.name == name)
    }

    pub fn find_client_role(&self, client_uuid: &str, name: &str) -> Option<&Role> {
        self.by_id
            .values()
            .find(|r| r.client_uuid.as_deref() == Some(client_uuid) && r.name == name)
    }

    /// Expand directly granted role ids through composites (cycles are harmless).
    pub fn expand(&self, granted_ids: &[String]) -> EffectiveRoles {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut stack: Vec<&str> = granted_ids.iter().map(String::as_str).collect();
        let mut effective = EffectiveRoles::default();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            let Some(role) = self.by_id.get(id) else { continue };
            match &role.client_uuid {
                None => {
                    effective.realm.insert(role.name.clone());
                }
                Some(client_uuid) => {
                    if let Some(client_id) = self.client_ids.get(client_uuid) {
                        effective
                            .clients
                            .entry(client_id.clone())
                            .or_default()
                            .insert(role.name.clone());
                    }
                }
            }
            stack.extend(role.composites.iter().map(String::as_str));
        }
        effective
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(id: &str, client: Option<&str>, composites: &[&str]) -> Role {
        Role {
            id: id.into(),
            realm_id: "r".into(),
            client_uuid: client.map(Into::into),
            name: id.into(),
            description: None,
            composites: composites.iter().map(|s| (*s).to_owned()).collect(),
            attributes: BTreeMap::new(),
        }
    }

    #[test]
    fn default_roles_expand_to_realm_and_account_roles() {
        let graph = RoleGraph::new(
            vec![
                role("default-roles-demo", None, &["offline_access", "manage-account"]),
                role("offline_access", None, &[]),
                role("manage-account", Some("acc"), &["manage-account-links"]),
                role("manage-account-links", Some("acc"), &["default-roles-demo"]),
            ],
            HashMap::from([("acc".to_owned(), "account".to_owned())]),
        );
        let effective = graph.expand(&["default-roles-demo".to_owned()]);
        assert_eq!(
            effective.realm.into_iter().collect::<Vec<_>>(),
            ["default-roles-demo", "offline_access"]
        );
        assert_eq!(effective.clients["account"].len(), 2);
    }
}
