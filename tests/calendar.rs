//! Invitations through the milter, against an imported calendar: conflicts, free time,
//! outside working hours, stale updates, spoofed organizers, cancellations and acceptances;
//! and every iCalendar file of the corpus read without a panic.

mod common;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use common::*;
use indymilter_test::Status;
use musaid::calendar::{held, ical, invitations};
use musaid::message::ParsedMessage;
use std::path::PathBuf;

const CONFIG: &str = r#"
[store]
timeout = "5s"

[[mailbox]]
address = "ceo@example.com"
time_zone = "Asia/Riyadh"
working_hours = "08:00-17:00"
working_days = ["sun", "mon", "tue", "wed", "thu"]
vip = ["chairman@board.example.net"]
"#;

/// The next Monday at least a week ahead (a working day in Riyadh).
fn monday() -> NaiveDate {
    let mut d = Utc::now().date_naive() + Duration::days(7);
    while d.weekday() != chrono::Weekday::Mon {
        d += Duration::days(1);
    }
    d
}

fn ics_time(d: NaiveDate, hour: u32) -> String {
    format!("{}T{hour:02}0000", d.format("%Y%m%d"))
}

/// An invitation as Outlook sends it: Windows zone name, METHOD in the part and the body.
fn invite(
    method: &str,
    uid: &str,
    seq: u32,
    start: &str,
    end: &str,
    organizer: &str,
    summary: &str,
) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nPRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r\nVERSION:2.0\r\nMETHOD:{method}\r\nBEGIN:VTIMEZONE\r\nTZID:Arab Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16010101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nSEQUENCE:{seq}\r\nDTSTAMP:20261101T080000Z\r\nDTSTART;TZID=Arab Standard Time:{start}\r\nDTEND;TZID=Arab Standard Time:{end}\r\nSUMMARY:{summary}\r\nORGANIZER;CN=Organizer:mailto:{organizer}\r\nATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ceo@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn mail(from: &str, subject: &str, ics: &str, method: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: ceo@example.com\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nPlease join.\r\n--b\r\nContent-Type: text/calendar; charset=utf-8; method={method}\r\n\r\n{ics}\r\n--b--\r\n"
    )
    .into_bytes()
}

/// What the owner's calendar holds for `uid` (the test mailbox is always ceo@example.com).
async fn held(store: &musaid::store::Store, uid: &str) -> Option<held::Stored> {
    held::get(store, "ceo@example.com", uid).await.unwrap()
}

async fn deliver(
    m: &Milter,
    from: &str,
    subject: &str,
    ics: &str,
    method: &str,
) -> (Option<String>, Option<String>, Option<String>) {
    let env = Env {
        from,
        rcpts: vec!["ceo@example.com"],
        auth: None,
        queue_id: "CAL",
    };
    let (a, st) = send_one(m, &env, &mail(from, subject, ics, method)).await;
    assert_eq!(st, Status::Accept, "{subject}");
    (
        added(&a, "X-Musaid-Calendar"),
        added(&a, "X-Musaid-Category"),
        added(&a, "X-Musaid-Priority"),
    )
}

#[tokio::test]
async fn invitations_are_checked_against_the_owners_calendar_at_delivery() {
    let m = Milter::start(CONFIG).await;
    let store = m.store();
    let tz = chrono_tz::Asia::Riyadh;
    let day = monday();
    // The owner's calendar: a board meeting 10:00-12:00 that day, weekly.
    let imported = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:board-weekly\r\nDTSTART;TZID=Asia/Riyadh:{}\r\nDTEND;TZID=Asia/Riyadh:{}\r\nRRULE:FREQ=WEEKLY;COUNT=8\r\nSUMMARY:Board meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        ics_time(day, 10),
        ics_time(day, 12)
    );
    let r = held::import(
        &store,
        "ceo@example.com",
        &imported,
        Utc::now(),
        Duration::days(180),
        tz,
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!((r.events, r.busy_intervals), (1, 8));

    // 11:00-12:00 overlaps the board meeting.
    let (cal, cat, _) = deliver(
        &m,
        "pa@partner.example.org",
        "Invitation: budget",
        &invite(
            "REQUEST",
            "inv-1",
            0,
            &ics_time(day, 11),
            &ics_time(day, 12),
            "pa@partner.example.org",
            "Budget",
        ),
        "REQUEST",
    )
    .await;
    let cal = cal.expect("X-Musaid-Calendar");
    assert!(cal.starts_with("conflict; with=\"Board meeting\""), "{cal}");
    assert!(cal.contains(&format!("{} 10:00", day)), "{cal}");
    assert_eq!(cat.as_deref(), Some("meeting"));
    // 14:00-15:00 is free and inside working hours.
    let (cal, _, _) = deliver(
        &m,
        "pa@partner.example.org",
        "Invitation: review",
        &invite(
            "REQUEST",
            "inv-2",
            0,
            &ics_time(day, 14),
            &ics_time(day, 15),
            "pa@partner.example.org",
            "Review",
        ),
        "REQUEST",
    )
    .await;
    assert_eq!(cal.as_deref(), Some("free"));
    // 19:00 is after hours.
    let (cal, _, _) = deliver(
        &m,
        "pa@partner.example.org",
        "Invitation: dinner",
        &invite(
            "REQUEST",
            "inv-3",
            0,
            &ics_time(day, 19),
            &ics_time(day, 21),
            "pa@partner.example.org",
            "Dinner",
        ),
        "REQUEST",
    )
    .await;
    assert!(
        cal.as_deref().unwrap().starts_with("outside-hours"),
        "{cal:?}"
    );
    // An organizer of another domain than the sender: only tagged.
    let (cal, _, _) = deliver(
        &m,
        "mallory@attacker.example",
        "Invitation: urgent call",
        &invite(
            "REQUEST",
            "inv-4",
            0,
            &ics_time(day, 14),
            &ics_time(day, 15),
            "ceo-office@example.com",
            "Call",
        ),
        "REQUEST",
    )
    .await;
    assert!(
        cal.as_deref().unwrap().starts_with("unverified-organizer"),
        "{cal:?}"
    );
    assert!(held(&store, "inv-4").await.is_none(), "not remembered");
    // An older update of inv-2 (lower SEQUENCE than held after an update to 2).
    deliver(
        &m,
        "pa@partner.example.org",
        "Updated: review",
        &invite(
            "REQUEST",
            "inv-2",
            2,
            &ics_time(day, 14),
            &ics_time(day, 15),
            "pa@partner.example.org",
            "Review",
        ),
        "REQUEST",
    )
    .await;
    let (cal, _, _) = deliver(
        &m,
        "pa@partner.example.org",
        "Invitation: review",
        &invite(
            "REQUEST",
            "inv-2",
            1,
            &ics_time(day, 14),
            &ics_time(day, 15),
            "pa@partner.example.org",
            "Review",
        ),
        "REQUEST",
    )
    .await;
    assert_eq!(cal.as_deref(), Some("stale; held-sequence=2"));
    // A VIP's invitation that conflicts is raised to priority 1.
    let (cal, _, prio) = deliver(
        &m,
        "chairman@board.example.net",
        "Invitation: strategy",
        &invite(
            "REQUEST",
            "inv-5",
            0,
            &ics_time(day, 10),
            &ics_time(day, 11),
            "chairman@board.example.net",
            "Strategy",
        ),
        "REQUEST",
    )
    .await;
    assert!(cal.unwrap().starts_with("conflict"));
    assert_eq!(prio.as_deref(), Some("1"));

    // The owner accepts inv-2 (an iTIP REPLY through submission): it now blocks 14:00-15:00.
    let reply = invite(
        "REPLY",
        "inv-2",
        2,
        &ics_time(day, 14),
        &ics_time(day, 15),
        "pa@partner.example.org",
        "Review",
    )
    .replace("PARTSTAT=NEEDS-ACTION;RSVP=TRUE", "PARTSTAT=ACCEPTED");
    let env = Env {
        from: "ceo@example.com",
        rcpts: vec!["pa@partner.example.org"],
        auth: Some("ceo"),
        queue_id: "OUT",
    };
    let raw = String::from_utf8(mail("ceo@example.com", "Accepted: review", &reply, "REPLY"))
        .unwrap()
        .replace("To: ceo@example.com", "To: pa@partner.example.org");
    send_one(&m, &env, raw.as_bytes()).await;
    assert_eq!(held(&store, "inv-2").await.unwrap().source, "accepted");
    let (cal, _, _) = deliver(
        &m,
        "x@other.example.org",
        "Invitation: clash",
        &invite(
            "REQUEST",
            "inv-6",
            0,
            &ics_time(day, 14),
            &ics_time(day, 15),
            "x@other.example.org",
            "Clash",
        ),
        "REQUEST",
    )
    .await;
    assert!(cal.unwrap().starts_with("conflict; with=\"Review\""));
    // The organizer cancels it: the slot is free again.
    let (cal, _, _) = deliver(
        &m,
        "pa@partner.example.org",
        "Canceled: review",
        &invite(
            "CANCEL",
            "inv-2",
            3,
            &ics_time(day, 14),
            &ics_time(day, 15),
            "pa@partner.example.org",
            "Review",
        ),
        "CANCEL",
    )
    .await;
    assert!(cal.unwrap().starts_with("cancelled; removed"));
    let (cal, _, _) = deliver(
        &m,
        "x@other.example.org",
        "Invitation: clash again",
        &invite(
            "REQUEST",
            "inv-7",
            0,
            &ics_time(day, 14),
            &ics_time(day, 15),
            "x@other.example.org",
            "Clash",
        ),
        "REQUEST",
    )
    .await;
    assert_eq!(cal.as_deref(), Some("free"));

    let today = chrono::Utc::now()
        .with_timezone(&tz)
        .date_naive()
        .to_string();
    let n = async |metric: &str| counted(&store, "ceo@example.com", &today, metric).await;
    assert_eq!(n("invitation-received").await, 9);
    assert_eq!(n("calendar-conflict").await, 3);
    assert_eq!(n("calendar-accepted").await, 1);
    assert_eq!(n("calendar-cancelled").await, 1);
    m.stop().await;
}

fn ics_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            ics_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "ics") {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_calendar_is_read_or_rejected_cleanly() {
    let mut files = Vec::new();
    ics_files(&corpus_dir().join("icalendar"), &mut files);
    assert!(files.len() > 100, "{}", files.len());
    let (mut calendars, mut events, mut rejected, mut fragments) = (0, 0, 0, 0);
    let from = Utc.with_ymd_and_hms(1990, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2040, 1, 1, 0, 0, 0).unwrap();
    for f in &files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
        if !text.to_ascii_uppercase().contains("BEGIN:VCALENDAR") {
            fragments += 1;
        }
        match ical::parse(&text) {
            Ok(cals) => {
                calendars += cals.len();
                for cal in &cals {
                    let zones = musaid::calendar::zones::Zones::from_calendar(cal);
                    for c in cal.children_named("VEVENT") {
                        if let Some(e) = musaid::calendar::event::Event::from_component(c, &zones) {
                            events += 1;
                            let _ = musaid::calendar::event::busy(
                                std::slice::from_ref(&e),
                                from,
                                to,
                                chrono_tz::UTC,
                            );
                        }
                    }
                }
            }
            Err(_) => rejected += 1,
        }
    }
    println!(
        "corpus iCalendar: {} files, {calendars} calendars, {events} events read, {rejected} files rejected (no VCALENDAR)",
        files.len()
    );
    // Only the fragments (a VEVENT or VTIMEZONE alone, test snippets) are rejected.
    assert_eq!(rejected, fragments);
    assert!(events >= 90, "{events}");
}

#[test]
fn invitation_mails_in_the_corpus_are_recognised() {
    let cases = [
        (
            "php-mime-mail-parser/tests/mails/m0020",
            Some(("REQUEST", "2014-03-28T09:03:00+00:00")),
        ),
        (
            "rspamd/test/functional/messages/ics.eml",
            Some(("PUBLISH", "2019-11-22T06:00:00+00:00")),
        ),
        (
            "rspamd/test/functional/messages/alt-html-calendar.eml",
            Some(("REQUEST", "2024-01-01T10:00:00+00:00")),
        ),
        // An empty VCALENDAR: a calendar part, but no event to act on.
        (
            "mail-parser/resources/eml/regressions/mixed-calendar.eml",
            None,
        ),
    ];
    for (path, want) in cases {
        let raw = std::fs::read(corpus_dir().join(path)).unwrap();
        let m = ParsedMessage::parse(&raw, raw.len(), false);
        assert!(
            !m.calendars.is_empty(),
            "{path}: the calendar part is found"
        );
        let got = invitations(&m).into_iter().next().map(|i| {
            let (start, _) = i.first(i.master().start.utc(chrono_tz::UTC), chrono_tz::UTC);
            (i.method, start.to_rfc3339())
        });
        println!("{path}: {got:?}");
        assert_eq!(
            got.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
            want,
            "{path}"
        );
    }
}

/// The iTIP objects waiting in the outbox, parsed back from the mail musaid wrote.
async fn queued_itip(
    store: &musaid::store::Store,
) -> Vec<(String, Vec<String>, musaid::calendar::Invitation, String)> {
    queued(store, musaid::store::now_ms() + 3_600_000, "calendar-")
        .await
        .into_iter()
        .map(|j| {
            let m = ParsedMessage::parse(j.message.as_bytes(), j.message.len(), false);
            let inv = invitations(&m).into_iter().next().expect("an iTIP part");
            (j.kind.clone(), j.to.clone(), inv, m.text.clone())
        })
        .collect()
}

#[tokio::test]
async fn answers_on_the_owners_behalf_accept_free_time_and_counter_conflicts() {
    let config = CONFIG.replace(
        "vip = [",
        "owner = \"Faisal\"\ninvitations = { on_free = \"accept\", on_conflict = \"counter\" }\nvip = [",
    );
    let m = Milter::start(&config).await;
    let store = m.store();
    let tz = chrono_tz::Asia::Riyadh;
    let day = monday();
    let imported = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:board\r\nDTSTART;TZID=Asia/Riyadh:{}\r\nDTEND;TZID=Asia/Riyadh:{}\r\nSUMMARY:Board meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        ics_time(day, 8),
        ics_time(day, 12)
    );
    held::import(
        &store,
        "ceo@example.com",
        &imported,
        Utc::now(),
        Duration::days(180),
        tz,
    )
    .await
    .unwrap()
    .unwrap();
    // Free at 13:00-14:00: accepted, and the calendar now holds it.
    let (cal, _, _) = deliver(
        &m,
        "pa@partner.example.org",
        "Invitation: lunch",
        &invite(
            "REQUEST",
            "r-1",
            0,
            &ics_time(day, 13),
            &ics_time(day, 14),
            "pa@partner.example.org",
            "Lunch",
        ),
        "REQUEST",
    )
    .await;
    assert_eq!(cal.as_deref(), Some("free; response=accepted"));
    assert_eq!(held(&store, "r-1").await.unwrap().source, "accepted");
    // 11:00-12:00 clashes with the board meeting: a counter-proposal.
    let (cal, _, _) = deliver(
        &m,
        "pa@partner.example.org",
        "Invitation: budget",
        &invite(
            "REQUEST",
            "r-2",
            0,
            &ics_time(day, 11),
            &ics_time(day, 12),
            "pa@partner.example.org",
            "Budget",
        ),
        "REQUEST",
    )
    .await;
    assert!(
        cal.as_deref().unwrap().ends_with("; response=counter"),
        "{cal:?}"
    );

    let queued = queued_itip(&store).await;
    assert_eq!(
        queued.len(),
        2,
        "{:?}",
        queued.iter().map(|q| &q.0).collect::<Vec<_>>()
    );
    let (kind, to, reply, text) = queued.iter().find(|q| q.0 == "calendar-accepted").unwrap();
    assert_eq!(kind, "calendar-accepted");
    assert_eq!(to, &vec!["pa@partner.example.org".to_string()]);
    assert_eq!(reply.method, "REPLY");
    assert_eq!(reply.master().attendees[0].partstat, "ACCEPTED");
    assert!(text.contains("Faisal accepts \"Lunch\""), "{text}");
    let (_, to, counter, text) = queued.iter().find(|q| q.0 == "calendar-counter").unwrap();
    assert_eq!(to, &vec!["pa@partner.example.org".to_string()]);
    assert_eq!(counter.method, "COUNTER");
    assert_eq!(counter.uid, "r-2");
    // The proposal lasts as long, is inside working hours, and clashes with nothing held.
    let (a, b) = counter.first(Utc::now(), tz);
    assert_eq!(b - a, Duration::hours(1));
    let (la, lb) = (a.with_timezone(&tz), b.with_timezone(&tz));
    assert!(
        la.date_naive() >= day
            && la.format("%H:%M").to_string().as_str() >= "08:00"
            && lb.format("%H:%M").to_string().as_str() <= "17:00",
        "{la} {lb}"
    );
    assert!(
        [
            chrono::Weekday::Sun,
            chrono::Weekday::Mon,
            chrono::Weekday::Tue,
            chrono::Weekday::Wed,
            chrono::Weekday::Thu
        ]
        .contains(&la.weekday())
    );
    let held = held::all(&store, "ceo@example.com", 0).await.unwrap();
    for s in held.iter().filter(|s| s.blocks()) {
        for (x, y) in &s.busy {
            assert!(
                !(*x < b.timestamp_millis() && a.timestamp_millis() < *y),
                "proposal clashes with {}",
                s.summary
            );
        }
    }
    assert!(text.contains("Other free times:"), "{text}");
    assert_eq!(
        text.matches("\n- ").count(),
        3,
        "three alternatives: {text}"
    );
    m.stop().await;
}

#[tokio::test]
async fn an_arabic_mailbox_answers_in_arabic_with_its_digits_and_the_invitation_s_own_words() {
    let config = CONFIG.replace(
        "vip = [",
        "owner = \"فيصل\"\nlanguage = \"ar\"\ndigits = \"arabic-indic\"\ninvitations = { on_free = \"accept\", on_conflict = \"counter\" }\nvip = [",
    );
    let m = Milter::start(&config).await;
    let store = m.store();
    let day = monday();
    let (cal, _, _) = deliver(
        &m,
        "pa@partner.example.org",
        "Invitation: Q3 2027 review",
        &invite(
            "REQUEST",
            "ar-1",
            0,
            &ics_time(day, 13),
            &ics_time(day, 14),
            "pa@partner.example.org",
            "Q3 2027 review",
        ),
        "REQUEST",
    )
    .await;
    assert_eq!(cal.as_deref(), Some("free; response=accepted"));
    let queued = queued_itip(&store).await;
    let (_, _, _, text) = queued.iter().find(|q| q.0 == "calendar-accepted").unwrap();
    let text = musaid::locale::without_isolates(text);
    // The day's name and the time in Arabic, the summary as the organiser wrote it.
    assert!(text.contains("الاثنين"), "{text}");
    assert!(text.contains("١٣:٠٠"), "{text}");
    assert!(text.contains("Q3 2027 review"), "{text}");
    assert!(!text.contains("Mon "), "{text}");
    m.stop().await;
}

#[tokio::test]
async fn a_calendar_feed_file_is_read_and_blocks_time() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("published.ics");
    let day = monday();
    std::fs::write(
        &feed,
        format!(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:feed-1\r\nDTSTART;TZID=W. Europe Standard Time:{}\r\nDTEND;TZID=W. Europe Standard Time:{}\r\nSUMMARY:Supervisory board\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            ics_time(day, 9),
            ics_time(day, 10)
        ),
    )
    .unwrap();
    let config = CONFIG.replace(
        "vip = [",
        &format!("calendar_feed = \"{}\"\nvip = [", feed.display()),
    );
    let m = Milter::start(&config).await;
    let store = m.store();
    for _ in 0..50 {
        if held(&store, "feed-1").await.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // 09:00-10:00 Berlin is 11:00-12:00 Riyadh in winter (10:00-11:00 in summer).
    let held = held(&store, "feed-1").await.expect("the feed was read");
    let start = Utc.timestamp_millis_opt(held.busy[0].0).unwrap();
    let berlin = start.with_timezone(&chrono_tz::Europe::Berlin);
    assert_eq!(berlin.format("%H:%M").to_string(), "09:00");
    let riyadh_hour = start
        .with_timezone(&chrono_tz::Asia::Riyadh)
        .format("%H")
        .to_string()
        .parse::<u32>()
        .unwrap();
    let (cal, _, _) = deliver(
        &m,
        "pa@partner.example.org",
        "Invitation: call",
        &invite(
            "REQUEST",
            "f-1",
            0,
            &ics_time(day, riyadh_hour),
            &ics_time(day, riyadh_hour + 1),
            "pa@partner.example.org",
            "Call",
        ),
        "REQUEST",
    )
    .await;
    assert!(
        cal.unwrap()
            .starts_with("conflict; with=\"Supervisory board\"")
    );
    m.stop().await;
}

#[tokio::test]
async fn an_unknown_time_zone_is_reported_never_silently_replaced() {
    let m = Milter::start(CONFIG).await;
    let day = monday();
    // A TZID no zone answers to and no VTIMEZONE defines (the VTIMEZONE is of another TZID).
    let ics = invite(
        "REQUEST",
        "inv-mars",
        0,
        &ics_time(day, 11),
        &ics_time(day, 12),
        "pa@partner.example.org",
        "Budget",
    )
    .replace("TZID=Arab Standard Time", "TZID=Olympus Mons Standard Time");
    let (cal, cat, _) = deliver(
        &m,
        "pa@partner.example.org",
        "Invitation: budget",
        &ics,
        "REQUEST",
    )
    .await;
    let cal = cal.expect("X-Musaid-Calendar");
    assert!(cal.contains("; timezone=unknown"), "{cal}");
    assert_eq!(cat.as_deref(), Some("meeting"));
    // A known one is not flagged.
    let ics = invite(
        "REQUEST",
        "inv-riyadh",
        0,
        &ics_time(day, 14),
        &ics_time(day, 15),
        "pa@partner.example.org",
        "Budget",
    );
    let (cal, _, _) = deliver(&m, "pa@partner.example.org", "Invitation", &ics, "REQUEST").await;
    assert!(!cal.expect("X-Musaid-Calendar").contains("timezone="));
}
