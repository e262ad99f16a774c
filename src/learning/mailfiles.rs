//! Messages from the places mail is kept: single files (one RFC 5322 message each),
//! directories (every file under them, Maildir `cur/` and `new/` included, `tmp/` and hidden
//! files left out), and mbox files (split at "From " lines, with ">From " unescaped as
//! mboxrd writes it). Paths are read in sorted order, so every run sees the same messages in
//! the same order.

use super::ReadError;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// One message and where it came from (`file`, or `file#N` for the N-th of an mbox).
#[derive(Debug, Clone)]
pub struct MailFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every message under `paths`. An unreadable path is an error naming it (and nothing after
/// it is read).
pub fn read(paths: &[PathBuf]) -> Result<Vec<MailFile>, ReadError> {
    let mut out = Vec::new();
    let mut failed = None;
    each(paths, |m| match m {
        // An empty file teaches nothing.
        Ok(m) if m.bytes.is_empty() => ControlFlow::Continue(()),
        Ok(m) => {
            out.push(m);
            ControlFlow::Continue(())
        }
        Err(e) => {
            failed = Some(e);
            ControlFlow::Break(())
        }
    });
    failed.map_or(Ok(out), Err)
}

/// Visits every message under `paths`, one at a time, in order, until `visit` breaks; an
/// unreadable path is visited as an error naming it.
pub fn each(
    paths: &[PathBuf],
    mut visit: impl FnMut(Result<MailFile, ReadError>) -> ControlFlow<()>,
) {
    for p in paths {
        let mut files = Vec::new();
        if let Err(error) = collect(p, &mut files) {
            let path = p.clone();
            if visit(Err(ReadError::Io { path, error })).is_break() {
                return;
            }
            continue;
        }
        for f in files {
            let visited = match std::fs::read(&f) {
                Ok(bytes) => messages_of(&f, bytes)
                    .into_iter()
                    .try_for_each(|m| visit(Ok(m))),
                Err(error) => visit(Err(ReadError::Io { path: f, error })),
            };
            if visited.is_break() {
                return;
            }
        }
    }
}

/// The messages of one file: itself (empty or not: `classify` reports on every file it is
/// given), or each message of an mbox (`file#N` when it holds more than one).
fn messages_of(file: &Path, bytes: Vec<u8>) -> Vec<MailFile> {
    let name = file.display().to_string();
    if !is_mbox(&bytes) {
        return vec![MailFile { name, bytes }];
    }
    let messages = split_mbox(&bytes);
    if messages.len() == 1 {
        return messages
            .into_iter()
            .map(|bytes| MailFile {
                name: name.clone(),
                bytes,
            })
            .collect();
    }
    messages
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| MailFile {
            name: format!("{name}#{}", i + 1),
            bytes,
        })
        .collect()
}

/// The files under `path`, sorted.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // Hidden files, Maildir's tmp/ and Dovecot's index files are not messages.
            !(name.starts_with('.') || name == "tmp" || name.starts_with("dovecot"))
        })
        .collect();
    entries.sort();
    for e in entries {
        collect(&e, out)?;
    }
    Ok(())
}

fn is_mbox(bytes: &[u8]) -> bool {
    is_from_line(bytes)
}

/// An mbox separator: "From " and the envelope sender, not RFC 822's obsolete `From  :`
/// header (white space before the colon), which starts some single messages.
fn is_from_line(line: &[u8]) -> bool {
    line.strip_prefix(b"From ")
        .and_then(|rest| rest.first())
        .is_some_and(|b| !b.is_ascii_whitespace() && *b != b':')
}

/// Splits an mbox file into messages (see the module docs).
fn split_mbox(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if is_from_line(line) {
            if let Some(m) = current.take() {
                messages.push(m);
            }
            current = Some(Vec::new());
            continue;
        }
        let m = current.get_or_insert_with(Vec::new);
        let unescaped = match line.iter().position(|&b| b != b'>') {
            Some(n) if n > 0 && line[n..].starts_with(b"From ") => &line[1..],
            _ => line,
        };
        m.extend_from_slice(unescaped);
    }
    messages.extend(current);
    messages.retain(|m| !m.iter().all(u8::is_ascii_whitespace));
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_directories_mbox_and_maildir() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("one.eml"), "Subject: a\n\nx\n").unwrap();
        std::fs::write(
            d.join("box.mbox"),
            "From a@b Mon Jan  1 00:00:00 2026\nSubject: b\n\n>From here\n\nFrom c@d Mon Jan  1 00:00:00 2026\nSubject: c\n\ny\n",
        )
        .unwrap();
        for sub in ["Maildir/cur", "Maildir/new", "Maildir/tmp"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(d.join("Maildir/cur/1:2,S"), "Subject: d\n\nz\n").unwrap();
        std::fs::write(d.join("Maildir/tmp/2"), "Subject: half-written\n\n").unwrap();
        std::fs::write(d.join("Maildir/dovecot.index"), "binary").unwrap();
        let got = read(&[d.to_path_buf()]).unwrap();
        let subjects: Vec<String> = got
            .iter()
            .map(|m| {
                String::from_utf8_lossy(&m.bytes)
                    .lines()
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(
            subjects,
            ["Subject: d", "Subject: b", "Subject: c", "Subject: a"]
        );
        assert!(String::from_utf8_lossy(&got[1].bytes).contains("\nFrom here"));
        assert!(got[1].name.ends_with("box.mbox#1"));
        // RFC 822's obsolete syntax allows white space before the colon of a header.
        std::fs::write(
            d.join("obsolete.eml"),
            "From  : John <j@example.net>\nSubject: e\n\nx\n",
        )
        .unwrap();
        let got = read(&[d.join("obsolete.eml")]).unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].bytes.starts_with(b"From  : John"));
        let err = read(&[d.join("missing")]).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
