//! The key schema, built in one place for every backend.
//!
//! Every key belongs to a scope: one mailbox, or the whole installation. In Redis the scope
//! is the key's hash tag, so all keys of one mailbox live in one Cluster hash slot and
//! per-mailbox multi-key work (scripts, transactions) works on Cluster:
//!
//! ```text
//! <prefix>{<mailbox>}:<name>        keys of one mailbox, e.g. musaid:{ceo@example.com}:dedupe:…
//! <prefix>{*}:<name>                organisation-wide counters (mailbox "*")
//! <prefix>{global}:<name>           installation-wide keys (the outbox queue, the mailbox list)
//! ```
//!
//! Names used by the store itself:
//!
//! | name | type | content |
//! |---|---|---|
//! | `counters:<YYYY-MM-DD>` | hash | field `<category>\t<metric>` → count; expires after the retention |
//! | `mailboxes` (global) | set | every mailbox that has counters |
//! | `<set>` (time-ordered set) | sorted set | member → due time (ms since the epoch) |
//! | `<queue>:due`, `<queue>:body`, `<queue>:tries` | sorted set, hashes | job id → available-at, payload, attempts |
//! | `model:weights` (layer `*` or a mailbox) | hash | feature hash (8 bytes) → weights per class (nine little-endian i32, thousandths) |
//! | `model:lessons` (layer) | hash | message digest (8 bytes) → class (1 byte) |
//! | `model:layer` (layer) | hash | `docs:<class>` → messages learned, `version` → changes |
//! | `model:layers`, `model:key` (global) | set, string | layers with lessons; the feature-hashing key |
//! | anything else | string | records and dedupe markers, with a TTL |
//!
//! In SQLite the same rendered key (without the prefix) is the primary key of its table.

use std::fmt;

/// The scope of a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// One mailbox (lower-cased address), or `*` for organisation-wide counters.
    Mailbox(String),
    /// The installation.
    Global,
}

/// A key of the store: scope and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub scope: Scope,
    pub name: String,
}

impl Key {
    /// A key of one mailbox.
    pub fn mailbox(address: &str, name: impl Into<String>) -> Key {
        Key {
            scope: Scope::Mailbox(address.to_ascii_lowercase()),
            name: name.into(),
        }
    }

    /// An installation-wide key.
    pub fn global(name: impl Into<String>) -> Key {
        Key {
            scope: Scope::Global,
            name: name.into(),
        }
    }

    /// The counters of one mailbox (`*`: the organisation) for one day.
    pub fn counters(mailbox: &str, day: &str) -> Key {
        Key::mailbox(mailbox, format!("counters:{day}"))
    }

    /// The set of mailboxes that have counters.
    pub fn mailboxes() -> Key {
        Key::global("mailboxes")
    }

    /// The hash tag: what Redis Cluster hashes to pick the slot.
    pub fn tag(&self) -> &str {
        match &self.scope {
            Scope::Mailbox(m) => m,
            Scope::Global => "global",
        }
    }

    /// A key in the same scope with `suffix` appended to the name (queues use three keys).
    pub fn with_suffix(&self, suffix: &str) -> Key {
        Key {
            scope: self.scope.clone(),
            name: format!("{}{suffix}", self.name),
        }
    }

    /// The key as stored, after `prefix`.
    pub fn render(&self, prefix: &str) -> String {
        format!("{prefix}{{{}}}:{}", self.tag(), self.name)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_one_mailbox_share_a_hash_tag() {
        let a = Key::mailbox("CEO@example.com", "dedupe:x").render("musaid:");
        let b = Key::counters("ceo@example.com", "2026-11-27").render("musaid:");
        assert_eq!(a, "musaid:{ceo@example.com}:dedupe:x");
        assert_eq!(b, "musaid:{ceo@example.com}:counters:2026-11-27");
        assert_eq!(Key::global("outbox").render(""), "{global}:outbox");
        assert_eq!(Key::counters("*", "d").tag(), "*");
    }
}
