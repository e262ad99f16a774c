//! Job 5's edge: what cleanup asks of the store, the outbox and the network. The list memory
//! read and written ([`commit_list`], [`get_list`]...), black holes added, removed and read
//! into the milter's snapshot ([`Memory::load`]), unsubscribes carried out
//! ([`unsubscribe`], [`observe`], [`post_one_click`]). Deciding is pure and lives beside:
//! [`super::plan`], [`super::lists`] (what a message says of its list, whether one-click is
//! safe), [`super::unsubscribe`] (how a list can be left).

use super::blackhole::{Memory, key, normalize};
use super::lists::{
    ListRecord, Noted, Observation, Unsubscribed, index_key, record_key, wrote_key,
};
use super::unsubscribe::{
    FORM, MAILTO_TEXT, Method, ONE_CLICK_BODY, Observed, Report, mailto_job, method, one_click_job,
};
use crate::config::Config;
use crate::outbox;
use crate::store::{Count, Store, StoreError};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;

/// Records an observation: read, update, write back (last writer wins, which only matters
/// for `volume`, a convenience; the digest counts volume from the counters).
pub async fn commit_list(
    store: &Store,
    obs: &Observation,
    now_ms: i64,
    keep: std::time::Duration,
    unsubscribe_grace_ms: i64,
) -> Result<Noted, StoreError> {
    match obs {
        Observation::Wrote {
            mailbox,
            recipients,
        } => {
            for r in recipients {
                store
                    .put(wrote_key(mailbox, r), b"1".to_vec(), Some(keep))
                    .await?;
            }
            Ok(Noted::default())
        }
        Observation::List {
            mailbox,
            name,
            sender,
            list_unsubscribe,
            list_unsubscribe_post,
            one_click,
            authenticated,
        } => {
            let key = record_key(mailbox, name);
            let old: Option<ListRecord> = store
                .get(key.clone())
                .await?
                .and_then(|raw| serde_json::from_slice(&raw).ok());
            let owner_wrote = store.get(wrote_key(mailbox, sender)).await?.is_some();
            let mut r = old.unwrap_or(ListRecord {
                name: name.clone(),
                sender: sender.clone(),
                first_seen: now_ms,
                last_seen: now_ms,
                volume: 0,
                list_unsubscribe: None,
                list_unsubscribe_post: None,
                one_click: *one_click,
                owner_wrote: false,
                unsubscribed: None,
                noncompliant: false,
                authenticated: None,
            });
            let mut noted = Noted::default();
            // A record bound to the domain that authenticated the list is changed only by
            // mail that domain authenticated: anyone can reuse a List-Id.
            let speaks_for_list = match (&r.authenticated, authenticated) {
                (Some(bound), Some(now)) => {
                    crate::message::authres::aligned(bound, now)
                        || crate::message::authres::aligned(now, bound)
                }
                (Some(_), None) => false,
                (None, _) => true,
            };
            if !speaks_for_list {
                r.last_seen = now_ms;
                put_list(store, mailbox, &r, keep).await?;
                store
                    .schedule(index_key(mailbox), name.clone(), now_ms)
                    .await?;
                noted.record = Some(r);
                return Ok(noted);
            }
            if r.authenticated.is_none() {
                r.authenticated = authenticated.clone();
            }
            if let Some(u) = &r.unsubscribed
                && !r.noncompliant
                && now_ms - u.at > unsubscribe_grace_ms
            {
                r.noncompliant = true;
                noted.noncompliant = Some(name.clone());
            }
            r.sender = sender.clone();
            r.last_seen = now_ms;
            r.volume += 1;
            // Keep the last known headers when a message lacks them, and authenticated ones
            // when it lacks authentication.
            if list_unsubscribe.is_some() && (authenticated.is_some() || r.authenticated.is_none())
            {
                r.list_unsubscribe = list_unsubscribe.clone();
                r.list_unsubscribe_post = list_unsubscribe_post.clone();
                r.one_click = *one_click;
            }
            r.owner_wrote |= owner_wrote;
            put_list(store, mailbox, &r, keep).await?;
            store
                .schedule(index_key(mailbox), name.clone(), now_ms)
                .await?;
            noted.record = Some(r);
            Ok(noted)
        }
    }
}

/// Writes a record back.
pub async fn put_list(
    store: &Store,
    mailbox: &str,
    r: &ListRecord,
    keep: std::time::Duration,
) -> Result<(), StoreError> {
    let value = serde_json::to_vec(r).map_err(|e| StoreError::Backend(e.to_string()))?;
    store
        .put(record_key(mailbox, &r.name), value, Some(keep))
        .await?;
    Ok(())
}

/// The record of a list (by its name: List-Id or domain), if remembered.
pub async fn get_list(
    store: &Store,
    mailbox: &str,
    name: &str,
) -> Result<Option<ListRecord>, StoreError> {
    Ok(store
        .get(record_key(mailbox, name))
        .await?
        .and_then(|raw| serde_json::from_slice(&raw).ok()))
}

/// Every remembered list of a mailbox, most recently seen first.
pub async fn all_lists(store: &Store, mailbox: &str) -> Result<Vec<ListRecord>, StoreError> {
    let mut names = store
        .scheduled(index_key(mailbox), 0, i64::MAX, 10_000)
        .await?;
    names.sort_by_key(|(_, last)| std::cmp::Reverse(*last));
    let mut out = Vec::new();
    for (name, _) in names {
        out.extend(get_list(store, mailbox, &name).await?);
    }
    Ok(out)
}

/// Adds an entry (at `at_ms`); false if it was there already (its date is kept).
pub async fn add_blackhole(
    store: &Store,
    mailbox: &str,
    entry: &str,
    at_ms: i64,
) -> Result<bool, StoreError> {
    let entry = normalize(entry);
    if blackholes(store, mailbox)
        .await?
        .iter()
        .any(|(e, _)| *e == entry)
    {
        return Ok(false);
    }
    store.schedule(key(mailbox), entry, at_ms).await?;
    Ok(true)
}

/// Removes an entry; false if there was none.
pub async fn remove_blackhole(
    store: &Store,
    mailbox: &str,
    entry: &str,
) -> Result<bool, StoreError> {
    store.unschedule(key(mailbox), normalize(entry)).await
}

/// A mailbox's entries with the time each was added (ms), oldest first.
pub async fn blackholes(store: &Store, mailbox: &str) -> Result<Vec<(String, i64)>, StoreError> {
    store.scheduled(key(mailbox), 0, i64::MAX, 100_000).await
}

impl Memory {
    /// Reads every configured mailbox's entries; writes configured entries not stored yet.
    pub async fn load(store: &Store, config: &Config, now_ms: i64) -> Result<Memory, StoreError> {
        let mut entries = HashMap::new();
        for mb in &config.mailboxes {
            let mut stored = blackholes(store, &mb.address).await?;
            for e in &mb.blackhole {
                let e = normalize(e);
                if !stored.iter().any(|(s, _)| *s == e) {
                    store.schedule(key(&mb.address), e.clone(), now_ms).await?;
                    stored.push((e, now_ms));
                }
            }
            if !stored.is_empty() {
                entries.insert(mb.address.clone(), stored);
            }
        }
        Ok(Memory {
            entries,
            origin_keys: crate::outbox::origin::keys(store).await?,
        })
    }
}

/// Sends the RFC 8058 POST: `List-Unsubscribe=One-Click` as a form, no cookies, no
/// authorisation, no redirect followed. Returns the outcome (`accepted`, `redirected`,
/// `refused`, `timeout`, `failed`) and a sentence saying what happened.
/// The URL came from mail: `reach` is [`crate::outbox::http::Reach::Public`] but in tests.
pub async fn post_one_click(
    url: &str,
    reach: crate::outbox::http::Reach,
) -> (&'static str, String) {
    let posted = crate::outbox::http::post(url, FORM, ONE_CLICK_BODY.into(), reach).await;
    let outcome = match &posted {
        p if p.is_success() => "accepted",
        crate::outbox::http::Posted::Status(300..=399) => "redirected",
        crate::outbox::http::Posted::Status(_) => "refused",
        crate::outbox::http::Posted::Timeout => "timeout",
        crate::outbox::http::Posted::Refused(_) => "refused-address",
        crate::outbox::http::Posted::Error(_) => "failed",
    };
    let detail = match outcome {
        "redirected" => format!(
            "{url} answered {posted}, a redirect; not followed (RFC 8058 asks for a direct answer)"
        ),
        _ => format!("POST {url}: {posted}"),
    };
    (outcome, detail)
}

/// Records the outcome in the list's record and the counters.
async fn record_outcome(
    store: &Store,
    config: &Config,
    mailbox: &str,
    mut r: ListRecord,
    method: &str,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    r.unsubscribed = Some(Unsubscribed {
        at: now.timestamp_millis(),
        method: method.into(),
        outcome: outcome.into(),
    });
    r.noncompliant = false;
    put_list(
        store,
        mailbox,
        &r,
        config.tracking.keep.max(Duration::from_secs(400 * 86_400)),
    )
    .await?;
    let day = now.format("%Y-%m-%d").to_string();
    store
        .record(
            Count::mailbox_and_org(mailbox, &day, format!("unsubscribe:{outcome}")).to_vec(),
            config.retention(),
        )
        .await
}

/// Unsubscribes `mailbox` from `list` (its List-Id, or the sender's domain) now.
pub async fn unsubscribe(
    store: &Store,
    config: &Config,
    mailbox: &str,
    list: &str,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<Report, StoreError> {
    let list = crate::cleanup::blackhole::normalize(list);
    let report = |method: &str, outcome: &str, detail: String| Report {
        list: list.clone(),
        method: method.into(),
        outcome: outcome.into(),
        detail,
    };
    let Some(r) = get_list(store, mailbox, &list).await? else {
        return Ok(report(
            "none",
            "unknown-list",
            format!(
                "no newsletter or promotion from {list} has reached {mailbox} (musaid lists only what it has seen)"
            ),
        ));
    };
    match method(&r) {
        Method::Impossible(why) => {
            if !dry_run {
                record_outcome(store, config, mailbox, r, "none", "impossible", now).await?;
            }
            Ok(report("none", "impossible", why))
        }
        Method::OneClick { url } if dry_run => Ok(report(
            "one-click",
            "dry-run",
            format!("would POST {ONE_CLICK_BODY} to {url}"),
        )),
        Method::Mailto { to } if dry_run => Ok(report(
            "mailto",
            "dry-run",
            format!("would mail {to} from {mailbox} with subject {MAILTO_TEXT:?}"),
        )),
        Method::OneClick { url } => {
            let (outcome, detail) = post_one_click(&url, crate::outbox::http::Reach::Public).await;
            record_outcome(store, config, mailbox, r, "one-click", outcome, now).await?;
            Ok(report("one-click", outcome, detail))
        }
        Method::Mailto { to } => {
            let job = mailto_job(mailbox, &to, now);
            let id = unsubscribe_id(mailbox, &list);
            // One id per mailbox and list: run again after a crash between these two steps,
            // the request is not queued (or sent) a second time.
            let new = outbox::enqueue(store, &id, &job).await?;
            record_outcome(store, config, mailbox, r, "mailto", "queued", now).await?;
            let detail = match new {
                true => format!("an unsubscribe request to {to} is queued in the outbox"),
                false => format!("an unsubscribe request to {to} was already queued or sent"),
            };
            Ok(report("mailto", "queued", detail))
        }
    }
}

/// Records what a message tells the list memory; a list that keeps sending after an
/// unsubscribe is marked non-compliant (and black-holed when `[cleanup]
/// blackhole_noncompliant`); a list the mailbox's `auto_unsubscribe` names is left on its
/// first message, through the outbox.
pub async fn observe(
    store: &Store,
    config: &Config,
    obs: &Observation,
    now: DateTime<Utc>,
) -> Result<Observed, StoreError> {
    let mut out = Observed::default();
    let noted = commit_list(
        store,
        obs,
        now.timestamp_millis(),
        Duration::from_secs(400 * 86_400),
        config.cleanup.unsubscribe_grace.as_millis() as i64,
    )
    .await?;
    let Observation::List { mailbox, .. } = obs else {
        return Ok(out);
    };
    let day = now.format("%Y-%m-%d").to_string();
    let count = |metric: &str| Count::mailbox_and_org(mailbox, &day, metric);
    if let Some(list) = &noted.noncompliant {
        tracing::warn!(%mailbox, %list, "list still sends after unsubscribing: non-compliant");
        out.actions.push(format!("list-noncompliant:{list}"));
        out.counts.extend(count("list-noncompliant"));
        if config.cleanup.blackhole_noncompliant
            && crate::cleanup::edge::add_blackhole(store, mailbox, list, now.timestamp_millis())
                .await?
        {
            out.actions.push(format!("blackhole-added:{list}"));
        }
    }
    let Some(record) = noted.record else {
        return Ok(out);
    };
    let Some(mb) = config.mailbox(mailbox) else {
        return Ok(out);
    };
    let domain = crate::message::domain_of(&record.sender).to_string();
    let wanted = [
        record.name.as_str(),
        record.sender.as_str(),
        domain.as_str(),
    ];
    if record.unsubscribed.is_some()
        || !mb
            .auto_unsubscribe
            .iter()
            .any(|e| wanted.contains(&e.as_str()))
    {
        return Ok(out);
    }
    let id = unsubscribe_id(mailbox, &record.name);
    let (method_name, outcome) = match method(&record) {
        Method::OneClick { url } => {
            outbox::enqueue(store, &id, &one_click_job(mailbox, &url, now)).await?;
            ("one-click", "queued")
        }
        Method::Mailto { to } => {
            outbox::enqueue(store, &id, &mailto_job(mailbox, &to, now)).await?;
            ("mailto", "queued")
        }
        Method::Impossible(why) => {
            tracing::info!(%mailbox, list = %record.name, "automatic unsubscribe impossible: {why}");
            ("none", "impossible")
        }
    };
    out.actions
        .push(format!("auto-unsubscribe:{method_name}:{outcome}"));
    record_outcome(store, config, mailbox, record, method_name, outcome, now).await?;
    Ok(out)
}

/// The outbox id of a mailbox's unsubscribe from a list: one per pair, so that a request is
/// queued and sent once (see [`crate::store::Store::enqueue`]).
fn unsubscribe_id(mailbox: &str, list: &str) -> String {
    format!(
        "unsub-{}",
        crate::message::header::fingerprint(&[mailbox, list])
    )
}
