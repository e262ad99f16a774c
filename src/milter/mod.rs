//! The milter: `musaid serve`, the protocol side only.
//!
//! [`callbacks`] adapts indymilter's callbacks to a [`session::Session`] and does nothing
//! else; at end of message it asks [`crate::pipeline`] for a decision and hands it to
//! [`crate::apply`], the one edge. [`serve`] owns the process: it binds the socket
//! ([`listener`], [`admission`]) and, when configured, the metrics listener ([`http`]),
//! tells systemd when it is ready ([`notify`]),
//! starts the background rounds ([`crate::runtime`]), reloads
//! the configuration on SIGHUP, and shuts down gracefully on SIGTERM or SIGINT.

pub mod admission;
mod callbacks;
pub mod http;
pub mod listener;
pub mod notify;
pub mod session;

use crate::config::Config;
use crate::runtime::{ConfigSource, Shared};
use crate::store::Store;
use arc_swap::ArcSwap;
use std::sync::Arc;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// A running milter, for tests and embedding: the bound address and a way to stop it.
pub struct Running {
    /// What was bound, e.g. `inet:127.0.0.1:40123`.
    pub local: String,
    /// Where `/metrics` and `/healthz` are served, when `[metrics] listen` is set.
    pub metrics: Option<std::net::SocketAddr>,
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
    let metrics_listener =
        match config.metrics_listen {
            Some(addr) => Some(tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                std::io::Error::new(e.kind(), format!("metrics listener {addr}: {e}"))
            })?),
            None => None,
        };
    let metrics = metrics_listener.as_ref().and_then(|l| l.local_addr().ok());
    let model = crate::learning::edge::initial(&store, &config).await;
    let shared = Arc::new(Shared {
        config: ArcSwap::from_pointee(config),
        model: ArcSwap::from_pointee(model),
        store,
        memory: ArcSwap::from_pointee(crate::cleanup::blackhole::Memory::default()),
        outbox: crate::outbox::Worker::new(format!(
            "{}|{local}",
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .map(|h| h.trim().to_string())
                .unwrap_or_default()
        )),
    });
    let (shutdown, mut rx) = watch::channel(false);
    let worker_stop = shutdown.subscribe();
    if let Some(l) = metrics_listener {
        tokio::spawn(http::serve(l, shared.store.clone(), shutdown.subscribe()));
    }
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
        let prune = tokio::spawn(crate::runtime::prune_loop(serving.clone()));
        let outbox = tokio::spawn(crate::runtime::background_rounds(
            serving.clone(),
            worker_stop,
        ));
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
        metrics,
        shared,
        shutdown,
        task,
    })
}

/// Why `musaid serve` could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {address}: {error}")]
    Listen {
        address: crate::config::ListenAddr,
        error: std::io::Error,
    },
    #[error("cannot handle signals: {0}")]
    Signals(std::io::Error),
    #[error("the milter stopped with an error: {0}")]
    Stopped(std::io::Error),
}

/// Runs the milter until SIGTERM or SIGINT; reloads the configuration on SIGHUP.
pub async fn serve(source: ConfigSource, config: Config) -> Result<(), ServeError> {
    let store = Store::open(&config.store);
    tracing::info!(listen = %config.milter.listen, store = %store.describe(), rules = config.rules.len(), mailboxes = config.mailboxes.len(), "musaid starting");
    let mut hangup = signal(SignalKind::hangup()).map_err(ServeError::Signals)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(ServeError::Signals)?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(ServeError::Signals)?;
    let address = config.milter.listen.clone();
    let running = start(config, store.clone())
        .await
        .map_err(|error| ServeError::Listen { address, error })?;
    tracing::info!(listen = %running.local, "milter ready");
    notify::notify(&format!("READY=1\nSTATUS=serving on {}", running.local));
    loop {
        tokio::select! {
            _ = hangup.recv() => {
                notify::notify(&format!("RELOADING=1\nMONOTONIC_USEC={}", notify::monotonic_usec()));
                crate::runtime::reload(&source, &running.shared.config);
                notify::notify("READY=1");
            }
            _ = terminate.recv() => { tracing::info!("SIGTERM: finishing open sessions and stopping"); break; }
            _ = interrupt.recv() => { tracing::info!("SIGINT: finishing open sessions and stopping"); break; }
        }
    }
    notify::notify("STOPPING=1");
    running.stop().await.map_err(ServeError::Stopped)?;
    tracing::info!("musaid stopped");
    Ok(())
}
