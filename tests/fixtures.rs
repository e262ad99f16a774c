//! Plain-text fixtures: a message plus the decision it must get, from the category to the
//! planners' actions (see tests/fixtures/classify/README.md).

use musaid::cli::classify_bytes;
use musaid::config::{self, Overrides};
use musaid::message::Envelope;
use std::path::Path;

#[test]
fn every_fixture_gets_its_expected_decision() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let text = std::fs::read_to_string(dir.join("classify.toml")).unwrap();
    let cfg = config::from_str(&text, "classify.toml", &Overrides::default()).unwrap();
    let mut files: Vec<_> = std::fs::read_dir(dir.join("classify"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "fixtures missing");
    let mut failures = Vec::new();
    for f in &files {
        let raw = std::fs::read_to_string(f).unwrap();
        let (expect, message) = raw.split_once('\n').unwrap();
        let expect = expect
            .strip_prefix("# expect:")
            .expect("first line is # expect:");
        let message = message.replace("\r\n", "\n").replace('\n', "\r\n");
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        // The envelope an MTA would give: MAIL FROM the From address, RCPT TO the To.
        let parsed =
            musaid::message::ParsedMessage::parse(message.as_bytes(), message.len(), false);
        let envelope = Envelope {
            sender: parsed.from.map(|f| f.address).unwrap_or_default(),
            recipients: parsed.to.first().cloned().into_iter().collect(),
            ..Default::default()
        };
        let r = classify_bytes(&cfg, &envelope, None, name.clone(), message.as_bytes());
        let fired: Vec<String> = r
            .signals
            .iter()
            .map(|h| h.signal.name().to_string())
            .collect();
        for item in expect.split_whitespace() {
            let (key, value) = item.split_once('=').unwrap();
            let ok = match key {
                "category" => r.category.as_deref() == Some(value),
                "priority" => r.priority.map(|p| p.to_string()).as_deref() == Some(value),
                "signals" => value.split(',').all(|s| fired.iter().any(|f| f == s)),
                "actions" => value.split(',').all(|a| r.actions.iter().any(|x| x == a)),
                other => panic!("{name}: unknown expectation {other}"),
            };
            if !ok {
                failures.push(format!(
                    "{name}: expected {item}, got category={:?} priority={:?} signals={fired:?} reasons={:?} actions={:?}",
                    r.category, r.priority, r.reasons, r.actions
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
