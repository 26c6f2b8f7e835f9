//! Admin API: scope mappings of clients and client scopes (`ScopeMappedResource.java`,
//! `ScopeMappedClientResource.java`). Answers recorded from Keycloak 26.7.3
//! (`facts-12.md` §2.6, §2.11); where Keycloak answers 500, the 4xx latchkey chose is said.

use latchkey_testkit::{TestApp, jwt_parts, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{Answer, admin_call, admin_token, create, create_realm, field};

async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> Answer {
    admin_call(app, method, &format!("/scopes{path}"), Some(token), body).await
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

/// A role's brief representation as a listing shows it.
async fn role(app: &TestApp, token: &str, path: &str) -> Value {
    let answer = call(app, token, "GET", path, None).await;
    assert_eq!(answer.status, 200, "{path}");
    let mut role = answer.body;
    if let Value::Object(fields) = &mut role {
        fields.remove("attributes");
        fields.remove("description");
    }
    role
}

async fn check_scope_mappings(
    app: &TestApp,
    token: &str,
    holder: &str,
    app2: &str,
    full_scope: bool,
) {
    let base = format!("{holder}/scope-mappings");
    let empty = call(app, token, "GET", &base, None).await;
    assert_eq!((empty.status, empty.body), (200, json!({})));
    let r1 = role(app, token, "/roles/r1").await;
    let rcomp = role(app, token, "/roles/rcomp").await;
    let c1 = role(app, token, &format!("/clients/{app2}/roles/c1")).await;
    let added = call(app, token, "POST", &format!("{base}/realm"), Some(json!([r1, rcomp]))).await;
    assert_eq!((added.status, added.body), (204, Value::Null));
    // Keycloak answers 500 to a role given by name only; latchkey 404.
    let by_name =
        call(app, token, "POST", &format!("{base}/realm"), Some(json!([{"name": "r2"}]))).await;
    assert_eq!((by_name.status, by_name.body), (404, json!({"error": "Role not found"})));
    let client_path = format!("{base}/clients/{app2}");
    let added = call(app, token, "POST", &client_path, Some(json!([c1]))).await;
    assert_eq!((added.status, added.body), (204, Value::Null));

    let all = call(app, token, "GET", &base, None).await;
    assert_eq!(sorted(field(&all.body["realmMappings"], "name")), ["r1", "rcomp"]);
    assert_eq!(
        all.body["clientMappings"]["sc-app2"],
        json!({"id": app2, "client": "sc-app2", "mappings": [c1]})
    );
    let realm_roles = call(app, token, "GET", &format!("{base}/realm"), None).await;
    assert_eq!(sorted(field(&realm_roles.body, "name")), ["r1", "rcomp"]);
    let available = call(app, token, "GET", &format!("{base}/realm/available"), None).await;
    assert_eq!(
        sorted(field(&available.body, "name")),
        ["default-roles-scopes", "offline_access", "r2", "r3", "uma_authorization"]
    );
    let composite = call(app, token, "GET", &format!("{base}/realm/composite"), None).await;
    let expected: &[&str] = if full_scope {
        // A client with `fullScopeAllowed` has every role in scope.
        &["default-roles-scopes", "offline_access", "r1", "r2", "r3", "rcomp", "uma_authorization"]
    } else {
        &["r1", "r3", "rcomp"]
    };
    assert_eq!(sorted(field(&composite.body, "name")), expected);
    let full =
        call(app, token, "GET", &format!("{base}/realm/composite?briefRepresentation=false"), None)
            .await;
    assert!(full.body.as_array().unwrap().iter().all(|r| r.get("attributes").is_some()));
    let client_roles = call(app, token, "GET", &client_path, None).await;
    assert_eq!(client_roles.body, json!([c1]));
    let client_available = call(app, token, "GET", &format!("{client_path}/available"), None).await;
    assert_eq!(field(&client_available.body, "name"), ["c2"]);
    let client_composite = call(app, token, "GET", &format!("{client_path}/composite"), None).await;
    let expected: &[&str] = if full_scope { &["c1", "c2"] } else { &["c1"] };
    assert_eq!(sorted(field(&client_composite.body, "name")), expected);

    // Removing twice is fine; a DELETE without a body takes away every one.
    for _ in 0..2 {
        let removed = call(app, token, "DELETE", &format!("{base}/realm"), Some(json!([r1]))).await;
        assert_eq!((removed.status, removed.body), (204, Value::Null));
    }
    let realm_roles = call(app, token, "GET", &format!("{base}/realm"), None).await;
    assert_eq!(field(&realm_roles.body, "name"), ["rcomp"]);
    assert_eq!(call(app, token, "DELETE", &client_path, None).await.status, 204);
    assert_eq!(call(app, token, "DELETE", &format!("{base}/realm"), None).await.status, 204);
    let empty = call(app, token, "GET", &base, None).await;
    assert_eq!(empty.body, json!({}));

    let unknown = format!("{base}/clients/00000000-0000-0000-0000-000000000000");
    let answer = call(app, token, "GET", &unknown, None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find client"})));
}

async fn setup(app: &TestApp, token: &str) -> String {
    create_realm(app, token, "scopes").await;
    for name in ["r1", "r2", "r3", "rcomp"] {
        create(app, token, "/scopes/roles", json!({"name": name})).await;
    }
    let r3 = role(app, token, "/roles/r3").await;
    let composite = call(app, token, "POST", "/roles/rcomp/composites", Some(json!([r3]))).await;
    assert_eq!(composite.status, 204);
    let app2 = create(app, token, "/scopes/clients", json!({"clientId": "sc-app2"})).await;
    for name in ["c1", "c2"] {
        create(app, token, &format!("/scopes/clients/{app2}/roles"), json!({"name": name})).await;
    }
    app2
}

#[tokio::test]
async fn a_clients_scope_mappings_as_in_keycloak() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let app2 = setup(&app, &token).await;
    let client = create(&app, &token, "/scopes/clients", json!({"clientId": "sc-app"})).await;
    check_scope_mappings(&app, &token, &format!("/clients/{client}"), &app2, true).await;
    let update = json!({"clientId": "sc-app", "fullScopeAllowed": false});
    assert_eq!(
        call(&app, &token, "PUT", &format!("/clients/{client}"), Some(update)).await.status,
        204
    );
    check_scope_mappings(&app, &token, &format!("/clients/{client}"), &app2, false).await;
}

#[tokio::test]
async fn a_client_scopes_scope_mappings_as_in_keycloak() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let app2 = setup(&app, &token).await;
    let scope = create(
        &app,
        &token,
        "/scopes/client-scopes",
        json!({"name": "custom", "protocol": "openid-connect"}),
    )
    .await;
    check_scope_mappings(&app, &token, &format!("/client-scopes/{scope}"), &app2, false).await;
    let unknown = "/client-scopes/00000000-0000-0000-0000-000000000000/scope-mappings";
    let answer = call(&app, &token, "GET", unknown, None).await;
    assert_eq!(
        (answer.status, answer.body),
        (404, json!({"error": "Could not find client scope"}))
    );
}

/// The realm roles in the access token of the seed's password grant.
async fn crm_realm_roles(app: &TestApp) -> Vec<String> {
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("client_id", "crm_client"),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let claims = jwt_parts(body["access_token"].as_str().unwrap()).1;
    claims["realm_access"]["roles"]
        .as_array()
        .map(|roles| roles.iter().map(|r| r.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn without_full_scope_a_scope_mapping_added_through_the_api_reaches_the_next_token() {
    // facts-12 §2.11.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let clients =
        admin_call(&app, "GET", "/nagra/clients?clientId=crm_client", Some(&token), None).await;
    let client = clients.body[0]["id"].as_str().unwrap().to_owned();
    assert!(crm_realm_roles(&app).await.contains(&"operatorRole".to_owned()));
    let update = json!({"clientId": "crm_client", "fullScopeAllowed": false});
    let path = format!("/nagra/clients/{client}");
    assert_eq!(admin_call(&app, "PUT", &path, Some(&token), Some(update)).await.status, 204);
    assert!(!crm_realm_roles(&app).await.contains(&"operatorRole".to_owned()));
    let operator = admin_call(&app, "GET", "/nagra/roles/operatorRole", Some(&token), None).await;
    let mapping = json!([{"id": operator.body["id"], "name": "operatorRole"}]);
    let scope_path = format!("/nagra/clients/{client}/scope-mappings/realm");
    let added = admin_call(&app, "POST", &scope_path, Some(&token), Some(mapping.clone())).await;
    assert_eq!(added.status, 204);
    assert!(crm_realm_roles(&app).await.contains(&"operatorRole".to_owned()));
    let removed = admin_call(&app, "DELETE", &scope_path, Some(&token), Some(mapping)).await;
    assert_eq!(removed.status, 204);
    assert!(!crm_realm_roles(&app).await.contains(&"operatorRole".to_owned()));
}
