//! The invitations' edge: a planned [`super::delivery::InvitationPlan`] carried out against the store
//! (the owner's calendar checked and updated, answers queued in the outbox).

use super::check::{self, Finding};
use super::delivery::InvitationPlan;
use super::held::{self, Stored};
use crate::classify::Direction;
use crate::config::Config;
use crate::store::{Count, Store, StoreError};
use chrono::{DateTime, Utc};

/// What the edge step decided.
#[derive(Debug, Default)]
pub struct Applied {
    /// The `X-Musaid-Calendar` value.
    pub header: Option<String>,
    pub raise_priority: bool,
    pub actions: Vec<String>,
    pub counts: Vec<Count>,
    /// The decision for the first invitation (for logs and `classify --json`).
    pub outcome: Option<Finding>,
}

/// Carries out the calendar work against the store.
pub async fn apply(
    store: &Store,
    config: &Config,
    work: &InvitationPlan,
    now: DateTime<Utc>,
) -> Result<Applied, StoreError> {
    let mut out = Applied::default();
    let Some(mb) = config.mailbox(&work.mailbox) else {
        return Ok(out);
    };
    let tz = mb.schedule.time_zone;
    let horizon = chrono::Duration::from_std(config.calendar.horizon).unwrap_or_default();
    let now_ms = now.timestamp_millis();
    let day = mb.schedule.local_day(now);
    let mut metric = |m: &str| {
        out.counts
            .extend(Count::mailbox_and_org(&mb.address, &day, m))
    };
    let mut header = None;
    let mut raise = false;
    let mut actions = Vec::new();
    let mut first_outcome = None;
    for inv in &work.invitations {
        match (work.direction, inv.method.as_str()) {
            (Direction::Inbound, "REQUEST" | "COUNTER") => {
                metric("invitation-received");
                let calendar = held::all(store, &mb.address, now_ms - 86_400_000).await?;
                let outcome = check::decide(inv, &calendar, mb, work.verified, now, horizon);
                metric(&format!("calendar-{}", outcome.name()));
                actions.push(format!("calendar:{}", outcome.name()));
                if matches!(outcome, Finding::Conflict { .. }) && work.raise_on_conflict {
                    raise = true;
                }
                let mut value = outcome.header(mb);
                let unknown = inv.unknown_zones();
                if !unknown.is_empty() {
                    tracing::warn!(mailbox = %mb.address, uid = %inv.uid, tzid = ?unknown, "invitation names a time zone musaid does not know: its times were read in the mailbox's zone");
                    value.push_str("; timezone=unknown");
                    actions.push("calendar:timezone-unknown".into());
                }
                if work.verified && !matches!(outcome, Finding::Stale { .. }) {
                    // Remember it (blocking nothing) unless the owner already holds it.
                    let held = calendar.iter().find(|s| s.uid == inv.uid);
                    let mut source = held.map_or("invited", |h| h.source.as_str()).to_string();
                    let busy: Vec<(i64, i64)> = calendar
                        .iter()
                        .filter(|s| s.blocks() && s.uid != inv.uid)
                        .flat_map(|s| s.busy.iter().copied())
                        .collect();
                    // Observe mode answers nobody.
                    let answering = config.milter.mode == crate::config::model::MilterMode::Enforce;
                    if let Some(r) = super::respond::respond(config, mb, inv, &outcome, &busy, now)
                        .filter(|_| answering)
                    {
                        // The answer's id is the invitation's (UID, SEQUENCE, answer): one
                        // re-delivered is not answered again.
                        if crate::outbox::enqueue(store, &r.id, &r.job).await? {
                            tracing::info!(mailbox = %mb.address, uid = %inv.uid, response = r.kind, "invitation answered automatically");
                            metric(&format!("calendar-response:{}", r.kind));
                            actions.push(format!("calendar-response:{}", r.kind));
                        } else {
                            actions.push(format!("calendar-response:{}:already-sent", r.kind));
                        }
                        value.push_str(&format!("; response={}", r.kind));
                        if matches!(r.kind, "accepted" | "tentative") {
                            source = "accepted".into();
                        }
                    }
                    let s = Stored::from_invitation(
                        inv,
                        &source,
                        now - chrono::Duration::days(1),
                        now + horizon,
                        tz,
                    );
                    held::put(store, &mb.address, &s, now_ms).await?;
                }
                header.get_or_insert(value);
                first_outcome.get_or_insert(outcome);
            }
            (Direction::Inbound, "CANCEL") => {
                let held = held::get(store, &mb.address, &inv.uid).await?;
                // Only the organizer the calendar holds may cancel (imported busy time has none).
                let same_organizer = held.as_ref().is_some_and(|h| {
                    h.organizer.is_some() && h.organizer == inv.master().organizer
                });
                if !work.verified {
                    header.get_or_insert_with(|| {
                        Finding::UnverifiedOrganizer {
                            organizer: inv.master().organizer.clone(),
                        }
                        .header(mb)
                    });
                } else if held.is_some() && same_organizer {
                    held::remove(store, &mb.address, &inv.uid).await?;
                    metric("calendar-cancelled");
                    actions.push("calendar:cancelled".into());
                    header.get_or_insert_with(|| "cancelled; removed from the calendar".into());
                } else {
                    header.get_or_insert_with(|| "cancelled; not in the calendar".into());
                }
            }
            (Direction::Outbound, "REPLY") => {
                let own = inv.master().attendees.iter().find(|a| mb.owns(&a.address));
                let Some(partstat) = own.map(|a| a.partstat.as_str()) else {
                    continue;
                };
                match partstat {
                    "ACCEPTED" | "TENTATIVE" => {
                        let held = held::get(store, &mb.address, &inv.uid).await?;
                        let mut s = match held {
                            Some(h) if !h.busy.is_empty() => h,
                            _ => Stored::from_invitation(
                                inv,
                                "accepted",
                                now - chrono::Duration::days(1),
                                now + horizon,
                                tz,
                            ),
                        };
                        s.source = "accepted".into();
                        held::put(store, &mb.address, &s, now_ms).await?;
                        metric("calendar-accepted");
                        actions.push("calendar:accepted".into());
                    }
                    "DECLINED" => {
                        if held::get(store, &mb.address, &inv.uid)
                            .await?
                            .is_some_and(|h| h.source == "invited")
                        {
                            held::remove(store, &mb.address, &inv.uid).await?;
                        }
                        metric("calendar-declined");
                        actions.push("calendar:declined".into());
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out.header = header;
    out.raise_priority = raise;
    out.actions = actions;
    out.outcome = first_outcome;
    Ok(out)
}
