//! Replays a schedule of mail (scripts/synth-week.py writes one) to a milter over the milter
//! protocol, each message at its own time: before each message the time in the schedule is
//! written to a clock file, which a milter run under libfaketime
//! (`FAKETIME_TIMESTAMP_FILE`, `FAKETIME_NO_CACHE=1`) reads as its clock. The milter runs
//! unchanged and believes a week goes by. scripts/replay-week.sh sets it up.
//!
//! ```text
//! cargo run --example replay_week -- --addr inet:127.0.0.1:7357 --clock /tmp/clock \
//!     --until 2026-11-30T05:00:00Z WEEK-DIR
//! ```
//!
//! Mail with `"auth"` in the schedule is sent as authenticated (`{auth_authen}`), as an owner's
//! reply through the submission service is. Prints one line per message (time, envelope,
//! the category and reason musaid gave) and a summary per recipient.

#[path = "shared/milter_client.rs"]
mod milter_client;

use clap::Parser;
use indymilter_test::{EomActions, MacroStage, Status};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Parser)]
#[command(name = "replay_week")]
struct Args {
    /// The milter: inet:HOST:PORT or unix:PATH.
    #[arg(long, default_value = "inet:127.0.0.1:7357")]
    addr: String,
    /// The libfaketime timestamp file the milter reads its clock from.
    #[arg(long)]
    clock: PathBuf,
    /// Stop before the first message after this time (RFC 3339), and set the clock to it.
    #[arg(long)]
    until: Option<chrono::DateTime<chrono::Utc>>,
    /// Real time (milliseconds) to leave the milter between messages (its background rounds run every
    /// 500 ms; a new day gets four times as long, so reminders of the day are sent).
    #[arg(long, default_value_t = 150)]
    pause_ms: u64,
    /// The directory with schedule.jsonl and the messages.
    week: PathBuf,
}

#[derive(serde::Deserialize)]
struct Item {
    at: chrono::DateTime<chrono::Utc>,
    from: String,
    rcpt: Vec<String>,
    auth: Option<String>,
    file: PathBuf,
}

/// Sets the milter's clock (libfaketime's absolute format: the clock stands at that time).
fn set_clock(path: &Path, at: chrono::DateTime<chrono::Utc>) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, at.format("%Y-%m-%d %H:%M:%S\n").to_string()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn send(addr: &str, item: &Item, raw: &[u8], queue_id: &str) -> (EomActions, Status) {
    let mut conn = milter_client::open(addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(user) = &item.auth {
        conn.macros(MacroStage::Mail, [("{auth_authen}", user.as_str())])
            .await
            .unwrap();
    }
    conn.mail([format!("<{}>", item.from)]).await.unwrap();
    for r in &item.rcpt {
        conn.rcpt([format!("<{r}>")]).await.unwrap();
    }
    let (headers, body) = musaid::message::split_for_milter(raw);
    for (n, v) in headers {
        conn.header(n, v).await.unwrap();
    }
    for chunk in body.chunks(65535) {
        conn.body(chunk.to_vec()).await.unwrap();
    }
    conn.macros(MacroStage::Eom, [("i", queue_id)])
        .await
        .unwrap();
    let r = conn.eom().await.unwrap();
    conn.close().await.unwrap();
    r
}

/// The value of a header musaid added.
fn header(actions: &EomActions, name: &str) -> String {
    actions
        .actions
        .iter()
        .find_map(|a| match a {
            indymilter_test::EomAction::AddHeader { name: n, value }
            | indymilter_test::EomAction::InsertHeader { name: n, value, .. }
                if n.to_string_lossy().eq_ignore_ascii_case(name) =>
            {
                Some(value.to_string_lossy().into_owned())
            }
            _ => None,
        })
        .unwrap_or_default()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    let schedule = std::fs::read_to_string(args.week.join("schedule.jsonl"))
        .unwrap_or_else(|e| panic!("{}: {e}", args.week.join("schedule.jsonl").display()));
    let mut per_recipient: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut day = None;
    for (n, line) in schedule.lines().enumerate() {
        let item: Item =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("schedule.jsonl:{}: {e}", n + 1));
        if args.until.is_some_and(|u| item.at > u) {
            break;
        }
        set_clock(&args.clock, item.at);
        let today = item.at.date_naive();
        let pause = Duration::from_millis(args.pause_ms);
        let pause = if day != Some(today) { pause * 4 } else { pause };
        day = Some(today);
        tokio::time::sleep(pause).await;
        let raw = std::fs::read(args.week.join(&item.file)).unwrap();
        let (actions, status) = send(&args.addr, &item, &raw, &format!("W{:05}", n + 1)).await;
        let category = header(&actions, "X-Musaid-Category");
        let reason = header(&actions, "X-Musaid-Reason");
        println!(
            "{} {:<8} {} -> {} : {} ({}) {:?}",
            item.at.format("%a %d %H:%M"),
            if item.auth.is_some() {
                "sent"
            } else {
                "received"
            },
            if item.from.is_empty() {
                "<>"
            } else {
                &item.from
            },
            item.rcpt.join(","),
            if category.is_empty() { "-" } else { &category },
            reason,
            status,
        );
        if item.auth.is_none() {
            for r in &item.rcpt {
                *per_recipient
                    .entry(r.clone())
                    .or_default()
                    .entry(category.clone())
                    .or_default() += 1;
            }
        }
    }
    if let Some(until) = args.until {
        set_clock(&args.clock, until);
        tokio::time::sleep(Duration::from_millis(args.pause_ms) * 8).await;
    }
    for (rcpt, categories) in per_recipient {
        let total: usize = categories.values().sum();
        let list: Vec<String> = categories.iter().map(|(c, n)| format!("{c} {n}")).collect();
        println!("{rcpt}: {total} received: {}", list.join(", "));
    }
}
