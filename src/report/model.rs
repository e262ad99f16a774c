//! The digest model: what a digest says, gathered from the store for one mailbox (or the
//! organisation) and one period. Everything here comes from counters and sets the milter
//! wrote while mail flowed; a section whose data is not collected is absent, never invented.
//! The model is what the JSON output serialises (schema: `docs/report.schema.json`) and what
//! the text and HTML renderings read.

use super::period::Period;
use crate::config::{Config, Language, Mailbox};
use crate::escalation::tracking::{ResponseTime, Tracked, record_key, response_times_key, summary};
use crate::store::{Count, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// Acknowledgements not sent for a reason the eligibility checks do not give (they are
/// counted under their own metric): the metric and the reason's name.
pub const OTHER_REFUSALS: [(&str, &str); 2] = [
    ("autoreply-capped", "capped"),
    ("autoreply-duplicate", "already-acknowledged"),
];

/// The schema name and version written in every JSON digest.
pub const SCHEMA: &str = "musaid-digest/1";

/// Periods in the trend: this one and the three before it.
pub const TREND_PERIODS: usize = 4;

/// Who a digest is about.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Mailbox(&'a Mailbox),
    Organisation,
}

impl Scope<'_> {
    /// The mailbox column of the counters (`*` for the organisation).
    pub fn key(&self) -> String {
        match self {
            Scope::Mailbox(m) => m.address.clone(),
            Scope::Organisation => "*".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryCount {
    pub category: String,
    pub count: u64,
    pub previous: u64,
    /// Change against the previous period, in percent; null when the previous count was 0.
    pub change_percent: Option<f64>,
}

/// One period of the trend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    pub period: Period,
    pub received: u64,
    pub replies: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    pub name: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeStats {
    pub count: usize,
    pub median_secs: i64,
    pub p90_secs: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryTimes {
    pub category: String,
    #[serde(flatten)]
    pub stats: TimeStats,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Handled {
    /// Tracked mail received in the period (the categories that need a reply).
    pub needed: u64,
    pub answered: u64,
    /// Tracked mail acknowledged automatically.
    pub acknowledged: u64,
    /// min(needed, answered + acknowledged) / needed, in percent; null when nothing needed it.
    pub share_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub mailbox: String,
    /// Local time of arrival, `YYYY-MM-DD HH:MM`.
    pub received: String,
    /// The same, for renderings to write in the reader's language.
    #[serde(skip)]
    pub received_local: chrono::NaiveDateTime,
    pub category: String,
    pub priority: u8,
    pub from: Option<String>,
    /// The sender's display name, when the message gave one.
    pub from_name: Option<String>,
    pub subject: Option<String>,
    /// The Message-ID, for a reply link (`mailto:` with In-Reply-To).
    pub message_id: Option<String>,
    /// How long it has waited when the report ran: wall-clock seconds, and seconds of the
    /// mailbox's working time.
    pub waited_secs: i64,
    pub waited_business_secs: i64,
}

/// The first thing the reader sees: what needs them, the oldest of it, and the volume
/// against the previous period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Headline {
    /// Messages still waiting for a reply.
    pub waiting: usize,
    /// How long the oldest of them has waited (wall-clock seconds).
    pub oldest_waited_secs: Option<i64>,
    pub received: u64,
    /// Change of the volume against the previous period, in percent.
    pub change_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayCounts {
    pub day: NaiveDate,
    /// A working day of the mailbox (or of the organisation's default schedule); the chart
    /// shades the others.
    pub working_day: bool,
    pub categories: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MailboxLine {
    pub mailbox: String,
    pub received: u64,
    pub replies: u64,
    pub median_secs: Option<i64>,
    pub share_percent: Option<f64>,
}

/// One digest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Digest {
    pub schema: &'static str,
    /// The mailbox, or `*` for the organisation.
    pub scope: String,
    pub language: &'static str,
    pub time_zone: String,
    pub period: Period,
    pub previous: Period,
    pub headline: Headline,
    pub received_total: u64,
    pub previous_total: u64,
    /// Mail received and replies sent in this period and the ones before it, oldest first.
    pub trend: Vec<TrendPoint>,
    pub received: Vec<CategoryCount>,
    pub autoreplies_sent: u64,
    pub autoreplies_refused: Vec<Named>,
    pub drafts_prepared: u64,
    pub escalations_fired: u64,
    pub escalations_cancelled: u64,
    pub reminders_sent: u64,
    pub replies: u64,
    /// Business-hours response times of replies sent in the period.
    pub response_time: Option<TimeStats>,
    pub response_time_by_category: Vec<CategoryTimes>,
    pub handled: Handled,
    /// Tracked mail still unanswered when the report ran, most important first (at most `top`
    /// times two); `unanswered_total` counts them all.
    pub unanswered: Vec<Waiting>,
    pub unanswered_total: usize,
    pub top_senders: Vec<Named>,
    pub lists: Vec<Named>,
    /// Arrivals per local hour, busiest first (at most three).
    pub busiest_hours: Vec<Named>,
    /// Mail dropped or filed away by black holes, per entry (sender, domain or list).
    pub blackholed: Vec<Named>,
    /// Unsubscribes, by outcome (accepted, queued, refused...).
    pub unsubscribes: Vec<Named>,
    /// Lists found still sending after an unsubscribe.
    pub noncompliant_lists: u64,
    /// Invitations received, and how many clashed with the calendar.
    pub invitations: u64,
    pub calendar_conflicts: u64,
    /// Automatic answers to invitations, by kind (accepted, declined, counter...).
    pub calendar_responses: Vec<Named>,
    pub per_day: Vec<DayCounts>,
    /// Organisation digests: one line per mailbox.
    pub mailboxes: Vec<MailboxLine>,
    /// What the declared (`[[category]]`) categories are called in the digest's language
    /// (the JSON keeps category names).
    #[serde(skip)]
    pub category_names: BTreeMap<String, String>,
    /// How musaid's own numbers are written (the mailbox's `digits`).
    #[serde(skip)]
    pub digits: crate::locale::Digits,
}

impl Digest {
    /// Nothing happened in the period: no mail in, nothing sent or measured.
    pub fn is_empty(&self) -> bool {
        self.received_total == 0
            && self.replies == 0
            && self.autoreplies_sent == 0
            && self.escalations_fired == 0
            && self.reminders_sent == 0
    }
}

fn percent(now: u64, before: u64) -> Option<f64> {
    (before > 0).then(|| ((now as f64 - before as f64) / before as f64 * 1000.0).round() / 10.0)
}

fn sum<'a>(rows: impl Iterator<Item = &'a Count>, metric: &str) -> u64 {
    rows.filter(|r| r.metric == metric).map(|r| r.n).sum()
}

/// Sums counters whose metric starts with `prefix`, by the rest of the metric, largest first.
fn by_suffix<'a>(rows: impl Iterator<Item = &'a Count>, prefix: &str, top: usize) -> Vec<Named> {
    let mut m: BTreeMap<String, u64> = BTreeMap::new();
    for r in rows {
        if let Some(rest) = r.metric.strip_prefix(prefix) {
            *m.entry(rest.to_string()).or_default() += r.n;
        }
    }
    let mut v: Vec<Named> = m
        .into_iter()
        .map(|(name, count)| Named { name, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    v.truncate(top);
    v
}

/// Response times of replies sent in `period` by these mailboxes.
async fn response_times(
    store: &Store,
    mailboxes: &[&Mailbox],
    period: &Period,
) -> Result<Vec<ResponseTime>, StoreError> {
    let mut months: Vec<String> = period
        .days()
        .iter()
        .map(|d| d.format("%Y-%m").to_string())
        .collect();
    months.dedup();
    let mut out = Vec::new();
    for mb in mailboxes {
        for month in &months {
            for (member, secs) in store
                .scheduled(response_times_key(&mb.address, month), 0, i64::MAX, 100_000)
                .await?
            {
                out.extend(ResponseTime::parse(&member, secs).filter(|t| period.contains(t.day)));
            }
        }
    }
    Ok(out)
}

fn stats(secs: Vec<i64>) -> Option<TimeStats> {
    summary(secs).map(|(count, median_secs, p90_secs)| TimeStats {
        count,
        median_secs,
        p90_secs,
    })
}

/// Tracked mail still waiting for a reply at `now`, most important first.
async fn waiting(
    store: &Store,
    mailboxes: &[&Mailbox],
    now: DateTime<Utc>,
) -> Result<Vec<Waiting>, StoreError> {
    let mut out = Vec::new();
    for mb in mailboxes {
        for (member, _) in store
            .scheduled(
                crate::escalation::tracking::unanswered_key(&mb.address),
                0,
                i64::MAX,
                10_000,
            )
            .await?
        {
            let Some(raw) = store.get(record_key(&mb.address, &member)).await? else {
                continue;
            };
            let Ok(t) = serde_json::from_slice::<Tracked>(&raw) else {
                continue;
            };
            let arrived = DateTime::<Utc>::from_timestamp_millis(t.received).unwrap_or(now);
            let received_local = arrived.with_timezone(&mb.schedule.time_zone).naive_local();
            let business =
                crate::hours::business::business_time(&mb.schedule, &mb.holidays, arrived, now);
            out.push((
                t.priority,
                t.received,
                Waiting {
                    mailbox: mb.address.clone(),
                    received: received_local.format("%Y-%m-%d %H:%M").to_string(),
                    received_local,
                    category: t.category,
                    priority: t.priority,
                    from: t.from,
                    from_name: t.from_name,
                    subject: t.subject,
                    message_id: t.message_id,
                    waited_secs: (now - arrived).num_seconds().max(0),
                    waited_business_secs: business.num_seconds().max(0),
                },
            ));
        }
    }
    out.sort_by_key(|(p, r, _)| (*p, *r));
    Ok(out.into_iter().map(|(_, _, w)| w).collect())
}

/// Gathers the digest of `scope` for `period`.
pub async fn build(
    store: &Store,
    config: &Config,
    scope: Scope<'_>,
    period: Period,
    top: usize,
    org_language: Language,
    now: DateTime<Utc>,
) -> Result<Digest, StoreError> {
    let previous = period.previous();
    let mut trend_periods = vec![period];
    while trend_periods.len() < TREND_PERIODS {
        let before = trend_periods[0].previous();
        trend_periods.insert(0, before);
    }
    let rows = store
        .totals(
            Some(scope.key()),
            trend_periods[0].first.to_string(),
            period.last.to_string(),
        )
        .await?;
    let in_trend_period = |p: &Period, metric: &str| -> u64 {
        rows.iter()
            .filter(|r| {
                r.metric == metric && r.day.parse::<NaiveDate>().is_ok_and(|d| p.contains(d))
            })
            .map(|r| r.n)
            .sum()
    };
    let trend: Vec<TrendPoint> = trend_periods
        .iter()
        .map(|p| TrendPoint {
            period: *p,
            received: in_trend_period(p, "received"),
            replies: in_trend_period(p, "answered"),
        })
        .collect();
    let in_period = |r: &&Count| r.day.parse::<NaiveDate>().is_ok_and(|d| period.contains(d));
    let cur: Vec<&Count> = rows.iter().filter(in_period).collect();
    let prev: Vec<&Count> = rows
        .iter()
        .filter(|r| {
            r.day
                .parse::<NaiveDate>()
                .is_ok_and(|d| previous.contains(d))
        })
        .collect();
    let received_in = |rows: &[&Count], category: &str| -> u64 {
        rows.iter()
            .filter(|r| r.metric == "received" && r.category == category)
            .map(|r| r.n)
            .sum()
    };
    let mut categories: Vec<String> = cur
        .iter()
        .chain(prev.iter())
        .filter(|r| r.metric == "received")
        .map(|r| r.category.clone())
        .collect();
    categories.sort_by_key(|c| {
        let priority =
            crate::classify::Category::builtin(c).map_or(u8::MAX, |b| b.default_priority());
        (priority, c.clone())
    });
    categories.dedup();
    let received: Vec<CategoryCount> = categories
        .iter()
        .map(|c| {
            let (count, previous) = (received_in(&cur, c), received_in(&prev, c));
            CategoryCount {
                category: c.clone(),
                count,
                previous,
                change_percent: percent(count, previous),
            }
        })
        .collect();
    let received_total = received.iter().map(|c| c.count).sum();
    let previous_total = received.iter().map(|c| c.previous).sum();

    let mut refused = by_suffix(cur.iter().copied(), "autoreply-refused:", usize::MAX);
    for (metric, name) in OTHER_REFUSALS {
        let n = sum(cur.iter().copied(), metric);
        if n > 0 {
            refused.push(Named {
                name: name.into(),
                count: n,
            });
        }
    }
    refused.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));

    let mailboxes: Vec<&Mailbox> = match scope {
        Scope::Mailbox(m) => vec![m],
        Scope::Organisation => config.mailboxes.iter().collect(),
    };
    let times = response_times(store, &mailboxes, &period).await?;
    let mut by_category: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for t in &times {
        by_category
            .entry(t.category.clone())
            .or_default()
            .push(t.secs);
    }
    let needed = sum(cur.iter().copied(), "tracked");
    let answered = sum(cur.iter().copied(), "answered");
    let tracked_categories: Vec<&str> = config
        .tracking
        .categories
        .iter()
        .map(|c| c.name())
        .collect();
    let acknowledged = cur
        .iter()
        .filter(|r| {
            r.metric == "autoreply-queued" && tracked_categories.contains(&r.category.as_str())
        })
        .map(|r| r.n)
        .sum();
    let waiting = waiting(store, &mailboxes, now).await?;

    let schedule = match scope {
        Scope::Mailbox(m) => &m.schedule,
        Scope::Organisation => &config.default_schedule,
    };
    let mut per_day: Vec<DayCounts> = period
        .days()
        .into_iter()
        .map(|day| DayCounts {
            day,
            working_day: schedule.days.contains(chrono::Datelike::weekday(&day)),
            categories: BTreeMap::new(),
        })
        .collect();
    for r in cur.iter().filter(|r| r.metric == "received") {
        if let Some(d) = per_day.iter_mut().find(|d| d.day.to_string() == r.day) {
            *d.categories.entry(r.category.clone()).or_default() += r.n;
        }
    }

    let (language, time_zone) = match scope {
        Scope::Mailbox(m) => (m.language, m.schedule.time_zone.name().to_string()),
        Scope::Organisation => (
            org_language,
            config.default_schedule.time_zone.name().to_string(),
        ),
    };
    let mut digest = Digest {
        schema: SCHEMA,
        scope: scope.key(),
        language: language.code(),
        time_zone,
        period,
        previous,
        received_total,
        previous_total,
        trend,
        received,
        autoreplies_sent: sum(cur.iter().copied(), "autoreply-queued"),
        autoreplies_refused: refused,
        drafts_prepared: sum(cur.iter().copied(), "draft-prepared"),
        escalations_fired: sum(cur.iter().copied(), "escalation-fired"),
        escalations_cancelled: sum(cur.iter().copied(), "escalation-cancelled"),
        reminders_sent: sum(cur.iter().copied(), "reminder-sent")
            + sum(cur.iter().copied(), "deadline-reminder-sent"),
        replies: answered,
        response_time: stats(times.iter().map(|t| t.secs).collect()),
        response_time_by_category: by_category
            .into_iter()
            .filter_map(|(category, secs)| {
                stats(secs).map(|stats| CategoryTimes { category, stats })
            })
            .collect(),
        handled: Handled {
            needed,
            answered,
            acknowledged,
            share_percent: (needed > 0).then(|| {
                let handled = needed.min(answered + acknowledged);
                (handled as f64 / needed as f64 * 1000.0).round() / 10.0
            }),
        },
        headline: Headline {
            waiting: waiting.len(),
            oldest_waited_secs: waiting.iter().map(|w| w.waited_secs).max(),
            received: received_total,
            change_percent: percent(received_total, previous_total),
        },
        unanswered_total: waiting.len(),
        unanswered: waiting.into_iter().take(top * 2).collect(),
        top_senders: by_suffix(cur.iter().copied(), "from:", top),
        lists: by_suffix(cur.iter().copied(), "list:", top),
        busiest_hours: by_suffix(cur.iter().copied(), "hour:", 3),
        blackholed: by_suffix(cur.iter().copied(), "blackholed:", top),
        unsubscribes: by_suffix(cur.iter().copied(), "unsubscribe:", usize::MAX),
        noncompliant_lists: sum(cur.iter().copied(), "list-noncompliant"),
        invitations: sum(cur.iter().copied(), "invitation-received"),
        calendar_conflicts: sum(cur.iter().copied(), "calendar-conflict"),
        calendar_responses: by_suffix(cur.iter().copied(), "calendar-response:", usize::MAX),
        per_day,
        mailboxes: Vec::new(),
        digits: match scope {
            Scope::Mailbox(m) => m.digits,
            Scope::Organisation => crate::locale::Digits::Latin,
        },
        category_names: config
            .custom_categories
            .keys()
            .map(|c| {
                (
                    c.name().to_string(),
                    config.category_display(c.name(), language),
                )
            })
            .collect(),
    };
    if let Scope::Organisation = scope {
        for mb in &config.mailboxes {
            let d = Box::pin(build(
                store,
                config,
                Scope::Mailbox(mb),
                period,
                top,
                org_language,
                now,
            ))
            .await?;
            digest.mailboxes.push(MailboxLine {
                mailbox: mb.address.clone(),
                received: d.received_total,
                replies: d.replies,
                median_secs: d.response_time.as_ref().map(|t| t.median_secs),
                share_percent: d.handled.share_percent,
            });
        }
    }
    Ok(digest)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::report::period::{Kind, Period};

    /// A digest with something in every section.
    pub(crate) fn sample(language: &'static str) -> Digest {
        let period = Period::containing(Kind::Week, "2026-11-16".parse().unwrap());
        let per_day = period
            .days()
            .into_iter()
            .enumerate()
            .map(|(i, day)| DayCounts {
                day,
                working_day: i < 5,
                categories: BTreeMap::from([
                    ("urgent".to_string(), (i % 3) as u64),
                    ("important".to_string(), 4 + (i % 2) as u64),
                    ("newsletter".to_string(), 6),
                ]),
            })
            .collect();
        Digest {
            schema: SCHEMA,
            scope: "ceo@example.com".into(),
            language,
            time_zone: "Asia/Riyadh".into(),
            period,
            previous: period.previous(),
            headline: Headline {
                waiting: 3,
                oldest_waited_secs: Some(4 * 86_400 + 3 * 3600),
                received: 79,
                change_percent: Some(12.9),
            },
            received_total: 79,
            previous_total: 70,
            trend: [61, 55, 70, 79]
                .into_iter()
                .enumerate()
                .map(|(i, received)| {
                    let mut p = period;
                    for _ in i..3 {
                        p = p.previous();
                    }
                    TrendPoint {
                        period: p,
                        received,
                        replies: received / 3,
                    }
                })
                .collect(),
            received: vec![
                CategoryCount {
                    category: "urgent".into(),
                    count: 6,
                    previous: 4,
                    change_percent: Some(50.0),
                },
                CategoryCount {
                    category: "important".into(),
                    count: 31,
                    previous: 36,
                    change_percent: Some(-13.9),
                },
                CategoryCount {
                    category: "newsletter".into(),
                    count: 42,
                    previous: 30,
                    change_percent: Some(40.0),
                },
            ],
            autoreplies_sent: 5,
            autoreplies_refused: vec![Named {
                name: "list-header".into(),
                count: 3,
            }],
            drafts_prepared: 2,
            escalations_fired: 1,
            escalations_cancelled: 2,
            reminders_sent: 4,
            replies: 27,
            response_time: Some(TimeStats {
                count: 27,
                median_secs: 5400,
                p90_secs: 19_800,
            }),
            response_time_by_category: vec![CategoryTimes {
                category: "urgent".into(),
                stats: TimeStats {
                    count: 6,
                    median_secs: 1500,
                    p90_secs: 3600,
                },
            }],
            handled: Handled {
                needed: 37,
                answered: 27,
                acknowledged: 5,
                share_percent: Some(86.5),
            },
            unanswered: vec![Waiting {
                mailbox: "ceo@example.com".into(),
                received: "2026-11-22 09:14".into(),
                received_local: "2026-11-22T09:14:00".parse().unwrap(),
                category: "urgent".into(),
                priority: 1,
                from: Some("chair@board.example.net".into()),
                from_name: Some("Hessa Al-Saud".into()),
                subject: Some("Budget approval".into()),
                message_id: Some("budget-7@board.example.net".into()),
                waited_secs: 4 * 86_400 + 3 * 3600,
                waited_business_secs: 2 * 9 * 3600,
            }],
            unanswered_total: 3,
            top_senders: vec![Named {
                name: "chair@board.example.net".into(),
                count: 9,
            }],
            lists: vec![Named {
                name: "weekly.letters.example.com".into(),
                count: 12,
            }],
            busiest_hours: vec![Named {
                name: "09".into(),
                count: 17,
            }],
            per_day,
            mailboxes: Vec::new(),
            category_names: BTreeMap::new(),
            digits: crate::locale::Digits::Latin,
            blackholed: vec![Named {
                name: "deals@shop.example".into(),
                count: 4,
            }],
            unsubscribes: vec![Named {
                name: "accepted".into(),
                count: 1,
            }],
            noncompliant_lists: 1,
            invitations: 6,
            calendar_conflicts: 2,
            calendar_responses: vec![Named {
                name: "counter".into(),
                count: 2,
            }],
        }
    }
}
