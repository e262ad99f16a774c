//! Leaves the bodies of binary attachments out of a message before MIME parsing.
//!
//! musaid reads an attachment's type and file name, never its content, yet decoding the
//! base64 of PDFs and images was a third of the parsing time over the corpus. Before the
//! message goes to mail-parser, the body lines of every base64 part that is neither text, a
//! calendar nor a message are dropped; the part's header lines stay, so the part is still
//! there with its type and name, only empty.
//!
//! The scan is line by line and needs no MIME parser: a part's header block is the lines
//! after a boundary line (a `boundary` some Content-Type declared), or the message's own
//! header section, or the start of an attached message, up to the blank line. A skipped
//! body ends at the first line that starts with `--`: the base64 alphabet has no `-`, so no
//! body line can, and a line that starts with `--` without being a boundary only ends the
//! skipping early (the rest is then kept). Anything the scan does not recognise is kept.

use std::borrow::Cow;

/// `raw` without the body lines of binary base64 parts; borrowed when nothing was left out.
pub fn binary_bodies_elided(raw: &[u8]) -> Cow<'_, [u8]> {
    let skipped = binary_body_ranges(raw);
    if skipped.is_empty() {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len() - skipped.iter().map(|(a, b)| b - a).sum::<usize>());
    let mut at = 0;
    for (a, b) in skipped {
        out.extend_from_slice(&raw[at..a]);
        at = b;
    }
    out.extend_from_slice(&raw[at..]);
    Cow::Owned(out)
}

/// What the scan is reading.
enum State {
    /// A header block that started at this offset.
    Headers(usize),
    /// A body that is kept.
    Body,
    /// A binary body being skipped, from this offset.
    Skipping(usize),
}

/// Byte ranges of the bodies to leave out, in order.
fn binary_body_ranges(raw: &[u8]) -> Vec<(usize, usize)> {
    let mut ranges = Vec::new();
    let mut boundaries: Vec<Vec<u8>> = Vec::new();
    // What a line is to the multiparts seen so far: a delimiter opens a part (its header
    // block follows), a close delimiter ends the multipart (an epilogue may follow).
    let delimiter = |line: &[u8], boundaries: &[Vec<u8>]| -> Option<State> {
        let rest = line.strip_prefix(b"--")?;
        let b = boundaries.iter().find(|b| rest.starts_with(b))?;
        Some(match rest[b.len()..].starts_with(b"--") {
            true => State::Body,
            false => State::Headers(0),
        })
    };
    let after = |state: State, end: usize| match state {
        State::Headers(_) => State::Headers(end),
        other => other,
    };
    // A message that does not start with a header field is read by parsers in their own
    // ways: leave it whole.
    // (An mbox "From " line before the header fields is fine.)
    let first = trim_eol(&raw[..line_end(raw, 0)]);
    if !is_field_line(first) && !first.starts_with(b"From ") {
        return ranges;
    }
    let mut state = State::Headers(0);
    let mut at = 0;
    while at < raw.len() {
        if let State::Headers(start) = state {
            let end = line_end(raw, at);
            let line = trim_eol(&raw[at..end]);
            if let Some(next) = delimiter(line, &boundaries) {
                // A part without a blank line after its headers: start over.
                state = after(next, end);
            } else if line.is_empty() {
                let (kind, boundary) = part_kind(&raw[start..at]);
                boundaries.extend(boundary);
                state = match kind {
                    Kind::Binary => State::Skipping(end),
                    Kind::Message => State::Headers(end),
                    Kind::Other => State::Body,
                };
            }
            at = end;
            continue;
        }
        // In a body only lines that start with `--` matter: jump to the next one.
        if !raw[at..].starts_with(b"--") {
            match memchr::memmem::find(&raw[at..], b"\n--") {
                Some(n) => at += n + 1,
                None => break,
            }
        }
        let end = line_end(raw, at);
        let line = trim_eol(&raw[at..end]);
        if let State::Skipping(from) = state
            && at > from
        {
            ranges.push((from, at));
        }
        state = match delimiter(line, &boundaries) {
            Some(next) => after(next, end),
            None => State::Body,
        };
        at = end;
    }
    if let State::Skipping(from) = state
        && from < raw.len()
    {
        ranges.push((from, raw.len()));
    }
    ranges
}

/// What a header block says about the body after it.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// base64, and not text, a calendar, a message or a multipart: its body can go.
    Binary,
    /// An attached message: its own header block follows.
    Message,
    /// Anything else: kept.
    Other,
}

/// True for a line that starts a header field: a field name (printable ASCII but `:`)
/// directly followed by `:`.
fn is_field_line(line: &[u8]) -> bool {
    let name = line
        .iter()
        .take_while(|&&b| b > b' ' && b < 127 && b != b':')
        .count();
    name > 0 && line.get(name) == Some(&b':')
}

/// What a header block says about its body, and the boundary it declares, if any.
fn part_kind(block: &[u8]) -> (Kind, Option<Vec<u8>>) {
    // Only a block of header fields (after an mbox "From " line) is understood.
    let first = trim_eol(&block[..line_end(block, 0)]);
    if !block.is_empty() && !is_field_line(first) && !first.starts_with(b"From ") {
        return (Kind::Other, None);
    }
    let mut ctype: Option<Vec<u8>> = None;
    let mut boundary = None;
    let mut base64 = false;
    let mut ics_name = false;
    for (name, value) in fields(block) {
        let lower = value.to_ascii_lowercase();
        if contains(&lower, b".ics") {
            ics_name = true;
        }
        if name.eq_ignore_ascii_case(b"content-type") {
            let t = lower.split(|&b| b == b';').next().unwrap_or_default();
            ctype = Some(t.trim_ascii().to_vec());
            boundary = boundary_of(&value, &lower);
        } else if name.eq_ignore_ascii_case(b"content-transfer-encoding") {
            let value = lower;
            base64 = value.trim_ascii() == b"base64";
        }
    }
    // Without a Content-Type, a part is text/plain.
    let Some(ctype) = ctype else {
        return (Kind::Other, None);
    };
    if ctype == b"message/rfc822" || ctype == b"message/global" {
        return (if base64 { Kind::Other } else { Kind::Message }, None);
    }
    let main = ctype.split(|&b| b == b'/').next().unwrap_or_default();
    let textual = matches!(main, b"text" | b"message" | b"multipart" | b"")
        || contains(&ctype, b"calendar")
        || contains(&ctype, b"ics")
        || ics_name;
    let kind = if base64 && !textual {
        Kind::Binary
    } else {
        Kind::Other
    };
    (kind, boundary)
}

/// The `boundary` parameter of a Content-Type value (`lower` is the value lower-cased).
fn boundary_of(value: &[u8], lower: &[u8]) -> Option<Vec<u8>> {
    let at = lower.windows(9).position(|w| w == b"boundary=")? + 9;
    let rest = &value[at..];
    let b = match rest.strip_prefix(b"\"") {
        Some(quoted) => &quoted[..quoted.iter().position(|&c| c == b'"')?],
        None => {
            let n = rest
                .iter()
                .position(|&c| c == b';' || c.is_ascii_whitespace())
                .unwrap_or(rest.len());
            &rest[..n]
        }
    };
    (!b.is_empty()).then(|| b.to_vec())
}

/// The header fields of a block, unfolded: (name, value).
fn fields(block: &[u8]) -> Vec<(&[u8], Vec<u8>)> {
    let mut out: Vec<(&[u8], Vec<u8>)> = Vec::new();
    for line in block.split(|&b| b == b'\n').map(trim_eol) {
        if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            if let Some((_, v)) = out.last_mut() {
                v.push(b' ');
                v.extend_from_slice(line.trim_ascii());
            }
        } else if let Some(colon) = line.iter().position(|&b| b == b':') {
            out.push((line[..colon].trim_ascii(), line[colon + 1..].to_vec()));
        }
    }
    out
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The offset after the line that starts at `at` (its newline included).
fn line_end(raw: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &raw[at..]).map_or(raw.len(), |n| at + n + 1)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &str = "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
preamble\r\n\
--b1\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8=\r\n\
--b1\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\
Content-Disposition: attachment;\r\n filename=\"r.pdf\"\r\n\r\nJVBERi0xLjQK\r\nJVBERi0xLjQK\r\n\
--b1\r\nContent-Type: application/octet-stream; name=\"invite.ics\"\r\nContent-Transfer-Encoding: base64\r\n\r\nQkVHSU4=\r\n\
--b1\r\nContent-Type: message/rfc822\r\n\r\nFrom: b@example.com\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n\
--b1--\r\n";

    #[test]
    fn binary_bodies_go_and_everything_else_stays() {
        let out = binary_bodies_elided(MIXED.as_bytes());
        let out = std::str::from_utf8(&out).unwrap();
        // The PDF's and the attached message's PNG's lines are gone, their headers stay.
        assert!(!out.contains("JVBERi0xLjQK"), "{out}");
        assert!(!out.contains("iVBORw0KGgo="), "{out}");
        assert!(out.contains("filename=\"r.pdf\"\r\n\r\n--b1\r\n"), "{out}");
        // Text, a calendar by its name, the boundaries and the preamble are untouched.
        for kept in [
            "SGVsbG8=",
            "QkVHSU4=",
            "preamble",
            "--b1--",
            "From: b@example.com",
        ] {
            assert!(out.contains(kept), "{kept} missing in {out}");
        }
        assert_eq!(out.len(), MIXED.len() - 2 * 14 - 14);
    }

    #[test]
    fn nothing_to_leave_out_borrows() {
        let plain = b"Subject: hi\n\nJust text\n--\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\nnot a part\n";
        assert!(matches!(binary_bodies_elided(plain), Cow::Borrowed(_)));
        // A base64 body without a Content-Type is text/plain: kept.
        let untyped = b"Content-Transfer-Encoding: base64\n\nSGVsbG8=\n";
        assert!(matches!(binary_bodies_elided(untyped), Cow::Borrowed(_)));
        // A message that does not start with a header field is left whole.
        let odd = b"   \nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\nAAAA\n";
        assert!(matches!(binary_bodies_elided(odd), Cow::Borrowed(_)));
    }

    #[test]
    fn a_single_part_binary_message_keeps_its_headers() {
        let raw =
            b"Content-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ\n/9j/4AAQ\n";
        let out = binary_bodies_elided(raw);
        assert_eq!(
            &out[..],
            b"Content-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n"
        );
    }
}
