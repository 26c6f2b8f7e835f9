//! The group tree's lookups, on the tree `facts-12.md` §1.7 recorded Keycloak 26.7.3's
//! answers for: `/alpha` (`color=red`), `/beta`, `/gamma`, `/alpha/a1` (`color=blue`),
//! `/alpha/a2`, `/alpha/a1/a1x`, `/beta/shared`, `/gamma/shared`, `/Alpha2`.

use std::collections::BTreeMap;

use super::*;

fn group(id: &str, parent: Option<&str>, attributes: &[(&str, &str)]) -> Group {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, value) in attributes {
        map.entry((*key).to_owned()).or_default().push((*value).to_owned());
    }
    Group {
        // Ids are the paths, so that assertions read well; names are the last part.
        id: id.to_owned(),
        realm_id: "r".to_owned(),
        parent_id: parent.map(str::to_owned),
        name: id.rsplit('/').next().unwrap_or_default().to_owned(),
        description: None,
        attributes: map,
        role_ids: vec![format!("role of {id}")],
    }
}

fn tree() -> GroupTree {
    GroupTree::new(vec![
        group("/alpha", None, &[("color", "red")]),
        group("/beta", None, &[]),
        group("/gamma", None, &[]),
        group("/alpha/a1", Some("/alpha"), &[("color", "blue")]),
        group("/alpha/a2", Some("/alpha"), &[]),
        group("/alpha/a1/a1x", Some("/alpha/a1"), &[]),
        group("/beta/shared", Some("/beta"), &[]),
        group("/gamma/shared", Some("/gamma"), &[]),
        group("/Alpha2", None, &[]),
    ])
}

fn ids(groups: &[&Group]) -> Vec<String> {
    groups.iter().map(|group| group.id.clone()).collect()
}

/// A hierarchy as `[path, [children…]]`, the way the facts trim it.
fn shape(nodes: &[GroupNode<'_>]) -> Vec<(String, Vec<String>)> {
    nodes
        .iter()
        .map(|node| {
            let mut below = Vec::new();
            let mut stack: Vec<&GroupNode<'_>> = node.sub_groups.iter().rev().collect();
            while let Some(child) = stack.pop() {
                below.push(child.group.id.clone());
                stack.extend(child.sub_groups.iter().rev());
            }
            (node.group.id.clone(), below)
        })
        .collect()
}

#[test]
fn top_level_groups_are_in_byte_order_of_their_names() {
    assert_eq!(ids(&tree().top_level()), ["/Alpha2", "/alpha", "/beta", "/gamma"]);
    assert_eq!(tree().len(), 9);
}

#[test]
fn paths_and_sub_group_counts() {
    let tree = tree();
    assert_eq!(tree.path("/alpha/a1/a1x"), "/alpha/a1/a1x");
    assert_eq!(tree.sub_group_count("/alpha"), 2);
    assert_eq!(tree.sub_group_count("/alpha/a2"), 0);
    assert_eq!(ids(&tree.children("/alpha")), ["/alpha/a1", "/alpha/a2"]);
}

#[test]
fn find_by_path_is_exact_and_takes_names_with_a_slash() {
    let mut groups = vec![group("/alpha", None, &[]), group("/alpha/a1", Some("/alpha"), &[])];
    let mut slashed = group("slashed", None, &[]);
    slashed.name = "with/slash".to_owned();
    groups.push(slashed);
    let tree = GroupTree::new(groups);
    assert_eq!(tree.find_by_path("alpha/a1").map(|g| g.id.as_str()), Some("/alpha/a1"));
    assert_eq!(tree.find_by_path("/alpha/a1").map(|g| g.id.as_str()), Some("/alpha/a1"));
    assert_eq!(tree.find_by_path("with/slash").map(|g| g.id.as_str()), Some("slashed"));
    assert_eq!(tree.path("slashed"), "/with/slash");
    assert!(tree.find_by_path("ALPHA").is_none());
    assert!(tree.find_by_path("alpha/nope").is_none());
    assert!(tree.find_by_path("").is_none());
}

#[test]
fn a_search_contains_in_any_case_and_an_exact_one_is_exact() {
    let tree = tree();
    assert_eq!(ids(&tree.search("a1", false)), ["/alpha/a1", "/alpha/a1/a1x"]);
    assert_eq!(ids(&tree.search("A1", false)), ["/alpha/a1", "/alpha/a1/a1x"]);
    assert_eq!(ids(&tree.search("a1", true)), ["/alpha/a1"]);
    assert!(tree.search("A1", true).is_empty());
    assert_eq!(ids(&tree.search("lph", false)), ["/Alpha2", "/alpha"]);
    assert_eq!(ids(&tree.search("shared", false)), ["/beta/shared", "/gamma/shared"]);
}

#[test]
fn the_hierarchy_of_matches_keeps_only_their_branches() {
    let tree = tree();
    let matches = tree.search("a1", false);
    assert_eq!(
        shape(&tree.hierarchy(&matches)),
        [("/alpha".to_owned(), vec!["/alpha/a1".to_owned(), "/alpha/a1/a1x".to_owned()])]
    );
    // A top-level match does not bring its subtree.
    let matches = tree.search("alpha", false);
    assert_eq!(
        shape(&tree.hierarchy(&matches)),
        [("/Alpha2".to_owned(), vec![]), ("/alpha".to_owned(), vec![])]
    );
    let matches = tree.search("shared", false);
    assert_eq!(
        shape(&tree.hierarchy(&matches)),
        [
            ("/beta".to_owned(), vec!["/beta/shared".to_owned()]),
            ("/gamma".to_owned(), vec!["/gamma/shared".to_owned()])
        ]
    );
}

#[test]
fn attribute_searches_match_keys_and_values_exactly() {
    let tree = tree();
    let terms = |q: &str| parse_attribute_query(q);
    assert_eq!(ids(&tree.search_attributes(&terms("color:blue"))), ["/alpha/a1"]);
    assert!(tree.search_attributes(&terms("color:bl")).is_empty());
    assert!(tree.search_attributes(&terms("color:BLUE")).is_empty());
    assert!(tree.search_attributes(&terms("Color:blue")).is_empty());
    assert!(tree.search_attributes(&terms("color:red size:x")).is_empty());
    // No `key:value` term: every group.
    assert_eq!(tree.search_attributes(&terms("color")).len(), 9);
}

#[test]
fn attribute_queries_parse_as_keycloak_does() {
    // `SearchQueryUtilsTest.testGetFields`.
    let pairs = |q: &str| -> Vec<(String, String)> { parse_attribute_query(q) };
    let expect = |items: &[(&str, &str)]| -> Vec<(String, String)> {
        items.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    };
    assert_eq!(
        pairs("   key1:val1 nokey key2:\"val 2\" key3:val3   "),
        expect(&[("key1", "val1"), ("key2", "val 2"), ("key3", "val3")])
    );
    assert_eq!(pairs("key1:val=\"123456\""), expect(&[("key1", "val=\"123456\"")]));
    assert_eq!(pairs("key1:\"val=\\\"12 34 56\\\"\""), expect(&[("key1", "val=\"12 34 56\"")]));
    assert_eq!(pairs("   \"key 1\":val1"), expect(&[("key 1", "val1")]));
    assert_eq!(pairs("key\"1\":val1"), expect(&[("key\"1\"", "val1")]));
    assert_eq!(pairs("k:"), expect(&[("k", "")]));
    assert!(pairs("dept").is_empty());
}

#[test]
fn members_hold_the_roles_of_their_groups_and_of_the_groups_above() {
    let tree = tree();
    assert_eq!(
        tree.held_role_ids(["/alpha/a1/a1x", "/beta"]),
        ["role of /alpha/a1/a1x", "role of /alpha/a1", "role of /alpha", "role of /beta"]
    );
    assert_eq!(ids(&tree.holding_role("role of /alpha/a1")), ["/alpha/a1"]);
}

#[test]
fn descendants_and_insertion_order() {
    let tree = tree();
    assert!(tree.is_self_or_below("/alpha", "/alpha/a1/a1x"));
    assert!(tree.is_self_or_below("/alpha", "/alpha"));
    assert!(!tree.is_self_or_below("/alpha/a1", "/alpha"));
    let order = ids(&tree.parents_first());
    for group in tree.all_by_name() {
        if let Some(parent) = &group.parent_id {
            let position = |id: &str| order.iter().position(|x| x == id).unwrap();
            assert!(position(parent) < position(&group.id), "{} before its parent", group.id);
        }
    }
}

#[test]
fn a_child_search_is_a_prefix_in_any_case() {
    // Recorded against 26.7.3 (`GET …/children?search=`): `2` finds nothing under
    // `alpha` although `a2` contains it; `A` finds `a1` and `a2`.
    let a2 = group("/alpha/a2", Some("/alpha"), &[]);
    assert!(!child_name_matches(&a2, "2", false));
    assert!(child_name_matches(&a2, "A", false));
    assert!(child_name_matches(&a2, "a2", true));
    assert!(!child_name_matches(&a2, "A2", true));
}
