//! Every input saved under `fuzz/corpus/TARGET/` (the seeds, and what coverage-guided fuzzing
//! kept or found) through its target on stable, as a regression test: what fuzzing once
//! reached must keep passing without a nightly compiler. The seeds include the corpus
//! messages' calendars and the shipped configuration.

use std::path::Path;

fn run(target: &str, f: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| f(&data));
        assert!(outcome.is_ok(), "{} made {target} panic", path.display());
        n += 1;
    }
    assert!(n > 0, "no saved inputs for {target}");
    n
}

#[test]
fn saved_messages() {
    run("message", musaid::fuzzing::message);
}

#[test]
fn saved_calendars() {
    run("ical", musaid::fuzzing::ical);
}

#[test]
fn saved_sessions() {
    run("session", musaid::fuzzing::session);
}

#[test]
fn saved_configurations() {
    run("config", musaid::fuzzing::config);
}
