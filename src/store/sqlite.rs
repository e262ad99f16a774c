//! Embedded SQLite backend: one writer thread owns the connection (WAL, `synchronous=NORMAL`)
//! and runs whatever is queued in one transaction (group commit), each operation inside its
//! own savepoint: a burst of messages costs one commit, an operation that fails is undone
//! alone, and nobody hears "done" before the commit that makes it durable. When busy (jobs
//! arriving faster than one per [`BUSY_GAP`]) the writer lets [`COMMIT_DELAY`] pass before
//! committing, so that a commit is shared; a batch's counter increments are summed into one
//! job. A slow disk never blocks the async milter threads, and WAL checkpoints run beside the
//! writer, not inside a commit (see [`checkpoint_loop`]).

use super::packed;
use super::{Count, Job as QueuedJob, Key, Learned, Lesson, StoreError, StoreInfo, now_ms};
use crate::model::linear::{Layer, N, Weights};
use rusqlite::OptionalExtension;
use rusqlite::{Connection, params};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// `execute` through the connection's statement cache: each SQL text is parsed once, not once
/// per message.
trait CachedExecute {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
}

impl CachedExecute for rusqlite::Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
}

/// Operations queued beyond this answer `Busy` at once.
const QUEUE_DEPTH: usize = 4096;
/// Record jobs merged into one transaction at most.
const BATCH: usize = 512;
/// While the database cannot be opened, retry at most this often.
const REOPEN_EVERY: Duration = Duration::from_secs(1);
/// How often the checkpointer copies the WAL into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// WAL size past which the writer, between batches, checkpoints and truncates it.
const WAL_LIMIT: u64 = 8 * 1024 * 1024;
/// A job that arrives within this of the last commit means the writer is busy: it waits
/// up to [`COMMIT_DELAY`] for more before committing (PostgreSQL's `commit_delay` with
/// `commit_siblings`, by arrival rather than by count). A quiet store commits at once.
const BUSY_GAP: Duration = Duration::from_micros(500);
/// How long a busy writer waits for more jobs to share a commit.
const COMMIT_DELAY: Duration = Duration::from_micros(250);
/// Batches between two looks at the WAL's size.
const WAL_CHECK_BATCHES: u32 = 32;

/// Work for the writer thread: counter increments, or any other operation as a closure over
/// the connection.
enum Job {
    Record(Vec<Count>, Answer),
    Run(RunFn),
}

/// Where the caller of a job hears whether it is done.
type Answer = oneshot::Sender<Result<(), StoreError>>;

/// An operation for the writer thread, run inside the batch's transaction (or told why it
/// cannot run). It returns how to answer its caller once the batch's commit is known, and
/// its SQLite error, if any (the writer then rolls the operation back).
type RunFn =
    Box<dyn FnOnce(Result<&Connection, StoreError>) -> (Reply, Option<rusqlite::Error>) + Send>;

/// Answers one caller with the outcome of the commit.
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// Handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct SqliteStore {
    path: PathBuf,
    jobs: SyncSender<Job>,
}

impl SqliteStore {
    /// Starts the writer thread for the database at `path` (created if missing).
    pub fn open(path: PathBuf) -> Self {
        let (jobs, rx) = mpsc::sync_channel(QUEUE_DEPTH);
        let p = path.clone();
        std::thread::Builder::new()
            .name("musaid-sqlite".into())
            .spawn(move || Writer::new(p).run(rx))
            .expect("spawn the SQLite writer thread");
        SqliteStore { path, jobs }
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => StoreError::Busy,
            TrySendError::Disconnected(_) => {
                StoreError::Unavailable("writer thread stopped".into())
            }
        })
    }

    /// Counters are pruned by day (see `prune`), so `retention` is not needed here.
    pub async fn record(&self, counts: Vec<Count>, _retention: Duration) -> Result<(), StoreError> {
        if counts.is_empty() {
            return Ok(());
        }
        let (tx, rx) = oneshot::channel();
        self.send(Job::Record(counts, tx))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("writer thread stopped".into()))?
    }

    /// Runs `op` on the writer thread, in a transaction, and returns its result once
    /// committed.
    async fn run<T: Send + 'static>(
        &self,
        op: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Run(Box::new(move |conn| {
            match conn.map(|c| (c, op(c))) {
                Err(e) => {
                    let reply: Reply = Box::new(move |_| {
                        let _ = tx.send(Err(e));
                    });
                    (reply, None)
                }
                Ok((_, Ok(v))) => {
                    let reply: Reply = Box::new(move |committed| {
                        let _ = tx.send(committed.map(|()| v));
                    });
                    (reply, None)
                }
                Ok((_, Err(e))) => {
                    let failed = StoreError::Backend(e.to_string());
                    let reply: Reply = Box::new(move |_| {
                        let _ = tx.send(Err(failed));
                    });
                    (reply, Some(e))
                }
            }
        })))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("writer thread stopped".into()))?
    }

    pub async fn totals(
        &self,
        mailbox: Option<String>,
        from: String,
        to: String,
    ) -> Result<Vec<Count>, StoreError> {
        self.run(move |t| {
            let mut stmt = t.prepare_cached(
                "SELECT mailbox, day, category, metric, count FROM counters
                 WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR mailbox = ?3)
                 ORDER BY mailbox, day, category, metric",
            )?;
            let rows = stmt.query_map(params![from, to, mailbox], |r| {
                Ok(Count {
                    mailbox: r.get(0)?,
                    day: r.get(1)?,
                    category: r.get(2)?,
                    metric: r.get(3)?,
                    n: r.get::<_, i64>(4)? as u64,
                })
            })?;
            rows.collect::<Result<Vec<_>, _>>()
        })
        .await
    }

    pub async fn prune(&self, before: String) -> Result<u64, StoreError> {
        let now = now_ms();
        self.run(move |t| {
            let mut n = t.exec("DELETE FROM counters WHERE day < ?1", params![before])?;
            n += t.exec(
                "DELETE FROM records WHERE expires IS NOT NULL AND expires <= ?1",
                params![now],
            )?;
            n += t.exec(
                "DELETE FROM done WHERE at < ?1",
                params![now - super::DONE_KEPT_MS],
            )?;
            Ok(n as u64)
        })
        .await
    }

    pub async fn set_if_absent(&self, key: Key, ttl: Duration) -> Result<bool, StoreError> {
        let (key, now) = (key.render(""), now_ms());
        let expires = now + ttl.as_millis() as i64;
        self.run(move |t| {
            t.exec(
                "DELETE FROM records WHERE key = ?1 AND expires IS NOT NULL AND expires <= ?2",
                params![key, now],
            )?;
            let n = t.exec(
                "INSERT INTO records (key, value, expires) VALUES (?1, x'', ?2) ON CONFLICT (key) DO NOTHING",
                params![key, expires],
            )?;
            Ok(n == 1)
        })
        .await
    }

    pub async fn put(
        &self,
        key: Key,
        value: Vec<u8>,
        ttl: Option<Duration>,
    ) -> Result<(), StoreError> {
        let key = key.render("");
        let expires = ttl.map(|t| now_ms() + t.as_millis() as i64);
        self.run(move |t| {
            t.exec(
                "INSERT INTO records (key, value, expires) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires",
                params![key, value, expires],
            )?;
            Ok(())
        })
        .await
    }

    pub async fn get(&self, key: Key) -> Result<Option<Vec<u8>>, StoreError> {
        let (key, now) = (key.render(""), now_ms());
        self.run(move |t| {
            t.prepare_cached(
                "SELECT value FROM records WHERE key = ?1 AND (expires IS NULL OR expires > ?2)",
            )?
            .query_row(params![key, now], |r| r.get(0))
            .optional()
        })
        .await
    }

    pub async fn delete(&self, key: Key) -> Result<bool, StoreError> {
        let (key, now) = (key.render(""), now_ms());
        self.run(move |t| {
            let live = t.exec(
                "DELETE FROM records WHERE key = ?1 AND (expires IS NULL OR expires > ?2)",
                params![key, now],
            )?;
            t.exec("DELETE FROM records WHERE key = ?1", params![key])?;
            Ok(live == 1)
        })
        .await
    }

    pub async fn schedule(&self, set: Key, member: String, at: i64) -> Result<(), StoreError> {
        let set = set.render("");
        self.run(move |t| {
            t.exec(
                "INSERT INTO schedule (setkey, member, at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (setkey, member) DO UPDATE SET at = excluded.at",
                params![set, member, at],
            )?;
            Ok(())
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
        let set = set.render("");
        self.run(move |t| {
            let mut stmt = t.prepare_cached(
                "SELECT member, at FROM schedule WHERE setkey = ?1 AND at >= ?2 AND at <= ?3
                 ORDER BY at, member LIMIT ?4",
            )?;
            let rows = stmt.query_map(params![set, from, to, limit as i64], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.collect()
        })
        .await
    }

    pub async fn unschedule(&self, set: Key, member: String) -> Result<bool, StoreError> {
        let set = set.render("");
        self.run(move |t| {
            Ok(t.exec(
                "DELETE FROM schedule WHERE setkey = ?1 AND member = ?2",
                params![set, member],
            )? == 1)
        })
        .await
    }

    pub async fn take_due(
        &self,
        set: Key,
        now: i64,
        limit: usize,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let set = set.render("");
        self.run(move |t| {
            let due: Vec<(String, i64)> = {
                let mut stmt = t.prepare_cached(
                    "SELECT member, at FROM schedule WHERE setkey = ?1 AND at <= ?2 ORDER BY at, member LIMIT ?3",
                )?;
                let rows = stmt.query_map(params![set, now, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<Result<_, _>>()?
            };
            for (m, _) in &due {
                t.exec("DELETE FROM schedule WHERE setkey = ?1 AND member = ?2", params![set, m])?;
            }
            Ok(due)
        })
        .await
    }

    pub async fn enqueue(
        &self,
        queue: Key,
        id: String,
        payload: Vec<u8>,
        at: i64,
    ) -> Result<bool, StoreError> {
        let queue = queue.render("");
        self.run(move |t| {
            let finished = t
                .prepare_cached("SELECT 1 FROM done WHERE queue = ?1 AND id = ?2")?
                .exists(params![queue, id])?;
            if finished {
                return Ok(false);
            }
            let n = t.exec(
                "INSERT INTO queue (queue, id, payload, available, attempts) VALUES (?1, ?2, ?3, ?4, 0)
                 ON CONFLICT (queue, id) DO NOTHING",
                params![queue, id, payload, at],
            )?;
            Ok(n == 1)
        })
        .await
    }

    pub async fn claim(
        &self,
        queue: Key,
        now: i64,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<QueuedJob>, StoreError> {
        let queue = queue.render("");
        self.run(move |t| {
            let jobs: Vec<QueuedJob> = {
                let mut stmt = t.prepare_cached(
                    "SELECT id, payload, attempts FROM queue WHERE queue = ?1 AND available <= ?2
                     ORDER BY available, id LIMIT ?3",
                )?;
                let rows = stmt.query_map(params![queue, now, limit as i64], |r| {
                    Ok(QueuedJob { id: r.get(0)?, payload: r.get(1)?, attempts: r.get::<_, u32>(2)? + 1 })
                })?;
                rows.collect::<Result<_, _>>()?
            };
            for j in &jobs {
                t.exec(
                    "UPDATE queue SET available = ?3, attempts = attempts + 1 WHERE queue = ?1 AND id = ?2",
                    params![queue, j.id, now + lease_ms],
                )?;
            }
            Ok(jobs)
        })
        .await
    }

    pub async fn ack(&self, queue: Key, id: String) -> Result<bool, StoreError> {
        let (queue, now) = (queue.render(""), now_ms());
        self.run(move |t| {
            let n = t.exec(
                "DELETE FROM queue WHERE queue = ?1 AND id = ?2",
                params![queue, id],
            )?;
            t.exec(
                "INSERT INTO done (queue, id, at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (queue, id) DO UPDATE SET at = excluded.at",
                params![queue, id, now],
            )?;
            Ok(n == 1)
        })
        .await
    }

    pub async fn queue_depth(&self, queue: Key) -> Result<u64, StoreError> {
        let queue = queue.render("");
        self.run(move |t| {
            let n: i64 = t
                .prepare_cached("SELECT COUNT(*) FROM queue WHERE queue = ?1")?
                .query_row(params![queue], |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    pub async fn retry(&self, queue: Key, id: String, at: i64) -> Result<bool, StoreError> {
        let queue = queue.render("");
        self.run(move |t| {
            Ok(t.exec(
                "UPDATE queue SET available = ?3 WHERE queue = ?1 AND id = ?2",
                params![queue, id, at],
            )? == 1)
        })
        .await
    }

    pub async fn model_key(&self, candidate: [u8; 16]) -> Result<[u8; 16], StoreError> {
        self.run(move |t| {
            t.exec(
                "INSERT INTO model_key (id, key) VALUES (0, ?1) ON CONFLICT (id) DO NOTHING",
                params![candidate.to_vec()],
            )?;
            let key: Vec<u8> =
                t.query_row("SELECT key FROM model_key WHERE id = 0", [], |r| r.get(0))?;
            Ok(key.try_into().unwrap_or(candidate))
        })
        .await
    }

    /// The lessons of one call share one transaction: each lesson's outcome is decided in
    /// order (a message twice in one batch counts once), and the weight changes of the whole
    /// batch are summed before they are written, one row update per feature.
    pub async fn model_learn(&self, lessons: Vec<Lesson>) -> Result<Vec<Learned>, StoreError> {
        self.run(move |t| {
            use std::collections::HashMap;
            let mut out = Vec::with_capacity(lessons.len());
            // What this batch has already decided about a message.
            let mut state: HashMap<(&str, u64), Option<u8>> = HashMap::new();
            let mut deltas: HashMap<(&str, u64), [i64; N]> = HashMap::new();
            let mut docs: HashMap<(&str, u8), i64> = HashMap::new();
            let mut versions: HashMap<&str, i64> = HashMap::new();
            for l in &lessons {
                let id = (l.layer.as_str(), l.message);
                let old: Option<u8> = match state.get(&id) {
                    Some(s) => *s,
                    None => t
                        .prepare_cached(
                            "SELECT class FROM model_lessons WHERE layer = ?1 AND message = ?2",
                        )?
                        .query_row(params![l.layer, l.message as i64], |r| r.get(0))
                        .optional()?,
                };
                let outcome = match (old, l.class) {
                    (Some(o), Some(n)) if o == n => Learned::Unchanged,
                    (None, None) => Learned::Unknown,
                    (Some(o), Some(_)) => Learned::Moved(o),
                    (None, Some(_)) => Learned::New,
                    (Some(o), None) => Learned::Forgotten(o),
                };
                out.push(outcome);
                if matches!(outcome, Learned::Unchanged | Learned::Unknown) {
                    continue;
                }
                state.insert(id, l.class);
                for (class, step) in [(old, -1), (l.class, 1)] {
                    if let Some(class) = class {
                        *docs.entry((l.layer.as_str(), class)).or_default() += step;
                    }
                }
                for (f, w) in &l.weights {
                    let sum = deltas.entry((l.layer.as_str(), *f)).or_insert([0; N]);
                    for (s, d) in sum.iter_mut().zip(w) {
                        *s += i64::from(*d);
                    }
                }
                *versions.entry(l.layer.as_str()).or_default() += 1;
            }
            for ((layer, token), delta) in deltas {
                if delta.iter().all(|&d| d == 0) {
                    continue;
                }
                let old: Option<Vec<u8>> = t
                    .prepare_cached("SELECT w FROM model_weights WHERE layer = ?1 AND token = ?2")?
                    .query_row(params![layer, token as i64], |r| r.get(0))
                    .optional()?;
                let old = old.and_then(|b| packed::unpack(&b)).unwrap_or_default();
                let new: Weights = std::array::from_fn(|c| {
                    (i64::from(old[c]) + delta[c]).clamp(i64::from(i32::MIN), i64::from(i32::MAX))
                        as i32
                });
                if new.iter().all(|&w| w == 0) {
                    t.exec(
                        "DELETE FROM model_weights WHERE layer = ?1 AND token = ?2",
                        params![layer, token as i64],
                    )?;
                } else {
                    let mass: i64 = new.iter().map(|&w| i64::from(w).abs()).sum();
                    t.exec(
                        "INSERT INTO model_weights (layer, token, w, mass) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (layer, token) DO UPDATE SET w = excluded.w, mass = excluded.mass",
                        params![layer, token as i64, packed::pack(&new), mass],
                    )?;
                }
            }
            for ((layer, class), n) in docs {
                t.exec(
                    "INSERT INTO model_layer (layer, name, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (layer, name) DO UPDATE SET value = MAX(0, value + excluded.value)",
                    params![layer, format!("docs:{class}"), n],
                )?;
            }
            for ((layer, message), class) in state {
                match class {
                    Some(c) => t.exec(
                        "INSERT INTO model_lessons (layer, message, class) VALUES (?1, ?2, ?3)
                         ON CONFLICT (layer, message) DO UPDATE SET class = excluded.class",
                        params![layer, message as i64, c],
                    )?,
                    None => t.exec(
                        "DELETE FROM model_lessons WHERE layer = ?1 AND message = ?2",
                        params![layer, message as i64],
                    )?,
                };
            }
            for (layer, n) in versions {
                t.exec(
                    "INSERT INTO model_layer (layer, name, value) VALUES (?1, 'version', ?2)
                     ON CONFLICT (layer, name) DO UPDATE SET value = value + excluded.value",
                    params![layer, n],
                )?;
            }
            Ok(out)
        })
        .await
    }

    pub async fn model_versions(&self) -> Result<Vec<(String, u64)>, StoreError> {
        self.run(move |t| {
            let mut stmt = t.prepare_cached(
                "SELECT layer, value FROM model_layer WHERE name = 'version' ORDER BY layer",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
            rows.collect()
        })
        .await
    }

    pub async fn model_load(&self, layer: String) -> Result<Layer, StoreError> {
        self.run(move |t| {
            let mut out = Layer::default();
            let mut stmt = t.prepare_cached(
                "SELECT name, value FROM model_layer WHERE layer = ?1 AND name LIKE 'docs:%'",
            )?;
            let rows = stmt.query_map(params![layer], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (name, value) = row?;
                if let Some(c) = name[5..].parse::<usize>().ok().filter(|c| *c < N) {
                    out.docs[c] = value.clamp(0, i64::from(u32::MAX)) as u32;
                }
            }
            let mut stmt =
                t.prepare_cached("SELECT token, w FROM model_weights WHERE layer = ?1")?;
            let rows = stmt.query_map(params![layer], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })?;
            for row in rows {
                let (token, w) = row?;
                if let Some(w) = packed::unpack(&w) {
                    out.tokens.insert(token as u64, w);
                }
            }
            Ok(out)
        })
        .await
    }

    pub async fn model_prune(&self, layer: String, max: usize) -> Result<u64, StoreError> {
        self.run(move |t| {
            // One row per feature: within the bound, nothing to sort.
            let rows: i64 = t
                .prepare_cached("SELECT COUNT(*) FROM model_weights WHERE layer = ?1")?
                .query_row(params![layer], |r| r.get(0))?;
            if rows <= max as i64 {
                return Ok(0);
            }
            let n = t.exec(
                "DELETE FROM model_weights WHERE layer = ?1 AND token IN (
                     SELECT token FROM model_weights WHERE layer = ?1 AND token != 0
                     ORDER BY mass ASC, token LIMIT ?2)",
                params![layer, rows - max as i64],
            )?;
            if n > 0 {
                t.exec(
                    "INSERT INTO model_layer (layer, name, value) VALUES (?1, 'version', 1)
                     ON CONFLICT (layer, name) DO UPDATE SET value = value + 1",
                    params![layer],
                )?;
            }
            Ok(n as u64)
        })
        .await
    }

    pub async fn check(&self) -> Result<StoreInfo, StoreError> {
        let started = Instant::now();
        let location = self.path.display().to_string();
        self.run(move |t| {
            let version: String = t.query_row("SELECT sqlite_version()", [], |r| r.get(0))?;
            let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
            let mut keys = 0u64;
            for table in ["counters", "records", "schedule", "queue"] {
                keys += t.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
                    r.get::<_, i64>(0)
                })? as u64;
            }
            Ok(StoreInfo {
                backend: "sqlite".into(),
                location,
                version,
                mode: "embedded".into(),
                latency_ms,
                keys,
            })
        })
        .await
    }

    pub fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }
}

/// How often the writer checks that the database file it has open is still the one at its
/// path.
const IDENTITY_CHECK_EVERY: Duration = Duration::from_secs(1);
/// The same store problem is logged at most this often.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Keeps the WAL index (`PATH-shm`) from being shorter than SQLite mapped it.
///
/// SQLite memory-maps that file; if something outside musaid truncates it, the next access
/// to a mapped page past its new end kills the whole process with SIGBUS (and mail then
/// depends on the MTA's default action). The writer and the checkpointer check its size
/// before they touch the database (a `stat`, about a microsecond) and, if it shrank, extend
/// it back: the pages read as zeros, which SQLite takes for a damaged index and rebuilds
/// from the WAL. Only a truncation in the microseconds between the check and SQLite's access
/// can still fault.
#[derive(Debug)]
struct ShmGuard {
    path: PathBuf,
    longest: std::sync::atomic::AtomicU64,
}

impl ShmGuard {
    fn new(db: &std::path::Path) -> Self {
        let mut shm = db.as_os_str().to_owned();
        shm.push("-shm");
        ShmGuard {
            path: PathBuf::from(shm),
            longest: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn check(&self) {
        use std::sync::atomic::Ordering;
        let Ok(meta) = std::fs::metadata(&self.path) else {
            return;
        };
        let longest = self.longest.load(Ordering::SeqCst);
        if meta.len() >= longest {
            self.longest.fetch_max(meta.len(), Ordering::SeqCst);
            return;
        }
        let restored = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .and_then(|f| f.set_len(longest));
        match restored {
            Ok(()) => {
                tracing::error!(file = %self.path.display(), from = meta.len(), to = longest, "the WAL index was truncated by something outside musaid; its size is restored and SQLite rebuilds it from the WAL")
            }
            Err(e) => {
                tracing::error!(file = %self.path.display(), error = %e, "the WAL index was truncated by something outside musaid and cannot be restored")
            }
        }
    }
}

/// The file at a path: device and inode.
fn identity(path: &std::path::Path) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path)?;
    Ok((m.dev(), m.ino()))
}

struct Writer {
    path: PathBuf,
    conn: Option<Connection>,
    last_attempt: Option<Instant>,
    last_error: String,
    /// The database file the connection has open, and when that was last checked.
    opened: Option<(u64, u64)>,
    checked: Instant,
    /// A database was opened once: reopening never creates a new, empty one.
    opened_once: bool,
    /// When a state line ("unavailable", "reachable again") was last logged, and the
    /// failures not logged since.
    logged: Option<Instant>,
    unlogged: u64,
    /// Failing: the last commit failed, and "reachable again" is not logged yet.
    failing: bool,
}

impl Writer {
    fn new(path: PathBuf) -> Self {
        Writer {
            path,
            conn: None,
            last_attempt: None,
            last_error: String::new(),
            opened: None,
            checked: Instant::now(),
            opened_once: false,
            logged: None,
            unlogged: 0,
            failing: false,
        }
    }

    fn quiet(&self) -> bool {
        self.logged.is_some_and(|t| t.elapsed() < LOG_EVERY)
    }

    /// A commit succeeded: says the store is back, unless a state line was logged less than
    /// [`LOG_EVERY`] ago (a disk that is nearly full succeeds and fails in turn; it is said
    /// at the next success after that).
    fn succeeded(&mut self) {
        if !self.failing || self.quiet() {
            return;
        }
        let failures = std::mem::take(&mut self.unlogged);
        tracing::info!(store = %self.path.display(), failures_since_last_line = failures, "store reachable again");
        self.logged = Some(Instant::now());
        self.failing = false;
        self.last_error.clear();
    }

    /// Logs a store problem: a new one at once, the same one at most every [`LOG_EVERY`]
    /// (a full disk fails every message; one line a minute says so).
    fn report(&mut self, error: &str) {
        let new = !self.failing || self.last_error != error;
        self.failing = true;
        if self.quiet() && !(new && self.last_error.is_empty()) {
            self.unlogged += 1;
            self.last_error = error.to_string();
            return;
        }
        let more = std::mem::take(&mut self.unlogged);
        tracing::warn!(store = %self.path.display(), %error, failures_since_last_line = more, "store unavailable; mail is delivered tagged degraded");
        self.logged = Some(Instant::now());
        self.last_error = error.to_string();
    }

    /// The open database is still the file at the path; else the connection is dropped
    /// (writes would go to a deleted file: every change lost on restart).
    fn check_identity(&mut self) -> Result<(), StoreError> {
        if self.conn.is_none() || self.checked.elapsed() < IDENTITY_CHECK_EVERY {
            return Ok(());
        }
        self.checked = Instant::now();
        let now = identity(&self.path).ok();
        if now.is_some() && now == self.opened {
            return Ok(());
        }
        let why = match now {
            None => format!(
                "the database file {} was removed while open: nothing written now would survive; restore it or restart musaid",
                self.path.display()
            ),
            Some(_) => format!(
                "the database file {} was replaced while open; reopening it",
                self.path.display()
            ),
        };
        tracing::error!(store = %self.path.display(), "{why}");
        self.conn = None;
        self.last_attempt = None;
        self.last_error = why.clone();
        self.failing = true;
        self.logged = Some(Instant::now());
        Err(StoreError::Unavailable(why))
    }

    fn connect(&mut self) -> Result<&mut Connection, StoreError> {
        self.check_identity()?;
        if self.conn.is_none() {
            let due = self
                .last_attempt
                .is_none_or(|t| t.elapsed() >= REOPEN_EVERY);
            if !due {
                return Err(StoreError::Unavailable(self.last_error.clone()));
            }
            self.last_attempt = Some(Instant::now());
            match open(&self.path, !self.opened_once) {
                Ok(c) => {
                    // Every statement musaid uses stays prepared. (The store is "reachable
                    // again" only once a commit succeeds: see `succeeded`.)
                    c.set_prepared_statement_cache_capacity(64);
                    self.opened = identity(&self.path).ok();
                    self.checked = Instant::now();
                    self.opened_once = true;
                    self.conn = Some(c);
                }
                Err(e) => {
                    self.report(&e.to_string());
                    return Err(StoreError::Unavailable(self.last_error.clone()));
                }
            }
        }
        Ok(self.conn.as_mut().expect("connected"))
    }

    /// Drops the connection after an error so the next job reopens it.
    fn failed(&mut self, e: rusqlite::Error) -> StoreError {
        let msg = e.to_string();
        self.report(&msg);
        self.conn = None;
        self.last_attempt = None;
        StoreError::Backend(msg)
    }

    fn run(mut self, rx: Receiver<Job>) {
        // The checkpointer lives as long as this writer.
        let alive = std::sync::Arc::new(());
        let shm = std::sync::Arc::new(ShmGuard::new(&self.path));
        let (path, watch, guard) = (
            self.path.clone(),
            std::sync::Arc::downgrade(&alive),
            shm.clone(),
        );
        let _ = std::thread::Builder::new()
            .name("musaid-checkpoint".into())
            .spawn(move || checkpoint_loop(path, watch, &guard));
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        let mut since_wal_check = 0u32;
        let mut last_commit = Instant::now();
        while let Ok(first) = rx.recv() {
            let mut batch = vec![first];
            while batch.len() < BATCH {
                match rx.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            // Commit delay: when jobs arrive faster than one per [`BUSY_GAP`], more are on
            // their way; sleep [`COMMIT_DELAY`] and take what came, so that one commit (its
            // locks, its WAL writes, the shared pages written once) serves several messages.
            // A sleep rather than a wait on the channel: a waiting receiver is woken by every
            // send (a futex call on the milter's thread each time), a sleeping one is not.
            if last_commit.elapsed() < BUSY_GAP && batch.len() < BATCH {
                std::thread::sleep(COMMIT_DELAY);
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
            }
            shm.check();
            self.run_batch(batch);
            last_commit = Instant::now();
            // Under continuous writes the WAL is never fully copied at the moment a write
            // begins, so it is never rewound: past the limit, copy the rest and truncate it.
            // Its size is looked at every [`WAL_CHECK_BATCHES`] batches (a batch adds a few
            // pages), not once per message.
            since_wal_check += 1;
            if since_wal_check < WAL_CHECK_BATCHES {
                continue;
            }
            since_wal_check = 0;
            if std::fs::metadata(&wal).is_ok_and(|m| m.len() > WAL_LIMIT)
                && let Some(c) = &self.conn
                && let Err(e) = c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            {
                tracing::debug!(store = %self.path.display(), error = %e, "WAL not truncated; next batch retries");
            }
        }
    }

    /// Runs a batch in one transaction, each job in a savepoint, and answers every caller
    /// after the commit.
    fn run_batch(&mut self, batch: Vec<Job>) {
        let conn = match self.connect() {
            Ok(c) => c,
            Err(e) => {
                for job in batch {
                    answer_unrun(job, e.clone());
                }
                return;
            }
        };
        if let Err(e) = conn.exec("BEGIN", []) {
            let e = self.failed(e);
            for job in batch {
                answer_unrun(job, e.clone());
            }
            return;
        }
        let mut replies: Vec<Reply> = Vec::with_capacity(batch.len());
        let mut broken: Option<rusqlite::Error> = None;
        // The batch's counter increments become one operation, where the first of them was:
        // any job queued after an increment still runs after it.
        let mut records = Vec::new();
        let mut first_record = None;
        let mut ops: Vec<RunFn> = Vec::with_capacity(batch.len());
        for job in batch {
            match job {
                Job::Record(counts, tx) => {
                    first_record.get_or_insert(ops.len());
                    records.push((counts, tx));
                }
                Job::Run(op) => ops.push(op),
            }
        }
        if let Some(at) = first_record {
            ops.insert(at, merged_records(records));
        }
        let mut jobs = ops.into_iter();
        for op in jobs.by_ref() {
            let (reply, failed) = in_savepoint(conn, op);
            replies.push(reply);
            if let Some(e) = failed {
                broken = Some(e);
                break;
            }
        }
        let committed = match broken {
            // A savepoint could not be entered or rolled back: give up the whole batch.
            Some(e) => {
                let _ = conn.exec("ROLLBACK", []);
                Err(self.failed(e))
            }
            None => match conn.exec("COMMIT", []) {
                Ok(_) => {
                    self.succeeded();
                    Ok(())
                }
                Err(e) => {
                    let _ = self.conn.as_ref().map(|c| c.exec("ROLLBACK", []));
                    Err(self.failed(e))
                }
            },
        };
        for reply in replies {
            reply(committed.clone());
        }
        if let Err(e) = committed {
            for op in jobs {
                answer_unrun_op(op, e.clone());
            }
        }
    }
}

/// Copies the WAL into the database every [`CHECKPOINT_EVERY`] on its own connection, so
/// that the writer's connection never checkpoints inside a commit (`wal_autocheckpoint = 0`):
/// such a checkpoint syncs the database file, and every message waiting for that commit
/// waited with it (p99 end-of-message latency 18 ms against 3–4 ms without). A passive
/// checkpoint does not block the writer; the writer only truncates the WAL when it passes
/// [`WAL_LIMIT`], by then mostly copied. Stops when the writer stops.
fn checkpoint_loop(path: PathBuf, writer: std::sync::Weak<()>, shm: &ShmGuard) {
    let mut conn: Option<Connection> = None;
    loop {
        std::thread::sleep(CHECKPOINT_EVERY);
        if writer.upgrade().is_none() {
            return;
        }
        if conn.is_none() {
            // Never creates the file: only the writer decides that (see `open`).
            conn = Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .ok();
            if let Some(c) = &conn {
                let _ = c.busy_timeout(Duration::from_millis(100));
            }
        }
        shm.check();
        if let Some(c) = &conn
            && let Err(e) = c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        {
            tracing::debug!(store = %path.display(), error = %e, "checkpoint failed; retrying");
            conn = None;
        }
    }
}

/// Runs one job in a savepoint. A job's own SQLite error undoes only that job; the error
/// returned here is one that leaves the transaction unusable (the savepoint could not be
/// entered or rolled back).
fn in_savepoint(conn: &Connection, op: RunFn) -> (Reply, Option<rusqlite::Error>) {
    if let Err(e) = conn.exec("SAVEPOINT job", []) {
        let (reply, _) = op(Err(StoreError::Backend(e.to_string())));
        return (reply, Some(e));
    }
    let (reply, error) = op(Ok(conn));
    let undone = match error {
        Some(_) => conn
            .exec("ROLLBACK TO job", [])
            .and_then(|_| conn.exec("RELEASE job", [])),
        None => conn.exec("RELEASE job", []),
    };
    (reply, undone.err())
}

/// The counter increments of a batch as one operation: equal counters summed (the messages of a
/// busy minute count the same organisation-wide counters), one savepoint, one answer for
/// every caller. An error in them fails all of them (it is the database's, not one
/// message's: a full disk, a broken file).
fn merged_records(records: Vec<(Vec<Count>, Answer)>) -> RunFn {
    let mut sums: rustc_hash::FxHashMap<(String, String, String, String), u64> =
        rustc_hash::FxHashMap::default();
    let mut callers = Vec::with_capacity(records.len());
    for (counts, tx) in records {
        for c in counts {
            *sums
                .entry((c.mailbox, c.day, c.category, c.metric))
                .or_default() += c.n;
        }
        callers.push(tx);
    }
    let counts: Vec<Count> = sums
        .into_iter()
        .map(|((mailbox, day, category, metric), n)| Count {
            mailbox,
            day,
            category,
            metric,
            n,
        })
        .collect();
    let answer = |callers: Vec<Answer>, result: Result<(), StoreError>| {
        for tx in callers {
            let _ = tx.send(result.clone());
        }
    };
    Box::new(move |c: Result<&Connection, StoreError>| {
        let result = match c {
            Ok(c) => record_counts(c, &counts),
            Err(e) => {
                let reply: Reply = Box::new(move |_| answer(callers, Err(e)));
                return (reply, None);
            }
        };
        let error = result
            .as_ref()
            .err()
            .map(|e| StoreError::Backend(e.to_string()));
        let reply: Reply = Box::new(move |committed| {
            answer(
                callers,
                match error {
                    Some(e) => Err(e),
                    None => committed,
                },
            )
        });
        (reply, result.err())
    })
}

/// Answers the caller of a job that never ran.
fn answer_unrun(job: Job, e: StoreError) {
    match job {
        Job::Record(_, tx) => {
            let _ = tx.send(Err(e));
        }
        Job::Run(op) => answer_unrun_op(op, e),
    }
}

/// Answers the caller of an operation that never ran.
fn answer_unrun_op(op: RunFn, e: StoreError) {
    let (reply, _) = op(Err(e.clone()));
    reply(Err(e));
}

/// Adds counter increments.
fn record_counts(conn: &Connection, counts: &[Count]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO counters (mailbox, day, category, metric, count) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (mailbox, day, category, metric) DO UPDATE SET count = count + excluded.count",
    )?;
    for c in counts {
        stmt.execute(params![c.mailbox, c.day, c.category, c.metric, c.n as i64])?;
    }
    Ok(())
}

/// Why the database could not be opened, naming the path.
#[derive(Debug, thiserror::Error)]
enum OpenError {
    #[error(
        "the database file {} is gone; musaid does not replace it with an empty one while running (restore it, or restart musaid to start a new one)",
        .0.display()
    )]
    Gone(PathBuf),
    #[error("cannot create {}: {error}", dir.display())]
    Directory { dir: PathBuf, error: std::io::Error },
    #[error("cannot open {}: {error}", path.display())]
    Open {
        path: PathBuf,
        error: rusqlite::Error,
    },
    #[error("cannot initialise {}: {error}", path.display())]
    Initialise {
        path: PathBuf,
        error: rusqlite::Error,
    },
}

/// Opens the database; `create`: make it (and its directory) when there is none, saying so.
/// A process that had a database open never creates a new, empty one in its place.
fn open(path: &PathBuf, create: bool) -> Result<Connection, OpenError> {
    let exists = path.exists();
    if !exists && !create {
        return Err(OpenError::Gone(path.clone()));
    }
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        std::fs::create_dir_all(dir).map_err(|error| OpenError::Directory {
            dir: dir.to_path_buf(),
            error,
        })?;
    }
    if !exists {
        tracing::warn!(store = %path.display(), "no database at this path: creating a new, empty one");
    }
    let initialise = |error| OpenError::Initialise {
        path: path.clone(),
        error,
    };
    let conn = Connection::open(path).map_err(|error| OpenError::Open {
        path: path.clone(),
        error,
    })?;
    conn.busy_timeout(Duration::from_millis(500))
        .map_err(initialise)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA wal_autocheckpoint = 0;
         PRAGMA journal_size_limit = 4194304;
         CREATE TABLE IF NOT EXISTS counters (
             mailbox  TEXT NOT NULL,
             day      TEXT NOT NULL,
             category TEXT NOT NULL,
             metric   TEXT NOT NULL,
             count    INTEGER NOT NULL,
             PRIMARY KEY (mailbox, day, category, metric)
         ) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS counters_day ON counters (day);
         CREATE TABLE IF NOT EXISTS records (
             key     TEXT PRIMARY KEY,
             value   BLOB NOT NULL,
             expires INTEGER
         ) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS schedule (
             setkey TEXT NOT NULL,
             member TEXT NOT NULL,
             at     INTEGER NOT NULL,
             PRIMARY KEY (setkey, member)
         ) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS schedule_at ON schedule (setkey, at);
         CREATE TABLE IF NOT EXISTS done (
             queue TEXT NOT NULL,
             id    TEXT NOT NULL,
             at    INTEGER NOT NULL,
             PRIMARY KEY (queue, id)
         ) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS queue (
             queue     TEXT NOT NULL,
             id        TEXT NOT NULL,
             payload   BLOB NOT NULL,
             available INTEGER NOT NULL,
             attempts  INTEGER NOT NULL,
             PRIMARY KEY (queue, id)
         ) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS queue_available ON queue (queue, available);
         CREATE TABLE IF NOT EXISTS model_key (
             id  INTEGER PRIMARY KEY CHECK (id = 0),
             key BLOB NOT NULL
         );
         CREATE TABLE IF NOT EXISTS model_layer (
             layer TEXT NOT NULL,
             name  TEXT NOT NULL,
             value INTEGER NOT NULL,
             PRIMARY KEY (layer, name)
         ) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS model_weights (
             layer TEXT NOT NULL,
             token INTEGER NOT NULL,
             w     BLOB NOT NULL,
             mass  INTEGER NOT NULL,
             PRIMARY KEY (layer, token)
         ) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS model_lessons (
             layer   TEXT NOT NULL,
             message INTEGER NOT NULL,
             class   INTEGER NOT NULL,
             PRIMARY KEY (layer, message)
         ) WITHOUT ROWID;",
    )
    .map_err(initialise)?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(mailbox: &str, day: &str, metric: &str) -> Count {
        Count {
            mailbox: mailbox.into(),
            day: day.into(),
            category: "urgent".into(),
            metric: metric.into(),
            n: 1,
        }
    }

    #[tokio::test]
    async fn counts_add_up_and_prune() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(dir.path().join("sub/dir/m.db"));
        for _ in 0..3 {
            s.record(
                vec![
                    count("ceo@example.com", "2026-11-01", "received"),
                    count("*", "2026-11-01", "received"),
                ],
                Duration::from_secs(86400),
            )
            .await
            .unwrap();
        }
        s.record(
            vec![count("*", "2026-11-02", "received")],
            Duration::from_secs(86400),
        )
        .await
        .unwrap();
        let all = s
            .totals(None, "2026-11-01".into(), "2026-11-30".into())
            .await
            .unwrap();
        assert_eq!(all.len(), 3);
        let ceo = s
            .totals(
                Some("ceo@example.com".into()),
                "2026-11-01".into(),
                "2026-11-01".into(),
            )
            .await
            .unwrap();
        assert_eq!(ceo[0].n, 3);
        assert_eq!(s.prune("2026-11-02".into()).await.unwrap(), 2);
        assert_eq!(
            s.totals(None, "2000-01-01".into(), "2100-01-01".into())
                .await
                .unwrap()
                .len(),
            1
        );
    }

    /// A store whose writer has opened the database.
    async fn opened(dir: &std::path::Path) -> SqliteStore {
        let s = SqliteStore::open(dir.join("m.db"));
        s.put(Key::global("warm"), b"1".to_vec(), None)
            .await
            .unwrap();
        s
    }

    /// A job that keeps the writer busy for 200 ms: what is queued meanwhile is one batch.
    fn busy_writer(
        s: &SqliteStore,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + '_ {
        s.run(|_| {
            std::thread::sleep(Duration::from_millis(200));
            Ok(())
        })
    }

    #[tokio::test]
    async fn counts_queued_together_are_merged_and_add_up() {
        let dir = tempfile::tempdir().unwrap();
        let s = opened(dir.path()).await;
        // Queued while the writer is busy: twenty messages' counts in one batch, merged into
        // one job; each caller hears of the commit.
        let busy = busy_writer(&s);
        let records = futures_util::future::join_all((0..20).map(|i| {
            s.record(
                vec![
                    count("*", "2026-11-01", "received"),
                    count("ceo@example.com", "2026-11-01", "received"),
                    count("*", "2026-11-01", &format!("from:s{}", i % 3)),
                ],
                Duration::from_secs(86400),
            )
        }));
        let (done, recorded) = tokio::join!(busy, records);
        done.unwrap();
        assert!(recorded.iter().all(Result::is_ok), "{recorded:?}");
        let mut all = s
            .totals(None, "2026-11-01".into(), "2026-11-01".into())
            .await
            .unwrap();
        all.sort_by(|a, b| (&a.mailbox, &a.metric).cmp(&(&b.mailbox, &b.metric)));
        let got: Vec<(&str, &str, u64)> = all
            .iter()
            .map(|c| (c.mailbox.as_str(), c.metric.as_str(), c.n))
            .collect();
        assert_eq!(
            got,
            [
                ("*", "from:s0", 7),
                ("*", "from:s1", 7),
                ("*", "from:s2", 6),
                ("*", "received", 20),
                ("ceo@example.com", "received", 20),
            ]
        );
    }

    #[tokio::test]
    async fn a_read_queued_after_counts_in_the_same_batch_sees_them() {
        let dir = tempfile::tempdir().unwrap();
        let s = opened(dir.path()).await;
        // Queued while the writer is busy, in this order: counts, a read, more counts.
        let busy = busy_writer(&s);
        let day = || count("*", "2026-11-01", "received");
        let (done, first, read, second) = tokio::join!(
            busy,
            s.record(vec![day()], Duration::from_secs(86400)),
            s.totals(None, "2026-11-01".into(), "2026-11-01".into()),
            s.record(vec![day()], Duration::from_secs(86400)),
        );
        done.unwrap();
        first.unwrap();
        second.unwrap();
        let read = read.unwrap();
        assert!(read.first().is_some_and(|c| c.n >= 1), "{read:?}");
    }

    #[tokio::test]
    async fn a_failing_operation_is_undone_alone_and_its_batch_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let s = SqliteStore::open(path.clone());
        s.put(Key::global("warm"), b"1".to_vec(), None)
            .await
            .unwrap();
        // Queued while the writer is busy, so it runs them in one transaction: a write, a
        // failing operation that wrote before failing, and another write.
        let (_, a, bad, b) = tokio::join!(
            s.run(|_| {
                std::thread::sleep(Duration::from_millis(200));
                Ok(())
            }),
            s.put(Key::global("a"), b"A".to_vec(), None),
            s.run(|c| {
                c.exec(
                    "INSERT INTO records (key, value, expires) VALUES ('partial', x'', NULL)",
                    [],
                )?;
                c.exec("INSERT INTO no_such_table VALUES (1)", [])
            }),
            s.put(Key::global("b"), b"B".to_vec(), None),
        );
        a.unwrap();
        b.unwrap();
        assert!(matches!(bad, Err(StoreError::Backend(_))), "{bad:?}");
        // Durable for another connection, and the failed operation left nothing behind.
        let other = Connection::open(&path).unwrap();
        let keys: Vec<String> = other
            .prepare("SELECT key FROM records ORDER BY key")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(keys, vec!["{global}:a", "{global}:b", "{global}:warm"]);
    }

    #[tokio::test]
    async fn the_checkpointer_copies_the_wal_into_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.db");
        let s = SqliteStore::open(path.clone());
        for i in 0..300 {
            s.put(Key::global(format!("k{i}")), vec![7u8; 4096], None)
                .await
                .unwrap();
        }
        // The writer never checkpoints by itself below the WAL limit: the 1.2 MB reach the
        // database file only through the checkpointer (every second).
        let grown = || std::fs::metadata(&path).unwrap().len() > 1_000_000;
        for _ in 0..100 {
            if grown() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(grown(), "{} bytes", std::fs::metadata(&path).unwrap().len());
    }

    #[tokio::test]
    async fn unreachable_database_fails_fast_then_recovers() {
        let dir = tempfile::tempdir().unwrap();
        // A regular file where the directory should be: the database cannot be created.
        let blocker = dir.path().join("blocked");
        std::fs::write(&blocker, b"not a directory").unwrap();
        let s = SqliteStore::open(blocker.join("m.db"));
        let err = s
            .record(
                vec![count("*", "2026-11-01", "received")],
                Duration::from_secs(86400),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
        // Repair the path; after the reopen interval the store works again.
        std::fs::remove_file(&blocker).unwrap();
        tokio::time::sleep(REOPEN_EVERY + Duration::from_millis(100)).await;
        s.record(
            vec![count("*", "2026-11-01", "received")],
            Duration::from_secs(86400),
        )
        .await
        .unwrap();
    }
}
