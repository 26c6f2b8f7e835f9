//! `/metrics`: Prometheus' OpenMetrics text, as Keycloak 26.7.3 serves it with
//! `--metrics-enabled=true` (`application/openmetrics-text; version=1.0.0`, recorded from
//! a real 26.7.3 on its management port), written by the `prometheus-client` crate.
//!
//! Everything is counted with atomics where the work happens and read at scrape time:
//! the token endpoint bumps three numbers per request (a count, a bucket, a sum), and no
//! lock is taken on a request's path. The families:
//!
//! - `latchkey_token_requests_total{grant_type,outcome}` and
//!   `latchkey_token_request_duration_seconds{grant_type,outcome}` (a histogram): the
//!   token endpoint by grant (`password`, `refresh_token`, `client_credentials`, or
//!   `unknown` when the request failed before its grant type was read) and outcome
//!   (`success`, or the OAuth error code answered; `server_error` for a 500);
//! - `latchkey_sessions_created_total`, `latchkey_sessions_ended_total`;
//! - `latchkey_cache_hits_total{cache}`, `latchkey_cache_misses_total{cache}`: the
//!   session cache (`sessions`, a refresh's read) and the realm snapshots (`realms`);
//! - `latchkey_refresh_times_queued`: the write-behind queue of refresh times;
//! - `agroal_active_count{datasource}`, `agroal_available_count{datasource}` (the names
//!   Keycloak's dashboards read, from its Agroal pool), `latchkey_db_pool_max{datasource}`
//!   and `latchkey_db_failures_total` (database calls that failed: lost or refused
//!   connections, timeouts);
//! - on PostgreSQL, `latchkey_change_feed_last_applied` (the highest change number read)
//!   and `latchkey_change_feed_behind_seconds` (time since the feed was last read).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use latchkey_core::grant::GrantType;
use latchkey_store::Database;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};

use crate::cache::RealmCache;
use crate::error::ApiError;

/// The `Content-Type` of the answer, as Keycloak 26.7.3 sends it.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The `grant_type` label's values; the index is `grant_index`'s.
const GRANTS: [&str; 4] = ["password", "refresh_token", "client_credentials", "unknown"];
/// The `outcome` label's values: `success`, the OAuth error codes the token endpoint
/// answers, `server_error` (a 500), `other` (a refusal that is not an OAuth error).
const OUTCOMES: [&str; 10] = [
    "success",
    "invalid_request",
    "invalid_client",
    "unauthorized_client",
    "invalid_grant",
    "invalid_scope",
    "unsupported_grant_type",
    "access_denied",
    "server_error",
    "other",
];
/// Upper bounds of the latency buckets, in seconds (`+Inf` is the last slot).
const BUCKETS: [f64; 13] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The metrics of one server: the token endpoint's counters, and the registry that
/// reads them and the store's figures when scraped.
pub struct Metrics {
    tokens: Arc<TokenRequests>,
    registry: Registry,
}

impl Metrics {
    pub fn new(store: Database, realms: Arc<RealmCache>) -> Self {
        let tokens = Arc::new(TokenRequests::default());
        let mut registry = Registry::default();
        registry.register_collector(Box::new(Arc::clone(&tokens)));
        registry.register_collector(Box::new(StoreFigures { store, realms }));
        Metrics { tokens, registry }
    }

    /// Counts one token request: its grant (`None` when it failed before the grant type
    /// was read), its answer and how long it took.
    pub fn observe_token_request(
        &self,
        grant: Option<GrantType>,
        result: Result<(), &ApiError>,
        elapsed: Duration,
    ) {
        let series = &self.tokens.series[grant_index(grant)][outcome_index(result)];
        series.observe(elapsed);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String fails only if an encoder refuses a value; none of ours do.
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "metrics not written");
        }
        text
    }
}

fn grant_index(grant: Option<GrantType>) -> usize {
    match grant {
        Some(GrantType::Password) => 0,
        Some(GrantType::RefreshToken) => 1,
        Some(GrantType::ClientCredentials) => 2,
        None => 3,
    }
}

fn outcome_index(result: Result<(), &ApiError>) -> usize {
    let code = match result {
        Ok(()) => "success",
        Err(ApiError::OAuth(error)) => error.code,
        Err(ApiError::Store(_) | ApiError::Issue(_)) => "server_error",
        Err(_) => "other",
    };
    OUTCOMES.iter().position(|outcome| *outcome == code).unwrap_or(OUTCOMES.len() - 1)
}

/// One histogram series: non-cumulative bucket counts (the last is `+Inf`), the sum in
/// nanoseconds, and the count.
#[derive(Default)]
struct Series {
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_nanos: AtomicU64,
    count: AtomicU64,
}

impl Series {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let slot = BUCKETS.iter().position(|bound| seconds <= *bound).unwrap_or(BUCKETS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// The token endpoint's series, by grant and outcome.
#[derive(Default)]
struct TokenRequests {
    series: [[Series; OUTCOMES.len()]; GRANTS.len()],
}

impl std::fmt::Debug for TokenRequests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequests").finish_non_exhaustive()
    }
}

impl TokenRequests {
    /// The series seen so far, with their labels.
    fn seen(&self) -> impl Iterator<Item = ([(&'static str, &'static str); 2], &Series)> {
        GRANTS.iter().zip(&self.series).flat_map(|(grant, by_outcome)| {
            OUTCOMES.iter().zip(by_outcome).filter_map(move |(outcome, series)| {
                (series.count.load(Ordering::Relaxed) > 0)
                    .then_some(([("grant_type", *grant), ("outcome", *outcome)], series))
            })
        })
    }
}

impl Collector for TokenRequests {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut family = encoder.encode_descriptor(
            "latchkey_token_requests",
            "Token endpoint requests by grant type and outcome",
            None,
            MetricType::Counter,
        )?;
        for (labels, series) in self.seen() {
            let count = series.count.load(Ordering::Relaxed);
            ConstCounter::new(count).encode(family.encode_family(&labels)?)?;
        }
        let mut family = encoder.encode_descriptor(
            "latchkey_token_request_duration",
            "Time to answer a token request, by grant type and outcome",
            Some(&Unit::Seconds),
            MetricType::Histogram,
        )?;
        for (labels, series) in self.seen() {
            let buckets: Vec<(f64, u64)> = BUCKETS
                .iter()
                .copied()
                .chain([f64::INFINITY])
                .zip(series.buckets.iter().map(|count| count.load(Ordering::Relaxed)))
                .collect();
            // The count is the buckets' sum, so that the two agree in one scrape.
            let count = buckets.iter().map(|(_, n)| n).sum();
            let sum = Duration::from_nanos(series.sum_nanos.load(Ordering::Relaxed)).as_secs_f64();
            family
                .encode_family(&labels)?
                .encode_histogram::<NoLabelSet>(sum, count, &buckets, None)?;
        }
        Ok(())
    }
}

/// The store's and the realm cache's figures, read at scrape time.
struct StoreFigures {
    store: Database,
    realms: Arc<RealmCache>,
}

impl std::fmt::Debug for StoreFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreFigures").finish_non_exhaustive()
    }
}

/// Writes one family with one unlabelled value.
fn single(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    metric: &impl EncodeMetric,
) -> Result<(), std::fmt::Error> {
    metric.encode(encoder.encode_descriptor(name, help, None, metric.metric_type())?)
}

impl Collector for StoreFigures {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = self.store.stats();
        let (realm_hits, realm_misses) = self.realms.stats();
        single(
            &mut encoder,
            "latchkey_sessions_created",
            "Sessions created (logins and client-credentials grants)",
            &ConstCounter::new(stats.sessions_created),
        )?;
        single(
            &mut encoder,
            "latchkey_sessions_ended",
            "Sessions ended (logouts, revocations, admin sign-outs, idle expiry)",
            &ConstCounter::new(stats.sessions_ended),
        )?;
        for (name, help, sessions, realms) in [
            (
                "latchkey_cache_hits",
                "Reads answered from memory",
                stats.session_cache_hits,
                realm_hits,
            ),
            (
                "latchkey_cache_misses",
                "Reads that went to the database",
                stats.session_cache_misses,
                realm_misses,
            ),
        ] {
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            ConstCounter::new(sessions).encode(family.encode_family(&[("cache", "sessions")])?)?;
            ConstCounter::new(realms).encode(family.encode_family(&[("cache", "realms")])?)?;
        }
        single(
            &mut encoder,
            "latchkey_refresh_times_queued",
            "Refresh times in memory waiting to be written (the write-behind queue)",
            &ConstGauge::new(stats.refresh_times_queued),
        )?;
        single(
            &mut encoder,
            "latchkey_db_failures",
            "Database calls that failed: lost or refused connections, timeouts",
            &ConstCounter::new(stats.database_failures),
        )?;
        type PoolFigure = fn(&latchkey_store::PoolStats) -> u32;
        let pool_figures: [(&str, &str, PoolFigure); 3] = [
            ("agroal_active_count", "Connections in use", |pool| pool.active),
            ("agroal_available_count", "Connections open and idle", |pool| pool.idle),
            ("latchkey_db_pool_max", "Largest number of connections", |pool| pool.max),
        ];
        for (name, help, figure) in pool_figures {
            let mut family = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
            for pool in &stats.pools {
                let labels = [("datasource", pool.name)];
                ConstGauge::new(figure(pool)).encode(family.encode_family(&labels)?)?;
            }
        }
        if let Some(feed) = &stats.feed {
            single(
                &mut encoder,
                "latchkey_change_feed_last_applied",
                "The highest change-feed number this instance has read",
                &ConstGauge::new(feed.last_applied),
            )?;
            let behind = feed.behind.map_or(f64::NAN, |behind| behind.as_secs_f64());
            single(
                &mut encoder,
                "latchkey_change_feed_behind_seconds",
                "Time since this instance last read the change feed",
                &ConstGauge::new(behind),
            )?;
        }
        Ok(())
    }
}
