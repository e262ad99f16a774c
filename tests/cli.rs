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
