//! The hot state of sessions in memory: what a refresh reads, so that a refresh does no
//! database read, and the refresh times written behind in batches.
//!
//! The cache mirrors rows of the database; it never holds anything the database does
//! not (except newer refresh times, see below), and every write of this store that
//! changes a cached row changes or drops the cached copy after its commit:
//!
//! - Sessions are cached on their first read (`find_session_context`), never on insert,
//!   so sessions that are never refreshed cost no memory. Session writes that must
//!   survive a crash (insert, reuse state, client detach, delete) are committed first
//!   and then applied here.
//! - A refresh's new `last_refresh` (a "touch") is applied here at once and reaches the
//!   database within `TOUCH_WINDOW` (`database.rs` runs the flusher). A crash loses at most
//!   that window of idle-time extensions, which only makes a session expire earlier,
//!   never later. Reads of sessions from the database are overlaid with the cached
//!   refresh time, so every reader sees the same value.
//! - Users with the role ids they hold (granted directly, and through their groups and
//!   the groups above those) are cached beside the sessions, by user id, and dropped
//!   when the user, their grants or memberships change (that user), or when a role, a
//!   client, a group's roles, a group's place or a realm changes (every user: such
//!   changes are rare admin acts, and a dropped user costs one read at their next
//!   refresh).
//!
//! Races between a read that fills the cache and a write that drops an entry are closed
//! by epochs: a read notes the epoch before it queries, a drop raises it after its
//! commit, and a read fills the cache only if the epoch has not moved (checked under
//! the same lock as the drop). A read never replaces an entry, it only fills a gap;
//! a committed write replaces it.
//!
//! Architecture invariant: while a server runs, only it changes the users, grants and
//! sessions of existing realms (the offline `import` command only adds new realms).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use latchkey_core::session::Session;
use latchkey_core::store::SessionContext;
use latchkey_core::user::User;

/// How long a refresh time may wait in memory before it is written.
pub(crate) const TOUCH_WINDOW: Duration = Duration::from_millis(200);

/// Independent locks; a power of two.
const SHARDS: usize = 32;
/// Cached sessions per shard (about 128 Ki in all). Beyond this, a new entry takes the
/// place of one whose refresh time is written; if there is none, it is not cached and
/// its refreshes read and write the database as before.
const SESSIONS_PER_SHARD: usize = 4096;
/// Cached users per shard.
const USERS_PER_SHARD: usize = 4096;

struct CachedSession {
    session: Session,
    /// `last_refresh` is newer than the database's.
    is_unwritten: bool,
    /// The id is in the shard's `touched` list.
    is_queued: bool,
}

#[derive(Default)]
struct SessionShard {
    /// Raised by every drop; see the module comment.
    epoch: u64,
    sessions: HashMap<String, CachedSession>,
    /// Sessions whose refresh time waits for the next flush.
    touched: Vec<String>,
}

struct CachedUser {
    user: User,
    role_ids: Vec<String>,
}

type UserShard = HashMap<String, Arc<CachedUser>>;

/// What a cache miss hands to the database read that follows it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ticket {
    session_epoch: u64,
    user_epoch: u64,
}

pub(crate) struct SessionCache {
    hasher: RandomState,
    sessions: Box<[Mutex<SessionShard>]>,
    users: Box<[Mutex<UserShard>]>,
    /// One epoch for all users: their drops are rare (admin changes).
    user_epoch: AtomicU64,
    /// `context` calls answered from memory, and those that missed (for the metrics).
    hits: AtomicU64,
    misses: AtomicU64,
    /// Refresh times in the shards' `touched` lists (the write-behind queue's depth).
    queued: AtomicU64,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache").finish_non_exhaustive()
    }
}

impl SessionCache {
    pub(crate) fn new() -> Self {
        SessionCache {
            hasher: RandomState::new(),
            sessions: (0..SHARDS).map(|_| Mutex::default()).collect(),
            users: (0..SHARDS).map(|_| Mutex::default()).collect(),
            user_epoch: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            queued: AtomicU64::new(0),
        }
    }

    fn shard_index(&self, key: &str) -> usize {
        // Truncation is the point: only the low bits pick the shard.
        (self.hasher.hash_one(key) as usize) & (SHARDS - 1)
    }

    fn session_shard(&self, id: &str) -> MutexGuard<'_, SessionShard> {
        lock(&self.sessions[self.shard_index(id)])
    }

    fn user_shard(&self, user_id: &str) -> MutexGuard<'_, UserShard> {
        lock(&self.users[self.shard_index(user_id)])
    }

    /// The session with its user and grants; on a miss, the ticket for the database read.
    pub(crate) fn context(&self, id: &str) -> Result<SessionContext, Ticket> {
        let user_epoch = self.user_epoch.load(Ordering::SeqCst);
        let (session, session_epoch) = {
            let shard = self.session_shard(id);
            (shard.sessions.get(id).map(|c| c.session.clone()), shard.epoch)
        };
        let miss = || {
            self.misses.fetch_add(1, Ordering::Relaxed);
            Err(Ticket { session_epoch, user_epoch })
        };
        let Some(session) = session else { return miss() };
        let Some(cached) = self.user_shard(&session.user_id).get(&session.user_id).cloned() else {
            return miss();
        };
        self.hits.fetch_add(1, Ordering::Relaxed);
        let user = (cached.user.realm_id == session.realm_id).then(|| cached.user.clone());
        Ok(SessionContext { session, user, role_ids: cached.role_ids.clone() })
    }

    /// Fills the gaps with what the database returned after `context` missed, and
    /// returns the context with the cached refresh time, which may be newer.
    pub(crate) fn fill(&self, ticket: Ticket, mut context: SessionContext) -> SessionContext {
        {
            let mut shard = self.session_shard(&context.session.id);
            match shard.sessions.get(&context.session.id) {
                Some(cached) => {
                    let newer = cached.session.last_refresh;
                    context.session.last_refresh = context.session.last_refresh.max(newer);
                }
                None if shard.epoch == ticket.session_epoch => {
                    let session = context.session.clone();
                    insert_session(&mut shard, session);
                }
                None => {}
            }
        }
        if let Some(user) = &context.user {
            let mut users = self.user_shard(&user.id);
            if self.user_epoch.load(Ordering::SeqCst) == ticket.user_epoch {
                if users.len() >= USERS_PER_SHARD
                    && let Some(key) = users.keys().next().cloned()
                {
                    users.remove(&key);
                }
                let cached = CachedUser { user: user.clone(), role_ids: context.role_ids.clone() };
                users.insert(user.id.clone(), Arc::new(cached));
            }
        }
        context
    }

    /// Hits and misses of `context` so far, and the refresh times waiting to be written.
    pub(crate) fn stats(&self) -> (u64, u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
            self.queued.load(Ordering::Relaxed),
        )
    }

    /// The cached session, if any.
    pub(crate) fn session(&self, id: &str) -> Option<Session> {
        self.session_shard(id).sessions.get(id).map(|c| c.session.clone())
    }

    /// Gives a session read from the database the cached refresh time when newer.
    pub(crate) fn overlay(&self, session: &mut Session) {
        if let Some(cached) = self.session_shard(&session.id).sessions.get(&session.id) {
            session.last_refresh = session.last_refresh.max(cached.session.last_refresh);
        }
    }

    /// Records a refresh time to write behind. False when the session is not cached:
    /// the caller then writes it through.
    pub(crate) fn touch(&self, id: &str, last_refresh: i64) -> bool {
        let mut shard = self.session_shard(id);
        let shard = &mut *shard;
        let Some(cached) = shard.sessions.get_mut(id) else { return false };
        if last_refresh > cached.session.last_refresh {
            cached.session.last_refresh = last_refresh;
            cached.is_unwritten = true;
            if !cached.is_queued {
                cached.is_queued = true;
                shard.touched.push(id.to_owned());
                self.queued.fetch_add(1, Ordering::Relaxed);
            }
        }
        true
    }

    /// Takes the refresh times waiting to be written.
    pub(crate) fn take_touches(&self) -> Vec<(String, i64)> {
        let mut touches = Vec::new();
        for shard in &self.sessions[..] {
            let mut shard = lock(shard);
            let shard = &mut *shard;
            self.queued.fetch_sub(shard.touched.len() as u64, Ordering::Relaxed);
            for id in shard.touched.drain(..) {
                if let Some(cached) = shard.sessions.get_mut(&id) {
                    cached.is_queued = false;
                    touches.push((id, cached.session.last_refresh));
                }
            }
        }
        touches
    }

    /// After the commit of `touches`: entries not touched again are written.
    pub(crate) fn written(&self, touches: &[(String, i64)]) {
        for (id, last_refresh) in touches {
            let mut shard = self.session_shard(id);
            if let Some(cached) = shard.sessions.get_mut(id)
                && !cached.is_queued
                && cached.session.last_refresh == *last_refresh
            {
                cached.is_unwritten = false;
            }
        }
    }

    /// After a failed flush: queues the touches again for the next one.
    pub(crate) fn requeue(&self, touches: &[(String, i64)]) {
        for (id, _) in touches {
            let mut shard = self.session_shard(id);
            let shard = &mut *shard;
            if let Some(cached) = shard.sessions.get_mut(id)
                && !cached.is_queued
            {
                cached.is_queued = true;
                shard.touched.push(id.clone());
                self.queued.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The epoch to hand to `updated` (noted before the write).
    pub(crate) fn session_epoch(&self, id: &str) -> u64 {
        self.session_shard(id).epoch
    }

    /// After a committed session update: the cache takes the written state, unless a
    /// drop came in between or the row was gone (then the entry goes too).
    pub(crate) fn updated(&self, epoch: u64, session: &Session, is_stored: bool) {
        let mut shard = self.session_shard(&session.id);
        if is_stored && shard.epoch == epoch {
            let newer = shard.sessions.get(&session.id).map(|c| c.session.last_refresh);
            let mut session = session.clone();
            // A touch after the update's read may be newer; it is queued already.
            if let Some(newer) = newer {
                session.last_refresh = session.last_refresh.max(newer);
            }
            match shard.sessions.get_mut(&session.id) {
                Some(cached) => cached.session = session,
                None => insert_session(&mut shard, session),
            }
        } else {
            shard.epoch += 1;
            shard.sessions.remove(&session.id);
        }
    }

    /// After a committed delete of one session.
    pub(crate) fn remove_session(&self, id: &str) {
        let mut shard = self.session_shard(id);
        shard.epoch += 1;
        shard.sessions.remove(id);
    }

    /// After a committed delete of many sessions: drops those `is_deleted` picks.
    pub(crate) fn remove_sessions_where(&self, is_deleted: impl Fn(&Session) -> bool) {
        for shard in &self.sessions[..] {
            let mut shard = lock(shard);
            shard.epoch += 1;
            shard.sessions.retain(|_, cached| !is_deleted(&cached.session));
        }
    }

    /// After a committed change of the user or of their grants.
    pub(crate) fn remove_user(&self, user_id: &str) {
        self.user_epoch.fetch_add(1, Ordering::SeqCst);
        self.user_shard(user_id).remove(user_id);
    }

    /// Drops every session and user (a reload after the change feed may have missed
    /// something); write the refresh times first, or they are lost.
    pub(crate) fn clear(&self) {
        self.remove_sessions_where(|_| true);
        self.clear_users();
    }

    /// After a committed change that may touch any user's held roles (a role, a client or
    /// a realm deleted; a group's roles changed, a group moved or deleted).
    pub(crate) fn clear_users(&self) {
        self.user_epoch.fetch_add(1, Ordering::SeqCst);
        for shard in &self.users[..] {
            lock(shard).clear();
        }
    }
}

/// Inserts, making room by dropping an entry whose refresh time is written; without
/// one, the session is not cached.
fn insert_session(shard: &mut SessionShard, session: Session) {
    if shard.sessions.len() >= SESSIONS_PER_SHARD {
        let written =
            shard.sessions.iter().find(|(_, c)| !c.is_unwritten).map(|(id, _)| id.clone());
        match written {
            Some(id) => {
                shard.sessions.remove(&id);
            }
            None => return,
        }
    }
    let cached = CachedSession { session, is_unwritten: false, is_queued: false };
    shard.sessions.insert(cached.session.id.clone(), cached);
}

/// A poisoned lock only means another thread panicked while holding it; the maps stay
/// consistent (every change is one insert or remove), so keep going.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
