//! Acknowledgements: who is never answered (with real third-party mail), and what a reply
//! looks like (headers, no injection, threading).

mod common;

use chrono::Utc;
use common::corpus_messages;
use musaid::autoreply::{self, Decision};
use musaid::classify::{Input, classify};
use musaid::config::{self, Config, Overrides};
use musaid::message::{Envelope, ParsedMessage};
use std::collections::BTreeMap;

const CONFIG: &str = r#"
[[mailbox]]
address = "support@example.com"
owner = "Support desk"
autoreply = "support-ack"

[template.support-ack]
subject = { en = "Auto: {subject}", ar = "رد تلقائي: {subject}" }
body = { en = "Thank you, {sender_name}. Your request {reference} was received; we usually answer within {expected_response}.", ar = "شكرًا {sender_name}، وصلنا طلبك رقم {reference}." }
html = true
"#;

fn config() -> Config {
    config::from_str(CONFIG, "t.toml", &Overrides::default()).unwrap()
}

fn decide(cfg: &Config, sender: &str, raw: &[u8]) -> Decision {
    let env = Envelope {
        sender: sender.into(),
        recipients: vec!["support@example.com".into()],
        ..Default::default()
    };
    let msg = ParsedMessage::parse(raw, raw.len(), false);
    let input = Input::new(cfg, &env, &msg, Utc::now());
    let verdict = classify(&input);
    autoreply::prepare(&input, &verdict)
}

/// The envelope sender a message most likely had: Return-Path, else From.
fn sender_of(raw: &[u8]) -> String {
    let h = musaid::message::raw_headers(raw);
    let get = |n: &str| {
        h.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.clone())
    };
    let v = get("Return-Path")
        .or_else(|| get("From"))
        .unwrap_or_default();
    let v = v
        .rsplit_once('<')
        .map(|(_, r)| r.trim_end_matches('>').to_string())
        .unwrap_or(v);
    v.trim().to_string()
}

#[test]
fn robots_lists_and_reports_in_the_corpus_are_never_answered() {
    let cfg = config();
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    let mut answered = Vec::new();
    let files = corpus_messages();
    for f in &files {
        let body = std::fs::read(f).unwrap();
        // As if every message had been sent to support@ (the mailbox in Cc).
        let mut raw = b"Cc: support@example.com\r\n".to_vec();
        raw.extend_from_slice(&body);
        let name = f
            .strip_prefix(common::corpus_dir())
            .unwrap()
            .display()
            .to_string();
        match decide(&cfg, &sender_of(&body), &raw) {
            Decision::Reply(_) => answered.push(name),
            Decision::Refused { reason, .. } => {
                *by_reason.entry(reason.name().to_string()).or_default() += 1
            }
            Decision::None => panic!("{name}: the mailbox's template did not apply"),
        }
    }
    println!(
        "{} messages: {} would be acknowledged; refused: {by_reason:?}",
        files.len(),
        answered.len()
    );
    let must_refuse = |n: &str| {
        (n.starts_with("flufl-bounce/") && n != "flufl-bounce/groupwise_03.txt")
            || n.contains("/bounce")
            || n.contains("arf")
            || n.contains("mdn")
            || n.starts_with("cpython-email/msg_16")
            || n.starts_with("cpython-email/msg_25")
    };
    let wrong: Vec<&String> = answered.iter().filter(|n| must_refuse(n)).collect();
    assert!(wrong.is_empty(), "answered robots: {wrong:?}");
    // The list posts of the corpus.
    for post in [
        "rspamd/test/functional/messages/ham.eml",
        "mail-parser/resources/sieve/headers.eml",
    ] {
        assert!(!answered.iter().any(|a| a == post), "{post} answered");
    }
    assert!(!answered.is_empty(), "nothing at all would be acknowledged");
}

#[test]
fn each_rule_refuses_for_its_reason() {
    let cfg = config();
    let base = "From: Lina <lina@partner.example.org>\r\nTo: support@example.com\r\nSubject: VPN broken\r\n";
    let reason = |sender: &str, extra: &str| match decide(
        &cfg,
        sender,
        format!("{base}{extra}\r\nIt does not work.\r\n").as_bytes(),
    ) {
        Decision::Refused { reason, .. } => reason.name().to_string(),
        Decision::Reply(_) => "reply".into(),
        Decision::None => "none".into(),
    };
    assert_eq!(reason("lina@partner.example.org", ""), "reply");
    assert_eq!(reason("", ""), "null-sender");
    assert_eq!(
        reason(
            "lina@partner.example.org",
            "Auto-Submitted: auto-generated\r\n"
        ),
        "auto-submitted"
    );
    assert_eq!(
        reason("lina@partner.example.org", "Auto-Submitted: no\r\n"),
        "reply"
    );
    assert_eq!(
        reason(
            "lina@partner.example.org",
            "List-Unsubscribe: <mailto:x@y>\r\n"
        ),
        "list-header"
    );
    assert_eq!(
        reason("lina@partner.example.org", "Precedence: junk\r\n"),
        "precedence"
    );
    assert_eq!(
        reason(
            "lina@partner.example.org",
            "X-Auto-Response-Suppress: DR, OOF\r\n"
        ),
        "suppress-header"
    );
    assert_eq!(reason("noreply@partner.example.org", ""), "robot-sender");
    assert_eq!(reason("owner-list@partner.example.org", ""), "robot-sender");
    assert_eq!(
        reason("list-request@partner.example.org", ""),
        "robot-sender"
    );
    assert_eq!(
        reason("lina@partner.example.org", "X-Spam-Flag: YES\r\n"),
        "spam"
    );
    let bcc_only = "From: Lina <lina@partner.example.org>\r\nTo: someone@partner.example.org\r\nSubject: x\r\n\r\nhello\r\n";
    assert!(
        matches!(decide(&cfg, "lina@partner.example.org", bcc_only.as_bytes()), Decision::Refused { reason, .. } if reason.name() == "not-addressed")
    );
}

#[test]
fn authentication_results_from_a_trusted_host_must_pass() {
    let text = format!("{CONFIG}\n[autoreply]\ntrusted_authserv_ids = [\"mx.example.com\"]\n");
    let cfg = config::from_str(&text, "t.toml", &Overrides::default()).unwrap();
    let msg = |ar: &str| {
        format!(
            "Authentication-Results: {ar}\r\nFrom: lina@partner.example.org\r\nTo: support@example.com\r\nSubject: help\r\n\r\nlogin broken\r\n"
        )
    };
    let pass = msg("mx.example.com; spf=pass smtp.mailfrom=lina@partner.example.org");
    assert!(matches!(
        decide(&cfg, "lina@partner.example.org", pass.as_bytes()),
        Decision::Reply(_)
    ));
    let fail = msg(
        "mx.example.com; spf=fail smtp.mailfrom=lina@partner.example.org; dkim=fail header.d=partner.example.org",
    );
    assert!(
        matches!(decide(&cfg, "lina@partner.example.org", fail.as_bytes()), Decision::Refused { reason, .. } if reason.name() == "not-authenticated")
    );
    // A header from a host that is not trusted proves nothing either way.
    let forged = msg("evil.example; spf=pass smtp.mailfrom=lina@partner.example.org");
    assert!(matches!(
        decide(&cfg, "lina@partner.example.org", forged.as_bytes()),
        Decision::Reply(_)
    ));
}

#[test]
fn hostile_subjects_and_names_cannot_inject_headers() {
    let cfg = config();
    // "Q\r\nBcc: victim@example.net" RFC 2047-encoded, and a name with CR/LF, and a huge subject.
    let evil_subject = format!(
        "=?UTF-8?B?{}?=",
        musaid::message::header::base64(b"Q\r\nBcc: victim@example.net\r\nX-Evil: 1")
    );
    let long = "x".repeat(5000);
    for subject in [evil_subject.as_str(), long.as_str()] {
        let raw = format!(
            "From: =?UTF-8?B?{}?= <lina@partner.example.org>\r\nTo: support@example.com\r\nSubject: {subject}\r\nMessage-ID: <orig-1@partner.example.org>\r\nReferences: <root@partner.example.org>\r\n\r\nhelp\r\n",
            musaid::message::header::base64(b"Lina\r\nBcc: x@evil.example")
        );
        let Decision::Reply(ack) = decide(&cfg, "lina@partner.example.org", raw.as_bytes()) else {
            panic!("no reply")
        };
        let m = &ack.message;
        let (head, _) = m.split_once("\r\n\r\n").unwrap();
        assert!(
            !head
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("bcc:") || l.starts_with("X-Evil")),
            "{head}"
        );
        assert!(m.lines().all(|l| l.len() <= 998));
        let parsed = ParsedMessage::parse(m.as_bytes(), m.len(), false);
        assert_eq!(parsed.header("Auto-Submitted"), Some("auto-replied"));
        assert_eq!(parsed.header("X-Auto-Response-Suppress"), Some("All"));
        assert_eq!(parsed.to, vec!["lina@partner.example.org"]);
        assert_eq!(parsed.in_reply_to, vec!["orig-1@partner.example.org"]);
        assert_eq!(
            parsed.references,
            vec!["root@partner.example.org", "orig-1@partner.example.org"]
        );
        assert!(parsed.subject.starts_with("Auto: "));
        assert!(
            parsed
                .message_id
                .as_deref()
                .unwrap()
                .starts_with("musaid.ack-")
        );
        assert_eq!(ack.envelope_from, "", "null reverse-path by default");
    }
}

#[test]
fn arabic_mail_gets_the_arabic_text_right_to_left() {
    let cfg = config();
    let raw = "From: =?UTF-8?B?2LPYp9ix2Kk=?= <sara@partner.example.org>\r\nTo: support@example.com\r\nSubject: =?UTF-8?B?2YXYtNmD2YTYqQ==?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nالبرنامج لا يعمل\r\n";
    let Decision::Reply(ack) = decide(&cfg, "sara@partner.example.org", raw.as_bytes()) else {
        panic!("no reply")
    };
    let parsed = ParsedMessage::parse(ack.message.as_bytes(), ack.message.len(), false);
    assert!(
        parsed.subject.starts_with("رد تلقائي"),
        "{}",
        parsed.subject
    );
    assert!(parsed.text.contains("شكرًا سارة"), "{}", parsed.text);
    assert!(ack.message.contains("multipart/alternative"));
    let html =
        musaid::message::ParsedMessage::parse(ack.message.as_bytes(), ack.message.len(), false);
    assert!(!html.text.is_empty());
}

#[test]
fn drafts_are_signed_for_the_reviewer_and_only_signed_markers_survive() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "0123456789abcdef0123").unwrap();
    let text = format!(
        "[autoreply]\ndraft_secret_file = \"{}\"\n[[mailbox]]\naddress = \"ceo@example.com\"\ndelegate = \"assistant@example.com\"\n[template.g]\nbody = {{ en = \"Dear {{sender_name}},\" }}\n[[rule]]\nname = \"d\"\nwhen.subject = \"proposal\"\nthen = {{ draft = \"g\" }}\n",
        secret.display()
    );
    let cfg = config::from_str(&text, "t.toml", &Overrides::default()).unwrap();
    let env = Envelope {
        sender: "lina@partner.example.org".into(),
        recipients: vec!["ceo@example.com".into()],
        ..Default::default()
    };
    let raw = "From: Lina <lina@partner.example.org>\r\nTo: ceo@example.com\r\nSubject: Our proposal\r\nMessage-ID: <p1@partner.example.org>\r\n\r\nPlease see the attached proposal.\r\n";
    let msg = ParsedMessage::parse(raw.as_bytes(), raw.len(), false);
    let input = Input::new(&cfg, &env, &msg, Utc::now());
    let verdict = classify(&input);
    let d = autoreply::prepare_draft(&input, &verdict).expect("a draft");
    assert_eq!(d.to, "assistant+drafts@example.com");
    let draft = ParsedMessage::parse(d.message.as_bytes(), d.message.len(), false);
    assert_eq!(draft.to, vec!["lina@partner.example.org"]);
    assert_eq!(draft.subject, "Re: Our proposal");
    assert!(draft.text.starts_with("Dear Lina,"), "{}", draft.text);
    assert!(draft.text.contains("> Please see the attached proposal."));

    // Passing through the milter, the signed marker stays; a forged one goes.
    let plan_for = |bytes: &[u8]| {
        let m = ParsedMessage::parse(bytes, bytes.len(), false);
        let mut scan = musaid::message::hygiene::HeaderScan::default();
        for (n, v) in &m.headers {
            scan.field(n.as_bytes(), v.as_bytes());
        }
        let e = Envelope {
            sender: String::new(),
            recipients: vec!["assistant+drafts@example.com".into()],
            ..Default::default()
        };
        let input = Input::new(&cfg, &e, &m, Utc::now());
        let v = classify(&input);
        musaid::policy::plan(
            &input,
            &v,
            scan.finish(),
            &musaid::cleanup::blackhole::Memory::default(),
        )
    };
    assert!(
        plan_for(d.message.as_bytes()).remove_headers.is_empty(),
        "signed marker kept"
    );
    let forged = d.message.replace("X-Musaid-Draft: ", "X-Musaid-Draft: 00");
    assert_eq!(
        plan_for(forged.as_bytes()).remove_headers,
        vec![("X-Musaid-Draft".to_string(), 1)]
    );
    // A leaked marker on other content, or addressed to someone else, is no longer musaid's
    // (the signature covered the Message-ID only).
    let reused = d.message.replace(
        "Subject: Re: Our proposal",
        "Subject: Re: Wire the money today",
    );
    assert_eq!(
        plan_for(reused.as_bytes()).remove_headers,
        vec![("X-Musaid-Draft".to_string(), 1)],
        "another subject"
    );
    let readdressed = d.message.replace(
        "To: <lina@partner.example.org>",
        "To: <mallory@evil.example>",
    );
    assert_ne!(readdressed, d.message);
    assert_eq!(
        plan_for(readdressed.as_bytes()).remove_headers,
        vec![("X-Musaid-Draft".to_string(), 1)],
        "another recipient"
    );
}
