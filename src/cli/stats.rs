//! `musaid stats`: what musaid did lately, per mailbox, from the store's counters.
//!
//! The store keeps one counter per day, mailbox (`*` is the whole organisation), category and
//! metric (`received`, `tracked`, `autoreply-queued`, `from:…`, `hour:08`…): hundreds of rows
//! a week. By default this command adds them up into a few lines per mailbox an
//! administrator reads at a glance (mail received by category, sent, rejected or routed,
//! replies needed and given, acknowledgements, escalations, reminders, invitations) with the
//! month's response times and what is unanswered now; `--raw` prints the rows themselves.
//! Adding up ([`summarise`]) is plain data; the store is read in [`run`].

use super::error::{CommandError, CommandResult, runtime};
use crate::config::Config;
use crate::count::Count;
use crate::store::Store;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

/// One mailbox's (or the organisation's) counters over the period, added up.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct MailboxStats {
    pub mailbox: String,
    pub received: u64,
    /// Received mail per category, most first when rendered.
    pub categories: BTreeMap<String, u64>,
    pub sent: u64,
    pub rejected: u64,
    pub discarded: u64,
    pub quarantined: u64,
    pub routed: u64,
    /// Messages that needed a reply, and replies sent to tracked messages.
    pub tracked: u64,
    pub answered: u64,
    pub acknowledgements: u64,
    pub drafts: u64,
    pub escalations_fired: u64,
    pub escalations_cancelled: u64,
    pub reminders: u64,
    pub invitations: u64,
    pub calendar_conflicts: u64,
    /// This month's replies: how many, median and 90th percentile in business seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Response>,
    /// Tracked messages waiting for a reply now (configured mailboxes only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unanswered_now: Option<usize>,
}

/// Response times of one mailbox in one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    pub month: String,
    pub replies: usize,
    pub median_business_secs: i64,
    pub p90_business_secs: i64,
}

/// Adds the rows up per mailbox: the organisation (`*`) first, then mailboxes by address.
pub fn summarise(rows: &[Count]) -> Vec<MailboxStats> {
    let mut by_mailbox: BTreeMap<&str, MailboxStats> = BTreeMap::new();
    for r in rows {
        let s = by_mailbox
            .entry(r.mailbox.as_str())
            .or_insert_with(|| MailboxStats {
                mailbox: r.mailbox.clone(),
                ..Default::default()
            });
        let n = r.n;
        match r.metric.as_str() {
            "received" => {
                s.received += n;
                *s.categories.entry(r.category.clone()).or_default() += n;
            }
            "sent" => s.sent += n,
            "rejected" => s.rejected += n,
            "discarded" => s.discarded += n,
            "quarantined" => s.quarantined += n,
            "routed" => s.routed += n,
            "tracked" => s.tracked += n,
            "answered" => s.answered += n,
            "autoreply-queued" => s.acknowledgements += n,
            "draft-prepared" => s.drafts += n,
            "escalation-fired" => s.escalations_fired += n,
            "escalation-cancelled" => s.escalations_cancelled += n,
            "reminder-sent" | "deadline-reminder-sent" => s.reminders += n,
            "invitation-received" => s.invitations += n,
            "calendar-conflict" => s.calendar_conflicts += n,
            _ => {}
        }
    }
    // `*` sorts before letters, so the organisation comes first.
    by_mailbox.into_values().collect()
}

/// A few lines per mailbox; lines with nothing to say are left out.
pub fn render(stats: &[MailboxStats], from: &str, to: &str) -> String {
    let en = crate::locale::Strings::for_language("en");
    let duration = |secs: i64| crate::report::render::duration(secs, &en);
    let mut out = format!("from {from} to {to}\n");
    if stats.is_empty() {
        out.push_str("\nnothing counted in this period\n");
    }
    for s in stats {
        let name = if s.mailbox == "*" {
            "the organisation (all mail)".to_string()
        } else {
            s.mailbox.clone()
        };
        out.push_str(&format!("\n{name}\n"));
        let mut line = |label: &str, value: String| {
            out.push_str(&format!("  {label:<17} {value}\n"));
        };
        let mut categories: Vec<(&String, &u64)> = s.categories.iter().collect();
        categories.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = categories.iter().map(|(c, n)| format!("{c} {n}")).collect();
        line(
            "received",
            if parts.is_empty() {
                s.received.to_string()
            } else {
                format!("{}: {}", s.received, parts.join(", "))
            },
        );
        if s.sent > 0 {
            line("sent", s.sent.to_string());
        }
        let policy = counted(&[
            ("rejected", s.rejected),
            ("discarded", s.discarded),
            ("quarantined", s.quarantined),
            ("routed", s.routed),
        ]);
        if !policy.is_empty() {
            line("by the rules", policy.join(", "));
        }
        if s.tracked > 0 || s.answered > 0 {
            line(
                "needed a reply",
                format!("{}, {} replies sent", s.tracked, s.answered),
            );
        }
        if let Some(r) = &s.response {
            line(
                "response time",
                format!(
                    "median {}, p90 {} in business hours ({} replies in {})",
                    duration(r.median_business_secs),
                    duration(r.p90_business_secs),
                    r.replies,
                    r.month
                ),
            );
        }
        if let Some(n) = s.unanswered_now {
            line("unanswered now", n.to_string());
        }
        let done = counted(&[
            ("acknowledgements", s.acknowledgements),
            ("drafts", s.drafts),
            ("escalations", s.escalations_fired),
            ("escalations cancelled by a reply", s.escalations_cancelled),
            ("reminders", s.reminders),
        ]);
        if !done.is_empty() {
            line("musaid sent", done.join(", "));
        }
        if s.invitations > 0 {
            line(
                "invitations",
                format!("{}, {} conflicting", s.invitations, s.calendar_conflicts),
            );
        }
    }
    out
}

/// "3 rejected", "1 routed"... for the counts that are not zero.
fn counted(items: &[(&str, u64)]) -> Vec<String> {
    items
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(what, n)| format!("{n} {what}"))
        .collect()
}

/// `musaid stats [--mailbox ADDR] [--days N] [--json] [--raw]`.
pub fn run(
    config: &Config,
    mailbox: Option<&str>,
    days: u32,
    json: bool,
    raw: bool,
    out: &mut dyn Write,
) -> CommandResult {
    let runtime = runtime()?;
    let store = runtime.block_on(async { Store::open(&config.store) });
    let failed = |doing: &'static str| {
        let store = store.describe();
        move |error| CommandError::Store {
            store,
            doing,
            error,
        }
    };
    let today = chrono::Utc::now().date_naive();
    let from = (today - chrono::Duration::days(i64::from(days)))
        .format("%Y-%m-%d")
        .to_string();
    let to = (today + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let rows = runtime
        .block_on(store.totals(mailbox.map(str::to_string), from.clone(), to.clone()))
        .map_err(failed(" cannot be read"))?;
    if raw {
        for r in &rows {
            if json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string(r).map_err(std::io::Error::other)?
                )?;
            } else {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    r.day, r.mailbox, r.category, r.metric, r.n
                )?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let mut stats = summarise(&rows);
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    for mb in config
        .mailboxes
        .iter()
        .filter(|m| mailbox.is_none_or(|x| m.owns(x)))
    {
        let key = crate::escalation::tracking::response_times_key(&mb.address, &month);
        let times = runtime
            .block_on(store.scheduled(key, 0, i64::MAX, 100_000))
            .map_err(failed(" cannot be read"))?;
        let waiting = runtime
            .block_on(store.scheduled(
                crate::escalation::tracking::unanswered_key(&mb.address),
                0,
                i64::MAX,
                100_000,
            ))
            .map_err(failed(" cannot be read"))?;
        let index = match stats.iter().position(|s| s.mailbox == mb.address) {
            Some(i) => i,
            None => {
                stats.push(MailboxStats {
                    mailbox: mb.address.clone(),
                    ..Default::default()
                });
                stats.len() - 1
            }
        };
        let s = &mut stats[index];
        s.response = crate::escalation::tracking::summary(times.iter().map(|(_, s)| *s).collect())
            .map(|(replies, median, p90)| Response {
                month: month.clone(),
                replies,
                median_business_secs: median,
                p90_business_secs: p90,
            });
        s.unanswered_now = Some(waiting.len());
    }
    stats.sort_by(|a, b| a.mailbox.cmp(&b.mailbox));
    if json {
        for s in &stats {
            writeln!(
                out,
                "{}",
                serde_json::to_string(s).map_err(std::io::Error::other)?
            )?;
        }
    } else {
        // The period as days: `to` is the exclusive end.
        let last = today.format("%Y-%m-%d").to_string();
        write!(out, "{}", render(&stats, &from, &last))?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(mailbox: &str, category: &str, metric: &str, n: u64) -> Count {
        Count {
            mailbox: mailbox.into(),
            day: "2026-11-30".into(),
            category: category.into(),
            metric: metric.into(),
            n,
        }
    }

    #[test]
    fn rows_add_up_per_mailbox_with_the_organisation_first() {
        let rows = vec![
            row("ceo@example.com", "urgent", "received", 2),
            row("ceo@example.com", "newsletter", "received", 5),
            row("ceo@example.com", "urgent", "tracked", 2),
            row("ceo@example.com", "-", "answered", 1),
            row("ceo@example.com", "urgent", "autoreply-queued", 1),
            row("ceo@example.com", "-", "escalation-fired", 1),
            row("ceo@example.com", "-", "deadline-reminder-sent", 1),
            row("ceo@example.com", "-", "reminder-sent", 2),
            row(
                "ceo@example.com",
                "newsletter",
                "from:news@lists.example.org",
                5,
            ),
            row("*", "urgent", "received", 2),
            row("*", "newsletter", "received", 5),
            row("*", "-", "hour:08", 7),
        ];
        let s = summarise(&rows);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].mailbox, "*");
        assert_eq!(s[0].received, 7);
        let ceo = &s[1];
        assert_eq!(ceo.received, 7);
        assert_eq!(ceo.categories["newsletter"], 5);
        assert_eq!((ceo.tracked, ceo.answered), (2, 1));
        assert_eq!(ceo.acknowledgements, 1);
        assert_eq!(ceo.escalations_fired, 1);
        assert_eq!(ceo.reminders, 3);
    }

    #[test]
    fn the_rendering_says_it_in_a_few_lines() {
        let mut s = summarise(&[
            row("ceo@example.com", "urgent", "received", 2),
            row("ceo@example.com", "newsletter", "received", 5),
            row("ceo@example.com", "urgent", "tracked", 2),
            row("ceo@example.com", "-", "answered", 1),
        ]);
        s[0].response = Some(Response {
            month: "2026-11".into(),
            replies: 1,
            median_business_secs: 3 * 3600 + 300,
            p90_business_secs: 3 * 3600 + 300,
        });
        s[0].unanswered_now = Some(1);
        let text = render(&s, "2026-11-23", "2026-11-30");
        assert_eq!(
            text,
            "from 2026-11-23 to 2026-11-30\n\nceo@example.com\n  received          7: newsletter 5, urgent 2\n  needed a reply    2, 1 replies sent\n  response time     median 3h 05m, p90 3h 05m in business hours (1 replies in 2026-11)\n  unanswered now    1\n"
        );
        assert!(render(&[], "a", "b").contains("nothing counted"));
    }
}
