//! The log as an administrator's journal sees it: `musaid serve` run as a process with its
//! standard error going to a file (not a terminal), one message through it over the milter
//! protocol. No colour codes, no empty fields, durations rounded; `[log] format = "json"`
//! writes one JSON object a line.

mod common;

use common::*;
use indymilter_test::{Status, TestConnection};
use std::process::{Command, Stdio};

/// Runs `musaid serve` with `format`, sends one message, stops it; its standard error. The
/// store's timeout is generous: the first message after a cold start can wait on the
/// writer's first rounds on a loaded machine, and a degraded line is not what these tests
/// look at (its format is the same).
async fn serve_one_message(format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("musaid.toml");
    std::fs::write(
        &config,
        format!(
            "[milter]\nlisten = \"inet:127.0.0.1:{port}\"\n[store]\nurl = \"sqlite:{}\"\ntimeout = \"10s\"\n[log]\nlevel = \"info\"\nformat = \"{format}\"\n[[mailbox]]\naddress = \"ceo@example.com\"\n",
            dir.path().join("musaid.db").display()
        ),
    )
    .unwrap();
    let log = dir.path().join("stderr.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_musaid"))
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .env_remove("NO_COLOR")
        .env_remove("MUSAID_LOG")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let mut conn = None;
    for _ in 0..600 {
        if let Ok(c) = TestConnection::open(addr.as_str()).await {
            conn = Some(c);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mut conn = conn.expect("musaid serve listens");
    let st = conn
        .connect("client.example.net", ([192, 0, 2, 10], 40000))
        .await
        .unwrap();
    assert!(matches!(st, Status::Continue | Status::Noreply), "{st:?}");
    let env = Env::to("lina@partner.example.org", "ceo@example.com", "LOG1");
    let (_, st) = send(
        &mut conn,
        &env,
        b"From: Lina <lina@partner.example.org>\r\nTo: ceo@example.com\r\nSubject: Contract\r\n\r\nPlease review the contract.\r\n",
    )
    .await;
    assert_eq!(st, Status::Accept);
    drop(conn);
    // SIGTERM: sessions finish, the process stops.
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    child.wait().unwrap();
    std::fs::read_to_string(&log).unwrap()
}

#[tokio::test]
async fn text_logs_have_no_colour_no_empty_fields_and_rounded_durations() {
    let log = serve_one_message("text").await;
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a log file:\n{log}"
    );
    let line = log
        .lines()
        .find(|l| l.contains("queue_id=\"LOG1\"") || l.contains("queue_id=LOG1"))
        .unwrap_or_else(|| panic!("no line for the message:\n{log}"));
    assert!(!line.contains("=\"\""), "an empty field: {line}");
    assert!(!line.contains("degraded"), "{line}");
    let ms = line
        .split_whitespace()
        .find_map(|f| f.strip_prefix("ms="))
        .unwrap_or_else(|| panic!("no ms field: {line}"));
    let decimals = ms.split_once('.').map_or(0, |(_, d)| d.len());
    assert!(decimals <= 2, "{ms} in {line}");
}

#[tokio::test]
async fn json_logs_are_one_object_a_line() {
    let log = serve_one_message("json").await;
    assert!(!log.contains('\u{1b}'), "{log}");
    let mut message = None;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if v["fields"]["queue_id"] == "LOG1" {
            message = Some(v);
        }
    }
    let message = message.unwrap_or_else(|| panic!("no line for the message:\n{log}"));
    assert_eq!(message["fields"]["message"], "message");
    assert!(message["fields"]["ms"].is_number(), "{message}");
    assert!(message["fields"].get("degraded").is_none(), "{message}");
}
