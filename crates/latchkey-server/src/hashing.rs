//! Password hashing off the async runtime, on a fixed set of threads, so logins never
//! stall refreshes.
//!
//! The threads are started once and kept: each one keeps its argon2 working memory warm
//! (`password.rs` reuses it per thread), and a thread that finishes a hash takes the
//! next waiting one at once, without a round trip through the async scheduler. Measured
//! with `latchkey-bench` on 2 cores: tokio's blocking pool behind a semaphore left the
//! cores idle between hashes and ran each hash on whichever pool thread woke up.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

use latchkey_core::password::{PasswordHash, dummy_hash, hash_password};
use tokio::sync::oneshot;

/// Hashes waiting beyond this many make logins wait to enqueue.
const QUEUE: usize = 1024;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
pub struct Hasher {
    jobs: SyncSender<Job>,
}

impl Hasher {
    /// Starts `workers` hashing threads (at least one). They end when the last
    /// `Hasher` is dropped.
    pub fn new(workers: usize) -> Self {
        let (jobs, queue) = sync_channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..workers.max(1) {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("latchkey-hash-{index}"))
                .spawn(move || work(&queue));
            if let Err(error) = spawned {
                tracing::error!(%error, "could not start a hashing thread");
            }
        }
        Hasher { jobs }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            // A full queue blocks the sender: wait for room off the async threads.
            Err(TrySendError::Full(job)) => {
                let jobs = self.jobs.clone();
                tokio::task::spawn_blocking(move || jobs.send(job)).await.ok()?.ok()?;
            }
            Err(TrySendError::Disconnected(_)) => return None,
        }
        result.await.ok()
    }

    /// Verifies `password`; with no stored hash, checks a dummy hash so the answer takes
    /// as long as for a real user, and returns false.
    pub async fn verify(&self, stored: Option<PasswordHash>, password: String) -> bool {
        self.run(move || match stored {
            Some(hash) => hash.verify(&password),
            None => {
                let _ = dummy_hash().verify(&password);
                false
            }
        })
        .await
        .unwrap_or(false)
    }

    pub async fn hash(&self, password: String) -> Option<PasswordHash> {
        self.run(move || hash_password(&password)).await
    }
}

/// One hashing thread: take the next job, run it, until every sender is gone.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}
