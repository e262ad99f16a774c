//! musaid: a virtual email assistant that runs inside the mail server as a milter.
//!
//! A message flows one way (see DESIGN.md):
//!
//! ```text
//! MTA ─milter─▶ milter (session buffers envelope, headers, bounded body)
//!     end of message ─▶ message (parse once) ─▶ classify (pure: signals, rules → Verdict)
//!                    ─▶ policy (pure: Verdict → Plan, incl. autoreply's decision)
//!                    ─▶ store (dedupe, cap, counters; bounded time)
//!                    ─▶ milter applies the Plan (headers, recipients, quarantine, reply)
//! outbox worker ─▶ claims queued acknowledgements and drafts ─▶ relay (lettre)
//! ```
//!
//! The library holds everything; `main.rs` only parses the command line and runs.

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
pub mod message;
pub mod milter;
pub mod outbox;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod robots;
pub mod runtime;
pub mod store;
pub mod text;
