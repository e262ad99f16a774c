//! Mail keeps flowing when Redis goes away: a stream of messages through `musaid serve` on
//! the Redis store while Redis is killed and restarted, and while a Cluster master dies.

mod common;

use common::redis::{Cluster, Standalone};
use common::*;
use indymilter_test::Status;
use std::time::{Duration, Instant};

const CONFIG: &str = "[store]\ntimeout = \"250ms\"\n[[mailbox]]\naddress = \"ceo@example.com\"\n";

fn message(i: usize) -> Vec<u8> {
    format!("From: sender{i}@outside.example\r\nTo: ceo@example.com\r\nSubject: note {i}\r\n\r\nCould you please confirm?\r\n").into_bytes()
}

/// Sends message `i` on a fresh connection; returns whether it was tagged degraded.
async fn one(m: &Milter, i: usize) -> bool {
    let e = Env {
        from: "sender@outside.example",
        rcpts: vec!["ceo@example.com"],
        auth: None,
        queue_id: "FAULT",
    };
    let (actions, status) = send_one(m, &e, &message(i)).await;
    assert_eq!(status, Status::Accept, "message {i} not accepted");
    assert!(
        added(&actions, "X-Musaid-Category").is_some(),
        "message {i} not tagged"
    );
    added(&actions, "X-Musaid-Status").is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_stream_then_restarted() {
    let mut redis = Standalone::start();
    let m = Milter::start_with(CONFIG, Some(redis.url()), tempfile::tempdir().unwrap()).await;
    let (mut degraded, mut sent) = (Vec::new(), 0);
    for i in 0..150 {
        degraded.push(one(&m, i).await);
        sent += 1;
    }
    assert!(degraded.iter().all(|d| !d), "degraded while Redis was up");

    redis.server.kill();
    let down = Instant::now();
    let mut slowest = Duration::ZERO;
    for i in 150..350 {
        let t = Instant::now();
        degraded.push(one(&m, i).await);
        slowest = slowest.max(t.elapsed());
        sent += 1;
    }
    let outage = &degraded[150..350];
    // The first message may pay the timeout; every other one is refused at once by the breaker.
    assert!(
        outage.iter().all(|d| *d),
        "a message handled while Redis was down was not tagged degraded"
    );
    assert!(
        down.elapsed() < Duration::from_secs(20),
        "the outage slowed mail down"
    );

    redis.server.start();
    let back = Instant::now();
    let mut recovered_at = None;
    for i in 350..500 {
        let d = one(&m, i).await;
        degraded.push(d);
        sent += 1;
        if !d && recovered_at.is_none() {
            recovered_at = Some(i);
        }
        if recovered_at.is_none() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let recovered_at = recovered_at.expect("tagging did not resume after Redis came back");
    assert!(
        degraded[recovered_at..].iter().all(|d| !d),
        "degraded again after recovery"
    );
    assert_eq!(sent, 500);

    // Counting resumed too: the restarted (empty) Redis holds the messages after recovery.
    let today = chrono::Utc::now().date_naive();
    let (from, to) = (
        (today - chrono::Duration::days(1)).to_string(),
        (today + chrono::Duration::days(1)).to_string(),
    );
    let rows = m.store().totals(Some("*".into()), from, to).await.unwrap();
    let counted: u64 = rows
        .iter()
        .filter(|r| r.metric == "received")
        .map(|r| r.n)
        .sum();
    assert_eq!(counted as usize, 500 - recovered_at);
    println!(
        "sent 500, delivered 500, degraded {}, tempfailed 0; slowest message while down {:?}; recovered {:?} after restart",
        degraded.iter().filter(|d| **d).count(),
        slowest,
        back.elapsed()
    );
    m.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_master_failover_mid_stream() {
    let mut cluster = Cluster::start_with(1);
    let m = Milter::start_with(CONFIG, Some(cluster.url()), tempfile::tempdir().unwrap()).await;
    for i in 0..100 {
        assert!(!one(&m, i).await, "degraded while the cluster was healthy");
    }
    let victim = cluster.a_master();
    cluster.nodes[victim].kill();
    let mut degraded = 0;
    let mut clean_after = 0;
    let start = Instant::now();
    let mut i = 100;
    // Keep sending until the replica has taken over and tagging is clean for 50 messages.
    while clean_after < 50 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no recovery after the failover"
        );
        if one(&m, i).await {
            degraded += 1;
            clean_after = 0;
            tokio::time::sleep(Duration::from_millis(20)).await;
        } else {
            clean_after += 1;
        }
        i += 1;
    }
    println!(
        "cluster failover: {} messages sent, all delivered, {degraded} degraded during the failover",
        i
    );
    m.stop().await;
}
