//! Metrics for Prometheus and a health check: what an administrator scrapes from a running
//! `musaid serve` (`[metrics] listen`, off by default), served by [`crate::milter::http`].
//!
//! One registry for the process ([`METRICS`]), written by the edges that know each fact:
//! the milter callbacks (messages by direction, category and outcome; degraded messages;
//! end-of-message time), the one edge of a message (store time), the store (every counter it
//! records, as `musaid_events_total{event}`: acknowledgements, escalations fired and
//! cancelled, reminders, invitations, list memory, whoever recorded them), the outbox worker
//! (sent, retried, dead letters) and reloads. The instruments are `prometheus-client`'s; nothing here reads mail.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicI64, Ordering};

type Labels = Vec<(&'static str, String)>;

/// Counter names that tally received mail for the digest (top senders, busiest hours).
const DIGEST_TALLIES: [&str; 2] = ["from", "hour"];

/// Milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Every instrument, registered once.
pub struct Metrics {
    registry: Registry,
    messages: Family<Labels, Counter>,
    degraded: Counter,
    end_of_message: Histogram,
    store: Histogram,
    events: Family<Labels, Counter>,
    outbox: Family<Labels, Counter>,
    reloads: Family<Labels, Counter>,
    outbox_depth: Gauge,
    /// When the background rounds last went round (ms since the epoch): the outbox worker's
    /// heartbeat for `/healthz`.
    heartbeat_ms: AtomicI64,
}

/// Seconds, from 100 µs to about 6.5 s.
fn latency_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.0001, 2.0, 17)
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("musaid");
        let messages = Family::<Labels, Counter>::default();
        registry.register(
            "messages",
            "Messages decided, by direction, category and outcome",
            messages.clone(),
        );
        let degraded = Counter::default();
        registry.register(
            "degraded_messages",
            "Messages delivered tagged degraded (store failure, parse failure, internal error)",
            degraded.clone(),
        );
        let end_of_message = Histogram::new(latency_buckets());
        registry.register(
            "end_of_message_seconds",
            "Time from end of message to the answer to the MTA",
            end_of_message.clone(),
        );
        let store = Histogram::new(latency_buckets());
        registry.register(
            "store_seconds",
            "Time of a message's store work",
            store.clone(),
        );
        let events = Family::<Labels, Counter>::default();
        registry.register(
            "events",
            "Counters recorded for the digest and musaid stats, by event",
            events.clone(),
        );
        let outbox = Family::<Labels, Counter>::default();
        registry.register(
            "outbox",
            "Outbox jobs by result: sent, retried, dead (a dead letter)",
            outbox.clone(),
        );
        let reloads = Family::<Labels, Counter>::default();
        registry.register(
            "reloads",
            "Configuration reloads (SIGHUP), by result",
            reloads.clone(),
        );
        let outbox_depth: Gauge = Gauge::default();
        registry.register(
            "outbox_depth",
            "Jobs in the outbox (waiting or being sent), for every host sharing the store; read when scraped",
            outbox_depth.clone(),
        );
        let up_since: Gauge = Gauge::default();
        registry.register(
            "start_time_seconds",
            "When this process started (Unix time)",
            up_since.clone(),
        );
        up_since.set(now_ms() / 1000);
        Metrics {
            registry,
            messages,
            degraded,
            end_of_message,
            store,
            events,
            outbox,
            reloads,
            outbox_depth,
            heartbeat_ms: AtomicI64::new(0),
        }
    }

    /// One decided message.
    pub fn message(&self, direction: &str, category: &str, outcome: &str, seconds: f64) {
        self.messages
            .get_or_create(&vec![
                ("direction", direction.to_string()),
                ("category", category.to_string()),
                ("outcome", outcome.to_string()),
            ])
            .inc();
        self.end_of_message.observe(seconds);
    }

    pub fn degraded(&self) {
        self.degraded.inc();
    }

    /// A message's store work.
    pub fn store_work(&self, seconds: f64) {
        self.store.observe(seconds);
    }

    /// A counter the store recorded (`autoreply-queued`, `escalation-fired`, ...), by the
    /// name before any `:detail`, so the label set stays small. The digest's tallies by
    /// sender and by hour of the day are not events and are left out.
    pub fn event(&self, metric: &str, n: u64) {
        let name = metric.split(':').next().unwrap_or(metric);
        if name.is_empty() || DIGEST_TALLIES.contains(&name) {
            return;
        }
        self.events
            .get_or_create(&vec![("event", name.to_string())])
            .inc_by(n);
    }

    /// The outbox's depth as the store reported it.
    pub fn outbox_depth(&self, jobs: u64) {
        self.outbox_depth
            .set(i64::try_from(jobs).unwrap_or(i64::MAX));
    }

    /// One outbox round's results.
    pub fn outbox(&self, sent: usize, retried: usize, dead: usize) {
        for (result, n) in [("sent", sent), ("retried", retried), ("dead", dead)] {
            if n > 0 {
                self.outbox
                    .get_or_create(&vec![("result", result.to_string())])
                    .inc_by(n as u64);
            }
        }
    }

    pub fn reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "failed" };
        self.reloads
            .get_or_create(&vec![("result", result.to_string())])
            .inc();
    }

    /// The background rounds went round.
    pub fn heartbeat(&self) {
        self.heartbeat_ms.store(now_ms(), Ordering::Relaxed);
    }

    /// Milliseconds since the background rounds last went round (None: not yet).
    pub fn since_heartbeat_ms(&self) -> Option<i64> {
        match self.heartbeat_ms.load(Ordering::Relaxed) {
            0 => None,
            at => Some(now_ms() - at),
        }
    }

    /// The Prometheus text exposition of every instrument.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
