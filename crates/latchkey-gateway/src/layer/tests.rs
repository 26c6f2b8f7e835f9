use http::HeaderValue;

use super::*;
use crate::policy::Roles;

fn headers(values: &[&str]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for value in values {
        map.append(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
    }
    map
}

#[test]
fn bearer_tokens_are_found_case_insensitively() {
    assert_eq!(bearer_token(&headers(&["Bearer abc"])), Ok(Some("abc")));
    assert_eq!(bearer_token(&headers(&["bearer abc"])), Ok(Some("abc")));
    assert_eq!(bearer_token(&headers(&["BEARER  abc "])), Ok(Some("abc")));
    assert_eq!(bearer_token(&headers(&[])), Ok(None));
    assert_eq!(bearer_token(&headers(&["Basic dXNlcjpwYXNz"])), Ok(None));
    assert_eq!(bearer_token(&headers(&["Bearer"])), Err(TokenError::Malformed));
    assert_eq!(bearer_token(&headers(&["Bearer  "])), Err(TokenError::Malformed));
    assert_eq!(bearer_token(&headers(&["Bearer a", "Bearer b"])), Err(TokenError::Malformed));
}

#[test]
fn spoofed_identity_headers_are_replaced() {
    let mut map = HeaderMap::new();
    map.insert("x-auth-subject", HeaderValue::from_static("admin"));
    map.insert("x-auth-roles", HeaderValue::from_static("adminRole"));
    map.insert("x-auth-anything", HeaderValue::from_static("1"));
    map.insert("x-authority", HeaderValue::from_static("kept"));
    set_identity_headers(&mut map, None);
    assert_eq!(map.len(), 1);
    assert!(map.contains_key("x-authority"));
    let identity = Identity {
        issuer: "i".into(),
        subject: Some("user-1".into()),
        username: Some("José".into()),
        authorized_party: None,
        roles: Roles {
            realm: vec!["operatorRole".into(), "offline_access".into()],
            ..Roles::default()
        },
        session_id: None,
        token_id: None,
        issued_at: None,
    };
    map.insert("x-auth-roles", HeaderValue::from_static("adminRole"));
    set_identity_headers(&mut map, Some(&identity));
    assert_eq!(map["x-auth-subject"], "user-1");
    assert_eq!(map["x-auth-username"].as_bytes(), "José".as_bytes());
    assert_eq!(map["x-auth-roles"], "operatorRole,offline_access");
}
