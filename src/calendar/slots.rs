//! Free time inside a mailbox's working hours: for `musaid calendar free`, and for the
//! alternatives a counter-proposal offers.

use crate::config::Mailbox;
use chrono::{DateTime, Duration, TimeZone, Utc};

/// Free intervals of one local day inside working hours, given busy intervals (UTC ms).
pub fn free_on(
    mb: &crate::config::Mailbox,
    date: chrono::NaiveDate,
    busy: &[(i64, i64)],
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let tz = mb.schedule.time_zone;
    if !mb.schedule.days.contains(chrono::Datelike::weekday(&date)) || mb.holidays.contains(&date) {
        return Vec::new();
    }
    let at = |t: chrono::NaiveTime| {
        tz.from_local_datetime(&date.and_time(t))
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    };
    let (Some(open), Some(close)) = (at(mb.schedule.hours.start), at(mb.schedule.hours.end)) else {
        return Vec::new();
    };
    let close = if close <= open {
        close + Duration::days(1)
    } else {
        close
    };
    let mut blocks: Vec<(i64, i64)> = busy
        .iter()
        .copied()
        .filter(|(a, b)| *a < close.timestamp_millis() && *b > open.timestamp_millis())
        .collect();
    blocks.sort();
    let mut free = Vec::new();
    let mut cursor = open.timestamp_millis();
    for (a, b) in blocks {
        if a > cursor {
            free.push((cursor, a));
        }
        cursor = cursor.max(b);
    }
    if cursor < close.timestamp_millis() {
        free.push((cursor, close.timestamp_millis()));
    }
    free.into_iter()
        .filter(|(a, b)| b - a >= 15 * 60_000)
        .filter_map(|(a, b)| {
            Some((
                Utc.timestamp_millis_opt(a).single()?,
                Utc.timestamp_millis_opt(b).single()?,
            ))
        })
        .collect()
}

/// The first `count` free slots of `length` inside working hours from `after` on (within
/// `days` days), each starting on the quarter hour.
pub fn next_free(
    mb: &Mailbox,
    busy: &[(i64, i64)],
    after: DateTime<Utc>,
    length: Duration,
    count: usize,
    days: i64,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut out = Vec::new();
    let tz = mb.schedule.time_zone;
    let first = after.with_timezone(&tz).date_naive();
    let quarter = 15 * 60_000;
    for offset in 0..days.max(1) {
        let date = first + Duration::days(offset);
        for (a, b) in free_on(mb, date, busy) {
            let mut start = a.timestamp_millis().max(after.timestamp_millis());
            start = (start + quarter - 1) / quarter * quarter;
            let end = b.timestamp_millis();
            let len = length.num_milliseconds().max(quarter);
            while start + len <= end && out.len() < count {
                if let (Some(s), Some(e)) = (
                    Utc.timestamp_millis_opt(start).single(),
                    Utc.timestamp_millis_opt(start + len).single(),
                ) {
                    out.push((s, e));
                }
                // Alternatives an hour apart at least, not every quarter of the same gap.
                start += len.max(60 * 60_000);
            }
            if out.len() >= count {
                return out;
            }
        }
    }
    out
}
