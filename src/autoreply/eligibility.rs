//! Whether a message may be acknowledged: every check must pass; the first that fails is the
//! reason, counted and logged. Machine mail is refused on the evidence of
//! [`crate::classify::automated`], the same that keeps it out of reply tracking. The list follows RFC 3834 and RFC 5230 (Sieve vacation) and
//! the complaints about auto-responders (backscatter, robot loops, no-reply senders, replies
//! to the wrong address), and adds one: when a trusted host has authenticated the message,
//! SPF or DKIM must have passed for the sender's domain.

use crate::classify::automated::Automated;
use crate::classify::{Category, Input, Verdict};
use crate::message::domain_of;

/// Why no acknowledgement is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Refusal {
    NullSender,
    AutoSubmitted,
    ListHeader,
    Precedence,
    SuppressHeader,
    RobotSender,
    Report,
    RobotSubject,
    Spam,
    /// An invitation: answered in the calendar (or by musaid's invitation answers), never
    /// acknowledged.
    Invitation,
    Category,
    NotAddressed,
    NotAuthenticated,
    OutOfSchedule,
    Outbound,
}

impl Refusal {
    /// Every refusal (the digest names each in the reader's language).
    pub const ALL: [Refusal; 15] = [
        Refusal::NullSender,
        Refusal::AutoSubmitted,
        Refusal::ListHeader,
        Refusal::Precedence,
        Refusal::SuppressHeader,
        Refusal::RobotSender,
        Refusal::Report,
        Refusal::RobotSubject,
        Refusal::Spam,
        Refusal::Invitation,
        Refusal::Category,
        Refusal::NotAddressed,
        Refusal::NotAuthenticated,
        Refusal::OutOfSchedule,
        Refusal::Outbound,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Refusal::NullSender => "null-sender",
            Refusal::AutoSubmitted => "auto-submitted",
            Refusal::ListHeader => "list-header",
            Refusal::Precedence => "precedence",
            Refusal::SuppressHeader => "suppress-header",
            Refusal::RobotSender => "robot-sender",
            Refusal::Report => "report",
            Refusal::RobotSubject => "robot-subject",
            Refusal::Spam => "spam",
            Refusal::Invitation => "invitation",
            Refusal::Category => "category",
            Refusal::NotAddressed => "not-addressed",
            Refusal::NotAuthenticated => "not-authenticated",
            Refusal::OutOfSchedule => "out-of-schedule",
            Refusal::Outbound => "outbound",
        }
    }
}

impl From<Automated> for Refusal {
    fn from(a: Automated) -> Refusal {
        match a {
            Automated::NullSender => Refusal::NullSender,
            Automated::AutoSubmitted => Refusal::AutoSubmitted,
            Automated::ListHeader => Refusal::ListHeader,
            Automated::Precedence => Refusal::Precedence,
            Automated::RobotSender => Refusal::RobotSender,
            Automated::Report => Refusal::Report,
            Automated::RobotSubject => Refusal::RobotSubject,
            Automated::Spam => Refusal::Spam,
            Automated::Invitation => Refusal::Invitation,
        }
    }
}

/// Undoes SRS and BATV rewriting so one person is one sender for dedupe:
/// `SRS0=HHH=TT=example.org=alice@fwd.example` → `alice@example.org`,
/// `prvs=tag=alice@example.org` → `alice@example.org`.
pub fn canonical_sender(address: &str) -> String {
    let address = address.trim().to_ascii_lowercase();
    let Some((local, domain)) = address.rsplit_once('@') else {
        return address;
    };
    if local.starts_with("srs0=") || local.starts_with("srs1=") {
        // The original domain and local part are the last two '='-separated fields.
        let parts: Vec<&str> = local.split('=').collect();
        if parts.len() >= 5 {
            let (d, l) = (parts[parts.len() - 2], parts[parts.len() - 1]);
            if !d.is_empty() && !l.is_empty() {
                return format!("{l}@{d}");
            }
        }
    }
    let batv = local
        .strip_prefix("prvs=")
        .or_else(|| local.strip_prefix("msprvs1="))
        .and_then(|rest| rest.split_once('=').map(|(_, l)| l))
        .or_else(|| {
            local
                .strip_prefix("btv1==")
                .and_then(|rest| rest.rsplit_once("==").map(|(_, l)| l))
        });
    if let Some(l) = batv {
        return format!("{l}@{domain}");
    }
    address
}

pub use crate::message::authres::{Pass, aligned, authenticated, trusted_passes};

/// Checks every rule; `Ok` when an acknowledgement may go.
pub fn check(
    input: &Input<'_>,
    verdict: &Verdict,
    template: &crate::config::model::Template,
) -> Result<(), Refusal> {
    let m = input.message;
    let sender = &input.envelope.sender;
    if verdict.direction != crate::classify::Direction::Inbound {
        return Err(Refusal::Outbound);
    }
    // Machine mail (the same evidence that keeps it out of reply tracking), then the sender's
    // own request not to be answered.
    if let Some(a) = verdict.automated {
        return Err(Refusal::from(a));
    }
    if let Some(s) = &m.auto_response_suppress {
        let s = s.to_ascii_lowercase();
        if s.split(',')
            .map(str::trim)
            .any(|v| matches!(v, "all" | "oof" | "autoreply"))
        {
            return Err(Refusal::SuppressHeader);
        }
    }
    if matches!(
        verdict.category,
        Category::Junk | Category::Newsletter | Category::Promotional | Category::Notification
    ) {
        return Err(Refusal::Category);
    }
    let mailbox = input.mailbox.ok_or(Refusal::NotAddressed)?;
    if !m.to.iter().chain(&m.cc).any(|a| mailbox.owns(a)) {
        return Err(Refusal::NotAddressed);
    }
    let domain = domain_of(&canonical_sender(sender));
    if authenticated(m, &input.config.autoreply.trusted_authserv_ids, &domain) == Some(false) {
        return Err(Refusal::NotAuthenticated);
    }
    let today = input
        .now
        .with_timezone(&mailbox.schedule.time_zone)
        .date_naive();
    let in_dates =
        template.from.is_none_or(|f| today >= f) && template.until.is_none_or(|u| today <= u);
    if !in_dates
        || (template.outside_working_hours_only && mailbox.schedule.is_working_time(input.now))
    {
        return Err(Refusal::OutOfSchedule);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srs_and_batv_are_undone() {
        assert_eq!(
            canonical_sender("SRS0=HHH=TT=example.org=alice@fwd.example"),
            "alice@example.org"
        );
        assert_eq!(
            canonical_sender("SRS1=XXX=fwd1.example==HHH=TT=example.org=alice@fwd2.example"),
            "alice@example.org"
        );
        assert_eq!(
            canonical_sender("prvs=1234abcd=alice@example.org"),
            "alice@example.org"
        );
        assert_eq!(
            canonical_sender("btv1==123abc==alice@example.org"),
            "alice@example.org"
        );
        assert_eq!(canonical_sender("Alice@Example.org"), "alice@example.org");
    }
}
