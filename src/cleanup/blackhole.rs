//! Black holes: senders and lists a mailbox never wants to see again.
//!
//! An entry is an address (`news@shop.example`), a domain (`shop.example`) or a list
//! (its List-Id, `weekly.shop.example`), added with `musaid blackhole add` or listed in the
//! mailbox's `blackhole` setting. For a grace period after it was added (`[cleanup]
//! blackhole_grace`, 7 days) matching mail is only filed to the `Black hole` folder, so a
//! mistake shows; after that it is discarded (or filed to Trash, `blackhole_action`). The
//! digest counts what was dropped, so nothing disappears silently.
//!
//! Entries live in the store (a per-mailbox set, score: when added). Each musaid process keeps
//! a snapshot ([`Memory`]) refreshed every few seconds, so the milter decides without a store
//! round trip; entries from the configuration are written to the store the first time a
//! process loads them, which starts their grace period.

use crate::config::Config;
use crate::message::ParsedMessage;
use crate::store::{Key, Store, StoreError};
use std::collections::HashMap;

/// The set of a mailbox's black holes (member: entry, score: when added, ms).
pub fn key(mailbox: &str) -> Key {
    Key::mailbox(mailbox, "blackhole")
}

/// The form an entry is stored and matched in (the configuration's, which checks entries).
pub use crate::config::model::blackhole_entry as normalize;

/// Adds an entry (at `at_ms`); false if it was there already (its date is kept).
pub async fn add(
    store: &Store,
    mailbox: &str,
    entry: &str,
    at_ms: i64,
) -> Result<bool, StoreError> {
    let entry = normalize(entry);
    if list(store, mailbox).await?.iter().any(|(e, _)| *e == entry) {
        return Ok(false);
    }
    store.schedule(key(mailbox), entry, at_ms).await?;
    Ok(true)
}

/// Removes an entry; false if there was none.
pub async fn remove(store: &Store, mailbox: &str, entry: &str) -> Result<bool, StoreError> {
    store.unschedule(key(mailbox), normalize(entry)).await
}

/// A mailbox's entries with the time each was added (ms), oldest first.
pub async fn list(store: &Store, mailbox: &str) -> Result<Vec<(String, i64)>, StoreError> {
    store.scheduled(key(mailbox), 0, i64::MAX, 100_000).await
}

/// What a message is matched by: its sender's address and domain, and its list.
pub fn candidates(m: &ParsedMessage) -> Vec<String> {
    let mut c = Vec::new();
    if let Some(from) = &m.from {
        let address = from.address.to_ascii_lowercase();
        let domain = crate::message::domain_of(&address).to_string();
        c.push(address);
        if !domain.is_empty() {
            c.push(domain);
        }
    }
    if m.list_id.is_some() {
        c.push(crate::message::header::list_name(m));
    }
    c
}

/// Where a matching message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Still in the grace period: filed to the black-hole folder.
    Grace,
    /// Discarded, or filed to Trash.
    Active,
}

/// A match: the entry, and whether its grace period is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub entry: String,
    pub stage: Stage,
}

/// What the milter keeps of the store to decide without a round trip: every mailbox's black
/// holes, and the keys that recognise musaid's own mail ([`crate::outbox::origin`]).
#[derive(Debug, Clone, Default)]
pub struct Memory {
    entries: HashMap<String, Vec<(String, i64)>>,
    /// Keys of [`crate::outbox::origin`].
    pub origin_keys: Vec<String>,
}

impl Memory {
    /// Reads every configured mailbox's entries; writes configured entries not stored yet.
    pub async fn load(store: &Store, config: &Config, now_ms: i64) -> Result<Memory, StoreError> {
        let mut entries = HashMap::new();
        for mb in &config.mailboxes {
            let mut stored = list(store, &mb.address).await?;
            for e in &mb.blackhole {
                let e = normalize(e);
                if !stored.iter().any(|(s, _)| *s == e) {
                    store.schedule(key(&mb.address), e.clone(), now_ms).await?;
                    stored.push((e, now_ms));
                }
            }
            if !stored.is_empty() {
                entries.insert(mb.address.clone(), stored);
            }
        }
        Ok(Memory {
            entries,
            origin_keys: crate::outbox::origin::keys(store).await?,
        })
    }

    /// The entry of `mailbox` that matches the message, if any.
    pub fn matching(
        &self,
        mailbox: &str,
        m: &ParsedMessage,
        now_ms: i64,
        grace: std::time::Duration,
    ) -> Option<Match> {
        let entries = self.entries.get(mailbox)?;
        let wanted = candidates(m);
        let (entry, added) = entries.iter().find(|(e, _)| wanted.contains(e))?;
        let stage = if now_ms - added < grace.as_millis() as i64 {
            Stage::Grace
        } else {
            Stage::Active
        };
        Some(Match {
            entry: entry.clone(),
            stage,
        })
    }
}
