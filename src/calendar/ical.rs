//! A lenient iCalendar (RFC 5545) reader: unfolds lines, splits content lines into name,
//! parameters and value, and nests BEGIN/END components. It never panics on bad input: what
//! it cannot read is skipped, and only a text with no VCALENDAR at all is an error. Values
//! are kept as written; [`unescape`] undoes TEXT escaping where a caller wants it.

/// One property: `NAME;PARAM=VALUE:value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Upper case.
    pub name: String,
    /// Parameter names upper case, values without quotes.
    pub params: Vec<(String, String)>,
    pub value: String,
}

impl Property {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A component (`VCALENDAR`, `VEVENT`, `VTIMEZONE`, `STANDARD`...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Component {
    /// Upper case.
    pub name: String,
    pub properties: Vec<Property>,
    pub children: Vec<Component>,
}

impl Component {
    pub fn prop(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.prop(name).map(|p| p.value.as_str())
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.properties.iter().filter(move |p| p.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Component> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Why a text is not a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotACalendar;

impl std::fmt::Display for NotACalendar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no BEGIN:VCALENDAR in the text")
    }
}

/// A DATE-TIME value as local naive time (a trailing `Z` is ignored here).
pub fn naive(value: &str) -> Option<chrono::NaiveDateTime> {
    let v = value.trim().trim_end_matches(['Z', 'z']);
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
    NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(v, "%Y%m%d")
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })
}

/// Unfolds content lines on bytes (RFC 5545 section 3.1): a line break followed by a space
/// or a tab is removed. Folding is done on octets and may split a UTF-8 character, so it must
/// be undone before the text is decoded.
pub fn unfold_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let fold = match &bytes[i..] {
            [b'\r', b'\n', b' ' | b'\t', ..] => 3,
            [b'\n', b' ' | b'\t', ..] => 2,
            _ => 0,
        };
        if fold > 0 {
            i += fold;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// An iCalendar file's text from its bytes: unfolded first, then read as UTF-8 (RFC 5545's
/// charset).
pub fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&unfold_bytes(bytes)).into_owned()
}

/// Unfolds RFC 5545 lines (a line starting with a space or tab continues the previous one).
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.trim_start_matches('\u{feff}').split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = line.strip_prefix([' ', '\t'])
            && let Some(last) = lines.last_mut()
        {
            last.push_str(rest);
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.to_string());
        }
    }
    lines
}

/// Splits one content line; None when it has no colon outside quotes.
fn content_line(line: &str) -> Option<Property> {
    let mut in_quotes = false;
    let mut colon = None;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let (head, value) = (&line[..colon], &line[colon + 1..]);
    let mut parts = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in head.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                parts.push(&head[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&head[start..]);
    let name = parts.first()?.trim().to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let params = parts[1..]
        .iter()
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((
                k.trim().to_ascii_uppercase(),
                v.trim().trim_matches('"').to_string(),
            ))
        })
        .collect();
    Some(Property {
        name,
        params,
        value: value.to_string(),
    })
}

/// Every VCALENDAR in `text` (a file may hold several).
pub fn parse(text: &str) -> Result<Vec<Component>, NotACalendar> {
    let mut stack: Vec<Component> = Vec::new();
    let mut done: Vec<Component> = Vec::new();
    for line in unfold(text) {
        let Some(p) = content_line(&line) else {
            continue;
        };
        match p.name.as_str() {
            "BEGIN" => {
                // Deeply nested garbage is not a calendar worth reading.
                if stack.len() < 16 {
                    stack.push(Component {
                        name: p.value.trim().to_ascii_uppercase(),
                        ..Default::default()
                    });
                }
            }
            "END" => {
                let name = p.value.trim().to_ascii_uppercase();
                // Close up to the matching BEGIN (tolerates a missing END in between).
                if let Some(pos) = stack.iter().rposition(|c| c.name == name) {
                    while stack.len() > pos + 1 {
                        let c = stack.pop().expect("non-empty");
                        stack.last_mut().expect("parent").children.push(c);
                    }
                    let c = stack.pop().expect("matched");
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(c),
                        None => done.push(c),
                    }
                }
            }
            _ => {
                if let Some(c) = stack.last_mut()
                    && c.properties.len() < 10_000
                {
                    c.properties.push(p);
                }
            }
        }
    }
    // A calendar without its END is still read.
    while let Some(c) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(c),
            None => done.push(c),
        }
    }
    let calendars: Vec<Component> = done.into_iter().filter(|c| c.name == "VCALENDAR").collect();
    if calendars.is_empty() {
        Err(NotACalendar)
    } else {
        Ok(calendars)
    }
}

/// Undoes TEXT escaping (`\n`, `\,`, `\;`, `\\`).
pub fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Escapes TEXT for writing.
pub fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets (RFC 5545 section 3.1), CRLF-terminated.
pub fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_lines_params_and_nesting() {
        let text = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Board\r\n  meeting\\, Q4\r\nORGANIZER;CN=\"Doe, Jane\":mailto:jane@example.com\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let cals = parse(text).unwrap();
        assert_eq!(cals[0].value("METHOD"), Some("REQUEST"));
        let ev = &cals[0].children[0];
        assert_eq!(ev.name, "VEVENT");
        assert_eq!(unescape(ev.value("SUMMARY").unwrap()), "Board meeting, Q4");
        let org = ev.prop("ORGANIZER").unwrap();
        assert_eq!(org.param("CN"), Some("Doe, Jane"));
        assert_eq!(org.value, "mailto:jane@example.com");
        assert_eq!(ev.children[0].name, "VALARM");
        assert!(parse("hello").is_err());
        // A missing END is tolerated.
        assert_eq!(
            parse("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:1\n").unwrap()[0]
                .children
                .len(),
            1
        );
    }

    #[test]
    fn folding_round_trip() {
        let long = format!("DESCRIPTION:{}", "ا".repeat(60));
        let folded = fold(&long);
        assert!(folded.split("\r\n").all(|l| l.len() <= 75));
        assert_eq!(unfold(&folded)[0], long);
    }
}
