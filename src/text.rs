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

use std::collections::HashSet;

/// Normalises one piece of text for matching (see the module docs).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            // diacritics (fathatan..sukun, and the rarer marks up to U+065F), superscript alef
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => {}
            'أ' | 'إ' | 'آ' | 'ٱ' => out.push('ا'),
            'ة' => out.push('ه'),
            'ى' => out.push('ي'),
            'ؤ' => out.push('و'),
            'ئ' => out.push('ي'),
            '٠'..='٩' => out.push(char::from(b'0' + (c as u32 - '٠' as u32) as u8)),
            '۰'..='۹' => out.push(char::from(b'0' + (c as u32 - '۰' as u32) as u8)),
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c => out.extend(c.to_lowercase()),
        }
    }
    out
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
#[derive(Debug, Default, Clone)]
pub struct Tokens {
    words: Vec<String>,
}

impl Tokens {
    /// Normalises and tokenises `text`.
    pub fn new(text: &str) -> Self {
        let normalized = normalize(text);
        let words = normalized
            .split(|c: char| !is_word_char(c))
            .filter(|w| !w.is_empty())
            .map(|w| w.trim_matches('\'').to_string())
            .filter(|w| !w.is_empty())
            .collect();
        Self { words }
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The forms under which word `i` may appear in a word list: itself and, for Arabic,
    /// itself without a glued prefix.
    fn forms(&self, i: usize) -> impl Iterator<Item = &str> {
        let word = self.words[i].as_str();
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

    /// True if `phrase` (normalised words) starts at word `i`, whose matching form is `form`.
    fn phrase_at(&self, i: usize, form: &str, phrase: &[String]) -> bool {
        phrase[0] == form
            && self.words.len() >= i + phrase.len()
            && phrase[1..]
                .iter()
                .zip(&self.words[i + 1..])
                .all(|(p, w)| p == w)
    }

    /// Indices of the entries of `list` found in these tokens, in text order.
    fn found(&self, list: &WordList, first_only: bool) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        for i in 0..self.words.len() {
            for form in self.forms(i) {
                let single = list.single.get(form).copied();
                let phrases = list
                    .phrases
                    .iter()
                    .filter(|(_, phrase)| self.phrase_at(i, form, phrase))
                    .map(|(idx, _)| *idx);
                for idx in single.into_iter().chain(phrases) {
                    if !found.contains(&idx) {
                        found.push(idx);
                        if first_only {
                            return found;
                        }
                    }
                }
            }
        }
        found
    }

    /// The entries of `list` found in these tokens, in list order, each once.
    pub fn matches<'a>(&self, list: &'a WordList) -> Vec<&'a str> {
        let mut found = self.found(list, false);
        found.sort_unstable();
        found
            .into_iter()
            .map(|i| list.entries[i].as_str())
            .collect()
    }

    /// True if any entry of `list` occurs.
    pub fn contains_any(&self, list: &WordList) -> bool {
        !list.is_empty() && !self.found(list, true).is_empty()
    }
}

/// A list of words and phrases, normalised once when built.
#[derive(Debug, Clone, Default)]
pub struct WordList {
    /// The entries as written (for explanations).
    entries: Vec<String>,
    /// Single normalised words → entry index.
    single: std::collections::HashMap<String, usize>,
    /// Multi-word phrases: entry index and normalised words.
    phrases: Vec<(usize, Vec<String>)>,
}

impl WordList {
    /// Builds a list from words or phrases (phrases are several words separated by spaces).
    pub fn new<S: AsRef<str>>(entries: impl IntoIterator<Item = S>) -> Self {
        let mut list = WordList::default();
        let mut seen = HashSet::new();
        for entry in entries {
            let entry = entry.as_ref();
            let tokens = Tokens::new(entry);
            if tokens.is_empty() || !seen.insert(tokens.words.join(" ")) {
                continue;
            }
            let idx = list.entries.len();
            list.entries.push(entry.to_string());
            if tokens.words.len() == 1 {
                list.single.insert(tokens.words[0].clone(), idx);
            } else {
                list.phrases.push((idx, tokens.words));
            }
        }
        list
    }

    /// Adds more entries (from the configuration) to a built-in list.
    pub fn extended<S: AsRef<str>>(&self, more: &[S]) -> Self {
        let mut all: Vec<&str> = self.entries.iter().map(String::as_str).collect();
        all.extend(more.iter().map(AsRef::as_ref));
        WordList::new(all)
    }

    /// True if the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
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
