//! Whether a message was sent by a machine, from evidence about its sender, whatever its
//! category.
//!
//! A category says what a message is about and rules may set it freely: the shipped
//! `support-desk` rule files everything sent to support@ as support, bank statements and
//! monitoring alerts included. Whether a person is waiting for an answer is another question,
//! and it is answered here from what the sender's mail system says about itself: the null
//! reverse-path, `Auto-Submitted`, list and bulk headers, a robot address (MAILER-DAEMON,
//! noreply, list servers) in the envelope or the From, a delivery or disposition report, an
//! auto-reply or bounce subject, an upstream spam verdict, or an iTIP calendar object (an
//! invitation is answered in the calendar, not by mail). Tracking, reminders, deadline
//! reminders, escalations after a deadline, acknowledgements and the digest's "still waiting
//! for a reply" all ask this one question.

use super::Input;
use super::signals::{Hit, Signal};
use crate::robots;

/// Why a message is machine mail: nobody waits for a reply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Automated {
    /// The null reverse-path `<>` (bounces, reports, auto-replies).
    NullSender,
    /// `Auto-Submitted` other than `no` (RFC 3834).
    AutoSubmitted,
    /// `List-*` headers.
    ListHeader,
    /// `Precedence: bulk`, `list`, `junk` or an auto-reply precedence.
    Precedence,
    /// MAILER-DAEMON, postmaster, list servers, noreply and notification senders, in the
    /// envelope or the From.
    RobotSender,
    /// A DSN, MDN or ARF report.
    Report,
    /// An auto-reply or bounce subject ("Automatic reply:", "Undeliverable:").
    RobotSubject,
    /// Judged spam upstream.
    Spam,
    /// An iTIP calendar object (REQUEST, CANCEL, REPLY, COUNTER...).
    Invitation,
}

/// The first piece of evidence that `input` is machine mail, if any. `hits` are the signals
/// already found (the robot subjects). The verdict carries the answer
/// ([`super::Verdict::automated`]).
pub fn evidence(input: &Input<'_>, hits: &[Hit]) -> Option<Automated> {
    let m = input.message;
    let sender = input.envelope.sender.as_str();
    if sender.is_empty() || sender == "<>" {
        return Some(Automated::NullSender);
    }
    if m.auto_submitted.as_deref().is_some_and(|a| a != "no") {
        return Some(Automated::AutoSubmitted);
    }
    if m.has_list_headers {
        return Some(Automated::ListHeader);
    }
    if matches!(
        m.precedence.as_deref(),
        Some("bulk" | "list" | "junk" | "auto_reply" | "auto-reply")
    ) {
        return Some(Automated::Precedence);
    }
    let from = m.from.as_ref().map_or("", |f| f.address.as_str());
    if robots::never_answered(sender) || (!from.is_empty() && robots::never_answered(from)) {
        return Some(Automated::RobotSender);
    }
    if m.report.is_some() {
        return Some(Automated::Report);
    }
    if hits
        .iter()
        .any(|h| matches!(h.signal, Signal::AutoReplySubject | Signal::BounceSubject))
    {
        return Some(Automated::RobotSubject);
    }
    if m.spam_flag {
        return Some(Automated::Spam);
    }
    if !m.calendar_methods.is_empty() {
        return Some(Automated::Invitation);
    }
    None
}
