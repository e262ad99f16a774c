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
use crate::count::Count;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What happens to the message at the end of the SMTP transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Disposition {
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
    pub outcome: Disposition,
    /// Short names of what is done, for the log line and `classify --json`.
    pub actions: Vec<String>,
    /// Counters to add in the store.
    #[serde(skip)]
    pub counts: Vec<Count>,
    /// An acknowledgement to queue once the store agrees (dedupe, daily cap).
    #[serde(skip)]
    pub autoreply: Option<Box<Prepared>>,
    /// A review draft to queue.
    #[serde(skip)]
    pub draft: Option<Box<autoreply::draft::Draft>>,
    /// Reply tracking work for the store.
    #[serde(skip)]
    pub tracking: crate::escalation::tracking::TrackingPlan,
    /// An escalation to send now or to schedule.
    #[serde(skip)]
    pub escalation: Option<crate::escalation::EscalationPlan>,
    /// What the sender and list memory learns from this message.
    #[serde(skip)]
    pub lists: Option<crate::cleanup::lists::Observation>,
    /// Invitations to check, cancellations, acceptances.
    #[serde(skip)]
    pub calendar: Option<crate::calendar::delivery::InvitationPlan>,
}

use crate::message::header::*;
pub use crate::message::hygiene::{HeaderChange, Hygiene, spoofed_headers};

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
/// `hygiene` is what the header scan found (see [`crate::message::hygiene`]); `memory` what
/// the store remembers that the plan needs (black holes; empty for `musaid classify`). In
/// observe mode (`[milter] mode = "observe"`) the plan keeps only its headers: see
/// [`observe_only`].
pub fn plan(
    input: &Input<'_>,
    verdict: &Verdict,
    hygiene: Hygiene,
    memory: &crate::cleanup::blackhole::Memory,
) -> Plan {
    let hygiene_changes = hygiene.hidden.len();
    let mut p = enforced_plan(input, verdict, hygiene, memory);
    if input.config.milter.mode == crate::config::model::MilterMode::Observe {
        observe_only(&mut p, hygiene_changes);
    }
    p
}

/// What observe mode keeps of a plan: musaid's own headers (tags, reasons, thread, deadline,
/// folder) and rules' added headers, and the removal of forged ones; the first
/// `hygiene_changes` header changes (hidden headers unhidden). Everything that acts goes:
/// the subject prefix and the Cc of added recipients, added, removed and redirected
/// recipients, quarantine, reject and discard, the acknowledgement, the draft, the
/// escalation, and what the list memory would learn. Its actions still say what enforcing
/// would do, after `observe`.
pub fn observe_only(p: &mut Plan, hygiene_changes: usize) {
    p.change_headers.truncate(hygiene_changes);
    p.add_headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case("Cc"));
    p.add_recipients.clear();
    p.delete_recipients.clear();
    p.quarantine = None;
    p.outcome = Disposition::Accept;
    p.autoreply = None;
    p.draft = None;
    p.escalation = None;
    p.lists = None;
    p.actions.insert(0, "observe".into());
}

/// The plan as enforced.
fn enforced_plan(
    input: &Input<'_>,
    verdict: &Verdict,
    hygiene: Hygiene,
    memory: &crate::cleanup::blackhole::Memory,
) -> Plan {
    let a = &verdict.actions;
    // A field past the inspection limit is not in the parsed message, but is in the mail.
    let cut_off = |name: &str| hygiene.has(name) && input.message.header(name).is_none();
    let (subject_cut_off, cc_cut_off) = (cut_off("Subject"), cut_off("Cc"));
    let mut p = hygiene_plan(hygiene);
    p.remove_headers = keep_signed_drafts(input, std::mem::take(&mut p.remove_headers));
    if p.remove_headers.is_empty() {
        p.actions.retain(|a| a != "strip-spoofed-headers");
    }
    let cleanup = crate::cleanup::plan(input, verdict, memory);
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
        p.outcome = Disposition::Reject(reject.clone());
        p.actions.push(format!("reject:{}", reject.code));
    } else if a.discard {
        p.outcome = Disposition::Discard;
        p.actions.push("discard".into());
    }
    // Black holes and subaddress filing (a rule's reject or discard comes first).
    p.actions.extend(cleanup.actions.iter().cloned());
    if p.outcome == Disposition::Accept {
        if cleanup.discard {
            p.outcome = Disposition::Discard;
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
    if p.outcome == Disposition::Discard && cleanup.discard {
        // Nothing else happens to a black-holed message: no acknowledgement, no tracking.
        p.counts = counts(input, verdict, &p, input.now, &extra_metrics);
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
    p.tracking = crate::escalation::tracking::plan(input, verdict);
    if let crate::escalation::tracking::TrackingPlan::Track { record, .. } = &p.tracking {
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
    p
}

/// One counter per mailbox among a message's `counts` (first occurrence), with the category
/// of the first: whom an outcome known only at the edge is counted for ([`edge_counts`]).
pub fn scope_of(counts: &[Count]) -> Vec<Count> {
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
/// fired...), for the same mailboxes as the message's counters (their [`scope_of`], taken before
/// they are handed to the store).
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
        Disposition::Reject(_) => metrics.push("rejected".into()),
        Disposition::Discard => metrics.push("discarded".into()),
        Disposition::Accept => {}
    }
    if plan.quarantine.is_some() {
        metrics.push("quarantined".into());
    }
    if !plan.add_recipients.is_empty() {
        metrics.push("routed".into());
    }
    if matches!(
        plan.tracking,
        crate::escalation::tracking::TrackingPlan::Track { .. }
    ) {
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
                day: crate::count::day_key(&local),
                category: "-".into(),
                metric: format!("hour:{:02}", chrono::Timelike::hour(&local)),
                n: 1,
            });
        }
    }
    out
}
