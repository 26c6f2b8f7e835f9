//! Each case is what Keycloak 26.7.3 answered for the same bytes (`facts-13.md`, the
//! issue-12 facts 6.1 and 6.2, and `facts-types/` on the shared server).

use proptest::prelude::*;

use super::{Fault, check};
use crate::admin::java_types::{CLIENT_REPRESENTATION, REALM_REPRESENTATION, USER_REPRESENTATION};

fn client(body: &str) -> Result<(), Fault> {
    check(body.as_bytes(), &CLIENT_REPRESENTATION)
}

fn unknown(name: &'static str, line: usize, column: usize) -> Result<(), Fault> {
    Err(Fault::Unknown { representation: name, field: "wrong".to_owned(), line, column })
}

#[test]
fn unknown_fields_are_named_where_jackson_stands() {
    let user = |body: &str| check(body.as_bytes(), &USER_REPRESENTATION);
    assert_eq!(user(r#"{"wrong": "payload"}"#), unknown("UserRepresentation", 1, 12));
    assert_eq!(
        user(r#"{"firstName": "Changed", "wrong": "payload"}"#),
        unknown("UserRepresentation", 1, 36)
    );
    assert_eq!(client(r#"{"clientId": "y", "wrong": 1}"#), unknown("ClientRepresentation", 1, 29));
    assert_eq!(
        client(r#"{"clientId":"x","wrong":{"a":1}}"#),
        unknown("ClientRepresentation", 1, 26)
    );
    assert_eq!(client(r#"{"clientId":"x","wrong":true}"#), unknown("ClientRepresentation", 1, 29));
    assert_eq!(
        client("{\"clientId\":\"x\",\n  \"wrong\":[1]}"),
        unknown("ClientRepresentation", 2, 12)
    );
    // Keycloak names the decoded field, and counts the escape as sent.
    assert_eq!(
        client(r#"{"enabled": true, "\u0077rong": 1}"#),
        unknown("ClientRepresentation", 1, 34)
    );
}

#[test]
fn nested_representations_are_checked_too() {
    let realm = |body: &str| check(body.as_bytes(), &REALM_REPRESENTATION);
    let nested = |name: &'static str, field: &str, column| {
        Err(Fault::Unknown { representation: name, field: field.to_owned(), line: 1, column })
    };
    assert_eq!(
        realm(r#"{"clients":[{"clientId":"zz1","zz":1}]}"#),
        nested("ClientRepresentation", "zz", 37)
    );
    assert_eq!(
        realm(r#"{"users":[{"username":"zz1","zz":1}]}"#),
        nested("UserRepresentation", "zz", 35)
    );
    assert_eq!(
        realm(r#"{"roles":{"realm":[{"name":"r","zz":1}]}}"#),
        nested("RoleRepresentation", "zz", 38)
    );
    assert_eq!(realm(r#"{"roles":{"zz":1}}"#), nested("RolesRepresentation", "zz", 17));
    assert_eq!(
        realm(r#"{"components":{"org.x":[{"name":"n","zz":1}]}}"#),
        nested("ComponentExportRepresentation", "zz", 43)
    );
    assert_eq!(
        client(r#"{"clientId":"c1","authorizationSettings":{"zz":1}}"#),
        nested("ResourceServerRepresentation", "zz", 49)
    );
    assert_eq!(
        client(
            r#"{"clientId":"c1","protocolMappers":[{"name":"m","protocol":"openid-connect","protocolMapper":"oidc-hardcoded-claim-mapper","zz":1}]}"#
        ),
        nested("ProtocolMapperRepresentation", "zz", 130)
    );
    assert_eq!(
        realm(r#"{"clients":[{"clientId":"zz1","attributes":{"x":[]}}]}"#),
        Err(Fault::Mismatch)
    );
    assert_eq!(
        realm(r#"{"clients":[{"clientId":"x","notBefore":2147483648}]}"#),
        Err(Fault::Range)
    );
    assert_eq!(realm(r#"{"clients":[{"notBefore":"zz"}]}"#), Err(Fault::Mismatch));
    assert_eq!(realm(r#"{"components":{"org.x":{"name":"n"}}}"#), Err(Fault::Mismatch));
    assert_eq!(realm(r#"{"localizationTexts":{"en":"x"}}"#), Err(Fault::Mismatch));
    assert_eq!(realm(r#"{"localizationTexts":{"en":{"a":5}}}"#), Ok(()));
    assert_eq!(realm(r#"{"clientPolicies":{"policies":5}}"#), Ok(()));
}

/// `POST …/clients` on Keycloak 26.7.3, `facts-types/types1.out`.
#[test]
fn scalars_coerce_as_jackson_coerces_them() {
    let field =
        |name: &str, value: &str| client(&format!(r#"{{"clientId":"c1","{name}":{value}}}"#));
    for accepted in ["5", "1.5", "true", "null", r#""x""#] {
        assert_eq!(field("registrationAccessToken", accepted), Ok(()), "{accepted}");
    }
    for refused in ["[]", r#"["a"]"#, "{}"] {
        assert_eq!(field("registrationAccessToken", refused), Err(Fault::Mismatch), "{refused}");
    }
    for accepted in [
        r#""true""#,
        r#""True""#,
        r#""TRUE""#,
        r#""""#,
        "1",
        "0",
        "2",
        "null",
        r#"" true""#,
        r#""null""#,
    ] {
        assert_eq!(field("authorizationServicesEnabled", accepted), Ok(()), "{accepted}");
    }
    for refused in [r#""yes""#, r#""FaLsE""#, "1.5", "[]", "[true]"] {
        assert_eq!(
            field("authorizationServicesEnabled", refused),
            Err(Fault::Mismatch),
            "{refused}"
        );
    }
    for accepted in [
        r#""7""#,
        r#""""#,
        "7.9",
        "-7.9",
        r#""+5""#,
        r#""-5""#,
        r#"" 60 ""#,
        r#""\t5""#,
        r#""null""#,
        "-2147483648",
        "2147483647",
    ] {
        assert_eq!(field("nodeReRegistrationTimeout", accepted), Ok(()), "{accepted}");
    }
    for refused in ["true", "[7]", r#""0x10""#, r#""1e3""#, r#""1.5""#, r#""2147483648""#, "{}"] {
        assert_eq!(field("nodeReRegistrationTimeout", refused), Err(Fault::Mismatch), "{refused}");
    }
    for out_of_range in ["1e10", "2147483647.5", "2147483648", "-2147483649", "1e300", "1e400"] {
        assert_eq!(
            field("nodeReRegistrationTimeout", out_of_range),
            Err(Fault::Range),
            "{out_of_range}"
        );
    }
    assert_eq!(field("attributes", r#"{"a":5,"b":true,"c":null}"#), Ok(()));
    for refused in [r#"{"a":[]}"#, r#"{"a":{}}"#, "[]", r#""x""#] {
        assert_eq!(field("attributes", refused), Err(Fault::Mismatch), "{refused}");
    }
    assert_eq!(field("redirectUris", "[5, true, null]"), Ok(()));
    for refused in [r#""x""#, "[[]]", "{}"] {
        assert_eq!(field("redirectUris", refused), Err(Fault::Mismatch), "{refused}");
    }
    assert_eq!(field("access", r#"{"view":1}"#), Ok(()));
    assert_eq!(field("access", r#"{"view":"x"}"#), Err(Fault::Mismatch));
    assert_eq!(field("protocolMappers", "{}"), Err(Fault::Mismatch));
    assert_eq!(field("protocolMappers", "[5]"), Err(Fault::Mismatch));
    assert_eq!(field("authorizationSettings", "5"), Err(Fault::Mismatch));
}

#[test]
fn longs_and_enums() {
    let user = |body: &str| check(body.as_bytes(), &USER_REPRESENTATION);
    assert_eq!(user(r#"{"createdTimestamp":1e18}"#), Ok(()));
    assert_eq!(user(r#"{"createdTimestamp":9.3e18}"#), Err(Fault::Range));
    assert_eq!(user(r#"{"createdTimestamp":9223372036854775808}"#), Err(Fault::Range));
    assert_eq!(user(r#"{"createdTimestamp":"9223372036854775808"}"#), Err(Fault::Mismatch));
    assert_eq!(user(r#"{"attributes":{"a":[[]]}}"#), Ok(()), "a custom deserializer");
    let realm = |body: &str| check(body.as_bytes(), &REALM_REPRESENTATION);
    for accepted in [r#""LINEAR""#, r#""MULTIPLE""#, "0", "1", "null"] {
        assert_eq!(realm(&format!(r#"{{"bruteForceStrategy":{accepted}}}"#)), Ok(()), "{accepted}");
    }
    assert_eq!(realm(r#"{"bruteForceStrategy":1.0}"#), Ok(()), "JSON Schema's integer");
    for refused in [r#""linear""#, "5", "true", r#""""#, "0.5", "-1"] {
        assert_eq!(
            realm(&format!(r#"{{"bruteForceStrategy":{refused}}}"#)),
            Err(Fault::Mismatch),
            "{refused}"
        );
    }
}

/// The first fault in document order decides, as Jackson reads.
#[test]
fn the_first_fault_wins() {
    assert_eq!(
        client(
            r#"{"clientId":"c1","nodeReRegistrationTimeout":2147483648,"authorizationServicesEnabled":"x"}"#
        ),
        Err(Fault::Range)
    );
    assert_eq!(
        client(
            r#"{"clientId":"c1","authorizationServicesEnabled":"x","nodeReRegistrationTimeout":2147483648}"#
        ),
        Err(Fault::Mismatch)
    );
    assert_eq!(
        client(r#"{"clientId":"c1","authorizationServicesEnabled":"x","zz":1}"#),
        Err(Fault::Mismatch)
    );
    assert!(matches!(
        client(r#"{"clientId":"c1","zz":1,"authorizationServicesEnabled":"x"}"#),
        Err(Fault::Unknown { .. })
    ));
}

#[test]
fn broken_json_is_malformed() {
    for body in [
        r#"{"clientId":"u2",}"#,
        r#"{"notBefore":NaN}"#,
        r#"{"notBefore":01}"#,
        "{'clientId':'u2'}",
        "",
        "{",
        r#"{"a" 1}"#,
        "nul",
    ] {
        assert_eq!(client(body), Err(Fault::Malformed), "{body}");
    }
    for body in ["[]", "5", r#""x""#] {
        assert_eq!(client(body), Err(Fault::Mismatch), "{body}");
    }
    let deep = format!("{{\"attributes\":{}", "[".repeat(10_000));
    assert_eq!(client(&deep), Err(Fault::Mismatch));
    let deep_any = format!("{{\"clientPolicies\":{}", "[".repeat(10_000));
    assert_eq!(check(deep_any.as_bytes(), &REALM_REPRESENTATION), Err(Fault::Malformed));
}

#[test]
fn every_table_is_sorted() {
    for representation in super::definitions(&REALM_REPRESENTATION)
        .into_iter()
        .chain(super::definitions(&USER_REPRESENTATION))
        .chain(super::definitions(&CLIENT_REPRESENTATION))
    {
        let (name, schema) = representation;
        let properties = schema["properties"].as_object().map(|p| p.len()).unwrap_or(0);
        assert!(properties > 0 || name.contains("Composites"), "{name}");
    }
    let tables = [&REALM_REPRESENTATION, &USER_REPRESENTATION, &CLIENT_REPRESENTATION];
    for table in tables {
        assert!(table.fields.windows(2).all(|pair| pair[0].0 < pair[1].0), "{}", table.name);
    }
}

proptest! {
    #[test]
    fn any_bytes_check_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = check(&body, &REALM_REPRESENTATION);
    }
}
