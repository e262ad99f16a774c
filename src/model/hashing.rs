//! Features as the model stores them: keyed 64-bit hashes, never text.
//!
//! A feature is handed over as parts ([`Sink::feature`]), so the hashing sink never builds
//! the string; [`Named`] keeps the text, for the starter model built from public data.
//! The hash is SipHash-1-3 under the installation's 128-bit key: without the key, the store's
//! numbers cannot be tested against a word list.

use siphasher::sip::SipHasher13;
use std::hash::Hasher;

/// How many features a message has at most, about (the sink's first allocation).
const TYPICAL: usize = 800;

/// Where features go.
pub trait Sink {
    /// One feature, the concatenation of `parts`.
    fn feature(&mut self, parts: &[&[u8]]);
}

/// Features as keyed 64-bit hashes (SipHash-1-3 under the installation's key): what the
/// store holds and the model looks up. The text of a feature is never kept.
pub struct Hashed {
    key: [u8; 16],
    pub out: Vec<u64>,
}

impl Hashed {
    pub fn new(key: [u8; 16]) -> Self {
        Hashed {
            key,
            out: Vec::with_capacity(TYPICAL),
        }
    }

    /// The hash of one feature given as text (the starter model's form).
    pub fn hash_text(&self, feature: &str) -> u64 {
        let mut h = SipHasher13::new_with_key(&self.key);
        h.write(feature.as_bytes());
        not_bias(h.finish())
    }

    /// The distinct hashes, sorted.
    pub fn finish(mut self) -> Vec<u64> {
        self.out.sort_unstable();
        self.out.dedup();
        self.out
    }
}

impl Sink for Hashed {
    fn feature(&mut self, parts: &[&[u8]]) {
        let mut h = SipHasher13::new_with_key(&self.key);
        for p in parts {
            h.write(p);
        }
        self.out.push(not_bias(h.finish()));
    }
}

/// A feature's hash is never [`super::linear::BIAS`], the key of the classes' biases.
fn not_bias(hash: u64) -> u64 {
    hash.max(super::linear::BIAS + 1)
}

/// Features as text: for building the starter model from public data, and for tests.
#[derive(Default)]
pub struct Named(pub Vec<String>);

impl Sink for Named {
    fn feature(&mut self, parts: &[&[u8]]) {
        let bytes: Vec<u8> = parts.concat();
        self.0.push(String::from_utf8_lossy(&bytes).into_owned());
    }
}

impl Named {
    /// The distinct features, sorted.
    pub fn finish(mut self) -> Vec<String> {
        self.0.sort_unstable();
        self.0.dedup();
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_features_match_their_text() {
        let key = [7u8; 16];
        let mut hashed = Hashed::new(key);
        hashed.feature(&[b"b", b"bank", b" ", b"form"]);
        let h = Hashed::new(key);
        assert_eq!(hashed.out[0], h.hash_text("bbank form"));
        assert_ne!(
            Hashed::new([8u8; 16]).hash_text("bbank form"),
            h.hash_text("bbank form")
        );
    }
}
