//! Everything musaid writes to people, in the reader's language: one Fluent file per language
//! under `locales/` (compiled in), so wording and translations change without touching code.
//!
//! Fluent (Mozilla's localisation system, the `fluent-bundle` crate) brings what hand-made
//! keys could not: plural forms chosen by CLDR's rules for the language (Arabic has six:
//! zero, one, two, few, many, other; English two) with the translator writing each form in
//! the file, and bidi isolation of every value placed into right-to-left text, so an address
//! or a date keeps its own direction inside an Arabic sentence. Dates are written with the
//! language's own day and month names ([`Strings::date`]).

use chrono::{DateTime, Datelike, TimeZone, Timelike};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: unic_langid::LanguageIdentifier, source: &'static str, rtl: bool) -> Bundle {
    let resource = FluentResource::try_new(source.to_string())
        .unwrap_or_else(|(_, errors)| panic!("locales/{lang}.ftl does not parse: {errors:?}"));
    let mut bundle = FluentBundle::new_concurrent(vec![lang.clone()]);
    // Values are isolated (FSI … PDI) only in right-to-left text, where they need it.
    bundle.set_use_isolating(rtl);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("locales/{lang}.ftl: {errors:?}"));
    bundle
}

static EN: LazyLock<Bundle> = LazyLock::new(|| {
    bundle(
        unic_langid::langid!("en"),
        include_str!("../locales/en.ftl"),
        false,
    )
});
static AR: LazyLock<Bundle> = LazyLock::new(|| {
    bundle(
        unic_langid::langid!("ar"),
        include_str!("../locales/ar.ftl"),
        true,
    )
});

fn plural_rules(lang: &str) -> icu_plurals::PluralRules {
    let locale = icu_locale_core::Locale::try_from_str(lang).expect("a valid language tag");
    icu_plurals::PluralRules::try_new_cardinal(locale.into()).expect("CLDR plural rules")
}

static EN_PLURALS: LazyLock<icu_plurals::PluralRules> = LazyLock::new(|| plural_rules("en"));
static AR_PLURALS: LazyLock<icu_plurals::PluralRules> = LazyLock::new(|| plural_rules("ar"));

/// The text without the bidi isolates (FSI, PDI) Fluent puts around values in right-to-left
/// text: what a reader sees, for comparing texts.
pub fn without_isolates(text: &str) -> String {
    text.replace(['\u{2068}', '\u{2069}'], "")
}

/// Named string values as Fluent arguments.
fn args<'v>(vars: &[(&'v str, &'v str)]) -> FluentArgs<'v> {
    let mut args = FluentArgs::new();
    for (k, v) in vars {
        args.set(*k, FluentValue::from(*v));
    }
    args
}

/// The texts of one language.
#[derive(Clone, Copy)]
pub struct Strings {
    bundle: &'static Bundle,
    plurals: &'static LazyLock<icu_plurals::PluralRules>,
    pub rtl: bool,
}

impl std::fmt::Debug for Strings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Strings({})", if self.rtl { "ar" } else { "en" })
    }
}

impl Strings {
    /// `en` or `ar` (anything else: English).
    pub fn for_language(lang: &str) -> Strings {
        match lang {
            "ar" => Strings {
                bundle: &AR,
                plurals: &AR_PLURALS,
                rtl: true,
            },
            _ => Strings {
                bundle: &EN,
                plurals: &EN_PLURALS,
                rtl: false,
            },
        }
    }

    /// The text of `key` with `args`, in this language, else English; `None` if neither has it.
    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
        for bundle in [self.bundle, &*EN] {
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return Some(
                    bundle
                        .format_pattern(pattern, args, &mut errors)
                        .into_owned(),
                );
            }
        }
        None
    }

    /// The text for `key` (the key itself if no locale has it; a test keeps them complete).
    pub fn get(&self, key: &str) -> String {
        self.format(key, None).unwrap_or_else(|| key.to_string())
    }

    /// The text for `key` in this language or English, if there is one.
    pub fn lookup(&self, key: &str) -> Option<String> {
        self.format(key, None)
    }

    /// The text for `key` with its `{ $name }` variables filled.
    pub fn fill(&self, key: &str, vars: &[(&str, &str)]) -> String {
        self.format(key, Some(&args(vars)))
            .unwrap_or_else(|| key.to_string())
    }

    /// A counted phrase: `key` with `$n` set to `n` and `$plural` to the CLDR plural category
    /// of `n` in the language (`zero`, `one`, `two`, `few`, `many`, `other`), which the
    /// message selects its form on.
    ///
    /// The category comes from ICU4X, not from Fluent's own number selection: the rules
    /// Fluent uses (intl_pluralrules 7) test Arabic's "few" and "many" on the number instead of
    /// the number modulo 100, so 103 would read as "other" where CLDR says "few".
    pub fn counted(&self, key: &str, n: u64) -> String {
        self.counted_with(key, n, &[])
    }

    /// A counted phrase with more variables.
    pub fn counted_with(&self, key: &str, n: u64, vars: &[(&str, &str)]) -> String {
        use icu_plurals::PluralCategory;
        let plural = match self.plurals.category_for(n) {
            PluralCategory::Zero => "zero",
            PluralCategory::One => "one",
            PluralCategory::Two => "two",
            PluralCategory::Few => "few",
            PluralCategory::Many => "many",
            PluralCategory::Other => "other",
        };
        let mut args = args(vars);
        args.set("n", FluentValue::from(n));
        args.set("plural", FluentValue::from(plural));
        self.format(key, Some(&args))
            .unwrap_or_else(|| key.to_string())
    }

    /// A category's display name (a declared category keeps its own name).
    pub fn category(&self, name: &str) -> String {
        let key = format!("cat_{name}");
        match self.bundle.get_message(&key) {
            Some(_) => self.get(&key),
            None => name.to_string(),
        }
    }

    /// A date and time with the language's names: `pattern` takes `%a` (weekday, short),
    /// `%A` (weekday), `%d` (day of the month), `%b`/`%B` (month), `%Y`, `%H:%M`, `%Z` (the
    /// zone's abbreviation, or its offset where it has none).
    pub fn date<Tz: TimeZone>(&self, at: &DateTime<Tz>, pattern: &str) -> String
    where
        Tz::Offset: std::fmt::Display,
    {
        let weekday = at.weekday().num_days_from_monday() + 1;
        let month = at.month();
        let mut out = String::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('a') => out.push_str(&self.get(&format!("weekday_short_{weekday}"))),
                Some('A') => out.push_str(&self.get(&format!("weekday_{weekday}"))),
                Some('b') => out.push_str(&self.get(&format!("month_short_{month}"))),
                Some('B') => out.push_str(&self.get(&format!("month_{month}"))),
                Some('d') => out.push_str(&at.day().to_string()),
                Some('Y') => out.push_str(&at.year().to_string()),
                Some('H') => out.push_str(&format!("{:02}", at.hour())),
                Some('M') => out.push_str(&format!("{:02}", at.minute())),
                Some('Z') => out.push_str(&at.offset().to_string()),
                Some(other) => {
                    out.push('%');
                    out.push(other);
                }
                None => out.push('%'),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(source: &str) -> Vec<String> {
        let resource = FluentResource::try_new(source.to_string()).unwrap();
        resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_locale_has_every_message_and_nothing_else() {
        let en = ids(include_str!("../locales/en.ftl"));
        let ar = ids(include_str!("../locales/ar.ftl"));
        let missing: Vec<&String> = en.iter().filter(|k| !ar.contains(k)).collect();
        assert!(missing.is_empty(), "missing in ar.ftl: {missing:?}");
        let extra: Vec<&String> = ar.iter().filter(|k| !en.contains(k)).collect();
        assert!(extra.is_empty(), "unknown messages in ar.ftl: {extra:?}");
        let ar = Strings::for_language("ar");
        for id in &en {
            assert!(!ar.get(id).trim().is_empty(), "{id} is empty in Arabic");
        }
    }

    #[test]
    fn plurals_follow_cldr() {
        let en = Strings::for_language("en");
        assert_eq!(en.counted("replies_count", 1), "1 reply");
        assert_eq!(en.counted("replies_count", 2), "2 replies");
        let ar = Strings::for_language("ar");
        let bare = |s: String| without_isolates(&s);
        assert_eq!(bare(ar.counted("replies_count", 1)), "رد واحد");
        assert_eq!(bare(ar.counted("replies_count", 2)), "ردّان");
        assert_eq!(bare(ar.counted("replies_count", 7)), "7 ردود");
        assert_eq!(bare(ar.counted("replies_count", 27)), "27 ردًا");
        assert_eq!(bare(ar.counted("replies_count", 100)), "100 رد");
        assert_eq!(bare(ar.counted("replies_count", 103)), "103 ردود");
    }

    #[test]
    fn values_are_isolated_in_arabic_only() {
        let vars = [("owner", "Faisal"), ("summary", "Board"), ("when", "Mon")];
        let en = Strings::for_language("en").fill("itip_subject_accepted", &vars);
        assert_eq!(en, "Accepted: Board");
        let ar = Strings::for_language("ar").fill("itip_subject_accepted", &vars);
        assert!(ar.contains("\u{2068}Board\u{2069}"), "{ar}");
    }

    #[test]
    fn dates_use_the_language_s_names() {
        let at = chrono_tz::Asia::Riyadh
            .with_ymd_and_hms(2026, 11, 23, 9, 5, 0)
            .unwrap();
        let en = Strings::for_language("en");
        assert_eq!(en.date(&at, "%a %d %b %H:%M"), "Mon 23 Nov 09:05");
        assert_eq!(en.date(&at, "%A %d %B %Y"), "Monday 23 November 2026");
        let ar = Strings::for_language("ar");
        assert_eq!(ar.date(&at, "%A %d %B %Y"), "الاثنين 23 نوفمبر 2026");
        assert_eq!(at.format("%Z").to_string(), ar.date(&at, "%Z"));
    }
}

/// How musaid writes its own numbers for a reader: Western digits, or the Arabic-Indic digits
/// (٠١٢٣٤٥٦٧٨٩) many Arabic readers expect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Digits {
    #[default]
    Latin,
    ArabicIndic,
}

/// Marks text that belongs to the mail, not to musaid (an address, a name, a subject): its
/// digits are never rewritten. [`finish`] removes the marks. Marks the text itself carries
/// (private-use characters a sender can write) are dropped first, so mail cannot end its own
/// mark early or leave one open over musaid's text.
pub fn verbatim(text: &str) -> String {
    let inner: String = text
        .chars()
        .filter(|c| *c != VERBATIM_START && *c != VERBATIM_END)
        .collect();
    format!("{VERBATIM_START}{inner}{VERBATIM_END}")
}

const VERBATIM_START: char = '\u{E000}';
const VERBATIM_END: char = '\u{E001}';

/// The text as the reader gets it: musaid's own digits written as `digits` says (never inside
/// [`verbatim`] text, nor, with `markup`, inside HTML tags and attributes), the marks removed.
pub fn finish(text: &str, digits: Digits, markup: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_verbatim, mut in_tag) = (0usize, false);
    for c in text.chars() {
        match c {
            VERBATIM_START => in_verbatim += 1,
            VERBATIM_END => in_verbatim = in_verbatim.saturating_sub(1),
            '<' if markup => {
                in_tag = true;
                out.push(c);
            }
            '>' if markup => {
                in_tag = false;
                out.push(c);
            }
            '0'..='9' if digits == Digits::ArabicIndic && in_verbatim == 0 && !in_tag => {
                out.push(char::from_u32(0x0660 + (c as u32 - '0' as u32)).unwrap_or(c));
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod digit_tests {
    use super::*;

    #[test]
    fn marks_written_by_the_sender_do_not_move_the_mark() {
        // A subject that closes the mark before its digits, and one that opens a mark and
        // never closes it.
        let text = format!(
            "{} {} 27",
            verbatim("Q\u{E001}3 review"),
            verbatim("\u{E000}open")
        );
        assert_eq!(
            finish(&text, Digits::ArabicIndic, false),
            "Q3 review open ٢٧"
        );
    }

    #[test]
    fn only_musaid_s_own_digits_are_rewritten() {
        let text = format!(
            "{} 27 {}",
            verbatim("Invoice 2026"),
            verbatim("a1@b2.example")
        );
        assert_eq!(
            finish(&text, Digits::Latin, false),
            "Invoice 2026 27 a1@b2.example"
        );
        assert_eq!(
            finish(&text, Digits::ArabicIndic, false),
            "Invoice 2026 ٢٧ a1@b2.example"
        );
        let html = format!("<td style=\"width:40px\">12 {}</td>", verbatim("Q3"));
        assert_eq!(
            finish(&html, Digits::ArabicIndic, true),
            "<td style=\"width:40px\">١٢ Q3</td>"
        );
    }
}
