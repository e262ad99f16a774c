//! Metrics and health through a running milter: `[metrics] listen` serves Prometheus text at
//! `/metrics` and `/healthz`, fed by real messages over the milter protocol.

mod common;

use common::*;
use indymilter_test::Status;

const CONFIG: &str = r#"
[store]
timeout = "2s"

[metrics]
listen = "127.0.0.1:0"

[[mailbox]]
address = "ceo@example.com"
"#;

async fn get(m: &Milter, path: &str) -> (u16, String) {
    let addr = m.running.metrics.expect("the metrics listener");
    let r = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The value of the sample `name{labels}` (labels in the exposition's order), 0 if absent.
fn sample(text: &str, name_and_labels: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.trim().parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn messages_are_counted_and_health_is_reported() {
    let m = Milter::start(CONFIG).await;
    let (_, before) = get(&m, "/metrics").await;
    let key = "musaid_messages_total{direction=\"inbound\",category=\"urgent\",outcome=\"accept\"}";
    let raw = b"From: Board <chair@board.example.org>\r\nTo: ceo@example.com\r\nSubject: URGENT: sign today\r\n\r\nThe bank needs the signed form before 2pm today, urgent.\r\n";
    for _ in 0..2 {
        let (_, st) = send_one(
            &m,
            &Env::to("chair@board.example.org", "ceo@example.com", "M1"),
            raw,
        )
        .await;
        assert_eq!(st, Status::Accept);
    }
    let (status, after) = get(&m, "/metrics").await;
    assert_eq!(status, 200);
    println!("{after}");
    assert_eq!(sample(&after, key) - sample(&before, key), 2.0, "{after}");
    for family in [
        "# TYPE musaid_end_of_message_seconds histogram",
        "# TYPE musaid_store_seconds histogram",
        "# TYPE musaid_degraded_messages counter",
        "musaid_events_total{event=\"received\"}",
        "musaid_start_time_seconds",
    ] {
        assert!(after.contains(family), "{family} missing:\n{after}");
    }
    // The outbox depth is the store's at the time of the scrape: three replies waiting (due
    // in a day, so the worker leaves them), whichever host queued them.
    let day_ahead = musaid::store::now_ms() + 86_400_000;
    for id in ["a", "b", "c"] {
        m.store()
            .enqueue(
                musaid::outbox::queue(),
                id.into(),
                b"{}".to_vec(),
                day_ahead,
            )
            .await
            .unwrap();
    }
    let (_, scraped) = get(&m, "/metrics").await;
    assert_eq!(sample(&scraped, "musaid_outbox_depth"), 3.0, "{scraped}");
    let (status, body) = get(&m, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    assert_eq!(get(&m, "/nothing").await.0, 404);
    m.stop().await;
}

#[tokio::test]
async fn health_fails_when_the_store_does() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _blocker) = unopenable_sqlite(dir.path());
    let m = Milter::start_with(CONFIG, Some(store), dir).await;
    let (status, body) = get(&m, "/healthz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.starts_with("store sqlite:"), "{body}");
    m.stop().await;
}
