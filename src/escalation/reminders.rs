//! Reminders to the mailbox itself, of two kinds:
//!
//! - **Daily, of unanswered mail**: on each working day, at `[tracking] remind_at` in the
//!   mailbox's time zone (or later that day, as soon as something qualifies), one message
//!   listing the tracked mail unanswered for at least `remind_after`, most important first.
//!   With several musaid hosts it goes once a day: the day is claimed in the store first.
//! - **Of a deadline written in the text** ([`crate::escalation::deadline`]): `deadline_remind_before` of
//!   working time before it, one message naming the mail and the deadline, unless a reply was
//!   sent first. Reminders are members of a time-ordered set taken atomically, so each goes
//!   once whichever host takes it.
//!
//! Nothing is sent when nothing is due.

use crate::config::{Config, Language, Mailbox};
use crate::escalation::tracking::{Tracked, deadlines_key, record_key, unanswered_key};
use crate::message::compose::{Outgoing, Part};
use crate::outbox::{self, OutboxJob};
use crate::store::{Count, Store, StoreError};
use chrono::{DateTime, Datelike, TimeZone, Utc};

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
        items.sort_by_key(|t| (t.priority, t.received));
        let arabic = mb.language == Language::Ar;
        let mut body = if arabic {
            format!("رسائل لم يُرد عليها بعد ({}):\r\n\r\n", items.len())
        } else {
            format!("Mail still waiting for a reply ({}):\r\n\r\n", items.len())
        };
        for t in &items {
            let received = mb.schedule.format_ms(t.received, "%a %d %b %H:%M");
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
        let id = format!(
            "remind-{}-{today}",
            crate::message::header::fingerprint(&[&mb.address])
        );
        // One reminder a day: its id is the day's, and the outbox queues an id once.
        if queue(
            store,
            config,
            mb,
            now,
            &id,
            &subject,
            &body,
            "reminder-sent",
        )
        .await?
        {
            tracing::info!(mailbox = %mb.address, unanswered = items.len(), "reminder queued");
            sent += 1;
        }
    }
    Ok(sent)
}

/// Queues the reminders of written deadlines that are due; returns how many were queued.
pub async fn run_deadlines(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut sent = 0;
    for mb in &config.mailboxes {
        let schedule = deadlines_key(&mb.address);
        for (member, _) in store
            .scheduled(schedule.clone(), 0, now.timestamp_millis(), 50)
            .await?
        {
            // Queue first, take after (as escalations do, see `escalation::edge::fire_due`): a
            // failure in between leaves it scheduled, and the next round's queueing is a
            // no-op. No record: answered meanwhile (the reply also unschedules), or forgotten.
            let tracked = store
                .get(record_key(&mb.address, &member))
                .await?
                .and_then(|raw| serde_json::from_slice::<Tracked>(&raw).ok());
            let Some((t, due)) = tracked.and_then(|t| {
                let due = t
                    .deadline
                    .and_then(|d| mb.schedule.time_zone.timestamp_millis_opt(d).single())?;
                Some((t, due))
            }) else {
                store.unschedule(schedule.clone(), member).await?;
                continue;
            };
            let received = mb.schedule.format_ms(t.received, "%a %d %b %H:%M");
            let when = due.format("%a %d %b %Y %H:%M %Z");
            let from = t.from.as_deref().unwrap_or("-");
            let subject_of_mail = t.subject.as_deref().unwrap_or("");
            let (subject, body) = if mb.language == Language::Ar {
                (
                    format!("تذكير بموعد نهائي {when}: {subject_of_mail}"),
                    format!(
                        "رسالة تطلب الرد أو الإنجاز في موعد أقصاه {when}، ولم يُرسل رد بعد.\r\n\r\nمن: {from}\r\nالموضوع: {subject_of_mail}\r\nوصلت: {received}\r\nالفئة: {}\r\n",
                        t.category
                    ),
                )
            } else {
                (
                    format!("Deadline {when}: {subject_of_mail}"),
                    format!(
                        "This message asks for something by {when}, and no reply has been sent yet.\r\n\r\nFrom: {from}\r\nSubject: {subject_of_mail}\r\nReceived: {received}\r\nCategory: {}\r\n",
                        t.category
                    ),
                )
            };
            let id = format!(
                "deadline-{}",
                crate::message::header::fingerprint(&[&mb.address, &member])
            );
            let subject = crate::message::header::header_safe(&subject, 300);
            let queued = queue(
                store,
                config,
                mb,
                now,
                &id,
                &subject,
                &body,
                "deadline-reminder-sent",
            )
            .await?;
            if store.unschedule(schedule.clone(), member).await? && queued {
                tracing::info!(mailbox = %mb.address, due = %when, "deadline reminder queued");
                sent += 1;
            }
        }
    }
    Ok(sent)
}

/// Queues one reminder to the mailbox through the outbox and counts it (mailbox and
/// organisation); false (and nothing counted) if its id was queued or sent before.
#[allow(clippy::too_many_arguments)]
async fn queue(
    store: &Store,
    config: &Config,
    mb: &Mailbox,
    now: DateTime<Utc>,
    id: &str,
    subject: &str,
    body: &str,
    metric: &str,
) -> Result<bool, StoreError> {
    let domain = crate::message::domain_of(&mb.address);
    let message_id = format!("musaid.{id}@{domain}");
    let message = Outgoing {
        from: &mb.address,
        from_name: None,
        to: vec![&mb.address],
        subject,
        date: now.to_rfc2822(),
        message_id: &message_id,
        extra: crate::message::compose::auto_generated(),
    }
    .render(&Part::text(body));
    let job = OutboxJob {
        kind: metric.trim_end_matches("-sent").into(),
        mailbox: mb.address.clone(),
        from: config.outbox.envelope_sender.clone(),
        to: vec![mb.address.clone()],
        message,
        created: now.timestamp_millis(),
        webhook: None,
        content_type: None,
    };
    if !outbox::enqueue(store, id, &job).await? {
        return Ok(false);
    }
    let day = mb.schedule.local_day(now);
    store
        .record(
            Count::mailbox_and_org(&mb.address, &day, metric).to_vec(),
            config.retention(),
        )
        .await?;
    Ok(true)
}
