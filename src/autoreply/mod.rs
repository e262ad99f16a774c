//! Acknowledgements: standard replies to routine mail, safely.
//!
//! Pure up to the store: [`prepare`] decides (template chosen by a rule's `autoreply` or the
//! mailbox's, then every [`eligibility`] check) and builds the reply message ([`reply`]). The
//! milter then, at the edge, claims the dedupe marker (once per sender, mailbox and template
//! per `days`) and the per-sender daily cap in the store and queues the reply in the durable
//! outbox. If the store cannot be asked, no reply is sent (replies fail closed; mail flows).

pub mod draft;
pub mod eligibility;
pub mod reply;

use crate::classify::{Input, Verdict};
use crate::config::model::Template;
use crate::message::header::fingerprint;
use crate::outbox::{self, OutboxJob};
use crate::store::{Key, Store, StoreError, within};
use eligibility::Refusal;
use std::time::Duration;

/// A reply ready to be queued once the store agrees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub template: String,
    pub mailbox: String,
    /// The original SMTP sender (RFC 3834 §4: reply to the envelope sender).
    pub to: String,
    /// Envelope sender of the reply ("" for `<>`).
    pub envelope_from: String,
    /// Marker claimed for the dedupe period.
    pub dedupe: Key,
    pub dedupe_for: Duration,
    /// Markers of the per-sender daily cap: the first free one is claimed.
    pub cap: Vec<Key>,
    /// Outbox job id (stable for this message: a replay queues nothing new).
    pub id: String,
    pub message: String,
}

/// The decision about acknowledging one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// No template applies.
    None,
    Refused {
        template: String,
        reason: Refusal,
    },
    Reply(Box<Prepared>),
}

/// Decides whether and how to acknowledge the message.
pub fn prepare(input: &Input<'_>, verdict: &Verdict) -> Decision {
    let config = input.config;
    let name = verdict
        .actions
        .autoreply
        .clone()
        .or_else(|| input.mailbox.and_then(|m| m.autoreply.clone()));
    let Some(name) = name else {
        return Decision::None;
    };
    let Some(template) = config.templates.get(&name) else {
        return Decision::None;
    };
    if let Err(reason) = eligibility::check(input, verdict, template) {
        return Decision::Refused {
            template: name,
            reason,
        };
    }
    let mailbox = input.mailbox.expect("eligibility requires a mailbox");
    Decision::Reply(Box::new(build(input, template, mailbox)))
}

/// The review draft a rule asked for, if it can be made (inbound mail to a mailbox, a
/// template, and the draft secret configured).
pub fn prepare_draft(input: &Input<'_>, verdict: &Verdict) -> Option<draft::Draft> {
    let name = verdict.actions.draft.as_ref()?;
    let template = input.config.templates.get(name)?;
    let mailbox = input.mailbox?;
    let secret = input.config.autoreply.draft_secret.as_deref()?;
    (verdict.direction == crate::classify::Direction::Inbound)
        .then(|| draft::build(input, template, mailbox, secret))
}

/// Queues a draft (idempotent: the same message yields the same job id).
pub async fn commit_draft(
    store: &Store,
    d: &draft::Draft,
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

fn build(input: &Input<'_>, template: &Template, mailbox: &crate::config::Mailbox) -> Prepared {
    let sender = eligibility::canonical_sender(&input.envelope.sender);
    let sender_hash = fingerprint(&[&sender]);
    let original = input
        .message
        .message_id
        .clone()
        .or_else(|| input.envelope.queue_id.clone())
        .unwrap_or_default();
    let day = mailbox.schedule.local_day(input.now);
    let id = format!(
        "ack-{}",
        fingerprint(&[&mailbox.address, &sender, &template.name, &original])
    );
    let cap_max = input.config.autoreply.max_per_sender_per_day;
    let message = reply::build(input, template, mailbox, &id);
    Prepared {
        template: template.name.clone(),
        mailbox: mailbox.address.clone(),
        to: input.envelope.sender.clone(),
        envelope_from: input.config.outbox.envelope_sender.clone(),
        dedupe: Key::mailbox(
            &mailbox.address,
            format!("ack:{}:{sender_hash}", template.name),
        ),
        dedupe_for: Duration::from_secs(u64::from(template.days) * 86_400),
        cap: (0..cap_max)
            .map(|n| Key::global(format!("ackcap:{sender_hash}:{day}:{n}")))
            .collect(),
        id,
        message,
    }
}

/// What happened to a prepared acknowledgement at the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Queued,
    /// Already acknowledged within the template's period.
    Duplicate,
    /// The sender reached the daily cap.
    Capped,
    /// Handed to the store, which did not confirm it within the message's budget: the
    /// queueing goes on, and its real outcome is logged when it ends.
    Unconfirmed,
}

impl Outcome {
    /// The counter metric.
    pub fn metric(self) -> &'static str {
        match self {
            Outcome::Queued => "autoreply-queued",
            Outcome::Duplicate => "autoreply-duplicate",
            Outcome::Capped => "autoreply-capped",
            Outcome::Unconfirmed => "autoreply-unconfirmed",
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
) -> Result<Outcome, StoreError> {
    if !within(
        timeout,
        store.set_if_absent(ack.dedupe.clone(), ack.dedupe_for),
    )
    .await?
    {
        return Ok(Outcome::Duplicate);
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
        return Ok(Outcome::Capped);
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
        Ok(Ok(result)) => result.map(|_| Outcome::Queued),
        Ok(Err(e)) => Err(StoreError::Backend(format!("queueing stopped: {e}"))),
        Err(_) => match state.swap(LATE, Ordering::SeqCst) {
            QUEUED => Ok(Outcome::Queued),
            FAILED => Err(StoreError::Timeout(timeout)),
            _ => Ok(Outcome::Unconfirmed),
        },
    }
}
