//! Administrator rules evaluated per message: the rule types live in [`crate::config::rule`]
//! (the configuration compiles them); what a condition means for one message is here.
//!
//! Semantics, in the spirit of Exchange transport rules and Sieve:
//! - rules are evaluated in file order; every matching `enforce` rule contributes its actions;
//! - single-valued settings (category, priority, folder, redirect) take the value of the last
//!   matching rule that sets them; lists (headers, recipients) accumulate;
//! - `reject` and `discard` end evaluation (the message's fate is decided), as does `stop`;
//! - a matching `audit` rule changes nothing: it is reported (log, `classify --json`) as what
//!   it would have done.

pub use crate::config::rule::*;

use super::{Category, Input};

impl Condition {
    /// Evaluates the condition for one message. `signal_category` is what signals chose.
    pub fn matches(&self, input: &Input<'_>, signal_category: &Category) -> bool {
        match self {
            Condition::Always => true,
            Condition::All(cs) => cs.iter().all(|c| c.matches(input, signal_category)),
            Condition::Any(cs) => cs.iter().any(|c| c.matches(input, signal_category)),
            Condition::Not(c) => !c.matches(input, signal_category),
            Condition::Sender(m) => m.matches_one(input, &input.sender()),
            Condition::Recipient(m) => input.recipients().iter().any(|r| m.matches_one(input, r)),
            Condition::From(m) => input
                .message
                .from
                .as_ref()
                .is_some_and(|f| m.matches_one(input, &f.address)),
            Condition::Header(h) => h.matches(input),
            Condition::Subject(t) => t.matches(&input.message.subject, &input.subject_tokens),
            Condition::Body(t) => t.matches(&input.message.text, &input.body_tokens),
            Condition::Text(t) => {
                t.matches(&input.message.subject, &input.subject_tokens)
                    || t.matches(&input.message.text, &input.body_tokens)
            }
            Condition::Attachment(a) => a.matches(input),
            Condition::Size { over, under } => {
                let size = input.message.size as u64;
                over.is_none_or(|o| size > o) && under.is_none_or(|u| size < u)
            }
            Condition::Direction(d) => input.direction == *d,
            Condition::Authenticated(b) => input.envelope.auth_authen.is_some() == *b,
            Condition::List(b) => {
                let m = input.message;
                let list = m.has_list_headers
                    || m.esp.is_some()
                    || matches!(m.precedence.as_deref(), Some("list" | "bulk"));
                list == *b
            }
            Condition::Calendar(c) => {
                let methods = &input.message.calendar_methods;
                let present = !methods.is_empty();
                c.present.is_none_or(|p| p == present)
                    && (c.methods.is_empty() || c.methods.iter().any(|m| methods.contains(m)))
            }
            Condition::Spam(b) => input.message.spam_flag == *b,
            Condition::Time(t) => t.matches(input),
            Condition::Category(cs) => cs.contains(signal_category),
        }
    }
}

impl AddressMatch {
    fn matches_one(&self, input: &Input<'_>, address: &str) -> bool {
        let by_pattern =
            self.patterns.is_empty() || self.patterns.iter().any(|p| p.matches(address));
        let by_list = match self.in_list {
            None => true,
            Some(AddressList::Vip) => input.mailbox.is_some_and(|m| m.is_vip(address)),
            Some(AddressList::Mailboxes) => input.config.mailbox(address).is_some(),
        };
        by_pattern && by_list
    }
}

impl HeaderMatch {
    fn matches(&self, input: &Input<'_>) -> bool {
        let mut values = input.message.header_all(&self.name);
        match &self.test {
            HeaderTest::Exists(want) => values.next().is_some() == *want,
            HeaderTest::Equals(s) => values.any(|v| v.trim().eq_ignore_ascii_case(s.trim())),
            HeaderTest::Contains(s) => {
                let needle = s.to_lowercase();
                values.any(|v| v.to_lowercase().contains(&needle))
            }
            HeaderTest::Regex(r) => values.any(|v| r.is_match(v)),
        }
    }
}

impl TextMatch {
    fn matches(&self, raw: &str, tokens: &crate::text::Tokens) -> bool {
        self.words.as_ref().is_none_or(|w| tokens.contains_any(w))
            && self.regex.as_ref().is_none_or(|r| r.is_match(raw))
    }
}

impl AttachmentMatch {
    fn matches(&self, input: &Input<'_>) -> bool {
        let atts = &input.message.attachments;
        if self
            .present
            .is_some_and(|present| atts.is_empty() == present)
        {
            return false;
        }
        if self.types.is_empty() && self.names.is_empty() {
            return self.present.is_some() || !atts.is_empty();
        }
        atts.iter().any(|a| {
            (self.types.is_empty() || self.types.iter().any(|g| g.matches(&a.content_type)))
                && (self.names.is_empty()
                    || a.name
                        .as_deref()
                        .is_some_and(|n| self.names.iter().any(|g| g.matches(n))))
        })
    }
}

impl TimeMatch {
    fn matches(&self, input: &Input<'_>) -> bool {
        let schedule = input.schedule();
        let (day, time) = schedule.local(input.now);
        self.hours.is_none_or(|h| h.contains(time))
            && self.days.is_none_or(|d| d.contains(day))
            && self
                .working_hours
                .is_none_or(|w| schedule.is_working_time(input.now) == w)
    }
}

#[cfg(test)]
mod tests {
    use crate::classify::{Input, classify};
    use crate::config::{Overrides, from_str};
    use crate::message::{Envelope, ParsedMessage};
    use chrono::{TimeZone, Utc};

    /// Names of the enforced rules that match `raw` with the given envelope at `now`.
    fn matching(rules: &str, env: Envelope, raw: &str, now: chrono::DateTime<Utc>) -> Vec<String> {
        let config = format!(
            "[[mailbox]]\naddress = \"ceo@example.com\"\ntime_zone = \"Asia/Riyadh\"\nworking_hours = \"08:00-17:00\"\nworking_days = [\"sun\",\"mon\",\"tue\",\"wed\",\"thu\"]\nvip = [\"*@board.example.com\"]\n{rules}"
        );
        let config = from_str(&config, "t.toml", &Overrides::default()).unwrap();
        let raw = raw.replace('\n', "\r\n");
        let msg = ParsedMessage::parse(raw.as_bytes(), raw.len(), false);
        let input = Input::new(&config, &env, &msg, now);
        classify(&input).rules.into_iter().map(|h| h.rule).collect()
    }

    fn env(from: &str, to: &[&str]) -> Envelope {
        Envelope {
            sender: from.into(),
            recipients: to.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    const MSG: &str = "From: Board <a@board.example.com>\nTo: ceo@example.com\nSubject: Minutes of the board\nX-Tag: Alpha-1\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nPlease sign the minutes today.\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=minutes.pdf\n\nJVBERi0=\n--b--\n";

    fn rule(name: &str, when: &str) -> String {
        format!("[[rule]]\nname = \"{name}\"\nwhen = {when}\nthen = {{ priority = 1 }}\n")
    }

    /// (condition, should match MSG from a@board.example.com to ceo@ on a Sunday 10:00 Riyadh)
    const CASES: &[(&str, bool)] = &[
        (r#"{ sender = "*@board.example.com" }"#, true),
        (r#"{ sender = "board.example.com" }"#, true),
        (r#"{ sender = "example.com" }"#, false),
        (r#"{ sender = { in = "vip" } }"#, true),
        (r#"{ recipient = { in = "mailboxes" } }"#, true),
        (r#"{ recipient = ["x@example.com", "ceo@*"] }"#, true),
        (r#"{ from = "a@board.example.com" }"#, true),
        (
            r#"{ header = { name = "x-tag", equals = "alpha-1" } }"#,
            true,
        ),
        (r#"{ header = { name = "X-Tag", contains = "pha" } }"#, true),
        (
            r#"{ header = { name = "X-Tag", regex = "^Alpha-\\d$" } }"#,
            true,
        ),
        (
            r#"{ header = { name = "X-Missing", exists = false } }"#,
            true,
        ),
        (
            r#"{ header = [{ name = "X-Tag", exists = true }, { name = "X-Missing" }] }"#,
            false,
        ),
        (r#"{ subject = "minutes" }"#, true),
        (r#"{ subject = "minute" }"#, false),
        (
            r#"{ body = { any = ["sign"], regex = "(?i)today" } }"#,
            true,
        ),
        (r#"{ text = ["board", "nothing"] }"#, true),
        (r#"{ attachment = true }"#, true),
        (
            r#"{ attachment = { type = "application/*", name = "*.pdf" } }"#,
            true,
        ),
        (r#"{ attachment = { name = "*.xlsx" } }"#, false),
        (r#"{ size = { over = "100", under = "1M" } }"#, true),
        (r#"{ size = { over = "1M" } }"#, false),
        (r#"{ direction = "inbound" }"#, true),
        (r#"{ authenticated = false }"#, true),
        (r#"{ list = false }"#, true),
        (r#"{ calendar = false }"#, true),
        (r#"{ calendar = "REQUEST" }"#, false),
        (r#"{ spam = false }"#, true),
        (r#"{ time = { working_hours = true } }"#, true),
        (
            r#"{ time = { days = ["sun"], hours = "09:00-11:00" } }"#,
            true,
        ),
        (r#"{ time = { days = ["fri", "sat"] } }"#, false),
        (r#"{ category = ["urgent", "important"] }"#, true),
        (r#"{ category = "newsletter" }"#, false),
        (r#"{ not = { sender = "*@board.example.com" } }"#, false),
        (
            r#"{ any = [{ subject = "nothing" }, { subject = "board" }] }"#,
            true,
        ),
        (
            r#"{ all = [{ subject = "board" }, { subject = "nothing" }] }"#,
            false,
        ),
        (
            r#"{ sender = "*@board.example.com", subject = "nothing" }"#,
            false,
        ),
        ("{}", true),
    ];

    #[test]
    fn every_condition_kind() {
        // Sunday 2026-11-29 07:00 UTC = 10:00 in Riyadh, a working day there.
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 7, 0, 0).unwrap();
        for (i, (when, expected)) in CASES.iter().enumerate() {
            let name = format!("c{i}");
            let got = matching(
                &rule(&name, when),
                env("a@board.example.com", &["ceo@example.com"]),
                MSG,
                now,
            );
            assert_eq!(got.contains(&name), *expected, "condition {when}");
        }
    }

    #[test]
    fn later_rules_override_and_stop_ends_evaluation() {
        let rules = r#"
[[rule]]
name = "first"
then = { category = "support", add_header = { "X-A" = "1" } }
[[rule]]
name = "second"
then = { category = "meeting", add_header = { "X-B" = "2" }, stop = true }
[[rule]]
name = "third"
then = { category = "junk" }
"#;
        let config = from_str(rules, "t.toml", &Overrides::default()).unwrap();
        let raw = "From: a@b.example\r\nSubject: x\r\n\r\nx\r\n";
        let msg = ParsedMessage::parse(raw.as_bytes(), raw.len(), false);
        let e = env("a@b.example", &["c@d.example"]);
        let v = classify(&Input::new(&config, &e, &msg, Utc::now()));
        assert_eq!(v.category.name(), "meeting");
        assert_eq!(v.actions.add_headers.len(), 2);
        assert_eq!(
            v.reasons[..2],
            ["rule:first".to_string(), "rule:second".to_string()]
        );
        assert!(!v.rules.iter().any(|h| h.rule == "third"));
    }

    #[test]
    fn audit_rules_are_reported_but_change_nothing() {
        let rules = "[[rule]]\nname = \"a\"\nmode = \"audit\"\nthen = { category = \"junk\", discard = true }\n";
        let config = from_str(rules, "t.toml", &Overrides::default()).unwrap();
        let raw = "From: a@b.example\r\nTo: c@d.example\r\nSubject: x\r\n\r\nx\r\n";
        let msg = ParsedMessage::parse(raw.as_bytes(), raw.len(), false);
        let e = env("a@b.example", &["c@d.example"]);
        let v = classify(&Input::new(&config, &e, &msg, Utc::now()));
        assert_ne!(v.category.name(), "junk");
        assert!(!v.actions.discard);
        assert_eq!(v.rules.len(), 1);
        assert_eq!(v.rules[0].mode, super::Mode::Audit);
        assert!(v.rules[0].actions.contains(&"discard".to_string()));
    }
}
