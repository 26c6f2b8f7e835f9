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

/// Checks that refreshing `refresh_token` on `crm_client` is 400 `invalid_grant` with
/// this description.
pub async fn expect_refresh_error(
    app: &latchkey_testkit::TestApp,
    refresh_token: &str,
    description: &str,
) {
    let pairs = [
        ("grant_type", "refresh_token"),
        ("client_id", "crm_client"),
        ("refresh_token", refresh_token),
    ];
    expect_token_error(app, &pairs, 400, "invalid_grant", description).await;
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

/// An access token of the bootstrap admin, from realm `master` through `admin-cli`.
pub async fn admin_token(app: &latchkey_testkit::TestApp) -> String {
    use latchkey_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME};
    let (status, _, body) = post(
        app,
        &app.token_url("master"),
        &[
            ("grant_type", "password"),
            ("client_id", "admin-cli"),
            ("username", ADMIN_USERNAME),
            ("password", ADMIN_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 200, "admin login failed: {body}");
    body["access_token"].as_str().unwrap().to_owned()
}

/// An answer of the Admin API: status, headers and JSON body (Null when empty).
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers.get("location").expect("a Location header").to_str().unwrap()
    }
}

/// Calls `{base}/admin/realms{path}` with a bearer token and an optional JSON body.
pub async fn admin_call(
    app: &latchkey_testkit::TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let url = format!("{}/admin/realms{path}", app.base_url);
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app.http.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

/// Like `admin_call`, with a body sent as raw bytes.
pub async fn admin_call_raw(
    app: &latchkey_testkit::TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: &'static str,
) -> Answer {
    let url = format!("{}/admin/realms{path}", app.base_url);
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let request = app
        .http
        .request(method, url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body);
    send(request).await
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer { status, headers, body }
}

/// Grants a user of realm `realm` the `realm-management` client role `role`.
pub async fn grant_management_role(
    app: &latchkey_testkit::TestApp,
    realm: &str,
    username: &str,
    role: &str,
) {
    use latchkey_core::store::Store;
    let realm = app.store.find_realm_by_name(realm).await.unwrap().unwrap();
    let user = app.store.find_user_by_username(&realm.id, username).await.unwrap().unwrap();
    let management = app.store.find_client_by_client_id(&realm.id, "realm-management").await;
    let management = management.unwrap().unwrap();
    let roles = app.store.list_roles(&realm.id).await.unwrap();
    let role = roles
        .iter()
        .find(|r| r.client_uuid.as_deref() == Some(management.id.as_str()) && r.name == role)
        .unwrap();
    app.store.grant_roles(&user.id, std::slice::from_ref(&role.id)).await.unwrap();
}

/// Verifies `token` with the key of `jwks` its `kid` names, independently of latchkey's
/// own code: the JWK's `alg` must be the header's, and the signature must check with
/// aws-lc-rs built from the JWK's public numbers. Returns the claims.
#[track_caller]
pub fn verify_with_jwks(jwks: &Value, token: &str) -> Value {
    use aws_lc_rs::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    let (header, claims) = latchkey_testkit::jwt_parts(token);
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|jwk| jwk["kid"] == header["kid"])
        .unwrap_or_else(|| panic!("no key {} in the JWKS", header["kid"]));
    let alg = header["alg"].as_str().unwrap();
    assert_eq!(jwk["alg"], alg, "the key's alg is the token's");
    let (input, signature) = token.rsplit_once('.').unwrap();
    let signature = URL_SAFE_NO_PAD.decode(signature).unwrap();
    let number = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap();
    let verified = match jwk["kty"].as_str().unwrap() {
        "RSA" => {
            let parameters = match alg {
                "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
                "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
                "RS512" => &signature::RSA_PKCS1_2048_8192_SHA512,
                "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
                "PS384" => &signature::RSA_PSS_2048_8192_SHA384,
                "PS512" => &signature::RSA_PSS_2048_8192_SHA512,
                other => panic!("RSA key for {other}"),
            };
            RsaPublicKeyComponents { n: number("n"), e: number("e") }
                .verify(parameters, input.as_bytes(), &signature)
                .is_ok()
        }
        "EC" => {
            let parameters = match (alg, jwk["crv"].as_str().unwrap()) {
                ("ES256", "P-256") => &signature::ECDSA_P256_SHA256_FIXED,
                ("ES384", "P-384") => &signature::ECDSA_P384_SHA384_FIXED,
                ("ES512", "P-521") => &signature::ECDSA_P521_SHA512_FIXED,
                other => panic!("EC key for {other:?}"),
            };
            let point = [vec![4], number("x"), number("y")].concat();
            UnparsedPublicKey::new(parameters, point).verify(input.as_bytes(), &signature).is_ok()
        }
        "OKP" => {
            assert_eq!((alg, jwk["crv"].as_str().unwrap()), ("EdDSA", "Ed25519"));
            UnparsedPublicKey::new(&signature::ED25519, number("x"))
                .verify(input.as_bytes(), &signature)
                .is_ok()
        }
        other => panic!("kty {other}"),
    };
    assert!(verified, "the {alg} signature checks with the published key");
    claims
}

/// `POST {base}/admin/realms{path}` that must answer 201; the new resource's id, the
/// last segment of its `Location`.
pub async fn create(
    app: &latchkey_testkit::TestApp,
    token: &str,
    path: &str,
    body: Value,
) -> String {
    let answer = admin_call(app, "POST", path, Some(token), Some(body)).await;
    assert_eq!(answer.status, 201, "POST {path}: {}", answer.body);
    answer.location().rsplit('/').next().unwrap().to_owned()
}

/// A realm made by `POST /admin/realms`, with Keycloak's defaults.
pub async fn create_realm(app: &latchkey_testkit::TestApp, token: &str, name: &str) {
    let answer = admin_call(
        app,
        "POST",
        "",
        Some(token),
        Some(serde_json::json!({"realm": name, "enabled": true})),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

/// The `field` of each element of a JSON array, as strings.
pub fn field(body: &Value, field: &str) -> Vec<String> {
    body.as_array()
        .unwrap_or_else(|| panic!("not an array: {body}"))
        .iter()
        .map(|item| item[field].as_str().unwrap_or_default().to_owned())
        .collect()
}
