//! Redis backend: standalone (`redis://`, `rediss://`), Sentinel (`redis+sentinel://`) and
//! Cluster (`redis+cluster://`), with the same contract as SQLite.
//!
//! Mail must not wait for Redis. Every operation is bounded by the store timeout (default
//! 50 ms). A circuit breaker sits in front: the first failure (connection refused, timeout,
//! `LOADING`, `READONLY` after a failover, `CLUSTERDOWN`, `MASTERDOWN`) opens it, and while it
//! is open every operation fails at once with `Unavailable`, so messages are tagged degraded
//! without a per-message wait. A background task probes Redis every
//! [`PROBE_EVERY`] and closes the breaker (with a fresh connection, and for Sentinel a fresh
//! master lookup) as soon as Redis answers again. `MOVED` and `ASK` redirections are
//! followed by the cluster client.
//!
//! Multi-key work runs as Lua scripts on keys of one scope, which share a hash tag and so a
//! Cluster slot (see [`super::keys`]). The message hot path is one pipelined round trip
//! (counter increments).

use super::{Count, Job, Key, Learned, Lesson, StoreError, StoreInfo};
use crate::config::model::{RedisMode, RedisUrl, StoreSettings};
use crate::model::linear::{Layer, N};
use arc_swap::ArcSwapOption;
use redis::aio::{
    ConnectionLike, ConnectionManager, ConnectionManagerConfig, MultiplexedConnection,
};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{SentinelClient, SentinelNodeConnectionInfo, SentinelServerType};
use redis::{Cmd, ErrorKind, Pipeline, RedisError, RedisFuture, Script, ServerErrorKind, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

/// How often an open breaker probes Redis.
pub const PROBE_EVERY: Duration = Duration::from_millis(250);
/// Time allowed to (re)connect in the background.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// One connection of any kind; all of them multiplex, so clones share it.
#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Sentinel(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Sentinel(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Sentinel(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Sentinel(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

struct Inner {
    url: RedisUrl,
    prefix: String,
    timeout: Duration,
    conn: ArcSwapOption<Conn>,
    /// Open: operations fail at once; the prober is running.
    open: AtomicBool,
    last_error: std::sync::Mutex<String>,
}

/// Handle to a Redis deployment; cheap to clone.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A connection URL for one node, with credentials and database.
fn node_url(url: &RedisUrl, host: &str, port: u16, with_db: bool) -> String {
    let scheme = if url.tls { "rediss" } else { "redis" };
    let auth = match (&url.username, &url.password) {
        (None, None) => String::new(),
        (u, p) => format!(
            "{}{}@",
            u.as_deref().map(percent_encode).unwrap_or_default(),
            p.as_deref()
                .map(|p| format!(":{}", percent_encode(p)))
                .unwrap_or_default()
        ),
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    let db = if with_db {
        format!("/{}", url.db)
    } else {
        String::new()
    };
    format!("{scheme}://{auth}{host}:{port}{db}")
}

fn is_unavailable(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_cluster_error()
        || matches!(
            e.kind(),
            ErrorKind::Server(
                ServerErrorKind::BusyLoading
                    | ServerErrorKind::ReadOnly
                    | ServerErrorKind::ClusterDown
                    | ServerErrorKind::MasterDown
                    | ServerErrorKind::TryAgain
            ) | ErrorKind::ClusterConnectionNotFound
                | ErrorKind::MasterNameNotFoundBySentinel
        )
        || e.code().is_some_and(|c| {
            matches!(
                c,
                "LOADING" | "READONLY" | "CLUSTERDOWN" | "MASTERDOWN" | "TRYAGAIN"
            )
        })
}

impl RedisStore {
    /// Prepares the store; the first operation connects.
    pub fn open(url: RedisUrl, settings: &StoreSettings) -> Self {
        RedisStore {
            inner: Arc::new(Inner {
                url,
                prefix: settings.prefix.clone(),
                timeout: settings.timeout,
                conn: ArcSwapOption::empty(),
                open: AtomicBool::new(false),
                last_error: std::sync::Mutex::new(String::new()),
            }),
        }
    }

    pub fn describe(&self) -> String {
        self.inner.url.to_string()
    }

    fn key(&self, k: &Key) -> String {
        k.render(&self.inner.prefix)
    }

    async fn connect(url: &RedisUrl, timeout: Duration) -> Result<Conn, RedisError> {
        match &url.mode {
            RedisMode::Standalone => {
                let (host, port) = &url.nodes[0];
                let client = redis::Client::open(node_url(url, host, *port, true))?;
                let config = ConnectionManagerConfig::new()
                    .set_response_timeout(Some(timeout))
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_number_of_retries(1);
                Ok(Conn::Single(
                    ConnectionManager::new_with_config(client, config).await?,
                ))
            }
            RedisMode::Cluster => {
                let nodes: Vec<String> = url
                    .nodes
                    .iter()
                    .map(|(h, p)| node_url(url, h, *p, false))
                    .collect();
                let client = ClusterClientBuilder::new(nodes)
                    .connection_timeout(CONNECT_TIMEOUT)
                    .response_timeout(timeout)
                    .retries(2)
                    .min_retry_wait(5)
                    .max_retry_wait(20)
                    .build()?;
                Ok(Conn::Cluster(client.get_async_connection().await?))
            }
            RedisMode::Sentinel { service } => {
                let sentinels: Vec<String> = url
                    .nodes
                    .iter()
                    .map(|(h, p)| {
                        let scheme = if url.tls { "rediss" } else { "redis" };
                        let h = if h.contains(':') {
                            format!("[{h}]")
                        } else {
                            h.clone()
                        };
                        format!("{scheme}://{h}:{p}")
                    })
                    .collect();
                let mut info = redis::RedisConnectionInfo::default().set_db(url.db);
                if let Some(u) = &url.username {
                    info = info.set_username(u);
                }
                if let Some(p) = &url.password {
                    info = info.set_password(p);
                }
                let mut node =
                    SentinelNodeConnectionInfo::default().set_redis_connection_info(info);
                if url.tls {
                    node = node.set_tls_mode(redis::TlsMode::Secure);
                }
                let mut client = SentinelClient::build(
                    sentinels,
                    service.clone(),
                    Some(node),
                    SentinelServerType::Master,
                )?;
                Ok(Conn::Sentinel(client.get_async_connection().await?))
            }
        }
    }

    /// The connection, connecting if there is none. Fails at once while the breaker is open.
    async fn conn(&self) -> Result<Conn, StoreError> {
        if self.inner.open.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable(
                self.inner
                    .last_error
                    .lock()
                    .map(|e| e.clone())
                    .unwrap_or_default(),
            ));
        }
        if let Some(c) = self.inner.conn.load_full() {
            return Ok((*c).clone());
        }
        match tokio::time::timeout(
            self.inner.timeout.max(Duration::from_millis(200)),
            Self::connect(&self.inner.url, self.inner.timeout),
        )
        .await
        {
            Ok(Ok(c)) => {
                self.inner.conn.store(Some(Arc::new(c.clone())));
                Ok(c)
            }
            Ok(Err(e)) => Err(self.trip(e.to_string())),
            Err(_) => Err(self.trip(format!(
                "no connection to {} within {:?}",
                self.describe(),
                self.inner.timeout
            ))),
        }
    }

    /// Opens the breaker and starts the prober (once).
    fn trip(&self, why: String) -> StoreError {
        if let Ok(mut e) = self.inner.last_error.lock() {
            e.clone_from(&why);
        }
        if !self.inner.open.swap(true, Ordering::AcqRel) {
            tracing::warn!(store = %self.describe(), error = %why, "store unavailable; mail is delivered tagged degraded until it answers again");
            let me = self.clone();
            tokio::spawn(async move { me.probe().await });
        }
        StoreError::Unavailable(why)
    }

    /// Probes until Redis answers, then closes the breaker with a fresh connection.
    async fn probe(self) {
        loop {
            tokio::time::sleep(PROBE_EVERY).await;
            let attempt = async {
                let mut c = Self::connect(&self.inner.url, CONNECT_TIMEOUT).await?;
                redis::cmd("PING").query_async::<String>(&mut c).await?;
                Ok::<Conn, RedisError>(c)
            };
            if let Ok(Ok(c)) = tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
                self.inner.conn.store(Some(Arc::new(c)));
                self.inner.open.store(false, Ordering::Release);
                tracing::info!(store = %self.describe(), "store reachable again");
                return;
            }
        }
    }

    /// Runs one operation within the timeout; failures that mean "Redis is not there" trip
    /// the breaker, others are reported as they are.
    async fn run<T, F, Fut>(&self, op: F) -> Result<T, StoreError>
    where
        F: FnOnce(Conn) -> Fut,
        Fut: std::future::Future<Output = Result<T, RedisError>>,
    {
        let conn = self.conn().await?;
        match tokio::time::timeout(self.inner.timeout, op(conn)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) if is_unavailable(&e) => {
                self.inner.conn.store(None);
                Err(self.trip(e.to_string()))
            }
            Ok(Err(e)) => Err(StoreError::Backend(e.to_string())),
            Err(_) => Err(self.trip(format!("no answer within {:?}", self.inner.timeout))),
        }
    }

    /// Sends commands in one round trip. On Cluster a pipeline may only touch one slot, so
    /// the commands are grouped by hash tag and the groups sent at the same time.
    async fn pipelined<T: redis::FromRedisValue + Send + 'static>(
        &self,
        cmds: Vec<(String, Cmd)>,
    ) -> Result<Vec<T>, StoreError> {
        let cluster = matches!(self.inner.url.mode, RedisMode::Cluster);
        let mut groups: Vec<(String, Pipeline, Vec<usize>)> = Vec::new();
        for (i, (tag, cmd)) in cmds.into_iter().enumerate() {
            let tag = if cluster { tag } else { String::new() };
            match groups.iter_mut().find(|(t, _, _)| *t == tag) {
                Some((_, p, idx)) => {
                    p.add_command(cmd);
                    idx.push(i);
                }
                None => {
                    let mut p = redis::pipe();
                    p.add_command(cmd);
                    groups.push((tag, p, vec![i]));
                }
            }
        }
        let total: usize = groups.iter().map(|(_, _, idx)| idx.len()).sum();
        self.run(|c| async move {
            let replies = futures_util::future::try_join_all(groups.iter().map(|(_, p, _)| {
                let mut c = c.clone();
                async move { p.query_async::<Vec<T>>(&mut c).await }
            }))
            .await?;
            let mut out: Vec<Option<T>> = (0..total).map(|_| None).collect();
            for ((_, _, idx), values) in groups.iter().zip(replies) {
                for (i, v) in idx.iter().zip(values) {
                    out[*i] = Some(v);
                }
            }
            Ok(out.into_iter().flatten().collect())
        })
        .await
    }

    pub async fn record(&self, counts: Vec<Count>, retention: Duration) -> Result<(), StoreError> {
        let ttl = retention.as_secs().max(1) as i64;
        let mut cmds: Vec<(String, Cmd)> = Vec::new();
        let mut mailboxes: Vec<&str> = Vec::new();
        // One hash per (mailbox, day): its fields incremented, then one EXPIRE for it.
        let mut by_key: Vec<(Key, Vec<(String, u64)>)> = Vec::new();
        for c in &counts {
            let key = Key::counters(&c.mailbox, &c.day);
            let field = format!("{}\t{}", c.category, c.metric);
            let fields = match by_key.iter_mut().find(|(k, _)| *k == key) {
                Some((_, f)) => f,
                None => {
                    by_key.push((key, Vec::new()));
                    &mut by_key.last_mut().expect("pushed").1
                }
            };
            match fields.iter_mut().find(|(f, _)| *f == field) {
                Some((_, n)) => *n += c.n,
                None => fields.push((field, c.n)),
            }
            if !mailboxes.contains(&c.mailbox.as_str()) {
                mailboxes.push(&c.mailbox);
            }
        }
        for (key, fields) in by_key {
            let rendered = self.key(&key);
            for (field, n) in fields {
                let mut incr = redis::cmd("HINCRBY");
                incr.arg(&rendered).arg(field).arg(n);
                cmds.push((key.tag().to_string(), incr));
            }
            let mut expire = redis::cmd("EXPIRE");
            expire.arg(&rendered).arg(ttl);
            cmds.push((key.tag().to_string(), expire));
        }
        let list = Key::mailboxes();
        let mut sadd = redis::cmd("SADD");
        sadd.arg(self.key(&list)).arg(mailboxes);
        cmds.push((list.tag().to_string(), sadd));
        self.pipelined::<Value>(cmds).await.map(|_| ())
    }

    pub async fn totals(
        &self,
        mailbox: Option<String>,
        from: String,
        to: String,
    ) -> Result<Vec<Count>, StoreError> {
        let mailboxes: Vec<String> = match mailbox {
            Some(m) => vec![m],
            None => {
                let key = self.key(&Key::mailboxes());
                let mut m: Vec<String> = self
                    .run(|mut c| async move {
                        redis::cmd("SMEMBERS").arg(key).query_async(&mut c).await
                    })
                    .await?;
                m.sort();
                m
            }
        };
        let days = days_between(&from, &to);
        let mut cmds = Vec::new();
        let mut slots = Vec::new();
        for m in &mailboxes {
            for d in &days {
                let key = Key::counters(m, d);
                let mut cmd = redis::cmd("HGETALL");
                cmd.arg(self.key(&key));
                cmds.push((key.tag().to_string(), cmd));
                slots.push((m.clone(), d.clone()));
            }
        }
        if slots.is_empty() {
            return Ok(Vec::new());
        }
        let maps: Vec<Vec<(String, u64)>> = self.pipelined(cmds).await?;
        let mut out = Vec::new();
        for ((mailbox, day), mut fields) in slots.into_iter().zip(maps) {
            fields.sort();
            for (field, n) in fields {
                let (category, metric) = field.split_once('\t').unwrap_or((field.as_str(), ""));
                out.push(Count {
                    mailbox: mailbox.clone(),
                    day: day.clone(),
                    category: category.into(),
                    metric: metric.into(),
                    n,
                });
            }
        }
        Ok(out)
    }

    /// Redis expires counters and records by itself.
    pub async fn prune(&self, _before: String) -> Result<u64, StoreError> {
        Ok(0)
    }

    pub async fn set_if_absent(&self, key: Key, ttl: Duration) -> Result<bool, StoreError> {
        let key = self.key(&key);
        let ms = ttl.as_millis().max(1) as u64;
        self.run(|mut c| async move {
            let r: Option<String> = redis::cmd("SET")
                .arg(key)
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(ms)
                .query_async(&mut c)
                .await?;
            Ok(r.is_some())
        })
        .await
    }

    pub async fn put(
        &self,
        key: Key,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        let key = self.key(&key);
        self.run(|mut c| async move {
            let mut cmd = redis::cmd("SET");
            cmd.arg(key).arg(value);
            if let Some(t) = ttl {
                cmd.arg("PX").arg(t.as_millis().max(1) as u64);
            }
            cmd.query_async::<()>(&mut c).await
        })
        .await
    }

    pub async fn get(&self, key: Key) -> Result<Option<Vec<u8>>, StoreError> {
        let key = self.key(&key);
        self.run(|mut c| async move { redis::cmd("GET").arg(key).query_async(&mut c).await })
            .await
    }

    pub async fn delete(&self, key: Key) -> Result<bool, StoreError> {
        let key = self.key(&key);
        self.run(|mut c| async move {
            redis::cmd("DEL")
                .arg(key)
                .query_async::<i64>(&mut c)
                .await
                .map(|n| n == 1)
        })
        .await
    }

    pub async fn schedule(&self, set: Key, member: String, at: i64) -> Result<(), StoreError> {
        let key = self.key(&set);
        self.run(|mut c| async move {
            redis::cmd("ZADD")
                .arg(key)
                .arg(at)
                .arg(member)
                .query_async::<()>(&mut c)
                .await
        })
        .await
    }

    pub async fn scheduled(
        &self,
        set: Key,
        from: i64,
        to: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let key = self.key(&set);
        self.run(|mut c| async move {
            redis::cmd("ZRANGE")
                .arg(key)
                .arg(from)
                .arg(to)
                .arg("BYSCORE")
                .arg("LIMIT")
                .arg(0)
                .arg(limit)
                .arg("WITHSCORES")
                .query_async(&mut c)
                .await
        })
        .await
    }

    pub async fn unschedule(&self, set: Key, member: String) -> Result<bool, StoreError> {
        let key = self.key(&set);
        self.run(|mut c| async move {
            redis::cmd("ZREM")
                .arg(key)
                .arg(member)
                .query_async::<i64>(&mut c)
                .await
                .map(|n| n == 1)
        })
        .await
    }

    pub async fn take_due(
        &self,
        set: Key,
        now: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let key = self.key(&set);
        self.run(|mut c| async move {
            TAKE_DUE
                .key(key)
                .arg(now)
                .arg(limit)
                .invoke_async(&mut c)
                .await
        })
        .await
    }

    fn queue_keys(&self, queue: &Key) -> [String; 4] {
        [":due", ":body", ":tries", ":done"].map(|s| self.key(&queue.with_suffix(s)))
    }

    pub async fn enqueue(
        &self,
        queue: Key,
        id: String,
        payload: Vec<u8>,
        at: i64,
    ) -> Result<bool, StoreError> {
        let [due, body, tries, done] = self.queue_keys(&queue);
        self.run(|mut c| async move {
            ENQUEUE
                .key(due)
                .key(body)
                .key(tries)
                .key(done)
                .arg(id)
                .arg(payload)
                .arg(at)
                .invoke_async::<i64>(&mut c)
                .await
                .map(|n| n == 1)
        })
        .await
    }

    pub async fn claim(
        &self,
        queue: Key,
        now: i64,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        let [due, body, tries, _] = self.queue_keys(&queue);
        let raw: Vec<(String, Vec<u8>, u32)> = self
            .run(|mut c| async move {
                CLAIM
                    .key(due)
                    .key(body)
                    .key(tries)
                    .arg(now)
                    .arg(lease_ms)
                    .arg(limit)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(raw
            .into_iter()
            .map(|(id, payload, attempts)| Job {
                id,
                payload,
                attempts,
            })
            .collect())
    }

    pub async fn ack(&self, queue: Key, id: String) -> Result<bool, StoreError> {
        let [due, body, tries, done] = self.queue_keys(&queue);
        let now = super::now_ms();
        self.run(|mut c| async move {
            ACK.key(due)
                .key(body)
                .key(tries)
                .key(done)
                .arg(id)
                .arg(now)
                .arg(now - super::DONE_KEPT_MS)
                .invoke_async::<i64>(&mut c)
                .await
                .map(|n| n == 1)
        })
        .await
    }

    pub async fn queue_depth(&self, queue: Key) -> Result<u64, StoreError> {
        let [due, _, _, _] = self.queue_keys(&queue);
        self.run(|mut c| async move {
            redis::cmd("ZCARD")
                .arg(&due)
                .query_async::<u64>(&mut c)
                .await
        })
        .await
    }

    pub async fn retry(&self, queue: Key, id: String, at: i64) -> Result<bool, StoreError> {
        let [due, _, _, _] = self.queue_keys(&queue);
        self.run(|mut c| async move {
            RETRY
                .key(due)
                .arg(id)
                .arg(at)
                .invoke_async::<i64>(&mut c)
                .await
                .map(|n| n == 1)
        })
        .await
    }

    fn model_keys(&self, layer: &str) -> [String; 3] {
        ["model:weights", "model:lessons", "model:layer"].map(|n| self.key(&Key::mailbox(layer, n)))
    }

    pub async fn model_key(&self, candidate: [u8; 16]) -> Result<[u8; 16], StoreError> {
        let key = self.key(&Key::global("model:key"));
        let stored: Vec<u8> = self
            .run(|mut c| async move {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(candidate.as_slice())
                    .arg("NX")
                    .arg("GET")
                    .query_async::<Option<Vec<u8>>>(&mut c)
                    .await
                    .map(|old| old.unwrap_or(candidate.to_vec()))
            })
            .await?;
        Ok(stored.try_into().unwrap_or(candidate))
    }

    pub async fn model_learn(&self, lessons: Vec<Lesson>) -> Result<Vec<Learned>, StoreError> {
        let layers = self.key(&Key::global("model:layers"));
        let mut out = Vec::with_capacity(lessons.len());
        let mut known: Vec<String> = Vec::new();
        for l in lessons {
            if !known.contains(&l.layer) {
                let (layers, layer) = (layers.clone(), l.layer.clone());
                self.run(|mut c| async move {
                    redis::cmd("SADD")
                        .arg(layers)
                        .arg(layer)
                        .query_async::<i64>(&mut c)
                        .await
                })
                .await?;
                known.push(l.layer.clone());
            }
            let [tokens, learned, meta] = self.model_keys(&l.layer);
            let class: Vec<u8> = l.class.map(|c| vec![c]).unwrap_or_default();
            let mut invocation = LEARN.key(tokens);
            invocation
                .key(learned)
                .key(meta)
                .arg(l.message.to_be_bytes().as_slice())
                .arg(class);
            for (f, w) in l.weights.iter().filter(|(_, w)| w.iter().any(|&x| x != 0)) {
                invocation
                    .arg(f.to_be_bytes().as_slice())
                    .arg(super::packed::pack(w));
            }
            let (code, old): (i64, Vec<u8>) = self
                .run(|mut c| async move { invocation.invoke_async(&mut c).await })
                .await?;
            let old = old.first().copied();
            out.push(match (code, old, l.class) {
                (0, None, _) => Learned::Unknown,
                (0, Some(_), _) => Learned::Unchanged,
                (_, None, _) => Learned::New,
                (_, Some(o), Some(_)) => Learned::Moved(o),
                (_, Some(o), None) => Learned::Forgotten(o),
            });
        }
        Ok(out)
    }

    pub async fn model_versions(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let layers_key = self.key(&Key::global("model:layers"));
        let mut layers: Vec<String> = self
            .run(|mut c| async move {
                redis::cmd("SMEMBERS")
                    .arg(layers_key)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        layers.sort();
        let cmds = layers
            .iter()
            .map(|l| {
                let mut cmd = redis::cmd("HGET");
                cmd.arg(&self.model_keys(l)[2]).arg("version");
                (l.clone(), cmd)
            })
            .collect();
        let versions: Vec<Option<u64>> = self.pipelined(cmds).await?;
        Ok(layers
            .into_iter()
            .zip(versions)
            .map(|(l, v)| (l, v.unwrap_or(0)))
            .collect())
    }

    pub async fn model_load(&self, layer: String) -> Result<Layer, StoreError> {
        let [tokens, _, meta] = self.model_keys(&layer);
        let mut out = Layer::default();
        let fields: Vec<(String, i64)> = self
            .run(|mut c| async move { redis::cmd("HGETALL").arg(meta).query_async(&mut c).await })
            .await?;
        for (name, value) in fields {
            if let Some(c) = name
                .strip_prefix("docs:")
                .and_then(|c| c.parse::<usize>().ok())
                .filter(|c| *c < N)
            {
                out.docs[c] = value.clamp(0, i64::from(u32::MAX)) as u32;
            }
        }
        // HSCAN in pages, so a large model never blocks Redis for long.
        let mut cursor = 0u64;
        loop {
            let key = tokens.clone();
            let (next, page): (u64, Vec<(Field, Field)>) = self
                .run(|mut c| async move {
                    redis::cmd("HSCAN")
                        .arg(key)
                        .arg(cursor)
                        .arg("COUNT")
                        .arg(5000)
                        .query_async(&mut c)
                        .await
                })
                .await?;
            for (field, w) in page {
                if let (Ok(token), Some(w)) = (
                    <[u8; 8]>::try_from(field.as_slice()),
                    super::packed::unpack(&w),
                ) {
                    out.tokens.insert(u64::from_be_bytes(token), w);
                }
            }
            if next == 0 {
                break;
            }
            cursor = next;
        }
        Ok(out)
    }

    pub async fn model_prune(&self, layer: String, max: usize) -> Result<u64, StoreError> {
        // A layer has one field per feature: within the bound, nothing to read
        // (one lesson from Dovecot must not read the whole layer back).
        let mut hlen = redis::cmd("HLEN");
        hlen.arg(&self.model_keys(&layer)[0]);
        let fields: Vec<u64> = self.pipelined(vec![(layer.clone(), hlen)]).await?;
        if fields.first().copied().unwrap_or(0) <= max as u64 {
            return Ok(0);
        }
        let mut current = self.model_load(layer.clone()).await?;
        let dropped = current.prune(max);
        if dropped.is_empty() {
            return Ok(0);
        }
        let [tokens, _, meta] = self.model_keys(&layer);
        let mut removed = 0;
        for chunk in dropped.chunks(1000) {
            let mut cmd = redis::cmd("HDEL");
            cmd.arg(&tokens);
            for f in chunk {
                cmd.arg(f.to_be_bytes().as_slice());
            }
            let n: Vec<u64> = self.pipelined(vec![(layer.clone(), cmd)]).await?;
            removed += n.iter().sum::<u64>();
        }
        let mut bump = redis::cmd("HINCRBY");
        bump.arg(meta).arg("version").arg(1);
        let _: Vec<i64> = self.pipelined(vec![(layer, bump)]).await?;
        Ok(removed)
    }

    pub async fn check(&self) -> Result<StoreInfo, StoreError> {
        let prefix = self.inner.prefix.clone();
        let mode_name = match &self.inner.url.mode {
            RedisMode::Standalone => "standalone".to_string(),
            RedisMode::Sentinel { service } => format!("sentinel (service {service})"),
            RedisMode::Cluster => "cluster".to_string(),
        };
        let cluster = matches!(self.inner.url.mode, RedisMode::Cluster);
        let started = Instant::now();
        self.run(|mut c| async move {
            redis::cmd("PING").query_async::<String>(&mut c).await?;
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            // On Cluster, INFO and DBSIZE are sent to every master: the reply is per node.
            let info: Value = redis::cmd("INFO").arg("server").query_async(&mut c).await?;
            let version = first_text(&info)
                .and_then(|t| {
                    t.lines()
                        .find_map(|l| l.strip_prefix("redis_version:"))
                        .map(|v| v.trim().to_string())
                })
                .unwrap_or_else(|| "unknown".into());
            let keys = if cluster {
                // Every key of every prefix, summed over the masters.
                redis::cmd("DBSIZE").query_async::<u64>(&mut c).await?
            } else {
                let pattern = format!("{prefix}*");
                let mut keys = 0u64;
                let mut cursor: u64 = 0;
                loop {
                    let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(1000)
                        .query_async(&mut c)
                        .await?;
                    keys += batch.len() as u64;
                    if next == 0 {
                        break keys;
                    }
                    cursor = next;
                }
            };
            Ok(StoreInfo {
                backend: "redis".into(),
                location: String::new(),
                version,
                mode: mode_name,
                latency_ms,
                keys,
            })
        })
        .await
        .map(|mut i| {
            i.location = self.describe();
            i
        })
    }
}

/// The first text in a reply (a plain string, or the first node's in a per-node map).
fn first_text(v: &Value) -> Option<String> {
    match v {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) | Value::VerbatimString { text: s, .. } => Some(s.clone()),
        Value::Map(pairs) => pairs.iter().find_map(|(_, v)| first_text(v)),
        Value::Array(items) => items.iter().find_map(first_text),
        _ => None,
    }
}

/// Every day from `from` to `to` inclusive (YYYY-MM-DD); at most 3 years.
fn days_between(from: &str, to: &str) -> Vec<String> {
    let parse = |d: &str| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    let (Some(mut d), Some(end)) = (parse(from), parse(to)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while d <= end && out.len() < 1100 {
        out.push(d.format("%Y-%m-%d").to_string());
        d = d.succ_opt().expect("valid date");
    }
    out
}

/// A hash field or value as bytes.
type Field = Vec<u8>;

/// One lesson, atomically: KEYS = weights, lessons, layer; ARGV = message digest, new class
/// (one byte, empty to forget), then (feature hash (8 bytes), packed weight change) pairs.
/// The change is added only when the lesson changes what is recorded; a feature's weights are
/// one packed value ([`super::packed`]), saturating at the i32 range, and a feature whose
/// weights are all back at zero is removed. Returns {changed, old class or ''}.
static LEARN: LazyLock<Script> = LazyLock::new(|| {
    let format = format!("<{}", "i4".repeat(N));
    Script::new(&format!(
        r"local old = redis.call('HGET', KEYS[2], ARGV[1])
          local new = ARGV[2]
          if (old and old == new) or (not old and new == '') then return {{0, old or ''}} end
          for i = 3, #ARGV, 2 do
            local w = {{}}
            local cur = redis.call('HGET', KEYS[1], ARGV[i])
            if cur and #cur == {bytes} then w = {{struct.unpack('{format}', cur)}} end
            local d = {{struct.unpack('{format}', ARGV[i + 1])}}
            local zero = true
            for c = 1, {n} do
              local v = (w[c] or 0) + d[c]
              if v > 2147483647 then v = 2147483647 elseif v < -2147483648 then v = -2147483648 end
              w[c] = v
              if v ~= 0 then zero = false end
            end
            if zero then
              redis.call('HDEL', KEYS[1], ARGV[i])
            else
              redis.call('HSET', KEYS[1], ARGV[i], struct.pack('{format}', unpack(w, 1, {n})))
            end
          end
          if old then
            if redis.call('HINCRBY', KEYS[3], 'docs:' .. string.byte(old), -1) < 0 then
              redis.call('HSET', KEYS[3], 'docs:' .. string.byte(old), 0)
            end
          end
          if new ~= '' then
            redis.call('HINCRBY', KEYS[3], 'docs:' .. string.byte(new), 1)
            redis.call('HSET', KEYS[2], ARGV[1], new)
          else
            redis.call('HDEL', KEYS[2], ARGV[1])
          end
          redis.call('HINCRBY', KEYS[3], 'version', 1)
          return {{1, old or ''}}",
        bytes = super::packed::BYTES,
        n = N,
    ))
});

static TAKE_DUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local items = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[2], 'WITHSCORES')
          for i = 1, #items, 2 do redis.call('ZREM', KEYS[1], items[i]) end
          return items",
    )
});

static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('ZSCORE', KEYS[4], ARGV[1]) then return 0 end
          if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 0 then return 0 end
          redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
          redis.call('HSET', KEYS[3], ARGV[1], 0)
          return 1",
    )
});

static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local ids = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, ARGV[3])
          local out = {}
          local until_ms = tonumber(ARGV[1]) + tonumber(ARGV[2])
          for _, id in ipairs(ids) do
            redis.call('ZADD', KEYS[1], until_ms, id)
            local n = redis.call('HINCRBY', KEYS[3], id, 1)
            table.insert(out, {id, redis.call('HGET', KEYS[2], id), n})
          end
          return out",
    )
});

static RETRY: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
          redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
          return 1",
    )
});

static ACK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local n = redis.call('ZREM', KEYS[1], ARGV[1])
          redis.call('HDEL', KEYS[2], ARGV[1])
          redis.call('HDEL', KEYS[3], ARGV[1])
          redis.call('ZADD', KEYS[4], ARGV[2], ARGV[1])
          redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[3])
          return n",
    )
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_urls_carry_encoded_credentials() {
        let url = RedisUrl::parse("redis://us:p@ss:w%rd@127.0.0.1:6380/3").unwrap();
        assert_eq!(
            node_url(&url, "127.0.0.1", 6380, true),
            "redis://us:p%40ss%3Aw%25rd@127.0.0.1:6380/3"
        );
        let url = RedisUrl::parse("rediss+cluster://[::1]:7000").unwrap();
        assert_eq!(node_url(&url, "::1", 7000, false), "rediss://[::1]:7000");
    }

    #[test]
    fn day_ranges() {
        assert_eq!(
            days_between("2026-11-29", "2026-12-01"),
            vec!["2026-11-29", "2026-11-30", "2026-12-01"]
        );
        assert!(days_between("2026-12-01", "2026-11-29").is_empty());
    }
}
