//! Admin API: realm roles (`RoleContainerResource.java`; spec §5.5).

use latchkey_testkit::{jwt_parts, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_call_raw, admin_token};

fn names(body: &Value) -> Vec<String> {
    body.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn realm_roles_are_listed_by_name() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let answer = admin_call(&app, "GET", "/nagra/roles", Some(&token), None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        names(&answer.body),
        ["adminRole", "default-roles-nagra", "offline_access", "operatorRole", "uma_authorization"]
    );
    let found = admin_call(&app, "GET", "/nagra/roles?search=ROLE", Some(&token), None).await;
    assert_eq!(names(&found.body), ["adminRole", "default-roles-nagra", "operatorRole"]);
    let paged = admin_call(&app, "GET", "/nagra/roles?first=1&max=1", Some(&token), None).await;
    assert_eq!(names(&paged.body), ["default-roles-nagra"]);
    // Keycloak pages roles only when both are given (`RoleContainerResource.getRoles`).
    let max_alone = admin_call(&app, "GET", "/nagra/roles?max=1", Some(&token), None).await;
    assert_eq!(names(&max_alone.body).len(), 5);
    let nothing = admin_call(&app, "GET", "/nagra/roles?first=0&max=0", Some(&token), None).await;
    assert!(names(&nothing.body).is_empty());
    let negative =
        admin_call(&app, "GET", "/nagra/roles?first=-5&max=-5", Some(&token), None).await;
    assert_eq!(names(&negative.body).len(), 5);
}

#[tokio::test]
async fn a_created_role_is_read_back_and_ends_up_in_tokens() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    app.seed_login().await;
    let answer = admin_call(
        &app,
        "POST",
        "/nagra/roles",
        Some(&token),
        Some(json!({"name": "billing viewer", "description": "Reads invoices"})),
    )
    .await;
    assert_eq!((answer.status, &answer.body), (201, &Value::Null));
    assert_eq!(
        answer.location(),
        format!("{}/admin/realms/nagra/roles/billing%20viewer", app.base_url)
    );
    let role = admin_call(&app, "GET", "/nagra/roles/billing%20viewer", Some(&token), None).await;
    assert_eq!(role.status, 200);
    assert_eq!(role.body["description"], "Reads invoices");
    assert_eq!(
        (role.body["composite"].as_bool(), role.body["clientRole"].as_bool()),
        (Some(false), Some(false))
    );

    // Granted to the seed user, it is in the next token.
    let users = admin_call(
        &app,
        "GET",
        "/nagra/users?username=crm_client_user&exact=true",
        Some(&token),
        None,
    )
    .await;
    let user_id = users.body[0]["id"].as_str().unwrap();
    let add = json!([{"id": role.body["id"], "name": "billing viewer"}]);
    let path = format!("/nagra/users/{user_id}/role-mappings/realm");
    assert_eq!(admin_call(&app, "POST", &path, Some(&token), Some(add)).await.status, 204);
    let (_, claims) = jwt_parts(app.seed_login().await["access_token"].as_str().unwrap());
    assert!(claims["realm_access"]["roles"].as_array().unwrap().contains(&json!("billing viewer")));

    let holders =
        admin_call(&app, "GET", "/nagra/roles/billing%20viewer/users", Some(&token), None).await;
    assert_eq!(holders.status, 200);
    assert_eq!(holders.body.as_array().unwrap().len(), 1);
    assert_eq!(holders.body[0]["username"], "crm_client_user");
}

#[tokio::test]
async fn a_composite_role_brings_its_parts() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let answer = admin_call(
        &app,
        "POST",
        "/nagra/roles",
        Some(&token),
        Some(json!({"name": "superRole", "composite": true, "composites": {"realm": ["operatorRole", "adminRole"]}})),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let role = admin_call(&app, "GET", "/nagra/roles/superRole", Some(&token), None).await;
    assert_eq!(role.body["composite"], true);
    let answer = admin_call(
        &app,
        "POST",
        "/nagra/roles",
        Some(&token),
        Some(json!({"name": "broken", "composite": true, "composites": {"realm": ["nope"]}})),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (404, json!({"errorMessage": "Realm Role with name nope does not exist"}))
    );
    assert_eq!(
        admin_call(&app, "GET", "/nagra/roles/broken", Some(&token), None).await.status,
        404
    );
}

#[tokio::test]
async fn a_duplicate_or_nameless_role_is_refused() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let answer =
        admin_call(&app, "POST", "/nagra/roles", Some(&token), Some(json!({"name": "adminRole"})))
            .await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"errorMessage": "Role with name adminRole already exists"}))
    );
    let answer =
        admin_call(&app, "POST", "/nagra/roles", Some(&token), Some(json!({"description": "x"})))
            .await;
    assert_eq!((answer.status, answer.body), (400, json!({"error": "role has no name"})));
    let answer = admin_call_raw(&app, "POST", "/nagra/roles", &token, r#"{"name": false}"#).await;
    assert_eq!(answer.status, 400);
    let answer = admin_call(&app, "GET", "/nagra/roles/nope", Some(&token), None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find role"})));
}

#[tokio::test]
async fn a_role_is_renamed_described_and_deleted() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let answer = admin_call(
        &app,
        "PUT",
        "/nagra/roles/operatorRole",
        Some(&token),
        Some(json!({"name": "operator", "description": "Runs the platform"})),
    )
    .await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    assert_eq!(
        admin_call(&app, "GET", "/nagra/roles/operatorRole", Some(&token), None).await.status,
        404
    );
    let role = admin_call(&app, "GET", "/nagra/roles/operator", Some(&token), None).await;
    assert_eq!(role.body["description"], "Runs the platform");
    // The seed user's grant follows the role.
    let (_, claims) = jwt_parts(app.seed_login().await["access_token"].as_str().unwrap());
    assert!(claims["realm_access"]["roles"].as_array().unwrap().contains(&json!("operator")));

    // A rename onto a taken name is Keycloak's bare duplicate answer, and a `PUT` needs
    // the name (26.7.3, `facts-12.md` §3.2; the same for `PUT …/roles/{name}`).
    let answer = admin_call(
        &app,
        "PUT",
        "/nagra/roles/operator",
        Some(&token),
        Some(json!({"name": "adminRole"})),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"error": "conflict", "error_description": "Duplicate resource error"}))
    );
    let answer = admin_call(
        &app,
        "PUT",
        "/nagra/roles/operator",
        Some(&token),
        Some(json!({"description": "no name"})),
    )
    .await;
    assert_eq!((answer.status, answer.body), (400, json!({"error": "role has no name"})));

    let answer = admin_call(&app, "DELETE", "/nagra/roles/operator", Some(&token), None).await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    let (_, claims) = jwt_parts(app.seed_login().await["access_token"].as_str().unwrap());
    // The seed user held no other realm role: `realm_access` goes away.
    assert_eq!(claims.get("realm_access"), None, "{claims}");
    assert_eq!(
        admin_call(&app, "DELETE", "/nagra/roles/operator", Some(&token), None).await.status,
        404
    );
}

#[tokio::test]
async fn the_default_role_cannot_be_deleted() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let answer =
        admin_call(&app, "DELETE", "/nagra/roles/default-roles-nagra", Some(&token), None).await;
    assert_eq!(
        (answer.status, answer.body),
        (
            400,
            json!({"errorMessage": "default-roles-nagra is default role of the realm and cannot be removed."})
        )
    );
}

#[tokio::test]
async fn roles_need_an_admin() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    let token = login["access_token"].as_str().unwrap();
    for (method, path) in
        [("GET", "/nagra/roles"), ("POST", "/nagra/roles"), ("DELETE", "/nagra/roles/adminRole")]
    {
        let answer = admin_call(&app, method, path, Some(token), Some(json!({"name": "x"}))).await;
        assert_eq!(answer.status, 403, "{method} {path}");
        assert_eq!(admin_call(&app, method, path, None, None).await.status, 401);
    }
}

/// `POST/DELETE …/roles/{role}/composites` take roles by id; the user holding the
/// composite then gets its parts in the next token.
#[tokio::test]
async fn composites_are_added_by_id_and_reach_the_token() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let admin_role = admin_call(&app, "GET", "/nagra/roles/adminRole", Some(&token), None).await;
    let offline = admin_call(&app, "GET", "/nagra/roles/offline_access", Some(&token), None).await;
    let path = "/nagra/roles/operatorRole/composites";

    let empty = admin_call(&app, "GET", path, Some(&token), None).await;
    assert_eq!((empty.status, &empty.body), (200, &json!([])));
    let body = json!([{"id": admin_role.body["id"]}]);
    let added = admin_call(&app, "POST", path, Some(&token), Some(body)).await;
    assert_eq!((added.status, &added.body), (204, &Value::Null));

    let listed = admin_call(&app, "GET", path, Some(&token), None).await;
    assert_eq!(names(&listed.body), ["adminRole"]);
    let realm_only = admin_call(&app, "GET", &format!("{path}/realm"), Some(&token), None).await;
    assert_eq!(names(&realm_only.body), ["adminRole"]);
    let role = admin_call(&app, "GET", "/nagra/roles/operatorRole", Some(&token), None).await;
    assert_eq!(role.body["composite"], true);
    let login = app.seed_login().await;
    let roles = &jwt_parts(login["access_token"].as_str().unwrap()).1["realm_access"]["roles"];
    assert!(roles.as_array().unwrap().contains(&json!("adminRole")), "{roles}");

    // One unknown id refuses the whole batch (Keycloak's request transaction).
    let mixed = json!([{"id": offline.body["id"]}, {"id": "no-such-id"}, {"name": "adminRole"}]);
    let refused = admin_call(&app, "POST", path, Some(&token), Some(mixed)).await;
    assert_eq!(
        (refused.status, &refused.body),
        (404, &json!({"error": "Could not find composite role"}))
    );
    let listed = admin_call(&app, "GET", path, Some(&token), None).await;
    assert_eq!(names(&listed.body), ["adminRole"]);

    let body = json!([admin_role.body]);
    let removed = admin_call(&app, "DELETE", path, Some(&token), Some(body)).await;
    assert_eq!(removed.status, 204);
    let after = admin_call(&app, "GET", path, Some(&token), None).await;
    assert_eq!(after.body, json!([]));
    let login = app.seed_login().await;
    let roles = &jwt_parts(login["access_token"].as_str().unwrap()).1["realm_access"]["roles"];
    assert!(!roles.as_array().unwrap().contains(&json!("adminRole")), "{roles}");

    let missing = admin_call(&app, "GET", "/nagra/roles/nope/composites", Some(&token), None).await;
    assert_eq!((missing.status, &missing.body), (404, &json!({"error": "Could not find role"})));
    let not_a_list = admin_call_raw(&app, "POST", path, &token, r#"{"id":"x"}"#).await;
    assert_eq!(not_a_list.status, 400);
}
