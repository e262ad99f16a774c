//! Time zones of calendar data: `Z` (UTC), floating times (read in the mailbox's zone), IANA
//! names, the Windows names Outlook and Exchange write ("Arab Standard Time"), and zones the
//! calendar defines itself in a VTIMEZONE (STANDARD/DAYLIGHT observances with yearly rules).
//! An IANA or Windows name wins over the VTIMEZONE of the same TZID: the tz database also
//! knows future rule changes. A TZID nothing resolves is [`Zone::Unknown`]: read in the
//! mailbox's zone, and reported (`timezone=unknown` on the message, a line in the log).

use super::ical::{Component, naive};
use super::windows_zones::WINDOWS_ZONES;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

/// Windows names seen in real calendars that CLDR does not list, and the zone they mean.
const WINDOWS_ALIASES: &[(&str, &str)] = &[("Coordinated Universal Time", "Etc/UTC")];

/// Every Windows time zone name musaid knows: CLDR's ([`super::windows_zones`]) and the
/// aliases above.
pub fn windows_names() -> impl Iterator<Item = &'static str> {
    WINDOWS_ZONES
        .iter()
        .chain(WINDOWS_ALIASES)
        .map(|(windows, _)| *windows)
}

/// The IANA zone for an IANA or Windows name (also `/mozilla.org/...`-style prefixed names).
pub fn named(tzid: &str) -> Option<Tz> {
    let t = tzid.trim().trim_matches('"');
    if let Ok(tz) = t.parse::<Tz>() {
        return Some(tz);
    }
    if let Some((_, iana)) = WINDOWS_ZONES
        .iter()
        .chain(WINDOWS_ALIASES)
        .find(|(w, _)| w.eq_ignore_ascii_case(t))
    {
        return iana.parse().ok();
    }
    // "/mozilla.org/20050126_1/Europe/Berlin", "/freeassociation.sourceforge.net/Europe/Berlin"
    let parts: Vec<&str> = t.split('/').collect();
    (1..parts.len()).find_map(|i| parts[i..].join("/").parse::<Tz>().ok())
}

/// One change of offset a VTIMEZONE defines: an onset of a STANDARD or DAYLIGHT observance.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Transition {
    /// The onset as written: local time of the offset it ends.
    local: NaiveDateTime,
    /// The same instant in UTC.
    utc: NaiveDateTime,
    offset_from: i32,
    offset_to: i32,
}

/// A zone a calendar defines itself: its transitions, from its observances' DTSTART, RDATEs
/// and RRULEs (expanded by [`super::recurrence`] up to [`DEFINED_UNTIL`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defined {
    /// Sorted by instant.
    transitions: Vec<Transition>,
    /// Transitions sorted by their local onset, each with the index (into `transitions`) of
    /// the latest instant among it and those before it: a local time's transition by binary
    /// search.
    by_local: Vec<(NaiveDateTime, usize)>,
}

/// How far a VTIMEZONE's yearly rules are expanded.
const DEFINED_UNTIL: (i32, u32, u32) = (2100, 1, 1);

/// The most transitions kept of one VTIMEZONE (a real zone has two a year, about 260 from 1970
/// to 2100), and the most VTIMEZONEs read of one calendar: what a sender writes there does not
/// grow musaid's work beyond them.
const MAX_TRANSITIONS: usize = 1_000;
const MAX_DEFINED_ZONES: usize = 64;

fn offset_secs(s: &str) -> Option<i32> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    if rest.len() < 4 || !rest.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let h: i32 = rest[0..2].parse().ok()?;
    let m: i32 = rest[2..4].parse().ok()?;
    let sec: i32 = rest.get(4..6).and_then(|x| x.parse().ok()).unwrap_or(0);
    Some(sign * (h * 3600 + m * 60 + sec))
}

impl Defined {
    fn from_component(c: &Component) -> Option<Defined> {
        use super::recurrence::Rule;
        let until = NaiveDate::from_ymd_opt(DEFINED_UNTIL.0, DEFINED_UNTIL.1, DEFINED_UNTIL.2)?
            .and_time(NaiveTime::MIN);
        let until = Utc.from_utc_datetime(&until);
        let mut transitions = Vec::new();
        for o in c
            .children
            .iter()
            .filter(|o| o.name == "STANDARD" || o.name == "DAYLIGHT")
        {
            let start = o.value("DTSTART").and_then(naive)?;
            let offset_to = o.value("TZOFFSETTO").and_then(offset_secs)?;
            let offset_from = o
                .value("TZOFFSETFROM")
                .and_then(offset_secs)
                .unwrap_or(offset_to);
            let to_utc = |t: NaiveDateTime| {
                Utc.from_utc_datetime(&(t - Duration::seconds(i64::from(offset_from))))
            };
            let mut onsets = vec![start];
            onsets.extend(
                o.all("RDATE")
                    .flat_map(|p| p.value.split(','))
                    .filter_map(naive)
                    .take(MAX_TRANSITIONS),
            );
            if let Some(rule) = o.value("RRULE").and_then(Rule::parse) {
                onsets.extend(
                    rule.expand_at_most(start, to_utc, until, MAX_TRANSITIONS)
                        .into_iter()
                        .map(|u| u.naive_utc() + Duration::seconds(i64::from(offset_from))),
                );
            }
            onsets.sort();
            onsets.dedup();
            transitions.extend(onsets.into_iter().map(|local| Transition {
                local,
                utc: to_utc(local).naive_utc(),
                offset_from,
                offset_to,
            }));
            if transitions.len() >= MAX_TRANSITIONS {
                break;
            }
        }
        transitions.sort_by_key(|t| t.utc);
        transitions.truncate(MAX_TRANSITIONS);
        if transitions.is_empty() {
            return None;
        }
        let mut order: Vec<usize> = (0..transitions.len()).collect();
        order.sort_by_key(|&i| (transitions[i].local, i));
        let mut latest = 0;
        let by_local = order
            .into_iter()
            .map(|i| {
                latest = latest.max(i);
                (transitions[i].local, latest)
            })
            .collect();
        Some(Defined {
            transitions,
            by_local,
        })
    }

    /// The offset in force at the UTC instant `t`: that of the last transition before it, or
    /// before the first, the offset the first ends.
    fn offset_at_instant(&self, t: NaiveDateTime) -> i32 {
        match self.transitions.partition_point(|tr| tr.utc <= t) {
            0 => self.transitions[0].offset_from,
            n => self.transitions[n - 1].offset_to,
        }
    }

    /// The offset of the local time `t`, read as Python's zoneinfo reads it (fold 0): a
    /// repeated time as its first instance, a time the clocks skip with the offset before.
    fn offset_at(&self, t: NaiveDateTime) -> i32 {
        let last = match self.by_local.partition_point(|(local, _)| *local <= t) {
            0 => None,
            n => Some(&self.transitions[self.by_local[n - 1].1]),
        };
        match last {
            None => self.transitions[0].offset_from,
            Some(tr) => {
                let skipped = Duration::seconds(i64::from(tr.offset_to - tr.offset_from));
                if skipped > Duration::zero() && t < tr.local + skipped {
                    tr.offset_from
                } else {
                    tr.offset_to
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    Utc,
    /// No zone: read in the mailbox's zone.
    Floating,
    Named(Tz),
    Defined(Defined),
    /// A TZID that names no zone musaid knows and that no VTIMEZONE defines: its times are
    /// read in the mailbox's zone, and the message says so.
    Unknown(String),
}

/// The zones a calendar defines, by TZID.
impl Zone {
    /// The UTC offset in seconds at the instant `at`; None for floating times and unknown
    /// zones, which take the mailbox's.
    pub fn offset_at(&self, at: DateTime<Utc>) -> Option<i32> {
        match self {
            Zone::Utc => Some(0),
            Zone::Named(tz) => Some(
                tz.offset_from_utc_datetime(&at.naive_utc())
                    .fix()
                    .local_minus_utc(),
            ),
            Zone::Defined(d) => Some(d.offset_at_instant(at.naive_utc())),
            Zone::Floating | Zone::Unknown(_) => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Zones {
    defined: HashMap<String, Defined>,
}

impl Zones {
    pub fn from_calendar(cal: &Component) -> Zones {
        let defined = cal
            .children_named("VTIMEZONE")
            .take(MAX_DEFINED_ZONES)
            .filter_map(|z| {
                Some((
                    z.value("TZID")?.trim().to_string(),
                    Defined::from_component(z)?,
                ))
            })
            .collect();
        Zones { defined }
    }

    /// The zone of a TZID parameter (None: floating).
    pub fn resolve(&self, tzid: Option<&str>) -> Zone {
        let Some(id) = tzid.map(str::trim).filter(|t| !t.is_empty()) else {
            return Zone::Floating;
        };
        if let Some(tz) = named(id) {
            return Zone::Named(tz);
        }
        match self.defined.get(id) {
            Some(d) => Zone::Defined(d.clone()),
            None => Zone::Unknown(id.to_string()),
        }
    }
}

/// The UTC instant of local time `t` in `zone` (`floating`: the mailbox's zone).
pub fn to_utc(t: NaiveDateTime, zone: &Zone, floating: Tz) -> DateTime<Utc> {
    let from_tz = |tz: Tz| match tz.from_local_datetime(&t) {
        chrono::LocalResult::Single(x) => x.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        // In a DST gap: the same wall time one hour later, as clocks show it.
        chrono::LocalResult::None => tz
            .from_local_datetime(&(t + Duration::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&t), |x| x.with_timezone(&Utc)),
    };
    match zone {
        Zone::Utc => Utc.from_utc_datetime(&t),
        Zone::Floating | Zone::Unknown(_) => from_tz(floating),
        Zone::Named(tz) => from_tz(*tz),
        Zone::Defined(d) => {
            Utc.from_utc_datetime(&(t - Duration::seconds(i64::from(d.offset_at(t)))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::calendar::ical::parse;

    fn t(s: &str) -> NaiveDateTime {
        naive(s).unwrap()
    }

    #[test]
    fn windows_and_iana_names() {
        assert_eq!(named("Arab Standard Time"), Some(chrono_tz::Asia::Riyadh));
        assert_eq!(
            named("W. Europe Standard Time"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(named("Europe/London"), Some(chrono_tz::Europe::London));
        assert_eq!(
            named("/mozilla.org/20050126_1/Europe/Berlin"),
            Some(chrono_tz::Europe::Berlin)
        );
        assert_eq!(named("Custom Zone 7"), None);
        let z = Zones::default().resolve(Some("Arab Standard Time"));
        assert_eq!(
            to_utc(t("20261201T100000"), &z, chrono_tz::UTC),
            Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap()
        );
    }

    #[test]
    fn what_a_sender_writes_in_a_vtimezone_is_bounded() {
        // An observance every second and thousands of RDATEs: at most MAX_TRANSITIONS kept,
        // and the zone still reads.
        let rdates: Vec<String> = (0..5_000)
            .map(|i| format!("2026{:02}{:02}T000000", 1 + i % 12, 1 + i % 28))
            .collect();
        let text = format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Flood\r\nBEGIN:STANDARD\r\nDTSTART:20260101T000000\r\nRRULE:FREQ=SECONDLY\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:20260101T000000\r\nRDATE:{}\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n",
            rdates.join(",")
        );
        let cal = parse(&text).unwrap();
        let zones = Zones::from_calendar(&cal[0]);
        let Zone::Defined(d) = zones.resolve(Some("Flood")) else {
            panic!("the zone is read");
        };
        assert!(d.transitions.len() <= MAX_TRANSITIONS);
        assert_eq!(d.by_local.len(), d.transitions.len());
    }

    #[test]
    fn a_vtimezone_with_dst_rules() {
        // A zone only this calendar knows: UTC+1, UTC+2 from the last Sunday of March to the
        // last Sunday of October (as central Europe).
        let cal = parse("BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:Custom CET\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n").unwrap();
        let zones = Zones::from_calendar(&cal[0]);
        let z = zones.resolve(Some("Custom CET"));
        assert!(matches!(z, Zone::Defined(_)));
        // Summer: UTC+2. Winter: UTC+1. Either side of the 2026 changes (29 March, 25 October).
        let utc = |s| to_utc(t(s), &z, chrono_tz::UTC);
        assert_eq!(
            utc("20260715T120000"),
            Utc.with_ymd_and_hms(2026, 7, 15, 10, 0, 0).unwrap()
        );
        assert_eq!(
            utc("20261201T120000"),
            Utc.with_ymd_and_hms(2026, 12, 1, 11, 0, 0).unwrap()
        );
        assert_eq!(
            utc("20260328T120000"),
            Utc.with_ymd_and_hms(2026, 3, 28, 11, 0, 0).unwrap()
        );
        assert_eq!(
            utc("20260330T120000"),
            Utc.with_ymd_and_hms(2026, 3, 30, 10, 0, 0).unwrap()
        );
        assert_eq!(
            utc("20261026T120000"),
            Utc.with_ymd_and_hms(2026, 10, 26, 11, 0, 0).unwrap()
        );
    }
}
