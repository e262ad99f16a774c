//! Cleanup decisions for one message (pure): black holes, subaddress filing and what the list
//! memory learns. [`crate::policy`] turns them into milter actions; the store work happens at
//! the edge ([`edge`]).

pub mod blackhole;
pub mod edge;
pub mod lists;
pub mod sieve;
pub mod unsubscribe;

use crate::classify::{Category, Direction, Input, Verdict};
use crate::cleanup::blackhole::Stage;
use crate::cleanup::lists::{Observation, authenticated_list, one_click};
use crate::config::model::BlackholeAction;

/// What cleanup does to a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupPlan {
    /// A folder that replaces the category's (black hole, Trash).
    pub folder: Option<String>,
    /// Drop the whole message (every recipient black-holed it).
    pub discard: bool,
    /// Recipients to remove (this mailbox's, when others remain) or to rewrite.
    pub delete_recipients: Vec<String>,
    pub add_recipients: Vec<String>,
    pub actions: Vec<String>,
    pub metrics: Vec<String>,
    pub observation: Option<Observation>,
}

/// `user+Folder@domain` for `user@domain`; None when the folder cannot be a subaddress
/// (outside ASCII) or the address has one already.
pub fn subaddress(address: &str, folder: &str, delimiter: &str) -> Option<String> {
    let (local, domain) = address.rsplit_once('@')?;
    if local.contains(delimiter) || !folder.is_ascii() {
        return None;
    }
    let detail: String = folder
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    (!detail.is_empty()).then(|| format!("{local}{delimiter}{detail}@{domain}"))
}

/// Decides cleanup for one message.
pub fn plan(input: &Input<'_>, verdict: &Verdict, memory: &blackhole::Memory) -> CleanupPlan {
    let mut c = CleanupPlan::default();
    let config = input.config;
    let m = input.message;
    // Outbound: the mailbox (or its delegate) wrote to these addresses, whoever they are.
    if verdict.direction == Direction::Outbound {
        if let Some(sender) = crate::escalation::tracking::sending_mailbox(input) {
            c.observation = Some(Observation::Wrote {
                mailbox: sender.address.clone(),
                recipients: input.recipients(),
            });
        }
        return c;
    }
    let Some(mb) = input.mailbox else {
        return c;
    };
    // Mail between two configured mailboxes is not list mail.
    let from_a_mailbox = crate::escalation::tracking::sending_mailbox(input).is_some();
    if !from_a_mailbox
        && matches!(
            verdict.category,
            Category::Newsletter | Category::Promotional
        )
    {
        c.observation = Some(Observation::List {
            mailbox: mb.address.clone(),
            name: crate::message::header::list_name(m),
            sender: m
                .from
                .as_ref()
                .map(|f| f.address.to_ascii_lowercase())
                .unwrap_or_else(|| input.envelope.sender.to_ascii_lowercase()),
            list_unsubscribe: m.list_unsubscribe.clone(),
            list_unsubscribe_post: m.list_unsubscribe_post.clone(),
            one_click: one_click(m, &config.autoreply.trusted_authserv_ids),
            authenticated: authenticated_list(m, &config.autoreply.trusted_authserv_ids),
        });
    }

    let mine: Vec<String> = input
        .envelope
        .recipients
        .iter()
        .filter(|r| mb.owns(r))
        .cloned()
        .collect();
    let cleanup = &config.cleanup;
    if let Some(hit) = memory.matching(
        &mb.address,
        m,
        input.now.timestamp_millis(),
        cleanup.blackhole_grace,
    ) {
        match (hit.stage, cleanup.blackhole_action) {
            (Stage::Grace, _) => {
                c.folder = Some(cleanup.blackhole_folder.clone());
                c.actions.push(format!("blackhole-grace:{}", hit.entry));
                c.metrics.push("blackhole-filed".into());
            }
            (Stage::Active, BlackholeAction::Trash) => {
                c.folder = Some(cleanup.trash_folder.clone());
                c.actions.push(format!("blackhole-trash:{}", hit.entry));
                c.metrics.push("blackhole-dropped".into());
            }
            (Stage::Active, BlackholeAction::Discard) => {
                let others = input.envelope.recipients.len() > mine.len();
                if others && !mine.is_empty() {
                    c.delete_recipients = mine.clone();
                } else {
                    c.discard = true;
                }
                c.actions.push(format!("blackhole-drop:{}", hit.entry));
                c.metrics.push("blackhole-dropped".into());
                c.metrics.push(format!("blackholed:{}", hit.entry));
                return c;
            }
        }
        c.metrics.push(format!("blackholed:{}", hit.entry));
    }

    let folder = c.folder.clone().or_else(|| verdict.folder.clone());
    if cleanup.subaddress
        && let Some(folder) = folder
    {
        for r in &mine {
            match subaddress(r, &folder, &cleanup.subaddress_delimiter) {
                Some(detailed) => {
                    c.delete_recipients.push(r.clone());
                    c.add_recipients.push(detailed);
                }
                None => c.actions.push(format!("subaddress-skipped:{r}")),
            }
        }
        if !c.add_recipients.is_empty() {
            c.actions.push(format!("subaddress:{folder}"));
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subaddresses() {
        assert_eq!(
            subaddress("ceo@example.com", "Newsletters", "+").as_deref(),
            Some("ceo+Newsletters@example.com")
        );
        assert_eq!(
            subaddress("ceo@example.com", "Black hole", "+").as_deref(),
            Some("ceo+Black-hole@example.com")
        );
        assert_eq!(subaddress("ceo+x@example.com", "Newsletters", "+"), None);
        assert_eq!(subaddress("ceo@example.com", "النشرات", "+"), None);
    }
}
