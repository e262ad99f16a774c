//! Deadlines written in the mail text, in English and Arabic: "by Friday", "before 1 December",
//! "no later than 2026-12-01", "قبل يوم الخميس", "في موعد أقصاه ١ ديسمبر".
//!
//! The text goes through [`crate::text::normalize`] first (lower case, Arabic letter forms
//! unified, Arabic-Indic and Persian digits made ASCII), so one pattern serves every spelling.
//! A deadline is a trigger ("by", "before", "no later than", "due", "deadline", "قبل",
//! "بحلول", "في موعد أقصاه", "لا يتجاوز", "الموعد النهائي"...) followed by a date, with an
//! optional time before or after it. Quoted lines (`>`) are skipped: they hold the deadlines of
//! earlier messages.
//!
//! How a date resolves, relative to the arrival in the mailbox's time zone:
//!
//! | written                                  | resolves to                                     |
//! |------------------------------------------|-------------------------------------------------|
//! | a weekday ("Friday", "الخميس")           | the nearest such day, today included            |
//! | "next Friday"                            | a week after the nearest Friday                 |
//! | "tomorrow", "غداً", "بكرة"               | the next day                                    |
//! | "end of day", "EOD", "COB", "نهاية اليوم" | today                                          |
//! | "end of the week", "نهاية الأسبوع"        | the last working day of this working week       |
//! | "end of the month", "نهاية الشهر"         | the last day of the month                       |
//! | "1 December", "December 1st", "١ ديسمبر", "1 كانون الأول" | that date, this year or, if already past, next year |
//! | "2026-12-01", "1/12/2026" (day first unless that is impossible) | that date           |
//!
//! Without a time the deadline is the end of the mailbox's working hours on that date; with
//! one ("3pm", "15:30", "الساعة 3 مساءً") it is that time. A date more than 31 days in the
//! past (a sentence about the past) or more than a year ahead is ignored. When a text holds
//! several deadlines, the earliest counts.

use crate::hours::Schedule;
use crate::text::normalize;
use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use regex::{Captures, Regex};
use std::sync::LazyLock;

/// A deadline found in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deadline {
    pub due: DateTime<Utc>,
    /// The phrase as found (normalised text).
    pub phrase: String,
}

/// How much of the text is searched.
const SCAN_BYTES: usize = 16 * 1024;

const EN_MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

/// Arabic month names in normalised spelling: the Egyptian/Gulf names and the Levantine ones.
const AR_MONTHS: &[(&str, u32)] = &[
    ("يناير", 1),
    ("فبراير", 2),
    ("مارس", 3),
    ("ابريل", 4),
    ("مايو", 5),
    ("يونيو", 6),
    ("يونيه", 6),
    ("يوليو", 7),
    ("يوليه", 7),
    ("اغسطس", 8),
    ("سبتمبر", 9),
    ("اكتوبر", 10),
    ("نوفمبر", 11),
    ("ديسمبر", 12),
    ("كانون الثاني", 1),
    ("شباط", 2),
    ("اذار", 3),
    ("نيسان", 4),
    ("ايار", 5),
    ("حزيران", 6),
    ("تموز", 7),
    ("اب", 8),
    ("ايلول", 9),
    ("تشرين الاول", 10),
    ("تشرين الثاني", 11),
    ("كانون الاول", 12),
];

const WEEKDAYS: &[(&str, Weekday)] = &[
    ("monday", Weekday::Mon),
    ("tuesday", Weekday::Tue),
    ("wednesday", Weekday::Wed),
    ("thursday", Weekday::Thu),
    ("friday", Weekday::Fri),
    ("saturday", Weekday::Sat),
    ("sunday", Weekday::Sun),
    ("الاثنين", Weekday::Mon),
    ("الثلاثاء", Weekday::Tue),
    ("الاربعاء", Weekday::Wed),
    ("الخميس", Weekday::Thu),
    ("الجمعه", Weekday::Fri),
    ("السبت", Weekday::Sat),
    ("الاحد", Weekday::Sun),
];

/// Relative expressions and what they mean.
#[derive(Debug, Clone, Copy)]
enum Relative {
    Today,
    Tomorrow,
    EndOfWeek,
    EndOfMonth,
}

const RELATIVE: &[(&str, Relative)] = &[
    ("tomorrow", Relative::Tomorrow),
    ("end of (?:the |business )?day", Relative::Today),
    ("end of today", Relative::Today),
    ("today", Relative::Today),
    ("tonight", Relative::Today),
    ("eod", Relative::Today),
    ("cob", Relative::Today),
    ("close of business", Relative::Today),
    ("end of (?:the |this )?week", Relative::EndOfWeek),
    ("end of (?:the |this )?month", Relative::EndOfMonth),
    ("غدا", Relative::Tomorrow),
    ("الغد", Relative::Tomorrow),
    ("بكره", Relative::Tomorrow),
    ("نهايه (?:اليوم|الدوام|دوام اليوم)", Relative::Today),
    ("نهايه (?:هذا )?الاسبوع", Relative::EndOfWeek),
    ("نهايه (?:هذا )?الشهر", Relative::EndOfMonth),
];

/// Words that introduce a deadline (normalised spelling).
const TRIGGERS: &[&str] = &[
    "no later than",
    "not later than",
    "on or before",
    "deadline(?: is)?:?",
    "due(?: by| on| date)?:?",
    "by",
    "before",
    "في موعد اقصاه",
    "موعد اقصاه",
    "كحد اقصي",
    "في موعد لا يتجاوز",
    "لا يتجاوز",
    "الموعد النهايي(?: هو)?:?",
    "اخر موعد:?",
    "قبل",
    "بحلول",
    "حتي",
];

fn alternation<T>(table: &[(&str, T)]) -> String {
    let mut names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.join("|")
}

static PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    let months = {
        let mut all: Vec<(&str, u32)> = EN_MONTHS.to_vec();
        all.extend_from_slice(AR_MONTHS);
        alternation(&all)
    };
    let weekdays = alternation(WEEKDAYS);
    let relative = RELATIVE
        .iter()
        .map(|(p, _)| format!("(?:{p})"))
        .collect::<Vec<_>>()
        .join("|");
    let triggers = TRIGGERS.join("|");
    // A time: "3pm", "3:30 pm", "15:00", "noon", "الساعه 3 مساء".
    let time = r"(?:(?:at|@|الساعه)\s+)?(?:(?P<H>\d{1,2})(?::(?P<M>\d{2}))?\s*(?P<AP>am|pm|a\.m\.|p\.m\.|مساء|صباحا|ظهرا)|(?P<H24>\d{1,2}):(?P<M24>\d{2})|(?:الساعه\s+)(?P<HAR>\d{1,2})|(?P<NOON>noon|midday))";
    let date = format!(
        r"(?P<ISO>(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}}))|(?P<NUM>(?P<na>\d{{1,2}})[/.](?P<nb>\d{{1,2}})[/.](?P<ny>\d{{4}}|\d{{2}}))|(?P<DM>(?P<dd>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of|\s+من)?\s+(?P<dm>{months})(?:,?\s+(?P<dy>\d{{4}}))?)|(?P<MD>(?P<mm>{months})\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<my>\d{{4}}))?)|(?P<WD>(?P<next>next\s+|this\s+|coming\s+)?(?P<wd>{weekdays})(?P<arnext>\s+(?:القادم|المقبل))?)|(?P<REL>{relative})"
    );
    let full = format!(
        r"(?:^|[^\p{{L}}\p{{N}}])(?:و|ف)?(?P<trigger>{triggers})\s+(?:the\s+|يوم\s+|(?P<T1>{time1})\s+(?:on\s+|يوم\s+)?)?(?:{date})(?:,?\s*(?P<T2>{time2}))?(?:$|[^\p{{L}}\p{{N}}])",
        time1 = time
            .replace("?P<H>", "?P<H_1>")
            .replace("?P<M>", "?P<M_1>")
            .replace("?P<AP>", "?P<AP_1>")
            .replace("?P<H24>", "?P<H24_1>")
            .replace("?P<M24>", "?P<M24_1>")
            .replace("?P<HAR>", "?P<HAR_1>")
            .replace("?P<NOON>", "?P<NOON_1>"),
        time2 = time,
    );
    Regex::new(&full).expect("deadline pattern")
});

fn lookup<T: Copy>(table: &[(&str, T)], name: &str) -> Option<T> {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    table.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn month_of(name: &str) -> Option<u32> {
    lookup(EN_MONTHS, name).or_else(|| lookup(AR_MONTHS, name))
}

/// The relative expressions, each compiled once to match a whole phrase.
static RELATIVE_WHOLE: LazyLock<Vec<(Regex, Relative)>> = LazyLock::new(|| {
    RELATIVE
        .iter()
        .map(|(p, r)| {
            (
                Regex::new(&format!("^(?:{p})$")).expect("relative pattern"),
                *r,
            )
        })
        .collect()
});

fn relative_of(text: &str) -> Option<Relative> {
    RELATIVE_WHOLE
        .iter()
        .find(|(re, _)| re.is_match(text))
        .map(|(_, r)| *r)
}

fn number(c: &Captures<'_>, name: &str) -> Option<u32> {
    c.name(name).and_then(|m| m.as_str().parse().ok())
}

/// The time written with the date, if any.
fn time_of(c: &Captures<'_>, suffix: &str) -> Option<NaiveTime> {
    let n = |name: &str| number(c, &format!("{name}{suffix}"));
    if c.name(&format!("NOON{suffix}")).is_some() {
        return NaiveTime::from_hms_opt(12, 0, 0);
    }
    if let Some(h) = n("H") {
        let m = n("M").unwrap_or(0);
        let ap = c.name(&format!("AP{suffix}"))?.as_str();
        let pm = matches!(ap, "pm" | "p.m." | "مساء" | "ظهرا");
        let h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) if h < 12 => h + 12,
            (h, _) => h,
        };
        return NaiveTime::from_hms_opt(h, m, 0);
    }
    if let Some(h) = n("H24") {
        return NaiveTime::from_hms_opt(h, n("M24").unwrap_or(0), 0);
    }
    // "الساعه 3" without morning or evening: office hours, so 1..7 means the afternoon.
    n("HAR")
        .and_then(|h| NaiveTime::from_hms_opt(if (1..=7).contains(&h) { h + 12 } else { h }, 0, 0))
}

/// A date without a year: this year's, or next year's when this year's is long past;
/// None for a date a little in the past (the text talks about the past).
fn with_year(today: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    let this = NaiveDate::from_ymd_opt(today.year(), month, day)?;
    if this >= today {
        return Some(this);
    }
    if (today - this).num_days() <= 31 {
        return None;
    }
    NaiveDate::from_ymd_opt(today.year() + 1, month, day)
}

fn full_year(y: u32) -> i32 {
    if y < 100 { 2000 + y as i32 } else { y as i32 }
}

/// The date a match names, relative to `today`.
fn date_of(c: &Captures<'_>, today: NaiveDate, s: &Schedule) -> Option<NaiveDate> {
    if c.name("ISO").is_some() {
        return NaiveDate::from_ymd_opt(
            full_year(number(c, "iy")?),
            number(c, "im")?,
            number(c, "id")?,
        );
    }
    if c.name("NUM").is_some() {
        let (a, b, y) = (
            number(c, "na")?,
            number(c, "nb")?,
            full_year(number(c, "ny")?),
        );
        // Day first, as most of the world writes it; month first only when day first cannot be.
        return NaiveDate::from_ymd_opt(y, b, a).or_else(|| NaiveDate::from_ymd_opt(y, a, b));
    }
    if c.name("DM").is_some() {
        let (d, m) = (number(c, "dd")?, month_of(c.name("dm")?.as_str())?);
        return match number(c, "dy") {
            Some(y) => NaiveDate::from_ymd_opt(full_year(y), m, d),
            None => with_year(today, m, d),
        };
    }
    if c.name("MD").is_some() {
        let (m, d) = (month_of(c.name("mm")?.as_str())?, number(c, "md")?);
        return match number(c, "my") {
            Some(y) => NaiveDate::from_ymd_opt(full_year(y), m, d),
            None => with_year(today, m, d),
        };
    }
    if c.name("WD").is_some() {
        let wd = lookup(WEEKDAYS, c.name("wd")?.as_str())?;
        let ahead = (7 + wd.num_days_from_monday() - today.weekday().num_days_from_monday()) % 7;
        let nearest = today.checked_add_days(Days::new(u64::from(ahead)))?;
        let next = c
            .name("next")
            .is_some_and(|n| n.as_str().starts_with("next"))
            || c.name("arnext").is_some() && ahead == 0;
        return if next {
            nearest.checked_add_days(Days::new(7))
        } else {
            Some(nearest)
        };
    }
    let rel = relative_of(c.name("REL")?.as_str().trim())?;
    Some(match rel {
        Relative::Today => today,
        Relative::Tomorrow => today.succ_opt()?,
        Relative::EndOfWeek => {
            // The last working day of the run of working days that starts today (or next).
            let mut d = today;
            for _ in 0..7 {
                if s.days.contains(d.weekday()) {
                    break;
                }
                d = d.succ_opt()?;
            }
            let mut last = d;
            for _ in 0..7 {
                let n = last.succ_opt()?;
                if !s.days.contains(n.weekday()) {
                    break;
                }
                last = n;
            }
            last
        }
        Relative::EndOfMonth => {
            let first = today.with_day(1)?;
            first.checked_add_months(Months::new(1))?.pred_opt()?
        }
    })
}

fn instant(s: &Schedule, date: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    s.time_zone
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// The words every trigger starts with or contains (normalised), for a cheap first look.
static TRIGGER_WORDS: LazyLock<crate::text::WordList> = LazyLock::new(|| {
    crate::text::WordList::new([
        "by",
        "before",
        "due",
        "deadline",
        "later",
        "eod",
        "cob",
        "قبل",
        "بحلول",
        "اقصاه",
        "اقصي",
        "يتجاوز",
        "النهايي",
        "موعد",
        "حتي",
    ])
});

/// True when the tokenised text has a word a deadline starts with: most mail has none, and
/// then [`find`] (a normalisation and a regex over the text) need not run.
pub fn may_hold_deadline(tokens: &[&crate::text::Tokens]) -> bool {
    tokens.iter().any(|t| t.contains_any(&TRIGGER_WORDS))
}

/// The earliest upcoming deadline written in `text`, read in the mailbox's calendar.
pub fn find(text: &str, now: DateTime<Utc>, s: &Schedule) -> Option<Deadline> {
    let mut cut = text.len().min(SCAN_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let unquoted: String = text[..cut]
        .lines()
        .filter(|l| !l.trim_start().starts_with('>'))
        .collect::<Vec<_>>()
        .join("\n");
    let normalized = normalize(&unquoted);
    let today = now.with_timezone(&s.time_zone).date_naive();
    let mut best: Option<Deadline> = None;
    // Matches may share their boundary character; search again from inside the last one.
    let mut at = 0;
    while let Some(c) = PATTERN.captures_at(&normalized, at) {
        let whole = c.get(0).expect("match");
        at = c
            .name("trigger")
            .map_or(whole.end(), |t| t.end())
            .max(at + 1);
        while at < normalized.len() && !normalized.is_char_boundary(at) {
            at += 1;
        }
        let Some(date) = date_of(&c, today, s) else {
            continue;
        };
        if date < today || (date - today).num_days() > 366 {
            continue;
        }
        let time = time_of(&c, "_1")
            .or_else(|| time_of(&c, ""))
            .unwrap_or(s.hours.end);
        let Some(due) = instant(s, date, time) else {
            continue;
        };
        if due <= now {
            continue;
        }
        let phrase = whole
            .as_str()
            .trim_matches(|ch: char| !ch.is_alphanumeric())
            .to_string();
        if best.as_ref().is_none_or(|b| due < b.due) {
            best = Some(Deadline { due, phrase });
        }
        if at >= normalized.len() {
            break;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::{DaySet, HourRange, parse_time_zone};

    fn schedule(tz: &str, days: &[&str]) -> Schedule {
        Schedule {
            time_zone: parse_time_zone(tz).unwrap(),
            hours: HourRange::parse("09:00-17:00").unwrap(),
            days: DaySet::parse(days).unwrap(),
        }
    }

    /// The table of cases: text, and the local due time it resolves to, for a message that
    /// arrived on Tuesday 2026-11-24 at 10:00 in Riyadh (Sunday–Thursday week) and in London.
    #[test]
    fn phrases_resolve_to_dates() {
        let riyadh = schedule("Asia/Riyadh", &["sun", "mon", "tue", "wed", "thu"]);
        let london = schedule("Europe/London", &["mon", "tue", "wed", "thu", "fri"]);
        let cases: &[(&Schedule, &str, Option<&str>)] = &[
            (
                &london,
                "Please send it by Friday.",
                Some("2026-11-27 17:00"),
            ),
            (
                &london,
                "Can you reply before Friday 3pm?",
                Some("2026-11-27 15:00"),
            ),
            (
                &london,
                "I need this by 3:30 pm tomorrow",
                Some("2026-11-25 15:30"),
            ),
            (&london, "by next Monday please", Some("2026-12-07 17:00")),
            (&london, "before 1 December", Some("2026-12-01 17:00")),
            (
                &london,
                "Comments before the 1st of December, please",
                Some("2026-12-01 17:00"),
            ),
            (
                &london,
                "no later than 2026-12-01",
                Some("2026-12-01 17:00"),
            ),
            (
                &london,
                "No later than December 3rd, 2026 at 11:00",
                Some("2026-12-03 11:00"),
            ),
            (&london, "Due: 04/12/2026", Some("2026-12-04 17:00")),
            (&london, "deadline is 12/25/2026", Some("2026-12-25 17:00")),
            (&london, "Please confirm by EOD", Some("2026-11-24 17:00")),
            (&london, "by end of the week", Some("2026-11-27 17:00")),
            (&london, "by the end of the month", Some("2026-11-30 17:00")),
            (&london, "by 5 January", Some("2027-01-05 17:00")),
            // A date in the past: the sentence is about the past.
            (&london, "before 20 November we agreed", None),
            (&london, "sent by John on Friday", None),
            (&london, "written by 2 people", None),
            (&london, "> please answer by Friday\nThanks, done.", None),
            (
                &riyadh,
                "نرجو الرد قبل يوم الخميس",
                Some("2026-11-26 17:00"),
            ),
            (&riyadh, "في موعد أقصاه ١ ديسمبر", Some("2026-12-01 17:00")),
            (
                &riyadh,
                "في موعد أقصاه ٣ كانون الأول ٢٠٢٦",
                Some("2026-12-03 17:00"),
            ),
            (
                &riyadh,
                "الموعد النهائي: ٢٠٢٦-١٢-٠٢",
                Some("2026-12-02 17:00"),
            ),
            (
                &riyadh,
                "نحتاج الملف بحلول الأحد القادم",
                Some("2026-11-29 17:00"),
            ),
            (&riyadh, "أرجو الإرسال غداً الساعة ٣ مساءً", None),
            (
                &riyadh,
                "أرجو الإرسال قبل الغد الساعة 11:00",
                Some("2026-11-25 11:00"),
            ),
            (&riyadh, "وقبل نهاية الأسبوع", Some("2026-11-26 17:00")),
            (&riyadh, "بحلول نهاية الشهر", Some("2026-11-30 17:00")),
            (&riyadh, "لا يتجاوز 10 ديسمبر", Some("2026-12-10 17:00")),
            (&riyadh, "قبل يومين وصلني الملف", None),
            // Two deadlines: the earlier counts.
            (
                &london,
                "by 10 December, and the draft by Thursday",
                Some("2026-11-26 17:00"),
            ),
        ];
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 7, 0, 0).unwrap();
        let mut wrong = Vec::new();
        for (s, text, want) in cases {
            let got = find(text, now, s).map(|d| {
                d.due
                    .with_timezone(&s.time_zone)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            });
            if got.as_deref() != *want {
                wrong.push(format!("{text:?}: got {got:?}, want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn the_first_look_finds_every_trigger_of_the_table() {
        for text in [
            "Please send it by Friday.",
            "No later than 2026-12-01",
            "Due: 04/12/2026",
            "confirm EOD",
            "نرجو الرد قبل يوم الخميس",
            "في موعد أقصاه ١ ديسمبر",
            "وقبل نهاية الأسبوع",
            "الموعد النهائي: ٢٠٢٦-١٢-٠٢",
            "لا يتجاوز 10 ديسمبر",
            "بحلول نهاية الشهر",
        ] {
            let t = crate::text::Tokens::new(text);
            assert!(may_hold_deadline(&[&t]), "{text}");
        }
        let t = crate::text::Tokens::new("Could you review the figures and call me on Sunday?");
        assert!(!may_hold_deadline(&[&t]));
    }

    #[test]
    fn a_deadline_already_passed_today_is_ignored() {
        let london = schedule("Europe/London", &["mon", "tue", "wed", "thu", "fri"]);
        let evening = Utc.with_ymd_and_hms(2026, 11, 24, 18, 0, 0).unwrap();
        assert_eq!(find("please reply by end of day", evening, &london), None);
    }
}
