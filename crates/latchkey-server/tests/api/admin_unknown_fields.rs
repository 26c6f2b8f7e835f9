//! Admin API: unknown JSON fields are refused where Keycloak 26.7.3 refuses them, with
//! its exact text (Jackson's `UnrecognizedPropertyException` through
//! `KeycloakErrorHandler.java`; issue-12 facts 6.1, 6.2), and nothing of the body is
//! applied. The bodies are sent as the bytes the facts were recorded with.

use latchkey_testkit::spawn_app;
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_call_raw, admin_token};

fn unrecognized(representation: &str, line_column: &str) -> Value {
    json!({"error": format!(
        "Invalid json representation for {representation}. Unrecognized field \"wrong\" at {line_column}."
    )})
}

#[tokio::test]
async fn unknown_fields_are_refused_with_keycloaks_text() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let user = admin_call(&app, "GET", "/nagra/users?username=crm_client_user", Some(&token), None)
        .await
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = admin_call(&app, "GET", "/nagra/clients?clientId=crm_client", Some(&token), None)
        .await
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let cases = [
        (
            "PUT",
            format!("/nagra/users/{user}"),
            r#"{"wrong": "payload"}"#,
            "UserRepresentation",
            "line 1 column 12",
        ),
        (
            "PUT",
            format!("/nagra/users/{user}"),
            r#"{"firstName": "Changed", "wrong": "payload"}"#,
            "UserRepresentation",
            "line 1 column 36",
        ),
        (
            "POST",
            "/nagra/users".to_owned(),
            r#"{"username": "newu", "wrong": 1}"#,
            "UserRepresentation",
            "line 1 column 32",
        ),
        (
            "POST",
            "/nagra/clients".to_owned(),
            r#"{"clientId": "y", "wrong": 1}"#,
            "ClientRepresentation",
            "line 1 column 29",
        ),
        (
            "PUT",
            format!("/nagra/clients/{client}"),
            r#"{"clientId": "x", "wrong": 1}"#,
            "ClientRepresentation",
            "line 1 column 29",
        ),
        ("PUT", "/nagra".to_owned(), r#"{"wrong": 1}"#, "RealmRepresentation", "line 1 column 12"),
        (
            "POST",
            "/nagra/roles".to_owned(),
            r#"{"name": "r", "wrong": 1}"#,
            "RoleRepresentation",
            "line 1 column 25",
        ),
        (
            "PUT",
            format!("/nagra/users/{user}/reset-password"),
            r#"{"type": "password", "value": "pw", "wrong": 1}"#,
            "CredentialRepresentation",
            "line 1 column 47",
        ),
        (
            "POST",
            "/nagra/groups".to_owned(),
            r#"{"name": "g", "wrong": 1}"#,
            "GroupRepresentation",
            "line 1 column 25",
        ),
        // A client scope takes unknown fields (`ignoreUnknown`), its mappers do not; nor do
        // the elements of `add-models` (asked of 26.7.3 with these bytes).
        (
            "POST",
            "/nagra/client-scopes".to_owned(),
            r#"{"name": "s2", "protocol": "openid-connect", "protocolMappers": [{"name": "hc", "protocol": "openid-connect", "protocolMapper": "oidc-hardcoded-claim-mapper", "config": {"claim.name": "x", "claim.value": "1"}, "wrong": 1}]}"#,
            "ProtocolMapperRepresentation",
            "line 1 column 221",
        ),
        (
            "POST",
            format!("/nagra/clients/{client}/protocol-mappers/add-models"),
            r#"[{"name": "a1", "protocol": "openid-connect", "protocolMapper": "oidc-hardcoded-claim-mapper", "config": {"claim.name": "x", "claim.value": "1"}, "wrong": 1}]"#,
            "ProtocolMapperRepresentation",
            "line 1 column 157",
        ),
        // Objects, literals and a second line, as the shared 26.7.3 server answered them.
        (
            "PUT",
            format!("/nagra/clients/{client}"),
            r#"{"clientId":"x","wrong":{"a":1}}"#,
            "ClientRepresentation",
            "line 1 column 26",
        ),
        (
            "PUT",
            format!("/nagra/clients/{client}"),
            "{\"clientId\":\"x\",\n  \"wrong\":[1]}",
            "ClientRepresentation",
            "line 2 column 12",
        ),
    ];
    for (method, path, body, representation, at) in cases {
        let answer = admin_call_raw(&app, method, &path, &token, body).await;
        assert_eq!(answer.status, 400, "{method} {path} {body}");
        assert_eq!(answer.body, unrecognized(representation, at), "{method} {path} {body}");
        assert_eq!(answer.headers["content-type"], "application/json");
    }
    // Nothing was applied or created.
    let after = admin_call(&app, "GET", &format!("/nagra/users/{user}"), Some(&token), None).await;
    assert_ne!(after.body["firstName"], "Changed");
    for path in [
        "/nagra/users?username=newu",
        "/nagra/clients?clientId=y",
        "/nagra/groups?search=g&exact=true",
    ] {
        assert_eq!(
            admin_call(&app, "GET", path, Some(&token), None).await.body,
            json!([]),
            "{path}"
        );
    }
    assert_eq!(admin_call(&app, "GET", "/nagra/roles/r", Some(&token), None).await.status, 404);
    let scopes = admin_call(&app, "GET", "/nagra/client-scopes", Some(&token), None).await.body;
    assert!(!crate::helpers::field(&scopes, "name").contains(&"s2".to_owned()));
    let mappers = format!("/nagra/clients/{client}/protocol-mappers/models");
    let mappers = admin_call(&app, "GET", &mappers, Some(&token), None).await.body;
    assert!(!crate::helpers::field(&mappers, "name").contains(&"a1".to_owned()));
    // The scope's own unknown fields are read past, as Keycloak does.
    let body = r#"{"name": "s1", "protocol": "openid-connect", "wrong": "x"}"#;
    let answer = admin_call_raw(&app, "POST", "/nagra/client-scopes", &token, body).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let (status, _, _) = crate::helpers::post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("client_id", "crm_client"),
            ("username", "crm_client_user"),
            ("password", "pw"),
        ],
    )
    .await;
    assert_eq!(status, 400, "the password was not reset: invalid_grant");
}

/// Fields Keycloak knows but latchkey does not model are accepted as before: a
/// representation read back from Keycloak (here with `totp`, `disableableCredentialTypes`,
/// `notBefore`, `access`, `userProfileMetadata`) goes back in unchanged.
#[tokio::test]
async fn fields_keycloak_knows_are_accepted() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let user = admin_call(&app, "GET", "/nagra/users?username=crm_client_user", Some(&token), None)
        .await
        .body[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/nagra/users/{user}");
    let body = json!({
        "firstName": "Kept", "totp": false, "disableableCredentialTypes": [], "notBefore": 0,
        "access": {"manage": true}, "requiredActions": [], "userProfileMetadata": null
    });
    let answer = admin_call(&app, "PUT", &path, Some(&token), Some(body)).await;
    assert_eq!(answer.status, 204, "{}", answer.body);
    let read = admin_call(&app, "GET", &path, Some(&token), None).await;
    assert_eq!(read.body["firstName"], "Kept");
    let answer = admin_call(
        &app,
        "POST",
        "/nagra/clients",
        Some(&token),
        Some(json!({"clientId": "full", "adminUrl": "", "registeredNodes": {}, "origin": null, "type": null})),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    // A broken body is still the parse error it was.
    let answer = admin_call_raw(&app, "PUT", &path, &token, "{not json").await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["error_description"], "Cannot parse the JSON");
}
