use super::*;

fn route(prefix: &str, methods: Option<&[Method]>, rule: Rule) -> Route {
    Route {
        prefix: normalise_prefix(prefix).unwrap(),
        methods: methods.map(<[Method]>::to_vec),
        upstream: format!("http://upstream{}", prefix.trim_end_matches('/')),
        strip_prefix: false,
        rule,
    }
}

fn table() -> RouteTable {
    RouteTable::new(vec![
        route("/", None, Rule::Public),
        route("/admin/", None, Rule::AnyOf(vec![RoleRef::Realm("adminRole".into())])),
        route("/operator/", None, Rule::AnyOf(vec![RoleRef::Realm("operatorRole".into())])),
        route("/operator/reports", Some(&[Method::GET]), Rule::Public),
        route("/client/", Some(&[Method::GET, Method::POST]), Rule::Public),
    ])
}

#[track_caller]
fn check(method: Method, path: &str, expected_prefix: Option<&str>) {
    let table = table();
    let found = table.find(&method, path).map(|route| route.prefix.as_str());
    assert_eq!(found, expected_prefix, "{method} {path}");
}

#[test]
fn longest_prefix_wins_segment_wise() {
    let table = RouteTable::new(vec![
        route("/admin/", None, Rule::Public),
        route("/operator/", None, Rule::Public),
    ]);
    assert_eq!(table.find(&Method::GET, "/admin").map(|r| r.prefix.as_str()), Some("/admin"));
    assert_eq!(table.find(&Method::GET, "/admin/x/y").map(|r| r.prefix.as_str()), Some("/admin"));
    assert!(table.find(&Method::GET, "/administrator").is_none());
    assert!(table.find(&Method::GET, "/").is_none());
    check(Method::GET, "/operator/reports/daily", Some("/operator/reports"));
    check(Method::POST, "/operator/reports/daily", Some("/operator"));
    check(Method::DELETE, "/operatorx", Some("/"));
}

#[test]
fn methods_filter_then_fall_back_to_shorter_prefixes() {
    check(Method::GET, "/client/videos", Some("/client"));
    check(Method::POST, "/client/videos", Some("/client"));
    check(Method::DELETE, "/client/videos", Some("/"));
}

#[test]
fn rules_any_of_all_of_and_client_roles() {
    let roles = Roles {
        realm: vec!["operatorRole".into(), "offline_access".into()],
        clients: HashMap::from([("crm_client".into(), vec!["viewer".into()])]),
    };
    let operator = RoleRef::parse("operatorRole").unwrap();
    let admin = RoleRef::parse("adminRole").unwrap();
    let viewer = RoleRef::parse("crm_client:viewer").unwrap();
    let editor = RoleRef::parse("crm_client:editor").unwrap();
    let other_viewer = RoleRef::parse("other:viewer").unwrap();
    assert!(Rule::Public.allows(&Roles::default()));
    assert!(Rule::AnyOf(vec![admin.clone(), operator.clone()]).allows(&roles));
    assert!(!Rule::AnyOf(vec![admin.clone()]).allows(&roles));
    assert!(Rule::AllOf(vec![operator.clone(), viewer.clone()]).allows(&roles));
    assert!(!Rule::AllOf(vec![operator, admin]).allows(&roles));
    assert!(!Rule::AnyOf(vec![editor, other_viewer]).allows(&roles));
    assert!(!Rule::AnyOf(vec![]).allows(&roles));
}

#[test]
fn role_references_parse() {
    assert_eq!(RoleRef::parse("adminRole"), Some(RoleRef::Realm("adminRole".into())));
    assert_eq!(
        RoleRef::parse("crm_client:viewer"),
        Some(RoleRef::Client { client: "crm_client".into(), role: "viewer".into() })
    );
    assert_eq!(RoleRef::parse(""), None);
    assert_eq!(RoleRef::parse(":viewer"), None);
    assert_eq!(RoleRef::parse("crm_client:"), None);
}

#[test]
fn unsafe_paths_are_refused() {
    for path in [
        "/client/../admin/x",
        "/client/./x",
        "/client/%2e%2e/admin",
        "/client/%2E%2E/admin",
        "/client%2Fadmin",
        "/client\\admin",
        "//admin",
        "/client//x",
        "/client/%00",
        "client",
    ] {
        assert!(!is_safe_path(path), "{path}");
    }
    for path in ["/", "/client/x", "/admin/a.b/c..d", "/operator/%20x"] {
        assert!(is_safe_path(path), "{path}");
    }
}

#[test]
fn upstream_urls_keep_or_strip_the_prefix() {
    let mut route = route("/operator/", None, Rule::Public);
    route.upstream = "http://10.0.0.1:9000/api".into();
    assert_eq!(
        route.upstream_url("/operator/x", Some("a=1")),
        "http://10.0.0.1:9000/api/operator/x?a=1"
    );
    route.strip_prefix = true;
    assert_eq!(route.upstream_url("/operator/x", None), "http://10.0.0.1:9000/api/x");
    assert_eq!(route.upstream_url("/operator", None), "http://10.0.0.1:9000/api/");
}

#[test]
fn prefixes_normalise() {
    assert_eq!(normalise_prefix("/admin/").as_deref(), Some("/admin"));
    assert_eq!(normalise_prefix("/").as_deref(), Some("/"));
    assert_eq!(normalise_prefix("admin"), None);
    assert_eq!(normalise_prefix("/a/../b"), None);
}
