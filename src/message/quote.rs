//! The new part of a message: what the sender wrote this time, without the quoted history of
//! a reply.
//!
//! Only the new part says what a reply is about: "URGENT" in the quoted subject of a resolved
//! incident does not make "thanks, all fixed" urgent. A forwarded message is different: the
//! sender passes it on so that it is read, so its content counts ("FYI" over a contract that
//! must be signed today is urgent). The cut is where the quoted history of a reply starts:
//!
//! - a line starting with `>` (quoted lines are dropped wherever they are);
//! - an attribution line: "On … wrote:", "Le … a écrit :", Arabic "في … كتب …:";
//! - an Outlook separator: "-----Original Message-----", "-----الرسالة الأصلية-----", a line
//!   of underscores followed by a From:/من: line, or a From:/من: line followed within two
//!   lines by Sent:/Date:/تاريخ الإرسال:/أرسل: (Outlook's header block of the replied-to
//!   message).
//!
//! "---------- Forwarded message ---------", "Begin forwarded message:" and their Arabic forms
//! are not cuts, and neither is anything in a message whose subject says it is forwarded
//! ("Fw:", "Fwd:", "TR:", "WG:", "إعادة توجيه:", "توجيه:"), because Outlook introduces a
//! forwarded message with the same header block as a replied-to one.

/// The new part of `text` (see the module docs): the lines before the quoted history, with
/// `>`-quoted lines left out. Borrowed when nothing is left out.
pub fn new_part<'a>(text: &'a str, subject: &str) -> std::borrow::Cow<'a, str> {
    let lines = lines_of(text);
    let forwarded_at = match may_hold_forward_separator(text) {
        true => lines
            .iter()
            .position(|l| is_forward_separator(l))
            .unwrap_or(lines.len()),
        false => lines.len(),
    };
    let cut = if is_forward(subject) {
        lines.len()
    } else {
        lines[..forwarded_at]
            .iter()
            .enumerate()
            .position(|(i, l)| starts_history(l.trim(), &lines[i + 1..]))
            .unwrap_or(lines.len())
    };
    let kept = &lines[..cut];
    let quotes = memchr::memchr(b'>', text.as_bytes()).is_some();
    if cut == lines.len() && !(quotes && kept.iter().any(|l| is_quoted(l))) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(kept.iter().filter(|l| !is_quoted(l)).copied().collect())
}

/// The lines of `text`, each with its line end (what `split_inclusive('\n')` gives, found by
/// the memchr crate's vector search rather than the standard library's byte loop).
fn lines_of(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines.push(&text[start..=end]);
        start = end + 1;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// True when the subject says the message is a reply ("Re:", "AW:", "رد:").
pub fn is_reply(subject: &str) -> bool {
    let lower = subject.trim_start().to_lowercase();
    ["re:", "re :", "aw:", "رد:", "رد :"]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// True when the subject says the message is forwarded (after any "Re:").
pub fn is_forward(subject: &str) -> bool {
    let mut s = subject.trim_start();
    loop {
        let lower = s.to_lowercase();
        if [
            "fw:",
            "fwd:",
            "tr:",
            "wg:",
            "إعادة توجيه:",
            "اعادة توجيه:",
            "توجيه:",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
        {
            return true;
        }
        match ["re:", "aw:", "رد:"]
            .iter()
            .find(|p| lower.starts_with(**p))
        {
            Some(p) => s = s[p.len()..].trim_start(),
            None => return false,
        }
    }
}

/// "رسالة" (message), the word every Arabic forwarded-message separator has.
static ARABIC_MESSAGE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new("رسالة"));

/// Whether `text` holds a word every forwarded-message separator has: "message" in any case
/// (the English forms) or "رسالة" (the Arabic ones). Most mail holds neither, and its lines
/// need not be asked one by one.
fn may_hold_forward_separator(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'm', b'M', bytes).any(|i| {
        bytes
            .get(i..i + 7)
            .is_some_and(|w| w.eq_ignore_ascii_case(b"message"))
    }) || ARABIC_MESSAGE.find(bytes).is_some()
}

/// "---------- Forwarded message ---------", "Begin forwarded message:" and Arabic forms:
/// what follows was passed on to be read. Asked of every line of a text that may hold one
/// ([`may_hold_forward_separator`]): an ASCII line is compared without being copied, and a
/// line of another script is searched only when it holds "رسالة".
fn is_forward_separator(line: &str) -> bool {
    let inner = line
        .trim()
        .trim_matches(|c: char| c == '-' || c == ' ' || c == ':');
    if inner.is_ascii() {
        return [
            "forwarded message",
            "begin forwarded message",
            "original message follows",
        ]
        .iter()
        .any(|form| inner.eq_ignore_ascii_case(form));
    }
    ARABIC_MESSAGE.find(inner.as_bytes()).is_some()
        && (inner.contains("رسالة معاد توجيهها")
            || inner.contains("الرسالة المعاد توجيهها")
            || inner.contains("رسالة محولة"))
}

fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

/// True when `line` (trimmed) starts the quoted history; `rest` are the lines after it.
fn starts_history(line: &str, rest: &[&str]) -> bool {
    // Every form below begins with one of these (a separator, an attribution "On", "Le",
    // "في", a header "From:", "من:", a rule of underscores): any other line is not lower-cased.
    if !matches!(
        line.chars().next(),
        Some('-' | '_' | 'o' | 'O' | 'l' | 'L' | 'f' | 'F' | 'ف' | 'م')
    ) {
        return false;
    }
    let lower = line.to_lowercase();
    if is_separator(&lower) {
        return true;
    }
    // Attribution lines, possibly wrapped over two lines by the client.
    let attribution = |l: &str| {
        let l = l.trim_end();
        ((l.starts_with("on ") || l.starts_with("le "))
            && (l.ends_with("wrote:") || l.ends_with("écrit :") || l.ends_with("écrit:")))
            || (l.starts_with("في ") && l.ends_with(':') && l.contains("كتب"))
    };
    if attribution(&lower) {
        return true;
    }
    if (lower.starts_with("on ") || lower.starts_with("في "))
        && let Some(next) = rest.first()
    {
        let joined = format!("{lower} {}", next.trim().to_lowercase());
        if attribution(&joined) && !attribution(&next.trim().to_lowercase()) {
            return true;
        }
    }
    // Outlook's header block of the message replied to.
    if header_line(&lower, &["from:", "من:"]) {
        return rest.iter().take(2).any(|l| {
            header_line(
                &l.trim().to_lowercase(),
                &[
                    "sent:",
                    "date:",
                    "تاريخ الإرسال:",
                    "أرسل:",
                    "التاريخ:",
                    "بتاريخ:",
                ],
            )
        });
    }
    if lower.len() >= 10 && lower.chars().all(|c| c == '_') {
        return rest
            .iter()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| header_line(&l.trim().to_lowercase(), &["from:", "من:"]));
    }
    false
}

/// "-----Original Message-----" and its Arabic form (not a forwarded-message separator).
fn is_separator(lower: &str) -> bool {
    let inner = lower.trim_matches(|c: char| c == '-' || c == ' ');
    lower.starts_with("---")
        && (inner == "original message"
            || inner == "الرسالة الأصلية"
            || inner == "الرسالة الاصلية"
            || inner == "رسالة أصلية")
}

fn header_line(lower: &str, names: &[&str]) -> bool {
    names.iter().any(|n| lower.starts_with(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_of_a_reply_is_cut() {
        let t = "Thanks, all fixed now.\n\nOn Mon, 3 Nov 2026, Ops <ops@example.com> wrote:\n> URGENT: payments down\n";
        assert_eq!(new_part(t, "Re: x"), "Thanks, all fixed now.\n\n");
        let outlook = "Done.\r\n-----Original Message-----\r\nFrom: A\r\nSubject: URGENT\r\n";
        assert_eq!(new_part(outlook, ""), "Done.\r\n");
        let block = "Approved.\n\nFrom: Sara <s@example.net>\nSent: Monday\nSubject: urgent\n";
        assert_eq!(new_part(block, "RE: contract"), "Approved.\n\n");
        let arabic = "تم الحل.\n\nفي ٢٤ نوفمبر ٢٠٢٦، كتبت سارة المالكي:\n> عاجل\n";
        assert_eq!(new_part(arabic, ""), "تم الحل.\n\n");
        let ar_outlook = "شكرا\n-----Original Message-----\nمن: منيرة\nتاريخ الإرسال: الأحد\n";
        assert_eq!(new_part(ar_outlook, ""), "شكرا\n");
        let wrapped =
            "OK.\nOn Wed, 18 Nov 2026 at 09:12, Megan Holt\n<megan@example.net> wrote:\n> hi\n";
        assert_eq!(new_part(wrapped, ""), "OK.\n");
    }

    #[test]
    fn lines_end_where_split_inclusive_ends_them() {
        for t in [
            "",
            "a",
            "a\n",
            "a\nb",
            "\n\n",
            "one\r\ntwo\n\nthree",
            "عاجل\nx",
        ] {
            assert_eq!(
                lines_of(t),
                t.split_inclusive('\n').collect::<Vec<_>>(),
                "{t:?}"
            );
        }
    }

    #[test]
    fn a_forward_separator_in_any_case_is_found() {
        let fwd =
            "FYI\n\n-------- FORWARDED MESSAGE --------\nFrom: Bank\nSent: Monday\nSign today.\n";
        assert_eq!(new_part(fwd, ""), fwd);
        let ar = "للعلم\n---------- رسالة محولة ----------\nمن: البنك\nتاريخ الإرسال: الأحد\n";
        assert_eq!(new_part(ar, ""), ar);
    }

    #[test]
    fn forwarded_content_and_plain_text_are_kept() {
        let fwd = "FYI\n\n---------- Forwarded message ---------\nFrom: Bank\nDate: today\nPlease sign before 2pm.\n";
        assert_eq!(new_part(fwd, ""), fwd);
        let plain = "From: the board's view, this is fine.\nRegards";
        assert_eq!(new_part(plain, ""), plain);
        let outlook_fwd = "FYI\n\nFrom: Bank <b@example.net>\nSent: Monday\nSign by 2pm today.\n";
        assert_eq!(new_part(outlook_fwd, "FW: signature needed"), outlook_fwd);
        assert_eq!(new_part(outlook_fwd, "Re: Fwd: signature"), outlook_fwd);
        assert_eq!(new_part(outlook_fwd, "Re: signature"), "FYI\n\n");
        // Inline quotes are dropped, the answers between them kept.
        assert_eq!(new_part("> q1\na1\n> q2\na2\n", ""), "a1\na2\n");
    }
}
