//! Small assertions shared by the API tests.

use serde_json::Value;

/// Asserts an OAuth error answer: status, `error`, `error_description`, and the
/// token endpoint's no-store headers.
#[track_caller]
pub fn assert_oauth_error(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &Value,
    error: &str,
    description: &str,
) {
    assert_eq!(
        (status, body["error"].as_str(), body["error_description"].as_str()),
        (status, Some(error), Some(description)),
        "body: {body}"
    );
    assert_eq!(headers.get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"));
    assert_eq!(headers.get("pragma").map(|v| v.to_str().unwrap()), Some("no-cache"));
}

/// Sends a form and returns status, headers and JSON body (Null when empty).
pub async fn post(
    app: &latchkey_testkit::TestApp,
    url: &str,
    pairs: &[(&str, &str)],
) -> (u16, reqwest::header::HeaderMap, Value) {
    let response = app.post_form(url, pairs).await;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, headers, body)
}

/// Checks a token error in one line.
pub async fn expect_token_error(
    app: &latchkey_testkit::TestApp,
    pairs: &[(&str, &str)],
    status: u16,
    error: &str,
    description: &str,
) {
    let (got_status, headers, body) = post(app, &app.token_url("nagra"), pairs).await;
    assert_eq!(got_status, status, "body: {body}");
    assert_oauth_error(got_status, &headers, &body, error, description);
}

/// Adds confidential client `svc_client` / `s3cret` with direct grants and a service
/// account. Call before the first request: the realm is cached from then on.
pub async fn add_confidential_client(app: &latchkey_testkit::TestApp) {
    use latchkey_core::client::{Client, ClientSettings};
    use latchkey_core::secret::Secret;
    use latchkey_core::store::Store;
    use latchkey_core::user::{User, UserProfile};
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let client = Client {
        id: latchkey_core::random::uuid(),
        realm_id: realm.id.clone(),
        client_id: "svc_client".into(),
        enabled: true,
        public_client: false,
        secret: Some(Secret::new("s3cret")),
        settings: ClientSettings {
            direct_access_grants_enabled: true,
            service_accounts_enabled: true,
            ..ClientSettings::default()
        },
    };
    app.store.insert_client(&client).await.unwrap();
    let user = User {
        id: latchkey_core::random::uuid(),
        realm_id: realm.id.clone(),
        username: "service-account-svc_client".into(),
        enabled: true,
        created_timestamp: 0,
        profile: UserProfile {
            service_account_client_id: Some(client.id.clone()),
            ..UserProfile::default()
        },
    };
    app.store.insert_user(&user).await.unwrap();
}
