//! The one edge of a message: what its plan asks of the store and the outbox, and of the MTA.
//!
//! [`crate::pipeline`] decides (pure); this module carries the decision out. Each job's edge
//! step (acknowledgement, draft, escalation, reply tracking, invitations, list memory) runs
//! within the store's time budget and returns the same kind of data, [`Effects`]: the
//! actions it took, the counters it adds, the headers it adds, whether it raises the
//! priority, and why the message is degraded if it failed. They are merged in one loop, the
//! counters recorded once, and only then are the milter actions performed. No step edits the
//! plan: counters known at decision time and those an edge step adds are kept apart, which
//! is how counters recorded at the edge used to be lost.

use crate::config::Config;
use crate::policy::{self, Plan};
use crate::store::{Count, Store};
use chrono::{DateTime, Utc};
use indymilter::ContextActions;

/// What one edge step did.
#[derive(Debug, Default)]
pub struct Effects {
    /// Short names for the log line (`autoreply-queued`, `calendar:conflict`...).
    pub actions: Vec<String>,
    /// Counters to add.
    pub counts: Vec<Count>,
    /// Headers to add to the message.
    pub headers: Vec<(String, String)>,
    /// The message goes to priority 1 (with this action name).
    pub raise_priority: Option<String>,
    /// Why the step failed, if it did (the message is tagged degraded).
    pub degraded: Option<String>,
}

impl Effects {
    fn failed(e: impl std::fmt::Display) -> Effects {
        Effects {
            degraded: Some(e.to_string()),
            ..Default::default()
        }
    }

    /// Adds `other` to these effects.
    fn merge(&mut self, other: Effects) {
        self.actions.extend(other.actions);
        self.counts.extend(other.counts);
        self.headers.extend(other.headers);
        if other.raise_priority.is_some() {
            self.raise_priority = other.raise_priority;
        }
        if other.degraded.is_some() {
            self.degraded = other.degraded;
        }
    }
}

/// Runs the message's store work: its counters, known at decision time, in the same store
/// round as its other writes; then every edge step; then the counters they add. Returns
/// the merged effects, already folded into the plan's actions and headers (the plan's
/// milter actions are performed after, by the caller).
pub async fn store_work(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
    plan: &mut Plan,
) -> Effects {
    let started = std::time::Instant::now();
    let retention = config.retention();
    let scope = policy::scope_of(&plan.counts);
    let known = std::mem::take(&mut plan.counts);
    let (recorded, mut effects) = tokio::join!(
        crate::store::within(
            config.store.timeout,
            Box::pin(store.record(known, retention))
        ),
        // Boxed: the steps' futures are large, and the message's future stays small.
        Box::pin(edge_steps(store, config, now, plan, &scope)),
    );
    if let Err(e) = recorded {
        effects.degraded = Some(e.to_string());
    }
    let added = std::mem::take(&mut effects.counts);
    // (No counters: no store call at all; see Store::record.)
    if let Err(e) = crate::store::within(
        config.store.timeout,
        Box::pin(store.record(added, retention)),
    )
    .await
    {
        effects.degraded = Some(e.to_string());
    }
    crate::metrics::METRICS.store_work(started.elapsed().as_secs_f64());
    plan.actions.extend(effects.actions.iter().cloned());
    plan.add_headers.append(&mut effects.headers);
    if let Some(action) = &effects.raise_priority {
        for (name, value) in plan.add_headers.iter_mut() {
            if name == crate::message::header::PRIORITY_HEADER {
                *value = "1".into();
            }
        }
        plan.actions.push(action.clone());
    }
    effects
}

/// Every job's edge step, in order, merged.
async fn edge_steps(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
    plan: &mut Plan,
    scope: &[Count],
) -> Effects {
    let timeout = config.store.timeout;
    let mut all = Effects::default();
    if let Some(ack) = plan.autoreply.take() {
        all.merge(Box::pin(autoreply(store, &ack, scope, timeout)).await);
    }
    if let Some(d) = plan.draft.take() {
        all.merge(Box::pin(draft(store, &d, timeout)).await);
    }
    if let Some(e) = plan.escalation.take() {
        all.merge(Box::pin(escalation(store, &e, scope, timeout)).await);
    }
    let work = std::mem::take(&mut plan.tracking);
    all.merge(Box::pin(tracking(store, config, now, work)).await);
    if let Some(work) = plan.calendar.take() {
        all.merge(Box::pin(calendar(store, config, &work, now)).await);
    }
    if let Some(obs) = plan.lists.take() {
        all.merge(Box::pin(lists(store, config, &obs, now)).await);
    }
    all
}

/// An acknowledgement: dedupe and cap in the store, then the outbox; fails closed.
async fn autoreply(
    store: &Store,
    ack: &crate::autoreply::Prepared,
    scope: &[Count],
    timeout: std::time::Duration,
) -> Effects {
    let (metric, degraded) =
        match crate::autoreply::edge::commit(store, ack, crate::store::now_ms(), timeout).await {
            Ok(outcome) => (outcome.metric(), None),
            Err(e) => {
                tracing::debug!(error = %e, "no acknowledgement: the store could not be asked");
                ("autoreply-failed-closed", Some(e.to_string()))
            }
        };
    Effects {
        actions: vec![metric.to_string()],
        counts: policy::edge_counts(scope, metric),
        degraded,
        ..Default::default()
    }
}

/// A review draft for the delegate.
async fn draft(
    store: &Store,
    d: &crate::autoreply::draft::Draft,
    timeout: std::time::Duration,
) -> Effects {
    match crate::autoreply::edge::commit_draft(store, d, crate::store::now_ms(), timeout).await {
        Ok(_) => Effects::default(),
        Err(e) => {
            tracing::warn!(error = %e, "draft not queued: the store could not be asked");
            Effects::failed(e)
        }
    }
}

/// An escalation: sent now, or its deadline stored.
async fn escalation(
    store: &Store,
    e: &crate::escalation::EscalationPlan,
    scope: &[Count],
    timeout: std::time::Duration,
) -> Effects {
    match crate::escalation::edge::commit(store, e, timeout).await {
        Ok(metric) => Effects {
            counts: policy::edge_counts(scope, metric),
            ..Default::default()
        },
        Err(err) => {
            tracing::warn!(error = %err, "escalation not stored: the store could not be asked");
            Effects::failed(err)
        }
    }
}

/// Reply tracking: remember mail that needs a reply, or measure the answer.
async fn tracking(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
    work: crate::escalation::tracking::TrackingPlan,
) -> Effects {
    match crate::escalation::edge::commit_tracking(store, config, now, work, config.store.timeout)
        .await
    {
        Ok(Some((mailbox, answered))) => {
            let mut actions = vec![format!("answered:{}s", answered.business_secs)];
            if answered.escalation_cancelled {
                actions.push("escalation-cancelled".into());
            }
            Effects {
                actions,
                counts: crate::escalation::tracking::answered_counts(
                    config, now, &mailbox, &answered,
                ),
                ..Default::default()
            }
        }
        Ok(None) => Effects::default(),
        Err(e) => Effects::failed(e),
    }
}

/// Invitations: checked against the owner's calendar and tagged; cancellations; acceptances.
async fn calendar(
    store: &Store,
    config: &Config,
    work: &crate::calendar::delivery::InvitationPlan,
    now: DateTime<Utc>,
) -> Effects {
    match crate::store::within(
        config.store.timeout,
        crate::calendar::edge::apply(store, config, work, now),
    )
    .await
    {
        Ok(done) => Effects {
            headers: done
                .header
                .map(|h| {
                    (
                        crate::message::header::CALENDAR_HEADER.to_string(),
                        crate::message::header::encode_word(&h),
                    )
                })
                .into_iter()
                .collect(),
            raise_priority: done
                .raise_priority
                .then(|| "priority-raised:calendar-conflict".to_string()),
            actions: done.actions,
            counts: done.counts,
            degraded: None,
        },
        Err(e) => Effects::failed(e),
    }
}

/// Sender and list memory: remember the list, notice non-compliance, unsubscribe on request.
async fn lists(
    store: &Store,
    config: &Config,
    obs: &crate::cleanup::lists::Observation,
    now: DateTime<Utc>,
) -> Effects {
    match crate::store::within(
        config.store.timeout,
        crate::cleanup::edge::observe(store, config, obs, now),
    )
    .await
    {
        Ok(done) => Effects {
            actions: done.actions,
            counts: done.counts,
            ..Default::default()
        },
        Err(e) => Effects::failed(e),
    }
}

/// A milter action the MTA did not take, and which one.
#[derive(Debug, thiserror::Error)]
#[error("{action}: {error}")]
pub struct ActionFailed {
    /// "add header", "delete recipient", ...
    pub action: &'static str,
    pub error: indymilter::ActionError,
}

/// Performs a plan's milter actions. Continues past failures and reports the first. Every
/// header value goes through [`crate::message::header::header_value`] here, whoever planned it.
pub async fn milter_actions(
    actions: &indymilter::EomActions,
    plan: &Plan,
) -> Result<(), ActionFailed> {
    let mut first_error: Option<ActionFailed> = None;
    let mut note = |action: &'static str, r: Result<(), indymilter::ActionError>| {
        if let Err(error) = r {
            first_error.get_or_insert(ActionFailed { action, error });
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
                Some(crate::message::header::header_value(&c.value).as_str()),
            )
            .await;
        note("change header", r);
    }
    for (name, value) in &plan.add_headers {
        let r = actions
            .add_header(
                name.as_str(),
                crate::message::header::header_value(value).as_str(),
            )
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
