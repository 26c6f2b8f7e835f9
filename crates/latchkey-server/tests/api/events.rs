//! Admin API: the events configuration, the login events the token endpoint records,
//! their queries and deletion (`RealmAdminResource.java`'s `getRealmEventsConfig`,
//! `updateRealmEventsConfig`, `getEvents`, `clearEvents`; `EventType.java`). Expected
//! answers recorded from Keycloak 26.7.3 (`facts-12.md` §4.1–4.3, 4.5).

use latchkey_testkit::{TestApp, spawn_app};
use serde_json::{Value, json};

use crate::helpers::{admin_call, admin_call_raw, admin_token, post};

async fn call(
    app: &TestApp,
    token: &str,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let answer = admin_call(app, method, path, Some(token), body).await;
    (answer.status, answer.body)
}

async fn events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) = call(app, token, "GET", &format!("/nagra/events{query}"), None).await;
    assert_eq!(status, 200, "{query}: {body}");
    body.as_array().unwrap().clone()
}

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

fn detail_keys(event: &Value) -> Vec<&str> {
    event["details"].as_object().map(|d| d.keys().map(String::as_str).collect()).unwrap_or_default()
}

/// A confidential client with direct grants and a service account, as in facts §4.2.
async fn ev_app(app: &TestApp, token: &str) {
    let client = json!({
        "clientId": "ev-app", "secret": "s", "publicClient": false,
        "directAccessGrantsEnabled": true, "serviceAccountsEnabled": true,
    });
    let (status, body) = call(app, token, "POST", "/nagra/clients", Some(client)).await;
    assert_eq!(status, 201, "{body}");
}

async fn password(
    app: &TestApp,
    client: &str,
    secret: Option<&str>,
    user: &str,
    pw: &str,
) -> (u16, Value) {
    let mut pairs = vec![
        ("grant_type", "password"),
        ("client_id", client),
        ("username", user),
        ("password", pw),
    ];
    if let Some(secret) = secret {
        pairs.push(("client_secret", secret));
    }
    let (status, _, body) = post(app, &app.token_url("nagra"), &pairs).await;
    (status, body)
}

#[tokio::test]
async fn a_fresh_realm_s_config_lists_the_types_saved_by_default() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let (status, config) = call(&app, &token, "GET", "/nagra/events/config", None).await;
    assert_eq!(status, 200);
    assert_eq!(config["eventsEnabled"], false);
    assert_eq!(config.get("eventsExpiration"), None);
    assert_eq!(config["eventsListeners"], json!(["jboss-logging"]));
    assert_eq!(config["adminEventsEnabled"], false);
    assert_eq!(config["adminEventsDetailsEnabled"], false);
    let listed = config["enabledEventTypes"].as_array().unwrap();
    assert_eq!(listed.len(), 103);
    assert_eq!(
        listed[..4],
        [json!("LOGIN"), json!("LOGIN_ERROR"), json!("REGISTER"), json!("REGISTER_ERROR")]
    );
    assert!(!listed.contains(&json!("REFRESH_TOKEN")));
    assert_eq!(listed[102], "JWT_AUTHORIZATION_GRANT_ERROR");
}

#[tokio::test]
async fn the_config_is_replaced_checked_and_shown_in_the_realm() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let full = json!({
        "eventsEnabled": true, "eventsExpiration": 3600, "eventsListeners": ["jboss-logging"],
        "enabledEventTypes": ["LOGIN", "LOGOUT"], "adminEventsEnabled": true,
        "adminEventsDetailsEnabled": true,
    });
    let (status, body) = call(&app, &token, "PUT", "/nagra/events/config", Some(full)).await;
    assert_eq!((status, body), (204, Value::Null));
    let (_, config) = call(&app, &token, "GET", "/nagra/events/config", None).await;
    assert_eq!(config["eventsExpiration"], 3600);
    assert_eq!(config["enabledEventTypes"], json!(["LOGIN", "LOGOUT"]));
    assert_eq!(config["adminEventsDetailsEnabled"], true);
    let (_, realm) = call(&app, &token, "GET", "/nagra", None).await;
    assert_eq!(realm["eventsEnabled"], true);
    assert_eq!(realm["eventsExpiration"], 3600);
    assert_eq!(realm["enabledEventTypes"], json!(["LOGIN", "LOGOUT"]));
    assert_eq!(realm["adminEventsEnabled"], true);

    // Only `eventsEnabled`: the expiration goes, the other switches and lists stay
    // (measured on 26.7.3).
    let (status, _) =
        call(&app, &token, "PUT", "/nagra/events/config", Some(json!({"eventsEnabled": true})))
            .await;
    assert_eq!(status, 204);
    let (_, config) = call(&app, &token, "GET", "/nagra/events/config", None).await;
    assert_eq!(config.get("eventsExpiration"), None);
    assert_eq!(config["adminEventsEnabled"], true);
    assert_eq!(config["enabledEventTypes"], json!(["LOGIN", "LOGOUT"]));

    let unknown = json!({"eventsEnabled": true, "eventsListeners": ["no-such-listener"]});
    let (status, body) = call(&app, &token, "PUT", "/nagra/events/config", Some(unknown)).await;
    assert_eq!((status, body), (400, json!({"error": "Unknown event listener"})));
    // A negative expiration is latchkey's own refusal.
    let negative = json!({"eventsEnabled": true, "eventsExpiration": -1});
    let (status, body) = call(&app, &token, "PUT", "/nagra/events/config", Some(negative)).await;
    assert_eq!((status, body), (400, json!({"error": "Invalid value for 'eventsExpiration'"})));
    let nope = json!({"eventsEnabled": true, "enabledEventTypes": ["NOPE"]});
    assert_eq!(call(&app, &token, "PUT", "/nagra/events/config", Some(nope)).await.0, 204);
    let wrong = admin_call_raw(
        &app,
        "PUT",
        "/nagra/events/config",
        &token,
        r#"{"eventsEnabled": true, "wrong": 1}"#,
    )
    .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(
        wrong.body,
        json!({"error": "Invalid json representation for RealmEventsConfigRepresentation. Unrecognized field \"wrong\" at line 1 column 35."})
    );
}

#[tokio::test]
async fn the_token_endpoint_records_keycloak_s_login_events() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    ev_app(&app, &token).await;
    // Nothing is recorded while events are off.
    assert_eq!(password(&app, "ev-app", Some("s"), "crm_client_user", "1234").await.0, 200);
    assert!(events(&app, &token, "").await.is_empty());

    let on = json!({"eventsEnabled": true, "enabledEventTypes": []});
    assert_eq!(call(&app, &token, "PUT", "/nagra/events/config", Some(on)).await.0, 204);
    let (status, login) = password(&app, "ev-app", Some("s"), "crm_client_user", "1234").await;
    assert_eq!(status, 200);
    app.clock.advance_secs(1);
    assert_eq!(password(&app, "ev-app", Some("s"), "crm_client_user", "wrong").await.0, 400);
    app.clock.advance_secs(1);
    assert_eq!(password(&app, "ev-app", Some("s"), "ghost", "pw").await.0, 400);
    app.clock.advance_secs(1);
    assert_eq!(password(&app, "ev-app", Some("bad"), "crm_client_user", "1234").await.0, 401);
    app.clock.advance_secs(1);
    assert_eq!(password(&app, "nope", None, "crm_client_user", "1234").await.0, 401);
    app.clock.advance_secs(1);
    // A refresh is not saved by default.
    let refresh = login["refresh_token"].as_str().unwrap();
    let refreshed = post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", "ev-app"),
            ("client_secret", "s"),
            ("refresh_token", refresh),
        ],
    )
    .await;
    assert_eq!(refreshed.0, 200);
    app.clock.advance_secs(1);
    let (status, _, _) = post(
        &app,
        &app.token_url("nagra"),
        &[("grant_type", "client_credentials"), ("client_id", "ev-app"), ("client_secret", "s")],
    )
    .await;
    assert_eq!(status, 200);
    app.clock.advance_secs(1);
    let logout_url = format!("{}/protocol/openid-connect/logout", app.realm_url("nagra"));
    let new_refresh = refreshed.2["refresh_token"].as_str().unwrap();
    let (status, _, _) = post(
        &app,
        &logout_url,
        &[("client_id", "ev-app"), ("client_secret", "s"), ("refresh_token", new_refresh)],
    )
    .await;
    assert_eq!(status, 204);

    let all = events(&app, &token, "").await;
    assert_eq!(
        types(&all),
        [
            "LOGOUT",
            "CLIENT_LOGIN",
            "LOGIN_ERROR",
            "LOGIN_ERROR",
            "LOGIN_ERROR",
            "LOGIN_ERROR",
            "LOGIN"
        ]
    );
    let errors: Vec<&str> = all.iter().filter_map(|e| e["error"].as_str()).collect();
    assert_eq!(
        errors,
        [
            "client_not_found",
            "invalid_client_credentials",
            "user_not_found",
            "invalid_user_credentials"
        ]
    );
    let sid = latchkey_testkit::jwt_parts(login["access_token"].as_str().unwrap()).1["sid"].clone();
    let user_id = all[6]["userId"].clone();
    assert!(user_id.is_string());
    let success = &all[6];
    assert_eq!(success["clientId"], "ev-app");
    assert_eq!(success["sessionId"], sid);
    assert_eq!(success["ipAddress"], "127.0.0.1");
    assert!(success["id"].is_string());
    assert_eq!(
        detail_keys(success),
        [
            "auth_method",
            "token_id",
            "grant_type",
            "refresh_token_type",
            "scope",
            "refresh_token_id",
            "client_auth_method",
            "username"
        ]
    );
    assert_eq!(success["details"]["username"], "crm_client_user");
    assert_eq!(success["details"]["refresh_token_type"], "Refresh");
    assert_eq!(success["details"]["scope"], login["scope"]);
    // A wrong password names the user; an unknown user and a refused client do not.
    assert_eq!(all[5]["userId"], user_id);
    assert_eq!(
        detail_keys(&all[5]),
        ["auth_method", "grant_type", "client_auth_method", "username"]
    );
    assert_eq!(all[4].get("userId"), None);
    assert_eq!(all[4]["details"]["username"], "ghost");
    assert_eq!(all[3]["details"], json!({"grant_type": "password"}));
    assert_eq!(all[2]["clientId"], "nope");
    assert_eq!(all[1]["details"]["grant_type"], "client_credentials");
    assert_eq!(all[1]["details"]["username"], "service-account-ev-app");
    assert_eq!(all[1].get("sessionId"), None);
    assert_eq!(all[0]["userId"], user_id);
    assert_eq!(all[0]["sessionId"], sid);
    assert_eq!(all[0]["details"], json!({"client_auth_method": "client-secret"}));

    // Filters, paging and order.
    assert_eq!(types(&events(&app, &token, "?type=LOGIN&type=LOGOUT").await), ["LOGOUT", "LOGIN"]);
    assert_eq!(events(&app, &token, "?client=nope").await.len(), 1);
    assert_eq!(
        events(&app, &token, &format!("?user={}", user_id.as_str().unwrap())).await.len(),
        3
    );
    assert_eq!(events(&app, &token, "?user=crm_client_user").await.len(), 0);
    assert_eq!(events(&app, &token, "?ipAddress=10.0.0.1").await.len(), 0);
    assert_eq!(
        types(&events(&app, &token, "?first=1&max=2").await),
        ["CLIENT_LOGIN", "LOGIN_ERROR"]
    );
    assert_eq!(types(&events(&app, &token, "?direction=asc&max=1").await), ["LOGIN"]);
    let start = latchkey_testkit::START.0;
    let window = format!("?dateFrom={}&dateTo={}", start + 2_000, start + 3_000);
    assert_eq!(events(&app, &token, &window).await.len(), 2);
    assert_eq!(events(&app, &token, "?dateFrom=2000-01-01").await.len(), 7);
    assert_eq!(events(&app, &token, "?dateTo=2000-01-01").await.len(), 0);

    // Keycloak answers 500 for an unknown type; latchkey 400.
    let (status, _) = call(&app, &token, "GET", "/nagra/events?type=login", None).await;
    assert_eq!(status, 400);
    let (status, body) = call(&app, &token, "GET", "/nagra/events?dateFrom=07-12-2026", None).await;
    assert_eq!(
        (status, body),
        (
            400,
            json!({"error": "Invalid value for 'dateFrom', expected format is yyyy-MM-dd or an Epoch timestamp"})
        )
    );

    let (status, _) = call(&app, &token, "DELETE", "/nagra/events", None).await;
    assert_eq!(status, 204);
    assert!(events(&app, &token, "").await.is_empty());
}

#[tokio::test]
async fn refresh_events_are_recorded_only_when_listed() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let listed = json!({"eventsEnabled": true, "enabledEventTypes": ["REFRESH_TOKEN", "REFRESH_TOKEN_ERROR"]});
    assert_eq!(call(&app, &token, "PUT", "/nagra/events/config", Some(listed)).await.0, 204);
    let login = app.seed_login().await;
    let refresh = login["refresh_token"].as_str().unwrap();
    assert_eq!(app.refresh("crm_client", refresh).await.status(), 200);
    app.clock.advance_secs(1);
    assert_eq!(app.refresh("crm_client", "garbage").await.status(), 400);
    let all = events(&app, &token, "").await;
    assert_eq!(types(&all), ["REFRESH_TOKEN_ERROR", "REFRESH_TOKEN"]);
    assert_eq!(all[0]["error"], "invalid_token");
    assert_eq!(all[0]["details"]["reason"], "Invalid refresh token");
    assert_eq!(all[1]["details"]["grant_type"], "refresh_token");
    assert_eq!(all[1]["details"]["refresh_token_sub"], all[1]["userId"]);
}

#[tokio::test]
async fn events_need_view_events_and_manage_events() {
    let app = spawn_app().await;
    let (status, _) = {
        let answer = admin_call(&app, "GET", "/nagra/events", None, None).await;
        (answer.status, answer.body)
    };
    assert_eq!(status, 401);
}

#[tokio::test]
async fn without_max_a_hundred_events_are_listed() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let on = json!({"eventsEnabled": true});
    assert_eq!(call(&app, &token, "PUT", "/nagra/events/config", Some(on)).await.0, 204);
    for _ in 0..105 {
        assert_eq!(password(&app, "crm_client", None, "ghost", "x").await.0, 400);
    }
    assert_eq!(events(&app, &token, "").await.len(), 100);
    assert_eq!(events(&app, &token, "?first=100").await.len(), 5);
    assert_eq!(events(&app, &token, "?max=-1").await.len(), 105);
}

async fn admin_events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, body) =
        call(app, token, "GET", &format!("/nagra/admin-events{query}"), None).await;
    assert_eq!(status, 200, "{query}: {body}");
    body.as_array().unwrap().clone()
}

fn summary(events: &[Value]) -> Vec<(String, String, String)> {
    events
        .iter()
        .map(|e| {
            let text = |name: &str| e[name].as_str().unwrap().to_owned();
            (text("operationType"), text("resourceType"), text("resourcePath"))
        })
        .collect()
}

fn s(op: &str, kind: &str, path: &str) -> (String, String, String) {
    (op.to_owned(), kind.to_owned(), path.to_owned())
}

#[tokio::test]
async fn admin_writes_are_recorded_as_keycloak_s_admin_events() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let config = json!({"eventsEnabled": false, "adminEventsEnabled": true, "adminEventsDetailsEnabled": true});
    assert_eq!(call(&app, &token, "PUT", "/nagra/events/config", Some(config)).await.0, 204);
    app.clock.advance_secs(1);
    let created =
        admin_call(&app, "POST", "/nagra/groups", Some(&token), Some(json!({"name": "audited"})))
            .await;
    assert_eq!(created.status, 201);
    app.clock.advance_secs(1);
    let group = created.location().rsplit('/').next().unwrap().to_owned();
    let rename = json!({"name": "audited2", "attributes": {"a": ["b"]}});
    assert_eq!(
        call(&app, &token, "PUT", &format!("/nagra/groups/{group}"), Some(rename)).await.0,
        204
    );
    app.clock.advance_secs(1);
    let user = json!({"username": "audited-user", "enabled": true,
        "credentials": [{"type": "password", "value": "secret-pw", "temporary": false}]});
    let created = admin_call(&app, "POST", "/nagra/users", Some(&token), Some(user)).await;
    assert_eq!(created.status, 201);
    app.clock.advance_secs(1);
    let user = created.location().rsplit('/').next().unwrap().to_owned();
    let reset = json!({"type": "password", "value": "other-pw", "temporary": false});
    let path = format!("/nagra/users/{user}/reset-password");
    assert_eq!(call(&app, &token, "PUT", &path, Some(reset)).await.0, 204);
    app.clock.advance_secs(1);
    let path = format!("/nagra/users/{user}/groups/{group}");
    assert_eq!(call(&app, &token, "PUT", &path, None).await.0, 204);
    app.clock.advance_secs(1);
    let (_, roles) = call(&app, &token, "GET", "/nagra/roles", None).await;
    let offline =
        roles.as_array().unwrap().iter().find(|r| r["name"] == "offline_access").unwrap().clone();
    let path = format!("/nagra/users/{user}/role-mappings/realm");
    assert_eq!(call(&app, &token, "POST", &path, Some(json!([offline]))).await.0, 204);
    app.clock.advance_secs(1);
    assert_eq!(call(&app, &token, "DELETE", &format!("/nagra/groups/{group}"), None).await.0, 204);
    app.clock.advance_secs(1);
    let client = json!({"clientId": "audited-client", "secret": "topsecret"});
    let created = admin_call(&app, "POST", "/nagra/clients", Some(&token), Some(client)).await;
    assert_eq!(created.status, 201);
    app.clock.advance_secs(1);
    let client = created.location().rsplit('/').next().unwrap().to_owned();
    // A refused call is not recorded.
    let taken = admin_call(
        &app,
        "POST",
        "/nagra/clients",
        Some(&token),
        Some(json!({"clientId": "audited-client"})),
    )
    .await;
    assert_eq!(taken.status, 409);
    app.clock.advance_secs(1);

    let all = admin_events(&app, &token, "").await;
    assert_eq!(
        summary(&all),
        [
            s("CREATE", "CLIENT", &format!("clients/{client}")),
            s("DELETE", "GROUP", &format!("groups/{group}")),
            s("CREATE", "REALM_ROLE_MAPPING", &format!("users/{user}/role-mappings/realm")),
            s("CREATE", "GROUP_MEMBERSHIP", &format!("users/{user}/groups/{group}")),
            s("ACTION", "USER", &format!("users/{user}/reset-password")),
            s("CREATE", "USER", &format!("users/{user}")),
            s("UPDATE", "GROUP", &format!("groups/{group}")),
            s("CREATE", "GROUP", &format!("groups/{group}")),
            s("UPDATE", "REALM", "events/config"),
        ]
    );
    let (_, master) = call(&app, &token, "GET", "/master", None).await;
    let (_, cli) = call(&app, &token, "GET", "/master/clients?clientId=admin-cli", None).await;
    let sub = latchkey_testkit::jwt_parts(&token).1["sub"].clone();
    assert_eq!(
        all[0]["authDetails"],
        json!({"realmId": master["id"], "clientId": cli[0]["id"], "userId": sub, "ipAddress": "127.0.0.1"})
    );
    let (_, nagra) = call(&app, &token, "GET", "/nagra", None).await;
    assert_eq!(all[0]["realmId"], nagra["id"]);
    let client_rep: Value =
        serde_json::from_str(all[0]["representation"].as_str().unwrap()).unwrap();
    assert_eq!(client_rep["secret"], "**********");
    let user_rep: Value = serde_json::from_str(all[5]["representation"].as_str().unwrap()).unwrap();
    assert_eq!(user_rep, json!({"username": "audited-user", "enabled": true}));
    assert_eq!(all[4].get("representation"), None);

    let query = |q: &'static str| admin_events(&app, &token, q);
    assert_eq!(query("?operationTypes=CREATE").await.len(), 5);
    assert_eq!(query("?operationTypes=CREATE&operationTypes=DELETE").await.len(), 6);
    assert_eq!(query("?resourceTypes=GROUP").await.len(), 3);
    assert_eq!(query("?resourcePath=users/*").await.len(), 4);
    let master_id = master["id"].as_str().unwrap();
    let by_realm = admin_events(&app, &token, &format!("?authRealm={master_id}&max=2")).await;
    assert_eq!(by_realm.len(), 2);
    assert_eq!(query("?authRealm=master").await.len(), 0);
    assert_eq!(query("?authIpAddress=127.0.0.1&first=1&max=2").await.len(), 2);
    let (status, _) =
        call(&app, &token, "GET", "/nagra/admin-events?operationTypes=NOPE", None).await;
    assert_eq!(status, 400);

    // Without details no representation; with admin events off nothing, but the
    // configuration change that turned them off.
    let no_details = json!({"adminEventsEnabled": true, "adminEventsDetailsEnabled": false});
    assert_eq!(call(&app, &token, "PUT", "/nagra/events/config", Some(no_details)).await.0, 204);
    app.clock.advance_secs(1);
    let created =
        admin_call(&app, "POST", "/nagra/groups", Some(&token), Some(json!({"name": "nodetails"})))
            .await;
    assert_eq!(created.status, 201);
    app.clock.advance_secs(1);
    let newest = admin_events(&app, &token, "?max=1").await;
    assert_eq!(newest[0]["resourceType"], "GROUP");
    assert_eq!(newest[0].get("representation"), None);
    let off = json!({"adminEventsEnabled": false});
    assert_eq!(call(&app, &token, "PUT", "/nagra/events/config", Some(off)).await.0, 204);
    app.clock.advance_secs(1);
    let created = admin_call(
        &app,
        "POST",
        "/nagra/groups",
        Some(&token),
        Some(json!({"name": "notrecorded"})),
    )
    .await;
    assert_eq!(created.status, 201);
    app.clock.advance_secs(1);
    let newest = admin_events(&app, &token, "?max=1").await;
    assert_eq!(summary(&newest), [s("UPDATE", "REALM", "events/config")]);

    assert_eq!(call(&app, &token, "DELETE", "/nagra/admin-events", None).await.0, 204);
    assert!(admin_events(&app, &token, "").await.is_empty());
}

#[tokio::test]
async fn revoking_a_refresh_token_records_revoke_grant() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let on = json!({"eventsEnabled": true, "enabledEventTypes": ["REVOKE_GRANT"]});
    assert_eq!(call(&app, &token, "PUT", "/nagra/events/config", Some(on)).await.0, 204);
    let login = app.seed_login().await;
    let refresh = login["refresh_token"].as_str().unwrap();
    let revoke_url = format!("{}/protocol/openid-connect/revoke", app.realm_url("nagra"));
    let (status, _, _) =
        post(&app, &revoke_url, &[("client_id", "crm_client"), ("token", refresh)]).await;
    assert_eq!(status, 200);
    let all = events(&app, &token, "").await;
    assert_eq!(types(&all), ["REVOKE_GRANT"]);
    assert_eq!(all[0]["clientId"], "crm_client");
    let sid = latchkey_testkit::jwt_parts(login["access_token"].as_str().unwrap()).1["sid"].clone();
    assert_eq!(all[0]["sessionId"], sid);
    assert_eq!(
        detail_keys(&all[0]),
        ["refresh_token_type", "revoked_client", "refresh_token_id", "client_auth_method"]
    );
    assert_eq!(all[0]["details"]["revoked_client"], "crm_client");
}

#[tokio::test]
async fn userinfo_requests_are_recorded_when_listed() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let listed = json!({"eventsEnabled": true, "enabledEventTypes": ["USER_INFO_REQUEST", "USER_INFO_REQUEST_ERROR"]});
    assert_eq!(call(&app, &token, "PUT", "/nagra/events/config", Some(listed)).await.0, 204);
    let pairs = [
        ("grant_type", "password"),
        ("username", "crm_client_user"),
        ("password", "1234"),
        ("client_id", "crm_client"),
        ("scope", "openid"),
    ];
    let (status, _, login) = post(&app, &app.token_url("nagra"), &pairs).await;
    assert_eq!(status, 200);
    let access = login["access_token"].as_str().unwrap();
    let url = format!("{}/protocol/openid-connect/userinfo", app.realm_url("nagra"));
    let answer = app.http.get(&url).bearer_auth(access).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    app.clock.advance_secs(1);
    let refused = app.http.get(&url).bearer_auth("garbage").send().await.unwrap();
    assert_eq!(refused.status(), 401);
    let all = events(&app, &token, "").await;
    assert_eq!(types(&all), ["USER_INFO_REQUEST_ERROR", "USER_INFO_REQUEST"]);
    assert_eq!(all[1]["details"]["username"], "crm_client_user");
    assert_eq!(all[1]["clientId"], "crm_client");
    assert_eq!(all[0]["error"], "invalid_token");
    assert_eq!(all[0]["details"]["auth_method"], "validate_access_token");
}

#[tokio::test]
async fn introspection_outside_the_audience_is_an_introspect_token_error() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    ev_app(&app, &token).await;
    let listed = json!({"eventsEnabled": true, "enabledEventTypes": ["INTROSPECT_TOKEN", "INTROSPECT_TOKEN_ERROR"]});
    assert_eq!(call(&app, &token, "PUT", "/nagra/events/config", Some(listed)).await.0, 204);
    let (status, login) = password(&app, "ev-app", Some("s"), "crm_client_user", "1234").await;
    assert_eq!(status, 200);
    let url = format!("{}/protocol/openid-connect/token/introspect", app.realm_url("nagra"));
    let access = login["access_token"].as_str().unwrap();
    let (status, _, body) =
        post(&app, &url, &[("client_id", "ev-app"), ("client_secret", "s"), ("token", access)])
            .await;
    assert_eq!((status, body), (200, json!({"active": false})));
    let all = events(&app, &token, "").await;
    assert_eq!(types(&all), ["INTROSPECT_TOKEN_ERROR"]);
    assert_eq!(all[0]["error"], "invalid_token");
    assert_eq!(all[0]["details"]["reason"], "Client 'ev-app' is not in the token audience");
    assert_eq!(
        detail_keys(&all[0]),
        ["reason", "token_issued_for", "token_id", "token_type", "client_auth_method"]
    );
}
