//! Milter load generator: replays messages to a milter over the milter protocol, the way an
//! MTA would, from many concurrent connections, and prints throughput and end-of-message
//! latency as one JSON object.
//!
//! ```text
//! cargo run --release --example milter_load -- --addr inet:127.0.0.1:7357 \
//!     --connections 10 --messages 20000 [--per-connection 1] DIR-OR-FILE...
//! ```
//!
//! Messages are read once (every file under the given directories, license files left out),
//! split into headers and body, and sent round-robin. Latency is measured from sending
//! end-of-message to the milter's final reply. Every reply is counted (accept, tempfail,
//! reject, discard, other); a protocol error or a dropped connection is counted as an error,
//! the connection is opened again and the run goes on, so it can be trusted with faults.

#[path = "shared/milter_client.rs"]
mod milter_client;

use clap::Parser;
use indymilter_test::{MacroStage, Status, TestConnection};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

struct Message {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn split(raw: &[u8]) -> Message {
    let (headers, body) = musaid::message::split_for_milter(raw);
    Message {
        headers,
        body: body.to_vec(),
    }
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            let name = e.file_name().unwrap().to_string_lossy().to_string();
            let skip = name == "LICENSES"
                || name.starts_with("LICENSE")
                || name.starts_with("COPYING")
                || name == "MIT-LICENSE"
                || name.ends_with(".md")
                || name.ends_with(".rst")
                || name.ends_with(".ics")
                || name.starts_with('.');
            if !skip {
                collect(&e, out);
            }
        }
    } else if path.is_file() {
        out.push(path.to_path_buf());
    }
}

/// Replays messages to a milter over the milter protocol and prints one JSON object.
#[derive(Parser)]
#[command(name = "milter_load")]
struct Args {
    /// The milter: inet:HOST:PORT or unix:PATH.
    #[arg(long, default_value = "inet:127.0.0.1:7357")]
    addr: String,
    /// Concurrent connections.
    #[arg(long, default_value_t = 10)]
    connections: usize,
    /// Messages to send in all.
    #[arg(long, default_value_t = 10_000)]
    messages: usize,
    /// Messages per connection before it is closed and opened again.
    #[arg(long, default_value_t = 1)]
    per_connection: usize,
    /// Message files, or directories to read every message file from.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
}

/// How one message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Accept,
    Tempfail,
    Reject,
    Discard,
    Other,
    /// A protocol error, a timeout or a dropped connection.
    Error,
}

/// Sends one message; the latency of end-of-message and how it ended.
async fn send(conn: &mut TestConnection, m: &Message, queue_id: &str) -> (Duration, Outcome) {
    async fn steps(
        conn: &mut TestConnection,
        m: &Message,
        queue_id: &str,
    ) -> Result<(Duration, Status), Box<dyn std::error::Error>> {
        conn.mail(["<sender@load.example>"]).await?;
        conn.rcpt(["<ceo@example.com>"]).await?;
        for (n, v) in &m.headers {
            conn.header(n.as_str(), v.as_str()).await?;
        }
        for chunk in m.body.chunks(65535) {
            conn.body(chunk.to_vec()).await?;
        }
        conn.macros(MacroStage::Eom, [("i", queue_id)]).await?;
        let t = Instant::now();
        let (_, status) = conn.eom().await?;
        Ok((t.elapsed(), status))
    }
    match steps(conn, m, queue_id).await {
        Ok((t, status)) => (
            t,
            match status {
                Status::Accept | Status::Continue => Outcome::Accept,
                Status::Tempfail { .. } => Outcome::Tempfail,
                Status::Reject { .. } => Outcome::Reject,
                Status::Discard => Outcome::Discard,
                _ => Outcome::Other,
            },
        ),
        Err(e) => {
            eprintln!("milter_load: {queue_id}: {e}");
            (Duration::ZERO, Outcome::Error)
        }
    }
}

fn main() {
    let args = Args::parse();
    let (addr, connections, messages, per_connection) = (
        args.addr.clone(),
        args.connections.max(1),
        args.messages,
        args.per_connection.max(1),
    );
    let mut files = Vec::new();
    for i in &args.inputs {
        collect(i, &mut files);
    }
    if files.is_empty() {
        eprintln!("milter_load: no message files in the given paths");
        std::process::exit(2);
    }
    let corpus: Arc<Vec<Message>> = Arc::new(
        files
            .iter()
            .filter_map(|f| match std::fs::read(f) {
                Ok(raw) => Some(split(&raw)),
                Err(e) => {
                    eprintln!("milter_load: {}: {e}", f.display());
                    None
                }
            })
            .collect(),
    );
    let bytes: usize = corpus
        .iter()
        .map(|m| {
            m.body.len()
                + m.headers
                    .iter()
                    .map(|(n, v)| n.len() + v.len() + 4)
                    .sum::<usize>()
        })
        .sum();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let results: Vec<(Duration, Outcome)> = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (corpus, next, addr) = (corpus.clone(), next.clone(), addr.clone());
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::new();
                'outer: loop {
                    let mut conn = match milter_client::open(&addr).await {
                        Ok(c) => c,
                        Err(e) => {
                            eprintln!("milter_load: cannot connect: {e}");
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= messages {
                                break;
                            }
                            out.push((Duration::ZERO, Outcome::Error));
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    };
                    if let Err(e) = conn.connect("load.example", ([127, 0, 0, 1], 40000)).await {
                        eprintln!("milter_load: connect stage: {e}");
                        continue;
                    }
                    for _ in 0..per_connection {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= messages {
                            let _ = conn.close().await;
                            break 'outer;
                        }
                        let r = send(&mut conn, &corpus[i % corpus.len()], &format!("L{i}")).await;
                        out.push(r);
                        if r.1 == Outcome::Error {
                            continue 'outer; // the connection is gone: open a new one
                        }
                    }
                    let _ = conn.close().await;
                }
                out
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            match t.await {
                Ok(r) => all.extend(r),
                Err(e) => eprintln!("milter_load: a connection task failed: {e}"),
            }
        }
        all
    });
    let secs = started.elapsed().as_secs_f64();
    let count = |o: Outcome| results.iter().filter(|(_, x)| *x == o).count();
    let mut sorted: Vec<Duration> = results
        .iter()
        .filter(|(_, o)| *o != Outcome::Error)
        .map(|(t, _)| *t)
        .collect();
    sorted.sort();
    let pct = |p: f64| {
        sorted
            .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{{\"addr\":\"{addr}\",\"connections\":{connections},\"per_connection\":{per_connection},\"messages\":{},\"distinct_messages\":{},\"avg_message_bytes\":{},\"seconds\":{secs:.3},\"msgs_per_s\":{:.0},\"eom_p50_ms\":{:.3},\"eom_p99_ms\":{:.3},\"accepted\":{},\"tempfailed\":{},\"rejected\":{},\"discarded\":{},\"other\":{},\"errors\":{}}}",
        sorted.len(),
        corpus.len(),
        bytes / corpus.len().max(1),
        sorted.len() as f64 / secs,
        pct(0.50),
        pct(0.99),
        count(Outcome::Accept),
        count(Outcome::Tempfail),
        count(Outcome::Reject),
        count(Outcome::Discard),
        count(Outcome::Other),
        count(Outcome::Error),
    );
    // Faults are counted, not fatal; a run where nothing got through is a failure.
    if messages > 0 && sorted.is_empty() {
        std::process::exit(1);
    }
}
