//! Group commit for session writes, for every engine.
//!
//! Every login inserts a session and every refresh updates one, and with
//! `synchronous=FULL` each commit waits for an fsync of the WAL. Committed one by one,
//! the writes are bound by the disk's flush latency, not by the CPU. Here the session
//! writes queue for one task that takes every write waiting and hands them to the
//! engine (`Engine::write_sessions`), which runs them in one transaction and commits
//! once: one fsync for the whole batch. A caller's write is answered only after the
//! commit that holds it, so "committed before the tokens are returned" still holds for
//! each session.
//!
//! Login and admin events ride in the same batches (`SessionWrite::Event`), queued with
//! `enqueue`, which does not wait for the commit: recording an event costs a request no
//! database round trip, and a batch commits them with the session writes it holds.
//!
//! A write that fails (a constraint) fails alone: the engine reports it in that write's
//! result and the rest of the batch commits. If the commit itself fails, every write of
//! the batch gets the error.

use latchkey_core::event::{AdminEvent, Event};
use latchkey_core::session::{RefreshReuse, Session};
use latchkey_core::store::StoreError;
use tokio::sync::{mpsc, oneshot};

use crate::engine::Engine;

/// Writes waiting beyond this many make callers wait to enqueue (backpressure).
const QUEUE: usize = 4096;
/// At most this many writes share one transaction, so one commit never grows unbounded.
const MAX_BATCH: usize = 512;

pub(crate) enum SessionWrite {
    Insert(Session),
    Update(Session),
    /// A refresh under Revoke Refresh Token, written only if the session's reuse state
    /// is still `read` (`Store::update_session_reuse`).
    Refresh {
        session: Session,
        read: RefreshReuse,
    },
    /// Refresh times written behind (`session_cache.rs`); a time never moves back.
    Touch(Vec<(String, i64)>),
    /// A login event (`event.rs`), queued by `enqueue`: it rides in the next batch.
    Event(Event),
    /// An admin event, queued the same way.
    AdminEvent(AdminEvent),
}

/// Rows the write changed (0 for an update or touch of a session deleted meanwhile).
pub(crate) type Written = Result<u64, StoreError>;

struct Job {
    write: SessionWrite,
    done: oneshot::Sender<Written>,
}

/// The handle that queues session writes. Cheap to clone; the task ends when the last
/// handle is dropped.
#[derive(Clone, Debug)]
pub(crate) struct SessionBatcher {
    jobs: mpsc::Sender<Job>,
}

impl SessionBatcher {
    /// Starts the committing task on the current Tokio runtime, writing through `engine`.
    pub(crate) fn start(engine: Engine) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(engine, queue));
        SessionBatcher { jobs }
    }

    /// Queues the write and waits until the transaction holding it has committed.
    pub(crate) async fn submit(&self, write: SessionWrite) -> Written {
        let (done, committed) = oneshot::channel();
        self.jobs.send(Job { write, done }).await.map_err(|_| stopped())?;
        committed.await.map_err(|_| stopped())?
    }

    /// Queues the write for the next batch without waiting for its commit: events
    /// cost a request no database round trip. A full queue still makes the caller
    /// wait to enqueue (backpressure); a write whose batch fails is logged and lost,
    /// as is a queued one when the process dies.
    pub(crate) async fn enqueue(&self, write: SessionWrite) -> Result<(), StoreError> {
        let (done, _) = oneshot::channel();
        self.jobs.send(Job { write, done }).await.map_err(|_| stopped())
    }
}

fn stopped() -> StoreError {
    StoreError::Backend("the session writer has stopped".into())
}

async fn run(engine: Engine, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let (writes, waiting): (Vec<SessionWrite>, Vec<_>) =
            batch.drain(..).map(|job| (job.write, job.done)).unzip();
        let results = match engine.write_sessions(&writes).await {
            Ok(results) => results,
            Err(error) => {
                tracing::error!(%error, writes = writes.len(), "session batch failed to commit");
                let text = error.to_string();
                writes.iter().map(|_| Err(StoreError::Backend(text.clone().into()))).collect()
            }
        };
        for (done, result) in waiting.into_iter().zip(results) {
            // The caller may have gone (its request was cancelled); the write stands.
            let _ = done.send(result);
        }
    }
}
