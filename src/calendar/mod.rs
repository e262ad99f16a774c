//! Meeting invitations (iMIP, RFC 6047) and the owner's calendar.
//!
//! - [`ical`]: a lenient iCalendar reader; [`zones`]: TZIDs (IANA, the Windows names of
//!   [`windows_zones`], VTIMEZONE); [`recurrence`]: RRULE expansion by the `rrule` crate;
//!   [`event`]: VEVENTs and their busy time.
//! - [`held`]: the owner's calendar in the store (imported busy time, accepted events,
//!   invitations awaiting an answer).
//! - [`check`]: the decision at delivery (`free`, `conflict`, `outside-hours`, `stale`,
//!   `unverified-organizer`), pure.
//!
//! Broken calendars never stop a message: what cannot be read is skipped and the message is
//! delivered as it is.

pub mod check;
pub mod delivery;
pub mod edge;
pub mod event;
pub mod feed;
pub mod held;
pub mod ical;
pub mod recurrence;
pub mod respond;
pub mod slots;
pub mod windows_zones;
pub mod zones;

use crate::message::ParsedMessage;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use event::Event;
use zones::Zones;

/// One iTIP object found in a message: a method and the events of one UID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// REQUEST, CANCEL, REPLY, COUNTER, PUBLISH... (upper case).
    pub method: String,
    pub uid: String,
    /// The master event first (the one without RECURRENCE-ID), then overrides.
    pub events: Vec<Event>,
}

impl Invitation {
    pub fn master(&self) -> &Event {
        &self.events[0]
    }

    /// The TZIDs its events name that musaid does not know (their times are read in the
    /// mailbox's zone; the message and the log say so).
    pub fn unknown_zones(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.events.iter().flat_map(Event::unknown_zones).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Start and end of the first occurrence from `from` on (or of DTSTART).
    pub fn first(&self, from: DateTime<Utc>, floating: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let horizon = from + chrono::Duration::days(3 * 366);
        event::busy(&self.events, from, horizon, floating)
            .first()
            .copied()
            .unwrap_or_else(|| {
                let m = self.master();
                let a = m.start.utc(floating);
                (a, a + m.length(floating))
            })
    }
}

/// Every iTIP object in the message's calendar parts (at most a few; none when unreadable).
pub fn invitations(m: &ParsedMessage) -> Vec<Invitation> {
    let mut out = Vec::new();
    for part in &m.calendars {
        let Ok(cals) = ical::parse(&part.text) else {
            continue;
        };
        for cal in cals {
            let method = cal
                .value("METHOD")
                .map(str::to_string)
                .or_else(|| part.method.clone())
                .unwrap_or_else(|| "PUBLISH".into())
                .trim()
                .to_ascii_uppercase();
            let zones = Zones::from_calendar(&cal);
            let mut by_uid: Vec<Invitation> = Vec::new();
            for c in cal.children_named("VEVENT") {
                let Some(e) = Event::from_component(c, &zones) else {
                    continue;
                };
                match by_uid.iter_mut().find(|i| i.uid == e.uid) {
                    Some(i) if e.recurrence_id.is_none() => i.events.insert(0, e),
                    Some(i) => i.events.push(e),
                    None => by_uid.push(Invitation {
                        method: method.clone(),
                        uid: e.uid.clone(),
                        events: vec![e],
                    }),
                }
            }
            out.extend(by_uid);
        }
        if out.len() >= 8 {
            break;
        }
    }
    out
}
