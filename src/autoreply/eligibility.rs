//! Whether a message may be acknowledged: every check must pass; the first that fails is the
//! reason, counted and logged. The list follows RFC 3834 and RFC 5230 (Sieve vacation) and
//! the complaints about auto-responders (backscatter, robot loops, no-reply senders, replies
//! to the wrong address), and adds one: when a trusted host has authenticated the message,
//! SPF or DKIM must have passed for the sender's domain.

use crate::classify::signals::Signal;
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
    Category,
    NotAddressed,
    NotAuthenticated,
    OutOfSchedule,
    Outbound,
}

impl Refusal {
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
            Refusal::Category => "category",
            Refusal::NotAddressed => "not-addressed",
            Refusal::NotAuthenticated => "not-authenticated",
            Refusal::OutOfSchedule => "out-of-schedule",
            Refusal::Outbound => "outbound",
        }
    }
}

/// True for senders never to answer: mail systems, list servers, no-reply addresses.
pub fn is_robot_sender(address: &str) -> bool {
    crate::robots::is_system(address) || crate::robots::is_noreply(address)
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
    if sender.is_empty() || sender == "<>" {
        return Err(Refusal::NullSender);
    }
    if m.auto_submitted.as_deref().is_some_and(|a| a != "no") {
        return Err(Refusal::AutoSubmitted);
    }
    if m.has_list_headers {
        return Err(Refusal::ListHeader);
    }
    if matches!(
        m.precedence.as_deref(),
        Some("bulk" | "list" | "junk" | "auto_reply" | "auto-reply")
    ) {
        return Err(Refusal::Precedence);
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
    let from = m.from.as_ref().map(|f| f.address.as_str()).unwrap_or("");
    if is_robot_sender(sender) || (!from.is_empty() && is_robot_sender(from)) {
        return Err(Refusal::RobotSender);
    }
    if m.report.is_some() {
        return Err(Refusal::Report);
    }
    // An out-of-office or a bounce that carries none of the headers above still says so in
    // its subject ("Automatic reply: ...", "Undeliverable: ...").
    if verdict
        .hits
        .iter()
        .any(|h| matches!(h.signal, Signal::AutoReplySubject | Signal::BounceSubject))
    {
        return Err(Refusal::RobotSubject);
    }
    if m.spam_flag {
        return Err(Refusal::Spam);
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
