//! Sender and list memory, per mailbox: for newsletter and promotional mail, the list (its
//! List-Id, or the sender's domain), how much it sends, when it was first and last seen, its
//! latest List-Unsubscribe and List-Unsubscribe-Post, whether RFC 8058 one-click unsubscribe is
//! safe for it ([`one_click`]), and whether the owner ever wrote to its sender (outbound mail).
//! The unsubscribe broker ([`crate::cleanup::unsubscribe`]) reads it, and records its outcome in it.
//!
//! Mail is hostile, and a List-Id or a List-Unsubscribe header can be written by anyone. So a
//! list's record is bound to the domain that authenticated it: a DKIM signature covering
//! List-Unsubscribe, that the MTA's own Authentication-Results say passed, made by the list's
//! own domain (its List-Id or its From domain). Once bound, mail that domain did not
//! authenticate changes nothing in the record but when it was last seen; and only a bound
//! record is ever unsubscribed from ([`crate::cleanup::unsubscribe`]). One-click unsubscribe further
//! needs the signature to cover List-Unsubscribe-Post (RFC 8058 section 4): otherwise anyone
//! could make musaid POST to a URL of their choosing.

use crate::message::ParsedMessage;
use crate::message::authres::trusted_passes;
use crate::message::header::fingerprint;
use crate::store::Key;
use serde::{Deserialize, Serialize};

/// Whether one-click unsubscribe may be used for a message's list, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OneClick {
    Eligible,
    /// No `List-Unsubscribe-Post: List-Unsubscribe=One-Click`.
    NoPostHeader,
    /// List-Unsubscribe has no https URI.
    NoHttpsUri,
    /// No DKIM signature at all.
    NotSigned,
    /// A signature exists but its h= omits List-Unsubscribe or List-Unsubscribe-Post.
    NotCovered,
    /// The covering signature did not pass, no trusted Authentication-Results says so, or
    /// it was not made by the list's own domain (its List-Id or From domain).
    NotVerified,
}

impl OneClick {
    pub fn name(self) -> &'static str {
        match self {
            OneClick::Eligible => "eligible",
            OneClick::NoPostHeader => "no-post-header",
            OneClick::NoHttpsUri => "no-https-uri",
            OneClick::NotSigned => "not-signed",
            OneClick::NotCovered => "not-covered",
            OneClick::NotVerified => "not-verified",
        }
    }
}

/// The URIs of a List-Unsubscribe value (`<https://...>, <mailto:...>`), in order.
pub fn unsubscribe_uris(value: &str) -> Vec<String> {
    value
        .split('<')
        .skip(1)
        .filter_map(|part| part.split_once('>').map(|(uri, _)| uri.trim().to_string()))
        .filter(|u| !u.is_empty())
        .collect()
}

/// The tags of a DKIM-Signature value (`d`, `h`, ...), whitespace removed.
fn dkim_tags(value: &str) -> Vec<(String, String)> {
    value
        .split(';')
        .filter_map(|t| {
            let (k, v) = t.split_once('=')?;
            let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
            Some((k.trim().to_ascii_lowercase(), v))
        })
        .collect()
}

/// The domains of the DKIM signatures whose `h=` covers every one of `fields`.
fn covering_domains(m: &ParsedMessage, fields: &[&str]) -> Option<Vec<String>> {
    let signatures: Vec<Vec<(String, String)>> = m
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("DKIM-Signature"))
        .map(|(_, v)| dkim_tags(v))
        .collect();
    if signatures.is_empty() {
        return None;
    }
    Some(
        signatures
            .iter()
            .filter(|tags| {
                let signed: Vec<String> = tags
                    .iter()
                    .find(|(k, _)| k == "h")
                    .map(|(_, h)| {
                        h.split(':')
                            .map(|f| f.trim().to_ascii_lowercase())
                            .collect()
                    })
                    .unwrap_or_default();
                fields.iter().all(|f| signed.iter().any(|s| s == f))
            })
            .filter_map(|tags| {
                tags.iter()
                    .find(|(k, _)| k == "d")
                    .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
            })
            .collect(),
    )
}

/// The domains a list speaks for: its List-Id and its From address's domain.
fn list_domains(m: &ParsedMessage) -> Vec<String> {
    let mut out = Vec::new();
    let id = crate::message::header::list_name(m);
    if m.list_id.is_some() {
        out.push(id);
    }
    if let Some(f) = &m.from {
        out.push(crate::message::domain_of(&f.address));
    }
    out
}

/// The domain that vouches for this message's unsubscribe headers, if one does: a DKIM
/// signature covering all of `fields`, that the MTA's own Authentication-Results say passed
/// ([`crate::message::authres`]), whose `d=` is the list's own (its List-Id or its From
/// domain, or a parent of them). None means anyone could have written those headers.
fn vouching_domain(
    m: &ParsedMessage,
    trusted: &[String],
    fields: &[&str],
) -> Result<String, OneClick> {
    let covering = covering_domains(m, fields).ok_or(OneClick::NotSigned)?;
    if covering.is_empty() {
        return Err(OneClick::NotCovered);
    }
    let own = list_domains(m);
    trusted_passes(m, trusted)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.method == "dkim" && covering.contains(&p.domain))
        .find(|p| {
            own.iter()
                .any(|d| crate::message::authres::aligned(&p.domain, d))
        })
        .map(|p| p.domain)
        .ok_or(OneClick::NotVerified)
}

/// The domain that authenticated this message's List-Unsubscribe (see [`vouching_domain`]).
pub fn authenticated_list(m: &ParsedMessage, trusted: &[String]) -> Option<String> {
    vouching_domain(m, trusted, &["list-unsubscribe"]).ok()
}

/// Decides whether one-click unsubscribe is safe for this message (see the module docs).
pub fn one_click(m: &ParsedMessage, trusted: &[String]) -> OneClick {
    let post = m.list_unsubscribe_post.as_deref().unwrap_or("");
    if !post
        .trim()
        .eq_ignore_ascii_case("List-Unsubscribe=One-Click")
    {
        return OneClick::NoPostHeader;
    }
    let uris = unsubscribe_uris(m.list_unsubscribe.as_deref().unwrap_or(""));
    if !uris
        .iter()
        .any(|u| u.to_ascii_lowercase().starts_with("https://"))
    {
        return OneClick::NoHttpsUri;
    }
    match vouching_domain(m, trusted, &["list-unsubscribe", "list-unsubscribe-post"]) {
        Ok(_) => OneClick::Eligible,
        Err(why) => why,
    }
}

/// How an unsubscribe went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsubscribed {
    /// When (ms since the epoch).
    pub at: i64,
    /// `one-click` or `mailto`.
    pub method: String,
    /// `accepted`, `queued`, `refused`, `redirected`, `timeout`, `failed`...
    pub outcome: String,
}

/// What musaid remembers of one list for one mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRecord {
    /// List-Id, or the sender's domain.
    pub name: String,
    /// The latest sender address.
    pub sender: String,
    pub first_seen: i64,
    pub last_seen: i64,
    /// Messages seen (while the record lived).
    pub volume: u64,
    pub list_unsubscribe: Option<String>,
    pub list_unsubscribe_post: Option<String>,
    /// The one-click verdict for the latest message.
    pub one_click: OneClick,
    /// The owner (or the delegate) has written to this sender.
    pub owner_wrote: bool,
    #[serde(default)]
    pub unsubscribed: Option<Unsubscribed>,
    /// Mail arrived after the unsubscribe's grace period.
    #[serde(default)]
    pub noncompliant: bool,
    /// The domain whose passing DKIM signature covered the list's List-Unsubscribe (see
    /// [`authenticated_list`]). Once set, only mail authenticated by that domain changes the
    /// record, and only a record with one is ever unsubscribed from.
    #[serde(default)]
    pub authenticated: Option<String>,
}

/// The record of list `name` for `mailbox`.
pub fn record_key(mailbox: &str, name: &str) -> Key {
    Key::mailbox(
        mailbox,
        format!("list:{}", fingerprint(&[&name.to_ascii_lowercase()])),
    )
}

/// The set of a mailbox's lists (member: name, score: last seen).
pub fn index_key(mailbox: &str) -> Key {
    Key::mailbox(mailbox, "lists")
}

/// Marks that the mailbox wrote to `address`.
pub(crate) fn wrote_key(mailbox: &str, address: &str) -> Key {
    Key::mailbox(
        mailbox,
        format!("wrote:{}", fingerprint(&[&address.to_ascii_lowercase()])),
    )
}

/// What one message tells the memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// A newsletter or promotion arrived.
    List {
        mailbox: String,
        name: String,
        sender: String,
        list_unsubscribe: Option<String>,
        list_unsubscribe_post: Option<String>,
        one_click: OneClick,
        /// See [`authenticated_list`].
        authenticated: Option<String>,
    },
    /// The mailbox (or its delegate) wrote to these addresses.
    Wrote {
        mailbox: String,
        recipients: Vec<String>,
    },
}

/// What the edge step found worth acting on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Noted {
    /// The list sent mail after it was unsubscribed (first time noticed).
    pub noncompliant: Option<String>,
    /// The list's record (after this message), for auto-unsubscribe.
    pub record: Option<ListRecord>,
}
