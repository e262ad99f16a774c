//! Hostile mail: each test is one attack, sent through a real listening milter the way an MTA
//! sends it, and checks that nobody outside can make musaid act as the owner. Each failed
//! before its fix.

mod common;

use common::*;
use indymilter_test::Status;
use musaid::cleanup::lists::OneClick;

const CONFIG: &str = r#"
[store]
timeout = "5s"

[outbox]
relay = "smtp://127.0.0.1:1"
retry_after = "1s"

[autoreply]
trusted_authserv_ids = ["mx.example.com"]

[[mailbox]]
address = "ceo@example.com"
auto_unsubscribe = ["weekly.news.example.net", "news.example.net"]
"#;

fn env() -> Env<'static> {
    Env::to("bounce@news.example.net", "ceo@example.com", "HOSTILE")
}

/// A list message with the given authentication and unsubscribe headers.
fn list_mail(auth_and_dkim: &str, unsubscribe: &str, post: bool) -> String {
    let post = if post {
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    } else {
        ""
    };
    format!(
        "{auth_and_dkim}From: Example News <letter@news.example.net>\r\nTo: ceo@example.com\r\n\
Subject: This week\r\nMessage-ID: <{}@news.example.net>\r\nList-Id: Example weekly <weekly.news.example.net>\r\n\
List-Unsubscribe: {unsubscribe}\r\n{post}Precedence: bulk\r\n\r\nNews of the week.\r\n",
        musaid::store::now_ms()
    )
}

/// What the list's own MX verification looks like: the MTA's header on top, DKIM by the
/// list's domain over both unsubscribe headers.
const SIGNED_BY_THE_LIST: &str = "Authentication-Results: mx.example.com; dkim=pass header.d=news.example.net header.s=s1\r\n\
DKIM-Signature: v=1; a=rsa-sha256; d=news.example.net; s=s1; h=From:To:Subject:List-Unsubscribe:List-Unsubscribe-Post; bh=a=; b=b=\r\n";

async fn unsubscribe_jobs(m: &Milter) -> Vec<musaid::outbox::OutboxJob> {
    queued(
        &m.store(),
        musaid::store::now_ms() + 3_600_000,
        "unsubscribe",
    )
    .await
}

async fn record(m: &Milter) -> musaid::cleanup::lists::ListRecord {
    musaid::cleanup::edge::get_list(&m.store(), "ceo@example.com", "weekly.news.example.net")
        .await
        .unwrap()
        .expect("the list is remembered")
}

/// Item 1: a stranger's List-Unsubscribe mailto made musaid send mail as the CEO, with the
/// subject and body the stranger chose.
#[tokio::test]
async fn an_unauthenticated_mailto_never_makes_musaid_write_as_the_owner() {
    let m = Milter::start(CONFIG).await;
    let attack = list_mail(
        "",
        "<mailto:attacker@evil.example?subject=Please%20wire%20USD%2050000&body=Approved.%20Wire%20it%20today.>",
        false,
    );
    let (_, st) = send_one(&m, &env(), attack.as_bytes()).await;
    assert_eq!(st, Status::Accept);
    assert!(
        unsubscribe_jobs(&m).await.is_empty(),
        "nothing may be sent on an unauthenticated List-Unsubscribe"
    );
    // Signed, but by someone else's domain: still a stranger's word.
    let other = list_mail(
        "Authentication-Results: mx.example.com; dkim=pass header.d=evil.example\r\n\
DKIM-Signature: v=1; d=evil.example; s=s; h=From:List-Unsubscribe; bh=a=; b=b=\r\n",
        "<mailto:attacker@evil.example?subject=Please%20wire>",
        false,
    );
    send_one(&m, &env(), other.as_bytes()).await;
    assert!(unsubscribe_jobs(&m).await.is_empty());
    let r = record(&m).await;
    assert_eq!(r.authenticated, None);
    let cfg = m.running.shared.config.load_full();
    let report = musaid::cleanup::edge::unsubscribe(
        &m.store(),
        &cfg,
        "ceo@example.com",
        "weekly.news.example.net",
        true,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(report.outcome, "impossible", "{report:?}");
    m.stop().await;
}

/// Item 1, the legitimate case: the list authenticated itself; the request goes to its
/// address with musaid's own words, whatever the URI asked for.
#[tokio::test]
async fn an_authenticated_mailto_unsubscribe_uses_musaids_own_subject_and_body() {
    let m = Milter::start(CONFIG).await;
    let mail = list_mail(
        SIGNED_BY_THE_LIST,
        "<mailto:leave@news.example.net?subject=Please%20wire%20USD%2050000&body=Approved.>",
        false,
    );
    send_one(&m, &env(), mail.as_bytes()).await;
    let jobs = unsubscribe_jobs(&m).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].to, vec!["leave@news.example.net"]);
    assert!(jobs[0].message.contains("\r\nSubject: unsubscribe\r\n"));
    assert!(!jobs[0].message.contains("wire"), "{}", jobs[0].message);
    assert!(!jobs[0].message.contains("Approved"), "{}", jobs[0].message);
    m.stop().await;
}

/// Item 2: a sender-written "pass" under the trusted authserv-id beat the MTA's own fail.
#[tokio::test]
async fn a_forged_pass_does_not_beat_the_mtas_fail() {
    let m = Milter::start(CONFIG).await;
    let forged = list_mail(
        "Authentication-Results: mx.example.com; dkim=fail header.d=news.example.net\r\n\
Received: from evil.example by mx.example.com\r\n\
Authentication-Results: mx.example.com; dkim=pass header.d=news.example.net\r\n\
DKIM-Signature: v=1; d=news.example.net; s=s1; h=From:List-Unsubscribe:List-Unsubscribe-Post; bh=a=; b=b=\r\n",
        "<https://news.example.net/leave?u=1>, <mailto:attacker@news.example.net?subject=wire>",
        true,
    );
    send_one(&m, &env(), forged.as_bytes()).await;
    let r = record(&m).await;
    assert_eq!(r.one_click, OneClick::NotVerified);
    assert_eq!(r.authenticated, None);
    assert!(unsubscribe_jobs(&m).await.is_empty());
    m.stop().await;
}

/// Item 3: any sender could overwrite a list's record by reusing its List-Id and point its
/// one-click link at the cloud metadata address.
#[tokio::test]
async fn a_stranger_reusing_a_list_id_cannot_change_its_record() {
    let cfg = CONFIG.replace(
        "auto_unsubscribe = [\"weekly.news.example.net\", \"news.example.net\"]",
        "",
    );
    let m = Milter::start(&cfg).await;
    let good = "<https://news.example.net/leave?u=7>";
    send_one(
        &m,
        &env(),
        list_mail(SIGNED_BY_THE_LIST, good, true).as_bytes(),
    )
    .await;
    let before = record(&m).await;
    assert_eq!(before.authenticated.as_deref(), Some("news.example.net"));
    assert_eq!(before.one_click, OneClick::Eligible);
    let hijack = list_mail("", "<https://169.254.169.254/latest/meta-data/>", true);
    send_one(&m, &env(), hijack.as_bytes()).await;
    let after = record(&m).await;
    assert_eq!(after.list_unsubscribe.as_deref(), Some(good));
    assert_eq!(after.one_click, OneClick::Eligible);
    assert_eq!(after.sender, before.sender);
    let config = m.running.shared.config.load_full();
    let dry = musaid::cleanup::edge::unsubscribe(
        &m.store(),
        &config,
        "ceo@example.com",
        "weekly.news.example.net",
        true,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert!(dry.detail.contains("news.example.net/leave"), "{dry:?}");
    assert!(!dry.detail.contains("169.254"), "{dry:?}");
    m.stop().await;
}

/// Item 3: the one-click POST went to any https URL, loopback and private ranges included,
/// and was retried eleven times.
#[tokio::test]
async fn one_click_never_reaches_this_host_or_its_network() {
    let m = Milter::start(CONFIG).await;
    let sink = HttpSink::start(vec![200]).await;
    let port = sink
        .url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let store = m.store();
    let config = m.running.shared.config.load_full();
    // Straight from the command (`musaid unsubscribe`), for loopback by address and by name.
    for host in ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"] {
        let url = format!("https://{host}:{port}/hook");
        let r = musaid::cleanup::lists::ListRecord {
            name: format!("{host}.example"),
            sender: "letter@news.example.net".into(),
            first_seen: 0,
            last_seen: 0,
            volume: 1,
            list_unsubscribe: Some(format!("<{url}>")),
            list_unsubscribe_post: Some("List-Unsubscribe=One-Click".into()),
            one_click: OneClick::Eligible,
            owner_wrote: false,
            unsubscribed: None,
            noncompliant: false,
            authenticated: Some("news.example.net".into()),
        };
        musaid::cleanup::edge::put_list(
            &store,
            "ceo@example.com",
            &r,
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
        let report = musaid::cleanup::edge::unsubscribe(
            &store,
            &config,
            "ceo@example.com",
            &r.name,
            false,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!(report.outcome, "refused-address", "{report:?}");
    }
    // Through the outbox, as the milter queues it: a dead letter at once, never retried.
    // (On a store of its own: the running milter's worker would race this one.)
    let dir = tempfile::tempdir().unwrap();
    let own = musaid::config::from_str(
        &format!(
            "[store]\nurl = \"sqlite:{}\"\n",
            dir.path().join("o.db").display()
        ),
        "o.toml",
        &Default::default(),
    )
    .unwrap();
    let store = musaid::store::Store::open(&own.store);
    let job = musaid::cleanup::unsubscribe::one_click_job(
        "ceo@example.com",
        &format!("https://127.0.0.1:{port}/hook"),
        chrono::Utc::now(),
    );
    musaid::outbox::enqueue(&store, "unsub-x", &job)
        .await
        .unwrap();
    let round = musaid::outbox::Worker::default()
        .run_once(&store, &config.outbox, config.retention())
        .await
        .unwrap();
    assert_eq!((round.sent, round.retried, round.dead), (0, 0, 1));
    assert!(
        sink.requests.lock().unwrap().is_empty(),
        "no connection may reach loopback"
    );
    m.stop().await;
}

/// The value of every added header `name`.
fn all_added(actions: &indymilter_test::EomActions, name: &str) -> Vec<String> {
    actions
        .actions
        .iter()
        .filter_map(|a| match a {
            indymilter_test::EomAction::AddHeader { name: n, value }
                if n.to_str().unwrap().eq_ignore_ascii_case(name) =>
            {
                Some(value.to_string_lossy().into_owned())
            }
            _ => None,
        })
        .collect()
}

/// Every header change (name, index, value; None deletes).
fn changes(actions: &indymilter_test::EomActions) -> Vec<(String, i32, Option<String>)> {
    actions
        .actions
        .iter()
        .filter_map(|a| match a {
            indymilter_test::EomAction::ChangeHeader { name, index, value } => Some((
                name.to_string_lossy().into_owned(),
                *index,
                Some(value.to_string_lossy().into_owned()),
            )),
            indymilter_test::EomAction::DeleteHeader { name, index } => {
                Some((name.to_string_lossy().into_owned(), *index, None))
            }
            _ => None,
        })
        .collect()
}

/// Item 4: the ORGANIZER was echoed raw into X-Musaid-Calendar: a bare CR gave the delivered
/// message a real `bcc:` header, a `"` forged parameters.
#[tokio::test]
async fn an_organizer_cannot_inject_into_the_calendar_header() {
    let m = Milter::start(CONFIG).await;
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:inj-1\r\nSEQUENCE:0\r\n\
DTSTAMP:20261101T080000Z\r\nDTSTART:20300107T090000Z\r\nDTEND:20300107T100000Z\r\nSUMMARY:Sync\r\n\
ORGANIZER:mailto:x\"; response=accepted\rbcc: spy@evil.example\r\n\
ATTENDEE:mailto:ceo@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let raw = format!(
        "From: someone@elsewhere.example\r\nTo: ceo@example.com\r\nSubject: Sync\r\nMIME-Version: 1.0\r\n\
Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n{ics}"
    );
    let env = Env::to("someone@elsewhere.example", "ceo@example.com", "INJ");
    let (a, st) = send_one(&m, &env, raw.as_bytes()).await;
    assert_eq!(st, Status::Accept);
    let cal = added(&a, "X-Musaid-Calendar").expect("the invitation is checked");
    assert!(
        cal.starts_with("unverified-organizer; organizer=\""),
        "{cal}"
    );
    assert!(!cal.contains(['\r', '\n']), "{cal:?}");
    let unescaped_quotes = cal
        .char_indices()
        .filter(|(i, c)| *c == '"' && !cal[..*i].ends_with('\\'))
        .count();
    assert_eq!(
        unescaped_quotes, 2,
        "a quote may not end the parameter: {cal}"
    );
    assert!(cal.contains("\\\"; response=accepted"), "{cal}");
    m.stop().await;
}

/// Item 5: an `X-Musaid-Category: urgent` hidden after a bare CR inside another header's
/// value was left in place (a mail reader sees it as a header of its own).
#[tokio::test]
async fn a_musaid_header_hidden_behind_a_bare_cr_is_unhidden() {
    let m = Milter::start(CONFIG).await;
    let env = Env::to("someone@evil.example", "ceo@example.com", "CR");
    let mut conn = m.connect().await;
    conn.mail(["<someone@evil.example>"]).await.unwrap();
    conn.rcpt(["<ceo@example.com>"]).await.unwrap();
    conn.header("From", "someone@evil.example").await.unwrap();
    conn.header("Subject", "Hello").await.unwrap();
    conn.header("Subject", "again\rX-Musaid-Category: urgent")
        .await
        .unwrap();
    conn.header("X-Musaid-Priority", "1").await.unwrap();
    conn.body(b"Nothing urgent.\r\n".to_vec()).await.unwrap();
    conn.macros(indymilter_test::MacroStage::Eom, [("i", env.queue_id)])
        .await
        .unwrap();
    let (a, st) = conn.eom().await.unwrap();
    conn.close().await.unwrap();
    assert_eq!(st, Status::Accept);
    let changed = changes(&a);
    assert!(
        changed.contains(&(
            "Subject".into(),
            2,
            Some("again X-Musaid-Category: urgent".into())
        )),
        "{changed:?}"
    );
    assert!(changed.contains(&("X-Musaid-Priority".into(), 1, None)));
    assert_eq!(all_added(&a, "X-Musaid-Category").len(), 1);
    m.stop().await;
}

/// Item 13: 60,000 distinct X-Musaid-* names stalled a connection for 7.5 s (quadratic);
/// every one of them is still removed.
#[tokio::test]
async fn tens_of_thousands_of_forged_names_are_all_removed() {
    let m = Milter::start(CONFIG).await;
    let mut conn = m.connect().await;
    conn.mail(["<someone@evil.example>"]).await.unwrap();
    conn.rcpt(["<ceo@example.com>"]).await.unwrap();
    conn.header("From", "someone@evil.example").await.unwrap();
    const N: usize = 20_000;
    for i in 0..N {
        conn.header(format!("X-Musaid-N{i}"), "urgent")
            .await
            .unwrap();
    }
    conn.body(b"x\r\n".to_vec()).await.unwrap();
    let (a, st) = conn.eom().await.unwrap();
    conn.close().await.unwrap();
    assert_eq!(st, Status::Accept);
    let removed = changes(&a).iter().filter(|(_, _, v)| v.is_none()).count();
    assert_eq!(removed, N);
    m.stop().await;
}

/// Item 17: a Subject past the 256 KB inspection limit got a second Subject, and a long
/// Subject was cut to 998 bytes by the prefix.
#[tokio::test]
async fn a_subject_prefix_never_cuts_or_duplicates_the_subject() {
    let cfg = format!(
        "{CONFIG}\n[[rule]]\nname = \"tag-external\"\nwhen.sender = \"*@outside.example\"\nthen = {{ subject_prefix = \"[EXT]\" }}\n"
    );
    let m = Milter::start(&cfg).await;
    let env = Env::to("a@outside.example", "ceo@example.com", "SUBJ");
    let long: String = (0..600).map(|i| format!("w{i} ")).collect();
    let raw = format!(
        "From: a@outside.example\r\nTo: ceo@example.com\r\nSubject: {}\r\n\r\nbody\r\n",
        long.trim_end()
    );
    let (a, _) = send_one(&m, &env, raw.as_bytes()).await;
    let (_, _, value) = changes(&a)
        .into_iter()
        .find(|(n, _, _)| n == "Subject")
        .expect("the subject is prefixed");
    let value = value.unwrap();
    assert_eq!(
        value.replace('\n', ""),
        format!("[EXT] {}", long.trim_end())
    );
    assert!(value.lines().all(|l| l.len() < 998));

    // Past the header limit: the Subject is not in the inspected copy, but it is in the mail.
    let filler = "x".repeat(1000);
    let mut raw = String::from("From: a@outside.example\r\nTo: ceo@example.com\r\n");
    for i in 0..300 {
        raw.push_str(&format!("X-Filler-{i}: {filler}\r\n"));
    }
    raw.push_str("Subject: late\r\n\r\nbody\r\n");
    let (a, _) = send_one(&m, &env, raw.as_bytes()).await;
    assert!(
        all_added(&a, "Subject").is_empty(),
        "a second Subject was added"
    );
    m.stop().await;
}

/// Item 6: musaid's own acknowledgements, relayed through the local MTA, came back through
/// the milter, were tagged (the outside sender saw X-Musaid-* headers) and counted as
/// received mail.
#[tokio::test]
async fn musaids_own_mail_passes_untagged_and_uncounted() {
    let m = Milter::start(CONFIG).await;
    let store = m.store();
    let keys = musaid::outbox::origin::keys(&store).await.unwrap();
    // The milter's snapshot of the store is read at start; wait for it to hold the key.
    for _ in 0..100 {
        if !m.running.shared.memory.load().origin_keys.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let ack = "From: <ceo@example.com>\r\nTo: <partner@outside.example>\r\nSubject: Auto: hello\r\n\
Message-ID: <musaid.ack-1@example.com>\r\nAuto-Submitted: auto-replied\r\n\r\nThank you.\r\n";
    let to = vec!["partner@outside.example".to_string()];
    let stamped = musaid::outbox::origin::stamped(&keys[0], ack, &to);
    let env = Env::to("", "partner@outside.example", "OWN");
    let day = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let before = counted(&store, "*", &day, "received").await;
    let (a, st) = send_one(&m, &env, stamped.as_bytes()).await;
    assert_eq!(st, Status::Accept);
    assert!(
        all_added(&a, "X-Musaid-Category").is_empty()
            && all_added(&a, "X-Musaid-Reason").is_empty(),
        "own mail is not tagged: {:?}",
        a.actions
    );
    assert_eq!(counted(&store, "*", &day, "received").await, before);
    // The same stamp on mail to someone else (a copied acknowledgement) proves nothing.
    let replayed = Env {
        rcpts: vec!["ceo@example.com"],
        ..env.clone()
    };
    let (a, _) = send_one(&m, &replayed, stamped.as_bytes()).await;
    assert_eq!(all_added(&a, "X-Musaid-Category").len(), 1);
    assert_eq!(counted(&store, "*", &day, "received").await, before + 1);
    m.stop().await;
}

/// Item 14: with every slot held by an idle connection, a new MTA connection waited for the
/// whole idle timeout (five minutes by default).
#[tokio::test]
async fn idle_connections_never_lock_out_a_new_one() {
    let cfg = CONFIG.replace(
        "[store]",
        "[milter]\nmax_connections = 4\nconnection_timeout = \"300s\"\n\n[store]",
    );
    let m = Milter::start(&cfg).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(m.connect().await);
    }
    let env = Env::to("someone@outside.example", "ceo@example.com", "FULL");
    let raw =
        b"From: someone@outside.example\r\nTo: ceo@example.com\r\nSubject: hi\r\n\r\nhello\r\n";
    // A guard against a hang only (the old behaviour waited 300 s): not a speed check.
    let (a, st) = tokio::time::timeout(std::time::Duration::from_secs(60), send_one(&m, &env, raw))
        .await
        .expect("a new connection was locked out by idle ones");
    assert_eq!(st, Status::Accept);
    assert!(added(&a, "X-Musaid-Category").is_some());
    // The quietest idle connection made room: it was closed.
    let mut first = idle.remove(0);
    assert!(first.mail(["<a@b.example>"]).await.is_err() || first.eom().await.is_err());
    m.stop().await;
}

const ANSWERING: &str = r#"
[store]
timeout = "5s"

[outbox]
relay = "smtp://127.0.0.1:1"
retry_after = "1h"

[autoreply]
trusted_authserv_ids = ["mx.example.com"]

[[mailbox]]
address = "ceo@example.com"
working_hours = "00:00-24:00"
working_days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
invitations = { on_free = "accept" }

[[mailbox]]
address = "support@example.com"
autoreply = "ack"

[template.ack]
subject = { en = "Auto: {subject}" }
body = { en = "Thank you, your request was received." }
"#;

fn invitation(auth: &str) -> Vec<u8> {
    format!(
        "{auth}From: partner@partner.example.org\r\nTo: ceo@example.com\r\nSubject: Planning\r\nMIME-Version: 1.0\r\n\
Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n\
BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:plan-7\r\nSEQUENCE:0\r\nDTSTAMP:20261101T080000Z\r\n\
DTSTART:20300107T090000Z\r\nDTEND:20300107T100000Z\r\nSUMMARY:Planning\r\nORGANIZER:mailto:partner@partner.example.org\r\n\
ATTENDEE;RSVP=TRUE:mailto:ceo@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

/// Claims every queued job of `kind` (as a worker would, an hour ahead): (id, job).
async fn claim_all(
    store: &musaid::store::Store,
    kind: &str,
) -> Vec<(String, musaid::outbox::OutboxJob)> {
    store
        .claim(
            musaid::outbox::queue(),
            musaid::store::now_ms() + 3_600_000,
            60_000,
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|j| {
            (
                j.id,
                serde_json::from_slice::<musaid::outbox::OutboxJob>(&j.payload).unwrap(),
            )
        })
        .filter(|(_, j)| j.kind.starts_with(kind))
        .collect()
}

/// Item 7: a re-delivered invitation (same UID and SEQUENCE) was answered again, ten times in
/// one run; and the automatic answer went to any organizer matching their own envelope
/// sender, authenticated or not.
#[tokio::test]
async fn an_invitation_is_answered_once_and_only_when_authenticated() {
    let m = Milter::start(ANSWERING).await;
    let store = m.store();
    let env = Env::to("partner@partner.example.org", "ceo@example.com", "INV");
    // Not authenticated by the MTA: tagged, not answered.
    let (a, _) = send_one(&m, &env, &invitation("")).await;
    let cal = added(&a, "X-Musaid-Calendar").unwrap();
    assert!(cal.starts_with("unverified-organizer"), "{cal}");
    assert!(claim_all(&store, "calendar").await.is_empty());
    // Authenticated: answered, once.
    let auth = "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=partner@partner.example.org\r\n";
    let (a, _) = send_one(&m, &env, &invitation(auth)).await;
    assert!(
        added(&a, "X-Musaid-Calendar")
            .unwrap()
            .contains("response=accepted")
    );
    let jobs = claim_all(&store, "calendar").await;
    assert_eq!(jobs.len(), 1);
    // It is sent (the relay's 250 recorded), then the same invitation arrives again.
    store
        .ack(musaid::outbox::queue(), jobs[0].0.clone())
        .await
        .unwrap();
    for _ in 0..3 {
        send_one(&m, &env, &invitation(auth)).await;
    }
    assert!(
        claim_all(&store, "calendar").await.is_empty(),
        "a re-delivered invitation is not answered again"
    );
    m.stop().await;
}

/// Item 7: musaid's own "Auto:" subject was not recognised as an auto-reply: two
/// installations acknowledging each other were bounded only by per-sender dedupe.
#[tokio::test]
async fn an_auto_subject_is_never_acknowledged() {
    let m = Milter::start(ANSWERING).await;
    let env = Env::to("helpdesk@other.example", "support@example.com", "AUTO");
    let raw = b"From: helpdesk@other.example\r\nTo: support@example.com\r\nSubject: Auto: Your request\r\n\r\nThank you, your request was received.\r\n";
    send_one(&m, &env, raw).await;
    assert!(claim_all(&m.store(), "autoreply").await.is_empty());
    // The same person asking for help is acknowledged.
    let raw = b"From: helpdesk@other.example\r\nTo: support@example.com\r\nSubject: VPN broken\r\n\r\nThe VPN does not work.\r\n";
    send_one(&m, &env, raw).await;
    assert_eq!(claim_all(&m.store(), "autoreply").await.len(), 1);
    m.stop().await;
}
