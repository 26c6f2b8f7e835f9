use super::*;

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn names(map: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = map.keys().map(|name| name.to_string()).collect();
    names.sort();
    names
}

#[test]
fn hop_by_hop_headers_and_those_connection_names_are_dropped() {
    let mut map = headers(&[
        ("connection", "keep-alive, X-Secret-Hop"),
        ("connection", "close"),
        ("keep-alive", "timeout=5"),
        ("proxy-authorization", "Basic abc"),
        ("proxy-connection", "keep-alive"),
        ("proxy-authenticate", "Basic"),
        ("te", "trailers"),
        ("trailer", "x-checksum"),
        ("transfer-encoding", "chunked"),
        ("upgrade", "websocket"),
        ("x-secret-hop", "1"),
        ("content-type", "text/plain"),
        ("content-length", "3"),
        ("authorization", "Bearer abc"),
        ("x-other", "kept"),
    ]);
    strip_hop_by_hop(&mut map);
    assert_eq!(names(&map), ["authorization", "content-length", "content-type", "x-other"]);
}

#[test]
fn connection_naming_garbage_does_not_break_filtering() {
    let mut map = headers(&[("connection", ", ,bad header name,"), ("x-kept", "1")]);
    strip_hop_by_hop(&mut map);
    assert_eq!(names(&map), ["x-kept"]);
}

#[test]
fn forwarded_headers_are_set_and_host_moves() {
    let mut map = headers(&[
        ("host", "gateway.example:8000"),
        ("x-forwarded-for", "203.0.113.7"),
        ("x-forwarded-proto", "https"),
    ]);
    set_forwarded(&mut map, "127.0.0.1".parse().unwrap(), "http");
    assert_eq!(map["x-forwarded-for"], "203.0.113.7, 127.0.0.1");
    assert_eq!(map["x-forwarded-proto"], "http");
    assert_eq!(map["x-forwarded-host"], "gateway.example:8000");
    assert!(!map.contains_key("host"));
}

#[test]
fn forwarded_host_is_never_taken_from_the_client() {
    let mut map = headers(&[("x-forwarded-host", "evil.example")]);
    set_forwarded(&mut map, "::1".parse().unwrap(), "http");
    assert_eq!(map["x-forwarded-for"], "::1");
    assert!(!map.contains_key("x-forwarded-host"));
}
