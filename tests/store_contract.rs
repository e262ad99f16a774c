//! One contract, every backend: the same suite runs against SQLite, a standalone
//! redis-server, a 3-master Redis Cluster and Redis behind a Sentinel.

mod common;

use common::redis::{Cluster, Sentinel, Standalone};
use musaid::config::{self, Overrides};
use musaid::model::linear::Weights;
use musaid::store::{Count, Key, Learned, Lesson, Store};
use std::time::Duration;

fn open(url: &str, prefix: &str) -> Store {
    let cfg = config::from_str(
        &format!("[store]\nprefix = \"{prefix}\"\ntimeout = \"500ms\"\n"),
        "t.toml",
        &Overrides {
            store: Some(url.into()),
            ..Default::default()
        },
    )
    .unwrap();
    Store::open(&cfg.store)
}

fn count(mailbox: &str, day: &str, category: &str, metric: &str) -> Count {
    Count {
        mailbox: mailbox.into(),
        day: day.into(),
        category: category.into(),
        metric: metric.into(),
        n: 1,
    }
}

const DAY: Duration = Duration::from_secs(86_400);

async fn contract(store: Store) {
    let info = store.check().await.expect("store reachable");
    assert!(!info.version.is_empty());

    // Counters add up per (mailbox, day, category, metric); totals filter by day and mailbox.
    for _ in 0..3 {
        store
            .record(
                vec![
                    count("ceo@example.com", "2026-11-29", "urgent", "received"),
                    count("*", "2026-11-29", "urgent", "received"),
                ],
                DAY,
            )
            .await
            .unwrap();
    }
    store
        .record(
            vec![count(
                "support@example.com",
                "2026-11-30",
                "support",
                "routed",
            )],
            DAY,
        )
        .await
        .unwrap();
    let all = store
        .totals(None, "2026-11-29".into(), "2026-11-30".into())
        .await
        .unwrap();
    let find = |m: &str, metric: &str| {
        all.iter()
            .find(|c| c.mailbox == m && c.metric == metric)
            .map(|c| c.n)
    };
    assert_eq!(find("ceo@example.com", "received"), Some(3));
    assert_eq!(find("*", "received"), Some(3));
    assert_eq!(find("support@example.com", "routed"), Some(1));
    let ceo = store
        .totals(
            Some("ceo@example.com".into()),
            "2026-11-29".into(),
            "2026-11-29".into(),
        )
        .await
        .unwrap();
    assert_eq!(ceo.len(), 1);
    assert!(
        store
            .totals(None, "2026-12-01".into(), "2026-12-31".into())
            .await
            .unwrap()
            .is_empty()
    );

    // Set-if-absent with expiry: once per period.
    let k = Key::mailbox("ceo@example.com", "dedupe:sender-hash");
    assert!(
        store
            .set_if_absent(k.clone(), Duration::from_millis(300))
            .await
            .unwrap()
    );
    assert!(
        !store
            .set_if_absent(k.clone(), Duration::from_millis(300))
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        store
            .set_if_absent(k, Duration::from_millis(300))
            .await
            .unwrap(),
        "the marker expired"
    );

    // Records with a TTL.
    let r = Key::mailbox("ceo@example.com", "track:msgid-hash");
    assert_eq!(store.get(r.clone()).await.unwrap(), None);
    store
        .put(
            r.clone(),
            b"received=1".to_vec(),
            Some(Duration::from_millis(300)),
        )
        .await
        .unwrap();
    assert_eq!(
        store.get(r.clone()).await.unwrap().as_deref(),
        Some(&b"received=1"[..])
    );
    store
        .put(r.clone(), b"received=2".to_vec(), None)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        store.get(r.clone()).await.unwrap().as_deref(),
        Some(&b"received=2"[..]),
        "no TTL: kept"
    );
    assert!(store.delete(r.clone()).await.unwrap());
    assert!(!store.delete(r.clone()).await.unwrap());
    let short = Key::mailbox("ceo@example.com", "short");
    store
        .put(
            short.clone(),
            b"x".to_vec(),
            Some(Duration::from_millis(100)),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert_eq!(store.get(short).await.unwrap(), None, "expired");

    // Time-ordered sets: range queries and an atomic take of what is due.
    let set = Key::mailbox("ceo@example.com", "deadlines");
    store
        .schedule(set.clone(), "b".into(), 2_000)
        .await
        .unwrap();
    store
        .schedule(set.clone(), "a".into(), 1_000)
        .await
        .unwrap();
    store
        .schedule(set.clone(), "c".into(), 3_000)
        .await
        .unwrap();
    store
        .schedule(set.clone(), "b".into(), 2_500)
        .await
        .unwrap(); // moves b
    let range = store.scheduled(set.clone(), 0, 10_000, 10).await.unwrap();
    assert_eq!(
        range,
        vec![
            ("a".into(), 1_000),
            ("b".into(), 2_500),
            ("c".into(), 3_000)
        ]
    );
    assert_eq!(
        store
            .scheduled(set.clone(), 1_500, 2_999, 10)
            .await
            .unwrap(),
        vec![("b".into(), 2_500)]
    );
    assert!(store.unschedule(set.clone(), "c".into()).await.unwrap());
    assert!(!store.unschedule(set.clone(), "c".into()).await.unwrap());
    assert_eq!(
        store.take_due(set.clone(), 2_000, 10).await.unwrap(),
        vec![("a".into(), 1_000)]
    );
    assert!(
        store
            .take_due(set.clone(), 2_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "taken once"
    );
    // Two schedulers taking at once: every member goes to exactly one of them.
    for i in 0..50 {
        store
            .schedule(set.clone(), format!("m{i:02}"), 5_000 + i)
            .await
            .unwrap();
    }
    let (x, y) = tokio::join!(
        store.take_due(set.clone(), 10_000, 30),
        store.take_due(set.clone(), 10_000, 30)
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    let mut taken: Vec<String> = x
        .iter()
        .chain(&y)
        .map(|(m, _)| m.clone())
        .filter(|m| m.starts_with('m'))
        .collect();
    taken.sort();
    taken.dedup();
    assert_eq!(x.len() + y.len(), 51, "b and the 50 others, each once");
    assert_eq!(taken.len(), 50);

    // The durable queue: idempotent enqueue, leases, retry, acknowledge.
    let q = Key::global("outbox");
    assert!(
        store
            .enqueue(q.clone(), "reply-1".into(), b"payload-1".to_vec(), 100)
            .await
            .unwrap()
    );
    assert!(
        !store
            .enqueue(q.clone(), "reply-1".into(), b"other".to_vec(), 100)
            .await
            .unwrap(),
        "same id queued once"
    );
    assert!(
        store
            .enqueue(q.clone(), "reply-2".into(), b"payload-2".to_vec(), 5_000)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim(q.clone(), 50, 1_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "not yet available"
    );
    assert_eq!(store.queue_depth(q.clone()).await.unwrap(), 2);
    let jobs = store.claim(q.clone(), 200, 1_000, 10).await.unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(
        store.queue_depth(q.clone()).await.unwrap(),
        2,
        "a leased job is still in the queue"
    );
    assert_eq!(
        (
            jobs[0].id.as_str(),
            jobs[0].payload.as_slice(),
            jobs[0].attempts
        ),
        ("reply-1", &b"payload-1"[..], 1)
    );
    assert!(
        store
            .claim(q.clone(), 300, 1_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "leased"
    );
    // The worker died: after the lease the job is claimable again.
    let again = store.claim(q.clone(), 1_300, 1_000, 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
    assert!(
        store
            .retry(q.clone(), "reply-1".into(), 10_000)
            .await
            .unwrap()
    );
    let due = store.claim(q.clone(), 6_000, 1_000, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(),
        vec!["reply-2"]
    );
    assert!(store.ack(q.clone(), "reply-2".into()).await.unwrap());
    assert!(!store.ack(q.clone(), "reply-2".into()).await.unwrap());
    assert_eq!(store.queue_depth(q.clone()).await.unwrap(), 1);
    let last = store.claim(q.clone(), 20_000, 1_000, 10).await.unwrap();
    assert_eq!((last.len(), last[0].attempts), (1, 3));
    assert!(store.ack(q.clone(), "reply-1".into()).await.unwrap());
    assert!(
        store
            .claim(q.clone(), 100_000, 1_000, 10)
            .await
            .unwrap()
            .is_empty()
    );

    model_contract(&store).await;

    assert!(store.check().await.unwrap().keys > 0);
}

/// The learned model: the key is set once, a lesson's weight change is added once per
/// message and class (a lesson already recorded changes nothing), weights are signed and a
/// weight back at zero is gone, learned messages are counted per class, forgetting uncounts,
/// pruning drops the features of least weight and keeps the biases.
async fn model_contract(store: &Store) {
    let key = store.model_key([1; 16]).await.unwrap();
    assert_eq!(key, [1; 16], "the first key offered is kept");
    assert_eq!(store.model_key([2; 16]).await.unwrap(), [1; 16]);

    // Weights with `n` for `class` and `-n` for class 1.
    let w = |class: usize, n: i32| -> Weights {
        let mut w = Weights::default();
        w[class] = n;
        w[1] -= n;
        w
    };
    let lesson = |layer: &str, message: u64, class: Option<u8>, features: &[u64], n: i32| Lesson {
        layer: layer.into(),
        message,
        class,
        weights: features
            .iter()
            .map(|&f| (f, w(class.map_or(1, usize::from), n)))
            .collect(),
    };
    let out = store
        .model_learn(vec![
            lesson("*", 1, Some(0), &[0, 10, 11, u64::MAX], 300),
            lesson("*", 2, Some(0), &[10, 12], 200),
            lesson("*", 3, Some(8), &[10, 13], 100),
            lesson("ceo@example.com", 1, Some(7), &[20], 50),
        ])
        .await
        .unwrap();
    assert_eq!(out, vec![Learned::New; 4]);
    // The same message again, under the same class: nothing changes.
    assert_eq!(
        store
            .model_learn(vec![lesson("*", 1, Some(0), &[10, 11, u64::MAX], 300)])
            .await
            .unwrap(),
        vec![Learned::Unchanged]
    );
    let org = store.model_load("*".into()).await.unwrap();
    assert_eq!(org.docs[0], 2);
    assert_eq!(org.docs[8], 1);
    assert_eq!(org.tokens[&10][0], 500);
    assert_eq!(org.tokens[&10][8], 100);
    assert_eq!(org.tokens[&10][1], -600, "weights are signed");
    assert_eq!(org.tokens[&u64::MAX][0], 300, "hashes use all 64 bits");
    assert_eq!(
        org.tokens[&0][0], 300,
        "the bias is a feature like the others"
    );
    let versions = store.model_versions().await.unwrap();
    let layers: Vec<&str> = versions.iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(layers, ["*", "ceo@example.com"]);
    let before = versions[0].1;

    // A reader moves message 1 to junk: its count moves and the new lesson's change is
    // added (here it takes feature 11 back to zero for class 0).
    let mut moved = lesson("*", 1, Some(8), &[11], 40);
    moved.weights[0].1[0] = -300;
    assert_eq!(
        store.model_learn(vec![moved]).await.unwrap(),
        vec![Learned::Moved(0)]
    );
    let org = store.model_load("*".into()).await.unwrap();
    assert_eq!((org.docs[0], org.docs[8]), (1, 2));
    assert_eq!(org.tokens[&11], [0, -340, 0, 0, 0, 0, 0, 0, 40]);
    assert!(store.model_versions().await.unwrap()[0].1 > before);

    // Forgetting uncounts the message and adds its change; forgetting twice changes nothing.
    let mut forget = lesson("*", 3, None, &[13], 0);
    forget.weights[0].1 = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    forget.weights[0].1[8] = -100;
    forget.weights[0].1[1] = 100;
    assert_eq!(
        store.model_learn(vec![forget.clone()]).await.unwrap(),
        vec![Learned::Forgotten(8)]
    );
    assert_eq!(
        store.model_learn(vec![forget]).await.unwrap(),
        vec![Learned::Unknown]
    );
    let org = store.model_load("*".into()).await.unwrap();
    assert_eq!(org.docs[8], 1);
    assert!(!org.tokens.contains_key(&13), "all back at zero: gone");
    assert_eq!(org.tokens[&10][8], 100);

    // Pruning keeps the features of most weight, and the biases.
    assert!(store.model_prune("*".into(), 2).await.unwrap() > 0);
    let org = store.model_load("*".into()).await.unwrap();
    let mut kept: Vec<u64> = org.tokens.keys().copied().collect();
    kept.sort_unstable();
    assert_eq!(kept, [0, 10]);
    let mine = store.model_load("ceo@example.com".into()).await.unwrap();
    assert_eq!(mine.tokens[&20][7], 50, "layers are apart");
}

#[tokio::test]
async fn sqlite_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    contract(open(
        &format!("sqlite:{}", dir.path().join("m.db").display()),
        "t:",
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_standalone_keeps_the_contract() {
    let redis = Standalone::start();
    contract(open(&redis.url(), "t1:")).await;
    // Keys live under the prefix, with the mailbox as hash tag.
    let keys = redis.server.cli(&["--scan", "--pattern", "t1:*"]);
    assert!(
        keys.contains("t1:{ceo@example.com}:counters:2026-11-29"),
        "{keys}"
    );
    assert!(keys.contains("t1:{*}:counters:2026-11-29"), "{keys}");
    assert!(keys.contains("t1:{global}:mailboxes"), "{keys}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_cluster_keeps_the_contract() {
    let cluster = Cluster::start();
    contract(open(&cluster.url(), "t2:")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_sentinel_keeps_the_contract() {
    let sentinel = Sentinel::start();
    contract(open(&sentinel.url(), "t3:")).await;
}

/// `musaid store check` on a reachable and an unreachable store.
#[test]
fn store_check_command() {
    let bin = env!("CARGO_BIN_EXE_musaid");
    let redis = Standalone::start();
    let out = std::process::Command::new(bin)
        .args(["--store", &redis.url(), "store", "check"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("backend:  redis 7") || text.contains("backend:  redis "),
        "{text}"
    );
    assert!(text.contains("mode:     standalone"), "{text}");
    assert!(text.contains("latency:"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("m.db").display());
    let out = std::process::Command::new(bin)
        .args(["--store", &db, "store", "check"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("mode:     embedded"));

    // Nothing listens on port 1: a clear error naming the store, no password shown, exit 1.
    let out = std::process::Command::new(bin)
        .args([
            "--store",
            "redis://:hunter2@127.0.0.1:1/0",
            "store",
            "check",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("cannot use the store redis://:***@127.0.0.1:1/0"),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "{err}");
}
