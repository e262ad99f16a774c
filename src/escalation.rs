//! Escalation: raise sensitive or urgent mail to the manager or a delegate, at once, or only
//! when no reply was sent within a deadline counted in business hours.
//!
//! A deadline is a member of the mailbox's time-ordered set `escalations` (due time as score)
//! plus a record holding the notice. A reply that [`crate::tracking`] matches removes both
//! (cancelled). The scheduler, in every musaid process, takes due members atomically, so with
//! several hosts each escalation fires once; the notice goes through the outbox, to the target
//! only (never to the original sender), `Auto-Submitted: auto-generated`, without the body
//! unless `include_excerpt = true`.

use crate::autoreply::fingerprint;
use crate::autoreply::reply::PlainMessage;
use crate::classify::rules::EscalationTarget;
use crate::classify::{Direction, Input, Verdict};
use crate::config::Config;
use crate::outbox::{self, OutboxJob};
use crate::policy::header_safe;
use crate::schedule::business::add_business_time;
use crate::store::{Count, Key, Store, StoreError, within};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// An escalation to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub mailbox: String,
    /// The hash of the message's Message-ID (shared with reply tracking).
    pub member: String,
    /// None: send now.
    pub due_ms: Option<i64>,
    pub job: OutboxJob,
}

/// The set of a mailbox's pending escalations.
pub fn pending_key(mailbox: &str) -> Key {
    Key::mailbox(mailbox, "escalations")
}

fn notice_key(mailbox: &str, member: &str) -> Key {
    Key::mailbox(mailbox, format!("esc:{member}"))
}

/// Decides the escalation a rule asked for (pure).
pub fn plan(input: &Input<'_>, verdict: &Verdict) -> Option<Planned> {
    let e = verdict.actions.escalate.as_ref()?;
    let mailbox = input.mailbox?;
    if verdict.direction != Direction::Inbound {
        return None;
    }
    let to = match &e.to {
        EscalationTarget::Delegate => mailbox.delegate.clone()?,
        EscalationTarget::Manager => mailbox.manager.clone()?,
        EscalationTarget::Address(a) => a.clone(),
    };
    let m = input.message;
    let id = m
        .message_id
        .clone()
        .or_else(|| input.envelope.queue_id.clone())
        .unwrap_or_default();
    let member = crate::tracking::member_of(&id);
    let received = input
        .now
        .with_timezone(&mailbox.schedule.time_zone)
        .format("%Y-%m-%d %H:%M %Z");
    let sender = m
        .from
        .as_ref()
        .map(|f| f.address.clone())
        .unwrap_or_else(|| input.envelope.sender.clone());
    let mut body = format!(
        "Escalated for {}.\r\n\r\nFrom: {}\r\nSubject: {}\r\nReceived: {received}\r\nCategory: {} (priority {})\r\nWhy: {}\r\n",
        mailbox.address,
        header_safe(&sender, 320),
        header_safe(&m.subject, 300),
        verdict.category,
        verdict.priority,
        verdict.reasons.join(", ")
    );
    if let Some(w) = e.within {
        body.push_str(&format!(
            "No reply was sent within {} business hours.\r\n",
            w.as_secs() / 3600
        ));
    }
    if e.include_excerpt {
        body.push_str("\r\n");
        for line in m.text.lines().take(15) {
            body.push_str("> ");
            body.push_str(line);
            body.push_str("\r\n");
        }
    }
    let domain = crate::message::domain_of(&mailbox.address);
    let message_id = format!("musaid.esc-{member}@{domain}");
    let message = PlainMessage {
        from: &mailbox.address,
        to: &to,
        subject: &format!("[Escalation] {}", m.subject),
        date: input.now.to_rfc2822(),
        message_id: &message_id,
        extra: vec![
            ("Auto-Submitted", "auto-generated".into()),
            ("X-Auto-Response-Suppress", "All".into()),
        ],
        body: &body,
    }
    .render();
    let job = OutboxJob {
        kind: "escalation".into(),
        mailbox: mailbox.address.clone(),
        from: input.config.outbox.envelope_sender.clone(),
        to: vec![to],
        message,
        created: input.now.timestamp_millis(),
    };
    let due_ms = e.within.map(|w| {
        add_business_time(
            &mailbox.schedule,
            &mailbox.holidays,
            input.now,
            chrono::Duration::from_std(w).unwrap_or_default(),
        )
        .timestamp_millis()
    });
    Some(Planned {
        mailbox: mailbox.address.clone(),
        member,
        due_ms,
        job,
    })
}

fn job_id(p_mailbox: &str, member: &str) -> String {
    format!("esc-{}", fingerprint(&[p_mailbox, member]))
}

/// The edge step at end of message: send now, or store the deadline.
pub async fn commit(
    store: &Store,
    p: &Planned,
    timeout: Duration,
) -> Result<&'static str, StoreError> {
    match p.due_ms {
        None => {
            within(
                timeout,
                outbox::enqueue(store, &job_id(&p.mailbox, &p.member), &p.job),
            )
            .await?;
            Ok("escalation-fired")
        }
        Some(due) => {
            let value =
                serde_json::to_vec(&p.job).map_err(|e| StoreError::Backend(e.to_string()))?;
            within(
                timeout,
                store.put(
                    notice_key(&p.mailbox, &p.member),
                    value,
                    Some(Duration::from_secs(60 * 86_400)),
                ),
            )
            .await?;
            within(
                timeout,
                store.schedule(pending_key(&p.mailbox), p.member.clone(), due),
            )
            .await?;
            Ok("escalation-scheduled")
        }
    }
}

/// Cancels a pending escalation because the message was answered; true if one was pending.
pub async fn cancel(store: &Store, mailbox: &str, member: &str) -> Result<bool, StoreError> {
    let was = store
        .unschedule(pending_key(mailbox), member.to_string())
        .await?;
    if was {
        store.delete(notice_key(mailbox, member)).await?;
    }
    Ok(was)
}

/// Fires what is due for every mailbox: takes due members atomically, queues their notices.
/// Returns how many fired.
pub async fn fire_due(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut fired = 0;
    let mut counts = Vec::new();
    for mb in &config.mailboxes {
        for (member, _) in store
            .take_due(pending_key(&mb.address), now.timestamp_millis(), 50)
            .await?
        {
            let Some(raw) = store.get(notice_key(&mb.address, &member)).await? else {
                continue;
            };
            let Ok(job) = serde_json::from_slice::<OutboxJob>(&raw) else {
                continue;
            };
            outbox::enqueue(store, &job_id(&mb.address, &member), &job).await?;
            store.delete(notice_key(&mb.address, &member)).await?;
            tracing::info!(mailbox = %mb.address, "escalation fired: no reply in time");
            let day = mb.schedule.local_day(now);
            for m in ["*", mb.address.as_str()] {
                counts.push(Count {
                    mailbox: m.into(),
                    day: day.clone(),
                    category: "-".into(),
                    metric: "escalation-fired".into(),
                    n: 1,
                });
            }
            fired += 1;
        }
    }
    if !counts.is_empty() {
        store
            .record(
                counts,
                Duration::from_secs(u64::from(config.store.retention_days) * 86_400),
            )
            .await?;
    }
    Ok(fired)
}
