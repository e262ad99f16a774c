//! Mailing lists and bulk mail: List-* headers (RFC 2369, RFC 2919), Precedence, the
//! tracking headers of bulk-mail services, and unsubscribe links in the text.

use super::{Hit, Signal};
use crate::classify::Input;
use crate::classify::lexicon::Lex;

pub(super) fn detect(input: &Input<'_>, hits: &mut Vec<Hit>) {
    let m = input.message;
    if m.list_id.is_some() {
        hits.push(Hit::new(Signal::ListId));
    }
    if m.list_unsubscribe.is_some() {
        hits.push(Hit::new(Signal::ListUnsubscribe));
    }
    if m.has_list_headers && m.list_id.is_none() && m.list_unsubscribe.is_none() {
        hits.push(Hit::new(Signal::ListHeaders));
    }
    match m.precedence.as_deref() {
        Some("bulk") => hits.push(Hit::new(Signal::PrecedenceBulk)),
        Some("list") => hits.push(Hit::new(Signal::PrecedenceList)),
        Some("junk") => hits.push(Hit::new(Signal::PrecedenceJunk)),
        Some("auto_reply" | "auto-reply") => hits.push(Hit::new(Signal::AutoReplied)),
        _ => {}
    }
    if let Some(esp) = m.esp {
        hits.push(Hit::with_evidence(Signal::EspHeader, vec![esp.to_string()]));
    }
    let unsub = input.body_words(Lex::Unsubscribe);
    if !unsub.is_empty() {
        hits.push(Hit::with_evidence(
            Signal::UnsubscribeLink,
            vec![unsub[0].to_string()],
        ));
    }
}
