//! The reverse proxy: match the route, run the same check as `RequireRoleLayer`, then
//! stream the request to the upstream and its answer back, bodies never buffered whole.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use bytes::Bytes;
use http::Version;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::GatewayError;
use crate::headers::{set_forwarded, strip_hop_by_hop};
use crate::layer::{authorize, set_identity_headers};
use crate::metrics::Metrics;
use crate::policy::{Route, RouteTable, is_safe_path};
use crate::validator::Validator;

/// Everything a proxied request needs, shared by all of them.
pub(crate) struct ProxyState {
    pub(crate) routes: RouteTable,
    pub(crate) validator: Arc<Validator>,
    pub(crate) realm: String,
    pub(crate) client: Client<HttpConnector, RequestBody>,
    pub(crate) upstream_timeout: Duration,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) metrics: Arc<Metrics>,
}

impl ProxyState {
    pub(crate) fn client() -> Client<HttpConnector, RequestBody> {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Client::builder(TokioExecutor::new()).build(connector)
    }
}

/// The fallback handler: every path that is not the gateway's own.
pub(crate) async fn forward(
    State(state): State<Arc<ProxyState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let path = request.uri().path();
    let route = match is_safe_path(path) {
        true => state.routes.find(request.method(), path),
        false => None,
    };
    let result = match route {
        Some(route) => proxy(&state, route, peer, request).await,
        None if !is_safe_path(path) => Err(GatewayError::BadPath),
        None => Err(GatewayError::NoRoute),
    };
    let label = route.map_or("unmatched", |route| route.prefix.as_str());
    match result {
        Ok(response) => {
            state.metrics.count_request(label, "forwarded");
            response
        }
        Err(error) => {
            state.metrics.count_request(label, error.outcome());
            match &error {
                GatewayError::Upstream(_) | GatewayError::UpstreamTimeout | GatewayError::Busy => {
                    tracing::warn!(route = label, %error, "upstream request failed");
                }
                _ => tracing::info!(route = label, %error, "request refused"),
            }
            error.to_response(&state.realm)
        }
    }
}

async fn proxy(
    state: &ProxyState,
    route: &Route,
    peer: SocketAddr,
    request: Request,
) -> Result<Response, GatewayError> {
    let identity = authorize(&state.validator, request.headers(), &route.rule).await?;
    let (mut parts, body) = request.into_parts();
    parts.uri = route
        .upstream_url(parts.uri.path(), parts.uri.query())
        .parse()
        .map_err(|_| GatewayError::BadPath)?;
    // The client below speaks HTTP/1.1 to upstreams, whatever the caller spoke.
    parts.version = Version::HTTP_11;
    strip_hop_by_hop(&mut parts.headers);
    set_forwarded(&mut parts.headers, peer.ip(), "http");
    set_identity_headers(&mut parts.headers, identity.as_ref());
    let permit =
        tokio::time::timeout(state.upstream_timeout, Arc::clone(&state.permits).acquire_owned())
            .await
            .map_err(|_| GatewayError::Busy)?
            .map_err(|_| GatewayError::Busy)?;
    // The upstream's time starts once it has a slot, not while the request queued.
    let started = Instant::now();
    let last_activity = Arc::new(Mutex::new(started));
    let body = RequestBody { inner: body, last_activity: Arc::clone(&last_activity) };
    let upstream_request = http::Request::from_parts(parts, body);
    let outcome = with_idle_timeout(
        state.client.request(upstream_request),
        &last_activity,
        state.upstream_timeout,
    )
    .await;
    state.metrics.observe_upstream(&route.prefix, started.elapsed());
    let response = match outcome {
        None => return Err(GatewayError::UpstreamTimeout),
        Some(Err(error)) => return Err(GatewayError::Upstream(error_chain(&error))),
        Some(Ok(response)) => response,
    };
    let (mut parts, body) = response.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    // The slot is given back when the response body has been sent (or dropped).
    Ok(Response::from_parts(parts, Body::new(UpstreamBody { inner: body, _permit: permit })))
}

/// An error and its causes on one line, for the log ("client error (Connect): tcp
/// connect error: Connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Awaits `future` unless nothing happened for `timeout`: the clock restarts whenever a
/// piece of the request body goes out, so a large upload is not cut short while the
/// upstream waits for the rest of it. `None` when the time ran out.
async fn with_idle_timeout<F: Future>(
    future: F,
    last_activity: &Mutex<Instant>,
    timeout: Duration,
) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    loop {
        let last = *last_activity.lock().unwrap_or_else(PoisonError::into_inner);
        let deadline = tokio::time::Instant::from_std(last + timeout);
        match tokio::time::timeout_at(deadline, future.as_mut()).await {
            Ok(output) => return Some(output),
            Err(_) => {
                let latest = *last_activity.lock().unwrap_or_else(PoisonError::into_inner);
                if latest == last {
                    return None;
                }
            }
        }
    }
}

/// The client's request body on its way to the upstream, noting when it last moved.
pub(crate) struct RequestBody {
    inner: Body,
    last_activity: Arc<Mutex<Instant>>,
}

impl http_body::Body for RequestBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if polled.is_ready() {
            *self.last_activity.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The upstream's response body, streamed as it comes, holding a concurrency slot.
struct UpstreamBody {
    inner: Incoming,
    _permit: OwnedSemaphorePermit,
}

impl http_body::Body for UpstreamBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
