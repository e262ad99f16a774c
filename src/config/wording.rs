//! Serde's and the TOML parser's messages in an administrator's words.
//!
//! The loader meets structural problems through serde ("invalid type: string \"x\",
//! expected u32", "unknown field `listn`, expected one of …"). Those words are Rust's; this
//! module rewrites them into the configuration's own terms (a whole number, true or false,
//! a list, a table, text in quotes) and, for an unknown key, suggests the known key it was
//! most likely meant to be. It only rewrites text: what counts as an error is decided by the
//! serde structures in [`super::raw`] and by [`super::validate`].

/// What a structural message is about, as far as the loader needs to know to get past it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A key the table does not have; `known` are the keys it does.
    UnknownKey { key: String, known: Vec<String> },
    /// A required key left out.
    MissingKey { key: String },
    /// Anything else: a wrong type or value of the element at the error's path.
    Value,
}

/// Reads serde's message.
pub fn problem(message: &str) -> Problem {
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (key, expected) = match rest.split_once(", expected ") {
            Some((key, expected)) => (key, expected),
            None => (rest.split(',').next().unwrap_or(rest), ""),
        };
        return Problem::UnknownKey {
            key: unquote(key).to_string(),
            known: backticked(expected),
        };
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return Problem::MissingKey {
            key: unquote(rest).to_string(),
        };
    }
    Problem::Value
}

/// The message to show for a structural problem.
pub fn in_words(message: &str) -> String {
    match problem(message) {
        Problem::UnknownKey { key, known } => match did_you_mean(&key, &known) {
            Some(best) => format!("unknown key `{key}`; did you mean `{best}`?"),
            None if known.is_empty() => format!("unknown key `{key}`: this table takes no keys"),
            None if known.len() <= 12 => format!(
                "unknown key `{key}`; the keys here are {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => format!("unknown key `{key}` (see musaid.toml(5) for the keys of this table)"),
        },
        Problem::MissingKey { key } => format!("`{key}` is required here"),
        Problem::Value => types_in_words(message),
    }
}

/// The message for an unknown key outside any table: a misspelt section, or a key whose
/// `[table]` header is missing or broken.
pub fn unknown_at_top(message: &str) -> String {
    match problem(message) {
        Problem::UnknownKey { key, known } => match did_you_mean(&key, &known) {
            Some(best) => format!("unknown section `{key}`; did you mean `{best}`?"),
            None => format!("unknown key `{key}` outside any [table]"),
        },
        _ => in_words(message),
    }
}

/// `problem`, and "did you mean …?" when `written` is a likely typo of one of `known` (a
/// category, a time zone, a weekday).
pub fn with_suggestion(written: &str, problem: &str, known: &[String]) -> String {
    match did_you_mean(written.trim(), known) {
        Some(best) => format!("{problem}; did you mean {best:?}?"),
        None => problem.to_string(),
    }
}

/// The known key closest to `key`, if it is close enough to be a typo.
/// A typo is a few edits away (at most a third of the key, up to three), or the known key
/// with something added or cut off (`listen_port` for `listen`).
pub fn did_you_mean<'k>(key: &str, known: &'k [String]) -> Option<&'k str> {
    let key_lower = key.to_lowercase();
    let typo = known
        .iter()
        .map(|k| {
            (
                strsim::damerau_levenshtein(&key_lower, &k.to_lowercase()),
                k,
            )
        })
        .filter(|(d, k)| *d <= (k.chars().count() / 3).clamp(1, 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str());
    typo.or_else(|| {
        known
            .iter()
            .filter(|k| {
                let k = k.to_lowercase();
                let (short, long) = if k.len() < key_lower.len() {
                    (k.as_str(), key_lower.as_str())
                } else {
                    (key_lower.as_str(), k.as_str())
                };
                short.len() >= 4 && long.starts_with(short)
            })
            .min_by_key(|k| k.len().abs_diff(key.len()))
            .map(String::as_str)
    })
}

/// "invalid type: string \"many\", expected u32" → "expected a whole number, found the
/// text \"many\"".
fn types_in_words(message: &str) -> String {
    let message = message.trim();
    let typed = ["invalid type: ", "invalid value: "]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.rsplit_once(", expected "));
    let (found, expected) = match (typed, message.strip_prefix("expected ")) {
        (Some((found, expected)), _) => (Some(found), expected),
        (None, Some(expected)) => (None, expected),
        (None, None) => return message.to_string(),
    };
    let expected = expected_in_words(expected);
    match found.map(found_in_words) {
        Some(found) => format!("expected {expected}, found {found}"),
        None => format!("expected {expected}"),
    }
}

fn expected_in_words(expected: &str) -> String {
    let word = match expected.trim() {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, zero or more",
        "i8" | "i16" | "i32" | "i64" | "isize" | "an integer" => "a whole number",
        "f32" | "f64" | "a float" => "a number",
        "a boolean" => "true or false",
        "a string" | "a borrowed string" | "a character" => "text in quotes",
        "a sequence" => "a list [ … ]",
        "a map" => "a table",
        other if other.starts_with("struct ") => "a table",
        other => return other.to_string(),
    };
    word.to_string()
}

fn found_in_words(found: &str) -> String {
    let found = found.trim();
    if let Some(s) = found.strip_prefix("string ") {
        return format!("the text {s}");
    }
    for (prefix, what) in [
        ("integer ", "the number "),
        ("floating point ", "the number "),
        ("boolean ", ""),
    ] {
        if let Some(v) = found.strip_prefix(prefix) {
            return format!("{what}{}", v.trim_matches('`'));
        }
    }
    match found {
        "sequence" => "a list".to_string(),
        "map" => "a table".to_string(),
        other => other.to_string(),
    }
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches('`')
}

/// The `quoted` words of "`a`, `b` or `c`" / "one of `a`, `b`".
fn backticked(s: &str) -> Vec<String> {
    s.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_key_close_to_a_known_one_gets_a_suggestion() {
        let m = "unknown field `listn`, expected one of `listen`, `socket_mode`, `mode`";
        assert_eq!(in_words(m), "unknown key `listn`; did you mean `listen`?");
        let m = "unknown field `colour`, expected `name` or `priority`";
        assert_eq!(
            in_words(m),
            "unknown key `colour`; the keys here are `name`, `priority`"
        );
        let m = "unknown field `x`, there are no fields";
        assert_eq!(in_words(m), "unknown key `x`: this table takes no keys");
        let m = "unknown field `milterr`, expected one of `milter`, `store`";
        assert_eq!(
            unknown_at_top(m),
            "unknown section `milterr`; did you mean `milter`?"
        );
        let m = "unknown field `relay`, expected one of `milter`, `store`";
        assert_eq!(unknown_at_top(m), "unknown key `relay` outside any [table]");
    }

    #[test]
    fn suggestions_need_a_typo_not_a_different_word() {
        let known = ["retention_days".to_string(), "timeout".to_string()];
        assert_eq!(
            did_you_mean("retension_days", &known),
            Some("retention_days")
        );
        assert_eq!(did_you_mean("Timeout", &known), Some("timeout"));
        assert_eq!(did_you_mean("url", &known), None);
        let known = ["listen".to_string(), "socket_mode".to_string()];
        assert_eq!(did_you_mean("listen_port", &known), Some("listen"));
        assert_eq!(did_you_mean("sock", &known), Some("socket_mode"));
    }

    #[test]
    fn types_are_named_in_words() {
        assert_eq!(
            in_words("invalid type: string \"many\", expected i64"),
            "expected a whole number, found the text \"many\""
        );
        assert_eq!(
            in_words("invalid type: integer `3`, expected a boolean"),
            "expected true or false, found the number 3"
        );
        assert_eq!(
            in_words("invalid value: integer `-1`, expected usize"),
            "expected a whole number, zero or more, found the number -1"
        );
        assert_eq!(
            in_words("invalid type: string \"a\", expected a sequence"),
            "expected a list [ … ], found the text \"a\""
        );
        assert_eq!(
            in_words("invalid type: sequence, expected struct RawMilter"),
            "expected a table, found a list"
        );
        assert_eq!(
            in_words("missing field `address`"),
            "`address` is required here"
        );
    }
}
