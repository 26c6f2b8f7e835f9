//! Header hygiene for proxying: hop-by-hop headers (RFC 9110 §7.6.1) never cross the
//! gateway, and the `X-Forwarded-*` headers say where the request came from.

use std::net::IpAddr;

use http::{HeaderMap, HeaderName, HeaderValue, header};

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1, RFC 9112).
const HOP_BY_HOP: [HeaderName; 7] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
    header::PROXY_AUTHENTICATE,
];

pub const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
pub const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
pub const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// Removes the hop-by-hop headers: the fixed list, every `Proxy-*` header, and every
/// header that `Connection` names.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
    let proxy_headers: Vec<HeaderName> =
        headers.keys().filter(|name| name.as_str().starts_with("proxy-")).cloned().collect();
    for name in proxy_headers {
        headers.remove(name);
    }
}

/// Sets `X-Forwarded-For` (the client's address appended to what earlier proxies said),
/// `X-Forwarded-Proto` and `X-Forwarded-Host` (the `Host` the client asked for), and
/// removes `Host` so that the client sets the upstream's own.
pub fn set_forwarded(headers: &mut HeaderMap, client: IpAddr, proto: &'static str) {
    let earlier: Vec<String> = headers
        .get_all(&X_FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(str::to_owned)
        .collect();
    let forwarded_for = earlier
        .into_iter()
        .chain(std::iter::once(client.to_string()))
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(value) = HeaderValue::from_str(&forwarded_for) {
        headers.insert(X_FORWARDED_FOR, value);
    }
    headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(proto));
    match headers.remove(header::HOST) {
        Some(host) => {
            headers.insert(X_FORWARDED_HOST, host);
        }
        None => {
            headers.remove(X_FORWARDED_HOST);
        }
    }
}

#[cfg(test)]
mod tests;
