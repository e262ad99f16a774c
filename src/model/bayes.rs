//! Multi-class naive Bayes over message features, the kind of learner mail systems have
//! trusted for twenty years (SpamAssassin's and bogofilter's Bayes, rspamd's classifier),
//! here with one class per musaid category.
//!
//! A [`Layer`] holds, per class, how many learned messages had each feature (each feature
//! counts once per message) and how many messages were learned. Layers add up: the starter
//! model, the organisation's learning and a mailbox's own learning are summed feature by
//! feature when a message is scored ([`score`]).
//!
//! The score of class `c` is the log-likelihood `Σ log((n_fc + α) / (N_c + α·V))` over the
//! message's features that any layer knows (multinomial naive Bayes with additive smoothing α;
//! `N_c` is the sum of the class's feature counts, `V` the number of known features). Priors
//! are uniform: how often readers taught a category says nothing about the next message. A
//! feature only one learned message had counts half ([`ANECDOTE`]). A
//! class needs [`MIN_DOCS`] learned messages before it is scored at all. The probabilities
//! are a softmax of the log-likelihoods tempered by the number of features, since naive
//! Bayes counts correlated features as independent evidence and would otherwise say 1.00
//! about everything.

use crate::config::category::Category;
use rustc_hash::FxHashMap;

/// The classes, in the order counts are kept (part of the stored format: append only).
pub static CLASSES: [Category; N] = Category::BUILTIN;
pub const N: usize = Category::BUILTIN.len();

/// Learned messages a class needs before the model speaks for it.
pub const MIN_DOCS: u32 = 5;

/// What a feature seen in a single learned message counts for, against 1 for the others: one
/// message is an anecdote (a name, a number, a typo), and at full weight the many of them
/// outvote the words a category is made of. Chosen by cross-validation on the project's
/// labelled mail: 0.5 gains 0.03 of macro-F1 and keeps English and Arabic within 0.05 of each
/// other; 0 (leaving them out) gains as much but would make a single lesson say nothing.
pub const ANECDOTE: f64 = 0.5;

/// Additive smoothing (chosen by cross-validation on the project's labelled mail: 0.1 to
/// 0.5 are within noise of each other; 1 and above lose 0.05 of macro-F1).
pub const ALPHA: f64 = 0.1;

/// Per-class counts of one feature, in memory: messages that had it, saturating at 65,535
/// (the store keeps exact counts; a feature in more messages than that of one class is one
/// every message has, and says nothing). Two bytes a class keep a model of 400,000 features
/// in about 14 MB.
pub type Counts = [u16; N];

/// Learned messages per class.
pub type Docs = [u32; N];

/// The index of a built-in category among [`CLASSES`].
pub fn class_of(category: &Category) -> Option<usize> {
    CLASSES.iter().position(|c| c == category)
}

/// One layer of learned counts.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Layer {
    /// Learned messages per class.
    pub docs: Docs,
    /// Sum of the feature counts per class (`N_c`).
    pub totals: [u64; N],
    /// Feature hash → messages per class that had it.
    pub tokens: FxHashMap<u64, Counts>,
}

impl Layer {
    /// Learns (`up`) or forgets one message of class `class` with these distinct features.
    pub fn learn(&mut self, class: usize, features: &[u64], up: bool) {
        if up {
            self.docs[class] = self.docs[class].saturating_add(1);
        } else {
            self.docs[class] = self.docs[class].saturating_sub(1);
        }
        let step = |v: &mut u16| {
            if up {
                *v = v.saturating_add(1);
            } else {
                *v = v.saturating_sub(1);
            }
        };
        for f in features {
            let counts = self.tokens.entry(*f).or_default();
            let before = counts[class];
            step(&mut counts[class]);
            let after = counts[class];
            self.totals[class] = (self.totals[class] + u64::from(after)) - u64::from(before);
            if counts.iter().all(|&n| n == 0) {
                self.tokens.remove(f);
            }
        }
    }

    /// Adds every count of `other` to this layer.
    pub fn absorb(&mut self, other: &Layer) {
        for c in 0..N {
            self.docs[c] = self.docs[c].saturating_add(other.docs[c]);
            self.totals[c] += other.totals[c];
        }
        for (f, counts) in &other.tokens {
            let mine = self.tokens.entry(*f).or_default();
            for c in 0..N {
                mine[c] = mine[c].saturating_add(counts[c]);
            }
        }
    }

    /// Rebuilds `totals` from the token counts (after loading or pruning).
    pub fn recount(&mut self) {
        self.totals = [0; N];
        for counts in self.tokens.values() {
            for (total, n) in self.totals.iter_mut().zip(counts) {
                *total += u64::from(*n);
            }
        }
    }

    /// Keeps at most `max` features, dropping the rarest (smallest total count) first.
    /// Returns the features dropped.
    pub fn prune(&mut self, max: usize) -> Vec<u64> {
        if self.tokens.len() <= max {
            return Vec::new();
        }
        let mut all: Vec<(u64, u64)> = self
            .tokens
            .iter()
            .map(|(f, c)| (c.iter().map(|&n| u64::from(n)).sum(), *f))
            .collect();
        let excess = all.len() - max;
        all.select_nth_unstable(excess - 1);
        let dropped: Vec<u64> = all[..excess].iter().map(|(_, f)| *f).collect();
        for f in &dropped {
            self.tokens.remove(f);
        }
        self.recount();
        self.tokens.shrink_to_fit();
        dropped
    }

    pub fn is_empty(&self) -> bool {
        self.docs.iter().all(|&d| d == 0)
    }

    /// Bytes the layer takes in memory (approximately: the hash table's buckets).
    pub fn memory_bytes(&self) -> usize {
        self.tokens.capacity() * (std::mem::size_of::<(u64, Counts)>() + 1)
    }
}

/// What the model says about one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Probability per class (0 for classes not scored).
    pub probabilities: [f64; N],
    /// Features of the message that the model knows.
    pub known: usize,
}

impl Scores {
    /// The most probable class and its probability.
    pub fn best(&self) -> (usize, f64) {
        self.probabilities
            .iter()
            .copied()
            .enumerate()
            .fold((0, -1.0), |b, (c, p)| if p > b.1 { (c, p) } else { b })
    }

    /// The most probable class among `allowed`.
    pub fn best_of(&self, allowed: &[Category]) -> Option<(Category, f64)> {
        allowed
            .iter()
            .filter_map(|c| class_of(c).map(|i| (c.clone(), self.probabilities[i])))
            .filter(|(_, p)| *p > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }
}

/// Scores the distinct `features` against the sum of `layers`; None when no class has
/// enough learned messages or no feature is known.
pub fn score(layers: &[&Layer], features: &[u64]) -> Option<Scores> {
    let mut docs = [0u32; N];
    let mut totals = [0u64; N];
    let mut vocabulary = 0usize;
    for l in layers {
        for c in 0..N {
            docs[c] = docs[c].saturating_add(l.docs[c]);
            totals[c] += l.totals[c];
        }
        vocabulary = vocabulary.max(l.tokens.len());
    }
    let scored: Vec<usize> = (0..N).filter(|&c| docs[c] >= MIN_DOCS).collect();
    if scored.is_empty() {
        return None;
    }
    let v = vocabulary as f64;
    let denominators: Vec<f64> = (0..N)
        .map(|c| (totals[c] as f64 + ALPHA * v).ln())
        .collect();
    let ln_alpha = ALPHA.ln();
    let mut log_likelihood = [0f64; N];
    let mut known = 0;
    for f in features {
        let mut counts = [0u16; N];
        let mut seen = false;
        for l in layers {
            if let Some(k) = l.tokens.get(f) {
                seen = true;
                for c in 0..N {
                    counts[c] = counts[c].saturating_add(k[c]);
                }
            }
        }
        if !seen {
            continue;
        }
        known += 1;
        let total: u32 = counts.iter().map(|&n| u32::from(n)).sum();
        let weight = if total < 2 { ANECDOTE } else { 1.0 };
        for &c in &scored {
            // Most features were seen in one or two classes: ln(α) serves the rest.
            let n = counts[c];
            let numerator = if n == 0 {
                ln_alpha
            } else {
                (f64::from(n) + ALPHA).ln()
            };
            log_likelihood[c] += weight * (numerator - denominators[c]);
        }
    }
    if known == 0 {
        return None;
    }
    // Tempered softmax (see the module docs).
    let temperature = (known as f64).powf(0.25).max(1.0);
    let top = scored
        .iter()
        .map(|&c| log_likelihood[c])
        .fold(f64::NEG_INFINITY, f64::max);
    let mut probabilities = [0f64; N];
    let mut sum = 0.0;
    for &c in &scored {
        let e = ((log_likelihood[c] - top) / temperature).exp();
        probabilities[c] = e;
        sum += e;
    }
    for p in &mut probabilities {
        *p /= sum;
    }
    Some(Scores {
        probabilities,
        known,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(lessons: &[(usize, &[u64])]) -> Layer {
        let mut l = Layer::default();
        for (c, f) in lessons {
            for _ in 0..MIN_DOCS {
                l.learn(*c, f, true);
            }
        }
        l
    }

    #[test]
    fn learns_and_forgets_exactly() {
        let mut l = Layer::default();
        l.learn(0, &[1, 2, 3], true);
        l.learn(1, &[3, 4], true);
        assert_eq!(l.totals[0], 3);
        assert_eq!(l.tokens[&3], [1, 1, 0, 0, 0, 0, 0, 0, 0]);
        l.learn(0, &[1, 2, 3], false);
        assert_eq!(l.docs[0], 0);
        assert_eq!(l.totals[0], 0);
        assert!(!l.tokens.contains_key(&1));
        assert_eq!(l.tokens.len(), 2);
        let mut r = l.clone();
        r.recount();
        assert_eq!(r, l);
    }

    #[test]
    fn the_class_whose_features_match_wins() {
        let l = layer(&[(0, &[1, 2, 3]), (7, &[4, 5, 6])]);
        let s = score(&[&l], &[1, 2, 9]).unwrap();
        assert_eq!(s.best().0, 0);
        assert_eq!(s.known, 2);
        let s = score(&[&l], &[5, 6]).unwrap();
        assert_eq!(s.best().0, 7);
        assert!(s.best().1 > 0.5 && s.best().1 < 1.0, "{s:?}");
        // Classes never learned get nothing; unknown features say nothing.
        assert_eq!(s.probabilities[3], 0.0);
        assert!(score(&[&l], &[42]).is_none());
        assert!(score(&[&Layer::default()], &[1]).is_none());
    }

    #[test]
    fn layers_add_up() {
        let base = layer(&[(0, &[1, 2]), (1, &[3, 4])]);
        // The mailbox's own readers taught that feature 1 means class 1.
        let mine = layer(&[(1, &[1]), (1, &[1]), (1, &[1])]);
        assert_eq!(score(&[&base], &[1]).unwrap().best().0, 0);
        assert_eq!(score(&[&base, &mine], &[1]).unwrap().best().0, 1);
    }

    #[test]
    fn a_feature_seen_once_counts_for_less_than_one_seen_twice() {
        // Class 0: feature 1 in two of its five lessons. Class 1: five lessons of feature 3,
        // and one with two anecdotes, features 2 and 4.
        let mut l = Layer::default();
        for f in [1, 1, 5, 5, 5] {
            l.learn(0, &[f], true);
        }
        for _ in 0..5 {
            l.learn(1, &[3], true);
        }
        l.learn(1, &[2, 4], true);
        // At full weight the two anecdotes would outvote feature 1 (class 1 by 0.8 nats);
        // at half weight feature 1 decides.
        let s = score(&[&l], &[1, 2, 4]).unwrap();
        assert_eq!(s.best().0, 0, "{s:?}");
        // On their own the anecdotes still speak: one lesson is not nothing.
        assert_eq!(score(&[&l], &[2, 4]).unwrap().best().0, 1);
    }

    #[test]
    fn pruning_drops_the_rarest() {
        let mut l = Layer::default();
        l.learn(0, &[1, 2, 3], true);
        l.learn(0, &[1, 2], true);
        l.learn(1, &[1], true);
        let dropped = l.prune(2);
        assert_eq!(dropped, vec![3]);
        assert_eq!(l.tokens.len(), 2);
        assert_eq!(l.totals[0], 4);
    }
}
