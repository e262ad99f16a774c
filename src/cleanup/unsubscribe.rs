//! The unsubscribe broker: leaves a list on the mailbox's behalf, the safest way the list
//! allows, using what [`crate::cleanup::lists`] remembered of its headers.
//!
//! Only a list whose List-Unsubscribe its own domain authenticated ([`crate::cleanup::lists`]) is ever
//! left: otherwise the header is a stranger's word, and acting on it would make musaid send
//! mail as the owner, or POST, wherever the stranger wants.
//!
//! 1. RFC 8058 one-click: a POST of `List-Unsubscribe=One-Click` to the https URI, only when
//!    the list sent `List-Unsubscribe-Post` and a passing DKIM signature covered both headers;
//!    no cookies, no authorisation, redirects not followed, a short timeout, and never to a
//!    non-public address ([`crate::outbox::http::Reach::Public`]).
//! 2. Otherwise a mailto: unsubscribe (RFC 2369), sent through the outbox from the mailbox
//!    itself (the list knows its subscriber by that address), with musaid's own subject and
//!    body (`unsubscribe`): a subject or body named in the URI is never used, since it is text
//!    the mailbox would appear to have written.
//! 3. Otherwise a plain explanation of why musaid cannot do it.
//!
//! The outcome is stored in the list's record and counted (`unsubscribe:OUTCOME`); mail from
//! the list arriving later than `[cleanup] unsubscribe_grace` marks it non-compliant.

use crate::cleanup::lists::{ListRecord, OneClick, unsubscribe_uris};
use crate::message::compose::{Outgoing, Part};
use crate::outbox::OutboxJob;
use crate::store::Count;
use chrono::{DateTime, Utc};

/// The RFC 8058 body.
pub const ONE_CLICK_BODY: &str = "List-Unsubscribe=One-Click";
pub const FORM: &str = "application/x-www-form-urlencoded";

/// How a list can be left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    OneClick { url: String },
    Mailto { to: String },
    Impossible(String),
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or("zz"), 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The subject and body of every mailto unsubscribe: musaid's own words, never the mail's.
pub const MAILTO_TEXT: &str = "unsubscribe";

/// Reads the address of a `mailto:` URI (its subject and body are ignored: see the module
/// docs); None for anything but one plain address.
pub fn parse_mailto(uri: &str) -> Option<String> {
    let rest = uri
        .strip_prefix("mailto:")
        .or_else(|| uri.strip_prefix("MAILTO:"))?;
    let to = rest.split_once('?').map_or(rest, |(to, _)| to);
    let to = percent_decode(to);
    let valid = to
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'))
        && !to.contains(|c: char| c.is_control() || c.is_whitespace() || ",;<>\"\\()".contains(c));
    valid.then_some(to)
}

/// The best way to leave a list (see the module docs).
pub fn method(r: &ListRecord) -> Method {
    let Some(header) = r
        .list_unsubscribe
        .as_ref()
        .filter(|_| r.authenticated.is_some())
    else {
        if r.list_unsubscribe.is_some() {
            return Method::Impossible(format!(
                "musaid cannot unsubscribe from {} safely: no message of it carried a DKIM \
                 signature of its own domain over List-Unsubscribe that the MTA verified, so its \
                 unsubscribe address could be anyone's; block it instead (musaid blackhole add)",
                r.name
            ));
        }
        return Method::Impossible(format!(
            "{} never sent a List-Unsubscribe header: there is no address or link to \
             unsubscribe with; block it instead (musaid blackhole add)",
            r.name
        ));
    };
    let uris = unsubscribe_uris(header);
    let https = uris
        .iter()
        .find(|u| u.to_ascii_lowercase().starts_with("https://"));
    if r.one_click == OneClick::Eligible
        && let Some(url) = https
    {
        return Method::OneClick { url: url.clone() };
    }
    if let Some(to) = uris.iter().find_map(|u| parse_mailto(u)) {
        return Method::Mailto { to };
    }
    let why = match r.one_click {
        OneClick::NoPostHeader => {
            "the list does not offer one-click unsubscribe (no List-Unsubscribe-Post)"
        }
        OneClick::NoHttpsUri => "its List-Unsubscribe has no https link",
        OneClick::NotSigned => {
            "its mail is not DKIM-signed, so its unsubscribe link could be forged"
        }
        OneClick::NotCovered => {
            "its DKIM signature does not cover both List-Unsubscribe and List-Unsubscribe-Post, so they could be forged"
        }
        OneClick::NotVerified => {
            "no trusted Authentication-Results header says a DKIM signature of the list's own domain passed"
        }
        OneClick::Eligible => "no usable link",
    };
    let link = https.map_or(String::new(), |u| {
        format!("; the link to open yourself: {u}")
    });
    Method::Impossible(format!(
        "musaid cannot unsubscribe from {} safely: {why}, and it gives no mailto address{link}",
        r.name
    ))
}

/// What an unsubscribe did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub list: String,
    /// `one-click`, `mailto` or `none`.
    pub method: String,
    /// `accepted`, `queued`, `redirected`, `refused`, `timeout`, `failed`, `impossible`,
    /// `dry-run`, `unknown-list`.
    pub outcome: String,
    pub detail: String,
}

/// A mailto unsubscribe as an outbox job, from the mailbox itself.
pub fn mailto_job(mailbox: &str, to: &str, now: DateTime<Utc>) -> OutboxJob {
    let domain = crate::message::domain_of(mailbox);
    let id =
        crate::message::header::fingerprint(&[mailbox, to, &now.timestamp_millis().to_string()]);
    let message = Outgoing {
        from: mailbox,
        from_name: None,
        to: vec![to],
        subject: MAILTO_TEXT,
        date: now.to_rfc2822(),
        message_id: &format!("musaid.unsub-{id}@{domain}"),
        extra: vec![],
    }
    .render(&Part::text(&format!("{MAILTO_TEXT}\r\n")));
    OutboxJob {
        kind: "unsubscribe".into(),
        mailbox: mailbox.into(),
        from: mailbox.into(),
        to: vec![to.into()],
        message,
        created: now.timestamp_millis(),
        webhook: None,
        content_type: None,
    }
}

/// A one-click unsubscribe as an outbox job (for automatic unsubscribes from the milter).
pub fn one_click_job(mailbox: &str, url: &str, now: DateTime<Utc>) -> OutboxJob {
    OutboxJob {
        kind: "unsubscribe".into(),
        mailbox: mailbox.into(),
        from: String::new(),
        to: Vec::new(),
        message: ONE_CLICK_BODY.into(),
        created: now.timestamp_millis(),
        webhook: Some(url.into()),
        content_type: Some(FORM.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailto_uris_give_an_address_and_nothing_else() {
        assert_eq!(
            parse_mailto("mailto:leave@lists.example.com?subject=unsubscribe%20me&body=bye+now"),
            Some("leave@lists.example.com".into())
        );
        assert_eq!(
            parse_mailto("mailto:unsub-48213@news.example.com"),
            Some("unsub-48213@news.example.com".into())
        );
        for bad in [
            "mailto:a@b%0d%0aBcc:x@y",
            "mailto:a@b,c@d",
            "mailto:a@b%20c",
            "mailto:@b",
            "mailto:a@",
            "mailto:nobody",
            "https://x",
        ] {
            assert_eq!(parse_mailto(bad), None, "{bad}");
        }
    }
}

/// What the edge step did with an observation.
#[derive(Debug, Default)]
pub struct Observed {
    pub actions: Vec<String>,
    pub counts: Vec<Count>,
}
