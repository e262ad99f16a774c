//! Who wrote and to whom: VIP senders of the mailbox, direct or Cc-only addressing,
//! broadcasts to many recipients, replies in an ongoing conversation.

use super::{Hit, Signal, has};
use crate::classify::Input;

/// More addressees than this in To and Cc make a message a broadcast.
const MANY_RECIPIENTS: usize = 10;

pub(super) fn detect(input: &Input<'_>, hits: &mut Vec<Hit>) {
    let m = input.message;
    let sender = input.sender();
    let from = m.from.as_ref().map(|f| f.address.as_str()).unwrap_or("");
    if let Some(mailbox) = input.mailbox {
        if mailbox.is_vip(&sender) || mailbox.is_vip(from) {
            hits.push(Hit::new(Signal::VipSender));
            // A VIP's deadline, in what the VIP wrote this time (the body words are the new
            // part: quoted history does not count), and never on list or bulk mail that
            // carries a VIP's address.
            if !super::is_bulk(hits)
                && (has(hits, Signal::DeadlineWords) || has(hits, Signal::UrgentWords))
            {
                hits.push(Hit::new(Signal::VipDeadline));
            }
        }
        let in_to = m.to.iter().any(|a| mailbox.owns(a));
        let in_cc = m.cc.iter().any(|a| mailbox.owns(a));
        if in_to {
            hits.push(Hit::new(Signal::DirectTo));
        } else if in_cc {
            hits.push(Hit::new(Signal::CcOnly));
        }
    } else if m.to.len() == 1 && m.cc.is_empty() {
        hits.push(Hit::new(Signal::DirectTo));
    }
    if m.to.len() + m.cc.len() > MANY_RECIPIENTS {
        hits.push(Hit::new(Signal::ManyRecipients));
    }
    if !m.in_reply_to.is_empty() || !m.references.is_empty() {
        hits.push(Hit::new(Signal::ReplyThread));
    }
}
