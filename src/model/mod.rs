//! The learned classifier: what musaid has learned from the people who read the mail.
//!
//! The weight table ([`crate::classify::score`]) knows what every installation knows: what a
//! bounce, a list post or an invitation looks like. It cannot know that mail from this
//! partner is always a decision for the CEO, that "the bank needs the signed form" is urgent,
//! or what this organisation's customers write when something breaks. The model learns that
//! from its readers: every message filed into a category folder, moved into or out of Junk,
//! or handed to `musaid learn`, is a lesson.
//!
//! - [`features`]: what the model sees of a message (normalised words and word pairs of the
//!   subject and of the new part of the body, header evidence, the built-in signals), as
//!   keyed hashes: the store holds numbers, never text.
//! - [`bayes`]: multi-class naive Bayes over those features, in layers that add up: the
//!   starter model shipped with musaid, the organisation's lessons, a mailbox's own.
//! - [`starter`]: the starter model, built reproducibly from public and project-written mail
//!   by `scripts/build-starter-model.sh`, so a fresh installation sorts well on day one.
//! - [`mailfiles`]: messages from files, directories, mbox files and Maildirs.
//! - [`edge`]: lessons to the store and the model back from it; several milter hosts on one
//!   Redis share what any of them learned.
//! - [`imapsieve`]: the Dovecot IMAPSieve scripts and settings that turn readers' moves into
//!   lessons (`musaid sieve --learn`).
//! - [`eval`]: precision, recall, F1 and the confusion matrix on labelled mail, with
//!   cross-validation.
//!
//! How the model's view and the weight table decide together is
//! [`crate::classify::decide`]'s business; this module only scores.

pub mod bayes;
pub mod edge;
pub mod eval;
pub mod features;
pub mod imapsieve;
pub mod mailfiles;
pub mod starter;

use crate::classify::Input;
use crate::classify::signals::Hit;
use bayes::{Layer, Scores};
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
    /// Each mailbox's own lessons.
    pub mailboxes: FxHashMap<String, Layer>,
    /// The store's model version this snapshot was read at.
    pub version: u64,
}

impl Model {
    /// The distinct features of a message, hashed under this model's key.
    pub fn features(&self, input: &Input<'_>, hits: &[Hit]) -> Vec<u64> {
        let mut sink = features::Hashed::new(self.key);
        features::extract(input, hits, &mut sink);
        sink.finish()
    }

    /// Scores a message's features for `mailbox` (its own layer added to the base).
    pub fn score(&self, mailbox: Option<&str>, features: &[u64]) -> Option<Scores> {
        match mailbox.and_then(|m| self.mailboxes.get(&m.to_ascii_lowercase())) {
            Some(own) => bayes::score(&[&self.base, own], features),
            None => bayes::score(&[&self.base], features),
        }
    }

    /// True when nothing has been learned and no starter model is loaded.
    pub fn is_empty(&self) -> bool {
        self.base.is_empty() && self.mailboxes.values().all(Layer::is_empty)
    }

    /// Memory the snapshot takes (approximately).
    pub fn memory_bytes(&self) -> usize {
        self.base.memory_bytes()
            + self
                .mailboxes
                .values()
                .map(Layer::memory_bytes)
                .sum::<usize>()
    }
}
