//! Sorting defects found by outside users, each pinned: calendar parts decide meeting; spam
//! and promotion vocabulary in both languages; the VIP and urgency signals ignore list mail
//! and quoted history; عرض and موعد by context; `musaid classify`'s envelope sender.

use musaid::cli::classify_bytes;
use musaid::config::{self, Overrides};
use musaid::message::Envelope;
use std::process::Command;

fn cfg() -> config::Config {
    config::from_str(
        "[[mailbox]]\naddress = \"ceo@example.com\"\nvip = [\"*@board.example.com\"]\n",
        "t.toml",
        &Overrides::default(),
    )
    .unwrap()
}

/// (category, reasons, signal names) with the weight table alone.
fn sort(raw: &str) -> (String, Vec<String>, Vec<String>) {
    let bytes = raw.replace('\n', "\r\n");
    let env = Envelope::for_file(bytes.as_bytes(), None, &["ceo@example.com".to_string()]);
    let r = classify_bytes(&cfg(), &env, None, "t".into(), bytes.as_bytes());
    let signals = r
        .signals
        .iter()
        .map(|h| h.signal.name().to_string())
        .collect();
    (r.category.unwrap(), r.reasons, signals)
}

fn person(subject: &str, body: &str) -> String {
    format!(
        "From: Sara <sara@partner.example.net>\nTo: ceo@example.com\nSubject: {subject}\nMessage-ID: <x@partner.example.net>\n\n{body}\n"
    )
}

#[test]
fn a_calendar_request_through_a_list_from_a_robot_is_a_meeting() {
    // Google Calendar marks invitations Auto-Submitted; the list sends them with its own
    // -bounces@ Return-Path.
    let invitation = "Return-Path: <team-bounces@lists.example.org>\nFrom: Team calendar <calendar-notification@google.example>\nTo: team@lists.example.org\nSubject: Invitation: Quarterly review\nList-Id: <team.lists.example.org>\nAuto-Submitted: auto-generated\nMIME-Version: 1.0\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\n\nBEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:q1@google.example\nDTSTART:20261210T090000Z\nDTEND:20261210T100000Z\nSUMMARY:Quarterly review\nORGANIZER:mailto:sara@partner.example.net\nEND:VEVENT\nEND:VCALENDAR\n";
    let (category, reasons, _) = sort(invitation);
    assert_eq!(category, "meeting", "{reasons:?}");
    assert_eq!(reasons, ["calendar-part"]);
    let cancel = invitation
        .replace("method=REQUEST", "method=CANCEL")
        .replace("METHOD:REQUEST", "METHOD:CANCEL");
    assert_eq!(sort(&cancel).0, "meeting");
}

#[test]
fn spam_and_promotion_vocabulary_in_both_languages() {
    let (category, _, signals) = sort(&person(
        "Make money fast",
        "Dear friend, you have won a lottery. Click here, 100% free.",
    ));
    assert_eq!(category, "junk");
    assert!(signals.contains(&"spam-words".to_string()), "{signals:?}");
    let (_, _, signals) = sort(&person("لقد ربحت", "ربحت جائزة مالية، اضغط هنا"));
    assert!(signals.contains(&"spam-words".to_string()), "{signals:?}");
    let (_, _, signals) = sort(&person(
        "Free trial",
        "Click here for a free quote. Act now.",
    ));
    assert!(signals.contains(&"promo-words".to_string()), "{signals:?}");
}

#[test]
fn arabic_offer_and_appointment_words_count_only_in_their_meaning() {
    // عرض تقديمي is a presentation, فحص العروض the review of bids: not promotions.
    let (_, _, signals) = sort(&person(
        "العرض التقديمي",
        "أرفقت العرض التقديمي لمجلس الإدارة. فحص العروض غدا.",
    ));
    assert!(!signals.contains(&"promo-words".to_string()), "{signals:?}");
    let (_, _, signals) = sort(&person("عروض خاصة", "عرض حصري لفترة محدودة، اضغط هنا"));
    assert!(signals.contains(&"promo-words".to_string()), "{signals:?}");
    // آخر موعد is a deadline, تحديد موعد a request to meet.
    let (_, _, signals) = sort(&person("آخر موعد", "آخر موعد لتقديم الملف هو الخميس."));
    assert!(
        !signals.contains(&"scheduling-words".to_string()),
        "{signals:?}"
    );
    let (_, _, signals) = sort(&person("تحديد موعد", "نود تحديد موعد للاجتماع، متى يناسبك؟"));
    assert!(
        signals.contains(&"scheduling-words".to_string()),
        "{signals:?}"
    );
}

#[test]
fn urgency_in_quoted_history_or_on_a_vips_list_mail_does_not_count() {
    let reply = person(
        "Re: URGENT: payments down",
        "Thanks, all resolved on our side.\n\nOn Mon, 30 Nov 2026, Ops <ops@example.com> wrote:\n> URGENT: payments are down, act immediately\n",
    );
    let (category, reasons, signals) = sort(&reply.replace(
        "Subject: Re: URGENT: payments down",
        "Subject: Re: payments",
    ));
    assert_ne!(category, "urgent", "{reasons:?}");
    assert!(
        !signals.contains(&"urgent-words".to_string()),
        "{signals:?}"
    );
    // A VIP's list post saying "today": not a VIP deadline.
    let list = "From: Chair <chair@board.example.com>\nTo: board@lists.example.org\nSubject: Newsletter: what happened today\nList-Id: <board.lists.example.org>\nList-Unsubscribe: <mailto:leave@lists.example.org>\nPrecedence: bulk\n\nToday the board met; this is urgent news for members.\n";
    let (category, _, signals) = sort(list);
    assert!(signals.contains(&"vip-sender".to_string()), "{signals:?}");
    assert!(
        !signals.contains(&"vip-deadline".to_string()),
        "{signals:?}"
    );
    assert_ne!(category, "urgent");
    // The same words written directly by the VIP are a VIP deadline.
    let direct = "From: Chair <chair@board.example.com>\nTo: ceo@example.com\nSubject: Today\n\nI need the signed minutes today, it is urgent.\n";
    let (category, _, signals) = sort(direct);
    assert!(signals.contains(&"vip-deadline".to_string()), "{signals:?}");
    assert_eq!(category, "urgent");
}

#[test]
fn classify_takes_the_sender_from_return_path_or_from_as_a_delivering_mta_would() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("m.eml");
    std::fs::write(&file, person("Contract", "Could you sign the contract?")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_musaid"))
        .args([
            "--config",
            "/dev/null",
            "classify",
            "--json",
            "--rcpt",
            "ceo@example.com",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("null-sender"), "{text}");
    assert!(!text.contains("\"category\":\"notification\""), "{text}");
    // An explicit null sender is still one.
    let bounce = "Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: ceo@example.com\nSubject: Undelivered Mail Returned to Sender\n\nThis is the mail system.\n";
    assert_eq!(sort(bounce).0, "notification");
}
