//! Administrator rules as the configuration gives them: ordered, named conditions and
//! actions, compiled once per configuration (regexes, globs, word lists). Their evaluation
//! per message is classification's ([`crate::classify::rules`]).
//!
//! Semantics, in the spirit of Exchange transport rules and Sieve:
//! - rules are evaluated in file order; every matching `enforce` rule contributes its actions;
//! - single-valued settings (category, priority, folder, redirect) take the value of the last
//!   matching rule that sets them; lists (headers, recipients) accumulate;
//! - `reject` and `discard` end evaluation (the message's fate is decided), as does `stop`;
//! - a matching `audit` rule changes nothing: it is reported (log, `classify --json`) as what
//!   it would have done.

use super::category::Category;
use crate::glob::{AddressPattern, Glob};
use crate::hours::{DaySet, HourRange};
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
    /// Acknowledge with this template.
    pub autoreply: Option<String>,
    /// Prepare a reply draft for the owner or delegate, greeting from this template.
    pub draft: Option<String>,
    /// Raise the message to someone, now or when no reply came in time.
    pub escalate: Option<Escalation>,
}

/// Who an escalation goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscalationTarget {
    Delegate,
    Manager,
    Address(String),
    /// An incoming-webhook URL (Slack, Mattermost, Rocket.Chat, Teams Workflows...).
    Webhook {
        url: String,
        format: WebhookFormat,
    },
}

/// The JSON a webhook receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookFormat {
    /// `{"text": "..."}`: Slack's incoming webhooks and the many services that copy them.
    Slack,
    /// A message with one Adaptive Card: Teams Workflows ("when a Teams webhook request is
    /// received") and the older Teams incoming webhooks.
    Teams,
}

impl WebhookFormat {
    /// The format a URL's host implies: Teams for Microsoft's webhook hosts, Slack otherwise.
    pub fn for_url(url: &str) -> WebhookFormat {
        let host = url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', '?', ':']).next())
            .unwrap_or("")
            .to_ascii_lowercase();
        let microsoft = ["webhook.office.com", "logic.azure.com", "powerplatform.com"];
        if microsoft
            .iter()
            .any(|m| host == *m || host.ends_with(&format!(".{m}")))
        {
            WebhookFormat::Teams
        } else {
            WebhookFormat::Slack
        }
    }
}

/// The `escalate` action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalation {
    pub to: EscalationTarget,
    /// None: at once; Some: when no reply was sent within this much business time.
    pub within: Option<std::time::Duration>,
    pub include_excerpt: bool,
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
        if let Some(t) = &self.autoreply {
            d.push(format!("autoreply={t}"));
        }
        if let Some(t) = &self.draft {
            d.push(format!("draft={t}"));
        }
        if let Some(e) = &self.escalate {
            d.push(match e.within {
                None => "escalate".to_string(),
                Some(w) => format!("escalate-after={}s", w.as_secs()),
            });
        }
        d
    }

    /// True when the message's fate is decided and later rules are not evaluated.
    pub fn ends_evaluation(&self) -> bool {
        self.stop || self.discard || self.reject.is_some()
    }
}

/// Whether the message comes from outside (inbound) or from a local user (outbound).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
}
