//! Admin API: clients and their secrets (`ClientsResource.java`, `ClientResource.java`;
//! spec §5.6).

use latchkey_core::time::Clock;
use latchkey_testkit::spawn_app;
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_call_raw, admin_token, post};

async fn create_client(app: &latchkey_testkit::TestApp, token: &str, rep: Value) -> String {
    let answer = admin_call(app, "POST", "/nagra/clients", Some(token), Some(rep)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let prefix = format!("{}/admin/realms/nagra/clients/", app.base_url);
    answer.location().strip_prefix(&prefix).unwrap().to_owned()
}

async fn client_credentials(app: &latchkey_testkit::TestApp, id: &str, secret: &str) -> u16 {
    post(
        app,
        &app.token_url("nagra"),
        &[("grant_type", "client_credentials"), ("client_id", id), ("client_secret", secret)],
    )
    .await
    .0
}

#[tokio::test]
async fn clients_are_listed_and_found_by_client_id() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let all = admin_call(&app, "GET", "/nagra/clients", Some(&token), None).await;
    assert_eq!(all.status, 200);
    let ids: Vec<&str> =
        all.body.as_array().unwrap().iter().map(|c| c["clientId"].as_str().unwrap()).collect();
    assert!(ids.contains(&"crm_client") && ids.contains(&"admin-cli"), "{ids:?}");
    let one =
        admin_call(&app, "GET", "/nagra/clients?clientId=crm_client", Some(&token), None).await;
    assert_eq!(one.body.as_array().unwrap().len(), 1);
    assert_eq!(one.body[0]["publicClient"], true);
    assert_eq!(one.body[0]["attributes"]["token.response.type.bearer.lower-case"], "true");
    let none = admin_call(&app, "GET", "/nagra/clients?clientId=crm", Some(&token), None).await;
    assert_eq!(none.body, json!([]));
    let found =
        admin_call(&app, "GET", "/nagra/clients?clientId=CRM&search=true", Some(&token), None)
            .await;
    assert_eq!(found.body[0]["clientId"], "crm_client");
}

#[tokio::test]
async fn a_confidential_client_is_created_with_a_secret_that_works() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_client(
        &app,
        &token,
        json!({"clientId": "billing", "name": "Billing", "serviceAccountsEnabled": true}),
    )
    .await;
    let client = admin_call(&app, "GET", &format!("/nagra/clients/{id}"), Some(&token), None).await;
    assert_eq!(client.status, 200);
    assert_eq!(client.body["id"], id.as_str());
    assert_eq!(client.body["publicClient"], false);
    assert_eq!(client.body["standardFlowEnabled"], true);
    assert_eq!(client.body["directAccessGrantsEnabled"], false);
    let secret =
        admin_call(&app, "GET", &format!("/nagra/clients/{id}/client-secret"), Some(&token), None)
            .await;
    assert_eq!(secret.body["type"], "secret");
    let value = secret.body["value"].as_str().unwrap().to_owned();
    assert_eq!(value.len(), 32);
    assert_eq!(client.body["secret"], value.as_str());
    assert_eq!(client_credentials(&app, "billing", &value).await, 200);
    // Its service-account user exists but stays out of user listings and counts.
    let users = admin_call(&app, "GET", "/nagra/users?search=service", Some(&token), None).await;
    assert_eq!(users.body, json!([]));
    let count = admin_call(&app, "GET", "/nagra/users/count", Some(&token), None).await;
    assert_eq!(count.body, json!(2));

    let rotated =
        admin_call(&app, "POST", &format!("/nagra/clients/{id}/client-secret"), Some(&token), None)
            .await;
    assert_eq!(rotated.status, 200);
    let new_value = rotated.body["value"].as_str().unwrap();
    assert_ne!(new_value, value);
    assert_eq!(client_credentials(&app, "billing", &value).await, 401);
    assert_eq!(client_credentials(&app, "billing", new_value).await, 200);
}

#[tokio::test]
async fn a_duplicate_client_id_is_409() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let answer = admin_call(
        &app,
        "POST",
        "/nagra/clients",
        Some(&token),
        Some(json!({"clientId": "crm_client"})),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"errorMessage": "Client crm_client already exists"}))
    );
    let answer = admin_call_raw(
        &app,
        "POST",
        "/nagra/clients",
        &token,
        r#"{"clientId": "x", "publicClient": "no"}"#,
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["error_description"], "Cannot parse the JSON");
    let listed = admin_call(&app, "GET", "/nagra/clients?clientId=x", Some(&token), None).await;
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn a_client_update_applies_to_the_next_grant() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_client(
        &app,
        &token,
        json!({"clientId": "portal", "publicClient": true, "directAccessGrantsEnabled": true}),
    )
    .await;
    let grant = |client_id: &'static str| {
        let app = &app;
        async move {
            post(
                app,
                &app.token_url("nagra"),
                &[
                    ("grant_type", "password"),
                    ("client_id", client_id),
                    ("username", "crm_client_user"),
                    ("password", "1234"),
                ],
            )
            .await
        }
    };
    let (status, _, body) = grant("portal").await;
    assert_eq!((status, body["expires_in"].as_i64()), (200, Some(300)), "{body}");
    let answer = admin_call(
        &app,
        "PUT",
        &format!("/nagra/clients/{id}"),
        Some(&token),
        Some(json!({"attributes": {"access.token.lifespan": "120"}, "description": "The portal"})),
    )
    .await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    let (_, _, body) = grant("portal").await;
    assert_eq!(body["expires_in"], 120);
    let answer = admin_call(
        &app,
        "PUT",
        &format!("/nagra/clients/{id}"),
        Some(&token),
        Some(json!({"directAccessGrantsEnabled": false})),
    )
    .await;
    assert_eq!(answer.status, 204);
    let (status, _, _) = grant("portal").await;
    assert_eq!(status, 400);
    let client = admin_call(&app, "GET", &format!("/nagra/clients/{id}"), Some(&token), None).await;
    assert_eq!(client.body["description"], "The portal");
    assert_eq!(client.body["publicClient"], true, "fields not sent are kept");

    let answer = admin_call(
        &app,
        "PUT",
        &format!("/nagra/clients/{id}"),
        Some(&token),
        Some(json!({"clientId": "crm_client"})),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"errorMessage": "Client crm_client already exists"}))
    );
}

#[tokio::test]
async fn a_deleted_client_is_gone() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_client(&app, &token, json!({"clientId": "temp", "publicClient": true})).await;
    let path = format!("/nagra/clients/{id}");
    let answer = admin_call(&app, "DELETE", &path, Some(&token), None).await;
    assert_eq!((answer.status, &answer.body), (204, &Value::Null));
    let answer = admin_call(&app, "GET", &path, Some(&token), None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find client"})));
    assert_eq!(admin_call(&app, "DELETE", &path, Some(&token), None).await.status, 404);
    assert_eq!(
        admin_call(&app, "GET", &format!("{path}/client-secret"), Some(&token), None).await.status,
        404
    );
    let (status, _, body) = post(
        &app,
        &app.token_url("nagra"),
        &[("grant_type", "password"), ("client_id", "temp"), ("username", "a"), ("password", "b")],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
}

#[tokio::test]
async fn clients_need_an_admin() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    let token = login["access_token"].as_str().unwrap();
    for (method, path) in [("GET", "/nagra/clients"), ("POST", "/nagra/clients")] {
        let answer =
            admin_call(&app, method, path, Some(token), Some(json!({"clientId": "x"}))).await;
        assert_eq!(answer.status, 403, "{method} {path}");
        assert_eq!(admin_call(&app, method, path, None, None).await.status, 401);
    }
}

/// Keycloak 26.7.3's answer to `POST /clients` with only `{"clientId":"x"}`, read back
/// with `GET` (`ClientsResource.java`, `RepresentationToModel.createClient`; recorded in
/// the issue-12 facts, 6.1): `directAccessGrantsEnabled` is `false` (the admin console
/// sends the flags itself), `standardFlowEnabled` `true`, a generated secret, and the
/// fields in Keycloak's order.
#[tokio::test]
async fn a_client_created_with_only_its_client_id_has_keycloaks_defaults() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let id = create_client(&app, &token, json!({"clientId": "x"})).await;
    let answer = admin_call(&app, "GET", &format!("/nagra/clients/{id}"), Some(&token), None).await;
    assert_eq!(answer.status, 200);
    let mut client = answer.body.clone();
    let secret = client["secret"].as_str().unwrap().to_owned();
    let created: i64 =
        client["attributes"]["client.secret.creation.time"].as_str().unwrap().parse().unwrap();
    assert_eq!(created, app.clock.now().0 / 1000, "the server's clock, in seconds");
    let optional: Vec<String> =
        serde_json::from_value(client["optionalClientScopes"].take()).unwrap();
    assert!(optional.iter().any(|s| s == "offline_access"), "{optional:?}");
    let fields: Vec<&str> = answer.body.as_object().unwrap().keys().map(String::as_str).collect();
    let expected = json!({
        "id": id,
        "clientId": "x",
        "surrogateAuthRequired": false,
        "enabled": true,
        "alwaysDisplayInConsole": false,
        "clientAuthenticatorType": "client-secret",
        "secret": secret,
        "redirectUris": [],
        "webOrigins": [],
        "notBefore": 0,
        "bearerOnly": false,
        "consentRequired": false,
        "standardFlowEnabled": true,
        "implicitFlowEnabled": false,
        "directAccessGrantsEnabled": false,
        "serviceAccountsEnabled": false,
        "publicClient": false,
        "frontchannelLogout": false,
        "protocol": "openid-connect",
        "attributes": {"realm_client": "false", "client.secret.creation.time": created.to_string()},
        "authenticationFlowBindingOverrides": {},
        "fullScopeAllowed": true,
        "nodeReRegistrationTimeout": -1,
        "defaultClientScopes": client["defaultClientScopes"],
        "optionalClientScopes": null,
        "access": {"view": true, "configure": true, "manage": true}
    });
    assert_eq!(client, expected);
    let keycloak_order: Vec<&str> =
        expected.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fields, keycloak_order);
    // The secret works, and the password grant is refused as Keycloak refuses it.
    assert_eq!(client_credentials(&app, "x", &secret).await, 401, "no service accounts");
    let (status, _, body) = post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("client_id", "x"),
            ("client_secret", &secret),
            ("username", "crm_client_user"),
            ("password", "1234"),
        ],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unauthorized_client")), "{body}");

    // A public client has no secret and no creation time; `{}` takes its id as clientId.
    let id = create_client(&app, &token, json!({"clientId": "pub", "publicClient": true})).await;
    let public = admin_call(&app, "GET", &format!("/nagra/clients/{id}"), Some(&token), None).await;
    assert_eq!(public.body["attributes"], json!({"realm_client": "false"}));
    assert_eq!(public.body.get("secret"), None);
    let id = create_client(&app, &token, json!({})).await;
    let unnamed =
        admin_call(&app, "GET", &format!("/nagra/clients/{id}"), Some(&token), None).await;
    assert_eq!(unnamed.body["clientId"], id.as_str());
    // Flags given on create, and later by PUT, are kept.
    let id = create_client(
        &app,
        &token,
        json!({"clientId": "shown", "alwaysDisplayInConsole": true, "frontchannelLogout": true}),
    )
    .await;
    let path = format!("/nagra/clients/{id}");
    let shown = admin_call(&app, "GET", &path, Some(&token), None).await;
    assert_eq!(
        (&shown.body["alwaysDisplayInConsole"], &shown.body["frontchannelLogout"]),
        (&json!(true), &json!(true))
    );
    let answer =
        admin_call(&app, "PUT", &path, Some(&token), Some(json!({"frontchannelLogout": false})))
            .await;
    assert_eq!(answer.status, 204);
    let shown = admin_call(&app, "GET", &path, Some(&token), None).await;
    assert_eq!(
        (&shown.body["alwaysDisplayInConsole"], &shown.body["frontchannelLogout"]),
        (&json!(true), &json!(false))
    );
}
