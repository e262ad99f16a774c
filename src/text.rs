//! Text normalisation and whole-word matching for English and Arabic.
//!
//! Classification and rules match words, not substrings: "urgent" must not fire on
//! "insurgent", and "عاجل" must fire whatever hamza, diacritics or tatweel the writer used.
//! Both sides (the message and the word lists) go through [`normalize`], then the message is
//! cut into [`Tokens`] once and every word list is matched against those tokens.
//!
//! Arabic normalisation follows common search-engine practice: alef forms (أ إ آ ٱ) become
//! ا, taa marbuta (ة) becomes ه, alef maqsura (ى) becomes ي, hamza carriers (ؤ ئ) become
//! و and ي, tatweel (ـ) and diacritics (harakat, shadda, sukun, superscript alef) are removed,
//! and Arabic-Indic digits become ASCII digits. Latin text is lower-cased.
//! Arabic attaches conjunctions, prepositions and the article to the word (وعاجل,
//! بالعاجل); a token also matches after those prefixes are stripped.

use rustc_hash::FxHashMap;
use std::collections::HashSet;

/// The normalised form of one character (see the module docs): `None` drops it.
#[inline]
fn normalize_char(c: char) -> Option<char> {
    Some(match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        c if c.is_ascii() => c,
        // diacritics (fathatan..sukun and the rarer marks up to U+065F), superscript alef, tatweel
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => return None,
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ة' => 'ه',
        'ى' => 'ي',
        'ؤ' => 'و',
        'ئ' => 'ي',
        '٠'..='٩' => char::from(b'0' + (c as u32 - '٠' as u32) as u8),
        '۰'..='۹' => char::from(b'0' + (c as u32 - '۰' as u32) as u8),
        c if c.is_lowercase() || !c.is_alphabetic() => c,
        // Characters whose lower case is several characters keep their first one.
        c => c.to_lowercase().next().unwrap_or(c),
    })
}

/// Normalises one piece of text for matching (see the module docs).
pub fn normalize(text: &str) -> String {
    text.chars().filter_map(normalize_char).collect()
}

/// True for characters that belong inside a word.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

/// Arabic prefixes (conjunction, preposition, article) that may be glued to a word.
const ARABIC_PREFIXES: &[&str] = &[
    "وبال", "وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل",
];

fn is_arabic(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

/// A message's text cut into normalised words, ready to be matched against word lists.
/// The normalised text is kept once; words are ranges into it (no allocation per word).
#[derive(Debug, Default, Clone)]
pub struct Tokens {
    text: String,
    spans: Vec<(u32, u32)>,
}

impl Tokens {
    /// Normalises and tokenises `text` in one pass: only word characters are kept, and each
    /// word is a range of the kept text.
    pub fn new(text: &str) -> Self {
        let mut kept = String::with_capacity(text.len());
        let mut spans = Vec::with_capacity(text.len() / 6);
        let mut start: Option<usize> = None;
        let close = |kept: &String, start: &mut Option<usize>, spans: &mut Vec<(u32, u32)>| {
            if let Some(s) = start.take() {
                let word = &kept[s..];
                let lead = word.len() - word.trim_start_matches('\'').len();
                let trimmed = word.trim_matches('\'');
                if !trimmed.is_empty() {
                    spans.push(((s + lead) as u32, (s + lead + trimmed.len()) as u32));
                }
            }
        };
        for c in text.chars() {
            let Some(n) = normalize_char(c) else { continue };
            if is_word_char(n) {
                if start.is_none() {
                    start = Some(kept.len());
                }
                kept.push(n);
            } else {
                close(&kept, &mut start, &mut spans);
            }
        }
        close(&kept, &mut start, &mut spans);
        Self { text: kept, spans }
    }

    fn word(&self, i: usize) -> &str {
        let (a, b) = self.spans[i];
        &self.text[a as usize..b as usize]
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The words, in order.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.word(i))
    }

    /// The forms under which word `i` may appear in a word list: itself and, for Arabic,
    /// itself without a glued prefix.
    fn forms(&self, i: usize) -> impl Iterator<Item = &str> {
        let word = self.word(i);
        let stripped = is_arabic(word)
            .then(|| {
                ARABIC_PREFIXES.iter().find_map(|p| {
                    word.strip_prefix(p)
                        .filter(|rest| rest.chars().count() >= 2)
                })
            })
            .flatten();
        std::iter::once(word).chain(stripped)
    }

    /// True if the words after word `i` continue `rest`.
    fn continues(&self, i: usize, rest: &[String]) -> bool {
        self.len() > i + rest.len()
            && rest
                .iter()
                .enumerate()
                .all(|(k, p)| p == self.word(i + 1 + k))
    }

    /// Finds the entries of every list in one pass over the words. With `first_only`, stops
    /// at the first entry found (of any list).
    fn scan(&self, lists: &WordLists, first_only: bool) -> Found {
        let mut found = Found(vec![Vec::new(); lists.entries.len()]);
        for i in 0..self.len() {
            for form in self.forms(i) {
                let single = lists.single.get(form).into_iter().flatten();
                let phrases = lists
                    .phrases
                    .get(form)
                    .into_iter()
                    .flatten()
                    .filter(|(_, rest)| self.continues(i, rest))
                    .map(|(at, _)| at);
                for &(list, entry) in single.chain(phrases) {
                    let slot = &mut found.0[list as usize];
                    if !slot.contains(&entry) {
                        slot.push(entry);
                        if first_only {
                            return found;
                        }
                    }
                }
            }
        }
        found
    }

    /// Entries of every list found in these tokens (see [`Found`]).
    pub fn find(&self, lists: &WordLists) -> Found {
        self.scan(lists, false)
    }

    /// The entries of a single list found in these tokens, in text order, each once.
    pub fn matches<'a>(&self, list: &'a WordList) -> Vec<&'a str> {
        list.0.entries_of(0, &self.scan(&list.0, false))
    }

    /// True if any entry of `list` occurs.
    pub fn contains_any(&self, list: &WordList) -> bool {
        self.scan(&list.0, true).0.iter().any(|l| !l.is_empty())
    }
}

/// Entry indices found per list, in order of first occurrence in the text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found(Vec<Vec<u32>>);

/// Where an entry lives: (list, entry index within the list).
type At = (u16, u32);

/// Several word lists indexed together, so a text is scanned once for all of them.
/// Entries are words or phrases (several words separated by spaces), normalised when built.
#[derive(Debug, Clone, Default)]
pub struct WordLists {
    /// The entries as written, per list (for explanations).
    entries: Vec<Vec<String>>,
    /// Single normalised words.
    single: FxHashMap<String, Vec<At>>,
    /// Phrases by their first normalised word: where they live and the remaining words.
    phrases: FxHashMap<String, Vec<(At, Vec<String>)>>,
}

impl WordLists {
    /// Builds the index; list `i` of the result is `lists[i]`.
    pub fn new<S: AsRef<str>>(lists: &[Vec<S>]) -> Self {
        let mut all = WordLists {
            entries: vec![Vec::new(); lists.len()],
            ..Default::default()
        };
        for (li, list) in lists.iter().enumerate() {
            let mut seen = HashSet::new();
            for entry in list {
                let entry = entry.as_ref();
                let tokens = Tokens::new(entry);
                let words: Vec<String> = tokens.words().map(str::to_string).collect();
                if words.is_empty() || !seen.insert(words.join(" ")) {
                    continue;
                }
                let at: At = (li as u16, all.entries[li].len() as u32);
                all.entries[li].push(entry.to_string());
                let mut words = words.into_iter();
                let first = words.next().expect("not empty");
                let rest: Vec<String> = words.collect();
                if rest.is_empty() {
                    all.single.entry(first).or_default().push(at);
                } else {
                    all.phrases.entry(first).or_default().push((at, rest));
                }
            }
        }
        all
    }

    /// The entries of list `list` in `found`, as written.
    pub fn entries_of(&self, list: usize, found: &Found) -> Vec<&str> {
        found.0[list]
            .iter()
            .map(|&e| self.entries[list][e as usize].as_str())
            .collect()
    }

    /// True if list `list` has no entries.
    pub fn is_empty(&self, list: usize) -> bool {
        self.entries[list].is_empty()
    }
}

/// One word list (a rule's `any = [...]`).
#[derive(Debug, Clone, Default)]
pub struct WordList(WordLists);

impl WordList {
    /// Builds a list from words or phrases.
    pub fn new<S: AsRef<str>>(entries: impl IntoIterator<Item = S>) -> Self {
        let entries: Vec<String> = entries
            .into_iter()
            .map(|s| s.as_ref().to_string())
            .collect();
        WordList(WordLists::new(&[entries]))
    }

    /// True if the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty(0)
    }
}

/// True when at least a fifth of the letters are Arabic: used to pick the reply language.
pub fn looks_arabic(text: &str) -> bool {
    let (mut arabic, mut letters) = (0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()).take(2000) {
        letters += 1;
        if ('\u{0600}'..='\u{06FF}').contains(&c) || ('\u{0750}'..='\u{077F}').contains(&c) {
            arabic += 1;
        }
    }
    letters > 0 && arabic * 5 >= letters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_forms_normalise_to_one_spelling() {
        assert_eq!(normalize("أإآٱ"), "اااا");
        assert_eq!(normalize("رسالة"), "رساله");
        assert_eq!(normalize("على"), "علي");
        assert_eq!(normalize("مؤتمر"), "موتمر");
        assert_eq!(normalize("طارئ"), "طاري");
        assert_eq!(normalize("عــاجـل"), "عاجل");
        assert_eq!(normalize("عَاجِلٌ"), "عاجل");
        assert_eq!(normalize("١٢٣ ۴۵"), "123 45");
        assert_eq!(normalize("URGENT Ärger"), "urgent ärger");
    }

    #[test]
    fn whole_words_only() {
        let list = WordList::new(["urgent", "asap"]);
        assert!(Tokens::new("This is URGENT!").contains_any(&list));
        assert!(!Tokens::new("the insurgents").contains_any(&list));
        assert!(Tokens::new("reply asap, please").contains_any(&list));
    }

    #[test]
    fn phrases_match_consecutive_words() {
        let list = WordList::new(["end of day", "as soon as possible"]);
        let t = Tokens::new("Please answer by End of Day.");
        assert_eq!(t.matches(&list), vec!["end of day"]);
        assert!(!Tokens::new("end the day").contains_any(&list));
    }

    #[test]
    fn arabic_matches_across_spellings_and_prefixes() {
        let list = WordList::new(["عاجل", "اليوم", "في اسرع وقت"]);
        assert!(Tokens::new("الأمر عَاجِل جداً").contains_any(&list));
        assert!(Tokens::new("طلب وعاجل").contains_any(&list));
        assert!(Tokens::new("نحتاج الرد في أسرع وقت ممكن").contains_any(&list));
        assert!(!Tokens::new("عاجلاتها").contains_any(&list));
        let t = Tokens::new("مطلوب اليوم");
        assert_eq!(t.matches(&list), vec!["اليوم"]);
    }

    #[test]
    fn arabic_detection() {
        assert!(looks_arabic("مرحبا، هل يمكننا الاجتماع غدا؟ Thanks"));
        assert!(!looks_arabic("Hello there, meeting tomorrow?"));
        assert!(!looks_arabic("1234"));
    }
}
