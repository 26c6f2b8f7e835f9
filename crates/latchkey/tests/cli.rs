//! The binary as a user runs it: commands, configuration layers, TLS, import/export.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_latchkey");

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A free port on 127.0.0.1 (bound, read, released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary and waits for its "listening on" log line.
fn start(args: &[&str], envs: &[(&str, &str)], data_dir: &Path) -> Running {
    let mut command = Command::new(BIN);
    command.args(args).arg("--data-dir").arg(data_dir).stderr(Stdio::null()).stdout(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "server did not start");
        match lines.next() {
            Some(Ok(line)) if line.contains("listening on") => break,
            Some(Ok(_)) => continue,
            _ => panic!("server exited before listening"),
        }
    }
    std::thread::spawn(move || for _ in lines.by_ref() {});
    Running(child)
}

fn run(args: &[&str], data_dir: &Path) -> std::process::Output {
    Command::new(BIN).args(args).arg("--data-dir").arg(data_dir).output().unwrap()
}

#[test]
fn production_mode_refuses_to_start_without_hostname_or_https() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(&["start"], dir.path());
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs --hostname"));
    let output = run(&["start", "--hostname", "sso.example.com"], dir.path());
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("needs HTTPS"));
}

#[test]
fn unknown_config_file_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("latchkey.toml");
    std::fs::write(&config, "http-prot = 9000\n").unwrap();
    let output = run(&["start-dev", "--config-file", config.to_str().unwrap()], dir.path());
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown option `http-prot`"));
}

#[test]
fn a_config_value_of_the_wrong_type_is_refused_naming_the_option_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("latchkey.toml");
    std::fs::write(&config, "http-port = \"high\"\n").unwrap();
    let output = run(&["start-dev", "--config-file", config.to_str().unwrap()], dir.path());
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("option `http-port`"), "{stderr}");
    assert!(stderr.contains(config.to_str().unwrap()), "{stderr}");
    assert!(stderr.contains("expected u16"), "{stderr}");
}

#[tokio::test]
async fn flags_beat_environment_which_beats_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let (file_port, env_port, flag_port) = (free_port(), free_port(), free_port());
    let config = dir.path().join("latchkey.toml");
    std::fs::write(&config, format!("http-port = {file_port}\nhttp-relative-path = \"/auth\"\n"))
        .unwrap();
    let config = config.to_str().unwrap().to_owned();
    let port = env_port.to_string();
    let _server = start(
        &["start-dev", "--config-file", &config],
        &[("LATCHKEY_HTTP_PORT", &port)],
        dir.path(),
    );
    let url = format!("http://127.0.0.1:{env_port}/auth/realms/master");
    assert_eq!(
        reqwest::get(&url).await.unwrap().status(),
        200,
        "env wins over the file; the file's path applies"
    );
    drop(_server);
    let flag = flag_port.to_string();
    let _server = start(
        &["start-dev", "--config-file", &config, "--http-port", &flag],
        &[("LATCHKEY_HTTP_PORT", &port)],
        dir.path(),
    );
    let url = format!("http://127.0.0.1:{flag_port}/auth/realms/master");
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200, "the flag wins");
}

#[tokio::test]
async fn https_serves_tokens_with_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_path = dir.path().join("cert.pem");
    let key_path = dir.path().join("key.pem");
    std::fs::write(&cert_path, certified.cert.pem()).unwrap();
    std::fs::write(&key_path, certified.signing_key.serialize_pem()).unwrap();
    let port = free_port();
    let port_text = port.to_string();
    let hostname = format!("https://localhost:{port}/keycloak/auth");
    let examples = examples();
    let _server = start(
        &[
            "start",
            "--hostname",
            &hostname,
            "--http-host",
            "127.0.0.1",
            "--http-port",
            &port_text,
            "--https-certificate-file",
            cert_path.to_str().unwrap(),
            "--https-certificate-key-file",
            key_path.to_str().unwrap(),
            "--import-realm",
            "--import-dir",
            examples.to_str().unwrap(),
        ],
        &[],
        dir.path(),
    );
    let client = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap(),
        )
        .resolve("localhost", std::net::SocketAddr::from(([127, 0, 0, 1], port)))
        .build()
        .unwrap();
    let response = client
        .post(format!("{hostname}/realms/nagra/protocol/openid-connect/token"))
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
    let body: serde_json::Value = response.json().await.unwrap();
    let payload = body["access_token"].as_str().unwrap().split('.').nth(1).unwrap().to_owned();
    use base64::Engine as _;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(claims["iss"], format!("{hostname}/realms/nagra"), "--hostname fixes the issuer");
}

#[test]
fn import_then_export_round_trips_a_realm_with_its_password_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let file = examples().join("nagra-realm.json");
    let output = run(&["import", "--file", file.to_str().unwrap()], dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let exported = dir.path().join("out.json");
    let output =
        run(&["export", "--realm", "nagra", "--file", exported.to_str().unwrap()], dir.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let realm: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    assert_eq!(realm["realm"], "nagra");
    let user = realm["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "crm_client_user")
        .unwrap();
    assert_eq!(user["realmRoles"], serde_json::json!(["operatorRole"]));
    let credential_data = user["credentials"][0]["credentialData"].as_str().unwrap();
    assert!(credential_data.contains("\"algorithm\":\"argon2\""), "{credential_data}");
    // Importing the export into a fresh database works, and the password still verifies there.
    let second = tempfile::tempdir().unwrap();
    let output = run(&["import", "--file", exported.to_str().unwrap()], second.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// Issue 12's scenario as a realm file (`facts-12.md` §5.5): `crm_client_user` holds
/// `operatorRole` only through group `/operators`, and `crm_client`'s tokens get the
/// audience `operator-api` through a client scope with an audience mapper. A file with
/// `clientScopes` has only those (as in Keycloak 26.7.3, where the scenario as first
/// written lost every role claim), so it lists the built-in `roles` and `basic` too.
fn issue_12_scenario() -> serde_json::Value {
    let roles_scope = serde_json::json!({"name": "roles", "protocol": "openid-connect",
        "attributes": {"include.in.token.scope": "false"},
        "protocolMappers": [{"name": "realm roles", "protocol": "openid-connect",
            "protocolMapper": "oidc-usermodel-realm-role-mapper",
            "config": {"claim.name": "realm_access.roles", "multivalued": "true",
                       "access.token.claim": "true", "introspection.token.claim": "true"}}]});
    let basic_scope = serde_json::json!({"name": "basic", "protocol": "openid-connect",
        "attributes": {"include.in.token.scope": "false"},
        "protocolMappers": [{"name": "sub", "protocol": "openid-connect",
            "protocolMapper": "oidc-sub-mapper",
            "config": {"access.token.claim": "true", "introspection.token.claim": "true"}}]});
    serde_json::json!({
        "realm": "scenario",
        "enabled": true,
        "roles": {"realm": [{"name": "operatorRole"}, {"name": "adminRole"}]},
        "groups": [{"name": "operators", "path": "/operators", "realmRoles": ["operatorRole"]}],
        "clientScopes": [roles_scope, basic_scope, {"name": "operator-api",
            "protocol": "openid-connect", "attributes": {"include.in.token.scope": "true"},
            "protocolMappers": [{"name": "operator-api-audience", "protocol": "openid-connect",
                "protocolMapper": "oidc-audience-mapper",
                "config": {"included.custom.audience": "operator-api",
                           "access.token.claim": "true", "id.token.claim": "false"}}]}],
        "clients": [{"clientId": "crm_client", "publicClient": true,
                     "directAccessGrantsEnabled": true,
                     "defaultClientScopes": ["roles", "basic", "operator-api"]}],
        "users": [{"username": "crm_client_user", "enabled": true, "email": "crm@example.com",
                   "firstName": "Crm", "lastName": "User", "groups": ["/operators"],
                   "credentials": [{"type": "password", "value": "1234", "temporary": false}]}]
    })
}

fn export(realm: &str, data_dir: &Path) -> serde_json::Value {
    let file = data_dir.join(format!("{realm}-export.json"));
    let output = run(&["export", "--realm", realm, "--file", file.to_str().unwrap()], data_dir);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

#[tokio::test]
async fn issue_12_a_role_given_through_a_group_survives_import_and_export() {
    // Imported at start (`--import-realm`), the group's role is in the user's token.
    let dir = tempfile::tempdir().unwrap();
    let import = dir.path().join("import");
    std::fs::create_dir(&import).unwrap();
    std::fs::write(import.join("scenario.json"), issue_12_scenario().to_string()).unwrap();
    let port = free_port().to_string();
    let import_dir = import.to_str().unwrap();
    let args = ["start-dev", "--http-port", &port, "--import-realm", "--import-dir", import_dir];
    let server = start(&args, &[], dir.path());
    let base = format!("http://127.0.0.1:{port}/keycloak/auth");
    let form = [
        ("grant_type", "password"),
        ("client_id", "crm_client"),
        ("username", "crm_client_user"),
        ("password", "1234"),
    ];
    let response = reqwest::Client::new()
        .post(format!("{base}/realms/scenario/protocol/openid-connect/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    let (_, claims) = latchkey_testkit::jwt_parts(body["access_token"].as_str().unwrap());
    assert_eq!(claims["realm_access"]["roles"], serde_json::json!(["operatorRole"]));
    assert_eq!(claims["aud"], "operator-api");
    assert_eq!(claims["scope"], "operator-api");
    assert!(claims["sub"].is_string());
    drop(server);

    // Exported, the realm keeps its group and the user's membership.
    let first = export("scenario", dir.path());
    assert_eq!(first["groups"][0]["name"], "operators");
    assert_eq!(first["groups"][0]["realmRoles"], serde_json::json!(["operatorRole"]));
    let user = first["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "crm_client_user")
        .unwrap();
    assert_eq!(user["groups"], serde_json::json!(["/operators"]));
    let scopes: Vec<&str> = first["clientScopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|scope| scope["name"].as_str().unwrap())
        .collect();
    assert_eq!(scopes, ["basic", "offline_access", "operator-api", "roles"]);

    // `latchkey import` of that export into another database, exported again: the same.
    let second = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario-export.json");
    let output = run(&["import", "--file", file.to_str().unwrap()], second.path());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(export("scenario", second.path()), first);
}

/// Real `kc.sh export --users realm_file` outputs of Keycloak 26.7.3 (facts-12 §5.6): the
/// issue's scenario with its own client scopes (`r12-scenario`) and without
/// (`r12-scenario2`, the audience mapper on the client).
fn keycloak_export(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../latchkey-core/src/representation/tests")
        .join(format!("keycloak-26.7.3-full-export-{name}.json"))
}

async fn password_grant_claims(base: &str, realm: &str) -> serde_json::Value {
    let form = [
        ("grant_type", "password"),
        ("client_id", "crm_client"),
        ("username", "crm_client_user"),
        ("password", "1234"),
    ];
    let response = reqwest::Client::new()
        .post(format!("{base}/realms/{realm}/protocol/openid-connect/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    latchkey_testkit::jwt_parts(body["access_token"].as_str().unwrap()).1
}

#[tokio::test]
async fn issue_12_a_keycloak_export_imports_serves_and_exports_whole() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["scenario", "scenario2"] {
        let file = keycloak_export(name);
        let output = run(&["import", "--file", file.to_str().unwrap()], dir.path());
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        // One warning per kind of part kept without being acted on.
        let log = String::from_utf8_lossy(&output.stdout);
        for part in ["authenticationFlows", "requiredActions", "smtpServer", "users[].totp"] {
            let warning = format!("realm file part `{part}` is kept but not acted on");
            assert_eq!(log.matches(&warning).count(), 1, "{warning} in {log}");
        }
    }
    let port = free_port().to_string();
    let server = start(&["start-dev", "--http-port", &port], &[], dir.path());
    let base = format!("http://127.0.0.1:{port}/keycloak/auth");
    // The file's own scopes replace the built-in ones, as in Keycloak: the audience comes
    // through scope `operator-api`, and no role claim is left (facts-12 §5.5).
    let claims = password_grant_claims(&base, "r12-scenario").await;
    assert_eq!(claims["aud"], "operator-api");
    assert_eq!(claims["scope"], "operator-api");
    assert!(claims.get("realm_access").is_none());
    // With the built-in scopes, the role comes through the group, the audience through
    // the client's mapper.
    let claims = password_grant_claims(&base, "r12-scenario2").await;
    assert_eq!(claims["realm_access"]["roles"], serde_json::json!(["operatorRole"]));
    assert_eq!(claims["aud"], "operator-api");
    drop(server);

    for name in ["scenario", "scenario2"] {
        let realm = format!("r12-{name}");
        let original: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(keycloak_export(name)).unwrap()).unwrap();
        let first = export(&realm, dir.path());
        for key in original.as_object().unwrap().keys() {
            assert!(first.get(key).is_some(), "{realm}: top-level `{key}` lost");
        }
        for key in ["authenticationFlows", "requiredActions", "clientPolicies", "attributes"] {
            assert_eq!(first[key], original[key], "{realm}: {key}");
        }
        let second = tempfile::tempdir().unwrap();
        let file = dir.path().join(format!("{realm}-export.json"));
        let output = run(&["import", "--file", file.to_str().unwrap()], second.path());
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(export(&realm, second.path()), first, "{realm}");
    }
}

/// Issue 13: a realm file with a setting out of range or a username Keycloak's validators
/// refuse is not imported, and the error names the file and what is wrong. (Keycloak's own
/// import takes `ab<c`, `ab\u0000c` and `ab`; latchkey does not.)
#[test]
fn import_refuses_bad_settings_and_usernames_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad-realm.json");
    let cases = [
        (
            r#"{"realm":"r13","users":[{"username":"good1"},{"username":"ab<c"}]}"#,
            "user #1 `ab<c`: invalid username",
        ),
        (
            r#"{"realm":"r13","users":[{"username":"ab\u0000c"}]}"#,
            "user #0 `ab\\0c`: invalid username",
        ),
        (
            r#"{"realm":"r13","accessTokenLifespan":-5}"#,
            "`accessTokenLifespan` is -5; it must be -1 or 1 to 315360000 seconds",
        ),
        (
            r#"{"realm":"r13","clients":[{"clientId":"c","attributes":{"client.session.idle.timeout":"soon"}}]}"#,
            "client `c`: `client.session.idle.timeout` is \"soon\"",
        ),
    ];
    for (json, message) in cases {
        std::fs::write(&file, json).unwrap();
        let output = run(&["import", "--file", file.to_str().unwrap()], dir.path());
        assert!(!output.status.success(), "{json}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("cannot import {}: ", file.display())), "{stderr}");
        assert!(stderr.contains(message), "{stderr}");
    }
    let output = run(&["export", "--realm", "r13", "--file", "x.json"], dir.path());
    assert!(!output.status.success(), "no realm was imported");
}

#[tokio::test]
async fn gateway_runs_from_a_config_file_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(examples().join("gateway.toml")).unwrap();
    let port = free_port();
    let config = dir.path().join("gateway.toml");
    std::fs::write(
        &config,
        example
            .replace("127.0.0.1:8000", &format!("127.0.0.1:{port}"))
            .replace("127.0.0.1:9000", &format!("127.0.0.1:{}", free_port())),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["gateway", "--config", config.to_str().unwrap()])
        .stderr(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let before: Vec<String> = lines
        .by_ref()
        .map_while(Result::ok)
        .take_while(|line| !line.contains("listening on"))
        .collect();
    let _running = Running(child);
    assert!(!before.iter().any(|line| line.contains("WARN")), "{before:?}");
    std::thread::spawn(move || for _ in lines.by_ref() {});
    let http = reqwest::Client::new();
    let health = http.get(format!("http://127.0.0.1:{port}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    let admin = http.get(format!("http://127.0.0.1:{port}/admin/x")).send().await.unwrap();
    assert_eq!(admin.status(), 401);
    let client = http.get(format!("http://127.0.0.1:{port}/client/x")).send().await.unwrap();
    assert_eq!(client.status(), 502, "the example's upstream is not running");

    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nissuers = []\n").unwrap();
    let output =
        Command::new(BIN).args(["gateway", "--config", config.to_str().unwrap()]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("`issuers` is empty"));
}

/// Issue 13: a guarded route that takes a token of any audience from any client is
/// worth one warning line at start, naming the route.
#[test]
fn gateway_warns_about_guarded_routes_open_to_any_client() {
    let dir = tempfile::tempdir().unwrap();
    let example = std::fs::read_to_string(examples().join("gateway.toml")).unwrap();
    let config = dir.path().join("gateway.toml");
    let open = example
        .replace("127.0.0.1:8000", "127.0.0.1:0")
        .replace("required_audience = \"opentv-api\"", "# no audience");
    std::fs::write(&config, open).unwrap();
    let mut child = Command::new(BIN)
        .args(["gateway", "--config", config.to_str().unwrap()])
        .stderr(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let before: Vec<String> =
        lines.map_while(Result::ok).take_while(|line| !line.contains("listening on")).collect();
    let _running = Running(child);
    for route in ["/admin/", "/operator/"] {
        let warnings: Vec<&String> = before
            .iter()
            .filter(|line| {
                line.contains("WARN")
                    && line.contains(&format!("route {route} accepts tokens of any audience"))
            })
            .collect();
        assert_eq!(warnings.len(), 1, "{before:?}");
    }
    assert!(!before.iter().any(|line| line.contains("/client/")), "public routes: no warning");
}

/// Runs the binary off the async runtime, so the in-process latchkey keeps serving.
async fn run_client(
    args: Vec<String>,
    envs: Vec<(&'static str, &'static str)>,
) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(BIN);
        command.args(&args).env_remove("LATCHKEY_PASSWORD");
        for (key, value) in envs {
            command.env(key, value);
        }
        command.output().unwrap()
    })
    .await
    .unwrap()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn token_prints_a_jwt_and_call_sends_it_as_a_bearer_token() {
    let app = latchkey_testkit::spawn_app().await;
    let issuer = app.realm_url("nagra");
    let auth = ["--url", &issuer, "--client-id", "crm_client", "--username", "crm_client_user"];

    let mut args = strings(&["token"]);
    args.extend(strings(&auth));
    let output = run_client(args, vec![("LATCHKEY_PASSWORD", "1234")]).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap();
    let token = token.trim_end();
    assert_eq!(token.split('.').count(), 3, "a JWT on stdout: {token}");
    let (_, claims) = latchkey_testkit::jwt_parts(token);
    assert_eq!(claims["preferred_username"], "crm_client_user");
    assert_eq!(claims["azp"], "crm_client");

    let userinfo = app.oidc_url("nagra", "userinfo");
    let mut args = strings(&["call"]);
    args.extend(strings(&auth));
    args.extend(strings(&[
        "--password",
        "1234",
        "--scope",
        "openid",
        "-H",
        "Accept: application/json",
        &userinfo,
    ]));
    let output = run_client(args, vec![]).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("200"));
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(body["preferred_username"], "crm_client_user");

    let missing = format!("{issuer}/no-such-endpoint");
    let mut args = strings(&["call"]);
    args.extend(strings(&auth));
    args.push(missing);
    let output = run_client(args, vec![("LATCHKEY_PASSWORD", "1234")]).await;
    assert!(!output.status.success(), "4xx exits non-zero");
    assert!(String::from_utf8_lossy(&output.stderr).contains("404"));

    let mut args = strings(&["token"]);
    args.extend(strings(&auth));
    args.extend(strings(&["--password", "not-the-password"]));
    let output = run_client(args, vec![]).await;
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Invalid user credentials"), "{stderr}");
    assert!(!stderr.contains("not-the-password"), "the password is never printed");
    assert!(output.stdout.is_empty());
}

/// Several instances of one cluster: `--url` names them all; a stopped one (connection
/// refused) is passed over for the next.
#[tokio::test]
async fn token_moves_to_the_next_url_when_an_instance_refuses_connections() {
    let app = latchkey_testkit::spawn_app().await;
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_issuer = format!("http://{}/keycloak/auth/realms/nagra", dead.local_addr().unwrap());
    drop(dead);
    let urls = format!("{dead_issuer},{}", app.realm_url("nagra"));
    let args = strings(&[
        "token",
        "--url",
        &urls,
        "--client-id",
        "crm_client",
        "--username",
        "crm_client_user",
    ]);
    let output = run_client(args, vec![("LATCHKEY_PASSWORD", "1234")]).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let token = String::from_utf8(output.stdout).unwrap();
    assert_eq!(token.trim_end().split('.').count(), 3, "a JWT on stdout: {token}");
}

#[tokio::test]
async fn call_reaches_a_route_the_gateway_guards_with_operator_role() {
    let app = latchkey_testkit::spawn_app().await;
    // The guarded upstream is latchkey's own userinfo, behind a route needing operatorRole.
    let userinfo_path = "/keycloak/auth/realms/nagra/protocol/openid-connect/userinfo";
    let config = latchkey_gateway::config::GatewayConfig::from_toml(&format!(
        "listen = \"127.0.0.1:0\"\nissuers = [\"{}\"]\n\n[[routes]]\nprefix = \"{userinfo_path}\"\n\
         upstream = \"http://{}\"\nany_of = [\"operatorRole\"]\n",
        app.realm_url("nagra"),
        app.address,
    ))
    .unwrap();
    let clock: std::sync::Arc<dyn latchkey_core::time::Clock> = app.clock.clone();
    let gateway = latchkey_gateway::Gateway::bind(&config, clock).await.unwrap();
    let guarded = format!("http://{}{userinfo_path}", gateway.local_addr().unwrap());
    tokio::spawn(gateway.run(std::future::pending::<()>()));
    assert_eq!(reqwest::get(&guarded).await.unwrap().status(), 401, "guarded without a token");

    let issuer = app.realm_url("nagra");
    let args = strings(&[
        "call",
        "--url",
        &issuer,
        "--client-id",
        "crm_client",
        "--username",
        "crm_client_user",
        "--scope",
        "openid",
        &guarded,
    ]);
    let output = run_client(args.clone(), vec![("LATCHKEY_PASSWORD", "1234")]).await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let body: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(body["preferred_username"], "crm_client_user");

    // admin_user lacks operatorRole: the gateway answers 403 and `call` exits non-zero.
    let mut args = args;
    args[6] = "admin_user".into();
    let output = run_client(args, vec![("LATCHKEY_PASSWORD", "admin1234")]).await;
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("403"));
}

/// A realm for the crash test: `revokeRefreshToken` decides whether the reuse state is
/// written through (on) or only the refresh time, written behind (off).
fn crash_realm(name: &str, revoke_refresh_token: bool) -> serde_json::Value {
    serde_json::json!({
        "realm": name,
        "enabled": true,
        "revokeRefreshToken": revoke_refresh_token,
        "refreshTokenMaxReuse": 0,
        "clients": [{"clientId": "app", "publicClient": true, "directAccessGrantsEnabled": true}],
        "users": [{
            "username": "user",
            "enabled": true,
            "credentials": [{"type": "password", "value": "secret", "temporary": false}]
        }]
    })
}

/// Posts a grant; the status and the JSON body.
async fn grant(
    http: &reqwest::Client,
    base: &str,
    realm: &str,
    form: &[(&str, &str)],
) -> (u16, serde_json::Value) {
    let url = format!("{base}/realms/{realm}/protocol/openid-connect/token");
    let response = http.post(url).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn login(http: &reqwest::Client, base: &str, realm: &str) -> serde_json::Value {
    let form = [
        ("grant_type", "password"),
        ("client_id", "app"),
        ("username", "user"),
        ("password", "secret"),
    ];
    let (status, body) = grant(http, base, realm, &form).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn refresh(
    http: &reqwest::Client,
    base: &str,
    realm: &str,
    refresh_token: &str,
) -> (u16, serde_json::Value) {
    let form =
        [("grant_type", "refresh_token"), ("client_id", "app"), ("refresh_token", refresh_token)];
    grant(http, base, realm, &form).await
}

/// SIGKILL while refreshes are answered: after the restart every session is there and the
/// last refresh token each one was given still refreshes; with Revoke Refresh Token on, a
/// refresh token used before the kill stays used.
#[tokio::test]
async fn a_kill_during_refreshes_loses_no_session_and_no_used_refresh_token() {
    const SESSIONS: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let import = dir.path().join("import");
    std::fs::create_dir(&import).unwrap();
    for (name, revoke) in [("written-behind", false), ("written-through", true)] {
        let file = import.join(format!("{name}.json"));
        std::fs::write(file, crash_realm(name, revoke).to_string()).unwrap();
    }
    let port = free_port().to_string();
    let args = ["start-dev", "--http-port", &port, "--import-realm", "--import-dir"];
    let mut args = args.map(str::to_owned).to_vec();
    args.push(import.to_str().unwrap().to_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let base = format!("http://127.0.0.1:{port}/keycloak/auth");
    let http = reqwest::Client::new();
    let server = start(&args, &[], dir.path());

    // Revoke Refresh Token on: the first refresh token is used once before the kill.
    let first = login(&http, &base, "written-through").await;
    let first_token = first["refresh_token"].as_str().unwrap().to_owned();
    let (status, body) = refresh(&http, &base, "written-through", &first_token).await;
    assert_eq!(status, 200, "{body}");

    // Revoke Refresh Token off: sessions refreshed without pause until the kill, each
    // keeping the last refresh token it was answered.
    let mut sessions = Vec::new();
    for _ in 0..SESSIONS {
        let body = login(&http, &base, "written-behind").await;
        let latest = body["refresh_token"].as_str().unwrap().to_owned();
        let state = body["session_state"].as_str().unwrap().to_owned();
        sessions.push((state, std::sync::Arc::new(std::sync::Mutex::new(latest))));
    }
    let refreshed = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let workers: Vec<_> = sessions
        .iter()
        .map(|(_, latest)| {
            let (http, base, latest) = (http.clone(), base.clone(), latest.clone());
            let refreshed = refreshed.clone();
            tokio::spawn(async move {
                loop {
                    let token = latest.lock().unwrap().clone();
                    let url = format!("{base}/realms/written-behind/protocol/openid-connect/token");
                    let form = [
                        ("grant_type", "refresh_token"),
                        ("client_id", "app"),
                        ("refresh_token", token.as_str()),
                    ];
                    // Connection errors end the worker: the server was killed.
                    let Ok(response) = http.post(url).form(&form).send().await else { break };
                    assert_eq!(response.status(), 200);
                    let Ok(body) = response.json::<serde_json::Value>().await else { break };
                    *latest.lock().unwrap() = body["refresh_token"].as_str().unwrap().to_owned();
                    refreshed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while refreshed.load(std::sync::atomic::Ordering::Relaxed) < 200 {
        assert!(Instant::now() < deadline, "refreshes did not get going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(server); // SIGKILL, with refreshes in flight.
    for worker in workers {
        worker.await.unwrap();
    }

    let _server = start(&args, &[], dir.path());
    for (state, latest) in &sessions {
        let token = latest.lock().unwrap().clone();
        let (status, body) = refresh(&http, &base, "written-behind", &token).await;
        assert_eq!(status, 200, "session {state} after the kill: {body}");
        assert_eq!(body["session_state"], state.as_str());
    }
    let (status, body) = refresh(&http, &base, "written-through", &first_token).await;
    assert_eq!(status, 400, "a used refresh token after the kill: {body}");
    assert_eq!(body["error_description"], "Maximum allowed refresh token reuse exceeded");
}

/// An upstream that answers every request `200 hello` and counts them.
fn counting_upstream() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&count);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello",
            );
        }
    });
    (port, count)
}

/// A small deployment runs one process: the server's config file carries the gateway's
/// configuration as a `[gateway]` table, and `start-dev` serves both.
#[tokio::test]
async fn one_process_serves_tokens_and_guards_the_apis_from_one_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let (upstream, count) = counting_upstream();
    let (port, gateway) = (free_port(), free_port());
    let config = dir.path().join("latchkey.toml");
    std::fs::write(
        &config,
        format!(
            "http-port = {port}\nimport-realm = true\nimport-dir = \"{}\"\n\n[gateway]\n\
             listen = \"127.0.0.1:{gateway}\"\nrealm = \"nagra\"\n\
             issuers = [\"http://127.0.0.1:{port}/keycloak/auth/realms/nagra\"]\n\n\
             [[gateway.routes]]\nprefix = \"/operator/\"\nupstream = \"http://127.0.0.1:{upstream}\"\n\
             any_of = [\"operatorRole\"]\n",
            examples().display()
        ),
    )
    .unwrap();
    let _running =
        start(&["start-dev", "--config-file", config.to_str().unwrap()], &[], dir.path());
    let http = reqwest::Client::new();
    let guarded = format!("http://127.0.0.1:{gateway}/operator/orders");
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("http://127.0.0.1:{gateway}/health/live")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the gateway did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(http.get(&guarded).send().await.unwrap().status(), 401);

    let login: serde_json::Value = http
        .post(format!(
            "http://127.0.0.1:{port}/keycloak/auth/realms/nagra/protocol/openid-connect/token"
        ))
        .form(&[
            ("grant_type", "password"),
            ("client_id", "crm_client"),
            ("username", "crm_client_user"),
            ("password", "1234"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let answer = http.get(&guarded).bearer_auth(token).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "hello");
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1, "only the allowed request");

    std::fs::write(&config, "[gateway]\nlisten = \"127.0.0.1:0\"\nissuers = []\n").unwrap();
    let output = run(&["start-dev", "--config-file", config.to_str().unwrap()], dir.path());
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("`issuers` is empty"));
}
