//! Header hygiene on the way out: the names musaid owns, and every value it writes.
//!
//! Leaves of the message model that anything may use (the planners, the jobs' message
//! builders, the edge): one function makes a value safe ([`header_safe`]), one quotes a
//! parameter ([`quoted`]), one is the gate every value passes at the edge
//! ([`header_value`]); RFC 2047 encoded words, the thread key, the list name, the short
//! fingerprint musaid's ids are made of.

/// Header names musaid owns.
pub const HEADER_PREFIX: &str = "X-Musaid-";
pub const CATEGORY_HEADER: &str = "X-Musaid-Category";
pub const PRIORITY_HEADER: &str = "X-Musaid-Priority";
pub const REASON_HEADER: &str = "X-Musaid-Reason";
pub const FOLDER_HEADER: &str = "X-Musaid-Folder";
pub const STATUS_HEADER: &str = "X-Musaid-Status";
pub const THREAD_HEADER: &str = "X-Musaid-Thread";
/// The invitation check's outcome (free, conflict, outside-hours, stale, unverified-organizer).
pub const CALENDAR_HEADER: &str = "X-Musaid-Calendar";
/// A deadline written in the text, in the mailbox's time zone (RFC 3339).
pub const DEADLINE_HEADER: &str = "X-Musaid-Deadline";

/// A stable key for the conversation a message belongs to: a hash of the root of its
/// References (else In-Reply-To, else its own Message-ID), so every message of a thread carries
/// the same value and any IMAP client finds the thread with `SEARCH HEADER X-Musaid-Thread <key>`.
pub fn thread_key(m: &crate::message::ParsedMessage) -> Option<String> {
    let root = m
        .references
        .first()
        .or(m.in_reply_to.first())
        .or(m.message_id.as_ref())?;
    let root = root.trim().trim_matches(['<', '>']);
    (!root.is_empty()).then(|| fingerprint(&[root]))
}

/// Makes a value safe for a header: one line, printable, at most `max` bytes.
pub fn header_safe(value: &str, max: usize) -> String {
    let mut out: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if out.len() > max {
        let mut end = max;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out.trim().to_string()
}

/// A value as a quoted-string parameter (`organizer="..."`): [`header_safe`], with `\` and
/// `"` escaped, so text taken from mail can neither end the quotes nor add a parameter.
pub fn quoted(value: &str, max: usize) -> String {
    let safe = header_safe(value, max);
    let mut out = String::with_capacity(safe.len() + 2);
    out.push('"');
    for c in safe.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Longest line musaid writes into a header (RFC 5322 allows 998; folded before that).
const FOLD_AT: usize = 900;
/// Upper bound of one header value musaid writes.
pub const MAX_HEADER_VALUE: usize = 64 * 1024;

/// The gate every value passes on its way into a header, at the one place musaid writes
/// headers (the milter's end of message): no control character but folds (a line break
/// followed by a space or tab, written as the milter protocol wants it: LF then the
/// blank), lines folded at a space before [`FOLD_AT`] bytes, at most [`MAX_HEADER_VALUE`]
/// bytes. Whatever a planner built from mail, nothing it writes can start a header line.
pub fn header_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len().min(MAX_HEADER_VALUE));
    let mut line_start = 0;
    let mut last_space: Option<usize> = None;
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if out.len() >= MAX_HEADER_VALUE {
            break;
        }
        if c == '\r' || c == '\n' {
            while chars.peek().is_some_and(|n| *n == '\r' || *n == '\n') {
                chars.next();
            }
            if chars.peek().is_some_and(|n| *n == ' ' || *n == '\t') {
                out.push('\n');
                line_start = out.len();
                last_space = None;
            } else {
                out.push(' ');
            }
            continue;
        }
        let c = if c.is_control() && c != '\t' { ' ' } else { c };
        if c == ' ' && out.len() > line_start {
            last_space = Some(out.len());
        }
        out.push(c);
        if out.len() - line_start > FOLD_AT
            && let Some(at) = last_space.take()
        {
            out.insert(at, '\n');
            line_start = at + 1;
        }
    }
    while out.len() > MAX_HEADER_VALUE {
        out.pop();
    }
    out.trim_end().to_string()
}

/// RFC 2047 encoding of a non-ASCII text (one encoded word per 45 input bytes).
pub fn encode_word(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
    }
    words.join(" ")
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The name a newsletter or promotion is counted under: its List-Id, or the sender's domain.
pub fn list_name(m: &crate::message::ParsedMessage) -> String {
    m.list_id
        .as_deref()
        .map(|id| {
            // `Weekly news <weekly.example.com>`: the part in angle brackets is the id.
            let id = match (id.rfind('<'), id.rfind('>')) {
                (Some(a), Some(b)) if a < b => &id[a + 1..b],
                _ => id,
            };
            id.trim().to_ascii_lowercase()
        })
        .filter(|id| !id.is_empty())
        .or_else(|| {
            m.from
                .as_ref()
                .map(|f| crate::message::domain_of(&f.address).to_ascii_lowercase())
        })
        .unwrap_or_else(|| "-".into())
}

/// FNV-1a 64-bit over the parts (separated), as 16 hex digits: stable ids and private keys.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h ^= 0x1f;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for b in p.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The member that stands for a message in the tracking, reminder and escalation sets: a hash
/// of its Message-ID (no address or subject in keys).
pub fn member_of(message_id: &str) -> String {
    fingerprint(&[message_id.trim_matches(['<', '>'])])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_one_safe_line() {
        assert_eq!(header_safe("a\r\nBcc: evil@x", 100), "a  Bcc: evil@x");
        assert_eq!(header_safe("عاجل جدا", 5), "عا");
        assert_eq!(
            quoted("x\"; response=accepted\rbcc: a@b \\", 100),
            r#""x\"; response=accepted bcc: a@b \\""#
        );
    }

    #[test]
    fn the_header_gate_keeps_folds_and_nothing_else() {
        assert_eq!(header_value("a\rbcc: evil@x"), "a bcc: evil@x");
        assert_eq!(header_value("a\r\nBcc: evil@x\n"), "a Bcc: evil@x");
        assert_eq!(header_value("one\r\n two"), "one\n two");
        assert_eq!(header_value("nul\0 and\x1b esc"), "nul  and  esc");
        // A long value is folded at spaces, never cut.
        let long = vec!["word"; 1000].join(" ");
        let gated = header_value(&long);
        assert!(gated.lines().all(|l| l.len() <= FOLD_AT + 1), "{gated}");
        assert_eq!(gated.replace("\n", ""), long);
        assert!(header_value(&"x".repeat(200_000)).len() <= MAX_HEADER_VALUE);
    }

    #[test]
    fn a_thread_shares_one_key() {
        let parse =
            |raw: &str| crate::message::ParsedMessage::parse(raw.as_bytes(), raw.len(), false);
        let first = parse("Message-ID: <root@x.example>\r\nSubject: a\r\n\r\nx\r\n");
        let reply = parse(
            "Message-ID: <r1@y.example>\r\nIn-Reply-To: <root@x.example>\r\nSubject: Re: a\r\n\r\nx\r\n",
        );
        let deep = parse(
            "Message-ID: <r2@x.example>\r\nIn-Reply-To: <r1@y.example>\r\nReferences: <root@x.example> <r1@y.example>\r\n\r\nx\r\n",
        );
        let other = parse("Message-ID: <other@x.example>\r\n\r\nx\r\n");
        let key = thread_key(&first).unwrap();
        assert_eq!(thread_key(&reply).as_deref(), Some(key.as_str()));
        assert_eq!(thread_key(&deep).as_deref(), Some(key.as_str()));
        assert_ne!(thread_key(&other).unwrap(), key);
        assert_eq!(thread_key(&parse("Subject: no ids\r\n\r\nx\r\n")), None);
    }

    #[test]
    fn rfc2047_encoding() {
        assert_eq!(encode_word("[EXT]"), "[EXT]");
        assert_eq!(encode_word("عاجل"), "=?UTF-8?B?2LnYp9is2YQ=?=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
