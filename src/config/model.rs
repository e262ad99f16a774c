//! The validated configuration: typed, compiled once, shared read-only by every connection.

use crate::config::category::Category;
use crate::config::lexicon::Lexicon;
use crate::config::rule::Rule;
use crate::glob::AddressPattern;
use crate::hours::Schedule;
use crate::invalid::Invalid;
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
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if let Some(path) = s.strip_prefix("unix:").or_else(|| s.strip_prefix("local:")) {
            if path.is_empty() {
                return Err(Invalid::because(
                    "unix: needs a socket path, e.g. unix:/var/spool/postfix/musaid/musaid.sock",
                ));
            }
            return Ok(ListenAddr::Unix(PathBuf::from(path)));
        }
        let rest = s
            .strip_prefix("inet:")
            .or_else(|| s.strip_prefix("inet6:"))
            .ok_or_else(|| Invalid::value(s, "expected inet:HOST:PORT or unix:PATH"))?;
        let (host, port) = rest
            .rsplit_once(':')
            .ok_or_else(|| Invalid::value(s, "expected inet:HOST:PORT"))?;
        let port: u16 = port
            .parse()
            .map_err(|_| Invalid::value(s, format!("invalid port {port:?}")))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(Invalid::value(
                s,
                "missing host (use 127.0.0.1 for loopback)",
            ));
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

/// How a Redis deployment is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisMode {
    Standalone,
    /// Through Sentinels that know the master of this service.
    Sentinel {
        service: String,
    },
    Cluster,
}

/// A parsed Redis URL. The password is never shown by `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct RedisUrl {
    pub mode: RedisMode,
    pub tls: bool,
    /// host, port: the server, the Sentinels, or the Cluster seed nodes.
    pub nodes: Vec<(String, u16)>,
    pub db: i64,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl fmt::Debug for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RedisUrl({self})")
    }
}

impl RedisUrl {
    /// Parses `redis://`, `rediss://`, `redis+sentinel://`, `redis+cluster://` (and the
    /// `rediss+…` TLS forms): `[user:password@]host:port[,host:port…][/db or /service[/db]]`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let (scheme, rest) = s.split_once("://").ok_or_else(|| {
            Invalid::because(format!(
                "{}: expected a URL such as redis://127.0.0.1:6379/0",
                redact(s)
            ))
        })?;
        let (tls, mode_name) = match scheme {
            "redis" => (false, ""),
            "rediss" => (true, ""),
            "redis+sentinel" => (false, "sentinel"),
            "rediss+sentinel" => (true, "sentinel"),
            "redis+cluster" => (false, "cluster"),
            "rediss+cluster" => (true, "cluster"),
            other => {
                return Err(Invalid::because(format!(
                    "unknown scheme {other:?}: use redis, rediss, redis+sentinel or redis+cluster"
                )));
            }
        };
        let (auth, rest) = match rest.rsplit_once('@') {
            Some((a, r)) => (Some(a), r),
            None => (None, rest),
        };
        let (username, password) = match auth {
            None => (None, None),
            Some(a) => match a.split_once(':') {
                Some((u, p)) => (
                    (!u.is_empty()).then(|| percent_decoded(u)),
                    Some(percent_decoded(p)),
                ),
                None => (Some(percent_decoded(a)), None),
            },
        };
        let (hosts, path) = match rest.split_once('/') {
            Some((h, p)) => (h, p),
            None => (rest, ""),
        };
        let mut nodes = Vec::new();
        for h in hosts.split(',').filter(|h| !h.is_empty()) {
            let (host, port) = match h.rsplit_once(':') {
                Some((host, port)) if !host.ends_with(']') || h.starts_with('[') => {
                    let port: u16 = port
                        .parse()
                        .map_err(|_| Invalid::because(format!("invalid port in {h:?}")))?;
                    (
                        host.trim_start_matches('[')
                            .trim_end_matches(']')
                            .to_string(),
                        port,
                    )
                }
                _ => (
                    h.to_string(),
                    if mode_name == "sentinel" { 26379 } else { 6379 },
                ),
            };
            if host.is_empty() {
                return Err(Invalid::because(format!("missing host in {h:?}")));
            }
            nodes.push((host, port));
        }
        if nodes.is_empty() {
            return Err(Invalid::because("no host given"));
        }
        let parse_db = |d: &str| {
            d.parse::<i64>()
                .map_err(|_| Invalid::because(format!("invalid database number {d:?}")))
        };
        let (mode, db) = match mode_name {
            "sentinel" => {
                let mut parts = path.split('/').filter(|p| !p.is_empty());
                let service = parts.next().ok_or(Invalid::because("redis+sentinel:// needs the service name: redis+sentinel://host:26379/mymaster"))?;
                let db = parts.next().map(parse_db).transpose()?.unwrap_or(0);
                (
                    RedisMode::Sentinel {
                        service: service.to_string(),
                    },
                    db,
                )
            }
            "cluster" => {
                if !path.trim_matches('/').is_empty() && path.trim_matches('/') != "0" {
                    return Err(Invalid::because("Redis Cluster has only database 0"));
                }
                (RedisMode::Cluster, 0)
            }
            _ => {
                if nodes.len() > 1 {
                    return Err(Invalid::because(
                        "a standalone redis:// URL names one server; use redis+cluster:// or redis+sentinel:// for several",
                    ));
                }
                let db = match path.trim_matches('/') {
                    "" => 0,
                    d => parse_db(d)?,
                };
                (RedisMode::Standalone, db)
            }
        };
        Ok(RedisUrl {
            mode,
            tls,
            nodes,
            db,
            username,
            password,
        })
    }
}

/// A URL as it may be printed: whatever stands between the scheme and the last `@` (user
/// and password) replaced by `***`, also when the `//` is missing (`redis:PW@host`).
fn redact(s: &str) -> String {
    let Some(at) = s.rfind('@') else {
        return s.to_string();
    };
    match (s.find("://"), s.find(':')) {
        (Some(a), _) if at > a => format!("{}://***@{}", &s[..a], &s[at + 1..]),
        (None, Some(c)) if at > c => format!("{}:***@{}", &s[..c], &s[at + 1..]),
        _ => format!("***@{}", &s[at + 1..]),
    }
}

/// `%XX` escapes decoded (RFC 3986); anything else, an invalid escape included, kept.
fn percent_decoded(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

impl fmt::Display for RedisUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match (&self.mode, self.tls) {
            (RedisMode::Standalone, false) => "redis",
            (RedisMode::Standalone, true) => "rediss",
            (RedisMode::Sentinel { .. }, false) => "redis+sentinel",
            (RedisMode::Sentinel { .. }, true) => "rediss+sentinel",
            (RedisMode::Cluster, false) => "redis+cluster",
            (RedisMode::Cluster, true) => "rediss+cluster",
        };
        write!(f, "{scheme}://")?;
        if self.username.is_some() || self.password.is_some() {
            write!(
                f,
                "{}{}@",
                self.username.as_deref().unwrap_or(""),
                if self.password.is_some() { ":***" } else { "" }
            )?;
        }
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|(h, p)| {
                if h.contains(':') {
                    format!("[{h}]:{p}")
                } else {
                    format!("{h}:{p}")
                }
            })
            .collect();
        write!(f, "{}", hosts.join(","))?;
        match &self.mode {
            RedisMode::Standalone => write!(f, "/{}", self.db),
            RedisMode::Sentinel { service } => write!(f, "/{service}/{}", self.db),
            RedisMode::Cluster => Ok(()),
        }
    }
}

/// Which store backend holds musaid's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// Embedded SQLite database at this path.
    Sqlite(PathBuf),
    /// Redis: standalone, Sentinel or Cluster.
    Redis(RedisUrl),
}

impl StoreUrl {
    /// Parses `sqlite:PATH` (`sqlite://PATH` also accepted) or a Redis URL.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if let Some(path) = s.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err(Invalid::because(
                    "sqlite: needs a database path, e.g. sqlite:/var/lib/musaid/musaid.db",
                ));
            }
            return Ok(StoreUrl::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("redis") {
            return RedisUrl::parse(s).map(StoreUrl::Redis);
        }
        Err(Invalid::value(
            redact(s),
            "expected sqlite:PATH or a redis:// URL",
        ))
    }
}

impl fmt::Display for StoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreUrl::Sqlite(p) => write!(f, "sqlite:{}", p.display()),
            StoreUrl::Redis(r) => write!(f, "{r}"),
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
    /// Threads that serve MTA connections.
    pub worker_threads: usize,
    /// Enforce the plan, or only tag (a safe rollout).
    pub mode: MilterMode,
    /// What the MTA is told when the store fails during a message.
    pub on_store_error: OnStoreError,
}

/// `[milter] mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MilterMode {
    /// Everything the plan says: routing, rejections, outbound mail.
    #[default]
    Enforce,
    /// Headers only: tags and reasons are added (and forged ones removed), but nothing is
    /// routed, rejected, discarded or quarantined, no mail is sent, and the flow teaches the
    /// list memory nothing. For trying musaid on real mail before it acts on it.
    Observe,
}

/// `[milter] on_store_error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnStoreError {
    /// Deliver the message tagged degraded (mail always flows).
    #[default]
    Accept,
    /// Answer 451: the MTA keeps the message and tries again later.
    Tempfail,
}

/// `[store]`.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreSettings {
    pub url: StoreUrl,
    /// Time budget of one store operation; past it the message is tagged degraded.
    pub timeout: Duration,
    /// Prefix of every Redis key.
    pub prefix: String,
    /// Counters older than this many days are deleted.
    pub retention_days: u32,
}

/// An IP network in CIDR notation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    pub addr: std::net::IpAddr,
    pub prefix: u8,
}

impl Network {
    /// Parses `192.0.2.0/24`, `2001:db8::/32` or a single address.
    pub fn parse(s: &str) -> Result<Network, Invalid> {
        let (a, p) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let addr: std::net::IpAddr = a
            .trim()
            .parse()
            .map_err(|_| Invalid::value(s, "not an IP network such as 192.0.2.0/24"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| Invalid::value(s, "invalid prefix length"))?,
        };
        Ok(Network { addr, prefix })
    }

    /// True if `ip` is in the network.
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        fn bits(ip: std::net::IpAddr) -> (u128, u8) {
            match ip {
                std::net::IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
                std::net::IpAddr::V6(v) => match v.to_ipv4_mapped() {
                    Some(v4) => (u128::from(u32::from(v4)), 32),
                    None => (u128::from(v), 128),
                },
            }
        }
        let ((n, nw), (i, iw)) = (bits(self.addr), bits(ip));
        if nw != iw {
            return false;
        }
        let shift = u32::from(nw - self.prefix.min(nw));
        if shift >= 128 {
            return true;
        }
        (n >> shift) == (i >> shift)
    }
}

/// Reply and digest language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Ar,
}

impl Language {
    /// The locale name (`en`, `ar`).
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Ar => "ar",
        }
    }
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
    /// How musaid's own numbers are written to this mailbox (digests, reminders).
    pub digits: crate::locale::Digits,
    pub language: Language,
    pub schedule: Schedule,
    pub vip: Vec<AddressPattern>,
    /// Template that acknowledges mail to this mailbox (rules may choose another).
    pub autoreply: Option<String>,
    /// Days off besides the weekend: not counted in response times.
    pub holidays: Vec<chrono::NaiveDate>,
    /// Senders, domains and lists black-holed by configuration (normalised).
    pub blackhole: Vec<String>,
    /// Senders, domains and lists to unsubscribe from on their first message (normalised).
    pub auto_unsubscribe: Vec<String>,
    /// What musaid answers to invitations on the owner's behalf (off by default).
    pub invitations: InvitationPolicy,
    /// An .ics file or https URL whose events are the owner's busy time.
    pub calendar_feed: Option<String>,
}

/// Automatic answers to invitations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InvitationPolicy {
    pub on_free: OnFree,
    pub on_conflict: OnConflict,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnFree {
    #[default]
    Nothing,
    Accept,
    Tentative,
}

/// Also used for invitations outside working hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnConflict {
    #[default]
    Nothing,
    Decline,
    /// Propose the first free slot of the same length (iTIP COUNTER).
    Counter,
    /// Tell the delegate (or the manager).
    Escalate,
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

/// Where the outbox sends mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relay {
    pub host: String,
    pub port: u16,
    /// `smtp+starttls://` (required STARTTLS) or `smtps://` (TLS from the start).
    pub tls: RelayTls,
    pub username: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelayTls {
    None,
    StartTls,
    Wrapper,
}

impl Relay {
    /// Parses `smtp://host:port`, `smtp+starttls://host:587` or `smtps://host:465`.
    pub fn parse(s: &str) -> Result<Relay, Invalid> {
        let (scheme, rest) = s
            .split_once("://")
            .ok_or_else(|| Invalid::value(s, "expected smtp://host:port"))?;
        let (tls, default_port) = match scheme {
            "smtp" => (RelayTls::None, 25),
            "smtp+starttls" => (RelayTls::StartTls, 587),
            "smtps" => (RelayTls::Wrapper, 465),
            other => {
                return Err(Invalid::because(format!(
                    "unknown scheme {other:?}: use smtp, smtp+starttls or smtps"
                )));
            }
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse()
                    .map_err(|_| Invalid::because(format!("invalid port {p:?}")))?,
            ),
            None => (rest.to_string(), default_port),
        };
        if host.is_empty() {
            return Err(Invalid::because("missing host"));
        }
        Ok(Relay {
            host,
            port,
            tls,
            username: None,
            password: None,
        })
    }
}

impl fmt::Display for Relay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.tls {
            RelayTls::None => "smtp",
            RelayTls::StartTls => "smtp+starttls",
            RelayTls::Wrapper => "smtps",
        };
        write!(f, "{scheme}://{}:{}", self.host, self.port)
    }
}

/// `[outbox]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxSettings {
    pub relay: Relay,
    /// Envelope sender of what musaid sends; empty: the null reverse-path `<>`.
    pub envelope_sender: String,
    /// A message that could not be sent for this long is given up (a dead letter).
    pub max_age: Duration,
    /// First delay before a failed send is tried again; it doubles, up to an hour.
    pub retry_after: Duration,
}

/// `[autoreply]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoreplySettings {
    /// authserv-ids whose Authentication-Results are believed.
    pub trusted_authserv_ids: Vec<String>,
    /// Acknowledgements one sender may get per day, over all mailboxes and templates.
    pub max_per_sender_per_day: u32,
    /// Key that signs musaid's own drafts, so their marker header survives and a forged one
    /// does not. Required when a rule prepares drafts; shared by every musaid host.
    pub draft_secret: Option<String>,
}

/// A `[template.NAME]`: an acknowledgement text in English and/or Arabic.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: String,
    pub subject_en: String,
    pub subject_ar: String,
    pub body_en: Option<String>,
    pub body_ar: Option<String>,
    /// Also send an HTML part (right-to-left for Arabic).
    pub html: bool,
    /// At most one reply per sender, mailbox and template in this many days (1..=60).
    pub days: u32,
    /// Only outside the mailbox's working hours.
    pub outside_working_hours_only: bool,
    /// Only between these dates (inclusive), e.g. an absence.
    pub from: Option<chrono::NaiveDate>,
    pub until: Option<chrono::NaiveDate>,
    pub expected_response_en: Option<String>,
    pub expected_response_ar: Option<String>,
}

/// `[tracking]`: which mail needs a reply, and how long musaid waits for one.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackingSettings {
    pub categories: Vec<Category>,
    /// A tracked message not answered within this long is forgotten.
    pub keep: Duration,
    /// Local time of the daily reminder of unanswered mail (working days); None: no reminders.
    /// With reminders on, the sender and subject of tracked mail are kept (for the list).
    pub remind_at: Option<chrono::NaiveTime>,
    /// Mail unanswered for at least this long is listed.
    pub remind_after: Duration,
    /// Keep the sender and subject of every tracked message (for the digest's list of
    /// unanswered mail), not only when a reminder needs them.
    pub keep_subjects: bool,
    /// Remind the mailbox of deadlines written in the text ("by Friday", "قبل يوم الخميس").
    pub deadline_reminders: bool,
    /// How much working time before such a deadline the reminder goes.
    pub deadline_remind_before: Duration,
}

/// `[classifier]`: the learned model ([`crate::model`]).
#[derive(Debug, Clone)]
pub struct ClassifierSettings {
    /// The model takes part in sorting (false: the weight table alone decides).
    pub model: bool,
    /// Lessons are accepted (`musaid learn`, the IMAPSieve scripts).
    pub learning: bool,
    /// The shipped starter model is part of the model.
    pub starter: bool,
    /// Lessons given for a mailbox go to that mailbox's own layer (else the organisation's).
    pub mailbox_layers: bool,
    /// Features kept per layer; those of least weight go first when there are more.
    pub max_features: usize,
}

impl Default for ClassifierSettings {
    fn default() -> Self {
        ClassifierSettings {
            model: true,
            learning: true,
            starter: true,
            mailbox_layers: true,
            max_features: 400_000,
        }
    }
}

/// `[calendar]`: invitations and the owner's calendar.
#[derive(Debug, Clone)]
pub struct CalendarSettings {
    /// How far ahead occurrences are expanded and checked.
    pub horizon: Duration,
    /// How often mailboxes' `calendar_feed`s are read again.
    pub feed_refresh: Duration,
}

/// What happens to black-holed mail after the grace period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlackholeAction {
    Discard,
    Trash,
}

/// `[cleanup]`: filing, black holes and unsubscribing.
#[derive(Debug, Clone)]
pub struct CleanupSettings {
    /// Rewrite a recipient `user@domain` to `user+Folder@domain` when a folder applies.
    pub subaddress: bool,
    pub subaddress_delimiter: String,
    pub blackhole_grace: Duration,
    pub blackhole_action: BlackholeAction,
    pub blackhole_folder: String,
    pub trash_folder: String,
    /// Mail from a list this long after unsubscribing makes it non-compliant.
    pub unsubscribe_grace: Duration,
    /// Black-hole non-compliant lists automatically.
    pub blackhole_noncompliant: bool,
}

/// `[report]`: the digest job.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    /// Who receives the organisation report (none: it is not sent).
    pub administrators: Vec<String>,
    /// The digests' From address.
    pub from: String,
    /// Language of the organisation report.
    pub language: Language,
    /// Send a digest for a period in which nothing happened.
    pub send_empty: bool,
    /// How many top senders, lists and unanswered messages (twice this) a digest lists.
    pub top: usize,
    /// A TrueType font for the chart's labels (default: DejaVu Sans where Debian puts it).
    pub chart_font: Option<PathBuf>,
}

/// The whole validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from (None for built-in defaults).
    pub source: Option<PathBuf>,
    pub milter: MilterSettings,
    pub store: StoreSettings,
    pub log_level: String,
    pub log_format: LogFormat,
    /// `{daemon_name}` values that mark an outbound (submission) message.
    pub submission_daemon_names: Vec<String>,
    /// Client networks whose mail, from a sender in a local domain, is outbound.
    pub trusted_networks: Vec<Network>,
    /// Local domains (lower-cased): the configured ones and every mailbox's.
    pub local_domains: Vec<String>,
    /// Schedule and language for mail to no configured mailbox.
    pub default_schedule: Schedule,
    pub default_language: Language,
    /// Folder hint per category.
    pub folders: HashMap<Category, String>,
    /// Priority of each configured extra category.
    pub custom_categories: HashMap<Category, u8>,
    /// `[[category]] display`: what a declared category is called in each language.
    pub category_names: HashMap<(String, Language), String>,
    pub lexicon: Lexicon,
    pub mailboxes: Vec<Mailbox>,
    pub rules: Vec<Rule>,
    pub outbox: OutboxSettings,
    pub autoreply: AutoreplySettings,
    pub templates: HashMap<String, Template>,
    pub tracking: TrackingSettings,
    pub report: ReportSettings,
    pub cleanup: CleanupSettings,
    pub calendar: CalendarSettings,
    pub classifier: ClassifierSettings,
    /// `[metrics] listen`: where `/metrics` and `/healthz` are served (None: off).
    pub metrics_listen: Option<std::net::SocketAddr>,
}

impl Config {
    /// The mailbox that owns `address`, if any.
    pub fn mailbox(&self, address: &str) -> Option<&Mailbox> {
        self.mailboxes.iter().find(|m| m.owns(address))
    }

    /// How long counters are kept (`[store] retention_days`).
    pub fn retention(&self) -> Duration {
        Duration::from_secs(u64::from(self.store.retention_days) * 86_400)
    }

    /// What readers of `language` call a category: a built-in one by the locale, a declared
    /// one by its `display` (English's if the language has none), else by its name.
    pub fn category_display(&self, category: &str, language: Language) -> String {
        self.category_names
            .get(&(category.to_string(), language))
            .or_else(|| {
                self.category_names
                    .get(&(category.to_string(), Language::En))
            })
            .cloned()
            .unwrap_or_else(|| {
                crate::locale::Strings::for_language(language.code()).category(category)
            })
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
        if self.milter.worker_threads != newer.milter.worker_threads {
            changed.push("milter.worker_threads");
        }
        if self.store.url != newer.store.url || self.store.prefix != newer.store.prefix {
            changed.push("store.url");
        }
        if self.log_level != newer.log_level {
            changed.push("log.level");
        }
        if self.log_format != newer.log_format {
            changed.push("log.format");
        }
        changed
    }
}

/// How log lines are written to standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `key=value` text (journald stores it as it is).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The form a black-hole entry (an address, a domain or a List-Id) is stored and matched in.
pub fn blackhole_entry(entry: &str) -> String {
    entry
        .trim()
        .trim_matches(['<', '>'])
        .trim()
        .to_ascii_lowercase()
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
    fn redis_urls() {
        let u = RedisUrl::parse("redis://user:s3cret@127.0.0.1:6380/2").unwrap();
        assert_eq!(u.mode, RedisMode::Standalone);
        assert_eq!(u.nodes, vec![("127.0.0.1".to_string(), 6380)]);
        assert_eq!(
            (u.db, u.username.as_deref(), u.password.as_deref()),
            (2, Some("user"), Some("s3cret"))
        );
        assert_eq!(u.to_string(), "redis://user:***@127.0.0.1:6380/2");
        assert!(!format!("{u:?}").contains("s3cret"));
        let u = RedisUrl::parse("rediss://:pw@redis.example.com").unwrap();
        assert!(u.tls && u.username.is_none() && u.password.as_deref() == Some("pw"));
        assert_eq!(u.nodes[0].1, 6379);
        let u = RedisUrl::parse("redis+sentinel://10.0.0.1:26379,10.0.0.2/mymaster/1").unwrap();
        assert_eq!(
            u.mode,
            RedisMode::Sentinel {
                service: "mymaster".into()
            }
        );
        assert_eq!(
            u.nodes,
            vec![
                ("10.0.0.1".to_string(), 26379),
                ("10.0.0.2".to_string(), 26379)
            ]
        );
        assert_eq!(u.db, 1);
        let u = RedisUrl::parse("redis+cluster://a:7000,b:7001,[::1]:7002").unwrap();
        assert_eq!(u.mode, RedisMode::Cluster);
        assert_eq!(u.nodes[2], ("::1".to_string(), 7002));
        assert!(
            RedisUrl::parse("redis+sentinel://a:1")
                .unwrap_err()
                .to_string()
                .contains("service")
        );
        assert!(RedisUrl::parse("redis://a:1,b:2").is_err());
        assert!(RedisUrl::parse("redis+cluster://a:1/3").is_err());
        assert!(RedisUrl::parse("redis://a:x").is_err());
        let e = StoreUrl::parse("memcache://u:topsecret@x").unwrap_err();
        assert!(!e.to_string().contains("topsecret"), "{e:?}");
        // Without the `//` the password was printed in full.
        for url in [
            "redis:topsecret@h:6379",
            "redistopsecret@h",
            "redis+cluster:u:topsecret@h",
        ] {
            let e = StoreUrl::parse(url).unwrap_err();
            assert!(!e.to_string().contains("topsecret"), "{e:?}");
        }
        // Percent-encoded credentials are decoded.
        let StoreUrl::Redis(r) = StoreUrl::parse("redis://us%65r:p%40ss%3Aw%rd@h:6379/0").unwrap()
        else {
            panic!("not redis")
        };
        assert_eq!(r.username.as_deref(), Some("user"));
        assert_eq!(r.password.as_deref(), Some("p@ss:w%rd"));
    }

    #[test]
    fn networks() {
        let n = Network::parse("192.0.2.0/24").unwrap();
        assert!(n.contains("192.0.2.77".parse().unwrap()));
        assert!(!n.contains("192.0.3.1".parse().unwrap()));
        assert!(n.contains("::ffff:192.0.2.9".parse().unwrap()));
        assert!(
            Network::parse("2001:db8::/32")
                .unwrap()
                .contains("2001:db8:1::5".parse().unwrap())
        );
        assert!(
            Network::parse("0.0.0.0/0")
                .unwrap()
                .contains("203.0.113.1".parse().unwrap())
        );
        assert!(
            Network::parse("10.1.2.3")
                .unwrap()
                .contains("10.1.2.3".parse().unwrap())
        );
        assert!(Network::parse("10.0.0.0/33").is_err());
        assert!(Network::parse("example.com").is_err());
    }

    #[test]
    fn store_urls() {
        assert_eq!(
            StoreUrl::parse("sqlite:/var/lib/musaid/musaid.db").unwrap(),
            StoreUrl::Sqlite("/var/lib/musaid/musaid.db".into())
        );
        assert!(matches!(
            StoreUrl::parse("redis://127.0.0.1/0").unwrap(),
            StoreUrl::Redis(_)
        ));
        assert!(StoreUrl::parse("mysql://x").is_err());
    }
}
