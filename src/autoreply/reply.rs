//! The acknowledgement message itself (RFC 3834): From the mailbox, To the original envelope
//! sender, `Auto-Submitted: auto-replied`, `X-Auto-Response-Suppress: All`, In-Reply-To and
//! References, a stable Message-ID, the subject RFC 2047-encoded when not ASCII. Nothing taken
//! from the inbound message can add a header: values are cut, stripped of control characters,
//! encoded and folded.
//! The MIME is [`crate::message::compose`]'s, as for every message musaid writes.

use crate::classify::Input;
use crate::config::model::Template;
use crate::config::{Language, Mailbox};
use crate::message::compose::{Outgoing, Part};
use crate::message::domain_of;
use crate::message::header::header_safe;
use crate::text::looks_arabic;

/// Longest original subject quoted in a reply (characters).
const MAX_SUBJECT: usize = 120;
/// Longest sender name used in a greeting (characters).
const MAX_NAME: usize = 60;

fn cut(s: &str, max: usize) -> String {
    header_safe(&s.chars().take(max).collect::<String>(), max * 4)
}

/// Fills `{variables}` in a template text.
pub fn render(text: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                let name = &rest[start + 1..start + end];
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => out.push_str(&rest[start..=start + end]),
                }
                rest = &rest[start + end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Builds the reply; `id` is the outbox job id, from which the Message-ID derives.
pub fn build(input: &Input<'_>, template: &Template, mailbox: &Mailbox, id: &str) -> String {
    let m = input.message;
    // The language of the incoming message when it has words, else the mailbox's.
    let arabic = match (&template.body_ar, &template.body_en) {
        (Some(_), None) => true,
        (None, _) => false,
        (Some(_), Some(_)) if m.text.trim().is_empty() && m.subject.trim().is_empty() => {
            mailbox.language == Language::Ar
        }
        (Some(_), Some(_)) => looks_arabic(&format!("{} {}", m.subject, m.text)),
    };
    let sender_name = m
        .sender_name()
        .map(|n| cut(n, MAX_NAME))
        .unwrap_or_else(|| cut(&input.envelope.sender, MAX_NAME));
    let subject = cut(&m.subject, MAX_SUBJECT);
    let reference = format!(
        "REF-{}",
        &id[id.len().saturating_sub(8)..].to_ascii_uppercase()
    );
    let owner = mailbox
        .owner
        .clone()
        .unwrap_or_else(|| mailbox.address.clone());
    let expected = if arabic {
        template
            .expected_response_ar
            .clone()
            .unwrap_or_else(|| "يوم عمل واحد".into())
    } else {
        template
            .expected_response_en
            .clone()
            .unwrap_or_else(|| "one business day".into())
    };
    let vars = [
        ("sender_name", sender_name.as_str()),
        ("subject", subject.as_str()),
        ("reference", reference.as_str()),
        ("owner", owner.as_str()),
        ("mailbox", mailbox.address.as_str()),
        ("expected_response", expected.as_str()),
    ];
    let (subject_t, body_t) = if arabic {
        (
            &template.subject_ar,
            template.body_ar.as_deref().unwrap_or_default(),
        )
    } else {
        (
            &template.subject_en,
            template.body_en.as_deref().unwrap_or_default(),
        )
    };
    let reply_subject = header_safe(&render(subject_t, &vars), 400);
    let body = render(body_t, &vars)
        .replace("\r\n", "\n")
        .replace('\n', "\r\n");

    let domain = domain_of(&mailbox.address);
    let message_id = format!("musaid.{id}@{domain}");
    let original = m
        .message_id
        .as_ref()
        .map(|i| format!("<{}>", header_safe(i, 250)));
    let mut references: Vec<String> = m
        .references
        .iter()
        .rev()
        .take(10)
        .rev()
        .map(|r| format!("<{}>", header_safe(r, 250)))
        .collect();
    if let Some(o) = original.as_ref().filter(|o| !references.contains(o)) {
        references.push(o.clone());
    }

    let mut extra = Vec::new();
    if let Some(o) = &original {
        extra.push(("In-Reply-To", o.clone()));
    }
    if !references.is_empty() {
        extra.push(("References", references.join("\r\n ")));
    }
    extra.push(("Auto-Submitted", "auto-replied".into()));
    extra.push(("X-Auto-Response-Suppress", "All".into()));
    let headers = Outgoing {
        from: &mailbox.address,
        from_name: mailbox.owner.as_deref(),
        to: vec![&input.envelope.sender],
        subject: &reply_subject,
        date: input
            .now
            .with_timezone(&mailbox.schedule.time_zone)
            .to_rfc2822(),
        message_id: &message_id,
        extra,
    };
    if template.html {
        let dir = if arabic { "rtl" } else { "ltr" };
        let lang = if arabic { "ar" } else { "en" };
        let html = format!(
            "<!DOCTYPE html><html lang=\"{lang}\" dir=\"{dir}\"><body><div dir=\"{dir}\" style=\"font-family:sans-serif;text-align:{}\">{}</div></body></html>",
            if arabic { "right" } else { "left" },
            crate::text::html_escape(&body).replace("\r\n", "<br>\r\n")
        );
        headers.render(&Part::alternative(vec![
            Part::text(&body),
            Part::html(&html),
        ]))
    } else {
        headers.render(&Part::text(&body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_and_unknown_braces_kept() {
        let out = render(
            "Hi {sender_name}, re {subject} {x} {",
            &[("sender_name", "Lina"), ("subject", "Q3")],
        );
        assert_eq!(out, "Hi Lina, re Q3 {x} {");
    }
}
