//! Configuration: the TOML file, command-line overrides, validation into a typed model.
//!
//! Loading is all-or-nothing and reports *every* problem, the way a compiler does: syntax
//! errors from a recovering parse, unknown keys and wrong types from deserialising into
//! [`raw`] again after taking each offending element out of the tree, then [`validate`]'s
//! checks of every value and rule. Each [`ConfigError`] names the file, line and column
//! ([`locate`]), the key in the administrator's terms (`rule "vip-urgent".then.reject.code`)
//! and says what is wrong in words ([`wording`]: "expected a whole number", "did you mean
//! `listen`?"); [`ConfigError::render`] adds the source line and a caret. On SIGHUP the
//! server calls [`load`] again and keeps the old configuration if it fails.

pub mod category;
pub mod lexicon;
pub mod locate;
pub mod model;
pub mod raw;
pub mod rule;
mod validate;
mod wording;

pub use model::{Config, Language, ListenAddr, Mailbox, MilterSettings, StoreSettings, StoreUrl};

use std::fmt;
use std::path::{Path, PathBuf};

/// Default location of the configuration file.
pub const DEFAULT_PATH: &str = "/etc/musaid/musaid.toml";

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
}

/// A key path such as `rule[2].then.reject.code`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<PathSeg>);

impl KeyPath {
    /// A path with one more key.
    pub fn key(&self, k: &str) -> KeyPath {
        let mut p = self.0.clone();
        p.push(PathSeg::Key(k.to_string()));
        KeyPath(p)
    }

    /// A path with one more index.
    pub fn index(&self, i: usize) -> KeyPath {
        let mut p = self.0.clone();
        p.push(PathSeg::Index(i));
        KeyPath(p)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) if i == 0 => write!(f, "{k}")?,
                PathSeg::Key(k) => write!(f, ".{k}")?,
                PathSeg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One problem in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// Where in the file, when known.
    pub position: Option<locate::Position>,
    /// What the problem is about: `milter.listen`, `rule "vip-urgent".then.reject.code`.
    pub key: Option<String>,
    pub message: String,
}

impl ConfigError {
    fn whole_file(file: &str, message: String) -> Self {
        ConfigError {
            file: file.to_string(),
            position: None,
            key: None,
            message,
        }
    }

    /// 1-based line, when known.
    pub fn line(&self) -> Option<usize> {
        self.position.as_ref().map(|p| p.line)
    }

    /// The error as a compiler prints it: the message, the place, the source line and a caret
    /// under what is wrong.
    pub fn render(&self) -> String {
        let mut out = String::from("error: ");
        if let Some(key) = &self.key {
            out.push_str(key);
            out.push_str(": ");
        }
        out.push_str(&self.message);
        out.push('\n');
        let Some(p) = &self.position else {
            out.push_str(&format!("  --> {}\n", self.file));
            return out;
        };
        let gutter = p.line.to_string().len();
        let pad = " ".repeat(gutter);
        let lead: String = p
            .source_line
            .chars()
            .take(p.column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!("{pad}--> {}:{}:{}\n", self.file, p.line, p.column));
        out.push_str(&format!("{pad} |\n"));
        out.push_str(&format!("{} | {}\n", p.line, p.source_line));
        out.push_str(&format!("{pad} | {lead}{}\n", "^".repeat(p.width)));
        out
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(p) = &self.position {
            write!(f, ":{}:{}", p.line, p.column)?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in one file, in the order of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Settings given on the command line; they win over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub listen: Option<String>,
    pub store: Option<String>,
    pub log_level: Option<String>,
}

/// Reads, parses and validates the configuration file at `path`, then applies `overrides`.
pub fn load(path: &Path, overrides: &Overrides) -> Result<Config, ConfigErrors> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigErrors(vec![ConfigError::whole_file(
            &file,
            format!("cannot read: {e}"),
        )])
    })?;
    let mut config = from_str(&text, &file, overrides)?;
    config.source = Some(PathBuf::from(path));
    Ok(config)
}

/// Problems found beyond this many are not looked for (each one costs a deserialisation).
const MAX_PROBLEMS: usize = 200;

/// Parses and validates configuration text; `file` names it in errors.
///
/// Every problem is reported, not just the first: syntax errors come from the TOML parser's
/// recovering parse; structural ones (unknown keys, wrong types, missing keys) from
/// deserialising again after taking each offending element out of the tree; the values of
/// what remains are then validated. A problem caused only by an earlier one (a required key
/// whose wrong value was taken out) is not reported twice.
pub fn from_str(text: &str, file: &str, overrides: &Overrides) -> Result<Config, ConfigErrors> {
    let mut found = Found {
        text,
        file,
        errors: Vec::new(),
        removed: Vec::new(),
    };
    let (mut tree, syntax) = toml::de::DeTable::parse_recoverable(text);
    for e in &syntax {
        let message = e.message().trim().replace('\n', "; ");
        found.push(e.span(), None, message);
    }
    let raw = found.deserialize(&mut tree);
    let config = raw.map(|raw| validate::validate(raw, overrides));
    match config {
        Some(Ok(config)) if found.errors.is_empty() => Ok(config),
        Some(Err(problems)) => {
            for (path, message) in problems {
                if found.follows_from_removal(&path) {
                    continue;
                }
                let span = locate::value_span_of(&tree, &path);
                let key = (!path.0.is_empty()).then(|| locate::label(&tree, &path));
                found.push(span, key, message);
            }
            Err(found.finish())
        }
        _ => Err(found.finish()),
    }
}

/// The problems found so far in one text, and what was taken out of its tree to find them.
struct Found<'t> {
    text: &'t str,
    file: &'t str,
    errors: Vec<ConfigError>,
    /// Paths taken out of the tree; for an array element, the array (its later elements
    /// moved down, so positions in it no longer match the file).
    removed: Vec<KeyPath>,
}

impl Found<'_> {
    fn push(&mut self, span: Option<std::ops::Range<usize>>, key: Option<String>, message: String) {
        self.errors.push(ConfigError {
            file: self.file.to_string(),
            position: span.map(|s| locate::position(self.text, s)),
            key,
            message,
        });
    }

    /// Deserialises the tree, taking out each element serde stops at, until it deserialises
    /// or nothing more can be taken out.
    fn deserialize(&mut self, tree: &mut locate::Tree<'_>) -> Option<raw::RawConfig> {
        use wording::Problem;
        for _ in 0..MAX_PROBLEMS {
            let de = toml::de::Deserializer::from(tree.clone());
            let e = match serde_path_to_error::deserialize::<_, raw::RawConfig>(de) {
                Ok(raw) => return Some(raw),
                Err(e) => e,
            };
            let path = key_path_of(e.path());
            let inner = e.into_inner();
            let message = inner.message().trim().to_string();
            let label = |path: &KeyPath| (!path.0.is_empty()).then(|| locate::label(tree, path));
            // What to take out of the tree, where it is, what to say; `report` is false for a
            // key missing only because its wrong value was taken out before.
            let (target, span, key, words, report) = match wording::problem(&message) {
                Problem::UnknownKey { key, .. } => {
                    // The path may end at the table or already at the unknown key.
                    let table = match path.0.split_last() {
                        Some((PathSeg::Key(k), table)) if *k == key => KeyPath(table.to_vec()),
                        _ => path,
                    };
                    // Named by its table: the message names the key.
                    let words = if table.0.is_empty() {
                        wording::unknown_at_top(&message)
                    } else {
                        wording::in_words(&message)
                    };
                    let span = locate::key_span(tree, &table, &key);
                    (table.key(&key), span, label(&table), words, true)
                }
                Problem::MissingKey { key } => {
                    let report = !self.removed.contains(&path.key(&key));
                    let span = locate::span_of(tree, &path);
                    let key = label(&path);
                    (path, span, key, wording::in_words(&message), report)
                }
                Problem::Value => {
                    let span = inner.span().or_else(|| locate::span_of(tree, &path));
                    let key = label(&path);
                    (path, span, key, wording::in_words(&message), true)
                }
            };
            let taken_out = self.take_out(tree, &target);
            if report || !taken_out {
                self.push(span.or(inner.span()), key, words);
            }
            if !taken_out {
                return None;
            }
        }
        None
    }

    fn take_out(&mut self, tree: &mut locate::Tree<'_>, path: &KeyPath) -> bool {
        if !locate::remove(tree, path) {
            return false;
        }
        match path.0.split_last() {
            Some((PathSeg::Index(_), array)) => self.removed.push(KeyPath(array.to_vec())),
            _ => self.removed.push(path.clone()),
        }
        true
    }

    /// True if a problem at `path` may be an echo of something taken out of the tree.
    fn follows_from_removal(&self, path: &KeyPath) -> bool {
        self.removed
            .iter()
            .any(|r| r.0.starts_with(&path.0) || path.0.starts_with(&r.0))
    }

    fn finish(mut self) -> ConfigErrors {
        self.errors.sort_by_key(|e| {
            e.position
                .as_ref()
                .map_or((usize::MAX, 0), |p| (p.line, p.column))
        });
        self.errors.dedup();
        ConfigErrors(self.errors)
    }
}

/// The built-in defaults with `overrides` applied (used when no file exists).
pub fn defaults(overrides: &Overrides) -> Result<Config, ConfigErrors> {
    from_str("", "<defaults>", overrides)
}

fn key_path_of(path: &serde_path_to_error::Path) -> KeyPath {
    use serde_path_to_error::Segment;
    KeyPath(
        path.iter()
            .filter_map(|seg| match seg {
                Segment::Seq { index } => Some(PathSeg::Index(*index)),
                Segment::Map { key } => Some(PathSeg::Key(key.clone())),
                Segment::Enum { variant } => Some(PathSeg::Key(variant.clone())),
                Segment::Unknown => None,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        from_str(text, "t.toml", &Overrides::default())
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = from_str("", "t.toml", &Overrides::default()).unwrap();
        assert_eq!(c.milter.listen.to_string(), "inet:127.0.0.1:7357");
        assert_eq!(c.store.url.to_string(), "sqlite:/var/lib/musaid/musaid.db");
        assert!(c.rules.is_empty());
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let e = errors("[milter]\nlisten = \"inet:127.0.0.1:1\"\nlisten_port = 3\n");
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0],
            "t.toml:3:1: milter: unknown key `listen_port`; did you mean `listen`?"
        );
    }

    #[test]
    fn unknown_key_deep_in_a_rule() {
        let text = "[[rule]]\nname = \"a\"\nthen = { category = \"urgent\" }\n\n[[rule]]\nname = \"b\"\nwhen = { sender = \"x@y\", colour = \"red\" }\nthen = { stop = true }\n";
        let e = errors(text);
        assert!(
            e[0].starts_with("t.toml:7:26: rule \"b\".when: "),
            "{}",
            e[0]
        );
        assert!(e[0].contains("colour"), "{}", e[0]);
    }

    #[test]
    fn wrong_type_is_located() {
        let e = errors("[store]\nretention_days = \"many\"\n");
        assert!(
            e[0] == "t.toml:2:18: store.retention_days: expected a whole number, found the text \"many\"",
            "{}",
            e[0]
        );
    }

    #[test]
    fn escalation_webhooks_are_checked() {
        let rule = |escalate: &str| {
            format!(
                "[[rule]]\nname = \"e\"\nwhen.category = \"urgent\"\nthen = {{ escalate = {escalate} }}\n"
            )
        };
        let e = errors(&rule("{ to = \"https://\" }"));
        assert!(
            e[0].starts_with("t.toml:4:28: rule \"e\".then.escalate.to"),
            "{}",
            e[0]
        );
        let e = errors(&rule(
            "{ to = \"https://hooks.example/x\", format = \"discord\" }",
        ));
        assert!(e[0].contains("escalate.format"), "{}", e[0]);
        assert!(e[0].contains("\"slack\" or \"teams\""), "{}", e[0]);
        let e = errors(&rule("{ to = \"not an address\" }"));
        assert!(e[0].contains("a webhook URL"), "{}", e[0]);
        use crate::config::rule::{EscalationTarget, WebhookFormat};
        let target = |text: &str| {
            let c = from_str(&rule(text), "t.toml", &Overrides::default()).unwrap();
            c.rules[0].then.escalate.clone().unwrap().to
        };
        assert_eq!(
            target("{ to = \"https://prod-01.westeurope.logic.azure.com/workflows/1\" }"),
            EscalationTarget::Webhook {
                url: "https://prod-01.westeurope.logic.azure.com/workflows/1".into(),
                format: WebhookFormat::Teams
            }
        );
        assert!(matches!(
            target("{ to = \"https://hooks.slack.com/services/T/B/X\" }"),
            EscalationTarget::Webhook {
                format: WebhookFormat::Slack,
                ..
            }
        ));
    }

    #[test]
    fn syntax_error_has_a_line() {
        let e = errors("[milter]\nlisten = \n");
        assert!(e[0].starts_with("t.toml:2:"), "{}", e[0]);
    }

    #[test]
    fn every_semantic_error_is_reported_with_its_line() {
        let text = r#"
[milter]
listen = "tcp:1"

[[mailbox]]
address = "ceo@example.com"
time_zone = "Mars/Base"
working_days = ["sun", "funday"]

[[rule]]
name = "r"
when = { header = { name = "Subject", regex = "(" } }
then = { reject = { code = "250", text = "no" }, category = "nonsense" }
"#;
        let e = errors(text);
        let joined = e.join("\n");
        assert!(joined.contains("t.toml:3:10: milter.listen:"), "{joined}");
        assert!(
            joined.contains("t.toml:7:13: mailbox \"ceo@example.com\".time_zone:"),
            "{joined}"
        );
        assert!(
            joined.contains("t.toml:8:16: mailbox \"ceo@example.com\".working_days:"),
            "{joined}"
        );
        assert!(
            joined.contains("t.toml:12:47: rule \"r\".when.header.regex:"),
            "{joined}"
        );
        assert!(
            joined.contains("t.toml:13:28: rule \"r\".then.reject.code:"),
            "{joined}"
        );
        assert!(
            joined.contains("t.toml:13:61: rule \"r\".then.category:"),
            "{joined}"
        );
        assert_eq!(e.len(), 6, "{joined}");
    }

    #[test]
    fn every_kind_of_problem_is_reported_at_once_in_file_order() {
        let text = "[milter]\nlistn = \"inet:127.0.0.1:1\"\nmax_connections = \"many\"\n\n[store]\nretension_days = 3\n\n[[rule]]\nname = \"vip\"\nthen = { category = \"urgnt\" }\n\n[outbox\nrelay = \"smtp://127.0.0.1:25\"\n";
        let e = errors(text);
        let lines: Vec<&str> = e.iter().map(|e| e.split(": ").next().unwrap()).collect();
        assert_eq!(
            lines,
            [
                "t.toml:2:1",
                "t.toml:3:19",
                "t.toml:6:1",
                "t.toml:10:21",
                "t.toml:12:8",
                "t.toml:13:1"
            ],
            "{e:#?}"
        );
        assert!(e[0].ends_with("did you mean `listen`?"), "{}", e[0]);
        assert!(
            e[1].ends_with("expected a whole number, found the text \"many\""),
            "{}",
            e[1]
        );
        assert!(e[2].ends_with("did you mean `retention_days`?"), "{}", e[2]);
        assert!(e[3].contains("rule \"vip\".then.category"), "{}", e[3]);
        assert!(e[4].contains("expected `]`"), "{}", e[4]);
    }

    #[test]
    fn a_required_key_taken_out_for_its_wrong_type_is_not_reported_again() {
        let e = errors(
            "[[category]]\nname = \"finance\"\npriority = \"high\"\n\n[milter]\nmode = \"loud\"\n",
        );
        assert_eq!(e.len(), 2, "{e:#?}");
        assert!(
            e[0].starts_with("t.toml:3:12: category \"finance\".priority: expected a whole number"),
            "{}",
            e[0]
        );
        assert!(e[1].starts_with("t.toml:6:8: milter.mode:"), "{}", e[1]);
    }

    #[test]
    fn misspelt_values_get_a_suggestion_too() {
        let e = errors(
            "[[mailbox]]\naddress = \"ceo@example.com\"\ntime_zone = \"Asia/Riyad\"\n\n[[rule]]\nname = \"r\"\nthen = { category = \"urgnt\" }\n",
        );
        assert_eq!(e.len(), 2, "{e:#?}");
        assert!(e[0].ends_with("did you mean \"Asia/Riyadh\"?"), "{}", e[0]);
        assert!(e[1].ends_with("did you mean \"urgent\"?"), "{}", e[1]);
        let e = errors("[defaults]\ntime_zone = \"Mars/Base\"\n");
        assert!(!e[0].contains("did you mean"), "{}", e[0]);
    }

    #[test]
    fn a_missing_required_key_names_the_table() {
        let e = errors("[[mailbox]]\nowner = \"Faisal\"\n");
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(
            e[0].contains("mailbox[0]: `address` is required here"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn rendered_errors_show_the_line_and_a_caret_under_the_value() {
        let e = from_str(
            "[store]\nretention_days = \"many\"\n",
            "t.toml",
            &Overrides::default(),
        )
        .unwrap_err();
        assert_eq!(
            e.0[0].render(),
            "error: store.retention_days: expected a whole number, found the text \"many\"\n --> t.toml:2:18\n  |\n2 | retention_days = \"many\"\n  |                  ^^^^^^\n"
        );
    }

    #[test]
    fn overrides_win_over_the_file() {
        let o = Overrides {
            listen: Some("unix:/tmp/m.sock".into()),
            store: Some("sqlite:/tmp/x.db".into()),
            log_level: Some("debug".into()),
        };
        let c = from_str(
            "[milter]\nlisten = \"inet:127.0.0.1:1\"\n[log]\nlevel = \"warn\"\n",
            "t.toml",
            &o,
        )
        .unwrap();
        assert_eq!(c.milter.listen.to_string(), "unix:/tmp/m.sock");
        assert_eq!(c.store.url.to_string(), "sqlite:/tmp/x.db");
        assert_eq!(c.log_level, "debug");
    }

    #[test]
    fn bad_override_is_named_as_such() {
        let o = Overrides {
            listen: Some("bogus".into()),
            ..Default::default()
        };
        let e = from_str("", "t.toml", &o).unwrap_err().to_string();
        assert!(e.contains("--listen"), "{e}");
    }

    #[test]
    fn duplicate_rule_names_are_errors() {
        let e = errors(
            "[[rule]]\nname = \"a\"\nthen = {stop = true}\n[[rule]]\nname = \"a\"\nthen = {stop = true}\n",
        );
        assert!(e[0].starts_with("t.toml:5:8: rule \"a\".name:"), "{}", e[0]);
    }
}
