//! A counter increment: the one fact every job reports for the digest and `musaid stats`
//! (messages received per category, acknowledgements queued, escalations fired...). Plain
//! data, so that the planners can say what to count without knowing the store that adds it
//! up ([`crate::store::Store::record`]).

use serde::Serialize;

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
