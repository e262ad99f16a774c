//! Time zones of calendar data: `Z` (UTC), floating times (read in the mailbox's zone), IANA
//! names, the Windows names Outlook and Exchange write ("Arab Standard Time"), and zones the
//! calendar defines itself in a VTIMEZONE (STANDARD/DAYLIGHT observances with yearly rules).
//! An IANA or Windows name wins over the VTIMEZONE of the same TZID: the tz database also
//! knows future rule changes. A TZID nothing resolves is read as the mailbox's zone.

use super::ical::Component;
use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use std::collections::HashMap;

/// Windows time zone names and the IANA zone CLDR maps each to (territory 001).
const WINDOWS: &[(&str, &str)] = &[
    ("Dateline Standard Time", "Etc/GMT+12"),
    ("UTC-11", "Etc/GMT+11"),
    ("Hawaiian Standard Time", "Pacific/Honolulu"),
    ("Alaskan Standard Time", "America/Anchorage"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Pacific Standard Time (Mexico)", "America/Tijuana"),
    ("US Mountain Standard Time", "America/Phoenix"),
    ("Mountain Standard Time", "America/Denver"),
    ("Central America Standard Time", "America/Guatemala"),
    ("Central Standard Time", "America/Chicago"),
    ("Central Standard Time (Mexico)", "America/Mexico_City"),
    ("Canada Central Standard Time", "America/Regina"),
    ("SA Pacific Standard Time", "America/Bogota"),
    ("Eastern Standard Time", "America/New_York"),
    ("US Eastern Standard Time", "America/Indiana/Indianapolis"),
    ("Venezuela Standard Time", "America/Caracas"),
    ("Atlantic Standard Time", "America/Halifax"),
    ("SA Western Standard Time", "America/La_Paz"),
    ("Pacific SA Standard Time", "America/Santiago"),
    ("Newfoundland Standard Time", "America/St_Johns"),
    ("E. South America Standard Time", "America/Sao_Paulo"),
    ("Argentina Standard Time", "America/Argentina/Buenos_Aires"),
    ("SA Eastern Standard Time", "America/Cayenne"),
    ("UTC-02", "Etc/GMT+2"),
    ("Azores Standard Time", "Atlantic/Azores"),
    ("Cape Verde Standard Time", "Atlantic/Cape_Verde"),
    ("UTC", "Etc/UTC"),
    ("Coordinated Universal Time", "Etc/UTC"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("Morocco Standard Time", "Africa/Casablanca"),
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Romance Standard Time", "Europe/Paris"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("W. Central Africa Standard Time", "Africa/Lagos"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Middle East Standard Time", "Asia/Beirut"),
    ("Egypt Standard Time", "Africa/Cairo"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("Syria Standard Time", "Asia/Damascus"),
    ("South Africa Standard Time", "Africa/Johannesburg"),
    ("FLE Standard Time", "Europe/Kyiv"),
    ("Israel Standard Time", "Asia/Jerusalem"),
    ("Jordan Standard Time", "Asia/Amman"),
    ("Libya Standard Time", "Africa/Tripoli"),
    ("Sudan Standard Time", "Africa/Khartoum"),
    ("Arabic Standard Time", "Asia/Baghdad"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Arab Standard Time", "Asia/Riyadh"),
    ("Belarus Standard Time", "Europe/Minsk"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("E. Africa Standard Time", "Africa/Nairobi"),
    ("Iran Standard Time", "Asia/Tehran"),
    ("Arabian Standard Time", "Asia/Dubai"),
    ("Azerbaijan Standard Time", "Asia/Baku"),
    ("Georgian Standard Time", "Asia/Tbilisi"),
    ("Caucasus Standard Time", "Asia/Yerevan"),
    ("Afghanistan Standard Time", "Asia/Kabul"),
    ("West Asia Standard Time", "Asia/Tashkent"),
    ("Pakistan Standard Time", "Asia/Karachi"),
    ("India Standard Time", "Asia/Kolkata"),
    ("Sri Lanka Standard Time", "Asia/Colombo"),
    ("Nepal Standard Time", "Asia/Kathmandu"),
    ("Central Asia Standard Time", "Asia/Almaty"),
    ("Bangladesh Standard Time", "Asia/Dhaka"),
    ("Myanmar Standard Time", "Asia/Yangon"),
    ("SE Asia Standard Time", "Asia/Bangkok"),
    ("China Standard Time", "Asia/Shanghai"),
    ("Singapore Standard Time", "Asia/Singapore"),
    ("W. Australia Standard Time", "Australia/Perth"),
    ("Taipei Standard Time", "Asia/Taipei"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("Korea Standard Time", "Asia/Seoul"),
    ("Cen. Australia Standard Time", "Australia/Adelaide"),
    ("AUS Central Standard Time", "Australia/Darwin"),
    ("E. Australia Standard Time", "Australia/Brisbane"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("West Pacific Standard Time", "Pacific/Port_Moresby"),
    ("Tasmania Standard Time", "Australia/Hobart"),
    ("New Zealand Standard Time", "Pacific/Auckland"),
    ("Fiji Standard Time", "Pacific/Fiji"),
    ("Tonga Standard Time", "Pacific/Tongatapu"),
    ("Mauritius Standard Time", "Indian/Mauritius"),
];

/// The IANA zone for an IANA or Windows name (also `/mozilla.org/...`-style prefixed names).
pub fn named(tzid: &str) -> Option<Tz> {
    let t = tzid.trim().trim_matches('"');
    if let Ok(tz) = t.parse::<Tz>() {
        return Some(tz);
    }
    if let Some((_, iana)) = WINDOWS.iter().find(|(w, _)| w.eq_ignore_ascii_case(t)) {
        return iana.parse().ok();
    }
    // "/mozilla.org/20050126_1/Europe/Berlin", "/freeassociation.sourceforge.net/Europe/Berlin"
    let parts: Vec<&str> = t.split('/').collect();
    (1..parts.len()).find_map(|i| parts[i..].join("/").parse::<Tz>().ok())
}

/// One STANDARD or DAYLIGHT observance of a VTIMEZONE.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    start: NaiveDateTime,
    offset_to: i32,
    offset_from: i32,
    /// FREQ=YEARLY;BYMONTH=m;BYDAY=nWD (n may be negative).
    yearly: Option<(u32, i32, Weekday)>,
    until: Option<NaiveDateTime>,
}

/// A zone a calendar defines itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Defined {
    observances: Vec<Observance>,
}

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

/// The `n`th `weekday` of a month (negative: from the end).
pub fn nth_weekday(year: i32, month: u32, n: i32, weekday: Weekday) -> Option<NaiveDate> {
    if n > 0 {
        let first = NaiveDate::from_ymd_opt(year, month, 1)?;
        let shift =
            (7 + weekday.num_days_from_monday() - first.weekday().num_days_from_monday()) % 7;
        let d =
            first.checked_add_signed(Duration::days(i64::from(shift) + 7 * (i64::from(n) - 1)))?;
        (d.month() == month).then_some(d)
    } else if n < 0 {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        let last = next.pred_opt()?;
        let shift =
            (7 + last.weekday().num_days_from_monday() - weekday.num_days_from_monday()) % 7;
        let d =
            last.checked_sub_signed(Duration::days(i64::from(shift) + 7 * (-i64::from(n) - 1)))?;
        (d.month() == month).then_some(d)
    } else {
        None
    }
}

/// `2SU`, `-1FR`, `MO` → (ordinal, weekday); ordinal 0 when absent.
pub fn parse_byday(s: &str) -> Option<(i32, Weekday)> {
    let s = s.trim();
    let split = s.len().checked_sub(2)?;
    // Any byte may stand there: a non-ASCII one is no weekday (found by fuzzing).
    let (n, wd) = s.split_at_checked(split)?;
    let wd = match wd.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    };
    let n: i32 = if n.is_empty() || n == "+" {
        0
    } else {
        n.trim_start_matches('+').parse().ok()?
    };
    // RFC 5545 allows -53..=53.
    (n.abs() <= 53).then_some((n, wd))
}

/// A DATE-TIME value as local naive time (a trailing `Z` is ignored here).
pub fn naive(value: &str) -> Option<NaiveDateTime> {
    let v = value.trim().trim_end_matches(['Z', 'z']);
    NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(v, "%Y%m%d")
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })
}

impl Defined {
    fn from_component(c: &Component) -> Option<Defined> {
        let mut observances = Vec::new();
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
            let mut yearly = None;
            let mut until = None;
            if let Some(rule) = o.value("RRULE") {
                let parts: HashMap<String, String> = rule
                    .split(';')
                    .filter_map(|p| p.split_once('='))
                    .map(|(k, v)| (k.to_ascii_uppercase(), v.to_string()))
                    .collect();
                if parts.get("FREQ").map(String::as_str) == Some("YEARLY") {
                    let month = parts
                        .get("BYMONTH")
                        .and_then(|m| m.parse().ok())
                        .unwrap_or(start.month());
                    let (n, wd) = parts
                        .get("BYDAY")
                        .and_then(|d| parse_byday(d))
                        .unwrap_or((0, start.weekday()));
                    if n != 0 {
                        yearly = Some((month, n, wd));
                    }
                    until = parts.get("UNTIL").and_then(|u| naive(u));
                }
            }
            observances.push(Observance {
                start,
                offset_to,
                offset_from,
                yearly,
                until,
            });
        }
        (!observances.is_empty()).then_some(Defined { observances })
    }

    /// The offset (seconds east of UTC) in force at local time `t`.
    fn offset_at(&self, t: NaiveDateTime) -> i32 {
        let mut best: Option<(NaiveDateTime, i32)> = None;
        for o in &self.observances {
            let mut candidates = vec![o.start];
            if let Some((month, n, wd)) = o.yearly {
                for year in [t.year() - 1, t.year()] {
                    if let Some(d) = nth_weekday(year, month, n, wd) {
                        let at = d.and_time(o.start.time());
                        if at >= o.start && o.until.is_none_or(|u| at <= u) {
                            candidates.push(at);
                        }
                    }
                }
            }
            for c in candidates.into_iter().filter(|c| *c <= t) {
                if best.is_none_or(|(b, _)| c > b) {
                    best = Some((c, o.offset_to));
                }
            }
        }
        best.map(|(_, off)| off).unwrap_or_else(|| {
            // Before every transition: the earliest observance's "from" offset.
            self.observances
                .iter()
                .min_by_key(|o| o.start)
                .map_or(0, |o| o.offset_from)
        })
    }
}

/// Where a DATE-TIME is anchored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    Utc,
    /// No zone: read in the mailbox's zone.
    Floating,
    Named(Tz),
    Defined(Defined),
}

/// The zones a calendar defines, by TZID.
#[derive(Debug, Clone, Default)]
pub struct Zones {
    defined: HashMap<String, Defined>,
}

impl Zones {
    pub fn from_calendar(cal: &Component) -> Zones {
        let defined = cal
            .children_named("VTIMEZONE")
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
            None => Zone::Floating,
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
        Zone::Floating => from_tz(floating),
        Zone::Named(tz) => from_tz(*tz),
        Zone::Defined(d) => {
            Utc.from_utc_datetime(&(t - Duration::seconds(i64::from(d.offset_at(t)))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byday_with_a_non_ascii_byte_is_no_weekday() {
        assert_eq!(parse_byday("2SU"), Some((2, Weekday::Sun)));
        assert_eq!(parse_byday("-1FR"), Some((-1, Weekday::Fri)));
        assert_eq!(parse_byday("1\u{7eb}"), None);
        assert_eq!(parse_byday("\u{7eb}"), None);
    }
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
        assert_eq!(
            nth_weekday(2026, 3, -1, Weekday::Sun),
            NaiveDate::from_ymd_opt(2026, 3, 29)
        );
        assert_eq!(
            nth_weekday(2026, 11, 2, Weekday::Tue),
            NaiveDate::from_ymd_opt(2026, 11, 10)
        );
    }
}
