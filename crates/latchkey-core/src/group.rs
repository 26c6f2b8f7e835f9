//! Groups: a realm's tree of named groups (Keycloak's `GroupModel`). A member holds the
//! roles mapped to their groups and to every group above them; [`GroupTree`] holds one
//! realm's groups and answers what the Admin API's group listings ask of the tree:
//! paths, children, searches by name and by attribute, and the hierarchy around matches.

use std::collections::{BTreeMap, HashMap, HashSet};

/// One group of a realm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub realm_id: String,
    /// `None` for a top-level group.
    pub parent_id: Option<String>,
    pub name: String,
    pub description: Option<String>,
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Ids of the realm and client roles mapped to the group itself.
    pub role_ids: Vec<String>,
}

/// A realm's groups, indexed for the lookups the Admin API makes. Siblings are kept in
/// name order (bytes, as Keycloak's query orders them), then by id.
#[derive(Clone, Debug, Default)]
pub struct GroupTree {
    by_id: HashMap<String, Group>,
    /// Child ids by parent id (`None`: the top level), in order.
    children: HashMap<Option<String>, Vec<String>>,
}

/// A group with the part of the tree below it that a listing shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupNode<'a> {
    pub group: &'a Group,
    pub sub_groups: Vec<GroupNode<'a>>,
}

/// One `key:value` term of a `q` search (`SearchQueryUtils.getFields`).
pub type AttributeTerm = (String, String);

impl GroupTree {
    pub fn new(groups: Vec<Group>) -> Self {
        let mut children: HashMap<Option<String>, Vec<String>> = HashMap::new();
        for group in &groups {
            children.entry(group.parent_id.clone()).or_default().push(group.id.clone());
        }
        let by_id: HashMap<String, Group> =
            groups.into_iter().map(|group| (group.id.clone(), group)).collect();
        for ids in children.values_mut() {
            ids.sort_by(|a, b| {
                let (a, b) = (&by_id[a], &by_id[b]);
                (a.name.as_str(), a.id.as_str()).cmp(&(b.name.as_str(), b.id.as_str()))
            });
        }
        GroupTree { by_id, children }
    }

    pub fn get(&self, id: &str) -> Option<&Group> {
        self.by_id.get(id)
    }

    /// How many groups the realm has, at any depth.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn ids_under(&self, parent: Option<&str>) -> &[String] {
        self.children.get(&parent.map(str::to_owned)).map(Vec::as_slice).unwrap_or_default()
    }

    /// The top-level groups, by name.
    pub fn top_level(&self) -> Vec<&Group> {
        self.ids_under(None).iter().filter_map(|id| self.get(id)).collect()
    }

    /// The groups directly below `id`, by name.
    pub fn children(&self, id: &str) -> Vec<&Group> {
        self.ids_under(Some(id)).iter().filter_map(|id| self.get(id)).collect()
    }

    /// `subGroupCount`: how many groups are directly below `id`.
    pub fn sub_group_count(&self, id: &str) -> usize {
        self.ids_under(Some(id)).len()
    }

    /// The group and the groups above it, the group first.
    pub fn self_and_ancestors(&self, id: &str) -> Vec<&Group> {
        let mut chain = Vec::new();
        let mut seen = HashSet::new();
        let mut current = self.get(id);
        while let Some(group) = current {
            if !seen.insert(group.id.as_str()) {
                break;
            }
            chain.push(group);
            current = group.parent_id.as_deref().and_then(|parent| self.get(parent));
        }
        chain
    }

    /// `/top/…/name`: the names from the top level down, each after a `/`
    /// (`KeycloakModelUtils.buildGroupPath`; 26.7 writes a `/` inside a name as it is).
    pub fn path(&self, id: &str) -> String {
        let chain = self.self_and_ancestors(id);
        let mut path = String::new();
        for group in chain.iter().rev() {
            path.push('/');
            path.push_str(&group.name);
        }
        path
    }

    /// The group at `path` (`/a/b` or `a/b`), names compared exactly. A name may itself
    /// contain `/`: each level tries the names that the rest of the path starts with.
    pub fn find_by_path(&self, path: &str) -> Option<&Group> {
        let path = path.strip_prefix('/').unwrap_or(path);
        if path.is_empty() {
            return None;
        }
        self.find_below(None, path)
    }

    fn find_below(&self, parent: Option<&str>, rest: &str) -> Option<&Group> {
        for id in self.ids_under(parent) {
            let Some(group) = self.get(id) else { continue };
            let Some(after) = rest.strip_prefix(group.name.as_str()) else { continue };
            if after.is_empty() {
                return Some(group);
            }
            if let Some(deeper) = after.strip_prefix('/')
                && let Some(found) = self.find_below(Some(&group.id), deeper)
            {
                return Some(found);
            }
        }
        None
    }

    /// Whether `candidate` is `ancestor` or below it.
    pub fn is_self_or_below(&self, ancestor: &str, candidate: &str) -> bool {
        self.self_and_ancestors(candidate).iter().any(|group| group.id == ancestor)
    }

    /// Every group of the realm, by name, then path (names repeat across parents).
    pub fn all_by_name(&self) -> Vec<&Group> {
        let mut groups: Vec<(&Group, String)> =
            self.by_id.values().map(|group| (group, self.path(&group.id))).collect();
        groups.sort_by(|(a, a_path), (b, b_path)| {
            (a.name.as_str(), a_path.as_str()).cmp(&(b.name.as_str(), b_path.as_str()))
        });
        groups.into_iter().map(|(group, _)| group).collect()
    }

    /// The groups, at any depth, whose name contains `search` in any case, or equals it
    /// when `is_exact` (`searchForGroupByNameStream`), by name.
    pub fn search(&self, search: &str, is_exact: bool) -> Vec<&Group> {
        self.all_by_name()
            .into_iter()
            .filter(|group| name_matches(group, search, is_exact))
            .collect()
    }

    /// The groups, at any depth, with every attribute the terms name holding the value
    /// given, compared exactly (`searchGroupsByAttributes`), by name.
    pub fn search_attributes(&self, terms: &[AttributeTerm]) -> Vec<&Group> {
        self.all_by_name()
            .into_iter()
            .filter(|group| {
                terms.iter().all(|(key, value)| {
                    group.attributes.get(key).is_some_and(|values| values.contains(value))
                })
            })
            .collect()
    }

    /// The groups `matches` with the groups above them, as trees from the top level down
    /// with no other siblings (`GroupUtils.populateGroupHierarchyFromSubGroups`): roots
    /// by name, children in the order the matches reached them.
    pub fn hierarchy<'a>(&'a self, matches: &[&'a Group]) -> Vec<GroupNode<'a>> {
        let mut below: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut present: HashSet<&str> = HashSet::new();
        for matched in matches {
            let mut current: &Group = matched;
            if !present.insert(current.id.as_str()) {
                continue;
            }
            while let Some(parent) = current.parent_id.as_deref().and_then(|id| self.get(id)) {
                let listed = below.entry(parent.id.as_str()).or_default();
                if !listed.contains(&current.id.as_str()) {
                    listed.push(current.id.as_str());
                }
                if !present.insert(parent.id.as_str()) {
                    break;
                }
                current = parent;
            }
        }
        let mut roots: Vec<&Group> = present
            .iter()
            .filter_map(|id| self.get(id))
            .filter(|group| group.parent_id.as_deref().is_none_or(|id| self.get(id).is_none()))
            .collect();
        roots.sort_by(|a, b| {
            (a.name.as_str(), a.id.as_str()).cmp(&(b.name.as_str(), b.id.as_str()))
        });
        roots.into_iter().map(|group| self.node(group, &below)).collect()
    }

    fn node<'a>(&'a self, group: &'a Group, below: &HashMap<&str, Vec<&str>>) -> GroupNode<'a> {
        let sub_groups = below
            .get(group.id.as_str())
            .into_iter()
            .flatten()
            .filter_map(|id| self.get(id))
            .map(|child| self.node(child, below))
            .collect();
        GroupNode { group, sub_groups }
    }

    /// The ids of the roles mapped to the groups and to the groups above them, each once:
    /// what membership of `group_ids` gives a user before composites are expanded.
    pub fn held_role_ids<'a>(&self, group_ids: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut held: Vec<String> = Vec::new();
        for id in group_ids {
            for group in self.self_and_ancestors(id) {
                for role_id in &group.role_ids {
                    if !held.contains(role_id) {
                        held.push(role_id.clone());
                    }
                }
            }
        }
        held
    }

    /// The groups the role is mapped to directly, by name then path.
    pub fn holding_role(&self, role_id: &str) -> Vec<&Group> {
        self.all_by_name()
            .into_iter()
            .filter(|group| group.role_ids.iter().any(|id| id == role_id))
            .collect()
    }

    /// The groups in an order that puts every group after the group above it (the order
    /// an import inserts them in).
    pub fn parents_first(&self) -> Vec<&Group> {
        let mut ordered = Vec::with_capacity(self.by_id.len());
        let mut stack: Vec<&Group> = self.top_level().into_iter().rev().collect();
        while let Some(group) = stack.pop() {
            ordered.push(group);
            stack.extend(self.children(&group.id).into_iter().rev());
        }
        ordered
    }
}

/// A subgroup search (`GroupResource.getSubGroups`): a prefix of the name in any case,
/// or the name exactly when `is_exact`, as 26.7.3 answers it.
pub fn child_name_matches(group: &Group, search: &str, is_exact: bool) -> bool {
    if is_exact {
        group.name == search
    } else {
        group.name.to_lowercase().starts_with(&search.to_lowercase())
    }
}

/// A name search: contained in any case, or equal when `is_exact`.
pub fn name_matches(group: &Group, search: &str, is_exact: bool) -> bool {
    if is_exact {
        group.name == search
    } else {
        group.name.to_lowercase().contains(&search.to_lowercase())
    }
}

/// The `key:value` terms of a `q` parameter (`SearchQueryUtils.getFields`): terms are
/// separated by white space, a key or value may be quoted (`"a b":"c d"`, `\"` and `\\`
/// escaped inside), and a term without `:` is ignored. A key given twice keeps its last
/// value.
pub fn parse_attribute_query(query: &str) -> Vec<AttributeTerm> {
    let mut terms: Vec<AttributeTerm> = Vec::new();
    let mut chars = query.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let key = read_part(&mut chars, true);
        if chars.next_if_eq(&':').is_none() {
            // Not a `key:value` term: skip to the next white space.
            while chars.next_if(|c| !c.is_whitespace()).is_some() {}
            continue;
        }
        let value = read_part(&mut chars, false);
        terms.retain(|(existing, _)| *existing != key);
        terms.push((key, value));
    }
    terms
}

/// A key (up to `:` or white space) or a value (up to white space), quoted or not.
fn read_part(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, is_key: bool) -> String {
    let mut part = String::new();
    if chars.next_if_eq(&'"').is_some() {
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(escaped) = chars.next() {
                        part.push(escaped);
                    }
                }
                '"' => break,
                other => part.push(other),
            }
        }
        return part;
    }
    let ends = |c: &char| c.is_whitespace() || (is_key && *c == ':');
    while let Some(c) = chars.next_if(|c| !ends(c)) {
        part.push(c);
    }
    part
}

#[cfg(test)]
mod tests;
