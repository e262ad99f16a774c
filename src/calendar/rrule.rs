//! Recurrence rules (RFC 5545 section 3.3.10), expanded in local time from DTSTART: FREQ
//! DAILY, WEEKLY, MONTHLY and YEARLY with INTERVAL, COUNT, UNTIL, BYDAY (with ordinals in
//! monthly and yearly rules), BYMONTHDAY (negative too) and BYMONTH, and BYSETPOS for the
//! common "last weekday of the month" form. Sub-daily frequencies and BYWEEKNO/BYYEARDAY are
//! not expanded (only DTSTART counts); they are rare in meeting invitations.

use super::zones::{naive, nth_weekday, parse_byday};
use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
    Yearly,
    /// Anything else: no expansion.
    Other,
}

/// A parsed RRULE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub freq: Freq,
    pub interval: u32,
    pub count: Option<u32>,
    /// Local (or UTC for a `Z` value; the caller compares in local time, close enough for a
    /// bound).
    pub until: Option<NaiveDateTime>,
    pub by_day: Vec<(i32, Weekday)>,
    pub by_month_day: Vec<i32>,
    pub by_month: Vec<u32>,
    pub by_set_pos: Vec<i32>,
}

impl Rule {
    pub fn parse(value: &str) -> Option<Rule> {
        let mut r = Rule {
            freq: Freq::Other,
            interval: 1,
            count: None,
            until: None,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
            by_set_pos: Vec::new(),
        };
        let mut freq_seen = false;
        for part in value.split(';') {
            let Some((k, v)) = part.split_once('=') else {
                continue;
            };
            let list = || v.split(',').map(str::trim);
            match k.trim().to_ascii_uppercase().as_str() {
                "FREQ" => {
                    freq_seen = true;
                    r.freq = match v.trim().to_ascii_uppercase().as_str() {
                        "DAILY" => Freq::Daily,
                        "WEEKLY" => Freq::Weekly,
                        "MONTHLY" => Freq::Monthly,
                        "YEARLY" => Freq::Yearly,
                        _ => Freq::Other,
                    }
                }
                "INTERVAL" => r.interval = v.trim().parse().unwrap_or(1u32).clamp(1, 10_000),
                "COUNT" => r.count = v.trim().parse().ok(),
                "UNTIL" => r.until = naive(v),
                "BYDAY" => r.by_day = list().filter_map(parse_byday).collect(),
                // Values outside what RFC 5545 allows are dropped.
                "BYMONTHDAY" => {
                    r.by_month_day = list()
                        .filter_map(|d| d.parse().ok())
                        .filter(|d: &i32| (1..=31).contains(&d.abs()))
                        .collect()
                }
                "BYMONTH" => {
                    r.by_month = list()
                        .filter_map(|d| d.parse().ok())
                        .filter(|m| (1..=12).contains(m))
                        .collect()
                }
                "BYSETPOS" => {
                    r.by_set_pos = list()
                        .filter_map(|d| d.parse().ok())
                        .filter(|p: &i32| (1..=366).contains(&p.abs()))
                        .collect()
                }
                _ => {}
            }
        }
        freq_seen.then_some(r)
    }

    /// The days of one month the rule picks (MONTHLY, or YEARLY within a BYMONTH).
    fn month_days(&self, year: i32, month: u32, start: NaiveDate) -> Vec<NaiveDate> {
        let mut days: Vec<NaiveDate> = Vec::new();
        if !self.by_month_day.is_empty() {
            let next = NaiveDate::from_ymd_opt(year, month, 1)
                .and_then(|f| f.checked_add_months(Months::new(1)));
            let len = next
                .and_then(|n| n.pred_opt())
                .map_or(31, |l| l.day() as i32);
            for d in &self.by_month_day {
                let day = if *d < 0 { len + 1 + d } else { *d };
                if let Some(x) = u32::try_from(day)
                    .ok()
                    .and_then(|day| NaiveDate::from_ymd_opt(year, month, day))
                {
                    days.push(x);
                }
            }
        } else if !self.by_day.is_empty() {
            for (n, wd) in &self.by_day {
                if *n != 0 {
                    days.extend(nth_weekday(year, month, *n, *wd));
                } else {
                    let mut k = 1;
                    while let Some(d) = nth_weekday(year, month, k, *wd) {
                        days.push(d);
                        k += 1;
                    }
                }
            }
        } else {
            days.extend(NaiveDate::from_ymd_opt(year, month, start.day()));
        }
        days.sort();
        days.dedup();
        if !self.by_set_pos.is_empty() {
            let all = days.clone();
            days = self
                .by_set_pos
                .iter()
                .filter_map(|p| {
                    let i = if *p > 0 { *p - 1 } else { all.len() as i32 + p };
                    usize::try_from(i).ok().and_then(|i| all.get(i).copied())
                })
                .collect();
            days.sort();
        }
        days
    }

    /// Occurrence starts (local), DTSTART first, up to `until_local` and at most `limit`.
    pub fn expand(
        &self,
        start: NaiveDateTime,
        until_local: NaiveDateTime,
        limit: usize,
    ) -> Vec<NaiveDateTime> {
        let mut out = vec![start];
        let end = match self.until {
            Some(u) if u < until_local => u,
            _ => until_local,
        };
        let max = self.count.map_or(limit, |c| (c as usize).min(limit));
        let time = start.time();
        let d0 = start.date();
        let push = |d: NaiveDate, out: &mut Vec<NaiveDateTime>| -> bool {
            let t = d.and_time(time);
            if t > end || out.len() >= max {
                return false;
            }
            if t > start {
                out.push(t);
            }
            true
        };
        let months_ok =
            |d: &NaiveDate| self.by_month.is_empty() || self.by_month.contains(&d.month());
        let interval = i64::from(self.interval);
        let mut guard = 0;
        match self.freq {
            Freq::Other => {}
            Freq::Daily => {
                let mut d = d0;
                while guard < 20_000 {
                    guard += 1;
                    let Some(next) = d.checked_add_signed(Duration::days(interval)) else {
                        break;
                    };
                    d = next;
                    let day_ok = self.by_day.is_empty()
                        || self.by_day.iter().any(|(_, w)| *w == d.weekday());
                    if months_ok(&d) && day_ok && !push(d, &mut out) {
                        break;
                    }
                    if d.and_time(time) > end {
                        break;
                    }
                }
            }
            Freq::Weekly => {
                let days: Vec<Weekday> = if self.by_day.is_empty() {
                    vec![d0.weekday()]
                } else {
                    self.by_day.iter().map(|(_, w)| *w).collect()
                };
                let monday = d0 - Duration::days(i64::from(d0.weekday().num_days_from_monday()));
                let mut week = 0i64;
                'weeks: while guard < 5_000 {
                    guard += 1;
                    let Some(base) = Duration::try_weeks(week * interval)
                        .and_then(|w| monday.checked_add_signed(w))
                    else {
                        break;
                    };
                    let mut in_week: Vec<NaiveDate> = days
                        .iter()
                        .filter_map(|w| {
                            base.checked_add_signed(Duration::days(i64::from(
                                w.num_days_from_monday(),
                            )))
                        })
                        .collect();
                    in_week.sort();
                    for d in in_week {
                        if d < d0 || !months_ok(&d) {
                            continue;
                        }
                        if !push(d, &mut out) {
                            break 'weeks;
                        }
                    }
                    week += 1;
                }
            }
            Freq::Monthly | Freq::Yearly => {
                let mut step = 0u32;
                'periods: while guard < 2_000 {
                    guard += 1;
                    let months: Vec<(i32, u32)> = if self.freq == Freq::Monthly {
                        let Some(first) = d0
                            .with_day(1)
                            .and_then(|f| f.checked_add_months(Months::new(step * self.interval)))
                        else {
                            break;
                        };
                        if !months_ok(&first) {
                            step += 1;
                            continue;
                        }
                        vec![(first.year(), first.month())]
                    } else {
                        let Some(year) = step
                            .checked_mul(self.interval)
                            .and_then(|n| i32::try_from(n).ok())
                            .and_then(|n| d0.year().checked_add(n))
                        else {
                            break;
                        };
                        let ms = if self.by_month.is_empty() {
                            vec![d0.month()]
                        } else {
                            self.by_month.clone()
                        };
                        ms.into_iter().map(|m| (year, m)).collect()
                    };
                    if months.iter().all(|(y, m)| {
                        NaiveDate::from_ymd_opt(*y, *m, 1).is_some_and(|f| f.and_time(time) > end)
                    }) {
                        break;
                    }
                    for (y, m) in months {
                        for d in self.month_days(y, m, d0) {
                            if d < d0 {
                                continue;
                            }
                            if !push(d, &mut out) {
                                break 'periods;
                            }
                        }
                    }
                    step += 1;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        naive(s).unwrap()
    }

    fn days(rule: &str, start: &str, n: usize) -> Vec<String> {
        Rule::parse(rule)
            .unwrap()
            .expand(t(start), t("20300101T000000"), n)
            .iter()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect()
    }

    #[test]
    fn common_rules() {
        assert_eq!(
            days("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4", "20261123T090000", 10),
            ["2026-11-23", "2026-11-25", "2026-11-30", "2026-12-02"]
        );
        assert_eq!(
            days("FREQ=DAILY;INTERVAL=2;COUNT=3", "20261130T090000", 10),
            ["2026-11-30", "2026-12-02", "2026-12-04"]
        );
        assert_eq!(
            days("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", "20261127T090000", 10),
            ["2026-11-27", "2026-12-25", "2027-01-29"]
        );
        assert_eq!(
            days("FREQ=MONTHLY;BYMONTHDAY=-1;COUNT=3", "20261130T090000", 10),
            ["2026-11-30", "2026-12-31", "2027-01-31"]
        );
        assert_eq!(
            days(
                "FREQ=YEARLY;BYMONTH=3;BYDAY=2SU;COUNT=2",
                "20270314T100000",
                10
            ),
            ["2027-03-14", "2028-03-12"]
        );
        assert_eq!(
            days(
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=2",
                "20261130T090000",
                10
            ),
            ["2026-11-30", "2026-12-31"]
        );
        assert_eq!(
            days(
                "FREQ=WEEKLY;INTERVAL=2;UNTIL=20261231T000000Z",
                "20261203T100000",
                10
            ),
            ["2026-12-03", "2026-12-17", "2026-12-31"][..2]
        );
        assert_eq!(days("FREQ=HOURLY", "20261203T100000", 10), ["2026-12-03"]);
    }
}
