//! A counter increment: the one fact every job reports for the digest and `musaid stats`
//! (messages received per category, acknowledgements queued, escalations fired...). Plain
//! data, so that the planners can say what to count without knowing the store that adds it
//! up ([`crate::store::Store::record`]).

use serde::Serialize;

/// The day of a counter (`YYYY-MM-DD`) of a local date: what chrono's `%Y-%m-%d` writes,
/// without parsing a format string for every message.
pub fn day_key(date: &impl chrono::Datelike) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// An increment of one counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    pub mailbox: String,
    pub day: String,
    pub category: String,
    pub metric: String,
    pub n: u64,
}

impl Count {
    /// One event counted for a mailbox and for the whole organisation (`*`), with no category.
    pub fn mailbox_and_org(mailbox: &str, day: &str, metric: impl Into<String>) -> [Count; 2] {
        let metric = metric.into();
        [mailbox, "*"].map(|m| Count {
            mailbox: m.to_string(),
            day: day.to_string(),
            category: "-".into(),
            metric: metric.clone(),
            n: 1,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn day_keys_are_what_chrono_writes() {
        use chrono::NaiveDate;
        for (y, m, d) in [(2026, 11, 30), (2027, 1, 1), (999, 2, 3), (2026, 12, 31)] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(super::day_key(&date), date.format("%Y-%m-%d").to_string());
        }
    }
}
