//! Daily reminders of unanswered mail: on each working day, at `[tracking] remind_at` in the
//! mailbox's time zone (or later that day, as soon as something qualifies), one message to the
//! mailbox listing the tracked mail unanswered for at least `remind_after`, most important
//! first. Nothing is sent when nothing is due. With several musaid hosts a reminder goes once
//! a day: the day is claimed in the store before sending.

use crate::autoreply::reply::PlainMessage;
use crate::config::{Config, Language};
use crate::outbox::{self, OutboxJob};
use crate::store::{Count, Key, Store, StoreError};
use crate::tracking::{Tracked, record_key, unanswered_key};
use chrono::{DateTime, Datelike, TimeZone, Utc};
use std::time::Duration;

/// Sends the reminders that are due; returns how many were queued.
pub async fn run_due(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let Some(at) = config.tracking.remind_at else {
        return Ok(0);
    };
    let cutoff = now - chrono::Duration::from_std(config.tracking.remind_after).unwrap_or_default();
    let mut sent = 0;
    for mb in &config.mailboxes {
        let local = now.with_timezone(&mb.schedule.time_zone);
        let today = local.date_naive();
        if !mb.schedule.days.contains(local.weekday())
            || mb.holidays.contains(&today)
            || local.time() < at
        {
            continue;
        }
        let due = store
            .scheduled(
                unanswered_key(&mb.address),
                0,
                cutoff.timestamp_millis(),
                200,
            )
            .await?;
        if due.is_empty() {
            continue;
        }
        let mut items: Vec<Tracked> = Vec::new();
        for (member, _) in due {
            match store.get(record_key(&mb.address, &member)).await? {
                Some(raw) => items.extend(serde_json::from_slice::<Tracked>(&raw).ok()),
                // Forgotten (kept too long): drop it from the list too.
                None => {
                    store
                        .unschedule(unanswered_key(&mb.address), member)
                        .await?;
                }
            }
        }
        if items.is_empty() {
            continue;
        }
        let claim = Key::mailbox(&mb.address, format!("reminded:{today}"));
        if !store
            .set_if_absent(claim, Duration::from_secs(2 * 86_400))
            .await?
        {
            continue;
        }
        items.sort_by_key(|t| (t.priority, t.received));
        let arabic = mb.language == Language::Ar;
        let mut body = if arabic {
            format!("رسائل لم يُرد عليها بعد ({}):\r\n\r\n", items.len())
        } else {
            format!("Mail still waiting for a reply ({}):\r\n\r\n", items.len())
        };
        for t in &items {
            let received = mb
                .schedule
                .time_zone
                .timestamp_millis_opt(t.received)
                .single()
                .map(|d| d.format("%a %d %b %H:%M").to_string())
                .unwrap_or_default();
            body.push_str(&format!(
                "- [{} {}] {received}  {}  {}\r\n",
                t.priority,
                t.category,
                t.from.as_deref().unwrap_or("-"),
                t.subject.as_deref().unwrap_or("")
            ));
        }
        let subject = if arabic {
            format!("تذكير: {} رسائل بلا رد", items.len())
        } else {
            format!("Reminder: {} messages without a reply", items.len())
        };
        let domain = crate::message::domain_of(&mb.address);
        let message_id = format!(
            "musaid.remind-{}-{today}@{domain}",
            crate::autoreply::fingerprint(&[&mb.address])
        );
        let message = PlainMessage {
            from: &mb.address,
            to: &mb.address,
            subject: &subject,
            date: now.to_rfc2822(),
            message_id: &message_id,
            extra: vec![
                ("Auto-Submitted", "auto-generated".into()),
                ("X-Auto-Response-Suppress", "All".into()),
            ],
            body: &body,
        }
        .render();
        let job = OutboxJob {
            kind: "reminder".into(),
            mailbox: mb.address.clone(),
            from: config.outbox.envelope_sender.clone(),
            to: vec![mb.address.clone()],
            message,
            created: now.timestamp_millis(),
        };
        outbox::enqueue(
            store,
            &format!(
                "remind-{}-{today}",
                crate::autoreply::fingerprint(&[&mb.address])
            ),
            &job,
        )
        .await?;
        let day = today.to_string();
        let counts = ["*", mb.address.as_str()]
            .iter()
            .map(|m| Count {
                mailbox: m.to_string(),
                day: day.clone(),
                category: "-".into(),
                metric: "reminder-sent".into(),
                n: 1,
            })
            .collect();
        store
            .record(
                counts,
                Duration::from_secs(u64::from(config.store.retention_days) * 86_400),
            )
            .await?;
        tracing::info!(mailbox = %mb.address, unanswered = items.len(), "reminder queued");
        sent += 1;
    }
    Ok(sent)
}
