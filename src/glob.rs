//! Case-insensitive wildcard patterns (`*` any run, `?` one character) for addresses,
//! MIME types and file names.

/// A compiled, lower-cased wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: Vec<char>,
}

impl Glob {
    /// Compiles `pattern`; matching ignores ASCII and Unicode case.
    pub fn new(pattern: &str) -> Self {
        Glob {
            pattern: pattern.trim().to_lowercase().chars().collect(),
        }
    }

    /// The pattern as written (lower-cased).
    pub fn as_string(&self) -> String {
        self.pattern.iter().collect()
    }

    /// True if the pattern contains `c`.
    pub fn contains(&self, c: char) -> bool {
        self.pattern.contains(&c)
    }

    /// True if `text` matches the whole pattern. ASCII text (nearly every address, type and
    /// name) is matched in place; other text is lower-cased first.
    pub fn matches(&self, text: &str) -> bool {
        let text = text.trim();
        if text.is_ascii() {
            let t = text.as_bytes();
            wildcard(&self.pattern, t.len(), |i| {
                char::from(t[i].to_ascii_lowercase())
            })
        } else {
            let t: Vec<char> = text.to_lowercase().chars().collect();
            wildcard(&self.pattern, t.len(), |i| t[i])
        }
    }
}

/// Iterative wildcard matching of pattern `p` against the `len` characters `t(0..len)`,
/// with one backtrack point: linear in practice.
fn wildcard(p: &[char], len: usize, t: impl Fn(usize) -> char) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < len {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t(ti)) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// An address pattern: with an `@` it matches the whole address, without one the domain
/// (so `example.com` and `*.example.com` name domains, `*@board.example.com` addresses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressPattern(Glob);

impl AddressPattern {
    /// Compiles an address or domain pattern.
    pub fn new(pattern: &str) -> Self {
        AddressPattern(Glob::new(pattern))
    }

    /// True if `address` (bare, without angle brackets) matches.
    pub fn matches(&self, address: &str) -> bool {
        if self.0.contains('@') {
            self.0.matches(address)
        } else {
            // The domain as `domain_of` gives it, without its lower-casing copy (matching
            // ignores case anyway).
            let domain = address.rsplit_once('@').map_or("", |(_, d)| d);
            self.0.matches(domain.trim_end_matches('>'))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(Glob::new("*.pdf").matches("Report.PDF"));
        assert!(Glob::new("image/*").matches("image/png"));
        assert!(!Glob::new("image/*").matches("text/plain"));
        assert!(Glob::new("a?c").matches("abc"));
        assert!(!Glob::new("a?c").matches("abbc"));
        assert!(Glob::new("*a*b*").matches("xxaxxbxx"));
        assert!(Glob::new("").matches(""));
        // Non-ASCII text is lower-cased before matching.
        assert!(Glob::new("ü*.PDF").matches(" Überblick.pdf "));
        assert!(!Glob::new("ü?").matches("Über"));
        assert!(!Glob::new("").matches("x"));
    }

    #[test]
    fn address_patterns() {
        assert!(AddressPattern::new("*@board.example.com").matches("Ali@Board.Example.com"));
        assert!(AddressPattern::new("chairman@example.com").matches("chairman@example.com"));
        assert!(!AddressPattern::new("chairman@example.com").matches("ceo@example.com"));
        assert!(AddressPattern::new("example.org").matches("x@example.org"));
        assert!(!AddressPattern::new("example.org").matches("x@sub.example.org"));
        assert!(AddressPattern::new("*.example.org").matches("x@sub.example.org"));
    }
}
