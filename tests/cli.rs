//! The command line as a shell uses it: output cut short by a closed pipe.

use std::io::Read;
use std::process::{Command, Stdio};

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let root = env!("CARGO_MANIFEST_DIR");
    // classify prints a JSON object per file: far more than the reader takes.
    let mut files: Vec<std::path::PathBuf> =
        std::fs::read_dir(format!("{root}/tests/labelled/messages"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
    files.sort();
    let mut child = Command::new(env!("CARGO_BIN_EXE_musaid"))
        .args([
            "--config",
            &format!("{root}/conf/musaid.toml"),
            "classify",
            "--json",
        ])
        .args(&files)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // `| head -c 100`: read a little, then close the pipe.
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_ne!(
        out.status.code(),
        Some(101),
        "exit 101 is a panic: {stderr}"
    );
}

/// A directory an administrator replays before going live: a Maildir (cur/ and new/; tmp/
/// is half-written mail and is skipped), an mbox of two messages and a single file.
fn replay_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for sub in ["Maildir/cur", "Maildir/new", "Maildir/tmp"] {
        std::fs::create_dir_all(d.join(sub)).unwrap();
    }
    std::fs::write(
        d.join("Maildir/cur/1.host:2,S"),
        "From: MAILER-DAEMON@mx.example.net\r\nTo: ceo@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nThis is the mail system.\r\n",
    )
    .unwrap();
    std::fs::write(
        d.join("Maildir/new/2.host"),
        "From: Lina <lina@partner.example.org>\r\nTo: ceo@example.com\r\nSubject: Contract\r\n\r\nPlease review the contract before Thursday.\r\n",
    )
    .unwrap();
    std::fs::write(
        d.join("Maildir/tmp/3.host"),
        "From: x@y.example\r\nSubject: half-written\r\n\r\n",
    )
    .unwrap();
    std::fs::write(
        d.join("archive.mbox"),
        "From news@lists.example.org Mon Nov 30 08:00:00 2026\nFrom: Weekly <news@lists.example.org>\nTo: ceo@example.com\nList-Id: <weekly.lists.example.org>\nList-Unsubscribe: <mailto:leave@lists.example.org>\nPrecedence: list\nSubject: This week\n\nNews.\n>From the archive.\n\nFrom a@b.example Mon Nov 30 09:00:00 2026\nFrom: a@b.example\nTo: ceo@example.com\nSubject: Lunch?\n\nAre you free for lunch tomorrow?\n",
    )
    .unwrap();
    dir
}

fn classify(args: &[&str]) -> (String, String, Option<i32>) {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO_BIN_EXE_musaid"))
        .args(["--config", &format!("{root}/conf/musaid.toml"), "classify"])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn classify_reads_maildirs_and_mbox_files_and_summarises() {
    let dir = replay_dir();
    let path = dir.path().to_str().unwrap();
    let (lines, _, code) = classify(&["--rcpt", "ceo@example.com", path]);
    assert_eq!(code, Some(0), "{lines}");
    let names: Vec<&str> = lines
        .lines()
        .map(|l| l.split(": ").next().unwrap())
        .collect();
    assert_eq!(names.len(), 4, "{lines}");
    assert!(names[0].ends_with("Maildir/cur/1.host:2,S"), "{lines}");
    assert!(names[1].ends_with("Maildir/new/2.host"), "{lines}");
    assert!(names[2].ends_with("archive.mbox#1"), "{lines}");
    assert!(names[3].ends_with("archive.mbox#2"), "{lines}");
    assert!(
        lines.lines().next().unwrap().contains("notification"),
        "{lines}"
    );
    assert!(
        lines.lines().nth(2).unwrap().contains("newsletter"),
        "{lines}"
    );

    let (summary, _, code) = classify(&["--summary", "--rcpt", "ceo@example.com", path]);
    assert_eq!(code, Some(0));
    assert!(
        summary.starts_with("4 messages (4 inbound, 0 outbound)\n"),
        "{summary}"
    );
    assert!(summary.contains("\ncategory "), "{summary}");
    assert!(summary.contains("\nreason "), "{summary}");
    assert!(summary.contains("\naction "), "{summary}");
    let row = |name: &str| {
        summary
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap()
                    .parse::<usize>()
                    .unwrap()
            })
    };
    assert_eq!(row("newsletter"), Some(1), "{summary}");
    assert_eq!(row("notification"), Some(1), "{summary}");
    assert_eq!(row("list-id"), Some(1), "{summary}");

    let (json, _, _) = classify(&["--summary", "--json", "--rcpt", "ceo@example.com", path]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["messages"], 4);
    let total: u64 = v["categories"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(total, 4, "{json}");
}

#[test]
fn classify_names_an_unreadable_path_and_goes_on() {
    let dir = replay_dir();
    let missing = dir.path().join("no-such-folder");
    let (summary, _, code) = classify(&[
        "--summary",
        missing.to_str().unwrap(),
        dir.path().join("Maildir").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "an unreadable path fails the command");
    assert!(
        summary.starts_with("2 messages (2 inbound, 0 outbound), 1 unreadable\n"),
        "{summary}"
    );
    let (lines, _, _) = classify(&[missing.to_str().unwrap()]);
    assert!(
        lines.contains("no-such-folder: error: cannot read: No such file or directory"),
        "{lines}"
    );
}

/// The shipped completion scripts (packaging/completions/, installed by the Debian package)
/// are what `musaid completions` prints today, so they complete today's commands and options;
/// regenerate with `musaid completions bash > packaging/completions/musaid.bash` (zsh:
/// `_musaid`, fish: `musaid.fish`).
#[test]
fn shipped_completion_scripts_match_the_command_line() {
    let root = env!("CARGO_MANIFEST_DIR");
    for (shell, file) in [
        ("bash", "musaid.bash"),
        ("zsh", "_musaid"),
        ("fish", "musaid.fish"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_musaid"))
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let shipped = std::fs::read(format!("{root}/packaging/completions/{file}")).unwrap();
        assert!(
            shipped == out.stdout,
            "packaging/completions/{file} is stale: regenerate it with `musaid completions {shell}`"
        );
    }
}

/// Bash itself completes a command and an option from the shipped script.
#[test]
fn bash_completes_commands_and_options() {
    let root = env!("CARGO_MANIFEST_DIR");
    let complete = |words: &str, cword: usize| {
        let script = format!(
            "source {root}/packaging/completions/musaid.bash; COMP_WORDS=({words}); COMP_CWORD={cword}; _musaid musaid \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; echo \"${{COMPREPLY[@]}}\""
        );
        let out = Command::new("bash").args(["-c", &script]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(complete("musaid che", 1), "check-config");
    assert_eq!(complete("musaid classify --su", 2), "--summary");
    assert!(
        complete("musaid stats --", 2)
            .split(' ')
            .any(|w| w == "--raw")
    );
}
