//! Machine-generated mail: delivery reports, read receipts, abuse reports, auto-replies,
//! and senders that are robots by name.

use super::{Hit, Signal};
use crate::classify::Input;
use crate::classify::lexicon::Lex;
use crate::message::ReportKind;
use crate::robots::{self, local_part};

pub(super) fn detect(input: &Input<'_>, hits: &mut Vec<Hit>) {
    let m = input.message;
    match m.report {
        Some(ReportKind::Dsn) => hits.push(Hit::new(Signal::Dsn)),
        Some(ReportKind::Mdn) => hits.push(Hit::new(Signal::Mdn)),
        Some(ReportKind::Arf) => hits.push(Hit::new(Signal::Arf)),
        Some(ReportKind::Other) => hits.push(Hit::new(Signal::Report)),
        None => {}
    }
    match m.auto_submitted.as_deref() {
        None | Some("no") => {}
        Some("auto-replied") => hits.push(Hit::new(Signal::AutoReplied)),
        Some(other) => hits.push(Hit::with_evidence(
            Signal::AutoSubmitted,
            vec![other.to_string()],
        )),
    }

    let envelope_sender = &input.envelope.sender;
    let from = m.from.as_ref().map(|f| f.address.as_str()).unwrap_or("");
    let return_path = m.return_path.as_deref().unwrap_or("");
    let has_envelope = !input.envelope.recipients.is_empty();
    let null_from = m.header("From").is_some_and(|f| f.contains("<>"));
    if (has_envelope && envelope_sender.is_empty())
        || (!has_envelope && m.return_path.as_deref() == Some(""))
        || null_from
    {
        hits.push(Hit::new(Signal::NullSender));
    }
    let candidates = [envelope_sender.as_str(), from, return_path];
    if let Some(robot) = candidates.iter().find(|a| robots::is_system(a)) {
        hits.push(Hit::with_evidence(
            Signal::MailerDaemon,
            vec![local_part(robot)],
        ));
    } else if let Some(robot) = candidates.iter().find(|a| robots::is_noreply(a)) {
        hits.push(Hit::with_evidence(
            Signal::NoreplySender,
            vec![local_part(robot)],
        ));
    }

    if let Some(admin) = input.recipients().iter().find(|r| robots::is_admin(r)) {
        hits.push(Hit::with_evidence(
            Signal::AdminRecipient,
            vec![local_part(admin)],
        ));
    }

    let bounce = input.subject_words(Lex::BounceSubject);
    if !bounce.is_empty() {
        hits.push(Hit::with_evidence(
            Signal::BounceSubject,
            bounce.iter().map(|s| s.to_string()).collect(),
        ));
    }
    let mut auto: Vec<String> = input
        .subject_words(Lex::AutoReplySubject)
        .iter()
        .map(|s| s.to_string())
        .collect();
    // The prefix musaid's own acknowledgements (and many helpdesks') carry, "Auto: ...": a
    // reply to one is not answered again, whatever the loop's other headers say.
    let subject = input.message.subject.trim_start();
    if subject
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("auto:"))
    {
        auto.push("Auto:".into());
    }
    if !auto.is_empty() {
        hits.push(Hit::with_evidence(Signal::AutoReplySubject, auto));
    }
}
