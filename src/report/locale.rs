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
        let mut en: Vec<&String> = EN.keys().collect();
        let mut ar: Vec<&String> = AR.keys().collect();
        en.sort();
        ar.sort();
        assert_eq!(en, ar);
        assert!(AR.values().all(|v| !v.trim().is_empty()));
    }
}
