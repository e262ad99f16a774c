//! Reply tracking through the milter: an inbound urgent message is remembered; the owner's
//! reply (submitted with SMTP AUTH) answers it once, and the response time is stored.

mod common;

use common::*;
use indymilter_test::Status;
use musaid::escalation::tracking::{response_times_key, summary, wall_times_key};

const CONFIG: &str = r#"
[store]
timeout = "5s"

[[mailbox]]
address = "ceo@example.com"
delegate = "assistant@example.com"
time_zone = "UTC"
working_hours = "00:00-24:00"
working_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
"#;

fn inbound(id: &str, subject: &str) -> Vec<u8> {
    format!("From: Board <chair@board.example.net>\r\nTo: ceo@example.com\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n\r\nCould you please approve this today?\r\n").into_bytes()
}

fn reply(from: &str, to_id: &str, extra: &str) -> Vec<u8> {
    format!("From: {from}\r\nTo: chair@board.example.net\r\nSubject: Re: budget\r\nIn-Reply-To: <{to_id}>\r\nReferences: <{to_id}>\r\n{extra}\r\nApproved.\r\n").into_bytes()
}

/// Mail from the board to the CEO, as it arrives on port 25.
async fn receive(m: &Milter, id: &str, subject: &str) -> (indymilter_test::EomActions, Status) {
    let e = Env {
        from: "chair@board.example.net",
        rcpts: vec!["ceo@example.com"],
        auth: None,
        queue_id: "IN",
    };
    send_one(m, &e, &inbound(id, subject)).await
}

/// A reply to message `to_id`, submitted with SMTP AUTH by `user` (`user@example.com`).
async fn answer(
    m: &Milter,
    user: &str,
    to_id: &str,
    extra: &str,
) -> (indymilter_test::EomActions, Status) {
    let from = format!("{user}@example.com");
    let e = Env {
        from: &from,
        rcpts: vec!["chair@board.example.net"],
        auth: Some(user),
        queue_id: "OUT",
    };
    send_one(m, &e, &reply(&from, to_id, extra)).await
}

/// Today's count of `metric` for ceo@example.com.
async fn count(store: &musaid::store::Store, metric: &str) -> u64 {
    let today = chrono::Utc::now().date_naive().to_string();
    counted(store, "ceo@example.com", &today, metric).await
}

/// Waits (up to 6 s) until `metric` is counted at least once; returns the count.
async fn wait_for(store: &musaid::store::Store, metric: &str) -> u64 {
    for _ in 0..60 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let n = count(store, metric).await;
        if n > 0 {
            return n;
        }
    }
    0
}

#[tokio::test]
async fn a_reply_through_submission_is_measured_once() {
    let m = Milter::start(CONFIG).await;
    let (a, st) = receive(&m, "budget-1@board.example.net", "URGENT: budget approval").await;
    assert_eq!(st, Status::Accept);
    assert_eq!(added(&a, "X-Musaid-Category").as_deref(), Some("urgent"));
    // Newsletter-like mail is not tracked: no reply is expected.
    let (_, _) = receive(&m, "fyi-1@board.example.net", "FYI").await;

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // The delegate replies through the submission service (SMTP AUTH).
    let (a, st) = answer(&m, "assistant", "budget-1@board.example.net", "").await;
    assert_eq!(st, Status::Accept);
    assert_eq!(
        added(&a, "X-Musaid-Category"),
        None,
        "outbound mail is not categorised"
    );
    // A second reply to the same message is not counted again; musaid's own auto-replies never.
    answer(&m, "assistant", "budget-1@board.example.net", "").await;
    answer(
        &m,
        "ceo",
        "fyi-1@board.example.net",
        "Auto-Submitted: auto-replied\r\n",
    )
    .await;

    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let store = m.store();
    let business = store
        .scheduled(
            response_times_key("ceo@example.com", &month),
            0,
            i64::MAX,
            100,
        )
        .await
        .unwrap();
    let wall = store
        .scheduled(wall_times_key("ceo@example.com", &month), 0, i64::MAX, 100)
        .await
        .unwrap();
    assert_eq!(business.len(), 1, "{business:?}");
    let measured =
        musaid::escalation::tracking::ResponseTime::parse(&business[0].0, business[0].1).unwrap();
    assert_eq!(measured.category, "urgent");
    assert_eq!(measured.day, chrono::Utc::now().date_naive());
    assert!(
        wall[0].1 >= 1 && business[0].1 >= 1,
        "{wall:?} {business:?}"
    );
    let (n, median, p90) = summary(business.iter().map(|(_, s)| *s).collect()).unwrap();
    assert_eq!(n, 1);
    assert!(median >= 1 && p90 >= median);
    assert_eq!(count(&store, "answered").await, 1);
    m.stop().await;
}

#[tokio::test]
async fn escalation_fires_without_a_reply_and_is_cancelled_by_one() {
    let config = format!(
        "{CONFIG}\n[outbox]\nrelay = \"smtp://127.0.0.1:1\"\n\n[[rule]]\nname = \"escalate-urgent\"\nwhen.category = \"urgent\"\nthen = {{ escalate = {{ to = \"delegate\", if_unanswered_within = \"2s\" }} }}\n"
    );
    let m = Milter::start(&config).await;
    receive(&m, "esc-a@board.example.net", "URGENT: contract").await;
    receive(&m, "esc-b@board.example.net", "URGENT: payroll").await;
    let store = m.store();
    let pending = store
        .scheduled(
            musaid::escalation::pending_key("ceo@example.com"),
            0,
            i64::MAX,
            10,
        )
        .await
        .unwrap();
    assert_eq!(pending.len(), 2, "{pending:?}");
    // The delegate answers b in time: its escalation is cancelled.
    answer(&m, "assistant", "esc-b@board.example.net", "").await;
    // a is not answered: after the deadline the scheduler fires it (once).
    assert_eq!(wait_for(&store, "escalation-fired").await, 1);
    assert_eq!(count(&store, "escalation-cancelled").await, 1);
    assert!(
        store
            .scheduled(
                musaid::escalation::pending_key("ceo@example.com"),
                0,
                i64::MAX,
                10
            )
            .await
            .unwrap()
            .is_empty()
    );
    m.stop().await;
}

#[tokio::test]
async fn one_reminder_lists_exactly_the_unanswered_mail() {
    let config = CONFIG.replace("[store]", "[tracking]\nremind_at = \"00:00\"\nremind_after = \"1s\"\n\n[outbox]\nrelay = \"smtp://127.0.0.1:1\"\n\n[store]");
    let m = Milter::start(&config).await;
    receive(&m, "r-1@board.example.net", "URGENT: sign the lease").await;
    receive(&m, "r-2@board.example.net", "URGENT: approve hires").await;
    // r-2 is answered; r-1 is not.
    answer(&m, "ceo", "r-2@board.example.net", "").await;
    let store = m.store();
    assert_eq!(wait_for(&store, "reminder-sent").await, 1);
    // Still one after more rounds of the scheduler: once a day.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(count(&store, "reminder-sent").await, 1);
    // The list held exactly the unanswered message.
    let unanswered = store
        .scheduled(
            musaid::escalation::tracking::unanswered_key("ceo@example.com"),
            0,
            i64::MAX,
            10,
        )
        .await
        .unwrap();
    assert_eq!(unanswered.len(), 1);
    let record = store
        .get(musaid::escalation::tracking::record_key(
            "ceo@example.com",
            &unanswered[0].0,
        ))
        .await
        .unwrap()
        .unwrap();
    let t: musaid::escalation::tracking::Tracked = serde_json::from_slice(&record).unwrap();
    assert_eq!(t.subject.as_deref(), Some("URGENT: sign the lease"));
    // And the reminder itself (waiting in the outbox: its relay is closed) says the same.
    let job = queued(&store, musaid::store::now_ms() + 3_600_000, "reminder")
        .await
        .into_iter()
        .next()
        .expect("a reminder in the outbox");
    assert_eq!(job.to, vec!["ceo@example.com"]);
    let parsed =
        musaid::message::ParsedMessage::parse(job.message.as_bytes(), job.message.len(), false);
    assert!(parsed.text.contains("sign the lease"), "{}", parsed.text);
    assert!(!parsed.text.contains("approve hires"), "{}", parsed.text);
    assert_eq!(parsed.subject, "Reminder: 1 message without a reply");
    m.stop().await;
}

/// Arabic-Indic digits for the ASCII ones.
fn arabic_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32('٠' as u32 + d).unwrap(),
            None => c,
        })
        .collect()
}

#[tokio::test]
async fn written_deadlines_are_tagged_and_reminded_once_unless_answered() {
    let config = r#"
[store]
timeout = "5s"

[outbox]
relay = "smtp://127.0.0.1:1"

[tracking]
deadline_remind_before = "8h"

[[mailbox]]
address = "ceo@example.com"
language = "ar"
time_zone = "UTC"
working_hours = "09:00-17:00"
working_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
"#;
    let m = Milter::start(config).await;
    let due_day = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive();
    let env = Env {
        from: "legal@partner.example.net",
        rcpts: vec!["ceo@example.com"],
        auth: None,
        queue_id: "IN",
    };
    let mail = |id: &str, subject: &str, body: &str| {
        format!("From: Legal <legal@partner.example.net>\r\nTo: ceo@example.com\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n").into_bytes()
    };
    let english = format!("Please return the signed contract no later than {due_day}.");
    let arabic = format!(
        "نرجو إرسال العقد موقعاً في موعد أقصاه {}",
        arabic_digits(&due_day.to_string())
    );
    let want = format!("{due_day}T17:00:00+00:00");
    for (id, subject, body) in [
        (
            "dl-1@partner.example.net",
            "Signed contract",
            english.as_str(),
        ),
        ("dl-2@partner.example.net", "Signed annex", english.as_str()),
        ("dl-3@partner.example.net", "العقد الموقع", arabic.as_str()),
    ] {
        let (a, st) = send_one(&m, &env, &mail(id, subject, body)).await;
        assert_eq!(st, Status::Accept);
        assert_eq!(
            added(&a, "X-Musaid-Deadline").as_deref(),
            Some(want.as_str()),
            "{subject}"
        );
    }
    // Mail without a deadline gets no header.
    let (a, _) = send_one(
        &m,
        &env,
        &mail(
            "dl-4@partner.example.net",
            "Hello",
            "Written by John on Friday.",
        ),
    )
    .await;
    assert_eq!(added(&a, "X-Musaid-Deadline"), None);
    // The annex is answered: its reminder is cancelled.
    answer(&m, "ceo", "dl-2@partner.example.net", "").await;

    let store = m.store();
    let cfg = m.running.shared.config.load_full();
    // Eight working hours before 17:00 on the day is 09:00; nothing is due before that.
    let at = |h: u32| due_day.and_hms_opt(h, 0, 0).unwrap().and_utc();
    assert_eq!(
        musaid::escalation::reminders::run_deadlines(&store, &cfg, at(8))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        musaid::escalation::reminders::run_deadlines(&store, &cfg, at(9))
            .await
            .unwrap(),
        2
    );
    // Once, however often the scheduler runs.
    assert_eq!(
        musaid::escalation::reminders::run_deadlines(&store, &cfg, at(10))
            .await
            .unwrap(),
        0
    );
    let subjects: Vec<String> = queued(&store, at(10).timestamp_millis(), "deadline-reminder")
        .await
        .into_iter()
        .map(|j| {
            assert_eq!(j.to, vec!["ceo@example.com"]);
            musaid::message::ParsedMessage::parse(j.message.as_bytes(), j.message.len(), false)
                .subject
        })
        .collect();
    // Values inside Arabic text are bidi isolates (FSI … PDI).
    let mut subjects: Vec<String> = subjects
        .iter()
        .map(|s| musaid::locale::without_isolates(s))
        .collect();
    subjects.sort();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects[0].ends_with(": Signed contract"), "{subjects:?}");
    assert!(subjects[1].ends_with(": العقد الموقع"), "{subjects:?}");
    assert!(subjects.iter().all(|s| s.starts_with("تذكير بموعد نهائي")));
    // The deadline is written in Arabic too: day and month names, no English word.
    assert!(
        !subjects[1].chars().any(|c| c.is_ascii_alphabetic()),
        "{subjects:?}"
    );
    m.stop().await;
}

/// Waits (up to 10 s) until `sink` has received `n` requests.
async fn wait_requests(sink: &HttpSink, n: usize) -> usize {
    for _ in 0..100 {
        let got = sink.requests.lock().unwrap().len();
        if got >= n {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    sink.requests.lock().unwrap().len()
}

/// The test config with an outbox retrying after a second and one escalation rule.
fn with_escalation(escalate: &str) -> String {
    format!(
        "{CONFIG}\n[outbox]\nrelay = \"smtp://127.0.0.1:1\"\nretry_after = \"1s\"\n\n[[rule]]\nname = \"urgent-escalates\"\nwhen.category = \"urgent\"\nthen = {{ escalate = {escalate} }}\n"
    )
}

#[tokio::test]
async fn escalations_reach_slack_and_teams_webhooks_and_are_retried() {
    // The Slack-shaped hook fails once (503) before it accepts.
    let slack = HttpSink::start(vec![503]).await;
    let m = Milter::start(&with_escalation(&format!("{{ to = \"{}\" }}", slack.url))).await;
    let (a, st) = receive(&m, "hook-1@board.example.net", "URGENT: wire transfer").await;
    assert_eq!(st, Status::Accept);
    assert_eq!(added(&a, "X-Musaid-Category").as_deref(), Some("urgent"));
    assert_eq!(wait_requests(&slack, 2).await, 2, "one 503, then accepted");
    let bodies = slack.json_bodies();
    assert_eq!(bodies[0], bodies[1], "the retry carries the same notice");
    let text = bodies[1]["text"].as_str().unwrap();
    assert!(
        text.contains("[Escalation] URGENT: wire transfer"),
        "{text}"
    );
    assert!(text.contains("chair@board.example.net"), "{text}");
    assert!(
        !text.contains("approve this today"),
        "no excerpt unless include_excerpt: {text}"
    );
    assert!(
        slack.requests.lock().unwrap()[0]
            .head
            .to_ascii_lowercase()
            .contains("content-type: application/json")
    );
    assert_eq!(wait_for(&m.store(), "outbox-sent:escalation").await, 1);
    m.stop().await;

    // Teams: an Adaptive Card, when no reply came within the deadline; with the excerpt.
    let teams = HttpSink::start(vec![]).await;
    let m = Milter::start(&with_escalation(&format!(
        "{{ to = \"{}\", format = \"teams\", if_unanswered_within = \"1s\", include_excerpt = true }}",
        teams.url
    )))
    .await;
    receive(&m, "hook-2@board.example.net", "URGENT: board minutes").await;
    assert_eq!(wait_requests(&teams, 1).await, 1);
    let card = &teams.json_bodies()[0];
    assert_eq!(card["type"], "message");
    assert_eq!(
        card["attachments"][0]["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let content = &card["attachments"][0]["content"];
    assert_eq!(content["type"], "AdaptiveCard");
    assert_eq!(
        content["body"][0]["text"],
        "[Escalation] URGENT: board minutes"
    );
    let facts = content["body"][2]["facts"].as_array().unwrap();
    assert!(
        facts
            .iter()
            .any(|f| f["title"] == "From" && f["value"] == "chair@board.example.net"),
        "{facts:?}"
    );
    assert!(card.to_string().contains("approve this today"), "{card}");

    // A hook that refuses (404) is not retried: a dead letter at once.
    let gone = HttpSink::start(vec![404]).await;
    let m2 = Milter::start(&with_escalation(&format!("{{ to = \"{}\" }}", gone.url))).await;
    receive(&m2, "hook-3@board.example.net", "URGENT: expenses").await;
    assert_eq!(wait_for(&m2.store(), "outbox-dead:escalation").await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(gone.requests.lock().unwrap().len(), 1);
    m2.stop().await;
    m.stop().await;
}

/// What the shipped `support-desk` rule does to everything sent to support@: category support
/// and an acknowledgement. Only the person's message is waited for and acknowledged; robot
/// mail and an invitation get the category but nobody waits for their reply.
const SUPPORT_DESK: &str = r#"
[store]
timeout = "5s"

[[mailbox]]
address = "support@example.com"
manager = "lead@example.com"
time_zone = "UTC"
working_hours = "00:00-24:00"
working_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[template.support-ack]
subject = { en = "Auto: {subject}" }
body.en = "Thank you, {sender_name}. Your request {reference} was received."

[[rule]]
name = "support-desk"
when.recipient = "support@example.com"
then = { category = "support", autoreply = "support-ack", escalate = { to = "manager", if_unanswered_within = "4h" } }
"#;

#[tokio::test]
async fn robot_mail_a_rule_files_as_support_is_not_waited_for_nor_acknowledged() {
    let m = Milter::start(SUPPORT_DESK).await;
    let today = chrono::Utc::now().date_naive().to_string();
    let messages: [(&str, String); 5] = [
        (
            "noreply@bank.example",
            "From: Bank <noreply@bank.example>\r\nTo: support@example.com\r\nSubject: Your statement is ready\r\nMessage-ID: <st-1@bank.example>\r\n\r\nYour monthly statement is ready. Please sign in to view it.\r\n".into(),
        ),
        (
            "monitor@ops.example",
            "From: Monitoring <monitor@ops.example>\r\nTo: support@example.com\r\nSubject: ALERT: disk full on db1\r\nAuto-Submitted: auto-generated\r\nMessage-ID: <alert-1@ops.example>\r\n\r\nThe disk is 98% full. Please act now.\r\n".into(),
        ),
        (
            "news-bounces@lists.example",
            "From: Vendor News <news@vendor.example>\r\nTo: support@example.com\r\nSubject: Product update\r\nList-Id: <news.vendor.example>\r\nList-Unsubscribe: <mailto:leave@vendor.example>\r\nMessage-ID: <n-1@vendor.example>\r\n\r\nWhat is new this month? Please read on.\r\n".into(),
        ),
        (
            "lina@partner.example.org",
            "From: Lina <lina@partner.example.org>\r\nTo: support@example.com\r\nSubject: Invitation: Support review\r\nMessage-ID: <inv-1@partner.example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n\r\nBEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nPRODID:-//test//EN\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:inv-1@partner.example.org\r\nDTSTART:20301202T100000Z\r\nDTEND:20301202T110000Z\r\nSUMMARY:Support review\r\nORGANIZER:mailto:lina@partner.example.org\r\nATTENDEE:mailto:support@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".into(),
        ),
        (
            "omar@customer.example",
            "From: Omar <omar@customer.example>\r\nTo: support@example.com\r\nSubject: My VPN keeps disconnecting\r\nMessage-ID: <vpn-1@customer.example>\r\n\r\nSince this morning the VPN drops every few minutes. Can you help?\r\n".into(),
        ),
    ];
    for (from, raw) in &messages {
        let env = Env {
            from,
            rcpts: vec!["support@example.com"],
            auth: None,
            queue_id: "SUP",
        };
        let (actions, status) = send_one(&m, &env, raw.as_bytes()).await;
        assert_eq!(status, Status::Accept);
        assert_eq!(
            added(&actions, "X-Musaid-Category").as_deref(),
            Some("support"),
            "the rule still files {from} as support"
        );
    }
    let store = m.store();
    let n = |metric: &'static str| counted(&store, "support@example.com", &today, metric);
    assert_eq!(n("received").await, 5);
    assert_eq!(
        n("tracked").await,
        1,
        "only the person's message waits for a reply"
    );
    assert_eq!(
        n("autoreply-queued").await,
        1,
        "only the person is acknowledged"
    );
    assert_eq!(n("autoreply-refused:robot-sender").await, 1);
    assert_eq!(n("autoreply-refused:auto-submitted").await, 1);
    assert_eq!(n("autoreply-refused:list-header").await, 1);
    assert_eq!(
        n("autoreply-refused:invitation").await,
        1,
        "an invitation is never acknowledged"
    );
    assert_eq!(
        n("escalation-scheduled").await,
        1,
        "only the person's message can go unanswered"
    );
    let waiting = store
        .scheduled(
            musaid::escalation::tracking::unanswered_key("support@example.com"),
            0,
            i64::MAX,
            100,
        )
        .await
        .unwrap();
    assert_eq!(
        waiting.len(),
        1,
        "the digest's unanswered list: {waiting:?}"
    );
    m.stop().await;
}
