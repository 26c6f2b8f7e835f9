//! Claims from client scopes and protocol mappers: the realm's scopes decide what a
//! token holds, the `scope` parameter adds optional scopes, and a client without
//! `fullScopeAllowed` carries only its scoped roles. Shapes recorded from Keycloak
//! 26.7.3 (facts 2.7–2.11; `TokenManager`, `ProtocolMapperUtils`,
//! `AudienceProtocolMapper`, `HardcodedClaim`, `UserAttributeMapper`).

use latchkey_core::client::ProtocolMapper;
use latchkey_core::client_scope::ClientScope;
use latchkey_core::store::Store;
use latchkey_testkit::{TestApp, jwt_parts, spawn_app};
use serde_json::{Value, json};

fn mapper(name: &str, protocol_mapper: &str, config: &[(&str, &str)]) -> ProtocolMapper {
    ProtocolMapper {
        id: None,
        name: name.into(),
        protocol: "openid-connect".into(),
        protocol_mapper: protocol_mapper.into(),
        config: config.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    }
}

async fn realm_id(app: &TestApp) -> String {
    app.store.find_realm_by_name("nagra").await.unwrap().unwrap().id
}

/// Adds scope `name` to realm `nagra` with these mappers; call before the first request.
async fn add_scope(app: &TestApp, name: &str, mappers: Vec<ProtocolMapper>) -> ClientScope {
    let scope = ClientScope {
        id: latchkey_core::random::uuid(),
        realm_id: realm_id(app).await,
        name: name.into(),
        description: None,
        protocol: "openid-connect".into(),
        attributes: [("include.in.token.scope".to_owned(), "true".to_owned())].into(),
        protocol_mappers: mappers,
        role_ids: Vec::new(),
    };
    app.store.insert_client_scope(&scope).await.unwrap();
    scope
}

/// The seed's password grant with a `scope` parameter: the body and the access token's
/// payload.
async fn login(app: &TestApp, scope: Option<&str>) -> (Value, Value) {
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
    let (_, access) = jwt_parts(body["access_token"].as_str().unwrap());
    (body, access)
}

#[tokio::test]
async fn an_optional_scope_with_an_audience_and_claims_applies_only_when_asked_for() {
    let app = spawn_app().await;
    add_scope(
        &app,
        "opentv-operator",
        vec![
            mapper(
                "operator audience",
                "oidc-audience-mapper",
                &[("included.custom.audience", "operator-api"), ("access.token.claim", "true")],
            ),
            mapper(
                "tier",
                "oidc-hardcoded-claim-mapper",
                &[
                    ("claim.name", "tier.level"),
                    ("claim.value", "3"),
                    ("jsonType.label", "int"),
                    ("access.token.claim", "true"),
                    ("userinfo.token.claim", "true"),
                ],
            ),
            mapper(
                "dept",
                "oidc-usermodel-attribute-mapper",
                &[
                    ("user.attribute", "dept"),
                    ("claim.name", "dept"),
                    ("multivalued", "true"),
                    ("access.token.claim", "true"),
                ],
            ),
        ],
    )
    .await;
    app.edit_client("crm_client", |client| {
        client.settings.optional_client_scopes.push("opentv-operator".into());
    })
    .await;
    app.edit_user("crm_client_user", |user| {
        user.profile.attributes.insert("dept".into(), vec!["eng".into(), "ops".into()]);
    })
    .await;

    let (body, access) = login(&app, None).await;
    assert_eq!(body["scope"], "profile email");
    assert_eq!(access["aud"], json!("opentv-api"));
    assert!(access.get("tier").is_none() && access.get("dept").is_none());

    let (body, access) = login(&app, Some("openid opentv-operator")).await;
    assert_eq!(body["scope"], "openid profile email opentv-operator");
    assert_eq!(access["scope"], "openid profile email opentv-operator");
    // `aud`'s order is a hash order in Keycloak: compared as a set.
    let mut audience: Vec<&str> =
        access["aud"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    audience.sort_unstable();
    assert_eq!(audience, ["opentv-api", "operator-api"]);
    assert_eq!(access["tier"], json!({"level": 3}));
    assert_eq!(access["dept"], json!(["eng", "ops"]));
    // The ID token has none of them: their `id.token.claim` is absent, so off.
    let (_, id) = jwt_parts(body["id_token"].as_str().unwrap());
    assert!(id.get("tier").is_none() && id.get("dept").is_none(), "{id}");
    // Userinfo has the one claim switched on for it.
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
    assert_eq!(userinfo["tier"], json!({"level": 3}));
    assert!(userinfo.get("dept").is_none());

    // A refresh keeps the session's optional scope.
    let refreshed: Value = app
        .refresh("crm_client", body["refresh_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    let (_, access) = jwt_parts(refreshed["access_token"].as_str().unwrap());
    assert_eq!(access["tier"], json!({"level": 3}));
}

/// Facts 2.10: `microprofile-jwt` adds `upn` and `groups` (the realm roles), `phone` the
/// phone claims; a scope the client does not have is refused.
#[tokio::test]
async fn built_in_optional_scopes_add_their_claims() {
    let app = spawn_app().await;
    app.edit_user("crm_client_user", |user| {
        user.profile.attributes.insert("phoneNumber".into(), vec!["+1 555 0100".into()]);
        user.profile.attributes.insert("phoneNumberVerified".into(), vec!["true".into()]);
    })
    .await;
    let (body, access) = login(&app, Some("microprofile-jwt phone")).await;
    let mut words: Vec<&str> = body["scope"].as_str().unwrap().split(' ').collect();
    words.sort_unstable();
    assert_eq!(words, ["email", "microprofile-jwt", "phone", "profile"]);
    assert_eq!(access["upn"], "crm_client_user");
    let groups: Vec<&str> =
        access["groups"].as_array().unwrap().iter().map(|g| g.as_str().unwrap()).collect();
    assert!(groups.contains(&"operatorRole"), "{groups:?}");
    assert_eq!(access["phone_number"], "+1 555 0100");
    assert_eq!(access["phone_number_verified"], true);

    let response = app
        .post_form(
            &app.token_url("nagra"),
            &[
                ("grant_type", "password"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("client_id", "crm_client"),
                ("scope", "openid nosuch"),
            ],
        )
        .await;
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(
        error,
        json!({"error": "invalid_scope", "error_description": "Invalid scopes: openid nosuch"})
    );
}

/// Facts 2.9: a built-in scope's mappers are where its claims come from; without the
/// `email` scope's mappers there is no `email_verified`, without `basic`'s no `sub`.
#[tokio::test]
async fn removing_a_built_in_scopes_mapper_removes_its_claim() {
    let app = spawn_app().await;
    let realm_id = realm_id(&app).await;
    let scopes = app.store.list_client_scopes(&realm_id).await.unwrap();
    for name in ["email", "basic"] {
        let mut scope = scopes.iter().find(|s| s.name == name).unwrap().clone();
        scope.protocol_mappers.retain(|m| m.name != "email verified" && m.name != "sub");
        app.store.update_client_scope(&scope, &[]).await.unwrap();
    }
    let (_, access) = login(&app, None).await;
    assert!(access.get("email_verified").is_none(), "{access}");
    assert!(access.get("sub").is_none(), "{access}");
    assert_eq!(access["preferred_username"], "crm_client_user");
    assert!(access["realm_access"]["roles"].as_array().unwrap().contains(&json!("operatorRole")));
}

/// Facts 2.11: without `fullScopeAllowed` a token carries only the client's scope
/// mappings (composites expanded) and its own roles.
#[tokio::test]
async fn without_full_scope_only_scope_mapped_roles_reach_the_token() {
    let app = spawn_app().await;
    app.edit_client("crm_client", |client| client.settings.full_scope_allowed = false).await;
    let (_, access) = login(&app, None).await;
    assert!(access.get("realm_access").is_none(), "{access}");
    assert!(access.get("resource_access").is_none(), "{access}");

    let app = spawn_app().await;
    app.edit_client("crm_client", |client| client.settings.full_scope_allowed = false).await;
    let realm_id = realm_id(&app).await;
    let roles = app.store.list_roles(&realm_id).await.unwrap();
    let operator = roles.iter().find(|r| r.name == "operatorRole").unwrap();
    let crm = app.store.find_client_by_client_id(&realm_id, "crm_client").await.unwrap().unwrap();
    app.store
        .grant_client_scope_mappings(&crm.id, std::slice::from_ref(&operator.id))
        .await
        .unwrap();
    let (_, access) = login(&app, None).await;
    assert_eq!(access["realm_access"], json!({"roles": ["operatorRole"]}));
    assert!(access.get("resource_access").is_none(), "{access}");
}
