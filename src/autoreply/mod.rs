//! Acknowledgements: standard replies to routine mail, safely.
//!
//! Pure up to the store: [`prepare`] decides (template chosen by a rule's `autoreply` or the
//! mailbox's, then every [`eligibility`] check) and builds the reply message ([`reply`]). The
//! milter then, at the edge, claims the dedupe marker (once per sender, mailbox and template
//! per `days`) and the per-sender daily cap in the store and queues the reply in the durable
//! outbox. If the store cannot be asked, no reply is sent (replies fail closed; mail flows).

pub mod draft;
pub mod edge;
pub mod eligibility;
pub mod reply;

use crate::classify::{Input, Verdict};
use crate::config::model::Template;
use crate::message::header::fingerprint;
use crate::store::Key;
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
