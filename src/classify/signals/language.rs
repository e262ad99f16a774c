//! What the words say, in English and Arabic: urgency and deadlines, support requests,
//! promotions, scheduling, requests that need an answer. Also calendar parts, which are the
//! structured form of a scheduling request.

use super::{Hit, Signal};
use crate::classify::Input;
use crate::classify::lexicon::Lex;

/// Matches a word list in the subject and the body: the distinct words found, and a weight
/// in which a word in the subject counts twice (senders put what matters there). The subject
/// of a reply is the replied-to message's: its urgency and deadlines are that message's, not
/// this one's (the new part of the body says what this message wants).
fn words(input: &Input<'_>, list: Lex) -> (Vec<String>, usize) {
    let replied_to = matches!(list, Lex::Urgent | Lex::Deadline | Lex::Today)
        && crate::message::quote::is_reply(&input.message.subject);
    let subject = if replied_to {
        Vec::new()
    } else {
        input.subject_words(list)
    };
    let mut weight = subject.len() * 2;
    let mut evidence: Vec<String> = subject.into_iter().map(str::to_string).collect();
    for w in input.body_words(list) {
        if !evidence.iter().any(|e| e == w) {
            evidence.push(w.to_string());
            weight += 1;
        }
    }
    (evidence, weight)
}

/// Adds a hit when the weight reaches `min`; strength is the weight, at most 3.
fn add(hits: &mut Vec<Hit>, signal: Signal, (evidence, weight): (Vec<String>, usize), min: usize) {
    if weight >= min && !evidence.is_empty() {
        hits.push(Hit {
            signal,
            strength: weight.min(3) as u8,
            evidence,
        });
    }
}

pub(super) fn detect(input: &Input<'_>, hits: &mut Vec<Hit>) {
    let m = input.message;
    if !m.calendar_methods.is_empty() {
        hits.push(Hit::with_evidence(
            Signal::CalendarPart,
            m.calendar_methods.clone(),
        ));
    }
    if m.high_importance {
        hits.push(Hit::new(Signal::HighImportance));
    }
    add(hits, Signal::UrgentWords, words(input, Lex::Urgent), 1);
    add(hits, Signal::DeadlineWords, words(input, Lex::Deadline), 1);
    if let Some(why) = due_today(input) {
        hits.push(Hit::with_evidence(Signal::DueToday, vec![why]));
    }
    add(hits, Signal::SupportWords, words(input, Lex::Support), 2);
    add(hits, Signal::PromoWords, words(input, Lex::Promotional), 2);
    add(hits, Signal::SpamWords, words(input, Lex::Spam), 2);
    add(
        hits,
        Signal::SchedulingWords,
        words(input, Lex::Scheduling),
        2,
    );
    add(hits, Signal::RequestWords, words(input, Lex::Request), 1);
    if m.subject.contains('?')
        || m.subject.contains('؟')
        || first_lines(&m.text).any(|l| l.trim_end().ends_with(['?', '؟']))
    {
        hits.push(Hit::new(Signal::Question));
    }
}

/// The first lines of the text, before any quoted reply.
fn first_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .take_while(|l| !(l.starts_with('>') || (l.starts_with("On ") && l.ends_with("wrote:"))))
        .take(40)
}

/// Something due within hours: a "today" word with a time of day or a deadline word in what
/// this message says, or a written deadline ([`crate::escalation::deadline`]) that falls
/// within a day of the message's own date. Returns the evidence.
fn due_today(input: &Input<'_>) -> Option<String> {
    let (today, _) = words(input, Lex::Today);
    if let Some(t) = today.first() {
        let (time, _) = words(input, Lex::TimeOfDay);
        let (deadline, _) = words(input, Lex::Deadline);
        if !time.is_empty() || deadline.iter().any(|d| !today.contains(d)) {
            return Some(t.clone());
        }
    }
    if !crate::escalation::deadline::may_hold_deadline(&[&input.body_tokens]) {
        return None;
    }
    // The message's own date, when it is a plausible one, else now: a message read from a
    // file is judged as it was on arrival.
    let sent = input
        .message
        .header("Date")
        .and_then(|d| chrono::DateTime::parse_from_rfc2822(d.trim()).ok())
        .map(|d| d.with_timezone(&chrono::Utc))
        .filter(|d| *d <= input.now + chrono::Duration::days(1))
        .unwrap_or(input.now);
    let d = crate::escalation::deadline::find(&input.new_text, sent, input.schedule())?;
    (d.due - sent <= chrono::Duration::hours(24)).then_some(d.phrase)
}
