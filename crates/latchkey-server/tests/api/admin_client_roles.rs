//! Admin API: client roles and client role mappings (`RoleContainerResource.java` under
//! a client, `ClientRoleMappingsResource.java`; spec §5.5).

use latchkey_testkit::{TestApp, jwt_parts, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_token};

async fn ids(app: &TestApp, token: &str) -> (String, String) {
    let users = admin_call(
        app,
        "GET",
        "/nagra/users?username=crm_client_user&exact=true",
        Some(token),
        None,
    )
    .await;
    let clients =
        admin_call(app, "GET", "/nagra/clients?clientId=crm_client", Some(token), None).await;
    (
        users.body[0]["id"].as_str().unwrap().to_owned(),
        clients.body[0]["id"].as_str().unwrap().to_owned(),
    )
}

async fn create_role(app: &TestApp, token: &str, crm: &str, rep: Value) -> u16 {
    admin_call(app, "POST", &format!("/nagra/clients/{crm}/roles"), Some(token), Some(rep))
        .await
        .status
}

#[tokio::test]
async fn client_roles_are_created_read_listed_and_deleted() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let (_, crm) = ids(&app, &token).await;
    let answer = admin_call(
        &app,
        "POST",
        &format!("/nagra/clients/{crm}/roles"),
        Some(&token),
        Some(json!({"name": "reader", "description": "Reads"})),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(
        answer.location(),
        format!("{}/admin/realms/nagra/clients/{crm}/roles/reader", app.base_url)
    );
    assert_eq!(create_role(&app, &token, &crm, json!({"name": "writer"})).await, 201);
    let answer = admin_call(
        &app,
        "POST",
        &format!("/nagra/clients/{crm}/roles"),
        Some(&token),
        Some(json!({"name": "reader"})),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"errorMessage": "Role with name reader already exists"}))
    );
    // A realm role of the same name does not clash.
    let realm_role =
        admin_call(&app, "POST", "/nagra/roles", Some(&token), Some(json!({"name": "reader"})))
            .await;
    assert_eq!(realm_role.status, 201);

    let role =
        admin_call(&app, "GET", &format!("/nagra/clients/{crm}/roles/reader"), Some(&token), None)
            .await;
    assert_eq!(role.status, 200);
    assert_eq!(role.body["description"], "Reads");
    assert_eq!(role.body["clientRole"], true);
    assert_eq!(role.body["containerId"], json!(crm));
    let list =
        admin_call(&app, "GET", &format!("/nagra/clients/{crm}/roles"), Some(&token), None).await;
    let names: Vec<&str> =
        list.body.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["reader", "writer"]);
    let found = admin_call(
        &app,
        "GET",
        &format!("/nagra/clients/{crm}/roles?search=WRI"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!(found.body.as_array().map(Vec::len), Some(1));

    let answer = admin_call(
        &app,
        "DELETE",
        &format!("/nagra/clients/{crm}/roles/writer"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    for (method, path) in [
        ("GET", format!("/nagra/clients/{crm}/roles/writer")),
        ("DELETE", format!("/nagra/clients/{crm}/roles/writer")),
    ] {
        let answer = admin_call(&app, method, &path, Some(&token), None).await;
        assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find role"})));
    }
    for (method, path) in
        [("GET", "/nagra/clients/nothing/roles"), ("POST", "/nagra/clients/nothing/roles")]
    {
        let answer = admin_call(&app, method, path, Some(&token), Some(json!({"name": "x"}))).await;
        assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find client"})));
    }
    let login = app.seed_login().await;
    let user_token = login["access_token"].as_str().unwrap();
    let path = format!("/nagra/clients/{crm}/roles");
    assert_eq!(admin_call(&app, "GET", &path, Some(user_token), None).await.status, 403);
    assert_eq!(admin_call(&app, "GET", &path, None, None).await.status, 401);
}

#[tokio::test]
async fn client_roles_are_mapped_to_a_user_and_reach_the_token() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let (user, crm) = ids(&app, &token).await;
    for name in ["reader", "writer", "auditor"] {
        assert_eq!(create_role(&app, &token, &crm, json!({"name": name})).await, 201);
    }
    // `writer` contains `auditor`.
    let answer = admin_call(
        &app,
        "POST",
        &format!("/nagra/clients/{crm}/roles"),
        Some(&token),
        Some(json!({"name": "editor", "composite": true,
                    "composites": {"client": {"crm_client": ["auditor"]}}})),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let role = |name: &str| {
        let app = &app;
        let token = token.clone();
        let crm = crm.clone();
        let name = name.to_owned();
        async move {
            admin_call(
                app,
                "GET",
                &format!("/nagra/clients/{crm}/roles/{name}"),
                Some(&token),
                None,
            )
            .await
            .body
        }
    };
    let reader = role("reader").await;
    let editor = role("editor").await;
    let mappings = format!("/nagra/users/{user}/role-mappings/clients/{crm}");
    let answer = admin_call(
        &app,
        "POST",
        &mappings,
        Some(&token),
        Some(
            json!([{"id": reader["id"], "name": "reader"}, {"id": editor["id"], "name": "editor"}]),
        ),
    )
    .await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    let names = |body: &Value| -> Vec<String> {
        let mut names: Vec<String> = body
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect();
        names.sort();
        names
    };
    let direct = admin_call(&app, "GET", &mappings, Some(&token), None).await;
    assert_eq!(names(&direct.body), ["editor", "reader"]);
    let composite =
        admin_call(&app, "GET", &format!("{mappings}/composite"), Some(&token), None).await;
    assert_eq!(names(&composite.body), ["auditor", "editor", "reader"]);
    // Every role not mapped directly, `auditor` (held through a composite) included:
    // 26.7.3's answer, `facts-12.md` §1.8 ("alice's available realm roles").
    let available =
        admin_call(&app, "GET", &format!("{mappings}/available"), Some(&token), None).await;
    assert_eq!(names(&available.body), ["auditor", "writer"]);
    let all =
        admin_call(&app, "GET", &format!("/nagra/users/{user}/role-mappings"), Some(&token), None)
            .await;
    assert_eq!(names(&all.body["clientMappings"]["crm_client"]["mappings"]), ["editor", "reader"]);

    let login = app.seed_login().await;
    let claims = jwt_parts(login["access_token"].as_str().unwrap()).1;
    let mut roles: Vec<&str> = claims["resource_access"]["crm_client"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    roles.sort_unstable();
    assert_eq!(roles, ["auditor", "editor", "reader"]);

    // A wrong id or a role of another container is a 404 and changes nothing.
    for body in
        [json!([{"id": "wrong", "name": "reader"}]), json!([{"id": reader["id"], "name": "nope"}])]
    {
        let answer = admin_call(&app, "POST", &mappings, Some(&token), Some(body)).await;
        assert_eq!((answer.status, answer.body), (404, json!({"error": "Role not found"})));
    }
    let answer = admin_call(
        &app,
        "DELETE",
        &mappings,
        Some(&token),
        Some(json!([{"id": reader["id"], "name": "reader"}])),
    )
    .await;
    assert_eq!(answer.status, 204);
    let direct = admin_call(&app, "GET", &mappings, Some(&token), None).await;
    assert_eq!(names(&direct.body), ["editor"]);
    let answer = admin_call(&app, "DELETE", &mappings, Some(&token), None).await;
    assert_eq!(answer.status, 204);
    let direct = admin_call(&app, "GET", &mappings, Some(&token), None).await;
    assert_eq!(direct.body, json!([]));

    let answer = admin_call(
        &app,
        "GET",
        &format!("/nagra/users/{user}/role-mappings/clients/nothing"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Client not found"})));
    let answer = admin_call(
        &app,
        "GET",
        &format!("/nagra/users/nobody/role-mappings/clients/{crm}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "User not found"})));
    let user_token = login["access_token"].as_str().unwrap();
    assert_eq!(admin_call(&app, "GET", &mappings, Some(user_token), None).await.status, 403);
    assert_eq!(admin_call(&app, "GET", &mappings, None, None).await.status, 401);
}

/// `PUT …/clients/{id}/roles/{role}` renames; `…/users` lists who holds it;
/// `…/composites` works as for realm roles.
#[tokio::test]
async fn client_roles_are_renamed_list_their_holders_and_take_composites() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let (user, crm) = ids(&app, &token).await;
    assert_eq!(create_role(&app, &token, &crm, json!({"name": "reader"})).await, 201);
    assert_eq!(create_role(&app, &token, &crm, json!({"name": "writer"})).await, 201);
    let base = format!("/nagra/clients/{crm}/roles");

    let rename = json!({"name": "viewer", "description": "Sees things"});
    let renamed =
        admin_call(&app, "PUT", &format!("{base}/reader"), Some(&token), Some(rename)).await;
    assert_eq!(renamed.status, 204);
    let viewer = admin_call(&app, "GET", &format!("{base}/viewer"), Some(&token), None).await;
    assert_eq!((viewer.status, &viewer.body["description"]), (200, &json!("Sees things")));
    let clash = json!({"name": "writer"});
    let refused =
        admin_call(&app, "PUT", &format!("{base}/viewer"), Some(&token), Some(clash)).await;
    assert_eq!(refused.status, 409);
    let gone =
        admin_call(&app, "PUT", &format!("{base}/reader"), Some(&token), Some(json!({}))).await;
    assert_eq!(gone.status, 404);

    let mapping = format!("/nagra/users/{user}/role-mappings/clients/{crm}");
    let grant = json!([viewer.body]);
    assert_eq!(admin_call(&app, "POST", &mapping, Some(&token), Some(grant)).await.status, 204);
    let holders =
        admin_call(&app, "GET", &format!("{base}/viewer/users"), Some(&token), None).await;
    let usernames: Vec<&str> =
        holders.body.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(usernames, ["crm_client_user"]);

    let writer = admin_call(&app, "GET", &format!("{base}/writer"), Some(&token), None).await;
    let composites = format!("{base}/viewer/composites");
    let add = json!([{"id": writer.body["id"]}]);
    assert_eq!(admin_call(&app, "POST", &composites, Some(&token), Some(add)).await.status, 204);
    let listed = admin_call(&app, "GET", &composites, Some(&token), None).await;
    assert_eq!(listed.body[0]["name"], "writer");
    let by_client = admin_call(
        &app,
        "GET",
        &format!("/nagra/roles/offline_access/composites/clients/{crm}"),
        Some(&token),
        None,
    )
    .await;
    assert_eq!((by_client.status, &by_client.body), (200, &json!([])));
    let login = app.seed_login().await;
    let claims = jwt_parts(login["access_token"].as_str().unwrap()).1;
    let mut roles: Vec<&str> = claims["resource_access"]["crm_client"]["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    roles.sort_unstable();
    assert_eq!(roles, ["viewer", "writer"]);
}
