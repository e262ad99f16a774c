//! Configuration: the TOML file, command-line overrides, validation into a typed model.
//!
//! Loading is all-or-nothing: the file is parsed ([`raw`], unknown keys are errors), then
//! [`validate`] checks every value and compiles rules, collecting *every* problem instead of
//! stopping at the first. Each [`ConfigError`] names the file, the line and the key path
//! (`rule[2].then.reject.code`), found through a span-keeping parse of the same text. On
//! SIGHUP the server calls [`load`] again and keeps the old configuration if it fails.

pub mod category;
pub mod lexicon;
pub mod model;
pub mod raw;
pub mod rule;
mod validate;

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
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// Key path, when known.
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in one file.
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
        ConfigErrors(vec![ConfigError {
            file: file.clone(),
            line: None,
            key: None,
            message: format!("cannot read: {e}"),
        }])
    })?;
    let mut config = from_str(&text, &file, overrides)?;
    config.source = Some(PathBuf::from(path));
    Ok(config)
}

/// Parses and validates configuration text; `file` names it in errors.
pub fn from_str(text: &str, file: &str, overrides: &Overrides) -> Result<Config, ConfigErrors> {
    let locator = Locator::new(text);
    let de = toml::Deserializer::parse(text).map_err(|e| {
        ConfigErrors(vec![ConfigError {
            file: file.to_string(),
            line: e.span().map(|s| locator.line_of(s.start)),
            key: None,
            message: e.message().trim().to_string(),
        }])
    })?;
    let raw: raw::RawConfig = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = key_path_of(e.path());
        let inner = e.inner();
        let line = inner
            .span()
            .map(|s| locator.line_of(s.start))
            .or_else(|| locator.line_of_path(&path));
        ConfigErrors(vec![ConfigError {
            file: file.to_string(),
            line,
            key: (!path.0.is_empty()).then(|| path.to_string()),
            message: inner.message().trim().to_string(),
        }])
    })?;
    validate::validate(raw, overrides).map_err(|problems| {
        ConfigErrors(
            problems
                .into_iter()
                .map(|(path, message)| ConfigError {
                    file: file.to_string(),
                    line: locator.line_of_path(&path),
                    key: (!path.0.is_empty()).then(|| path.to_string()),
                    message,
                })
                .collect(),
        )
    })
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

/// Finds the line of a key path in the configuration text.
struct Locator<'a> {
    text: &'a str,
    tree: Option<toml::Spanned<toml::de::DeTable<'a>>>,
}

impl<'a> Locator<'a> {
    fn new(text: &'a str) -> Self {
        Locator {
            text,
            tree: toml::de::DeTable::parse(text).ok(),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// The line of the deepest element of `path` present in the file.
    fn line_of_path(&self, path: &KeyPath) -> Option<usize> {
        use toml::de::DeValue;
        let tree = self.tree.as_ref()?;
        let mut table = tree.get_ref();
        let mut value: Option<&toml::Spanned<DeValue<'_>>> = None;
        let mut span = None;
        for seg in &path.0 {
            match seg {
                PathSeg::Key(k) => {
                    let t = match value {
                        None => table,
                        Some(v) => match v.get_ref() {
                            DeValue::Table(t) => t,
                            _ => break,
                        },
                    };
                    let Some((key, v)) = t.iter().find(|(key, _)| key.get_ref() == k) else {
                        break;
                    };
                    span = Some(key.span());
                    value = Some(v);
                    table = t;
                }
                PathSeg::Index(i) => {
                    let Some(DeValue::Array(items)) = value.map(|v| v.get_ref()) else {
                        break;
                    };
                    let Some(item) = items.get(*i) else { break };
                    span = Some(item.span());
                    value = Some(item);
                }
            }
        }
        span.map(|s| self.line_of(s.start))
    }
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
        assert!(e[0].starts_with("t.toml:3: milter"), "{}", e[0]);
        assert!(e[0].contains("listen_port"), "{}", e[0]);
    }

    #[test]
    fn unknown_key_deep_in_a_rule() {
        let text = "[[rule]]\nname = \"a\"\nthen = { category = \"urgent\" }\n\n[[rule]]\nname = \"b\"\nwhen = { sender = \"x@y\", colour = \"red\" }\nthen = { stop = true }\n";
        let e = errors(text);
        assert!(e[0].starts_with("t.toml:7: rule[1].when"), "{}", e[0]);
        assert!(e[0].contains("colour"), "{}", e[0]);
    }

    #[test]
    fn wrong_type_is_located() {
        let e = errors("[store]\nretention_days = \"many\"\n");
        assert!(
            e[0].starts_with("t.toml:2: store.retention_days"),
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
            e[0].starts_with("t.toml:4: rule[0].then.escalate.to"),
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
        assert!(e[0].starts_with("t.toml:2"), "{}", e[0]);
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
        assert!(joined.contains("t.toml:3: milter.listen:"), "{joined}");
        assert!(
            joined.contains("t.toml:7: mailbox[0].time_zone:"),
            "{joined}"
        );
        assert!(
            joined.contains("t.toml:8: mailbox[0].working_days:"),
            "{joined}"
        );
        assert!(
            joined.contains("t.toml:12: rule[0].when.header.regex:"),
            "{joined}"
        );
        assert!(
            joined.contains("t.toml:13: rule[0].then.reject.code:"),
            "{joined}"
        );
        assert!(
            joined.contains("t.toml:13: rule[0].then.category:"),
            "{joined}"
        );
        assert_eq!(e.len(), 6, "{joined}");
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
        assert!(e[0].starts_with("t.toml:5: rule[1].name:"), "{}", e[0]);
    }
}
