//! Admin API: role attributes, `roles-by-id`, the realm's default role and the holders of
//! a role (`RoleContainerResource.java`, `RoleByIdResource.java`). Answers recorded from
//! Keycloak 26.7.3 in realm `r12-roles` (`facts-12.md` §3.1–3.4); this realm is `roles`.

use latchkey_testkit::spawn_app;
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_token, create, create_realm, field};

#[tokio::test]
async fn roles_keep_their_attributes_as_in_keycloak() {
    // facts-12 §3.1.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "roles").await;
    let call = |method: &'static str, path: &'static str, body: Option<Value>| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, method, &format!("/roles{path}"), Some(token), body).await }
    };
    let created = call(
        "POST",
        "/roles",
        Some(json!({"name": "attr-role", "description": "has attrs",
                    "attributes": {"level": ["3"], "tags": ["a", "b"]}})),
    )
    .await;
    assert_eq!(created.status, 201);
    let role = call("GET", "/roles/attr-role", None).await.body;
    assert_eq!(
        role,
        json!({"id": role["id"], "name": "attr-role", "description": "has attrs",
               "composite": false, "clientRole": false, "containerId": role["containerId"],
               "attributes": {"level": ["3"], "tags": ["a", "b"]}})
    );
    // Listings are brief unless asked.
    let listed = call("GET", "/roles", None).await.body;
    assert_eq!(
        field(&listed, "name"),
        ["attr-role", "default-roles-roles", "offline_access", "uma_authorization"]
    );
    assert!(listed.as_array().unwrap().iter().all(|r| r.get("attributes").is_none()));
    let full = call("GET", "/roles?briefRepresentation=false", None).await.body;
    assert_eq!(full[0]["attributes"], json!({"level": ["3"], "tags": ["a", "b"]}));
    let found = call("GET", "/roles?search=attr&first=0&max=5", None).await.body;
    assert_eq!(field(&found, "name"), ["attr-role"]);
    // A PUT replaces the attributes given and drops an absent description.
    let put = call(
        "PUT",
        "/roles/attr-role",
        Some(json!({"name": "attr-role", "attributes": {"level": ["4"]}})),
    )
    .await;
    assert_eq!((put.status, &put.body), (204, &Value::Null));
    let role = call("GET", "/roles/attr-role", None).await.body;
    assert_eq!((role.get("description"), &role["attributes"]), (None, &json!({"level": ["4"]})));
    assert_eq!(
        call("PUT", "/roles/attr-role", Some(json!({"name": "attr-role"}))).await.status,
        204
    );
    assert_eq!(
        call("GET", "/roles/attr-role", None).await.body["attributes"],
        json!({"level": ["4"]})
    );
}

#[tokio::test]
async fn roles_are_read_changed_and_deleted_by_id_as_in_keycloak() {
    // facts-12 §3.2.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "roles").await;
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, method, &format!("/roles{path}"), Some(token), body).await }
    };
    create(
        &app,
        &token,
        "/roles/roles",
        json!({"name": "attr-role", "attributes": {"level": ["4"]}}),
    )
    .await;
    for name in ["child-a", "child-b"] {
        create(&app, &token, "/roles/roles", json!({"name": name})).await;
    }
    let client = create(&app, &token, "/roles/clients", json!({"clientId": "rapp"})).await;
    create(
        &app,
        &token,
        &format!("/roles/clients/{client}/roles"),
        json!({"name": "crole", "attributes": {"k": ["v"]}}),
    )
    .await;
    let by_name = |path: String| call("GET", path, None);
    let attr = by_name("/roles/attr-role".into()).await.body;
    let child_a = by_name("/roles/child-a".into()).await.body;
    let crole = by_name(format!("/clients/{client}/roles/crole")).await.body;
    let id = attr["id"].as_str().unwrap().to_owned();
    let by_id = format!("/roles-by-id/{id}");

    assert_eq!(call("GET", by_id.clone(), None).await.body, attr);
    let read = call("GET", format!("/roles-by-id/{}", crole["id"].as_str().unwrap()), None).await;
    assert_eq!(
        read.body,
        json!({"id": crole["id"], "name": "crole", "composite": false, "clientRole": true,
               "containerId": client, "attributes": {"k": ["v"]}})
    );
    let unknown = "/roles-by-id/00000000-0000-0000-0000-000000000000".to_owned();
    let answer = call("GET", unknown.clone(), None).await;
    assert_eq!(
        (answer.status, answer.body),
        (404, json!({"error": "Could not find role with id"}))
    );

    let put = call(
        "PUT",
        by_id.clone(),
        Some(
            json!({"name": "attr-role-renamed", "description": "new", "attributes": {"x": ["y"]}}),
        ),
    )
    .await;
    assert_eq!((put.status, &put.body), (204, &Value::Null));
    let read = call("GET", by_id.clone(), None).await.body;
    assert_eq!(
        (&read["name"], &read["description"], &read["attributes"]),
        (&json!("attr-role-renamed"), &json!("new"), &json!({"x": ["y"]}))
    );
    let taken = call("PUT", by_id.clone(), Some(json!({"name": "child-a"}))).await;
    assert_eq!(
        (taken.status, taken.body),
        (409, json!({"error": "conflict", "error_description": "Duplicate resource error"}))
    );
    let nameless = call("PUT", by_id.clone(), Some(json!({"description": "no name"}))).await;
    assert_eq!((nameless.status, nameless.body), (400, json!({"error": "role has no name"})));
    assert_eq!(call("GET", by_id.clone(), None).await.body["description"], "new");

    // Composites by id: a realm role and a client role; unknown ones change nothing.
    let composites = format!("{by_id}/composites");
    let add = call("POST", composites.clone(), Some(json!([child_a, crole]))).await;
    assert_eq!((add.status, &add.body), (204, &Value::Null));
    for body in
        [json!([{"id": "00000000-0000-0000-0000-000000000000"}]), json!([{"name": "child-b"}])]
    {
        let answer = call("POST", composites.clone(), Some(body)).await;
        assert_eq!(
            (answer.status, answer.body),
            (404, json!({"error": "Could not find composite role"}))
        );
    }
    assert_eq!(call("GET", by_id.clone(), None).await.body["composite"], true);
    let listed = call("GET", composites.clone(), None).await.body;
    assert_eq!(field(&listed, "name"), ["child-a", "crole"]);
    assert!(listed[0].get("attributes").is_none());
    let paged = call("GET", format!("{composites}?search=child&first=0&max=1"), None).await.body;
    assert_eq!(field(&paged, "name"), ["child-a"]);
    assert_eq!(
        field(&call("GET", format!("{composites}/realm"), None).await.body, "name"),
        ["child-a"]
    );
    assert_eq!(
        field(&call("GET", format!("{composites}/clients/{client}"), None).await.body, "name"),
        ["crole"]
    );
    let by_client_id = call("GET", format!("{composites}/clients/rapp"), None).await;
    assert_eq!(
        (by_client_id.status, by_client_id.body),
        (404, json!({"error": "Could not find client"}))
    );
    // A role may hold itself, and cycles are accepted (as in 26.7.3).
    assert_eq!(call("POST", composites.clone(), Some(json!([{"id": id}]))).await.status, 204);
    let child_a_id = child_a["id"].as_str().unwrap();
    let cycle = format!("/roles-by-id/{child_a_id}/composites");
    assert_eq!(call("POST", cycle.clone(), Some(json!([{"id": id}]))).await.status, 204);
    assert_eq!(call("DELETE", cycle, Some(json!([{"id": id}]))).await.status, 204);
    assert_eq!(call("DELETE", composites.clone(), Some(json!([crole]))).await.status, 204);
    assert_eq!(
        field(&call("GET", composites.clone(), None).await.body, "name"),
        ["attr-role-renamed", "child-a"]
    );
    assert_eq!(call("DELETE", composites.clone(), Some(json!([{"id": id}]))).await.status, 204);
    assert_eq!(call("DELETE", composites.clone(), Some(json!([child_a]))).await.status, 204);
    assert_eq!(call("GET", by_id.clone(), None).await.body["composite"], false);

    let deleted = call("DELETE", by_id.clone(), None).await;
    assert_eq!((deleted.status, &deleted.body), (204, &Value::Null));
    let again = call("DELETE", by_id, None).await;
    assert_eq!((again.status, again.body), (404, json!({"error": "Could not find role with id"})));
}

#[tokio::test]
async fn the_default_role_is_a_composite_new_users_hold_as_in_keycloak() {
    // facts-12 §3.3.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "roles").await;
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, method, &format!("/roles{path}"), Some(token), body).await }
    };
    create(&app, &token, "/roles/roles", json!({"name": "child-a"})).await;
    let realm = call("GET", String::new(), None).await.body;
    let default_role = call("GET", "/roles/default-roles-roles".into(), None).await.body;
    assert_eq!(
        default_role,
        json!({"id": default_role["id"], "name": "default-roles-roles",
               "description": "${role_default-roles}", "composite": true, "clientRole": false,
               "containerId": realm["id"], "attributes": {}})
    );
    assert_eq!(
        realm["defaultRole"],
        json!({"id": default_role["id"], "name": "default-roles-roles",
               "description": "${role_default-roles}", "composite": true, "clientRole": false,
               "containerId": realm["id"]})
    );
    let composites = call("GET", "/roles/default-roles-roles/composites".into(), None).await.body;
    let mut listed = field(&composites, "name");
    listed.sort();
    assert_eq!(listed, ["manage-account", "offline_access", "uma_authorization", "view-profile"]);
    let id = default_role["id"].as_str().unwrap();
    let by_id = call("GET", format!("/roles-by-id/{id}/composites"), None).await.body;
    assert_eq!(by_id.as_array().unwrap().len(), 4);
    assert_eq!(
        field(
            &call("GET", "/roles/default-roles-roles/composites/realm".into(), None).await.body,
            "name"
        ),
        ["offline_access", "uma_authorization"]
    );

    let child_a = call("GET", "/roles/child-a".into(), None).await.body;
    let answer =
        call("POST", "/roles/default-roles-roles/composites".into(), Some(json!([child_a]))).await;
    assert_eq!(answer.status, 204);
    let user = create(&app, &token, "/roles/users", json!({"username": "new-user"})).await;
    let mappings = format!("/users/{user}/role-mappings/realm");
    assert_eq!(
        field(&call("GET", mappings.clone(), None).await.body, "name"),
        ["default-roles-roles"]
    );
    assert_eq!(
        field(&call("GET", format!("{mappings}/composite"), None).await.body, "name"),
        ["child-a", "default-roles-roles", "offline_access", "uma_authorization"]
    );

    let put = call(
        "PUT",
        "/roles/default-roles-roles".into(),
        Some(json!({"name": "default-roles-roles", "description": "changed"})),
    )
    .await;
    assert_eq!(put.status, 204);
    assert_eq!(
        call("GET", "/roles/default-roles-roles".into(), None).await.body["description"],
        "changed"
    );
    // Renamed, it stays the realm's default role.
    let put =
        call("PUT", "/roles/default-roles-roles".into(), Some(json!({"name": "renamed-default"})))
            .await;
    assert_eq!(put.status, 204);
    let realm = call("GET", String::new(), None).await.body;
    assert_eq!(
        (&realm["defaultRole"]["id"], &realm["defaultRole"]["name"]),
        (&json!(id), &json!("renamed-default"))
    );
    let answer = call("DELETE", "/roles/renamed-default".into(), None).await;
    assert_eq!(
        (answer.status, answer.body),
        (
            400,
            json!({"errorMessage": "renamed-default is default role of the realm and cannot be removed."})
        )
    );
    let answer = call("DELETE", format!("/roles-by-id/{id}"), None).await;
    assert_eq!(
        (answer.status, answer.body),
        (
            400,
            json!({"errorMessage": "renamed-default is default role of the realm and cannot be removed."})
        )
    );
    // `defaultRole` in a realm update is ignored.
    let put = call("PUT", String::new(), Some(json!({"defaultRole": {"name": "child-a"}}))).await;
    assert_eq!(put.status, 204);
    assert_eq!(call("GET", String::new(), None).await.body["defaultRole"]["id"], json!(id));
}

#[tokio::test]
async fn the_holders_of_a_role_are_listed_as_in_keycloak() {
    // facts-12 §3.4: `child-a` held by groups `/g1`, `/g1/g2` and users usr1..usr3
    // (usr3 also in `/g1`).
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "roles").await;
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, method, &format!("/roles{path}"), Some(token), body).await }
    };
    create(&app, &token, "/roles/roles", json!({"name": "child-a"})).await;
    let child_a = call("GET", "/roles/child-a".into(), None).await.body;
    let g1 = create(&app, &token, "/roles/groups", json!({"name": "g1"})).await;
    let g2 =
        create(&app, &token, &format!("/roles/groups/{g1}/children"), json!({"name": "g2"})).await;
    for group in [&g1, &g2] {
        let path = format!("/groups/{group}/role-mappings/realm");
        assert_eq!(call("POST", path, Some(json!([child_a]))).await.status, 204);
    }
    for name in ["usr1", "usr2", "usr3"] {
        let body = json!({"username": name, "enabled": true, "firstName": name.to_uppercase(),
                          "email": format!("{name}@x.org")});
        let user = create(&app, &token, "/roles/users", body).await;
        let path = format!("/users/{user}/role-mappings/realm");
        assert_eq!(call("POST", path, Some(json!([child_a]))).await.status, 204);
        if name == "usr3" {
            assert_eq!(call("PUT", format!("/users/{user}/groups/{g1}"), None).await.status, 204);
        }
    }
    let groups = call("GET", "/roles/child-a/groups".into(), None).await.body;
    assert_eq!(
        groups,
        json!([{"id": g1, "name": "g1", "path": "/g1", "subGroups": []},
               {"id": g2, "name": "g2", "path": "/g1/g2", "parentId": g1, "subGroups": []}])
    );
    assert_eq!(
        field(&call("GET", "/roles/child-a/groups?first=1&max=1".into(), None).await.body, "path"),
        ["/g1/g2"]
    );
    let full =
        call("GET", "/roles/child-a/groups?briefRepresentation=false".into(), None).await.body;
    assert_eq!(
        full[0],
        json!({"id": g1, "name": "g1", "path": "/g1", "subGroups": [], "attributes": {},
               "realmRoles": ["child-a"], "clientRoles": {}})
    );
    let users = call("GET", "/roles/child-a/users".into(), None).await.body;
    assert_eq!(field(&users, "username"), ["usr1", "usr2", "usr3"]);
    assert_eq!(
        field(
            &call("GET", "/roles/child-a/users?first=1&max=1".into(), None).await.body,
            "username"
        ),
        ["usr2"]
    );
    for path in ["/roles/nosuch/users", "/roles/nosuch/groups"] {
        let answer = call("GET", path.into(), None).await;
        assert_eq!(
            (answer.status, answer.body),
            (404, json!({"error": "Could not find role"})),
            "{path}"
        );
    }
}
