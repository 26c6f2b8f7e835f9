use super::*;

const EXAMPLE: &str = include_str!("../../../../examples/gateway.toml");

#[test]
fn the_example_parses() {
    let config = GatewayConfig::from_toml(EXAMPLE).unwrap();
    let table = config.route_table().unwrap();
    let admin = table.find(&Method::GET, "/admin/health").unwrap();
    assert_eq!(admin.rule, Rule::AnyOf(vec![RoleRef::Realm("adminRole".into())]));
    let operator = table.find(&Method::POST, "/operator/devices").unwrap();
    assert_eq!(operator.rule, Rule::AnyOf(vec![RoleRef::Realm("operatorRole".into())]));
    assert!(table.find(&Method::GET, "/client/catalogue").unwrap().rule.is_public());
    assert!(table.find(&Method::GET, "/elsewhere").is_none());
    assert_eq!(config.required_audience.as_deref(), Some("opentv-api"));
    assert!(config.routes_open_to_any_client().is_empty());
}

#[test]
fn guarded_routes_without_an_audience_or_client_are_open_to_any_client() {
    let config = GatewayConfig::from_toml(
        &EXAMPLE.replace("required_audience = \"opentv-api\"", "# no audience"),
    )
    .unwrap();
    assert_eq!(config.routes_open_to_any_client(), ["/admin/", "/operator/"]);
    let with_azp = EXAMPLE
        .replace("required_audience = \"opentv-api\"", "# no audience")
        .replace("# required_azp", "required_azp");
    assert!(GatewayConfig::from_toml(&with_azp).unwrap().routes_open_to_any_client().is_empty());
}

#[track_caller]
fn refused(text: &str, needle: &str) {
    let base = r#"listen = "127.0.0.1:0"
issuers = ["http://127.0.0.1:8080/keycloak/auth/realms/nagra"]
"#;
    let error = GatewayConfig::from_toml(&format!("{base}{text}")).unwrap_err().to_string();
    assert!(error.contains(needle), "{error}");
}

#[test]
fn mistakes_are_refused_at_load() {
    refused("unknown_key = 1\n", "unknown field");
    refused("[[routes]]\nprefix = \"/a\"\nupstream = \"http://u:1\"\n", "exactly one");
    refused(
        "[[routes]]\nprefix = \"/a\"\nupstream = \"http://u:1\"\npublic = true\nany_of = [\"r\"]\n",
        "exactly one",
    );
    refused("[[routes]]\nprefix = \"/a\"\nupstream = \"http://u:1\"\nany_of = []\n", "empty role");
    refused("[[routes]]\nprefix = \"a\"\nupstream = \"http://u:1\"\npublic = true\n", "prefix");
    refused("[[routes]]\nprefix = \"/a\"\nupstream = \"https://u:1\"\npublic = true\n", "upstream");
    refused(
        "[[routes]]\nprefix = \"/a\"\nupstream = \"http://u:1\"\nany_of = [\":x\"]\n",
        "bad role",
    );
    refused("realm = \"a\\\"b\"\n", "realm");
    let error = GatewayConfig::from_toml("listen = \"127.0.0.1:0\"\nissuers = []\n").unwrap_err();
    assert!(error.to_string().contains("issuers"), "{error}");
}

#[test]
fn the_revocation_section_defaults_to_fail_closed_and_hides_its_secret() {
    // The example's commented `[revocation]` block, switched on.
    let mut is_in_block = false;
    let uncommented: String = EXAMPLE
        .lines()
        .map(|line| {
            is_in_block = (is_in_block || line == "# [revocation]") && !line.is_empty();
            match line.strip_prefix("# ") {
                Some(rest) if is_in_block && !rest.starts_with('#') => format!("{rest}\n"),
                _ => format!("{line}\n"),
            }
        })
        .collect();
    let config = GatewayConfig::from_toml(&uncommented).unwrap();
    let revocation = config.revocation.as_ref().unwrap();
    assert_eq!(revocation.on_link_loss, LinkLoss::FailClosed);
    assert_eq!(revocation.link_timeout_ms, 3000);
    assert!(!format!("{config:?}").contains("change-me"));
    refused(
        "[revocation]\nclient_id = \"g\"\nclient_secret = \"s\"\non_link_loss = \"open\"\n",
        "unknown variant",
    );
    refused(
        "[revocation]\nclient_id = \"g\"\nclient_secret = \"s\"\nlink_timeout_ms = 10\n",
        "link_timeout_ms",
    );
}
