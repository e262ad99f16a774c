//! indymilter callbacks: adapters between the milter protocol and [`Session`], plus the
//! end-of-message step that applies a [`Plan`].
//!
//! Negotiation asks only for what the configuration in force needs: header actions always
//! (tags and removal of spoofed headers), recipient actions and quarantine only when a rule
//! uses them. Stages musaid has no callback for are negotiated away, and the connect, MAIL,
//! RCPT, header and body stages are declared no-reply when the MTA supports it, so a message
//! costs the MTA one round trip to musaid: end of message.

use super::Shared;
use super::session::Session;
use crate::autoreply;
use crate::pipeline::{self, Decision};
use crate::policy::{self, Outcome, Plan};
use chrono::Utc;
use indymilter::{
    Actions, Callbacks, Context, ContextActions, EomContext, MacroStage, NegotiateContext,
    ProtoOpts, SetErrorReply, SocketInfo, Status,
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
    );
    // Store work within its budget; it never changes the SMTP outcome. The counters known
    // now go with the message's other writes (one commit or round trip for all); what those
    // writes add (acknowledged, answered, ...) follows, when there is any.
    let retention = config.retention();
    let known = std::mem::take(&mut plan.counts);
    let (recorded, store_degraded) = tokio::join!(
        crate::store::within(
            config.store.timeout,
            Box::pin(shared.store.record(known, retention))
        ),
        // Boxed: the store steps' futures are large, and the message's future stays small.
        Box::pin(store_work(shared, &config, now, &mut plan)),
    );
    let mut degraded = degraded;
    if let Some(e) = store_degraded {
        degraded = Some(e);
    }
    if let Err(e) = recorded {
        degraded = Some(e.to_string());
    }
    let added = std::mem::take(&mut plan.counts);
    // (No counters: no store call at all; see Store::record.)
    if let Err(e) = crate::store::within(
        config.store.timeout,
        Box::pin(shared.store.record(added, retention)),
    )
    .await
    {
        degraded = Some(e.to_string());
    }
    if degraded.is_some() {
        pipeline::mark_degraded(&mut plan);
    }

    let applied = Box::pin(apply(&cx.actions, &plan)).await;
    let status = match &plan.outcome {
        Outcome::Accept => Status::Accept,
        Outcome::Discard => Status::Discard,
        Outcome::Reject(r) => {
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
    tracing::info!(
        queue_id,
        direction,
        category,
        priority,
        actions = %plan.actions.join(","),
        degraded = degraded.as_deref().unwrap_or(""),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "message"
    );
    if let Some(v) = &verdict {
        tracing::debug!(queue_id, sender = %message.envelope.sender, recipients = ?message.envelope.recipients, reasons = ?v.reasons, rules = ?v.rules, "decision details");
    }
    if let Err(e) = applied {
        tracing::warn!(queue_id, error = %e, "a milter action failed; the message is delivered");
    }
    status
}

/// The message's store work beyond its counters: acknowledgement, draft, escalation, reply
/// tracking, invitations, list memory. Adds what it did to the plan (actions, headers,
/// counters) and returns why the message is degraded, if a step failed.
async fn store_work(
    shared: &Shared,
    config: &crate::config::Config,
    now: chrono::DateTime<Utc>,
    plan: &mut Plan,
) -> Option<String> {
    let mut degraded = None;
    // An acknowledgement: dedupe and cap in the store, then the outbox; fails closed.
    if let Some(ack) = plan.autoreply.take() {
        let metric = match Box::pin(autoreply::commit(
            &shared.store,
            &ack,
            crate::store::now_ms(),
            config.store.timeout,
        ))
        .await
        {
            Ok(outcome) => outcome.metric(),
            Err(e) => {
                tracing::debug!(error = %e, "no acknowledgement: the store could not be asked");
                degraded = Some(e.to_string());
                "autoreply-failed-closed"
            }
        };
        plan.actions.push(metric.to_string());
        let extra = policy::edge_counts(plan, metric);
        plan.counts.extend(extra);
    }

    if let Some(d) = plan.draft.take()
        && let Err(e) = Box::pin(autoreply::commit_draft(
            &shared.store,
            &d,
            crate::store::now_ms(),
            config.store.timeout,
        ))
        .await
    {
        tracing::warn!(error = %e, "draft not queued: the store could not be asked");
        degraded = Some(e.to_string());
    }

    if let Some(e) = plan.escalation.take() {
        match Box::pin(crate::escalation::commit(
            &shared.store,
            &e,
            config.store.timeout,
        ))
        .await
        {
            Ok(metric) => {
                let extra = policy::edge_counts(plan, metric);
                plan.counts.extend(extra);
            }
            Err(err) => {
                tracing::warn!(error = %err, "escalation not stored: the store could not be asked");
                degraded = Some(err.to_string());
            }
        }
    }

    // Reply tracking: remember mail that needs a reply, or measure the answer.
    let work = std::mem::take(&mut plan.tracking);
    match Box::pin(crate::tracking::commit(
        &shared.store,
        config,
        now,
        work,
        config.store.timeout,
    ))
    .await
    {
        Ok(Some((mailbox, answered))) => {
            plan.actions
                .push(format!("answered:{}s", answered.business_secs));
            if answered.escalation_cancelled {
                plan.actions.push("escalation-cancelled".into());
            }
            plan.counts.extend(crate::tracking::answered_counts(
                config, now, &mailbox, &answered,
            ));
        }
        Ok(None) => {}
        Err(e) => degraded = Some(e.to_string()),
    }

    // Invitations: check against the owner's calendar and tag; cancellations; acceptances.
    if let Some(work) = plan.calendar.take() {
        match crate::store::within(
            config.store.timeout,
            Box::pin(crate::calendar::delivery::apply(
                &shared.store,
                config,
                &work,
                now,
            )),
        )
        .await
        {
            Ok(done) => {
                if let Some(h) = done.header {
                    plan.add_headers.push((
                        crate::policy::CALENDAR_HEADER.into(),
                        crate::policy::encode_word(&h),
                    ));
                }
                if done.raise_priority {
                    for (name, value) in plan.add_headers.iter_mut() {
                        if name == crate::policy::PRIORITY_HEADER {
                            *value = "1".into();
                        }
                    }
                    plan.actions
                        .push("priority-raised:calendar-conflict".into());
                }
                plan.actions.extend(done.actions);
                plan.counts.extend(done.counts);
            }
            Err(e) => degraded = Some(e.to_string()),
        }
    }

    // Sender and list memory: remember the list, notice non-compliance, unsubscribe on request.
    if let Some(obs) = plan.lists.take() {
        match crate::store::within(
            config.store.timeout,
            Box::pin(crate::unsubscribe::observe(
                &shared.store,
                config,
                &obs,
                now,
            )),
        )
        .await
        {
            Ok(done) => {
                plan.actions.extend(done.actions);
                plan.counts.extend(done.counts);
            }
            Err(e) => degraded = Some(e.to_string()),
        }
    }

    degraded
}

/// Applies a plan's milter actions. Continues past failures and reports the first. Every
/// header value goes through [`policy::header_value`] here, whoever planned it.
async fn apply(actions: &indymilter::EomActions, plan: &Plan) -> Result<(), String> {
    let mut first_error: Option<String> = None;
    let mut note = |what: &str, r: Result<(), indymilter::ActionError>| {
        if let Err(e) = r {
            first_error.get_or_insert_with(|| format!("{what}: {e}"));
        }
    };
    for (name, index) in &plan.remove_headers {
        let r = actions
            .change_header(name.as_str(), *index as i32, None::<&str>)
            .await;
        note("remove header", r);
    }
    for c in &plan.change_headers {
        let r = actions
            .change_header(
                c.name.as_str(),
                c.index as i32,
                Some(policy::header_value(&c.value).as_str()),
            )
            .await;
        note("change header", r);
    }
    for (name, value) in &plan.add_headers {
        let r = actions
            .add_header(name.as_str(), policy::header_value(value).as_str())
            .await;
        note("add header", r);
    }
    for r in &plan.delete_recipients {
        let res = actions.delete_recipient(format!("<{r}>")).await;
        note("delete recipient", res);
    }
    for r in &plan.add_recipients {
        let res = actions.add_recipient(format!("<{r}>")).await;
        note("add recipient", res);
    }
    if let Some(reason) = &plan.quarantine {
        let r = actions.quarantine(reason.as_str()).await;
        note("quarantine", r);
    }
    match first_error {
        None => Ok(()),
        Some(e) => Err(e),
    }
}
