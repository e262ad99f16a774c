//! The decision at delivery for an invitation (REQUEST or COUNTER) to a configured mailbox,
//! pure: from the invitation, the owner's calendar, the mailbox's working hours and whether
//! the organizer is who the mail's authentication says.
//!
//! In order: an organizer whose domain does not match the authenticated sender domain is
//! `unverified-organizer` (nothing else is done for it); an update older than what the
//! calendar holds is `stale`; an occurrence overlapping busy time is `conflict` (with the
//! conflicting event); an occurrence outside working hours or days is `outside-hours`;
//! otherwise `free`.

use super::Invitation;
use super::held::Stored;
use crate::config::Mailbox;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde::Serialize;

/// What musaid found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Finding {
    Free,
    Conflict {
        summary: String,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    OutsideHours {
        start: DateTime<Utc>,
    },
    Stale {
        held_sequence: i64,
    },
    UnverifiedOrganizer {
        organizer: Option<String>,
    },
}

impl Finding {
    pub fn name(&self) -> &'static str {
        match self {
            Finding::Free => "free",
            Finding::Conflict { .. } => "conflict",
            Finding::OutsideHours { .. } => "outside-hours",
            Finding::Stale { .. } => "stale",
            Finding::UnverifiedOrganizer { .. } => "unverified-organizer",
        }
    }

    /// The `X-Musaid-Calendar` value (times in the mailbox's zone).
    pub fn header(&self, mb: &Mailbox) -> String {
        let local = |t: &DateTime<Utc>| {
            t.with_timezone(&mb.schedule.time_zone)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        };
        match self {
            Finding::Conflict {
                summary,
                start,
                end,
            } => format!(
                "conflict; with=\"{}\"; at=\"{} - {}\"",
                crate::message::header::header_safe(summary, 120).replace('"', "'"),
                local(start),
                end.with_timezone(&mb.schedule.time_zone).format("%H:%M")
            ),
            Finding::OutsideHours { start } => format!("outside-hours; at=\"{}\"", local(start)),
            Finding::Stale { held_sequence } => format!("stale; held-sequence={held_sequence}"),
            Finding::UnverifiedOrganizer { organizer } => format!(
                "unverified-organizer; organizer={}",
                crate::message::header::quoted(organizer.as_deref().unwrap_or("-"), 200)
            ),
            Finding::Free => "free".into(),
        }
    }
}

/// True if the organizer's domain is the authenticated sender's (SPF or DKIM pass in the
/// MTA's own Authentication-Results), or, when no trusted authserv-id is configured, the
/// envelope sender's.
pub fn organizer_verified(
    organizer: Option<&str>,
    m: &crate::message::ParsedMessage,
    envelope_sender: &str,
    trusted: &[String],
) -> bool {
    let Some(org) = organizer else {
        return false;
    };
    let domain = crate::message::domain_of(org).to_ascii_lowercase();
    if domain.is_empty() {
        return false;
    }
    let aligned = |d: &str| {
        let d = d.trim_end_matches('.').to_ascii_lowercase();
        !d.is_empty()
            && (d == domain
                || domain.ends_with(&format!(".{d}"))
                || d.ends_with(&format!(".{domain}")))
    };
    match crate::message::authres::trusted_passes(m, trusted) {
        Some(passes) => passes.iter().any(|p| aligned(&p.domain)),
        // With trusted authserv-ids configured, the MTA vouches for what it checked: an
        // invitation it did not authenticate gets no answer (a COUNTER would tell anyone
        // who names themselves organizer when the owner is free). Without, the envelope
        // sender's domain is all there is.
        None if trusted.is_empty() => aligned(&crate::message::domain_of(envelope_sender)),
        None => false,
    }
}

/// Decides for one invitation (see the module docs).
pub fn decide(
    inv: &Invitation,
    calendar: &[Stored],
    mb: &Mailbox,
    verified: bool,
    now: DateTime<Utc>,
    horizon: chrono::Duration,
) -> Finding {
    let master = inv.master();
    if !verified {
        return Finding::UnverifiedOrganizer {
            organizer: master.organizer.clone(),
        };
    }
    if let Some(held) = calendar.iter().find(|s| s.uid == inv.uid) {
        let older = master.sequence < held.sequence
            || (master.sequence == held.sequence
                && matches!((master.dtstamp, held.dtstamp), (Some(a), Some(b)) if a.timestamp_millis() < b));
        if older {
            return Finding::Stale {
                held_sequence: held.sequence,
            };
        }
    }
    let tz = mb.schedule.time_zone;
    let occurrences = super::event::busy(&inv.events, now, now + horizon, tz);
    for (a, b) in &occurrences {
        let (a_ms, b_ms) = (a.timestamp_millis(), b.timestamp_millis());
        for s in calendar.iter().filter(|s| s.blocks() && s.uid != inv.uid) {
            if let Some((x, y)) = s.busy.iter().find(|(x, y)| *x < b_ms && a_ms < *y) {
                return Finding::Conflict {
                    summary: s.summary.clone(),
                    start: Utc.timestamp_millis_opt(*x).single().unwrap_or(*a),
                    end: Utc.timestamp_millis_opt(*y).single().unwrap_or(*b),
                };
            }
        }
    }
    for (a, b) in &occurrences {
        let (la, lb) = (a.with_timezone(&tz), b.with_timezone(&tz));
        let all_day = master.start.date_only;
        let day_ok =
            mb.schedule.days.contains(la.weekday()) && !mb.holidays.contains(&la.date_naive());
        let hours_ok = all_day
            || (mb.schedule.hours.contains(la.time())
                && (lb.time() == mb.schedule.hours.end || mb.schedule.hours.contains(lb.time()))
                && la.date_naive() == lb.date_naive());
        if !day_ok || !hours_ok {
            return Finding::OutsideHours { start: *a };
        }
    }
    Finding::Free
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::event::Event;
    use crate::calendar::ical::parse;
    use crate::calendar::zones::Zones;

    fn invitation(text: &str) -> Invitation {
        let cal = &parse(text).unwrap()[0];
        let zones = Zones::from_calendar(cal);
        let events: Vec<Event> = cal
            .children_named("VEVENT")
            .filter_map(|c| Event::from_component(c, &zones))
            .collect();
        Invitation {
            method: "REQUEST".into(),
            uid: events[0].uid.clone(),
            events,
        }
    }

    fn mailbox() -> Mailbox {
        let cfg = crate::config::from_str(
            "[[mailbox]]\naddress = \"ceo@example.com\"\ntime_zone = \"UTC\"\nworking_hours = \"08:00-18:00\"\nworking_days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]\n",
            "t.toml",
            &Default::default(),
        )
        .unwrap();
        cfg.mailboxes[0].clone()
    }

    #[test]
    fn a_recurring_invitation_conflicts_on_one_occurrence_only() {
        let mb = mailbox();
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap();
        // The owner holds a one-off event on Wednesday 9 December, 10:00-11:00.
        let held = Stored {
            uid: "offsite".into(),
            summary: "Offsite".into(),
            sequence: 0,
            dtstamp: None,
            organizer: None,
            source: "import".into(),
            busy: vec![(
                Utc.with_ymd_and_hms(2026, 12, 9, 10, 0, 0)
                    .unwrap()
                    .timestamp_millis(),
                Utc.with_ymd_and_hms(2026, 12, 9, 11, 0, 0)
                    .unwrap()
                    .timestamp_millis(),
            )],
        };
        // A daily stand-up 10:30-10:45 on weekdays for three weeks: only 9 December clashes.
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:standup\r\nDTSTART:20261130T103000Z\r\nDTEND:20261130T104500Z\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=15\r\nORGANIZER:mailto:pm@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let inv = invitation(text);
        let horizon = chrono::Duration::days(60);
        match decide(&inv, std::slice::from_ref(&held), &mb, true, now, horizon) {
            Finding::Conflict { summary, start, .. } => {
                assert_eq!(summary, "Offsite");
                assert_eq!(start, Utc.with_ymd_and_hms(2026, 12, 9, 10, 0, 0).unwrap());
            }
            other => panic!("{other:?}"),
        }
        // The same series without that day (EXDATE) clashes with nothing.
        let without = text.replace("ORGANIZER", "EXDATE:20261209T103000Z\r\nORGANIZER");
        assert_eq!(
            decide(
                &invitation(&without),
                std::slice::from_ref(&held),
                &mb,
                true,
                now,
                horizon
            ),
            Finding::Free
        );
        // A transparent event held by the owner (source invited) blocks nothing either.
        let invited = Stored {
            source: "invited".into(),
            ..held
        };
        assert_eq!(
            decide(&inv, &[invited], &mb, true, now, horizon),
            Finding::Free
        );
        // An unverified organizer is only that.
        assert!(matches!(
            decide(&inv, &[], &mb, false, now, horizon),
            Finding::UnverifiedOrganizer { .. }
        ));
    }
}
