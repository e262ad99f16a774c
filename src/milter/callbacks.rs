//! indymilter callbacks: adapters between the milter protocol and [`Session`]. At end of
//! message they ask [`crate::pipeline`] for the decision and hand it to [`crate::apply`],
//! the one edge, then answer the MTA.
//!
//! Negotiation asks only for what the configuration in force needs: header actions always
//! (tags and removal of spoofed headers), recipient actions and quarantine only when a rule
//! uses them. Stages musaid has no callback for are negotiated away, and the connect, MAIL,
//! RCPT, header and body stages are declared no-reply when the MTA supports it, so a message
//! costs the MTA one round trip to musaid: end of message.

use super::session::Session;
use crate::config::model::OnStoreError;
use crate::pipeline::{self, Decision};
use crate::policy::Disposition;
use crate::runtime::Shared;
use chrono::Utc;
use indymilter::{
    Actions, Callbacks, Context, EomContext, MacroStage, NegotiateContext, ProtoOpts,
    SetErrorReply, SocketInfo, Status,
};
use std::ffi::{CStr, CString};
use std::sync::Arc;
use std::time::Instant;

/// Per-connection data: the session plus what negotiation granted.
pub struct Connection {
    session: Session,
    noreply: ProtoOpts,
}

impl Connection {
    /// The status for a stage that never replies when no-reply was negotiated for it.
    fn quiet(&self, flag: ProtoOpts) -> Status {
        if self.noreply.contains(flag) {
            Status::Noreply
        } else {
            Status::Continue
        }
    }
}

const NOREPLY: ProtoOpts = ProtoOpts::NOREPLY_CONNECT
    .union(ProtoOpts::NOREPLY_MAIL)
    .union(ProtoOpts::NOREPLY_RCPT)
    .union(ProtoOpts::NOREPLY_HEADER)
    .union(ProtoOpts::NOREPLY_BODY);

fn macro_string(macros: &indymilter::Macros, name: &CStr) -> Option<String> {
    macros
        .get(name)
        .map(|v| v.to_string_lossy().into_owned())
        .filter(|v| !v.is_empty())
}

fn needed_actions(config: &crate::config::Config) -> Actions {
    let mut actions = Actions::ADD_HEADER | Actions::CHANGE_HEADER;
    // Black holes (added at run time, for configured mailboxes) may take a mailbox off a
    // message; subaddress filing rewrites recipients.
    if !config.mailboxes.is_empty() {
        actions |= Actions::DELETE_RCPT;
    }
    if config.cleanup.subaddress {
        actions |= Actions::ADD_RCPT | Actions::DELETE_RCPT;
    }
    for r in &config.rules {
        let t = &r.then;
        if !t.add_recipients.is_empty() || !t.bcc.is_empty() || t.redirect.is_some() {
            actions |= Actions::ADD_RCPT;
        }
        if t.redirect.is_some() {
            actions |= Actions::DELETE_RCPT;
        }
        if t.quarantine.is_some() {
            actions |= Actions::QUARANTINE;
        }
    }
    actions
}

pub fn callbacks(shared: Arc<Shared>) -> Callbacks<Connection> {
    let negotiate_shared = shared.clone();
    Callbacks::new()
        .on_negotiate(move |cx: &mut NegotiateContext<Connection>, mta_actions: Actions, mta_opts: ProtoOpts| {
            let config = negotiate_shared.config.load();
            let needed = needed_actions(&config);
            if !mta_actions.contains(needed) {
                tracing::warn!(missing = ?(needed - mta_actions), "the MTA does not offer milter actions the rules use; those actions will be skipped");
            }
            cx.requested_actions = needed & mta_actions;
            let noreply = mta_opts & NOREPLY;
            cx.requested_opts |= noreply;
            cx.requested_macros.insert(MacroStage::Connect, CString::new("{daemon_name} {client_addr}").expect("no NUL"));
            cx.requested_macros.insert(MacroStage::Mail, CString::new("i {auth_authen} {daemon_name}").expect("no NUL"));
            cx.requested_macros.insert(MacroStage::Eom, CString::new("i").expect("no NUL"));
            cx.data = Some(Connection {
                session: Session::new(config.milter.max_header_bytes, config.milter.max_body_bytes),
                noreply,
            });
            Box::pin(async { Status::Continue })
        })
        .on_connect(|cx: &mut Context<Connection>, hostname: CString, socket: SocketInfo| {
            let daemon = macro_string(&cx.macros, c"{daemon_name}");
            let addr = match socket {
                SocketInfo::Inet(a) => Some(a.ip()),
                _ => macro_string(&cx.macros, c"{client_addr}").and_then(|a| a.parse().ok()),
            };
            let status = match cx.data.as_mut() {
                Some(c) => {
                    c.session.connect(&hostname.to_string_lossy(), addr, daemon);
                    c.quiet(ProtoOpts::NOREPLY_CONNECT)
                }
                None => Status::Continue,
            };
            Box::pin(async move { status })
        })
        .on_mail(|cx: &mut Context<Connection>, args: Vec<CString>| {
            let auth = macro_string(&cx.macros, c"{auth_authen}");
            let daemon = macro_string(&cx.macros, c"{daemon_name}");
            let status = match cx.data.as_mut() {
                Some(c) => {
                    let sender = args.first().map(|a| a.to_string_lossy().into_owned()).unwrap_or_default();
                    c.session.mail(&sender, auth, daemon);
                    c.quiet(ProtoOpts::NOREPLY_MAIL)
                }
                None => Status::Continue,
            };
            Box::pin(async move { status })
        })
        .on_rcpt(|cx: &mut Context<Connection>, args: Vec<CString>| {
            let status = match cx.data.as_mut() {
                Some(c) => {
                    if let Some(r) = args.first() {
                        c.session.rcpt(&r.to_string_lossy());
                    }
                    c.quiet(ProtoOpts::NOREPLY_RCPT)
                }
                None => Status::Continue,
            };
            Box::pin(async move { status })
        })
        .on_header(|cx: &mut Context<Connection>, name: CString, value: CString| {
            let status = match cx.data.as_mut() {
                Some(c) => {
                    c.session.header(name.as_bytes(), value.as_bytes());
                    c.quiet(ProtoOpts::NOREPLY_HEADER)
                }
                None => Status::Continue,
            };
            Box::pin(async move { status })
        })
        .on_body(|cx: &mut Context<Connection>, chunk: bytes::Bytes| {
            let status = match cx.data.as_mut() {
                Some(c) => {
                    c.session.body(&chunk);
                    c.quiet(ProtoOpts::NOREPLY_BODY)
                }
                None => Status::Continue,
            };
            Box::pin(async move { status })
        })
        .on_eom(move |cx: &mut EomContext<Connection>| {
            let shared = shared.clone();
            // end_of_message boxes its large inner futures (store steps, milter actions):
            // this future is about 2 KB rather than 47 KB copied per message.
            Box::pin(async move { end_of_message(cx, &shared).await })
        })
        .on_abort(|cx: &mut Context<Connection>| {
            if let Some(c) = cx.data.as_mut() {
                c.session.reset();
            }
            Box::pin(async { Status::Continue })
        })
}

async fn end_of_message(cx: &mut EomContext<Connection>, shared: &Shared) -> Status {
    let started = Instant::now();
    let queue_id = macro_string(&cx.macros, c"i");
    let Some(message) = cx.data.as_mut().and_then(|c| c.session.finish(queue_id)) else {
        return Status::Accept;
    };
    let config = shared.config.load_full();
    let now = Utc::now();
    let Decision {
        verdict,
        mut plan,
        degraded,
    } = pipeline::decide(
        &config,
        &message.envelope,
        message.raw(),
        now,
        &shared.memory.load(),
        Some(&shared.model.load()),
    );
    // Store work within its budget; it never changes the SMTP outcome (see crate::apply).
    let effects = Box::pin(crate::apply::store_work(
        &shared.store,
        &config,
        now,
        &mut plan,
    ))
    .await;
    let store_failed = effects.degraded.is_some();
    let degraded = degraded.or(effects.degraded);
    if degraded.is_some() {
        pipeline::mark_degraded(&mut plan);
    }
    // `[milter] on_store_error = "tempfail"`: the MTA keeps the message and tries again.
    let tempfail = store_failed && config.milter.on_store_error == OnStoreError::Tempfail;
    if tempfail {
        plan.actions.push("tempfail:store-error".into());
    }

    let applied = match tempfail {
        true => Ok(()),
        false => Box::pin(crate::apply::milter_actions(&cx.actions, &plan)).await,
    };
    let status = match &plan.outcome {
        _ if tempfail => Status::Tempfail,
        Disposition::Accept => Status::Accept,
        Disposition::Discard => Status::Discard,
        Disposition::Reject(r) => {
            match cx
                .reply
                .set_error_reply(&r.code, r.xcode.as_deref(), [r.text.as_str()])
            {
                Ok(()) if r.code.starts_with('4') => Status::Tempfail,
                Ok(()) => Status::Reject,
                Err(e) => {
                    tracing::warn!(error = ?e, "cannot set the configured reply; using the MTA's default reply");
                    if r.code.starts_with('4') {
                        Status::Tempfail
                    } else {
                        Status::Reject
                    }
                }
            }
        }
    };

    let queue_id = message.envelope.queue_id.as_deref().unwrap_or("-");
    let (category, priority) = verdict
        .as_ref()
        .map(|v| (v.category.name().to_string(), v.priority.to_string()))
        .unwrap_or_else(|| ("-".into(), "-".into()));
    let direction = verdict
        .as_ref()
        .map(|v| format!("{:?}", v.direction).to_lowercase())
        .unwrap_or_else(|| "-".into());
    let outcome = match status {
        Status::Accept => "accept",
        Status::Discard => "discard",
        Status::Tempfail => "tempfail",
        Status::Reject => "reject",
        _ => "other",
    };
    crate::metrics::METRICS.message(
        &direction,
        &category,
        outcome,
        started.elapsed().as_secs_f64(),
    );
    if degraded.is_some() {
        crate::metrics::METRICS.degraded();
    }
    // Milliseconds to two decimals; `degraded` only when the message is.
    let ms = (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0;
    let actions = plan.actions.join(",");
    match degraded.as_deref() {
        None => tracing::info!(
            queue_id, direction, category, priority, actions, ms, "message"
        ),
        Some(degraded) => {
            tracing::info!(
                queue_id, direction, category, priority, actions, degraded, ms, "message"
            )
        }
    }
    if let Some(v) = &verdict {
        tracing::debug!(queue_id, sender = %message.envelope.sender, recipients = ?message.envelope.recipients, reasons = ?v.reasons, rules = ?v.rules, "decision details");
    }
    if let Err(e) = applied {
        tracing::warn!(queue_id, error = %e, "a milter action failed; the message is delivered");
    }
    status
}
