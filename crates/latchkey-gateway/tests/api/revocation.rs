//! Logout means logout: latchkey pushes revocations over its stream, and the gateway
//! refuses the ended session's still-unexpired tokens within one second. The gateway
//! reaches latchkey through a relay the tests can cut, to see the link-loss modes.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use latchkey_core::realm::Realm;
use latchkey_core::store::Store;
use latchkey_core::time::Clock;
use latchkey_gateway::Gateway;
use latchkey_gateway::config::GatewayConfig;
use latchkey_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp, jwt_parts};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::helpers::{Answer, GATEWAY_REALM, Upstream, spawn_upstream};

/// A TCP relay in front of latchkey that can be cut (open connections dropped, new
/// ones refused) and restored.
struct Relay {
    address: SocketAddr,
    is_cut: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Relay {
    async fn spawn(target: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let is_cut = Arc::new(AtomicBool::new(false));
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (cut, held) = (Arc::clone(&is_cut), Arc::clone(&connections));
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                if cut.load(Ordering::SeqCst) {
                    continue;
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                held.lock().unwrap().push(task);
            }
        });
        Relay { address, is_cut, connections }
    }

    fn cut(&self) {
        self.is_cut.store(true, Ordering::SeqCst);
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.is_cut.store(false, Ordering::SeqCst);
    }
}

/// latchkey, a relay in front of it, the gateway (issuer: latchkey as seen through the
/// relay, revocations followed as `svc_client`) and the counting upstream.
pub struct Setup {
    pub latchkey: TestApp,
    relay: Relay,
    pub upstream: Upstream,
    gateway: SocketAddr,
    pub http: reqwest::Client,
    _shutdown: oneshot::Sender<()>,
}

pub async fn setup(on_link_loss: &str) -> Setup {
    setup_with(on_link_loss, |_| {}).await
}

/// The same, with realm `nagra` changed by `edit` before anything reads it.
pub async fn setup_with(on_link_loss: &str, edit: impl FnOnce(&mut Realm)) -> Setup {
    let latchkey = latchkey_testkit::spawn_app().await;
    latchkey.edit_realm(edit).await;
    latchkey.add_confidential_client().await;
    grant_view_users(&latchkey, "service-account-svc_client").await;
    let relay = Relay::spawn(latchkey.address).await;
    let upstream = spawn_upstream().await;
    let config = GatewayConfig::from_toml(&format!(
        r#"
listen = "127.0.0.1:0"
realm = "{GATEWAY_REALM}"
issuers = ["http://{relay}/keycloak/auth/realms/nagra"]

[revocation]
client_id = "svc_client"
client_secret = "s3cret"
on_link_loss = "{on_link_loss}"
link_timeout_ms = 1000

[[routes]]
prefix = "/operator/"
upstream = "http://{up}"
any_of = ["operatorRole"]
"#,
        relay = relay.address,
        up = upstream.address,
    ))
    .unwrap();
    let clock: Arc<dyn Clock> = latchkey.clock.clone();
    let gateway = Gateway::bind(&config, clock).await.unwrap();
    let address = gateway.local_addr().unwrap();
    let (shutdown, signal) = oneshot::channel::<()>();
    tokio::spawn(gateway.run(async move {
        let _ = signal.await;
    }));
    let setup = Setup {
        latchkey,
        relay,
        upstream,
        gateway: address,
        http: reqwest::Client::new(),
        _shutdown: shutdown,
    };
    setup.wait_until(|ready| ready.status == 200, "the gateway gets ready").await;
    setup
}

/// Grants `realm-management`'s `view-users` in `nagra`, as an admin would to the
/// gateway's service account.
pub async fn grant_view_users(app: &TestApp, username: &str) {
    let realm = app.store.find_realm_by_name("nagra").await.unwrap().unwrap();
    let management =
        app.store.find_client_by_client_id(&realm.id, "realm-management").await.unwrap().unwrap();
    let role = app
        .store
        .list_roles(&realm.id)
        .await
        .unwrap()
        .into_iter()
        .find(|role| {
            role.client_uuid.as_deref() == Some(&management.id) && role.name == "view-users"
        })
        .unwrap();
    let user = app.store.find_user_by_username(&realm.id, username).await.unwrap().unwrap();
    app.store.grant_roles(&user.id, &[role.id]).await.unwrap();
}

impl Setup {
    pub fn issuer_base(&self) -> String {
        format!("http://{}/keycloak/auth", self.relay.address)
    }

    /// Logs `crm_client_user` in through the relay: access token, refresh token.
    pub async fn login(&self) -> (String, String) {
        let response = self
            .http
            .post(format!("{}/realms/nagra/protocol/openid-connect/token", self.issuer_base()))
            .form(&[
                ("grant_type", "password"),
                ("username", "crm_client_user"),
                ("password", "1234"),
                ("client_id", "crm_client"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        (
            body["access_token"].as_str().unwrap().to_owned(),
            body["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    /// A master admin's token, straight from latchkey (the Admin API takes any issuer
    /// latchkey's base URL names).
    pub async fn admin_token(&self) -> String {
        let response = self
            .latchkey
            .post_form(
                &self.latchkey.token_url("master"),
                &[
                    ("grant_type", "password"),
                    ("username", ADMIN_USERNAME),
                    ("password", ADMIN_PASSWORD),
                    ("client_id", "admin-cli"),
                ],
            )
            .await;
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn call(&self, token: &str) -> Answer {
        let response = self
            .http
            .get(format!("http://{}/operator/devices", self.gateway))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    async fn ready(&self) -> Answer {
        let response =
            self.http.get(format!("http://{}/health/ready", self.gateway)).send().await.unwrap();
        Answer::read(response).await
    }

    pub async fn metrics(&self) -> String {
        let response =
            self.http.get(format!("http://{}/metrics", self.gateway)).send().await.unwrap();
        response.text().await.unwrap()
    }

    /// Polls readiness until `done` holds, for at most 10 s.
    async fn wait_until(&self, done: impl Fn(&Answer) -> bool, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if done(&self.ready().await) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Calls with `token` until it is refused, for at most one second after `since`;
    /// returns the refusal and how many calls got through before it.
    async fn refused_within_a_second(&self, token: &str, since: Instant) -> (Answer, usize) {
        let hits_before = self.upstream.hits();
        loop {
            let answer = self.call(token).await;
            if answer.status != 200 {
                assert!(
                    since.elapsed() < Duration::from_secs(1),
                    "refused only after {:?}",
                    since.elapsed()
                );
                return (answer, self.upstream.hits() - hits_before);
            }
            assert!(since.elapsed() < Duration::from_secs(1), "still accepted after 1 s");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Asserts that `token` is refused as revoked, again and again, and the upstream
    /// sees none of it.
    async fn assert_stays_revoked(&self, token: &str) {
        let hits = self.upstream.hits();
        for _ in 0..5 {
            self.call(token).await.assert_invalid_token("token revoked");
        }
        assert_eq!(self.upstream.hits(), hits, "a revoked token reached the upstream");
    }
}

#[tokio::test]
async fn a_logged_out_session_is_refused_within_a_second() {
    let setup = setup("fail_closed").await;
    let (token, refresh_token) = setup.login().await;
    let (other, _) = setup.login().await;
    assert_eq!(setup.call(&token).await.status, 200);
    assert_eq!(setup.upstream.hits(), 1);

    let logout = setup
        .http
        .post(format!("{}/realms/nagra/protocol/openid-connect/logout", setup.issuer_base()))
        .form(&[("client_id", "crm_client"), ("refresh_token", &refresh_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let (refusal, through) = setup.refused_within_a_second(&token, Instant::now()).await;
    refusal.assert_invalid_token("token revoked");
    println!("calls that passed between logout and refusal: {through}");
    setup.assert_stays_revoked(&token).await;
    // The user's other session is untouched.
    assert_eq!(setup.call(&other).await.status, 200);
    assert!(setup.metrics().await.contains(r#"outcome="revoked""#));
}

/// Issue 13: `crm_client` says `"typ": "bearer"` in lower case; revoking its access token
/// (RFC 7009) cuts it off at the gateway too. Keycloak 26.7.3 refuses this revocation
/// (`unsupported_token_type`), latchkey does not.
#[tokio::test]
async fn a_revoked_lower_case_bearer_access_token_is_refused_within_a_second() {
    let setup = setup("fail_closed").await;
    let (token, refresh_token) = setup.login().await;
    assert_eq!(jwt_parts(&token).1["typ"], "bearer");
    assert_eq!(setup.call(&token).await.status, 200);

    let revoke = setup
        .http
        .post(format!("{}/realms/nagra/protocol/openid-connect/revoke", setup.issuer_base()))
        .form(&[
            ("client_id", "crm_client"),
            ("token", &token),
            ("token_type_hint", "access_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoke.status(), 200);
    let (refusal, _) = setup.refused_within_a_second(&token, Instant::now()).await;
    refusal.assert_invalid_token("token revoked");
    setup.assert_stays_revoked(&token).await;
    // The session lives on: a refreshed access token passes.
    let refreshed = setup
        .http
        .post(format!("{}/realms/nagra/protocol/openid-connect/token", setup.issuer_base()))
        .form(&[
            ("grant_type", "refresh_token"),
            ("client_id", "crm_client"),
            ("refresh_token", &refresh_token),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = refreshed.json().await.unwrap();
    assert_eq!(setup.call(body["access_token"].as_str().unwrap()).await.status, 200);
}

#[tokio::test]
async fn an_admin_session_delete_is_refused_within_a_second() {
    let setup = setup("fail_closed").await;
    let (token, _) = setup.login().await;
    assert_eq!(setup.call(&token).await.status, 200);
    let sid = jwt_parts(&token).1["sid"].as_str().unwrap().to_owned();
    let admin = setup.admin_token().await;

    let deleted = setup
        .http
        .delete(format!("{}/admin/realms/nagra/sessions/{sid}", setup.latchkey.base_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let (refusal, _) = setup.refused_within_a_second(&token, Instant::now()).await;
    refusal.assert_invalid_token("token revoked");
    setup.assert_stays_revoked(&token).await;
}

#[tokio::test]
async fn a_disabled_user_is_refused_within_a_second() {
    let setup = setup("fail_closed").await;
    let (first, _) = setup.login().await;
    let (second, _) = setup.login().await;
    assert_eq!(setup.call(&first).await.status, 200);
    let user_id = jwt_parts(&first).1["sub"].as_str().unwrap().to_owned();
    let admin = setup.admin_token().await;

    let disabled = setup
        .http
        .put(format!("{}/admin/realms/nagra/users/{user_id}", setup.latchkey.base_url))
        .bearer_auth(&admin)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 204);
    let (refusal, _) = setup.refused_within_a_second(&first, Instant::now()).await;
    refusal.assert_invalid_token("token revoked");
    setup.assert_stays_revoked(&first).await;
    setup.assert_stays_revoked(&second).await;
}

#[tokio::test]
async fn an_admin_user_logout_ends_every_session_of_the_user() {
    let setup = setup("fail_closed").await;
    let (first, _) = setup.login().await;
    let (second, _) = setup.login().await;
    let user_id = jwt_parts(&first).1["sub"].as_str().unwrap().to_owned();
    let admin = setup.admin_token().await;

    let logged_out = setup
        .http
        .post(format!("{}/admin/realms/nagra/users/{user_id}/logout", setup.latchkey.base_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(logged_out.status(), 204);
    let (refusal, _) = setup.refused_within_a_second(&first, Instant::now()).await;
    refusal.assert_invalid_token("token revoked");
    setup.assert_stays_revoked(&second).await;
    // A login after the logout works (the clock has not moved: same second).
    let (fresh, _) = setup.login().await;
    assert_eq!(setup.call(&fresh).await.status, 200);
}

#[tokio::test]
async fn fail_closed_refuses_every_token_while_the_link_is_down() {
    let setup = setup("fail_closed").await;
    let (token, _) = setup.login().await;
    assert_eq!(setup.call(&token).await.status, 200);
    let hits = setup.upstream.hits();

    setup.relay.cut();
    setup.wait_until(|ready| ready.status == 503, "readiness says the link is down").await;
    let refused = setup.call(&token).await;
    assert_eq!(refused.status, 503, "{:?}", refused.body);
    assert_eq!(refused.body["error"], "revocations_unavailable");
    assert_eq!(setup.upstream.hits(), hits, "nothing got through while the link was down");

    setup.relay.restore();
    setup.wait_until(|ready| ready.status == 200, "the link is back").await;
    assert_eq!(setup.call(&token).await.status, 200);
}

#[tokio::test]
async fn keep_last_keeps_the_list_and_catches_up_when_the_link_is_back() {
    let setup = setup("keep_last").await;
    let (revoked, refresh_token) = setup.login().await;
    let (kept, _) = setup.login().await;
    let (ended_while_down, _) = setup.login().await;
    let logout = setup
        .http
        .post(format!("{}/realms/nagra/protocol/openid-connect/logout", setup.issuer_base()))
        .form(&[("client_id", "crm_client"), ("refresh_token", &refresh_token)])
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    setup
        .refused_within_a_second(&revoked, Instant::now())
        .await
        .0
        .assert_invalid_token("token revoked");

    setup.relay.cut();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !setup.metrics().await.lines().any(|line| {
        line.starts_with("latchkey_gateway_revocation_link_up{") && line.ends_with(" 0")
    }) {
        assert!(Instant::now() < deadline, "the link never went down");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(setup.ready().await.status, 200, "keep_last stays ready");
    setup.assert_stays_revoked(&revoked).await;
    assert_eq!(setup.call(&kept).await.status, 200);

    // A session ended while the link is down is missed until the link is back, then
    // arrives with the snapshot.
    let sid = jwt_parts(&ended_while_down).1["sid"].as_str().unwrap().to_owned();
    let admin = setup.admin_token().await;
    let deleted = setup
        .http
        .delete(format!("{}/admin/realms/nagra/sessions/{sid}", setup.latchkey.base_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(setup.call(&ended_while_down).await.status, 200, "missed while down");
    setup.relay.restore();
    let deadline = Instant::now() + Duration::from_secs(10);
    while setup.call(&ended_while_down).await.status == 200 {
        assert!(Instant::now() < deadline, "the snapshot never arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    setup.assert_stays_revoked(&ended_while_down).await;
    setup.assert_stays_revoked(&revoked).await;
    assert_eq!(setup.call(&kept).await.status, 200);
}

#[tokio::test]
async fn the_stream_needs_a_token_with_view_users() {
    let setup = setup("fail_closed").await;
    let url = format!("{}/realms/nagra/latchkey/revocations", setup.issuer_base());
    let anonymous = setup.http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    let (user_token, _) = setup.login().await;
    let without_role = setup.http.get(&url).bearer_auth(&user_token).send().await.unwrap();
    assert_eq!(without_role.status(), 403);
}

#[tokio::test]
async fn logout_all_and_user_deletion_are_refused_within_a_second() {
    let setup = setup("fail_closed").await;
    let (operator, _) = setup.login().await;
    let admin = setup.admin_token().await;
    let logout_all = setup
        .http
        .post(format!("{}/admin/realms/nagra/logout-all", setup.latchkey.base_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(logout_all.status(), 200);
    let (refusal, _) = setup.refused_within_a_second(&operator, Instant::now()).await;
    refusal.assert_invalid_token("token revoked");
    setup.assert_stays_revoked(&operator).await;

    // A second later a new login works, until its user is deleted.
    setup.latchkey.clock.advance_secs(1);
    let (fresh, _) = setup.login().await;
    assert_eq!(setup.call(&fresh).await.status, 200);
    let user_id = jwt_parts(&fresh).1["sub"].as_str().unwrap().to_owned();
    let deleted = setup
        .http
        .delete(format!("{}/admin/realms/nagra/users/{user_id}", setup.latchkey.base_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let (refusal, _) = setup.refused_within_a_second(&fresh, Instant::now()).await;
    refusal.assert_invalid_token("token revoked");
    setup.assert_stays_revoked(&fresh).await;
}

#[tokio::test]
async fn a_brute_force_lock_is_refused_within_a_second() {
    let setup = setup_with("fail_closed", |realm| {
        let brute_force = &mut realm.settings.brute_force;
        brute_force.brute_force_protected = true;
        brute_force.failure_factor = 2;
    })
    .await;
    let (token, _) = setup.login().await;
    assert_eq!(setup.call(&token).await.status, 200);
    for _ in 0..2 {
        let refused = setup
            .http
            .post(format!("{}/realms/nagra/protocol/openid-connect/token", setup.issuer_base()))
            .form(&[
                ("grant_type", "password"),
                ("username", "crm_client_user"),
                ("password", "wrong"),
                ("client_id", "crm_client"),
            ])
            .send()
            .await
            .unwrap();
        // Wrong credentials, then (locked) the same refusal or `invalid_grant` 400.
        assert!(matches!(refused.status().as_u16(), 400 | 401), "{}", refused.status());
    }
    let (refusal, _) = setup.refused_within_a_second(&token, Instant::now()).await;
    refusal.assert_invalid_token("token revoked");
    setup.assert_stays_revoked(&token).await;
}

/// The list survives a restart of latchkey: a gateway that subscribes afterwards is
/// told about a session that ended before.
#[tokio::test]
async fn revocations_are_kept_across_a_restart() {
    let latchkey = latchkey_testkit::spawn_app().await;
    latchkey.add_confidential_client().await;
    grant_view_users(&latchkey, "service-account-svc_client").await;
    let tokens = crate::helpers::login(&latchkey, "crm_client_user", "1234").await;
    let sid =
        jwt_parts(tokens["access_token"].as_str().unwrap()).1["sid"].as_str().unwrap().to_owned();
    let logout = latchkey
        .post_form(
            &latchkey.oidc_url("nagra", "logout"),
            &[
                ("client_id", "crm_client"),
                ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
            ],
        )
        .await;
    assert_eq!(logout.status(), 204);

    let latchkey = latchkey.restart().await;
    let service = latchkey
        .post_form(
            &latchkey.token_url("nagra"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", "svc_client"),
                ("client_secret", "s3cret"),
            ],
        )
        .await;
    assert_eq!(service.status(), 200);
    let service_token =
        service.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned();
    let mut stream = latchkey
        .http
        .get(format!("{}/latchkey/revocations", latchkey.realm_url("nagra")))
        .bearer_auth(&service_token)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(5), stream.chunk())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let data = text.strip_prefix("event: snapshot\ndata: ").unwrap().trim_end();
    let snapshot: Value = serde_json::from_str(data).unwrap();
    let entries = snapshot["revocations"].as_array().unwrap();
    assert!(
        entries.iter().any(|entry| entry["type"] == "session" && entry["sid"] == sid.as_str()),
        "{snapshot}"
    );
}
