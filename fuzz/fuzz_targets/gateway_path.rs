//! Fuzz target: the gateway's path checks (`latchkey_gateway::policy`), the line between
//! what a route guards and what its upstream serves. For arbitrary paths and prefixes:
//! nothing panics; a path `is_safe_path` accepts has, even after percent-decoding, no `.`
//! or `..` segment, no empty segment and no backslash (so the upstream cannot read it as
//! another path); a route matches a path only segment-wise under its prefix; and the
//! upstream URL of a matched path is the upstream followed by a path under it.
#![no_main]

use latchkey_gateway::policy::{Route, RouteTable, Rule, is_safe_path, normalise_prefix};
use libfuzzer_sys::fuzz_target;

const UPSTREAM: &str = "http://127.0.0.1:9000/base";

fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) =
                (bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex))
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (prefix, path) = text.split_once('\n').unwrap_or(("/api", &text));

    if is_safe_path(path) {
        let decoded = percent_decode(path);
        assert!(decoded.starts_with(b"/"), "{path:?}");
        assert!(!decoded.contains(&b'\\'), "{path:?}");
        for segment in decoded.split(|&b| b == b'/').skip(1) {
            assert!(segment != b"." && segment != b"..", "{path:?}");
        }
        assert!(!decoded.windows(2).any(|w| w == b"//"), "{path:?}");
    }

    let Some(prefix) = normalise_prefix(prefix) else { return };
    assert!(prefix.starts_with('/') && (prefix == "/" || !prefix.ends_with('/')));
    for strip_prefix in [false, true] {
        let route = Route {
            prefix: prefix.clone(),
            methods: None,
            upstream: UPSTREAM.to_owned(),
            strip_prefix,
            rule: Rule::Public,
        };
        let table = RouteTable::new(vec![route.clone()]);
        let matched = table.find(&http::Method::GET, path).is_some();
        assert_eq!(matched, route.matches_path(path));
        if !matched {
            continue;
        }
        if prefix != "/" {
            let rest = &path[prefix.len()..];
            assert!(
                path.starts_with(prefix.as_str()) && (rest.is_empty() || rest.starts_with('/'))
            );
        }
        let url = route.upstream_url(path, None);
        let tail = url.strip_prefix(UPSTREAM).expect("the upstream leads the URL");
        assert!(tail.starts_with('/'), "{url}");
        if !strip_prefix {
            assert_eq!(tail, path);
        }
    }
});
