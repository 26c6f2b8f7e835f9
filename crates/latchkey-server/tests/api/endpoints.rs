//! Discovery, JWKS, realm info, userinfo, introspection and revocation.

use latchkey_testkit::{jwt_parts, spawn_app};

use crate::helpers::post;

#[tokio::test]
async fn discovery_names_the_endpoints_of_this_realm() {
    let app = spawn_app().await;
    let body: serde_json::Value = app
        .http
        .get(format!("{}/.well-known/openid-configuration", app.realm_url("nagra")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issuer = app.realm_url("nagra");
    assert_eq!(body["issuer"], issuer.as_str());
    assert_eq!(body["token_endpoint"], format!("{issuer}/protocol/openid-connect/token"));
    assert_eq!(body["jwks_uri"], format!("{issuer}/protocol/openid-connect/certs"));
    assert!(body["grant_types_supported"].as_array().unwrap().contains(&"password".into()));
}

#[tokio::test]
async fn jwks_lists_the_signing_key_of_the_access_token() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    let (header, _) = jwt_parts(login["access_token"].as_str().unwrap());
    let jwks: serde_json::Value =
        app.http.get(app.oidc_url("nagra", "certs")).send().await.unwrap().json().await.unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "only public RSA keys, never the HMAC key");
    assert_eq!(keys[0]["kid"], header["kid"]);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["alg"], "RS256");
    assert_eq!(keys[0]["use"], "sig");
    assert_eq!(keys[0]["e"], "AQAB");
}

#[tokio::test]
async fn jwks_carries_the_same_self_signed_certificate_across_restarts() {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let app = spawn_app().await;
    let certs = app.oidc_url("nagra", "certs");
    let before: serde_json::Value =
        app.http.get(&certs).send().await.unwrap().json().await.unwrap();
    let key = &before["keys"][0];
    let der = STANDARD.decode(key["x5c"][0].as_str().unwrap()).unwrap();
    assert_eq!(der[0], 0x30, "a DER SEQUENCE");
    assert!(der.windows(5).any(|w| w == b"nagra"), "subject CN=<realm name>");
    let modulus = URL_SAFE_NO_PAD.decode(key["n"].as_str().unwrap()).unwrap();
    assert!(der.windows(modulus.len()).any(|w| w == modulus), "the certificate holds the key");
    let sha256 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &der);
    assert_eq!(key["x5t#S256"], URL_SAFE_NO_PAD.encode(sha256));
    assert_eq!(key["x5t"].as_str().unwrap().len(), 27, "SHA-1, base64url");

    let app = app.restart().await;
    let after: serde_json::Value =
        app.http.get(app.oidc_url("nagra", "certs")).send().await.unwrap().json().await.unwrap();
    assert_eq!(after, before, "made from the stored key, so stable");
}

#[tokio::test]
async fn realm_info_carries_the_public_key() {
    let app = spawn_app().await;
    let body: serde_json::Value =
        app.http.get(app.realm_url("nagra")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["realm"], "nagra");
    assert!(body["public_key"].as_str().unwrap().starts_with("MIIBIjAN"));
    assert_eq!(
        body["token-service"],
        format!("{}/protocol/openid-connect", app.realm_url("nagra"))
    );
    assert_eq!(body["tokens-not-before"], 0);
}

async fn login_openid(app: &latchkey_testkit::TestApp) -> serde_json::Value {
    let (status, _, body) = post(
        app,
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
    assert_eq!(status, 200);
    body
}

#[tokio::test]
async fn userinfo_answers_claims_then_refuses_after_logout() {
    let app = spawn_app().await;
    let login = login_openid(&app).await;
    let access = login["access_token"].as_str().unwrap();
    let response =
        app.http.get(app.oidc_url("nagra", "userinfo")).bearer_auth(access).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let claims: serde_json::Value = response.json().await.unwrap();
    assert_eq!(claims["preferred_username"], "crm_client_user");
    assert!(claims["sub"].is_string());
    post(
        &app,
        &app.oidc_url("nagra", "logout"),
        &[("client_id", "crm_client"), ("refresh_token", login["refresh_token"].as_str().unwrap())],
    )
    .await;
    let response =
        app.http.get(app.oidc_url("nagra", "userinfo")).bearer_auth(access).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer realm="nagra", error="invalid_token", error_description="user_session_not_found""#
    );
}

#[tokio::test]
async fn userinfo_refusals_are_www_authenticate_only() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    let url = app.oidc_url("nagra", "userinfo");
    let cases = [
        (None, 401, r#"Bearer realm="nagra""#),
        (
            Some("garbage"),
            401,
            r#"Bearer realm="nagra", error="invalid_token", error_description="Token verification failed""#,
        ),
        (
            login["refresh_token"].as_str(),
            401,
            r#"Bearer realm="nagra", error="invalid_token", error_description="Token verification failed""#,
        ),
        (
            login["access_token"].as_str(),
            403,
            r#"Bearer realm="nagra", error="insufficient_scope", error_description="Missing openid scope""#,
        ),
    ];
    for (token, status, challenge) in cases {
        let mut request = app.http.get(&url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()["www-authenticate"], challenge);
    }
    app.clock.advance_secs(301);
    let fresh = login_openid(&app).await;
    app.clock.advance_secs(301);
    let response = app
        .http
        .get(&url)
        .bearer_auth(fresh["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "an expired access token is refused");
}

#[tokio::test]
async fn introspection_shows_active_tokens_to_their_audience_only() {
    let app = spawn_app().await;
    app.add_confidential_client().await;
    let (_, _, svc_login) = post(
        &app,
        &app.token_url("nagra"),
        &[
            ("grant_type", "password"),
            ("username", "crm_client_user"),
            ("password", "1234"),
            ("client_id", "svc_client"),
            ("client_secret", "s3cret"),
        ],
    )
    .await;
    let url = app.oidc_url("nagra", "token/introspect");
    let auth = [("client_id", "svc_client"), ("client_secret", "s3cret")];
    // Keycloak 26.7.3: the caller must be in `aud`; its own access token (no aud) is inactive.
    let (status, _, body) = post(
        &app,
        &url,
        &[auth[0], auth[1], ("token", svc_login["access_token"].as_str().unwrap())],
    )
    .await;
    assert_eq!((status, body), (200, serde_json::json!({"active": false})));
    // Its own refresh token with the hint is active.
    let (_, _, body) = post(
        &app,
        &url,
        &[
            auth[0],
            auth[1],
            ("token", svc_login["refresh_token"].as_str().unwrap()),
            ("token_type_hint", "refresh_token"),
        ],
    )
    .await;
    assert_eq!(body["active"], true, "{body}");
    assert_eq!(body["client_id"], "svc_client");
    assert_eq!(body["username"], "crm_client_user");
    assert_eq!(body["token_type"], "Refresh");
    let (status, _, body) = post(&app, &url, &[auth[0], auth[1]]).await;
    assert_eq!((status, body["error_description"].as_str()), (400, Some("Token not provided.")));
    let (status, _, body) = post(&app, &url, &[("client_id", "crm_client"), ("token", "x")]).await;
    assert_eq!((status, body["error_description"].as_str()), (403, Some("Client not allowed.")));
    let (status, _, body) =
        post(&app, &url, &[("client_id", "svc_client"), ("client_secret", "bad"), ("token", "x")])
            .await;
    assert_eq!(
        (status, body["error"].as_str(), body["error_description"].as_str()),
        (401, Some("invalid_client"), Some("Client authentication failed."))
    );
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_its_session() {
    let app = spawn_app().await;
    let login = app.seed_login().await;
    let refresh = login["refresh_token"].as_str().unwrap();
    let url = app.oidc_url("nagra", "revoke");
    let (status, _, body) =
        post(&app, &url, &[("client_id", "crm_client"), ("token", refresh)]).await;
    assert_eq!((status, body), (200, serde_json::Value::Null));
    let response = app.refresh("crm_client", refresh).await;
    assert_eq!(response.status(), 400);
    let (status, _, body) =
        post(&app, &url, &[("client_id", "crm_client"), ("token", refresh)]).await;
    assert_eq!(
        (status, body),
        (200, serde_json::json!({"error": "invalid_token", "error_description": "Invalid token"}))
    );
    let (status, _, body) = post(&app, &url, &[("client_id", "crm_client")]).await;
    assert_eq!((status, body["error_description"].as_str()), (400, Some("Token not provided")));
}

/// Issue 13: `crm_client` has `token.response.type.bearer.lower-case`, so its access
/// tokens say `"typ": "bearer"`. Keycloak 26.7.3 answers 400 `unsupported_token_type`
/// to their revocation and keeps honouring them (`TokenRevocationEndpoint` compares
/// `typ` case-sensitively, measured); latchkey compares it as userinfo does and revokes.
#[tokio::test]
async fn revoking_a_lower_case_bearer_access_token_ends_it_for_userinfo() {
    let app = spawn_app().await;
    let login = login_openid(&app).await;
    let access = login["access_token"].as_str().unwrap();
    assert_eq!(jwt_parts(access).1["typ"], "bearer");
    let userinfo = app.oidc_url("nagra", "userinfo");
    let response = app.http.get(&userinfo).bearer_auth(access).send().await.unwrap();
    assert_eq!(response.status(), 200);
    for hint in [Some("access_token"), None] {
        let mut pairs = vec![("client_id", "crm_client"), ("token", access)];
        pairs.extend(hint.map(|hint| ("token_type_hint", hint)));
        let (status, _, body) = post(&app, &app.oidc_url("nagra", "revoke"), &pairs).await;
        assert_eq!((status, body), (200, serde_json::Value::Null), "hint {hint:?}");
    }
    let response = app.http.get(&userinfo).bearer_auth(access).send().await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer realm="nagra", error="invalid_token", error_description="Token verification failed""#
    );
    // Revoking an access token does not end its session (as in Keycloak).
    let refreshed = app.refresh("crm_client", login["refresh_token"].as_str().unwrap()).await;
    assert_eq!(refreshed.status(), 200);
}

/// `Cache-Control` and `Pragma` as Keycloak 26.7.3 sends them on each protocol endpoint
/// (issue-12 facts 6.4; `OIDCWellKnownProviderFactory`, `RealmsResource`,
/// `UserInfoEndpoint`, `TokenIntrospectionEndpoint`, `LogoutEndpoint`,
/// `TokenRevocationEndpoint`): `None` where Keycloak sends the header not at all.
#[tokio::test]
async fn protocol_endpoints_send_keycloaks_cache_headers() {
    let app = spawn_app().await;
    app.add_confidential_client().await;
    let cache = |response: &reqwest::Response| {
        let get = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
        (response.status().as_u16(), get("cache-control"), get("pragma"))
    };
    let s = |value: &str| Some(value.to_owned());
    let discovery = format!("{}/.well-known/openid-configuration", app.realm_url("nagra"));
    let response = app.http.get(&discovery).send().await.unwrap();
    assert_eq!(
        cache(&response),
        (200, s("no-cache, must-revalidate, no-transform, no-store"), None)
    );
    let discovery = format!("{}/.well-known/openid-configuration", app.realm_url("nope"));
    let response = app.http.get(&discovery).send().await.unwrap();
    assert_eq!(cache(&response), (404, None, None));
    let response = app.http.get(app.realm_url("nagra")).send().await.unwrap();
    assert_eq!(cache(&response), (200, s("no-cache"), None));
    let response = app.http.get(app.oidc_url("nagra", "certs")).send().await.unwrap();
    assert_eq!(cache(&response), (200, s("no-cache"), None));

    let login = |scope: &'static str| {
        let app = &app;
        async move {
            let pairs = [
                ("grant_type", "password"),
                ("client_id", "svc_client"),
                ("client_secret", "s3cret"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("scope", scope),
            ];
            let response = app.post_form(&app.token_url("nagra"), &pairs).await;
            assert_eq!(cache(&response), (200, s("no-store"), s("no-cache")));
            response.json::<serde_json::Value>().await.unwrap()
        }
    };
    let tokens = login("openid").await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let userinfo = app.oidc_url("nagra", "userinfo");
    let response = app.http.get(&userinfo).bearer_auth(access).send().await.unwrap();
    assert_eq!(cache(&response), (200, s("no-store, no-cache"), s("no-cache")));
    let response = app.http.post(&userinfo).bearer_auth(access).send().await.unwrap();
    assert_eq!(cache(&response), (200, s("no-store, no-cache"), s("no-cache")));
    let response = app.http.get(&userinfo).bearer_auth("garbage").send().await.unwrap();
    assert_eq!(cache(&response), (401, s("no-store"), s("no-cache")));
    let response = app.http.get(&userinfo).send().await.unwrap();
    assert_eq!(cache(&response), (401, s("no-store"), s("no-cache")));

    let introspect = app.oidc_url("nagra", "token/introspect");
    let with_secret = |secret: &'static str, token: &'static str| {
        [("token", token), ("client_id", "svc_client"), ("client_secret", secret)]
    };
    let response = app.post_form(&introspect, &with_secret("s3cret", "garbage")).await;
    assert_eq!(cache(&response), (200, s("no-cache"), None));
    let response = app.post_form(&introspect, &with_secret("bad", "garbage")).await;
    assert_eq!(cache(&response), (401, None, None));

    let revoke = app.oidc_url("nagra", "revoke");
    let response = app.post_form(&revoke, &with_secret("s3cret", "garbage")).await;
    assert_eq!(cache(&response), (200, None, None));
    let response = app.post_form(&revoke, &with_secret("bad", "garbage")).await;
    assert_eq!(cache(&response), (401, None, None));
    let other = login("openid").await;
    let pairs = [
        ("token", other["refresh_token"].as_str().unwrap()),
        ("client_id", "svc_client"),
        ("client_secret", "s3cret"),
    ];
    let response = app.post_form(&revoke, &pairs).await;
    assert_eq!(cache(&response), (200, None, None));

    let logout = app.oidc_url("nagra", "logout");
    let pairs =
        [("refresh_token", "garbage"), ("client_id", "svc_client"), ("client_secret", "s3cret")];
    let response = app.post_form(&logout, &pairs).await;
    assert_eq!(cache(&response), (400, None, None));
    let pairs =
        [("refresh_token", refresh), ("client_id", "svc_client"), ("client_secret", "s3cret")];
    let response = app.post_form(&logout, &pairs).await;
    assert_eq!(cache(&response), (204, s("no-cache"), None));
}
