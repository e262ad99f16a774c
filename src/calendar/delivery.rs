//! Invitations as mail flows: the plan (pure, in the pipeline); its edge step (store) is
//! [`super::edge`].
//!
//! - A REQUEST or COUNTER to a configured mailbox is checked against the owner's calendar
//!   ([`super::check`]) and tagged `X-Musaid-Calendar`; it is remembered as `invited` (so an
//!   acceptance can place it). A conflict with a VIP sender or an urgent invitation raises
//!   the message to priority 1.
//! - A CANCEL from the verified organizer removes the event from the calendar.
//! - An outbound REPLY from the mailbox (or its delegate) with PARTSTAT=ACCEPTED puts the
//!   event in the calendar as `accepted`; DECLINED forgets the invitation.

use super::check;
use super::{Invitation, invitations};
use crate::classify::{Category, Direction, Input, Verdict};

/// What to do with a message's calendar parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationPlan {
    pub mailbox: String,
    pub direction: Direction,
    pub invitations: Vec<Invitation>,
    /// The organizer matches the authenticated sender (inbound).
    pub verified: bool,
    /// A conflict raises the message to priority 1 (VIP sender or urgent category).
    pub raise_on_conflict: bool,
}

/// Decides whether the message carries calendar work (pure).
pub fn plan(input: &Input<'_>, verdict: &Verdict) -> Option<InvitationPlan> {
    let m = input.message;
    if m.calendars.is_empty() {
        return None;
    }
    let (mailbox, direction) = match verdict.direction {
        Direction::Inbound => (input.mailbox?, Direction::Inbound),
        Direction::Outbound => (
            crate::escalation::tracking::sending_mailbox(input)?,
            Direction::Outbound,
        ),
    };
    let wanted: &[&str] = match direction {
        Direction::Inbound => &["REQUEST", "COUNTER", "CANCEL"],
        Direction::Outbound => &["REPLY"],
    };
    let invitations: Vec<Invitation> = invitations(m)
        .into_iter()
        .filter(|i| wanted.contains(&i.method.as_str()))
        .collect();
    if invitations.is_empty() {
        return None;
    }
    let organizer = invitations[0].master().organizer.clone();
    let sender = input.sender();
    Some(InvitationPlan {
        mailbox: mailbox.address.clone(),
        direction,
        verified: direction == Direction::Outbound
            || check::organizer_verified(
                organizer.as_deref(),
                m,
                &sender,
                &input.config.autoreply.trusted_authserv_ids,
            ),
        raise_on_conflict: verdict.category == Category::Urgent
            || m.from.as_ref().is_some_and(|f| mailbox.is_vip(&f.address)),
        invitations,
    })
}
