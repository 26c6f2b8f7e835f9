//! Admin API: client scopes, the realm's and a client's default and optional scopes
//! (`ClientScopesResource.java`, `ClientScopeResource.java`, `RealmAdminResource.java`,
//! `ClientResource.java`). Every answer was recorded from Keycloak 26.7.3 (`facts-12.md`
//! §2.2–2.4, and the name rules probed on the same server); where Keycloak answers 500,
//! the 4xx latchkey chose is said.

use latchkey_testkit::{TestApp, jwt_parts, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{
    Answer, admin_call, admin_call_raw, admin_token, create, create_realm, field,
};

async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: Option<Value>) -> Answer {
    admin_call(app, method, &format!("/scopes{path}"), Some(token), body).await
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[tokio::test]
async fn client_scopes_are_created_read_updated_and_deleted_as_in_keycloak() {
    // facts-12 §2.2.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "scopes").await;
    let created = call(
        &app,
        &token,
        "POST",
        "/client-scopes",
        Some(json!({"name": "custom", "protocol": "openid-connect",
                    "attributes": {"include.in.token.scope": "true"}})),
    )
    .await;
    assert_eq!((created.status, &created.body), (201, &Value::Null));
    let id = created.location().rsplit('/').next().unwrap().to_owned();
    assert_eq!(
        created.location(),
        format!("{}/admin/realms/scopes/client-scopes/{id}", app.base_url)
    );
    let read = call(&app, &token, "GET", &format!("/client-scopes/{id}"), None).await;
    assert_eq!(
        (read.status, read.body),
        (
            200,
            json!({"id": id, "name": "custom", "protocol": "openid-connect",
                   "attributes": {"include.in.token.scope": "true"}})
        )
    );

    let refusals = [
        (
            json!({"name": "custom", "protocol": "openid-connect"}),
            409,
            "Client Scope custom already exists",
        ),
        (json!({"name": "min"}), 400, "Unexpected protocol"),
        (json!({"name": "badproto", "protocol": "nope"}), 400, "Unexpected protocol"),
        (json!({"name": "x", "wrong": 1}), 400, "Unexpected protocol"),
        (json!({"name": "has space"}), 400, "Unexpected name \"has space\" for ClientScope"),
        (json!({"name": "", "protocol": "saml"}), 400, "Unexpected name \"\" for ClientScope"),
        (json!({"name": "é", "protocol": "saml"}), 400, "Unexpected name \"é\" for ClientScope"),
        (
            json!({"name": "a\"b", "protocol": "saml"}),
            400,
            "Unexpected name \"a\"b\" for ClientScope",
        ),
        // Keycloak answers 500 to a scope without a name.
        (json!({"protocol": "openid-connect"}), 400, "Unexpected name \"null\" for ClientScope"),
    ];
    for (body, status, message) in refusals {
        let answer = call(&app, &token, "POST", "/client-scopes", Some(body.clone())).await;
        assert_eq!(
            (answer.status, answer.body),
            (status, json!({"errorMessage": message})),
            "{body}"
        );
    }
    // Scope-token characters other than space, `"` and `\` are fine, and unknown fields
    // are ignored when the protocol is right.
    for name in ["a/b", "a,b", "a:b", "~!", "x2"] {
        let body = json!({"name": name, "protocol": "openid-connect", "wrong": 1});
        assert_eq!(call(&app, &token, "POST", "/client-scopes", Some(body)).await.status, 201);
    }
    let not_json = admin_call_raw(&app, "POST", "/scopes/client-scopes", &token, "not json").await;
    assert_eq!(not_json.status, 400);

    // Created with its mappers, which get ids and `consentRequired: false`.
    let with_mappers = create(
        &app,
        &token,
        "/scopes/client-scopes",
        json!({"name": "withmappers", "protocol": "openid-connect", "protocolMappers": [
            {"name": "hc", "protocol": "openid-connect", "protocolMapper": "oidc-hardcoded-claim-mapper",
             "config": {"claim.name": "hc", "claim.value": "v", "access.token.claim": "true"}}]}),
    )
    .await;
    let read = call(&app, &token, "GET", &format!("/client-scopes/{with_mappers}"), None).await;
    let mapper_id = read.body["protocolMappers"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        read.body,
        json!({"id": with_mappers, "name": "withmappers", "protocol": "openid-connect",
               "attributes": {}, "protocolMappers": [
                {"id": mapper_id, "name": "hc", "protocol": "openid-connect",
                 "protocolMapper": "oidc-hardcoded-claim-mapper", "consentRequired": false,
                 "config": {"access.token.claim": "true", "claim.name": "hc", "claim.value": "v"}}]})
    );
    let list = call(&app, &token, "GET", "/client-scopes", None).await;
    assert_eq!(list.status, 200);
    let names = sorted(field(&list.body, "name"));
    for expected in
        ["acr", "basic", "custom", "email", "profile", "roles", "web-origins", "withmappers"]
    {
        assert!(names.contains(&expected.to_owned()), "{expected} in {names:?}");
    }

    // Update: rename, description, attributes; the body's id and mappers are ignored.
    let path = format!("/client-scopes/{id}");
    let update = json!({"id": "00000000-0000-0000-0000-000000000000", "name": "custom2",
        "description": "d", "protocol": "openid-connect", "protocolMappers": [],
        "attributes": {"include.in.token.scope": "false", "display.on.consent.screen": "true"}});
    let put = call(&app, &token, "PUT", &path, Some(update)).await;
    assert_eq!((put.status, put.body), (204, Value::Null));
    let read = call(&app, &token, "GET", &path, None).await;
    assert_eq!(
        read.body,
        json!({"id": id, "name": "custom2", "description": "d", "protocol": "openid-connect",
               "attributes": {"include.in.token.scope": "false", "display.on.consent.screen": "true"}})
    );
    let taken = call(&app, &token, "PUT", &path, Some(json!({"name": "profile"}))).await;
    assert_eq!(
        (taken.status, taken.body),
        (409, json!({"errorMessage": "Client Scope profile already exists"}))
    );
    let bad = call(&app, &token, "PUT", &path, Some(json!({"name": "has space"}))).await;
    assert_eq!(
        (bad.status, bad.body),
        (400, json!({"errorMessage": "Unexpected name \"has space\" for ClientScope"}))
    );
    // Keycloak answers 500 to a PUT without a name, and keeps the scope as it was.
    let nameless = call(&app, &token, "PUT", &path, Some(json!({"description": "x"}))).await;
    assert_eq!(nameless.status, 400);
    assert_eq!(call(&app, &token, "GET", &path, None).await.body["description"], "d");

    let missing = "/client-scopes/00000000-0000-0000-0000-000000000000";
    for (method, body) in [("GET", None), ("PUT", Some(json!({"name": "z"}))), ("DELETE", None)] {
        let answer = call(&app, &token, method, missing, body).await;
        assert_eq!(
            (answer.status, answer.body),
            (404, json!({"error": "Could not find client scope"})),
            "{method}"
        );
    }
    let deleted = call(&app, &token, "DELETE", &path, None).await;
    assert_eq!((deleted.status, deleted.body), (204, Value::Null));
    let again = call(&app, &token, "DELETE", &path, None).await;
    assert_eq!((again.status, again.body), (404, json!({"error": "Could not find client scope"})));
}

#[tokio::test]
async fn realm_default_and_optional_scopes_as_in_keycloak() {
    // facts-12 §2.3.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "scopes").await;
    let custom = create(
        &app,
        &token,
        "/scopes/client-scopes",
        json!({"name": "custom2", "protocol": "openid-connect"}),
    )
    .await;
    let defaults_path = format!("/default-default-client-scopes/{custom}");
    let optionals_path = format!("/default-optional-client-scopes/{custom}");
    let added = call(&app, &token, "PUT", &defaults_path, None).await;
    assert_eq!((added.status, added.body), (204, Value::Null));
    let duplicate = json!({"error": "conflict", "error_description": "Duplicate resource error"});
    for path in [&defaults_path, &optionals_path] {
        let again = call(&app, &token, "PUT", path, None).await;
        assert_eq!((again.status, &again.body), (409, &duplicate), "{path}");
    }
    let defaults = call(&app, &token, "GET", "/default-default-client-scopes", None).await;
    assert_eq!(defaults.status, 200);
    assert_eq!(
        sorted(field(&defaults.body, "name")),
        sorted(
            [
                "role_list",
                "saml_organization",
                "AuthnContextClassRef",
                "profile",
                "email",
                "roles",
                "web-origins",
                "acr",
                "basic",
                "custom2"
            ]
            .map(str::to_owned)
            .to_vec()
        )
    );
    let last = defaults.body.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last, json!({"id": custom, "name": "custom2"}));
    let optionals = call(&app, &token, "GET", "/default-optional-client-scopes", None).await;
    let optional_names = sorted(field(&optionals.body, "name"));
    for name in ["offline_access", "address", "phone", "microprofile-jwt"] {
        assert!(optional_names.contains(&name.to_owned()), "{name} in {optional_names:?}");
    }
    assert!(!optional_names.contains(&"custom2".to_owned()));

    // Removing answers 204 whether it was there or not, from either list.
    for path in [&defaults_path, &optionals_path, &optionals_path] {
        let removed = call(&app, &token, "DELETE", path, None).await;
        assert_eq!((removed.status, removed.body), (204, Value::Null));
    }
    let defaults = call(&app, &token, "GET", "/default-default-client-scopes", None).await;
    assert!(!field(&defaults.body, "name").contains(&"custom2".to_owned()));
    let unknown = "/default-default-client-scopes/00000000-0000-0000-0000-000000000000";
    let answer = call(&app, &token, "PUT", unknown, None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Client scope not found"})));

    // Deleting a scope that is a realm default is allowed and takes it out of the list.
    assert_eq!(call(&app, &token, "PUT", &defaults_path, None).await.status, 204);
    let deleted = call(&app, &token, "DELETE", &format!("/client-scopes/{custom}"), None).await;
    assert_eq!(deleted.status, 204);
    let defaults = call(&app, &token, "GET", "/default-default-client-scopes", None).await;
    assert!(!field(&defaults.body, "name").contains(&"custom2".to_owned()));
}

#[tokio::test]
async fn a_clients_default_and_optional_scopes_as_in_keycloak() {
    // facts-12 §2.4.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "scopes").await;
    let custom = create(
        &app,
        &token,
        "/scopes/client-scopes",
        json!({"name": "custom", "protocol": "openid-connect"}),
    )
    .await;
    let saml = create(
        &app,
        &token,
        "/scopes/client-scopes",
        json!({"name": "samlscope", "protocol": "saml"}),
    )
    .await;
    let client = create(&app, &token, "/scopes/clients", json!({"clientId": "sc-app"})).await;
    let base = format!("/clients/{client}");
    let defaults = call(&app, &token, "GET", &format!("{base}/default-client-scopes"), None).await;
    assert_eq!(defaults.status, 200);
    assert_eq!(
        sorted(field(&defaults.body, "name")),
        ["acr", "basic", "email", "profile", "roles", "web-origins"].map(str::to_owned).to_vec()
    );
    let optionals =
        call(&app, &token, "GET", &format!("{base}/optional-client-scopes"), None).await;
    let optional_names = sorted(field(&optionals.body, "name"));
    for name in ["address", "microprofile-jwt", "offline_access", "phone"] {
        assert!(optional_names.contains(&name.to_owned()), "{name} in {optional_names:?}");
    }

    let as_default = format!("{base}/default-client-scopes/{custom}");
    let as_optional = format!("{base}/optional-client-scopes/{custom}");
    // Adding twice, or as optional while default, is a 204 that changes nothing.
    for path in [&as_default, &as_default, &as_optional] {
        let answer = call(&app, &token, "PUT", path, None).await;
        assert_eq!((answer.status, answer.body), (204, Value::Null), "{path}");
    }
    let defaults = call(&app, &token, "GET", &format!("{base}/default-client-scopes"), None).await;
    assert!(field(&defaults.body, "name").contains(&"custom".to_owned()));
    let optionals =
        call(&app, &token, "GET", &format!("{base}/optional-client-scopes"), None).await;
    assert!(!field(&optionals.body, "name").contains(&"custom".to_owned()));
    let client_rep = call(&app, &token, "GET", &base, None).await;
    assert!(client_rep.body["defaultClientScopes"].as_array().unwrap().contains(&json!("custom")));

    for path in [&as_default, &as_default] {
        assert_eq!(call(&app, &token, "DELETE", path, None).await.status, 204);
    }
    assert_eq!(call(&app, &token, "PUT", &as_optional, None).await.status, 204);
    let optionals =
        call(&app, &token, "GET", &format!("{base}/optional-client-scopes"), None).await;
    assert!(field(&optionals.body, "name").contains(&"custom".to_owned()));
    // A SAML scope on an OpenID Connect client: 204, nothing added.
    let saml_path = format!("{base}/default-client-scopes/{saml}");
    assert_eq!(call(&app, &token, "PUT", &saml_path, None).await.status, 204);
    let defaults = call(&app, &token, "GET", &format!("{base}/default-client-scopes"), None).await;
    assert!(!field(&defaults.body, "name").contains(&"samlscope".to_owned()));
    let unknown = format!("{base}/default-client-scopes/00000000-0000-0000-0000-000000000000");
    let answer = call(&app, &token, "PUT", &unknown, None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Client scope not found"})));
    let no_client =
        format!("/clients/00000000-0000-0000-0000-000000000000/default-client-scopes/{custom}");
    let answer = call(&app, &token, "PUT", &no_client, None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Could not find client"})));

    // A renamed scope stays the client's; a deleted one leaves it.
    let renamed = json!({"name": "custom-renamed"});
    assert_eq!(
        call(&app, &token, "PUT", &format!("/client-scopes/{custom}"), Some(renamed)).await.status,
        204
    );
    let optionals =
        call(&app, &token, "GET", &format!("{base}/optional-client-scopes"), None).await;
    assert!(
        optionals
            .body
            .as_array()
            .unwrap()
            .contains(&json!({"id": custom, "name": "custom-renamed"}))
    );
    assert_eq!(
        call(&app, &token, "DELETE", &format!("/client-scopes/{custom}"), None).await.status,
        204
    );
    let client_rep = call(&app, &token, "GET", &base, None).await;
    assert!(
        !client_rep.body["optionalClientScopes"]
            .as_array()
            .unwrap()
            .contains(&json!("custom-renamed"))
    );
}

/// The seed's password grant; the access token's payload.
async fn crm_login(app: &TestApp, scope: Option<&str>) -> Value {
    let mut form = vec![
        ("grant_type", "password"),
        ("username", "crm_client_user"),
        ("password", "1234"),
        ("client_id", "crm_client"),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    let response = app.post_form(&app.token_url("nagra"), &form).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    jwt_parts(body["access_token"].as_str().unwrap()).1
}

/// The internal id of the seed's `crm_client`.
async fn crm_client_uuid(app: &TestApp, token: &str) -> String {
    let clients =
        admin_call(app, "GET", "/nagra/clients?clientId=crm_client", Some(token), None).await;
    clients.body[0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_scope_with_an_audience_mapper_reaches_the_next_token_once_the_client_has_it() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let before = crm_login(&app, None).await;
    assert_ne!(before["aud"], json!("https://api.example"));
    let scope = create(
        &app,
        &token,
        "/nagra/client-scopes",
        json!({"name": "api", "protocol": "openid-connect",
               "attributes": {"include.in.token.scope": "true"}}),
    )
    .await;
    let mapper = json!({"name": "aud", "protocol": "openid-connect",
        "protocolMapper": "oidc-audience-mapper",
        "config": {"included.custom.audience": "https://api.example", "access.token.claim": "true"}});
    let path = format!("/nagra/client-scopes/{scope}/protocol-mappers/models");
    assert_eq!(admin_call(&app, "POST", &path, Some(&token), Some(mapper)).await.status, 201);
    let client = crm_client_uuid(&app, &token).await;
    // An optional scope: only when asked for.
    let optional = format!("/nagra/clients/{client}/optional-client-scopes/{scope}");
    assert_eq!(admin_call(&app, "PUT", &optional, Some(&token), None).await.status, 204);
    let unasked = crm_login(&app, None).await;
    assert_eq!(unasked["aud"], before["aud"]);
    let asked = crm_login(&app, Some("api")).await;
    let audience = match &asked["aud"] {
        Value::String(one) => vec![one.clone()],
        many => many.as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect(),
    };
    assert!(audience.contains(&"https://api.example".to_owned()), "{asked}");
    assert!(asked["scope"].as_str().unwrap().split(' ').any(|s| s == "api"));
    // Taken away again: the next token is as before.
    assert_eq!(admin_call(&app, "DELETE", &optional, Some(&token), None).await.status, 204);
    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("client_id", "crm_client"),
                ("scope", "api"),
            ],
        )
        .await;
    assert_eq!(response.status(), 400, "the scope is no longer the client's");
}

#[tokio::test]
async fn a_new_client_gets_the_realms_current_default_scopes_unless_it_names_its_own() {
    // Observed in 26.7.3 (facts-12 §2.4 and the same server): the realm's scopes of the
    // client's protocol, or only the existing scopes the body names.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    create_realm(&app, &token, "scopes").await;
    let newdef = create(
        &app,
        &token,
        "/scopes/client-scopes",
        json!({"name": "newdef", "protocol": "openid-connect"}),
    )
    .await;
    let path = format!("/default-default-client-scopes/{newdef}");
    assert_eq!(call(&app, &token, "PUT", &path, None).await.status, 204);
    let email = call(&app, &token, "GET", "/client-scopes", None).await.body;
    let email = email.as_array().unwrap().iter().find(|s| s["name"] == "email").unwrap().clone();
    let path = format!("/default-default-client-scopes/{}", email["id"].as_str().unwrap());
    assert_eq!(call(&app, &token, "DELETE", &path, None).await.status, 204);

    let scopes_of = |body: &Value, list: &str| -> Vec<String> {
        sorted(
            body[list].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect(),
        )
    };
    let plain = create(&app, &token, "/scopes/clients", json!({"clientId": "plain"})).await;
    let rep = call(&app, &token, "GET", &format!("/clients/{plain}"), None).await.body;
    assert_eq!(
        scopes_of(&rep, "defaultClientScopes"),
        ["acr", "basic", "newdef", "profile", "roles", "web-origins"]
    );
    assert!(scopes_of(&rep, "optionalClientScopes").contains(&"phone".to_owned()));

    let saml =
        create(&app, &token, "/scopes/clients", json!({"clientId": "s", "protocol": "saml"})).await;
    let rep = call(&app, &token, "GET", &format!("/clients/{saml}"), None).await.body;
    assert_eq!(
        scopes_of(&rep, "defaultClientScopes"),
        ["AuthnContextClassRef", "role_list", "saml_organization"]
    );
    assert_eq!(scopes_of(&rep, "optionalClientScopes"), Vec::<String>::new());

    let named = create(
        &app,
        &token,
        "/scopes/clients",
        json!({"clientId": "named", "defaultClientScopes": ["nope", "email"]}),
    )
    .await;
    let rep = call(&app, &token, "GET", &format!("/clients/{named}"), None).await.body;
    assert_eq!(scopes_of(&rep, "defaultClientScopes"), ["email"]);
    assert_eq!(scopes_of(&rep, "optionalClientScopes"), Vec::<String>::new());
}
