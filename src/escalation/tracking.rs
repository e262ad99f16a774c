//! Reply tracking: response times measured from the mail flow alone.
//!
//! Inbound mail to a mailbox whose category needs a reply (`[tracking] categories`) is
//! remembered: a record keyed by a hash of its Message-ID, holding when it arrived and its
//! category; the sender and subject only when a reminder may list them (daily reminders on,
//! or a deadline written in the text, see [`crate::escalation::deadline`]). Mail with such a deadline is
//! tracked whatever its category, unless it is bulk mail. An outbound message from the mailbox, an alias or its
//! delegate whose In-Reply-To or References names a remembered message answers it: the record
//! is deleted (so a message is answered once, whichever host sees the reply) and the response
//! time is stored, in wall-clock seconds and in business seconds (the mailbox's hours, days,
//! time zone and holidays), in a per-month time-ordered set from which medians and p90 come.
//! musaid's own mail (Auto-Submitted) never counts as an answer.
//!
//! [`plan`] is pure; [`commit`] is the edge step the milter runs within the store budget.

use crate::classify::{Direction, Input, Verdict};
use crate::config::{Config, Mailbox};
use crate::hours::business::{add_business_time, business_time, sub_business_time};
use crate::store::{Count, Key};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What tracking does for one message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TrackingPlan {
    #[default]
    None,
    /// Remember an inbound message that needs a reply.
    Track {
        key: Key,
        record: Tracked,
        keep: Duration,
        /// When to remind the mailbox of a deadline written in the text (ms since the epoch).
        remind_deadline_at: Option<i64>,
    },
    /// An outbound message that may answer remembered ones.
    Reply {
        mailbox: String,
        candidates: Vec<Key>,
    },
}

/// The longest Message-ID kept for a reply link: a header line's limit (RFC 5322 §2.1.1).
const MAX_MESSAGE_ID: usize = 998;

/// What is remembered of a message that needs a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tracked {
    /// Arrival, ms since the epoch.
    pub received: i64,
    pub category: String,
    pub priority: u8,
    /// Sender and subject, kept only when a reminder may list them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The sender's display name and the Message-ID, kept with the sender and subject (for
    /// the digest's names and reply links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// A deadline written in the text (ms since the epoch), see [`crate::escalation::deadline`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<i64>,
}

/// The time-ordered set of a mailbox's unanswered tracked mail (score: arrival).
pub fn unanswered_key(mailbox: &str) -> Key {
    Key::mailbox(mailbox, "unanswered")
}

/// The time-ordered set of a mailbox's deadline reminders (score: when to remind).
pub fn deadlines_key(mailbox: &str) -> Key {
    Key::mailbox(mailbox, "deadlines")
}

/// A measured answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub category: String,
    pub wall_secs: i64,
    pub business_secs: i64,
    /// A pending escalation of the message was cancelled by this reply.
    pub escalation_cancelled: bool,
}

pub use crate::message::header::member_of;

fn track_key(mailbox: &str, message_id: &str) -> Key {
    record_key(mailbox, &member_of(message_id))
}

/// The set of business-hours response times of one mailbox for the month the replies were sent
/// in (score: seconds; member: `HASH:CATEGORY:REPLY-DAY`, see [`ResponseTime::parse`]).
pub fn response_times_key(mailbox: &str, month: &str) -> Key {
    Key::mailbox(mailbox, format!("rt:{month}"))
}

/// The set of wall-clock response times of one mailbox for one month (as [`response_times_key`]).
pub fn wall_times_key(mailbox: &str, month: &str) -> Key {
    Key::mailbox(mailbox, format!("rtw:{month}"))
}

/// The mailbox that sent an outbound message: its own address, an alias, or its delegate.
pub fn sending_mailbox<'a>(input: &Input<'a>) -> Option<&'a Mailbox> {
    let from = input
        .message
        .from
        .as_ref()
        .map(|f| f.address.clone())
        .unwrap_or_default();
    let sender = input.sender();
    input.config.mailboxes.iter().find(|m| {
        [&sender, &from].iter().any(|a| {
            m.owns(a)
                || m.delegate
                    .as_deref()
                    .is_some_and(|d| d.eq_ignore_ascii_case(a))
        })
    })
}

/// A deadline written in a personal message to the mailbox (not in bulk mail), when deadline
/// reminders are on.
fn written_deadline(
    input: &Input<'_>,
    verdict: &Verdict,
    mailbox: &Mailbox,
) -> Option<crate::escalation::deadline::Deadline> {
    if !input.config.tracking.deadline_reminders
        || !verdict.category.is_personal()
        || !crate::escalation::deadline::may_hold_deadline(&[
            &input.subject_tokens,
            &input.body_tokens,
        ])
    {
        return None;
    }
    let m = input.message;
    crate::escalation::deadline::find(
        &format!("{}\n{}", m.subject, m.text),
        input.now,
        &mailbox.schedule,
    )
}

/// When to remind of a deadline: `deadline_remind_before` of working time before it; when
/// the mail came later than that, halfway through the working time left, if at least two
/// working hours are left; otherwise no reminder (the mail has only just arrived).
fn deadline_reminder_at(input: &Input<'_>, mb: &Mailbox, due: DateTime<Utc>) -> Option<i64> {
    let before = chrono::Duration::from_std(input.config.tracking.deadline_remind_before).ok()?;
    let at = sub_business_time(&mb.schedule, &mb.holidays, due, before);
    if at > input.now {
        return Some(at.timestamp_millis());
    }
    let left = business_time(&mb.schedule, &mb.holidays, input.now, due);
    (left >= chrono::Duration::hours(2)).then(|| {
        add_business_time(&mb.schedule, &mb.holidays, input.now, left / 2).timestamp_millis()
    })
}

/// Decides what tracking does for this message.
pub fn plan(input: &Input<'_>, verdict: &Verdict) -> TrackingPlan {
    let m = input.message;
    match verdict.direction {
        Direction::Inbound => {
            let (Some(mailbox), Some(id)) = (input.mailbox, m.message_id.as_deref()) else {
                return TrackingPlan::None;
            };
            // Nobody waits for a reply to machine mail, whatever category a rule gave it.
            if verdict.automated.is_some() {
                return TrackingPlan::None;
            }
            // A deadline escalation needs to know about the reply, whatever the category.
            let escalation_deadline = verdict
                .actions
                .escalate
                .as_ref()
                .is_some_and(|e| e.within.is_some());
            let deadline = written_deadline(input, verdict, mailbox);
            if !input.config.tracking.categories.contains(&verdict.category)
                && !escalation_deadline
                && deadline.is_none()
            {
                return TrackingPlan::None;
            }
            let listed = input.config.tracking.remind_at.is_some()
                || input.config.tracking.keep_subjects
                || deadline.is_some();
            let remind_deadline_at = deadline
                .as_ref()
                .and_then(|d| deadline_reminder_at(input, mailbox, d.due));
            TrackingPlan::Track {
                key: track_key(&mailbox.address, id),
                record: Tracked {
                    received: input.now.timestamp_millis(),
                    category: verdict.category.name().to_string(),
                    priority: verdict.priority,
                    from: listed
                        .then(|| m.from.as_ref().map(|f| f.address.clone()))
                        .flatten(),
                    subject: listed.then(|| crate::message::header::header_safe(&m.subject, 200)),
                    from_name: listed
                        .then(|| m.from.as_ref().and_then(|f| f.name.clone()))
                        .flatten()
                        .map(|n| crate::message::header::header_safe(&n, 100))
                        .filter(|n| !n.is_empty()),
                    // Kept whole or not at all: a cut Message-ID threads nothing. RFC 5322
                    // lines end at 998 characters.
                    message_id: (listed
                        && id.len() <= MAX_MESSAGE_ID
                        && !id.contains(char::is_control))
                    .then(|| id.to_string()),
                    deadline: deadline.map(|d| d.due.timestamp_millis()),
                },
                keep: input.config.tracking.keep,
                remind_deadline_at,
            }
        }
        Direction::Outbound => {
            if m.auto_submitted.as_deref().is_some_and(|a| a != "no") {
                return TrackingPlan::None;
            }
            let Some(mailbox) = sending_mailbox(input) else {
                return TrackingPlan::None;
            };
            let mut ids: Vec<&String> = m.in_reply_to.iter().collect();
            ids.extend(m.references.iter().rev().take(5));
            ids.dedup();
            if ids.is_empty() {
                return TrackingPlan::None;
            }
            TrackingPlan::Reply {
                mailbox: mailbox.address.clone(),
                candidates: ids
                    .iter()
                    .map(|id| track_key(&mailbox.address, id))
                    .collect(),
            }
        }
    }
}

/// Counters for a measured answer (per mailbox and organisation, in the answered category).
pub fn answered_counts(
    config: &Config,
    now: DateTime<Utc>,
    mailbox: &str,
    answered: &Answered,
) -> Vec<Count> {
    let day = config.mailbox(mailbox).map_or_else(
        || config.default_schedule.local_day(now),
        |m| m.schedule.local_day(now),
    );
    let mut metrics = vec!["answered"];
    if answered.escalation_cancelled {
        metrics.push("escalation-cancelled");
    }
    ["*", mailbox]
        .iter()
        .flat_map(|mb| {
            metrics.iter().map(|metric| Count {
                mailbox: mb.to_string(),
                day: day.clone(),
                category: answered.category.clone(),
                metric: metric.to_string(),
                n: 1,
            })
        })
        .collect()
}

/// One stored response time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseTime {
    pub category: String,
    /// The mailbox's local day the reply was sent.
    pub day: chrono::NaiveDate,
    pub secs: i64,
}

impl ResponseTime {
    /// Reads a member of [`response_times_key`] or [`wall_times_key`] and its score.
    pub fn parse(member: &str, secs: i64) -> Option<ResponseTime> {
        let mut parts = member.splitn(3, ':');
        let (_hash, category, day) = (parts.next()?, parts.next()?, parts.next()?);
        Some(ResponseTime {
            category: category.to_string(),
            day: day.parse().ok()?,
            secs,
        })
    }
}

/// Median and 90th percentile of response times (seconds), and how many there are.
pub fn summary(mut secs: Vec<i64>) -> Option<(usize, i64, i64)> {
    if secs.is_empty() {
        return None;
    }
    secs.sort_unstable();
    let at = |p: f64| secs[(((secs.len() as f64) * p).ceil() as usize).clamp(1, secs.len()) - 1];
    Some((secs.len(), at(0.5), at(0.9)))
}

/// The record of a tracked message, by its member in [`unanswered_key`].
pub fn record_key(mailbox: &str, member: &str) -> Key {
    Key::mailbox(mailbox, format!("track:{member}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p90() {
        assert_eq!(summary(vec![]), None);
        assert_eq!(summary(vec![30]), Some((1, 30, 30)));
        assert_eq!(
            summary((1..=10).map(|n| n * 60).collect()),
            Some((10, 300, 540))
        );
    }
}
