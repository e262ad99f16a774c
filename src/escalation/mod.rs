//! Escalation: raise sensitive or urgent mail to the manager or a delegate, at once, or only
//! when no reply was sent within a deadline counted in business hours.
//!
//! A deadline is a member of the mailbox's time-ordered set `escalations` (due time as score)
//! plus a record holding the notice. A reply that [`crate::escalation::tracking`] matches removes both
//! (cancelled). The scheduler, in every musaid process, takes due members atomically, so with
//! several hosts each escalation fires once; the notice goes through the outbox, to the target
//! only (never to the original sender), `Auto-Submitted: auto-generated`, without the body
//! unless `include_excerpt = true`.

pub mod deadline;
pub mod edge;
pub mod reminders;
pub mod tracking;

use crate::classify::rules::{EscalationTarget, WebhookFormat};
use crate::classify::{Direction, Input, Verdict};
use crate::hours::business::add_business_time;
use crate::message::compose::{Outgoing, Part};
use crate::message::header::fingerprint;
use crate::message::header::header_safe;
use crate::outbox::OutboxJob;
use crate::store::Key;

/// An escalation to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationPlan {
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

pub(crate) fn notice_key(mailbox: &str, member: &str) -> Key {
    Key::mailbox(mailbox, format!("esc:{member}"))
}

/// What an escalation notice says, before it becomes a mail or a webhook's JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Notice {
    title: String,
    lead: String,
    facts: Vec<(String, String)>,
    deadline: Option<String>,
    excerpt: Option<String>,
}

impl Notice {
    /// The plain-text mail body (CRLF line ends).
    fn text(&self) -> String {
        let mut body = format!("{}\r\n\r\n", self.lead);
        for (name, value) in &self.facts {
            body.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(d) = &self.deadline {
            body.push_str(d);
            body.push_str("\r\n");
        }
        if let Some(x) = &self.excerpt {
            body.push_str("\r\n");
            for line in x.lines() {
                body.push_str(&format!("> {line}\r\n"));
            }
        }
        body
    }

    /// The JSON a webhook of `format` accepts.
    fn json(&self, format: WebhookFormat) -> String {
        let value = match format {
            WebhookFormat::Slack => {
                let mut text = format!("*{}*\n{}\n", self.title, self.lead);
                for (name, value) in &self.facts {
                    text.push_str(&format!("{name}: {value}\n"));
                }
                if let Some(d) = &self.deadline {
                    text.push_str(d);
                    text.push('\n');
                }
                if let Some(x) = &self.excerpt {
                    text.push_str(&format!("```\n{x}\n```\n"));
                }
                serde_json::json!({ "text": text })
            }
            WebhookFormat::Teams => {
                let mut body = vec![
                    serde_json::json!({"type": "TextBlock", "text": self.title, "weight": "Bolder", "size": "Medium", "wrap": true}),
                    serde_json::json!({"type": "TextBlock", "text": self.lead, "wrap": true}),
                    serde_json::json!({"type": "FactSet", "facts": self.facts.iter().map(|(n, v)| serde_json::json!({"title": n, "value": v})).collect::<Vec<_>>()}),
                ];
                if let Some(d) = &self.deadline {
                    body.push(serde_json::json!({"type": "TextBlock", "text": d, "wrap": true}));
                }
                if let Some(x) = &self.excerpt {
                    body.push(serde_json::json!({"type": "TextBlock", "text": x, "wrap": true, "isSubtle": true}));
                }
                serde_json::json!({
                    "type": "message",
                    "summary": self.title,
                    "attachments": [{
                        "contentType": "application/vnd.microsoft.card.adaptive",
                        "contentUrl": null,
                        "content": {
                            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "type": "AdaptiveCard",
                            "version": "1.4",
                            "body": body,
                        }
                    }]
                })
            }
        };
        value.to_string()
    }
}

/// Decides the escalation a rule asked for (pure).
pub fn plan(input: &Input<'_>, verdict: &Verdict) -> Option<EscalationPlan> {
    let e = verdict.actions.escalate.as_ref()?;
    let mailbox = input.mailbox?;
    if verdict.direction != Direction::Inbound {
        return None;
    }
    // "No reply within …" cannot be waited for on machine mail: no reply will come. An
    // immediate escalation is the rule's routing and goes ahead.
    if e.within.is_some() && verdict.automated.is_some() {
        return None;
    }
    let m = input.message;
    let id = m
        .message_id
        .clone()
        .or_else(|| input.envelope.queue_id.clone())
        .unwrap_or_default();
    let member = crate::message::header::member_of(&id);
    // In the mailbox's language: the delegate or manager works for its owner.
    let s = crate::locale::Strings::for_language(mailbox.language.code());
    let received = s.date(
        &input.now.with_timezone(&mailbox.schedule.time_zone),
        &s.get("date_received"),
    );
    let sender = m
        .from
        .as_ref()
        .map(|f| f.address.clone())
        .unwrap_or_else(|| input.envelope.sender.clone());
    // The mail's own text keeps its digits; musaid's numbers follow the mailbox's `digits`.
    use crate::locale::{finish, verbatim};
    let mine = |text: String| finish(&text, mailbox.digits, false);
    let subject = header_safe(&m.subject, 300);
    let priority = verdict.priority.to_string();
    let category = mine(
        s.fill(
            "category_with_priority",
            &[
                (
                    "category",
                    &input
                        .config
                        .category_display(verdict.category.name(), mailbox.language),
                ),
                ("priority", &priority),
            ],
        ),
    );
    let notice = Notice {
        title: mine(s.fill("escalation_title", &[("subject", &verbatim(&subject))])),
        lead: mine(s.fill(
            "escalation_lead",
            &[("mailbox", &verbatim(&mailbox.address))],
        )),
        facts: vec![
            (s.get("field_from"), header_safe(&sender, 320)),
            (s.get("field_subject"), subject.clone()),
            (s.get("field_received"), mine(received)),
            (s.get("field_category"), category),
            (s.get("field_why"), verdict.reasons.join(", ")),
        ],
        deadline: e
            .within
            .map(|w| mine(s.counted("escalation_deadline", w.as_secs() / 3600))),
        excerpt: e
            .include_excerpt
            .then(|| m.text.lines().take(15).collect::<Vec<_>>().join("\n")),
    };
    let mail_to = match &e.to {
        EscalationTarget::Delegate => mailbox.delegate.clone(),
        EscalationTarget::Manager => mailbox.manager.clone(),
        EscalationTarget::Address(a) => Some(a.clone()),
        EscalationTarget::Webhook { .. } => None,
    };
    let (to, webhook, message) = match (&e.to, mail_to) {
        (EscalationTarget::Webhook { url, format }, _) => {
            (Vec::new(), Some(url.clone()), notice.json(*format))
        }
        // The mailbox has no delegate or manager to escalate to.
        (_, None) => return None,
        (_, Some(to)) => {
            let domain = crate::message::domain_of(&mailbox.address);
            let message = Outgoing {
                from: &mailbox.address,
                from_name: None,
                to: vec![&to],
                subject: &notice.title,
                date: input.now.to_rfc2822(),
                message_id: &format!("musaid.esc-{member}@{domain}"),
                extra: crate::message::compose::auto_generated(),
            }
            .render(&Part::text(&notice.text()));
            (vec![to], None, message)
        }
    };
    let job = OutboxJob {
        kind: "escalation".into(),
        mailbox: mailbox.address.clone(),
        from: input.config.outbox.envelope_sender.clone(),
        to,
        message,
        created: input.now.timestamp_millis(),
        webhook,
        content_type: None,
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
    Some(EscalationPlan {
        mailbox: mailbox.address.clone(),
        member,
        due_ms,
        job,
    })
}

pub(crate) fn job_id(p_mailbox: &str, member: &str) -> String {
    format!("esc-{}", fingerprint(&[p_mailbox, member]))
}
