//! Password hashing off the async runtime, on a bounded number of threads, so
//! logins never stall refreshes.

use std::sync::Arc;

use latchkey_core::password::{PasswordHash, dummy_hash, hash_password};
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    pub fn new(workers: usize) -> Self {
        Hasher { permits: Arc::new(Semaphore::new(workers.max(1))) }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let _permit = self.permits.acquire().await.ok()?;
        tokio::task::spawn_blocking(work).await.ok()
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
