//! The token validator: per-issuer JWKS caches around the pure `verify`. A token is
//! checked from memory; the network is used only when a token names a `kid` the cache
//! does not hold, and then at most once per refresh floor per issuer.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use latchkey_core::time::Clock;
use serde::Deserialize;

use crate::error::GatewayError;
use crate::jwks::KeySet;
use crate::revocation::{self, Check, IssuerRevocations, LinkLoss, RevocationSettings};
use crate::verify::{self, Expectations, Identity, TokenError};

/// How a validator checks tokens and refreshes keys.
#[derive(Clone, Debug)]
pub struct ValidatorSettings {
    pub expectations: Expectations,
    /// The shortest time between two JWKS fetches for one issuer.
    pub refresh_floor: Duration,
    /// Time limit of each discovery or JWKS request.
    pub fetch_timeout: Duration,
    /// Follow each issuer's revocation stream; `None` checks signatures and claims only.
    pub revocation: Option<RevocationSettings>,
}

/// One issuer's cached keys.
struct IssuerKeys {
    issuer: String,
    /// Swapped whole on refresh; readers clone the `Arc` and never hold the lock long.
    keys: RwLock<Arc<KeySet>>,
    /// When the last fetch started; `None` before the first. The async mutex also makes
    /// concurrent requests with the same unknown `kid` wait for one fetch, not start many.
    last_fetch: tokio::sync::Mutex<Option<Instant>>,
    has_loaded: std::sync::atomic::AtomicBool,
    revocations: Arc<IssuerRevocations>,
}

/// One issuer as `/health/ready` and `/metrics` report it.
#[derive(Clone, Debug)]
pub struct IssuerStatus {
    pub issuer: String,
    pub has_keys: bool,
    /// `None` when revocations are not followed.
    pub revocation: Option<RevocationStatus>,
}

#[derive(Clone, Debug)]
pub struct RevocationStatus {
    pub is_up: bool,
    pub has_synced: bool,
    pub entries: usize,
    pub events: u64,
    pub connects: u64,
    /// Whether tokens of this issuer can pass now (link up, or `keep_last`).
    pub is_serving: bool,
}

/// The validator's background tasks (key prefetch, revocation links); dropping this
/// stops them.
#[derive(Debug)]
pub struct Background {
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Background {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Checks bearer tokens against the configured issuers' keys.
pub struct Validator {
    settings: ValidatorSettings,
    issuers: Vec<IssuerKeys>,
    clock: Arc<dyn Clock>,
    http: reqwest::Client,
    /// Without an overall timeout: revocation streams stay open.
    link_http: reqwest::Client,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("issuers", &self.settings.expectations.issuers)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

/// Why a JWKS could not be loaded (logged, never shown to callers).
#[derive(Debug, thiserror::Error)]
enum FetchError {
    #[error("request failed: {0}")]
    Http(#[from] reqwest::Error),
    #[error("discovery names issuer {0}")]
    IssuerMismatch(String),
    #[error("JWKS does not parse: {0}")]
    Jwks(#[from] serde_json::Error),
}

impl Validator {
    pub fn new(settings: ValidatorSettings, clock: Arc<dyn Clock>) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder().timeout(settings.fetch_timeout).build()?;
        let link_http = reqwest::Client::builder()
            .connect_timeout(settings.fetch_timeout)
            .tcp_nodelay(true)
            .build()?;
        let issuers = settings
            .expectations
            .issuers
            .iter()
            .map(|issuer| IssuerKeys {
                issuer: issuer.clone(),
                keys: RwLock::new(Arc::new(KeySet::default())),
                last_fetch: tokio::sync::Mutex::new(None),
                has_loaded: std::sync::atomic::AtomicBool::new(false),
                revocations: Arc::new(IssuerRevocations::default()),
            })
            .collect();
        Ok(Validator { settings, issuers, clock, http, link_http })
    }

    /// Starts the background work: the issuers' keys are loaded, and each issuer's
    /// revocation stream is followed when configured. A `RequireRoleLayer` user calls
    /// this once and keeps the guard as long as the validator serves.
    pub fn start(self: &Arc<Self>) -> Background {
        let mut tasks = Vec::new();
        let validator = Arc::clone(self);
        tasks.push(tokio::spawn(async move { validator.prefetch().await }));
        if let Some(revocation) = &self.settings.revocation {
            for issuer in &self.issuers {
                let validator = Arc::clone(self);
                let issuer_name = issuer.issuer.clone();
                tasks.push(tokio::spawn(async move {
                    let Some(issuer) =
                        validator.issuers.iter().find(|held| held.issuer == issuer_name)
                    else {
                        return;
                    };
                    loop {
                        issuer.revocations.keys_changed.notified().await;
                        validator.refresh(issuer, true).await;
                    }
                }));
                tasks.push(tokio::spawn(revocation::follow(
                    issuer.issuer.clone(),
                    revocation.clone(),
                    Arc::clone(&issuer.revocations),
                    self.link_http.clone(),
                    Arc::clone(&self.clock),
                    self.settings.expectations.leeway_secs,
                )));
            }
        }
        Background { tasks }
    }

    /// Each issuer's keys and revocation link, for health and metrics.
    pub fn status(&self) -> Vec<IssuerStatus> {
        self.issuers
            .iter()
            .map(|issuer| IssuerStatus {
                issuer: issuer.issuer.clone(),
                has_keys: issuer.has_loaded.load(std::sync::atomic::Ordering::Acquire),
                revocation: self.settings.revocation.as_ref().map(|settings| {
                    let state = &issuer.revocations;
                    RevocationStatus {
                        is_up: state.is_up(),
                        has_synced: state.has_synced(),
                        entries: state.len(),
                        events: state.events.load(std::sync::atomic::Ordering::Relaxed),
                        connects: state.connects.load(std::sync::atomic::Ordering::Relaxed),
                        is_serving: state.is_up() || settings.on_link_loss == LinkLoss::KeepLast,
                    }
                }),
            })
            .collect()
    }

    /// Loads every issuer's keys once, so the first requests need no fetch. Failures are
    /// logged; the keys are fetched again when a token needs them.
    pub async fn prefetch(&self) {
        for issuer in &self.issuers {
            self.refresh(issuer, false).await;
        }
    }

    /// Verifies a bearer token: from memory, unless it names a key not yet known.
    pub async fn validate(&self, token: &str) -> Result<Identity, GatewayError> {
        let expectations = &self.settings.expectations;
        let presented = verify::inspect(token, expectations)?;
        let issuer = self
            .issuers
            .iter()
            .find(|issuer| issuer.issuer == presented.issuer())
            .ok_or(TokenError::UnknownIssuer)?;
        let keys = issuer.snapshot();
        let has_key = match presented.kid() {
            Some(kid) => keys.keys.iter().any(|key| key.kid.as_deref() == Some(kid)),
            None => !keys.keys.is_empty(),
        };
        let keys = if has_key { keys } else { self.refresh(issuer, false).await };
        if !issuer.has_loaded.load(std::sync::atomic::Ordering::Acquire) {
            return Err(GatewayError::KeysUnavailable);
        }
        let identity = verify::verify(presented, &keys, expectations, self.clock.now())?;
        if let Some(revocation) = &self.settings.revocation {
            match issuer.revocations.check(&identity.revocation_facts(), revocation.on_link_loss) {
                Check::Accepted => {}
                Check::Revoked => return Err(TokenError::Revoked.into()),
                Check::Unavailable => return Err(GatewayError::RevocationsUnavailable),
            }
        }
        Ok(identity)
    }

    /// Fetches the issuer's keys again unless the floor forbids it (`is_pushed`: latchkey
    /// said they changed, over the authenticated revocation stream, so the floor does not
    /// apply); returns the keys held afterwards (possibly refreshed by a concurrent caller).
    async fn refresh(&self, issuer: &IssuerKeys, is_pushed: bool) -> Arc<KeySet> {
        let mut last_fetch = issuer.last_fetch.lock().await;
        let is_too_soon = !is_pushed
            && last_fetch.is_some_and(|last| last.elapsed() < self.settings.refresh_floor);
        if !is_too_soon {
            *last_fetch = Some(Instant::now());
            match self.fetch(&issuer.issuer).await {
                Ok(keys) => {
                    tracing::info!(issuer = %issuer.issuer, keys = keys.keys.len(), "loaded JWKS");
                    let mut held = match issuer.keys.write() {
                        Ok(held) => held,
                        Err(poisoned) => poisoned.into_inner(),
                    };
                    *held = Arc::new(keys);
                    drop(held);
                    issuer.has_loaded.store(true, std::sync::atomic::Ordering::Release);
                }
                Err(error) => {
                    tracing::warn!(issuer = %issuer.issuer, %error, "cannot load JWKS");
                }
            }
        }
        issuer.snapshot()
    }

    async fn fetch(&self, issuer: &str) -> Result<KeySet, FetchError> {
        let discovery_url = format!("{issuer}/.well-known/openid-configuration");
        let discovery: Discovery =
            self.http.get(&discovery_url).send().await?.error_for_status()?.json().await?;
        // The discovery document must be the issuer's own (OpenID Connect Discovery §4.3).
        if discovery.issuer != issuer {
            return Err(FetchError::IssuerMismatch(discovery.issuer));
        }
        let document =
            self.http.get(&discovery.jwks_uri).send().await?.error_for_status()?.bytes().await?;
        Ok(KeySet::from_jwks(&document)?)
    }
}

impl IssuerKeys {
    fn snapshot(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(keys) => Arc::clone(&keys),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}
