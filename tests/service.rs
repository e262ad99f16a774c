//! musaid as systemd sees it (`Type=notify`): `musaid serve` run as a process with
//! `NOTIFY_SOCKET` naming a datagram socket this test listens on, as systemd sets it.
//! READY=1 comes only once the milter socket accepts connections; SIGHUP is bracketed by
//! RELOADING=1 and READY=1; SIGTERM sends STOPPING=1.

use std::os::unix::net::UnixDatagram;
use std::process::{Command, Stdio};
use std::time::Duration;

fn next_state(socket: &UnixDatagram) -> String {
    let mut buf = [0u8; 4096];
    let n = socket
        .recv(&mut buf)
        .expect("musaid notifies the service manager");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// `musaid serve` on a unix socket and a store in `dir`, told to notify `notify_socket`.
fn serve(
    dir: &std::path::Path,
    milter_socket: &std::path::Path,
    notify_socket: &std::ffi::OsStr,
) -> std::process::Child {
    let config = dir.join("musaid.toml");
    std::fs::write(
        &config,
        format!(
            "[milter]\nlisten = \"unix:{}\"\n[store]\nurl = \"sqlite:{}\"\n",
            milter_socket.display(),
            dir.join("musaid.db").display()
        ),
    )
    .unwrap();
    Command::new(env!("CARGO_BIN_EXE_musaid"))
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .env("NOTIFY_SOCKET", notify_socket)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn serve_tells_systemd_when_it_is_ready_reloading_and_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let notify_path = dir.path().join("notify");
    let socket = UnixDatagram::bind(&notify_path).unwrap();
    // A bound on waiting for a process that never notifies, not a speed expectation.
    socket
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let milter_socket = dir.path().join("musaid.sock");
    let mut child = serve(dir.path(), &milter_socket, notify_path.as_os_str());

    let ready = next_state(&socket);
    assert!(ready.lines().any(|l| l == "READY=1"), "{ready}");
    assert!(ready.contains("STATUS=serving on unix:"), "{ready}");
    // Ready means ready: the milter socket takes a connection now, without waiting.
    std::os::unix::net::UnixStream::connect(&milter_socket).expect("the milter listens at READY=1");

    signal(child.id(), "HUP");
    let reloading = next_state(&socket);
    assert!(reloading.lines().any(|l| l == "RELOADING=1"), "{reloading}");
    let usec = reloading
        .lines()
        .find_map(|l| l.strip_prefix("MONOTONIC_USEC="))
        .expect("RELOADING=1 carries MONOTONIC_USEC");
    assert!(usec.parse::<u64>().unwrap() > 0, "{reloading}");
    assert_eq!(next_state(&socket), "READY=1");

    signal(child.id(), "TERM");
    assert_eq!(next_state(&socket), "STOPPING=1");
    assert!(child.wait().unwrap().success());
}

#[test]
fn an_abstract_notify_socket_is_reached_too() {
    use std::os::linux::net::SocketAddrExt;
    let name = format!("musaid-test-notify-{}", std::process::id());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let socket = UnixDatagram::bind_addr(&addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let abstract_name = format!("@{name}");
    let mut child = serve(
        dir.path(),
        &dir.path().join("m.sock"),
        std::ffi::OsStr::new(&abstract_name),
    );
    let ready = next_state(&socket);
    assert!(ready.starts_with("READY=1\n"), "{ready}");
    signal(child.id(), "TERM");
    assert_eq!(next_state(&socket), "STOPPING=1");
    child.wait().unwrap();
}
