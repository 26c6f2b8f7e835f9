//! Admin API: who may call it, and realms (`RealmsAdminResource.java`,
//! `RealmAdminResource.java`, `AdminRoot.java`; spec §5.1–5.3).

use latchkey_testkit::{jwt_parts, spawn_app};
use serde_json::json;

use crate::helpers::{admin_call, admin_call_raw, admin_token, grant_management_role};

#[tokio::test]
async fn without_a_token_the_admin_api_answers_401() {
    let app = spawn_app().await;
    for (method, path) in [("GET", ""), ("GET", "/nagra"), ("PUT", "/nagra"), ("DELETE", "/nagra")]
    {
        let answer = admin_call(&app, method, path, None, None).await;
        assert_eq!(answer.status, 401, "{method} {path}");
        assert_eq!(answer.body, json!({"error": "HTTP 401 Unauthorized"}));
    }
}

#[tokio::test]
async fn a_forged_or_expired_admin_token_answers_401() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    // Another byte in the middle of the signature.
    let mut forged = token.clone().into_bytes();
    let index = forged.len() - 20;
    forged[index] = if forged[index] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    assert_eq!(admin_call(&app, "GET", "", Some(&forged), None).await.status, 401);
    assert_eq!(admin_call(&app, "GET", "", Some("not-a-jwt"), None).await.status, 401);
    // Master's access tokens live 60 s (`ApplianceBootstrap`).
    app.clock.advance_secs(61);
    let answer = admin_call(&app, "GET", "", Some(&token), None).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body, json!({"error": "HTTP 401 Unauthorized"}));
}

#[tokio::test]
async fn a_user_without_an_admin_role_gets_403() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    let token = login["access_token"].as_str().unwrap();
    for path in ["/nagra", "/master"] {
        let answer = admin_call(&app, "GET", path, Some(token), None).await;
        assert_eq!(answer.status, 403, "{path}");
        assert_eq!(answer.body, json!({"error": "HTTP 403 Forbidden"}));
    }
    let answer = admin_call(&app, "POST", "", Some(token), Some(json!({"realm": "x"}))).await;
    assert_eq!(answer.status, 403);
    // A caller who administers no realm may not list realms at all
    // (`RealmsAdminResource.getRealms`; Keycloak 26.7.3 answers 403, issue-12 facts 6.3).
    let answer = admin_call(&app, "GET", "", Some(token), None).await;
    assert_eq!((answer.status, answer.body), (403, json!({"error": "HTTP 403 Forbidden"})));
    assert_eq!(answer.headers["content-type"], "application/json");
}

/// With `view-users` only, the listing names the realm and nothing else
/// (`RealmsAdminResource.addRealmRep`: an admin who may not view the realm).
#[tokio::test]
async fn an_admin_who_may_not_view_the_realm_sees_only_its_name() {
    let app = spawn_app().await;
    grant_management_role(&app, "nagra", "crm_client_user", "view-users").await;
    let login = app.seed_login().await;
    let token = login["access_token"].as_str().unwrap();
    let answer = admin_call(&app, "GET", "", Some(token), None).await;
    assert_eq!((answer.status, answer.body), (200, json!([{"realm": "nagra"}])));
}

#[tokio::test]
async fn a_realm_admin_administers_only_their_own_realm() {
    let app = spawn_app().await;
    grant_management_role(&app, "nagra", "crm_client_user", "realm-admin").await;
    let login = app.seed_login().await;
    let token = login["access_token"].as_str().unwrap();
    let answer = admin_call(&app, "GET", "/nagra", Some(token), None).await;
    assert_eq!((answer.status, answer.body["realm"].as_str()), (200, Some("nagra")));
    assert_eq!(admin_call(&app, "GET", "/master", Some(token), None).await.status, 403);
    let listed = admin_call(&app, "GET", "", Some(token), None).await;
    let names: Vec<&str> =
        listed.body.as_array().unwrap().iter().map(|r| r["realm"].as_str().unwrap()).collect();
    assert_eq!(names, ["nagra"]);
    // Creating realms takes master's admin (or create-realm) role.
    let answer = admin_call(&app, "POST", "", Some(token), Some(json!({"realm": "mine"}))).await;
    assert_eq!((answer.status, answer.body), (403, json!({"error": "HTTP 403 Forbidden"})));
}

/// A user holding only `manage-users` (what a backend's service account usually gets)
/// creates and manages users and is refused everything else; each status was recorded
/// from 26.7.3 (`UserPermissions`, `ClientPermissions`, `RolePermissions`, `RealmAuth`).
#[tokio::test]
async fn fine_grained_roles_open_only_their_part_of_the_realm() {
    let app = spawn_app().await;
    grant_management_role(&app, "nagra", "crm_client_user", "manage-users").await;
    let login = app.seed_login().await;
    let token = login["access_token"].as_str().unwrap();
    let call = |method: &'static str, path: &'static str, body: Option<serde_json::Value>| {
        let app = &app;
        async move { admin_call(app, method, path, Some(token), body).await.status }
    };
    let new_user = json!({"username": "hired", "enabled": true});
    assert_eq!(call("POST", "/nagra/users", Some(new_user)).await, 201);
    assert_eq!(call("GET", "/nagra/users?username=hired", None).await, 200);
    assert_eq!(call("GET", "/nagra/users/count", None).await, 200);
    assert_eq!(call("GET", "/nagra", None).await, 200, "any admin role reads the realm");
    assert_eq!(call("GET", "/nagra/roles", None).await, 403, "roles take view-realm");
    assert_eq!(call("GET", "/nagra/clients", None).await, 403);
    let client = json!({"clientId": "sneaky"});
    assert_eq!(call("POST", "/nagra/clients", Some(client)).await, 403);
    assert_eq!(call("PUT", "/nagra", Some(json!({"accessTokenLifespan": 1}))).await, 403);
    let role = json!({"name": "sneaky"});
    assert_eq!(call("POST", "/nagra/roles", Some(role)).await, 403);
    assert_eq!(call("GET", "/master/users", None).await, 403, "only its own realm");

    // view-clients reads clients and nothing about users.
    grant_management_role(&app, "nagra", "admin_user", "view-clients").await;
    let viewer = crate::helpers::post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("client_id", "crm_client"),
            ("username", "admin_user"),
            ("password", "admin1234"),
        ],
    )
    .await
    .2;
    let viewer = viewer["access_token"].as_str().unwrap();
    let status = |path: &'static str| {
        let app = &app;
        async move { admin_call(app, "GET", path, Some(viewer), None).await.status }
    };
    assert_eq!(status("/nagra/clients").await, 200);
    assert_eq!(status("/nagra/users").await, 403);
    let document = app.http.get(format!("{}/admin/openapi.json", app.base_url)).send().await;
    let document: serde_json::Value = document.unwrap().json().await.unwrap();
    let roles = &document["paths"]["/admin/realms/{realm}/users"]["post"]["x-latchkey-roles"];
    assert_eq!(roles, &json!(["manage-users"]));
}

#[tokio::test]
async fn fields_latchkey_does_not_model_are_kept_as_given() {
    // Keycloak knows a hundred realm fields; clients send them back with every PUT, and
    // GET answers each, with Keycloak 26.7.3's value for a fresh realm (facts-12 §5.1)
    // until one is set.
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let before = admin_call(&app, "GET", "/nagra", Some(&token), None).await;
    assert_eq!(before.body["registrationAllowed"], false);
    assert_eq!(before.body["browserFlow"], "browser");
    assert_eq!(before.body["smtpServer"], json!({}));
    assert_eq!(before.body["clientPolicies"], json!({"policies": []}));
    let smtp = json!({"host": "mail.example.com", "from": "iam@example.com"});
    let body = json!({"registrationAllowed": true, "smtpServer": smtp, "accessTokenLifespan": 400,
        "authenticationFlows": [{"alias": "read past, as Keycloak's updateRealm does"}]});
    let answer = admin_call(&app, "PUT", "/nagra", Some(&token), Some(body)).await;
    assert_eq!(answer.status, 204);
    let got = admin_call(&app, "GET", "/nagra", Some(&token), None).await;
    assert_eq!(got.body["accessTokenLifespan"], 400);
    assert_eq!(got.body["registrationAllowed"], true);
    assert_eq!(got.body["smtpServer"], smtp);
    assert_eq!(got.body["browserFlow"], "browser");
    assert!(got.body.get("authenticationFlows").is_none());
}

#[tokio::test]
async fn the_master_admin_lists_every_realm() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let (_, claims) = jwt_parts(&token);
    assert_eq!(claims["azp"], "admin-cli");
    let answer = admin_call(&app, "GET", "", Some(&token), None).await;
    assert_eq!(answer.status, 200);
    let names: Vec<&str> =
        answer.body.as_array().unwrap().iter().map(|r| r["realm"].as_str().unwrap()).collect();
    assert_eq!(names, ["master", "nagra"]);
    let brief = admin_call(&app, "GET", "?briefRepresentation=true", Some(&token), None).await;
    assert_eq!(
        brief.body[1],
        json!({"id": answer.body[1]["id"], "realm": "nagra", "displayName": "OpenTV Suite", "enabled": true})
    );
}

#[tokio::test]
async fn a_realm_is_created_read_and_refused_twice() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let rep = json!({
        "realm": "acme",
        "enabled": true,
        "accessTokenLifespan": 120,
        "roles": {"realm": [{"name": "reader"}]},
        "clients": [{"clientId": "acme-app", "publicClient": true, "directAccessGrantsEnabled": true}],
        "users": [{"username": "ann", "enabled": true,
                   "credentials": [{"type": "password", "value": "ann-pw"}], "realmRoles": ["reader"]}]
    });
    let answer = admin_call(&app, "POST", "", Some(&token), Some(rep.clone())).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.location(), format!("{}/admin/realms/acme", app.base_url));
    assert_eq!(answer.body, serde_json::Value::Null);

    let got = admin_call(&app, "GET", "/acme", Some(&token), None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["realm"], "acme");
    assert_eq!(got.body["accessTokenLifespan"], 120);
    assert_eq!(got.body["ssoSessionIdleTimeout"], 1800);
    assert!(got.body.get("users").is_none() && got.body.get("clients").is_none());

    // The new realm serves tokens at once.
    let (status, _, body) = crate::helpers::post(
        &app,
        &app.token_url("acme"),
        &[
            ("grant_type", "password"),
            ("client_id", "acme-app"),
            ("username", "ann"),
            ("password", "ann-pw"),
        ],
    )
    .await;
    assert_eq!((status, body["expires_in"].as_i64()), (200, Some(120)), "{body}");

    let again = admin_call(&app, "POST", "", Some(&token), Some(rep)).await;
    assert_eq!(again.status, 409);
    assert_eq!(again.body, json!({"errorMessage": "Conflict detected. See logs for details"}));
}

#[tokio::test]
async fn issue_3_a_new_access_token_lifespan_applies_to_the_next_grant() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    assert_eq!(app.seed_login().await["expires_in"], 300);
    let answer = admin_call(
        &app,
        "PUT",
        "/nagra",
        Some(&token),
        Some(json!({"accessTokenLifespan": 600, "ssoSessionIdleTimeout": 900})),
    )
    .await;
    assert_eq!((answer.status, &answer.body), (204, &serde_json::Value::Null));
    let login = app.seed_login().await;
    assert_eq!(login["expires_in"], 600);
    assert_eq!(login["refresh_expires_in"], 900);
    let got = admin_call(&app, "GET", "/nagra", Some(&token), None).await;
    assert_eq!(got.body["accessTokenLifespan"], 600);
    assert_eq!(got.body["displayName"], "OpenTV Suite", "fields not sent are kept");
}

#[tokio::test]
async fn realm_changes_are_on_disk_when_the_call_returns() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let settings = json!({
        "revokeRefreshToken": true, "refreshTokenMaxReuse": 2, "clientSessionIdleTimeout": 60,
        "clientSessionMaxLifespan": 120, "ssoSessionMaxLifespan": 7200,
        "bruteForceProtected": true, "failureFactor": 3, "permanentLockout": true,
        "bruteForceStrategy": "LINEAR", "enabled": false
    });
    let answer = admin_call(&app, "PUT", "/nagra", Some(&token), Some(settings.clone())).await;
    assert_eq!(answer.status, 204);
    let app = app.restart().await;
    let token = admin_token(&app).await;
    let got = admin_call(&app, "GET", "/nagra", Some(&token), None).await;
    for (field, value) in settings.as_object().unwrap() {
        assert_eq!(&got.body[field], value, "{field}");
    }
}

#[tokio::test]
async fn a_disabled_realm_refuses_logins() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    app.seed_login().await;
    let answer =
        admin_call(&app, "PUT", "/nagra", Some(&token), Some(json!({"enabled": false}))).await;
    assert_eq!(answer.status, 204);
    let (status, _, _) = crate::helpers::post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "crm_client"),
        ],
    )
    .await;
    assert_ne!(status, 200);
}

#[tokio::test]
async fn renaming_a_realm_onto_another_is_a_conflict() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let answer =
        admin_call(&app, "PUT", "/nagra", Some(&token), Some(json!({"realm": "master"}))).await;
    assert_eq!(
        (answer.status, answer.body),
        (409, json!({"errorMessage": "Realm with same name exists"}))
    );
    let answer =
        admin_call(&app, "PUT", "/master", Some(&token), Some(json!({"realm": "other"}))).await;
    assert_eq!(
        (answer.status, answer.body),
        (400, json!({"errorMessage": "Can't rename master realm"}))
    );
}

#[tokio::test]
async fn a_deleted_realm_is_gone() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    app.seed_login().await;
    let answer = admin_call(&app, "DELETE", "/nagra", Some(&token), None).await;
    assert_eq!((answer.status, &answer.body), (204, &serde_json::Value::Null));
    let answer = admin_call(&app, "GET", "/nagra", Some(&token), None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Realm not found."})));
    let (status, _, body) =
        crate::helpers::post(&app, &app.token_url("nagra"), &[("grant_type", "password")]).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("Realm does not exist")));
    assert_eq!(admin_call(&app, "DELETE", "/nagra", Some(&token), None).await.status, 404);
}

#[tokio::test]
async fn bad_realm_bodies_are_400_and_change_nothing() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    // Keycloak 26.7.3 (`facts-types/types4.py`): broken JSON is `invalid_request`, a
    // value of the wrong type `unknown_error` (`KeycloakErrorHandler`). An empty body is
    // a 500 there; latchkey calls it broken JSON.
    let cannot_parse =
        |error: &str| json!({"error": error, "error_description": "Cannot parse the JSON"});
    for (body, error) in [
        (r#"{"accessTokenLifespan": "#, "invalid_request"),
        (r#"{"accessTokenLifespan": "ten"}"#, "unknown_error"),
        ("[1]", "unknown_error"),
        ("", "invalid_request"),
        (r#"{"accessTokenLifespan": 2147483648}"#, "HTTP 400 Bad Request"),
    ] {
        let answer = admin_call_raw(&app, "PUT", "/nagra", &token, body).await;
        assert_eq!((answer.status, &answer.body), (400, &cannot_parse(error)), "{body}");
    }
    let answer =
        admin_call(&app, "PUT", "/nagra", Some(&token), Some(json!({"sslRequired": "sometimes"})))
            .await;
    assert_eq!(answer.status, 400);
    assert!(answer.body["errorMessage"].as_str().unwrap().contains("sslRequired"));
    let answer = admin_call(&app, "POST", "", Some(&token), Some(json!({"enabled": true}))).await;
    assert_eq!(answer.status, 400, "a realm needs a name");
    // Keycloak reads a new realm as a stream and answers every fault alike
    // (`facts-types/types5.py`).
    let unreadable = json!({"errorMessage": "unable to read contents from stream"});
    for body in [
        "{not json",
        r#"{"realm": "x", "accessTokenLifespan": "ten"}"#,
        r#"{"realm": "x", "zz": 1}"#,
        "[1]",
    ] {
        let answer = admin_call_raw(&app, "POST", "", &token, body).await;
        assert_eq!((answer.status, &answer.body), (400, &unreadable), "{body}");
    }

    let got = admin_call(&app, "GET", "/nagra", Some(&token), None).await;
    assert_eq!(
        (got.body["accessTokenLifespan"].as_i64(), got.body["sslRequired"].as_str()),
        (Some(300), Some("external"))
    );
    assert_eq!(app.seed_login().await["expires_in"], 300);
}

#[tokio::test]
async fn an_admin_body_over_the_size_limit_is_413() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let big = json!({"displayName": "x".repeat(70_000)});
    let answer = admin_call(&app, "PUT", "/nagra", Some(&token), Some(big)).await;
    assert_eq!(answer.status, 413);
}

#[tokio::test]
async fn unknown_admin_paths_and_methods_answer_like_keycloak() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let answer = admin_call(&app, "PATCH", "/nagra", Some(&token), Some(json!({}))).await;
    assert_eq!(
        (answer.status, answer.body),
        (405, json!({"error": "HTTP 405 Method Not Allowed"}))
    );
    let answer = admin_call(&app, "GET", "/nagra/no-such-thing", Some(&token), None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "HTTP 404 Not Found"})));
}

#[tokio::test]
async fn collections_answer_with_a_trailing_slash_as_keycloak_admin_client_sends_it() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    for path in ["/", "/nagra/users/", "/nagra/clients/", "/nagra/roles/"] {
        let answer = admin_call(&app, "GET", path, Some(&token), None).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert!(answer.body.is_array(), "{path}");
    }
    let answer = admin_call(&app, "GET", "/nagra/", Some(&token), None).await;
    assert_eq!((answer.status, &answer.body["realm"]), (200, &json!("nagra")));
    let answer = admin_call(&app, "GET", "/nagra/users/", None, None).await;
    assert_eq!(answer.status, 401);
}

/// `clear-realm-cache`, `clear-user-cache` and `clear-keys-cache`
/// (`RealmAdminResource.java`, `manage-realm`; Keycloak 26.7.3's answers in the issue-12
/// facts, 6.5): 204, and a change written to the database behind latchkey's back takes
/// effect once the cache holding it is cleared.
#[tokio::test]
async fn the_clear_cache_endpoints_drop_what_latchkey_cached() {
    use latchkey_core::store::Store;
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    app.seed_login().await;
    app.edit_client("crm_client", |client| client.settings.direct_access_grants_enabled = false)
        .await;
    let password_grant = || {
        let app = &app;
        async move {
            let pairs = [
                ("grant_type", "password"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("client_id", "crm_client"),
            ];
            app.post_form(&app.token_url("nagra"), &pairs).await.status().as_u16()
        }
    };
    assert_eq!(password_grant().await, 200, "the realm is cached");
    let answer = admin_call(&app, "POST", "/nagra/clear-realm-cache", Some(&token), None).await;
    assert_eq!((answer.status, answer.body), (204, serde_json::Value::Null));
    assert_eq!(password_grant().await, 400, "unauthorized_client once the cache is dropped");

    let kid = || {
        let app = &app;
        async move {
            let jwks: serde_json::Value = app
                .http
                .get(app.oidc_url("nagra", "certs"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            jwks["keys"][0]["kid"].as_str().unwrap().to_owned()
        }
    };
    let before = kid().await;
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    for key in app.store.list_keys(&realm.id).await.unwrap() {
        if key.kid == before {
            app.store.delete_key(&realm.id, &key.id).await.unwrap();
        }
    }
    assert_eq!(kid().await, before, "the keys are cached");
    let answer =
        admin_call(&app, "POST", "/nagra/clear-keys-cache", Some(&token), Some(json!({"x": 1})))
            .await;
    assert_eq!(answer.status, 204);
    assert_ne!(kid().await, before, "a new key was made for the realm without one");

    let answer = admin_call(&app, "POST", "/nagra/clear-user-cache", Some(&token), None).await;
    assert_eq!((answer.status, answer.body), (204, serde_json::Value::Null));
    let answer = admin_call(&app, "GET", "/nagra/clear-realm-cache", Some(&token), None).await;
    assert_eq!(
        (answer.status, answer.body),
        (405, json!({"error": "HTTP 405 Method Not Allowed"}))
    );
    let answer = admin_call(&app, "POST", "/nope/clear-realm-cache", Some(&token), None).await;
    assert_eq!((answer.status, answer.body), (404, json!({"error": "Realm not found."})));

    // `view-users` is not enough: clearing caches takes `manage-realm`.
    grant_management_role(&app, "nagra", "crm_client_user", "view-users").await;
    app.edit_client("crm_client", |client| client.settings.direct_access_grants_enabled = true)
        .await;
    admin_call(&app, "POST", "/nagra/clear-realm-cache", Some(&token), None).await;
    let login = app.seed_login().await;
    let user_token = login["access_token"].as_str().unwrap();
    for path in ["/nagra/clear-realm-cache", "/nagra/clear-user-cache", "/nagra/clear-keys-cache"] {
        let answer = admin_call(&app, "POST", path, Some(user_token), None).await;
        assert_eq!(
            (answer.status, answer.body),
            (403, json!({"error": "HTTP 403 Forbidden"})),
            "{path}"
        );
        assert_eq!(admin_call(&app, "POST", path, None, None).await.status, 401);
    }
    grant_management_role(&app, "nagra", "crm_client_user", "manage-realm").await;
    let answer = admin_call(&app, "POST", "/nagra/clear-user-cache", Some(user_token), None).await;
    assert_eq!(answer.status, 204);
}

/// `POST …/partial-export` (facts-12 §5.2–5.3): no users but service accounts, no secret.
#[tokio::test]
async fn partial_export_leaves_out_users_and_secrets() {
    let app = spawn_app().await;
    let token = admin_token(&app).await;
    let client = json!({"clientId": "svc", "secret": "my-secret-value", "publicClient": false,
        "serviceAccountsEnabled": true});
    let created = admin_call(&app, "POST", "/nagra/clients", Some(&token), Some(client)).await;
    assert_eq!(created.status, 201);

    let bare = admin_call(&app, "POST", "/nagra/partial-export", Some(&token), None).await;
    assert_eq!(bare.status, 200);
    assert_eq!(bare.headers["content-type"], "application/json");
    for absent in ["roles", "groups", "clients", "clientScopeMappings", "users"] {
        assert!(bare.body.get(absent).is_none(), "{absent}");
    }
    assert_eq!(bare.body["realm"], "nagra");
    assert_eq!(bare.body["browserFlow"], "browser");
    assert!(bare.body["clientScopes"].as_array().is_some_and(|scopes| !scopes.is_empty()));
    let keys = bare.body["components"]["org.keycloak.keys.KeyProvider"].as_array().unwrap();
    assert!(!keys.is_empty());
    for key in keys {
        for secret in ["privateKey", "secret", "certificate", "kid"] {
            assert!(key["config"].get(secret).is_none(), "{secret} in {key}");
        }
        assert!(key["config"]["priority"][0].is_string());
    }

    let path = "/nagra/partial-export?exportClients=true&exportGroupsAndRoles=true";
    let full = admin_call(&app, "POST", path, Some(&token), None).await;
    assert_eq!(full.status, 200);
    let svc = full.body["clients"].as_array().unwrap().iter().find(|c| c["clientId"] == "svc");
    assert_eq!(svc.unwrap()["secret"], "**********");
    let text = full.body.to_string();
    assert!(!text.contains("my-secret-value"));
    let realm_roles: Vec<&str> = full.body["roles"]["realm"]
        .as_array()
        .unwrap()
        .iter()
        .map(|role| role["name"].as_str().unwrap())
        .collect();
    assert!(realm_roles.contains(&"operatorRole"), "{realm_roles:?}");
    assert!(full.body["groups"].is_array());
    // Ordinary users never; the service account's user, without credentials.
    let users = full.body["users"].as_array().unwrap();
    let names: Vec<&str> = users.iter().map(|u| u["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["service-account-svc"]);
    assert_eq!(users[0]["serviceAccountClientId"], "svc");
    assert!(users[0].get("credentials").is_none());

    // Without a token: 401.
    let none = admin_call(&app, "POST", "/nagra/partial-export", None, None).await;
    assert_eq!(none.status, 401);
}
