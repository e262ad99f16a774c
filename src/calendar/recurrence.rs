//! Recurrence rules (RFC 5545 section 3.3.10), expanded by the `rrule` crate, a port of
//! python-dateutil's rrule: every FREQ (SECONDLY to YEARLY), every BYxxx part, BYSETPOS,
//! INTERVAL, WKST and COUNT.
//!
//! What is musaid's own is how a rule meets the event's time zone. The rule is expanded on
//! wall-clock time, as dateutil does (a daily 09:00 meeting stays at 09:00 across a DST
//! change), and each occurrence is then placed in UTC through the event's zone by the caller
//! ([`super::zones::to_utc`]: a time the clocks skip is read with the offset before the
//! change, a repeated time as its first instance, as Python's zoneinfo does). UNTIL is applied
//! here to the instants: a UTC UNTIL (the RFC's form for zoned events) against each
//! occurrence's UTC instant, a floating or all-day UNTIL against its wall-clock time.
//!
//! `tests/recurrence_reference.rs` compares the result with python-dateutil on a generated
//! suite of recurring events in four zones with DST boundaries.

use super::ical::naive;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// The most occurrences one event expands to: a `FREQ=SECONDLY` rule from a hostile sender
/// stops here instead of filling memory.
pub const MAX_OCCURRENCES: usize = 20_000;

/// A recurrence rule as written, its UNTIL set apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The rule without UNTIL, upper-cased, as the crate reads it.
    parts: String,
    /// `parts` as the crate read it, once.
    parsed: rrule::RRule<rrule::Unvalidated>,
    until: Option<Until>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Until {
    /// `UNTIL=…Z`.
    Instant(DateTime<Utc>),
    /// A floating date-time or a date (midnight).
    WallClock(NaiveDateTime),
}

impl Rule {
    /// Reads an RRULE value; None when the crate cannot read it (the event then has its
    /// DTSTART alone).
    pub fn parse(value: &str) -> Option<Rule> {
        let mut until = None;
        let mut parts = Vec::new();
        for part in value.trim().split(';').filter(|p| !p.trim().is_empty()) {
            match part.split_once('=') {
                Some((k, v)) if k.trim().eq_ignore_ascii_case("UNTIL") => {
                    let at = naive(v)?;
                    until = Some(if v.trim().ends_with(['Z', 'z']) {
                        Until::Instant(Utc.from_utc_datetime(&at))
                    } else {
                        Until::WallClock(at)
                    });
                }
                _ => parts.push(part.trim().to_ascii_uppercase()),
            }
        }
        let parts = parts.join(";");
        // RRULE is ASCII (RFC 5545 section 3.3.10); the crate slices its input by bytes and
        // panics inside a multi-byte character, so nothing else reaches it.
        if !parts.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let parsed = std::panic::catch_unwind(|| parts.parse::<rrule::RRule<rrule::Unvalidated>>());
        let parsed = parsed.ok()?.ok()?;
        Some(Rule {
            parts,
            parsed,
            until,
        })
    }

    /// Occurrence starts from `start` (wall-clock), each placed in UTC by `place`, in order,
    /// up to `to` (exclusive) and at most [`MAX_OCCURRENCES`]. A rule the crate finds invalid
    /// for this start leaves DTSTART alone, as an event without a rule.
    pub fn expand(
        &self,
        start: NaiveDateTime,
        place: impl Fn(NaiveDateTime) -> DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        self.expand_at_most(start, place, to, MAX_OCCURRENCES)
    }

    /// [`Rule::expand`], with at most `limit` occurrences (never more than
    /// [`MAX_OCCURRENCES`]).
    pub fn expand_at_most(
        &self,
        start: NaiveDateTime,
        place: impl Fn(NaiveDateTime) -> DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Vec<DateTime<Utc>> {
        let limit = limit.min(MAX_OCCURRENCES);
        // Wall-clock time carried as UTC: the crate then sees no DST. A panic inside the crate
        // (hostile input it did not expect) leaves the event with its DTSTART alone.
        let expanded = std::panic::catch_unwind(|| {
            let set = self
                .parsed
                .clone()
                .build(rrule::Tz::UTC.from_utc_datetime(&start))
                .ok()?
                .limit();
            // Wall-clock bound: two days past `to` and past a UTC UNTIL (no zone is a day away
            // from UTC), or the floating UNTIL itself.
            let day = chrono::Duration::days(2);
            let bound = match &self.until {
                Some(Until::Instant(u)) => (to.naive_utc() + day).min(u.naive_utc() + day),
                Some(Until::WallClock(u)) => (to.naive_utc() + day).min(*u),
                None => to.naive_utc() + day,
            };
            Some(
                (&set)
                    .into_iter()
                    .map(|o| o.naive_utc())
                    .take_while(|local| *local <= bound)
                    .take(limit * 2)
                    .collect::<Vec<_>>(),
            )
        });
        let Ok(Some(locals)) = expanded else {
            return vec![place(start)];
        };
        let mut out = Vec::new();
        for local in locals {
            let at = place(local);
            let past_until = match &self.until {
                Some(Until::Instant(u)) => at > *u,
                Some(Until::WallClock(u)) => local > *u,
                None => false,
            };
            // Wall-clock order is instant order except inside a repeated hour: the expansion
            // runs two days past `to` so that none before it is missed.
            if past_until {
                break;
            }
            if at < to {
                out.push(at);
            }
            if out.len() >= limit {
                break;
            }
        }
        out
    }
}

impl std::fmt::Display for Rule {
    /// The rule as the crate read it, UNTIL included.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.parts)?;
        match &self.until {
            Some(Until::Instant(u)) => write!(f, ";UNTIL={}", u.format("%Y%m%dT%H%M%SZ")),
            Some(Until::WallClock(u)) => write!(f, ";UNTIL={}", u.format("%Y%m%dT%H%M%S")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    fn utc(t: NaiveDateTime) -> DateTime<Utc> {
        Utc.from_utc_datetime(&t)
    }

    #[test]
    fn wkst_decides_which_days_an_every_other_week_rule_takes() {
        // dateutil: Dec 6, 8, 20, 22, Jan 3, 5.
        let r = Rule::parse("FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,TU;WKST=SU;COUNT=6").unwrap();
        let days: Vec<u32> = r
            .expand(at(2026, 12, 6, 9), utc, utc(at(2028, 1, 1, 0)))
            .iter()
            .map(chrono::Datelike::day)
            .collect();
        assert_eq!(days, vec![6, 8, 20, 22, 3, 5]);
    }

    #[test]
    fn byhour_and_subdaily_rules_expand() {
        let r = Rule::parse("FREQ=DAILY;BYHOUR=9,13;COUNT=4").unwrap();
        let got = r.expand(at(2026, 12, 1, 9), utc, utc(at(2028, 1, 1, 0)));
        assert_eq!(
            got,
            [
                at(2026, 12, 1, 9),
                at(2026, 12, 1, 13),
                at(2026, 12, 2, 9),
                at(2026, 12, 2, 13)
            ]
            .map(utc)
        );
        let hourly = Rule::parse("FREQ=HOURLY;COUNT=3").unwrap();
        assert_eq!(
            hourly
                .expand(at(2026, 12, 1, 9), utc, utc(at(2028, 1, 1, 0)))
                .len(),
            3
        );
    }

    #[test]
    fn until_bounds_instants_and_a_flood_is_capped() {
        let r = Rule::parse("FREQ=DAILY;UNTIL=20261203T090000Z").unwrap();
        assert_eq!(
            r.expand(at(2026, 12, 1, 9), utc, utc(at(2028, 1, 1, 0)))
                .len(),
            3
        );
        let flood = Rule::parse("FREQ=SECONDLY").unwrap();
        assert_eq!(
            flood
                .expand(at(2026, 12, 1, 9), utc, utc(at(2028, 1, 1, 0)))
                .len(),
            MAX_OCCURRENCES
        );
        assert!(Rule::parse("FREQ=FORTNIGHTLY").is_none());
        // The crate panics on a BYDAY cut inside a multi-byte character (a saved fuzz input).
        assert!(Rule::parse("FREQ=WEEKLY;BYDAY=1\u{7eb}").is_none());
    }
}
