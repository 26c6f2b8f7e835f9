//! Each route family allowed and refused as its rule says.

use crate::helpers::*;

#[tokio::test]
async fn operator_routes_need_operator_role() {
    let gateway = spawn_gateway().await;
    let operator = operator_token(&gateway.latchkey).await;
    let admin = admin_token(&gateway.latchkey).await;

    let allowed = gateway.get("/operator/devices?page=2", Some(&operator)).await;
    assert_eq!(allowed.status, 200, "{:?}", allowed.body);
    assert_eq!(allowed.body["uri"], "/operator/devices?page=2");
    assert_eq!(allowed.body["headers"]["x-auth-username"], "crm_client_user");
    assert!(allowed.body["headers"]["x-auth-roles"].as_str().unwrap().contains("operatorRole"));
    assert_eq!(gateway.upstream.hits(), 1);

    let refused = gateway.get("/operator/devices", Some(&admin)).await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        refused.challenge.as_deref(),
        Some(
            r#"Bearer realm="gateway-test", error="insufficient_scope", error_description="the token lacks the role this route needs""#
        )
    );
    assert_eq!(refused.body["error"], "insufficient_scope");
    assert_eq!(gateway.upstream.hits(), 1, "the refused request reached the upstream");
}

#[tokio::test]
async fn admin_routes_need_admin_role() {
    let gateway = spawn_gateway().await;
    let operator = operator_token(&gateway.latchkey).await;
    let admin = admin_token(&gateway.latchkey).await;

    let allowed = gateway.get("/admin/health", Some(&admin)).await;
    assert_eq!(allowed.status, 200, "{:?}", allowed.body);
    assert_eq!(allowed.body["headers"]["x-auth-username"], "admin_user");
    assert_eq!(gateway.get("/admin/health", Some(&operator)).await.status, 403);
    assert_eq!(gateway.get("/admin", Some(&operator)).await.status, 403);
    // all_of: neither user has both roles.
    assert_eq!(gateway.get("/both/x", Some(&admin)).await.status, 403);
    assert_eq!(gateway.get("/both/x", Some(&operator)).await.status, 403);
    assert_eq!(gateway.upstream.hits(), 1);
}

#[tokio::test]
async fn client_routes_are_public_and_pass_untouched() {
    let gateway = spawn_gateway().await;
    let answer = gateway.get("/client/catalogue", None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["uri"], "/client/catalogue");
    // A token, even a broken one, is not looked at on a public route.
    assert_eq!(gateway.get("/client/catalogue", Some("garbage")).await.status, 200);
    assert_eq!(gateway.upstream.hits(), 2);
}

#[tokio::test]
async fn missing_tokens_get_a_bare_challenge() {
    let gateway = spawn_gateway().await;
    for path in ["/admin/health", "/operator/devices"] {
        let answer = gateway.get(path, None).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.challenge.as_deref(), Some(r#"Bearer realm="gateway-test""#));
    }
    let basic = gateway
        .http
        .get(gateway.url("/operator/devices"))
        .basic_auth("crm_client_user", Some("1234"))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);
    assert_eq!(gateway.upstream.hits(), 0);
}

#[tokio::test]
async fn unmatched_paths_are_404_and_tricky_paths_400() {
    let gateway = spawn_gateway().await;
    let operator = operator_token(&gateway.latchkey).await;
    assert_eq!(gateway.get("/elsewhere", Some(&operator)).await.status, 404);
    assert_eq!(gateway.get("/administrator", Some(&operator)).await.status, 404);
    assert_eq!(gateway.get("/", None).await.status, 404);
    // reqwest would normalise dot segments, so these go through hyper as written.
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Empty<bytes::Bytes>>();
    for path in ["/client/../admin/health", "/client/%2e%2e/admin/health", "/client//x"] {
        let uri: http::Uri = gateway.url(path).parse().unwrap();
        let response = client.get(uri).await.unwrap();
        assert_eq!(response.status(), 400, "{path}");
    }
    assert_eq!(gateway.upstream.hits(), 0);
}

#[tokio::test]
async fn health_and_metrics_are_served_by_the_gateway() {
    let gateway = spawn_gateway().await;
    assert_eq!(gateway.get("/healthz", None).await.status, 200);
    gateway.get("/client/x", None).await;
    gateway.get("/admin/x", None).await;
    gateway.get("/nowhere", None).await;
    let metrics = gateway.http.get(gateway.url("/metrics")).send().await.unwrap();
    assert!(metrics.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = metrics.text().await.unwrap();
    for line in [
        r#"latchkey_gateway_requests_total{route="/client",outcome="forwarded"} 1"#,
        r#"latchkey_gateway_requests_total{route="/admin",outcome="unauthorized"} 1"#,
        r#"latchkey_gateway_requests_total{route="unmatched",outcome="no_route"} 1"#,
        r#"latchkey_gateway_upstream_duration_seconds_count{route="/client"} 1"#,
        r#"latchkey_gateway_upstream_duration_seconds_bucket{route="/client",le="+Inf"} 1"#,
    ] {
        assert!(text.contains(line), "{line} not in\n{text}");
    }
}

/// A role held through a group (and the group above it) opens its routes like a role
/// granted directly (issue 12): `admin_user` joins `/staff/operators`, whose parent
/// `/staff` holds `operatorRole`.
#[tokio::test]
async fn a_role_held_through_a_group_opens_its_routes() {
    use latchkey_core::group::Group;
    use latchkey_core::store::Store;

    let gateway = spawn_gateway().await;
    let store = &gateway.latchkey.store;
    let realm = store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let roles = store.list_roles(&realm.id).await.unwrap();
    let operator = roles.iter().find(|r| r.client_uuid.is_none() && r.name == "operatorRole");
    let group = |id: &str, parent: Option<&str>, role_ids: Vec<String>| Group {
        id: id.to_owned(),
        realm_id: realm.id.clone(),
        parent_id: parent.map(str::to_owned),
        name: id.to_owned(),
        description: None,
        attributes: Default::default(),
        role_ids,
    };
    store.insert_group(&group("staff", None, vec![operator.unwrap().id.clone()])).await.unwrap();
    store.insert_group(&group("operators", Some("staff"), Vec::new())).await.unwrap();
    let admin = store.find_user_by_username(&realm.id, "admin_user").await.unwrap().unwrap();
    let before = admin_token(&gateway.latchkey).await;
    assert_eq!(gateway.get("/operator/devices", Some(&before)).await.status, 403);
    store.join_group(&admin.id, "operators").await.unwrap();

    let token = admin_token(&gateway.latchkey).await;
    let allowed = gateway.get("/both/devices", Some(&token)).await;
    assert_eq!(allowed.status, 200, "{:?}", allowed.body);
    let roles = allowed.body["headers"]["x-auth-roles"].as_str().unwrap();
    assert!(roles.contains("operatorRole") && roles.contains("adminRole"), "{roles}");
}
