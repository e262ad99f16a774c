//! Policy: a pure translation of a [`Verdict`] into a [`Plan`] of milter actions and store
//! work. The milter applies plans; `musaid classify` prints them; tests read them.
//!
//! Header hygiene lives here too: inbound `X-Musaid-*` headers are always removed (nobody can
//! forge a category), every value musaid writes is one line of printable text, and a subject
//! prefix is RFC 2047-encoded when it is not ASCII.

use crate::autoreply::{self, Prepared};
use crate::classify::rules::Reject;
use crate::classify::{Direction, Input, Verdict};
use crate::config::Config;
use crate::store::Count;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Header names musaid owns.
pub const HEADER_PREFIX: &str = "X-Musaid-";
pub const CATEGORY_HEADER: &str = "X-Musaid-Category";
pub const PRIORITY_HEADER: &str = "X-Musaid-Priority";
pub const REASON_HEADER: &str = "X-Musaid-Reason";
pub const FOLDER_HEADER: &str = "X-Musaid-Folder";
pub const STATUS_HEADER: &str = "X-Musaid-Status";
pub const THREAD_HEADER: &str = "X-Musaid-Thread";
/// The invitation check's outcome (free, conflict, outside-hours, stale, unverified-organizer).
pub const CALENDAR_HEADER: &str = "X-Musaid-Calendar";
/// A deadline written in the text, in the mailbox's time zone (RFC 3339).
pub const DEADLINE_HEADER: &str = "X-Musaid-Deadline";

/// A stable key for the conversation a message belongs to: a hash of the root of its
/// References (else In-Reply-To, else its own Message-ID), so every message of a thread carries
/// the same value and any IMAP client finds the thread with `SEARCH HEADER X-Musaid-Thread <key>`.
pub fn thread_key(m: &crate::message::ParsedMessage) -> Option<String> {
    let root = m
        .references
        .first()
        .or(m.in_reply_to.first())
        .or(m.message_id.as_ref())?;
    let root = root.trim().trim_matches(['<', '>']);
    (!root.is_empty()).then(|| autoreply::fingerprint(&[root]))
}

/// What happens to the message at the end of the SMTP transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Outcome {
    #[default]
    Accept,
    Reject(Reject),
    Discard,
}

/// Everything the milter does with one message, decided before anything is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Plan {
    /// Spoofed musaid headers to delete: (name, occurrence index), highest index first.
    pub remove_headers: Vec<(String, usize)>,
    pub add_headers: Vec<(String, String)>,
    pub change_headers: Vec<HeaderChange>,
    pub add_recipients: Vec<String>,
    pub delete_recipients: Vec<String>,
    pub quarantine: Option<String>,
    pub outcome: Outcome,
    /// Short names of what is done, for the log line and `classify --json`.
    pub actions: Vec<String>,
    /// Counters to add in the store.
    #[serde(skip)]
    pub counts: Vec<Count>,
    /// Whom an outcome known only at the edge is counted for: one counter per mailbox the
    /// message counts for (and the organisation), with its day and category; see
    /// [`edge_counts`].
    #[serde(skip)]
    pub count_scope: Vec<Count>,
    /// An acknowledgement to queue once the store agrees (dedupe, daily cap).
    #[serde(skip)]
    pub autoreply: Option<Box<Prepared>>,
    /// A review draft to queue.
    #[serde(skip)]
    pub draft: Option<Box<autoreply::draft::Draft>>,
    /// Reply tracking work for the store.
    #[serde(skip)]
    pub tracking: crate::tracking::Work,
    /// An escalation to send now or to schedule.
    #[serde(skip)]
    pub escalation: Option<crate::escalation::Planned>,
    /// What the sender and list memory learns from this message.
    #[serde(skip)]
    pub lists: Option<crate::lists::Observation>,
    /// Invitations to check, cancellations, acceptances.
    #[serde(skip)]
    pub calendar: Option<crate::calendar::delivery::Work>,
}

pub use crate::message::hygiene::{HeaderChange, Hygiene, spoofed_headers};

/// Makes a value safe for a header: one line, printable, at most `max` bytes.
pub fn header_safe(value: &str, max: usize) -> String {
    let mut out: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if out.len() > max {
        let mut end = max;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out.trim().to_string()
}

/// A value as a quoted-string parameter (`organizer="..."`): [`header_safe`], with `\` and
/// `"` escaped, so text taken from mail can neither end the quotes nor add a parameter.
pub fn quoted(value: &str, max: usize) -> String {
    let safe = header_safe(value, max);
    let mut out = String::with_capacity(safe.len() + 2);
    out.push('"');
    for c in safe.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Longest line musaid writes into a header (RFC 5322 allows 998; folded before that).
const FOLD_AT: usize = 900;
/// Upper bound of one header value musaid writes.
pub const MAX_HEADER_VALUE: usize = 64 * 1024;

/// The gate every value passes on its way into a header, at the one place musaid writes
/// headers (the milter's end of message): no control character but folds (a line break
/// followed by a space or tab, written as the milter protocol wants it: LF then the
/// blank), lines folded at a space before [`FOLD_AT`] bytes, at most [`MAX_HEADER_VALUE`]
/// bytes. Whatever a planner built from mail, nothing it writes can start a header line.
pub fn header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_HEADER_VALUE));
    let mut line_start = 0;
    let mut last_space: Option<usize> = None;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() >= MAX_HEADER_VALUE {
            break;
        }
        if c == '\r' || c == '\n' {
            while chars.peek().is_some_and(|n| *n == '\r' || *n == '\n') {
                chars.next();
            }
            if chars.peek().is_some_and(|n| *n == ' ' || *n == '\t') {
                out.push('\n');
                line_start = out.len();
                last_space = None;
            } else {
                out.push(' ');
            }
            continue;
        }
        let c = if c.is_control() && c != '\t' { ' ' } else { c };
        if c == ' ' && out.len() > line_start {
            last_space = Some(out.len());
        }
        out.push(c);
        if out.len() - line_start > FOLD_AT
            && let Some(at) = last_space.take()
        {
            out.insert(at, '\n');
            line_start = at + 1;
        }
    }
    while out.len() > MAX_HEADER_VALUE {
        out.pop();
    }
    out.trim_end().to_string()
}

/// RFC 2047 encoding of a non-ASCII text (one encoded word per 45 input bytes).
pub fn encode_word(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
    }
    words.join(" ")
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The plan that only repairs the header section: spoofed `X-Musaid-*` headers removed,
/// hidden ones unhidden. Every plan starts from it, the degraded one included.
pub fn hygiene_plan(hygiene: Hygiene) -> Plan {
    let mut p = Plan {
        remove_headers: hygiene.spoofed,
        change_headers: hygiene.hidden,
        ..Default::default()
    };
    if !p.remove_headers.is_empty() {
        p.actions.push("strip-spoofed-headers".into());
    }
    if !p.change_headers.is_empty() {
        p.actions.push("unhide-headers".into());
    }
    p
}

/// Builds the plan for one classified message.
///
/// `hygiene` is what the header scan found (see [`crate::message::hygiene`]).
pub fn plan(input: &Input<'_>, verdict: &Verdict, hygiene: Hygiene) -> Plan {
    let a = &verdict.actions;
    // A field past the inspection limit is not in the parsed message, but is in the mail.
    let cut_off = |name: &str| hygiene.has(name) && input.message.header(name).is_none();
    let (subject_cut_off, cc_cut_off) = (cut_off("Subject"), cut_off("Cc"));
    let mut p = hygiene_plan(hygiene);
    p.remove_headers = keep_signed_drafts(input, std::mem::take(&mut p.remove_headers));
    if p.remove_headers.is_empty() {
        p.actions.retain(|a| a != "strip-spoofed-headers");
    }
    let cleanup = crate::cleanup::plan(input, verdict);
    let folder = cleanup.folder.as_ref().or(verdict.folder.as_ref());

    if verdict.direction == Direction::Inbound {
        p.add_headers
            .push((CATEGORY_HEADER.into(), verdict.category.name().to_string()));
        p.add_headers
            .push((PRIORITY_HEADER.into(), verdict.priority.to_string()));
        p.add_headers.push((
            REASON_HEADER.into(),
            header_safe(&verdict.reasons.join(", "), 900),
        ));
        if let Some(thread) = thread_key(input.message) {
            p.add_headers.push((THREAD_HEADER.into(), thread));
        }
        if let Some(folder) = folder {
            p.add_headers
                .push((FOLDER_HEADER.into(), header_safe(&encode_word(folder), 900)));
        }
        p.actions.push("tag".into());
    }
    for (name, value) in &a.add_headers {
        p.add_headers.push((name.clone(), encode_word(value)));
        p.actions.push(format!("add-header:{name}"));
    }

    if let Some(prefix) = &a.subject_prefix {
        let current = input.message.header("Subject");
        let already = input.message.subject.starts_with(prefix.trim());
        if subject_cut_off {
            p.actions
                .push("subject-prefix-skipped:beyond-header-limit".into());
        } else if !already {
            let encoded = encode_word(prefix.trim_end());
            match current {
                Some(raw) => p.change_headers.push(HeaderChange {
                    name: "Subject".into(),
                    index: 1,
                    value: header_safe(&format!("{encoded} {raw}"), MAX_HEADER_VALUE),
                }),
                None => p.add_headers.push(("Subject".into(), encoded)),
            }
            p.actions.push("subject-prefix".into());
        }
    }

    let current: Vec<String> = input
        .envelope
        .recipients
        .iter()
        .map(|r| r.to_ascii_lowercase())
        .collect();
    let push_rcpt = |p: &mut Plan, r: &str| {
        let lower = r.to_ascii_lowercase();
        let present =
            current.contains(&lower) || p.add_recipients.iter().any(|x| x.eq_ignore_ascii_case(r));
        if !present {
            p.add_recipients.push(r.to_string());
        }
    };
    if let Some(to) = &a.redirect {
        p.delete_recipients = input
            .envelope
            .recipients
            .iter()
            .filter(|r| !r.eq_ignore_ascii_case(to))
            .cloned()
            .collect();
        if !current.contains(&to.to_ascii_lowercase()) {
            p.add_recipients.push(to.clone());
        }
        p.actions.push(format!("redirect:{to}"));
    }
    if !a.add_recipients.is_empty() {
        let mut visible = Vec::new();
        for r in &a.add_recipients {
            push_rcpt(&mut p, r);
            visible.push(r.clone());
            p.actions.push(format!("add-recipient:{r}"));
        }
        // add_recipient is visible: the address joins the Cc header.
        let cc_list = visible.join(", ");
        match input.message.header("Cc") {
            _ if cc_cut_off => p.actions.push("cc-skipped:beyond-header-limit".into()),
            Some(cc) if !cc.trim().is_empty() => p.change_headers.push(HeaderChange {
                name: "Cc".into(),
                index: 1,
                value: format!("{cc}, {cc_list}"),
            }),
            _ => p.add_headers.push(("Cc".into(), cc_list)),
        }
    }
    for r in &a.bcc {
        push_rcpt(&mut p, r);
        p.actions.push(format!("bcc:{r}"));
    }
    if let Some(reason) = &a.quarantine {
        p.quarantine = Some(reason.clone());
        p.actions.push("quarantine".into());
    }
    if let Some(reject) = &a.reject {
        p.outcome = Outcome::Reject(reject.clone());
        p.actions.push(format!("reject:{}", reject.code));
    } else if a.discard {
        p.outcome = Outcome::Discard;
        p.actions.push("discard".into());
    }
    // Black holes and subaddress filing (a rule's reject or discard comes first).
    p.actions.extend(cleanup.actions.iter().cloned());
    if p.outcome == Outcome::Accept {
        if cleanup.discard {
            p.outcome = Outcome::Discard;
        }
        for r in &cleanup.delete_recipients {
            if !p
                .delete_recipients
                .iter()
                .any(|x| x.eq_ignore_ascii_case(r))
            {
                p.delete_recipients.push(r.clone());
            }
        }
        p.add_recipients
            .extend(cleanup.add_recipients.iter().cloned());
    }
    p.lists = cleanup.observation;
    p.calendar = crate::calendar::delivery::plan(input, verdict);
    let mut extra_metrics = cleanup.metrics;
    if p.outcome == Outcome::Discard && cleanup.discard {
        // Nothing else happens to a black-holed message: no acknowledgement, no tracking.
        p.counts = counts(input, verdict, &p, input.now, &extra_metrics);
        p.count_scope = scope_of(&p.counts);
        return p;
    }
    match autoreply::prepare(input, verdict) {
        autoreply::Decision::None => {}
        autoreply::Decision::Refused { template, reason } => {
            p.actions
                .push(format!("autoreply-refused:{}", reason.name()));
            extra_metrics.push(format!("autoreply-refused:{}", reason.name()));
            tracing::debug!(template, reason = reason.name(), "no acknowledgement");
        }
        autoreply::Decision::Reply(prepared) => {
            p.actions.push(format!("autoreply:{}", prepared.template));
            p.autoreply = Some(prepared);
        }
    }
    if let Some(d) = autoreply::prepare_draft(input, verdict) {
        p.actions.push(format!("draft:{}", d.template));
        extra_metrics.push("draft-prepared".into());
        p.draft = Some(Box::new(d));
    }
    p.escalation = crate::escalation::plan(input, verdict);
    if let Some(e) = &p.escalation {
        p.actions.push(if e.due_ms.is_some() {
            "escalate-later".into()
        } else {
            "escalate".into()
        });
    }
    p.tracking = crate::tracking::plan(input, verdict);
    if let crate::tracking::Work::Track { record, .. } = &p.tracking {
        p.actions.push("track".into());
        if let (Some(due), Some(mb)) = (record.deadline, input.mailbox)
            && let Some(local) =
                chrono::TimeZone::timestamp_millis_opt(&mb.schedule.time_zone, due).single()
        {
            p.add_headers
                .push((DEADLINE_HEADER.into(), local.to_rfc3339()));
            p.actions.push("deadline".into());
        }
    }
    p.counts = counts(input, verdict, &p, input.now, &extra_metrics);
    p.count_scope = scope_of(&p.counts);
    p
}

/// One counter per mailbox among `counts` (first occurrence), with the category of the
/// first: the scope of the outcomes counted at the edge.
fn scope_of(counts: &[Count]) -> Vec<Count> {
    let Some(first) = counts.first() else {
        return Vec::new();
    };
    let mut seen: Vec<&str> = Vec::new();
    counts
        .iter()
        .filter(|c| {
            let new = !seen.contains(&c.mailbox.as_str());
            seen.push(&c.mailbox);
            new
        })
        .map(|c| Count {
            metric: String::new(),
            n: 1,
            category: first.category.clone(),
            ..c.clone()
        })
        .collect()
}

/// Leaves musaid's own drafts their marker: an `X-Musaid-Draft` header whose signature over
/// the draft (see [`autoreply::draft::signed_text`]) is right is not removed; every other
/// `X-Musaid-*` header is.
fn keep_signed_drafts(input: &Input<'_>, spoofed: Vec<(String, usize)>) -> Vec<(String, usize)> {
    let Some(secret) = input.config.autoreply.draft_secret.as_deref() else {
        return spoofed;
    };
    if input.message.message_id.is_none() {
        return spoofed;
    }
    let signed = autoreply::draft::signed_text(input.message);
    let id = signed.as_str();
    let values: Vec<&str> = input
        .message
        .header_all(autoreply::draft::DRAFT_HEADER)
        .collect();
    spoofed
        .into_iter()
        .filter(|(name, index)| {
            !(name.eq_ignore_ascii_case(autoreply::draft::DRAFT_HEADER)
                && values
                    .get(index - 1)
                    .is_some_and(|v| autoreply::draft::verify(secret, id, v)))
        })
        .collect()
}

/// Counters for an outcome known only at the edge (acknowledgement queued, escalation
/// fired...), for the same mailboxes as the message's counters ([`Plan::count_scope`],
/// which stays when the message's own counters are handed to the store).
pub fn edge_counts(scope: &[Count], metric: &str) -> Vec<Count> {
    scope
        .iter()
        .map(|c| Count {
            metric: metric.to_string(),
            ..c.clone()
        })
        .collect()
}

/// Counters for one message: per configured mailbox involved, and organisation-wide (`*`).
fn counts(
    input: &Input<'_>,
    verdict: &Verdict,
    plan: &Plan,
    now: DateTime<Utc>,
    extra: &[String],
) -> Vec<Count> {
    let config: &Config = input.config;
    let metric = match verdict.direction {
        Direction::Inbound => "received",
        Direction::Outbound => "sent",
    };
    let mut metrics = vec![metric.to_string()];
    match &plan.outcome {
        Outcome::Reject(_) => metrics.push("rejected".into()),
        Outcome::Discard => metrics.push("discarded".into()),
        Outcome::Accept => {}
    }
    if plan.quarantine.is_some() {
        metrics.push("quarantined".into());
    }
    if !plan.add_recipients.is_empty() {
        metrics.push("routed".into());
    }
    if matches!(plan.tracking, crate::tracking::Work::Track { .. }) {
        metrics.push("tracked".into());
    }
    metrics.extend(extra.iter().cloned());
    // For the digest: who writes (top senders) and which lists send the bulk mail.
    if verdict.direction == Direction::Inbound {
        let m = input.message;
        if let Some(from) = &m.from {
            metrics.push(format!("from:{}", from.address.to_ascii_lowercase()));
        }
        if matches!(
            verdict.category,
            crate::classify::Category::Newsletter | crate::classify::Category::Promotional
        ) {
            metrics.push(format!("list:{}", list_name(m)));
        }
    }

    let mut mailboxes: Vec<&crate::config::Mailbox> = Vec::new();
    let involved: Vec<String> = match verdict.direction {
        Direction::Inbound => input.recipients(),
        Direction::Outbound => vec![input.sender()],
    };
    for addr in &involved {
        if let Some(m) = config
            .mailbox(addr)
            .filter(|m| !mailboxes.iter().any(|x| x.address == m.address))
        {
            mailboxes.push(m);
        }
    }
    let category = verdict.category.name().to_string();
    let mut out = Vec::new();
    let org_day = config.default_schedule.local_day(now);
    for (mailbox, day) in std::iter::once(("*".to_string(), org_day)).chain(
        mailboxes
            .iter()
            .map(|m| (m.address.clone(), m.schedule.local_day(now))),
    ) {
        for metric in &metrics {
            out.push(Count {
                mailbox: mailbox.clone(),
                day: day.clone(),
                category: category.clone(),
                metric: metric.clone(),
                n: 1,
            });
        }
    }
    // Busiest hours: arrivals per local hour of each mailbox (and the organisation's zone).
    if verdict.direction == Direction::Inbound {
        let zones = std::iter::once(("*".to_string(), &config.default_schedule))
            .chain(mailboxes.iter().map(|m| (m.address.clone(), &m.schedule)));
        for (mailbox, schedule) in zones {
            let local = now.with_timezone(&schedule.time_zone);
            out.push(Count {
                mailbox,
                day: local.format("%Y-%m-%d").to_string(),
                category: "-".into(),
                metric: format!("hour:{}", local.format("%H")),
                n: 1,
            });
        }
    }
    out
}

/// The name a newsletter or promotion is counted under: its List-Id, or the sender's domain.
pub fn list_name(m: &crate::message::ParsedMessage) -> String {
    m.list_id
        .as_deref()
        .map(|id| {
            // `Weekly news <weekly.example.com>`: the part in angle brackets is the id.
            let id = match (id.rfind('<'), id.rfind('>')) {
                (Some(a), Some(b)) if a < b => &id[a + 1..b],
                _ => id,
            };
            id.trim().to_ascii_lowercase()
        })
        .filter(|id| !id.is_empty())
        .or_else(|| {
            m.from
                .as_ref()
                .map(|f| crate::message::domain_of(&f.address).to_ascii_lowercase())
        })
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_one_safe_line() {
        assert_eq!(header_safe("a\r\nBcc: evil@x", 100), "a  Bcc: evil@x");
        assert_eq!(header_safe("عاجل جدا", 5), "عا");
        assert_eq!(
            quoted("x\"; response=accepted\rbcc: a@b \\", 100),
            r#""x\"; response=accepted bcc: a@b \\""#
        );
    }

    #[test]
    fn the_header_gate_keeps_folds_and_nothing_else() {
        assert_eq!(header_value("a\rbcc: evil@x"), "a bcc: evil@x");
        assert_eq!(header_value("a\r\nBcc: evil@x\n"), "a Bcc: evil@x");
        assert_eq!(header_value("one\r\n two"), "one\n two");
        assert_eq!(header_value("nul\0 and\x1b esc"), "nul  and  esc");
        // A long value is folded at spaces, never cut.
        let long = vec!["word"; 1000].join(" ");
        let gated = header_value(&long);
        assert!(gated.lines().all(|l| l.len() <= FOLD_AT + 1), "{gated}");
        assert_eq!(gated.replace("\n", ""), long);
        assert!(header_value(&"x".repeat(200_000)).len() <= MAX_HEADER_VALUE);
    }

    #[test]
    fn a_thread_shares_one_key() {
        let parse =
            |raw: &str| crate::message::ParsedMessage::parse(raw.as_bytes(), raw.len(), false);
        let first = parse("Message-ID: <root@x.example>\r\nSubject: a\r\n\r\nx\r\n");
        let reply = parse(
            "Message-ID: <r1@y.example>\r\nIn-Reply-To: <root@x.example>\r\nSubject: Re: a\r\n\r\nx\r\n",
        );
        let deep = parse(
            "Message-ID: <r2@x.example>\r\nIn-Reply-To: <r1@y.example>\r\nReferences: <root@x.example> <r1@y.example>\r\n\r\nx\r\n",
        );
        let other = parse("Message-ID: <other@x.example>\r\n\r\nx\r\n");
        let key = thread_key(&first).unwrap();
        assert_eq!(thread_key(&reply).as_deref(), Some(key.as_str()));
        assert_eq!(thread_key(&deep).as_deref(), Some(key.as_str()));
        assert_ne!(thread_key(&other).unwrap(), key);
        assert_eq!(thread_key(&parse("Subject: no ids\r\n\r\nx\r\n")), None);
    }

    #[test]
    fn rfc2047_encoding() {
        assert_eq!(encode_word("[EXT]"), "[EXT]");
        assert_eq!(encode_word("عاجل"), "=?UTF-8?B?2LnYp9is2YQ=?=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
