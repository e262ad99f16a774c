//! The outbox: everything musaid sends goes through a durable queue in the store, never from
//! inside a milter callback. A worker claims jobs with a lease, sends them with lettre to the
//! configured relay, acknowledges after the relay's 250, retries with backoff, and after
//! `[outbox] max_age` gives up with a logged and counted dead letter. A job queued before a
//! crash is sent after the restart, once: its id (and so its Message-ID) is stable, enqueueing
//! the same id twice queues it once (and never again once sent: the store remembers finished
//! ids), and an unacknowledged job comes back when its lease ends. [`Worker`] records "sent"
//! before anything else after the relay's 250, and reuses its SMTP connections.

pub mod http;
pub mod origin;

use crate::config::model::{OutboxSettings, Relay, RelayTls};
use crate::store::{Count, Key, Store, StoreError, now_ms};
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How long a claimed job is reserved for one sending attempt.
const LEASE_MS: i64 = 120_000;
/// Jobs claimed per round.
const BATCH: usize = 16;

/// The queue's key.
pub fn queue() -> Key {
    Key::global("outbox")
}

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxJob {
    /// What it is, for logs and counters: `autoreply`, `escalation`...
    pub kind: String,
    /// The mailbox it is sent for (counters).
    pub mailbox: String,
    /// Envelope sender; empty for `<>`.
    pub from: String,
    pub to: Vec<String>,
    /// The whole message (headers and body), CRLF line ends.
    pub message: String,
    /// When it was queued (ms since the epoch).
    pub created: i64,
    /// Set for an HTTP job (a webhook notice, a one-click unsubscribe): `message` is POSTed
    /// there instead of mailed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    /// The POST's content type (default `application/json`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
}

impl OutboxJob {
    /// Where this job's URL may lead: an unsubscribe link came from mail and may only reach
    /// public addresses; a webhook is the administrator's and may be anywhere.
    pub fn reach(&self) -> crate::outbox::http::Reach {
        if self.kind == "unsubscribe" {
            crate::outbox::http::Reach::Public
        } else {
            crate::outbox::http::Reach::Any
        }
    }
}

/// Queues a job; false if a job with this id is queued already.
pub async fn enqueue(store: &Store, id: &str, job: &OutboxJob) -> Result<bool, StoreError> {
    let payload = serde_json::to_vec(job).map_err(|e| StoreError::Backend(e.to_string()))?;
    store
        .enqueue(queue(), id.to_string(), payload, job.created)
        .await
}

/// Delay before attempt `n + 1`: `first`, then doubling, at most an hour.
pub fn backoff(first: Duration, attempts: u32) -> Duration {
    first
        .saturating_mul(1 << attempts.saturating_sub(1).min(16))
        .min(Duration::from_secs(3600))
}

fn transport(relay: &Relay) -> Result<AsyncSmtpTransport<Tokio1Executor>, RelayError> {
    let smtp = |error| RelayError::Smtp {
        relay: relay_name(relay),
        error,
    };
    let builder = match relay.tls {
        RelayTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&relay.host),
        RelayTls::StartTls => {
            AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&relay.host).map_err(smtp)?
        }
        RelayTls::Wrapper => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(&relay.host).map_err(smtp)?
        }
    };
    let mut builder = builder
        .port(relay.port)
        .timeout(Some(Duration::from_secs(30)));
    if let (Some(u), Some(p)) = (&relay.username, &relay.password) {
        builder = builder.credentials(Credentials::new(u.clone(), p.clone()));
    }
    Ok(builder.build())
}

/// The relay could not be reached or would not talk, naming it (`host:port`).
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("{relay}: no connection within {SMTP_TIMEOUT:?}")]
    ConnectTimeout { relay: String },
    #[error("{relay}: {error}")]
    Connect {
        relay: String,
        error: std::io::Error,
    },
    #[error("{relay}: no greeting within {SMTP_TIMEOUT:?}")]
    GreetingTimeout { relay: String },
    #[error("{relay}: {error}")]
    Smtp {
        relay: String,
        error: lettre::transport::smtp::Error,
    },
}

/// A relay as errors name it: `host:port`, never its credentials.
fn relay_name(relay: &Relay) -> String {
    format!("{}:{}", relay.host, relay.port)
}

impl From<RelayError> for Failure {
    /// A relay that cannot be reached now may be reachable later.
    fn from(e: RelayError) -> Failure {
        Failure::Temporary(e.to_string())
    }
}

/// Why a job was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth another try later (connection refused, 4xx SMTP reply, HTTP 5xx or 429...).
    Temporary(String),
    /// Will not succeed (5xx SMTP reply, HTTP 4xx, a malformed address): a dead letter now.
    Permanent(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Temporary(e) => write!(f, "{e}"),
            Failure::Permanent(e) => write!(f, "{e} (permanent)"),
        }
    }
}

/// Sends one job: a webhook notice by HTTP POST, anything else through the relay, stamped
/// with `origin_key` so the milter knows it for musaid's own ([`crate::outbox::origin`]).
pub async fn send(relay: &Relay, job: &OutboxJob, origin_key: Option<&str>) -> Result<(), Failure> {
    match &job.webhook {
        Some(url) => {
            let content_type = job.content_type.as_deref().unwrap_or("application/json");
            post(url, content_type, &job.message, job.reach()).await
        }
        None => send_mail(relay, job, origin_key).await,
    }
}

async fn send_mail(
    relay: &Relay,
    job: &OutboxJob,
    origin_key: Option<&str>,
) -> Result<(), Failure> {
    let t = transport(relay)?;
    send_mail_with(&t, job, origin_key).await
}

/// The envelope and the bytes of a mail job (stamped with `origin_key`).
fn prepared<'a>(
    job: &'a OutboxJob,
    origin_key: Option<&str>,
) -> Result<(Envelope, std::borrow::Cow<'a, str>), Failure> {
    let from = if job.from.is_empty() {
        None
    } else {
        Some(
            job.from
                .parse()
                .map_err(|e| Failure::Permanent(format!("sender: {e}")))?,
        )
    };
    let to = job
        .to
        .iter()
        .map(|t| {
            t.parse()
                .map_err(|e| Failure::Permanent(format!("recipient {t}: {e}")))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let envelope = Envelope::new(from, to).map_err(|e| Failure::Permanent(e.to_string()))?;
    let message = match origin_key {
        Some(key) => {
            std::borrow::Cow::Owned(crate::outbox::origin::stamped(key, &job.message, &job.to))
        }
        None => std::borrow::Cow::Borrowed(job.message.as_str()),
    };
    Ok((envelope, message))
}

fn smtp_failure(e: lettre::transport::smtp::Error) -> Failure {
    if e.is_permanent() {
        Failure::Permanent(e.to_string())
    } else {
        Failure::Temporary(e.to_string())
    }
}

async fn send_mail_with(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    job: &OutboxJob,
    origin_key: Option<&str>,
) -> Result<(), Failure> {
    let (envelope, message) = prepared(job, origin_key)?;
    transport
        .send_raw(&envelope, message.as_bytes())
        .await
        .map(|_| ())
        .map_err(smtp_failure)
}

/// How long one SMTP exchange with the relay may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// An SMTP session to a plain relay (the local MTA, the common case), on a socket with
/// `TCP_NODELAY`: lettre writes a message's body and its closing dot in two writes, and on
/// a socket with Nagle's algorithm the second waits for the relay's delayed ACK, 40 ms a
/// message (20 messages a second whatever else is done).
async fn connect_plain(relay: &Relay) -> Result<AsyncSmtpConnection, RelayError> {
    let connect = |error| RelayError::Connect {
        relay: relay_name(relay),
        error,
    };
    let smtp = |error| RelayError::Smtp {
        relay: relay_name(relay),
        error,
    };
    let stream = tokio::time::timeout(
        SMTP_TIMEOUT,
        tokio::net::TcpStream::connect((relay.host.as_str(), relay.port)),
    )
    .await
    .map_err(|_| RelayError::ConnectTimeout {
        relay: relay_name(relay),
    })?
    .map_err(connect)?;
    stream.set_nodelay(true).map_err(connect)?;
    let hello = lettre::transport::smtp::extension::ClientId::default();
    let mut conn = tokio::time::timeout(
        SMTP_TIMEOUT,
        AsyncSmtpConnection::connect_with_transport(Box::new(stream), &hello),
    )
    .await
    .map_err(|_| RelayError::GreetingTimeout {
        relay: relay_name(relay),
    })?
    .map_err(smtp)?;
    if let (Some(u), Some(p)) = (&relay.username, &relay.password) {
        use lettre::transport::smtp::authentication::Mechanism;
        conn.auth(
            &[Mechanism::Plain, Mechanism::Login],
            &Credentials::new(u.clone(), p.clone()),
        )
        .await
        .map_err(smtp)?;
    }
    Ok(conn)
}

/// POSTs an HTTP job; 2xx is success, 408, 429, 5xx and no answer are retried, other
/// replies (a redirect included: it is not followed) and a URL refused by `reach` are not.
async fn post(
    url: &str,
    content_type: &str,
    body: &str,
    reach: crate::outbox::http::Reach,
) -> Result<(), Failure> {
    let posted = crate::outbox::http::post(url, content_type, body.to_string(), reach).await;
    if posted.is_success() {
        Ok(())
    } else if posted.is_temporary() {
        Err(Failure::Temporary(format!("POST {url}: {posted}")))
    } else {
        Err(Failure::Permanent(format!("POST {url}: {posted}")))
    }
}

/// What one round of the worker did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
}

/// The outbox worker of one process. It remembers, in memory, the jobs the relay accepted
/// whose "sent" the store has not recorded yet (the store failed right after the 250): those
/// are recorded first in every round and never sent again, whatever the store says of them
/// meanwhile. It also keeps one SMTP transport per relay, so connections are reused.
///
/// Its claims are written down under its `owner` name (host and listening address), so a
/// process restarted after a crash takes its own claims back at once instead of waiting for
/// their lease to end.
#[derive(Default)]
pub struct Worker {
    owner: String,
    released: std::sync::atomic::AtomicBool,
    unrecorded: std::sync::Mutex<Vec<(String, String, String)>>,
    transport: std::sync::Mutex<Option<(Relay, AsyncSmtpTransport<Tokio1Executor>)>>,
    /// The kept session to a plain relay (see [`connect_plain`]).
    session: tokio::sync::Mutex<Option<(Relay, AsyncSmtpConnection)>>,
}

/// The set of the jobs a worker has claimed (member: job id, score: when claimed).
fn claims_key(owner: &str) -> Key {
    Key::global(format!(
        "outbox-claims:{}",
        crate::message::header::fingerprint(&[owner])
    ))
}

impl Worker {
    /// A worker whose claims are known under `owner` (empty: not written down).
    pub fn new(owner: impl Into<String>) -> Self {
        Worker {
            owner: owner.into(),
            ..Default::default()
        }
    }

    /// Makes the jobs this owner had claimed before a restart available now.
    async fn take_back_claims(&self, store: &Store) -> Result<usize, StoreError> {
        if self.owner.is_empty() {
            return Ok(0);
        }
        let key = claims_key(&self.owner);
        let mut n = 0;
        for (id, _) in store.scheduled(key.clone(), 0, i64::MAX, 10_000).await? {
            if store.retry(queue(), id.clone(), now_ms()).await? {
                n += 1;
            }
            store.unschedule(key.clone(), id).await?;
        }
        if n > 0 {
            tracing::info!(
                jobs = n,
                "outbox: took back the jobs this host had claimed before it stopped"
            );
        }
        Ok(n)
    }

    /// Notes a claim, or its end.
    async fn note_claim(&self, store: &Store, id: &str, claimed: bool) -> Result<(), StoreError> {
        if self.owner.is_empty() {
            return Ok(());
        }
        let key = claims_key(&self.owner);
        match claimed {
            true => store.schedule(key, id.to_string(), now_ms()).await,
            false => store.unschedule(key, id.to_string()).await.map(|_| ()),
        }
    }

    /// The transport for `relay`, built once and kept while the relay setting stays.
    fn transport_for(
        &self,
        relay: &Relay,
    ) -> Result<AsyncSmtpTransport<Tokio1Executor>, RelayError> {
        let mut slot = self.transport.lock().expect("transport lock");
        if let Some((r, t)) = slot.as_ref()
            && r == relay
        {
            return Ok(t.clone());
        }
        let t = transport(relay)?;
        *slot = Some((relay.clone(), t.clone()));
        Ok(t)
    }

    /// Sends a mail job to a plain relay over the kept session, opening one when there is
    /// none or it no longer answers; a session that failed is dropped.
    async fn send_plain(
        &self,
        relay: &Relay,
        job: &OutboxJob,
        origin_key: Option<&str>,
    ) -> Result<(), Failure> {
        let (envelope, message) = prepared(job, origin_key)?;
        let mut slot = self.session.lock().await;
        let alive = match slot.as_mut() {
            Some((r, conn)) if r == relay => {
                tokio::time::timeout(SMTP_TIMEOUT, conn.test_connected())
                    .await
                    .unwrap_or(false)
            }
            _ => false,
        };
        if !alive {
            *slot = None;
            let conn = connect_plain(relay).await?;
            *slot = Some((relay.clone(), conn));
        }
        let Some((_, conn)) = slot.as_mut() else {
            return Err(Failure::Temporary("no SMTP session".into()));
        };
        let sent =
            tokio::time::timeout(SMTP_TIMEOUT, conn.send(&envelope, message.as_bytes())).await;
        match sent {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                *slot = None;
                Err(smtp_failure(e))
            }
            Err(_) => {
                *slot = None;
                Err(Failure::Temporary(
                    "the relay did not answer in time".into(),
                ))
            }
        }
    }

    /// Ids accepted by the relay whose "sent" is not recorded yet.
    pub fn unrecorded(&self) -> Vec<String> {
        let held = self.unrecorded.lock().expect("unrecorded lock");
        held.iter().map(|(id, _, _)| id.clone()).collect()
    }

    fn hold(&self, id: &str, mailbox: &str, kind: &str) {
        let mut held = self.unrecorded.lock().expect("unrecorded lock");
        if !held.iter().any(|(i, _, _)| i == id) {
            held.push((id.into(), mailbox.into(), kind.into()));
        }
    }

    fn release(&self, id: &str) {
        self.unrecorded
            .lock()
            .expect("unrecorded lock")
            .retain(|(i, _, _)| i != id);
    }

    /// Claims and sends what is due; returns what happened. Counters for the digest are
    /// recorded (`outbox-sent:<kind>`, `outbox-dead:<kind>`).
    ///
    /// After the relay's 250 the first thing done is to record the job as sent (in memory,
    /// which cannot fail, then in the store); a job whose recording failed is recorded at the
    /// start of the next round and is not sent again.
    pub async fn run_once(
        &self,
        store: &Store,
        settings: &OutboxSettings,
        retention: Duration,
    ) -> Result<Round, StoreError> {
        let (relay, max_age) = (&settings.relay, settings.max_age);
        let mut round = Round::default();
        let mut counts = Vec::new();
        let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let count = |mailbox: &str, metric: String| Count {
            mailbox: mailbox.to_string(),
            day: day.clone(),
            category: "-".into(),
            metric,
            n: 1,
        };
        if !self.released.load(std::sync::atomic::Ordering::SeqCst) {
            self.take_back_claims(store).await?;
            self.released
                .store(true, std::sync::atomic::Ordering::SeqCst);
        }
        let held: Vec<(String, String, String)> =
            self.unrecorded.lock().expect("unrecorded lock").clone();
        for (id, mailbox, kind) in held {
            store.ack(queue(), id.clone()).await?;
            self.release(&id);
            self.note_claim(store, &id, false).await?;
            tracing::info!(%id, %kind, "sent (recorded late: the store had failed after the relay accepted it)");
            counts.push(count(&mailbox, format!("outbox-sent:{kind}")));
            round.sent += 1;
        }
        let now = now_ms();
        let jobs = store.claim(queue(), now, LEASE_MS, BATCH).await?;
        if jobs.is_empty() {
            record_counts(store, counts, retention).await?;
            return Ok(round);
        }
        for j in &jobs {
            self.note_claim(store, &j.id, true).await?;
        }
        let origin_keys = crate::outbox::origin::keys(store).await?;
        let origin_key = origin_keys.first().map(String::as_str);
        for j in jobs {
            let job: OutboxJob = match serde_json::from_slice(&j.payload) {
                Ok(job) => job,
                Err(e) => {
                    tracing::error!(id = %j.id, error = %e, "unreadable outbox job dropped");
                    store.ack(queue(), j.id.clone()).await?;
                    self.note_claim(store, &j.id, false).await?;
                    continue;
                }
            };
            let sent = match &job.webhook {
                Some(_) => send(relay, &job, origin_key).await,
                None if relay.tls == RelayTls::None => {
                    self.send_plain(relay, &job, origin_key).await
                }
                None => match self.transport_for(relay) {
                    Ok(t) => send_mail_with(&t, &job, origin_key).await,
                    Err(e) => Err(e.into()),
                },
            };
            match sent {
                Ok(()) => {
                    self.hold(&j.id, &job.mailbox, &job.kind);
                    store.ack(queue(), j.id.clone()).await?;
                    self.release(&j.id);
                    self.note_claim(store, &j.id, false).await?;
                    tracing::info!(id = %j.id, kind = %job.kind, attempts = j.attempts, "sent");
                    counts.push(count(&job.mailbox, format!("outbox-sent:{}", job.kind)));
                    round.sent += 1;
                }
                Err(e)
                    if matches!(e, Failure::Permanent(_))
                        || now - job.created > max_age.as_millis() as i64 =>
                {
                    store.ack(queue(), j.id.clone()).await?;
                    self.note_claim(store, &j.id, false).await?;
                    tracing::error!(id = %j.id, kind = %job.kind, attempts = j.attempts, error = %e, "giving up: dead letter");
                    counts.push(count(&job.mailbox, format!("outbox-dead:{}", job.kind)));
                    round.dead += 1;
                }
                Err(e) => {
                    let at = now + backoff(settings.retry_after, j.attempts).as_millis() as i64;
                    store.retry(queue(), j.id.clone(), at).await?;
                    self.note_claim(store, &j.id, false).await?;
                    tracing::warn!(id = %j.id, kind = %job.kind, attempts = j.attempts, error = %e, "send failed; will retry");
                    round.retried += 1;
                }
            }
        }
        record_counts(store, counts, retention).await?;
        Ok(round)
    }
}

/// Records the round's counters for their mailboxes and for the organisation.
async fn record_counts(
    store: &Store,
    mut counts: Vec<Count>,
    retention: Duration,
) -> Result<(), StoreError> {
    if counts.is_empty() {
        return Ok(());
    }
    let org: Vec<Count> = counts
        .iter()
        .map(|c| Count {
            mailbox: "*".into(),
            ..c.clone()
        })
        .collect();
    counts.extend(org);
    store.record(counts, retention).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let first = Duration::from_secs(30);
        assert_eq!(backoff(first, 1), Duration::from_secs(30));
        assert_eq!(backoff(first, 2), Duration::from_secs(60));
        assert_eq!(backoff(first, 4), Duration::from_secs(240));
        assert_eq!(backoff(first, 30), Duration::from_secs(3600));
    }
}
