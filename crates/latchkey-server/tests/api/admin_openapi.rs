//! The Admin API's OpenAPI document (`GET {base}/admin/openapi.json`): it names every
//! route the server answers and the bodies it answers with.

use latchkey_testkit::spawn_app;
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_token};

async fn fetch_document(app: &latchkey_testkit::TestApp) -> Value {
    let response =
        app.http.get(format!("{}/admin/openapi.json", app.base_url)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

/// The path with each `{parameter}` filled in.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| if segment.starts_with('{') { "nagra" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_this_servers_base_url() {
    let app = spawn_app().await;
    let document = fetch_document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert_eq!(document["servers"][0]["url"], app.base_url);
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    let users = &document["paths"]["/admin/realms/{realm}/users"];
    assert_eq!(users["get"]["tags"][0], "Users");
    let query: Vec<&str> = users["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["search", "username", "email", "exact", "first", "max", "briefRepresentation"] {
        assert!(query.contains(&name), "{name} missing from {query:?}");
    }
    assert_eq!(
        users["get"]["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"],
        "#/components/schemas/UserRepresentation"
    );
    assert!(users["post"]["responses"]["201"]["headers"]["Location"].is_object());
    assert!(users["post"]["responses"]["409"].is_object());
}

/// Every documented operation is routed: without a token it answers 401, never 404 or
/// 405. A method the document does not list is 405.
#[tokio::test]
async fn every_documented_operation_is_served_and_nothing_else() {
    let app = spawn_app().await;
    let document = fetch_document(&app).await;
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 29, "{} paths", paths.len());
    for (path, item) in paths {
        let url = format!("{}{}", app.base_url, concrete(path));
        let item = item.as_object().unwrap();
        for method in ["get", "post", "put", "delete"] {
            let verb = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let status = app.http.request(verb, &url).send().await.unwrap().status().as_u16();
            let expected = if item.contains_key(method) { 401 } else { 405 };
            assert_eq!(status, expected, "{method} {path}");
        }
    }
}

/// What the server answers fits the schema it publishes: every field of a real user,
/// client and realm is a documented property.
#[tokio::test]
async fn answers_use_only_documented_fields() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let document = fetch_document(&app).await;
    let schemas = &document["components"]["schemas"];
    for (path, schema) in [
        ("/nagra/users", "UserRepresentation"),
        ("/nagra/clients", "ClientRepresentation"),
        ("/nagra/roles", "RoleRepresentation"),
        ("", "RealmRepresentation"),
    ] {
        let answer = admin_call(&app, "GET", path, Some(&token), None).await;
        assert_eq!(answer.status, 200, "{path}");
        let properties = schemas[schema]["properties"].as_object().unwrap();
        for item in answer.body.as_array().unwrap() {
            for field in item.as_object().unwrap().keys() {
                assert!(properties.contains_key(field), "{schema} lacks {field} ({path})");
            }
        }
    }
}

/// The document says what the server enforces (issue 13 item 4): paging parameters are
/// 32-bit integers or empty, flags any text, the ranges of `limits.rs`, the fields a
/// create needs, the optional body of a revoking `DELETE`, and every refusal status.
#[tokio::test]
async fn the_document_states_what_the_server_enforces() {
    let app = spawn_app().await;
    let document = fetch_document(&app).await;
    let paths = &document["paths"];
    let parameter = |path: &str, name: &str| -> Value {
        paths[path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap()
    };
    let first = parameter("/admin/realms/{realm}/users", "first");
    assert_eq!(first["schema"]["anyOf"][0]["minimum"], i64::from(i32::MIN));
    assert_eq!(first["schema"]["anyOf"][0]["maximum"], i64::from(i32::MAX));
    assert_eq!(first["schema"]["anyOf"][1]["maxLength"], 0);
    let brief = parameter("/admin/realms/{realm}/users", "briefRepresentation");
    assert_eq!(brief["schema"]["anyOf"][1]["type"], "string");

    let sa = &paths["/admin/realms/{realm}/clients/{id}/service-account-user"]["get"];
    assert!(sa["responses"]["400"].is_object());
    let revoke = &paths["/admin/realms/{realm}/users/{id}/role-mappings/realm"]["delete"];
    assert_eq!(revoke["requestBody"]["required"], false);
    let create = &paths["/admin/realms/{realm}/users"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    // A closed representation: the fields Keycloak knows with the Java type Jackson reads
    // each into, no other (`java_types.rs`), beside the rules of a create.
    assert_eq!(create["allOf"][1]["$ref"], "#/components/schemas/Jackson.UserRepresentation");
    let jackson = &document["components"]["schemas"]["Jackson.UserRepresentation"];
    assert_eq!(jackson["additionalProperties"], false);
    assert_eq!(
        jackson["properties"]["firstName"]["type"],
        json!(["string", "number", "boolean", "null"])
    );
    assert_eq!(jackson["properties"]["notBefore"]["anyOf"][0]["maximum"], i64::from(i32::MAX));
    assert!(jackson["properties"]["wrong"].is_null());
    let credentials = &jackson["properties"]["credentials"]["items"]["anyOf"][0]["$ref"];
    assert_eq!(credentials, "#/components/schemas/Jackson.CredentialRepresentation");
    let rules = &create["allOf"][0];
    assert_eq!(rules["required"][0], "username");
    assert_eq!(rules["properties"]["username"]["minLength"], 3);

    let realm = &document["components"]["schemas"]["RealmRepresentation"]["properties"];
    let lifespan = &realm["accessTokenLifespan"]["anyOf"];
    assert_eq!(lifespan[0]["minimum"], 1);
    assert_eq!(lifespan[0]["maximum"], 10 * 365 * 86_400);
    assert_eq!(lifespan[1]["type"], "null", "null leaves the setting as it is");
    let client = &document["components"]["schemas"]["ClientRepresentation"]["properties"];
    assert_eq!(client["bearerOnly"]["type"], serde_json::json!(["boolean", "null"]));
    let pattern =
        client["attributes"]["properties"]["access.token.lifespan"]["pattern"].as_str().unwrap();
    assert!(pattern.starts_with("^(|-1|0|"), "{pattern}");
}
