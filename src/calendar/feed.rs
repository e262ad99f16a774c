//! Calendar feeds: a mailbox's `calendar_feed` (an .ics file path, or an https URL such as a
//! published Google or Outlook calendar) is read on a schedule (`[calendar] feed_refresh`) and
//! its events replace the mailbox's imported busy time. With several hosts the refresh is
//! claimed in the store, so one host reads each feed per period.

use crate::config::Config;
use crate::store::{Key, Store, StoreError};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// The largest feed read (bigger ones are cut: a broken or hostile server).
const MAX_FEED_BYTES: usize = 8 << 20;

/// A feed that could not be read, naming it.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{source_name}: {error}")]
    Http {
        source_name: String,
        error: reqwest::Error,
    },
    #[error("{source_name}: HTTP {status}")]
    Status {
        source_name: String,
        status: reqwest::StatusCode,
    },
    #[error("{source_name}: {error}")]
    File {
        source_name: String,
        error: std::io::Error,
    },
}

/// Reads a feed's text.
pub async fn fetch(source: &str) -> Result<String, FetchError> {
    let http = |error| FetchError::Http {
        source_name: source.to_string(),
        error,
    };
    if source.starts_with("https://") {
        let reply = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("musaid/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(http)?
            .get(source)
            .send()
            .await
            .map_err(http)?;
        if !reply.status().is_success() {
            return Err(FetchError::Status {
                source_name: source.to_string(),
                status: reply.status(),
            });
        }
        let bytes = reply.bytes().await.map_err(http)?;
        Ok(super::ical::text_of(
            &bytes[..bytes.len().min(MAX_FEED_BYTES)],
        ))
    } else {
        let path = source.to_string();
        let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
            .await
            .unwrap_or_else(|joined| Err(std::io::Error::other(joined)))
            .map_err(|error| FetchError::File {
                source_name: source.to_string(),
                error,
            })?;
        Ok(super::ical::text_of(
            &bytes[..bytes.len().min(MAX_FEED_BYTES)],
        ))
    }
}

/// Refreshes every feed whose period is due; returns how many were read.
pub async fn refresh_due(
    store: &Store,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let every = config.calendar.feed_refresh;
    let period = now.timestamp_millis() / (every.as_millis().max(1) as i64);
    let mut read = 0;
    for mb in config
        .mailboxes
        .iter()
        .filter(|m| m.calendar_feed.is_some())
    {
        let source = mb.calendar_feed.as_deref().unwrap_or_default();
        let claim = Key::mailbox(&mb.address, format!("feed:{period}"));
        if !store
            .set_if_absent(claim, every + Duration::from_secs(60))
            .await?
        {
            continue;
        }
        match fetch(source).await {
            Ok(text) => {
                let horizon =
                    chrono::Duration::from_std(config.calendar.horizon).unwrap_or_default();
                match super::held::import(
                    store,
                    &mb.address,
                    &text,
                    now,
                    horizon,
                    mb.schedule.time_zone,
                )
                .await?
                {
                    Ok(r) => {
                        tracing::info!(mailbox = %mb.address, events = r.events, busy = r.busy_intervals, "calendar feed read");
                        if !r.unknown_zones.is_empty() {
                            tracing::warn!(mailbox = %mb.address, feed = source, tzid = ?r.unknown_zones, "calendar feed names a time zone musaid does not know: its times were read in the mailbox's zone");
                        }
                        read += 1;
                    }
                    Err(e) => {
                        tracing::warn!(mailbox = %mb.address, feed = source, "calendar feed is not iCalendar: {e}")
                    }
                }
            }
            Err(e) => tracing::warn!(mailbox = %mb.address, "calendar feed not read: {e}"),
        }
    }
    Ok(read)
}
