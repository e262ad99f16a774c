//! The administrator's commands for the cleanup job: `blackhole`, `unsubscribe`, `lists` and
//! `sieve`. Each prints a short report and returns the process exit code; what they change
//! lives in the store, where every musaid host sees it.

use super::error::{CommandError, CommandResult, runtime};
use crate::cli::{BlackholeAction, CalendarAction};
use crate::config::Config;
use crate::store::{Store, StoreError};
use chrono::{TimeZone, Utc};
use std::process::ExitCode;

/// The configured mailbox `address`, or an error naming the configured ones.
fn mailbox<'a>(
    config: &'a Config,
    address: &str,
) -> Result<&'a crate::config::Mailbox, CommandError> {
    config
        .mailbox(address)
        .ok_or_else(|| CommandError::UnknownMailbox {
            address: address.to_string(),
            configured: config.mailboxes.iter().map(|m| m.address.clone()).collect(),
        })
}

fn local_date(config: &Config, mailbox: &str, ms: i64) -> String {
    let tz = config
        .mailbox(mailbox)
        .map_or(config.default_schedule.time_zone, |m| m.schedule.time_zone);
    tz.timestamp_millis_opt(ms)
        .single()
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

async fn with_store<T>(
    config: &Config,
    f: impl AsyncFnOnce(&Store) -> Result<T, StoreError>,
) -> Result<T, CommandError> {
    let store = Store::open(&config.store);
    f(&store).await.map_err(|error| CommandError::Store {
        store: store.describe(),
        doing: "",
        error,
    })
}

/// `musaid blackhole add|remove|list`.
pub fn blackhole(config: &Config, action: &BlackholeAction) -> CommandResult {
    let rt = runtime()?;
    match action {
        BlackholeAction::Add { mailbox: mb, entry } => {
            let mb = mailbox(config, mb)?;
            let e = crate::cleanup::blackhole::normalize(entry);
            if e.is_empty() || e.contains(char::is_whitespace) {
                return Err(CommandError::Refused(format!(
                    "{entry:?}: expected an address, a domain or a List-Id"
                )));
            }
            let added = rt.block_on(with_store(config, async |s| {
                crate::cleanup::edge::add_blackhole(
                    s,
                    &mb.address,
                    &e,
                    Utc::now().timestamp_millis(),
                )
                .await
            }))?;
            let grace = humantime(config.cleanup.blackhole_grace);
            if added {
                println!(
                    "{e}: black-holed for {}; filed to {:?} for {grace}, then {}",
                    mb.address,
                    config.cleanup.blackhole_folder,
                    match config.cleanup.blackhole_action {
                        crate::config::model::BlackholeAction::Discard => "discarded".to_string(),
                        crate::config::model::BlackholeAction::Trash =>
                            format!("filed to {:?}", config.cleanup.trash_folder),
                    }
                );
            } else {
                println!("{e}: already black-holed for {}", mb.address);
            }
            Ok(ExitCode::SUCCESS)
        }
        BlackholeAction::Remove { mailbox: mb, entry } => {
            let mb = mailbox(config, mb)?;
            let e = crate::cleanup::blackhole::normalize(entry);
            let removed = rt.block_on(with_store(config, async |s| {
                crate::cleanup::edge::remove_blackhole(s, &mb.address, &e).await
            }))?;
            if mb.blackhole.contains(&e) {
                println!(
                    "{e}: removed from the store, but the configuration lists it for {}: remove it there too",
                    mb.address
                );
            } else if removed {
                println!("{e}: no longer black-holed for {}", mb.address);
            } else {
                println!("{e}: was not black-holed for {}", mb.address);
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        BlackholeAction::List { mailbox: mb } => {
            let mb = mailbox(config, mb)?;
            let entries = rt.block_on(with_store(config, async |s| {
                crate::cleanup::edge::blackholes(s, &mb.address).await
            }))?;
            let now = Utc::now().timestamp_millis();
            let grace = config.cleanup.blackhole_grace.as_millis() as i64;
            for (e, added) in &entries {
                let stage = if now - added < grace {
                    "grace (filed)"
                } else {
                    "active (dropped)"
                };
                let source = if mb.blackhole.contains(e) {
                    "config"
                } else {
                    "added"
                };
                println!(
                    "{e}\t{}\t{stage}\t{source}",
                    local_date(config, &mb.address, *added)
                );
            }
            for e in mb
                .blackhole
                .iter()
                .filter(|e| !entries.iter().any(|(s, _)| s == *e))
            {
                println!("{e}\t-\tconfigured, not yet loaded by a running musaid\tconfig");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn humantime(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 86_400 == 0 => format!("{} days", s / 86_400),
        s if s % 3600 == 0 => format!("{} hours", s / 3600),
        s => format!("{s} seconds"),
    }
}

/// `musaid unsubscribe MAILBOX LIST [--dry-run]`.
pub fn unsubscribe(config: &Config, mb: &str, list: &str, dry_run: bool) -> CommandResult {
    let mb = mailbox(config, mb)?;
    let rt = runtime()?;
    let r = rt.block_on(with_store(config, async |s| {
        crate::cleanup::edge::unsubscribe(s, config, &mb.address, list, dry_run, Utc::now()).await
    }))?;
    println!("{}: {} ({}): {}", r.list, r.outcome, r.method, r.detail);
    Ok(match r.outcome.as_str() {
        "accepted" | "queued" | "dry-run" => ExitCode::SUCCESS,
        _ => ExitCode::from(1),
    })
}

/// `musaid lists MAILBOX [--json]`.
pub fn lists(config: &Config, mb: &str, json: bool) -> CommandResult {
    let mb = mailbox(config, mb)?;
    let rt = runtime()?;
    let all = rt.block_on(with_store(config, async |s| {
        crate::cleanup::edge::all_lists(s, &mb.address).await
    }))?;
    for r in all {
        if json {
            println!(
                "{}",
                serde_json::to_string(&r).expect("a list record serialises")
            );
            continue;
        }
        let unsub = r
            .unsubscribed
            .as_ref()
            .map(|u| {
                format!(
                    "unsubscribed {} ({}, {})",
                    local_date(config, &mb.address, u.at),
                    u.method,
                    u.outcome
                )
            })
            .unwrap_or_else(|| "subscribed".into());
        println!(
            "{}\t{}\tmessages {}\tlast {}\tone-click {}\t{}{}{}",
            r.name,
            r.sender,
            r.volume,
            local_date(config, &mb.address, r.last_seen),
            r.one_click.name(),
            unsub,
            if r.noncompliant {
                "\tNON-COMPLIANT"
            } else {
                ""
            },
            if r.owner_wrote {
                "\towner wrote to it"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `musaid sieve [MAILBOX]`.
pub fn sieve(config: &Config, mb: Option<&str>) -> CommandResult {
    if let Some(m) = mb {
        mailbox(config, m)?;
    }
    print!("{}", crate::cleanup::sieve::script(config, mb));
    Ok(ExitCode::SUCCESS)
}

/// `musaid calendar import|list|free`.
pub fn calendar(config: &Config, action: &CalendarAction) -> CommandResult {
    let rt = runtime()?;
    let horizon = chrono::Duration::from_std(config.calendar.horizon).unwrap_or_default();
    match action {
        CalendarAction::Import { mailbox: mb, file } => {
            let mb = mailbox(config, mb)?;
            let bytes = std::fs::read(file).map_err(|error| CommandError::File {
                doing: "read",
                path: file.clone(),
                error,
            })?;
            let text = crate::calendar::ical::text_of(&bytes);
            let result = rt.block_on(with_store(config, async |s| {
                crate::calendar::held::import(
                    s,
                    &mb.address,
                    &text,
                    Utc::now(),
                    horizon,
                    mb.schedule.time_zone,
                )
                .await
            }))?;
            match result {
                Ok(r) => {
                    println!(
                        "{}: events imported for {}: {} ({} busy intervals in the next {} days); cancelled events removed: {}",
                        file.display(),
                        mb.address,
                        r.events,
                        r.busy_intervals,
                        horizon.num_days(),
                        r.removed
                    );
                    if !r.unknown_zones.is_empty() {
                        eprintln!(
                            "{}: unknown time zone(s) {}: those times were read in the mailbox's zone ({})",
                            file.display(),
                            r.unknown_zones.join(", "),
                            mb.schedule.time_zone.name()
                        );
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => Err(CommandError::Content {
                    path: file.clone(),
                    problem: format!("not an iCalendar file: {e}"),
                }),
            }
        }
        CalendarAction::List {
            mailbox: mb,
            from,
            to,
        } => {
            let mb = mailbox(config, mb)?;
            let tz = mb.schedule.time_zone;
            let from = from.unwrap_or_else(|| Utc::now().with_timezone(&tz).date_naive());
            let to = to.unwrap_or(from + chrono::Duration::days(14));
            let start = tz
                .from_local_datetime(&from.and_time(chrono::NaiveTime::MIN))
                .earliest()
                .map_or(0, |d| d.timestamp_millis());
            let end = tz
                .from_local_datetime(
                    &(to + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN),
                )
                .earliest()
                .map_or(i64::MAX, |d| d.timestamp_millis());
            let all = rt.block_on(with_store(config, async |s| {
                crate::calendar::held::all(s, &mb.address, start).await
            }))?;
            let mut rows = Vec::new();
            for e in &all {
                for (a, b) in e.busy.iter().filter(|(a, b)| *a < end && *b > start) {
                    rows.push((*a, *b, e));
                }
            }
            rows.sort_by_key(|(a, _, _)| *a);
            for (a, b, e) in rows {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    local_date(config, &mb.address, a),
                    local_date(config, &mb.address, b),
                    e.source,
                    e.summary,
                    e.organizer.as_deref().unwrap_or("-")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CalendarAction::Free { mailbox: mb, date } => {
            let mb = mailbox(config, mb)?;
            let all = rt.block_on(with_store(config, async |s| {
                crate::calendar::held::all(s, &mb.address, 0).await
            }))?;
            let busy: Vec<(i64, i64)> = all
                .iter()
                .filter(|e| e.blocks())
                .flat_map(|e| e.busy.clone())
                .collect();
            let slots = crate::calendar::slots::free_on(mb, *date, &busy);
            if slots.is_empty() {
                println!("{date}: no free time inside working hours");
            }
            for (a, b) in slots {
                println!(
                    "{}\t{}",
                    local_date(config, &mb.address, a.timestamp_millis()),
                    local_date(config, &mb.address, b.timestamp_millis())
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
