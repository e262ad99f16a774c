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
//! end-of-message to the milter's final reply.

use indymilter_test::{MacroStage, TestConnection};
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

async fn open(addr: &str) -> TestConnection {
    let builder = TestConnection::configure().read_timeout(Duration::from_secs(30));
    if let Some(path) = addr.strip_prefix("unix:") {
        builder.open_unix(path).await.expect("connect")
    } else {
        builder
            .open_tcp(addr.strip_prefix("inet:").unwrap_or(addr))
            .await
            .expect("connect")
    }
}

async fn send(conn: &mut TestConnection, m: &Message, queue_id: &str) -> Duration {
    conn.mail(["<sender@load.example>"]).await.unwrap();
    conn.rcpt(["<ceo@example.com>"]).await.unwrap();
    for (n, v) in &m.headers {
        conn.header(n.as_str(), v.as_str()).await.unwrap();
    }
    for chunk in m.body.chunks(65535) {
        conn.body(chunk.to_vec()).await.unwrap();
    }
    conn.macros(MacroStage::Eom, [("i", queue_id)])
        .await
        .unwrap();
    let t = Instant::now();
    conn.eom().await.unwrap();
    t.elapsed()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut addr, mut connections, mut messages, mut per_connection) = (
        "inet:127.0.0.1:7357".to_string(),
        10usize,
        10_000usize,
        1usize,
    );
    let mut inputs = Vec::new();
    while let Some(a) = args.next() {
        let mut value = || args.next().expect("option needs a value");
        match a.as_str() {
            "--addr" => addr = value(),
            "--connections" => connections = value().parse().expect("number"),
            "--messages" => messages = value().parse().expect("number"),
            "--per-connection" => per_connection = value().parse().expect("number"),
            other => inputs.push(PathBuf::from(other)),
        }
    }
    let mut files = Vec::new();
    for i in &inputs {
        collect(i, &mut files);
    }
    assert!(!files.is_empty(), "no message files given");
    let corpus: Arc<Vec<Message>> = Arc::new(
        files
            .iter()
            .map(|f| split(&std::fs::read(f).unwrap()))
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
    let latencies: Vec<Duration> = runtime.block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (corpus, next, addr) = (corpus.clone(), next.clone(), addr.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                'outer: loop {
                    let mut conn = open(&addr).await;
                    conn.connect("load.example", ([127, 0, 0, 1], 40000))
                        .await
                        .unwrap();
                    for _ in 0..per_connection {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= messages {
                            conn.close().await.unwrap();
                            break 'outer;
                        }
                        lat.push(
                            send(&mut conn, &corpus[i % corpus.len()], &format!("L{i}")).await,
                        );
                    }
                    conn.close().await.unwrap();
                }
                lat
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    let secs = started.elapsed().as_secs_f64();
    let mut sorted = latencies;
    sorted.sort();
    let pct = |p: f64| {
        sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)].as_secs_f64() * 1000.0
    };
    println!(
        "{{\"addr\":\"{addr}\",\"connections\":{connections},\"per_connection\":{per_connection},\"messages\":{},\"distinct_messages\":{},\"avg_message_bytes\":{},\"seconds\":{secs:.3},\"msgs_per_s\":{:.0},\"eom_p50_ms\":{:.3},\"eom_p99_ms\":{:.3}}}",
        sorted.len(),
        corpus.len(),
        bytes / corpus.len(),
        sorted.len() as f64 / secs,
        pct(0.50),
        pct(0.99)
    );
}
