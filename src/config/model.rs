//! The validated configuration: typed, compiled once, shared read-only by every connection.

use crate::classify::Category;
use crate::classify::lexicon::Lexicon;
use crate::classify::rules::Rule;
use crate::glob::AddressPattern;
use crate::schedule::Schedule;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// Where the milter listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    /// `inet:HOST:PORT` (`inet6:[HOST]:PORT` also accepted).
    Inet { host: String, port: u16 },
    /// `unix:PATH` (also `local:PATH`).
    Unix(PathBuf),
}

impl ListenAddr {
    /// Parses the Postfix/Sendmail socket notation.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Some(path) = s.strip_prefix("unix:").or_else(|| s.strip_prefix("local:")) {
            if path.is_empty() {
                return Err(
                    "unix: needs a socket path, e.g. unix:/var/spool/postfix/musaid/musaid.sock"
                        .into(),
                );
            }
            return Ok(ListenAddr::Unix(PathBuf::from(path)));
        }
        let rest = s
            .strip_prefix("inet:")
            .or_else(|| s.strip_prefix("inet6:"))
            .ok_or_else(|| format!("{s:?}: expected inet:HOST:PORT or unix:PATH"))?;
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or_else(|| format!("{s:?}: expected inet:HOST:PORT"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| format!("{s:?}: invalid port {port:?}"))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("{s:?}: missing host (use 127.0.0.1 for loopback)"));
        }
        Ok(ListenAddr::Inet {
            host: host.to_string(),
            port,
        })
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddr::Inet { host, port } if host.contains(':') => {
                write!(f, "inet:[{host}]:{port}")
            }
            ListenAddr::Inet { host, port } => write!(f, "inet:{host}:{port}"),
            ListenAddr::Unix(p) => write!(f, "unix:{}", p.display()),
        }
    }
}

/// Which store backend holds musaid's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// Embedded SQLite database at this path.
    Sqlite(PathBuf),
}

impl StoreUrl {
    /// Parses `sqlite:PATH` (`sqlite://PATH` also accepted).
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Some(path) = s.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(
                    "sqlite: needs a database path, e.g. sqlite:/var/lib/musaid/musaid.db".into(),
                );
            }
            return Ok(StoreUrl::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("redis") {
            return Err(format!(
                "{s:?}: this build of musaid has no Redis backend yet; use sqlite:PATH"
            ));
        }
        Err(format!("{s:?}: expected sqlite:PATH"))
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
        }
    }
}

/// `[milter]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MilterSettings {
    pub listen: ListenAddr,
    /// Permission bits of a unix socket.
    pub socket_mode: u32,
    pub max_connections: usize,
    /// Body bytes buffered for inspection; the rest of a larger body passes untouched.
    pub max_body_bytes: usize,
    /// Header bytes buffered for inspection.
    pub max_header_bytes: usize,
    /// An idle MTA connection is closed after this long.
    pub connection_timeout: Duration,
}

/// `[store]`.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreSettings {
    pub url: StoreUrl,
    /// Budget for the store work of one message; past it the message is tagged degraded.
    pub timeout: Duration,
    /// Counters older than this many days are deleted.
    pub retention_days: u32,
}

/// Reply and digest language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Ar,
}

/// One `[[mailbox]]`: a person (or shared address) musaid works for.
#[derive(Debug, Clone)]
pub struct Mailbox {
    /// Lower-cased address.
    pub address: String,
    /// Other addresses that deliver to the same person (lower-cased).
    pub aliases: Vec<String>,
    pub owner: Option<String>,
    pub delegate: Option<String>,
    pub manager: Option<String>,
    pub language: Language,
    pub schedule: Schedule,
    pub vip: Vec<AddressPattern>,
}

impl Mailbox {
    /// True if `address` is this mailbox or one of its aliases.
    pub fn owns(&self, address: &str) -> bool {
        let a = address.trim().to_ascii_lowercase();
        self.address == a || self.aliases.contains(&a)
    }

    /// True if `sender` is on this mailbox's VIP list.
    pub fn is_vip(&self, sender: &str) -> bool {
        !sender.is_empty() && self.vip.iter().any(|p| p.matches(sender))
    }
}

/// The whole validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (None for built-in defaults).
    pub source: Option<PathBuf>,
    pub milter: MilterSettings,
    pub store: StoreSettings,
    pub log_level: String,
    /// `{daemon_name}` values that mark an outbound (submission) message.
    pub submission_daemon_names: Vec<String>,
    /// Schedule and language for mail to no configured mailbox.
    pub default_schedule: Schedule,
    pub default_language: Language,
    /// Folder hint per category.
    pub folders: HashMap<Category, String>,
    /// Priority of each configured extra category.
    pub custom_categories: HashMap<Category, u8>,
    pub lexicon: Lexicon,
    pub mailboxes: Vec<Mailbox>,
    pub rules: Vec<Rule>,
}

impl Config {
    /// The mailbox that owns `address`, if any.
    pub fn mailbox(&self, address: &str) -> Option<&Mailbox> {
        self.mailboxes.iter().find(|m| m.owns(address))
    }

    /// Default priority of a category (built-in table or `[[category]]`).
    pub fn priority_of(&self, category: &Category) -> u8 {
        self.custom_categories
            .get(category)
            .copied()
            .unwrap_or_else(|| category.default_priority())
    }

    /// Settings that only take effect after a restart, which differ between two configs.
    pub fn restart_only_changes(&self, newer: &Config) -> Vec<&'static str> {
        let mut changed = Vec::new();
        if self.milter.listen != newer.milter.listen {
            changed.push("milter.listen");
        }
        if self.milter.socket_mode != newer.milter.socket_mode {
            changed.push("milter.socket_mode");
        }
        if self.milter.max_connections != newer.milter.max_connections {
            changed.push("milter.max_connections");
        }
        if self.milter.connection_timeout != newer.milter.connection_timeout {
            changed.push("milter.connection_timeout");
        }
        if self.store.url != newer.store.url {
            changed.push("store.url");
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses() {
        assert_eq!(
            ListenAddr::parse("inet:127.0.0.1:7357").unwrap(),
            ListenAddr::Inet {
                host: "127.0.0.1".into(),
                port: 7357
            }
        );
        assert_eq!(
            ListenAddr::parse("inet6:[::1]:7357").unwrap(),
            ListenAddr::Inet {
                host: "::1".into(),
                port: 7357
            }
        );
        assert_eq!(
            ListenAddr::parse("unix:/run/m.sock").unwrap(),
            ListenAddr::Unix("/run/m.sock".into())
        );
        assert!(ListenAddr::parse("tcp:1.2.3.4:1").is_err());
        assert!(ListenAddr::parse("inet:127.0.0.1:99999").is_err());
        assert_eq!(
            ListenAddr::parse("inet:[::1]:25").unwrap().to_string(),
            "inet:[::1]:25"
        );
    }

    #[test]
    fn store_urls() {
        assert_eq!(
            StoreUrl::parse("sqlite:/var/lib/musaid/musaid.db").unwrap(),
            StoreUrl::Sqlite("/var/lib/musaid/musaid.db".into())
        );
        assert!(
            StoreUrl::parse("redis://127.0.0.1/0")
                .unwrap_err()
                .contains("Redis")
        );
        assert!(StoreUrl::parse("mysql://x").is_err());
    }
}
