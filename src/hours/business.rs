//! Business-hours arithmetic: how much working time lies between two instants for a mailbox
//! (its working hours, working days, time zone with its DST changes, and holidays).

use super::Schedule;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

/// The UTC instant of a local date and time; in a DST gap the first valid instant after it,
/// in a DST overlap the earlier one.
fn local_instant(s: &Schedule, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    let tz = s.time_zone;
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        chrono::LocalResult::None => {
            // Skipped by a DST change: move forward minute by minute (at most a few hours).
            let mut n = naive;
            loop {
                n += Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&n).earliest() {
                    return t.with_timezone(&Utc);
                }
            }
        }
    }
}

/// The working intervals of one local date, in UTC (none on weekends and holidays).
fn working_intervals(
    s: &Schedule,
    holidays: &[NaiveDate],
    date: NaiveDate,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    if !s.days.contains(date.weekday()) || holidays.contains(&date) {
        return Vec::new();
    }
    let midnight = NaiveTime::MIN;
    let (a, b) = (s.hours.start, s.hours.end);
    if a < b {
        vec![(local_instant(s, date, a), local_instant(s, date, b))]
    } else {
        // A night shift: from `a` to midnight, and from midnight to `b`.
        let next = date.succ_opt().expect("valid date");
        vec![
            (local_instant(s, date, midnight), local_instant(s, date, b)),
            (local_instant(s, date, a), local_instant(s, next, midnight)),
        ]
    }
}

/// Working time between `from` and `to` (zero if `to` is not after `from`).
pub fn business_time(
    s: &Schedule,
    holidays: &[NaiveDate],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Duration {
    if to <= from {
        return Duration::zero();
    }
    let first = from.with_timezone(&s.time_zone).date_naive();
    let last = to.with_timezone(&s.time_zone).date_naive();
    let mut total = Duration::zero();
    let mut date = first;
    while date <= last {
        for (start, end) in working_intervals(s, holidays, date) {
            let (a, b) = (start.max(from), end.min(to));
            if b > a {
                total += b - a;
            }
        }
        date = date.succ_opt().expect("valid date");
    }
    total
}

/// The instant when `amount` of working time has passed after `from` (for deadlines such as
/// "escalate if unanswered within 4 business hours"). A schedule without working time yields
/// `from + amount`.
pub fn add_business_time(
    s: &Schedule,
    holidays: &[NaiveDate],
    from: DateTime<Utc>,
    amount: Duration,
) -> DateTime<Utc> {
    let mut left = amount;
    let mut date = from.with_timezone(&s.time_zone).date_naive();
    for _ in 0..3660 {
        for (start, end) in working_intervals(s, holidays, date) {
            let start = start.max(from);
            if end <= start {
                continue;
            }
            if end - start >= left {
                return start + left;
            }
            left -= end - start;
        }
        date = date.succ_opt().expect("valid date");
    }
    from + amount
}

/// The instant `amount` of working time before `until` (for "remind a working day before the
/// deadline"). A schedule without working time yields `until - amount`.
pub fn sub_business_time(
    s: &Schedule,
    holidays: &[NaiveDate],
    until: DateTime<Utc>,
    amount: Duration,
) -> DateTime<Utc> {
    let mut left = amount;
    let mut date = until.with_timezone(&s.time_zone).date_naive();
    for _ in 0..3660 {
        for (start, end) in working_intervals(s, holidays, date).into_iter().rev() {
            let end = end.min(until);
            if end <= start {
                continue;
            }
            if end - start >= left {
                return end - left;
            }
            left -= end - start;
        }
        date = date.pred_opt().expect("valid date");
    }
    until - amount
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::{DaySet, HourRange, parse_time_zone};

    fn schedule(tz: &str, hours: &str, days: &[&str]) -> Schedule {
        Schedule {
            time_zone: parse_time_zone(tz).unwrap(),
            hours: HourRange::parse(hours).unwrap(),
            days: DaySet::parse(days).unwrap(),
        }
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn same_day_within_hours() {
        let s = schedule("UTC", "09:00-17:00", &["mon", "tue", "wed", "thu", "fri"]);
        // Monday 2026-11-30 10:00 → 12:30
        assert_eq!(
            business_time(&s, &[], utc(2026, 11, 30, 10, 0), utc(2026, 11, 30, 12, 30)),
            Duration::minutes(150)
        );
        // starts before opening: counts from 09:00
        assert_eq!(
            business_time(&s, &[], utc(2026, 11, 30, 7, 0), utc(2026, 11, 30, 9, 30)),
            Duration::minutes(30)
        );
    }

    #[test]
    fn riyadh_weekend_is_friday_and_saturday() {
        let s = schedule(
            "Asia/Riyadh",
            "08:00-17:00",
            &["sun", "mon", "tue", "wed", "thu"],
        );
        // Thursday 2026-11-26 16:00 Riyadh (13:00 UTC) → Sunday 2026-11-29 09:00 Riyadh (06:00 UTC):
        // 1 h on Thursday + 1 h on Sunday.
        assert_eq!(
            business_time(&s, &[], utc(2026, 11, 26, 13, 0), utc(2026, 11, 29, 6, 0)),
            Duration::hours(2)
        );
    }

    #[test]
    fn holidays_do_not_count() {
        let s = schedule("UTC", "09:00-17:00", &["mon", "tue", "wed", "thu", "fri"]);
        let holiday = [NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()];
        // Monday 16:00 → Wednesday 10:00: 1 h Monday, Tuesday is a holiday, 1 h Wednesday.
        assert_eq!(
            business_time(
                &s,
                &holiday,
                utc(2026, 11, 30, 16, 0),
                utc(2026, 12, 2, 10, 0)
            ),
            Duration::hours(2)
        );
        assert_eq!(
            business_time(&s, &[], utc(2026, 11, 30, 16, 0), utc(2026, 12, 2, 10, 0)),
            Duration::hours(10)
        );
    }

    #[test]
    fn dst_changes_are_respected() {
        // Europe/London leaves summer time on Sunday 2026-10-25; Monday 09:00 local is 09:00 UTC,
        // Friday 23 Oct 09:00 local was 08:00 UTC.
        let s = schedule(
            "Europe/London",
            "09:00-17:00",
            &["mon", "tue", "wed", "thu", "fri"],
        );
        // Friday 16:00 BST (15:00 UTC) → Monday 10:00 GMT (10:00 UTC): 1 h + 1 h.
        assert_eq!(
            business_time(&s, &[], utc(2026, 10, 23, 15, 0), utc(2026, 10, 26, 10, 0)),
            Duration::hours(2)
        );
        // New York springs forward on Sunday 2026-03-08 at 02:00: a night shift 22:00-06:00
        // that night lasts 7 hours, not 8.
        let n = schedule("America/New_York", "22:00-06:00", &["sat", "sun"]);
        let sat_evening = utc(2026, 3, 8, 3, 0); // Saturday 22:00 EST
        let sun_morning = utc(2026, 3, 8, 10, 0); // Sunday 06:00 EDT
        assert_eq!(
            business_time(&n, &[], sat_evening, sun_morning),
            Duration::hours(7)
        );
    }

    #[test]
    fn deadlines_in_business_time() {
        let s = schedule(
            "Asia/Riyadh",
            "08:00-17:00",
            &["sun", "mon", "tue", "wed", "thu"],
        );
        // Thursday 15:00 Riyadh (12:00 UTC) + 4 business hours = 2 h Thursday + 2 h Sunday → Sunday 10:00 Riyadh.
        let due = add_business_time(&s, &[], utc(2026, 11, 26, 12, 0), Duration::hours(4));
        assert_eq!(due, utc(2026, 11, 29, 7, 0));
        assert_eq!(
            business_time(&s, &[], utc(2026, 11, 26, 12, 0), due),
            Duration::hours(4)
        );
        // Received on a Friday: the clock starts on Sunday morning.
        assert_eq!(
            add_business_time(&s, &[], utc(2026, 11, 27, 9, 0), Duration::minutes(30)),
            utc(2026, 11, 29, 5, 30)
        );
        // Backwards: 4 business hours before Sunday 10:00 Riyadh is Thursday 15:00, across the
        // Friday–Saturday weekend; and adding then subtracting comes back.
        assert_eq!(
            sub_business_time(&s, &[], utc(2026, 11, 29, 7, 0), Duration::hours(4)),
            utc(2026, 11, 26, 12, 0)
        );
        // A whole working day before Sunday's end (17:00) is Sunday's start (08:00).
        assert_eq!(
            sub_business_time(&s, &[], utc(2026, 11, 29, 14, 0), Duration::hours(9)),
            utc(2026, 11, 29, 5, 0)
        );
        // From a weekend instant, the clock runs back from Thursday's end.
        assert_eq!(
            sub_business_time(&s, &[], utc(2026, 11, 28, 12, 0), Duration::hours(1)),
            utc(2026, 11, 26, 13, 0)
        );
    }

    #[test]
    fn backwards_is_zero() {
        let s = schedule("UTC", "09:00-17:00", &["mon"]);
        assert_eq!(
            business_time(&s, &[], utc(2026, 11, 30, 12, 0), utc(2026, 11, 30, 11, 0)),
            Duration::zero()
        );
    }
}
