//! One message from bytes to decision: parse, classify, plan. Shared by the milter and by
//! `musaid classify`, so both always agree. musaid's own mail coming back through the milter
//! ([`crate::outbox::origin`]) is recognised first and left untagged and uncounted.
//!
//! A failure inside (a panic in a signal or a rule, however unlikely) never escapes: the
//! message gets a plan that only repairs its header section and tags it degraded, so it is
//! delivered and the connection keeps serving.

use crate::classify::{Input, Verdict, classify};
use crate::config::Config;
use crate::message::header::STATUS_HEADER;
use crate::message::{Envelope, ParsedMessage};
use crate::policy::{self, Plan};
use chrono::{DateTime, Utc};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The decision for one message.
#[derive(Debug, Clone)]
pub struct Decision {
    /// None when classification failed (then `plan` is the degraded plan).
    pub verdict: Option<Verdict>,
    pub plan: Plan,
    /// Why the message is degraded, if it is.
    pub degraded: Option<String>,
}

/// A message as the milter or a file gives it.
pub struct RawMessage<'a> {
    /// Header section, blank line, and the inspected part of the body.
    pub bytes: &'a [u8],
    /// Size of the whole message in bytes.
    pub size: usize,
    /// True when the body was cut at the inspection limit.
    pub truncated: bool,
    /// Spoofed and hidden `X-Musaid-*` headers, see [`crate::message::hygiene`].
    pub hygiene: policy::Hygiene,
}

impl<'a> RawMessage<'a> {
    /// A whole message read from a file or held in memory, as the milter would have it: the
    /// header section scanned for spoofed `X-Musaid-*` headers, the body cut at
    /// `[milter] max_body_bytes`.
    pub fn of_bytes(config: &Config, bytes: &'a [u8]) -> RawMessage<'a> {
        let mut scan = crate::message::hygiene::HeaderScan::default();
        for (n, v) in crate::message::raw_headers(bytes) {
            scan.field(n.as_bytes(), v.as_bytes());
        }
        let inspected = &bytes[..bytes
            .len()
            .min(config.milter.max_body_bytes + crate::message::header_section_len(bytes))];
        RawMessage {
            bytes: inspected,
            size: bytes.len(),
            truncated: inspected.len() < bytes.len(),
            hygiene: scan.finish(),
        }
    }
}

/// Parses, classifies and plans one message.
pub fn decide(
    config: &Config,
    envelope: &Envelope,
    raw: RawMessage<'_>,
    now: DateTime<Utc>,
    memory: &crate::cleanup::blackhole::Memory,
    model: Option<&crate::model::Model>,
) -> Decision {
    decide_and(config, envelope, raw, now, memory, model, |_| ()).0
}

/// [`decide`], and `inspect` run on the parsed message under the same guard (so a caller
/// that needs more from the message, like `musaid classify`, does not parse it twice).
/// `inspect`'s result is None when the decision is degraded.
pub fn decide_and<T>(
    config: &Config,
    envelope: &Envelope,
    raw: RawMessage<'_>,
    now: DateTime<Utc>,
    memory: &crate::cleanup::blackhole::Memory,
    model: Option<&crate::model::Model>,
    inspect: impl FnOnce(&Input<'_>) -> T,
) -> (Decision, Option<T>) {
    let hygiene = raw.hygiene.clone();
    let result = catch_unwind(AssertUnwindSafe(|| {
        let message = ParsedMessage::parse(raw.bytes, raw.size, raw.truncated);
        if crate::outbox::origin::is_own(&memory.origin_keys, &message, &envelope.recipients) {
            return None;
        }
        let input = Input::new(config, envelope, &message, now)
            .with_model(model.filter(|_| config.classifier.model));
        let verdict = classify(&input);
        let plan = policy::plan(&input, &verdict, raw.hygiene, memory);
        let extra = inspect(&input);
        Some((verdict, plan, extra))
    }));
    match result {
        // musaid's own mail on its way out: left as musaid wrote it (a draft keeps its
        // signed marker), untagged and uncounted.
        Ok(None) => {
            let mut plan = Plan::default();
            plan.actions.push("own-mail".into());
            (
                Decision {
                    verdict: None,
                    plan,
                    degraded: None,
                },
                None,
            )
        }
        Ok(Some((verdict, plan, extra))) => (
            Decision {
                verdict: Some(verdict),
                plan,
                degraded: None,
            },
            Some(extra),
        ),
        Err(panic) => {
            let why = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            let mut plan = policy::hygiene_plan(hygiene);
            mark_degraded(&mut plan);
            (
                Decision {
                    verdict: None,
                    plan,
                    degraded: Some(format!("classification failed: {why}")),
                },
                None,
            )
        }
    }
}

/// Adds `X-Musaid-Status: degraded` to a plan (once).
pub fn mark_degraded(plan: &mut Plan) {
    if !plan.add_headers.iter().any(|(n, _)| n == STATUS_HEADER) {
        plan.add_headers
            .push((STATUS_HEADER.into(), "degraded".into()));
        plan.actions.push("degraded".into());
    }
}
