//! The starter model: what musaid knows before anyone has taught it, so that a fresh
//! installation sorts people's mail well on day one.
//!
//! It is built by `scripts/build-starter-model.sh` from public and project-written mail (the
//! project's labelled business mail in `tests/labelled/`, the public SpamAssassin corpus
//! fetched from npm), and shipped inside the binary. Its features are text (the data is
//! public), one per line, so the file can be read and diffed; at load they are hashed under the
//! installation's key like every other feature, and the store never sees them.
//!
//! ```text
//! # comment
//! docs<TAB>n0 n1 … n8                      learned messages per class
//! bias<TAB><class>:<w> <class>:<w> …        the classes' biases
//! <feature><TAB><class>:<w> <class>:<w> …   a feature's weights (classes left out: 0)
//! ```
//!
//! Weights are in thousandths ([`super::linear::SCALE`]). The model is learned by
//! [`super::linear::fit`] from every message given, over the features seen in at least a
//! given number of them.

use super::hashing::Hashed;
use super::linear::{self, BIAS, Docs, Example, Layer, N, Weights};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// The starter model shipped with this build.
pub const SHIPPED: &str = include_str!("../../share/starter-model.tsv");

/// The starter model with its features as text.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TextLayer {
    pub docs: Docs,
    pub bias: Weights,
    pub tokens: BTreeMap<String, Weights>,
}

impl TextLayer {
    /// Learns the starter model from `lessons` (a class and the message's distinct text
    /// features each), over the features seen in at least `min_messages` of them.
    pub fn learn(lessons: &[(usize, Vec<String>)], min_messages: u32) -> TextLayer {
        let mut seen: HashMap<&str, u32> = HashMap::new();
        for (_, features) in lessons {
            for f in features {
                *seen.entry(f.as_str()).or_default() += 1;
            }
        }
        // Each kept feature gets a number (never BIAS) in the order of its text, so the same
        // lessons always train alike.
        let mut kept: Vec<&str> = seen
            .into_iter()
            .filter(|(_, n)| *n >= min_messages)
            .map(|(f, _)| f)
            .collect();
        kept.sort_unstable();
        let number: HashMap<&str, u64> = kept
            .iter()
            .enumerate()
            .map(|(i, f)| (*f, i as u64 + 1))
            .collect();
        let numbered: Vec<(usize, Vec<u64>)> = lessons
            .iter()
            .map(|(class, features)| {
                let mut ids: Vec<u64> = features
                    .iter()
                    .filter_map(|f| number.get(f.as_str()).copied())
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                (*class, ids)
            })
            .collect();
        let layer = linear::fit(&Example::all_of(&numbered));
        let mut out = TextLayer {
            docs: layer.docs,
            bias: layer.tokens.get(&BIAS).copied().unwrap_or_default(),
            tokens: BTreeMap::new(),
        };
        for (f, w) in &layer.tokens {
            if *f != BIAS {
                out.tokens.insert(kept[(*f - 1) as usize].to_string(), *w);
            }
        }
        out
    }

    /// The file form (see the module docs).
    pub fn render(&self, comment: &str) -> String {
        let mut out = String::new();
        for line in comment.lines() {
            let _ = writeln!(out, "# {line}");
        }
        let docs: Vec<String> = self.docs.iter().map(u32::to_string).collect();
        let _ = writeln!(out, "docs\t{}", docs.join(" "));
        let cells = |w: &Weights| -> String {
            w.iter()
                .enumerate()
                .filter(|(_, n)| **n != 0)
                .map(|(c, n)| format!("{c}:{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let _ = writeln!(out, "bias\t{}", cells(&self.bias));
        for (f, w) in &self.tokens {
            let _ = writeln!(out, "{f}\t{}", cells(w));
        }
        out
    }
}

/// A line of a starter model file that is not of the form the module docs give.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("starter model line {line}: {text:?}")]
pub struct MalformedLine {
    /// 1-based.
    pub line: usize,
    pub text: String,
}

/// Reads a starter model, hashing its features under `key`. A malformed line is an error
/// naming its number.
pub fn parse(text: &str, key: [u8; 16]) -> Result<Layer, MalformedLine> {
    let hasher = Hashed::new(key);
    let mut layer = Layer::default();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || MalformedLine {
            line: i + 1,
            text: line.to_string(),
        };
        let (feature, cells) = line.split_once('\t').ok_or_else(bad)?;
        if feature == "docs" {
            let docs: Vec<u32> = cells
                .split(' ')
                .map(|n| n.parse().map_err(|_| bad()))
                .collect::<Result<_, _>>()?;
            for (c, n) in docs.into_iter().enumerate().take(N) {
                layer.docs[c] = n;
            }
            continue;
        }
        let mut weights = Weights::default();
        for cell in cells.split(' ').filter(|c| !c.is_empty()) {
            let (c, n) = cell.split_once(':').ok_or_else(bad)?;
            let c: usize = c.parse().ok().filter(|c| *c < N).ok_or_else(bad)?;
            weights[c] = n.parse().map_err(|_| bad())?;
        }
        let feature = match feature {
            "bias" => BIAS,
            f => hasher.hash_text(f),
        };
        layer.add(feature, &weights);
    }
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_renders_and_parses_back() {
        let lessons: Vec<(usize, Vec<String>)> = (0..10)
            .map(|i| {
                let (class, word) = if i % 2 == 0 {
                    (0, "wurgent")
                } else {
                    (7, "woffer")
                };
                (
                    class,
                    vec![word.to_string(), "wrare".to_string(), format!("wonce{i}")],
                )
            })
            .collect();
        let t = TextLayer::learn(&lessons, 2);
        assert_eq!(t.docs, [5, 0, 0, 0, 0, 0, 0, 5, 0]);
        assert!(
            t.tokens["wurgent"][0] > 0 && t.tokens["woffer"][7] > 0,
            "{t:?}"
        );
        assert!(!t.tokens.contains_key("wonce1"), "seen once: left out");
        let text = t.render("test");
        assert!(
            text.starts_with("# test\ndocs\t5 0 0 0 0 0 0 5 0\nbias\t"),
            "{text}"
        );
        let layer = parse(&text, [1; 16]).unwrap();
        let h = Hashed::new([1; 16]);
        assert_eq!(layer.tokens[&h.hash_text("wurgent")], t.tokens["wurgent"]);
        assert_eq!(layer.tokens.get(&BIAS).copied().unwrap_or_default(), t.bias);
        let urgent = linear::score(&[&layer], &[h.hash_text("wurgent")]).unwrap();
        assert_eq!(urgent.best().0, 0);
        // The same lessons build the same file.
        assert_eq!(TextLayer::learn(&lessons, 2).render("test"), text);
        let err = parse("docs\t1 x\n", [1; 16]).unwrap_err();
        assert_eq!(err.line, 1, "{err}");
        let err = parse("# c\nwx\t3:1 12:4\n", [1; 16]).unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        parse(SHIPPED, [0; 16]).expect("the shipped starter model parses");
    }
}
