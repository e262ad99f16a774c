//! The escalation's edge: an escalation sent now or its deadline stored, cancelled when the
//! message was answered, fired when due (queue first, take after: see [`fire_due`]).
//! Planning ([`super::plan`]) is pure and decides; this file touches the store and the
//! outbox.

use super::{Planned, job_id, notice_key, pending_key};
use crate::config::Config;
use crate::outbox::{self, OutboxJob};
use crate::store::{Count, Store, StoreError, within};
use chrono::{DateTime, Utc};
use std::time::Duration;

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

/// Fires what is due for every mailbox; returns how many fired.
///
/// Queue first, then take: the notice is queued under a stable id (the outbox queues an id
/// once, and never again once sent), and only then is the member taken off the schedule
/// and its notice deleted. A failure between the two steps leaves the member scheduled, so
/// the next round queues it again, which is a no-op, and takes it: an escalation is never
/// lost, and never sent twice. Of several hosts, the one whose take succeeds counts it.
pub async fn fire_due(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut fired = 0;
    let mut counts = Vec::new();
    for mb in &config.mailboxes {
        let pending = pending_key(&mb.address);
        for (member, _) in store
            .scheduled(pending.clone(), 0, now.timestamp_millis(), 50)
            .await?
        {
            let notice = store
                .get(notice_key(&mb.address, &member))
                .await?
                .and_then(|raw| serde_json::from_slice::<OutboxJob>(&raw).ok());
            if let Some(job) = &notice {
                outbox::enqueue(store, &job_id(&mb.address, &member), job).await?;
            }
            if !store.unschedule(pending.clone(), member.clone()).await? {
                continue; // another host took it
            }
            store.delete(notice_key(&mb.address, &member)).await?;
            if notice.is_none() {
                continue; // an orphan: nothing to send
            }
            tracing::info!(mailbox = %mb.address, "escalation fired: no reply in time");
            let day = mb.schedule.local_day(now);
            counts.extend(Count::mailbox_and_org(
                &mb.address,
                &day,
                "escalation-fired",
            ));
            fired += 1;
        }
    }
    if !counts.is_empty() {
        store.record(counts, config.retention()).await?;
    }
    Ok(fired)
}
