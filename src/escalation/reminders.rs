//! Reminders to the mailbox itself, of two kinds:
//!
//! - **Daily, of unanswered mail**: on each working day, at `[tracking] remind_at` in the
//!   mailbox's time zone (or later that day, as soon as something qualifies), one message
//!   listing the tracked mail unanswered for at least `remind_after`, most important first.
//!   With several musaid hosts it goes once a day: the day is claimed in the store first.
//! - **Of a deadline written in the text** ([`crate::escalation::deadline`]): `deadline_remind_before` of
//!   working time before it, one message naming the mail and the deadline, unless a reply was
//!   sent first. Reminders are members of a time-ordered set taken atomically, so each goes
//!   once whichever host takes it.
//!
//! Nothing is sent when nothing is due.

use crate::config::{Config, Mailbox};
use crate::escalation::tracking::{Tracked, deadlines_key, record_key, unanswered_key};
use crate::locale::{Strings, finish, verbatim};
use crate::message::compose::{Outgoing, Part};
use crate::outbox::{self, OutboxJob};
use crate::store::{Count, Store, StoreError};
use chrono::{DateTime, Datelike, Utc};

/// Sends the reminders that are due; returns how many were queued.
pub async fn run_due(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let Some(at) = config.tracking.remind_at else {
        return Ok(0);
    };
    let cutoff = now - chrono::Duration::from_std(config.tracking.remind_after).unwrap_or_default();
    let mut sent = 0;
    for mb in &config.mailboxes {
        let local = now.with_timezone(&mb.schedule.time_zone);
        let today = local.date_naive();
        if !mb.schedule.days.contains(local.weekday())
            || mb.holidays.contains(&today)
            || local.time() < at
        {
            continue;
        }
        let due = store
            .scheduled(
                unanswered_key(&mb.address),
                0,
                cutoff.timestamp_millis(),
                200,
            )
            .await?;
        if due.is_empty() {
            continue;
        }
        let mut items: Vec<Tracked> = Vec::new();
        for (member, _) in due {
            match store.get(record_key(&mb.address, &member)).await? {
                Some(raw) => items.extend(serde_json::from_slice::<Tracked>(&raw).ok()),
                // Forgotten (kept too long): drop it from the list too.
                None => {
                    store
                        .unschedule(unanswered_key(&mb.address), member)
                        .await?;
                }
            }
        }
        if items.is_empty() {
            continue;
        }
        items.sort_by_key(|t| (t.priority, t.received));
        let (subject, body) = daily_reminder(config, mb, &items);
        let id = format!(
            "remind-{}-{today}",
            crate::message::header::fingerprint(&[&mb.address])
        );
        // One reminder a day: its id is the day's, and the outbox queues an id once.
        if queue(
            store,
            config,
            mb,
            now,
            &id,
            &subject,
            &body,
            "reminder-sent",
        )
        .await?
        {
            tracing::info!(mailbox = %mb.address, unanswered = items.len(), "reminder queued");
            sent += 1;
        }
    }
    Ok(sent)
}

/// The daily reminder's subject and body, in the mailbox's language: the unanswered mail,
/// most important first, each with its category, priority, arrival, sender and subject.
pub fn daily_reminder(config: &Config, mb: &Mailbox, items: &[Tracked]) -> (String, String) {
    let s = Strings::for_language(mb.language.code());
    let n = items.len() as u64;
    let mut body = format!("{}\r\n\r\n", s.counted("reminder_intro", n));
    for t in items {
        let priority = t.priority.to_string();
        body.push_str(&s.fill(
            "reminder_item",
            &[
                (
                    "category",
                    &config.category_display(&t.category, mb.language),
                ),
                ("priority", &priority),
                ("received", &received_at(&s, mb, t.received)),
                ("from", &verbatim(t.from.as_deref().unwrap_or("-"))),
                ("subject", &verbatim(t.subject.as_deref().unwrap_or(""))),
            ],
        ));
        body.push_str("\r\n");
    }
    (
        finish(&s.counted("reminder_subject", n), mb.digits, false),
        finish(&body, mb.digits, false),
    )
}

/// A deadline reminder's subject and body, in the mailbox's language.
pub fn deadline_reminder(
    config: &Config,
    mb: &Mailbox,
    t: &Tracked,
    due: &DateTime<chrono_tz::Tz>,
) -> (String, String) {
    let s = Strings::for_language(mb.language.code());
    let when = s.date(due, &s.get("date_deadline"));
    let subject_of_mail = verbatim(t.subject.as_deref().unwrap_or(""));
    let subject = s.fill(
        "deadline_subject",
        &[("when", &when), ("subject", &subject_of_mail)],
    );
    let priority = t.priority.to_string();
    let category = s.fill(
        "category_with_priority",
        &[
            (
                "category",
                &config.category_display(&t.category, mb.language),
            ),
            ("priority", &priority),
        ],
    );
    let mut body = format!("{}\r\n\r\n", s.fill("deadline_body", &[("when", &when)]));
    for (label, value) in [
        ("field_from", &verbatim(t.from.as_deref().unwrap_or("-"))),
        ("field_subject", &subject_of_mail),
        ("field_received", &received_at(&s, mb, t.received)),
        ("field_category", &category),
    ] {
        body.push_str(&format!("{}: {value}\r\n", s.get(label)));
    }
    (
        finish(&subject, mb.digits, false),
        finish(&body, mb.digits, false),
    )
}

/// When a tracked message arrived, in the mailbox's zone and language.
fn received_at(s: &Strings, mb: &Mailbox, ms: i64) -> String {
    mb.schedule
        .local_ms(ms)
        .map(|at| s.date(&at, &s.get("date_received")))
        .unwrap_or_default()
}

/// Queues the reminders of written deadlines that are due; returns how many were queued.
pub async fn run_deadlines(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let mut sent = 0;
    for mb in &config.mailboxes {
        let schedule = deadlines_key(&mb.address);
        for (member, _) in store
            .scheduled(schedule.clone(), 0, now.timestamp_millis(), 50)
            .await?
        {
            // Queue first, take after (as escalations do, see `escalation::edge::fire_due`): a
            // failure in between leaves it scheduled, and the next round's queueing is a
            // no-op. No record: answered meanwhile (the reply also unschedules), or forgotten.
            let tracked = store
                .get(record_key(&mb.address, &member))
                .await?
                .and_then(|raw| serde_json::from_slice::<Tracked>(&raw).ok());
            let Some((t, due)) = tracked.and_then(|t| {
                let due = t.deadline.and_then(|d| mb.schedule.local_ms(d))?;
                Some((t, due))
            }) else {
                store.unschedule(schedule.clone(), member).await?;
                continue;
            };
            let (subject, body) = deadline_reminder(config, mb, &t, &due);
            let id = format!(
                "deadline-{}",
                crate::message::header::fingerprint(&[&mb.address, &member])
            );
            let subject = crate::message::header::header_safe(&subject, 300);
            let queued = queue(
                store,
                config,
                mb,
                now,
                &id,
                &subject,
                &body,
                "deadline-reminder-sent",
            )
            .await?;
            if store.unschedule(schedule.clone(), member).await? && queued {
                tracing::info!(mailbox = %mb.address, due = %due.to_rfc3339(), "deadline reminder queued");
                sent += 1;
            }
        }
    }
    Ok(sent)
}

/// Queues one reminder to the mailbox through the outbox and counts it (mailbox and
/// organisation); false (and nothing counted) if its id was queued or sent before.
#[allow(clippy::too_many_arguments)]
async fn queue(
    store: &Store,
    config: &Config,
    mb: &Mailbox,
    now: DateTime<Utc>,
    id: &str,
    subject: &str,
    body: &str,
    metric: &str,
) -> Result<bool, StoreError> {
    let domain = crate::message::domain_of(&mb.address);
    let message_id = format!("musaid.{id}@{domain}");
    let message = Outgoing {
        from: &mb.address,
        from_name: None,
        to: vec![&mb.address],
        subject,
        date: now.to_rfc2822(),
        message_id: &message_id,
        extra: crate::message::compose::auto_generated(),
    }
    .render(&Part::text(body));
    let job = OutboxJob {
        kind: metric.trim_end_matches("-sent").into(),
        mailbox: mb.address.clone(),
        from: config.outbox.envelope_sender.clone(),
        to: vec![mb.address.clone()],
        message,
        created: now.timestamp_millis(),
        webhook: None,
        content_type: None,
    };
    if !outbox::enqueue(store, id, &job).await? {
        return Ok(false);
    }
    let day = mb.schedule.local_day(now);
    store
        .record(
            Count::mailbox_and_org(&mb.address, &day, metric).to_vec(),
            config.retention(),
        )
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn config(language: &str) -> Config {
        let text = format!(
            "[[category]]\nname = \"finance\"\npriority = 2\ndisplay = {{ en = \"Finance\", ar = \"المالية\" }}\n\n[[mailbox]]\naddress = \"ceo@example.com\"\nlanguage = \"{language}\"\ntime_zone = \"Asia/Riyadh\"\n"
        );
        crate::config::from_str(&text, "t.toml", &Default::default()).unwrap()
    }

    fn mailbox(language: &str) -> Mailbox {
        config(language).mailboxes.remove(0)
    }

    fn tracked(n: usize) -> Vec<Tracked> {
        (0..n)
            .map(|i| Tracked {
                // Monday 23 November 2026, 09:00 in Riyadh.
                received: 1_795_413_600_000 + i as i64 * 60_000,
                category: "urgent".into(),
                priority: 1,
                from: Some("chair@board.example.net".into()),
                subject: Some(format!("Budget {i}")),
                from_name: None,
                message_id: None,
                deadline: None,
            })
            .collect()
    }

    /// What a reader sees of an Arabic text that is not a sender, a subject or a number.
    fn latin_words(text: &str, allowed: &[&str]) -> Vec<String> {
        let mut text = crate::locale::without_isolates(text);
        for a in allowed {
            text = text.replace(a, "");
        }
        text.split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn reminders_use_the_plural_forms_of_the_language() {
        let en = mailbox("en");
        assert_eq!(
            daily_reminder(&config("en"), &en, &tracked(1)).0,
            "Reminder: 1 message without a reply"
        );
        assert_eq!(
            daily_reminder(&config("en"), &en, &tracked(2)).0,
            "Reminder: 2 messages without a reply"
        );
        let ar = mailbox("ar");
        let subject =
            |n| crate::locale::without_isolates(&daily_reminder(&config("ar"), &ar, &tracked(n)).0);
        assert_eq!(subject(1), "تذكير: رسالة واحدة بلا رد");
        assert_eq!(subject(2), "تذكير: رسالتان بلا رد");
        assert_eq!(subject(3), "تذكير: 3 رسائل بلا رد");
        assert_eq!(subject(11), "تذكير: 11 رسالة بلا رد");
    }

    #[test]
    fn a_mailbox_may_read_arabic_indic_digits() {
        let mut cfg = config("ar");
        cfg.mailboxes[0].digits = crate::locale::Digits::ArabicIndic;
        let (subject, body) = daily_reminder(&cfg, &cfg.mailboxes[0], &tracked(3));
        assert_eq!(
            crate::locale::without_isolates(&subject),
            "تذكير: ٣ رسائل بلا رد"
        );
        assert!(body.contains("٢٣ نوفمبر ٠٩:٠٠"), "{body}");
        assert!(
            body.contains("Budget 2"),
            "the subjects keep their digits: {body}"
        );
    }

    #[test]
    fn an_arabic_reminder_has_no_english_but_names_and_subjects() {
        let ar = mailbox("ar");
        let mut items = tracked(2);
        items[1].category = "finance".into();
        let (subject, body) = daily_reminder(&config("ar"), &ar, &items);
        let allowed = ["chair@board.example.net", "Budget"];
        assert!(latin_words(&subject, &allowed).is_empty(), "{subject}");
        assert!(latin_words(&body, &allowed).is_empty(), "{body}");
        assert!(body.contains("الاثنين 23 نوفمبر 09:00"), "{body}");
        assert!(body.contains("عاجل"), "{body}");
        assert!(
            crate::locale::without_isolates(&body).contains("[المالية،"),
            "a declared category by its Arabic name: {body}"
        );
        let due = chrono_tz::Asia::Riyadh
            .with_ymd_and_hms(2026, 11, 26, 17, 0, 0)
            .unwrap();
        let (subject, body) = deadline_reminder(&config("ar"), &ar, &items[0], &due);
        assert!(latin_words(&subject, &allowed).is_empty(), "{subject}");
        assert!(latin_words(&body, &allowed).is_empty(), "{body}");
        assert!(subject.contains("الخميس 26 نوفمبر 2026"), "{subject}");
    }
}
