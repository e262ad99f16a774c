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
//! and Arabic-Indic digits become ASCII digits. Latin text is lower-cased. Persian yeh (ی) and
//! kaf (ک), which Persian keyboards and some Gulf writers type, become ي and ك. Format
//! characters that are invisible inside a word (zero-width joiners and non-joiners, direction
//! marks and embeddings, the soft hyphen, the byte-order mark) are removed, so "عا\u{200C}جل"
//! is عاجل. Text with compatibility characters (Arabic presentation forms such as ﻋﺎﺟﻞ,
//! full-width Latin) goes through Unicode NFKC first.
//! Arabic attaches conjunctions, prepositions and the article to the word (وعاجل,
//! بالعاجل); a token also matches after those prefixes are stripped.

use hashbrown::HashTable;
use rustc_hash::FxHashMap;
use std::collections::HashSet;
use std::hash::BuildHasher;

/// The normalised form of one character (see the module docs): `None` drops it.
#[inline]
fn normalize_char(c: char) -> Option<char> {
    Some(match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        c if c.is_ascii() => c,
        // diacritics (fathatan..sukun and the rarer marks up to U+065F), superscript alef, tatweel
        '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => return None,
        // invisible format characters: soft hyphen, zero-width space and (non-)joiners,
        // direction marks, embeddings and isolates, word joiner, byte-order mark
        '\u{00AD}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}' => return None,
        'ی' | 'ې' => 'ي',
        'ک' => 'ك',
        'ۀ' | 'ہ' | 'ە' => 'ه',
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
    compatibility_folded(text)
        .chars()
        .filter_map(normalize_char)
        .collect()
}

/// True when `text` may hold compatibility characters that NFKC folds into ordinary letters:
/// Arabic presentation forms (U+FB50..U+FDFF, U+FE70..U+FEFE) and half- and full-width forms
/// (U+FF00..U+FFEF). All of them are encoded in UTF-8 with a leading 0xEF byte followed by
/// 0xAD..=0xBF, so plain text is passed over with one byte search.
fn has_compatibility_forms(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(0xEF, bytes).any(|i| {
        bytes.get(i + 1).is_some_and(|&b| {
            (0xAD..=0xBF).contains(&b) && !(b == 0xBB && bytes.get(i + 2) == Some(&0xBF))
        })
    })
}

/// `text` in NFKC when it holds compatibility forms, else as it is.
pub fn compatibility_folded(text: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    if has_compatibility_forms(text) {
        std::borrow::Cow::Owned(text.nfkc().collect())
    } else {
        std::borrow::Cow::Borrowed(text)
    }
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
///
/// The distinct forms of the words (each word and, for Arabic, the word without a glued
/// prefix) are indexed with where they occur, so a word list is matched by looking up either
/// its entries in the message or the message's distinct forms in the list, whichever side is
/// smaller: a rule's ten words cost ten lookups, not a pass over a long body.
#[derive(Debug, Default, Clone)]
pub struct Tokens {
    text: String,
    spans: Vec<(u32, u32)>,
    /// Distinct forms, each with where it first occurs.
    forms: HashTable<Form>,
    /// For each occurrence of a form (`2 × word + stripped`), the next occurrence of the
    /// same form ([`END`] for none): phrases are checked at every place their first word is.
    next: Vec<u32>,
    /// The words that are the first of their spelling, in text order (indexes into `spans`).
    first_of_kind: Vec<u32>,
}

/// One distinct form: its range in the normalised text, its first and last occurrences.
#[derive(Debug, Clone, Copy)]
struct Form {
    /// [`hash`] of the form, kept so that a lookup compares text only on an equal hash.
    hash: u64,
    start: u32,
    end: u32,
    first: u32,
    last: u32,
    /// Whether a whole word has this form yet (not only a word without its prefix).
    whole: bool,
}

/// An occurrence of a form: (word, stripped form?).
type Occurrence = (u32, u8);

const END: u32 = u32::MAX;

fn hash(s: &[u8]) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(s)
}

/// Adds one occurrence (`word`, whole or `stripped` of a prefix) of the form at `range` of
/// the normalised text `bytes` to the index of [`Tokens`]. Inlined: it runs for every word of
/// every message.
#[inline(always)]
fn add_form(
    forms: &mut HashTable<Form>,
    next: &mut [u32],
    first_of_kind: &mut Vec<u32>,
    bytes: &[u8],
    (start, end): (u32, u32),
    word: usize,
    stripped: u8,
) {
    let form = &bytes[start as usize..end as usize];
    let at = (2 * word) as u32 + stripped as u32;
    let h = hash(form);
    let whole = stripped == 0;
    match forms.find_mut(h, |f| {
        f.hash == h && &bytes[f.start as usize..f.end as usize] == form
    }) {
        Some(f) => {
            next[f.last as usize] = at;
            f.last = at;
            if whole && !f.whole {
                f.whole = true;
                first_of_kind.push(word as u32);
            }
        }
        None => {
            let f = Form {
                hash: h,
                start,
                end,
                first: at,
                last: at,
                whole,
            };
            forms.insert_unique(h, f, |f| f.hash);
            if whole {
                first_of_kind.push(word as u32);
            }
        }
    }
}

/// Where a list entry was found: (word, stripped form?, single word before phrase, position
/// among the list keys' candidates) orders hits as a left-to-right reading finds them.
type Hit = ((u32, u8, u8, u32), At);

/// ASCII bytes that belong inside a word: letters, digits and the apostrophe.
const ASCII_WORD: [bool; 128] = {
    let mut t = [false; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'\'';
        b += 1;
    }
    t
};

/// The length of the ASCII prefix of `bytes`, skipped sixteen bytes at a time.
fn ascii_prefix(bytes: &[u8]) -> usize {
    let mut n = 0;
    for chunk in bytes.chunks_exact(16) {
        if !chunk.is_ascii() {
            break;
        }
        n += 16;
    }
    n + bytes[n..]
        .iter()
        .position(|b| !b.is_ascii())
        .unwrap_or(bytes.len() - n)
}

impl Tokens {
    /// Normalises and tokenises `text` in one pass; each word is a range of the kept text.
    /// A run of ASCII (most of any text) is copied lower-cased in one go, separators and all,
    /// and its words are found by one table lookup per byte; other characters are normalised
    /// one by one, and only those that belong inside a word are kept.
    pub fn new(text: &str) -> Self {
        let folded = compatibility_folded(text);
        let text: &str = &folded;
        let bytes = text.as_bytes();
        let mut kept: Vec<u8> = Vec::with_capacity(bytes.len());
        let mut spans = Vec::with_capacity(bytes.len() / 4);
        // Where the word being read starts in `kept` (NONE: between words).
        const NONE: usize = usize::MAX;
        let mut start = NONE;
        // Ends the word being read at `end` of `kept`, without its leading and trailing
        // apostrophes.
        let close = |kept: &[u8], start: &mut usize, end: usize, spans: &mut Vec<(u32, u32)>| {
            if *start == NONE {
                return;
            }
            let (mut a, mut b) = (*start, end);
            *start = NONE;
            while a < b && kept[a] == b'\'' {
                a += 1;
            }
            while b > a && kept[b - 1] == b'\'' {
                b -= 1;
            }
            if a < b {
                spans.push((a as u32, b as u32));
            }
        };
        let mut i = 0;
        while i < bytes.len() {
            let run = ascii_prefix(&bytes[i..]);
            if run > 0 {
                let base = kept.len();
                kept.extend_from_slice(&bytes[i..i + run]);
                kept[base..].make_ascii_lowercase();
                for k in base..kept.len() {
                    let word = ASCII_WORD[usize::from(kept[k] & 0x7f)];
                    if word && start == NONE {
                        start = k;
                    } else if !word && start != NONE {
                        close(&kept, &mut start, k, &mut spans);
                    }
                }
                i += run;
                continue;
            }
            let c = text[i..].chars().next().expect("a char boundary");
            i += c.len_utf8();
            let Some(n) = normalize_char(c) else { continue };
            if is_word_char(n) {
                if start == NONE {
                    start = kept.len();
                }
                kept.extend_from_slice(n.encode_utf8(&mut [0; 4]).as_bytes());
            } else {
                close(&kept, &mut start, kept.len(), &mut spans);
            }
        }
        close(&kept, &mut start, kept.len(), &mut spans);
        let kept = String::from_utf8(kept).expect("built from whole characters");
        let mut tokens = Self {
            text: kept,
            spans,
            ..Default::default()
        };
        tokens.index();
        tokens
    }

    /// Builds the index of distinct forms.
    fn index(&mut self) {
        let Self {
            text,
            spans,
            forms,
            next,
            first_of_kind,
        } = self;
        *forms = HashTable::with_capacity(spans.len());
        *next = vec![END; 2 * spans.len()];
        let bytes = text.as_bytes();
        for (w, &(a, b)) in spans.iter().enumerate() {
            add_form(forms, next, first_of_kind, bytes, (a, b), w, 0);
            if bytes[a as usize] >= 0x80
                && let Some(rest) = arabic_stem(&text[a as usize..b as usize])
            {
                add_form(
                    forms,
                    next,
                    first_of_kind,
                    bytes,
                    (b - rest.len() as u32, b),
                    w,
                    1,
                );
            }
        }
    }

    fn word(&self, i: usize) -> &str {
        let (a, b) = self.spans[i];
        &self.text[a as usize..b as usize]
    }

    fn form_text(&self, f: &Form) -> &str {
        &self.text[f.start as usize..f.end as usize]
    }

    fn form_bytes(&self, f: &Form) -> &[u8] {
        &self.text.as_bytes()[f.start as usize..f.end as usize]
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

    /// The distinct words among the first `limit` words, each once, where it first occurs:
    /// (index among the words, word).
    pub fn distinct_words(&self, limit: usize) -> impl Iterator<Item = (usize, &str)> {
        self.first_of_kind
            .iter()
            .map(|&i| i as usize)
            .take_while(move |&i| i < limit)
            .map(|i| (i, self.word(i)))
    }

    /// The occurrences of `form`, in text order.
    fn occurrences_of(&self, form: &Form) -> impl Iterator<Item = Occurrence> + '_ {
        let mut at = form.first;
        std::iter::from_fn(move || {
            let here = at;
            at = *self.next.get(here as usize)?;
            Some((here / 2, (here % 2) as u8))
        })
    }

    /// True if the words after word `i` continue `rest`.
    fn continues(&self, i: usize, rest: &[String]) -> bool {
        self.len() > i + rest.len()
            && rest
                .iter()
                .enumerate()
                .all(|(k, p)| p == self.word(i + 1 + k))
    }

    /// Pairs of (a distinct form of the message, the list key equal to it), looked up from
    /// the smaller side.
    fn shared_keys<'a>(&'a self, lists: &'a WordLists) -> Vec<(&'a Form, &'a Keyed)> {
        if lists.keys.len() <= self.forms.len() {
            lists
                .keys
                .iter()
                .filter_map(|(key, keyed)| {
                    let key = key.as_bytes();
                    let h = hash(key);
                    let f = self
                        .forms
                        .find(h, |f| f.hash == h && self.form_bytes(f) == key)?;
                    Some((f, keyed))
                })
                .collect()
        } else {
            self.forms
                .iter()
                .filter_map(|f| Some((f, lists.keys.get(self.form_text(f))?)))
                .collect()
        }
    }

    /// Every place an entry of `lists` is found, with `first_only` stopping at one.
    fn hits(&self, lists: &WordLists, first_only: bool) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (form, keyed) in self.shared_keys(lists) {
            // A single word counts where it first occurs; a phrase where it first continues.
            let (w, stripped) = (form.first / 2, (form.first % 2) as u8);
            for (n, &at) in keyed.single.iter().enumerate() {
                hits.push(((w, stripped, 0, n as u32), at));
            }
            for (n, (at, rest)) in keyed.phrases.iter().enumerate() {
                if let Some((w, stripped)) = self
                    .occurrences_of(form)
                    .find(|&(w, _)| self.continues(w as usize, rest))
                {
                    hits.push(((w, stripped, 1, n as u32), *at));
                }
            }
            if first_only && !hits.is_empty() {
                break;
            }
        }
        hits
    }

    /// Entries of every list found in these tokens, each once, in order of first occurrence
    /// (see [`Found`]).
    pub fn find(&self, lists: &WordLists) -> Found {
        let mut hits = self.hits(lists, false);
        hits.sort_unstable();
        let mut found = Found(vec![Vec::new(); lists.entries.len()]);
        for (_, (list, entry)) in hits {
            let slot = &mut found.0[list as usize];
            if !slot.contains(&entry) {
                slot.push(entry);
            }
        }
        found
    }

    /// The entries of a single list found in these tokens, in text order, each once.
    pub fn matches<'a>(&self, list: &'a WordList) -> Vec<&'a str> {
        list.0.entries_of(0, &self.find(&list.0))
    }

    /// True if any entry of `list` occurs.
    pub fn contains_any(&self, list: &WordList) -> bool {
        !self.hits(&list.0, true).is_empty()
    }
}

/// An Arabic word without a glued prefix, when it has one and two letters remain.
fn arabic_stem(word: &str) -> Option<&str> {
    if !is_arabic(word) {
        return None;
    }
    ARABIC_PREFIXES.iter().find_map(|p| {
        word.strip_prefix(p)
            .filter(|rest| rest.chars().count() >= 2)
    })
}

/// Entry indices found per list, in order of first occurrence in the text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found(Vec<Vec<u32>>);

/// Where an entry lives: (list, entry index within the list).
type At = (u16, u32);

/// Several word lists indexed together, so a text is matched once against all of them.
/// Entries are words or phrases (several words separated by spaces), normalised when built.
#[derive(Debug, Clone, Default)]
pub struct WordLists {
    /// The entries as written, per list (for explanations).
    entries: Vec<Vec<String>>,
    /// Entries by their first normalised word.
    keys: FxHashMap<String, Keyed>,
}

/// The entries that start with one word.
#[derive(Debug, Clone, Default)]
struct Keyed {
    /// Entries that are this word alone.
    single: Vec<At>,
    /// Phrases: where they live and the words after the first.
    phrases: Vec<(At, Vec<String>)>,
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
                let keyed = all.keys.entry(first).or_default();
                if rest.is_empty() {
                    keyed.single.push(at);
                } else {
                    keyed.phrases.push((at, rest));
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

/// Escapes text for HTML (element content and quoted attributes): `& < > " '`. The one
/// escaper of every HTML musaid writes (digests, acknowledgements).
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_covers_both_quotes() {
        assert_eq!(
            html_escape("<a title='x' href=\"y\">&</a>"),
            "&lt;a title=&#39;x&#39; href=&quot;y&quot;&gt;&amp;&lt;/a&gt;"
        );
    }

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

    /// The tokeniser, one character at a time: what the ASCII runs of [`Tokens::new`] must equal.
    fn words_one_char_at_a_time(text: &str) -> Vec<String> {
        let (mut words, mut word) = (Vec::new(), String::new());
        let mut flush = |word: &mut String| {
            let w = word.trim_matches('\'');
            if !w.is_empty() {
                words.push(w.to_string());
            }
            word.clear();
        };
        for c in compatibility_folded(text).chars() {
            match normalize_char(c) {
                None => {}
                Some(n) if is_word_char(n) => word.push(n),
                Some(_) => flush(&mut word),
            }
        }
        flush(&mut word);
        words
    }

    #[test]
    fn ascii_runs_cut_as_one_character_at_a_time_does() {
        let long = "x".repeat(70);
        let texts = [
            "",
            "'",
            "''' ' '",
            "Don't 'quoted' rock'n'roll's o'clock''",
            "a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 end",
            "UPPER lower MiXeD-case, punctuation!?; (brackets) [x] {y} <z> \"q\" 3.14 10:30",
            "عاجل: الرد اليوم ٢٠٢٦ Meeting at 10am مع الفريق",
            "ﻋﺎﺟﻞ presentation forms, zero\u{200C}width, فوری, ی ک",
            "line one\r\nline two\ttabbed\u{00A0}nbsp café naïve ŞEHİR Straße",
            long.as_str(),
            "word' 'word ' word ''word'' x'y",
        ];
        for text in texts {
            let fast: Vec<String> = Tokens::new(text).words().map(str::to_string).collect();
            assert_eq!(fast, words_one_char_at_a_time(text), "{text:?}");
        }
        // ASCII runs of every length next to other scripts.
        for n in 0..70 {
            let text = format!(
                "{}é{} ع {}",
                "ab ".repeat(n),
                "c".repeat(n),
                "'d' ".repeat(n)
            );
            let fast: Vec<String> = Tokens::new(&text).words().map(str::to_string).collect();
            assert_eq!(fast, words_one_char_at_a_time(&text), "{text:?}");
        }
    }

    #[test]
    fn distinct_words_come_once_where_first_seen() {
        let t = Tokens::new("Please pay, please PAY today; البيت بيت بيت");
        let distinct: Vec<(usize, &str)> = t.distinct_words(usize::MAX).collect();
        // "بيت" is first seen without its article inside "البيت", then as a whole word.
        assert_eq!(
            distinct,
            vec![
                (0, "please"),
                (1, "pay"),
                (4, "today"),
                (5, "البيت"),
                (6, "بيت")
            ]
        );
        let limited: Vec<&str> = t.distinct_words(4).map(|(_, w)| w).collect();
        assert_eq!(limited, ["please", "pay"]);
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
    fn presentation_forms_format_characters_and_persian_letters_are_folded() {
        let list = WordList::new(["عاجل", "فوري", "شكرا"]);
        // Arabic presentation forms B, as some PDF-to-text tools and old systems write them.
        assert!(Tokens::new("ﻋﺎﺟﻞ").contains_any(&list));
        // A zero-width non-joiner and a right-to-left mark inside the word.
        assert!(Tokens::new("طلب عا\u{200C}جل").contains_any(&list));
        assert!(Tokens::new("\u{200F}عاجل\u{200E}").contains_any(&list));
        // Persian yeh and kaf.
        assert!(Tokens::new("فوری").contains_any(&list));
        assert!(Tokens::new("شکرا").contains_any(&list));
        assert_eq!(normalize("ﻋﺎﺟﻞ ﻻ"), "عاجل لا");
        // Full-width Latin folds too; the byte-order mark is dropped, not folded.
        assert_eq!(normalize("\u{FEFF}ＵＲＧＥＮＴ"), "urgent");
        assert!(!has_compatibility_forms("plain text, عاجل"));
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
    fn entries_come_in_text_order_whichever_side_is_looked_up() {
        let text =
            "Please call me today about the budget, then call again: budget first, today later";
        // Fewer entries than distinct words: the entries are looked up in the message.
        let small = WordList::new(["today", "budget", "call again"]);
        // More entries than distinct words: the message's words are looked up in the list.
        let mut many: Vec<String> = (0..200).map(|i| format!("filler{i}")).collect();
        many.extend(["today", "budget", "call again"].map(String::from));
        let large = WordList::new(&many);
        let t = Tokens::new(text);
        assert_eq!(t.matches(&small), vec!["today", "budget", "call again"]);
        assert_eq!(t.matches(&large), vec!["today", "budget", "call again"]);
        assert!(t.contains_any(&large) && t.contains_any(&small));
        let none = WordList::new(["absent", "call later"]);
        assert!(!t.contains_any(&none));
        assert!(t.matches(&none).is_empty());
    }

    #[test]
    fn apostrophes_and_mixed_scripts_tokenise() {
        let t = Tokens::new("'quoted' don't ÄRGER ‘x’ وبالعاجل ١٢");
        let words: Vec<&str> = t.words().collect();
        assert_eq!(
            words,
            vec!["quoted", "don't", "ärger", "x", "وبالعاجل", "12"]
        );
        assert!(t.contains_any(&WordList::new(["عاجل"])));
    }

    #[test]
    fn arabic_detection() {
        assert!(looks_arabic("مرحبا، هل يمكننا الاجتماع غدا؟ Thanks"));
        assert!(!looks_arabic("Hello there, meeting tomorrow?"));
        assert!(!looks_arabic("1234"));
    }
}
