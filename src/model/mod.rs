//! The learned classifier: what musaid has learned from the people who read the mail.
//!
//! The weight table ([`crate::classify::score`]) knows what every installation knows: what a
//! bounce, a list post or an invitation looks like. It cannot know that mail from this
//! partner is always a decision for the CEO, that "the bank needs the signed form" is urgent,
//! or what this organisation's customers write when something breaks. The model learns that
//! from its readers: every message filed into a category folder, moved into or out of Junk,
//! or handed to `musaid learn`, is a lesson.
//!
//! - [`hashing`]: features as keyed hashes: the store holds numbers, never text. What the
//!   features of a message are (normalised words of the subject and of the new part of the
//!   body, header evidence, the built-in signals) is [`crate::classify::features`]' business.
//! - [`linear`]: multinomial logistic regression over those features, in layers that add up:
//!   the starter model shipped with musaid, the organisation's lessons, a mailbox's own.
//! - [`starter`]: the starter model, built reproducibly from public and project-written mail
//!   by `scripts/build-starter-model.sh`, so a fresh installation sorts well on day one.
//!
//! This module only scores; it reads no message and touches no store. How the model's view
//! and the weight table decide together is [`crate::classify::decide`]'s business; lessons,
//! the store, Dovecot and evaluation are [`crate::learning`]'s.

pub mod hashing;
pub mod linear;
pub mod starter;

use linear::{Layer, Scores};
use rustc_hash::FxHashMap;

/// The organisation's layer in the store.
pub const ORG_LAYER: &str = "*";

/// A snapshot of everything learned, shared read-only by every connection and replaced whole
/// when the store has newer lessons.
#[derive(Debug, Clone, Default)]
pub struct Model {
    /// The key under which features are hashed (the installation's own).
    pub key: [u8; 16],
    /// The starter model and the organisation's lessons, summed.
    pub base: Layer,
    /// The starter model alone, hashed under `key` (kept so that a refresh need not parse and
    /// hash it again).
    pub starter: std::sync::Arc<Layer>,
    /// Each mailbox's own lessons.
    pub mailboxes: FxHashMap<String, Layer>,
    /// The store's model version this snapshot was read at.
    pub version: u64,
}

impl Model {
    /// Scores a message's features for `mailbox` (its own layer added to the base).
    pub fn score(&self, mailbox: Option<&str>, features: &[u64]) -> Option<Scores> {
        match mailbox.and_then(|m| self.mailboxes.get(&m.to_ascii_lowercase())) {
            Some(own) => linear::score(&[&self.base, own], features),
            None => linear::score(&[&self.base], features),
        }
    }

    /// True when nothing has been learned and no starter model is loaded.
    pub fn is_empty(&self) -> bool {
        self.base.is_empty() && self.mailboxes.values().all(Layer::is_empty)
    }

    /// Memory the snapshot takes (approximately).
    pub fn memory_bytes(&self) -> usize {
        self.base.memory_bytes()
            + self.starter.memory_bytes()
            + self
                .mailboxes
                .values()
                .map(Layer::memory_bytes)
                .sum::<usize>()
    }
}
