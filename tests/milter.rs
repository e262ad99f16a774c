//! Milter-protocol tests: a real musaid listening on 127.0.0.1:0, driven like an MTA.

mod common;

use common::*;
use indymilter_test::{Actions, EomAction, Status, TestConnection};
use std::ffi::CString;

const CONFIG: &str = r#"
[store]
timeout = "5s"

[defaults]
time_zone = "Asia/Riyadh"

[folders]
newsletter = "Newsletters"

[[mailbox]]
address = "ceo@example.com"
delegate = "assistant@example.com"
vip = ["chairman@example.com", "*@board.example.com"]

[[mailbox]]
address = "support@example.com"

[[rule]]
name = "vip-urgent"
when.all = [{ sender = { in = "vip" } }, { text = ["urgent", "عاجل", "اليوم"] }]
then = { category = "urgent", priority = 1 }

[[rule]]
name = "support-desk"
when.recipient = "support@example.com"
then = { category = "support", bcc = "helpdesk@example.com", add_header = { "X-Desk" = "L1" } }

[[rule]]
name = "billing-copy"
when.recipient = "billing@example.com"
then = { add_recipient = "accounting@example.com", subject_prefix = "[BILL] " }

[[rule]]
name = "old-alias"
when.recipient = "old-sales@example.com"
then = { redirect = "crm@example.com" }

[[rule]]
name = "hold-big-zip"
when.attachment = { name = "*.zip" }
then = { quarantine = "zip attachment held for review" }

[[rule]]
name = "no-exe"
when.attachment = { name = "*.exe" }
then = { reject = { code = "550", xcode = "5.7.1", text = "Executables are not accepted here" } }

[[rule]]
name = "tempfail-test"
when.sender = "retry@example.org"
then = { reject = { code = "451", text = "Try again later" } }

[[rule]]
name = "blackhole"
when.sender = "*@spam-forever.example.net"
then = { discard = true }

[[rule]]
name = "audit-only"
mode = "audit"
when.subject = "lottery"
then = { reject = { code = "550", text = "no lotteries" } }
"#;

fn msg(headers: &str, body: &str) -> Vec<u8> {
    format!("{}\r\n\r\n{}", headers.trim().replace('\n', "\r\n"), body).into_bytes()
}

fn env<'a>(from: &'a str, rcpts: &[&'a str]) -> Env<'a> {
    Env {
        from,
        rcpts: rcpts.to_vec(),
        auth: None,
        queue_id: "4XyZ1",
    }
}

fn has_rcpt(actions: &indymilter_test::EomActions, addr: &str) -> bool {
    actions.has_add_recipient(format!("<{addr}>").as_str(), indymilter_test::any())
}

#[tokio::test]
async fn tags_every_inbound_message() {
    let m = Milter::start(CONFIG).await;
    let raw = msg(
        "From: Someone <someone@partner.example.org>\nTo: ceo@example.com\nSubject: Quarterly numbers",
        "Could you please review the attached numbers and confirm?\r\n",
    );
    let (actions, status) = send_one(
        &m,
        &env("someone@partner.example.org", &["ceo@example.com"]),
        &raw,
    )
    .await;
    assert_eq!(status, Status::Accept);
    assert_eq!(
        added(&actions, "X-Musaid-Category").as_deref(),
        Some("important")
    );
    assert_eq!(added(&actions, "X-Musaid-Priority").as_deref(), Some("2"));
    let reason = added(&actions, "X-Musaid-Reason").unwrap();
    assert!(
        reason.contains("direct-to") && reason.contains("request-words"),
        "{reason}"
    );
    assert_eq!(added(&actions, "X-Musaid-Status"), None);
    m.stop().await;
}

#[tokio::test]
async fn vip_arabic_urgent_mail_is_urgent() {
    let m = Milter::start(CONFIG).await;
    let raw = msg(
        "From: =?UTF-8?B?2LHYptmK2LMg2YXYrNmE2LMg2KfZhNil2K/Yp9ix2Kk=?= <chairman@example.com>\nTo: ceo@example.com\nSubject: =?UTF-8?B?2KPZhdixINi52KfYrNmA2YDZhA==?=\nContent-Type: text/plain; charset=utf-8",
        "نحتاج الرد اليوم من فضلك\r\n",
    );
    let (actions, status) =
        send_one(&m, &env("chairman@example.com", &["ceo@example.com"]), &raw).await;
    assert_eq!(status, Status::Accept);
    assert_eq!(
        added(&actions, "X-Musaid-Category").as_deref(),
        Some("urgent")
    );
    assert_eq!(added(&actions, "X-Musaid-Priority").as_deref(), Some("1"));
    assert!(
        added(&actions, "X-Musaid-Reason")
            .unwrap()
            .starts_with("rule:vip-urgent")
    );
    m.stop().await;
}

#[tokio::test]
async fn spoofed_musaid_headers_are_removed() {
    let m = Milter::start(CONFIG).await;
    let raw = msg(
        "From: x@attacker.example\nTo: ceo@example.com\nX-Musaid-Category: urgent\nSubject: hi\nx-musaid-category: urgent\nX-Musaid-Priority: 1",
        "hello\r\n",
    );
    let (actions, _) = send_one(&m, &env("x@attacker.example", &["ceo@example.com"]), &raw).await;
    assert!(actions.has_delete_header("x-musaid-category", 2));
    assert!(actions.has_delete_header("X-Musaid-Category", 1));
    assert!(actions.has_delete_header("X-Musaid-Priority", 1));
    // The second occurrence is deleted before the first, so indices stay valid.
    let deletes: Vec<i32> = actions
        .actions
        .iter()
        .filter_map(|a| match a {
            EomAction::DeleteHeader { name, index }
                if name
                    .to_str()
                    .unwrap()
                    .eq_ignore_ascii_case("x-musaid-category") =>
            {
                Some(*index)
            }
            _ => None,
        })
        .collect();
    assert_eq!(deletes, vec![2, 1]);
    assert_eq!(
        added(&actions, "X-Musaid-Category").as_deref(),
        Some("deferrable")
    );
    m.stop().await;
}

#[tokio::test]
async fn routing_actions_reach_the_mta() {
    let m = Milter::start(CONFIG).await;

    // bcc + header + category from a rule
    let raw = msg(
        "From: c@customer.example\nTo: support@example.com\nSubject: VPN",
        "It does not work\r\n",
    );
    let (a, st) = send_one(
        &m,
        &env("c@customer.example", &["support@example.com"]),
        &raw,
    )
    .await;
    assert_eq!(st, Status::Accept);
    assert!(has_rcpt(&a, "helpdesk@example.com"));
    assert!(a.has_add_header("X-Desk", "L1"));
    assert_eq!(added(&a, "X-Musaid-Category").as_deref(), Some("support"));
    assert_eq!(added(&a, "Cc"), None, "bcc stays invisible");

    // visible copy joins Cc; subject prefix changes the subject in place
    let raw = msg(
        "From: v@vendor.example\nTo: billing@example.com\nCc: other@vendor.example\nSubject: Invoice 42",
        "attached\r\n",
    );
    let (a, _) = send_one(&m, &env("v@vendor.example", &["billing@example.com"]), &raw).await;
    assert!(has_rcpt(&a, "accounting@example.com"));
    assert!(a.has_change_header("Cc", 1, "other@vendor.example, accounting@example.com"));
    assert!(a.has_change_header("Subject", 1, "[BILL] Invoice 42"));

    // redirect replaces the recipients
    let raw = msg(
        "From: p@prospect.example\nTo: old-sales@example.com\nSubject: quote",
        "price?\r\n",
    );
    let (a, _) = send_one(
        &m,
        &env("p@prospect.example", &["old-sales@example.com"]),
        &raw,
    )
    .await;
    assert!(a.has_delete_recipient("<old-sales@example.com>"));
    assert!(has_rcpt(&a, "crm@example.com"));
    m.stop().await;
}

#[tokio::test]
async fn quarantine_reject_tempfail_and_discard() {
    let m = Milter::start(CONFIG).await;
    let attach = |name: &str| {
        msg(
            "From: a@outside.example\nTo: ceo@example.com\nSubject: file\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b",
            &format!(
                "--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n"
            ),
        )
    };
    let (a, st) = send_one(
        &m,
        &env("a@outside.example", &["ceo@example.com"]),
        &attach("files.zip"),
    )
    .await;
    assert_eq!(st, Status::Accept);
    assert!(a.has_quarantine("zip attachment held for review"));

    let (_, st) = send_one(
        &m,
        &env("a@outside.example", &["ceo@example.com"]),
        &attach("setup.exe"),
    )
    .await;
    assert_eq!(
        st,
        Status::Reject {
            message: Some(CString::new("550 5.7.1 Executables are not accepted here").unwrap())
        }
    );

    let raw = msg(
        "From: retry@example.org\nTo: ceo@example.com\nSubject: x",
        "x\r\n",
    );
    let (_, st) = send_one(&m, &env("retry@example.org", &["ceo@example.com"]), &raw).await;
    assert_eq!(
        st,
        Status::Tempfail {
            message: Some(CString::new("451 4.7.1 Try again later").unwrap())
        }
    );

    let raw = msg(
        "From: s@spam-forever.example.net\nTo: ceo@example.com\nSubject: x",
        "x\r\n",
    );
    let (_, st) = send_one(
        &m,
        &env("s@spam-forever.example.net", &["ceo@example.com"]),
        &raw,
    )
    .await;
    assert_eq!(st, Status::Discard);
    m.stop().await;
}

#[tokio::test]
async fn audit_rules_change_nothing() {
    let m = Milter::start(CONFIG).await;
    let raw = msg(
        "From: l@lotto.example\nTo: ceo@example.com\nSubject: You won the lottery",
        "claim now\r\n",
    );
    let (a, st) = send_one(&m, &env("l@lotto.example", &["ceo@example.com"]), &raw).await;
    assert_eq!(st, Status::Accept);
    let reason = added(&a, "X-Musaid-Reason").unwrap();
    assert!(!reason.contains("audit-only"), "{reason}");
    m.stop().await;
}

#[tokio::test]
async fn outbound_mail_is_not_tagged_but_rules_apply() {
    let m = Milter::start(CONFIG).await;
    let raw = msg(
        "From: ceo@example.com\nTo: partner@partner.example.org\nX-Musaid-Category: urgent\nSubject: Re: plan",
        "Agreed.\r\n",
    );
    let e = Env {
        from: "ceo@example.com",
        rcpts: vec!["partner@partner.example.org"],
        auth: Some("ceo"),
        queue_id: "Q1",
    };
    let (a, st) = send_one(&m, &e, &raw).await;
    assert_eq!(st, Status::Accept);
    assert_eq!(added(&a, "X-Musaid-Category"), None);
    assert!(a.has_delete_header("X-Musaid-Category", 1));
    m.stop().await;
}

#[tokio::test]
async fn several_messages_on_one_connection_do_not_mix() {
    let m = Milter::start(CONFIG).await;
    let mut conn = m.connect().await;
    let first = msg(
        "From: a@outside.example\nTo: support@example.com\nSubject: help",
        "login broken\r\n",
    );
    let (a, _) = send(
        &mut conn,
        &env("a@outside.example", &["support@example.com"]),
        &first,
    )
    .await;
    assert!(has_rcpt(&a, "helpdesk@example.com"));
    // An aborted transaction leaves nothing behind.
    conn.mail(["<b@outside.example>"]).await.unwrap();
    conn.rcpt(["<support@example.com>"]).await.unwrap();
    conn.abort().await.unwrap();
    let second = msg(
        "From: b@outside.example\nTo: ceo@example.com\nSubject: hello",
        "just saying hi\r\n",
    );
    let (a, _) = send(
        &mut conn,
        &env("b@outside.example", &["ceo@example.com"]),
        &second,
    )
    .await;
    assert!(!has_rcpt(&a, "helpdesk@example.com"));
    assert_eq!(
        added(&a, "X-Musaid-Category").as_deref(),
        Some("deferrable")
    );
    conn.close().await.unwrap();
    m.stop().await;
}

#[tokio::test]
async fn a_message_larger_than_the_inspection_limit_is_delivered_intact() {
    let config = format!("[milter]\nmax_body_bytes = \"4K\"\n{CONFIG}");
    let m = Milter::start(&config).await;
    let mut body = String::new();
    while body.len() < 300_000 {
        body.push_str("lorem ipsum dolor sit amet, consectetur adipiscing elit\r\n");
    }
    body.push_str("URGENT words after the limit are not seen\r\n");
    let raw = msg(
        "From: big@outside.example\nTo: ceo@example.com\nSubject: big report",
        &body,
    );
    let (a, st) = send_one(&m, &env("big@outside.example", &["ceo@example.com"]), &raw).await;
    assert_eq!(st, Status::Accept);
    assert_eq!(
        added(&a, "X-Musaid-Category").as_deref(),
        Some("deferrable")
    );
    assert!(
        !a.actions
            .iter()
            .any(|x| matches!(x, EomAction::ReplaceBody { .. })),
        "the body is never rewritten"
    );
    m.stop().await;
}

#[tokio::test]
async fn store_unavailable_means_degraded_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    // A file stands where the database directory should be: the store cannot open.
    let (store, blocker) = unopenable_sqlite(dir.path());
    let m = Milter::start_with(CONFIG, Some(store), dir).await;
    let raw = msg(
        "From: a@outside.example\nTo: ceo@example.com\nSubject: hi",
        "hello\r\n",
    );
    for _ in 0..3 {
        let (a, st) = send_one(&m, &env("a@outside.example", &["ceo@example.com"]), &raw).await;
        assert_eq!(st, Status::Accept);
        assert_eq!(added(&a, "X-Musaid-Status").as_deref(), Some("degraded"));
        assert_eq!(
            added(&a, "X-Musaid-Category").as_deref(),
            Some("deferrable")
        );
    }
    // Repair: the store recovers without a restart and tagging is clean again.
    std::fs::remove_file(&blocker).unwrap();
    let mut recovered = false;
    // The bound (60 s) only ends a broken run; the store reopens within a second or two.
    for _ in 0..600 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (a, st) = send_one(&m, &env("a@outside.example", &["ceo@example.com"]), &raw).await;
        assert_eq!(st, Status::Accept);
        if added(&a, "X-Musaid-Status").is_none() {
            recovered = true;
            break;
        }
    }
    assert!(recovered, "the store did not recover");
    m.stop().await;
}

#[tokio::test]
async fn counters_are_recorded_per_mailbox_and_for_the_organisation() {
    let m = Milter::start(CONFIG).await;
    let raw = msg(
        "From: a@outside.example\nTo: support@example.com\nSubject: help",
        "login broken\r\n",
    );
    for _ in 0..3 {
        send_one(
            &m,
            &env("a@outside.example", &["support@example.com"]),
            &raw,
        )
        .await;
    }
    let rows = m
        .store()
        .totals(None, "2000-01-01".into(), "2100-01-01".into())
        .await
        .unwrap();
    let get = |mb: &str, metric: &str| {
        rows.iter()
            .filter(|r| r.mailbox == mb && r.metric == metric && r.category == "support")
            .map(|r| r.n)
            .sum::<u64>()
    };
    assert_eq!(get("support@example.com", "received"), 3);
    assert_eq!(get("*", "received"), 3);
    assert_eq!(get("support@example.com", "routed"), 3);
    m.stop().await;
}

#[tokio::test]
async fn negotiates_only_the_actions_the_rules_need() {
    let m = Milter::start("").await;
    let conn = TestConnection::open(m.addr.as_str()).await.unwrap();
    let actions = conn.negotiated_actions();
    assert!(actions.contains(Actions::ADD_HEADER | Actions::CHANGE_HEADER));
    assert!(!actions.intersects(
        Actions::ADD_RCPT | Actions::DELETE_RCPT | Actions::QUARANTINE | Actions::REPLACE_BODY
    ));
    conn.close().await.unwrap();
    m.stop().await;

    let m = Milter::start(CONFIG).await;
    let conn = TestConnection::open(m.addr.as_str()).await.unwrap();
    let actions = conn.negotiated_actions();
    assert!(actions.contains(Actions::ADD_RCPT | Actions::DELETE_RCPT | Actions::QUARANTINE));
    // Stages without work are negotiated away; the rest are no-reply.
    let opts = conn.negotiated_opts();
    use indymilter_test::ProtoOpts;
    assert!(opts.contains(
        ProtoOpts::NO_HELO | ProtoOpts::NO_DATA | ProtoOpts::NO_EOH | ProtoOpts::NO_UNKNOWN
    ));
    assert!(
        opts.contains(
            ProtoOpts::NOREPLY_HEADER | ProtoOpts::NOREPLY_BODY | ProtoOpts::NOREPLY_RCPT
        )
    );
    conn.close().await.unwrap();
    m.stop().await;
}

#[tokio::test]
async fn a_unix_socket_serves_too() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("musaid.sock");
    let overrides = musaid::config::Overrides {
        listen: Some(format!("unix:{}", sock.display())),
        store: Some(format!("sqlite:{}", dir.path().join("m.db").display())),
        log_level: None,
    };
    let cfg = musaid::config::from_str("[milter]\nsocket_mode = \"0600\"\n", "t.toml", &overrides)
        .unwrap();
    let store = musaid::store::Store::open(&cfg.store);
    let running = musaid::milter::start(cfg, store).await.unwrap();
    let mut conn = indymilter_test::TestConnection::configure()
        .open_unix(&sock)
        .await
        .unwrap();
    conn.connect("localhost", ([127, 0, 0, 1], 1000))
        .await
        .unwrap();
    let raw = msg(
        "From: a@outside.example\nTo: x@example.com\nSubject: hi",
        "hello\r\n",
    );
    let (a, st) = send(
        &mut conn,
        &env("a@outside.example", &["x@example.com"]),
        &raw,
    )
    .await;
    assert_eq!(st, Status::Accept);
    assert!(added(&a, "X-Musaid-Category").is_some());
    conn.close().await.unwrap();
    running.stop().await.unwrap();
    assert!(!sock.exists(), "the socket file is removed at shutdown");
}

#[tokio::test]
async fn observe_mode_tags_and_does_nothing_else() {
    let config = CONFIG.replace(
        "[store]\ntimeout = \"5s\"",
        "[milter]\nmode = \"observe\"\n\n[store]\ntimeout = \"5s\"",
    );
    let m = Milter::start(&config).await;
    // Each of these is acted on when enforcing: a reject, a discard, a quarantine, a redirect,
    // an added recipient with a subject prefix, a BCC.
    let cases: [(&str, &[&str], &str); 6] = [
        (
            "a@outside.example",
            &["ceo@example.com"],
            "Subject: tool\nContent-Type: multipart/mixed; boundary=b",
        ),
        (
            "x@spam-forever.example.net",
            &["ceo@example.com"],
            "Subject: hello",
        ),
        (
            "a@outside.example",
            &["ceo@example.com"],
            "Subject: archive\nContent-Type: multipart/mixed; boundary=b",
        ),
        (
            "a@outside.example",
            &["old-sales@example.com"],
            "Subject: quote",
        ),
        (
            "a@outside.example",
            &["billing@example.com"],
            "Subject: invoice",
        ),
        (
            "a@outside.example",
            &["support@example.com"],
            "Subject: help",
        ),
    ];
    let bodies = [
        "--b\r\nContent-Type: application/octet-stream; name=\"tool.exe\"\r\nContent-Disposition: attachment; filename=\"tool.exe\"\r\n\r\nMZ\r\n--b--\r\n",
        "hello\r\n",
        "--b\r\nContent-Type: application/zip; name=\"a.zip\"\r\nContent-Disposition: attachment; filename=\"a.zip\"\r\n\r\nPK\r\n--b--\r\n",
        "please quote\r\n",
        "invoice attached\r\n",
        "it is broken\r\n",
    ];
    for ((from, rcpts, headers), body) in cases.iter().zip(bodies) {
        let raw = msg(&format!("From: {from}\nTo: {}\n{headers}", rcpts[0]), body);
        let (a, st) = send_one(&m, &env(from, rcpts), &raw).await;
        assert_eq!(st, Status::Accept, "{headers}");
        assert!(
            added(&a, "X-Musaid-Category").is_some(),
            "tagged: {headers}"
        );
        assert!(
            added_recipients(&a).is_empty() && deleted_recipients(&a).is_empty(),
            "{headers}: {:?}",
            a.actions
        );
        assert!(
            !a.actions.iter().any(|x| matches!(
                x,
                EomAction::Quarantine { .. } | EomAction::ChangeHeader { .. }
            )),
            "{headers}: {:?}",
            a.actions
        );
        assert!(added(&a, "Cc").is_none(), "{headers}");
    }
    m.stop().await;
}

#[tokio::test]
async fn a_failing_store_can_tempfail_instead_of_accepting() {
    let dir = tempfile::tempdir().unwrap();
    let (store, blocker) = unopenable_sqlite(dir.path());
    let config = CONFIG.replace(
        "[store]\ntimeout = \"5s\"",
        "[milter]\non_store_error = \"tempfail\"\n\n[store]\ntimeout = \"5s\"",
    );
    let m = Milter::start_with(&config, Some(store), dir).await;
    let raw = msg(
        "From: a@outside.example\nTo: ceo@example.com\nSubject: hi",
        "hello\r\n",
    );
    let (_, st) = send_one(&m, &env("a@outside.example", &["ceo@example.com"]), &raw).await;
    assert!(matches!(st, Status::Tempfail { .. }), "{st:?}");
    // The store back: accepted and tagged as usual.
    std::fs::remove_file(&blocker).unwrap();
    let mut accepted = false;
    // The bound (60 s) only ends a broken run; the store reopens within a second or two.
    for _ in 0..600 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let (_, st) = send_one(&m, &env("a@outside.example", &["ceo@example.com"]), &raw).await;
        if st == Status::Accept {
            accepted = true;
            break;
        }
        assert!(matches!(st, Status::Tempfail { .. }), "{st:?}");
    }
    assert!(accepted, "the store did not recover");
    m.stop().await;
}
