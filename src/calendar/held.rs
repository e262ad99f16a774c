//! The owner's calendar, per mailbox, in the store: one record per UID holding its busy
//! intervals (expanded over `[calendar] horizon` when it was written), its SEQUENCE and
//! DTSTAMP, and where it came from:
//!
//! - `import`: `musaid calendar import MAILBOX FILE.ics` (or a feed);
//! - `accepted`: the owner accepted it (an outbound REPLY with PARTSTAT=ACCEPTED), or musaid
//!   did on the owner's behalf;
//! - `invited`: an invitation waiting for an answer (kept so that an acceptance without
//!   times can still be placed; it blocks nothing).
//!
//! An index set (member: UID, score: end of the last busy interval) lists a mailbox's events.

use super::Invitation;
use crate::message::header::fingerprint;
use crate::store::{Key, Store, StoreError};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One calendar object of the owner's calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub uid: String,
    pub summary: String,
    pub sequence: i64,
    pub dtstamp: Option<i64>,
    pub organizer: Option<String>,
    /// `import`, `accepted` or `invited`.
    pub source: String,
    /// Busy intervals (ms since the epoch).
    pub busy: Vec<(i64, i64)>,
}

impl Stored {
    /// True if it blocks time (imported or accepted).
    pub fn blocks(&self) -> bool {
        self.source != "invited"
    }

    /// From an invitation's events, expanded over `from..to`.
    pub fn from_invitation(
        inv: &Invitation,
        source: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        floating: Tz,
    ) -> Stored {
        let m = inv.master();
        Stored {
            uid: inv.uid.clone(),
            summary: m.summary.clone(),
            sequence: m.sequence,
            dtstamp: m.dtstamp.map(|d| d.timestamp_millis()),
            organizer: m.organizer.clone(),
            source: source.into(),
            busy: super::event::busy(&inv.events, from, to, floating)
                .into_iter()
                .map(|(a, b)| (a.timestamp_millis(), b.timestamp_millis()))
                .collect(),
        }
    }
}

fn record_key(mailbox: &str, uid: &str) -> Key {
    Key::mailbox(mailbox, format!("cal:{}", fingerprint(&[uid])))
}

/// The index of a mailbox's calendar.
pub fn index_key(mailbox: &str) -> Key {
    Key::mailbox(mailbox, "calendar")
}

/// How long records are kept after their last busy interval.
const KEEP_AFTER: Duration = Duration::from_secs(30 * 86_400);

pub async fn put(store: &Store, mailbox: &str, s: &Stored, now_ms: i64) -> Result<(), StoreError> {
    let last = s.busy.iter().map(|(_, b)| *b).max().unwrap_or(now_ms);
    let ttl =
        Duration::from_millis(u64::try_from((last - now_ms).max(0)).unwrap_or(0)) + KEEP_AFTER;
    let value = serde_json::to_vec(s).map_err(|e| StoreError::Backend(e.to_string()))?;
    store
        .put(record_key(mailbox, &s.uid), value, Some(ttl))
        .await?;
    store
        .schedule(index_key(mailbox), s.uid.clone(), last)
        .await?;
    Ok(())
}

pub async fn get(store: &Store, mailbox: &str, uid: &str) -> Result<Option<Stored>, StoreError> {
    Ok(store
        .get(record_key(mailbox, uid))
        .await?
        .and_then(|raw| serde_json::from_slice(&raw).ok()))
}

pub async fn remove(store: &Store, mailbox: &str, uid: &str) -> Result<bool, StoreError> {
    store
        .unschedule(index_key(mailbox), uid.to_string())
        .await?;
    store.delete(record_key(mailbox, uid)).await
}

/// Every stored object of a mailbox whose last busy interval ends after `after_ms`.
pub async fn all(store: &Store, mailbox: &str, after_ms: i64) -> Result<Vec<Stored>, StoreError> {
    let mut out = Vec::new();
    for (uid, _) in store
        .scheduled(index_key(mailbox), after_ms, i64::MAX, 50_000)
        .await?
    {
        out.extend(get(store, mailbox, &uid).await?);
    }
    Ok(out)
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    pub events: usize,
    pub busy_intervals: usize,
    /// Cancelled events removed.
    pub removed: usize,
    /// TZIDs no zone musaid knows answers to (read in the mailbox's zone).
    pub unknown_zones: Vec<String>,
}

/// Imports an .ics file's events as busy time (`source = import`).
pub async fn import(
    store: &Store,
    mailbox: &str,
    text: &str,
    now: DateTime<Utc>,
    horizon: chrono::Duration,
    floating: Tz,
) -> Result<Result<Imported, super::ical::NotACalendar>, StoreError> {
    let cals = match super::ical::parse(text) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let mut report = Imported::default();
    let from = now - chrono::Duration::days(1);
    for cal in cals {
        let zones = super::zones::Zones::from_calendar(&cal);
        let mut groups: Vec<Invitation> = Vec::new();
        for c in cal.children_named("VEVENT") {
            let Some(e) = super::event::Event::from_component(c, &zones) else {
                continue;
            };
            match groups.iter_mut().find(|g| g.uid == e.uid) {
                Some(g) if e.recurrence_id.is_none() => g.events.insert(0, e),
                Some(g) => g.events.push(e),
                None => groups.push(Invitation {
                    method: "PUBLISH".into(),
                    uid: e.uid.clone(),
                    events: vec![e],
                }),
            }
        }
        for g in groups {
            if g.master().cancelled && g.master().recurrence_id.is_none() {
                if remove(store, mailbox, &g.uid).await? {
                    report.removed += 1;
                }
                continue;
            }
            for z in g.unknown_zones() {
                if !report.unknown_zones.iter().any(|u| u == z) {
                    report.unknown_zones.push(z.to_string());
                }
            }
            let s = Stored::from_invitation(&g, "import", from, now + horizon, floating);
            report.events += 1;
            report.busy_intervals += s.busy.len();
            put(store, mailbox, &s, now.timestamp_millis()).await?;
        }
    }
    Ok(Ok(report))
}
