//! Automatic answers to invitations, per the mailbox's `invitations` policy (off by default):
//! on free time `accept` or `tentative` (an iTIP REPLY with PARTSTAT); on a conflict (or
//! outside working hours) `decline` (REPLY DECLINED), `counter` (an iTIP COUNTER proposing the
//! first free slot of the same length inside working hours) or `escalate` (a notice to the
//! delegate or manager; nothing goes to the organizer). Answers go to the ORGANIZER through
//! the outbox, as iMIP mail (RFC 6047): a human-readable part in the mailbox's language that
//! also lists three free alternatives, and the text/calendar part.

use super::Invitation;
use super::check::Finding;
use super::ical::{escape, fold};
use crate::config::model::{OnConflict, OnFree};
use crate::config::{Config, Mailbox};
use crate::locale::{Strings, finish, verbatim};
use crate::message::compose::{Outgoing, Part};
use crate::outbox::OutboxJob;
use chrono::{DateTime, Duration, Utc};

/// An answer to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// accepted, tentative, declined, counter, escalated.
    pub kind: &'static str,
    pub job: OutboxJob,
    /// The outbox id (stable: one answer per invitation version).
    pub id: String,
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The iTIP object of an answer.
fn ics(
    method: &str,
    inv: &Invitation,
    mb: &Mailbox,
    partstat: &str,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
    comment: Option<&str>,
) -> String {
    let m = inv.master();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        format!("PRODID:-//musaid//musaid {}//EN", env!("CARGO_PKG_VERSION")),
        "VERSION:2.0".into(),
        format!("METHOD:{method}"),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", m.uid),
        format!("SEQUENCE:{}", m.sequence),
        format!("DTSTAMP:{}", utc(now)),
        format!("DTSTART:{}", utc(start)),
        format!("DTEND:{}", utc(end)),
        format!("SUMMARY:{}", escape(&m.summary)),
    ];
    if let Some(org) = &m.organizer {
        lines.push(format!("ORGANIZER:mailto:{org}"));
    }
    lines.push(format!(
        "ATTENDEE;PARTSTAT={partstat}:mailto:{}",
        mb.address
    ));
    if method == "REPLY" {
        lines.push("REQUEST-STATUS:2.0;Success".into());
    }
    if let Some(c) = comment {
        lines.push(format!("COMMENT:{}", escape(c)));
    }
    lines.push("END:VEVENT".into());
    lines.push("END:VCALENDAR".into());
    lines.iter().map(|l| fold(l)).collect()
}

/// Decides and builds the answer, if the policy asks for one.
#[allow(clippy::too_many_arguments)]
pub fn respond(
    config: &Config,
    mb: &Mailbox,
    inv: &Invitation,
    outcome: &Finding,
    busy: &[(i64, i64)],
    now: DateTime<Utc>,
) -> Option<Response> {
    let policy = mb.invitations;
    let tz = mb.schedule.time_zone;
    let s = Strings::for_language(mb.language.code());
    let (start, end) = inv.first(now, tz);
    // A time slot in the mailbox's language: its day and month names, and its digits once
    // the text is finished (the invitation's own words are marked to keep theirs).
    let when = |a: DateTime<Utc>, b: DateTime<Utc>| {
        format!(
            "{}–{}",
            s.date(&a.with_timezone(&tz), &s.get("date_slot_start")),
            s.date(&b.with_timezone(&tz), &s.get("date_slot_end"))
        )
    };
    let owner = verbatim(&mb.owner.clone().unwrap_or_else(|| mb.address.clone()));
    let m = inv.master();
    let organizer = m.organizer.clone()?;
    let summary = if m.summary.trim().is_empty() {
        "-".to_string()
    } else {
        verbatim(&m.summary)
    };
    let length = (end - start).max(Duration::minutes(15));
    let alternatives = super::slots::next_free(mb, busy, start.max(now), length, 3, 14);
    let kind = match (outcome, policy.on_free, policy.on_conflict) {
        (Finding::Free, OnFree::Accept, _) => "accepted",
        (Finding::Free, OnFree::Tentative, _) => "tentative",
        (Finding::Conflict { .. } | Finding::OutsideHours { .. }, _, OnConflict::Decline) => {
            "declined"
        }
        (Finding::Conflict { .. } | Finding::OutsideHours { .. }, _, OnConflict::Counter)
            if !alternatives.is_empty() =>
        {
            "counter"
        }
        (Finding::Conflict { .. } | Finding::OutsideHours { .. }, _, OnConflict::Escalate) => {
            "escalated"
        }
        _ => return None,
    };
    let proposal = alternatives
        .first()
        .map(|(a, b)| when(*a, *b))
        .unwrap_or_default();
    let requested = when(start, end);
    let vars: [(&str, &str); 5] = [
        ("owner", &owner),
        ("summary", &summary),
        ("when", &requested),
        ("organizer", &verbatim(&organizer)),
        ("proposal", &proposal),
    ];
    let fill = |key: &str| s.fill(key, &vars);
    let mut body = fill(&format!("itip_body_{kind}"));
    body.push_str("\r\n");
    if !alternatives.is_empty() && kind != "accepted" && kind != "tentative" {
        body.push_str(&format!("\r\n{}\r\n", s.get("itip_alternatives")));
        for (a, b) in &alternatives {
            body.push_str(&format!("- {}\r\n", when(*a, *b)));
        }
    }
    body.push_str(&format!("\r\n-- \r\n{}\r\n", fill("itip_footer")));
    let body = finish(&body, mb.digits, false);
    let subject = finish(&fill(&format!("itip_subject_{kind}")), mb.digits, false);
    let domain = crate::message::domain_of(&mb.address);
    let id = format!(
        "itip-{}",
        crate::message::header::fingerprint(&[&mb.address, &m.uid, &m.sequence.to_string(), kind])
    );
    let message_id = format!("musaid.{id}@{domain}");
    let (to, message) = if kind == "escalated" {
        let to = mb.delegate.clone().or_else(|| mb.manager.clone())?;
        let msg = Outgoing {
            from: &mb.address,
            from_name: None,
            to: vec![&to],
            subject: &subject,
            date: now.to_rfc2822(),
            message_id: &message_id,
            extra: crate::message::compose::auto_generated(),
        }
        .render(&Part::text(&body));
        (to, msg)
    } else {
        let (method, partstat, times, comment) = match kind {
            "accepted" => ("REPLY", "ACCEPTED", (start, end), None),
            "tentative" => ("REPLY", "TENTATIVE", (start, end), None),
            "declined" => ("REPLY", "DECLINED", (start, end), None),
            _ => (
                "COUNTER",
                "NEEDS-ACTION",
                alternatives[0],
                Some(body.lines().next().unwrap_or("")),
            ),
        };
        let cal = ics(method, inv, mb, partstat, times, now, comment);
        let msg = Outgoing {
            from: &mb.address,
            from_name: None,
            to: vec![&organizer],
            subject: &subject,
            date: now.to_rfc2822(),
            message_id: &message_id,
            extra: vec![("Auto-Submitted", "auto-replied".into())],
        }
        .render(&Part::alternative(vec![
            Part::text(&body),
            Part::calendar(method, &cal),
        ]));
        (organizer.clone(), msg)
    };
    Some(Response {
        kind,
        id,
        job: OutboxJob {
            kind: format!("calendar-{kind}"),
            mailbox: mb.address.clone(),
            from: if kind == "escalated" {
                config.outbox.envelope_sender.clone()
            } else {
                mb.address.clone()
            },
            to: vec![to],
            message,
            created: now.timestamp_millis(),
            webhook: None,
            content_type: None,
        },
    })
}
