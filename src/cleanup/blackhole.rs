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

use crate::message::ParsedMessage;
use crate::store::Key;
use std::collections::HashMap;

/// The set of a mailbox's black holes (member: entry, score: when added, ms).
pub fn key(mailbox: &str) -> Key {
    Key::mailbox(mailbox, "blackhole")
}

/// The form an entry is stored and matched in (the configuration's, which checks entries).
pub use crate::config::model::blackhole_entry as normalize;

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
    pub(crate) entries: HashMap<String, Vec<(String, i64)>>,
    /// Keys of [`crate::outbox::origin`].
    pub origin_keys: Vec<String>,
}

impl Memory {
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
