//! The one MIME builder for every message musaid writes: acknowledgements, drafts, escalation
//! notices, reminders, invitation answers, unsubscribe requests and digests.
//!
//! Written once so that every message gets the same safeguards, whoever composes it: addresses
//! in angle brackets and stripped of control characters, the subject and display name made one
//! line, RFC 2047-encoded when not ASCII and folded, every part UTF-8 in base64 lines of 76
//! characters (RFC 2045), so no text taken from inbound mail can start a header line or a MIME
//! boundary. Boundaries derive from the Message-ID, so the same message renders to the same
//! bytes, and contain `-`, which base64 never writes.
//!
//! A message is its header fields ([`Outgoing`]) and one body [`Part`]: a leaf (text, HTML, a
//! calendar, an inline image) or a multipart of parts.

use super::header::{base64, encode_word, fingerprint, header_safe};
use std::borrow::Cow;

/// The header fields of a message musaid writes.
#[derive(Debug, Clone)]
pub struct Outgoing<'a> {
    /// The address alone, without angle brackets.
    pub from: &'a str,
    /// A display name for From ("Lina Haddad"), encoded when not ASCII.
    pub from_name: Option<&'a str>,
    /// Addresses without angle brackets.
    pub to: Vec<&'a str>,
    pub subject: &'a str,
    /// RFC 5322 date-time.
    pub date: String,
    /// Without angle brackets.
    pub message_id: &'a str,
    /// Further header fields, in order, written before MIME-Version (values already safe).
    pub extra: Vec<(&'a str, String)>,
}

/// The header fields of a message a machine wrote on its own (RFC 3834
/// `Auto-Submitted: auto-generated`, and Exchange's `X-Auto-Response-Suppress: All`), so
/// that nobody's vacation reply answers it.
pub fn auto_generated() -> Vec<(&'static str, String)> {
    vec![
        ("Auto-Submitted", "auto-generated".into()),
        ("X-Auto-Response-Suppress", "All".into()),
    ]
}

/// A body part.
#[derive(Debug, Clone)]
pub enum Part<'a> {
    Leaf {
        content_type: Cow<'a, str>,
        /// `Content-ID` (without angle brackets) of an inline part, referred to as `cid:`.
        content_id: Option<&'a str>,
        data: &'a [u8],
    },
    Multipart {
        /// `alternative`, `related` or `mixed`.
        subtype: &'static str,
        parts: Vec<Part<'a>>,
    },
}

impl<'a> Part<'a> {
    /// Plain UTF-8 text.
    pub fn text(text: &'a str) -> Self {
        Part::leaf("text/plain; charset=utf-8", text.as_bytes())
    }

    /// An HTML document.
    pub fn html(html: &'a str) -> Self {
        Part::leaf("text/html; charset=utf-8", html.as_bytes())
    }

    /// An iCalendar object for iMIP (RFC 6047) with its `method`.
    pub fn calendar(method: &str, ics: &'a str) -> Self {
        Part::Leaf {
            content_type: format!("text/calendar; charset=utf-8; method={method}").into(),
            content_id: None,
            data: ics.as_bytes(),
        }
    }

    /// An inline part (an image the HTML shows by `cid:`).
    pub fn inline(content_type: &'a str, content_id: &'a str, data: &'a [u8]) -> Self {
        Part::Leaf {
            content_type: content_type.into(),
            content_id: Some(content_id),
            data,
        }
    }

    /// The same content in several forms, the preferred last (RFC 2046).
    pub fn alternative(parts: Vec<Part<'a>>) -> Self {
        Part::Multipart {
            subtype: "alternative",
            parts,
        }
    }

    /// A document and the parts it refers to (RFC 2387).
    pub fn related(parts: Vec<Part<'a>>) -> Self {
        Part::Multipart {
            subtype: "related",
            parts,
        }
    }

    fn leaf(content_type: &'static str, data: &'a [u8]) -> Self {
        Part::Leaf {
            content_type: content_type.into(),
            content_id: None,
            data,
        }
    }

    /// The part's own header fields and body; `boundary` names this part's boundaries.
    fn write(&self, out: &mut String, boundary: &str) {
        match self {
            Part::Leaf {
                content_type,
                content_id,
                data,
            } => {
                out.push_str(&format!("Content-Type: {content_type}\r\n"));
                if let Some(id) = content_id {
                    out.push_str(&format!(
                        "Content-ID: <{}>\r\nContent-Disposition: inline\r\n",
                        header_safe(id, 200)
                    ));
                }
                out.push_str("Content-Transfer-Encoding: base64\r\n\r\n");
                out.push_str(&base64_lines(data));
                out.push_str("\r\n");
            }
            Part::Multipart { subtype, parts } => {
                out.push_str(&format!(
                    "Content-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n\r\n"
                ));
                for (i, part) in parts.iter().enumerate() {
                    out.push_str(&format!("--{boundary}\r\n"));
                    part.write(out, &format!("{boundary}-{i}"));
                }
                out.push_str(&format!("--{boundary}--\r\n"));
            }
        }
    }
}

impl Outgoing<'_> {
    /// The whole message: header fields, MIME-Version, then `body`.
    pub fn render(&self, body: &Part<'_>) -> String {
        let mut out = self.headers();
        out.push_str("MIME-Version: 1.0\r\n");
        body.write(
            &mut out,
            &format!("musaid-{}", fingerprint(&[self.message_id])),
        );
        out
    }

    fn headers(&self) -> String {
        let from = match self.from_name {
            Some(name) => {
                let name = encode_word(&header_safe(name, 120));
                let name = if name.starts_with("=?") {
                    name
                } else {
                    format!("\"{}\"", name.replace(['"', '\\'], ""))
                };
                format!("{} <{}>", fold(&name, 6), header_safe(self.from, 320))
            }
            None => format!("<{}>", header_safe(self.from, 320)),
        };
        let to: Vec<String> = self
            .to
            .iter()
            .map(|a| format!("<{}>", header_safe(a, 320)))
            .collect();
        let mut h = format!(
            "From: {from}\r\nTo: {}\r\nSubject: {}\r\nDate: {}\r\nMessage-ID: <{}>\r\n",
            to.join(",\r\n "),
            fold(&encode_word(&header_safe(self.subject, 400)), 9),
            self.date,
            header_safe(self.message_id, 250)
        );
        for (name, value) in &self.extra {
            h.push_str(&format!("{name}: {value}\r\n"));
        }
        h
    }
}

/// Base64 in lines of 76 characters (RFC 2045), joined with CRLF.
fn base64_lines(data: &[u8]) -> String {
    let encoded = base64(data);
    encoded
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Folds a header value at spaces so that no line passes 78 characters where it can be
/// helped; `used` is the length of the field name and colon on the first line.
fn fold(value: &str, used: usize) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::MimeHeaders;

    fn headers<'a>() -> Outgoing<'a> {
        Outgoing {
            from: "ceo@example.com",
            from_name: Some("مدير المكتب"),
            to: vec!["a@example.org", "b@example.org"],
            subject: "Re: تقرير\r\nBcc: victim@example.net",
            date: "Tue, 1 Dec 2026 09:00:00 +0300".into(),
            message_id: "musaid.x@example.com",
            extra: vec![("Auto-Submitted", "auto-replied".into())],
        }
    }

    #[test]
    fn nothing_from_a_value_starts_a_header_line() {
        let m = headers().render(&Part::text("hello"));
        let parsed = mail_parser::MessageParser::default()
            .parse(m.as_bytes())
            .expect("parses");
        assert!(parsed.header("Bcc").is_none(), "{m}");
        assert_eq!(parsed.subject(), Some("Re: تقرير  Bcc: victim@example.net"));
        assert_eq!(parsed.to().map(|t| t.iter().count()), Some(2));
        assert_eq!(
            parsed.from().and_then(|f| f.first()).and_then(|a| a.name()),
            Some("مدير المكتب")
        );
        assert_eq!(parsed.body_text(0).as_deref(), Some("hello"));
    }

    #[test]
    fn nested_parts_have_their_own_boundaries_and_read_back() {
        let png = [0x89u8, b'P', b'N', b'G', 0, 1, 2, 3];
        let body = Part::alternative(vec![
            Part::text("the text"),
            Part::related(vec![
                Part::html("<p><img src=\"cid:chart@musaid\"></p>"),
                Part::inline("image/png", "chart@musaid", &png),
            ]),
        ]);
        let m = headers().render(&body);
        assert_eq!(m, headers().render(&body), "the same bytes every time");
        let parsed = mail_parser::MessageParser::default()
            .parse(m.as_bytes())
            .expect("parses");
        assert_eq!(parsed.body_text(0).as_deref(), Some("the text"));
        assert!(
            parsed
                .body_html(0)
                .is_some_and(|h| h.contains("cid:chart@musaid"))
        );
        let image = parsed
            .attachments()
            .find(|a| a.content_id() == Some("chart@musaid"))
            .expect("the inline image");
        assert_eq!(image.contents(), png);
    }

    #[test]
    fn a_calendar_part_carries_its_method() {
        let m = headers().render(&Part::alternative(vec![
            Part::text("Accepted"),
            Part::calendar("REPLY", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
        ]));
        assert!(m.contains("Content-Type: text/calendar; charset=utf-8; method=REPLY\r\n"));
    }
}
