//! The acknowledgement's edge: what a prepared reply or draft asks of the store and the
//! outbox (dedupe marker, daily cap, queueing). Planning ([`super::prepare`]) is pure and
//! decides; this file is the only one of the job that touches the store.

use super::Prepared;
use super::draft::Draft;
use crate::outbox::{self, OutboxJob};
use crate::store::{Store, StoreError, within};
use std::time::Duration;

/// Queues a draft (idempotent: the same message yields the same job id).
pub async fn commit_draft(
    store: &Store,
    d: &Draft,
    now_ms: i64,
    timeout: Duration,
) -> Result<bool, StoreError> {
    let job = OutboxJob {
        kind: "draft".into(),
        mailbox: d.mailbox.clone(),
        from: String::new(),
        to: vec![d.to.clone()],
        message: d.message.clone(),
        created: now_ms,
        webhook: None,
        content_type: None,
    };
    within(timeout, outbox::enqueue(store, &d.id, &job)).await
}

/// What happened to a prepared acknowledgement at the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckResult {
    Queued,
    /// Already acknowledged within the template's period.
    Duplicate,
    /// The sender reached the daily cap.
    Capped,
    /// Handed to the store, which did not confirm it within the message's budget: the
    /// queueing goes on, and its real outcome is logged when it ends.
    Unconfirmed,
}

impl AckResult {
    /// The counter metric.
    pub fn metric(self) -> &'static str {
        match self {
            AckResult::Queued => "autoreply-queued",
            AckResult::Duplicate => "autoreply-duplicate",
            AckResult::Capped => "autoreply-capped",
            AckResult::Unconfirmed => "autoreply-unconfirmed",
        }
    }
}

/// The edge step: claims the dedupe marker and a slot of the daily cap, then queues the reply.
/// Each store operation is bounded by `timeout`; any error means no reply (fail closed).
pub async fn commit(
    store: &Store,
    ack: &Prepared,
    now_ms: i64,
    timeout: Duration,
) -> Result<AckResult, StoreError> {
    if !within(
        timeout,
        store.set_if_absent(ack.dedupe.clone(), ack.dedupe_for),
    )
    .await?
    {
        return Ok(AckResult::Duplicate);
    }
    let mut capped = true;
    for slot in &ack.cap {
        if within(
            timeout,
            store.set_if_absent(slot.clone(), Duration::from_secs(2 * 86_400)),
        )
        .await?
        {
            capped = false;
            break;
        }
    }
    if capped {
        return Ok(AckResult::Capped);
    }
    let job = OutboxJob {
        kind: "autoreply".into(),
        mailbox: ack.mailbox.clone(),
        from: ack.envelope_from.clone(),
        to: vec![ack.to.clone()],
        message: ack.message.clone(),
        created: now_ms,
        webhook: None,
        content_type: None,
    };
    // The dedupe marker and the cap slot are taken: the queueing is never abandoned half way
    // (it runs on its own), and what is logged is what happened. `state` settles who tells:
    // whoever comes second reads what the first wrote.
    use std::sync::atomic::{AtomicU8, Ordering};
    const RUNNING: u8 = 0;
    const LATE: u8 = 1;
    const QUEUED: u8 = 2;
    const FAILED: u8 = 3;
    let state = std::sync::Arc::new(AtomicU8::new(RUNNING));
    let queueing = {
        let (store, id, state) = (store.clone(), ack.id.clone(), state.clone());
        tokio::spawn(async move {
            let result = outbox::enqueue(&store, &id, &job).await;
            let done = if result.is_ok() { QUEUED } else { FAILED };
            if state.swap(done, Ordering::SeqCst) == LATE {
                match &result {
                    Ok(_) => {
                        tracing::info!(%id, "acknowledgement queued after the message's store budget")
                    }
                    Err(e) => {
                        tracing::warn!(%id, error = %e, "acknowledgement not queued: the store failed after the message's budget")
                    }
                }
            }
            result
        })
    };
    match tokio::time::timeout(timeout, queueing).await {
        Ok(Ok(result)) => result.map(|_| AckResult::Queued),
        Ok(Err(e)) => Err(StoreError::Backend(format!("queueing stopped: {e}"))),
        Err(_) => match state.swap(LATE, Ordering::SeqCst) {
            QUEUED => Ok(AckResult::Queued),
            FAILED => Err(StoreError::Timeout(timeout)),
            _ => Ok(AckResult::Unconfirmed),
        },
    }
}
