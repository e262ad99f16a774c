//! Test harness: a real musaid milter listening on 127.0.0.1:0, driven over the milter
//! protocol by indymilter-test the way an MTA drives it.
#![allow(dead_code)]

pub mod redis;

use indymilter_test::{EomActions, MacroStage, Status, TestConnection};
use musaid::config::{self, Overrides};
use musaid::milter::{self, Running};
use musaid::store::Store;
use std::path::{Path, PathBuf};

/// A running milter and its temporary directory (store, sockets).
pub struct Milter {
    pub running: Running,
    pub addr: String,
    pub dir: tempfile::TempDir,
}

impl Milter {
    /// Starts a milter with `config` (TOML text); the store is a fresh SQLite file unless
    /// the text names one.
    pub async fn start(config: &str) -> Milter {
        let dir = tempfile::tempdir().unwrap();
        let store = format!("sqlite:{}", dir.path().join("musaid.db").display());
        Self::start_with(config, Some(store), dir).await
    }

    /// Starts with an explicit store URL (None: the config's).
    pub async fn start_with(config: &str, store: Option<String>, dir: tempfile::TempDir) -> Milter {
        let overrides = Overrides {
            listen: Some("inet:127.0.0.1:0".into()),
            store,
            log_level: None,
        };
        let cfg =
            config::from_str(config, "test.toml", &overrides).unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&cfg.store);
        let running = milter::start(cfg, store).await.unwrap();
        let addr = running.local.strip_prefix("inet:").unwrap().to_string();
        Milter { running, addr, dir }
    }

    /// Starts with the SQLite database at `db` (its directory need not exist yet).
    pub async fn start_on(config: &str, db: &Path) -> Milter {
        let url = format!("sqlite:{}", db.display());
        Self::start_with(config, Some(url), tempfile::tempdir().unwrap()).await
    }

    pub async fn connect(&self) -> TestConnection {
        let mut conn = TestConnection::open(self.addr.as_str()).await.unwrap();
        let st = conn
            .connect("client.example.net", ([192, 0, 2, 10], 40000))
            .await
            .unwrap();
        assert!(matches!(st, Status::Continue | Status::Noreply), "{st:?}");
        conn
    }

    pub fn store(&self) -> Store {
        self.running.shared.store.clone()
    }

    pub async fn stop(self) {
        self.running.stop().await.unwrap();
    }
}

/// A SQLite store URL that cannot open: a file stands where its directory should be. Remove
/// the returned file and the store opens at its next attempt.
pub fn unopenable_sqlite(dir: &Path) -> (String, PathBuf) {
    let blocker = dir.join("not-a-dir");
    std::fs::write(&blocker, b"x").unwrap();
    (
        format!("sqlite:{}", blocker.join("musaid.db").display()),
        blocker,
    )
}

/// The envelope of a test message.
#[derive(Clone, Debug, Default)]
pub struct Env<'a> {
    pub from: &'a str,
    pub rcpts: Vec<&'a str>,
    pub auth: Option<&'a str>,
    pub queue_id: &'a str,
}

impl<'a> Env<'a> {
    /// Unauthenticated mail from `from` to one recipient.
    pub fn to(from: &'a str, rcpt: &'a str, queue_id: &'a str) -> Env<'a> {
        Env {
            from,
            rcpts: vec![rcpt],
            auth: None,
            queue_id,
        }
    }
}

/// Sends one message on an open connection; returns the end-of-message actions and status.
pub async fn send(conn: &mut TestConnection, env: &Env<'_>, raw: &[u8]) -> (EomActions, Status) {
    if let Some(user) = env.auth {
        conn.macros(MacroStage::Mail, [("{auth_authen}", user)])
            .await
            .unwrap();
    }
    let from = format!("<{}>", env.from);
    conn.mail([from.as_str()]).await.unwrap();
    for r in &env.rcpts {
        let r = format!("<{r}>");
        conn.rcpt([r.as_str()]).await.unwrap();
    }
    let (headers, body) = musaid::message::split_for_milter(raw);
    for (n, v) in headers {
        conn.header(n, v).await.unwrap();
    }
    for chunk in body.chunks(65535) {
        conn.body(chunk.to_vec()).await.unwrap();
    }
    conn.macros(MacroStage::Eom, [("i", env.queue_id)])
        .await
        .unwrap();
    conn.eom().await.unwrap()
}

/// Opens a connection, sends one message, closes.
pub async fn send_one(m: &Milter, env: &Env<'_>, raw: &[u8]) -> (EomActions, Status) {
    let mut conn = m.connect().await;
    let r = send(&mut conn, env, raw).await;
    conn.close().await.unwrap();
    r
}

/// The value of the first added header `name`.
pub fn added(actions: &EomActions, name: &str) -> Option<String> {
    actions.actions.iter().find_map(|a| match a {
        indymilter_test::EomAction::AddHeader { name: n, value }
            if n.to_str().unwrap().eq_ignore_ascii_case(name) =>
        {
            Some(value.to_string_lossy().into_owned())
        }
        _ => None,
    })
}

/// The recipients the milter removed, as sent (`<addr>`).
pub fn deleted_recipients(actions: &EomActions) -> Vec<String> {
    actions
        .actions
        .iter()
        .filter_map(|a| match a {
            indymilter_test::EomAction::DeleteRecipient { rcpt } => {
                Some(rcpt.to_string_lossy().into_owned())
            }
            _ => None,
        })
        .collect()
}

/// The recipients the milter added, as sent (`<addr>`).
pub fn added_recipients(actions: &EomActions) -> Vec<String> {
    actions
        .actions
        .iter()
        .filter_map(|a| match a {
            indymilter_test::EomAction::AddRecipient { rcpt, .. } => {
                Some(rcpt.to_string_lossy().into_owned())
            }
            _ => None,
        })
        .collect()
}

/// The outbox jobs whose kind starts with `kind`, claimed as a worker would at `at_ms`
/// (later than their creation), in queue order.
pub async fn queued(store: &Store, at_ms: i64, kind: &str) -> Vec<musaid::outbox::OutboxJob> {
    store
        .claim(musaid::outbox::queue(), at_ms, 60_000, 100)
        .await
        .unwrap()
        .iter()
        .map(|j| serde_json::from_slice::<musaid::outbox::OutboxJob>(&j.payload).unwrap())
        .filter(|j| j.kind.starts_with(kind))
        .collect()
}

/// The total of `metric` counted for `mailbox` on `day` (YYYY-MM-DD).
pub async fn counted(store: &Store, mailbox: &str, day: &str, metric: &str) -> u64 {
    store
        .totals(Some(mailbox.into()), day.into(), day.into())
        .await
        .unwrap()
        .iter()
        .filter(|r| r.metric == metric)
        .map(|r| r.n)
        .sum()
}

/// The corpus copied into the repository.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Every message file of the corpus (license and manifest files and .ics files left out).
pub fn corpus_messages() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                if name != "LICENSES" {
                    walk(&p, out);
                }
            } else if !(name.starts_with("LICENSE")
                || name.starts_with("COPYING")
                || name == "MIT-LICENSE"
                || name.ends_with(".md")
                || name.ends_with(".rst")
                || name.ends_with(".ics"))
            {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&corpus_dir(), &mut out);
    out
}

/// One HTTP request a [`HttpSink`] received.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub head: String,
    pub body: Vec<u8>,
}

/// A small HTTP/1.1 server on loopback that records every request (webhooks, one-click
/// unsubscribes) and answers with the next status of its script (200 once the script is used;
/// 0: no answer at all, the connection is held open for a minute; a 3xx carries a Location
/// back to this server and a cookie).
pub struct HttpSink {
    pub url: String,
    pub requests: std::sync::Arc<std::sync::Mutex<Vec<HttpRequest>>>,
}

impl HttpSink {
    pub async fn start(statuses: Vec<u16>) -> HttpSink {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let here = listener.local_addr().unwrap();
        let url = format!("http://{here}/hook");
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = requests.clone();
        tokio::spawn(async move {
            let mut script = statuses.into_iter();
            while let Ok((mut sock, _)) = listener.accept().await {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body) = loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break (String::from_utf8_lossy(&buf).into_owned(), Vec::new());
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + length {
                        break (head, buf[end + 4..end + 4 + length].to_vec());
                    }
                };
                seen.lock().unwrap().push(HttpRequest { head, body });
                let status = script.next().unwrap_or(200);
                if status == 0 {
                    tokio::spawn(async move {
                        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                        drop(sock);
                    });
                    continue;
                }
                let extra = if (300..400).contains(&status) {
                    format!("Location: http://{here}/elsewhere\r\nSet-Cookie: session=1\r\n")
                } else {
                    String::new()
                };
                let reply = format!(
                    "HTTP/1.1 {status} Status\r\n{extra}Content-Length: 2\r\nConnection: close\r\n\r\nok"
                );
                let _ = sock.write_all(reply.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        });
        HttpSink { url, requests }
    }

    /// The bodies received so far, as JSON.
    pub fn json_bodies(&self) -> Vec<serde_json::Value> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }
}

/// One message a [`SmtpSink`] received: envelope recipients and data.
pub type Received = (Vec<String>, String);

/// A small SMTP server on loopback that accepts every message and keeps it, for counting
/// what the outbox delivered.
pub struct SmtpSink {
    pub port: u16,
    pub messages: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = messages.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = sock.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 sink ESMTP\r\n").await;
                    let mut rcpts = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250-sink\r\n250 8BITMIME\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            rcpts.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                            b"250 ok\r\n"
                        } else if upper.starts_with("DATA") {
                            let _ = write.write_all(b"354 go on\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push_str("\r\n");
                            }
                            kept.lock()
                                .unwrap()
                                .push((std::mem::take(&mut rcpts), data));
                            b"250 queued\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"250 ok\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpSink { port, messages }
    }

    pub fn count(&self) -> usize {
        self.messages.lock().unwrap().len()
    }
}
