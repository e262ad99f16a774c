//! The reference suites of the calendar: musaid's recurrence expansion and time zones against
//! Python's (python-dateutil's rrule, the standard library's zoneinfo).
//!
//! `tests/reference/recurrence.py` generates the events (every FREQ and BYxxx part, INTERVAL,
//! WKST, COUNT and UNTIL, EXDATE, RDATE, RECURRENCE-ID, all-day and floating events, DST
//! boundaries in Asia/Riyadh, Europe/London, America/New_York and Australia/Sydney) and
//! dateutil's occurrences in a two-year window; this test reads the same calendar through
//! musaid and requires the same start instants, in UTC, for every event.
//! `tests/reference/zones.py` gives zoneinfo's UTC offsets for the zones musaid resolves every
//! Windows name and every VTIMEZONE TZID of `tests/corpus/icalendar` to.
//!
//! Python's side is the reference for the VTIMEZONEs musaid reads from their own definition
//! (custom TZIDs): python-icalendar's reading of the same VTIMEZONE. The tests install
//! python-dateutil and icalendar when the Python on the PATH lacks them.

use chrono::{DateTime, Duration, TimeZone, Utc};
use musaid::calendar::event::{Event, busy};
use musaid::calendar::ical;
use musaid::calendar::zones::{Zone, Zones};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// A Python that has python-dateutil and python-icalendar: the one on the PATH when it has
/// them, else a virtual environment of its own under the build directory where pip installs
/// them (the system's Python packages are left as they are). Set up once per test run.
fn python() -> String {
    static PYTHON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| {
            let has = |py: &str| {
                Command::new(py)
                    .args(["-c", "import dateutil, icalendar, zoneinfo"])
                    .stderr(std::process::Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success())
            };
            if has("python3") {
                return "python3".into();
            }
            let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("reference-python");
            let py = venv.join("bin/python3").display().to_string();
            if !has(&py) {
                let made = Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(&venv)
                    .status()
                    .is_ok_and(|s| s.success());
                let installed = made
                    && Command::new(&py)
                        .args([
                            "-m",
                            "pip",
                            "install",
                            "--quiet",
                            "--disable-pip-version-check",
                            "python-dateutil",
                            "icalendar",
                        ])
                        .status()
                        .is_ok_and(|s| s.success());
                assert!(
                    installed && has(&py),
                    "the reference needs python3 with venv and pip (Debian: python3-venv) to install python-dateutil and icalendar into {}",
                    venv.display()
                );
            }
            py
        })
        .clone()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

#[test]
fn recurrences_expand_exactly_as_python_dateutil_does() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/recurrence.py"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the generator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("events.ics")).unwrap();
    let expected: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("expected.json")).unwrap())
            .unwrap();
    let calendar = &ical::parse(&text).expect("the suite is iCalendar")[0];
    let zones = Zones::from_calendar(calendar);
    let mut by_uid: BTreeMap<String, Vec<Event>> = BTreeMap::new();
    for c in calendar.children_named("VEVENT") {
        let e = Event::from_component(c, &zones).expect("every event reads");
        by_uid.entry(e.uid.clone()).or_default().push(e);
    }
    assert_eq!(by_uid.len(), expected.len(), "every event was read");
    assert!(
        expected.len() >= 500,
        "the suite has {} events",
        expected.len()
    );
    let (from, to) = (utc("2026-01-01T00:00:00Z"), utc("2028-01-01T00:00:00Z"));
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for (uid, want) in &expected {
        let want: Vec<DateTime<Utc>> = want.iter().map(|s| utc(s)).collect();
        let got: Vec<DateTime<Utc>> = busy(&by_uid[uid], from, to, chrono_tz::UTC)
            .into_iter()
            .map(|(a, _)| a)
            .filter(|a| *a >= from)
            .collect();
        compared += want.len();
        if got != want {
            let first = got
                .iter()
                .zip(&want)
                .position(|(g, w)| g != w)
                .unwrap_or(got.len().min(want.len()));
            disagreements.push(format!(
                "{uid} ({}): {} occurrences, dateutil {}; first difference at #{first}: musaid {:?}, dateutil {:?}",
                by_uid[uid][0].rule_text().unwrap_or_default(),
                got.len(),
                want.len(),
                got.get(first),
                want.get(first)
            ));
        }
    }
    println!(
        "{} events, {compared} occurrences compared, {} disagreements",
        expected.len(),
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} of {} events disagree with dateutil:\n{}",
        disagreements.len(),
        expected.len(),
        disagreements.join("\n")
    );
}

/// Python's offsets (see `tests/reference/zones.py`) for `request`.
fn python_offsets(request: &serde_json::Value) -> serde_json::Value {
    use std::io::Write;
    let mut child = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference/zones.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "tests/reference/zones.py failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn windows_names_and_corpus_zones_have_pythons_offsets() {
    let instants: Vec<DateTime<Utc>> = (0..(2 * 365 * 4))
        .map(|i| Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::hours(6 * i))
        .collect();
    let ours = |zone: &Zone| -> Vec<i64> {
        instants
            .iter()
            .map(|i| i64::from(zone.offset_at(*i).expect("a zone with offsets")))
            .collect()
    };
    // Every Windows name, read without a VTIMEZONE.
    // (TZID, the file and TZID of its VTIMEZONE, the zone musaid reads)
    type Case = (String, Option<(String, String)>, Zone);
    let mut cases: Vec<Case> = Vec::new();
    for w in musaid::calendar::zones::windows_names() {
        cases.push((w.to_string(), None, Zones::default().resolve(Some(w))));
    }
    // Every VTIMEZONE of the corpus, read as musaid reads its calendar.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/icalendar");
    let mut files = vec![corpus];
    let mut vtimezones = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        for cal in ical::parse(&text).unwrap_or_default() {
            let zones = Zones::from_calendar(&cal);
            for z in cal.children_named("VTIMEZONE") {
                let Some(id) = z.value("TZID").map(str::trim) else {
                    continue;
                };
                vtimezones += 1;
                let file = p.display().to_string();
                cases.push((
                    id.to_string(),
                    Some((file, id.to_string())),
                    zones.resolve(Some(id)),
                ));
            }
        }
    }
    let unresolved: Vec<&String> = cases
        .iter()
        .filter(|(_, _, z)| z.offset_at(instants[0]).is_none())
        .map(|(id, _, _)| id)
        .collect();
    assert!(
        unresolved.is_empty(),
        "TZIDs musaid cannot read: {unresolved:?}"
    );
    let named: std::collections::BTreeSet<&str> = cases
        .iter()
        .filter_map(|(_, _, z)| match z {
            Zone::Named(tz) => Some(tz.name()),
            _ => None,
        })
        .collect();
    let defined: Vec<&(String, String)> = cases
        .iter()
        .filter(|(_, _, z)| matches!(z, Zone::Defined(_)))
        .filter_map(|(_, f, _)| f.as_ref())
        .collect();
    let python = python_offsets(&serde_json::json!({
        "instants": instants.iter().map(|i| i.timestamp()).collect::<Vec<_>>(),
        "named": named,
        "defined": defined,
    }));
    let mut differ = Vec::new();
    let mut compared = 0;
    for (id, file, zone) in &cases {
        let theirs = match zone {
            Zone::Named(tz) => &python["named"][tz.name()],
            Zone::Utc => continue,
            _ => {
                let (f, t) = file.as_ref().expect("only a VTIMEZONE defines a zone");
                &python["defined"][format!("{f}\t{t}")]
            }
        };
        let theirs: Vec<i64> = serde_json::from_value(theirs.clone())
            .unwrap_or_else(|_| panic!("python gave no offsets for {id} ({file:?})"));
        compared += 1;
        if ours(zone) != theirs {
            let at = ours(zone)
                .iter()
                .zip(&theirs)
                .position(|(a, b)| a != b)
                .unwrap();
            differ.push(format!(
                "{id} ({}): at {} musaid {} s, python {} s",
                file.as_ref().map_or("Windows name", |(f, _)| f.as_str()),
                instants[at],
                ours(zone)[at],
                theirs[at]
            ));
        }
    }
    println!(
        "{} Windows names and {vtimezones} VTIMEZONEs ({} read from their own definition), {} instants each: {compared} compared, {} differ",
        musaid::calendar::zones::windows_names().count(),
        defined.len(),
        instants.len(),
        differ.len()
    );
    assert!(
        differ.is_empty(),
        "offsets differ from Python's:\n{}",
        differ.join("\n")
    );
}
