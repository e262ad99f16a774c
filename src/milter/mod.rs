//! The milter: `musaid serve`.
//!
//! [`callbacks`] adapts indymilter's callbacks to a [`session::Session`] and does nothing
//! else; at end of message it asks [`crate::pipeline`] for a decision, gives the counters to
//! the store within the store's time budget, and applies the plan with milter actions.
//! [`serve`] owns the process: it binds the socket ([`listener`]), reloads the configuration
//! on SIGHUP, prunes old counters, and shuts down gracefully on SIGTERM or SIGINT.

pub mod admission;
mod callbacks;
pub mod listener;
pub mod session;

use crate::config::{self, Config, Overrides};
use crate::store::Store;
use arc_swap::ArcSwap;
use chrono::Utc;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// State shared by every connection.
pub struct Shared {
    /// The configuration in force; replaced whole on reload.
    pub config: ArcSwap<Config>,
    pub store: Store,
    /// The black holes of every mailbox, refreshed from the store every few seconds.
    pub memory: ArcSwap<crate::blackhole::Memory>,
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

/// A running milter, for tests and embedding: the bound address and a way to stop it.
pub struct Running {
    /// What was bound, e.g. `inet:127.0.0.1:40123`.
    pub local: String,
    /// The state the connections share (configuration slot, store).
    pub shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets open sessions finish, and waits.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(true);
        self.task
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

/// Sessions indymilter may hold beyond `[milter] max_connections` while the ones admission
/// closed are finishing.
const ADMISSION_RESERVE: usize = 16;

/// Binds and starts serving in the background (no signal handling: see [`serve`]).
pub async fn start(config: Config, store: Store) -> std::io::Result<Running> {
    let bound = listener::bind(&config.milter.listen, config.milter.socket_mode).await?;
    let local = bound.local.clone();
    // Admission closes the quietest connection at the limit; indymilter's own limit is a
    // little higher so that a new connection never waits for a closed one to finish.
    let listener = admission::Admitting::new(bound.listener, config.milter.max_connections);
    let milter_config = indymilter::Config {
        max_connections: config.milter.max_connections + ADMISSION_RESERVE,
        connection_timeout: config.milter.connection_timeout,
        ..Default::default()
    };
    let shared = Arc::new(Shared {
        config: ArcSwap::from_pointee(config),
        store,
        memory: ArcSwap::from_pointee(crate::blackhole::Memory::default()),
        outbox: crate::outbox::Worker::new(format!(
            "{}|{local}",
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_default()
        )),
    });
    let (shutdown, mut rx) = watch::channel(false);
    let worker_stop = shutdown.subscribe();
    let socket_path = bound.socket_path.clone();
    let serving = shared.clone();
    let task = tokio::spawn(async move {
        let stopped = async move {
            while !*rx.borrow() {
                if rx.changed().await.is_err() {
                    break;
                }
            }
        };
        let prune = tokio::spawn(prune_loop(serving.clone()));
        let outbox = tokio::spawn(outbox_loop(serving.clone(), worker_stop));
        let result = indymilter::run(
            listener,
            callbacks::callbacks(serving),
            milter_config,
            stopped,
        )
        .await;
        prune.abort();
        // The worker finishes the job it is sending; queued jobs stay in the store.
        let _ = outbox.await;
        if let Some(p) = socket_path {
            let _ = std::fs::remove_file(p);
        }
        result
    });
    Ok(Running {
        local,
        shared,
        shutdown,
        task,
    })
}

/// Runs the milter until SIGTERM or SIGINT; reloads the configuration on SIGHUP.
pub async fn serve(source: ConfigSource, config: Config) -> anyhow::Result<()> {
    let store = Store::open(&config.store);
    tracing::info!(listen = %config.milter.listen, store = %store.describe(), rules = config.rules.len(), mailboxes = config.mailboxes.len(), "musaid starting");
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let running = start(config, store.clone())
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen: {e}"))?;
    tracing::info!(listen = %running.local, "milter ready");
    loop {
        tokio::select! {
            _ = hangup.recv() => reload(&source, &running.shared.config),
            _ = terminate.recv() => { tracing::info!("SIGTERM: finishing open sessions and stopping"); break; }
            _ = interrupt.recv() => { tracing::info!("SIGINT: finishing open sessions and stopping"); break; }
        }
    }
    running.stop().await?;
    tracing::info!("musaid stopped");
    Ok(())
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
            tracing::info!("configuration reloaded");
        }
        Err(errors) => {
            for e in &errors.0 {
                tracing::error!("{e}");
            }
            tracing::error!(
                "configuration not reloaded; the previous configuration stays in force"
            );
        }
    }
}

/// How often the black-hole snapshot is read again from the store.
const MEMORY_REFRESH: Duration = Duration::from_secs(5);

/// Refreshes the black-hole snapshot, fires due reminders and escalations and sends what the
/// outbox holds, every half second, until shutdown.
async fn outbox_loop(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut refreshed: Option<std::time::Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let config = shared.config.load_full();
        if refreshed.is_none_or(|at| at.elapsed() >= MEMORY_REFRESH) {
            match crate::blackhole::Memory::load(&shared.store, &config, crate::store::now_ms())
                .await
            {
                Ok(m) => {
                    shared.memory.store(Arc::new(m));
                    refreshed = Some(std::time::Instant::now());
                }
                Err(e) => tracing::debug!(error = %e, "black holes not refreshed"),
            }
        }
        let retention = config.retention();
        if let Err(e) = crate::reminders::run_due(&shared.store, &config, Utc::now()).await {
            tracing::debug!(error = %e, "reminder round skipped");
        }
        if let Err(e) = crate::reminders::run_deadlines(&shared.store, &config, Utc::now()).await {
            tracing::debug!(error = %e, "deadline reminder round skipped");
        }
        if let Err(e) = crate::calendar::feed::refresh_due(&shared.store, &config, Utc::now()).await
        {
            tracing::debug!(error = %e, "calendar feed round skipped");
        }
        if let Err(e) = crate::escalation::fire_due(&shared.store, &config, Utc::now()).await {
            tracing::debug!(error = %e, "escalation round skipped");
        }
        match shared
            .outbox
            .run_once(&shared.store, &config.outbox, retention)
            .await
        {
            Ok(r) if r.sent + r.retried + r.dead > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::debug!(error = %e, "outbox round skipped"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Deletes counters older than the retention period, and forgets unanswered mail kept longer
/// than `[tracking] keep`, hourly.
async fn prune_loop(shared: Arc<Shared>) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let config = shared.config.load_full();
        match crate::tracking::forget_old(&shared.store, &config, Utc::now()).await {
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
