//! Admin API: protocol mappers of clients and client scopes (`ProtocolMappersResource.java`).
//! Every answer was recorded from Keycloak 26.7.3 (`facts-12.md` §2.5); where Keycloak
//! answers 500, the 4xx latchkey chose is said.

use latchkey_testkit::{TestApp, jwt_parts, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{Answer, admin_call, admin_token, create, create_realm, field};

async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> Answer {
    admin_call(app, method, &format!("/scopes{path}"), Some(token), body).await
}

fn hardcoded(name: &str, config: Value) -> Value {
    json!({"name": name, "protocol": "openid-connect",
           "protocolMapper": "oidc-hardcoded-claim-mapper", "config": config})
}

/// The mapper operations on one holder (`clients/{id}` or `client-scopes/{id}`), as
/// recorded on a client; a scope answers the same.
async fn check_mapper_crud(app: &TestApp, token: &str, holder: &str) {
    let models = format!("{holder}/protocol-mappers/models");
    let empty = call(app, token, "GET", &models, None).await;
    assert_eq!((empty.status, empty.body), (200, json!([])));
    let hc1 = hardcoded(
        "hc1",
        json!({"claim.name": "hc1", "claim.value": "v1", "jsonType.label": "String",
               "access.token.claim": "true", "id.token.claim": "true",
               "userinfo.token.claim": "true", "introspection.token.claim": "true"}),
    );
    let created = call(app, token, "POST", &models, Some(hc1.clone())).await;
    assert_eq!((created.status, &created.body), (201, &Value::Null));
    let hc1_id = created.location().rsplit('/').next().unwrap().to_owned();
    assert_eq!(
        created.location(),
        format!("{}/admin/realms/scopes{models}/{hc1_id}", app.base_url)
    );
    let again = call(app, token, "POST", &models, Some(hc1)).await;
    assert_eq!(
        (again.status, again.body),
        (409, json!({"errorMessage": "Protocol mapper exists with same name"}))
    );
    let unknown_type = json!({"name": "bad", "protocol": "openid-connect",
                              "protocolMapper": "no-such-mapper", "config": {}});
    let answer = call(app, token, "POST", &models, Some(unknown_type)).await;
    assert_eq!(
        (answer.status, answer.body),
        (404, json!({"error": "ProtocolMapper provider not found"}))
    );
    let no_protocol = json!({"name": "noproto", "protocolMapper": "oidc-hardcoded-claim-mapper",
                             "config": {"claim.name": "x", "claim.value": "y"}});
    let answer = call(app, token, "POST", &models, Some(no_protocol)).await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"error": "conflict", "error_description": "Duplicate resource error"}))
    );
    let wrong_field = json!({"name": "wrongfield", "protocol": "openid-connect",
        "protocolMapper": "oidc-hardcoded-claim-mapper", "config": {}, "wrong": 1});
    let answer = call(app, token, "POST", &models, Some(wrong_field)).await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.body["error"].as_str().unwrap().starts_with(
            "Invalid json representation for ProtocolMapperRepresentation. Unrecognized field \"wrong\""
        ),
        "{}",
        answer.body
    );
    // A SAML mapper on an OpenID Connect holder, a value its JSON type refuses, no
    // config: all accepted.
    let saml = json!({"name": "samlonoidc", "protocol": "saml",
                      "protocolMapper": "saml-role-list-mapper", "config": {}});
    assert_eq!(call(app, token, "POST", &models, Some(saml)).await.status, 201);
    let badjson = hardcoded(
        "badjson",
        json!({"claim.name": "x", "claim.value": "notanint", "jsonType.label": "int",
               "access.token.claim": "true"}),
    );
    assert_eq!(call(app, token, "POST", &models, Some(badjson)).await.status, 201);
    let nocfg = json!({"name": "nocfg", "protocol": "openid-connect",
                       "protocolMapper": "oidc-hardcoded-claim-mapper"});
    assert_eq!(call(app, token, "POST", &models, Some(nocfg)).await.status, 201);

    // add-models: all of them, or (a name taken) none.
    let add_models = format!("{holder}/protocol-mappers/add-models");
    let two = json!([
        hardcoded(
            "hc2",
            json!({"claim.name": "hc2", "claim.value": "v2", "access.token.claim": "true"})
        ),
        hardcoded(
            "hc3",
            json!({"claim.name": "hc3", "claim.value": "v3", "access.token.claim": "true"})
        )
    ]);
    let added = call(app, token, "POST", &add_models, Some(two)).await;
    assert_eq!((added.status, added.body), (204, Value::Null));
    let clash = json!([
        hardcoded("hc4", json!({"claim.name": "hc4", "claim.value": "v4"})),
        hardcoded("hc1", json!({"claim.name": "hc1", "claim.value": "v1"}))
    ]);
    let answer = call(app, token, "POST", &add_models, Some(clash)).await;
    assert_eq!(
        (answer.status, answer.body),
        (
            409,
            json!({"error": "conflict",
                   "error_description": "Protocol mapper name must be unique per protocol"})
        )
    );
    let list = call(app, token, "GET", &models, None).await;
    let mut names = field(&list.body, "name");
    names.sort();
    assert_eq!(names, ["badjson", "hc1", "hc2", "hc3", "nocfg", "samlonoidc"]);
    // The models show `introspection.token.claim` where the access token has the claim.
    let hc3 = list.body.as_array().unwrap().iter().find(|m| m["name"] == "hc3").unwrap();
    assert_eq!(
        hc3,
        &json!({"id": hc3["id"], "name": "hc3", "protocol": "openid-connect",
                "protocolMapper": "oidc-hardcoded-claim-mapper", "consentRequired": false,
                "config": {"access.token.claim": "true", "introspection.token.claim": "true",
                           "claim.name": "hc3", "claim.value": "v3"}})
    );
    let nocfg = list.body.as_array().unwrap().iter().find(|m| m["name"] == "nocfg").unwrap();
    assert_eq!(nocfg["config"], json!({}));

    let by_protocol =
        call(app, token, "GET", &format!("{holder}/protocol-mappers/protocol/saml"), None).await;
    assert_eq!(field(&by_protocol.body, "name"), ["samlonoidc"]);
    let oidc = call(
        app,
        token,
        "GET",
        &format!("{holder}/protocol-mappers/protocol/openid-connect"),
        None,
    )
    .await;
    assert_eq!(oidc.body.as_array().unwrap().len(), 5);

    // By id; updated (the config replaced whole); name, type and id cannot change.
    let one = format!("{models}/{hc1_id}");
    let read = call(app, token, "GET", &one, None).await;
    assert_eq!((read.status, &read.body["name"]), (200, &json!("hc1")));
    let update = json!({"id": hc1_id, "name": "hc1", "protocol": "openid-connect",
        "protocolMapper": "oidc-hardcoded-claim-mapper",
        "config": {"claim.name": "hc1", "claim.value": "changed", "access.token.claim": "true"}});
    let put = call(app, token, "PUT", &one, Some(update)).await;
    assert_eq!((put.status, put.body), (204, Value::Null));
    let read = call(app, token, "GET", &one, None).await;
    assert_eq!(
        read.body,
        json!({"id": hc1_id, "name": "hc1", "protocol": "openid-connect",
               "protocolMapper": "oidc-hardcoded-claim-mapper", "consentRequired": false,
               "config": {"access.token.claim": "true", "introspection.token.claim": "true",
                          "claim.name": "hc1", "claim.value": "changed"}})
    );
    // Keycloak answers 500 to these and changes nothing; latchkey answers 400.
    for change in [
        hardcoded("renamed", json!({})),
        hardcoded("hc2", json!({})),
        json!({"id": "00000000-0000-0000-0000-000000000000", "name": "hc1",
               "protocol": "openid-connect", "protocolMapper": "oidc-hardcoded-claim-mapper",
               "config": {}}),
        json!({"name": "hc1", "protocol": "openid-connect",
               "protocolMapper": "oidc-usermodel-property-mapper", "config": {}}),
    ] {
        let answer = call(app, token, "PUT", &one, Some(change.clone())).await;
        assert_eq!(answer.status, 400, "{change}");
    }
    assert_eq!(call(app, token, "GET", &one, None).await.body, read.body);

    let missing = format!("{models}/00000000-0000-0000-0000-000000000000");
    for (method, body) in
        [("GET", None), ("PUT", Some(hardcoded("hc1", json!({})))), ("DELETE", None)]
    {
        let answer = call(app, token, method, &missing, body).await;
        assert_eq!((answer.status, answer.body), (404, json!({"error": "Model not found"})));
    }
    let deleted = call(app, token, "DELETE", &one, None).await;
    assert_eq!((deleted.status, deleted.body), (204, Value::Null));
    let again = call(app, token, "DELETE", &one, None).await;
    assert_eq!((again.status, again.body), (404, json!({"error": "Model not found"})));
}

#[tokio::test]
async fn a_clients_protocol_mappers_as_in_keycloak() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "scopes").await;
    let client = create(&app, &token, "/scopes/clients", json!({"clientId": "sc-app"})).await;
    check_mapper_crud(&app, &token, &format!("/clients/{client}")).await;
    // The client representation lists the mappers with their stored config.
    let rep = call(&app, &token, "GET", &format!("/clients/{client}"), None).await;
    let hc3 = rep.body["protocolMappers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "hc3")
        .unwrap()
        .clone();
    assert_eq!(
        hc3["config"],
        json!({"access.token.claim": "true", "claim.name": "hc3", "claim.value": "v3"})
    );
    assert_eq!(hc3["consentRequired"], json!(false));
    let unknown = "/clients/00000000-0000-0000-0000-000000000000/protocol-mappers/models";
    let answer = call(&app, &token, "GET", unknown, None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find client"})));
}

#[tokio::test]
async fn a_client_scopes_protocol_mappers_as_in_keycloak() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "scopes").await;
    let scope = create(
        &app,
        &token,
        "/scopes/client-scopes",
        json!({"name": "custom", "protocol": "openid-connect"}),
    )
    .await;
    check_mapper_crud(&app, &token, &format!("/client-scopes/{scope}")).await;
    let rep = call(&app, &token, "GET", &format!("/client-scopes/{scope}"), None).await;
    assert_eq!(rep.body["protocolMappers"].as_array().unwrap().len(), 5);
    // A scope's mapper names are unique whatever the protocol (latchkey's table), where
    // Keycloak allows a name once per protocol: 409, nothing added.
    let saml_twin = json!({"name": "hc2", "protocol": "saml",
                           "protocolMapper": "saml-role-list-mapper", "config": {}});
    let models = format!("/client-scopes/{scope}/protocol-mappers/models");
    let answer = call(&app, &token, "POST", &models, Some(saml_twin)).await;
    assert_eq!(
        (answer.status, answer.body),
        (
            409,
            json!({"error": "conflict",
                   "error_description": "Protocol mapper name must be unique per protocol"})
        )
    );
    assert_eq!(call(&app, &token, "GET", &models, None).await.body.as_array().unwrap().len(), 5);
    let unknown = "/client-scopes/00000000-0000-0000-0000-000000000000/protocol-mappers/models";
    let answer = call(&app, &token, "GET", unknown, None).await;
    assert_eq!(
        (answer.status, answer.body),
        (404, json!({"error": "Could not find client scope"}))
    );
    // A built-in scope's mappers.
    let scopes = call(&app, &token, "GET", "/client-scopes", None).await;
    let profile = scopes.body.as_array().unwrap().iter().find(|s| s["name"] == "profile").unwrap();
    let path =
        format!("/client-scopes/{}/protocol-mappers/models", profile["id"].as_str().unwrap());
    let mut names = field(&call(&app, &token, "GET", &path, None).await.body, "name");
    names.sort();
    assert_eq!(
        names,
        [
            "birthdate",
            "family name",
            "full name",
            "gender",
            "given name",
            "locale",
            "middle name",
            "nickname",
            "picture",
            "profile",
            "updated at",
            "username",
            "website",
            "zoneinfo"
        ]
    );
}

#[tokio::test]
async fn an_audience_mapper_added_to_a_client_is_in_the_next_token() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let clients =
        admin_call(&app, "GET", "/nagra/clients?clientId=crm_client", Some(&token), None).await;
    let client = clients.body[0]["id"].as_str().unwrap().to_owned();
    let login = || async {
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
        jwt_parts(body["access_token"].as_str().unwrap()).1
    };
    let audiences = |claims: &Value| -> Vec<String> {
        match &claims["aud"] {
            Value::String(one) => vec![one.clone()],
            Value::Array(many) => many.iter().map(|a| a.as_str().unwrap().to_owned()).collect(),
            _ => Vec::new(),
        }
    };
    assert!(!audiences(&login().await).contains(&"operator-api".to_owned()));
    let mapper = json!({"name": "operator audience", "protocol": "openid-connect",
        "protocolMapper": "oidc-audience-mapper",
        "config": {"included.custom.audience": "operator-api", "access.token.claim": "true"}});
    let models = format!("/nagra/clients/{client}/protocol-mappers/models");
    let created = admin_call(&app, "POST", &models, Some(&token), Some(mapper)).await;
    assert_eq!(created.status, 201);
    assert!(audiences(&login().await).contains(&"operator-api".to_owned()));
    // Changed: the next token follows.
    let one = format!("{models}/{}", created.location().rsplit('/').next().unwrap());
    let change = json!({"name": "operator audience", "protocol": "openid-connect",
        "protocolMapper": "oidc-audience-mapper",
        "config": {"included.custom.audience": "admin-api", "access.token.claim": "true"}});
    assert_eq!(admin_call(&app, "PUT", &one, Some(&token), Some(change)).await.status, 204);
    let claims = login().await;
    assert!(audiences(&claims).contains(&"admin-api".to_owned()), "{claims}");
    assert!(!audiences(&claims).contains(&"operator-api".to_owned()));
    // Deleted: gone from the next token.
    assert_eq!(admin_call(&app, "DELETE", &one, Some(&token), None).await.status, 204);
    assert!(!audiences(&login().await).contains(&"admin-api".to_owned()));
}

/// A group membership mapper (`GroupMembershipMapper`) lists the user's direct groups in
/// every token it is switched on for, follows membership changes, and is absent for a
/// user in no group: the shapes Keycloak 26.7.3 gave (facts 2.8).
#[tokio::test]
async fn a_group_membership_mapper_lists_the_users_groups() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let clients =
        admin_call(&app, "GET", "/nagra/clients?clientId=crm_client", Some(&token), None).await;
    let client = clients.body[0]["id"].as_str().unwrap().to_owned();
    let users = admin_call(
        &app,
        "GET",
        "/nagra/users?username=crm_client_user&exact=true",
        Some(&token),
        None,
    )
    .await;
    let user = users.body[0]["id"].as_str().unwrap().to_owned();
    let ops = create(&app, &token, "/nagra/groups", json!({"name": "ops"})).await;
    let team =
        create(&app, &token, &format!("/nagra/groups/{ops}/children"), json!({"name": "te/am"}))
            .await;
    let login = || async {
        let response = app
            .post_form(
                &app.token_url("nagra"),
                &[
                    ("grant_type", "password"),
                    ("username", "crm_client_user"),
                    ("password", "1234"),
                    ("client_id", "crm_client"),
                    ("scope", "openid"),
                ],
            )
            .await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        body
    };
    let mappers = [
        json!({"name": "groups", "protocol": "openid-connect",
            "protocolMapper": "oidc-group-membership-mapper",
            "config": {"claim.name": "groups", "full.path": "true", "access.token.claim": "true",
                       "id.token.claim": "true", "userinfo.token.claim": "true"}}),
        json!({"name": "group names", "protocol": "openid-connect",
            "protocolMapper": "oidc-group-membership-mapper",
            "config": {"claim.name": "gn", "access.token.claim": "true"}}),
    ];
    let models = format!("/nagra/clients/{client}/protocol-mappers/add-models");
    let added = admin_call(&app, "POST", &models, Some(&token), Some(json!(mappers))).await;
    assert_eq!(added.status, 204, "{}", added.body);

    // In no group yet: no claim at all.
    let body = login().await;
    let access = jwt_parts(body["access_token"].as_str().unwrap()).1;
    assert!(access.get("groups").is_none() && access.get("gn").is_none(), "{access}");

    for group in [&team, &ops] {
        let path = format!("/nagra/users/{user}/groups/{group}");
        assert_eq!(admin_call(&app, "PUT", &path, Some(&token), None).await.status, 204);
    }
    let body = login().await;
    let access = jwt_parts(body["access_token"].as_str().unwrap()).1;
    assert_eq!(access["groups"], json!(["/ops", "/ops/te/am"]), "{access}");
    assert_eq!(access["gn"], json!(["ops", "te/am"]));
    let id = jwt_parts(body["id_token"].as_str().unwrap()).1;
    assert_eq!(id["groups"], json!(["/ops", "/ops/te/am"]));
    assert!(id.get("gn").is_none(), "only switched on for access tokens: {id}");
    let userinfo: Value = app
        .http
        .get(app.oidc_url("nagra", "userinfo"))
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["groups"], json!(["/ops", "/ops/te/am"]), "{userinfo}");

    // A refresh reads the memberships again: leaving a group shows in the next token.
    let path = format!("/nagra/users/{user}/groups/{team}");
    assert_eq!(admin_call(&app, "DELETE", &path, Some(&token), None).await.status, 204);
    let refreshed = app.refresh("crm_client", body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refreshed.status(), 200);
    let refreshed: Value = refreshed.json().await.unwrap();
    let access = jwt_parts(refreshed["access_token"].as_str().unwrap()).1;
    assert_eq!(access["groups"], json!(["/ops"]), "{access}");
}
