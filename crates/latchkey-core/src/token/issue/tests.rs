//! The exact JSON of issued tokens and of the token response: claim order and values as
//! Keycloak writes them (`spec/keycloak-protocol.md` §2), byte for byte.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::*;
use crate::client::{ClientSettings, ProtocolMapper};
use crate::role::RoleGraph;
use crate::session::RefreshReuse;
use crate::token::keys::StoredKey;
use crate::token::mappers::ClaimPlan;
use crate::user::UserProfile;

const ISSUER: &str = "http://127.0.0.1:8080/keycloak/auth/realms/demo";

fn keys() -> KeySet {
    KeySet::from_stored(
        vec![
            StoredKey::generate("r", "ec", "ecdsa-generated", Algorithm::ES256, 0, 100, 0).unwrap(),
            StoredKey::generate("r", "ed", "eddsa-generated", Algorithm::EdDSA, 0, 100, 0).unwrap(),
            StoredKey::generate_hmac("r", Algorithm::HS512, 0),
        ],
        "demo",
    )
    .unwrap()
}

fn mapper(name: &str, protocol_mapper: &str, config: &[(&str, &str)]) -> ProtocolMapper {
    ProtocolMapper {
        id: None,
        name: name.into(),
        protocol: "openid-connect".into(),
        protocol_mapper: protocol_mapper.into(),
        config: config.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    }
}

struct Fixture {
    realm: Realm,
    client: Client,
    user: User,
    roles: EffectiveRoles,
    session: Session,
    keys: KeySet,
}

fn fixture(mappers: Vec<ProtocolMapper>) -> Fixture {
    let mut realm = Realm::new("r".into(), "demo".into());
    realm.settings.default_signature_algorithm = "ES256".into();
    let client = Client {
        id: "c".into(),
        realm_id: "r".into(),
        client_id: "my-app".into(),
        enabled: true,
        public_client: true,
        secret: None,
        settings: ClientSettings {
            web_origins: vec!["+".into(), "http://localhost:3000".into()],
            attributes: BTreeMap::from([(
                "id.token.signed.response.alg".to_owned(),
                "EdDSA".to_owned(),
            )]),
            protocol_mappers: mappers,
            service_accounts_enabled: true,
            ..ClientSettings::default()
        },
        claims: Default::default(),
    };
    let (scopes, _) = crate::client_scope::built_in_scopes("r");
    let plan = ClaimPlan::compile(&client, &scopes, &[], &RoleGraph::default());
    let client = Client { claims: std::sync::Arc::new(plan), ..client };
    let user = User {
        id: "u-1".into(),
        realm_id: "r".into(),
        username: "jane".into(),
        enabled: true,
        created_timestamp: 0,
        profile: UserProfile {
            email: Some("jane@example.com".into()),
            first_name: Some("Jane \"JD\"".into()),
            last_name: Some("Doe".into()),
            ..UserProfile::default()
        },
    };
    let roles = EffectiveRoles {
        realm: BTreeSet::from(["offline_access".to_owned(), "default-roles-demo".to_owned()]),
        clients: BTreeMap::from([
            ("account".to_owned(), BTreeSet::from(["view-profile".to_owned()])),
            ("my-app".to_owned(), BTreeSet::from(["own".to_owned()])),
        ]),
    };
    let session = Session {
        id: "sid-1".into(),
        realm_id: "r".into(),
        user_id: "u-1".into(),
        client_uuid: "c".into(),
        started: 1_760_000_000,
        last_refresh: 1_760_000_000,
        scope: "openid profile email basic roles web-origins acr".into(),
        offline: false,
        reuse: RefreshReuse::default(),
        ip_address: String::new(),
    };
    Fixture { realm, client, user, roles, session, keys: keys() }
}

fn issue_with(fixture: &Fixture, scope: &GrantedScope, grant: GrantType) -> IssuedTokens {
    issue(&IssueRequest {
        realm: &fixture.realm,
        client: &fixture.client,
        user: &fixture.user,
        roles: &fixture.roles,
        groups: &[],
        session: Some(&fixture.session),
        scope,
        issuer: ISSUER,
        grant,
        keys: &fixture.keys,
        now: UnixMillis(1_760_000_100_000),
        issue_refresh: true,
        reuse_id: Some("reuse-1"),
        client_address: Some("127.0.0.1"),
    })
    .unwrap()
}

/// The payload's text with its `jti` (random) replaced by `JTI`.
fn payload(token: &str) -> String {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap())
        .unwrap();
    let claims: serde_json::Value = serde_json::from_str(&text).unwrap();
    text.replace(claims["jti"].as_str().unwrap(), "JTI")
}

#[test]
fn token_json_is_keycloaks_claim_layout() {
    let fixture = fixture(Vec::new());
    let scope = GrantedScope::from_refresh_scope(&fixture.session.scope);
    let tokens = issue_with(&fixture, &scope, GrantType::RefreshToken);
    assert_eq!(
        payload(&tokens.access_token),
        r#"{"exp":1760000400,"iat":1760000100,"jti":"JTI","iss":"http://127.0.0.1:8080/keycloak/auth/realms/demo","aud":"account","sub":"u-1","typ":"Bearer","azp":"my-app","sid":"sid-1","acr":"1","allowed-origins":["http://localhost:3000"],"realm_access":{"roles":["default-roles-demo","offline_access"]},"resource_access":{"account":{"roles":["view-profile"]},"my-app":{"roles":["own"]}},"scope":"openid profile email","email_verified":false,"name":"Jane \"JD\" Doe","preferred_username":"jane","given_name":"Jane \"JD\"","family_name":"Doe","email":"jane@example.com"}"#
    );
    assert_eq!(
        payload(tokens.refresh_token.as_ref().unwrap()),
        r#"{"exp":1760001900,"iat":1760000100,"jti":"JTI","iss":"http://127.0.0.1:8080/keycloak/auth/realms/demo","aud":"http://127.0.0.1:8080/keycloak/auth/realms/demo","sub":"u-1","typ":"Refresh","azp":"my-app","sid":"sid-1","scope":"openid profile email basic roles web-origins acr","reuse_id":"reuse-1","aud_x":"account","prov":"default"}"#
    );
    let id_token = tokens.id_token.as_ref().unwrap();
    let at_hash = at_hash(Algorithm::EdDSA, &tokens.access_token);
    assert_eq!(
        payload(id_token),
        format!(
            r#"{{"exp":1760000400,"iat":1760000100,"auth_time":1760000000,"jti":"JTI","iss":"http://127.0.0.1:8080/keycloak/auth/realms/demo","aud":"my-app","sub":"u-1","typ":"ID","azp":"my-app","sid":"sid-1","at_hash":"{at_hash}","acr":"1","email_verified":false,"name":"Jane \"JD\" Doe","preferred_username":"jane","given_name":"Jane \"JD\"","family_name":"Doe","email":"jane@example.com"}}"#
        )
    );
    let header = |token: &str| {
        String::from_utf8(URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap())
            .unwrap()
    };
    assert!(header(&tokens.access_token).starts_with(r#"{"alg":"ES256","typ" : "JWT","kid" : ""#));
    assert!(header(id_token).starts_with(r#"{"alg":"EdDSA","#));
    assert!(header(tokens.refresh_token.as_ref().unwrap()).starts_with(r#"{"alg":"HS512","#));
    assert!(jwt::verify::<serde_json::Value>(&fixture.keys, &tokens.access_token).is_ok());
    assert!(jwt::verify::<serde_json::Value>(&fixture.keys, id_token).is_ok());
    let refresh = tokens.refresh_token.as_ref().unwrap();
    assert!(jwt::verify_hmac::<serde_json::Value>(&fixture.keys, refresh).is_ok());
}

#[test]
fn mapper_claims_come_last_and_replace_a_claim_of_the_same_name_in_place() {
    let fixture = fixture(vec![
        mapper(
            "nbf",
            "oidc-hardcoded-claim-mapper",
            &[
                ("claim.name", "nbf"),
                ("claim.value", "0"),
                ("jsonType.label", "long"),
                ("access.token.claim", "true"),
            ],
        ),
        mapper(
            "typ",
            "oidc-hardcoded-claim-mapper",
            &[
                ("claim.name", "typ"),
                ("claim.value", "Custom"),
                ("access.token.claim", "true"),
                ("id.token.claim", "false"),
            ],
        ),
        mapper("session state", "oidc-session-state-mapper", &[("access.token.claim", "true")]),
        // A switch that is absent is off (`OIDCAttributeMapperHelper.includeInAccessToken`).
        mapper(
            "silent",
            "oidc-hardcoded-claim-mapper",
            &[("claim.name", "silent"), ("claim.value", "x")],
        ),
    ]);
    let scope = GrantedScope::from_refresh_scope("profile basic service_account");
    let tokens = issue_with(&fixture, &scope, GrantType::ClientCredentials);
    assert_eq!(
        payload(&tokens.access_token),
        r#"{"exp":1760000400,"iat":1760000100,"jti":"JTI","iss":"http://127.0.0.1:8080/keycloak/auth/realms/demo","sub":"u-1","typ":"Custom","azp":"my-app","sid":"sid-1","scope":"profile","client_id":"my-app","clientHost":"127.0.0.1","clientAddress":"127.0.0.1","name":"Jane \"JD\" Doe","preferred_username":"jane","given_name":"Jane \"JD\"","family_name":"Doe","nbf":0,"session_state":"sid-1"}"#
    );
    let refresh = payload(tokens.refresh_token.as_ref().unwrap());
    assert!(refresh.contains(r#""sid":"sid-1","session_state":"sid-1","scope":"#), "{refresh}");
}

#[test]
fn the_response_body_is_keycloaks() {
    let fixture = fixture(Vec::new());
    let scope = GrantedScope::from_refresh_scope(&fixture.session.scope);
    let tokens = issue_with(&fixture, &scope, GrantType::RefreshToken);
    let body = String::from_utf8(tokens.response_json()).unwrap();
    assert_eq!(
        body,
        format!(
            r#"{{"access_token":"{}","expires_in":300,"refresh_expires_in":1800,"refresh_token":"{}","token_type":"Bearer","id_token":"{}","not-before-policy":0,"session_state":"sid-1","scope":"openid profile email"}}"#,
            tokens.access_token,
            tokens.refresh_token.as_ref().unwrap(),
            tokens.id_token.as_ref().unwrap()
        )
    );
}
