//! Renderings of a [`Digest`]: plain text and HTML (for multipart/alternative), both in the
//! digest's language. The HTML is built for mail clients: tables, inline CSS, no scripts, no
//! external resources; the chart is an `<img>` whose source the caller chooses (a `cid:` URL
//! in mail, a file name beside a saved page). Arabic digests are laid out right to left.

use super::chart::colour;
use super::model::{Digest, Named, Waiting};
use super::period::Kind;
use crate::locale::{Strings, finish, verbatim};
use crate::text::html_escape as esc;
use chrono::Datelike;

/// `3h 05m`, `12m`, `40s` (units in the digest's language).
pub fn duration(secs: i64, s: &Strings) -> String {
    let (h, m, sec) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    let (uh, um, us) = (s.get("unit_h"), s.get("unit_m"), s.get("unit_s"));
    match (h, m) {
        (0, 0) => format!("{sec}{us}"),
        (0, m) => format!("{m}{um}"),
        (h, m) => format!("{h}{uh} {m:02}{um}"),
    }
}

fn change(p: Option<f64>) -> String {
    match p {
        None => "–".into(),
        Some(p) if p > 0.0 => format!("+{p}%"),
        Some(p) => format!("{p}%"),
    }
}

/// A category's name in the digest's language (a declared one by its `display`).
fn category_name(d: &Digest, s: &Strings, category: &str) -> String {
    d.category_names
        .get(category)
        .cloned()
        .unwrap_or_else(|| s.category(category))
}

/// A day in the language's words ("Monday 23 November").
fn day(date: chrono::NaiveDate, pattern_key: &str, s: &Strings) -> String {
    s.date(
        &date.and_time(chrono::NaiveTime::MIN).and_utc(),
        &s.get(pattern_key),
    )
}

/// A period in words: "Monday 23 November", "23–29 November", "30 November – 6 December",
/// "November 2026".
fn period_words(p: &super::period::Period, s: &Strings) -> String {
    let (first, last) = (p.first, p.last);
    match p.kind {
        Kind::Day => day(first, "date_day", s),
        Kind::Month => day(first, "date_month", s),
        Kind::Week if first.month() == last.month() => s.fill(
            "range_in_month",
            &[
                ("first", &first.day().to_string()),
                ("last", &last.day().to_string()),
                ("month", &s.get(&format!("month_{}", first.month()))),
            ],
        ),
        Kind::Week => {
            let short = |date: chrono::NaiveDate| {
                format!(
                    "{} {}",
                    date.day(),
                    s.get(&format!("month_{}", date.month()))
                )
            };
            s.fill("range", &[("first", &short(first)), ("last", &short(last))])
        }
    }
}

/// The trend in one line: "The last four weeks: 2–8 November 61 · … · 23–29 November 79".
fn trend_line(d: &Digest, s: &Strings) -> Option<String> {
    if d.trend.len() < 2 || d.trend.iter().all(|t| t.received == 0) {
        return None;
    }
    let points: Vec<String> = d
        .trend
        .iter()
        .map(|t| format!("{} {}", period_words(&t.period, s), t.received))
        .collect();
    Some(format!(
        "{}: {}",
        s.get(&format!("trend_{}", d.period.kind.name())),
        points.join(" · ")
    ))
}

/// A duration in the largest of `units` (seconds per unit, message) it fills at least once;
/// under the smallest, "less than a minute".
fn age(secs: i64, units: &[(u64, &str)], s: &Strings) -> String {
    let secs = secs.max(0) as u64;
    units
        .iter()
        .find(|(unit, _)| secs >= *unit)
        .map(|(unit, key)| s.counted(key, secs / unit))
        .unwrap_or_else(|| s.get("age_under_a_minute"))
}

/// How long a message has waited, in days, hours or minutes.
fn waited_for(secs: i64, s: &Strings) -> String {
    age(
        secs,
        &[
            (86_400, "age_days"),
            (3600, "age_hours"),
            (60, "age_minutes"),
        ],
        s,
    )
}

/// How much of the mailbox's working time a message has waited, in working hours.
fn business_age(secs: i64, s: &Strings) -> String {
    age(
        secs,
        &[(3600, "age_business_hours"), (60, "age_minutes")],
        s,
    )
}

/// The headline: what waits for the reader and for how long, then the volume and its change.
pub fn headline(d: &Digest, s: &Strings) -> String {
    let h = &d.headline;
    let org = d.scope == "*";
    let waiting = match (h.waiting, h.oldest_waited_secs) {
        (0, _) | (_, None) => s.get(if org {
            "headline_org_nothing_waiting"
        } else {
            "headline_nothing_waiting"
        }),
        (n, Some(oldest)) => s.counted_with(
            if org {
                "headline_org_waiting"
            } else {
                "headline_waiting"
            },
            n as u64,
            &[("age", &waited_for(oldest, s))],
        ),
    };
    let volume = match h.change_percent {
        Some(p) => s.counted_with(
            "headline_volume",
            h.received,
            &[("change", &change(Some(p)))],
        ),
        None => s.counted("headline_volume_new", h.received),
    };
    format!("{waiting} {volume}")
}

/// "Name <address>", or the address alone (the mail's text: its digits are kept).
fn sender(w: &Waiting) -> String {
    match (&w.from_name, &w.from) {
        (Some(name), Some(address)) => verbatim(&format!("{name} <{address}>")),
        (None, Some(address)) => verbatim(address),
        (Some(name), None) => verbatim(name),
        (None, None) => "-".into(),
    }
}

/// A waiting message's subject (the mail's text), or "(subject not kept)".
fn subject_of(w: &Waiting, s: &Strings) -> String {
    w.subject
        .as_deref()
        .map_or_else(|| s.get("subject_not_kept"), verbatim)
}

/// Names that come from the mail (senders, lists, black-holed entries): kept as written.
fn verbatim_names(items: &[Named]) -> Vec<Named> {
    items
        .iter()
        .map(|n| Named {
            name: verbatim(&n.name),
            count: n.count,
        })
        .collect()
}

/// A `mailto:` link that replies to the message (RFC 6068: To, Subject and In-Reply-To).
fn reply_link(w: &Waiting) -> Option<String> {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    /// Everything but RFC 3986's unreserved characters.
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    let to = w.from.as_deref()?;
    let enc = |v: &str| utf8_percent_encode(v, COMPONENT).to_string();
    let mut link = format!("mailto:{}", enc(to).replace("%40", "@"));
    let subject = w.subject.as_deref().unwrap_or("");
    let subject = if subject.to_ascii_lowercase().starts_with("re:") {
        subject.to_string()
    } else {
        format!("Re: {subject}")
    };
    link.push_str(&format!("?subject={}", enc(&subject)));
    if let Some(id) = &w.message_id {
        link.push_str(&format!("&In-Reply-To={}", enc(&format!("<{id}>"))));
    }
    Some(link)
}

/// When a waiting message arrived, in the language's words ("Sun 22 Nov 09:14").
fn received_words(w: &Waiting, s: &Strings) -> String {
    s.date(&w.received_local.and_utc(), &s.get("date_received"))
}

/// The subject line of a digest, as the reader gets it.
pub fn subject(d: &Digest, s: &Strings) -> String {
    finish(&subject_marked(d, s), d.digits, false)
}

/// The subject line with the mail's own text marked (see [`crate::locale::verbatim`]).
fn subject_marked(d: &Digest, s: &Strings) -> String {
    let period = period_words(&d.period, s);
    let key = if d.scope == "*" {
        "subject_org"
    } else {
        match d.period.kind {
            Kind::Day => "subject_day",
            Kind::Week => "subject_week",
            Kind::Month => "subject_month",
        }
    };
    s.fill(key, &[("dates", &period)])
}

fn scope_name(d: &Digest, s: &Strings) -> String {
    if d.scope == "*" {
        s.get("all_mailboxes")
    } else {
        verbatim(&d.scope)
    }
}

fn intro(d: &Digest, s: &Strings) -> String {
    s.fill(
        "intro",
        &[
            ("scope", &scope_name(d, s)),
            ("first", &day(d.period.first, "date_full", s)),
            ("last", &day(d.period.last, "date_full", s)),
            ("time_zone", &verbatim(&d.time_zone)),
        ],
    )
}

/// The rows of the "what musaid did" section (label, value), only those with something in them.
fn automation_rows(d: &Digest, s: &Strings) -> Vec<(String, String)> {
    let refused = d
        .autoreplies_refused
        .iter()
        .map(|r| {
            let reason = s.lookup(&format!("reason_{}", r.name));
            format!("{} {}", reason.unwrap_or_else(|| r.name.clone()), r.count)
        })
        .collect::<Vec<_>>()
        .join(&s.get("sep"));
    [
        (
            "autoreplies_sent",
            d.autoreplies_sent.to_string(),
            d.autoreplies_sent > 0,
        ),
        (
            "autoreplies_refused",
            refused.clone(),
            !d.autoreplies_refused.is_empty(),
        ),
        (
            "drafts_prepared",
            d.drafts_prepared.to_string(),
            d.drafts_prepared > 0,
        ),
        (
            "escalations_fired",
            d.escalations_fired.to_string(),
            d.escalations_fired > 0,
        ),
        (
            "escalations_cancelled",
            d.escalations_cancelled.to_string(),
            d.escalations_cancelled > 0,
        ),
        (
            "reminders_sent",
            d.reminders_sent.to_string(),
            d.reminders_sent > 0,
        ),
        (
            "noncompliant_lists",
            d.noncompliant_lists.to_string(),
            d.noncompliant_lists > 0,
        ),
        (
            "invitations",
            format!(
                "{} ({} {})",
                d.invitations,
                d.calendar_conflicts,
                s.get("conflicts")
            ),
            d.invitations > 0,
        ),
        (
            "calendar_responses",
            d.calendar_responses
                .iter()
                .map(|r| {
                    format!(
                        "{} {}",
                        s.lookup(&format!("response_{}", r.name))
                            .unwrap_or_else(|| r.name.clone()),
                        r.count
                    )
                })
                .collect::<Vec<_>>()
                .join(&s.get("sep")),
            !d.calendar_responses.is_empty(),
        ),
    ]
    .into_iter()
    .filter(|(_, _, shown)| *shown)
    .map(|(k, v, _)| (s.get(k), v))
    .collect()
}

fn share(d: &Digest, s: &Strings) -> Option<(String, String)> {
    let p = d.handled.share_percent?;
    let handled = d
        .handled
        .needed
        .min(d.handled.answered + d.handled.acknowledged);
    Some((
        format!("{p}%"),
        s.fill(
            "share_detail",
            &[
                ("handled", &handled.to_string()),
                ("needed", &d.handled.needed.to_string()),
            ],
        ),
    ))
}

fn named_line(items: &[Named], s: &Strings) -> String {
    items
        .iter()
        .map(|n| format!("{} ({})", n.name, n.count))
        .collect::<Vec<_>>()
        .join(&s.get("sep"))
}

/// Unsubscribes by outcome, in the digest's language.
fn unsubscribe_names(d: &Digest, s: &Strings) -> Vec<Named> {
    d.unsubscribes
        .iter()
        .map(|u| Named {
            name: s
                .lookup(&format!("unsubscribe_{}", u.name))
                .unwrap_or_else(|| u.name.clone()),
            count: u.count,
        })
        .collect()
}

fn hour_name(h: &Named) -> Named {
    Named {
        name: format!("{}:00", h.name),
        count: h.count,
    }
}

/// Pads to `width` characters (counting characters, not bytes), on the left for numbers.
fn pad(text: &str, width: usize, right_align: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(text.chars().count()));
    if right_align {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

/// The plain-text digest (LF line ends; the mail writer makes them CRLF).
pub fn text(d: &Digest) -> String {
    let s = Strings::for_language(d.language);
    let mut out = String::new();
    let mut line = |l: String| {
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(subject(d, &s));
    line("=".repeat(subject(d, &s).chars().count()));
    line(headline(d, &s));
    line(String::new());
    line(intro(d, &s));
    line(String::new());

    let title = format!(
        "{} ({} {})",
        s.get("received"),
        s.get("total"),
        d.received_total
    );
    line(title.clone());
    line("-".repeat(title.chars().count()));
    let total_change = if d.previous_total > 0 {
        Some(
            ((d.received_total as f64 - d.previous_total as f64) / d.previous_total as f64
                * 1000.0)
                .round()
                / 10.0,
        )
    } else {
        None
    };
    let mut rows: Vec<[String; 4]> = vec![[
        s.get("category"),
        s.get("count"),
        s.get("previous"),
        s.get("change"),
    ]];
    for c in &d.received {
        rows.push([
            category_name(d, &s, &c.category),
            c.count.to_string(),
            c.previous.to_string(),
            change(c.change_percent),
        ]);
    }
    rows.push([
        s.get("total"),
        d.received_total.to_string(),
        d.previous_total.to_string(),
        change(total_change),
    ]);
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3)];
    for r in &rows {
        line(format!(
            "{}  {}  {}  {}",
            pad(&r[0], widths[0], false),
            pad(&r[1], widths[1], true),
            pad(&r[2], widths[2], true),
            pad(&r[3], widths[3], true)
        ));
    }
    if let Some(t) = trend_line(d, &s) {
        line(t);
    }
    line(String::new());

    line(s.get("handled_title"));
    line("-".repeat(s.get("handled_title").chars().count()));
    line(format!("{}: {}", s.get("replies"), d.replies));
    if let Some((p, detail)) = share(d, &s) {
        line(format!("{}: {p} ({detail})", s.get("share_handled")));
    }
    if let Some(t) = &d.response_time {
        let sep = s.get("sep");
        line(format!(
            "{}: {} {}{sep}{} {} ({})",
            s.get("response_time"),
            s.get("median"),
            duration(t.median_secs, &s),
            s.get("p90"),
            duration(t.p90_secs, &s),
            s.counted("replies_count", t.count as u64)
        ));
        for c in &d.response_time_by_category {
            line(format!(
                "  {}: {} {}{sep}{} {} ({})",
                category_name(d, &s, &c.category),
                s.get("median"),
                duration(c.stats.median_secs, &s),
                s.get("p90"),
                duration(c.stats.p90_secs, &s),
                s.counted("replies_count", c.stats.count as u64)
            ));
        }
    }
    line(String::new());

    let rows = automation_rows(d, &s);
    if !rows.is_empty() {
        line(s.get("automation"));
        line("-".repeat(s.get("automation").chars().count()));
        for (k, v) in rows {
            line(format!("{k}: {v}"));
        }
        line(String::new());
    }

    if d.unanswered_total > 0 {
        line(format!("{} ({})", s.get("unanswered"), d.unanswered_total));
        line("-".repeat(s.get("unanswered").chars().count()));
        for w in &d.unanswered {
            let mailbox = if d.scope == "*" {
                format!("{}  ", verbatim(&w.mailbox))
            } else {
                String::new()
            };
            line(format!(
                "- [{} {}] {} ({})  {mailbox}{}  {}",
                w.priority,
                category_name(d, &s, &w.category),
                received_words(w, &s),
                s.fill("waited", &[("age", &waited_for(w.waited_secs, &s))]),
                sender(w),
                subject_of(w, &s)
            ));
        }
        if d.unanswered_total > d.unanswered.len() {
            line(s.fill(
                "unanswered_more",
                &[("n", &(d.unanswered_total - d.unanswered.len()).to_string())],
            ));
        }
        line(String::new());
    }

    for (key, items) in [
        ("top_senders", verbatim_names(&d.top_senders)),
        ("lists", verbatim_names(&d.lists)),
        (
            "busiest_hours",
            d.busiest_hours.iter().map(hour_name).collect(),
        ),
        ("blackholed", verbatim_names(&d.blackholed)),
        ("unsubscribes", unsubscribe_names(d, &s)),
    ] {
        if !items.is_empty() {
            line(format!("{}: {}", s.get(key), named_line(&items, &s)));
        }
    }

    if !d.mailboxes.is_empty() {
        line(String::new());
        line(s.get("mailboxes"));
        line("-".repeat(s.get("mailboxes").chars().count()));
        for m in &d.mailboxes {
            line(format!(
                "{:<28} {} {:>5}  {} {:>5}  {} {:>8}  {}",
                verbatim(&m.mailbox),
                s.get("received"),
                m.received,
                s.get("replies"),
                m.replies,
                s.get("median"),
                m.median_secs
                    .map(|x| duration(x, &s))
                    .unwrap_or_else(|| "–".into()),
                m.share_percent
                    .map(|p| format!("{p}%"))
                    .unwrap_or_else(|| "–".into())
            ));
        }
    }
    line(String::new());
    line(format!("-- \n{}", s.get("footer")));
    finish(&out, d.digits, false)
}

const TABLE: &str = "border-collapse:collapse;width:100%;margin:0 0 16px 0;font-size:14px;";
const TH: &str = "padding:6px 8px;border-bottom:2px solid #d0d7de;background:#f6f8fa;";
const TD: &str = "padding:6px 8px;border-bottom:1px solid #eaeef2;";
const H2: &str = "font-size:16px;margin:20px 0 8px 0;color:#1f2328;";

/// The HTML digest; `chart_src` is where the chart image is (None: no chart).
pub fn html(d: &Digest, chart_src: Option<&str>) -> String {
    let s = Strings::for_language(d.language);
    let (dir, align, other) = if s.rtl {
        ("rtl", "right", "left")
    } else {
        ("ltr", "left", "right")
    };
    let th = format!("{TH}text-align:{align};");
    let thn = format!("{TH}text-align:{other};");
    let td = format!("{TD}text-align:{align};");
    let tdn = format!("{TD}text-align:{other};");
    let mut h = String::new();
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\" dir=\"{dir}\">\n<head>\n<meta charset=\"utf-8\" />\n<meta name=\"viewport\" content=\"width=device-width\" />\n<title>{}</title>\n</head>\n",
        d.language,
        esc(&subject(d, &s))
    ));
    h.push_str(&format!(
        "<body dir=\"{dir}\" style=\"margin:0;padding:0;background:#ffffff;\">\n<table role=\"presentation\" dir=\"{dir}\" style=\"width:100%;max-width:680px;margin:0 auto;font-family:Tahoma,Arial,sans-serif;color:#1f2328;text-align:{align};\"><tr><td style=\"padding:16px;\">\n"
    ));
    h.push_str(&format!(
        "<h1 style=\"font-size:20px;margin:0 0 4px 0;\">{}</h1>\n<p id=\"headline\" style=\"margin:8px 0;font-size:16px;font-weight:bold;\">{}</p>\n<p style=\"margin:0 0 16px 0;color:#59636e;font-size:13px;\">{}</p>\n",
        esc(&subject(d, &s)),
        esc(&headline(d, &s)),
        esc(&intro(d, &s))
    ));

    // Received per category.
    h.push_str(&format!(
        "<h2 style=\"{H2}\">{}</h2>\n",
        esc(&s.get("received"))
    ));
    h.push_str(&format!(
        "<table role=\"presentation\" style=\"{TABLE}\">\n<tr><th style=\"{th}\">{}</th><th style=\"{thn}\">{}</th><th style=\"{thn}\">{}</th><th style=\"{thn}\">{}</th></tr>\n",
        esc(&s.get("category")),
        esc(&s.get("count")),
        esc(&s.get("previous")),
        esc(&s.get("change"))
    ));
    for c in &d.received {
        let (r, g, b) = colour(&c.category);
        h.push_str(&format!(
            "<tr><td style=\"{td}\"><span style=\"display:inline-block;width:10px;height:10px;background:#{r:02x}{g:02x}{b:02x};\"></span> {}</td><td style=\"{tdn}\">{}</td><td style=\"{tdn}\">{}</td><td style=\"{tdn}\">{}</td></tr>\n",
            esc(&category_name(d, &s, &c.category)),
            c.count,
            c.previous,
            esc(&change(c.change_percent))
        ));
    }
    h.push_str(&format!(
        "<tr><td style=\"{td}font-weight:bold;\">{}</td><td style=\"{tdn}font-weight:bold;\">{}</td><td style=\"{tdn}\">{}</td><td style=\"{tdn}\"></td></tr>\n</table>\n",
        esc(&s.get("total")),
        d.received_total,
        d.previous_total
    ));
    if let Some(t) = trend_line(d, &s) {
        h.push_str(&format!(
            "<p id=\"trend\" style=\"margin:8px 0 0 0;font-size:13px;\">{}</p>\n",
            esc(&t)
        ));
    }
    if let Some(src) = chart_src {
        h.push_str(&format!(
            "<h2 style=\"{H2}\">{}</h2>\n<img src=\"{}\" width=\"640\" height=\"280\" alt=\"{}\" style=\"display:block;max-width:100%;height:auto;border:0;\" />\n",
            esc(&s.get("per_day")),
            esc(src),
            esc(&s.get("chart_alt"))
        ));
    }

    // Handling and response times.
    h.push_str(&format!(
        "<h2 style=\"{H2}\">{}</h2>\n<table role=\"presentation\" style=\"{TABLE}\">\n",
        esc(&s.get("handled_title"))
    ));
    let mut row = |label: &str, value: String| {
        h.push_str(&format!(
            "<tr><td style=\"{td}\">{}</td><td style=\"{tdn}\">{}</td></tr>\n",
            esc(label),
            esc(&value)
        ));
    };
    row(&s.get("replies"), d.replies.to_string());
    if let Some((p, detail)) = share(d, &s) {
        row(&s.get("share_handled"), format!("{p} ({detail})"));
    }
    if let Some(t) = &d.response_time {
        row(
            &format!("{} — {}", s.get("response_time"), s.get("overall")),
            format!(
                "{} {} · {} {}",
                s.get("median"),
                duration(t.median_secs, &s),
                s.get("p90"),
                duration(t.p90_secs, &s)
            ),
        );
        for c in &d.response_time_by_category {
            row(
                &format!(
                    "{} — {}",
                    s.get("response_time"),
                    category_name(d, &s, &c.category)
                ),
                format!(
                    "{} {} · {} {} ({})",
                    s.get("median"),
                    duration(c.stats.median_secs, &s),
                    s.get("p90"),
                    duration(c.stats.p90_secs, &s),
                    s.counted("replies_count", c.stats.count as u64)
                ),
            );
        }
    }
    for (k, v) in automation_rows(d, &s) {
        row(&k, v);
    }
    h.push_str("</table>\n");

    if d.unanswered_total > 0 {
        // The organisation report says whose mail it is on every row.
        let org = d.scope == "*";
        let mailbox_th = if org {
            format!("<th style=\"{th}\">{}</th>", esc(&s.get("mailbox")))
        } else {
            String::new()
        };
        h.push_str(&format!(
            "<h2 style=\"{H2}\">{} ({})</h2>\n<table role=\"presentation\" style=\"{TABLE}\">\n<tr>{mailbox_th}<th style=\"{th}\">{}</th><th style=\"{th}\">{}</th><th style=\"{th}\">{}</th><th style=\"{th}\">{}</th><th style=\"{th}\">{}</th><th style=\"{th}\"></th></tr>\n",
            esc(&s.get("unanswered")),
            d.unanswered_total,
            esc(&s.get("category")),
            esc(&s.get("received_at")),
            esc(&s.get("waited_column")),
            esc(&s.get("from")),
            esc(&s.get("subject"))
        ));
        for w in &d.unanswered {
            let mailbox_td = if org {
                format!(
                    "<td style=\"{td}\" dir=\"ltr\">{}</td>",
                    esc(&verbatim(&w.mailbox))
                )
            } else {
                String::new()
            };
            let reply = reply_link(w)
                .map(|href| {
                    format!(
                        "<a href=\"{}\" style=\"color:#0969da;\">{}</a>",
                        esc(&href),
                        esc(&s.get("reply_link"))
                    )
                })
                .unwrap_or_default();
            h.push_str(&format!(
                "<tr>{mailbox_td}<td style=\"{td}\">{} {}</td><td style=\"{td}\">{}</td><td style=\"{td}\">{}</td><td style=\"{td}\"><bdi>{}</bdi></td><td style=\"{td}\"><bdi>{}</bdi></td><td style=\"{td}\">{reply}</td></tr>\n",
                w.priority,
                esc(&category_name(d, &s, &w.category)),
                esc(&received_words(w, &s)),
                esc(&business_age(w.waited_business_secs, &s)),
                esc(&sender(w)),
                esc(&subject_of(w, &s))
            ));
        }
        h.push_str("</table>\n");
    }

    for (key, items) in [
        ("top_senders", verbatim_names(&d.top_senders)),
        ("lists", verbatim_names(&d.lists)),
        (
            "busiest_hours",
            d.busiest_hours.iter().map(hour_name).collect::<Vec<_>>(),
        ),
        ("blackholed", verbatim_names(&d.blackholed)),
        ("unsubscribes", unsubscribe_names(d, &s)),
    ] {
        if items.is_empty() {
            continue;
        }
        h.push_str(&format!(
            "<h2 style=\"{H2}\">{}</h2>\n<table role=\"presentation\" style=\"{TABLE}\">\n",
            esc(&s.get(key))
        ));
        for n in items {
            h.push_str(&format!(
                "<tr><td style=\"{td}\" dir=\"ltr\">{}</td><td style=\"{tdn}\">{}</td></tr>\n",
                esc(&n.name),
                n.count
            ));
        }
        h.push_str("</table>\n");
    }

    if !d.mailboxes.is_empty() {
        h.push_str(&format!(
            "<h2 style=\"{H2}\">{}</h2>\n<table role=\"presentation\" style=\"{TABLE}\">\n<tr><th style=\"{th}\">{}</th><th style=\"{thn}\">{}</th><th style=\"{thn}\">{}</th><th style=\"{thn}\">{}</th><th style=\"{thn}\">%</th></tr>\n",
            esc(&s.get("mailboxes")),
            esc(&s.get("mailbox")),
            esc(&s.get("received")),
            esc(&s.get("replies")),
            esc(&s.get("median"))
        ));
        for m in &d.mailboxes {
            h.push_str(&format!(
                "<tr><td style=\"{td}\" dir=\"ltr\">{}</td><td style=\"{tdn}\">{}</td><td style=\"{tdn}\">{}</td><td style=\"{tdn}\">{}</td><td style=\"{tdn}\">{}</td></tr>\n",
                esc(&verbatim(&m.mailbox)),
                m.received,
                m.replies,
                esc(&m.median_secs.map(|x| duration(x, &s)).unwrap_or_else(|| "–".into())),
                esc(&m.share_percent.map(|p| format!("{p}%")).unwrap_or_else(|| "–".into()))
            ));
        }
        h.push_str("</table>\n");
    }
    h.push_str(&format!(
        "<p style=\"margin:24px 0 0 0;color:#59636e;font-size:12px;\">{}</p>\n</td></tr></table>\n</body>\n</html>\n",
        esc(&s.get("footer"))
    ));
    finish(&h, d.digits, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::model::tests::sample;

    fn golden(name: &str, got: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/golden")
            .join(name);
        if std::env::var_os("MUSAID_BLESS").is_some() {
            std::fs::write(&path, got).unwrap();
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (MUSAID_BLESS=1 writes it)", path.display()));
        assert_eq!(got, want, "{name} differs from the golden file");
    }

    #[test]
    fn each_waiting_message_has_a_reply_link_that_threads() {
        let d = sample("en");
        let link = reply_link(&d.unanswered[0]).unwrap();
        assert_eq!(
            link,
            "mailto:chair@board.example.net?subject=Re%3A%20Budget%20approval&In-Reply-To=%3Cbudget-7%40board.example.net%3E"
        );
        let html = html(&d, None);
        assert!(html.contains(&format!("href=\"{}\"", esc(&link))), "{html}");
        assert!(html.contains(">Reply</a>"));
        assert!(
            html.contains("18 working hours"),
            "the age in business time"
        );
    }

    #[test]
    fn every_reason_an_acknowledgement_was_not_sent_has_words_in_both_languages() {
        let names = crate::autoreply::eligibility::Refusal::ALL
            .iter()
            .map(|r| r.name())
            .chain(super::super::model::OTHER_REFUSALS.iter().map(|(_, n)| *n));
        for name in names {
            for lang in ["en", "ar"] {
                let s = crate::locale::Strings::for_language(lang);
                assert!(
                    s.lookup(&format!("reason_{name}")).is_some(),
                    "{lang}: no reason_{name} in locales/{lang}.ftl"
                );
            }
        }
    }

    #[test]
    fn arabic_indic_digits_for_musaid_s_numbers_only() {
        let mut d = sample("ar");
        d.digits = crate::locale::Digits::ArabicIndic;
        d.unanswered[0].subject = Some("Invoice 2026-114".into());
        let t = text(&d);
        assert!(t.contains("(المجموع ٧٩)"), "{t}");
        assert!(!t.contains("79"), "{t}");
        assert!(
            t.contains("Invoice 2026-114"),
            "the mail's own digits stay: {t}"
        );
        assert!(t.contains("chair@board.example.net"), "{t}");
        let h = html(&d, Some("cid:chart@musaid"));
        assert!(h.contains("width=\"640\""), "markup keeps its digits");
        assert!(h.contains("٧٩"));
        assert!(h.contains("Invoice 2026-114"));
        assert!(h.contains("In-Reply-To=%3Cbudget-7%40board.example.net%3E"));
        assert!(!subject(&d, &Strings::for_language("ar")).contains(|c: char| c.is_ascii_digit()));
    }

    #[test]
    fn text_digest_matches_the_golden_files() {
        golden("digest-en.txt", &text(&sample("en")));
        golden("digest-ar.txt", &text(&sample("ar")));
    }

    #[test]
    fn html_is_well_formed_self_contained_and_right_to_left_in_arabic() {
        for (lang, dir) in [("en", "ltr"), ("ar", "rtl")] {
            let mut d = sample(lang);
            d.unanswered[0].subject = Some("<script>alert(1)</script> & \"quotes\"".into());
            let page = html(&d, Some("cid:chart@musaid"));
            let opts = roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            };
            let doc = roxmltree::Document::parse_with_options(&page, opts)
                .unwrap_or_else(|e| panic!("{lang}: not well-formed: {e}"));
            let root = doc.root_element();
            assert_eq!(root.tag_name().name(), "html");
            assert_eq!(root.attribute("dir"), Some(dir));
            assert_eq!(root.attribute("lang"), Some(lang));
            for node in doc.descendants().filter(|n| n.is_element()) {
                let tag = node.tag_name().name();
                assert!(
                    !["script", "link", "iframe", "object", "style"].contains(&tag),
                    "{tag}"
                );
                for a in node.attributes() {
                    assert!(!a.name().starts_with("on"), "event handler {}", a.name());
                    // Nothing is loaded from outside; the one kind of link is a reply
                    // (mailto:), which loads nothing.
                    if a.name() == "src" || (a.name() == "href" && tag != "a") {
                        assert!(
                            a.value().starts_with("cid:"),
                            "external resource {}",
                            a.value()
                        );
                    }
                    if a.name() == "href" && tag == "a" {
                        assert!(a.value().starts_with("mailto:"), "a link {}", a.value());
                    }
                }
            }
            assert_eq!(
                doc.descendants().filter(|n| n.has_tag_name("img")).count(),
                1
            );
            assert!(
                page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;")
            );
            let tables = doc
                .descendants()
                .filter(|n| n.has_tag_name("table"))
                .count();
            assert!(tables >= 5, "{tables} tables");
        }
    }

    #[test]
    fn durations_read_well() {
        let en = Strings::for_language("en");
        assert_eq!(duration(40, &en), "40s");
        assert_eq!(duration(720, &en), "12m");
        assert_eq!(duration(19_800, &en), "5h 30m");
        assert_eq!(duration(19_800, &Strings::for_language("ar")), "5س 30د");
    }
}
