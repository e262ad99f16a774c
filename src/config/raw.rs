//! The configuration file exactly as written: serde structures with `deny_unknown_fields`.
//!
//! Nothing here is interpreted; [`super::validate`] turns these into the typed model and
//! reports every problem with its key path. Shorthands (a string where a list or a table is
//! allowed) are resolved by the small deserialisers at the bottom, so that a wrong type still
//! gets serde's precise error and the key path.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default)]
    pub milter: RawMilter,
    #[serde(default)]
    pub store: RawStore,
    #[serde(default)]
    pub log: RawLog,
    #[serde(default)]
    pub direction: RawDirection,
    #[serde(default)]
    pub defaults: RawDefaults,
    #[serde(default)]
    pub folders: BTreeMap<String, String>,
    #[serde(default)]
    pub words: RawWords,
    #[serde(default, rename = "category")]
    pub categories: Vec<RawCategory>,
    #[serde(default, rename = "mailbox")]
    pub mailboxes: Vec<RawMailbox>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<RawRule>,
    #[serde(default)]
    pub outbox: RawOutbox,
    #[serde(default)]
    pub autoreply: RawAutoreply,
    #[serde(default, rename = "template")]
    pub templates: BTreeMap<String, RawTemplate>,
    #[serde(default)]
    pub tracking: RawTracking,
    #[serde(default)]
    pub report: RawReport,
    #[serde(default)]
    pub cleanup: RawCleanup,
    #[serde(default)]
    pub calendar: RawCalendar,
    #[serde(default)]
    pub classifier: RawClassifier,
    #[serde(default)]
    pub metrics: RawMetrics,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    pub listen: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClassifier {
    pub model: Option<bool>,
    pub learning: Option<bool>,
    pub starter: Option<bool>,
    pub mailbox_layers: Option<bool>,
    pub max_features: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTracking {
    pub categories: Option<Vec<String>>,
    pub keep: Option<String>,
    pub remind_at: Option<String>,
    pub remind_after: Option<String>,
    pub deadline_reminders: Option<bool>,
    pub keep_subjects: Option<bool>,
    pub deadline_remind_before: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendar {
    pub horizon: Option<String>,
    pub feed_refresh: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCleanup {
    pub subaddress: Option<bool>,
    pub subaddress_delimiter: Option<String>,
    pub blackhole_grace: Option<String>,
    pub blackhole_action: Option<String>,
    pub blackhole_folder: Option<String>,
    pub trash_folder: Option<String>,
    pub unsubscribe_grace: Option<String>,
    pub blackhole_noncompliant: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    pub administrators: Option<Vec<String>>,
    pub from: Option<String>,
    pub language: Option<String>,
    pub send_empty: Option<bool>,
    pub top: Option<usize>,
    pub chart_font: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutbox {
    pub relay: Option<String>,
    pub username: Option<String>,
    pub password_file: Option<String>,
    pub envelope_sender: Option<String>,
    pub max_age: Option<String>,
    pub retry_after: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutoreply {
    pub trusted_authserv_ids: Option<Vec<String>>,
    pub max_per_sender_per_day: Option<i64>,
    pub draft_secret_file: Option<String>,
}

/// Text in English and/or Arabic.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawTexts {
    pub en: Option<String>,
    pub ar: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTemplate {
    pub subject: Option<RawTexts>,
    pub body: RawTexts,
    pub html: Option<bool>,
    pub days: Option<i64>,
    pub only: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub expected_response: Option<RawTexts>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMilter {
    pub listen: Option<String>,
    pub socket_mode: Option<String>,
    pub max_connections: Option<i64>,
    pub max_body_bytes: Option<ByteSize>,
    pub max_header_bytes: Option<ByteSize>,
    pub connection_timeout: Option<String>,
    pub worker_threads: Option<i64>,
    pub mode: Option<String>,
    pub on_store_error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    pub url: Option<String>,
    pub prefix: Option<String>,
    pub password_file: Option<String>,
    pub password_env: Option<String>,
    pub timeout: Option<String>,
    pub retention_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLog {
    pub level: Option<String>,
    pub format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDirection {
    pub submission_daemon_names: Option<Vec<String>>,
    pub trusted_networks: Option<Vec<String>>,
    pub local_domains: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDefaults {
    pub time_zone: Option<String>,
    pub working_hours: Option<String>,
    pub working_days: Option<Vec<String>>,
    pub language: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWords {
    #[serde(default)]
    pub urgent: Vec<String>,
    #[serde(default)]
    pub deadline: Vec<String>,
    #[serde(default)]
    pub support: Vec<String>,
    #[serde(default)]
    pub promotional: Vec<String>,
    #[serde(default)]
    pub scheduling: Vec<String>,
    #[serde(default)]
    pub request: Vec<String>,
    #[serde(default)]
    pub spam: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCategory {
    pub name: String,
    pub priority: i64,
    pub folder: Option<String>,
    pub display: Option<RawTexts>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMailbox {
    pub digits: Option<String>,
    pub address: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub owner: Option<String>,
    pub delegate: Option<String>,
    pub manager: Option<String>,
    pub language: Option<String>,
    pub time_zone: Option<String>,
    pub working_hours: Option<String>,
    pub working_days: Option<Vec<String>>,
    #[serde(default)]
    pub vip: Vec<String>,
    pub autoreply: Option<String>,
    #[serde(default)]
    pub holidays: Vec<String>,
    #[serde(default)]
    pub blackhole: Vec<String>,
    #[serde(default)]
    pub auto_unsubscribe: Vec<String>,
    pub invitations: Option<RawInvitations>,
    pub calendar_feed: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInvitations {
    pub on_free: Option<String>,
    pub on_conflict: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub name: String,
    pub mode: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub when: RawCondition,
    pub then: RawActions,
}

/// A condition table: every key present must hold.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    pub all: Option<Vec<RawCondition>>,
    pub any: Option<Vec<RawCondition>>,
    pub not: Option<Box<RawCondition>>,
    pub sender: Option<Short<RawAddressCond>>,
    pub recipient: Option<Short<RawAddressCond>>,
    pub from: Option<Short<RawAddressCond>>,
    pub header: Option<OneOrMany<RawHeaderCond>>,
    pub subject: Option<Short<RawTextCond>>,
    pub body: Option<Short<RawTextCond>>,
    pub text: Option<Short<RawTextCond>>,
    pub attachment: Option<Short<RawAttachmentCond>>,
    pub size: Option<RawSizeCond>,
    pub direction: Option<String>,
    pub authenticated: Option<bool>,
    pub list: Option<bool>,
    pub calendar: Option<Short<RawCalendarCond>>,
    pub spam: Option<bool>,
    pub time: Option<RawTimeCond>,
    pub category: Option<OneOrMany<String>>,
}

/// `sender = "glob"`, `sender = ["glob", ...]` or `sender = { is = [...], in = "vip" }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAddressCond {
    pub is: Option<OneOrMany<String>>,
    #[serde(rename = "in")]
    pub in_list: Option<String>,
}

/// `header = { name = "X-Foo", equals | contains | regex | exists }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHeaderCond {
    pub name: String,
    pub equals: Option<String>,
    pub contains: Option<String>,
    pub regex: Option<String>,
    pub exists: Option<bool>,
}

/// `subject = "word"`, `subject = ["w1", "w2"]` or `subject = { any = [...], regex = "..." }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTextCond {
    pub any: Option<OneOrMany<String>>,
    pub regex: Option<String>,
}

/// `attachment = true` or `attachment = { type = "application/pdf", name = "*.pdf" }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttachmentCond {
    pub present: Option<bool>,
    #[serde(rename = "type")]
    pub content_type: Option<OneOrMany<String>>,
    pub name: Option<OneOrMany<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSizeCond {
    pub over: Option<ByteSize>,
    pub under: Option<ByteSize>,
}

/// `calendar = true` or `calendar = "REQUEST"` or `calendar = { method = [...] }`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCalendarCond {
    pub present: Option<bool>,
    pub method: Option<OneOrMany<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTimeCond {
    pub hours: Option<String>,
    pub days: Option<Vec<String>>,
    pub working_hours: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActions {
    pub category: Option<String>,
    pub priority: Option<i64>,
    pub add_header: Option<BTreeMap<String, String>>,
    pub subject_prefix: Option<String>,
    pub folder: Option<String>,
    pub add_recipient: Option<OneOrMany<String>>,
    pub bcc: Option<OneOrMany<String>>,
    pub redirect: Option<String>,
    pub quarantine: Option<String>,
    pub reject: Option<RawReject>,
    pub discard: Option<bool>,
    pub stop: Option<bool>,
    pub autoreply: Option<String>,
    pub draft: Option<String>,
    pub escalate: Option<RawEscalate>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEscalate {
    pub to: String,
    pub format: Option<String>,
    pub if_unanswered_within: Option<String>,
    pub include_excerpt: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReject {
    pub code: Option<String>,
    pub xcode: Option<String>,
    pub text: Option<String>,
}

/// One value or a list of values.
#[derive(Debug, Clone, PartialEq)]
pub struct OneOrMany<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(OneOrMany(out))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(de::value::StrDeserializer::new(v)).map(|t| OneOrMany(vec![t]))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| OneOrMany(vec![t]))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A condition table that may also be written as a string, a list of strings or a bool.
pub trait Shorthands: Sized {
    /// `key = "x"` or `key = ["x", "y"]`.
    fn from_strings(_: Vec<String>) -> Option<Self> {
        None
    }
    /// `key = true`.
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
}

/// A table (deserialised with its own `deny_unknown_fields`) or one of its shorthands.
#[derive(Debug)]
pub struct Short<T>(pub T);

impl<'de, T: Deserialize<'de> + Shorthands> Deserialize<'de> for Short<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Shorthands> Visitor<'de> for V<T> {
            type Value = Short<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table, or its shorthand (a string, a list of strings or a bool)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::from_strings(vec![v.to_string()])
                    .map(Short)
                    .ok_or_else(|| E::invalid_type(de::Unexpected::Str(v), &self))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                T::from_bool(v)
                    .map(Short)
                    .ok_or_else(|| E::invalid_type(de::Unexpected::Bool(v), &self))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    out.push(v);
                }
                T::from_strings(out)
                    .map(Short)
                    .ok_or_else(|| de::Error::invalid_type(de::Unexpected::Seq, &self))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Short)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

impl Shorthands for RawAddressCond {
    fn from_strings(v: Vec<String>) -> Option<Self> {
        Some(Self {
            is: Some(OneOrMany(v)),
            in_list: None,
        })
    }
}

impl Shorthands for RawTextCond {
    fn from_strings(v: Vec<String>) -> Option<Self> {
        Some(Self {
            any: Some(OneOrMany(v)),
            regex: None,
        })
    }
}

impl Shorthands for RawAttachmentCond {
    fn from_bool(b: bool) -> Option<Self> {
        Some(Self {
            present: Some(b),
            ..Default::default()
        })
    }
}

impl Shorthands for RawCalendarCond {
    fn from_strings(v: Vec<String>) -> Option<Self> {
        Some(Self {
            present: None,
            method: Some(OneOrMany(v)),
        })
    }
    fn from_bool(b: bool) -> Option<Self> {
        Some(Self {
            present: Some(b),
            method: None,
        })
    }
}

/// A byte size: an integer, or a string with a K, M or G suffix (powers of 1024).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ByteSize(pub u64);

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ByteSize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size in bytes, e.g. 1048576 or \"1M\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ByteSize, E> {
                u64::try_from(v)
                    .map(ByteSize)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ByteSize, E> {
                Ok(ByteSize(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ByteSize, E> {
                parse_byte_size(v).map(ByteSize).ok_or_else(|| {
                    E::custom(format!(
                        "invalid size {v:?}: use bytes or a number with K, M or G"
                    ))
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses "512", "64K", "10M", "1G" (case-insensitive, optional "B"/"iB").
pub fn parse_byte_size(s: &str) -> Option<u64> {
    let s = s.trim().to_ascii_uppercase();
    let s = s
        .strip_suffix("IB")
        .or_else(|| s.strip_suffix('B'))
        .unwrap_or(&s);
    let (num, mult) = match s.chars().last()? {
        'K' => (&s[..s.len() - 1], 1024),
        'M' => (&s[..s.len() - 1], 1024 * 1024),
        'G' => (&s[..s.len() - 1], 1024 * 1024 * 1024),
        _ => (s, 1),
    };
    num.trim().parse::<u64>().ok()?.checked_mul(mult)
}
