//! The report job (`musaid report`): weekly, monthly or daily digests per mailbox and an
//! organisation report for the administrators, from what the milter recorded while mail flowed.
//!
//! - [`period`]: which days a digest covers (the last complete ISO week by default, in each
//!   mailbox's time zone).
//! - [`model`]: the digest's figures, gathered from the store (also the JSON output).
//! - [`render`], [`chart`], [`locale`]: text, HTML and the PNG chart, in English or Arabic.
//! - this module: which digests to make, and sending each at most once.
//!
//! Sending is idempotent: a digest for (mailbox, period) is claimed in the store before it is
//! sent and marked sent after the relay's 250; a rerun, or a second host running the job at
//! the same time, finds the mark or the claim and sends nothing. A failed send releases the
//! claim, so the next run tries again. A period in which nothing happened sends nothing unless
//! `[report] send_empty = true`.

pub mod chart;
pub mod model;
pub mod period;
pub mod render;

use crate::config::Config;
use crate::outbox::{self, OutboxJob};
use crate::store::{Key, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use model::{Digest, Scope};
use period::{Kind, Period};
use std::path::PathBuf;
use std::time::Duration;

/// How a digest is rendered when it is written instead of sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Html,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, crate::invalid::Invalid> {
        match s {
            "text" => Ok(Format::Text),
            "html" => Ok(Format::Html),
            "json" => Ok(Format::Json),
            other => Err(crate::invalid::Invalid::value(
                other,
                "unknown format: use text, html or json",
            )),
        }
    }
}

/// What the command line asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: Kind,
    /// The period containing this date (local); None: the last complete one.
    pub date: Option<NaiveDate>,
    /// One mailbox (`*`: only the organisation report); None: every mailbox and the report.
    pub mailbox: Option<String>,
    /// Write .eml files instead of sending.
    pub dry_run: bool,
    /// Write this rendering only (nothing sent).
    pub format: Option<Format>,
    /// Where files go (None with `format`: standard output).
    pub out: Option<PathBuf>,
}

/// What happened to one digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DigestResult {
    Sent {
        to: Vec<String>,
    },
    Written(Vec<PathBuf>),
    Printed,
    AlreadySent,
    /// Another run holds the claim.
    Busy,
    Empty,
    NoRecipient,
    Failed(String),
}

/// One line of the job's output.
#[derive(Debug, Clone)]
pub struct Done {
    pub scope: String,
    pub period: String,
    pub outcome: DigestResult,
}

const CLAIM_FOR: Duration = Duration::from_secs(15 * 60);
const SENT_KEPT: Duration = Duration::from_secs(400 * 86_400);

fn sent_key(scope: &str, p: &Period) -> Key {
    Key::global(format!(
        "report-sent:{}:{scope}:{}",
        p.kind.name(),
        p.label()
    ))
}

fn claim_key(scope: &str, p: &Period) -> Key {
    Key::global(format!(
        "report-claim:{}:{scope}:{}",
        p.kind.name(),
        p.label()
    ))
}

/// A file name for a digest: `ceo_example.com-2026-W47`.
fn file_stem(scope: &str, p: &Period) -> String {
    let who: String = if scope == "*" {
        "organisation".into()
    } else {
        scope
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("{who}-{}", p.label())
}

/// The digest as a complete mail: multipart/alternative of text and HTML, the HTML with its
/// chart attached by Content-ID. A chart that cannot be drawn is left out (and logged): the
/// digest goes without it.
pub fn message(config: &Config, d: &Digest, to: &[String], now: DateTime<Utc>) -> Vec<u8> {
    use crate::message::compose::{Outgoing, Part};
    let s = crate::locale::Strings::for_language(d.language);
    let png = chart::png(d, config.report.chart_font.as_deref())
        .inspect_err(|e| tracing::warn!(scope = %d.scope, "digest sent without its chart: {e}"))
        .ok();
    let subject = render::subject(d, &s);
    let text = render::text(d);
    let message_id = format!(
        "musaid.report-{}@{}",
        crate::message::header::fingerprint(&[&d.scope, &d.period.label(), d.period.kind.name()]),
        crate::message::domain_of(&config.report.from)
    );
    let headers = Outgoing {
        from: &config.report.from,
        from_name: None,
        to: to.iter().map(String::as_str).collect(),
        subject: &subject,
        date: now.to_rfc2822(),
        message_id: &message_id,
        extra: {
            let mut extra = crate::message::compose::auto_generated();
            extra.push(("Content-Language", d.language.to_string()));
            extra
        },
    };
    let html;
    let rich = match &png {
        Some(png) => {
            html = render::html(d, Some("cid:chart@musaid"));
            Part::related(vec![
                Part::html(&html),
                Part::inline("image/png", "chart@musaid", png),
            ])
        }
        None => {
            html = render::html(d, None);
            Part::html(&html)
        }
    };
    headers
        .render(&Part::alternative(vec![Part::text(&text), rich]))
        .into_bytes()
}

/// The local "today" of a scope, for the default period.
fn today(config: &Config, scope: &Scope<'_>, now: DateTime<Utc>) -> NaiveDate {
    match scope {
        Scope::Mailbox(m) => now.with_timezone(&m.schedule.time_zone).date_naive(),
        Scope::Organisation => now
            .with_timezone(&config.default_schedule.time_zone)
            .date_naive(),
    }
}

/// Runs the job: every digest asked for, each rendered, written or sent once.
pub async fn run(
    store: &Store,
    config: &Config,
    opts: &Options,
    now: DateTime<Utc>,
) -> Result<Vec<Done>, StoreError> {
    let mut scopes: Vec<Scope<'_>> = Vec::new();
    match opts.mailbox.as_deref() {
        Some("*") => scopes.push(Scope::Organisation),
        Some(addr) => match config.mailbox(addr) {
            Some(m) => scopes.push(Scope::Mailbox(m)),
            None => {
                return Ok(vec![Done {
                    scope: addr.into(),
                    period: String::new(),
                    outcome: DigestResult::Failed(format!(
                        "{addr} is not a configured [[mailbox]]"
                    )),
                }]);
            }
        },
        None => {
            scopes.extend(config.mailboxes.iter().map(Scope::Mailbox));
            scopes.push(Scope::Organisation);
        }
    }
    let mut done = Vec::new();
    for scope in scopes {
        let period = match opts.date {
            Some(d) => Period::containing(opts.kind, d),
            None => Period::last_complete(opts.kind, today(config, &scope, now)),
        };
        let key = scope.key();
        let outcome = one(store, config, opts, scope, period, now).await?;
        done.push(Done {
            scope: key,
            period: period.label(),
            outcome,
        });
    }
    Ok(done)
}

async fn one(
    store: &Store,
    config: &Config,
    opts: &Options,
    scope: Scope<'_>,
    period: Period,
    now: DateTime<Utc>,
) -> Result<DigestResult, StoreError> {
    let key = scope.key();
    let to: Vec<String> = match scope {
        Scope::Mailbox(m) => vec![m.address.clone()],
        Scope::Organisation => config.report.administrators.clone(),
    };
    let sending = !opts.dry_run && opts.format.is_none();
    if sending && to.is_empty() {
        return Ok(DigestResult::NoRecipient);
    }
    if sending && store.get(sent_key(&key, &period)).await?.is_some() {
        return Ok(DigestResult::AlreadySent);
    }
    let org_language = config.report.language;
    let digest = model::build(
        store,
        config,
        scope,
        period,
        config.report.top,
        org_language,
        now,
    )
    .await?;
    if digest.is_empty() && !config.report.send_empty && opts.format.is_none() {
        return Ok(DigestResult::Empty);
    }
    let stem = file_stem(&key, &period);
    if let Some(format) = opts.format {
        return Ok(write_rendering(
            config,
            &digest,
            format,
            opts.out.as_deref(),
            &stem,
        ));
    }
    let bytes = message(config, &digest, &to, now);
    if opts.dry_run {
        let dir = opts.out.clone().unwrap_or_else(|| PathBuf::from("."));
        let path = dir.join(format!("{stem}.eml"));
        return Ok(
            match std::fs::create_dir_all(&dir).and_then(|_| std::fs::write(&path, &bytes)) {
                Ok(()) => DigestResult::Written(vec![path]),
                Err(e) => DigestResult::Failed(format!("{}: {e}", path.display())),
            },
        );
    }
    if !store
        .set_if_absent(claim_key(&key, &period), CLAIM_FOR)
        .await?
    {
        return Ok(DigestResult::Busy);
    }
    let job = OutboxJob {
        kind: "report".into(),
        mailbox: key.clone(),
        from: config.outbox.envelope_sender.clone(),
        to: to.clone(),
        message: String::from_utf8_lossy(&bytes).into_owned(),
        created: now.timestamp_millis(),
        webhook: None,
        content_type: None,
    };
    let origin_keys = crate::outbox::origin::keys(store).await?;
    match outbox::send(
        &config.outbox.relay,
        &job,
        origin_keys.first().map(String::as_str),
    )
    .await
    {
        Ok(()) => {
            store
                .put(sent_key(&key, &period), b"sent".to_vec(), Some(SENT_KEPT))
                .await?;
            store
                .record(
                    vec![crate::store::Count {
                        mailbox: key,
                        day: now.format("%Y-%m-%d").to_string(),
                        category: "-".into(),
                        metric: "report-sent".into(),
                        n: 1,
                    }],
                    config.retention(),
                )
                .await?;
            Ok(DigestResult::Sent { to })
        }
        Err(e) => {
            // Not sent: let the next run try again.
            store.delete(claim_key(&key, &period)).await?;
            Ok(DigestResult::Failed(e.to_string()))
        }
    }
}

/// Writes one rendering (text, HTML with its chart beside it, or JSON) to `out` or stdout.
fn write_rendering(
    config: &Config,
    d: &Digest,
    format: Format,
    out: Option<&std::path::Path>,
    stem: &str,
) -> DigestResult {
    let (ext, content, chart) = match format {
        Format::Text => ("txt", render::text(d), None),
        Format::Json => (
            "json",
            serde_json::to_string_pretty(d).unwrap_or_default() + "\n",
            None,
        ),
        Format::Html => {
            let png = chart::png(d, config.report.chart_font.as_deref()).ok();
            let src = format!("{stem}.png");
            let html = render::html(d, png.as_ref().map(|_| src.as_str()));
            ("html", html, png.map(|p| (src, p)))
        }
    };
    let Some(dir) = out else {
        print!("{content}");
        return DigestResult::Printed;
    };
    let mut written = Vec::new();
    let result = std::fs::create_dir_all(dir).and_then(|_| {
        let path = dir.join(format!("{stem}.{ext}"));
        std::fs::write(&path, content)?;
        written.push(path);
        if let Some((name, png)) = chart {
            let path = dir.join(name);
            std::fs::write(&path, png)?;
            written.push(path);
        }
        Ok(())
    });
    match result {
        Ok(()) => DigestResult::Written(written),
        Err(e) => DigestResult::Failed(format!("{}: {e}", dir.display())),
    }
}
