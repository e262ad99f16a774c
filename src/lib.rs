//! musaid: a virtual email assistant that runs inside the mail server as a milter.
//!
//! A message flows one way (see DESIGN.md):
//!
//! ```text
//! MTA ─milter─▶ milter/ (protocol only: listener, admission, session, callbacks that adapt)
//!     end of message ─▶ pipeline (parse once: message/; musaid's own mail recognised,
//!                       outbox/origin; classify/: signals, rules → Verdict; policy: the
//!                       jobs' pure planners → Plan)
//!                    ─▶ apply (the one edge: each job's edge.rs step → Effects, merged;
//!                       counters recorded; then the milter actions)
//! runtime ─▶ background rounds: black holes and keys refreshed, reminders, feeds,
//!            escalations, the outbox worker (outbox/ → the relay, with http for webhooks)
//! ```
//!
//! Arrows run one way: cli and milter → pipeline, apply, runtime → the jobs' edges (autoreply,
//! calendar, escalation, cleanup, report) → store and outbox; the planners → config, message
//! and the leaves (count, glob, hours, invalid, robots, text, elide). `python3 scripts/module-graph.py`
//! checks that no import cycle comes back. The library holds everything; `main.rs` only
//! parses the command line and runs. Errors are typed per module (thiserror); `anyhow` is
//! used in `main.rs` alone, where every error becomes one line on standard error.

pub mod apply;
pub mod autoreply;
pub mod calendar;
pub mod classify;
pub mod cleanup;
pub mod cli;
pub mod config;
pub mod count;
pub mod elide;
pub mod escalation;
pub mod fuzzing;
pub mod glob;
pub mod hours;
pub mod invalid;
pub mod learning;
pub mod locale;
pub mod message;
pub mod metrics;
pub mod milter;
pub mod model;
pub mod outbox;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod robots;
pub mod runtime;
pub mod store;
pub mod text;
