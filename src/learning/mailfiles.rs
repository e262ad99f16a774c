//! Messages from the places mail is kept: single files (one RFC 5322 message each),
//! directories (every file under them, Maildir `cur/` and `new/` included, `tmp/` and hidden
//! files left out), and mbox files (split at "From " lines, with ">From " unescaped as
//! mboxrd writes it). Paths are read in sorted order, so every run sees the same messages in
//! the same order.

use super::ReadError;
use std::path::{Path, PathBuf};

/// One message and where it came from (`file`, or `file#N` for the N-th of an mbox).
#[derive(Debug, Clone)]
pub struct MailFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every message under `paths`. An unreadable path is an error naming it.
pub fn read(paths: &[PathBuf]) -> Result<Vec<MailFile>, ReadError> {
    let mut files = Vec::new();
    for p in paths {
        collect(p, &mut files).map_err(|error| ReadError::Io {
            path: p.clone(),
            error,
        })?;
    }
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|error| ReadError::Io {
            path: f.clone(),
            error,
        })?;
        let name = f.display().to_string();
        if is_mbox(&bytes) {
            out.extend(
                split_mbox(&bytes)
                    .into_iter()
                    .enumerate()
                    .map(|(i, b)| MailFile {
                        name: format!("{name}#{}", i + 1),
                        bytes: b,
                    }),
            );
        } else if !bytes.is_empty() {
            out.push(MailFile { name, bytes });
        }
    }
    Ok(out)
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
    bytes.starts_with(b"From ")
}

/// Splits an mbox file into messages (see the module docs).
fn split_mbox(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut messages = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
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
        let err = read(&[d.join("missing")]).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
