//! Administrator rules: ordered, named conditions and actions from the configuration,
//! compiled once per configuration (regexes, globs, word lists) and evaluated per message.
//!
//! Semantics, in the spirit of Exchange transport rules and Sieve:
//! - rules are evaluated in file order; every matching `enforce` rule contributes its actions;
//! - single-valued settings (category, priority, folder, redirect) take the value of the last
//!   matching rule that sets them; lists (headers, recipients) accumulate;
//! - `reject` and `discard` end evaluation (the message's fate is decided), as does `stop`;
//! - a matching `audit` rule changes nothing: it is reported (log, `classify --json`) as what
//!   it would have done.

use super::{Category, Direction, Input};
use crate::glob::{AddressPattern, Glob};
use crate::schedule::{DaySet, HourRange};
use crate::text::WordList;
use regex::Regex;

/// `enforce` or `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Enforce,
    Audit,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub mode: Mode,
    pub when: Condition,
    pub then: RuleActions,
}

/// Named address lists an address condition can refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressList {
    /// The VIP list of the mailbox the message is for.
    Vip,
    /// Any configured mailbox (or alias).
    Mailboxes,
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub enum Condition {
    Always,
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// Envelope sender (MAIL FROM; the From header when there is no envelope).
    Sender(AddressMatch),
    /// Any envelope recipient.
    Recipient(AddressMatch),
    /// The From header address.
    From(AddressMatch),
    Header(HeaderMatch),
    Subject(TextMatch),
    Body(TextMatch),
    /// Subject or body.
    Text(TextMatch),
    Attachment(AttachmentMatch),
    Size {
        over: Option<u64>,
        under: Option<u64>,
    },
    Direction(Direction),
    Authenticated(bool),
    List(bool),
    Calendar(CalendarMatch),
    Spam(bool),
    Time(TimeMatch),
    /// The category the built-in signals chose.
    Category(Vec<Category>),
}

#[derive(Debug, Clone, Default)]
pub struct AddressMatch {
    pub patterns: Vec<AddressPattern>,
    pub in_list: Option<AddressList>,
}

#[derive(Debug, Clone)]
pub enum HeaderTest {
    Exists(bool),
    Equals(String),
    Contains(String),
    Regex(Regex),
}

#[derive(Debug, Clone)]
pub struct HeaderMatch {
    pub name: String,
    pub test: HeaderTest,
}

/// Word list (whole words, Arabic-normalised) and/or a regex; every part given must match.
#[derive(Debug, Clone, Default)]
pub struct TextMatch {
    pub words: Option<WordList>,
    pub regex: Option<Regex>,
}

#[derive(Debug, Clone, Default)]
pub struct AttachmentMatch {
    pub present: Option<bool>,
    pub types: Vec<Glob>,
    pub names: Vec<Glob>,
}

#[derive(Debug, Clone, Default)]
pub struct CalendarMatch {
    pub present: Option<bool>,
    /// Upper-cased iTIP methods; empty = any.
    pub methods: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct TimeMatch {
    pub hours: Option<HourRange>,
    pub days: Option<DaySet>,
    pub working_hours: Option<bool>,
}

/// An SMTP rejection.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reject {
    pub code: String,
    pub xcode: Option<String>,
    pub text: String,
}

/// What a rule does when it matches.
#[derive(Debug, Clone, Default)]
pub struct RuleActions {
    pub category: Option<Category>,
    pub priority: Option<u8>,
    pub add_headers: Vec<(String, String)>,
    pub subject_prefix: Option<String>,
    pub folder: Option<String>,
    pub add_recipients: Vec<String>,
    pub bcc: Vec<String>,
    pub redirect: Option<String>,
    pub quarantine: Option<String>,
    pub reject: Option<Reject>,
    pub discard: bool,
    pub stop: bool,
}

impl RuleActions {
    /// Short names of the actions, for logs and explanations.
    pub fn describe(&self) -> Vec<String> {
        let mut d = Vec::new();
        if let Some(c) = &self.category {
            d.push(format!("category={c}"));
        }
        if let Some(p) = self.priority {
            d.push(format!("priority={p}"));
        }
        for (n, _) in &self.add_headers {
            d.push(format!("add-header={n}"));
        }
        if self.subject_prefix.is_some() {
            d.push("subject-prefix".into());
        }
        if let Some(f) = &self.folder {
            d.push(format!("folder={f}"));
        }
        for r in &self.add_recipients {
            d.push(format!("add-recipient={r}"));
        }
        for r in &self.bcc {
            d.push(format!("bcc={r}"));
        }
        if let Some(r) = &self.redirect {
            d.push(format!("redirect={r}"));
        }
        if self.quarantine.is_some() {
            d.push("quarantine".into());
        }
        if let Some(r) = &self.reject {
            d.push(format!("reject={}", r.code));
        }
        if self.discard {
            d.push("discard".into());
        }
        if self.stop {
            d.push("stop".into());
        }
        d
    }

    /// True when the message's fate is decided and later rules are not evaluated.
    pub fn ends_evaluation(&self) -> bool {
        self.stop || self.discard || self.reject.is_some()
    }
}

impl Condition {
    /// Evaluates the condition for one message. `signal_category` is what signals chose.
    pub fn matches(&self, input: &Input<'_>, signal_category: &Category) -> bool {
        match self {
            Condition::Always => true,
            Condition::All(cs) => cs.iter().all(|c| c.matches(input, signal_category)),
            Condition::Any(cs) => cs.iter().any(|c| c.matches(input, signal_category)),
            Condition::Not(c) => !c.matches(input, signal_category),
            Condition::Sender(m) => m.matches_one(input, &input.sender()),
            Condition::Recipient(m) => input.recipients().iter().any(|r| m.matches_one(input, r)),
            Condition::From(m) => input
                .message
                .from
                .as_ref()
                .is_some_and(|f| m.matches_one(input, &f.address)),
            Condition::Header(h) => h.matches(input),
            Condition::Subject(t) => t.matches(&input.message.subject, &input.subject_tokens),
            Condition::Body(t) => t.matches(&input.message.text, &input.body_tokens),
            Condition::Text(t) => {
                t.matches(&input.message.subject, &input.subject_tokens)
                    || t.matches(&input.message.text, &input.body_tokens)
            }
            Condition::Attachment(a) => a.matches(input),
            Condition::Size { over, under } => {
                let size = input.message.size as u64;
                over.is_none_or(|o| size > o) && under.is_none_or(|u| size < u)
            }
            Condition::Direction(d) => input.direction == *d,
            Condition::Authenticated(b) => input.envelope.auth_authen.is_some() == *b,
            Condition::List(b) => {
                let m = input.message;
                let list =
                    m.has_list_headers || matches!(m.precedence.as_deref(), Some("list" | "bulk"));
                list == *b
            }
            Condition::Calendar(c) => {
                let methods = &input.message.calendar_methods;
                let present = !methods.is_empty();
                c.present.is_none_or(|p| p == present)
                    && (c.methods.is_empty() || c.methods.iter().any(|m| methods.contains(m)))
            }
            Condition::Spam(b) => input.message.spam_flag == *b,
            Condition::Time(t) => t.matches(input),
            Condition::Category(cs) => cs.contains(signal_category),
        }
    }
}

impl AddressMatch {
    fn matches_one(&self, input: &Input<'_>, address: &str) -> bool {
        let by_pattern =
            self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(address));
        let by_list = match self.in_list {
            None => true,
            Some(AddressList::Vip) => input.mailbox.is_some_and(|m| m.is_vip(address)),
            Some(AddressList::Mailboxes) => input.config.mailbox(address).is_some(),
        };
        by_pattern && by_list
    }
}

impl HeaderMatch {
    fn matches(&self, input: &Input<'_>) -> bool {
        let mut values = input.message.header_all(&self.name);
        match &self.test {
            HeaderTest::Exists(want) => values.next().is_some() == *want,
            HeaderTest::Equals(s) => values.any(|v| v.trim().eq_ignore_ascii_case(s.trim())),
            HeaderTest::Contains(s) => {
                let needle = s.to_lowercase();
                values.any(|v| v.to_lowercase().contains(&needle))
            }
            HeaderTest::Regex(r) => values.any(|v| r.is_match(v)),
        }
    }
}

impl TextMatch {
    fn matches(&self, raw: &str, tokens: &crate::text::Tokens) -> bool {
        self.words.as_ref().is_none_or(|w| tokens.contains_any(w))
            && self.regex.as_ref().is_none_or(|r| r.is_match(raw))
    }
}

impl AttachmentMatch {
    fn matches(&self, input: &Input<'_>) -> bool {
        let atts = &input.message.attachments;
        if self
            .present
            .is_some_and(|present| atts.is_empty() == present)
        {
            return false;
        }
        if self.types.is_empty() && self.names.is_empty() {
            return self.present.is_some() || !atts.is_empty();
        }
        atts.iter().any(|a| {
            (self.types.is_empty() || self.types.iter().any(|g| g.matches(&a.content_type)))
                && (self.names.is_empty()
                    || a.name
                        .as_deref()
                        .is_some_and(|n| self.names.iter().any(|g| g.matches(n))))
        })
    }
}

impl TimeMatch {
    fn matches(&self, input: &Input<'_>) -> bool {
        let schedule = input.schedule();
        let (day, time) = schedule.local(input.now);
        self.hours.is_none_or(|h| h.contains(time))
            && self.days.is_none_or(|d| d.contains(day))
            && self
                .working_hours
                .is_none_or(|w| schedule.is_working_time(input.now) == w)
    }
}
