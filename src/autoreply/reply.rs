//! The acknowledgement message itself (RFC 3834): From the mailbox, To the original envelope
//! sender, `Auto-Submitted: auto-replied`, `X-Auto-Response-Suppress: All`, In-Reply-To and
//! References, a stable Message-ID, the subject RFC 2047-encoded when not ASCII. Nothing taken
//! from the inbound message can add a header: values are cut, stripped of control characters,
//! encoded and folded.
//!
//! [`PlainMessage`] builds the other messages musaid writes (drafts, escalation notices,
//! reminders) with the same safeguards.

use crate::classify::Input;
use crate::config::model::Template;
use crate::config::{Language, Mailbox};
use crate::message::domain_of;
use crate::message::header::{encode_word, header_safe};
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

/// Base64 in lines of 76 characters (RFC 2045), joined with CRLF.
pub(crate) fn base64_lines(data: &[u8]) -> String {
    let encoded = crate::message::header::base64(data);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Folds a header value at spaces so that no line passes 78 characters where it can be
/// helped; `used` is the length of the field name and colon on the first line.
pub(crate) fn fold(value: &str, used: usize) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut line = used;
    for (i, word) in value.split(' ').enumerate() {
        if i > 0 {
            if line + 1 + word.len() > 78 {
                out.push_str("\r\n ");
                line = 1;
            } else {
                out.push(' ');
                line += 1;
            }
        }
        out.push_str(word);
        line += word.len();
    }
    out
}

/// A plain-text message musaid writes itself (escalation notices, reminders, drafts).
pub(crate) struct PlainMessage<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub date: String,
    /// Without angle brackets.
    pub message_id: &'a str,
    /// Further header fields, in order (values already safe).
    pub extra: Vec<(&'a str, String)>,
    pub body: &'a str,
}

impl PlainMessage<'_> {
    /// The message: addresses in angle brackets, the subject made one safe line, RFC 2047-encoded
    /// and folded, a UTF-8 body in base64 lines.
    pub fn render(&self) -> String {
        let mut h = self.headers();
        h.push_str("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n");
        h.push_str(&base64_lines(self.body.as_bytes()));
        h.push_str("\r\n");
        h
    }

    /// The message as an iMIP message (RFC 6047): multipart/alternative of the text and a
    /// text/calendar part with `method`.
    pub fn render_with_calendar(&self, method: &str, ics: &str) -> String {
        let boundary = format!(
            "musaid-{}",
            crate::message::header::fingerprint(&[self.message_id])
        );
        let mut h = self.headers();
        h.push_str(&format!(
            "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"
        ));
        h.push_str(&format!(
            "--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n",
            base64_lines(self.body.as_bytes())
        ));
        h.push_str(&format!(
            "--{boundary}\r\nContent-Type: text/calendar; charset=utf-8; method={method}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--{boundary}--\r\n",
            base64_lines(ics.as_bytes())
        ));
        h
    }

    fn headers(&self) -> String {
        let mut h = format!(
            "From: <{}>\r\nTo: <{}>\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{}>\r\n",
            self.from,
            header_safe(self.to, 320),
            fold(&encode_word(&header_safe(self.subject, 300)), 9),
            self.date,
            self.message_id
        );
        for (name, value) in &self.extra {
            h.push_str(&format!("{name}: {value}\r\n"));
        }
        h
    }
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
    let message_id = format!("<musaid.{id}@{domain}>");
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

    let mut h = String::new();
    match &mailbox.owner {
        Some(name) => {
            let name = encode_word(&header_safe(name, 120));
            let name = if name.starts_with("=?") {
                name
            } else {
                format!("\"{}\"", name.replace(['"', '\\'], ""))
            };
            h.push_str(&format!(
                "From: {} <{}>\r\n",
                fold(&name, 6),
                mailbox.address
            ));
        }
        None => h.push_str(&format!("From: <{}>\r\n", mailbox.address)),
    }
    h.push_str(&format!(
        "To: <{}>\r\n",
        header_safe(&input.envelope.sender, 320)
    ));
    h.push_str(&format!(
        "Subject: {}\r\n",
        fold(&encode_word(&reply_subject), 9)
    ));
    h.push_str(&format!(
        "Date: {}\r\n",
        input
            .now
            .with_timezone(&mailbox.schedule.time_zone)
            .to_rfc2822()
    ));
    h.push_str(&format!("Message-ID: {message_id}\r\n"));
    if let Some(o) = &original {
        h.push_str(&format!("In-Reply-To: {o}\r\n"));
    }
    if !references.is_empty() {
        h.push_str(&format!("References: {}\r\n", references.join("\r\n ")));
    }
    h.push_str("Auto-Submitted: auto-replied\r\n");
    h.push_str("X-Auto-Response-Suppress: All\r\n");
    h.push_str("MIME-Version: 1.0\r\n");
    if template.html {
        let dir = if arabic { "rtl" } else { "ltr" };
        let lang = if arabic { "ar" } else { "en" };
        let html = format!(
            "<!DOCTYPE html><html lang=\"{lang}\" dir=\"{dir}\"><body><div dir=\"{dir}\" style=\"font-family:sans-serif;text-align:{}\">{}</div></body></html>",
            if arabic { "right" } else { "left" },
            crate::text::html_escape(&body).replace("\r\n", "<br>\r\n")
        );
        let boundary = format!("=_musaid_{}", &id[id.len().saturating_sub(12)..]);
        h.push_str(&format!(
            "Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"
        ));
        h.push_str(&format!("--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n", base64_lines(body.as_bytes())));
        h.push_str(&format!("--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n", base64_lines(html.as_bytes())));
        h.push_str(&format!("--{boundary}--\r\n"));
    } else {
        h.push_str(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        );
        h.push_str(&base64_lines(body.as_bytes()));
        h.push_str("\r\n");
    }
    h
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
