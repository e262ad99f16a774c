//! Embedded SQLite backend: one writer thread owns the connection (WAL, `synchronous=NORMAL`)
//! and commits whatever is queued in one transaction, so a burst of messages costs one
//! commit, and a slow disk never blocks the async milter threads.

use super::{Count, StoreError};
use rusqlite::{Connection, params};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// Operations queued beyond this answer `Busy` at once.
const QUEUE_DEPTH: usize = 4096;
/// Record jobs merged into one transaction at most.
const BATCH: usize = 512;
/// While the database cannot be opened, retry at most this often.
const REOPEN_EVERY: Duration = Duration::from_secs(1);

enum Job {
    Record(Vec<Count>, oneshot::Sender<Result<(), StoreError>>),
    Totals {
        mailbox: Option<String>,
        from: String,
        to: String,
        reply: oneshot::Sender<Result<Vec<Count>, StoreError>>,
    },
    Prune(String, oneshot::Sender<Result<u64, StoreError>>),
}

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

    pub async fn record(&self, counts: Vec<Count>) -> Result<(), StoreError> {
        if counts.is_empty() {
            return Ok(());
        }
        let (tx, rx) = oneshot::channel();
        self.send(Job::Record(counts, tx))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("writer thread stopped".into()))?
    }

    pub async fn totals(
        &self,
        mailbox: Option<String>,
        from: String,
        to: String,
    ) -> Result<Vec<Count>, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::Totals {
            mailbox,
            from,
            to,
            reply,
        })?;
        rx.await
            .map_err(|_| StoreError::Unavailable("writer thread stopped".into()))?
    }

    pub async fn prune(&self, before: String) -> Result<u64, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Prune(before, tx))?;
        rx.await
            .map_err(|_| StoreError::Unavailable("writer thread stopped".into()))?
    }

    pub fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }
}

struct Writer {
    path: PathBuf,
    conn: Option<Connection>,
    last_attempt: Option<Instant>,
    last_error: String,
}

impl Writer {
    fn new(path: PathBuf) -> Self {
        Writer {
            path,
            conn: None,
            last_attempt: None,
            last_error: String::new(),
        }
    }

    fn connect(&mut self) -> Result<&mut Connection, StoreError> {
        if self.conn.is_none() {
            let due = self
                .last_attempt
                .is_none_or(|t| t.elapsed() >= REOPEN_EVERY);
            if !due {
                return Err(StoreError::Unavailable(self.last_error.clone()));
            }
            self.last_attempt = Some(Instant::now());
            match open(&self.path) {
                Ok(c) => {
                    if !self.last_error.is_empty() {
                        tracing::info!(store = %self.path.display(), "store reachable again");
                    }
                    self.last_error.clear();
                    self.conn = Some(c);
                }
                Err(e) => {
                    if self.last_error != e {
                        tracing::warn!(store = %self.path.display(), error = %e, "store unavailable; mail is delivered tagged degraded");
                    }
                    self.last_error = e;
                    return Err(StoreError::Unavailable(self.last_error.clone()));
                }
            }
        }
        Ok(self.conn.as_mut().expect("connected"))
    }

    /// Drops the connection after an error so the next job reopens it.
    fn failed(&mut self, e: rusqlite::Error) -> StoreError {
        let msg = e.to_string();
        tracing::warn!(store = %self.path.display(), error = %msg, "store operation failed");
        self.conn = None;
        self.last_attempt = None;
        self.last_error = msg.clone();
        StoreError::Backend(msg)
    }

    fn run(mut self, rx: Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut records = Vec::new();
            let mut other = Vec::new();
            let mut next = Some(first);
            while let Some(job) = next.take() {
                match job {
                    Job::Record(c, tx) => records.push((c, tx)),
                    job => other.push(job),
                }
                if records.len() < BATCH {
                    next = rx.try_recv().ok();
                }
            }
            if !records.is_empty() {
                let result = self.record_batch(records.iter().map(|(c, _)| c));
                for (_, tx) in records {
                    let _ = tx.send(result.clone());
                }
            }
            for job in other {
                match job {
                    Job::Totals {
                        mailbox,
                        from,
                        to,
                        reply,
                    } => {
                        let _ = reply.send(self.totals(mailbox, &from, &to));
                    }
                    Job::Prune(before, reply) => {
                        let _ = reply.send(self.prune(&before));
                    }
                    Job::Record(..) => unreachable!("records are batched above"),
                }
            }
        }
    }

    fn record_batch<'a>(
        &mut self,
        batches: impl Iterator<Item = &'a Vec<Count>>,
    ) -> Result<(), StoreError> {
        let conn = self.connect()?;
        let result = (|| {
            let tx = conn.transaction()?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO counters (mailbox, day, category, metric, count) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (mailbox, day, category, metric) DO UPDATE SET count = count + excluded.count",
                )?;
                for counts in batches {
                    for c in counts {
                        stmt.execute(params![c.mailbox, c.day, c.category, c.metric, c.n as i64])?;
                    }
                }
            }
            tx.commit()
        })();
        result.map_err(|e| self.failed(e))
    }

    fn totals(
        &mut self,
        mailbox: Option<String>,
        from: &str,
        to: &str,
    ) -> Result<Vec<Count>, StoreError> {
        let conn = self.connect()?;
        let result = (|| {
            let mut stmt = conn.prepare_cached(
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
        })();
        result.map_err(|e| self.failed(e))
    }

    fn prune(&mut self, before: &str) -> Result<u64, StoreError> {
        let conn = self.connect()?;
        let result = conn.execute("DELETE FROM counters WHERE day < ?1", params![before]);
        result.map(|n| n as u64).map_err(|e| self.failed(e))
    }
}

fn open(path: &PathBuf) -> Result<Connection, String> {
    if let Some(dir) = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists())
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let conn =
        Connection::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    conn.busy_timeout(Duration::from_millis(500))
        .map_err(|e| e.to_string())?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         CREATE TABLE IF NOT EXISTS counters (
             mailbox  TEXT NOT NULL,
             day      TEXT NOT NULL,
             category TEXT NOT NULL,
             metric   TEXT NOT NULL,
             count    INTEGER NOT NULL,
             PRIMARY KEY (mailbox, day, category, metric)
         ) WITHOUT ROWID;
         CREATE INDEX IF NOT EXISTS counters_day ON counters (day);",
    )
    .map_err(|e| format!("cannot initialise {}: {e}", path.display()))?;
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
            s.record(vec![
                count("ceo@example.com", "2026-11-01", "received"),
                count("*", "2026-11-01", "received"),
            ])
            .await
            .unwrap();
        }
        s.record(vec![count("*", "2026-11-02", "received")])
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

    #[tokio::test]
    async fn unreachable_database_fails_fast_then_recovers() {
        let dir = tempfile::tempdir().unwrap();
        // A regular file where the directory should be: the database cannot be created.
        let blocker = dir.path().join("blocked");
        std::fs::write(&blocker, b"not a directory").unwrap();
        let s = SqliteStore::open(blocker.join("m.db"));
        let err = s
            .record(vec![count("*", "2026-11-01", "received")])
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
        // Repair the path; after the reopen interval the store works again.
        std::fs::remove_file(&blocker).unwrap();
        tokio::time::sleep(REOPEN_EVERY + Duration::from_millis(100)).await;
        s.record(vec![count("*", "2026-11-01", "received")])
            .await
            .unwrap();
    }
}
