//! The classifier learns: `musaid learn` (files and mbox, forgetting, learning turned off),
//! and milter hosts on one Redis pick up what any of them was taught.

mod common;

use common::redis::Standalone;
use common::*;
use indymilter_test::Status;
use musaid::config::{self, Overrides};
use musaid::learning::edge::{self, Label};
use musaid::message::Envelope;
use std::process::Command;

const CONFIG: &str = "[[mailbox]]\naddress = \"ceo@example.com\"\n";

fn message(id: &str, subject: &str, body: &str) -> String {
    format!(
        "From: Harbour Office <office@kestrel-port.example.net>\r\nTo: ceo@example.com\r\nSubject: {subject}\r\nMessage-ID: <{id}@kestrel-port.example.net>\r\n\r\n{body}\r\n"
    )
}

fn manifest(id: &str, n: u32) -> String {
    message(
        id,
        &format!("Zephyr glossary {n}"),
        "Attached the Zephyr glossary for the Kestrel archive, compiled by Okonkwo from the harbour records.",
    )
}

fn env() -> Env<'static> {
    Env {
        from: "office@kestrel-port.example.net",
        rcpts: vec!["ceo@example.com"],
        auth: None,
        queue_id: "LEARN",
    }
}

fn musaid(config: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_musaid"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn category(stdout: &str) -> (String, Vec<String>) {
    let r: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    (
        r["category"].as_str().unwrap().to_string(),
        r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
    )
}

#[test]
fn musaid_learn_teaches_moves_and_forgets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = d.join("musaid.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"sqlite:{}\"\n{CONFIG}",
            d.join("m.db").display()
        ),
    )
    .unwrap();
    // Three lessons in one mbox file, one more as a single file.
    let mut mbox = String::new();
    for (i, n) in [4471, 4472, 4473].iter().enumerate() {
        mbox.push_str("From office@kestrel-port.example.net Tue Dec  1 09:00:00 2026\n");
        mbox.push_str(&manifest(&format!("m{i}"), *n).replace("\r\n", "\n"));
    }
    std::fs::write(d.join("taught.mbox"), mbox).unwrap();
    std::fs::write(d.join("next.eml"), manifest("next", 4480)).unwrap();
    let next = d.join("next.eml");
    let next = next.to_str().unwrap();

    let (_, out, _) = musaid(
        &config,
        &["classify", "--json", "--rcpt", "ceo@example.com", next],
    );
    let (before, _) = category(&out);
    assert_ne!(before, "urgent");

    let taught = d.join("taught.mbox");
    let taught = taught.to_str().unwrap();
    let (ok, out, err) = musaid(
        &config,
        &[
            "learn",
            "--json",
            "--category",
            "urgent",
            "--mailbox",
            "ceo@example.com",
            taught,
        ],
    );
    assert!(ok, "{err}");
    let summary: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(summary["learned"], 3, "{summary}");
    assert_eq!(summary["layer"], "ceo@example.com");
    let (after, reasons) = category(
        &musaid(
            &config,
            &["classify", "--json", "--rcpt", "ceo@example.com", next],
        )
        .1,
    );
    assert_eq!(after, "urgent", "{reasons:?}");
    assert!(reasons[0].starts_with("model:urgent "), "{reasons:?}");

    // The same messages again: known already. Under another category: moved. Forgotten.
    let summary = |how: &[&str]| -> serde_json::Value {
        let mut args = vec!["learn", "--json", "--mailbox", "ceo@example.com"];
        args.extend_from_slice(how);
        args.push(taught);
        let (ok, out, err) = musaid(&config, &args);
        assert!(ok, "{err}");
        serde_json::from_str(out.trim()).unwrap()
    };
    assert_eq!(summary(&["--category", "urgent"])["unchanged"], 3);
    assert_eq!(summary(&["--category", "important"])["moved"], 3);
    assert_eq!(summary(&["--forget"])["forgotten"], 3);
    let (back, reasons) = category(
        &musaid(
            &config,
            &["classify", "--json", "--rcpt", "ceo@example.com", next],
        )
        .1,
    );
    assert_eq!(back, before, "{reasons:?}");

    // A category that does not exist, and a path that does not: clear errors.
    let (ok, _, err) = musaid(&config, &["learn", "--category", "urgnet", taught]);
    assert!(!ok);
    assert!(
        err.contains("--category: \"urgnet\": not a category"),
        "{err}"
    );
    let (ok, _, err) = musaid(
        &config,
        &["learn", "--category", "urgent", "/nonexistent/x.eml"],
    );
    assert!(!ok);
    assert!(err.contains("/nonexistent/x.eml"), "{err}");

    // Learning turned off: nothing is learned, and the command says so.
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"sqlite:{}\"\n[classifier]\nlearning = false\n{CONFIG}",
            d.join("m.db").display()
        ),
    )
    .unwrap();
    let (ok, _, err) = musaid(&config, &["learn", "--category", "urgent", taught]);
    assert!(!ok);
    assert!(err.contains("learning is turned off"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn milter_hosts_on_one_redis_sort_by_what_any_of_them_learned() {
    let redis = Standalone::start();
    let a = Milter::start_with(CONFIG, Some(redis.url()), tempfile::tempdir().unwrap()).await;
    let b = Milter::start_with(CONFIG, Some(redis.url()), tempfile::tempdir().unwrap()).await;
    let next = manifest("next", 4480);
    let (actions, status) = send_one(&b, &env(), next.as_bytes()).await;
    assert_eq!(status, Status::Accept);
    assert_ne!(
        added(&actions, "X-Musaid-Category").as_deref(),
        Some("urgent")
    );

    // Host A's store is taught (as `musaid learn` or the IMAPSieve scripts would).
    let cfg = config::from_str(CONFIG, "t.toml", &Overrides::default()).unwrap();
    let store = a.store();
    let key = store.model_key(edge::random_key()).await.unwrap();
    let lessons = (0..3)
        .map(|i| {
            let m = manifest(&format!("t{i}"), 4471 + i);
            edge::lesson(
                &cfg,
                key,
                &Envelope::for_file(m.as_bytes(), None, &[]),
                m.as_bytes(),
                &Label::Is(musaid::classify::Category::Urgent),
                musaid::model::ORG_LAYER,
            )
        })
        .collect();
    edge::learn(&store, &cfg, lessons).await.unwrap();

    // Host B reads the new model on its own within its refresh period; the bound is far from
    // any machine's speed.
    let mut seen = None;
    for _ in 0..600 {
        let (actions, _) = send_one(&b, &env(), next.as_bytes()).await;
        if added(&actions, "X-Musaid-Category").as_deref() == Some("urgent") {
            seen = added(&actions, "X-Musaid-Reason");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let reason = seen.expect("host B never sorted by what host A learned");
    assert!(reason.contains("model:urgent"), "{reason}");
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn with_the_model_off_the_weight_table_alone_decides() {
    // A promotion that shouts "URGENT: last chance" from a bulk mailer.
    let raw = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/labelled/messages/dev-006.eml"),
    )
    .unwrap();
    let off = Milter::start(&format!("[classifier]\nmodel = false\n{CONFIG}")).await;
    let (actions, _) = send_one(&off, &env(), &raw).await;
    let reason = added(&actions, "X-Musaid-Reason").unwrap();
    assert!(!reason.contains("model:"), "{reason}");
    // The starter model takes part by default, and names its view.
    let on = Milter::start(CONFIG).await;
    let (actions, _) = send_one(&on, &env(), &raw).await;
    let reason = added(&actions, "X-Musaid-Reason").unwrap();
    assert!(reason.starts_with("model:promotional "), "{reason}");
    assert_eq!(
        added(&actions, "X-Musaid-Category").as_deref(),
        Some("promotional")
    );
}

#[tokio::test]
async fn a_refresh_reads_the_store_again_but_not_the_starter_model() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config::from_str(
        &format!(
            "[store]\nurl = \"sqlite:{}\"\n{CONFIG}",
            dir.path().join("m.db").display()
        ),
        "t.toml",
        &Overrides::default(),
    )
    .unwrap();
    let store = musaid::store::Store::open(&cfg.store);
    let first = edge::load(&store, &cfg).await.unwrap();
    assert!(!first.starter.is_empty());
    assert!(edge::refresh(&store, &cfg, &first).await.unwrap().is_none());
    let m = manifest("r1", 1);
    let lesson = edge::lesson(
        &cfg,
        first.key,
        &Envelope::for_file(m.as_bytes(), None, &[]),
        m.as_bytes(),
        &Label::Is(musaid::classify::Category::Urgent),
        musaid::model::ORG_LAYER,
    );
    edge::learn(&store, &cfg, vec![lesson]).await.unwrap();
    let second = edge::refresh(&store, &cfg, &first)
        .await
        .unwrap()
        .expect("a new snapshot");
    assert!(std::sync::Arc::ptr_eq(&first.starter, &second.starter));
    assert_eq!(second.base.docs[0], first.base.docs[0] + 1);
}
