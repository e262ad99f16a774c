//! What the words say, in English and Arabic: urgency and deadlines, support requests,
//! promotions, scheduling, requests that need an answer. Also calendar parts, which are the
//! structured form of a scheduling request.

use super::{Hit, Signal};
use crate::classify::Input;
use crate::classify::lexicon::Lex;

/// Matches a word list in the subject and the body: the distinct words found, and a weight
/// in which a word in the subject counts twice (senders put what matters there).
fn words(input: &Input<'_>, list: Lex) -> (Vec<String>, usize) {
    let subject = input.subject_words(list);
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
