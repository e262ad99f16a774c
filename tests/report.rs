//! The report job on real traffic: messages go through the milter (and a reply through the
//! submission path), then the digest is built, rendered and sent through Postfix's smtp-sink
//! (a real SMTP server), once per period however often and however concurrently the job runs.

mod common;

use common::*;
use musaid::report::model::{Scope, build};
use musaid::report::period::{Kind, Period};
use musaid::report::{DigestResult, Format, Options, run};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

fn config(relay_port: u16) -> String {
    format!(
        r#"
[store]
timeout = "5s"

[outbox]
relay = "smtp://127.0.0.1:{relay_port}"

[report]
administrators = ["it@example.com"]
from = "digest@example.com"

[[mailbox]]
address = "ceo@example.com"
delegate = "assistant@example.com"
time_zone = "UTC"
working_hours = "00:00-24:00"
working_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

[[mailbox]]
address = "mudir@example.com"
language = "ar"
time_zone = "UTC"
"#
    )
}

/// Postfix's smtp-sink on a free loopback port, writing every message it accepts to `dir`.
struct Sink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Sink {
    fn start(dir: &Path) -> Sink {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::fs::create_dir_all(dir).unwrap();
        // As root smtp-sink must drop to a user (nobody), who must be able to write the dumps.
        let mut sink = Command::new("/usr/sbin/smtp-sink");
        if unsafe { libc::geteuid() } == 0 {
            std::fs::set_permissions(dir, std::os::unix::fs::PermissionsExt::from_mode(0o777))
                .unwrap();
            let mut up = dir.parent();
            while let Some(p) = up {
                if p.starts_with(std::env::temp_dir()) && p != std::env::temp_dir() {
                    std::fs::set_permissions(
                        p,
                        std::os::unix::fs::PermissionsExt::from_mode(0o755),
                    )
                    .unwrap();
                }
                up = p.parent();
            }
            sink.args(["-u", "nobody"]);
        }
        let child = sink
            .arg("-d")
            .arg(format!("{}/%Y%m%d%H%M%S.", dir.display()))
            .arg(format!("127.0.0.1:{port}"))
            .arg("20")
            .spawn()
            .expect("smtp-sink (from Debian's postfix package; scripts/test.sh installs it)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Sink {
            child,
            port,
            dir: dir.to_path_buf(),
        }
    }

    /// The messages received so far (smtp-sink writes the SMTP transaction and the message).
    fn messages(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect();
        v.sort();
        v
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn inbound(m: &Milter, from: &str, to: &str, id: &str, subject: &str, extra: &str) {
    let env = Env {
        from,
        rcpts: vec![to],
        auth: None,
        queue_id: "IN",
    };
    // A newsletter reads like one; the rest ask something of the reader.
    let body = if extra.contains("List-Id") {
        "This week: our new branch in Jeddah, the quarter's results in one chart, and five\r\nbooks our readers recommend. Read it online."
    } else {
        "Please handle this."
    };
    let raw = format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    );
    let (a, _) = send_one(m, &env, raw.as_bytes()).await;
    assert!(added(&a, "X-Musaid-Category").is_some(), "{subject}");
}

/// The traffic of the test: to ceo, three urgent messages from the board, one support request,
/// two issues of a newsletter; to mudir, one urgent message in Arabic. The delegate answers one
/// urgent message through the submission path.
async fn traffic(m: &Milter) {
    for n in 1..=3 {
        inbound(
            m,
            "chair@board.example.net",
            "ceo@example.com",
            &format!("u{n}@board.example.net"),
            &format!("URGENT: decision {n} needed today"),
            "",
        )
        .await;
    }
    inbound(
        m,
        "user@client.example.org",
        "ceo@example.com",
        "s1@client.example.org",
        "Problem: cannot log in, error 403",
        "",
    )
    .await;
    for n in 1..=2 {
        inbound(
            m,
            "news@letters.example.com",
            "ceo@example.com",
            &format!("n{n}@letters.example.com"),
            &format!("Weekly news #{n}"),
            "List-Id: Weekly <weekly.letters.example.com>\r\nList-Unsubscribe: <mailto:unsub@letters.example.com>\r\nPrecedence: bulk\r\n",
        )
        .await;
    }
    inbound(
        m,
        "office@gov.example.sa",
        "mudir@example.com",
        "a1@gov.example.sa",
        "عاجل: اعتماد الميزانية",
        "",
    )
    .await;
    let env = Env {
        from: "assistant@example.com",
        rcpts: vec!["chair@board.example.net"],
        auth: Some("assistant"),
        queue_id: "OUT",
    };
    let reply = "From: assistant@example.com\r\nTo: chair@board.example.net\r\nSubject: Re: URGENT: decision 2 needed today\r\nIn-Reply-To: <u2@board.example.net>\r\n\r\nDone.\r\n";
    send_one(m, &env, reply.as_bytes()).await;
}

fn options(mailbox: Option<&str>, kind: Kind, date: chrono::NaiveDate) -> Options {
    Options {
        kind,
        date: Some(date),
        mailbox: mailbox.map(String::from),
        dry_run: false,
        format: None,
        out: None,
    }
}

#[tokio::test]
async fn digests_from_real_traffic_are_sent_once() {
    let m = Milter::start(&config(1)).await;
    traffic(&m).await;
    let store = m.store();
    let cfg = m.running.shared.config.load_full();
    let today = chrono::Utc::now().date_naive();
    let ceo = cfg.mailbox("ceo@example.com").unwrap();

    // The figures.
    let period = Period::containing(Kind::Week, today);
    let d = build(
        &store,
        &cfg,
        Scope::Mailbox(ceo),
        period,
        5,
        cfg.report.language,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let count = |c: &str| d.received.iter().find(|x| x.category == c).map(|x| x.count);
    assert_eq!(count("urgent"), Some(3), "{:?}", d.received);
    assert_eq!(count("support"), Some(1), "{:?}", d.received);
    assert_eq!(count("newsletter"), Some(2), "{:?}", d.received);
    assert_eq!(d.received_total, 6);
    assert_eq!(d.replies, 1);
    assert_eq!(d.response_time.as_ref().map(|t| t.count), Some(1));
    assert_eq!(d.response_time_by_category[0].category, "urgent");
    assert_eq!(
        d.handled.needed, 4,
        "three urgent and one support need a reply"
    );
    assert_eq!(d.handled.answered, 1);
    assert_eq!(d.handled.share_percent, Some(25.0));
    assert_eq!(d.unanswered_total, 3);
    assert_eq!(d.unanswered[0].category, "urgent", "most important first");
    // The headline says what waits and for how long; each waiting message keeps its
    // sender's name and Message-ID for the reply link.
    assert_eq!(d.headline.waiting, 3);
    assert!(d.headline.oldest_waited_secs.is_some_and(|s| s >= 0));
    assert_eq!(d.headline.received, 6);
    // The trend: this week and the three before it, oldest first.
    assert_eq!(d.trend.len(), 4);
    assert_eq!(d.trend[3].period, period);
    assert_eq!(d.trend[3].received, 6);
    assert_eq!(d.trend[3].replies, 1);
    assert_eq!(d.trend[2].period, period.previous());
    // Without [tracking] keep_subjects nothing identifying is kept, so no reply link either.
    assert!(
        d.unanswered
            .iter()
            .all(|w| w.message_id.is_none() && w.from.is_none()),
        "{:?}",
        d.unanswered
    );
    let text = musaid::report::render::text(&d);
    assert!(
        text.lines()
            .nth(2)
            .unwrap()
            .starts_with("3 messages need your reply; the oldest has waited "),
        "{text}"
    );
    assert!(!musaid::report::render::html(&d, None).contains("mailto:"));
    assert_eq!(d.top_senders[0].name, "chair@board.example.net");
    assert_eq!(d.top_senders[0].count, 3);
    assert_eq!(d.lists[0].name, "weekly.letters.example.com");
    assert_eq!(d.lists[0].count, 2);
    assert_eq!(d.busiest_hours.iter().map(|h| h.count).sum::<u64>(), 6);
    assert_eq!(
        d.per_day
            .iter()
            .map(|x| x.categories.values().sum::<u64>())
            .sum::<u64>(),
        6
    );
    // The organisation report adds both mailboxes up and has a line for each.
    let org = build(
        &store,
        &cfg,
        Scope::Organisation,
        period,
        5,
        cfg.report.language,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(org.received_total, 7);
    assert_eq!(org.mailboxes.len(), 2);
    assert_eq!(org.mailboxes[1].received, 1);
    assert_eq!(org.unanswered_total, 4);

    // Sending through a real SMTP server: every digest once, however often the job runs.
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(&dir.path().join("sink"));
    let mut cfg = (*cfg).clone();
    cfg.outbox.relay.port = sink.port;
    let week = options(None, Kind::Week, today);
    let done = run(&store, &cfg, &week, chrono::Utc::now()).await.unwrap();
    let sent: Vec<_> = done
        .iter()
        .filter(|d| matches!(d.outcome, DigestResult::Sent { .. }))
        .map(|d| d.scope.clone())
        .collect();
    assert_eq!(
        sent,
        vec!["ceo@example.com", "mudir@example.com", "*"],
        "{done:?}"
    );
    let again = run(&store, &cfg, &week, chrono::Utc::now()).await.unwrap();
    assert!(
        again.iter().all(|d| d.outcome == DigestResult::AlreadySent),
        "{again:?}"
    );
    // Two runs at the same time (the monthly digest this time): one digest each, not two.
    let month = options(Some("ceo@example.com"), Kind::Month, today);
    let (a, b) = tokio::join!(
        run(&store, &cfg, &month, chrono::Utc::now()),
        run(&store, &cfg, &month, chrono::Utc::now())
    );
    let outcomes = [a.unwrap().remove(0).outcome, b.unwrap().remove(0).outcome];
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, DigestResult::Sent { .. }))
            .count(),
        1,
        "{outcomes:?}"
    );
    // A period with nothing in it sends nothing.
    let empty = options(None, Kind::Week, today - chrono::Duration::days(200));
    let done = run(&store, &cfg, &empty, chrono::Utc::now()).await.unwrap();
    assert!(
        done.iter().all(|d| d.outcome == DigestResult::Empty),
        "{done:?}"
    );

    // What arrived: four digests, multipart/alternative with the chart inline, Auto-Submitted.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let messages = sink.messages();
    assert_eq!(messages.len(), 4, "three weekly digests and one monthly");
    for msg in &messages {
        assert!(msg.contains("Auto-Submitted: auto-generated"), "{msg}");
        assert!(msg.contains("multipart/alternative"), "{msg}");
        assert!(msg.contains("Content-ID: <chart@musaid>"), "{msg}");
        assert!(msg.contains("image/png"), "{msg}");
    }
    let arabic = messages
        .iter()
        .find(|m| m.contains("mudir@example.com") && m.contains("Content-Language: ar"))
        .expect("the Arabic digest");
    assert!(arabic.contains("Subject: =?UTF-8?B?"), "{arabic}");
    // The milter owns the store's directory: stopped last.
    m.stop().await;
}

#[tokio::test]
async fn a_failed_send_is_retried_by_the_next_run_and_renderings_are_written() {
    let m = Milter::start(&config(1)).await;
    traffic(&m).await;
    let store = m.store();
    let cfg = (*m.running.shared.config.load_full()).clone();
    let today = chrono::Utc::now().date_naive();
    // The relay (port 1) is closed: nothing is marked sent.
    let only = options(Some("ceo@example.com"), Kind::Day, today);
    let done = run(&store, &cfg, &only, chrono::Utc::now()).await.unwrap();
    assert!(
        matches!(done[0].outcome, DigestResult::Failed(_)),
        "{done:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(&dir.path().join("sink"));
    let mut cfg = cfg;
    cfg.outbox.relay.port = sink.port;
    let done = run(&store, &cfg, &only, chrono::Utc::now()).await.unwrap();
    assert!(
        matches!(done[0].outcome, DigestResult::Sent { .. }),
        "{done:?}"
    );

    // --dry-run writes .eml files and sends nothing; --format writes one rendering.
    let out = dir.path().join("out");
    let mut dry = options(None, Kind::Day, today);
    dry.dry_run = true;
    dry.out = Some(out.clone());
    let done = run(&store, &cfg, &dry, chrono::Utc::now()).await.unwrap();
    assert_eq!(done.len(), 3);
    assert!(out.join(format!("ceo_example.com-{today}.eml")).exists());
    assert!(out.join(format!("organisation-{today}.eml")).exists());
    for (format, ext) in [
        (Format::Json, "json"),
        (Format::Html, "html"),
        (Format::Text, "txt"),
    ] {
        let mut o = options(Some("mudir@example.com"), Kind::Day, today);
        o.format = Some(format);
        o.out = Some(out.clone());
        run(&store, &cfg, &o, chrono::Utc::now()).await.unwrap();
        assert!(
            out.join(format!("mudir_example.com-{today}.{ext}"))
                .exists()
        );
    }
    assert!(out.join(format!("mudir_example.com-{today}.png")).exists());
    assert_eq!(
        sink.messages().len(),
        1,
        "dry runs and renderings send nothing"
    );
    m.stop().await;
}

/// Checks `value` against the subset of JSON Schema that docs/report.schema.json uses
/// (type, enum, required, properties, additionalProperties, items, oneOf, local $ref).
/// Returns every violation with its JSON path.
fn violations(
    schema: &serde_json::Value,
    root: &serde_json::Value,
    value: &serde_json::Value,
    path: &str,
) -> Vec<String> {
    use serde_json::Value;
    let mut out = Vec::new();
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = r
            .trim_start_matches("#/")
            .split('/')
            .fold(root, |s, part| &s[part]);
        return violations(target, root, value, path);
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let ok = options
            .iter()
            .filter(|o| violations(o, root, value, path).is_empty())
            .count();
        if ok != 1 {
            out.push(format!("{path}: matches {ok} of oneOf"));
        }
        return out;
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let is = |ty: &str| match ty {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object(),
            "array" => value.is_array(),
            "null" => value.is_null(),
            _ => false,
        };
        if !types.iter().any(|t| is(t)) {
            out.push(format!("{path}: {value} is not {types:?}"));
            return out;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(value)
    {
        out.push(format!("{path}: {value} not in {e:?}"));
    }
    if let Some(obj) = value.as_object() {
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !obj.contains_key(r.as_str().unwrap()) {
                out.push(format!("{path}: missing {r}"));
            }
        }
        let props = schema.get("properties").and_then(Value::as_object);
        for (k, v) in obj {
            match (
                props.and_then(|p| p.get(k)),
                schema.get("additionalProperties"),
            ) {
                (Some(s), _) => out.extend(violations(s, root, v, &format!("{path}.{k}"))),
                (None, Some(Value::Bool(false))) => out.push(format!("{path}: unexpected {k}")),
                (None, Some(s)) if s.is_object() => {
                    out.extend(violations(s, root, v, &format!("{path}.{k}")))
                }
                _ => {}
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), value.as_array()) {
        for (i, v) in arr.iter().enumerate() {
            out.extend(violations(items, root, v, &format!("{path}[{i}]")));
        }
    }
    out
}

/// Replays the traffic and writes the week's digests in `formats` to a directory: the
/// directory (kept alive), the output folder and the week's label.
async fn written_digests(formats: &[Format]) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let m = Milter::start(&config(1)).await;
    traffic(&m).await;
    let store = m.store();
    let cfg = m.running.shared.config.load_full();
    let today = chrono::Utc::now().date_naive();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for format in formats {
        let mut o = options(None, Kind::Week, today);
        o.format = Some(*format);
        o.out = Some(out.clone());
        let done = run(&store, &cfg, &o, chrono::Utc::now()).await.unwrap();
        assert!(
            done.iter()
                .all(|d| matches!(d.outcome, DigestResult::Written(_))),
            "{done:?}"
        );
    }
    m.stop().await;
    let week = Period::containing(Kind::Week, today).label();
    (dir, out, week)
}

#[tokio::test]
async fn json_follows_the_documented_schema_and_html_renders_in_chromium() {
    let (dir, out, week) = written_digests(&[Format::Json, Format::Html]).await;

    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/report.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    for stem in ["ceo_example.com", "mudir_example.com", "organisation"] {
        let json: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.join(format!("{stem}-{week}.json"))).unwrap(),
        )
        .unwrap();
        let wrong = violations(&schema, &schema, &json, "$");
        assert!(wrong.is_empty(), "{stem}: {wrong:#?}");
    }

    // Headless Chromium renders the Arabic and the English digest and the organisation report
    // (each with its chart beside it) to PNGs.
    for (stem, rtl) in [
        ("mudir_example.com", true),
        ("ceo_example.com", false),
        ("organisation", false),
    ] {
        let page = out.join(format!("{stem}-{week}.html"));
        let shot = dir.path().join(format!("{stem}.png"));
        let img = screenshot(&page, &shot);
        assert_eq!(img.dimensions(), (800, 1200));
        // Text was drawn (dark pixels), and the chart was loaded: the urgent bar's colour.
        let dark = img.pixels().filter(|p| p.0.iter().all(|c| *c < 80)).count();
        assert!(
            dark > 500,
            "{stem}: only {dark} dark pixels: the page looks empty"
        );
        let urgent = musaid::report::chart::colour("urgent");
        let bar = img
            .pixels()
            .filter(|p| p.0 == [urgent.0, urgent.1, urgent.2])
            .count();
        assert!(
            bar > 100,
            "{stem}: the chart's urgent bar is not on the page ({bar} pixels)"
        );
        // The title starts at the right edge right to left (the left of its row is blank), at
        // the left edge left to right.
        let title_row = (0..120)
            .find(|y| (0..800).any(|x| img.get_pixel(x, *y).0.iter().all(|c| *c < 80)))
            .expect("a title");
        let leftmost = (0..800)
            .find(|x| img.get_pixel(*x, title_row).0.iter().all(|c| *c < 80))
            .unwrap();
        if rtl {
            assert!(
                leftmost > 300,
                "{stem}: title row starts at x={leftmost}: not right to left"
            );
        } else {
            assert!(
                leftmost < 200,
                "{stem}: title row starts at x={leftmost}: not left to right"
            );
        }
        std::fs::copy(
            &shot,
            std::env::temp_dir().join(format!("musaid-digest-{stem}.png")),
        )
        .ok();
    }
}

/// `page` as headless Chromium draws it in an 800 x 1200 window, saved to `shot`.
fn screenshot(page: &std::path::Path, shot: &std::path::Path) -> image::RgbImage {
    let status = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
            "--window-size=800,1200",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("chromium (Debian's package; scripts/test.sh installs it)");
    assert!(status.success(), "chromium failed: {status}");
    image::open(shot).expect("a PNG screenshot").to_rgb8()
}

/// The digests as a reader's browser has them: headless Chromium loads the Arabic, the English
/// and the organisation digest and dumps the DOM it built; its text is read back. The Arabic
/// page runs right to left, starts with the headline, and has no English word in it but
/// addresses, list names, the time zone and the product's own name.
#[tokio::test]
async fn chromium_reads_the_headline_and_no_english_in_the_arabic_digest() {
    let (_dir, out, week) = written_digests(&[Format::Html]).await;
    let dom = |stem: &str| {
        let page = out.join(format!("{stem}-{week}.html"));
        let out = Command::new("chromium")
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
            .arg(format!("file://{}", page.display()))
            .stderr(std::process::Stdio::null())
            .output()
            .expect("chromium (Debian's package; scripts/test.sh installs it)");
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    // The text of an element of the dumped DOM, tags dropped.
    let text_of = |html: &str| {
        let mut text = String::new();
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        musaid::locale::without_isolates(
            &text
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">"),
        )
    };
    let headline = |html: &str| {
        let start = html.find("id=\"headline\"").expect("a headline");
        let rest = &html[start..];
        text_of(&rest[rest.find('>').unwrap() + 1..rest.find("</p>").unwrap()])
    };

    let ar = dom("mudir_example.com");
    assert!(
        ar.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{}",
        &ar[..200]
    );
    let h = headline(&ar);
    assert!(
        h.contains("تحتاج إلى ردك") || h.contains("لا شيء بانتظار ردك"),
        "{h}"
    );
    let body = &ar[ar.find("<body").unwrap()..];
    let english: Vec<String> = text_of(body)
        .split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
        .filter(|w| !w.contains('@') && !w.contains('.') && !w.contains('/'))
        .filter(|w| *w != "musaid")
        .map(str::to_string)
        .collect();
    assert!(
        english.is_empty(),
        "English in the Arabic digest: {english:?}"
    );

    let en = dom("ceo_example.com");
    assert!(en.contains("<html lang=\"en\" dir=\"ltr\">"));
    let h = headline(&en);
    assert!(
        h.contains("need your reply") || h.contains("needs your reply"),
        "{h}"
    );
    assert!(h.contains("came in"), "{h}");
    let org = dom("organisation");
    assert!(
        headline(&org).contains("waiting for a reply"),
        "{}",
        headline(&org)
    );
}
