//! From the raw file to the typed [`Config`]: every value checked, every rule compiled,
//! every problem collected with its key path.

use super::model::*;
use super::raw::*;
use super::{KeyPath, Overrides};
use crate::config::category::Category;
use crate::config::lexicon::Lexicon;
use crate::config::rule::Direction;
use crate::config::rule::*;
use crate::glob::{AddressPattern, Glob};
use crate::hours::{DaySet, HourRange, Schedule, parse_time_zone};
use crate::invalid::Invalid;
use crate::text::WordList;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

type Problems = Vec<(KeyPath, String)>;

/// Variables a template may use.
pub const TEMPLATE_VARIABLES: [&str; 6] = [
    "sender_name",
    "subject",
    "reference",
    "owner",
    "mailbox",
    "expected_response",
];

/// Collects problems while building values.
struct Checker {
    problems: Problems,
}

impl Checker {
    fn fail(&mut self, path: KeyPath, msg: impl Into<String>) {
        self.problems.push((path, msg.into()));
    }

    /// The value of a setting that is one of a few words: `choices` in order, the first being
    /// the default when it is unset; another word is a problem that names them all, and the
    /// default stands.
    fn one_of<T: Clone>(
        &mut self,
        path: KeyPath,
        written: Option<&str>,
        choices: &[(&str, T)],
    ) -> T {
        let default = choices[0].1.clone();
        let Some(w) = written else {
            return default;
        };
        if let Some((_, v)) = choices.iter().find(|(name, _)| *name == w) {
            return v.clone();
        }
        let names: Vec<String> = choices.iter().map(|(n, _)| format!("{n:?}")).collect();
        let listed = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        self.fail(path, format!("{w:?}: use {listed}"));
        default
    }

    /// Unwraps a result, recording the error (a parser's [`Invalid`], or the message of a
    /// check written in place); `None` on error.
    fn check<T, E: std::fmt::Display>(&mut self, path: KeyPath, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.fail(path, e.to_string());
                None
            }
        }
    }
}

/// Parses "50ms", "2s", "5m", "1h", "7d".
pub fn parse_duration(s: &str) -> Result<Duration, Invalid> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| Invalid::value(s, "missing unit (ms, s, m, h or d)"))?;
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| Invalid::value(s, "expected a number followed by ms, s, m, h or d"))?;
    let ms = match unit.trim() {
        "ms" => n,
        "s" => n * 1000,
        "m" | "min" => n * 60_000,
        "h" => n * 3_600_000,
        "d" => n * 86_400_000,
        u => {
            return Err(Invalid::value(
                s,
                format!("unknown unit {u:?} (use ms, s, m, h or d)"),
            ));
        }
    };
    Ok(Duration::from_millis(ms))
}

fn parse_language(s: &str) -> Result<Language, Invalid> {
    match s.trim().to_ascii_lowercase().as_str() {
        "en" | "english" => Ok(Language::En),
        "ar" | "arabic" => Ok(Language::Ar),
        other => Err(Invalid::value(
            other,
            "unknown language: use \"en\" or \"ar\"",
        )),
    }
}

fn parse_address(s: &str) -> Result<String, Invalid> {
    let a = s.trim();
    let valid = a
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
        && !a
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',');
    if valid {
        Ok(a.to_string())
    } else {
        Err(Invalid::value(s, "not an email address (local@domain)"))
    }
}

fn parse_regex(s: &str) -> Result<regex::Regex, Invalid> {
    regex::RegexBuilder::new(s)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| {
            Invalid::because(format!(
                "invalid regex: {}",
                e.to_string().lines().last().unwrap_or("")
            ))
        })
}

fn is_header_name(n: &str) -> bool {
    !n.is_empty() && n.bytes().all(|b| b.is_ascii_graphic() && b != b':')
}

fn is_safe_header_value(v: &str) -> bool {
    !v.chars().any(|c| c == '\r' || c == '\n' || c == '\0') && v.len() <= 900
}

pub fn validate(raw: RawConfig, overrides: &Overrides) -> Result<Config, Problems> {
    let mut ck = Checker {
        problems: Vec::new(),
    };
    let root = KeyPath::default();

    let milter = milter_section(&raw, overrides, &mut ck, &root);
    let store = store_section(&raw, overrides, &mut ck, &root);

    // [log]
    let log_level = overrides
        .log_level
        .clone()
        .or(raw.log.level.clone())
        .unwrap_or_else(|| "info".into());
    if !["error", "warn", "info", "debug", "trace"].contains(&log_level.as_str()) {
        let path = if overrides.log_level.is_some() {
            KeyPath(vec![super::PathSeg::Key("--log-level".into())])
        } else {
            root.key("log").key("level")
        };
        ck.fail(
            path,
            format!("{log_level:?}: use error, warn, info, debug or trace"),
        );
    }

    let log_format = ck.one_of(
        root.key("log").key("format"),
        raw.log.format.as_deref(),
        &[("text", LogFormat::Text), ("json", LogFormat::Json)],
    );

    // [direction]
    let submission_daemon_names = raw
        .direction
        .submission_daemon_names
        .clone()
        .unwrap_or_else(|| vec!["ORIGINATING".into(), "MSA".into()]);
    let trusted_networks = raw
        .direction
        .trusted_networks
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, n)| {
            ck.check(
                root.key("direction").key("trusted_networks").index(i),
                Network::parse(n),
            )
        })
        .collect();

    // [defaults]
    let dp = root.key("defaults");
    let default_schedule = schedule(
        &mut ck,
        &dp,
        raw.defaults.time_zone.as_deref(),
        raw.defaults.working_hours.as_deref(),
        raw.defaults.working_days.as_deref(),
        &Schedule::default(),
    );
    let default_language = raw
        .defaults
        .language
        .as_deref()
        .and_then(|l| ck.check(dp.key("language"), parse_language(l)))
        .unwrap_or(Language::En);

    // [[category]]
    let mut custom_categories = HashMap::new();
    let mut category_names = HashMap::new();
    let mut folders = HashMap::new();
    for (i, c) in raw.categories.iter().enumerate() {
        let p = root.key("category").index(i);
        let name = c.name.trim().to_ascii_lowercase();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            ck.fail(
                p.key("name"),
                format!("{:?}: use letters, digits, - and _", c.name),
            );
            continue;
        }
        if Category::builtin(&name).is_some()
            || custom_categories.contains_key(&Category::Custom(name.as_str().into()))
        {
            ck.fail(
                p.key("name"),
                format!("category {name:?} is already defined"),
            );
            continue;
        }
        if !(1..=5).contains(&c.priority) {
            ck.fail(
                p.key("priority"),
                format!("{}: must be 1 (most urgent) to 5", c.priority),
            );
        }
        let cat = Category::Custom(name.as_str().into());
        if let Some(f) = &c.folder {
            folders.insert(cat.clone(), f.clone());
        }
        if let Some(d) = &c.display {
            for (language, text) in [(Language::En, &d.en), (Language::Ar, &d.ar)] {
                if let Some(text) = text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    category_names.insert((name.clone(), language), text.to_string());
                }
            }
        }
        custom_categories.insert(cat, c.priority.clamp(1, 5) as u8);
    }
    let category_named = |name: &str| -> Result<Category, Invalid> {
        let name = name.trim().to_ascii_lowercase();
        Category::builtin(&name)
            .or_else(|| {
                let c = Category::Custom(name.as_str().into());
                custom_categories.contains_key(&c).then_some(c)
            })
            .ok_or_else(|| {
                let known: Vec<String> = Category::BUILTIN
                    .iter()
                    .chain(custom_categories.keys())
                    .map(|c| c.name().to_string())
                    .collect();
                let problem = super::wording::with_suggestion(&name, "unknown category: use one of urgent, important, support, meeting, deferrable, notification, newsletter, promotional, junk, or declare it with [[category]]", &known);
                Invalid::value(name, problem)
            })
    };

    // [folders]
    for (name, folder) in &raw.folders {
        let p = root.key("folders").key(name);
        if let Some(c) = ck.check(p.clone(), category_named(name)) {
            if !is_safe_header_value(folder) || folder.trim().is_empty() {
                ck.fail(p, "a folder name must be one non-empty line");
            } else {
                folders.insert(c, folder.clone());
            }
        }
    }

    let mailboxes = mailboxes_section(&raw, &mut ck, &root, &default_schedule, default_language);

    let rules = rules_section(&raw, &mut ck, &root, &category_named);

    let outbox = outbox_section(&raw, &mut ck, &root);

    let autoreply = autoreply_section(&raw, &mut ck, &root);

    let tracking = tracking_section(&raw, &mut ck, &root, &category_named);

    let report = report_section(&raw, &mut ck, &root);

    let cleanup = cleanup_section(&raw, &mut ck, &root);

    let calendar = calendar_section(&raw, &mut ck, &root);

    let templates = templates_section(&raw, &mut ck, &root);

    let classifier = classifier_section(&raw, &mut ck, &root);

    // [metrics]
    let metrics_listen = raw.metrics.listen.as_deref().and_then(|l| {
        ck.check(
            root.key("metrics").key("listen"),
            l.trim().parse::<std::net::SocketAddr>().map_err(|_| {
                Invalid::value(l, "expected an address and port such as 127.0.0.1:9357")
            }),
        )
    });

    let mut local_domains: Vec<String> = raw
        .direction
        .local_domains
        .iter()
        .flatten()
        .map(|d| d.trim().to_ascii_lowercase())
        .collect();
    for m in &mailboxes {
        let d = crate::message::domain_of(&m.address);
        if !local_domains.contains(&d) {
            local_domains.push(d);
        }
    }

    if !ck.problems.is_empty() {
        return Err(ck.problems);
    }
    Ok(Config {
        source: None,
        milter: milter.expect("checked"),
        store: store.expect("checked"),
        log_level,
        log_format,
        submission_daemon_names,
        trusted_networks,
        local_domains,
        default_schedule,
        default_language,
        folders,
        custom_categories,
        category_names,
        lexicon: Lexicon::new(&raw.words),
        mailboxes,
        rules,
        outbox: outbox.expect("checked"),
        autoreply,
        templates,
        tracking: tracking.expect("checked"),
        report,
        cleanup,
        calendar,
        classifier,
        metrics_listen,
    })
}

/// `[[mailbox]]`: each mailbox's addresses, people, language, hours, invitations policy,
/// calendar feed, black holes and holidays; an address in two mailboxes is an error.
fn mailboxes_section(
    raw: &RawConfig,
    ck: &mut Checker,
    root: &KeyPath,
    default_schedule: &Schedule,
    default_language: Language,
) -> Vec<Mailbox> {
    let mut mailboxes: Vec<Mailbox> = Vec::new();
    let mut seen_addresses = HashSet::new();
    for (i, m) in raw.mailboxes.iter().enumerate() {
        let p = root.key("mailbox").index(i);
        let address = ck
            .check(p.key("address"), parse_address(&m.address))
            .map(|a| a.to_ascii_lowercase());
        let mut aliases = Vec::new();
        for (j, a) in m.aliases.iter().enumerate() {
            if let Some(a) = ck.check(p.key("aliases").index(j), parse_address(a)) {
                aliases.push(a.to_ascii_lowercase());
            }
        }
        for a in address.iter().chain(&aliases) {
            if !seen_addresses.insert(a.clone()) {
                ck.fail(
                    p.key("address"),
                    format!("{a} belongs to more than one mailbox"),
                );
            }
        }
        let person = |ck: &mut Checker, key: &str, v: &Option<String>| {
            v.as_deref()
                .and_then(|v| ck.check(p.key(key), parse_address(v)))
        };
        let delegate = person(ck, "delegate", &m.delegate);
        let manager = person(ck, "manager", &m.manager);
        let language = m
            .language
            .as_deref()
            .and_then(|l| ck.check(p.key("language"), parse_language(l)))
            .unwrap_or(default_language);
        let digits = ck.one_of(
            p.key("digits"),
            m.digits.as_deref(),
            &[
                ("latin", crate::locale::Digits::Latin),
                ("arabic-indic", crate::locale::Digits::ArabicIndic),
            ],
        );
        let schedule = schedule(
            ck,
            &p,
            m.time_zone.as_deref(),
            m.working_hours.as_deref(),
            m.working_days.as_deref(),
            default_schedule,
        );
        let vip = m.vip.iter().map(|v| AddressPattern::new(v)).collect();
        let mut invitations = InvitationPolicy::default();
        if let Some(i) = &m.invitations {
            let ip = p.key("invitations");
            invitations.on_free = ck.one_of(
                ip.key("on_free"),
                i.on_free.as_deref(),
                &[
                    ("nothing", OnFree::Nothing),
                    ("accept", OnFree::Accept),
                    ("tentative", OnFree::Tentative),
                ],
            );
            invitations.on_conflict = ck.one_of(
                ip.key("on_conflict"),
                i.on_conflict.as_deref(),
                &[
                    ("nothing", OnConflict::Nothing),
                    ("decline", OnConflict::Decline),
                    ("counter", OnConflict::Counter),
                    ("escalate", OnConflict::Escalate),
                ],
            );
        }
        if let Some(feed) = &m.calendar_feed
            && !(feed.starts_with("https://") || feed.starts_with('/'))
        {
            ck.fail(
                p.key("calendar_feed"),
                format!("{feed:?}: an absolute file path or an https:// URL"),
            );
        }
        for (key, entries) in [
            ("blackhole", &m.blackhole),
            ("auto_unsubscribe", &m.auto_unsubscribe),
        ] {
            for (j, e) in entries.iter().enumerate() {
                let n = crate::config::model::blackhole_entry(e);
                if n.is_empty() || n.contains(char::is_whitespace) {
                    ck.fail(
                        p.key(key).index(j),
                        format!("{e:?}: expected an address, a domain or a List-Id"),
                    );
                }
            }
        }
        let holidays = m
            .holidays
            .iter()
            .enumerate()
            .filter_map(|(j, d)| {
                ck.check(
                    p.key("holidays").index(j),
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                        .map_err(|_| format!("{d:?}: expected YYYY-MM-DD")),
                )
            })
            .collect();
        if let Some(t) = m
            .autoreply
            .as_ref()
            .filter(|t| !raw.templates.contains_key(*t))
        {
            ck.fail(p.key("autoreply"), format!("no [template.{t}] is defined"));
        }
        if let Some(address) = address {
            mailboxes.push(Mailbox {
                address,
                aliases,
                owner: m.owner.clone(),
                delegate,
                manager,
                language,
                digits,
                schedule,
                vip,
                autoreply: m.autoreply.clone(),
                holidays,
                blackhole: m
                    .blackhole
                    .iter()
                    .map(|e| crate::config::model::blackhole_entry(e))
                    .collect(),
                auto_unsubscribe: m
                    .auto_unsubscribe
                    .iter()
                    .map(|e| crate::config::model::blackhole_entry(e))
                    .collect(),
                invitations,
                calendar_feed: m.calendar_feed.clone(),
            });
        }
    }
    mailboxes
}

/// `[[rule]]`: names unique and well formed, conditions and actions compiled, the templates
/// they name defined.
fn rules_section(
    raw: &RawConfig,
    ck: &mut Checker,
    root: &KeyPath,
    category_named: &dyn Fn(&str) -> Result<Category, Invalid>,
) -> Vec<Rule> {
    let mut rules = Vec::new();
    let mut names = HashSet::new();
    for (i, r) in raw.rules.iter().enumerate() {
        let p = root.key("rule").index(i);
        let name = r.name.trim().to_string();
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        {
            ck.fail(
                p.key("name"),
                format!(
                    "{:?}: a rule name uses letters, digits, '-', '_' and '.'",
                    r.name
                ),
            );
        } else if !names.insert(name.clone()) {
            ck.fail(
                p.key("name"),
                format!("another rule is already named {name:?}"),
            );
        }
        let mode = ck.one_of(
            p.key("mode"),
            r.mode.as_deref(),
            &[("enforce", Mode::Enforce), ("audit", Mode::Audit)],
        );
        let when = condition(ck, &p.key("when"), &r.when, &category_named);
        let then = actions(ck, &p.key("then"), &r.then, &category_named);
        if let Some(t) = r
            .then
            .draft
            .as_ref()
            .filter(|t| !raw.templates.contains_key(*t))
        {
            ck.fail(
                p.key("then").key("draft"),
                format!("no [template.{t}] is defined"),
            );
        }
        if r.then.draft.is_some() && raw.autoreply.draft_secret_file.is_none() {
            ck.fail(
                p.key("then").key("draft"),
                "drafts need [autoreply] draft_secret_file (a secret shared by every musaid host)",
            );
        }
        if let Some(t) = r
            .then
            .autoreply
            .as_ref()
            .filter(|t| !raw.templates.contains_key(*t))
        {
            ck.fail(
                p.key("then").key("autoreply"),
                format!("no [template.{t}] is defined"),
            );
        }
        rules.push(Rule {
            name,
            mode,
            when,
            then,
        });
    }
    rules
}

/// `[autoreply]`: the daily cap per sender and the drafts' shared secret.
fn autoreply_section(raw: &RawConfig, ck: &mut Checker, root: &KeyPath) -> AutoreplySettings {
    let ap = root.key("autoreply");
    let max_per_sender_per_day = match raw.autoreply.max_per_sender_per_day.unwrap_or(3) {
        n @ 1..=100 => n as u32,
        n => {
            ck.fail(
                ap.key("max_per_sender_per_day"),
                format!("{n}: must be between 1 and 100"),
            );
            1
        }
    };

    let draft_secret =
        raw.autoreply
            .draft_secret_file
            .as_ref()
            .and_then(|f| match std::fs::read_to_string(f) {
                Ok(s) if s.trim().len() >= 16 => Some(s.trim().to_string()),
                Ok(_) => {
                    ck.fail(
                        ap.key("draft_secret_file"),
                        format!("{f}: the secret must be at least 16 characters"),
                    );
                    None
                }
                Err(e) => {
                    ck.fail(ap.key("draft_secret_file"), format!("cannot read {f}: {e}"));
                    None
                }
            });
    AutoreplySettings {
        trusted_authserv_ids: raw
            .autoreply
            .trusted_authserv_ids
            .clone()
            .unwrap_or_default(),
        max_per_sender_per_day,
        draft_secret,
    }
}

/// `[classifier]`: whether the learned model sorts and learns, and how large it may grow.
fn classifier_section(raw: &RawConfig, ck: &mut Checker, root: &KeyPath) -> ClassifierSettings {
    let c = &raw.classifier;
    let d = ClassifierSettings::default();
    let max_features = c.max_features.unwrap_or(d.max_features);
    if !(1_000..=10_000_000).contains(&max_features) {
        ck.fail(
            root.key("classifier").key("max_features"),
            format!("{max_features}: expected 1000 to 10000000"),
        );
    }
    ClassifierSettings {
        model: c.model.unwrap_or(d.model),
        learning: c.learning.unwrap_or(d.learning),
        starter: c.starter.unwrap_or(d.starter),
        mailbox_layers: c.mailbox_layers.unwrap_or(d.mailbox_layers),
        max_features,
    }
}

/// `[milter]` (the `--listen` override wins).
fn milter_section(
    raw: &RawConfig,
    overrides: &Overrides,
    ck: &mut Checker,
    root: &KeyPath,
) -> Option<MilterSettings> {
    let mp = root.key("milter");
    let listen = match &overrides.listen {
        Some(l) => ck.check(
            KeyPath(vec![super::PathSeg::Key("--listen".into())]),
            ListenAddr::parse(l),
        ),
        None => ck.check(
            mp.key("listen"),
            ListenAddr::parse(
                raw.milter
                    .listen
                    .as_deref()
                    .unwrap_or("inet:127.0.0.1:7357"),
            ),
        ),
    };
    let socket_mode = raw.milter.socket_mode.as_deref().unwrap_or("0660");
    let socket_mode = ck.check(
        mp.key("socket_mode"),
        u32::from_str_radix(socket_mode.trim_start_matches("0o"), 8)
            .ok()
            .filter(|m| *m <= 0o777)
            .ok_or_else(|| format!("{socket_mode:?}: expected octal permissions such as \"0660\"")),
    );
    let max_connections = ck.check(
        mp.key("max_connections"),
        match raw.milter.max_connections.unwrap_or(256) {
            n @ 1..=100_000 => Ok(n as usize),
            n => Err(format!("{n}: must be between 1 and 100000")),
        },
    );
    let max_body_bytes = raw.milter.max_body_bytes.map_or(1 << 20, |b| b.0);
    if max_body_bytes > 64 << 20 {
        ck.fail(
            mp.key("max_body_bytes"),
            "at most 64M may be buffered for inspection",
        );
    }
    let max_header_bytes = raw.milter.max_header_bytes.map_or(256 << 10, |b| b.0);
    if !(1024..=16 << 20).contains(&max_header_bytes) {
        ck.fail(mp.key("max_header_bytes"), "must be between 1K and 16M");
    }
    let worker_threads = match raw.milter.worker_threads.unwrap_or(1) {
        n @ 1..=64 => n as usize,
        n => {
            ck.fail(
                mp.key("worker_threads"),
                format!("{n}: must be between 1 and 64"),
            );
            1
        }
    };
    let connection_timeout = ck.check(
        mp.key("connection_timeout"),
        parse_duration(raw.milter.connection_timeout.as_deref().unwrap_or("5m")),
    );
    let mode = ck.one_of(
        mp.key("mode"),
        raw.milter.mode.as_deref(),
        &[
            ("enforce", MilterMode::Enforce),
            ("observe", MilterMode::Observe),
        ],
    );
    let on_store_error = ck.one_of(
        mp.key("on_store_error"),
        raw.milter.on_store_error.as_deref(),
        &[
            ("accept", OnStoreError::Accept),
            ("tempfail", OnStoreError::Tempfail),
        ],
    );

    Some(MilterSettings {
        listen: listen?,
        socket_mode: socket_mode?,
        max_connections: max_connections?,
        max_body_bytes: max_body_bytes as usize,
        max_header_bytes: max_header_bytes as usize,
        connection_timeout: connection_timeout?,
        worker_threads,
        mode,
        on_store_error,
    })
}

/// `[store]` (the `--store` override wins; a Redis password may come from a file or the
/// environment).
fn store_section(
    raw: &RawConfig,
    overrides: &Overrides,
    ck: &mut Checker,
    root: &KeyPath,
) -> Option<StoreSettings> {
    let sp = root.key("store");
    let url = match &overrides.store {
        Some(s) => ck.check(
            KeyPath(vec![super::PathSeg::Key("--store".into())]),
            StoreUrl::parse(s),
        ),
        None => ck.check(
            sp.key("url"),
            StoreUrl::parse(
                raw.store
                    .url
                    .as_deref()
                    .unwrap_or("sqlite:/var/lib/musaid/musaid.db"),
            ),
        ),
    };
    // A Redis password may come from a file or the environment instead of the URL.
    let url = url.map(|u| match u {
        StoreUrl::Redis(mut r) => {
            if let Some(f) = &raw.store.password_file {
                match std::fs::read_to_string(f) {
                    Ok(p) => r.password = Some(p.trim_end_matches(['\r', '\n']).to_string()),
                    Err(e) => ck.fail(sp.key("password_file"), format!("cannot read {f}: {e}")),
                }
            } else if let Some(v) = &raw.store.password_env {
                match std::env::var(v) {
                    Ok(p) => r.password = Some(p),
                    Err(_) => ck.fail(
                        sp.key("password_env"),
                        format!("environment variable {v} is not set"),
                    ),
                }
            }
            StoreUrl::Redis(r)
        }
        other => other,
    });
    let prefix = raw.store.prefix.clone().unwrap_or_else(|| "musaid:".into());
    if prefix.contains(['{', '}']) || prefix.chars().any(char::is_whitespace) {
        ck.fail(
            sp.key("prefix"),
            "the key prefix cannot contain braces (hash tags) or spaces",
        );
    }
    let store_timeout = ck.check(
        sp.key("timeout"),
        parse_duration(raw.store.timeout.as_deref().unwrap_or("50ms")),
    );
    if store_timeout.is_some_and(|t| t > Duration::from_secs(10) || t.is_zero()) {
        ck.fail(
            sp.key("timeout"),
            "must be between 1ms and 10s (Postfix waits for the milter)",
        );
    }
    let retention_days = ck.check(
        sp.key("retention_days"),
        match raw.store.retention_days.unwrap_or(400) {
            n @ 1..=3650 => Ok(n as u32),
            n => Err(format!("{n}: must be between 1 and 3650")),
        },
    );

    Some(StoreSettings {
        url: url?,
        timeout: store_timeout?,
        prefix,
        retention_days: retention_days?,
    })
}

/// `[outbox]`: the relay (with its password file) and the queue's timings.
fn outbox_section(raw: &RawConfig, ck: &mut Checker, root: &KeyPath) -> Option<OutboxSettings> {
    let op = root.key("outbox");
    let mut relay = ck.check(
        op.key("relay"),
        Relay::parse(raw.outbox.relay.as_deref().unwrap_or("smtp://127.0.0.1:25")),
    );
    if let Some(r) = relay.as_mut() {
        r.username = raw.outbox.username.clone();
        if let Some(f) = &raw.outbox.password_file {
            match std::fs::read_to_string(f) {
                Ok(pw) => r.password = Some(pw.trim_end_matches(['\r', '\n']).to_string()),
                Err(e) => ck.fail(op.key("password_file"), format!("cannot read {f}: {e}")),
            }
        }
    }
    let envelope_sender = raw.outbox.envelope_sender.clone().unwrap_or_default();
    if !envelope_sender.is_empty() {
        let _ = ck.check(op.key("envelope_sender"), parse_address(&envelope_sender));
    }
    let max_age = ck.check(
        op.key("max_age"),
        parse_duration(raw.outbox.max_age.as_deref().unwrap_or("2d")),
    );
    let retry_after = ck.check(
        op.key("retry_after"),
        parse_duration(raw.outbox.retry_after.as_deref().unwrap_or("30s")),
    );

    Some(OutboxSettings {
        relay: relay?,
        envelope_sender,
        max_age: max_age?,
        retry_after: retry_after?,
    })
}

/// `[tracking]`: which categories need a reply, how long they are kept, reminders.
fn tracking_section(
    raw: &RawConfig,
    ck: &mut Checker,
    root: &KeyPath,
    category_named: &dyn Fn(&str) -> Result<Category, Invalid>,
) -> Option<TrackingSettings> {
    let tp = root.key("tracking");
    let tracking_categories = match &raw.tracking.categories {
        None => vec![
            Category::Urgent,
            Category::Important,
            Category::Support,
            Category::Meeting,
        ],
        Some(names) => names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| ck.check(tp.key("categories").index(i), category_named(n)))
            .collect(),
    };
    let keep = ck.check(
        tp.key("keep"),
        parse_duration(raw.tracking.keep.as_deref().unwrap_or("30d")),
    );
    let remind_at = raw.tracking.remind_at.as_deref().and_then(|t| {
        ck.check(
            tp.key("remind_at"),
            chrono::NaiveTime::parse_from_str(t, "%H:%M")
                .map_err(|_| format!("{t:?}: expected HH:MM")),
        )
    });
    let remind_after = ck.check(
        tp.key("remind_after"),
        parse_duration(raw.tracking.remind_after.as_deref().unwrap_or("4h")),
    );
    let deadline_remind_before = ck.check(
        tp.key("deadline_remind_before"),
        parse_duration(
            raw.tracking
                .deadline_remind_before
                .as_deref()
                .unwrap_or("8h"),
        ),
    );

    Some(TrackingSettings {
        categories: tracking_categories,
        keep: keep?,
        remind_at,
        remind_after: remind_after?,
        deadline_reminders: raw.tracking.deadline_reminders.unwrap_or(true),
        keep_subjects: raw.tracking.keep_subjects.unwrap_or(false),
        deadline_remind_before: deadline_remind_before?,
    })
}

/// `[report]`: who gets the organisation digest, from whom, in which language.
fn report_section(raw: &RawConfig, ck: &mut Checker, root: &KeyPath) -> ReportSettings {
    let rp = root.key("report");
    let administrators: Vec<String> = raw
        .report
        .administrators
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, a)| ck.check(rp.key("administrators").index(i), parse_address(a)))
        .collect();
    let report_language = raw
        .report
        .language
        .as_deref()
        .map_or(Some(Language::En), |l| {
            ck.check(rp.key("language"), parse_language(l))
        });
    let report_from = match &raw.report.from {
        Some(f) => ck.check(rp.key("from"), parse_address(f)),
        None => Some(format!(
            "musaid@{}",
            raw.mailboxes
                .first()
                .map(|m| crate::message::domain_of(&m.address).to_ascii_lowercase())
                .filter(|d| !d.is_empty())
                .unwrap_or_else(|| "localhost".into())
        )),
    };
    let top = raw.report.top.unwrap_or(5);
    if !(1..=50).contains(&top) {
        ck.fail(rp.key("top"), format!("{top}: must be between 1 and 50"));
    }
    ReportSettings {
        administrators,
        from: report_from.unwrap_or_default(),
        language: report_language.unwrap_or(Language::En),
        send_empty: raw.report.send_empty.unwrap_or(false),
        top,
        chart_font: raw.report.chart_font.as_ref().map(std::path::PathBuf::from),
    }
}

/// `[cleanup]`: subaddress filing, black holes, unsubscribe grace.
fn cleanup_section(raw: &RawConfig, ck: &mut Checker, root: &KeyPath) -> CleanupSettings {
    let cp = root.key("cleanup");
    let c = &raw.cleanup;
    let delimiter = c.subaddress_delimiter.clone().unwrap_or_else(|| "+".into());
    if delimiter.chars().count() != 1
        || delimiter
            .chars()
            .any(|ch| ch.is_alphanumeric() || ch == '@')
    {
        ck.fail(
            cp.key("subaddress_delimiter"),
            format!("{delimiter:?}: one character such as \"+\" or \"-\""),
        );
    }
    let blackhole_action = ck.one_of(
        cp.key("blackhole_action"),
        c.blackhole_action.as_deref(),
        &[
            ("discard", BlackholeAction::Discard),
            ("trash", BlackholeAction::Trash),
        ],
    );
    let blackhole_grace = ck.check(
        cp.key("blackhole_grace"),
        parse_duration(c.blackhole_grace.as_deref().unwrap_or("7d")),
    );
    let unsubscribe_grace = ck.check(
        cp.key("unsubscribe_grace"),
        parse_duration(c.unsubscribe_grace.as_deref().unwrap_or("2d")),
    );
    let folder_name = |ck: &mut Checker, key: &str, value: Option<&String>, default: &str| {
        let f = value.cloned().unwrap_or_else(|| default.to_string());
        if f.trim().is_empty() || f.contains(['\r', '\n']) {
            ck.fail(cp.key(key), "must be a non-empty folder name on one line");
        }
        f
    };
    CleanupSettings {
        subaddress: c.subaddress.unwrap_or(false),
        subaddress_delimiter: delimiter,
        blackhole_grace: blackhole_grace.unwrap_or_default(),
        blackhole_action,
        blackhole_folder: folder_name(
            ck,
            "blackhole_folder",
            c.blackhole_folder.as_ref(),
            "Black hole",
        ),
        trash_folder: folder_name(ck, "trash_folder", c.trash_folder.as_ref(), "Trash"),
        unsubscribe_grace: unsubscribe_grace.unwrap_or_default(),
        blackhole_noncompliant: c.blackhole_noncompliant.unwrap_or(false),
    }
}

/// `[calendar]`: how far ahead invitations are checked, how often feeds are read.
fn calendar_section(raw: &RawConfig, ck: &mut Checker, root: &KeyPath) -> CalendarSettings {
    let horizon = ck.check(
        root.key("calendar").key("horizon"),
        parse_duration(raw.calendar.horizon.as_deref().unwrap_or("180d")).and_then(|d| {
            if d.as_secs() < 86_400 || d.as_secs() > 3 * 366 * 86_400 {
                Err(Invalid::because(format!(
                    "{d:?}: between 1d and 1098d (three years)"
                )))
            } else {
                Ok(d)
            }
        }),
    );
    let feed_refresh = ck.check(
        root.key("calendar").key("feed_refresh"),
        parse_duration(raw.calendar.feed_refresh.as_deref().unwrap_or("1h")).and_then(|d| {
            if d.as_secs() < 60 {
                Err(Invalid::because(format!("{d:?}: at least 1m")))
            } else {
                Ok(d)
            }
        }),
    );
    CalendarSettings {
        horizon: horizon.unwrap_or(Duration::from_secs(180 * 86_400)),
        feed_refresh: feed_refresh.unwrap_or(Duration::from_secs(3600)),
    }
}

/// `[template.NAME]`: subjects and bodies in English and Arabic, their variables, dates.
fn templates_section(
    raw: &RawConfig,
    ck: &mut Checker,
    root: &KeyPath,
) -> HashMap<String, Template> {
    let mut templates = HashMap::new();
    for (name, t) in &raw.templates {
        let tp = root.key("template").key(name);
        let check_text = |ck: &mut Checker, key: KeyPath, text: &str, one_line: bool| {
            if one_line && text.contains(['\r', '\n']) {
                ck.fail(key.clone(), "must be one line");
            }
            let mut rest = text;
            while let Some(start) = rest.find('{') {
                let Some(end) = rest[start..].find('}') else {
                    break;
                };
                let var = &rest[start + 1..start + end];
                if !TEMPLATE_VARIABLES.contains(&var) {
                    ck.fail(
                        key.clone(),
                        format!(
                            "unknown variable {{{var}}}: use {}",
                            TEMPLATE_VARIABLES.map(|v| format!("{{{v}}}")).join(", ")
                        ),
                    );
                }
                rest = &rest[start + end + 1..];
            }
        };
        let subject = t.subject.clone().unwrap_or_default();
        for (lang, text) in [("en", &subject.en), ("ar", &subject.ar)] {
            if let Some(text) = text {
                check_text(ck, tp.key("subject").key(lang), text, true);
            }
        }
        for (lang, text) in [("en", &t.body.en), ("ar", &t.body.ar)] {
            if let Some(text) = text {
                check_text(ck, tp.key("body").key(lang), text, false);
            }
        }
        if t.body.en.is_none() && t.body.ar.is_none() {
            ck.fail(tp.key("body"), "give body.en and/or body.ar");
        }
        let days = match t.days.unwrap_or(7) {
            n @ 1..=60 => n as u32,
            n => {
                ck.fail(
                    tp.key("days"),
                    format!("{n}: must be between 1 and 60 (RFC 5230)"),
                );
                7
            }
        };
        let outside = match t.only.as_deref() {
            None | Some("always") => false,
            Some("outside-working-hours") => true,
            Some(other) => {
                ck.fail(
                    tp.key("only"),
                    format!("{other:?}: use \"always\" or \"outside-working-hours\""),
                );
                false
            }
        };
        let date = |ck: &mut Checker, key: &str, v: &Option<String>| {
            v.as_deref().and_then(|d| {
                ck.check(
                    tp.key(key),
                    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                        .map_err(|_| format!("{d:?}: expected YYYY-MM-DD")),
                )
            })
        };
        let from = date(ck, "from", &t.from);
        let until = date(ck, "until", &t.until);
        let expected = t.expected_response.clone().unwrap_or_default();
        templates.insert(
            name.clone(),
            Template {
                name: name.clone(),
                subject_en: subject
                    .en
                    .clone()
                    .unwrap_or_else(|| "Auto: {subject}".into()),
                subject_ar: subject
                    .ar
                    .clone()
                    .or(subject.en.clone())
                    .unwrap_or_else(|| "رد تلقائي: {subject}".into()),
                body_en: t.body.en.clone(),
                body_ar: t.body.ar.clone(),
                html: t.html.unwrap_or(false),
                days,
                outside_working_hours_only: outside,
                from,
                until,
                expected_response_en: expected.en,
                expected_response_ar: expected.ar,
            },
        );
    }
    templates
}

fn schedule(
    ck: &mut Checker,
    p: &KeyPath,
    tz: Option<&str>,
    hours: Option<&str>,
    days: Option<&[String]>,
    fallback: &Schedule,
) -> Schedule {
    let time_zone = tz
        .and_then(|t| {
            let zone = parse_time_zone(t).map_err(|e| {
                let known: Vec<String> = chrono_tz::TZ_VARIANTS
                    .iter()
                    .map(|z| z.name().to_string())
                    .collect();
                Invalid::value(t, super::wording::with_suggestion(t, &e.problem, &known))
            });
            ck.check(p.key("time_zone"), zone)
        })
        .unwrap_or(fallback.time_zone);
    let hours = hours
        .and_then(|h| ck.check(p.key("working_hours"), HourRange::parse(h)))
        .unwrap_or(fallback.hours);
    let days = days
        .and_then(|d| {
            let set = ck.check(p.key("working_days"), DaySet::parse(d))?;
            if set.is_empty() {
                ck.fail(p.key("working_days"), "name at least one working day");
            }
            Some(set)
        })
        .unwrap_or(fallback.days);
    Schedule {
        time_zone,
        hours,
        days,
    }
}

fn address_match(ck: &mut Checker, p: &KeyPath, raw: &RawAddressCond) -> AddressMatch {
    let patterns = raw
        .is
        .as_ref()
        .map(|OneOrMany(v)| v.iter().map(|s| AddressPattern::new(s)).collect())
        .unwrap_or_default();
    let in_list = raw.in_list.as_deref().and_then(|l| match l {
        "vip" => Some(AddressList::Vip),
        "mailboxes" => Some(AddressList::Mailboxes),
        other => {
            ck.fail(
                p.key("in"),
                format!("{other:?}: use \"vip\" or \"mailboxes\""),
            );
            None
        }
    });
    if raw.is.is_none() && raw.in_list.is_none() {
        ck.fail(
            p.clone(),
            "give addresses (is = [...]) or a list (in = \"vip\")",
        );
    }
    AddressMatch { patterns, in_list }
}

fn text_match(ck: &mut Checker, p: &KeyPath, raw: &RawTextCond) -> TextMatch {
    let words = raw.any.as_ref().map(|OneOrMany(v)| {
        let list = WordList::new(v);
        if list.is_empty() {
            ck.fail(p.key("any"), "the word list has no words");
        }
        list
    });
    let regex = raw
        .regex
        .as_deref()
        .and_then(|r| ck.check(p.key("regex"), parse_regex(r)));
    if raw.any.is_none() && raw.regex.is_none() {
        ck.fail(p.clone(), "give words (any = [...]) or a regex");
    }
    TextMatch { words, regex }
}

fn condition(
    ck: &mut Checker,
    p: &KeyPath,
    raw: &RawCondition,
    category_named: &dyn Fn(&str) -> Result<Category, Invalid>,
) -> Condition {
    let mut all = Vec::new();
    if let Some(cs) = &raw.all {
        all.push(Condition::All(
            cs.iter()
                .enumerate()
                .map(|(i, c)| condition(ck, &p.key("all").index(i), c, category_named))
                .collect(),
        ));
    }
    if let Some(cs) = &raw.any {
        if cs.is_empty() {
            ck.fail(p.key("any"), "an empty `any` never matches");
        }
        all.push(Condition::Any(
            cs.iter()
                .enumerate()
                .map(|(i, c)| condition(ck, &p.key("any").index(i), c, category_named))
                .collect(),
        ));
    }
    if let Some(c) = &raw.not {
        all.push(Condition::Not(Box::new(condition(
            ck,
            &p.key("not"),
            c,
            category_named,
        ))));
    }
    if let Some(Short(a)) = &raw.sender {
        all.push(Condition::Sender(address_match(ck, &p.key("sender"), a)));
    }
    if let Some(Short(a)) = &raw.recipient {
        all.push(Condition::Recipient(address_match(
            ck,
            &p.key("recipient"),
            a,
        )));
    }
    if let Some(Short(a)) = &raw.from {
        all.push(Condition::From(address_match(ck, &p.key("from"), a)));
    }
    if let Some(OneOrMany(hs)) = &raw.header {
        for (i, h) in hs.iter().enumerate() {
            let hp = if hs.len() == 1 {
                p.key("header")
            } else {
                p.key("header").index(i)
            };
            if !is_header_name(&h.name) {
                ck.fail(hp.key("name"), format!("{:?} is not a header name", h.name));
            }
            let given = [
                h.equals.is_some(),
                h.contains.is_some(),
                h.regex.is_some(),
                h.exists.is_some(),
            ]
            .iter()
            .filter(|b| **b)
            .count();
            if given > 1 {
                ck.fail(hp.clone(), "use one of equals, contains, regex, exists");
            }
            let test = if let Some(v) = &h.equals {
                HeaderTest::Equals(v.clone())
            } else if let Some(v) = &h.contains {
                HeaderTest::Contains(v.clone())
            } else if let Some(r) = &h.regex {
                match ck.check(hp.key("regex"), parse_regex(r)) {
                    Some(r) => HeaderTest::Regex(r),
                    None => HeaderTest::Exists(true),
                }
            } else {
                HeaderTest::Exists(h.exists.unwrap_or(true))
            };
            all.push(Condition::Header(HeaderMatch {
                name: h.name.clone(),
                test,
            }));
        }
    }
    if let Some(Short(t)) = &raw.subject {
        all.push(Condition::Subject(text_match(ck, &p.key("subject"), t)));
    }
    if let Some(Short(t)) = &raw.body {
        all.push(Condition::Body(text_match(ck, &p.key("body"), t)));
    }
    if let Some(Short(t)) = &raw.text {
        all.push(Condition::Text(text_match(ck, &p.key("text"), t)));
    }
    if let Some(Short(a)) = &raw.attachment {
        let globs = |v: &Option<OneOrMany<String>>| {
            v.as_ref()
                .map(|OneOrMany(v)| v.iter().map(|s| Glob::new(s)).collect())
                .unwrap_or_default()
        };
        all.push(Condition::Attachment(AttachmentMatch {
            present: a.present,
            types: globs(&a.content_type),
            names: globs(&a.name),
        }));
    }
    if let Some(s) = &raw.size {
        if s.over.is_none() && s.under.is_none() {
            ck.fail(
                p.key("size"),
                "give over and/or under, e.g. { over = \"5M\" }",
            );
        }
        all.push(Condition::Size {
            over: s.over.map(|b| b.0),
            under: s.under.map(|b| b.0),
        });
    }
    if let Some(d) = &raw.direction {
        match d.as_str() {
            "inbound" => all.push(Condition::Direction(Direction::Inbound)),
            "outbound" => all.push(Condition::Direction(Direction::Outbound)),
            other => ck.fail(
                p.key("direction"),
                format!("{other:?}: use \"inbound\" or \"outbound\""),
            ),
        }
    }
    if let Some(b) = raw.authenticated {
        all.push(Condition::Authenticated(b));
    }
    if let Some(b) = raw.list {
        all.push(Condition::List(b));
    }
    if let Some(Short(c)) = &raw.calendar {
        let methods: Vec<String> = c
            .method
            .as_ref()
            .map(|OneOrMany(v)| v.iter().map(|m| m.trim().to_ascii_uppercase()).collect())
            .unwrap_or_default();
        const METHODS: &[&str] = &[
            "PUBLISH",
            "REQUEST",
            "REPLY",
            "ADD",
            "CANCEL",
            "REFRESH",
            "COUNTER",
            "DECLINECOUNTER",
        ];
        for m in &methods {
            if !METHODS.contains(&m.as_str()) {
                ck.fail(
                    p.key("calendar"),
                    format!("{m:?} is not an iTIP method ({})", METHODS.join(", ")),
                );
            }
        }
        all.push(Condition::Calendar(CalendarMatch {
            present: c.present,
            methods,
        }));
    }
    if let Some(b) = raw.spam {
        all.push(Condition::Spam(b));
    }
    if let Some(t) = &raw.time {
        let tp = p.key("time");
        let hours = t
            .hours
            .as_deref()
            .and_then(|h| ck.check(tp.key("hours"), HourRange::parse(h)));
        let days = t
            .days
            .as_deref()
            .and_then(|d| ck.check(tp.key("days"), DaySet::parse(d)));
        if t.hours.is_none() && t.days.is_none() && t.working_hours.is_none() {
            ck.fail(tp, "give hours, days and/or working_hours");
        }
        all.push(Condition::Time(TimeMatch {
            hours,
            days,
            working_hours: t.working_hours,
        }));
    }
    if let Some(OneOrMany(cs)) = &raw.category {
        let cats = cs
            .iter()
            .filter_map(|c| ck.check(p.key("category"), category_named(c)))
            .collect();
        all.push(Condition::Category(cats));
    }
    match all.len() {
        0 => Condition::Always,
        1 => all.pop().expect("one"),
        _ => Condition::All(all),
    }
}

fn actions(
    ck: &mut Checker,
    p: &KeyPath,
    raw: &RawActions,
    category_named: &dyn Fn(&str) -> Result<Category, Invalid>,
) -> RuleActions {
    let mut a = RuleActions {
        category: raw
            .category
            .as_deref()
            .and_then(|c| ck.check(p.key("category"), category_named(c))),
        ..Default::default()
    };
    if let Some(pr) = raw.priority {
        if (1..=5).contains(&pr) {
            a.priority = Some(pr as u8);
        } else {
            ck.fail(
                p.key("priority"),
                format!("{pr}: must be 1 (most urgent) to 5"),
            );
        }
    }
    if let Some(hs) = &raw.add_header {
        for (name, value) in hs {
            let hp = p.key("add_header").key(name);
            if !is_header_name(name) {
                ck.fail(hp, format!("{name:?} is not a header name"));
            } else if name.to_ascii_lowercase().starts_with("x-musaid-") {
                ck.fail(
                    hp,
                    "X-Musaid-* headers are musaid's own; use category, priority or folder",
                );
            } else if !is_safe_header_value(value) {
                ck.fail(hp, "a header value must be one line of at most 900 bytes");
            } else {
                a.add_headers.push((name.clone(), value.clone()));
            }
        }
    }
    if let Some(s) = &raw.subject_prefix {
        if is_safe_header_value(s) && !s.is_empty() {
            a.subject_prefix = Some(s.clone());
        } else {
            ck.fail(
                p.key("subject_prefix"),
                "the prefix must be one non-empty line",
            );
        }
    }
    if let Some(f) = &raw.folder {
        if is_safe_header_value(f) && !f.trim().is_empty() {
            a.folder = Some(f.clone());
        } else {
            ck.fail(p.key("folder"), "a folder name must be one non-empty line");
        }
    }
    let addresses = |ck: &mut Checker, key: &str, v: &Option<OneOrMany<String>>| -> Vec<String> {
        v.as_ref()
            .map(|OneOrMany(v)| {
                v.iter()
                    .enumerate()
                    .filter_map(|(i, s)| {
                        let kp = if v.len() == 1 {
                            p.key(key)
                        } else {
                            p.key(key).index(i)
                        };
                        ck.check(kp, parse_address(s))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    a.add_recipients = addresses(ck, "add_recipient", &raw.add_recipient);
    a.bcc = addresses(ck, "bcc", &raw.bcc);
    a.redirect = raw
        .redirect
        .as_deref()
        .and_then(|r| ck.check(p.key("redirect"), parse_address(r)));
    if let Some(q) = &raw.quarantine {
        if is_safe_header_value(q) && !q.trim().is_empty() {
            a.quarantine = Some(q.clone());
        } else {
            ck.fail(p.key("quarantine"), "give the reason as one non-empty line");
        }
    }
    if let Some(r) = &raw.reject {
        let rp = p.key("reject");
        let code = r.code.clone().unwrap_or_else(|| "550".into());
        let code_ok = code.len() == 3
            && code.bytes().all(|b| b.is_ascii_digit())
            && (code.starts_with('4') || code.starts_with('5'));
        if !code_ok {
            ck.fail(
                rp.key("code"),
                format!("{code:?}: must be a 4xx or 5xx reply code"),
            );
        }
        let xcode = r
            .xcode
            .clone()
            .or_else(|| code_ok.then(|| format!("{}.7.1", &code[..1])));
        if let Some(x) = &xcode {
            let parts: Vec<&str> = x.split('.').collect();
            let x_ok = parts.len() == 3
                && parts.iter().all(|p| {
                    !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit())
                })
                && code_ok
                && parts[0] == &code[..1];
            if !x_ok {
                ck.fail(rp.key("xcode"), format!("{x:?}: must be an enhanced status code of the same class as the code, e.g. 5.7.1"));
            }
        }
        let text = r
            .text
            .clone()
            .unwrap_or_else(|| "Message rejected by policy".into());
        if !is_safe_header_value(&text) || text.trim().is_empty() {
            ck.fail(
                rp.key("text"),
                "the reply text must be one non-empty line of at most 900 bytes",
            );
        }
        a.reject = Some(Reject { code, xcode, text });
    }
    a.autoreply = raw.autoreply.clone();
    a.draft = raw.draft.clone();
    if let Some(e) = &raw.escalate {
        let ep = p.key("escalate");
        let to = match e.to.as_str() {
            "delegate" => Some(EscalationTarget::Delegate),
            "manager" => Some(EscalationTarget::Manager),
            url if url.starts_with("https://") || url.starts_with("http://") => {
                let format = match e.format.as_deref() {
                    None => Some(WebhookFormat::for_url(url)),
                    Some("slack") => Some(WebhookFormat::Slack),
                    Some("teams") => Some(WebhookFormat::Teams),
                    Some(other) => {
                        ck.fail(
                            ep.key("format"),
                            format!("unknown webhook format {other:?}: use \"slack\" or \"teams\""),
                        );
                        None
                    }
                };
                let parsed = ck.check(
                    ep.key("to"),
                    reqwest::Url::parse(url)
                        .map_err(|err| format!("{url:?} is not a valid webhook URL: {err}"))
                        .and_then(|u| {
                            u.host_str()
                                .map(|_| ())
                                .ok_or_else(|| format!("{url:?}: the webhook URL has no host"))
                        }),
                );
                parsed.and(format).map(|format| EscalationTarget::Webhook {
                    url: url.to_string(),
                    format,
                })
            }
            addr => ck
                .check(
                    ep.key("to"),
                    parse_address(addr).map_err(|m| {
                        format!("{m}; or use \"delegate\", \"manager\" or a webhook URL")
                    }),
                )
                .map(EscalationTarget::Address),
        };
        let within = e
            .if_unanswered_within
            .as_deref()
            .and_then(|w| ck.check(ep.key("if_unanswered_within"), parse_duration(w)));
        if let Some(to) = to {
            a.escalate = Some(Escalation {
                to,
                within,
                include_excerpt: e.include_excerpt.unwrap_or(false),
            });
        }
    }
    a.discard = raw.discard.unwrap_or(false);
    a.stop = raw.stop.unwrap_or(false);
    if a.discard && a.reject.is_some() {
        ck.fail(p.key("discard"), "a rule cannot both reject and discard");
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("50ms").unwrap(), Duration::from_millis(50));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5 weeks").is_err());
    }

    #[test]
    fn addresses() {
        assert!(parse_address("a@b.example").is_ok());
        assert!(parse_address("a b@c").is_err());
        assert!(parse_address("nobody").is_err());
        assert!(parse_address("a@b@c").is_err());
        assert!(parse_address("a@b\r\nBcc: x@y").is_err());
    }
}

#[cfg(test)]
mod store_tests {
    use crate::config::{Overrides, StoreUrl, from_str};

    fn password_of(text: &str) -> Option<String> {
        match from_str(text, "t.toml", &Overrides::default())
            .unwrap()
            .store
            .url
        {
            StoreUrl::Redis(r) => r.password,
            StoreUrl::Sqlite(_) => None,
        }
    }

    #[test]
    fn redis_password_from_a_file_or_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw");
        std::fs::write(&f, "from-file\n").unwrap();
        let text = format!(
            "[store]\nurl = \"redis://127.0.0.1:6379/0\"\npassword_file = \"{}\"\n",
            f.display()
        );
        assert_eq!(password_of(&text).as_deref(), Some("from-file"));
        // SAFETY: the variable name is unique to this test.
        unsafe { std::env::set_var("MUSAID_TEST_REDIS_PW", "from-env") };
        let text = "[store]\nurl = \"redis://127.0.0.1:6379/0\"\npassword_env = \"MUSAID_TEST_REDIS_PW\"\n";
        assert_eq!(password_of(text).as_deref(), Some("from-env"));
    }

    #[test]
    fn a_missing_password_source_is_an_error_on_its_key() {
        let text =
            "[store]\nurl = \"redis://127.0.0.1:6379/0\"\npassword_file = \"/nonexistent/pw\"\n";
        let e = from_str(text, "t.toml", &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("t.toml:3:17: store.password_file: cannot read /nonexistent/pw"),
            "{e}"
        );
        let text = "[store]\nurl = \"redis://127.0.0.1:6379/0\"\npassword_env = \"MUSAID_TEST_UNSET_VARIABLE\"\n";
        let e = from_str(text, "t.toml", &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "store.password_env: environment variable MUSAID_TEST_UNSET_VARIABLE is not set"
            ),
            "{e}"
        );
        let e = from_str(
            "[store]\nprefix = \"a{b}\"\n",
            "t.toml",
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("store.prefix"), "{e}");
    }
}
