//! Cleanup through the milter: list memory, one-click unsubscribe (RFC 8058) against an HTTP
//! server on loopback, mailto unsubscribes through the outbox, black holes with their grace
//! period, non-compliant lists, subaddress filing, and the Sieve script (compiled by sievec).

mod common;

use common::*;
use indymilter_test::Status;
use musaid::cleanup::lists::{OneClick, one_click};
use musaid::message::ParsedMessage;
use musaid::store::Store;

const DAY_MS: i64 = 86_400_000;

fn config(extra: &str) -> String {
    format!(
        r#"
[store]
timeout = "5s"

[outbox]
relay = "smtp://127.0.0.1:1"
retry_after = "1s"

[autoreply]
trusted_authserv_ids = ["mx.example.com"]

[folders]
newsletter = "Newsletters"
promotional = "Promotions"

[[mailbox]]
address = "ceo@example.com"
{extra}
"#
    )
}

fn parse(raw: &str) -> ParsedMessage {
    ParsedMessage::parse(raw.as_bytes(), raw.len(), false)
}

/// A newsletter as a list that does everything right sends it: DKIM covers both unsubscribe
/// headers, and the receiving MX (mx.example.com) says the signature passed.
fn newsletter(id: &str, url: &str, auth: &str) -> String {
    format!(
        "Authentication-Results: mx.example.com;\r\n\tdkim=pass header.d=news.example.net header.s=s1;\r\n\tspf=pass smtp.mailfrom=bounce@news.example.net\r\n\
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=news.example.net; s=s1;\r\n\th=From:To:Subject:Date:List-Unsubscribe:List-Unsubscribe-Post;\r\n\tbh=abc=; b=def=\r\n\
From: Example News <letter@news.example.net>\r\nTo: ceo@example.com\r\nSubject: This week at Example\r\nMessage-ID: <{id}@news.example.net>\r\n\
List-Id: Example weekly <weekly.news.example.net>\r\nList-Unsubscribe: <{url}>, <mailto:leave@news.example.net?subject=unsubscribe>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\nPrecedence: bulk\r\n{auth}\r\nNews of the week.\r\n"
    )
}

fn env() -> Env<'static> {
    Env {
        from: "bounce@news.example.net",
        rcpts: vec!["ceo@example.com"],
        auth: None,
        queue_id: "IN",
    }
}

#[test]
fn one_click_needs_a_passing_dkim_signature_over_both_headers() {
    let trusted = vec!["mx.example.com".to_string()];
    let good = newsletter("a", "https://news.example.net/u?x=1", "");
    assert_eq!(one_click(&parse(&good), &trusted), OneClick::Eligible);
    // The same message judged by a host we do not trust: not verified.
    assert_eq!(
        one_click(&parse(&good), &["mx.other.example".into()]),
        OneClick::NotVerified
    );
    // The signature failed.
    let failed = good.replace("dkim=pass header.d=news", "dkim=fail header.d=news");
    assert_eq!(one_click(&parse(&failed), &trusted), OneClick::NotVerified);
    // h= omits List-Unsubscribe-Post.
    let partial = good.replace(
        ":List-Unsubscribe:List-Unsubscribe-Post;",
        ":List-Unsubscribe;",
    );
    assert_eq!(one_click(&parse(&partial), &trusted), OneClick::NotCovered);
    // Only an http link.
    let plain = newsletter("a", "http://news.example.net/u", "");
    assert_eq!(one_click(&parse(&plain), &trusted), OneClick::NoHttpsUri);

    // Real messages: a newsletter whose h= omits List-Unsubscribe-Post, and a list without it.
    let read = |p: &str| {
        let raw = std::fs::read(corpus_dir().join(p)).unwrap();
        ParsedMessage::parse(&raw, raw.len(), false)
    };
    let any = vec!["mx2.example.org".to_string(), "mx1.example.org".to_string()];
    assert_eq!(
        one_click(&read("mail-parser/resources/sieve/html.eml"), &any),
        OneClick::NotCovered
    );
    assert_eq!(
        one_click(&read("mail-parser/resources/sieve/headers.eml"), &any),
        OneClick::NoPostHeader
    );
}

#[test]
fn list_mail_in_the_corpus() {
    // Every corpus message with list headers: how many lists, how many offer one-click
    // unsubscribe that is safe to use (trusting every authserv-id the corpus names).
    let mut lists = std::collections::BTreeMap::new();
    for path in corpus_messages() {
        let raw = std::fs::read(&path).unwrap();
        let m = ParsedMessage::parse(&raw, raw.len(), false);
        if m.list_id.is_none() && m.list_unsubscribe.is_none() {
            continue;
        }
        let trusted: Vec<String> = m
            .authentication_results
            .iter()
            .filter_map(|h| h.split(';').next())
            .map(|id| id.trim().to_string())
            .collect();
        let verdict = one_click(&m, &trusted);
        lists
            .entry(musaid::message::header::list_name(&m))
            .or_insert_with(Vec::new)
            .push(verdict);
    }
    let eligible = lists
        .values()
        .filter(|v| v.contains(&OneClick::Eligible))
        .count();
    let mut reasons = std::collections::BTreeMap::new();
    for v in lists.values().flatten() {
        *reasons.entry(v.name()).or_insert(0) += 1;
    }
    println!(
        "corpus list mail: {} lists recognised, {eligible} with safe one-click unsubscribe; verdicts per message: {reasons:?}",
        lists.len()
    );
    assert!(lists.len() >= 20, "{}", lists.len());
    assert_eq!(
        eligible, 0,
        "no corpus list signs List-Unsubscribe-Post with a verified DKIM"
    );
}

async fn store_at(dir: &std::path::Path) -> (String, Store) {
    let url = format!("sqlite:{}", dir.join("musaid.db").display());
    let cfg = musaid::config::from_str(
        &format!("[store]\nurl = \"{url}\"\n"),
        "t.toml",
        &Default::default(),
    )
    .unwrap();
    (url, Store::open(&cfg.store))
}

#[tokio::test]
async fn one_click_unsubscribe_posts_exactly_rfc_8058_and_records_the_outcome() {
    let m = Milter::start(&config("")).await;
    let ok = HttpSink::start(vec![200]).await;
    let (a, st) = send_one(
        &m,
        &env(),
        newsletter("n1", &ok.url.replace("http://", "https://"), "").as_bytes(),
    )
    .await;
    assert_eq!(st, Status::Accept);
    assert_eq!(
        added(&a, "X-Musaid-Category").as_deref(),
        Some("newsletter")
    );
    let store = m.store();
    let cfg = m.running.shared.config.load_full();
    let record =
        musaid::cleanup::edge::get_list(&store, "ceo@example.com", "weekly.news.example.net")
            .await
            .unwrap()
            .expect("the list is remembered");
    assert_eq!(record.one_click, OneClick::Eligible);
    assert_eq!(record.sender, "letter@news.example.net");
    assert_eq!(record.volume, 1);

    let now = chrono::Utc::now();
    let dry = musaid::cleanup::edge::unsubscribe(
        &store,
        &cfg,
        "ceo@example.com",
        "weekly.news.example.net",
        true,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (dry.method.as_str(), dry.outcome.as_str()),
        ("one-click", "dry-run")
    );
    assert!(dry.detail.contains("https://"), "{}", dry.detail);

    // The POST itself, against the test server (plain HTTP on loopback).
    let (outcome, _) =
        musaid::cleanup::edge::post_one_click(&ok.url, musaid::outbox::http::Reach::Any).await;
    assert_eq!(outcome, "accepted");
    let req = ok.requests.lock().unwrap()[0].clone();
    assert!(req.head.starts_with("POST /hook HTTP/1.1"), "{}", req.head);
    let head = req.head.to_ascii_lowercase();
    assert!(
        head.contains("content-type: application/x-www-form-urlencoded"),
        "{head}"
    );
    assert!(
        !head.contains("cookie:") && !head.contains("authorization:"),
        "{head}"
    );
    assert_eq!(req.body, b"List-Unsubscribe=One-Click");
    // A redirect is not followed (nor its cookie kept); a server that never answers times out.
    for (status, want) in [(302u16, "redirected"), (0, "timeout")] {
        let sink = HttpSink::start(vec![status]).await;
        let (outcome, detail) =
            musaid::cleanup::edge::post_one_click(&sink.url, musaid::outbox::http::Reach::Any)
                .await;
        assert_eq!(outcome, want, "{detail}");
        assert_eq!(
            sink.requests.lock().unwrap().len(),
            1,
            "{want}: one request, nothing followed"
        );
    }
    let after = record;

    // Without a verified signature, the mailto address is used, from the mailbox itself.
    let mut r = after.clone();
    r.one_click = OneClick::NotVerified;
    musaid::cleanup::edge::put_list(
        &store,
        "ceo@example.com",
        &r,
        std::time::Duration::from_secs(3600),
    )
    .await
    .unwrap();
    let report = musaid::cleanup::edge::unsubscribe(
        &store,
        &cfg,
        "ceo@example.com",
        "weekly.news.example.net",
        false,
        now,
    )
    .await
    .unwrap();
    assert_eq!(
        (report.method.as_str(), report.outcome.as_str()),
        ("mailto", "queued"),
        "{report:?}"
    );
    let job = queued(&store, now.timestamp_millis() + 3_600_000, "unsubscribe")
        .await
        .into_iter()
        .next()
        .expect("a mailto unsubscribe in the outbox");
    assert_eq!(job.to, vec!["leave@news.example.net"]);
    assert_eq!(job.from, "ceo@example.com");
    assert!(
        job.message.contains("Subject: unsubscribe"),
        "{}",
        job.message
    );
    let u = musaid::cleanup::edge::get_list(&store, "ceo@example.com", "weekly.news.example.net")
        .await
        .unwrap()
        .unwrap()
        .unsubscribed
        .expect("the outcome is recorded");
    assert_eq!(
        (u.method.as_str(), u.outcome.as_str()),
        ("mailto", "queued")
    );

    // An unknown list is explained, not guessed.
    let report = musaid::cleanup::edge::unsubscribe(
        &store,
        &cfg,
        "ceo@example.com",
        "nothing.example",
        false,
        now,
    )
    .await
    .unwrap();
    assert_eq!(report.outcome, "unknown-list");
    m.stop().await;
}

#[tokio::test]
async fn black_holes_file_during_the_grace_period_then_drop() {
    let dir = tempfile::tempdir().unwrap();
    let (url, store) = store_at(dir.path()).await;
    let now = chrono::Utc::now().timestamp_millis();
    // Added just now: still in its grace period. Added eight days ago: active.
    musaid::cleanup::edge::add_blackhole(&store, "ceo@example.com", "weekly.news.example.net", now)
        .await
        .unwrap();
    musaid::cleanup::edge::add_blackhole(
        &store,
        "ceo@example.com",
        "deals@shop.example",
        now - 8 * DAY_MS,
    )
    .await
    .unwrap();
    drop(store);
    let m = Milter::start_with(
        &config("blackhole = [\"spam-ish.example\"]"),
        Some(url),
        dir,
    )
    .await;
    // The snapshot is read when the worker starts.
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;

    let (a, st) = send_one(
        &m,
        &env(),
        newsletter("g1", "https://news.example.net/u", "").as_bytes(),
    )
    .await;
    assert_eq!(st, Status::Accept);
    assert_eq!(added(&a, "X-Musaid-Folder").as_deref(), Some("Black hole"));

    let promo = |id: &str, to: &str| {
        format!(
            "From: Deals <deals@shop.example>\r\nTo: {to}\r\nSubject: 50% off everything\r\nMessage-ID: <{id}@shop.example>\r\nList-Unsubscribe: <mailto:u@shop.example>\r\n\r\nBuy now.\r\n"
        )
    };
    let shop = Env {
        from: "deals@shop.example",
        rcpts: vec!["ceo@example.com"],
        auth: None,
        queue_id: "P",
    };
    let (_, st) = send_one(&m, &shop, promo("p1", "ceo@example.com").as_bytes()).await;
    assert_eq!(st, Status::Discard, "past the grace period: dropped");
    // Sent to someone else too: only the black-holing mailbox is taken off.
    let both = Env {
        from: "deals@shop.example",
        rcpts: vec!["ceo@example.com", "cfo@example.com"],
        auth: None,
        queue_id: "P2",
    };
    let (a, st) = send_one(
        &m,
        &both,
        promo("p2", "ceo@example.com, cfo@example.com").as_bytes(),
    )
    .await;
    assert_eq!(st, Status::Accept);
    assert_eq!(
        deleted_recipients(&a),
        vec!["<ceo@example.com>".to_string()]
    );

    // A configured entry starts its grace period when musaid first loads it.
    let other = Env {
        from: "x@spam-ish.example",
        rcpts: vec!["ceo@example.com"],
        auth: None,
        queue_id: "S",
    };
    let (a, _) = send_one(
        &m,
        &other,
        b"From: x@spam-ish.example\r\nTo: ceo@example.com\r\nSubject: hello\r\n\r\nhi\r\n",
    )
    .await;
    assert_eq!(added(&a, "X-Musaid-Folder").as_deref(), Some("Black hole"));

    let store = m.store();
    let today = chrono::Utc::now().date_naive().to_string();
    let n = async |metric: &str| counted(&store, "ceo@example.com", &today, metric).await;
    assert_eq!(n("blackhole-dropped").await, 2);
    assert_eq!(n("blackhole-filed").await, 2);
    assert_eq!(
        n("blackholed:deals@shop.example").await,
        2,
        "the digest can say what was dropped"
    );
    m.stop().await;
}

#[tokio::test]
async fn a_list_that_keeps_sending_after_unsubscribing_is_noncompliant_and_black_holed() {
    let m = Milter::start(&config("").replace(
        "[folders]",
        "[cleanup]\nblackhole_noncompliant = true\n\n[folders]",
    ))
    .await;
    send_one(
        &m,
        &env(),
        newsletter("c1", "https://news.example.net/u", "").as_bytes(),
    )
    .await;
    let store = m.store();
    let mut r =
        musaid::cleanup::edge::get_list(&store, "ceo@example.com", "weekly.news.example.net")
            .await
            .unwrap()
            .unwrap();
    // Unsubscribed three days ago (the grace is two days).
    r.unsubscribed = Some(musaid::cleanup::lists::Unsubscribed {
        at: chrono::Utc::now().timestamp_millis() - 3 * DAY_MS,
        method: "one-click".into(),
        outcome: "accepted".into(),
    });
    musaid::cleanup::edge::put_list(
        &store,
        "ceo@example.com",
        &r,
        std::time::Duration::from_secs(3600),
    )
    .await
    .unwrap();
    send_one(
        &m,
        &env(),
        newsletter("c2", "https://news.example.net/u", "").as_bytes(),
    )
    .await;
    let r = musaid::cleanup::edge::get_list(&store, "ceo@example.com", "weekly.news.example.net")
        .await
        .unwrap()
        .unwrap();
    assert!(r.noncompliant);
    assert_eq!(r.volume, 2);
    let holes = musaid::cleanup::edge::blackholes(&store, "ceo@example.com")
        .await
        .unwrap();
    assert_eq!(
        holes.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>(),
        vec!["weekly.news.example.net"]
    );
    m.stop().await;
}

#[tokio::test]
async fn automatic_unsubscribe_on_the_first_message_and_subaddress_filing() {
    let m = Milter::start(
        &config("auto_unsubscribe = [\"weekly.news.example.net\"]")
            .replace("[folders]", "[cleanup]\nsubaddress = true\n\n[folders]"),
    )
    .await;
    let url = "https://news.example.net/leave?u=7";
    let (a, st) = send_one(&m, &env(), newsletter("s1", url, "").as_bytes()).await;
    assert_eq!(st, Status::Accept);
    // Filed by subaddress: ceo@ becomes ceo+Newsletters@.
    assert_eq!(
        deleted_recipients(&a),
        vec!["<ceo@example.com>".to_string()]
    );
    assert_eq!(
        added_recipients(&a),
        vec!["<ceo+Newsletters@example.com>".to_string()]
    );
    let store = m.store();
    let r = musaid::cleanup::edge::get_list(&store, "ceo@example.com", "weekly.news.example.net")
        .await
        .unwrap()
        .unwrap();
    let u = r.unsubscribed.expect("unsubscribed automatically");
    assert_eq!(
        (u.method.as_str(), u.outcome.as_str()),
        ("one-click", "queued")
    );
    // The POST waits in the outbox, as RFC 8058 wants it.
    let jobs = queued(&store, musaid::store::now_ms() + 3_600_000, "unsubscribe").await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].webhook.as_deref(), Some(url));
    assert_eq!(
        jobs[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(jobs[0].message, "List-Unsubscribe=One-Click");
    // A second message is filed the same way and does not unsubscribe again.
    let (a, _) = send_one(&m, &env(), newsletter("s2", url, "").as_bytes()).await;
    assert_eq!(
        added_recipients(&a),
        vec!["<ceo+Newsletters@example.com>".to_string()]
    );
    let r = musaid::cleanup::edge::get_list(&store, "ceo@example.com", "weekly.news.example.net")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.volume, 2);
    assert_eq!(r.unsubscribed.map(|x| x.at), Some(u.at));
    m.stop().await;
}

#[test]
fn the_sieve_script_compiles_with_sievec() {
    let cfg = musaid::config::from_str(
        "[folders]\nnewsletter = \"Newsletters\"\npromotional = \"العروض\"\n\n[[mailbox]]\naddress = \"ceo@example.com\"\n\n[[rule]]\nname = \"board\"\nwhen.sender = \"*@board.example.net\"\nthen = { folder = \"Board \\\"minutes\\\"\" }\n",
        "t.toml",
        &Default::default(),
    )
    .unwrap();
    let script = musaid::cleanup::sieve::script(&cfg, Some("ceo@example.com"));
    for folder in [
        "Newsletters",
        "العروض",
        "Black hole",
        "Trash",
        "Drafts",
        "Board \\\"minutes\\\"",
    ] {
        assert!(
            script.contains(&format!("fileinto :create \"{folder}\"")),
            "{folder}\n{script}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("musaid.sieve");
    std::fs::write(&path, &script).unwrap();
    let out = std::process::Command::new("sievec")
        .arg(&path)
        .output()
        .expect("sievec (Debian's dovecot-sieve; scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "sievec rejected the script: {}\n{script}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("musaid.svbin").exists());
}

#[tokio::test]
async fn the_list_memory_knows_when_the_owner_wrote_to_the_sender() {
    let m = Milter::start(&config("")).await;
    // The owner writes to the newsletter's sender (submission, SMTP AUTH).
    let out = Env {
        from: "ceo@example.com",
        rcpts: vec!["letter@news.example.net"],
        auth: Some("ceo"),
        queue_id: "OUT",
    };
    let raw = b"From: ceo@example.com\r\nTo: letter@news.example.net\r\nSubject: Question about your article\r\n\r\nHello.\r\n";
    let (_, st) = send_one(&m, &out, raw).await;
    assert_eq!(st, Status::Accept);
    send_one(
        &m,
        &env(),
        newsletter("w1", "https://news.example.net/u", "").as_bytes(),
    )
    .await;
    let r =
        musaid::cleanup::edge::get_list(&m.store(), "ceo@example.com", "weekly.news.example.net")
            .await
            .unwrap()
            .unwrap();
    assert!(r.owner_wrote, "{r:?}");
    m.stop().await;
}
