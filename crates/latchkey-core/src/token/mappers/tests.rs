//! Mapper types against the claims Keycloak 26.7.3 wrote for them (facts 2.8, 2.10, 2.11).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::*;
use crate::client::{Client, ClientSettings, ProtocolMapper};
use crate::role::Role;
use crate::user::UserProfile;

fn mapper(protocol_mapper: &str, config: &[(&str, &str)]) -> ProtocolMapper {
    ProtocolMapper {
        id: None,
        name: protocol_mapper.into(),
        protocol: "openid-connect".into(),
        protocol_mapper: protocol_mapper.into(),
        config: config.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    }
}

fn alice() -> User {
    User {
        id: "u-alice".into(),
        realm_id: "r".into(),
        username: "alice".into(),
        enabled: true,
        created_timestamp: 0,
        profile: UserProfile {
            email: Some("alice@example.com".into()),
            email_verified: true,
            first_name: Some("Alice".into()),
            last_name: Some("Liddell".into()),
            attributes: BTreeMap::from([
                ("dept".to_owned(), vec!["eng".to_owned(), "ops".to_owned()]),
                ("phoneNumber".to_owned(), vec!["+1 555 0100".to_owned()]),
                ("phoneNumberVerified".to_owned(), vec!["true".to_owned()]),
                ("street".to_owned(), vec!["1 Main St".to_owned()]),
                ("locality".to_owned(), vec!["Springfield".to_owned()]),
                ("country".to_owned(), vec!["US".to_owned()]),
            ]),
            ..UserProfile::default()
        },
    }
}

fn roles() -> EffectiveRoles {
    EffectiveRoles {
        realm: BTreeSet::from(["operatorRole".to_owned(), "offline_access".to_owned()]),
        clients: BTreeMap::from([
            ("other-svc".to_owned(), BTreeSet::from(["svc-role".to_owned()])),
            ("tok-app".to_owned(), BTreeSet::from(["app-role".to_owned()])),
        ]),
    }
}

/// Alice's groups: `/ops`, and `te/am` below it (a `/` in a name is written as it is).
fn groups() -> Vec<MemberOf> {
    vec![
        MemberOf { name: "ops".into(), path: "/ops".into() },
        MemberOf { name: "te/am".into(), path: "/ops/te/am".into() },
    ]
}

/// The claims `mappers` give alice in `kind`.
#[track_caller]
fn check(mappers: &[ProtocolMapper], kind: TokenKind, expected: serde_json::Value) {
    check_in(&groups(), mappers, kind, expected);
}

#[track_caller]
fn check_in(
    groups: &[MemberOf],
    mappers: &[ProtocolMapper],
    kind: TokenKind,
    expected: serde_json::Value,
) {
    let compiled: Vec<Mapper> = mappers.iter().flat_map(Mapper::compile).collect();
    let (user, roles) = (alice(), roles());
    let source = ClaimSource { user: &user, roles: &roles, session_id: Some("sid-1"), groups };
    let claims = other_claims(compiled.iter(), kind, &source);
    assert_eq!(serde_json::Value::Object(claims), expected);
}

/// Measured on Keycloak 26.7.3 (facts 2.8, and `lead-gm`): a list of direct memberships,
/// by full path with `full.path: true` and by name without it, absent for a user in no
/// group (`GroupMembershipMapper`).
#[test]
fn group_membership_lists_direct_groups_by_path_or_name() {
    let full = mapper(
        "oidc-group-membership-mapper",
        &[("claim.name", "groups"), ("full.path", "true"), ("access.token.claim", "true")],
    );
    let short = mapper(
        "oidc-group-membership-mapper",
        &[("claim.name", "gn"), ("access.token.claim", "true")],
    );
    let mappers = [full, short];
    check(
        &mappers,
        TokenKind::Access,
        json!({"groups": ["/ops", "/ops/te/am"], "gn": ["ops", "te/am"]}),
    );
    check(&mappers, TokenKind::Id, json!({}));
    check_in(&[], &mappers, TokenKind::Access, json!({}));
    let plan = |protocol_mappers: Vec<ProtocolMapper>| {
        let settings = ClientSettings { protocol_mappers, ..ClientSettings::default() };
        ClaimPlan::compile(&client(settings), &[], &[], &RoleGraph::default()).needs_groups
    };
    assert!(plan(mappers.to_vec()));
    assert!(!plan(vec![mapper("oidc-full-name-mapper", &ALL)]));
}

const ALL: [(&str, &str); 4] = [
    ("access.token.claim", "true"),
    ("id.token.claim", "true"),
    ("userinfo.token.claim", "true"),
    ("introspection.token.claim", "true"),
];

fn with_all(config: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    config.iter().copied().chain(ALL).collect()
}

#[test]
fn user_attributes_are_typed_and_nested_as_keycloak_writes_them() {
    check(
        &[
            mapper(
                "oidc-usermodel-attribute-mapper",
                &with_all(&[
                    ("user.attribute", "dept"),
                    ("claim.name", "dept"),
                    ("multivalued", "true"),
                ]),
            ),
            mapper(
                "oidc-usermodel-attribute-mapper",
                &with_all(&[
                    ("user.attribute", "phoneNumberVerified"),
                    ("claim.name", "phone_number_verified"),
                    ("jsonType.label", "boolean"),
                ]),
            ),
            mapper(
                "oidc-usermodel-attribute-mapper",
                &with_all(&[("user.attribute", "dept"), ("claim.name", "org.unit")]),
            ),
            mapper(
                "oidc-usermodel-attribute-mapper",
                &with_all(&[("user.attribute", "dept"), ("claim.name", r"a\.b")]),
            ),
            mapper(
                "oidc-usermodel-attribute-mapper",
                &with_all(&[("user.attribute", "nickname"), ("claim.name", "nickname")]),
            ),
            mapper(
                "oidc-usermodel-property-mapper",
                &with_all(&[
                    ("user.attribute", "emailVerified"),
                    ("claim.name", "email_verified"),
                    ("jsonType.label", "boolean"),
                ]),
            ),
            mapper("oidc-full-name-mapper", &ALL),
            mapper(
                "oidc-usermodel-attribute-mapper",
                &with_all(&[("user.attribute", "username"), ("claim.name", "preferred_username")]),
            ),
        ],
        TokenKind::Access,
        json!({
            "email_verified": true,
            "name": "Alice Liddell",
            "preferred_username": "alice",
            "dept": ["eng", "ops"],
            "phone_number_verified": true,
            "org": {"unit": "eng"},
            "a.b": "eng",
        }),
    );
}

#[test]
fn each_token_kind_has_its_switch() {
    let hardcoded = |name: &'static str, config: &[(&'static str, &'static str)]| {
        let mut all = vec![("claim.name", name), ("claim.value", "v")];
        all.extend_from_slice(config);
        mapper("oidc-hardcoded-claim-mapper", &all)
    };
    let mappers = [
        hardcoded("access", &[("access.token.claim", "true")]),
        hardcoded("id", &[("id.token.claim", "true")]),
        hardcoded("userinfo", &[("userinfo.token.claim", "true")]),
        hardcoded(
            "id-off-userinfo",
            &[("id.token.claim", "true"), ("userinfo.token.claim", "false")],
        ),
        hardcoded("nothing", &[]),
    ];
    check(&mappers, TokenKind::Access, json!({"access": "v"}));
    check(&mappers, TokenKind::Id, json!({"id": "v", "id-off-userinfo": "v"}));
    // Userinfo follows the ID token where its own switch is absent.
    check(&mappers, TokenKind::Userinfo, json!({"id": "v", "userinfo": "v"}));
    // Introspection follows the access token where its own switch is absent.
    check(&mappers, TokenKind::Introspection, json!({"access": "v"}));
}

#[test]
fn hardcoded_claims_take_their_json_type() {
    let typed = |name: &'static str, value: &'static str, json_type: &'static str| {
        mapper(
            "oidc-hardcoded-claim-mapper",
            &[
                ("claim.name", name),
                ("claim.value", value),
                ("jsonType.label", json_type),
                ("access.token.claim", "true"),
            ],
        )
    };
    check(
        &[
            typed("n", "42", "long"),
            typed("b", "TRUE", "boolean"),
            typed("j", r#"{"k":[1,2]}"#, "JSON"),
            typed("s", "42", "String"),
            typed("bad", "not a number", "long"),
        ],
        TokenKind::Access,
        json!({"n": 42, "b": true, "j": {"k": [1, 2]}, "s": "42", "bad": "not a number"}),
    );
}

#[test]
fn roles_elsewhere_than_their_fixed_places_and_the_address() {
    check(
        &[
            // microprofile-jwt's `groups` (facts 2.10).
            mapper(
                "oidc-usermodel-realm-role-mapper",
                &with_all(&[("claim.name", "groups"), ("multivalued", "true")]),
            ),
            // The built-in places are written by issuing, not here.
            mapper(
                "oidc-usermodel-realm-role-mapper",
                &with_all(&[("claim.name", "realm_access.roles"), ("multivalued", "true")]),
            ),
            mapper(
                "oidc-usermodel-client-role-mapper",
                &with_all(&[("claim.name", "resource_access.${client_id}.roles")]),
            ),
            mapper(
                "oidc-usermodel-client-role-mapper",
                &with_all(&[
                    ("claim.name", "svc_roles"),
                    ("usermodel.clientRoleMapping.clientId", "other-svc"),
                    ("usermodel.clientRoleMapping.rolePrefix", "svc:"),
                ]),
            ),
            mapper(
                "oidc-address-mapper",
                &with_all(&[
                    ("user.attribute.street", "street"),
                    ("user.attribute.country", "country"),
                ]),
            ),
        ],
        TokenKind::Access,
        json!({
            "groups": ["offline_access", "operatorRole"],
            "svc_roles": ["svc:svc-role"],
            "address": {"street_address": "1 Main St", "locality": "Springfield", "country": "US"},
        }),
    );
}

fn client(settings: ClientSettings) -> Client {
    Client {
        id: "limited-uuid".into(),
        realm_id: "r".into(),
        client_id: "limited".into(),
        enabled: true,
        public_client: false,
        secret: None,
        settings,
        claims: Default::default(),
    }
}

fn role(id: &str, client_uuid: Option<&str>, name: &str, composites: &[&str]) -> Role {
    Role {
        id: id.into(),
        realm_id: "r".into(),
        client_uuid: client_uuid.map(str::to_owned),
        name: name.into(),
        description: None,
        composites: composites.iter().map(|c| (*c).to_owned()).collect(),
        attributes: BTreeMap::new(),
    }
}

/// Facts 2.11: without `fullScopeAllowed`, a token carries the client's own roles, the
/// roles scope-mapped to it (composites expanded) and those of its granted scopes.
#[test]
fn without_full_scope_only_scoped_roles_are_carried() {
    let graph = RoleGraph::new(
        vec![
            role("operator", None, "operatorRole", &[]),
            role("offline", None, "offline_access", &[]),
            role("defaults", None, "default-roles-r", &["offline"]),
            role("own", Some("limited-uuid"), "own-role", &[]),
            role("svc", Some("svc-uuid"), "svc-role", &[]),
            role("app", Some("app-uuid"), "app-role", &[]),
        ],
        [
            ("limited-uuid".to_owned(), "limited".to_owned()),
            ("svc-uuid".to_owned(), "other-svc".to_owned()),
            ("app-uuid".to_owned(), "tok-app".to_owned()),
        ]
        .into(),
    );
    let (mut scopes, _) = crate::client_scope::built_in_scopes("r");
    let mut sm_scope = scopes.iter().find(|s| s.name == "phone").cloned().unwrap();
    sm_scope.name = "sm-scope".into();
    sm_scope.role_ids = vec!["app".into()];
    scopes.push(sm_scope);
    let settings = ClientSettings {
        full_scope_allowed: false,
        optional_client_scopes: vec!["sm-scope".into()],
        ..ClientSettings::default()
    };
    let held = graph.expand(&[
        "operator".into(),
        "defaults".into(),
        "own".into(),
        "svc".into(),
        "app".into(),
    ]);
    let plan = |mapped: &[&str]| {
        let mapped: Vec<String> = mapped.iter().map(|m| (*m).to_owned()).collect();
        ClaimPlan::compile(&client(settings.clone()), &scopes, &mapped, &graph)
    };
    let shown = |roles: EffectiveRoles| {
        let clients: Vec<String> = roles
            .clients
            .iter()
            .flat_map(|(c, names)| names.iter().map(move |n| format!("{c}:{n}")))
            .collect();
        (roles.realm.into_iter().collect::<Vec<_>>(), clients)
    };
    let no_scope: &[String] = &[];
    assert_eq!(
        shown(plan(&[]).allowed_roles(&held, no_scope)),
        (vec![], vec!["limited:own-role".to_owned()])
    );
    assert_eq!(
        shown(plan(&["operator", "defaults", "svc"]).allowed_roles(&held, no_scope)),
        (
            vec![
                "default-roles-r".to_owned(),
                "offline_access".to_owned(),
                "operatorRole".to_owned()
            ],
            vec!["limited:own-role".to_owned(), "other-svc:svc-role".to_owned()]
        )
    );
    let with_sm = plan(&[]).allowed_roles(&held, &["sm-scope".to_owned()]);
    assert_eq!(
        shown(with_sm).1,
        vec!["limited:own-role".to_owned(), "tok-app:app-role".to_owned()]
    );
    // With `fullScopeAllowed`, every role.
    let full = ClaimPlan::compile(&client(ClientSettings::default()), &scopes, &[], &graph);
    assert!(full.scoped_roles.is_none());
    assert_eq!(full.allowed_roles(&held, no_scope), held);
}

/// A client's scope names resolve against the realm's scopes: a name the realm lacks and
/// a SAML scope are skipped, and service accounts bring `service_account`.
#[test]
fn a_plan_holds_the_client_scopes_the_realm_has() {
    let (scopes, _) = crate::client_scope::built_in_scopes("r");
    let settings = ClientSettings {
        default_client_scopes: vec!["profile".into(), "gone".into(), "role_list".into()],
        optional_client_scopes: vec!["phone".into(), "profile".into()],
        service_accounts_enabled: true,
        ..ClientSettings::default()
    };
    let plan = ClaimPlan::compile(&client(settings), &scopes, &[], &RoleGraph::default());
    let names = |list: &[CompiledScope]| list.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&plan.default_scopes), ["profile", "service_account"]);
    assert_eq!(names(&plan.optional_scopes), ["phone"]);
    assert!(plan.default_scopes[0].include_in_token_scope);
    assert!(!plan.default_scopes[1].include_in_token_scope);
    let granted: Vec<String> =
        ["profile", "phone", "address", "service_account"].map(str::to_owned).into();
    let active: Vec<&str> = plan.active(&granted).map(|s| s.name.as_str()).collect();
    assert_eq!(active, ["profile", "phone", "service_account"]);
}
