//! The digest's user-visible strings, one TOML file per language under `locales/` (compiled
//! in), so wording and translations change without touching code.

use std::collections::HashMap;
use std::sync::LazyLock;

static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    toml::from_str(include_str!("../../locales/en.toml")).expect("locales/en.toml")
});
static AR: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    toml::from_str(include_str!("../../locales/ar.toml")).expect("locales/ar.toml")
});

/// The strings of one language.
#[derive(Debug, Clone, Copy)]
pub struct Strings {
    table: &'static HashMap<String, String>,
    pub rtl: bool,
}

impl Strings {
    /// `en` or `ar` (anything else: English).
    pub fn for_language(lang: &str) -> Strings {
        match lang {
            "ar" => Strings {
                table: &AR,
                rtl: true,
            },
            _ => Strings {
                table: &EN,
                rtl: false,
            },
        }
    }

    /// The string for `key` (the key itself if a locale lacks it; a test keeps them complete).
    pub fn get(&self, key: &str) -> String {
        self.table
            .get(key)
            .or_else(|| EN.get(key))
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    /// The string for `key` in this language or English, if there is one.
    pub fn lookup(&self, key: &str) -> Option<String> {
        self.table.get(key).or_else(|| EN.get(key)).cloned()
    }

    /// The string for `key` with `{name}` placeholders filled. In a right-to-left language
    /// each value is a bidi isolate (FSI … PDI), so "2026-W48" or an address keeps its order.
    pub fn fill(&self, key: &str, vars: &[(&str, &str)]) -> String {
        vars.iter().fold(self.get(key), |s, (k, v)| {
            let v = if self.rtl {
                format!("\u{2068}{v}\u{2069}")
            } else {
                v.to_string()
            };
            s.replace(&format!("{{{k}}}"), &v)
        })
    }

    /// A counted phrase, in the plural form the language uses for `n` (CLDR's categories:
    /// English one/other; Arabic one, two, few 3–10, many 11–99 after the hundreds, other).
    pub fn counted(&self, key: &str, n: u64) -> String {
        let form = match (self.rtl, n, n % 100) {
            (_, 1, _) => "one",
            (true, 2, _) => "two",
            (true, _, 3..=10) => "few",
            (true, _, 11..=99) => "many",
            _ => "other",
        };
        let key = match form {
            "other" => key.to_string(),
            f => format!("{key}_{f}"),
        };
        let n = n.to_string();
        // fill() isolates values in right-to-left text; a bare count needs no isolate.
        self.get(&key).replace("{n}", &n)
    }

    /// A category's display name (a declared category keeps its own name).
    pub fn category(&self, name: &str) -> String {
        let key = format!("cat_{name}");
        match self.table.get(&key) {
            Some(s) => s.clone(),
            None => name.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_has_every_key() {
        let missing: Vec<&String> = EN.keys().filter(|k| !AR.contains_key(*k)).collect();
        assert!(missing.is_empty(), "missing in ar.toml: {missing:?}");
        // Arabic has more plural forms than English; anything else extra is a typo.
        let extra: Vec<&String> = AR
            .keys()
            .filter(|k| !EN.contains_key(*k))
            .filter(|k| {
                !["_two", "_few", "_many"]
                    .iter()
                    .any(|f| k.strip_suffix(f).is_some_and(|base| EN.contains_key(base)))
            })
            .collect();
        assert!(extra.is_empty(), "unknown keys in ar.toml: {extra:?}");
        assert!(AR.values().all(|v| !v.trim().is_empty()));
    }

    #[test]
    fn plurals() {
        let en = Strings::for_language("en");
        assert_eq!(en.counted("replies_count", 1), "1 reply");
        assert_eq!(en.counted("replies_count", 2), "2 replies");
        let ar = Strings::for_language("ar");
        assert_eq!(ar.counted("replies_count", 1), "رد واحد");
        assert_eq!(ar.counted("replies_count", 2), "ردّان");
        assert_eq!(ar.counted("replies_count", 7), "7 ردود");
        assert_eq!(ar.counted("replies_count", 27), "27 ردًا");
        assert_eq!(ar.counted("replies_count", 100), "100 رد");
        assert_eq!(ar.counted("replies_count", 103), "103 ردود");
    }
}
