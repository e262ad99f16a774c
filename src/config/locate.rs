//! Where a key path sits in the configuration text, and what to call it.
//!
//! Problems are found on serde structures that have forgotten the text; this module takes a
//! key path (`rule[2].then.reject.code`) back to the span of the deepest part of it present in
//! the parsed tree (the key itself for a table entry, the element for an array item), turns
//! the span into line, column and source line for a compiler-style report, and names rules,
//! mailboxes and categories by what the administrator wrote (`rule "vip-urgent"`) instead
//! of by their position. It also removes a path from the tree, which is how the loader gets
//! past one problem to find the next.

use super::{KeyPath, PathSeg};
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// A parsed configuration tree with its spans into the text.
pub type Tree<'a> = Spanned<DeTable<'a>>;

/// A position in the text, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The whole line the problem is on, without its line break.
    pub source_line: String,
    /// How many characters of the line to underline (at least 1).
    pub width: usize,
}

/// The position of the byte range `span` in `text`.
pub fn position(text: &str, span: Range<usize>) -> Position {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let source_line = text[line_start..line_end].trim_end_matches('\r');
    let end = floor_char_boundary(text, span.end.clamp(start, line_end));
    Position {
        line: text[..start].bytes().filter(|&b| b == b'\n').count() + 1,
        column: text[line_start..start].chars().count() + 1,
        source_line: source_line.to_string(),
        width: text[start..end].chars().count().max(1),
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The span of the deepest element of `path` present in `tree`: a table entry's key, an
/// array's element.
pub fn span_of(tree: &Tree<'_>, path: &KeyPath) -> Option<Range<usize>> {
    walk(tree, path).last().map(|(span, _)| span.clone())
}

/// Where the value at `path` is written, for a problem with the value: the value itself when
/// it is a plain value or a list, the key when it is a table (which may span many lines);
/// the deepest present element's key when `path` is not all there.
pub fn value_span_of(tree: &Tree<'_>, path: &KeyPath) -> Option<Range<usize>> {
    let steps = walk(tree, path);
    let (key, value) = steps.last()?;
    let whole = steps.len() == path.0.len() && !matches!(value.get_ref(), DeValue::Table(_));
    Some(if whole { value.span() } else { key.clone() })
}

/// The span of key `name` in the table at `path`, if it is there (for an unknown key, which
/// serde reports against its table).
pub fn key_span(tree: &Tree<'_>, path: &KeyPath, name: &str) -> Option<Range<usize>> {
    let path = path.key(name);
    let steps = walk(tree, &path);
    (steps.len() == path.0.len())
        .then(|| steps.last().map(|(span, _)| span.clone()))
        .flatten()
}

/// The elements of `path` present in `tree`, in order, each with its span (a table entry's
/// key, an array's item) and its value; it stops where the path leaves the tree.
fn walk<'t, 'a>(
    tree: &'t Tree<'a>,
    path: &KeyPath,
) -> Vec<(Range<usize>, &'t Spanned<DeValue<'a>>)> {
    let entry = |t: &'t DeTable<'a>, k: &str| {
        t.iter()
            .find(|(key, _)| key.get_ref() == k)
            .map(|(key, v)| (key.span(), v))
    };
    let mut steps: Vec<(Range<usize>, &'t Spanned<DeValue<'a>>)> = Vec::new();
    for seg in &path.0 {
        let here = steps.last().map(|(_, v)| v.get_ref());
        let next = match (seg, here) {
            (PathSeg::Key(k), None) => entry(tree.get_ref(), k),
            (PathSeg::Key(k), Some(DeValue::Table(t))) => entry(t, k),
            (PathSeg::Index(i), Some(DeValue::Array(a))) => a.get(*i).map(|v| (v.span(), v)),
            _ => None,
        };
        match next {
            Some(step) => steps.push(step),
            None => break,
        }
    }
    steps
}

/// What to call `path` in a message: `rule "vip-urgent".then.reject.code` for an element of
/// an array of tables with a `name` (rules, categories) or an `address` (mailboxes), else the
/// path as written (`milter.listen`, `rule[3].when`).
pub fn label(tree: &Tree<'_>, path: &KeyPath) -> String {
    let steps = walk(tree, path);
    let mut out = String::new();
    for (n, seg) in path.0.iter().enumerate() {
        match seg {
            PathSeg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathSeg::Index(i) => match steps.get(n).and_then(|(_, v)| identity(v.get_ref())) {
                Some(name) => out.push_str(&format!(" {name:?}")),
                None => out.push_str(&format!("[{i}]")),
            },
        }
    }
    out
}

/// The name an administrator gave an array element: a rule's or category's `name`, a
/// mailbox's `address`.
fn identity<'v>(item: &'v DeValue<'_>) -> Option<&'v str> {
    let DeValue::Table(t) = item else { return None };
    ["name", "address"]
        .iter()
        .find_map(|k| match t.get(*k).map(Spanned::get_ref) {
            Some(DeValue::String(s)) if !s.is_empty() => Some(s.as_ref()),
            _ => None,
        })
}

/// Removes the deepest element of `path` from `tree` (a key from its table, an item from its
/// array); false if nothing was there.
pub fn remove(tree: &mut Tree<'_>, path: &KeyPath) -> bool {
    let Some((last, parent)) = path.0.split_last() else {
        return false;
    };
    let parent = KeyPath(parent.to_vec());
    let Some(container) = value_at_mut(tree, &parent) else {
        return false;
    };
    match (container, last) {
        (Container::Table(t), PathSeg::Key(k)) => t.remove(k.as_str()).is_some(),
        (Container::Array(a), PathSeg::Index(i)) if *i < a.len() => {
            let items = std::mem::replace(a, DeArray::new());
            *a = items
                .into_iter()
                .enumerate()
                .filter_map(|(n, item)| (n != *i).then_some(item))
                .collect();
            true
        }
        _ => false,
    }
}

enum Container<'t, 'a> {
    Table(&'t mut DeTable<'a>),
    Array(&'t mut DeArray<'a>),
}

fn value_at_mut<'t, 'a>(tree: &'t mut Tree<'a>, path: &KeyPath) -> Option<Container<'t, 'a>> {
    let mut current = Container::Table(tree.get_mut());
    for seg in &path.0 {
        let next = match (current, seg) {
            (Container::Table(t), PathSeg::Key(k)) => t.get_mut(k.as_str())?,
            (Container::Array(a), PathSeg::Index(i)) => a.get_mut(*i)?,
            _ => return None,
        };
        current = match next.get_mut() {
            DeValue::Table(t) => Container::Table(t),
            DeValue::Array(a) => Container::Array(a),
            _ => return None,
        };
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segs: &[&str]) -> KeyPath {
        KeyPath(
            segs.iter()
                .map(|s| match s.parse() {
                    Ok(i) => PathSeg::Index(i),
                    Err(_) => PathSeg::Key(s.to_string()),
                })
                .collect(),
        )
    }

    const TEXT: &str = "[milter]\nlisten = \"x\"\n\n[[rule]]\nname = \"vip\"\nthen = { stop = true }\n\n[[rule]]\nthen = {}\n";

    #[test]
    fn a_path_is_found_with_line_column_and_width() {
        let tree = DeTable::parse(TEXT).unwrap();
        let span = span_of(&tree, &path(&["milter", "listen"])).unwrap();
        let p = position(TEXT, span);
        assert_eq!((p.line, p.column, p.width), (2, 1, 6));
        assert_eq!(p.source_line, "listen = \"x\"");
        let span = span_of(&tree, &path(&["rule", "0", "then", "stop"])).unwrap();
        let p = position(TEXT, span);
        assert_eq!((p.line, p.column, p.width), (6, 10, 4));
    }

    #[test]
    fn rules_are_named_by_their_name_and_unnamed_ones_by_position() {
        let tree = DeTable::parse(TEXT).unwrap();
        assert_eq!(
            label(&tree, &path(&["rule", "0", "then", "stop"])),
            "rule \"vip\".then.stop"
        );
        assert_eq!(label(&tree, &path(&["rule", "1", "then"])), "rule[1].then");
        assert_eq!(label(&tree, &path(&["milter", "listen"])), "milter.listen");
    }

    #[test]
    fn removing_a_path_takes_it_out_of_the_tree() {
        let mut tree = DeTable::parse(TEXT).unwrap();
        assert!(remove(&mut tree, &path(&["milter", "listen"])));
        assert!(
            span_of(&tree, &path(&["milter", "listen"]))
                != span_of(&DeTable::parse(TEXT).unwrap(), &path(&["milter", "listen"]))
        );
        assert!(remove(&mut tree, &path(&["rule", "0"])));
        assert_eq!(label(&tree, &path(&["rule", "0"])), "rule[0]");
        assert!(remove(&mut tree, &path(&["rule", "0", "then"])));
        assert!(!remove(&mut tree, &path(&["rule", "0", "then"])));
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let text = "a = \"عاجل\" x\n";
        let p = position(text, text.find('x').unwrap()..text.len());
        assert_eq!((p.line, p.column, p.width), (1, 12, 1));
    }
}
