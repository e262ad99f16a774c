//! The store: musaid's memory, one contract with one backend per kind of store.
//!
//! Backends: embedded SQLite (the default, one host) and Redis (standalone, Sentinel or
//! Cluster; several milter hosts share it). Both implement the same contract, and the same
//! contract test suite (`tests/store_contract.rs`) runs against every one:
//!
//! - **counters** per (mailbox, day, category, metric), expiring after the retention period;
//! - **set-if-absent with expiry** (dedupe: "reply once per sender per week");
//! - **records with a TTL** (reply tracking);
//! - **time-ordered sets** with range queries and an atomic "take what is due" (deadlines);
//! - a **durable queue** with claim / acknowledge / retry after a visibility timeout (the
//!   outbox): a claimed job that is not acknowledged becomes available again when its lease
//!   runs out, so a crashed worker loses nothing;
//! - the **learned model** ([`crate::model`]): per layer (the organisation `*`, or one
//!   mailbox), per-class weights of hashed features (integers, added to exactly), learned
//!   messages per class, the digest and class of every learned message (a lesson's weight
//!   change is added only when it changes the message's recorded class, so a message learned
//!   twice is learned once), and a version that grows with every lesson; plus the
//!   installation's feature-hashing key, set once.
//!
//! Rules every backend follows:
//! - the store never decides the fate of a message: each operation is bounded by the
//!   configured timeout and, on error or timeout, the message is delivered tagged degraded;
//! - a backend that cannot be reached answers at once with [`StoreError::Unavailable`]
//!   (no per-message wait while it is down) and notices recovery by itself;
//! - multi-step updates are atomic (one SQLite transaction, one Redis script or transaction
//!   on keys of one scope, see [`keys`]);
//! - only metadata is stored: addresses of configured mailboxes, categories, counts, hashes;
//!   never bodies.
//!
//! Times are milliseconds since the Unix epoch, passed in by the caller (`now`), so that
//! schedulers and tests control the clock.

pub mod keys;
pub mod packed;
mod redis;
mod sqlite;

use crate::config::{StoreSettings, StoreUrl};
use serde::Serialize;
use std::time::Duration;

pub use self::redis::RedisStore;
pub use keys::Key;
pub use sqlite::SqliteStore;

pub use crate::count::Count;

/// A job taken from a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub payload: Vec<u8>,
    /// How many times the job has been claimed, this time included.
    pub attempts: u32,
}

/// One lesson for the model: a message (by digest) of `layer` is now of class `class`
/// (an index into [`crate::model::linear::CLASSES`]), or forgotten (`None`), and what that
/// changes in the layer's weights. The store adds the change only when it records the
/// lesson: a message already learned as this class, or forgotten and never learned, changes
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    pub layer: String,
    pub message: u64,
    pub class: Option<u8>,
    /// Feature hash → weights to add, per class, in thousandths.
    pub weights: Vec<(u64, crate::model::linear::Weights)>,
}

/// What a lesson changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Learned {
    /// Learned for the first time.
    New,
    /// Was learned as another class (the index given); moved.
    Moved(u8),
    /// Already learned as this class: nothing changed.
    Unchanged,
    /// Forgotten (was of the class given).
    Forgotten(u8),
    /// Asked to forget a message that was never learned.
    Unknown,
}

/// What `musaid store check` reports.
#[derive(Debug, Clone, Serialize)]
pub struct StoreInfo {
    pub backend: String,
    pub location: String,
    pub version: String,
    pub mode: String,
    pub latency_ms: f64,
    pub keys: u64,
}

/// Why a store operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store busy: too many operations queued")]
    Busy,
    #[error("store did not answer within {0:?}")]
    Timeout(Duration),
    #[error("store error: {0}")]
    Backend(String),
}

/// Runs one store operation within `timeout`; past it, `StoreError::Timeout`.
pub async fn within<T>(
    timeout: Duration,
    op: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(timeout, op)
        .await
        .map_err(|_| StoreError::Timeout(timeout))?
}

/// How long the id of an acknowledged job is remembered, so it is not queued again.
pub const DONE_KEPT_MS: i64 = 14 * 86_400_000;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The configured store.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Redis(RedisStore),
}

/// Calls the same method on whichever backend this is. The Redis backend's futures are
/// large (the client's connection and retry state: several kilobytes each) and are boxed,
/// so a store call's future stays a few words whichever backend it runs on, and joining or
/// timing one out does not copy kilobytes on every message.
macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(s) => s.$method($($arg),*).await,
            Store::Redis(s) => Box::pin(s.$method($($arg),*)).await,
        }
    };
}

impl Store {
    /// Opens the store named by the settings. Never fails: a store that cannot be reached
    /// now answers with errors until it can (see the module docs).
    pub fn open(settings: &StoreSettings) -> Store {
        match &settings.url {
            StoreUrl::Sqlite(path) => Store::Sqlite(SqliteStore::open(path.clone())),
            StoreUrl::Redis(url) => Store::Redis(RedisStore::open(url.clone(), settings)),
        }
    }

    /// Adds the counts (each count atomically); counters expire after `retention`.
    pub async fn record(&self, counts: Vec<Count>, retention: Duration) -> Result<(), StoreError> {
        if counts.is_empty() {
            return Ok(());
        }
        // The organisation's copy of each counter, for the metrics, once it is recorded.
        let events: Vec<(String, u64)> = counts
            .iter()
            .filter(|c| c.mailbox == "*")
            .map(|c| (c.metric.clone(), c.n))
            .collect();
        let recorded: Result<(), StoreError> = dispatch!(self.record(counts, retention));
        if recorded.is_ok() {
            for (metric, n) in &events {
                crate::metrics::METRICS.event(metric, *n);
            }
        }
        recorded
    }

    /// Counter totals for days in `from..=to` (YYYY-MM-DD), optionally for one mailbox.
    pub async fn totals(
        &self,
        mailbox: Option<String>,
        from: String,
        to: String,
    ) -> Result<Vec<Count>, StoreError> {
        dispatch!(self.totals(mailbox, from, to))
    }

    /// Deletes what has expired (SQLite) and counters of days before `before_day`; returns
    /// how many entries went. Redis expires keys by itself.
    pub async fn prune(&self, before_day: String) -> Result<u64, StoreError> {
        dispatch!(self.prune(before_day))
    }

    /// Sets `key` if it does not exist yet, for `ttl`; true if this call set it.
    pub async fn set_if_absent(&self, key: Key, ttl: Duration) -> Result<bool, StoreError> {
        dispatch!(self.set_if_absent(key, ttl))
    }

    /// Stores a small record, replacing any previous value; `None` keeps it until deleted.
    pub async fn put(
        &self,
        key: Key,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        dispatch!(self.put(key, value, ttl))
    }

    /// Reads a record that has not expired.
    pub async fn get(&self, key: Key) -> Result<Option<Vec<u8>>, StoreError> {
        dispatch!(self.get(key))
    }

    /// Deletes a record; true if it existed.
    pub async fn delete(&self, key: Key) -> Result<bool, StoreError> {
        dispatch!(self.delete(key))
    }

    /// Adds or moves `member` in the time-ordered set `set`, due at `at` (ms).
    pub async fn schedule(&self, set: Key, member: String, at: i64) -> Result<(), StoreError> {
        dispatch!(self.schedule(set, member, at))
    }

    /// Members due in `from..=to`, earliest first, at most `limit`.
    pub async fn scheduled(
        &self,
        set: Key,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        dispatch!(self.scheduled(set, from, to, limit))
    }

    /// Removes `member`; true if it was there (e.g. a reply cancels an escalation).
    pub async fn unschedule(&self, set: Key, member: String) -> Result<bool, StoreError> {
        dispatch!(self.unschedule(set, member))
    }

    /// Atomically removes and returns the members due at or before `now`, at most `limit`:
    /// of several hosts taking at once, each member goes to exactly one.
    pub async fn take_due(
        &self,
        set: Key,
        now: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        dispatch!(self.take_due(set, now, limit))
    }

    /// Adds a job available from `at`; false if a job with this id is already queued, or
    /// was acknowledged in the last [`DONE_KEPT_MS`] (enqueueing is idempotent, and what was
    /// sent is never queued again: a step that queues first and marks its own state after
    /// can simply run again after a failure in between).
    pub async fn enqueue(
        &self,
        queue: Key,
        id: String,
        payload: Vec<u8>,
        at: i64,
    ) -> Result<bool, StoreError> {
        dispatch!(self.enqueue(queue, id, payload, at))
    }

    /// Claims up to `limit` available jobs for `lease_ms`; unacknowledged, they become
    /// available again when the lease ends.
    pub async fn claim(
        &self,
        queue: Key,
        now: i64,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        dispatch!(self.claim(queue, now, lease_ms, limit))
    }

    /// Removes a finished job and remembers its id as done (see [`Store::enqueue`]); true if
    /// it was queued.
    pub async fn ack(&self, queue: Key, id: String) -> Result<bool, StoreError> {
        dispatch!(self.ack(queue, id))
    }

    /// Jobs in the queue, waiting or leased to a worker (for the outbox depth metric).
    pub async fn queue_depth(&self, queue: Key) -> Result<u64, StoreError> {
        dispatch!(self.queue_depth(queue))
    }

    /// Makes a claimed job available again at `at`; true if it was queued.
    pub async fn retry(&self, queue: Key, id: String, at: i64) -> Result<bool, StoreError> {
        dispatch!(self.retry(queue, id, at))
    }

    /// The installation's feature-hashing key: `candidate` if none was set yet (the first
    /// host to ask sets it), else the one set before.
    pub async fn model_key(&self, candidate: [u8; 16]) -> Result<[u8; 16], StoreError> {
        dispatch!(self.model_key(candidate))
    }

    /// Applies lessons, each atomically, in order; what each changed.
    pub async fn model_learn(&self, lessons: Vec<Lesson>) -> Result<Vec<Learned>, StoreError> {
        if lessons.is_empty() {
            return Ok(Vec::new());
        }
        dispatch!(self.model_learn(lessons))
    }

    /// The layers that have lessons, each with its version (grows with every change).
    pub async fn model_versions(&self) -> Result<Vec<(String, u64)>, StoreError> {
        dispatch!(self.model_versions())
    }

    /// One layer's counts.
    pub async fn model_load(
        &self,
        layer: String,
    ) -> Result<crate::model::linear::Layer, StoreError> {
        dispatch!(self.model_load(layer))
    }

    /// Keeps at most `max` features in `layer`, dropping those of least weight (the biases
    /// stay); how many features went.
    pub async fn model_prune(&self, layer: String, max: usize) -> Result<u64, StoreError> {
        dispatch!(self.model_prune(layer, max))
    }

    /// Reaches the store and describes it.
    pub async fn check(&self) -> Result<StoreInfo, StoreError> {
        dispatch!(self.check())
    }

    /// Backend and location, for logs (never credentials).
    pub fn describe(&self) -> String {
        match self {
            Store::Sqlite(s) => s.describe(),
            Store::Redis(s) => s.describe(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store call's future is what the milter joins and times out on every message: it
    /// must stay small whichever backend runs it (see [`dispatch`]).
    #[test]
    fn store_call_futures_are_small() {
        let settings = |url: &str| StoreSettings {
            url: StoreUrl::parse(url).expect("a store URL"),
            timeout: Duration::from_millis(50),
            prefix: "musaid:".into(),
            retention_days: 1,
        };
        let redis = Store::open(&settings("redis://127.0.0.1:1/0"));
        let dir = std::env::temp_dir().join(format!("musaid-future-{}", std::process::id()));
        let sqlite = Store::open(&settings(&format!("sqlite:{}", dir.join("s.db").display())));
        for store in [&redis, &sqlite] {
            let put = store.put(Key::global("x"), vec![], None);
            let schedule = store.schedule(Key::global("s"), "m".into(), 0);
            let record = store.record(vec![], Duration::from_secs(1));
            for (what, size) in [
                ("put", std::mem::size_of_val(&put)),
                ("schedule", std::mem::size_of_val(&schedule)),
                ("record", std::mem::size_of_val(&record)),
            ] {
                assert!(size <= 512, "{} {what}: {size} bytes", store.describe());
            }
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
