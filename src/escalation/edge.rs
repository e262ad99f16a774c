//! Job 4's edge: an escalation sent now or its deadline stored, cancelled when the message
//! was answered, fired when due (queue first, take after: see [`fire_due`]); reply tracking
//! remembered or measured ([`commit_tracking`]), and forgotten past `[tracking] keep`.
//! Planning ([`super::plan`], [`super::tracking::plan`]) is pure and decides; this file,
//! with the reminder rounds ([`super::reminders`]), touches the store and the outbox.

use super::tracking::{
    Answered, Tracked, TrackingPlan, deadlines_key, response_times_key, unanswered_key,
    wall_times_key,
};
use super::{EscalationPlan, job_id, notice_key, pending_key};
use crate::config::Config;
use crate::hours::business::business_time;
use crate::outbox::{self, OutboxJob};
use crate::store::keys::Scope;
use crate::store::{Count, Store, StoreError, within};
use chrono::{DateTime, TimeZone, Utc};
use std::time::Duration;

/// The edge step at end of message: send now, or store the deadline.
pub async fn commit(
    store: &Store,
    p: &EscalationPlan,
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

/// Reply tracking's edge step: remembers mail that needs a reply, or measures the answer
/// (and cancels its escalation). Returns the answer measured, if the message answered a
/// tracked one.
pub async fn commit_tracking(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
    work: TrackingPlan,
    timeout: Duration,
) -> Result<Option<(String, Answered)>, StoreError> {
    match work {
        TrackingPlan::None => Ok(None),
        TrackingPlan::Track {
            key,
            record,
            keep,
            remind_deadline_at,
        } => {
            let value =
                serde_json::to_vec(&record).map_err(|e| StoreError::Backend(e.to_string()))?;
            let member = key.name.trim_start_matches("track:").to_string();
            let Scope::Mailbox(mailbox) = key.scope.clone() else {
                return Ok(None);
            };
            // Independent writes, sent together: one commit (SQLite) or one round trip
            // (Redis) rather than three in a row.
            let deadline = async {
                match remind_deadline_at {
                    Some(at) => {
                        store
                            .schedule(deadlines_key(&mailbox), member.clone(), at)
                            .await
                    }
                    None => Ok(()),
                }
            };
            within(timeout, async {
                tokio::try_join!(
                    store.put(key, value, Some(keep)),
                    store.schedule(unanswered_key(&mailbox), member.clone(), record.received),
                    deadline,
                )
            })
            .await?;
            Ok(None)
        }
        TrackingPlan::Reply {
            mailbox,
            candidates,
        } => {
            let Some(mb) = config.mailbox(&mailbox) else {
                return Ok(None);
            };
            for key in candidates {
                let Some(raw) = within(timeout, store.get(key.clone())).await? else {
                    continue;
                };
                // Whoever deletes the record counts the answer: once, on any host.
                if !within(timeout, store.delete(key.clone())).await? {
                    continue;
                }
                let Ok(t) = serde_json::from_slice::<Tracked>(&raw) else {
                    continue;
                };
                let received: DateTime<Utc> =
                    Utc.timestamp_millis_opt(t.received).single().unwrap_or(now);
                let wall = (now - received).num_seconds().max(0);
                let business =
                    business_time(&mb.schedule, &mb.holidays, received, now).num_seconds();
                let local_now = now.with_timezone(&mb.schedule.time_zone);
                let month = local_now.format("%Y-%m").to_string();
                let hash = key.name.trim_start_matches("track:").to_string();
                within(
                    timeout,
                    store.unschedule(unanswered_key(&mailbox), hash.clone()),
                )
                .await?;
                within(
                    timeout,
                    store.unschedule(deadlines_key(&mailbox), hash.clone()),
                )
                .await?;
                let escalation_cancelled = within(
                    timeout,
                    crate::escalation::edge::cancel(store, &mailbox, &hash),
                )
                .await?;
                let member = format!("{hash}:{}:{}", t.category, local_now.format("%Y-%m-%d"));
                within(
                    timeout,
                    store.schedule(
                        response_times_key(&mailbox, &month),
                        member.clone(),
                        business,
                    ),
                )
                .await?;
                within(
                    timeout,
                    store.schedule(wall_times_key(&mailbox, &month), member, wall),
                )
                .await?;
                return Ok(Some((
                    mailbox,
                    Answered {
                        category: t.category,
                        wall_secs: wall,
                        business_secs: business,
                        escalation_cancelled,
                    },
                )));
            }
            Ok(None)
        }
    }
}

/// Drops mail tracked longer than `[tracking] keep` from the unanswered sets (their records
/// expire by themselves); returns how many.
pub async fn forget_old(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let keep = chrono::Duration::from_std(config.tracking.keep).unwrap_or_default();
    let cutoff = (now - keep).timestamp_millis();
    let mut n = 0;
    for mb in &config.mailboxes {
        loop {
            let taken = store
                .take_due(unanswered_key(&mb.address), cutoff, 500)
                .await?
                .len();
            n += taken;
            if taken < 500 {
                break;
            }
        }
    }
    Ok(n)
}
