//! The starter model: what musaid knows before anyone has taught it, so that a fresh
//! installation sorts people's mail well on day one.
//!
//! It is built by `scripts/build-starter-model.sh` from public and project-written mail (the
//! project's labelled business mail in `tests/labelled/`, the public SpamAssassin corpus
//! fetched from npm, the real machine mail in `tests/corpus/`), and shipped inside the
//! binary. Its features are text (the data is public), one per line, so the file can be read
//! and diffed; at load they are hashed under the installation's key like every other feature,
//! and the store never sees them.
//!
//! ```text
//! # comment
//! docs<TAB>n0 n1 … n8                   learned messages per class
//! <feature><TAB><class>:<n> <class>:<n>   messages per class that had the feature
//! ```

use super::bayes::{Docs, Layer, N};
use super::hashing::Hashed;
use std::fmt::Write;

/// The starter model shipped with this build.
pub const SHIPPED: &str = include_str!("../../share/starter-model.tsv");

/// Features of the starter model, as text, with their counts.
#[derive(Debug, Default, Clone)]
pub struct TextLayer {
    pub docs: Docs,
    pub tokens: std::collections::BTreeMap<String, [u32; N]>,
}

impl TextLayer {
    /// Learns one message's distinct text features as class `class`.
    pub fn learn(&mut self, class: usize, features: &[String]) {
        self.docs[class] += 1;
        for f in features {
            self.tokens.entry(f.clone()).or_default()[class] += 1;
        }
    }

    /// Drops features seen in fewer than `min` messages.
    pub fn keep_seen_at_least(&mut self, min: u32) {
        self.tokens.retain(|_, c| c.iter().sum::<u32>() >= min);
    }

    /// The file form (see the module docs).
    pub fn render(&self, comment: &str) -> String {
        let mut out = String::new();
        for line in comment.lines() {
            let _ = writeln!(out, "# {line}");
        }
        let docs: Vec<String> = self.docs.iter().map(u32::to_string).collect();
        let _ = writeln!(out, "docs\t{}", docs.join(" "));
        for (f, counts) in &self.tokens {
            let cells: Vec<String> = counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(c, n)| format!("{c}:{n}"))
                .collect();
            let _ = writeln!(out, "{f}\t{}", cells.join(" "));
        }
        out
    }
}

/// A line of a starter model file that is not `feature<TAB>class:count …` nor `docs<TAB>n …`.
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
        let counts = layer.tokens.entry(hasher.hash_text(feature)).or_default();
        for cell in cells.split(' ') {
            let (c, n) = cell.split_once(':').ok_or_else(bad)?;
            let c: usize = c.parse().ok().filter(|c| *c < N).ok_or_else(bad)?;
            let n: u32 = n.parse().map_err(|_| bad())?;
            counts[c] = counts[c].saturating_add(u16::try_from(n).unwrap_or(u16::MAX));
        }
    }
    layer.recount();
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_parses_back() {
        let mut t = TextLayer::default();
        t.learn(0, &["wurgent".into(), "bbank form".into()]);
        t.learn(7, &["wurgent".into()]);
        let text = t.render("test");
        assert!(
            text.starts_with("# test\ndocs\t1 0 0 0 0 0 0 1 0\n"),
            "{text}"
        );
        let layer = parse(&text, [1; 16]).unwrap();
        let h = Hashed::new([1; 16]);
        assert_eq!(layer.tokens[&h.hash_text("wurgent")][7], 1);
        assert_eq!(layer.tokens[&h.hash_text("bbank form")][0], 1);
        assert_eq!(layer.totals[0], 2);
        let err = parse("docs\t1 x\n", [1; 16]).unwrap_err();
        assert_eq!(err.line, 1, "{err}");
        parse(SHIPPED, [0; 16]).expect("the shipped starter model parses");
    }
}
