//! The store: musaid's memory, behind one interface with one backend per kind of store.
//!
//! Today the memory is per-mailbox, per-category, per-day counters of messages and actions
//! (what the digest reports). The embedded SQLite backend is the default; the Redis backend
//! arrives with shared-state support and implements the same methods.
//!
//! Rules every backend follows:
//! - the store never decides the fate of a message: callers bound each call with the
//!   configured timeout and, on error or timeout, deliver the message tagged degraded;
//! - a backend that cannot be reached answers at once with [`StoreError::Unavailable`]
//!   (no per-message wait while it is down) and reconnects in the background;
//! - only metadata is stored: addresses of configured mailboxes, categories, counts; never
//!   bodies, subjects or senders.
//!
//! Counter keys: (mailbox, day, category, metric). `mailbox` is a configured mailbox's
//! address or `*` for the whole organisation; `day` is the local date (YYYY-MM-DD) in that
//! mailbox's time zone; `metric` is `received`, `sent`, `rejected`, `discarded`,
//! `quarantined` or `routed`.

mod sqlite;

use crate::config::{StoreSettings, StoreUrl};
use serde::Serialize;

pub use sqlite::SqliteStore;

/// An increment of one counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub mailbox: String,
    pub day: String,
    pub category: String,
    pub metric: String,
    pub n: u64,
}

/// Why a store operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("store busy: too many operations queued")]
    Busy,
    #[error("store error: {0}")]
    Backend(String),
}

/// The configured store.
#[derive(Clone)]
pub enum Store {
    Sqlite(SqliteStore),
}

impl Store {
    /// Opens the store named by the settings. Never fails: a store that cannot be reached
    /// now answers with errors until it can (see the module docs).
    pub fn open(settings: &StoreSettings) -> Store {
        match &settings.url {
            StoreUrl::Sqlite(path) => Store::Sqlite(SqliteStore::open(path.clone())),
        }
    }

    /// Adds the counts atomically.
    pub async fn record(&self, counts: Vec<Count>) -> Result<(), StoreError> {
        match self {
            Store::Sqlite(s) => s.record(counts).await,
        }
    }

    /// Counter totals for days in `from..=to` (YYYY-MM-DD), optionally for one mailbox.
    pub async fn totals(
        &self,
        mailbox: Option<String>,
        from: String,
        to: String,
    ) -> Result<Vec<Count>, StoreError> {
        match self {
            Store::Sqlite(s) => s.totals(mailbox, from, to).await,
        }
    }

    /// Deletes counters of days before `day`; returns how many rows went.
    pub async fn prune(&self, before_day: String) -> Result<u64, StoreError> {
        match self {
            Store::Sqlite(s) => s.prune(before_day).await,
        }
    }

    /// Backend and location, for logs (never credentials).
    pub fn describe(&self) -> String {
        match self {
            Store::Sqlite(s) => s.describe(),
        }
    }
}
