//! `POST /admin/realms/{realm}/partialImport` (`RealmAdminResource.partialImport`,
//! `PartialImportManager`): each policy, Keycloak's result body and refusals, one
//! transaction, and realm files larger than the ordinary body limit.

use latchkey_testkit::{TestApp, jwt_parts, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_call_raw, admin_token};

const PATH: &str = "/nagra/partialImport";

async fn password_token(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("username", username),
                ("password", password),
                ("client_id", "crm_client"),
            ],
        )
        .await;
    (response.status().as_u16(), response.json().await.unwrap())
}

fn summary(body: &Value) -> Vec<(String, String, String)> {
    let mut results: Vec<(String, String, String)> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let text = |field: &str| r[field].as_str().unwrap().to_owned();
            (text("action"), text("resourceType"), text("resourceName"))
        })
        .collect();
    results.sort();
    results
}

fn triple(action: &str, kind: &str, name: &str) -> (String, String, String) {
    (action.to_owned(), kind.to_owned(), name.to_owned())
}

/// A group holding the seed's role, a user in it with a password, a client and its role.
fn file(policy: &str, password: &str) -> Value {
    json!({
        "ifResourceExists": policy,
        "realm": "ignored-by-partial-import",
        "clients": [{"clientId": "billing", "secret": "billing-secret"}],
        "roles": {"client": {"billing": [{"name": "payer"}]}},
        "groups": [{"name": "auditors", "realmRoles": ["operatorRole"],
                    "clientRoles": {"billing": ["payer"]}}],
        "users": [{"username": "dora", "enabled": true, "groups": ["/auditors"],
                   "credentials": [{"type": "password", "value": password}]}]
    })
}

#[tokio::test]
async fn a_new_user_in_a_new_group_gets_the_groups_role_in_her_token() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let answer = admin_call(&app, "POST", PATH, Some(&token), Some(file("FAIL", "pw-1"))).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(
        (answer.body["added"].clone(), answer.body["skipped"].clone()),
        (json!(4), json!(0))
    );
    assert_eq!(answer.body["overwritten"], 0);
    assert_eq!(
        summary(&answer.body),
        [
            triple("ADDED", "CLIENT", "billing"),
            triple("ADDED", "CLIENT_ROLE", "billing-->payer"),
            triple("ADDED", "GROUP", "auditors"),
            triple("ADDED", "USER", "dora"),
        ]
    );
    let user_id = answer.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resourceType"] == "USER")
        .unwrap()["id"]
        .clone();
    let users =
        admin_call(&app, "GET", "/nagra/users?username=dora&exact=true", Some(&token), None).await;
    assert_eq!(users.body[0]["id"], user_id);

    let (status, body) = password_token(&app, "dora", "pw-1").await;
    assert_eq!(status, 200, "{body}");
    let (_, claims) = jwt_parts(body["access_token"].as_str().unwrap());
    assert_eq!(claims["realm_access"]["roles"], json!(["operatorRole"]));
}

#[tokio::test]
async fn fail_writes_nothing_skip_keeps_and_overwrite_recreates() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let first = admin_call(&app, "POST", PATH, Some(&token), Some(file("FAIL", "pw-1"))).await;
    assert_eq!(first.status, 200, "{}", first.body);

    // FAIL: the first resource that exists refuses the whole file, before anything is
    // written (the new client of the file is not there afterwards).
    let mut again = file("FAIL", "pw-2");
    again["clients"].as_array_mut().unwrap().insert(0, json!({"clientId": "fresh"}));
    let refused = admin_call(&app, "POST", PATH, Some(&token), Some(again)).await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.body, json!({"errorMessage": "Client id 'billing' already exists"}));
    let fresh = admin_call(&app, "GET", "/nagra/clients?clientId=fresh", Some(&token), None).await;
    assert_eq!(fresh.body, json!([]));
    // Without `ifResourceExists`: FAIL too.
    let mut bare = file("FAIL", "pw-2");
    bare.as_object_mut().unwrap().remove("ifResourceExists");
    let refused = admin_call(&app, "POST", PATH, Some(&token), Some(bare)).await;
    assert_eq!(refused.status, 409);

    // SKIP: everything exists, nothing changes; dora keeps her password.
    let skipped = admin_call(&app, "POST", PATH, Some(&token), Some(file("SKIP", "pw-2"))).await;
    assert_eq!(skipped.status, 200, "{}", skipped.body);
    assert_eq!(
        (skipped.body["added"].clone(), skipped.body["skipped"].clone()),
        (json!(0), json!(4))
    );
    assert_eq!(password_token(&app, "dora", "pw-1").await.0, 200);

    // OVERWRITE: deleted and created anew under new ids, with the file's password.
    let before =
        admin_call(&app, "GET", "/nagra/users?username=dora&exact=true", Some(&token), None).await;
    let overwritten =
        admin_call(&app, "POST", PATH, Some(&token), Some(file("OVERWRITE", "pw-3"))).await;
    assert_eq!(overwritten.status, 200, "{}", overwritten.body);
    assert_eq!(overwritten.body["overwritten"], 4);
    let after =
        admin_call(&app, "GET", "/nagra/users?username=dora&exact=true", Some(&token), None).await;
    assert_ne!(before.body[0]["id"], after.body[0]["id"]);
    let (status, body) = password_token(&app, "dora", "pw-1").await;
    assert_eq!(
        (status, body["error_description"].as_str()),
        (400, Some("Invalid user credentials"))
    );
    let (status, body) = password_token(&app, "dora", "pw-3").await;
    assert_eq!(status, 200, "{body}");
    let (_, claims) = jwt_parts(body["access_token"].as_str().unwrap());
    assert_eq!(claims["realm_access"]["roles"], json!(["operatorRole"]));
}

#[tokio::test]
async fn refusals_are_keycloaks_and_a_realm_file_past_the_body_limit_imports() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let orphan = json!({"roles": {"client": {"ghost": [{"name": "x"}]}}});
    let refused = admin_call(&app, "POST", PATH, Some(&token), Some(orphan)).await;
    assert_eq!(refused.status, 412);
    assert_eq!(
        refused.body,
        json!({"errorMessage": "Can not import client roles for nonexistent client named ghost"})
    );
    let policy = json!({"ifResourceExists": "MERGE"});
    let refused = admin_call(&app, "POST", PATH, Some(&token), Some(policy)).await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.body,
        json!({"errorMessage": "Invalid value for 'ifResourceExists': MERGE"})
    );
    let unknown_group = json!({"users": [{"username": "eve", "groups": ["/nowhere"]}]});
    let refused = admin_call(&app, "POST", PATH, Some(&token), Some(unknown_group)).await;
    assert_eq!(refused.status, 400);
    let unreadable = admin_call_raw(&app, "POST", PATH, &token, "{not json").await;
    assert_eq!(unreadable.status, 400);
    assert_eq!(admin_call(&app, "POST", PATH, None, Some(json!({}))).await.status, 401);

    // 900 users: a file of about 100 KB, past the 64 KiB of ordinary bodies.
    let users: Vec<Value> = (0..900)
        .map(|i| json!({"username": format!("bulk-user-{i:04}"), "email": format!("bulk-{i}@example.com"),
                        "firstName": "Bulk", "lastName": format!("User {i}"), "enabled": true}))
        .collect();
    let big = json!({"ifResourceExists": "FAIL", "users": users});
    assert!(big.to_string().len() > 64 * 1024);
    let imported = admin_call(&app, "POST", PATH, Some(&token), Some(big)).await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    assert_eq!(imported.body["added"], 900);
    let count =
        admin_call(&app, "GET", "/nagra/users/count?search=bulk-user", Some(&token), None).await;
    assert_eq!(count.body, 900);
}

/// Admin events of a partial import, as Keycloak 26.7.3 records them (measured): one per
/// resource written, `CREATE` for added and `UPDATE` for overwritten, of type `REALM`,
/// at the resource's own path (`realms/{id}` for a realm role), with the file's entry.
#[tokio::test]
async fn each_resource_written_is_an_admin_event() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let config = json!({"adminEventsEnabled": true, "adminEventsDetailsEnabled": true});
    let set = admin_call(&app, "PUT", "/nagra/events/config", Some(&token), Some(config)).await;
    assert_eq!(set.status, 204);
    let file = json!({"ifResourceExists": "OVERWRITE", "users": [{"username": "user1"}],
                      "roles": {"realm": [{"name": "r1"}, {"name": "operatorRole"}]}});
    let answer = admin_call(&app, "POST", PATH, Some(&token), Some(file)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let id_of = |name: &str| {
        let results = answer.body["results"].as_array().unwrap();
        results.iter().find(|r| r["resourceName"] == name).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };

    let events = admin_call(&app, "GET", "/nagra/admin-events", Some(&token), None).await;
    let mut seen: Vec<(String, String, String)> = events
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resourcePath"] != "events/config")
        .map(|e| {
            let text = |field: &str| e[field].as_str().unwrap().to_owned();
            (text("operationType"), text("resourceType"), text("resourcePath"))
        })
        .collect();
    seen.sort();
    let mut expected = vec![
        ("CREATE".to_owned(), "REALM".to_owned(), format!("realms/{}", id_of("r1"))),
        ("CREATE".to_owned(), "REALM".to_owned(), format!("users/{}", id_of("user1"))),
        ("UPDATE".to_owned(), "REALM".to_owned(), format!("realms/{}", id_of("operatorRole"))),
    ];
    expected.sort();
    assert_eq!(seen, expected);
    let user_event = events
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["resourcePath"].as_str().unwrap().starts_with("users/"))
        .unwrap();
    let representation: Value =
        serde_json::from_str(user_event["representation"].as_str().unwrap()).unwrap();
    assert_eq!(representation, json!({"username": "user1", "id": id_of("user1")}));
}
