//! Admin API: group members, a user's groups, group role mappings, default groups, and the
//! roles groups give in tokens (`GroupResource.java`, `UserResource.java`,
//! `RoleMapperResource.java`, `RealmAdminResource.java`). Answers recorded from Keycloak
//! 26.7.3 in realm `r12-groupm` (`facts-12.md` §1.8); this realm is `groupm`.

use std::collections::{BTreeSet, HashMap};

use latchkey_testkit::{TestApp, jwt_parts, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_token, create, create_realm, field, post};

/// Realm roles `rp` (composite of `rcomp`), `rcomp`, `rc`, `unused`; a confidential
/// client `app` (secret `s3cret`, direct access grants) with roles `cp` and `cc`; groups
/// `/parent`, `/parent/child`, `/other`; users `alice`, `bob` and `carol` (password `pw`).
async fn realm(app: &TestApp, token: &str) -> HashMap<&'static str, String> {
    create_realm(app, token, "groupm").await;
    let mut ids = HashMap::new();
    for name in ["rcomp", "rc", "unused"] {
        create(app, token, "/groupm/roles", json!({"name": name})).await;
    }
    create(
        app,
        token,
        "/groupm/roles",
        json!({"name": "rp", "composite": true, "composites": {"realm": ["rcomp"]}}),
    )
    .await;
    let client = create(
        app,
        token,
        "/groupm/clients",
        json!({"clientId": "app", "secret": "s3cret", "publicClient": false,
               "directAccessGrantsEnabled": true}),
    )
    .await;
    for name in ["cp", "cc"] {
        create(app, token, &format!("/groupm/clients/{client}/roles"), json!({"name": name})).await;
    }
    ids.insert("app", client);
    ids.insert("parent", create(app, token, "/groupm/groups", json!({"name": "parent"})).await);
    let children = format!("/groupm/groups/{}/children", ids["parent"]);
    ids.insert("child", create(app, token, &children, json!({"name": "child"})).await);
    ids.insert("other", create(app, token, "/groupm/groups", json!({"name": "other"})).await);
    for (key, first) in [("alice", "Alice"), ("bob", "Bob"), ("carol", "Carol")] {
        let body = json!({"username": key, "enabled": true, "firstName": first, "lastName": "Test",
                          "email": format!("{key}@example.com"), "emailVerified": true,
                          "credentials": [{"type": "password", "value": "pw"}]});
        ids.insert(key, create(app, token, "/groupm/users", body).await);
    }
    ids
}

/// A role's representation as the Admin API lists it, for a mapping body.
async fn role(app: &TestApp, token: &str, path: &str) -> Value {
    admin_call(app, "GET", &format!("/groupm/{path}"), Some(token), None).await.body
}

fn set(body: &Value) -> BTreeSet<String> {
    body.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect()
}

fn names(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn members_join_and_leave_groups_as_in_keycloak() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let ids = realm(&app, &token).await;
    let call = |method: &'static str, path: String| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, method, &format!("/groupm{path}"), Some(token), None).await }
    };
    let (alice, bob, carol) = (&ids["alice"], &ids["bob"], &ids["carol"]);
    let (parent, child, other) = (&ids["parent"], &ids["child"], &ids["other"]);
    for _ in 0..2 {
        let joined = call("PUT", format!("/users/{alice}/groups/{child}")).await;
        assert_eq!((joined.status, &joined.body), (204, &Value::Null));
    }
    let unknown = "00000000-0000-0000-0000-000000000000";
    let answer = call("PUT", format!("/users/{alice}/groups/{unknown}")).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Group not found"})));
    let answer = call("PUT", format!("/users/{unknown}/groups/{child}")).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "User not found"})));
    for (user, group) in [(bob, parent), (carol, parent), (carol, other)] {
        assert_eq!(call("PUT", format!("/users/{user}/groups/{group}")).await.status, 204);
    }

    // A user's groups: brief by default, the groups joined (not those above them).
    let groups = call("GET", format!("/users/{alice}/groups")).await;
    assert_eq!(
        (groups.status, groups.body),
        (
            200,
            json!([{"id": child, "name": "child", "path": "/parent/child", "parentId": parent,
                      "subGroups": []}])
        )
    );
    let full = call("GET", format!("/users/{alice}/groups?briefRepresentation=false")).await;
    assert_eq!(
        full.body,
        json!([{"id": child, "name": "child", "path": "/parent/child", "parentId": parent,
                "subGroups": [], "attributes": {}, "realmRoles": [], "clientRoles": {}}])
    );
    let paged = call("GET", format!("/users/{carol}/groups?first=1&max=1")).await;
    assert_eq!(field(&paged.body, "path"), ["/parent"]);
    assert_eq!(
        field(&call("GET", format!("/users/{carol}/groups?search=oth")).await.body, "path"),
        ["/other"]
    );
    assert_eq!(
        field(&call("GET", format!("/users/{carol}/groups?search=THER")).await.body, "path"),
        ["/other"]
    );
    // The search looks at the group's name, not its path.
    assert_eq!(call("GET", format!("/users/{alice}/groups?search=par")).await.body, json!([]));
    assert_eq!(call("GET", format!("/users/{carol}/groups/count")).await.body, json!({"count": 2}));
    assert_eq!(
        call("GET", format!("/users/{carol}/groups/count?search=oth")).await.body,
        json!({"count": 1})
    );

    // Members: direct only, by username, full by default.
    let members = call("GET", format!("/groups/{parent}/members")).await.body;
    assert_eq!(field(&members, "username"), ["bob", "carol"]);
    assert_eq!(members[0]["firstName"], "Bob");
    assert_eq!(members[0]["requiredActions"], json!([]));
    let brief =
        call("GET", format!("/groups/{parent}/members?briefRepresentation=true")).await.body;
    assert!(brief[0].get("requiredActions").is_none());
    assert_eq!(brief[0]["email"], "bob@example.com");
    let paged = call("GET", format!("/groups/{parent}/members?first=1&max=1")).await.body;
    assert_eq!(field(&paged, "username"), ["carol"]);
    assert_eq!(
        field(&call("GET", format!("/groups/{child}/members")).await.body, "username"),
        ["alice"]
    );
    let answer = call("GET", format!("/groups/{unknown}/members")).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find group by id"})));

    // Leaving, twice; an unknown group is 404.
    for _ in 0..2 {
        assert_eq!(call("DELETE", format!("/users/{carol}/groups/{other}")).await.status, 204);
    }
    let answer = call("DELETE", format!("/users/{carol}/groups/{unknown}")).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Group not found"})));
    assert_eq!(
        field(&call("GET", format!("/users/{carol}/groups")).await.body, "path"),
        ["/parent"]
    );
}

#[tokio::test]
async fn group_roles_reach_members_tokens_as_in_keycloak() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let ids = realm(&app, &token).await;
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, method, &format!("/groupm{path}"), Some(token), body).await }
    };
    let (alice, parent, child, client) =
        (&ids["alice"], &ids["parent"], &ids["child"], &ids["app"]);
    assert_eq!(call("PUT", format!("/users/{alice}/groups/{child}"), None).await.status, 204);
    let mappings = format!("/groups/{parent}/role-mappings");
    assert_eq!(call("GET", mappings.clone(), None).await.body, json!({}));

    let rp = role(&app, &token, "roles/rp").await;
    let rc = role(&app, &token, "roles/rc").await;
    let cp = role(&app, &token, &format!("clients/{client}/roles/cp")).await;
    let cc = role(&app, &token, &format!("clients/{client}/roles/cc")).await;
    let answer = call("POST", format!("{mappings}/realm"), Some(json!([rp]))).await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    for body in [
        json!([{"name": "rc"}]),
        json!([{"id": "00000000-0000-0000-0000-000000000000", "name": "nope"}]),
    ] {
        let answer = call("POST", format!("{mappings}/realm"), Some(body)).await;
        assert_eq!((answer.status, answer.body), (404, json!({"error": "Role not found"})));
    }
    let child_mappings = format!("/groups/{child}/role-mappings");
    assert_eq!(
        call("POST", format!("{child_mappings}/realm"), Some(json!([rc]))).await.status,
        204
    );
    let to_client = format!("{mappings}/clients/{client}");
    assert_eq!(call("POST", to_client.clone(), Some(json!([cp]))).await.status, 204);
    let child_client = format!("{child_mappings}/clients/{client}");
    assert_eq!(call("POST", child_client.clone(), Some(json!([cc]))).await.status, 204);
    let answer = call("POST", child_client.clone(), Some(json!([rc]))).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Role not found"})));

    // Reading the mappings back.
    let all = call("GET", mappings.clone(), None).await.body;
    assert_eq!(
        all,
        json!({"realmMappings": [{"id": rp["id"], "name": "rp", "composite": true,
                                  "clientRole": false, "containerId": rp["containerId"]}],
               "clientMappings": {"app": {"id": client, "client": "app",
                                          "mappings": [{"id": cp["id"], "name": "cp",
                                                        "composite": false, "clientRole": true,
                                                        "containerId": client}]}}})
    );
    assert_eq!(field(&call("GET", format!("{mappings}/realm"), None).await.body, "name"), ["rp"]);
    let composite = call("GET", format!("{mappings}/realm/composite"), None).await.body;
    assert_eq!(field(&composite, "name"), ["rcomp", "rp"]);
    assert!(composite[0].get("attributes").is_none());
    let full =
        call("GET", format!("{mappings}/realm/composite?briefRepresentation=false"), None).await;
    assert_eq!(full.body[0]["attributes"], json!({}));
    // The child's effective roles include its parent's.
    let composite = call("GET", format!("{child_mappings}/realm/composite"), None).await.body;
    assert_eq!(field(&composite, "name"), ["rc", "rcomp", "rp"]);
    let available = call("GET", format!("{mappings}/realm/available"), None).await.body;
    assert_eq!(
        field(&available, "name"),
        ["default-roles-groupm", "offline_access", "rc", "rcomp", "uma_authorization", "unused"]
    );
    assert_eq!(field(&call("GET", to_client.clone(), None).await.body, "name"), ["cp"]);
    assert_eq!(
        field(&call("GET", format!("{to_client}/composite"), None).await.body, "name"),
        ["cp"]
    );
    assert_eq!(
        field(&call("GET", format!("{to_client}/available"), None).await.body, "name"),
        ["cc"]
    );
    let unknown =
        call("GET", format!("{mappings}/clients/00000000-0000-0000-0000-000000000000"), None).await;
    assert_eq!((unknown.status, unknown.body), (404, json!({"error": "Client not found"})));
    let group = call("GET", format!("/groups/{parent}"), None).await.body;
    assert_eq!(
        (&group["realmRoles"], &group["clientRoles"]),
        (&json!(["rp"]), &json!({"app": ["cp"]}))
    );
    let listed =
        call("GET", "/groups?briefRepresentation=false&search=child".into(), None).await.body;
    assert_eq!(listed[0]["realmRoles"], json!(["rp"]));
    assert_eq!(listed[0]["subGroups"][0]["realmRoles"], json!(["rc"]));
    assert_eq!(listed[0]["subGroups"][0]["clientRoles"], json!({"app": ["cc"]}));

    // The user: direct mappings stay direct; effective ones come through the groups.
    let user = format!("/users/{alice}/role-mappings");
    assert_eq!(
        field(&call("GET", format!("{user}/realm"), None).await.body, "name"),
        ["default-roles-groupm"]
    );
    assert_eq!(
        field(&call("GET", format!("{user}/realm/composite"), None).await.body, "name"),
        ["default-roles-groupm", "offline_access", "rc", "rcomp", "rp", "uma_authorization"]
    );
    assert_eq!(
        field(&call("GET", format!("{user}/clients/{client}/composite"), None).await.body, "name"),
        ["cc", "cp"]
    );
    assert_eq!(
        field(&call("GET", format!("{user}/realm/available"), None).await.body, "name"),
        ["offline_access", "rc", "rcomp", "rp", "uma_authorization", "unused"]
    );
    // The groups holding a role; its users are those granted it directly.
    let holders = call("GET", "/roles/rp/groups".into(), None).await;
    assert_eq!(
        holders.body,
        json!([{"id": parent, "name": "parent", "path": "/parent", "subGroups": []}])
    );
    assert_eq!(call("GET", "/roles/rp/users".into(), None).await.body, json!([]));
    let client_holders = call("GET", format!("/clients/{client}/roles/cp/groups"), None).await;
    assert_eq!(field(&client_holders.body, "path"), ["/parent"]);

    // The token: the roles of both groups, composites expanded.
    let form = [
        ("grant_type", "password"),
        ("client_id", "app"),
        ("client_secret", "s3cret"),
        ("username", "alice"),
        ("password", "pw"),
    ];
    let (status, _, body) = post(&app, &app.token_url("groupm"), &form).await;
    assert_eq!(status, 200, "{body}");
    let (_, claims) = jwt_parts(body["access_token"].as_str().unwrap());
    assert_eq!(
        set(&claims["realm_access"]["roles"]),
        names(&[
            "rc",
            "rcomp",
            "offline_access",
            "default-roles-groupm",
            "uma_authorization",
            "rp"
        ])
    );
    assert_eq!(set(&claims["resource_access"]["app"]["roles"]), names(&["cc", "cp"]));
    let refresh_token = body["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |refresh_token: String| {
        let app = &app;
        async move {
            let form = [
                ("grant_type", "refresh_token"),
                ("client_id", "app"),
                ("client_secret", "s3cret"),
                ("refresh_token", refresh_token.as_str()),
            ];
            let (status, _, body) = post(app, &app.token_url("groupm"), &form).await;
            assert_eq!(status, 200, "{body}");
            let roles =
                jwt_parts(body["access_token"].as_str().unwrap()).1["realm_access"]["roles"]
                    .clone();
            (set(&roles), body["refresh_token"].as_str().unwrap().to_owned())
        }
    };
    // Refreshed once (the session is now cached), then the mappings change.
    let (_, refresh_token) = refresh(refresh_token).await;
    assert_eq!(call("DELETE", format!("{mappings}/realm"), Some(json!([rp]))).await.status, 204);
    let (roles, refresh_token) = refresh(refresh_token).await;
    assert_eq!(
        roles,
        names(&["rc", "offline_access", "default-roles-groupm", "uma_authorization"])
    );
    assert_eq!(call("DELETE", format!("/users/{alice}/groups/{child}"), None).await.status, 204);
    let (roles, refresh_token) = refresh(refresh_token).await;
    assert_eq!(roles, names(&["offline_access", "default-roles-groupm", "uma_authorization"]));
    // Joining the parent again, then moving the child under it: each shows at once.
    assert_eq!(call("POST", format!("{mappings}/realm"), Some(json!([rp]))).await.status, 204);
    assert_eq!(call("PUT", format!("/users/{alice}/groups/{child}"), None).await.status, 204);
    let other = &ids["other"];
    let moved = call(
        "POST",
        format!("/groups/{other}/children"),
        Some(json!({"id": child, "name": "child"})),
    )
    .await;
    assert_eq!(moved.status, 204);
    let (roles, refresh_token) = refresh(refresh_token).await;
    assert_eq!(
        roles,
        names(&["rc", "offline_access", "default-roles-groupm", "uma_authorization"])
    );
    assert_eq!(call("DELETE", format!("/groups/{other}"), None).await.status, 204);
    let (roles, _) = refresh(refresh_token).await;
    assert_eq!(roles, names(&["offline_access", "default-roles-groupm", "uma_authorization"]));
}

#[tokio::test]
async fn new_users_join_the_default_groups_as_in_keycloak() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let ids = realm(&app, &token).await;
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let (app, token) = (&app, &token);
        async move { admin_call(app, method, &format!("/groupm{path}"), Some(token), body).await }
    };
    let (parent, child) = (&ids["parent"], &ids["child"]);
    assert_eq!(call("GET", "/default-groups".into(), None).await.body, json!([]));
    for _ in 0..2 {
        let answer = call("PUT", format!("/default-groups/{child}"), None).await;
        assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    }
    let answer =
        call("PUT", "/default-groups/00000000-0000-0000-0000-000000000000".into(), None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Group not found"})));
    assert_eq!(
        call("GET", "/default-groups".into(), None).await.body,
        json!([{"id": child, "name": "child", "path": "/parent/child", "parentId": parent,
                "subGroups": []}])
    );
    assert_eq!(
        call("GET", String::new(), None).await.body["defaultGroups"],
        json!(["/parent/child"])
    );

    let dave =
        create(&app, &token, "/groupm/users", json!({"username": "dave", "enabled": true})).await;
    assert_eq!(
        field(&call("GET", format!("/users/{dave}/groups"), None).await.body, "path"),
        ["/parent/child"]
    );
    let erin = create(
        &app,
        &token,
        "/groupm/users",
        json!({"username": "erin", "enabled": true, "groups": ["/other", "/parent/child"]}),
    )
    .await;
    assert_eq!(
        field(&call("GET", format!("/users/{erin}/groups"), None).await.body, "path"),
        ["/parent/child", "/other"]
    );
    // Keycloak 26.7.3 answers 500 for an unknown path; latchkey refuses it with 400 and
    // makes no user.
    let fred =
        call("POST", "/users".into(), Some(json!({"username": "fred", "groups": ["/nope"]}))).await;
    assert_eq!(
        (fred.status, fred.body),
        (400, json!({"errorMessage": "Unable to find group specified by path: /nope"}))
    );
    assert_eq!(call("GET", "/users?username=fred&exact=true".into(), None).await.body, json!([]));
    // A path without its leading slash is taken too.
    let gina =
        create(&app, &token, "/groupm/users", json!({"username": "gina", "groups": ["other"]}))
            .await;
    assert!(
        field(&call("GET", format!("/users/{gina}/groups"), None).await.body, "path")
            .contains(&"/other".to_owned())
    );

    for _ in 0..2 {
        assert_eq!(call("DELETE", format!("/default-groups/{child}"), None).await.status, 204);
    }
    assert!(call("GET", String::new(), None).await.body.get("defaultGroups").is_none());
    let hal = create(&app, &token, "/groupm/users", json!({"username": "hal"})).await;
    assert_eq!(call("GET", format!("/users/{hal}/groups"), None).await.body, json!([]));
    // A group with members is deleted all the same.
    assert_eq!(call("DELETE", format!("/groups/{}", ids["other"]), None).await.status, 204);
    assert_eq!(
        field(&call("GET", format!("/users/{erin}/groups"), None).await.body, "path"),
        ["/parent/child"]
    );
}

/// Issue 12's scenario through `POST /admin/realms` (`facts-12.md` §5.5; the client
/// scope of the original file is a later part of the issue).
#[tokio::test]
async fn issue_12_a_realm_posted_with_a_group_gives_its_role_in_tokens() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let rep = json!({
        "realm": "scenario", "enabled": true,
        "roles": {"realm": [{"name": "operatorRole"}, {"name": "adminRole"}]},
        "groups": [{"name": "operators", "path": "/operators", "realmRoles": ["operatorRole"]}],
        "clients": [{"clientId": "crm_client", "publicClient": true, "directAccessGrantsEnabled": true}],
        "users": [{"username": "crm_client_user", "enabled": true, "email": "crm@example.com",
                   "firstName": "Crm", "lastName": "User", "groups": ["/operators"],
                   "credentials": [{"type": "password", "value": "1234", "temporary": false}]}]
    });
    let answer = admin_call(&app, "POST", "", Some(&token), Some(rep)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let form = [
        ("grant_type", "password"),
        ("client_id", "crm_client"),
        ("username", "crm_client_user"),
        ("password", "1234"),
    ];
    let (status, _, body) = post(&app, &app.token_url("scenario"), &form).await;
    assert_eq!(status, 200, "{body}");
    let (_, claims) = jwt_parts(body["access_token"].as_str().unwrap());
    // Imported users get no default role (as in 26.7.3): the group's role is all.
    assert_eq!(claims["realm_access"]["roles"], json!(["operatorRole"]));
    let groups =
        admin_call(&app, "GET", "/scenario/groups?briefRepresentation=false", Some(&token), None)
            .await;
    assert_eq!(field(&groups.body, "path"), ["/operators"]);
    assert_eq!(groups.body[0]["realmRoles"], json!(["operatorRole"]));

    // A user in a group the file lacks: 400 naming it, and no realm.
    let rep = json!({"realm": "broken", "users": [{"username": "user1", "groups": ["/nope"]}]});
    let answer = admin_call(&app, "POST", "", Some(&token), Some(rep)).await;
    assert_eq!(
        (answer.status, answer.body),
        (400, json!({"errorMessage": "user `user1` refers to unknown group `/nope`"}))
    );
    assert_eq!(admin_call(&app, "GET", "/broken", Some(&token), None).await.status, 404);
}
