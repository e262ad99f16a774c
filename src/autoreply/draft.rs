//! Review drafts: for mail that needs a personal answer, a rule (`draft = "TEMPLATE"`)
//! prepares a reply — the template's greeting, then the original quoted — and delivers it to
//! the mailbox's delegate (or the owner) at the `+drafts` detail address, for review. It is
//! never sent to the original sender: its envelope recipient is the reviewer.
//!
//! The draft carries `X-Musaid-Draft: <signature>`, an HMAC-SHA256 under the installation's
//! draft secret of what the draft is ([`signed_text`]: its Message-ID, recipients, subject and
//! a digest of its text), so a leaked marker cannot be reused on other content or for other
//! recipients. Inbound `X-Musaid-*` headers are removed as always, except an
//! `X-Musaid-Draft` whose signature is right, so a Sieve rule can trust it:
//!
//! ```sieve
//! require ["fileinto", "mailbox"];
//! if exists "X-Musaid-Draft" { fileinto :create "Drafts"; stop; }
//! ```

use super::reply::render;
use crate::classify::Input;
use crate::config::Mailbox;
use crate::config::model::Template;
use crate::message::compose::{Outgoing, Part};
use crate::message::domain_of;
use crate::message::header::fingerprint;
use crate::message::header::header_safe;
use ring::hmac;

/// The marker header.
pub const DRAFT_HEADER: &str = "X-Musaid-Draft";

/// What a draft's signature covers, read from the message as parsed (so the milter reads
/// exactly what was signed): Message-ID, To and Cc (lower-cased, sorted), subject, and a
/// SHA-256 of its text with whitespace runs made one space.
pub fn signed_text(m: &crate::message::ParsedMessage) -> String {
    let mut rcpts: Vec<String> =
        m.to.iter()
            .chain(&m.cc)
            .map(|a| a.to_ascii_lowercase())
            .collect();
    rcpts.sort();
    let text: Vec<&str> = m.text.split_whitespace().collect();
    let digest = ring::digest::digest(&ring::digest::SHA256, text.join(" ").as_bytes());
    let digest: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}\n{}\n{}\n{digest}",
        m.message_id.as_deref().unwrap_or(""),
        rcpts.join(","),
        m.subject.trim()
    )
}

/// The signature of a draft's [`signed_text`].
pub fn sign(secret: &str, signed: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, signed.as_bytes());
    tag.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// True if `value` is the right signature for a draft's [`signed_text`].
pub fn verify(secret: &str, signed: &str, value: &str) -> bool {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let Some(tag) = (0..value.trim().len())
        .step_by(2)
        .map(|i| {
            value
                .trim()
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    hmac::verify(&key, signed.as_bytes(), &tag).is_ok()
}

/// A draft ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub template: String,
    pub mailbox: String,
    /// The reviewer's `+drafts` address.
    pub to: String,
    pub id: String,
    pub message: String,
}

/// `local@domain` → `local+drafts@domain`.
fn drafts_address(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((l, d)) => format!("{l}+drafts@{d}"),
        None => address.to_string(),
    }
}

/// Builds the draft for one message.
pub fn build(input: &Input<'_>, template: &Template, mailbox: &Mailbox, secret: &str) -> Draft {
    let m = input.message;
    let original = m
        .message_id
        .clone()
        .or_else(|| input.envelope.queue_id.clone())
        .unwrap_or_default();
    let id = format!(
        "draft-{}",
        fingerprint(&[&mailbox.address, &original, &template.name])
    );
    let domain = domain_of(&mailbox.address);
    let message_id = format!("musaid.{id}@{domain}");
    let reviewer = mailbox
        .delegate
        .clone()
        .unwrap_or_else(|| mailbox.address.clone());
    let reply_to = m
        .from
        .as_ref()
        .map(|f| f.address.clone())
        .unwrap_or_else(|| input.envelope.sender.clone());
    let sender_name = m
        .sender_name()
        .map(|n| header_safe(n, 120))
        .unwrap_or_default();
    let owner = mailbox
        .owner
        .clone()
        .unwrap_or_else(|| mailbox.address.clone());
    let vars = [
        ("sender_name", sender_name.as_str()),
        ("subject", m.subject.as_str()),
        ("reference", ""),
        ("owner", owner.as_str()),
        ("mailbox", mailbox.address.as_str()),
        ("expected_response", ""),
    ];
    let arabic = template.body_ar.is_some()
        && (template.body_en.is_none() || crate::text::looks_arabic(&m.text));
    let greeting = if arabic {
        template.body_ar.as_deref()
    } else {
        template.body_en.as_deref()
    }
    .unwrap_or_default();
    let mut body = render(greeting, &vars);
    body.push_str("\n\n");
    body.push_str(&format!(
        "{} <{reply_to}>:\n",
        if sender_name.is_empty() {
            ""
        } else {
            &sender_name
        }
    ));
    for line in m.text.lines().take(60) {
        body.push_str("> ");
        body.push_str(line);
        body.push('\n');
    }
    let body = body.replace("\r\n", "\n").replace('\n', "\r\n");
    let subject = header_safe(&m.subject, 200);
    let subject = if subject.to_ascii_lowercase().starts_with("re:") {
        subject
    } else {
        format!("Re: {subject}")
    };

    let date = input
        .now
        .with_timezone(&mailbox.schedule.time_zone)
        .to_rfc2822();
    let mut extra = Vec::new();
    if !original.is_empty() && m.message_id.is_some() {
        let original = format!("<{}>", header_safe(&original, 250));
        extra.push(("In-Reply-To", original.clone()));
        extra.push(("References", original));
    }
    extra.push(("Auto-Submitted", "auto-generated".to_string()));
    let mut draft = Outgoing {
        from: &mailbox.address,
        from_name: None,
        to: vec![&reply_to],
        subject: &subject,
        date,
        message_id: &message_id,
        extra,
    };
    // Signed as the milter will read it: the rendered draft, parsed.
    let unsigned = draft.render(&Part::text(&body));
    let parsed = crate::message::ParsedMessage::parse(unsigned.as_bytes(), unsigned.len(), false);
    draft
        .extra
        .insert(0, (DRAFT_HEADER, sign(secret, &signed_text(&parsed))));
    let message = draft.render(&Part::text(&body));
    Draft {
        template: template.name.clone(),
        mailbox: mailbox.address.clone(),
        to: drafts_address(&reviewer),
        id,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_with_the_secret_and_what_was_signed() {
        let s = sign("0123456789abcdef", "musaid.draft-1@example.com");
        assert_eq!(s.len(), 64);
        assert!(verify("0123456789abcdef", "musaid.draft-1@example.com", &s));
        assert!(!verify(
            "0123456789abcdef",
            "musaid.draft-2@example.com",
            &s
        ));
        assert!(!verify(
            "another-secret-0000",
            "musaid.draft-1@example.com",
            &s
        ));
        assert!(!verify(
            "0123456789abcdef",
            "musaid.draft-1@example.com",
            "yes"
        ));
    }

    #[test]
    fn drafts_go_to_the_detail_address() {
        assert_eq!(
            drafts_address("assistant@example.com"),
            "assistant+drafts@example.com"
        );
    }
}
