//! Report periods: a day, an ISO week (Monday to Sunday) or a calendar month, in the time zone
//! of the mailbox the digest is for. The default is the last complete period before a date.

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Day,
    Week,
    Month,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Kind, crate::invalid::Invalid> {
        match s {
            "day" => Ok(Kind::Day),
            "week" => Ok(Kind::Week),
            "month" => Ok(Kind::Month),
            other => Err(crate::invalid::Invalid::value(
                other,
                "unknown period: use day, week or month",
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Day => "day",
            Kind::Week => "week",
            Kind::Month => "month",
        }
    }
}

/// A period of whole local days, `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub kind: Kind,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Period {
    /// The period of `kind` that contains `day`.
    pub fn containing(kind: Kind, day: NaiveDate) -> Period {
        let (first, last) = match kind {
            Kind::Day => (day, day),
            Kind::Week => {
                let first = day - Days::new(u64::from(day.weekday().num_days_from_monday()));
                (first, first + Days::new(6))
            }
            Kind::Month => {
                let first = day.with_day(1).expect("day 1 exists");
                (first, first + Months::new(1) - Days::new(1))
            }
        };
        Period { kind, first, last }
    }

    /// The last complete period of `kind` before `today`.
    pub fn last_complete(kind: Kind, today: NaiveDate) -> Period {
        Period::containing(kind, Period::containing(kind, today).first - Days::new(1))
    }

    /// The period just before this one.
    pub fn previous(&self) -> Period {
        Period::containing(self.kind, self.first - Days::new(1))
    }

    /// Every day of the period, in order.
    pub fn days(&self) -> Vec<NaiveDate> {
        self.first
            .iter_days()
            .take_while(|d| *d <= self.last)
            .collect()
    }

    /// A stable name: `2026-W47`, `2026-11`, `2026-11-23`.
    pub fn label(&self) -> String {
        match self.kind {
            Kind::Day => self.first.to_string(),
            Kind::Week => {
                let w = self.first.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Kind::Month => self.first.format("%Y-%m").to_string(),
        }
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.first <= day && day <= self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn last_complete_periods() {
        // Friday 27 November 2026.
        let today = d("2026-11-27");
        let week = Period::last_complete(Kind::Week, today);
        assert_eq!((week.first, week.last), (d("2026-11-16"), d("2026-11-22")));
        assert_eq!(week.label(), "2026-W47");
        assert_eq!(week.previous().first, d("2026-11-09"));
        let month = Period::last_complete(Kind::Month, today);
        assert_eq!(
            (month.first, month.last),
            (d("2026-10-01"), d("2026-10-31"))
        );
        assert_eq!(month.label(), "2026-10");
        assert_eq!(
            Period::last_complete(Kind::Day, today).label(),
            "2026-11-26"
        );
        // Across a year: the ISO week of 1 January 2027 began in December.
        let w = Period::containing(Kind::Week, d("2027-01-01"));
        assert_eq!(w.first, d("2026-12-28"));
        assert_eq!(w.label(), "2026-W53");
        assert_eq!(w.days().len(), 7);
        let feb = Period::containing(Kind::Month, d("2028-02-10"));
        assert_eq!(feb.last, d("2028-02-29"));
    }
}
