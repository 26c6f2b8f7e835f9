//! Request counters and an upstream latency histogram, written in Prometheus' text
//! exposition format (version 0.0.4) by hand: two metric families do not need a crate.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use crate::validator::{IssuerStatus, RevocationStatus};

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Histogram {
    /// Non-cumulative counts per bucket; the last slot is `+Inf`.
    counts: [u64; BUCKETS.len() + 1],
    sum_secs: f64,
    count: u64,
}

/// The gateway's metrics. Locks are held only to bump a number, never across `.await`.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, &'static str), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

impl Metrics {
    /// Counts one request by route (its prefix, or `unmatched`) and outcome.
    pub fn count_request(&self, route: &str, outcome: &'static str) {
        let mut requests = match self.requests.lock() {
            Ok(requests) => requests,
            Err(poisoned) => poisoned.into_inner(),
        };
        *requests.entry((route.to_owned(), outcome)).or_default() += 1;
    }

    /// Records the time until the upstream's response head arrived.
    pub fn observe_upstream(&self, route: &str, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut latency = match self.latency.lock() {
            Ok(latency) => latency,
            Err(poisoned) => poisoned.into_inner(),
        };
        let histogram = latency.entry(route.to_owned()).or_default();
        let slot = BUCKETS.iter().position(|bound| secs <= *bound).unwrap_or(BUCKETS.len());
        histogram.counts[slot] += 1;
        histogram.sum_secs += secs;
        histogram.count += 1;
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP latchkey_gateway_requests_total Requests by route and outcome.\n");
        out.push_str("# TYPE latchkey_gateway_requests_total counter\n");
        {
            let requests = match self.requests.lock() {
                Ok(requests) => requests,
                Err(poisoned) => poisoned.into_inner(),
            };
            for ((route, outcome), count) in requests.iter() {
                let _ = writeln!(
                    out,
                    "latchkey_gateway_requests_total{{route=\"{}\",outcome=\"{outcome}\"}} {count}",
                    escape(route)
                );
            }
        }
        out.push_str(
            "# HELP latchkey_gateway_upstream_duration_seconds Time until the upstream's response head.\n",
        );
        out.push_str("# TYPE latchkey_gateway_upstream_duration_seconds histogram\n");
        let latency = match self.latency.lock() {
            Ok(latency) => latency,
            Err(poisoned) => poisoned.into_inner(),
        };
        for (route, histogram) in latency.iter() {
            let route = escape(route);
            let mut cumulative = 0;
            for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter()) {
                cumulative += count;
                let _ = writeln!(
                    out,
                    "latchkey_gateway_upstream_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "latchkey_gateway_upstream_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "latchkey_gateway_upstream_duration_seconds_sum{{route=\"{route}\"}} {}",
                histogram.sum_secs
            );
            let _ = writeln!(
                out,
                "latchkey_gateway_upstream_duration_seconds_count{{route=\"{route}\"}} {}",
                histogram.count
            );
        }
        out
    }
}

/// A per-issuer metric family of the revocation link: name, type, help, value.
type Family = (&'static str, &'static str, &'static str, fn(&RevocationStatus) -> u64);

/// Per-issuer gauges and counters: keys loaded, and the revocation link (up, entries
/// held, revocations received, connection attempts). Refusals of revoked tokens are
/// counted in `latchkey_gateway_requests_total{outcome="revoked"}`.
pub fn render_issuers(out: &mut String, issuers: &[IssuerStatus]) {
    out.push_str(
        "# HELP latchkey_gateway_issuer_keys_loaded Whether the issuer's JWKS is loaded.\n",
    );
    out.push_str("# TYPE latchkey_gateway_issuer_keys_loaded gauge\n");
    for issuer in issuers {
        let _ = writeln!(
            out,
            "latchkey_gateway_issuer_keys_loaded{{issuer=\"{}\"}} {}",
            escape(&issuer.issuer),
            u8::from(issuer.has_keys)
        );
    }
    let families: [Family; 4] = [
        ("revocation_link_up", "gauge", "Whether the revocation stream is connected.", |link| {
            u64::from(link.is_up)
        }),
        ("revocations", "gauge", "Revocations held (not yet expired).", |link| link.entries as u64),
        ("revocations_received_total", "counter", "Revocations pushed by latchkey.", |link| {
            link.events
        }),
        (
            "revocation_connects_total",
            "counter",
            "Connection attempts to the revocation stream.",
            |link| link.connects,
        ),
    ];
    for (name, kind, help, value) in families {
        let _ = writeln!(out, "# HELP latchkey_gateway_{name} {help}");
        let _ = writeln!(out, "# TYPE latchkey_gateway_{name} {kind}");
        for issuer in issuers {
            if let Some(link) = &issuer.revocation {
                let _ = writeln!(
                    out,
                    "latchkey_gateway_{name}{{issuer=\"{}\"}} {}",
                    escape(&issuer.issuer),
                    value(link)
                );
            }
        }
    }
}

/// Label values escape `\`, `"` and newlines.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}
