//! Group commit for session writes.
//!
//! Every login inserts a session and every refresh updates one, and with
//! `synchronous=FULL` each commit waits for an fsync of the WAL. Committed one by one,
//! the writes are bound by the disk's flush latency, not by the CPU. Here the session
//! writes queue for one task that takes every write waiting, runs them in one
//! transaction and commits once: one fsync for the whole batch. A caller's write is
//! answered only after the commit that holds it, so "committed before the tokens are
//! returned" still holds for each session.
//!
//! A statement that fails (a constraint) fails alone: SQLite rolls back that statement,
//! not the transaction, so the rest of the batch commits. If the commit itself fails,
//! every write of the batch gets the error.

use latchkey_core::session::Session;
use latchkey_core::store::StoreError;
use sqlx::{Sqlite, SqlitePool, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::error::map_error;

/// Writes waiting beyond this many make callers wait to enqueue (backpressure).
const QUEUE: usize = 4096;
/// At most this many writes share one transaction, so one commit never grows unbounded.
const MAX_BATCH: usize = 512;

pub(super) enum SessionWrite {
    Insert(Session),
    Update(Session),
    /// Refresh times written behind (`session_cache.rs`); a time never moves back.
    Touch(Vec<(String, i64)>),
}

/// Rows the write changed (0 for an update or touch of a session deleted meanwhile).
pub(super) type Written = Result<u64, StoreError>;

struct Job {
    write: SessionWrite,
    done: oneshot::Sender<Written>,
}

/// The handle that queues session writes. Cheap to clone; the task ends when the last
/// handle is dropped.
#[derive(Clone, Debug)]
pub(super) struct SessionBatcher {
    jobs: mpsc::Sender<Job>,
}

impl SessionBatcher {
    /// Starts the committing task on the current Tokio runtime, writing through `pool`
    /// (the store's one writer connection).
    pub(super) fn start(pool: SqlitePool) -> Self {
        let (jobs, queue) = mpsc::channel(QUEUE);
        tokio::spawn(run(pool, queue));
        SessionBatcher { jobs }
    }

    /// Queues the write and waits until the transaction holding it has committed.
    pub(super) async fn submit(&self, write: SessionWrite) -> Written {
        let (done, committed) = oneshot::channel();
        self.jobs.send(Job { write, done }).await.map_err(|_| stopped())?;
        committed.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Backend("the session writer has stopped".into())
}

async fn run(pool: SqlitePool, mut queue: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let results = match write_batch(&pool, &batch).await {
            Ok(results) => results,
            Err(error) => {
                tracing::error!(%error, writes = batch.len(), "session batch failed to commit");
                let text = error.to_string();
                batch.iter().map(|_| Err(StoreError::Backend(text.clone().into()))).collect()
            }
        };
        for (job, result) in batch.drain(..).zip(results) {
            // The caller may have gone (its request was cancelled); the write stands.
            let _ = job.done.send(result);
        }
    }
}

async fn write_batch(pool: &SqlitePool, batch: &[Job]) -> Result<Vec<Written>, StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_error)?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        results.push(execute(&mut tx, &job.write).await);
    }
    tx.commit().await.map_err(map_error)?;
    Ok(results)
}

async fn execute(tx: &mut Transaction<'static, Sqlite>, write: &SessionWrite) -> Written {
    let query = match write {
        SessionWrite::Insert(session) => sqlx::query(
            "INSERT INTO sessions (id, realm_id, user_id, client_uuid, started, last_refresh,
                 scope, reuse_current_token_id, reuse_use_count, reuse_last_refresh, offline,
                 ip_address)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&session.id)
        .bind(&session.realm_id)
        .bind(&session.user_id)
        .bind(&session.client_uuid)
        .bind(session.started)
        .bind(session.last_refresh)
        .bind(&session.scope)
        .bind(&session.reuse.current_token_id)
        .bind(session.reuse.use_count)
        .bind(session.reuse.last_refresh)
        .bind(session.offline)
        .bind(&session.ip_address),
        // A session deleted meanwhile (a logout racing a refresh) stays deleted, and
        // that is not an error: the next refresh finds no session.
        SessionWrite::Update(session) => sqlx::query(
            "UPDATE sessions SET client_uuid = $2, last_refresh = $3,
                 reuse_current_token_id = $4, reuse_use_count = $5, reuse_last_refresh = $6
             WHERE id = $1",
        )
        .bind(&session.id)
        .bind(&session.client_uuid)
        .bind(session.last_refresh)
        .bind(&session.reuse.current_token_id)
        .bind(session.reuse.use_count)
        .bind(session.reuse.last_refresh),
        SessionWrite::Touch(touches) => {
            let mut changed = 0;
            for (id, last_refresh) in touches {
                changed += sqlx::query(
                    "UPDATE sessions SET last_refresh = max(last_refresh, $2) WHERE id = $1",
                )
                .bind(id)
                .bind(last_refresh)
                .execute(&mut **tx)
                .await
                .map_err(map_error)?
                .rows_affected();
            }
            return Ok(changed);
        }
    };
    Ok(query.execute(&mut **tx).await.map_err(map_error)?.rows_affected())
}
