//! Every message of the third-party corpus (tests/corpus, see its MANIFEST.md) goes through
//! `classify` and through the milter without a crash and is delivered; the kinds of mail
//! the corpus labels by its origin get the right category.

mod common;

use common::*;
use indymilter_test::Status;
use musaid::cli::classify_bytes;
use musaid::config::{self, Overrides};
use musaid::message::Envelope;
use std::collections::BTreeMap;
use std::path::Path;

/// The shipped example configuration, so the corpus also exercises its rules.
fn example_config() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("conf/musaid.toml")).unwrap()
}

/// A configuration without reject/discard rules: every corpus message must be accepted.
fn accept_all_config() -> String {
    // A generous store budget: this test is about delivery, and runs beside CPU-heavy tests.
    r#"
[store]
timeout = "5s"

[[mailbox]]
address = "ceo@example.com"
vip = ["*@board.example.com"]
"#
    .into()
}

fn rel(p: &Path) -> String {
    p.strip_prefix(corpus_dir()).unwrap().display().to_string()
}

/// Invitations (a text/calendar part with METHOD:REQUEST) in the corpus.
const INVITATIONS: &[&str] = &[
    "php-mime-mail-parser/tests/mails/m0020",
    "rspamd/test/functional/messages/alt-html-calendar.eml",
    "rspamd/test/functional/messages/ics.eml",
];

/// Posts to mailing lists (List-Id in the header section; not bounces).
const LIST_POSTS: &[&str] = &[
    "mail-parser/resources/eml/thirdparty/014.eml",
    "mail-parser/resources/sieve/headers.eml",
    "mail-parser/resources/sieve/html.eml",
    "nodemailer-mailparser/test/fixtures/large_text.eml",
    "rspamd/test/functional/messages/arcbad.eml",
    "rspamd/test/functional/messages/ham.eml",
];

/// Posts to a list that read as spam: filed as a newsletter or as junk, never left in the
/// inbox. (An Outlook Express message of 2002's spam kind, X-MimeOLE and X-MSMail-Priority,
/// an upstream `RSpam-Score: 40`, a body that does not parse and "illegal copy of our
/// software" as all its text.)
const LIST_SPAM: &[&str] = &["ruby-mail/spec/fixtures/emails/error_emails/empty_in_reply_to.eml"];

/// flufl-bounce messages that are not bounces: a human reply kept there as a negative case.
const NOT_BOUNCES: &[&str] = &["flufl-bounce/groupwise_03.txt"];

#[test]
fn every_corpus_message_classifies_and_labelled_kinds_are_right() {
    let cfg =
        config::from_str(&example_config(), "conf/musaid.toml", &Overrides::default()).unwrap();
    // The weight table alone, and with the shipped starter model: machine mail is the
    // table's to decide either way.
    labelled_kinds_are_right(&cfg, None);
    let starter = musaid::learning::edge::starter_only(&cfg, [3; 16]);
    labelled_kinds_are_right(&cfg, Some(&starter));
}

fn labelled_kinds_are_right(cfg: &config::Config, model: Option<&musaid::model::Model>) {
    let files = corpus_messages();
    assert!(
        files.len() > 700,
        "corpus incomplete: {} files",
        files.len()
    );
    let mut per_folder: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let name = rel(f);
        let r = classify_bytes(cfg, &Envelope::default(), model, name.clone(), &bytes);
        let category = r
            .category
            .clone()
            .unwrap_or_else(|| panic!("{name}: no category: {:?}", r.error));
        assert!(r.error.is_none(), "{name}: {:?}", r.error);
        assert!((1..=5).contains(&r.priority.unwrap()));
        assert!(!r.reasons.is_empty(), "{name}: no reason");
        let folder = name.split('/').next().unwrap().to_string();
        *per_folder
            .entry(folder.clone())
            .or_default()
            .entry(category.clone())
            .or_default() += 1;

        let expected: Option<&[&str]> = if INVITATIONS.contains(&name.as_str()) {
            Some(&["meeting"])
        } else if LIST_POSTS.contains(&name.as_str()) {
            Some(&["newsletter"])
        } else if LIST_SPAM.contains(&name.as_str()) {
            Some(&["newsletter", "junk"])
        } else if folder == "flufl-bounce" && !NOT_BOUNCES.contains(&name.as_str()) {
            Some(&["notification"])
        } else {
            None
        };
        if let Some(e) = expected.filter(|e| !e.contains(&category.as_str())) {
            wrong.push(format!(
                "{name}: {category} (expected {}) because {:?}",
                e.join(" or "),
                r.reasons
            ));
        }
    }
    for (folder, counts) in &per_folder {
        println!("{folder}: {counts:?}");
    }
    assert!(wrong.is_empty(), "misclassified:\n{}", wrong.join("\n"));
    assert_eq!(per_folder["flufl-bounce"]["notification"], 116);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_corpus_message_goes_through_the_milter_and_is_delivered() {
    let m = Milter::start(&accept_all_config()).await;
    let files = corpus_messages();
    let mut conn = m.connect().await;
    let mut delivered = 0;
    for (i, f) in files.iter().enumerate() {
        let bytes = std::fs::read(f).unwrap();
        let e = Env {
            from: "sender@outside.example",
            rcpts: vec!["ceo@example.com"],
            auth: None,
            queue_id: "CORPUS",
        };
        let (actions, status) = send(&mut conn, &e, &bytes).await;
        assert_eq!(status, Status::Accept, "{}", rel(f));
        assert!(
            added(&actions, "X-Musaid-Category").is_some(),
            "{}: not tagged",
            rel(f)
        );
        assert_eq!(
            added(&actions, "X-Musaid-Status"),
            None,
            "{}: degraded",
            rel(f)
        );
        delivered += 1;
        // Reconnect now and then, as an MTA's connection cache does.
        if i % 50 == 49 {
            conn.close().await.unwrap();
            conn = m.connect().await;
        }
    }
    conn.close().await.unwrap();
    assert_eq!(delivered, files.len());
    m.stop().await;
}

/// Leaving out the bodies of binary attachments before parsing (for speed) must not change
/// a single fact musaid reads from any corpus message.
#[test]
fn leaving_out_binary_attachment_bodies_changes_no_fact() {
    let mut elided = 0;
    for path in corpus_messages() {
        let raw = std::fs::read(&path).unwrap();
        let skimmed = musaid::elide::binary_bodies_elided(&raw);
        if skimmed.len() < raw.len() {
            elided += 1;
        }
        let fast = musaid::message::ParsedMessage::parse_with(&raw, raw.len(), false, true);
        let full = musaid::message::ParsedMessage::parse_with(&raw, raw.len(), false, false);
        assert_eq!(
            format!("{fast:?}"),
            format!("{full:?}"),
            "{}: facts differ when attachment bodies are left out",
            rel(&path)
        );
    }
    println!("binary attachment bodies left out in {elided} corpus messages");
    assert!(
        elided > 20,
        "the corpus has many binary attachments: {elided}"
    );
}

#[test]
fn classify_cli_prints_one_json_object_per_file_and_survives_garbage() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.eml");
    std::fs::write(&garbage, b"\x00\xff\xfe\x00 not a message at all \xc3\x28").unwrap();
    let empty = dir.path().join("empty.eml");
    std::fs::write(&empty, b"").unwrap();
    let bounce = corpus_dir().join("flufl-bounce/dsn_01.txt");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_musaid"))
        .args([
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/conf/musaid.toml"),
            "classify",
            "--json",
        ])
        .arg(&garbage)
        .arg(&empty)
        .arg(&bounce)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for l in &lines {
        for key in ["file", "category", "priority", "reasons", "actions"] {
            assert!(
                l.get(key).is_some_and(|v| !v.is_null()),
                "{key} missing in {l}"
            );
        }
    }
    assert_eq!(lines[2]["category"], "notification");

    // A missing file still gets an object, and the exit status says a file was unreadable.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_musaid"))
        .args(["classify", "--json", "/nonexistent/file.eml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let l: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(l["error"].as_str().unwrap().contains("cannot read"));
}
