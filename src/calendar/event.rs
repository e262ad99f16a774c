//! VEVENTs: what an event says (UID, SEQUENCE, DTSTAMP, start and end or duration, all-day
//! dates, recurrence with exceptions, organizer and attendees, transparency, status) and the
//! busy intervals its occurrences cover in UTC.

use super::ical::naive;
use super::ical::{Component, Property, unescape};
use super::recurrence::Rule;
use super::zones::{Zone, Zones, to_utc};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use std::collections::HashSet;

/// A point in time as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct When {
    pub local: NaiveDateTime,
    pub zone: Zone,
    /// VALUE=DATE (an all-day event).
    pub date_only: bool,
}

impl When {
    fn from_property(p: &Property, zones: &Zones) -> Option<When> {
        let v = p.value.trim();
        let date_only = p
            .param("VALUE")
            .is_some_and(|x| x.eq_ignore_ascii_case("DATE"))
            || v.len() == 8;
        let local = naive(v)?;
        let zone = if v.ends_with(['Z', 'z']) {
            Zone::Utc
        } else if date_only {
            Zone::Floating
        } else {
            zones.resolve(p.param("TZID"))
        };
        Some(When {
            local,
            zone,
            date_only,
        })
    }

    pub fn utc(&self, floating: Tz) -> DateTime<Utc> {
        to_utc(self.local, &self.zone, floating)
    }
}

/// An ATTENDEE and its participation status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attendee {
    pub address: String,
    pub partstat: String,
}

/// One VEVENT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub uid: String,
    pub sequence: i64,
    pub dtstamp: Option<DateTime<Utc>>,
    pub summary: String,
    pub start: When,
    pub end: Option<When>,
    pub duration: Option<Duration>,
    pub rule: Option<Rule>,
    pub rdates: Vec<When>,
    pub exdates: Vec<When>,
    pub recurrence_id: Option<When>,
    pub organizer: Option<String>,
    pub attendees: Vec<Attendee>,
    /// TRANSP:TRANSPARENT: does not block time.
    pub transparent: bool,
    /// STATUS:CANCELLED.
    pub cancelled: bool,
}

/// `mailto:a@b` → `a@b` (lower case).
pub fn address(value: &str) -> String {
    let v = value.trim();
    let v = v
        .strip_prefix("mailto:")
        .or_else(|| v.strip_prefix("MAILTO:"))
        .unwrap_or(v);
    v.trim().to_ascii_lowercase()
}

/// An ISO 8601 duration as RFC 5545 writes it (`PT1H30M`, `P1D`, `-PT15M`, `P2W`).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let s = s.strip_prefix('P')?;
    let mut total = Duration::zero();
    let mut num = String::new();
    let mut in_time = false;
    for c in s.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' => num.push(c),
            unit => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                // Checked: a calendar may say P99999999999W.
                let part = match (unit, in_time) {
                    ('W', _) => Duration::try_weeks(n),
                    ('D', _) => Duration::try_days(n),
                    ('H', true) => Duration::try_hours(n),
                    ('M', true) => Duration::try_minutes(n),
                    ('S', true) => Duration::try_seconds(n),
                    _ => None,
                }?;
                total = total.checked_add(&part)?;
            }
        }
    }
    Some(if neg { -total } else { total })
}

impl Event {
    /// Reads a VEVENT; None without a usable DTSTART. A missing UID (some generators omit
    /// it) is made from DTSTART, SUMMARY and ORGANIZER, so the same event gets the same one.
    pub fn from_component(c: &Component, zones: &Zones) -> Option<Event> {
        let uid = match c.value("UID").map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => u.to_string(),
            None => format!(
                "musaid-{}",
                crate::message::header::fingerprint(&[
                    c.value("DTSTART")?,
                    c.value("SUMMARY").unwrap_or(""),
                    c.value("ORGANIZER").unwrap_or("")
                ])
            ),
        };
        let start = When::from_property(c.prop("DTSTART")?, zones)?;
        let when = |name: &str| c.prop(name).and_then(|p| When::from_property(p, zones));
        let list = |name: &str| {
            c.all(name)
                .flat_map(|p| {
                    p.value.split(',').filter_map(move |v| {
                        let mut one = p.clone();
                        one.value = v.split('/').next().unwrap_or(v).to_string();
                        When::from_property(&one, zones)
                    })
                })
                .collect::<Vec<_>>()
        };
        Some(Event {
            uid,
            sequence: c
                .value("SEQUENCE")
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0),
            dtstamp: c
                .value("DTSTAMP")
                .and_then(naive)
                .map(|t| to_utc(t, &Zone::Utc, chrono_tz::UTC)),
            summary: c.value("SUMMARY").map(unescape).unwrap_or_default(),
            end: when("DTEND"),
            duration: c.value("DURATION").and_then(parse_duration),
            rule: c.value("RRULE").and_then(Rule::parse),
            rdates: list("RDATE"),
            exdates: list("EXDATE"),
            recurrence_id: when("RECURRENCE-ID"),
            organizer: c.value("ORGANIZER").map(address),
            attendees: c
                .all("ATTENDEE")
                .map(|p| Attendee {
                    address: address(&p.value),
                    partstat: p
                        .param("PARTSTAT")
                        .unwrap_or("NEEDS-ACTION")
                        .to_ascii_uppercase(),
                })
                .collect(),
            transparent: c
                .value("TRANSP")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("TRANSPARENT")),
            cancelled: c
                .value("STATUS")
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("CANCELLED")),
            start,
        })
    }

    /// How long each occurrence lasts: DTEND − DTSTART, DURATION, or one day for an all-day
    /// event and zero otherwise (RFC 5545 section 3.6.1).
    pub fn length(&self, floating: Tz) -> Duration {
        if let Some(end) = &self.end {
            let d = end.utc(floating) - self.start.utc(floating);
            if d >= Duration::zero() {
                return d;
            }
        }
        if let Some(d) = self.duration.filter(|d| *d >= Duration::zero()) {
            return d;
        }
        if self.start.date_only {
            Duration::days(1)
        } else {
            Duration::zero()
        }
    }

    /// The UTC intervals of the occurrences that start before `to` and end after `from`:
    /// the rule's, RDATEs added, EXDATEs removed, each compared as an instant whatever zone
    /// it is written in (overrides are applied by [`busy`]).
    pub fn occurrences(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        floating: Tz,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let len = self.length(floating);
        let place = |t: NaiveDateTime| to_utc(t, &self.start.zone, floating);
        let mut starts: Vec<DateTime<Utc>> = match &self.rule {
            Some(rule) => rule.expand(self.start.local, place, to),
            None => vec![place(self.start.local)],
        };
        // Two wall-clock times of the rule may be one instant (a time the clocks skip and the
        // hour after it); both stay, as in dateutil. An RDATE the rule already has is not
        // added again.
        // Sets, not lists: both sides grow with what the sender wrote.
        let ruled: HashSet<DateTime<Utc>> = starts.iter().copied().collect();
        let mut extra: Vec<DateTime<Utc>> = self
            .rdates
            .iter()
            .map(|r| r.utc(floating))
            .filter(|at| !ruled.contains(at))
            .collect();
        extra.sort_unstable();
        extra.dedup();
        starts.extend(extra);
        let excluded: HashSet<DateTime<Utc>> =
            self.exdates.iter().map(|e| e.utc(floating)).collect();
        starts.retain(|s| !excluded.contains(s));
        starts.sort();
        starts
            .into_iter()
            .filter_map(|a| Some((a, a.checked_add_signed(len)?)))
            .filter(|(a, b)| *a < to && (*b > from || (*a >= from && *a == *b)))
            .collect()
    }

    /// The RRULE as written, if the event has one.
    pub fn rule_text(&self) -> Option<String> {
        self.rule.as_ref().map(|r| r.to_string())
    }

    /// The TZIDs of this event that name no zone musaid knows.
    pub fn unknown_zones(&self) -> Vec<&str> {
        let mut out: Vec<&str> = std::iter::once(&self.start)
            .chain(&self.end)
            .chain(&self.recurrence_id)
            .chain(&self.rdates)
            .chain(&self.exdates)
            .filter_map(|w| match &w.zone {
                Zone::Unknown(id) => Some(id.as_str()),
                _ => None,
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// The busy time of one calendar object's events (a master and its RECURRENCE-ID overrides,
/// all with one UID): each override replaces the occurrence it names. Transparent and
/// cancelled events and occurrences block nothing.
pub fn busy(
    events: &[Event],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    floating: Tz,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let overridden: HashSet<DateTime<Utc>> = events
        .iter()
        .filter_map(|e| e.recurrence_id.as_ref().map(|r| r.utc(floating)))
        .collect();
    let mut out = Vec::new();
    for e in events {
        let mut occ = e.occurrences(from, to, floating);
        if e.recurrence_id.is_none() {
            occ.retain(|(a, _)| !overridden.contains(a));
        }
        if e.transparent || e.cancelled {
            continue;
        }
        out.extend(occ);
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::ical::parse;
    use chrono::TimeZone;

    fn events(text: &str) -> Vec<Event> {
        let cal = &parse(text).unwrap()[0];
        let zones = Zones::from_calendar(cal);
        cal.children_named("VEVENT")
            .filter_map(|c| Event::from_component(c, &zones))
            .collect()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
    }

    #[test]
    fn a_weekly_meeting_with_an_exception_and_a_moved_occurrence() {
        // Weekly on Monday 09:00 Riyadh; 7 December cancelled (EXDATE); 14 December moved to 11:00.
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:w1\r\nDTSTART;TZID=Arab Standard Time:20261130T090000\r\nDTEND;TZID=Arab Standard Time:20261130T100000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Arab Standard Time:20261207T090000\r\nSUMMARY:Weekly sync\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:w1\r\nRECURRENCE-ID;TZID=Arab Standard Time:20261214T090000\r\nDTSTART;TZID=Arab Standard Time:20261214T110000\r\nDTEND;TZID=Arab Standard Time:20261214T120000\r\nSUMMARY:Weekly sync (moved)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let evs = events(text);
        let b = busy(
            &evs,
            utc(2026, 11, 1, 0),
            utc(2027, 1, 1, 0),
            chrono_tz::UTC,
        );
        let starts: Vec<_> = b.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            starts,
            vec![
                utc(2026, 11, 30, 6),
                utc(2026, 12, 14, 8),
                utc(2026, 12, 21, 6)
            ]
        );
        assert!(b.iter().all(|(a, e)| *e - *a == Duration::hours(1)));
    }

    #[test]
    fn all_day_transparent_and_cancelled() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20261203\r\nSUMMARY:Offsite\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART:20261203T100000Z\r\nDURATION:PT30M\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:c\r\nDTSTART:20261203T100000Z\r\nDURATION:PT30M\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let evs = events(text);
        assert_eq!(evs[0].length(chrono_tz::UTC), Duration::days(1));
        assert_eq!(evs[1].duration, Some(Duration::minutes(30)));
        let riyadh = chrono_tz::Asia::Riyadh;
        let b: Vec<_> = evs
            .iter()
            .flat_map(|e| {
                busy(
                    std::slice::from_ref(e),
                    utc(2026, 12, 1, 0),
                    utc(2026, 12, 31, 0),
                    riyadh,
                )
            })
            .collect();
        // Only the all-day event blocks time: the whole local day in the mailbox's zone.
        assert_eq!(b, vec![(utc(2026, 12, 2, 21), utc(2026, 12, 3, 21))]);
        assert_eq!(parse_duration("P1DT2H"), Some(Duration::hours(26)));
        assert_eq!(parse_duration("-PT15M"), Some(Duration::minutes(-15)));
    }
}
