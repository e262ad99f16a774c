//! The running process's shared state and its background rounds: what every milter
//! connection shares ([`Shared`]: the configuration in force, the store, the snapshot of the
//! store the milter decides with, the outbox worker), the configuration's reload, and the
//! rounds that run beside mail (black-hole and key refresh, reminders, deadline reminders,
//! calendar feeds, escalations, the outbox; pruning). The milter only starts them.

use crate::config::{self, Config, Overrides};
use crate::store::Store;
use arc_swap::ArcSwap;
use chrono::Utc;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// State shared by every connection.
pub struct Shared {
    /// The configuration in force; replaced whole on reload.
    pub config: ArcSwap<Config>,
    pub store: Store,
    /// The black holes of every mailbox, refreshed from the store every few seconds.
    pub memory: ArcSwap<crate::cleanup::blackhole::Memory>,
    /// What has been learned: the starter model and the store's lessons, refreshed when the
    /// store's model version moves.
    pub model: ArcSwap<crate::model::Model>,
    /// This process's outbox worker.
    pub outbox: crate::outbox::Worker,
}

/// Where the configuration comes from, to load it again on SIGHUP.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// None: built-in defaults (no file).
    pub path: Option<PathBuf>,
    pub overrides: Overrides,
}

impl ConfigSource {
    pub fn load(&self) -> Result<Config, config::ConfigErrors> {
        match &self.path {
            Some(p) => config::load(p, &self.overrides),
            None => config::defaults(&self.overrides),
        }
    }
}

/// Loads the configuration again; on success swaps it in, on failure keeps the old one.
pub fn reload(source: &ConfigSource, slot: &ArcSwap<Config>) {
    match source.load() {
        Ok(new) => {
            let old = slot.load();
            for key in old.restart_only_changes(&new) {
                tracing::warn!(key, "setting changed; it takes effect after a restart");
            }
            slot.store(Arc::new(new));
            crate::metrics::METRICS.reload(true);
            tracing::info!("configuration reloaded");
        }
        Err(errors) => {
            crate::metrics::METRICS.reload(false);
            for e in &errors.0 {
                tracing::error!("{e}");
            }
            tracing::error!(
                "configuration not reloaded; the previous configuration stays in force"
            );
        }
    }
}

/// How often the store is asked whether the learned model changed.
const MODEL_REFRESH: Duration = Duration::from_secs(10);

/// How often the black-hole snapshot is read again from the store.
const MEMORY_REFRESH: Duration = Duration::from_secs(5);

/// Refreshes the black-hole snapshot, fires due reminders and escalations and sends what the
/// outbox holds, every half second, until shutdown.
pub async fn background_rounds(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut refreshed: Option<std::time::Instant> = None;
    let mut model_checked: Option<std::time::Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        crate::metrics::METRICS.heartbeat();
        let config = shared.config.load_full();
        if refreshed.is_none_or(|at| at.elapsed() >= MEMORY_REFRESH) {
            match crate::cleanup::blackhole::Memory::load(
                &shared.store,
                &config,
                crate::store::now_ms(),
            )
            .await
            {
                Ok(m) => {
                    shared.memory.store(Arc::new(m));
                    refreshed = Some(std::time::Instant::now());
                }
                Err(e) => tracing::debug!(error = %e, "black holes not refreshed"),
            }
        }
        if config.classifier.model
            && model_checked.is_none_or(|at: std::time::Instant| at.elapsed() >= MODEL_REFRESH)
        {
            let current = shared.model.load_full();
            match crate::learning::edge::refresh(&shared.store, &config, &current).await {
                Ok(Some(m)) => {
                    tracing::info!(
                        features = m.base.tokens.len(),
                        mailboxes = m.mailboxes.len(),
                        "learned model read again"
                    );
                    shared.model.store(Arc::new(m));
                }
                Ok(None) => {}
                Err(e) => tracing::debug!(error = %e, "learned model not refreshed"),
            }
            model_checked = Some(std::time::Instant::now());
        }
        let retention = config.retention();
        let observing = config.milter.mode == crate::config::model::MilterMode::Observe;
        if !observing {
            sending_rounds(&shared, &config, retention, &stop).await;
        }
        if let Err(e) = crate::calendar::feed::refresh_due(&shared.store, &config, Utc::now()).await
        {
            tracing::debug!(error = %e, "calendar feed round skipped");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.changed() => {}
        }
    }
}

/// The rounds that send mail: reminders, deadline reminders, escalations come due, and the
/// outbox (none of them runs in observe mode: nothing is sent). The outbox is drained while it
/// has work.
async fn sending_rounds(
    shared: &Shared,
    config: &Config,
    retention: Duration,
    stop: &watch::Receiver<bool>,
) {
    while !*stop.borrow() {
        if let Err(e) =
            crate::escalation::reminders::run_due(&shared.store, config, Utc::now()).await
        {
            tracing::debug!(error = %e, "reminder round skipped");
        }
        if let Err(e) =
            crate::escalation::reminders::run_deadlines(&shared.store, config, Utc::now()).await
        {
            tracing::debug!(error = %e, "deadline reminder round skipped");
        }
        if let Err(e) = crate::escalation::edge::fire_due(&shared.store, config, Utc::now()).await {
            tracing::debug!(error = %e, "escalation round skipped");
        }
        match shared
            .outbox
            .run_once(&shared.store, &config.outbox, retention)
            .await
        {
            Ok(r) if r.sent + r.retried + r.dead > 0 => {
                crate::metrics::METRICS.outbox(r.sent, r.retried, r.dead);
                continue;
            }
            Ok(_) => return,
            Err(e) => {
                tracing::debug!(error = %e, "outbox round skipped");
                return;
            }
        }
    }
}

/// Deletes counters older than the retention period, and forgets unanswered mail kept longer
/// than `[tracking] keep`, hourly.
pub async fn prune_loop(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let config = shared.config.load_full();
        match crate::escalation::edge::forget_old(&shared.store, &config, Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                messages = n,
                "unanswered mail past [tracking] keep forgotten"
            ),
            Err(e) => tracing::debug!(error = %e, "unanswered pruning skipped"),
        }
        let days = config.store.retention_days;
        let cutoff = (Utc::now() - chrono::Duration::days(i64::from(days)))
            .format("%Y-%m-%d")
            .to_string();
        match shared.store.prune(cutoff.clone()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, before = %cutoff, "old counters deleted"),
            Err(e) => tracing::debug!(error = %e, "counter pruning skipped"),
        }
    }
}
