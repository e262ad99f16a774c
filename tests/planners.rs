//! The jobs' planners, pure: a message and a configuration in, a plan out, no store and no
//! milter. Each test names what the planner decides from what.

use chrono::{TimeZone, Utc};
use musaid::classify::{Input, classify};
use musaid::config::{self, Config, Overrides};
use musaid::message::{Envelope, ParsedMessage};

const CONFIG: &str = r#"
[autoreply]
trusted_authserv_ids = ["mx.example.com"]

[folders]
newsletter = "Newsletters"

[cleanup]
subaddress = true

[[mailbox]]
address = "ceo@example.com"
delegate = "assistant@example.com"
working_hours = "08:00-17:00"
working_days = ["sun", "mon", "tue", "wed", "thu"]
time_zone = "Asia/Riyadh"

[[rule]]
name = "escalate-outages"
when.all = [{ recipient = "ceo@example.com" }, { subject = "outage" }]
then = { escalate = { to = "delegate", if_unanswered_within = "2h" } }

[[rule]]
name = "escalate-now"
when.all = [{ recipient = "ceo@example.com" }, { subject = "fire" }]
then = { escalate = { to = "delegate" } }
"#;

fn config() -> Config {
    config::from_str(CONFIG, "planners.toml", &Overrides::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn parse(raw: &str) -> ParsedMessage {
    ParsedMessage::parse(raw.as_bytes(), raw.len(), false)
}

fn envelope(from: &str, to: &str) -> Envelope {
    Envelope {
        sender: from.into(),
        recipients: vec![to.into()],
        ..Default::default()
    }
}

/// Sunday 2026-12-06 10:00 in Riyadh: working time.
fn sunday_morning() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 7, 0, 0).unwrap()
}

#[test]
fn escalation_is_planned_later_or_now_by_the_rule() {
    let cfg = config();
    let e = envelope("ops@partner.example.org", "ceo@example.com");
    let later = parse(
        "From: ops@partner.example.org\r\nTo: ceo@example.com\r\nSubject: Site outage\r\nMessage-ID: <o1@partner.example.org>\r\n\r\nThe site is down.\r\n",
    );
    let input = Input::new(&cfg, &e, &later, sunday_morning());
    let p = musaid::escalation::plan(&input, &classify(&input)).expect("escalated");
    assert_eq!(p.mailbox, "ceo@example.com");
    assert_eq!(p.job.to, vec!["assistant@example.com"]);
    // Two working hours after Sunday 10:00 Riyadh: 12:00 Riyadh, 09:00 UTC.
    assert_eq!(
        p.due_ms,
        Some(
            Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0)
                .unwrap()
                .timestamp_millis()
        )
    );
    let now = parse(
        "From: ops@partner.example.org\r\nTo: ceo@example.com\r\nSubject: fire in the data centre\r\nMessage-ID: <o2@partner.example.org>\r\n\r\nNow.\r\n",
    );
    let input = Input::new(&cfg, &e, &now, sunday_morning());
    let p = musaid::escalation::plan(&input, &classify(&input)).expect("escalated");
    assert_eq!(p.due_ms, None, "sent at once");
    let other = parse(
        "From: ops@partner.example.org\r\nTo: ceo@example.com\r\nSubject: Lunch\r\n\r\nHi.\r\n",
    );
    let input = Input::new(&cfg, &e, &other, sunday_morning());
    assert!(musaid::escalation::plan(&input, &classify(&input)).is_none());
}

#[test]
fn tracking_remembers_inbound_mail_that_needs_a_reply_and_matches_outbound_replies() {
    use musaid::escalation::tracking::{TrackingPlan, plan};
    let cfg = config();
    let e = envelope("lina@partner.example.org", "ceo@example.com");
    let ask = parse(
        "From: Lina <lina@partner.example.org>\r\nTo: ceo@example.com\r\nSubject: Contract review\r\nMessage-ID: <q1@partner.example.org>\r\n\r\nCould you please review the contract and confirm by Thursday?\r\n",
    );
    let input = Input::new(&cfg, &e, &ask, sunday_morning());
    let TrackingPlan::Track { record, .. } = plan(&input, &classify(&input)) else {
        panic!("a request to the owner is tracked");
    };
    assert_eq!(record.from.as_deref(), Some("lina@partner.example.org"));
    assert!(record.deadline.is_some(), "\"by Thursday\" is a deadline");
    // A newsletter needs no reply.
    let news = parse(
        "From: news@lists.example.net\r\nTo: ceo@example.com\r\nSubject: Weekly\r\nList-Id: <weekly.lists.example.net>\r\n\r\nNews.\r\n",
    );
    let e2 = envelope("news@lists.example.net", "ceo@example.com");
    let input = Input::new(&cfg, &e2, &news, sunday_morning());
    assert!(matches!(
        plan(&input, &classify(&input)),
        TrackingPlan::None
    ));
    // The owner's answer, sent through submission, is matched against what is remembered.
    let mut out = envelope("ceo@example.com", "lina@partner.example.org");
    out.auth_authen = Some("ceo".into());
    let reply = parse(
        "From: ceo@example.com\r\nTo: lina@partner.example.org\r\nSubject: Re: Contract review\r\nIn-Reply-To: <q1@partner.example.org>\r\n\r\nApproved.\r\n",
    );
    let input = Input::new(&cfg, &out, &reply, sunday_morning());
    let TrackingPlan::Reply {
        mailbox,
        candidates,
    } = plan(&input, &classify(&input))
    else {
        panic!("an outbound reply is matched");
    };
    assert_eq!(mailbox, "ceo@example.com");
    assert!(!candidates.is_empty());
}

#[test]
fn what_tracking_keeps_of_a_message_is_bounded() {
    use musaid::escalation::tracking::{TrackingPlan, plan};
    let cfg = config();
    let e = envelope("lina@partner.example.org", "ceo@example.com");
    let keep = |message_id: &str, name: &str| {
        let raw = format!(
            "From: {name} <lina@partner.example.org>\r\nTo: ceo@example.com\r\nSubject: Contract review\r\nMessage-ID: <{message_id}>\r\n\r\nCould you please review the contract by Thursday?\r\n"
        );
        let m = parse(&raw);
        let input = Input::new(&cfg, &e, &m, sunday_morning());
        match plan(&input, &classify(&input)) {
            TrackingPlan::Track { record, .. } => record,
            _ => panic!("a request to the owner is tracked"),
        }
    };
    let r = keep("q2@partner.example.org", "Lina");
    assert_eq!(r.message_id.as_deref(), Some("q2@partner.example.org"));
    assert_eq!(r.from_name.as_deref(), Some("Lina"));
    // A Message-ID longer than a header line may be is not kept (a reply link cannot carry
    // it whole, and the store keeps no more than a line per message); a long name is cut.
    let huge = format!("{}@partner.example.org", "x".repeat(20_000));
    let r = keep(&huge, &"L".repeat(5_000));
    assert!(
        r.message_id.is_none(),
        "a {}-byte Message-ID was kept",
        huge.len()
    );
    assert!(r.from_name.is_some_and(|n| n.len() <= 100));
}

#[test]
fn cleanup_files_newsletters_by_subaddress_and_remembers_the_list() {
    let cfg = config();
    let e = envelope("news@lists.example.net", "ceo@example.com");
    let news = parse(
        "From: news@lists.example.net\r\nTo: ceo@example.com\r\nSubject: Weekly\r\nList-Id: Weekly <weekly.lists.example.net>\r\nList-Unsubscribe: <mailto:leave@lists.example.net>\r\n\r\nNews.\r\n",
    );
    let input = Input::new(&cfg, &e, &news, sunday_morning());
    let c = musaid::cleanup::plan(
        &input,
        &classify(&input),
        &musaid::cleanup::blackhole::Memory::default(),
    );
    assert_eq!(c.delete_recipients, vec!["ceo@example.com"]);
    assert_eq!(c.add_recipients, vec!["ceo+Newsletters@example.com"]);
    let Some(musaid::cleanup::lists::Observation::List {
        name,
        authenticated,
        ..
    }) = c.observation
    else {
        panic!("the list is observed");
    };
    assert_eq!(name, "weekly.lists.example.net");
    assert_eq!(authenticated, None, "no DKIM: not the list's own word");
}

#[test]
fn invitations_are_planned_for_the_mailbox_and_verified_only_when_authenticated() {
    let cfg = config();
    let e = envelope("partner@partner.example.org", "ceo@example.com");
    let ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:p1\r\nDTSTART:20301201T090000Z\r\nDTEND:20301201T100000Z\r\nSUMMARY:Plan\r\nORGANIZER:mailto:partner@partner.example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let mail = |auth: &str| {
        parse(&format!(
            "{auth}From: partner@partner.example.org\r\nTo: ceo@example.com\r\nSubject: Plan\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n{ics}"
        ))
    };
    let unauthenticated = mail("");
    let input = Input::new(&cfg, &e, &unauthenticated, sunday_morning());
    let w = musaid::calendar::delivery::plan(&input, &classify(&input)).expect("an invitation");
    assert_eq!(w.mailbox, "ceo@example.com");
    assert_eq!(w.invitations.len(), 1);
    assert!(!w.verified, "the MTA did not authenticate it");
    let authenticated = mail(
        "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=partner@partner.example.org\r\n",
    );
    let input = Input::new(&cfg, &e, &authenticated, sunday_morning());
    let w = musaid::calendar::delivery::plan(&input, &classify(&input)).unwrap();
    assert!(w.verified);
}

#[test]
fn an_escalation_notice_is_written_in_the_mailbox_s_language() {
    let text = CONFIG.replace(
        "time_zone = \"Asia/Riyadh\"",
        "time_zone = \"Asia/Riyadh\"\nlanguage = \"ar\"",
    );
    let cfg = config::from_str(&text, "planners.toml", &Overrides::default()).unwrap();
    let e = envelope("ops@partner.example.org", "ceo@example.com");
    let m = parse(
        "From: ops@partner.example.org\r\nTo: ceo@example.com\r\nSubject: Site outage\r\nMessage-ID: <o3@partner.example.org>\r\n\r\nThe site is down.\r\n",
    );
    let input = Input::new(&cfg, &e, &m, sunday_morning());
    let p = musaid::escalation::plan(&input, &classify(&input)).expect("escalated");
    let sent = ParsedMessage::parse(p.job.message.as_bytes(), p.job.message.len(), false);
    let bare = musaid::locale::without_isolates;
    assert_eq!(bare(&sent.subject), "[تصعيد] Site outage");
    let body = bare(&sent.text);
    for label in [
        "تصعيد بالنيابة عن ceo@example.com",
        "من: ",
        "الموضوع: ",
        "وصلت: الأحد 6 ديسمبر 10:00",
        "الفئة: ",
        "لم يُرسل رد خلال ساعتي عمل.",
    ] {
        assert!(body.contains(label), "{label} missing:\n{body}");
    }
    for english in [
        "Escalated",
        "From:",
        "Subject:",
        "Received:",
        "Category",
        "priority",
        "business hours",
    ] {
        assert!(
            !body.contains(english),
            "{english} in the Arabic notice:\n{body}"
        );
    }
    // With Arabic-Indic digits, musaid's numbers change and the mail's do not.
    let text = text.replace(
        "language = \"ar\"",
        "language = \"ar\"\ndigits = \"arabic-indic\"",
    );
    let cfg = config::from_str(&text, "planners.toml", &Overrides::default()).unwrap();
    let input = Input::new(&cfg, &e, &m, sunday_morning());
    let p = musaid::escalation::plan(&input, &classify(&input)).expect("escalated");
    let sent = ParsedMessage::parse(p.job.message.as_bytes(), p.job.message.len(), false);
    let body = bare(&sent.text);
    assert!(body.contains("وصلت: الأحد ٦ ديسمبر ١٠:٠٠"), "{body}");
    assert!(body.contains("(الأولوية ١)"), "{body}");
    assert!(body.contains("ops@partner.example.org"), "{body}");
}
