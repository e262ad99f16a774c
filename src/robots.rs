//! Addresses that belong to machines, known by their local part. One list serves the
//! classification signals (is this mail machine traffic?) and the acknowledgement rules
//! (never answer a robot: RFC 3834 §3.1.7 and practice).

/// Local parts of list servers and mail systems.
const SYSTEM_LOCAL_PARTS: &[&str] = &[
    "mailer-daemon",
    "postmaster",
    "listserv",
    "majordomo",
    "mdaemon",
];

/// Local parts that say "do not answer", and senders of machine notifications.
const NOREPLY_LOCAL_PARTS: &[&str] = &[
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "do_not_reply",
    "notifications",
    "notification",
    "alerts",
    "bounce",
    "bounces",
];

/// Endings of addresses that receive bounces and list administration.
const ADMIN_SUFFIXES: &[&str] = &["-bounces", "-bounce", "-admin", "-owner", "-request"];

/// The local part of an address, lower-cased.
pub fn local_part(address: &str) -> String {
    address
        .rsplit_once('@')
        .map_or(address, |(l, _)| l)
        .to_ascii_lowercase()
}

/// A mail system or list server: MAILER-DAEMON, postmaster, LISTSERV, majordomo, `owner-*`,
/// `*-request` and the other list administration addresses.
pub fn is_system(address: &str) -> bool {
    let lp = local_part(address);
    SYSTEM_LOCAL_PARTS.contains(&lp.as_str()) || lp.starts_with("owner-") || is_admin(address)
}

/// A sender that asks not to be answered (noreply, donotreply...) or sends notifications;
/// `noreply+tag` and `noreply-tag` count too.
pub fn is_noreply(address: &str) -> bool {
    let lp = local_part(address);
    NOREPLY_LOCAL_PARTS.iter().any(|n| {
        lp == *n
            || lp
                .strip_prefix(n)
                .is_some_and(|rest| rest.starts_with(['+', '-', '=']))
    })
}

/// A sender never to answer: a mail system, a list server, a no-reply address.
pub fn never_answered(address: &str) -> bool {
    is_system(address) || is_noreply(address)
}

/// An address that receives bounces or list administration (`*-bounces`, `*-request`,
/// `bounce+…`).
pub fn is_admin(address: &str) -> bool {
    let lp = local_part(address);
    ADMIN_SUFFIXES.iter().any(|s| lp.ends_with(s))
        || lp.starts_with("bounce+")
        || lp.starts_with("bounces+")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_by_name() {
        for a in [
            "MAILER-DAEMON@x.example",
            "postmaster@x",
            "owner-list@x",
            "list-request@x",
            "listserv@x",
            "news-bounces@x",
        ] {
            assert!(is_system(a), "{a}");
        }
        for a in [
            "no-reply@x",
            "noreply+abc@x",
            "donotreply@x",
            "notifications@x",
        ] {
            assert!(is_noreply(a), "{a}");
        }
        for a in ["alice@x", "replyall@x", "owner@x", "noreplyxyz@x"] {
            assert!(!is_system(a) && !is_noreply(a), "{a}");
        }
        assert!(is_admin("bounce+123@x") && is_admin("gpc-talk-bounces@x") && !is_admin("alice@x"));
    }
}
