//! `musaid classify`: what musaid would do with messages, without a milter or a store.
//!
//! An administrator replays mail before going live (files, directories, Maildirs, mbox
//! files, read by [`crate::learning::mailfiles`]) and reads one line per message, one JSON
//! object per message, or with `--summary` the counts per category, reason and action. Each
//! message gets the envelope a delivering MTA would give it ([`Envelope::for_file`]).

use crate::classify::RuleHit;
use crate::classify::signals::Hit;
use crate::config::Config;
use crate::message::Envelope;
use crate::pipeline::{self, RawMessage};
use crate::policy::Disposition;
use chrono::Utc;
use serde::Serialize;
use std::collections::BTreeMap;

/// One line of `classify --json`.
#[derive(Debug, Default, Serialize)]
pub struct ClassifyReport {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub direction: Option<crate::classify::Direction>,
    pub category: Option<String>,
    pub priority: Option<u8>,
    pub reasons: Vec<String>,
    pub actions: Vec<String>,
    pub outcome: Option<Disposition>,
    pub folder: Option<String>,
    pub mailbox: Option<String>,
    pub signals: Vec<Hit>,
    /// The learned model's probability per category, when it took part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scores: Option<std::collections::BTreeMap<String, f64>>,
    pub rules: Vec<RuleHit>,
    pub headers: Vec<(String, String)>,
    /// For invitations: the first iTIP object (method, UID, first occurrence in UTC,
    /// organizer) and its outcome against an empty calendar (`classify` reads no store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarReport>,
}

/// The `calendar` object of `classify --json`.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarReport {
    pub method: String,
    pub uid: String,
    /// RFC 3339, UTC.
    pub start: String,
    pub end: String,
    pub organizer: Option<String>,
    /// free, outside-hours or unverified-organizer (no calendar is read); None when the
    /// message is for no configured mailbox.
    pub outcome: Option<String>,
}

/// The report for a path that could not be read: `file` names it, `error` says why.
fn unreadable_report(e: &crate::learning::ReadError) -> ClassifyReport {
    let (file, error) = match e {
        crate::learning::ReadError::Io { path, error } => {
            (path.display().to_string(), format!("cannot read: {error}"))
        }
        other => (String::new(), other.to_string()),
    };
    ClassifyReport {
        file,
        error: Some(error),
        ..Default::default()
    }
}

/// Classifies one message held in memory.
pub fn classify_bytes(
    config: &Config,
    envelope: &Envelope,
    model: Option<&crate::model::Model>,
    name: String,
    bytes: &[u8],
) -> ClassifyReport {
    let raw = RawMessage::of_bytes(config, bytes);
    let (d, calendar) = pipeline::decide_and(
        config,
        envelope,
        raw,
        Utc::now(),
        // `classify` touches no store: no black holes are known.
        &crate::cleanup::blackhole::Memory::default(),
        model,
        calendar_report,
    );
    let v = d.verdict.as_ref();
    ClassifyReport {
        file: name,
        error: d.degraded.clone(),
        direction: v.map(|v| v.direction),
        category: v.map(|v| v.category.name().to_string()),
        priority: v.map(|v| v.priority),
        reasons: v.map(|v| v.reasons.clone()).unwrap_or_default(),
        actions: d.plan.actions.clone(),
        outcome: Some(d.plan.outcome.clone()),
        folder: v.and_then(|v| v.folder.clone()),
        mailbox: v.and_then(|v| v.mailbox.clone()),
        signals: v.map(|v| v.hits.clone()).unwrap_or_default(),
        scores: v.and_then(|v| v.scores.as_ref()).map(|s| {
            crate::model::linear::CLASSES
                .iter()
                .zip(s.probabilities)
                .filter(|(_, p)| *p > 0.0)
                .map(|(c, p)| (c.name().to_string(), (p * 1000.0).round() / 1000.0))
                .collect()
        }),
        rules: v.map(|v| v.rules.clone()).unwrap_or_default(),
        headers: d.plan.add_headers.clone(),
        calendar: calendar.flatten(),
    }
}

/// The first iTIP object of a message, and what musaid would say about it with an empty
/// calendar.
fn calendar_report(input: &crate::classify::Input<'_>) -> Option<CalendarReport> {
    let (config, m) = (input.config, input.message);
    let inv = crate::calendar::invitations(m).into_iter().next()?;
    let floating = input
        .mailbox
        .map_or(config.default_schedule.time_zone, |mb| {
            mb.schedule.time_zone
        });
    let (start, end) = inv.first(inv.master().start.utc(floating), floating);
    let outcome = input.mailbox.map(|mb| {
        let verified = crate::calendar::check::organizer_verified(
            inv.master().organizer.as_deref(),
            m,
            &input.sender(),
            &config.autoreply.trusted_authserv_ids,
        );
        let horizon = chrono::Duration::from_std(config.calendar.horizon).unwrap_or_default();
        crate::calendar::check::decide(&inv, &[], mb, verified, start, horizon)
            .name()
            .to_string()
    });
    Some(CalendarReport {
        method: inv.method.clone(),
        uid: inv.uid.clone(),
        start: start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        end: end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        organizer: inv.master().organizer.clone(),
        outcome,
    })
}

/// Human-readable form of one report.
pub fn format_report(r: &ClassifyReport) -> String {
    if let (Some(c), Some(p)) = (&r.category, r.priority) {
        let mut s = format!(
            "{}: {} (priority {}) because {}",
            r.file,
            c,
            p,
            r.reasons.join(", ")
        );
        let acts: Vec<&str> = r
            .actions
            .iter()
            .map(String::as_str)
            .filter(|a| *a != "tag")
            .collect();
        if !acts.is_empty() {
            s.push_str(&format!("; actions: {}", acts.join(", ")));
        }
        for rule in r
            .rules
            .iter()
            .filter(|h| h.mode == crate::classify::rules::Mode::Audit)
        {
            s.push_str(&format!(
                "; audit rule {} would: {}",
                rule.rule,
                rule.actions.join(", ")
            ));
        }
        if let Some(e) = &r.error {
            s.push_str(&format!(" [{e}]"));
        }
        s
    } else {
        format!(
            "{}: error: {}",
            r.file,
            r.error.as_deref().unwrap_or("unknown")
        )
    }
}

/// What `classify --summary` counts: every message by category (inbound) or direction, by
/// reason (scores cut off: `model:urgent 0.91` counts as `model:urgent`) and by action.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub messages: usize,
    /// Paths that could not be read.
    pub unreadable: usize,
    /// Messages musaid could not fully read (tagged degraded; still delivered).
    pub degraded: usize,
    pub inbound: usize,
    pub outbound: usize,
    pub categories: BTreeMap<String, usize>,
    pub reasons: BTreeMap<String, usize>,
    pub actions: BTreeMap<String, usize>,
}

impl Summary {
    pub fn add(&mut self, r: &ClassifyReport) {
        self.messages += 1;
        self.degraded += usize::from(r.error.is_some());
        match r.direction {
            Some(crate::classify::Direction::Outbound) => self.outbound += 1,
            Some(crate::classify::Direction::Inbound) => self.inbound += 1,
            None => {}
        }
        if let Some(c) = &r.category {
            *self.categories.entry(c.clone()).or_default() += 1;
        }
        let mut seen = std::collections::BTreeSet::new();
        for reason in &r.reasons {
            let name = reason.split_whitespace().next().unwrap_or(reason);
            if seen.insert(name) {
                *self.reasons.entry(name.to_string()).or_default() += 1;
            }
        }
        for action in r.actions.iter().collect::<std::collections::BTreeSet<_>>() {
            *self.actions.entry(action.clone()).or_default() += 1;
        }
    }

    /// The summary as a table for a terminal: categories by count, then the most frequent
    /// reasons and actions (`top` of each; the JSON form has them all).
    pub fn render(&self, top: usize) -> String {
        let mut out = format!(
            "{} {} ({} inbound, {} outbound)",
            self.messages,
            if self.messages == 1 {
                "message"
            } else {
                "messages"
            },
            self.inbound,
            self.outbound
        );
        if self.degraded > 0 {
            out.push_str(&format!(", {} degraded", self.degraded));
        }
        if self.unreadable > 0 {
            out.push_str(&format!(", {} unreadable", self.unreadable));
        }
        out.push('\n');
        let table = |out: &mut String, title: &str, counts: &BTreeMap<String, usize>| {
            if counts.is_empty() {
                return;
            }
            let mut rows: Vec<(&String, &usize)> = counts.iter().collect();
            rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let width = rows
                .iter()
                .take(top)
                .map(|(k, _)| k.chars().count())
                .max()
                .unwrap_or(0);
            let width = width.max(title.len());
            out.push_str(&format!("\n{title:<width$}  messages   share\n"));
            for (name, n) in rows.iter().take(top) {
                let share = 100.0 * **n as f64 / self.messages.max(1) as f64;
                out.push_str(&format!("{name:<width$}  {n:>8}  {share:>5.1}%\n"));
            }
            if rows.len() > top {
                out.push_str(&format!(
                    "… and {} more (--json lists them all)\n",
                    rows.len() - top
                ));
            }
        };
        table(&mut out, "category", &self.categories);
        table(&mut out, "reason", &self.reasons);
        table(&mut out, "action", &self.actions);
        out
    }
}

/// How `classify` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Lines,
    Json,
    Summary,
    SummaryJson,
}

/// `musaid classify`: every message under `paths`, printed as `output` says. Returns the
/// number of paths that could not be read.
pub fn run(
    config: &Config,
    from: Option<&str>,
    rcpt: &[String],
    model: Option<&crate::model::Model>,
    paths: &[std::path::PathBuf],
    output: Output,
    out: &mut dyn std::io::Write,
) -> std::io::Result<usize> {
    let mut summary = Summary::default();
    let mut failed: Option<std::io::Error> = None;
    crate::learning::mailfiles::each(paths, |m| {
        let report = match m {
            Ok(m) => {
                let envelope = Envelope::for_file(&m.bytes, from, rcpt);
                let report = classify_bytes(config, &envelope, model, m.name, &m.bytes);
                summary.add(&report);
                report
            }
            Err(e) => {
                summary.unreadable += 1;
                unreadable_report(&e)
            }
        };
        let written = match output {
            Output::Lines => writeln!(out, "{}", format_report(&report)),
            Output::Json => serde_json::to_string(&report)
                .map_err(std::io::Error::other)
                .and_then(|line| writeln!(out, "{line}")),
            Output::Summary | Output::SummaryJson => Ok(()),
        };
        match written {
            Ok(()) => std::ops::ControlFlow::Continue(()),
            // Nobody reads any more: stop reading mail for them.
            Err(e) => {
                failed = Some(e);
                std::ops::ControlFlow::Break(())
            }
        }
    });
    if let Some(e) = failed {
        return Err(e);
    }
    match output {
        Output::Summary => write!(out, "{}", summary.render(20))?,
        Output::SummaryJson => writeln!(
            out,
            "{}",
            serde_json::to_string(&summary).map_err(std::io::Error::other)?
        )?,
        Output::Lines | Output::Json => {}
    }
    Ok(summary.unreadable)
}
