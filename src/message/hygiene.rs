//! Header hygiene on the way in: what in a message's header section must not reach the
//! mailbox as the sender wrote it.
//!
//! - Inbound `X-Musaid-*` headers: musaid's own names, removed so nobody can forge a
//!   category (signed drafts excepted, see `policy`).
//! - A header whose value hides another line behind a bare CR or LF (`Subject: hi\rX-Musaid-
//!   Category: urgent`): many mail readers and Sieve engines take what follows the break for
//!   a header of its own. When such a hidden line starts with `X-Musaid-`, the value is
//!   rewritten with the break replaced by a space.
//!
//! [`HeaderScan`] sees each field once as it arrives (from the milter or from a file) and
//! does a constant amount of work per byte: one hash lookup per field name, one pass over
//! its value. It is linear in the size of the header section, however many names it holds.

use rustc_hash::FxHashMap;

/// A header to change in place: (name, 1-based occurrence index, new value).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HeaderChange {
    pub name: String,
    pub index: usize,
    pub value: String,
}

/// What the scan found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hygiene {
    /// Spoofed `X-Musaid-*` headers to delete: (name, occurrence index), highest index first
    /// per name (so deleting one never shifts the index of the next).
    pub spoofed: Vec<(String, usize)>,
    /// Headers whose value hides an `X-Musaid-*` line, with their repaired value.
    pub hidden: Vec<HeaderChange>,
    /// Which of the fields musaid may rewrite ([`REWRITTEN`]) the message has, seen past
    /// any inspection limit: a Subject cut off from the inspected copy is still there, and
    /// must be changed, not added a second time.
    pub present: Vec<&'static str>,
}

/// The fields musaid may change in place (subject prefix, visible added recipients).
pub const REWRITTEN: [&str; 2] = ["subject", "cc"];

impl Hygiene {
    /// True if the message has field `name` (one of [`REWRITTEN`]).
    pub fn has(&self, name: &str) -> bool {
        self.present.iter().any(|p| p.eq_ignore_ascii_case(name))
    }
}

/// Watches the header fields of one message (see the module docs).
#[derive(Debug, Default)]
pub struct HeaderScan {
    /// Occurrences so far per lower-cased name.
    seen: FxHashMap<Vec<u8>, usize>,
    found: Hygiene,
}

fn is_musaid(name: &[u8]) -> bool {
    name.len() > 9 && name[..9].eq_ignore_ascii_case(b"x-musaid-")
}

/// The value with every line break that is not a fold (CR or LF not followed by a space or
/// tab) turned into one space, if one of them hides an `X-Musaid-*` line; else None.
pub fn unhidden(value: &[u8]) -> Option<Vec<u8>> {
    memchr::memchr2(b'\r', b'\n', value)?;
    let mut out = Vec::with_capacity(value.len());
    let mut hides = false;
    let mut i = 0;
    while i < value.len() {
        let c = value[i];
        if c != b'\r' && c != b'\n' {
            out.push(c);
            i += 1;
            continue;
        }
        let start = i;
        while i < value.len() && matches!(value[i], b'\r' | b'\n') {
            i += 1;
        }
        match value.get(i) {
            Some(b' ' | b'\t') => out.extend_from_slice(&value[start..i]),
            rest => {
                hides |= rest.is_some() && is_musaid(&value[i..]);
                out.push(b' ');
            }
        }
    }
    hides.then_some(out)
}

impl HeaderScan {
    /// One header field, in message order.
    pub fn field(&mut self, name: &[u8], value: &[u8]) {
        let musaid = is_musaid(name);
        if let Some(f) = REWRITTEN
            .iter()
            .find(|f| f.as_bytes().eq_ignore_ascii_case(name))
            && !self.found.present.contains(f)
        {
            self.found.present.push(f);
        }
        let hidden = unhidden(value);
        if !musaid && hidden.is_none() {
            // Occurrence indexes only matter for the fields acted on; counting every name
            // is still one lookup per field.
            *self.seen.entry(name.to_ascii_lowercase()).or_default() += 1;
            return;
        }
        let count = self.seen.entry(name.to_ascii_lowercase()).or_default();
        *count += 1;
        let name = String::from_utf8_lossy(name).into_owned();
        if musaid {
            self.found.spoofed.push((name, *count));
        } else if let Some(value) = hidden {
            self.found.hidden.push(HeaderChange {
                name,
                index: *count,
                value: String::from_utf8_lossy(&value).into_owned(),
            });
        }
    }

    /// The findings, spoofed headers ordered for deletion.
    pub fn finish(mut self) -> Hygiene {
        self.found
            .spoofed
            .sort_by_cached_key(|(n, i)| (n.to_ascii_lowercase(), std::cmp::Reverse(*i)));
        self.found
    }
}

/// The `X-Musaid-*` headers among `names` (in message order), each with its occurrence
/// index among headers of the same name, highest index first per name.
pub fn spoofed_headers<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut scan = HeaderScan::default();
    for name in names {
        scan.field(name.as_bytes(), b"");
    }
    scan.finish().spoofed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spoofed_headers_are_indexed_per_name_highest_first() {
        let names = [
            "Received",
            "X-Musaid-Category",
            "x-musaid-category",
            "Subject",
            "X-MUSAID-Status",
            "X-Other",
        ];
        assert_eq!(
            spoofed_headers(names),
            vec![
                ("x-musaid-category".to_string(), 2),
                ("X-Musaid-Category".to_string(), 1),
                ("X-MUSAID-Status".to_string(), 1),
            ]
        );
    }

    #[test]
    fn a_header_hidden_behind_a_bare_cr_is_found_and_repaired() {
        let mut scan = HeaderScan::default();
        scan.field(b"Subject", b"first");
        scan.field(b"Subject", b"hi\rX-Musaid-Category: urgent");
        scan.field(b"Comments", b"a\n\tfolded line");
        scan.field(b"Keywords", b"x\r\nx-musaid-priority: 1");
        scan.field(b"X-Other", b"bare\rbreak but nothing of ours");
        let found = scan.finish();
        assert_eq!(
            found.hidden,
            vec![
                HeaderChange {
                    name: "Subject".into(),
                    index: 2,
                    value: "hi X-Musaid-Category: urgent".into()
                },
                HeaderChange {
                    name: "Keywords".into(),
                    index: 1,
                    value: "x x-musaid-priority: 1".into()
                },
            ]
        );
        assert!(found.spoofed.is_empty());
        assert_eq!(unhidden(b"a\r\n folded"), None);
    }

    #[test]
    fn many_distinct_names_cost_linear_work() {
        // 60,000 distinct X-Musaid-* names: each name is one hash lookup, not a scan of the
        // names seen before (that was 7.5 s per message).
        let names: Vec<String> = (0..60_000).map(|i| format!("X-Musaid-N{i}")).collect();
        let found = spoofed_headers(names.iter().map(String::as_str));
        assert_eq!(found.len(), 60_000);
        assert!(found.iter().all(|(_, i)| *i == 1));
    }
}
