//! The built-in scopes against what a fresh Keycloak 26.7.3 realm lists (facts 2.1, 2.3).

use super::{ScopeKind, built_in_scopes};

#[test]
fn a_new_realm_gets_keycloaks_fifteen_scopes_with_their_mappers() {
    let (scopes, _) = built_in_scopes("realm-1");
    let names: Vec<&str> = scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "role_list",
            "saml_organization",
            "AuthnContextClassRef",
            "profile",
            "email",
            "roles",
            "web-origins",
            "acr",
            "basic",
            "offline_access",
            "address",
            "phone",
            "microprofile-jwt",
            "organization",
            "service_account",
        ]
    );
    let mapper_counts: Vec<(&str, usize)> =
        scopes.iter().map(|s| (s.name.as_str(), s.protocol_mappers.len())).collect();
    assert!(mapper_counts.contains(&("profile", 14)));
    assert!(mapper_counts.contains(&("roles", 3)));
    assert!(mapper_counts.contains(&("offline_access", 0)));
    assert!(mapper_counts.contains(&("service_account", 3)));
    assert!(scopes.iter().all(|s| s.realm_id == "realm-1" && s.role_ids.is_empty()));
    let mapper_ids: std::collections::HashSet<_> =
        scopes.iter().flat_map(|s| &s.protocol_mappers).filter_map(|m| m.id.clone()).collect();
    assert_eq!(mapper_ids.len(), 35, "every mapper has its own id");

    let email = scopes.iter().find(|s| s.name == "email").expect("email scope");
    let verified = email
        .protocol_mappers
        .iter()
        .find(|m| m.name == "email verified")
        .expect("email verified mapper");
    assert_eq!(verified.protocol_mapper, "oidc-usermodel-property-mapper");
    assert_eq!(verified.config["claim.name"], "email_verified");
    assert_eq!(verified.config["jsonType.label"], "boolean");
    assert_eq!(email.protocol, "openid-connect");
    assert_eq!(email.description.as_deref(), Some("OpenID Connect built-in scope: email"));
}

#[test]
fn the_include_in_token_scope_attribute_decides_the_scope_string() {
    let (scopes, _) = built_in_scopes("r");
    let included: Vec<&str> = scopes
        .iter()
        .filter(|s| s.protocol == "openid-connect" && s.is_included_in_token_scope())
        .map(|s| s.name.as_str())
        .collect();
    // `offline_access` has no such attribute: absent means included.
    assert_eq!(
        included,
        [
            "profile",
            "email",
            "offline_access",
            "address",
            "phone",
            "microprofile-jwt",
            "organization"
        ]
    );
}

#[test]
fn the_realm_defaults_are_keycloaks_in_its_order() {
    let (scopes, defaults) = built_in_scopes("r");
    let name_of = |id: &str| scopes.iter().find(|s| s.id == id).map(|s| s.name.clone());
    let of_kind = |kind| -> Vec<String> {
        defaults.iter().filter(|d| d.kind == kind).filter_map(|d| name_of(&d.scope_id)).collect()
    };
    assert_eq!(
        of_kind(ScopeKind::Default),
        [
            "role_list",
            "saml_organization",
            "AuthnContextClassRef",
            "profile",
            "email",
            "roles",
            "web-origins",
            "acr",
            "basic"
        ]
    );
    assert_eq!(
        of_kind(ScopeKind::Optional),
        ["offline_access", "address", "phone", "microprofile-jwt", "organization"]
    );
}
