//! Exactly once, with the store failing between two steps: a real Redis whose user loses
//! one command at the chosen moment (`ACL SETUSER default -CMD`), and a real SMTP sink
//! counting what reached the relay. Nothing is lost; nothing is sent twice.

mod common;

use common::redis::Standalone;
use common::*;
use musaid::outbox::{OutboxJob, Worker};
use musaid::store::Store;

fn config(redis: &str, relay_port: u16) -> musaid::config::Config {
    musaid::config::from_str(
        &format!(
            "[store]\nurl = \"{redis}\"\ntimeout = \"2s\"\n\n[outbox]\nrelay = \"smtp://127.0.0.1:{relay_port}\"\nretry_after = \"1s\"\n\n[[mailbox]]\naddress = \"ceo@example.com\"\ndelegate = \"assistant@example.com\"\n"
        ),
        "test.toml",
        &Default::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn notice(id: &str) -> OutboxJob {
    OutboxJob {
        kind: "escalation".into(),
        mailbox: "ceo@example.com".into(),
        from: String::new(),
        to: vec!["assistant@example.com".into()],
        message: format!(
            "From: <ceo@example.com>\r\nTo: <assistant@example.com>\r\nSubject: [Escalation] outage\r\nMessage-ID: <musaid.{id}@example.com>\r\n\r\nNo reply in time.\r\n"
        ),
        created: musaid::store::now_ms(),
        webhook: None,
        content_type: None,
    }
}

fn deny(redis: &Standalone, command: &str) {
    assert_eq!(
        redis
            .server
            .cli(&["ACL", "SETUSER", "default", &format!("-{command}")]),
        "OK"
    );
}

fn allow(redis: &Standalone, command: &str) {
    assert_eq!(
        redis
            .server
            .cli(&["ACL", "SETUSER", "default", &format!("+{command}")]),
        "OK"
    );
}

/// Item 8: `fire_due` took the due escalation off the schedule, then read its notice: a
/// store failure in between lost the escalation (its notice orphaned for 60 days).
#[tokio::test]
async fn an_escalation_survives_a_store_failure_while_it_fires() {
    let redis = Standalone::start();
    let sink = SmtpSink::start().await;
    let cfg = config(&redis.url(), sink.port);
    let store = Store::open(&cfg.store);
    let planned = musaid::escalation::EscalationPlan {
        mailbox: "ceo@example.com".into(),
        member: "m1".into(),
        due_ms: Some(musaid::store::now_ms() - 1000),
        job: notice("esc-m1"),
    };
    musaid::escalation::edge::commit(&store, &planned, std::time::Duration::from_secs(2))
        .await
        .unwrap();
    // The notice cannot be read: the round fails.
    deny(&redis, "get");
    let now = chrono::Utc::now();
    assert!(
        musaid::escalation::edge::fire_due(&store, &cfg, now)
            .await
            .is_err()
    );
    allow(&redis, "get");
    // The next round fires it, once; later rounds find nothing.
    assert_eq!(
        musaid::escalation::edge::fire_due(&store, &cfg, now)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        musaid::escalation::edge::fire_due(&store, &cfg, now)
            .await
            .unwrap(),
        0
    );
    // Failing after queueing and before taking it off the schedule: queued once, fired once.
    let second = musaid::escalation::EscalationPlan {
        member: "m2".into(),
        job: notice("esc-m2"),
        ..planned
    };
    musaid::escalation::edge::commit(&store, &second, std::time::Duration::from_secs(2))
        .await
        .unwrap();
    deny(&redis, "zrem");
    assert!(
        musaid::escalation::edge::fire_due(&store, &cfg, now)
            .await
            .is_err()
    );
    allow(&redis, "zrem");
    assert_eq!(
        musaid::escalation::edge::fire_due(&store, &cfg, now)
            .await
            .unwrap(),
        1
    );
    let worker = Worker::default();
    worker
        .run_once(&store, &cfg.outbox, cfg.retention())
        .await
        .unwrap();
    assert_eq!(sink.count(), 2, "each escalation reached the delegate once");
    let again = musaid::escalation::EscalationPlan {
        member: "m2".into(),
        job: notice("esc-m2"),
        due_ms: Some(musaid::store::now_ms() - 1000),
        mailbox: "ceo@example.com".into(),
    };
    // The same escalation scheduled again after it was sent is not sent again.
    musaid::escalation::edge::commit(&store, &again, std::time::Duration::from_secs(2))
        .await
        .unwrap();
    musaid::escalation::edge::fire_due(&store, &cfg, now)
        .await
        .unwrap();
    worker
        .run_once(&store, &cfg.outbox, cfg.retention())
        .await
        .unwrap();
    assert_eq!(sink.count(), 2);
}

/// Item 9: the relay said 250, then the store failed to record it: the job's lease ran
/// out and the reply was sent a second time.
#[tokio::test]
async fn a_reply_the_relay_accepted_is_not_sent_again_when_the_store_fails() {
    let redis = Standalone::start();
    let sink = SmtpSink::start().await;
    let cfg = config(&redis.url(), sink.port);
    let store = Store::open(&cfg.store);
    musaid::outbox::enqueue(&store, "ack-1", &notice("ack-1"))
        .await
        .unwrap();
    let worker = Worker::default();
    // The acknowledgement script's first command is refused: "sent" cannot be recorded.
    deny(&redis, "zrem");
    assert!(
        worker
            .run_once(&store, &cfg.outbox, cfg.retention())
            .await
            .is_err()
    );
    assert_eq!(sink.count(), 1);
    assert_eq!(worker.unrecorded(), vec!["ack-1".to_string()]);
    // The store is back: the next round records it before claiming anything, and it is
    // never sent again (before, it waited for its lease to end and went a second time).
    allow(&redis, "zrem");
    let round = worker
        .run_once(&store, &cfg.outbox, cfg.retention())
        .await
        .unwrap();
    assert_eq!(round.sent, 1, "recorded late");
    assert_eq!(sink.count(), 1, "and not sent again");
    assert!(worker.unrecorded().is_empty());
    // Queueing it again is refused: it was sent.
    assert!(
        !musaid::outbox::enqueue(&store, "ack-1", &notice("ack-1"))
            .await
            .unwrap()
    );
}

/// Item 10: the database directory removed under a running milter: writes went to deleted
/// files, with no degraded tag and no log line, and a restart began an empty database.
#[tokio::test]
async fn a_removed_database_is_noticed_and_never_silently_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state");
    let db = data.join("musaid.db");
    let m = Milter::start_on(
        "[store]\ntimeout = \"2s\"\n[[mailbox]]\naddress = \"ceo@example.com\"\n",
        &db,
    )
    .await;
    let env = Env::to("a@outside.example", "ceo@example.com", "RM");
    let raw = b"From: a@outside.example\r\nTo: ceo@example.com\r\nSubject: hi\r\n\r\nhello\r\n";
    let (a, _) = send_one(&m, &env, raw).await;
    assert_eq!(added(&a, "X-Musaid-Status"), None);
    assert!(db.exists());
    std::fs::remove_dir_all(&data).unwrap();
    // The writer checks the file it has open at most once a second: poll until it has (the
    // bound only ends a broken run, it is no speed check).
    let mut degraded = false;
    for _ in 0..600 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (a, _) = send_one(&m, &env, raw).await;
        if added(&a, "X-Musaid-Status").as_deref() == Some("degraded") {
            degraded = true;
            break;
        }
    }
    assert!(
        degraded,
        "mail handled after the database vanished must be tagged degraded"
    );
    assert!(
        !db.exists(),
        "no new, empty database may replace the removed one"
    );
    m.stop().await;
}

/// Item 9: after a crash, the jobs the process had claimed waited their whole 120 s lease.
#[tokio::test]
async fn a_restarted_worker_takes_its_own_claims_back_at_once() {
    // A relay that accepts the connection and never answers: the send hangs, and the
    // process "crashes" (its round is dropped) with the job claimed.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("q.db").display());
    let hanging = config(&url, silent_port);
    let store = Store::open(&hanging.store);
    musaid::outbox::enqueue(&store, "ack-9", &notice("ack-9"))
        .await
        .unwrap();
    let before = Worker::new("mx1|inet:127.0.0.1:7357");
    let round = before.run_once(&store, &hanging.outbox, hanging.retention());
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), round)
            .await
            .is_err(),
        "the send hangs"
    );
    drop(before);
    // Restarted (same host and address), with a relay that works: sent in its first round.
    let sink = SmtpSink::start().await;
    let working = config(&url, sink.port);
    let after = Worker::new("mx1|inet:127.0.0.1:7357");
    let round = after
        .run_once(&store, &working.outbox, working.retention())
        .await
        .unwrap();
    assert_eq!(round.sent, 1);
    assert_eq!(sink.count(), 1);
    // Another host does not take this host's claims.
    musaid::outbox::enqueue(&store, "ack-10", &notice("ack-10"))
        .await
        .unwrap();
    let stuck = Worker::new("mx1|inet:127.0.0.1:7357");
    let round = stuck.run_once(&store, &hanging.outbox, hanging.retention());
    let _ = tokio::time::timeout(std::time::Duration::from_millis(500), round).await;
    drop(stuck);
    let other = Worker::new("mx2|inet:127.0.0.1:7357");
    let round = other
        .run_once(&store, &working.outbox, working.retention())
        .await
        .unwrap();
    assert_eq!(round.sent, 0, "its lease has not ended");
}

/// Item 11: SQLite memory-maps its WAL index (PATH-shm); truncated under a running milter,
/// the next access killed the process with SIGBUS (this test process, before the fix).
#[tokio::test]
async fn a_truncated_wal_index_does_not_kill_the_milter() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("musaid.db");
    let m = Milter::start_on(
        "[store]\ntimeout = \"5s\"\n[[mailbox]]\naddress = \"ceo@example.com\"\n",
        &db,
    )
    .await;
    let env = Env::to("a@outside.example", "ceo@example.com", "SHM");
    let raw = b"From: a@outside.example\r\nTo: ceo@example.com\r\nSubject: hi\r\n\r\nhello\r\n";
    for _ in 0..5 {
        send_one(&m, &env, raw).await;
    }
    let shm = dir.path().join("musaid.db-shm");
    assert!(std::fs::metadata(&shm).unwrap().len() > 0);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&shm)
        .unwrap()
        .set_len(0)
        .unwrap();
    for _ in 0..20 {
        let (a, st) = send_one(&m, &env, raw).await;
        assert_eq!(st, indymilter_test::Status::Accept);
        assert!(added(&a, "X-Musaid-Category").is_some());
    }
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(
        counted(&m.store(), "*", &day, "received").await,
        25,
        "nothing lost"
    );
    m.stop().await;
}
