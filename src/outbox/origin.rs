//! musaid's own mail: recognised when it comes back through the milter.
//!
//! The outbox usually relays through the local MTA, so every acknowledgement, escalation,
//! reminder and digest passes through musaid again on its way out. Classified as inbound
//! mail, it was tagged (its `X-Musaid-*` headers then reached the outside recipient) and
//! counted as received. So the outbox stamps every mail it sends with an [`ORIGIN_HEADER`]
//! carrying an HMAC-SHA256 of its Message-ID and envelope recipients, and the milter leaves a
//! message whose stamp verifies untagged and uncounted.
//!
//! The stamp cannot be forged without the key, and a stamp copied from a received
//! acknowledgement only verifies for the same Message-ID sent to the same recipients (the
//! one who received it), so it cannot make other mail to a mailbox pass unsorted.
//!
//! The keys live in the store (a set, so every host sharing it signs and verifies alike):
//! the first process to need one creates it; when two create one at once, both are kept,
//! every key verifies and the oldest signs.

use crate::store::{Key, Store, StoreError};
use ring::hmac;
use ring::rand::SecureRandom;

/// The header the outbox adds to what it sends.
pub const ORIGIN_HEADER: &str = "Musaid-Origin";

/// The set of keys (member: hex key, score: when created).
fn keys_key() -> Key {
    Key::global("origin-keys")
}

/// The keys every host shares, oldest first; creates one if there is none.
pub async fn keys(store: &Store) -> Result<Vec<String>, StoreError> {
    let mut found = store.scheduled(keys_key(), 0, i64::MAX, 16).await?;
    if found.is_empty() {
        let mut bytes = [0u8; 32];
        ring::rand::SystemRandom::new()
            .fill(&mut bytes)
            .map_err(|_| StoreError::Backend("no randomness for the origin key".into()))?;
        let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        store
            .schedule(keys_key(), key, crate::store::now_ms())
            .await?;
        found = store.scheduled(keys_key(), 0, i64::MAX, 16).await?;
    }
    found.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    Ok(found.into_iter().map(|(k, _)| k).collect())
}

/// What is signed: the Message-ID (without brackets) and the recipients, lower-cased and
/// sorted.
fn signed_text(message_id: &str, recipients: &[String]) -> String {
    let mut rcpts: Vec<String> = recipients
        .iter()
        .map(|r| r.trim().trim_matches(['<', '>']).to_ascii_lowercase())
        .collect();
    rcpts.sort();
    format!(
        "{}\n{}",
        message_id.trim().trim_matches(['<', '>']),
        rcpts.join(",")
    )
}

fn mac(key: &str, text: &str) -> String {
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()),
        text.as_bytes(),
    );
    tag.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The stamp's value for a message: `v=1; m=<hex>`.
pub fn stamp(key: &str, message_id: &str, recipients: &[String]) -> String {
    format!("v=1; m={}", mac(key, &signed_text(message_id, recipients)))
}

/// True if `value` is a stamp made with one of `keys` for this Message-ID and recipients.
pub fn verifies(keys: &[String], value: &str, message_id: &str, recipients: &[String]) -> bool {
    let Some(m) = value
        .split(';')
        .find_map(|p| p.trim().strip_prefix("m="))
        .map(str::trim)
    else {
        return false;
    };
    let text = signed_text(message_id, recipients);
    keys.iter().any(|k| {
        let want = mac(k, &text);
        // Constant time: compare every byte.
        want.len() == m.len()
            && want
                .bytes()
                .zip(m.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    })
}

/// The Message-ID of a composed message (the first in its header section).
fn message_id_of(message: &str) -> Option<&str> {
    let head = message.split("\r\n\r\n").next().unwrap_or(message);
    head.split("\r\n").find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("Message-ID")
            .then(|| value.trim())
    })
}

/// The message with the stamp as its first header field (unchanged if it has no Message-ID).
pub fn stamped(key: &str, message: &str, recipients: &[String]) -> String {
    match message_id_of(message) {
        Some(id) => format!(
            "{ORIGIN_HEADER}: {}\r\n{message}",
            stamp(key, id, recipients)
        ),
        None => message.to_string(),
    }
}

/// True if a message at the milter is musaid's own: its stamp verifies for its Message-ID
/// and envelope recipients.
pub fn is_own(keys: &[String], m: &crate::message::ParsedMessage, recipients: &[String]) -> bool {
    let (Some(value), Some(id)) = (m.header(ORIGIN_HEADER), m.message_id.as_deref()) else {
        return false;
    };
    !keys.is_empty() && verifies(keys, value, id, recipients)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_verifies_only_for_its_message_and_recipients() {
        let keys = vec!["k1".to_string(), "k2".to_string()];
        let to = vec!["Partner@Example.org".to_string()];
        let s = stamp("k2", "<musaid.ack-1@example.com>", &to);
        assert!(verifies(
            &keys,
            &s,
            "musaid.ack-1@example.com",
            &["partner@example.org".into()]
        ));
        assert!(
            !verifies(&keys, &s, "musaid.ack-2@example.com", &to),
            "another message"
        );
        assert!(
            !verifies(
                &keys,
                &s,
                "musaid.ack-1@example.com",
                &["ceo@example.com".into()]
            ),
            "another recipient"
        );
        assert!(
            !verifies(&["k3".into()], &s, "musaid.ack-1@example.com", &to),
            "another key"
        );
        assert!(!verifies(
            &keys,
            "v=1; m=00",
            "musaid.ack-1@example.com",
            &to
        ));
        assert!(!verifies(&keys, "garbage", "musaid.ack-1@example.com", &to));
    }

    #[test]
    fn the_stamp_goes_first_and_names_the_message_id() {
        let msg = "From: <a@example.com>\r\nMessage-ID: <musaid.x@example.com>\r\n\r\nbody\r\n";
        let out = stamped("k", msg, &["b@example.org".into()]);
        assert!(out.starts_with("Musaid-Origin: v=1; m="));
        assert!(out.ends_with(msg));
        let m = crate::message::ParsedMessage::parse(out.as_bytes(), out.len(), false);
        assert!(is_own(&["k".into()], &m, &["b@example.org".into()]));
        assert!(!is_own(&[], &m, &["b@example.org".into()]));
    }
}
