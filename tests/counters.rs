//! The counters the digest reads, recorded at the edge of a message through a real milter:
//! an acknowledgement queued, and an escalation fired at once, are counted for the mailbox
//! and for the organisation (they were lost: the edge read the message's counters after
//! they had been handed to the store).

mod common;

use common::*;

const CONFIG: &str = r#"
[store]
timeout = "5s"

[outbox]
relay = "smtp://127.0.0.1:1"
retry_after = "1h"

[[mailbox]]
address = "support@example.com"
autoreply = "ack"

[[mailbox]]
address = "ceo@example.com"
delegate = "assistant@example.com"

[template.ack]
subject = { en = "Auto: {subject}" }
body = { en = "Thank you, your request was received." }

[[rule]]
name = "escalate-outages"
when.all = [{ recipient = "ceo@example.com" }, { subject = "outage" }]
then = { escalate = { to = "delegate" } }
"#;

fn env(to: &'static str) -> Env<'static> {
    Env::to("partner@partner.example.org", to, "CNT")
}

#[tokio::test]
async fn edge_outcomes_are_counted_for_the_mailbox_and_the_organisation() {
    let m = Milter::start(CONFIG).await;
    let store = m.store();
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    send_one(
        &m,
        &env("support@example.com"),
        b"From: partner@partner.example.org\r\nTo: support@example.com\r\nSubject: VPN broken\r\n\r\nThe VPN does not work since this morning.\r\n",
    )
    .await;
    assert_eq!(
        queued(&store, musaid::store::now_ms() + 3_600_000, "autoreply")
            .await
            .len(),
        1
    );
    assert_eq!(
        counted(&store, "support@example.com", &day, "autoreply-queued").await,
        1
    );
    assert_eq!(counted(&store, "*", &day, "autoreply-queued").await, 1);
    // The same sender again within the period: a duplicate, counted as one.
    send_one(
        &m,
        &env("support@example.com"),
        b"From: partner@partner.example.org\r\nTo: support@example.com\r\nSubject: Still broken\r\n\r\nAny news?\r\n",
    )
    .await;
    assert_eq!(
        counted(&store, "support@example.com", &day, "autoreply-duplicate").await,
        1
    );

    send_one(
        &m,
        &env("ceo@example.com"),
        b"From: partner@partner.example.org\r\nTo: ceo@example.com\r\nSubject: Site outage\r\n\r\nThe site is down.\r\n",
    )
    .await;
    assert_eq!(
        counted(&store, "ceo@example.com", &day, "escalation-fired").await,
        1
    );
    assert_eq!(counted(&store, "*", &day, "escalation-fired").await, 1);
    m.stop().await;
}
