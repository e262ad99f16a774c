//! Working hours, working days and time zones of a mailbox.
//!
//! Rules ask "is it inside the owner's working hours?", later features count response times
//! in business hours; both read the same [`Schedule`]. Times are always evaluated in the
//! mailbox's own time zone (Asia/Riyadh with a Sunday–Thursday week is as normal as
//! Europe/London with Monday–Friday).

pub mod business;

use crate::invalid::Invalid;
use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;

/// A daily range of wall-clock time, `start` inclusive, `end` exclusive; may wrap midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourRange {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl HourRange {
    /// Parses "08:00-17:00" (also "22:00-06:00", which wraps midnight).
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| Invalid::value(s, "expected HH:MM-HH:MM"))?;
        let t = |x: &str| {
            let x = x.trim();
            if x == "24:00" {
                return Ok(NaiveTime::from_hms_opt(23, 59, 59).expect("valid time"));
            }
            NaiveTime::parse_from_str(x, "%H:%M").map_err(|_| {
                Invalid::because(format!("invalid time {x:?} in {s:?}: expected HH:MM"))
            })
        };
        let range = HourRange {
            start: t(a)?,
            end: t(b)?,
        };
        if range.start == range.end {
            return Err(Invalid::value(s, "an empty time range"));
        }
        Ok(range)
    }

    /// True if `time` falls inside the range.
    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else {
            time >= self.start || time < self.end
        }
    }
}

/// A set of weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DaySet(u8);

impl DaySet {
    /// Parses day names ("sun", "Monday", "الأحد" is not accepted: use English abbreviations).
    pub fn parse<S: AsRef<str>>(days: &[S]) -> Result<Self, Invalid> {
        let mut set = DaySet(0);
        for d in days {
            let d = d.as_ref();
            let day: Weekday = d.trim().parse().map_err(|_| {
                Invalid::value(d, "unknown weekday: use mon, tue, wed, thu, fri, sat, sun")
            })?;
            set.0 |= 1 << day.num_days_from_monday();
        }
        Ok(set)
    }

    /// Monday to Friday.
    pub fn mon_fri() -> Self {
        DaySet(0b0011111)
    }

    /// True if `day` is in the set.
    pub fn contains(&self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// True if no day is in the set.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
}

/// Working hours, working days and time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub time_zone: Tz,
    pub hours: HourRange,
    pub days: DaySet,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            time_zone: Tz::UTC,
            hours: HourRange::parse("09:00-17:00").expect("valid default"),
            days: DaySet::mon_fri(),
        }
    }
}

impl Schedule {
    /// True if `at` is on a working day inside working hours, in the schedule's time zone.
    pub fn is_working_time(&self, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&self.time_zone);
        self.days.contains(local.weekday()) && self.hours.contains(local.time())
    }

    /// Local weekday and time of `at`.
    pub fn local(&self, at: DateTime<Utc>) -> (Weekday, NaiveTime) {
        let local = at.with_timezone(&self.time_zone);
        let time = NaiveTime::from_hms_opt(local.hour(), local.minute(), local.second())
            .expect("valid time");
        (local.weekday(), time)
    }

    /// The local calendar date of `at`, as YYYY-MM-DD.
    pub fn local_day(&self, at: DateTime<Utc>) -> String {
        crate::count::day_key(&at.with_timezone(&self.time_zone))
    }

    /// A stored instant (ms since the epoch) in local time (None if out of range).
    pub fn local_ms(&self, ms: i64) -> Option<chrono::DateTime<Tz>> {
        use chrono::TimeZone;
        self.time_zone.timestamp_millis_opt(ms).single()
    }
}

/// Parses an IANA time zone name.
pub fn parse_time_zone(s: &str) -> Result<Tz, Invalid> {
    s.parse::<Tz>()
        .map_err(|_| Invalid::value(s, "unknown time zone: use an IANA name such as Asia/Riyadh"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ranges_parse_and_wrap() {
        let day = HourRange::parse("08:00-17:00").unwrap();
        assert!(day.contains(NaiveTime::from_hms_opt(8, 0, 0).unwrap()));
        assert!(!day.contains(NaiveTime::from_hms_opt(17, 0, 0).unwrap()));
        let night = HourRange::parse("22:00-06:00").unwrap();
        assert!(night.contains(NaiveTime::from_hms_opt(23, 0, 0).unwrap()));
        assert!(night.contains(NaiveTime::from_hms_opt(5, 59, 0).unwrap()));
        assert!(!night.contains(NaiveTime::from_hms_opt(12, 0, 0).unwrap()));
        assert!(HourRange::parse("8-17").is_err());
        assert!(HourRange::parse("09:00-09:00").is_err());
    }

    #[test]
    fn riyadh_week_runs_sunday_to_thursday() {
        let s = Schedule {
            time_zone: parse_time_zone("Asia/Riyadh").unwrap(),
            hours: HourRange::parse("08:00-17:00").unwrap(),
            days: DaySet::parse(&["sun", "mon", "tue", "wed", "thu"]).unwrap(),
        };
        // 2026-11-27 is a Friday: 07:00 UTC = 10:00 in Riyadh, weekend there.
        let fri = Utc.with_ymd_and_hms(2026, 11, 27, 7, 0, 0).unwrap();
        assert!(!s.is_working_time(fri));
        // Sunday 2026-11-29 06:00 UTC = 09:00 Riyadh: working.
        let sun = Utc.with_ymd_and_hms(2026, 11, 29, 6, 0, 0).unwrap();
        assert!(s.is_working_time(sun));
        // Sunday 15:00 UTC = 18:00 Riyadh: after hours.
        let eve = Utc.with_ymd_and_hms(2026, 11, 29, 15, 0, 0).unwrap();
        assert!(!s.is_working_time(eve));
        assert_eq!(
            s.local_day(Utc.with_ymd_and_hms(2026, 11, 29, 22, 0, 0).unwrap()),
            "2026-11-30"
        );
    }

    #[test]
    fn bad_days_and_zones_are_named() {
        assert!(
            DaySet::parse(&["funday"])
                .unwrap_err()
                .to_string()
                .contains("funday")
        );
        assert!(
            parse_time_zone("Mars/Olympus")
                .unwrap_err()
                .to_string()
                .contains("Mars/Olympus")
        );
    }
}
