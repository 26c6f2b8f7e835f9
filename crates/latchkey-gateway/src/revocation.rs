//! The revocation link: a subscription per issuer to latchkey's revocation stream
//! (`{issuer}/latchkey/revocations`, Server-Sent Events), kept in memory so the hot
//! path checks a token against it without I/O.
//!
//! Each connection logs in with the client-credentials grant (`client_id`/`client_secret`
//! of a confidential client whose service account holds `realm-management`'s
//! `view-users`), reads the snapshot of live revocations, then every new one. Entries
//! are added, never replaced by a snapshot: a latchkey that restarted and lost its
//! list cannot make a revoked token valid again here. Entries are forgotten once no
//! token they cover can be valid (`expires` plus the leeway).
//!
//! The link is up from the first snapshot of a connection until that connection fails
//! (error, EOF, or no byte for `link_timeout`, while latchkey sends a heartbeat every
//! second). A connection latchkey ends on purpose (`event: end`, its token expired) is
//! replaced at once without counting as down. Reconnects back off from 100 ms to 5 s.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use latchkey_core::revocation::{Revocation, RevocationList, TokenFacts};
use latchkey_core::time::Clock;
use serde::Deserialize;

/// What the gateway does with tokens while its link to an issuer is down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkLoss {
    /// Refuse every token of the issuer (503) until the link is back.
    #[default]
    FailClosed,
    /// Keep checking against the last known list.
    KeepLast,
}

/// How the validator follows each issuer's revocations.
#[derive(Clone)]
pub struct RevocationSettings {
    pub client_id: String,
    pub client_secret: String,
    pub on_link_loss: LinkLoss,
    /// Silence on the stream longer than this counts as a lost link.
    pub link_timeout: Duration,
}

impl std::fmt::Debug for RevocationSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationSettings")
            .field("client_id", &self.client_id)
            .field("on_link_loss", &self.on_link_loss)
            .field("link_timeout", &self.link_timeout)
            .finish_non_exhaustive()
    }
}

/// One issuer's revocations and the state of its link.
#[derive(Default)]
pub struct IssuerRevocations {
    list: RwLock<RevocationList>,
    is_up: AtomicBool,
    has_synced: AtomicBool,
    pub(crate) events: AtomicU64,
    pub(crate) connects: AtomicU64,
    /// Woken by `event: keys`: the validator fetches the issuer's JWKS again.
    pub(crate) keys_changed: tokio::sync::Notify,
}

/// The answer of the hot-path check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Accepted,
    Revoked,
    /// `fail_closed` and the link is down (or was never up).
    Unavailable,
}

impl IssuerRevocations {
    /// From memory: whether a verified token may pass.
    pub fn check(&self, token: &TokenFacts<'_>, on_link_loss: LinkLoss) -> Check {
        if on_link_loss == LinkLoss::FailClosed && !self.is_up() {
            return Check::Unavailable;
        }
        let list = self.list.read().unwrap_or_else(PoisonError::into_inner);
        if list.covers(token) { Check::Revoked } else { Check::Accepted }
    }

    pub fn is_up(&self) -> bool {
        self.is_up.load(Ordering::Acquire)
    }

    /// Whether a snapshot was ever received.
    pub fn has_synced(&self) -> bool {
        self.has_synced.load(Ordering::Acquire)
    }

    pub fn len(&self) -> usize {
        self.list.read().unwrap_or_else(PoisonError::into_inner).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn add(&self, entries: impl IntoIterator<Item = Revocation>, prune_before: i64) {
        let mut list = self.list.write().unwrap_or_else(PoisonError::into_inner);
        list.prune(prune_before);
        for entry in entries {
            list.insert(entry);
        }
    }

    fn set_up(&self, is_up: bool) {
        let was_up = self.is_up.swap(is_up, Ordering::AcqRel);
        if was_up != is_up {
            match is_up {
                true => tracing::info!("revocation link up"),
                false => tracing::warn!("revocation link down"),
            }
        }
    }
}

/// Why a connection ended.
#[derive(Debug, thiserror::Error)]
enum LinkError {
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("token request refused with {0}")]
    TokenRefused(reqwest::StatusCode),
    #[error("stream refused with {0}")]
    StreamRefused(reqwest::StatusCode),
    #[error("no heartbeat within the link timeout")]
    Silent,
    #[error("stream closed")]
    Closed,
    #[error("unreadable event: {0}")]
    Event(String),
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
}

#[derive(Deserialize)]
struct Snapshot {
    revocations: Vec<Revocation>,
}

/// Follows one issuer's stream for as long as the task lives.
pub(crate) async fn follow(
    issuer: String,
    settings: RevocationSettings,
    state: Arc<IssuerRevocations>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    leeway_secs: i64,
) {
    let mut failures: u32 = 0;
    loop {
        state.connects.fetch_add(1, Ordering::Relaxed);
        match connect(&issuer, &settings, &state, &http, &clock, leeway_secs).await {
            Ok(reason) => {
                tracing::info!(%issuer, %reason, "revocation stream ended by latchkey; reconnecting");
                failures = 0;
                continue;
            }
            Err(error) => {
                state.set_up(false);
                tracing::warn!(%issuer, %error, "revocation link lost");
            }
        }
        failures = failures.saturating_add(1);
        let backoff = Duration::from_millis(100u64 << failures.min(6).saturating_sub(1));
        tokio::time::sleep(backoff.min(Duration::from_secs(5))).await;
    }
}

/// One connection: log in, subscribe, apply events. `Ok` with latchkey's reason when
/// latchkey ended the stream on purpose.
async fn connect(
    issuer: &str,
    settings: &RevocationSettings,
    state: &IssuerRevocations,
    http: &reqwest::Client,
    clock: &Arc<dyn Clock>,
    leeway_secs: i64,
) -> Result<String, LinkError> {
    let token_response = http
        .post(format!("{issuer}/protocol/openid-connect/token"))
        .basic_auth(&settings.client_id, Some(&settings.client_secret))
        .form(&[("grant_type", "client_credentials")])
        .timeout(settings.link_timeout.max(Duration::from_secs(5)))
        .send()
        .await?;
    if !token_response.status().is_success() {
        return Err(LinkError::TokenRefused(token_response.status()));
    }
    let token: TokenResponse = token_response.json().await?;
    let mut response = http
        .get(format!("{issuer}/latchkey/revocations"))
        .bearer_auth(&token.access_token)
        .header(http::header::ACCEPT, "text/event-stream")
        .send()
        .await?;
    if !response.status().is_success() {
        return Err(LinkError::StreamRefused(response.status()));
    }
    let mut buffer = String::new();
    loop {
        let chunk = tokio::time::timeout(settings.link_timeout, response.chunk())
            .await
            .map_err(|_| LinkError::Silent)??
            .ok_or(LinkError::Closed)?;
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        let prune_before = clock.now().secs().saturating_sub(leeway_secs);
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let (name, data) = parse_event(&block);
            match name.as_deref() {
                Some("snapshot") => {
                    let snapshot: Snapshot = serde_json::from_str(&data)
                        .map_err(|error| LinkError::Event(error.to_string()))?;
                    let count = snapshot.revocations.len();
                    state.add(snapshot.revocations, prune_before);
                    state.has_synced.store(true, Ordering::Release);
                    state.set_up(true);
                    tracing::info!(%issuer, count, "revocation snapshot received");
                }
                Some("revoked") => {
                    let entry: Revocation = serde_json::from_str(&data)
                        .map_err(|error| LinkError::Event(error.to_string()))?;
                    tracing::info!(%issuer, ?entry, "revocation received");
                    state.add([entry], prune_before);
                    state.events.fetch_add(1, Ordering::Relaxed);
                }
                Some("keys") => {
                    tracing::info!(%issuer, "issuer keys changed");
                    state.keys_changed.notify_one();
                }
                Some("end") => return Ok(data),
                // Heartbeats (comments) and unknown events.
                _ => state.add([], prune_before),
            }
        }
    }
}

/// The `event:` name and the joined `data:` lines of one Server-Sent Event block.
fn parse_event(block: &str) -> (Option<String>, String) {
    let mut name = None;
    let mut data = Vec::new();
    for line in block.lines() {
        if let Some(value) = line.strip_prefix("event:") {
            name = Some(value.trim().to_owned());
        } else if let Some(value) = line.strip_prefix("data:") {
            data.push(value.strip_prefix(' ').unwrap_or(value));
        }
    }
    (name, data.join("\n"))
}

#[cfg(test)]
mod tests;
