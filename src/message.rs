//! One message as musaid sees it: the SMTP envelope, the milter macros, and the facts parsed
//! once from the headers and the inspected part of the body.
//!
//! Parsing happens exactly once per message, here, with mail-parser; everything downstream
//! (signals, rules, policy) reads these plain facts and never touches raw MIME again. A message
//! that cannot be parsed still yields facts (from the raw header lines), with `parsed` false,
//! so that it is classified and delivered like any other.
//!
//! Its parts: [`authres`] (what the MTA says of SPF, DKIM, DMARC), [`hygiene`] (the header
//! section on the way in), [`header`] (the names musaid owns and every value it writes),
//! [`quote`] (the new part of a reply) and [`compose`] (the one MIME builder for every message
//! musaid writes).

pub mod authres;
pub mod compose;
pub mod header;
pub mod hygiene;
pub mod quote;

use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders, PartType};
use std::net::IpAddr;

/// Upper bound on the decoded text kept for classification (characters).
pub const MAX_TEXT_CHARS: usize = 64 * 1024;

/// The SMTP envelope and the milter macros of one message.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    /// MAIL FROM address without angle brackets; empty for the null reverse-path.
    pub sender: String,
    /// RCPT TO addresses without angle brackets, in order.
    pub recipients: Vec<String>,
    /// Postfix/Sendmail queue id (macro `i`).
    pub queue_id: Option<String>,
    /// SASL login name of an authenticated submission (macro `{auth_authen}`).
    pub auth_authen: Option<String>,
    /// Name of the MTA service that received the message (macro `{daemon_name}`).
    pub daemon_name: Option<String>,
    /// Address of the SMTP client.
    pub client_addr: Option<IpAddr>,
    /// Host name of the SMTP client as the MTA resolved it.
    pub client_name: Option<String>,
}

impl Envelope {
    /// The envelope a delivering MTA would have given a message read from a file: the sender
    /// is `from` if given, else the message's Return-Path (the sender the last MTA recorded;
    /// `<>` is the null sender), else the From address; the recipients are `rcpt` (empty:
    /// To and Cc stand in, see [`crate::classify::Input::recipients`]).
    pub fn for_file(bytes: &[u8], from: Option<&str>, rcpt: &[String]) -> Envelope {
        let headers = raw_headers(bytes);
        let field = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let sender = match from {
            Some(f) => bare_address(f),
            None => match field("Return-Path") {
                Some(rp) => bare_address(rp),
                None => field("From").map(address_in).unwrap_or_default(),
            },
        };
        Envelope {
            sender,
            recipients: rcpt.iter().map(|r| bare_address(r)).collect(),
            ..Default::default()
        }
    }
}

/// The address of a From-style value: what is inside angle brackets, else the first word
/// with an `@`.
fn address_in(value: &str) -> String {
    if let (Some(a), Some(b)) = (value.rfind('<'), value.rfind('>'))
        && a < b
    {
        return value[a + 1..b].trim().to_string();
    }
    value
        .split([' ', ',', ';'])
        .find(|w| w.contains('@'))
        .map(|w| {
            w.trim_matches(|c| c == '"' || c == '(' || c == ')')
                .to_string()
        })
        .unwrap_or_default()
}

/// Strips angle brackets and surrounding space from an SMTP address argument.
pub fn bare_address(arg: &str) -> String {
    let arg = arg.trim();
    let arg = arg.strip_prefix('<').unwrap_or(arg);
    let arg = arg.strip_suffix('>').unwrap_or(arg);
    arg.trim().to_string()
}

/// The domain part of an address, lower-cased ("" when there is none).
pub fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
        .unwrap_or_default()
}

/// A delivery, disposition or abuse report (RFC 3464, RFC 8098, RFC 5965).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    /// Delivery status notification (bounce).
    Dsn,
    /// Message disposition notification (read receipt).
    Mdn,
    /// Abuse feedback report.
    Arf,
    /// Another `multipart/report` type.
    Other,
}

/// An attachment: its MIME type and file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// `type/subtype`, lower-cased.
    pub content_type: String,
    /// File name, when given.
    pub name: Option<String>,
}

/// A named address from a header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedAddress {
    /// Display name, decoded.
    pub name: Option<String>,
    /// Address, as written.
    pub address: String,
}

/// Facts parsed once from one message.
#[derive(Debug, Clone, Default)]
pub struct ParsedMessage {
    /// False when the MIME structure could not be parsed (facts then come from raw lines).
    pub parsed: bool,
    /// Size of the whole message in bytes (headers and the full body, inspected or not).
    pub size: usize,
    /// True when the body was larger than the inspection limit and was cut for inspection.
    pub truncated: bool,
    /// Header fields as received: name and unfolded raw value, in order.
    pub headers: Vec<(String, String)>,
    /// Decoded subject.
    pub subject: String,
    /// First From address.
    pub from: Option<NamedAddress>,
    /// Return-Path address (the envelope sender recorded by a previous hop), "" for `<>`.
    pub return_path: Option<String>,
    /// To addresses.
    pub to: Vec<String>,
    /// Cc addresses.
    pub cc: Vec<String>,
    /// Message-ID without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To ids.
    pub in_reply_to: Vec<String>,
    /// References ids.
    pub references: Vec<String>,
    /// Decoded text of the body (HTML converted to text), at most [`MAX_TEXT_CHARS`].
    pub text: String,
    /// True if any `List-*` header is present.
    pub has_list_headers: bool,
    /// List-Id value.
    pub list_id: Option<String>,
    /// List-Unsubscribe value.
    pub list_unsubscribe: Option<String>,
    /// List-Unsubscribe-Post value.
    pub list_unsubscribe_post: Option<String>,
    /// Precedence value, lower-cased.
    pub precedence: Option<String>,
    /// Auto-Submitted value, lower-cased, without parameters.
    pub auto_submitted: Option<String>,
    /// X-Auto-Response-Suppress value.
    pub auto_response_suppress: Option<String>,
    /// Kind of `multipart/report`, if the message is one.
    pub report: Option<ReportKind>,
    /// iTIP methods of text/calendar parts (upper-cased), e.g. `REQUEST`.
    pub calendar_methods: Vec<String>,
    /// The calendar parts themselves (text/calendar, application/ics, *.ics), at most
    /// [`MAX_CALENDAR_PARTS`], each cut at [`MAX_CALENDAR_BYTES`].
    pub calendars: Vec<CalendarPart>,
    /// Authentication-Results header values.
    pub authentication_results: Vec<String>,
    /// Upstream spam verdict (X-Spam-Flag: YES, X-Spam-Status: Yes, X-Spam: Yes).
    pub spam_flag: bool,
    /// Attachments.
    pub attachments: Vec<Attachment>,
    /// Importance: high, Priority: urgent or X-Priority 1/2.
    pub high_importance: bool,
    /// Name of a bulk-mail service whose tracking header is present.
    pub esp: Option<&'static str>,
}

/// Headers set by bulk-mail services, and the service they identify.
pub const ESP_HEADERS: &[(&str, &str)] = &[
    ("x-mailchimp-campaign", "mailchimp"),
    ("x-mc-user", "mailchimp"),
    ("x-campaign", "campaign"),
    ("x-campaignid", "campaign"),
    ("x-sg-eid", "sendgrid"),
    ("x-mailgun-tag", "mailgun"),
    ("x-mailgun-sid", "mailgun"),
    ("x-ses-outgoing", "amazon-ses"),
    ("x-sfmc-stack", "salesforce"),
    ("x-mkto-tracking", "marketo"),
    ("x-hs-cid", "hubspot"),
    ("x-csa-complaints", "csa"),
    ("x-newsletter", "newsletter"),
    ("x-mailer-sid", "bulk"),
    ("feedback-id", "feedback-id"),
    ("x-feedback-id", "feedback-id"),
    ("x-mandrill-user", "mandrill"),
    ("x-pm-message-id", "postmark"),
    ("x-sendinblue-id", "brevo"),
    ("x-mailjet-campaign", "mailjet"),
];

/// The MIME parser, told to parse only the header fields [`ParsedMessage::read_parsed`] reads
/// (everything else comes from the raw lines): parsing Received, Date, List-* and the rest
/// into structures nobody reads was a tenth of the parse.
static MIME_PARSER: std::sync::LazyLock<MessageParser> = std::sync::LazyLock::new(|| {
    use mail_parser::HeaderName;
    MessageParser::new()
        .with_mime_headers()
        .header_text(HeaderName::Subject)
        .header_address(HeaderName::From)
        .header_address(HeaderName::To)
        .header_address(HeaderName::Cc)
        .header_id(HeaderName::MessageId)
        .header_id(HeaderName::InReplyTo)
        .header_id(HeaderName::References)
        .default_header_ignore()
});

impl ParsedMessage {
    /// Parses `raw` (header section, blank line, body or its inspected prefix).
    /// `size` is the full message size; `truncated` says the body was cut.
    pub fn parse(raw: &[u8], size: usize, truncated: bool) -> Self {
        Self::parse_with(raw, size, truncated, true)
    }

    /// [`ParsedMessage::parse`], with the bodies of binary attachments decoded anyway when
    /// `elide` is false (to check that leaving them out changes no fact).
    pub fn parse_with(raw: &[u8], size: usize, truncated: bool, elide: bool) -> Self {
        let mut facts = ParsedMessage {
            size,
            truncated,
            ..Default::default()
        };
        facts.headers = raw_headers(raw);
        facts.read_header_facts();
        // mail-parser is robust, but a panic on one odd message must not cost the header
        // facts already read: the MIME step runs on a copy and is kept only if it finishes.
        let mime = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut with_mime = facts.clone();
            // Attachments are read for their type and name only: their bodies need no
            // decoding (see `elide`).
            let skimmed = match elide {
                true => crate::elide::binary_bodies_elided(raw),
                false => std::borrow::Cow::Borrowed(raw),
            };
            if let Some(msg) = MIME_PARSER.parse(&skimmed[..]) {
                with_mime.parsed = !msg.parts.is_empty();
                with_mime.read_parsed(&msg);
            }
            with_mime
        }));
        mime.unwrap_or(facts)
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All values of header `name` (case-insensitive).
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Facts that only need the raw header lines (robust against broken MIME).
    fn read_header_facts(&mut self) {
        let lower = |v: &str| v.trim().to_ascii_lowercase();
        self.has_list_headers = self
            .headers
            .iter()
            .any(|(n, _)| n.len() > 5 && n.as_bytes()[..5].eq_ignore_ascii_case(b"list-"));
        self.list_id = self.header("List-Id").map(|v| v.trim().to_string());
        self.list_unsubscribe = self
            .header("List-Unsubscribe")
            .map(|v| v.trim().to_string());
        self.list_unsubscribe_post = self
            .header("List-Unsubscribe-Post")
            .map(|v| v.trim().to_string());
        self.precedence = self.header("Precedence").map(lower);
        self.auto_submitted = self
            .header("Auto-Submitted")
            .map(|v| lower(v.split(';').next().unwrap_or("")));
        self.auto_response_suppress = self
            .header("X-Auto-Response-Suppress")
            .map(|v| v.trim().to_string());
        self.authentication_results = self
            .header_all("Authentication-Results")
            .map(|v| v.trim().to_string())
            .collect();
        self.spam_flag = self
            .header("X-Spam-Flag")
            .is_some_and(|v| lower(v).starts_with("yes"))
            || self
                .header("X-Spam-Status")
                .is_some_and(|v| lower(v).starts_with("yes"))
            || self
                .header("X-Spam")
                .is_some_and(|v| lower(v).starts_with("yes"));
        self.high_importance = self
            .header("Importance")
            .is_some_and(|v| lower(v) == "high")
            || self
                .header("Priority")
                .is_some_and(|v| lower(v) == "urgent")
            || self.header("X-Priority").is_some_and(|v| {
                let v = v.trim_start();
                v.starts_with('1') || v.starts_with('2')
            })
            || self
                .header("X-MSMail-Priority")
                .is_some_and(|v| lower(v) == "high");
        self.esp = self.headers.iter().find_map(|(n, _)| {
            ESP_HEADERS
                .iter()
                .find(|(h, _)| n.eq_ignore_ascii_case(h))
                .map(|(_, esp)| *esp)
        });
        if self.subject.is_empty() {
            self.subject = self
                .header("Subject")
                .map(|v| v.trim().to_string())
                .unwrap_or_default();
        }
        self.message_id = self.header("Message-ID").map(strip_id);
        self.return_path = self
            .header("Return-Path")
            .map(|v| strip_id(v).trim().to_string());
    }

    /// Facts that need the MIME structure.
    fn read_parsed(&mut self, msg: &mail_parser::Message<'_>) {
        if let Some(subject) = msg.subject() {
            self.subject = subject.trim().to_string();
        }
        self.from = msg.from().and_then(Address::first).and_then(|a| {
            a.address().map(|addr| NamedAddress {
                name: a.name().map(str::to_string),
                address: addr.to_string(),
            })
        });
        self.to = addresses(msg.to());
        self.cc = addresses(msg.cc());
        if let Some(id) = msg.message_id() {
            self.message_id = Some(id.to_string());
        }
        self.in_reply_to = id_list(msg.in_reply_to());
        self.references = id_list(msg.references());

        let mut text = String::new();
        for i in 0..msg.text_body_count().max(msg.html_body_count()) {
            if text.len() >= MAX_TEXT_CHARS {
                break;
            }
            if let Some(body) = msg.body_text(i) {
                push_capped(&mut text, &body);
                text.push('\n');
            }
        }
        self.text = text;

        for part in &msg.parts {
            let Some(ct) = part.content_type() else {
                continue;
            };
            let ctype = ct.ctype().to_ascii_lowercase();
            let subtype = ct.subtype().unwrap_or("").to_ascii_lowercase();
            match (ctype.as_str(), subtype.as_str()) {
                ("multipart", "report") if self.report.is_none() => {
                    let kind = ct
                        .attribute("report-type")
                        .unwrap_or("")
                        .to_ascii_lowercase();
                    self.report = Some(match kind.as_str() {
                        "delivery-status" => ReportKind::Dsn,
                        "disposition-notification" => ReportKind::Mdn,
                        "feedback-report" => ReportKind::Arf,
                        _ => ReportKind::Other,
                    });
                }
                ("message", "delivery-status" | "global-delivery-status")
                    if self.report.is_none() =>
                {
                    self.report = Some(ReportKind::Dsn)
                }
                ("message", "disposition-notification") if self.report.is_none() => {
                    self.report = Some(ReportKind::Mdn)
                }
                ("message", "feedback-report") if self.report.is_none() => {
                    self.report = Some(ReportKind::Arf)
                }
                _ => {}
            }
            let is_ics_name = part
                .attachment_name()
                .is_some_and(|n| n.to_ascii_lowercase().ends_with(".ics"));
            if (ctype == "text" && subtype == "calendar")
                || (ctype == "application" && subtype == "ics")
                || is_ics_name
            {
                let text = calendar_text(msg.raw_message(), part).or_else(|| part_text(&part.body));
                if self.calendars.len() < MAX_CALENDAR_PARTS
                    && let Some(t) = &text
                {
                    let mut cut = t.len().min(MAX_CALENDAR_BYTES);
                    while !t.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    self.calendars.push(CalendarPart {
                        method: ct.attribute("method").map(str::to_string),
                        text: t[..cut].to_string(),
                    });
                }
                let method = ct
                    .attribute("method")
                    .map(str::to_string)
                    .or_else(|| calendar_method(text.as_deref()));
                if let Some(method) = method {
                    let method = method.trim().to_ascii_uppercase();
                    if !method.is_empty() && !self.calendar_methods.contains(&method) {
                        self.calendar_methods.push(method);
                    }
                }
            }
        }
        for part in msg.attachments() {
            let content_type = part
                .content_type()
                .map(|ct| {
                    format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("octet-stream"))
                        .to_ascii_lowercase()
                })
                .unwrap_or_else(|| "application/octet-stream".into());
            self.attachments.push(Attachment {
                content_type,
                name: part.attachment_name().map(str::to_string),
            });
        }
    }

    /// Display name of the sender, or the local part of its address.
    pub fn sender_name(&self) -> Option<&str> {
        let from = self.from.as_ref()?;
        from.name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .or_else(|| from.address.split('@').next())
    }
}

/// How many calendar parts of a message are kept, and how much of each.
pub const MAX_CALENDAR_PARTS: usize = 4;
pub const MAX_CALENDAR_BYTES: usize = 256 * 1024;

/// A text/calendar part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarPart {
    /// The Content-Type `method` parameter, if any.
    pub method: Option<String>,
    pub text: String,
}

fn part_text(body: &PartType<'_>) -> Option<String> {
    match body {
        PartType::Text(t) | PartType::Html(t) => Some(t.to_string()),
        PartType::Binary(b) | PartType::InlineBinary(b) => {
            Some(String::from_utf8_lossy(&b[..b.len().min(64 * 1024)]).into_owned())
        }
        _ => None,
    }
}

/// A calendar part's text: its transfer encoding undone, its lines unfolded, then its
/// charset decoded. Folding splits octets, not characters (RFC 5545 section 3.1), so text
/// decoded before unfolding loses every character a fold cut in two; None when the part's
/// bytes are not at hand (the parsed text serves then).
fn calendar_text(raw: &[u8], part: &mail_parser::MessagePart<'_>) -> Option<String> {
    use mail_parser::decoders::{base64::base64_decode, quoted_printable::quoted_printable_decode};
    let body = raw.get(part.raw_body_offset() as usize..part.raw_end_offset() as usize)?;
    let body = &body[..body.len().min(4 * MAX_CALENDAR_BYTES)];
    let encoding = part
        .content_transfer_encoding()
        .map(|e| e.trim().to_ascii_lowercase());
    let decoded = match encoding.as_deref() {
        Some("base64") => base64_decode(body)?,
        Some("quoted-printable") => quoted_printable_decode(body)?,
        _ => body.to_vec(),
    };
    let unfolded = crate::calendar::ical::unfold_bytes(&decoded);
    let charset = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(|c| c.trim().to_ascii_lowercase());
    Some(match charset.as_deref() {
        None | Some("utf-8" | "utf8" | "us-ascii") => {
            String::from_utf8_lossy(&unfolded).into_owned()
        }
        Some(other) => {
            match mail_parser::decoders::charsets::map::charset_decoder(other.as_bytes()) {
                Some(decode) => decode(&unfolded),
                None => String::from_utf8_lossy(&unfolded).into_owned(),
            }
        }
    })
}

/// The METHOD property of an iCalendar object.
fn calendar_method(ics: Option<&str>) -> Option<String> {
    ics?.lines().find_map(|line| {
        let line = line.trim_end_matches('\r');
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("METHOD")
            .then(|| value.trim().to_string())
    })
}

fn push_capped(text: &mut String, more: &str) {
    let room = MAX_TEXT_CHARS.saturating_sub(text.len());
    if more.len() <= room {
        text.push_str(more);
    } else {
        let mut end = room;
        while !more.is_char_boundary(end) {
            end -= 1;
        }
        text.push_str(&more[..end]);
    }
}

fn addresses(addr: Option<&Address<'_>>) -> Vec<String> {
    addr.map(|a| {
        a.iter()
            .filter_map(|a| a.address())
            .map(str::to_string)
            .collect()
    })
    .unwrap_or_default()
}

fn id_list(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

fn strip_id(v: &str) -> String {
    v.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_string()
}

/// Length of the header section including the blank line that ends it (the whole input when
/// there is no blank line).
pub fn header_section_len(raw: &[u8]) -> usize {
    let mut start = 0;
    while start < raw.len() {
        let end = raw[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |e| start + e + 1);
        let line = &raw[start..end];
        if line == b"\n" || line == b"\r\n" {
            return end;
        }
        start = end;
    }
    raw.len()
}

/// Splits a message the way an MTA presents it to a milter: header fields as (name, value)
/// with folded lines joined by "\n" and the leading space of the value removed, and the body.
/// A line that is not a header field ends the header section. Used by the test harness and
/// the load generator, which play the MTA.
pub fn split_for_milter(raw: &[u8]) -> (Vec<(String, String)>, &[u8]) {
    let end = header_section_len(raw);
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut body_start = end;
    let mut offset = 0;
    for line in raw[..end].split_inclusive(|&b| b == b'\n') {
        let text = line.strip_suffix(b"\n").unwrap_or(line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.is_empty() {
            break;
        }
        let text = String::from_utf8_lossy(text).replace('\0', " ");
        if text.starts_with([' ', '\t']) && !headers.is_empty() {
            let (_, v) = headers.last_mut().expect("not empty");
            v.push('\n');
            v.push_str(&text);
        } else {
            match text.split_once(':') {
                Some((n, v)) if !n.is_empty() && !n.contains([' ', '\t']) => {
                    headers.push((n.to_string(), v.trim_start().to_string()));
                }
                _ => {
                    body_start = offset;
                    break;
                }
            }
        }
        offset += line.len();
    }
    (headers, &raw[body_start..])
}

/// Splits the header section into (name, unfolded value) pairs without MIME parsing.
pub fn raw_headers(raw: &[u8]) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    let section = &raw[..header_section_len(raw)];
    for line in section.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        let line = String::from_utf8_lossy(line);
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim_end();
            if !name.is_empty() && !name.contains(' ') {
                headers.push((name.to_string(), value.trim().to_string()));
            }
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_gets_the_envelope_a_delivering_mta_would_give_it() {
        let rp = b"Return-Path: <bounces@list.example>\nFrom: A <a@example.net>\n\nx";
        assert_eq!(
            Envelope::for_file(rp, None, &[]).sender,
            "bounces@list.example"
        );
        let from = b"From: \"Sara\" <sara@example.net>\nSubject: x\n\nx";
        assert_eq!(
            Envelope::for_file(from, None, &[]).sender,
            "sara@example.net"
        );
        let bare = b"From: sara@example.net (Sara)\n\nx";
        assert_eq!(
            Envelope::for_file(bare, None, &[]).sender,
            "sara@example.net"
        );
        let null = b"Return-Path: <>\nFrom: MAILER-DAEMON@example.net\n\nx";
        assert_eq!(Envelope::for_file(null, None, &[]).sender, "");
        let given = Envelope::for_file(rp, Some("<x@y.example>"), &["<ceo@example.com>".into()]);
        assert_eq!(given.sender, "x@y.example");
        assert_eq!(given.recipients, ["ceo@example.com"]);
    }

    #[test]
    fn envelope_addresses_lose_brackets() {
        assert_eq!(bare_address(" <a@b.example> "), "a@b.example");
        assert_eq!(bare_address("<>"), "");
        assert_eq!(domain_of("Someone@Example.COM"), "example.com");
        assert_eq!(domain_of("nodomain"), "");
    }

    #[test]
    fn header_section_ends_at_the_first_blank_line() {
        assert_eq!(header_section_len(b"A: b\r\n\r\nbody\n\n"), 8);
        assert_eq!(header_section_len(b"A: b\n\nbody"), 6);
        assert_eq!(header_section_len(b"A: b\r\nC: d"), 10);
    }

    #[test]
    fn split_like_an_mta() {
        let (h, body) = split_for_milter(b"Subject: one\r\n two\r\nX-A:b\r\n\r\nbody\r\n");
        assert_eq!(
            h,
            vec![
                ("Subject".into(), "one\n two".into()),
                ("X-A".into(), "b".into())
            ]
        );
        assert_eq!(body, b"body\r\n");
        let (h, body) = split_for_milter(b"X-A: b\nnot a header\nmore\n");
        assert_eq!(h.len(), 1);
        assert_eq!(body, b"not a header\nmore\n");
    }

    #[test]
    fn headers_are_unfolded() {
        let raw = b"Subject: one\r\n two\r\nX-A: b\r\n\r\nbody\r\nNot: header\r\n";
        let h = raw_headers(raw);
        assert_eq!(
            h,
            vec![
                ("Subject".to_string(), "one two".to_string()),
                ("X-A".to_string(), "b".to_string())
            ]
        );
    }

    #[test]
    fn list_and_robot_facts() {
        let raw = b"From: News <news@list.example>\r\nList-Id: <news.list.example>\r\n\
Precedence: Bulk\r\nAuto-Submitted: auto-generated; type=x\r\nX-Spam-Flag: YES\r\n\
Importance: High\r\nSubject: =?UTF-8?B?2LnYp9is2YQ=?=\r\n\r\nhello\r\n";
        let m = ParsedMessage::parse(raw, raw.len(), false);
        assert!(m.parsed);
        assert!(m.has_list_headers);
        assert_eq!(m.precedence.as_deref(), Some("bulk"));
        assert_eq!(m.auto_submitted.as_deref(), Some("auto-generated"));
        assert!(m.spam_flag);
        assert!(m.high_importance);
        assert_eq!(m.subject, "عاجل");
        assert_eq!(m.sender_name(), Some("News"));
    }

    #[test]
    fn arabic_charsets_decode() {
        // "مرحبا" in windows-1256 and ISO-8859-6
        let cp1256 = b"Subject: x\r\nContent-Type: text/plain; charset=windows-1256\r\n\r\n\xe3\xd1\xcd\xc8\xc7\r\n";
        let m = ParsedMessage::parse(cp1256, cp1256.len(), false);
        assert!(m.text.contains("مرحبا"), "{:?}", m.text);
        let iso = b"Subject: x\r\nContent-Type: text/plain; charset=iso-8859-6\r\n\r\n\xe5\xd1\xcd\xc8\xc7\r\n";
        let m = ParsedMessage::parse(iso, iso.len(), false);
        assert!(m.text.contains("مرحبا"), "{:?}", m.text);
    }

    #[test]
    fn iso_2022_jp_decodes() {
        let raw = b"Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\x1b$B$3$s$K$A$O\x1b(B\r\n";
        let m = ParsedMessage::parse(raw, raw.len(), false);
        assert_eq!(m.subject, "テスト");
        assert!(m.text.contains("こんにちは"), "{:?}", m.text);
    }

    #[test]
    fn html_becomes_text() {
        let raw = b"Content-Type: text/html\r\n\r\n<html><body><p>Please <b>reply</b> today</p></body></html>\r\n";
        let m = ParsedMessage::parse(raw, raw.len(), false);
        assert!(m.text.contains("reply"));
        assert!(!m.text.contains("<b>"));
    }

    #[test]
    fn calendar_method_from_parameter_or_body() {
        let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: text/calendar; charset=utf-8\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n--b--\r\n";
        let m = ParsedMessage::parse(raw, raw.len(), false);
        assert_eq!(m.calendar_methods, vec!["REQUEST"]);
    }

    #[test]
    fn a_character_split_by_a_fold_is_joined_before_decoding() {
        // "SUMMARY:اجتماع" folded between the two bytes of ت, as a generator folding at 75
        // octets does; sent as 8bit and as base64.
        let word = "اجتماع".as_bytes();
        let mut ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u1\r\nDTSTART:20261201T090000Z\r\nSUMMARY:".to_vec();
        ics.extend_from_slice(&word[..5]);
        ics.extend_from_slice(b"\r\n ");
        ics.extend_from_slice(&word[5..]);
        ics.extend_from_slice(b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
        let encoded = crate::message::header::base64(&ics);
        for (encoding, body) in [("8bit", ics.clone()), ("base64", encoded.into_bytes())] {
            let mut raw = format!("Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\nContent-Transfer-Encoding: {encoding}\r\n\r\n").into_bytes();
            raw.extend_from_slice(&body);
            let m = ParsedMessage::parse(&raw, raw.len(), false);
            let cal = crate::calendar::ical::parse(&m.calendars[0].text).unwrap();
            let event = cal[0].children_named("VEVENT").next().unwrap();
            assert_eq!(event.value("SUMMARY"), Some("اجتماع"), "{encoding}");
        }
        // A file read from disk likewise.
        let cal = crate::calendar::ical::parse(&crate::calendar::ical::text_of(&ics)).unwrap();
        let event = cal[0].children_named("VEVENT").next().unwrap();
        assert_eq!(event.value("SUMMARY"), Some("اجتماع"));
    }

    #[test]
    fn dsn_is_recognised() {
        let raw = b"From: MAILER-DAEMON@x.example\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n--b--\r\n";
        let m = ParsedMessage::parse(raw, raw.len(), false);
        assert_eq!(m.report, Some(ReportKind::Dsn));
    }

    #[test]
    fn garbage_still_yields_facts() {
        let m = ParsedMessage::parse(b"\x00\xff\xfe garbage", 10, false);
        assert!(m.headers.is_empty());
        let m = ParsedMessage::parse(b"", 0, false);
        assert!(!m.parsed);
    }
}
