//! latchkey's HTTP/1.1 listener, shared by the server and the gateway: it serves an axum
//! `Router` on a TCP listener (optionally through a TLS handshake) with the limits a slow
//! or silent client needs, so that a few thousand of them cannot starve logins:
//!
//! - **header read** (`header_read_timeout`): from the moment a connection waits for a
//!   request (just opened, or its previous answer sent) until the request's whole head
//!   has arrived. hyper's own timer (`http1::Builder::header_read_timeout`); expiry
//!   closes the connection without an answer, as Keycloak's Vert.x does for a short body.
//!   A TLS handshake gets the same time.
//! - **body read** (`body_read_timeout`): the longest wait for the next piece of a
//!   request body once the handler reads it (Quarkus's `read-timeout`, 60 s in
//!   Keycloak). Expiry is an error of the body (`BodyTimeout`), which the handler turns
//!   into an answer; the connection is not reused.
//! - **idle** (`idle_timeout`): a connection with no request in flight is closed once
//!   this long has passed since its last answer (or its opening). hyper's header timer
//!   also runs while a kept-alive connection waits, so the shorter of the two applies.
//! - **connections** (`max_connections`): at most this many open at once. The next one
//!   sheds the connection that has waited longest without a request in flight (a silent
//!   or half-sent one, or an idle keep-alive); only when every connection is busy does
//!   accepting wait for one to end.
//!
//! Keycloak 26.7.3 has none of these but the body read (measured, `facts-13.md` §5);
//! oauth2-proxy has a one-minute header read timeout and nothing else.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

/// The limits of one listener.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Default for Limits {
    /// Header read 30 s (hyper's default), body read 60 s (Keycloak's Quarkus
    /// `read-timeout`), idle 60 s, 10,000 connections.
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(60),
            idle_timeout: Duration::from_secs(60),
            max_connections: 10_000,
        }
    }
}

/// The error of a request body whose next piece did not come within the body read
/// timeout. Handlers find it with `std::error::Error::source` / `downcast_ref`.
#[derive(Debug)]
pub struct BodyTimeout;

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body did not arrive within the body read timeout")
    }
}

impl std::error::Error for BodyTimeout {}

/// Whether `error` (or one of its sources) is a `BodyTimeout`.
pub fn is_body_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<BodyTimeout>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// A TLS (or other) handshake turning an accepted TCP stream into the stream to serve.
pub trait Handshake: Clone + Send + Sync + 'static {
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    fn handshake(&self, stream: TcpStream)
    -> impl Future<Output = io::Result<Self::Stream>> + Send;
}

/// Plain TCP.
#[derive(Clone, Copy, Debug, Default)]
pub struct Plain;

impl Handshake for Plain {
    type Stream = TcpStream;
    async fn handshake(&self, stream: TcpStream) -> io::Result<TcpStream> {
        Ok(stream)
    }
}

/// What one open connection shares with the accept loop.
struct Tracked {
    /// Requests whose answer has not been sent in full.
    in_flight: AtomicUsize,
    /// When the connection last became idle (opened, or an answer ended), in ms since
    /// the listener started.
    idle_since: AtomicU64,
    /// Told when the accept loop sheds this connection.
    shed: Notify,
}

/// The open connections, for shedding.
#[derive(Default)]
struct Registry {
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Tracked>>>,
}

impl Registry {
    /// Sheds the connection idle the longest; `false` when every connection is busy.
    fn shed_one(&self) -> bool {
        let Ok(open) = self.open.lock() else { return false };
        let oldest = open
            .values()
            .filter(|c| c.in_flight.load(Ordering::Acquire) == 0)
            .min_by_key(|c| c.idle_since.load(Ordering::Acquire));
        match oldest {
            Some(connection) => {
                connection.shed.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes; then stops
/// accepting, lets every connection finish the request it is answering, and returns once
/// all are closed. Each request carries `ConnectInfo<SocketAddr>`.
pub async fn serve<H: Handshake>(
    listener: TcpListener,
    handshake: H,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let epoch = Instant::now();
    let registry = Arc::new(Registry::default());
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A free slot, or one made by shedding the longest-idle connection; accepting
        // waits only while every connection is answering a request.
        let permit = match Arc::clone(&permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                if registry.shed_one() {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection limit reached: closing the longest-idle connection"
                    );
                }
                tokio::select! {
                    permit = Arc::clone(&permits).acquire_owned() => match permit {
                        Ok(permit) => permit,
                        Err(_) => break,
                    },
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, address) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors and the like: wait a little, keep serving.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let id = registry.next_id.fetch_add(1, Ordering::Relaxed);
        let tracked = Arc::new(Tracked {
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(millis_since(epoch)),
            shed: Notify::new(),
        });
        if let Ok(mut open) = registry.open.lock() {
            open.insert(id, Arc::clone(&tracked));
        }
        let connection = Connection {
            handshake: handshake.clone(),
            router: router.clone(),
            limits,
            epoch,
            address,
            tracked,
            stop: stop_rx.clone(),
        };
        let registry = Arc::clone(&registry);
        tokio::spawn(async move {
            connection.run(stream, permit).await;
            if let Ok(mut open) = registry.open.lock() {
                open.remove(&id);
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(stop_rx);
    // Every connection task holds a receiver; all gone means all closed.
    stop_tx.closed().await;
    Ok(())
}

fn millis_since(epoch: Instant) -> u64 {
    u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
}

struct Connection<H> {
    handshake: H,
    router: Router,
    limits: Limits,
    epoch: Instant,
    address: SocketAddr,
    tracked: Arc<Tracked>,
    stop: watch::Receiver<bool>,
}

impl<H: Handshake> Connection<H> {
    async fn run(mut self, stream: TcpStream, _permit: OwnedSemaphorePermit) {
        let handshake = self.handshake.handshake(stream);
        let stream = match tokio::time::timeout(self.limits.header_read_timeout, handshake).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => {
                tracing::debug!(%error, address = %self.address, "handshake failed");
                return;
            }
            Err(_) => return,
        };
        let (router, address, limits) = (self.router.clone(), self.address, self.limits);
        let (tracked, epoch) = (Arc::clone(&self.tracked), self.epoch);
        let service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            let router = router.clone();
            let tracked = Arc::clone(&tracked);
            tracked.in_flight.fetch_add(1, Ordering::AcqRel);
            let guard = InFlight { tracked, epoch };
            let mut request = request.map(|body| {
                axum::body::Body::new(TimeoutBody::new(body, limits.body_read_timeout))
            });
            request.extensions_mut().insert(ConnectInfo(address));
            async move {
                let response = router.oneshot(request).await?;
                Ok::<_, std::convert::Infallible>(
                    response.map(|body| TrackedBody { inner: body, _guard: guard }),
                )
            }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let mut connection = std::pin::pin!(connection);
        let mut stopping = false;
        loop {
            let idle_deadline = self.idle_deadline();
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(error) = served {
                        tracing::debug!(%error, address = %self.address, "connection ended");
                    }
                    return;
                }
                () = self.tracked.shed.notified() => return,
                () = tokio::time::sleep_until(idle_deadline) => {
                    if self.is_idle_expired() {
                        return;
                    }
                }
                changed = self.stop.changed(), if !stopping => {
                    let _ = changed;
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }

    fn idle_deadline(&self) -> Instant {
        let since = Duration::from_millis(self.tracked.idle_since.load(Ordering::Acquire));
        self.epoch + since + self.limits.idle_timeout
    }

    fn is_idle_expired(&self) -> bool {
        self.tracked.in_flight.load(Ordering::Acquire) == 0
            && Instant::now() >= self.idle_deadline()
    }
}

/// Counts a request in flight until its answer's body is dropped (sent or abandoned).
struct InFlight {
    tracked: Arc<Tracked>,
    epoch: Instant,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.tracked.idle_since.store(millis_since(self.epoch), Ordering::Release);
        self.tracked.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// An answer's body that keeps its request counted in flight while it is sent (a
/// revocation stream is a request in flight for as long as it lasts).
struct TrackedBody {
    inner: axum::body::Body,
    _guard: InFlight,
}

impl HttpBody for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A request body whose next piece must come within `timeout` of being asked for.
struct TimeoutBody {
    inner: Incoming,
    timeout: Duration,
    /// Started when the handler first waits for a piece, reset by each piece.
    sleep: Option<Pin<Box<Sleep>>>,
}

impl TimeoutBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        TimeoutBody { inner, timeout, sleep: None }
    }
}

impl HttpBody for TimeoutBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.sleep = None;
                Poll::Ready(frame.map(|frame| frame.map_err(Into::into)))
            }
            Poll::Pending => {
                let timeout = this.timeout;
                let sleep = this.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimeout)))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
