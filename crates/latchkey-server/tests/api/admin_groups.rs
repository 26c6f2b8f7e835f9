//! Admin API: groups, their tree and listings (`GroupsResource.java`, `GroupResource.java`).
//! Every answer was recorded from Keycloak 26.7.3 (`facts-12.md` §1.1–1.7); where
//! Keycloak answers 500 to bad input, the 4xx latchkey chose is said.

use latchkey_testkit::spawn_app;
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_token, create, create_realm, field};

/// What an admin of master may do with every group (`access`).
fn all_access() -> Value {
    json!({"view": true, "viewMembers": true, "manageMembers": true, "manage": true,
           "manageMembership": true})
}

#[tokio::test]
async fn groups_are_created_and_read_as_in_keycloak() {
    // facts-12 §1.1–1.3.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "groups").await;
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, method, &format!("/groups{path}"), Some(token), body).await }
    };
    let created = call("POST", "/groups".into(), Some(json!({"name": "parent"}))).await;
    assert_eq!((created.status, &created.body), (201, &Value::Null));
    let parent = created.location().rsplit('/').next().unwrap().to_owned();
    assert_eq!(created.location(), format!("{}/admin/realms/groups/groups/{parent}", app.base_url));
    let again = call("POST", "/groups".into(), Some(json!({"name": "parent"}))).await;
    assert_eq!(
        (again.status, again.body),
        (409, json!({"errorMessage": "Top level group named 'parent' already exists."}))
    );
    // Names compare byte by byte: `Parent` is another name.
    assert_eq!(call("POST", "/groups".into(), Some(json!({"name": "Parent"}))).await.status, 201);
    for body in [json!({}), json!({"name": ""}), json!({"name": "  "})] {
        let answer = call("POST", "/groups".into(), Some(body)).await;
        assert_eq!(
            (answer.status, answer.body),
            (400, json!({"errorMessage": "Group name is missing"}))
        );
    }
    assert_eq!(
        call("POST", "/groups".into(), Some(json!({"name": "with/slash"}))).await.status,
        201
    );
    // A create body's roles and subgroups are ignored; its attributes are kept.
    let full = create(
        &app,
        &token,
        "/groups/groups",
        json!({"name": "full", "attributes": {"k": ["v1", "v2"]}, "realmRoles": ["offline_access"],
               "subGroups": [{"name": "ignored"}]}),
    )
    .await;
    let read = call("GET", format!("/groups/{full}"), None).await;
    assert_eq!(read.body["attributes"], json!({"k": ["v1", "v2"]}));
    assert_eq!((&read.body["realmRoles"], &read.body["subGroupCount"]), (&json!([]), &json!(0)));

    // A child: 201 with its Location and its representation.
    let child =
        call("POST", format!("/groups/{parent}/children"), Some(json!({"name": "child"}))).await;
    assert_eq!(child.status, 201);
    let child_id = child.body["id"].as_str().unwrap().to_owned();
    assert_eq!(child.location(), format!("{}/admin/realms/groups/groups/{child_id}", app.base_url));
    assert_eq!(
        child.body,
        json!({"id": child_id, "name": "child", "path": "/parent/child", "parentId": parent,
               "subGroups": [], "attributes": {}, "realmRoles": [], "clientRoles": {},
               "access": all_access()})
    );
    let twin =
        call("POST", format!("/groups/{parent}/children"), Some(json!({"name": "child"}))).await;
    assert_eq!(
        (twin.status, twin.body),
        (409, json!({"errorMessage": "Sibling group named 'child' already exists."}))
    );
    // The same name under another parent, or at the top, is fine.
    let other = create(&app, &token, "/groups/groups", json!({"name": "other"})).await;
    let under_other =
        call("POST", format!("/groups/{other}/children"), Some(json!({"name": "child"}))).await;
    assert_eq!(under_other.body["path"], "/other/child");
    assert_eq!(call("POST", "/groups".into(), Some(json!({"name": "child"}))).await.status, 201);
    let grandchild =
        call("POST", format!("/groups/{child_id}/children"), Some(json!({"name": "grandchild"})))
            .await;
    assert_eq!(grandchild.body["path"], "/parent/child/grandchild");
    let orphan = call(
        "POST",
        "/groups/00000000-0000-0000-0000-000000000000/children".into(),
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!((orphan.status, orphan.body), (404, json!({"error": "Could not find group by id"})));

    // Read: full, with the count of subgroups and what the caller may do.
    let read = call("GET", format!("/groups/{parent}"), None).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.headers["content-type"], "application/json");
    assert_eq!(
        read.body,
        json!({"id": parent, "name": "parent", "path": "/parent", "subGroupCount": 1,
               "subGroups": [], "attributes": {}, "realmRoles": [], "clientRoles": {},
               "access": all_access()})
    );
    let read = call("GET", format!("/groups/{child_id}"), None).await;
    assert_eq!((&read.body["parentId"], &read.body["subGroupCount"]), (&json!(parent), &json!(1)));
    for id in ["00000000-0000-0000-0000-000000000000", "not-a-uuid"] {
        let answer = call("GET", format!("/groups/{id}"), None).await;
        assert_eq!(
            (answer.status, answer.body),
            (404, json!({"error": "Could not find group by id"}))
        );
    }
}

#[tokio::test]
async fn groups_are_renamed_described_moved_and_deleted_as_in_keycloak() {
    // facts-12 §1.4–1.6.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "groups").await;
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, method, &format!("/groups{path}"), Some(token), body).await }
    };
    let parent = create(&app, &token, "/groups/groups", json!({"name": "parent"})).await;
    let child = create(
        &app,
        &token,
        &format!("/groups/groups/{parent}/children"),
        json!({"name": "child"}),
    )
    .await;
    let grandchild = create(
        &app,
        &token,
        &format!("/groups/groups/{child}/children"),
        json!({"name": "grandchild"}),
    )
    .await;
    let other = create(&app, &token, "/groups/groups", json!({"name": "other"})).await;
    let x =
        create(&app, &token, &format!("/groups/groups/{other}/children"), json!({"name": "child"}))
            .await;

    // Rename: the group's path and its children's follow.
    let answer = call("PUT", format!("/groups/{other}"), Some(json!({"name": "other2"}))).await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    assert_eq!(call("GET", format!("/groups/{x}"), None).await.body["path"], "/other2/child");
    let answer = call("PUT", format!("/groups/{other}"), Some(json!({"name": "parent"}))).await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"errorMessage": "Sibling group named 'parent' already exists."}))
    );
    // Attributes given replace, absent stay; a PUT needs the name.
    let put = |body: Value| call("PUT", format!("/groups/{x}"), Some(body));
    assert_eq!(put(json!({"name": "x", "attributes": {"a": ["1"]}})).await.status, 204);
    assert_eq!(put(json!({"name": "x"})).await.status, 204);
    let read = call("GET", format!("/groups/{x}"), None).await.body;
    assert_eq!((&read["name"], &read["attributes"]), (&json!("x"), &json!({"a": ["1"]})));
    let answer = put(json!({"attributes": {"b": ["2"]}})).await;
    assert_eq!(
        (answer.status, answer.body),
        (400, json!({"errorMessage": "Group name is missing"}))
    );
    assert_eq!(
        call("GET", format!("/groups/{x}"), None).await.body["attributes"],
        json!({"a": ["1"]})
    );
    assert_eq!(put(json!({"name": "x", "attributes": {}})).await.status, 204);
    assert_eq!(call("GET", format!("/groups/{x}"), None).await.body["attributes"], json!({}));
    let answer = call(
        "PUT",
        "/groups/00000000-0000-0000-0000-000000000000".into(),
        Some(json!({"name": "q"})),
    )
    .await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find group by id"})));
    // §1.5: the description is set as given (absent, it goes), right after the name.
    assert_eq!(put(json!({"name": "x", "description": "desc here"})).await.status, 204);
    let read = call("GET", format!("/groups/{x}"), None).await;
    let keys: Vec<&String> = read.body.as_object().unwrap().keys().collect();
    assert_eq!(keys[..4], ["id", "name", "description", "path"]);
    assert_eq!(put(json!({"name": "x"})).await.status, 204);
    assert!(call("GET", format!("/groups/{x}"), None).await.body.get("description").is_none());
    let answer = put(json!({"id": parent, "name": "x"})).await;
    assert_eq!((answer.status, answer.body), (400, json!({"errorMessage": "Invalid group id"})));

    // Moves: a body with an `id` under another parent, or at the top.
    let moved =
        call("POST", format!("/groups/{parent}/children"), Some(json!({"id": x, "name": "x"})))
            .await;
    assert_eq!((moved.status, &moved.body), (204, &Value::Null));
    let read = call("GET", format!("/groups/{x}"), None).await.body;
    assert_eq!((&read["path"], &read["parentId"]), (&json!("/parent/x"), &json!(parent)));
    let nameless = call("POST", format!("/groups/{parent}/children"), Some(json!({"id": x}))).await;
    assert_eq!(
        (nameless.status, nameless.body),
        (400, json!({"errorMessage": "Group name is missing"}))
    );
    let to_top = call("POST", "/groups".into(), Some(json!({"id": x, "name": "x"}))).await;
    assert_eq!((to_top.status, &to_top.body), (204, &Value::Null));
    let read = call("GET", format!("/groups/{x}"), None).await.body;
    assert_eq!((&read["path"], read.get("parentId")), (&json!("/x"), None));
    // Under itself: nothing happens (204). Under its own descendant Keycloak 26.7.3
    // answers 500; latchkey refuses it with 400 and changes nothing.
    let answer = call(
        "POST",
        format!("/groups/{parent}/children"),
        Some(json!({"id": parent, "name": "parent"})),
    )
    .await;
    assert_eq!(answer.status, 204);
    let answer = call(
        "POST",
        format!("/groups/{grandchild}/children"),
        Some(json!({"id": parent, "name": "parent"})),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (
            400,
            json!({"errorMessage": "A group cannot be moved under itself or one of its subgroups."})
        )
    );
    assert_eq!(call("GET", format!("/groups/{parent}"), None).await.body["path"], "/parent");
    // The body's name is not applied by a move; a clash at the new place is worded with it.
    let answer = call(
        "POST",
        format!("/groups/{other}/children"),
        Some(json!({"id": child, "name": "renamedbymove"})),
    )
    .await;
    assert_eq!(answer.status, 204);
    assert_eq!(call("GET", format!("/groups/{child}"), None).await.body["path"], "/other2/child");
    let clash = create(&app, &token, "/groups/groups", json!({"name": "child"})).await;
    let answer = call("POST", "/groups".into(), Some(json!({"id": child, "name": "zzz"}))).await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"errorMessage": "Top level group named 'zzz' already exists."}))
    );
    let answer = call(
        "POST",
        "/groups".into(),
        Some(json!({"id": "00000000-0000-0000-0000-000000000000", "name": "ghost"})),
    )
    .await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find child by id"})));

    // Deleting a group takes its subgroups; a second delete is 404.
    assert_eq!(call("DELETE", format!("/groups/{other}"), None).await.status, 204);
    for id in [&other, &child, &grandchild] {
        let answer = call("GET", format!("/groups/{id}"), None).await;
        assert_eq!(answer.status, 404, "{id}");
    }
    let answer = call("DELETE", format!("/groups/{other}"), None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find group by id"})));
    assert_eq!(call("GET", format!("/groups/{clash}"), None).await.status, 200);
}

/// The tree of §1.7: `/alpha` (`color=red`), `/beta`, `/gamma`, `/alpha/a1`
/// (`color=blue`), `/alpha/a2`, `/alpha/a1/a1x`, `/beta/shared`, `/gamma/shared`,
/// `/Alpha2`, `/with/slash` (one name with a slash), made in that order.
async fn tree(
    app: &latchkey_testkit::TestApp,
    token: &str,
) -> std::collections::HashMap<&'static str, String> {
    create_realm(app, token, "groupq").await;
    let mut ids = std::collections::HashMap::new();
    let top = |name: &str, attributes: Value| json!({"name": name, "attributes": attributes});
    for (key, body) in [
        ("alpha", top("alpha", json!({"color": ["red"]}))),
        ("beta", top("beta", json!({}))),
        ("gamma", top("gamma", json!({}))),
    ] {
        ids.insert(key, create(app, token, "/groupq/groups", body).await);
    }
    for (key, parent, body) in [
        ("a1", "alpha", top("a1", json!({"color": ["blue"]}))),
        ("a2", "alpha", top("a2", json!({}))),
        ("a1x", "a1", top("a1x", json!({}))),
        ("beta-shared", "beta", top("shared", json!({}))),
        ("gamma-shared", "gamma", top("shared", json!({}))),
    ] {
        let path = format!("/groupq/groups/{}/children", ids[parent]);
        ids.insert(key, create(app, token, &path, body).await);
    }
    ids.insert("Alpha2", create(app, token, "/groupq/groups", json!({"name": "Alpha2"})).await);
    ids
}

/// `[path, [paths below]]` of a hierarchy listing, depth first.
fn shape(body: &Value) -> Vec<(String, Vec<String>)> {
    fn below(group: &Value, into: &mut Vec<String>) {
        for child in group["subGroups"].as_array().unwrap() {
            into.push(child["path"].as_str().unwrap().to_owned());
            below(child, into);
        }
    }
    body.as_array()
        .unwrap()
        .iter()
        .map(|group| {
            let mut paths = Vec::new();
            below(group, &mut paths);
            (group["path"].as_str().unwrap().to_owned(), paths)
        })
        .collect()
}

fn shaped(items: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    items
        .iter()
        .map(|(path, below)| ((*path).to_owned(), below.iter().map(|p| (*p).to_owned()).collect()))
        .collect()
}

#[tokio::test]
async fn groups_are_listed_searched_paged_and_counted_as_in_keycloak() {
    // facts-12 §1.7.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let ids = tree(&app, &token).await;
    let get = |query: &str| {
        let path = format!("/groupq/groups{query}");
        let (app, token) = (&app, &token);
        async move {
            let answer = admin_call(app, "GET", &path, Some(token), None).await;
            assert_eq!(answer.status, 200, "{path}: {}", answer.body);
            answer.body
        }
    };
    // Top level by default, brief, with subGroupCount and empty subGroups, byte order.
    let listed = get("").await;
    assert_eq!(field(&listed, "name"), ["Alpha2", "alpha", "beta", "gamma"]);
    assert_eq!(
        listed[1],
        json!({"id": ids["alpha"], "name": "alpha", "path": "/alpha", "subGroupCount": 2,
               "subGroups": [], "access": all_access()})
    );
    let full = get("?briefRepresentation=false").await;
    assert_eq!(
        full[1],
        json!({"id": ids["alpha"], "name": "alpha", "path": "/alpha", "subGroupCount": 2,
               "subGroups": [], "attributes": {"color": ["red"]}, "realmRoles": [],
               "clientRoles": {}, "access": all_access()})
    );
    assert!(get("?subGroupsCount=false").await[0].get("subGroupCount").is_none());
    assert_eq!(field(&get("?first=1&max=2").await, "name"), ["alpha", "beta"]);
    assert_eq!(field(&get("?first=3").await, "name"), ["gamma"]);
    assert_eq!(field(&get("?max=1").await, "name"), ["Alpha2"]);
    assert_eq!(field(&get("?first=-1&max=2").await, "name"), ["Alpha2", "alpha"]);

    // Searches find names at any depth, in any case, shown inside the groups above.
    let a1 = get("?search=a1").await;
    assert_eq!(shape(&a1), shaped(&[("/alpha", &["/alpha/a1", "/alpha/a1/a1x"])]));
    assert_eq!(
        a1[0]["subGroups"][0],
        json!({"id": ids["a1"], "name": "a1", "path": "/alpha/a1", "parentId": ids["alpha"],
               "subGroupCount": 1, "access": all_access(),
               "subGroups": [{"id": ids["a1x"], "name": "a1x", "path": "/alpha/a1/a1x",
                              "parentId": ids["a1"], "subGroupCount": 0, "subGroups": [],
                              "access": all_access()}]})
    );
    let flat = get("?search=a1&populateHierarchy=false").await;
    assert_eq!(field(&flat, "path"), ["/alpha/a1", "/alpha/a1/a1x"]);
    assert_eq!(flat[0]["subGroups"], json!([]));
    assert_eq!(
        shape(&get("?search=A1").await),
        shaped(&[("/alpha", &["/alpha/a1", "/alpha/a1/a1x"])])
    );
    // …the exact search is exact, and case-sensitive.
    assert_eq!(shape(&get("?search=a1&exact=true").await), shaped(&[("/alpha", &["/alpha/a1"])]));
    assert_eq!(get("?search=A1&exact=true").await, json!([]));
    assert_eq!(shape(&get("?search=lph").await), shaped(&[("/Alpha2", &[]), ("/alpha", &[])]));
    // A match does not bring its subtree.
    assert_eq!(shape(&get("?search=alpha").await), shaped(&[("/Alpha2", &[]), ("/alpha", &[])]));
    assert_eq!(
        shape(&get("?search=shared").await),
        shaped(&[("/beta", &["/beta/shared"]), ("/gamma", &["/gamma/shared"])])
    );
    // Paging applies to the matches.
    assert_eq!(shape(&get("?search=shared&max=1").await), shaped(&[("/beta", &["/beta/shared"])]));
    let deep = get("?search=a1&briefRepresentation=false").await;
    assert_eq!(deep[0]["subGroups"][0]["attributes"], json!({"color": ["blue"]}));
    assert_eq!(field(&get("?search=").await, "path"), ["/Alpha2", "/alpha", "/beta", "/gamma"]);

    // `q=key:value`: attributes, exactly, every term.
    assert_eq!(shape(&get("?q=color:blue").await), shaped(&[("/alpha", &["/alpha/a1"])]));
    assert_eq!(field(&get("?q=color:blue&populateHierarchy=false").await, "path"), ["/alpha/a1"]);
    for query in ["?q=color:bl", "?q=color:BLUE", "?q=color:red%20size:x"] {
        assert_eq!(get(query).await, json!([]), "{query}");
    }
    // No `key:value` term: every group, in its hierarchy.
    assert_eq!(
        shape(&get("?q=color").await),
        shaped(&[
            ("/Alpha2", &[]),
            ("/alpha", &["/alpha/a1", "/alpha/a1/a1x", "/alpha/a2"]),
            ("/beta", &["/beta/shared"]),
            ("/gamma", &["/gamma/shared"])
        ])
    );

    // Counts.
    let count = |query: &str| {
        let path = format!("/groupq/groups/count{query}");
        let (app, token) = (&app, &token);
        async move { admin_call(app, "GET", &path, Some(token), None).await.body }
    };
    assert_eq!(count("").await, json!({"count": 9}));
    assert_eq!(count("?top=true").await, json!({"count": 4}));
    assert_eq!(count("?search=a1").await, json!({"count": 2}));
    assert_eq!(count("?search=shared").await, json!({"count": 2}));
    assert_eq!(count("?search=ALPHA").await, json!({"count": 2}));
}

#[tokio::test]
async fn children_and_paths_are_read_as_in_keycloak() {
    // facts-12 §1.7 (children, group-by-path).
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let ids = tree(&app, &token).await;
    let get = |path: String| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, "GET", &format!("/groupq{path}"), Some(token), None).await }
    };
    let alpha = &ids["alpha"];
    // Children: full by default, with subGroupCount, by name.
    let children = get(format!("/groups/{alpha}/children")).await.body;
    assert_eq!(
        children[0],
        json!({"id": ids["a1"], "name": "a1", "path": "/alpha/a1", "parentId": alpha,
               "subGroupCount": 1, "subGroups": [], "attributes": {"color": ["blue"]},
               "realmRoles": [], "clientRoles": {}, "access": all_access()})
    );
    assert_eq!(field(&children, "name"), ["a1", "a2"]);
    let brief = get(format!("/groups/{alpha}/children?briefRepresentation=true")).await.body;
    assert!(brief[0].get("attributes").is_none());
    assert_eq!(
        field(&get(format!("/groups/{alpha}/children?first=1&max=1")).await.body, "name"),
        ["a2"]
    );
    // A child search is a prefix in any case (`2` finds nothing, `A` both), exact exact.
    assert_eq!(get(format!("/groups/{alpha}/children?search=2")).await.body, json!([]));
    assert_eq!(
        field(&get(format!("/groups/{alpha}/children?search=A")).await.body, "name"),
        ["a1", "a2"]
    );
    assert_eq!(get(format!("/groups/{alpha}/children?search=a&exact=true")).await.body, json!([]));
    let uncounted = get(format!("/groups/{alpha}/children?subGroupsCount=false")).await.body;
    assert!(uncounted[0].get("subGroupCount").is_none());
    assert_eq!(get("/groups/nope/children".into()).await.status, 404);

    // By path: full, with subGroupCount, no `access`.
    let a1 = get("/group-by-path/alpha/a1".into()).await;
    assert_eq!(
        (a1.status, a1.body),
        (
            200,
            json!({"id": ids["a1"], "name": "a1", "path": "/alpha/a1", "parentId": alpha,
                     "subGroupCount": 1, "subGroups": [], "attributes": {"color": ["blue"]},
                     "realmRoles": [], "clientRoles": {}})
        )
    );
    assert_eq!(get("/group-by-path/alpha/a1/a1x".into()).await.body["id"], json!(ids["a1x"]));
    for path in ["alpha/nope", "ALPHA"] {
        let answer = get(format!("/group-by-path/{path}")).await;
        assert_eq!(
            (answer.status, answer.body),
            (404, json!({"error": "Group path does not exist"})),
            "{path}"
        );
    }
    // A name with a slash: its path shows it as it is; `%2F` finds it.
    let slash = create(&app, &token, "/groupq/groups", json!({"name": "with/slash"})).await;
    let found = get("/group-by-path/with%2Fslash".into()).await;
    assert_eq!((&found.body["id"], &found.body["path"]), (&json!(slash), &json!("/with/slash")));
    assert_eq!(get("/group-by-path/with~1slash".into()).await.status, 404);
}
