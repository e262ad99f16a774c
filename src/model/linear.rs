//! Multinomial logistic regression (a softmax over linear scores) on message features, one
//! class per musaid category.
//!
//! Why not naive Bayes, the learner SpamAssassin, bogofilter and rspamd use: on the project's
//! labelled business mail, cross-validated with the same features, multinomial naive Bayes
//! reaches macro-F1 0.72 and this learner 0.87 (see `musaid eval --cross-validate`). Naive
//! Bayes counts correlated words as independent evidence and lets the many words every
//! category shares decide; a discriminative learner gives weight to the few words that tell
//! categories apart. Word pairs, which help naive Bayes a little, cost this learner 0.06 and
//! are not features.
//!
//! A message is the set of its distinct features, each worth `1/√n` (`n` features the model
//! knows), so long and short messages weigh alike. The score of class `c` is
//! `bias_c + Σ w_fc / √n`, the probabilities their softmax over the classes that have at least
//! [`MIN_DOCS`] learned messages.
//!
//! A [`Layer`] holds weights in fixed point (thousandths, `i32`, the form the store keeps
//! them in: integers add up exactly on every backend) and how many messages were learned per
//! class. Layers add up: the starter model, the organisation's lessons and a mailbox's own
//! are summed feature by feature ([`score`]).
//!
//! Learning ([`train`]) is stochastic gradient descent on the cross-entropy, [`EPOCHS`] passes
//! over the lessons given, against the layers already learned, with an L2 penalty on the
//! change. From nothing (the starter model, evaluation folds) it learns the classes' biases
//! and fits every lesson; on top of a model it keeps the biases, a lesson teaches only until
//! its class is [`SURE`], and a batch's `n` lessons of one class step `1/√n` as far each:
//! readers teach in one-sided batches (a Junk folder), and a discriminative learner fitted to
//! one side forgets the other. What each lesson's steps changed is kept apart, so the store
//! can apply a lesson's change exactly when it records the lesson (a lesson already learned
//! changes nothing). To forget a message is to teach that it says nothing in particular: its
//! target is the even spread over the classes learned, so its features' weights are pulled
//! back towards it. Weights are not counts: forgetting is not an exact subtraction.

use crate::config::category::Category;
use rustc_hash::FxHashMap;

/// The classes, in the order weights are kept (part of the stored format: append only).
pub static CLASSES: [Category; N] = Category::BUILTIN;
pub const N: usize = Category::BUILTIN.len();

/// Learned messages a class needs before the model speaks for it.
pub const MIN_DOCS: u32 = 5;

/// Fixed point: a stored weight of 1000 is 1.0.
pub const SCALE: f64 = 1000.0;

/// The feature that every message has: the classes' biases.
pub const BIAS: u64 = 0;

/// Passes over the lessons (chosen by cross-validation on the project's labelled mail: 10
/// loses 0.01 to 0.04 of macro-F1, 30 gains nothing).
pub const EPOCHS: usize = 20;

/// The probability of its class at which a lesson on top of a model is learned: it teaches
/// no further (train on error, as spam filters since CRM114 train). Readers teach what they
/// move, mostly one kind of mail at a time; taught to its last drop, a batch of 500 spam
/// pulled every word spam shares with people's mail ("please", "today") to junk, and short
/// requests to the CEO after them (with this and the batch damping of [`train`], they stay
/// urgent and support).
pub const SURE: f64 = 0.9;

/// The first step's size; later steps shrink as `1 / (1 + λ·η·t)`.
pub const LEARNING_RATE: f64 = 1.0;

/// The L2 penalty λ on what a lesson changes (1e-5 to 1e-4 are within noise of each other;
/// 1e-3 loses 0.01).
pub const L2: f64 = 1e-4;

/// Weights of one feature per class, in thousandths.
pub type Weights = [i32; N];

/// Learned messages per class.
pub type Docs = [u32; N];

/// The index of a built-in category among [`CLASSES`].
pub fn class_of(category: &Category) -> Option<usize> {
    CLASSES.iter().position(|c| c == category)
}

/// One layer of learned weights.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Layer {
    /// Learned messages per class.
    pub docs: Docs,
    /// Feature hash → weight per class ([`BIAS`]: the biases).
    pub tokens: FxHashMap<u64, Weights>,
}

impl Layer {
    /// Adds `delta` to a feature's weights (saturating); a feature left all zero is dropped.
    pub fn add(&mut self, feature: u64, delta: &Weights) {
        let w = self.tokens.entry(feature).or_default();
        for (mine, d) in w.iter_mut().zip(delta) {
            *mine = mine.saturating_add(*d);
        }
        if w.iter().all(|&x| x == 0) {
            self.tokens.remove(&feature);
        }
    }

    /// Counts one learned message of `class` (`up`) or one fewer.
    pub fn count(&mut self, class: usize, up: bool) {
        self.docs[class] = if up {
            self.docs[class].saturating_add(1)
        } else {
            self.docs[class].saturating_sub(1)
        };
    }

    /// Adds every weight and count of `other` to this layer.
    pub fn absorb(&mut self, other: &Layer) {
        for c in 0..N {
            self.docs[c] = self.docs[c].saturating_add(other.docs[c]);
        }
        for (f, w) in &other.tokens {
            self.add(*f, w);
        }
    }

    /// Keeps at most `max` features, dropping those with the least weight (sum of absolute
    /// weights) first; the biases stay. Returns the features dropped.
    pub fn prune(&mut self, max: usize) -> Vec<u64> {
        if self.tokens.len() <= max {
            return Vec::new();
        }
        let mut all: Vec<(i64, u64)> = self
            .tokens
            .iter()
            .filter(|(f, _)| **f != BIAS)
            .map(|(f, w)| (w.iter().map(|&x| i64::from(x).abs()).sum(), *f))
            .collect();
        if all.is_empty() {
            return Vec::new();
        }
        let excess = (self.tokens.len() - max).min(all.len());
        all.select_nth_unstable(excess - 1);
        let dropped: Vec<u64> = all[..excess].iter().map(|(_, f)| *f).collect();
        for f in &dropped {
            self.tokens.remove(f);
        }
        self.tokens.shrink_to_fit();
        dropped
    }

    pub fn is_empty(&self) -> bool {
        self.docs.iter().all(|&d| d == 0)
    }

    /// Bytes the layer takes in memory (approximately: the hash table's buckets).
    pub fn memory_bytes(&self) -> usize {
        self.tokens.capacity() * (std::mem::size_of::<(u64, Weights)>() + 1)
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

/// The softmax of `logits` over the classes `scored` marks (the others get 0).
fn softmax(logits: &[f64; N], scored: &[bool; N]) -> [f64; N] {
    let top = (0..N)
        .filter(|&c| scored[c])
        .map(|c| logits[c])
        .fold(f64::NEG_INFINITY, f64::max);
    let mut p = [0f64; N];
    let mut sum = 0.0;
    for c in (0..N).filter(|&c| scored[c]) {
        p[c] = (logits[c] - top).exp();
        sum += p[c];
    }
    if sum > 0.0 {
        for x in &mut p {
            *x /= sum;
        }
    }
    p
}

/// Scores the distinct `features` against the sum of `layers`; None when no class has
/// enough learned messages or no feature is known.
pub fn score(layers: &[&Layer], features: &[u64]) -> Option<Scores> {
    let docs: Docs =
        std::array::from_fn(|c| layers.iter().fold(0u32, |n, l| n.saturating_add(l.docs[c])));
    let scored: [bool; N] = std::array::from_fn(|c| docs[c] >= MIN_DOCS);
    if !scored.iter().any(|&s| s) {
        return None;
    }
    let mut sums = [0i64; N];
    let mut known = 0usize;
    for f in features.iter().filter(|&&f| f != BIAS) {
        let mut seen = false;
        for l in layers {
            if let Some(w) = l.tokens.get(f) {
                seen = true;
                for c in 0..N {
                    sums[c] += i64::from(w[c]);
                }
            }
        }
        known += usize::from(seen);
    }
    if known == 0 {
        return None;
    }
    let x = 1.0 / (known as f64).sqrt();
    let mut bias = [0i64; N];
    for w in layers.iter().filter_map(|l| l.tokens.get(&BIAS)) {
        for (b, w) in bias.iter_mut().zip(w) {
            *b += i64::from(*w);
        }
    }
    let logits: [f64; N] = std::array::from_fn(|c| (bias[c] as f64 + sums[c] as f64 * x) / SCALE);
    Some(Scores {
        probabilities: softmax(&logits, &scored),
        known,
    })
}

/// One lesson for [`train`]: a message's distinct features and the class it is of (None:
/// forget it, see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct Example<'a> {
    pub class: Option<usize>,
    pub features: &'a [u64],
}

impl<'a> Example<'a> {
    /// Lessons of a class each, from (class, distinct features) pairs.
    pub fn all_of(lessons: &'a [(usize, Vec<u64>)]) -> Vec<Example<'a>> {
        lessons
            .iter()
            .map(|(class, features)| Example {
                class: Some(*class),
                features,
            })
            .collect()
    }
}

/// A small deterministic generator (xorshift), so that the same lessons always train alike.
struct Order(u64);

impl Order {
    fn shuffle(&mut self, v: &mut [usize]) {
        for i in (1..v.len()).rev() {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            v.swap(i, (self.0 % (i as u64 + 1)) as usize);
        }
    }
}

/// Learns `examples` against the sum of `base` (see the module docs): what each example's
/// steps changed, in the order given, as weights to add to the layer the lessons go to (the
/// changes' `docs` are left at 0: counting lessons is the store's business).
pub fn train(base: &[&Layer], examples: &[Example<'_>]) -> Vec<Layer> {
    let mut learned: [bool; N] = std::array::from_fn(|c| base.iter().any(|l| l.docs[c] > 0));
    for e in examples {
        if let Some(c) = e.class {
            learned[c] = true;
        }
    }
    let classes = learned.iter().filter(|&&l| l).count().max(1) as f64;
    let all = [true; N];
    // Every feature of the lessons gets a dense number (0: the biases), so the passes index
    // arrays instead of hashing: each lesson's features as numbers, the base's weights and
    // the change so far per number, and each lesson's own share of the change per feature
    // it has (the last one: the biases).
    let mut number: FxHashMap<u64, u32> = FxHashMap::default();
    let mut features: Vec<u64> = vec![BIAS];
    number.insert(BIAS, 0);
    let lessons: Vec<Vec<u32>> = examples
        .iter()
        .map(|e| {
            e.features
                .iter()
                .filter(|&&f| f != BIAS)
                .map(|&f| {
                    *number.entry(f).or_insert_with(|| {
                        features.push(f);
                        (features.len() - 1) as u32
                    })
                })
                .collect()
        })
        .collect();
    let base_weights: Vec<[f64; N]> = features
        .iter()
        .map(|f| {
            let mut w = [0f64; N];
            for x in base.iter().filter_map(|l| l.tokens.get(f)) {
                for (w, x) in w.iter_mut().zip(x) {
                    *w += f64::from(*x) / SCALE;
                }
            }
            w
        })
        .collect();
    // The biases are the classes' share of the mail: learned from a whole sample, kept when
    // lessons come on top of a model (a reader's batch of spam is not the mail's mix).
    let learn_biases = base.iter().all(|l| l.is_empty());
    // On top of a model, each of a batch's `n` lessons of one class steps 1/√n as far: a
    // reader's folder of 500 spam says what their spam looks like, not that spam is 500
    // times as common as the rest.
    let mut per_class = [0usize; N];
    for e in examples {
        if let Some(c) = e.class {
            per_class[c] += 1;
        }
    }
    let mut change = vec![[0f64; N]; features.len()];
    let mut shares: Vec<Vec<[f64; N]>> = lessons
        .iter()
        .map(|l| vec![[0f64; N]; l.len() + 1])
        .collect();
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = Order(0x9e37_79b9_7f4a_7c15);
    let mut t = 0f64;
    for _ in 0..EPOCHS {
        rng.shuffle(&mut order);
        for &i in &order {
            let lesson = &lessons[i];
            if lesson.is_empty() {
                continue;
            }
            let x = 1.0 / (lesson.len() as f64).sqrt();
            // (number, value) of each feature, then the biases.
            let inputs = || {
                lesson
                    .iter()
                    .map(|&j| (j as usize, x))
                    .chain(std::iter::once((0, 1.0)))
            };
            let mut logits = [0f64; N];
            for (j, value) in inputs() {
                for c in 0..N {
                    logits[c] += (base_weights[j][c] + change[j][c]) * value;
                }
            }
            let mut gradient = softmax(&logits, &all);
            match examples[i].class {
                // On top of a model, a lesson teaches only while it is not yet learned.
                Some(c) if !learn_biases && gradient[c] >= SURE => continue,
                Some(c) => gradient[c] -= 1.0,
                None => {
                    for (c, g) in gradient.iter_mut().enumerate() {
                        if learned[c] {
                            *g -= 1.0 / classes;
                        }
                    }
                }
            }
            let weight = match examples[i].class {
                Some(c) if !learn_biases => 1.0 / (per_class[c] as f64).sqrt(),
                _ => 1.0,
            };
            let eta = weight * LEARNING_RATE / (1.0 + L2 * LEARNING_RATE * t);
            t += 1.0;
            for (k, (j, value)) in inputs().enumerate() {
                if j == 0 && !learn_biases {
                    continue;
                }
                let d = &mut change[j];
                let share = &mut shares[i][k];
                for c in 0..N {
                    let step = -eta * (gradient[c] * value + L2 * d[c]);
                    d[c] += step;
                    share[c] += step;
                }
            }
        }
    }
    lessons
        .iter()
        .zip(shares)
        .map(|(lesson, share)| {
            let mut layer = Layer::default();
            let numbers = lesson.iter().copied().chain(std::iter::once(0));
            for (j, w) in numbers.zip(share) {
                let w: Weights = std::array::from_fn(|c| (w[c] * SCALE).round() as i32);
                layer.add(features[j as usize], &w);
            }
            layer
        })
        .collect()
}

/// Learns `examples` into one layer from nothing (the starter model, evaluation folds).
pub fn fit(examples: &[Example<'_>]) -> Layer {
    let mut layer = Layer::default();
    for e in examples {
        if let Some(c) = e.class {
            layer.count(c, true);
        }
    }
    for change in train(&[], examples) {
        layer.absorb(&change);
    }
    layer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples<'a>(lessons: &'a [(usize, &'a [u64])]) -> Vec<Example<'a>> {
        lessons
            .iter()
            .flat_map(|(c, f)| {
                std::iter::repeat_n(
                    Example {
                        class: Some(*c),
                        features: f,
                    },
                    MIN_DOCS as usize,
                )
            })
            .collect()
    }

    #[test]
    fn the_class_whose_features_match_wins() {
        let l = fit(&examples(&[(0, &[1, 2, 3]), (7, &[4, 5, 6])]));
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
    fn a_feature_every_class_has_says_little_and_one_that_tells_them_apart_decides() {
        // Feature 9 is in every lesson; 1 only in class 0's, 2 only in class 1's.
        let l = fit(&examples(&[(0, &[1, 9]), (1, &[2, 9])]));
        let w = l.tokens[&9];
        assert!((w[0] - w[1]).abs() < 50, "{w:?}");
        assert_eq!(score(&[&l], &[1, 9]).unwrap().best().0, 0);
        assert_eq!(score(&[&l], &[2, 9]).unwrap().best().0, 1);
    }

    #[test]
    fn layers_add_up_and_one_lesson_is_heard() {
        let base = fit(&examples(&[(0, &[1, 2]), (1, &[3, 4])]));
        assert_eq!(score(&[&base], &[1, 2]).unwrap().best().0, 0);
        // The mailbox's readers taught once that a message with features 1 and 2 is class 1.
        let mut mine = Layer::default();
        for change in train(
            &[&base],
            &[Example {
                class: Some(1),
                features: &[1, 2],
            }],
        ) {
            mine.absorb(&change);
        }
        assert_eq!(score(&[&base, &mine], &[1, 2]).unwrap().best().0, 1);
    }

    #[test]
    fn a_one_sided_batch_does_not_make_the_shared_words_its_own() {
        // Feature 9 is in every message of both classes; 1 tells class 0, 2 class 8.
        let base = fit(&examples(&[(0, &[1, 9]), (8, &[2, 9])]));
        // A reader teaches 200 messages of class 8, all with the shared feature.
        let spam: Vec<Example<'_>> = (0..200)
            .map(|_| Example {
                class: Some(8),
                features: &[2, 9],
            })
            .collect();
        let mut taught = base.clone();
        for change in train(&[&base], &spam) {
            taught.absorb(&change);
        }
        assert_eq!(score(&[&taught], &[1, 9]).unwrap().best().0, 0);
        assert_eq!(score(&[&taught], &[2, 9]).unwrap().best().0, 8);
        // Lessons the model already knows change little.
        let moved: i64 = (0..N)
            .map(|c| i64::from((taught.tokens[&9][c] - base.tokens[&9][c]).abs()))
            .sum();
        assert!(moved < 500, "{moved}");
    }

    #[test]
    fn each_lesson_s_share_sums_to_the_whole_change_and_forgetting_pulls_back() {
        let lessons = examples(&[(0, &[1, 2]), (1, &[3, 4])]);
        let whole = fit(&lessons);
        let mut summed = Layer::default();
        for (e, change) in lessons.iter().zip(train(&[], &lessons)) {
            summed.count(e.class.unwrap(), true);
            summed.absorb(&change);
        }
        for (f, w) in &whole.tokens {
            for (c, (a, b)) in w.iter().zip(&summed.tokens[f]).enumerate() {
                assert!((a - b).abs() <= 2, "{f} {c}");
            }
        }
        // Forgetting the class-0 message: class 0 is no longer sure of it.
        let before = score(&[&whole], &[1, 2]).unwrap().probabilities[0];
        let mut forgot = whole.clone();
        for change in train(
            &[&whole],
            &[Example {
                class: None,
                features: &[1, 2],
            }],
        ) {
            forgot.absorb(&change);
        }
        let after = score(&[&forgot], &[1, 2]).unwrap().probabilities[0];
        assert!(after < before && after < 0.7, "{before} → {after}");
    }

    #[test]
    fn pruning_drops_the_weakest_and_keeps_the_biases() {
        let mut l = Layer::default();
        l.add(BIAS, &[1; N]);
        l.add(1, &[500; N]);
        l.add(2, &[-3; N]);
        l.add(3, &[40; N]);
        let dropped = l.prune(3);
        assert_eq!(dropped, vec![2]);
        assert!(l.tokens.contains_key(&BIAS));
        l.add(1, &[-500; N]);
        assert!(!l.tokens.contains_key(&1), "all zero is dropped");
    }
}
