//! Built-in signals: small named detectors, each adding [`Hit`]s for one aspect of a message.
//!
//! A signal never decides a category on its own; [`super::score`] weighs all hits. Adding a
//! signal means: a variant in [`Signal`], a detector in one of the family modules, and a row
//! in the weight table.

mod language;
mod lists;
mod people;
mod robots;

use super::Input;
use serde::Serialize;

/// Every built-in signal. The name is what `X-Musaid-Reason` and `classify --json` show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signal {
    /// Nothing else fired: direct mail that can wait.
    Default,
    // upstream verdicts
    SpamFlag,
    // machines
    Dsn,
    Mdn,
    Arf,
    Report,
    AutoReplied,
    AutoSubmitted,
    MailerDaemon,
    NullSender,
    NoreplySender,
    AdminRecipient,
    BounceSubject,
    AutoReplySubject,
    // lists and bulk mail
    ListId,
    ListUnsubscribe,
    ListHeaders,
    PrecedenceBulk,
    PrecedenceList,
    PrecedenceJunk,
    EspHeader,
    UnsubscribeLink,
    // calendar
    CalendarPart,
    SchedulingWords,
    // language
    UrgentWords,
    DeadlineWords,
    DueToday,
    HighImportance,
    SupportWords,
    PromoWords,
    SpamWords,
    RequestWords,
    Question,
    // people
    VipSender,
    VipDeadline,
    DirectTo,
    CcOnly,
    ManyRecipients,
    ReplyThread,
}

impl Signal {
    /// The signal's name.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Default => "default",
            Signal::SpamFlag => "spam-flag",
            Signal::Dsn => "dsn",
            Signal::Mdn => "mdn",
            Signal::Arf => "arf",
            Signal::Report => "report",
            Signal::AutoReplied => "auto-replied",
            Signal::AutoSubmitted => "auto-submitted",
            Signal::MailerDaemon => "mailer-daemon",
            Signal::NullSender => "null-sender",
            Signal::NoreplySender => "noreply-sender",
            Signal::AdminRecipient => "admin-recipient",
            Signal::BounceSubject => "bounce-subject",
            Signal::AutoReplySubject => "auto-reply-subject",
            Signal::ListId => "list-id",
            Signal::ListUnsubscribe => "list-unsubscribe",
            Signal::ListHeaders => "list-headers",
            Signal::PrecedenceBulk => "precedence-bulk",
            Signal::PrecedenceList => "precedence-list",
            Signal::PrecedenceJunk => "precedence-junk",
            Signal::EspHeader => "esp-header",
            Signal::UnsubscribeLink => "unsubscribe-link",
            Signal::CalendarPart => "calendar-part",
            Signal::SchedulingWords => "scheduling-words",
            Signal::UrgentWords => "urgent-words",
            Signal::DeadlineWords => "deadline-words",
            Signal::DueToday => "due-today",
            Signal::HighImportance => "high-importance",
            Signal::SupportWords => "support-words",
            Signal::PromoWords => "promo-words",
            Signal::SpamWords => "spam-words",
            Signal::RequestWords => "request-words",
            Signal::Question => "question",
            Signal::VipSender => "vip-sender",
            Signal::VipDeadline => "vip-deadline",
            Signal::DirectTo => "direct-to",
            Signal::CcOnly => "cc-only",
            Signal::ManyRecipients => "many-recipients",
            Signal::ReplyThread => "reply-thread",
        }
    }
}

/// One signal that fired, how strongly (1..=3, e.g. the number of distinct words found),
/// and the evidence (header names, matched words) for explanations.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub signal: Signal,
    pub strength: u8,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

impl Hit {
    /// A hit of strength 1 without evidence.
    pub fn new(signal: Signal) -> Self {
        Hit {
            signal,
            strength: 1,
            evidence: Vec::new(),
        }
    }

    /// A hit with evidence; strength is the number of pieces of evidence, at most 3.
    pub fn with_evidence(signal: Signal, evidence: Vec<String>) -> Self {
        let strength = evidence.len().clamp(1, 3) as u8;
        Hit {
            signal,
            strength,
            evidence,
        }
    }
}

/// Signals that say a message is list or bulk mail (List-* headers, Precedence: bulk or
/// list, a bulk-mail service's headers).
pub const BULK: &[Signal] = &[
    Signal::ListId,
    Signal::ListUnsubscribe,
    Signal::ListHeaders,
    Signal::PrecedenceBulk,
    Signal::PrecedenceList,
    Signal::EspHeader,
];

/// True if `hits` says the message is list or bulk mail.
pub fn is_bulk(hits: &[Hit]) -> bool {
    BULK.iter().any(|s| has(hits, *s))
}

/// Runs every signal family.
pub fn detect(input: &Input<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    if input.message.spam_flag {
        hits.push(Hit::new(Signal::SpamFlag));
    }
    robots::detect(input, &mut hits);
    lists::detect(input, &mut hits);
    language::detect(input, &mut hits);
    people::detect(input, &mut hits);
    hits
}

/// True if `hits` contains `signal`.
pub fn has(hits: &[Hit], signal: Signal) -> bool {
    hits.iter().any(|h| h.signal == signal)
}
