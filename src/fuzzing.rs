//! Entry points for fuzzing: one per kind of input musaid takes from outside. Each runs the
//! same code the milter and the commands run on that input and must never panic, hang or
//! grow without bound. cargo-fuzz targets (`fuzz/fuzz_targets/`) call them on generated
//! inputs (nightly); `tests/fuzz_corpus.rs` calls them on every saved input of
//! `fuzz/corpus/` on stable, so what fuzzing found stays fixed.

use crate::config::{Config, Overrides};
use crate::message::{Envelope, ParsedMessage};
use std::sync::LazyLock;

/// The shipped example configuration: every job switched on, as a real installation has.
static CONFIG: LazyLock<Config> = LazyLock::new(|| {
    crate::config::from_str(
        include_str!("../conf/musaid.toml"),
        "conf/musaid.toml",
        &Overrides::default(),
    )
    .expect("the shipped configuration is valid")
});

fn envelope() -> Envelope {
    Envelope {
        sender: "sender@outside.example".into(),
        recipients: vec!["ceo@example.com".into(), "support@example.com".into()],
        queue_id: Some("FUZZ".into()),
        ..Default::default()
    }
}

/// A message from an SMTP client: parsed, classified and planned (`musaid classify`).
pub fn message(data: &[u8]) {
    let report = crate::cli::classify_bytes(&CONFIG, &envelope(), None, "fuzz".into(), data);
    // Every header value musaid would write passes the gate unchanged in meaning: one line
    // per fold, nothing that starts a header of its own.
    for (_, value) in &report.headers {
        let gated = crate::message::header::header_value(value);
        assert!(!gated.contains('\r'), "a CR in a header value");
        assert!(
            gated
                .split('\n')
                .skip(1)
                .all(|l| l.starts_with([' ', '\t'])),
            "a header line that is not a fold: {gated:?}"
        );
    }
}

/// An iCalendar part in a message: read, and its busy time expanded over a year.
pub fn ical(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let raw = format!(
        "From: a@b.example\r\nTo: ceo@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n{text}"
    );
    let m = ParsedMessage::parse(raw.as_bytes(), raw.len(), false);
    let from = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
    for inv in crate::calendar::invitations(&m) {
        let _ = crate::calendar::event::busy(
            &inv.events,
            from,
            from + chrono::Duration::days(366),
            chrono_tz::Tz::Asia__Riyadh,
        );
    }
    let _ = crate::calendar::ical::parse(&text);
}

/// An MTA's milter session: the bytes are cut into header fields and body chunks (a NUL
/// ends a field name, a newline its value; 0xFF starts the body), buffered under small
/// limits, and the message decided as at end of message.
pub fn session(data: &[u8]) {
    let mut s = crate::milter::session::Session::new(512, 256);
    s.connect("client.example", None, None);
    s.mail("<sender@outside.example>", None, None);
    s.rcpt("<ceo@example.com>");
    let (head, body) = match data.iter().position(|b| *b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    for field in head.split(|b| *b == b'\n') {
        let (name, value) = match field.iter().position(|b| *b == 0) {
            Some(i) => (&field[..i], &field[i + 1..]),
            None => (field, &[][..]),
        };
        s.header(name, value);
    }
    for chunk in body.chunks(97) {
        s.body(chunk);
    }
    if let Some(m) = s.finish(Some("FUZZ".into())) {
        let d = crate::pipeline::decide(
            &CONFIG,
            &m.envelope,
            m.raw(),
            chrono::Utc::now(),
            &crate::cleanup::blackhole::Memory::default(),
            None,
        );
        for (name, _) in &d.plan.remove_headers {
            assert!(name.to_ascii_lowercase().starts_with("x-musaid-"));
        }
    }
}

/// A configuration file: loaded and validated (`musaid check-config`); an error names
/// where it is.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(errors) = crate::config::from_str(text, "fuzz.toml", &Overrides::default()) {
        for e in &errors.0 {
            assert!(e.to_string().starts_with("fuzz.toml"), "{e}");
        }
    }
}
