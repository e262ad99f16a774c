//! Readiness for systemd (`Type=notify`): `READY=1` once the socket is bound and the store
//! opened, `RELOADING=1` and `READY=1` around a SIGHUP reload, `STOPPING=1` at shutdown.
//!
//! The protocol (sd_notify(3)) is one datagram to the unix socket named by `NOTIFY_SOCKET`,
//! a path or, with a leading `@`, an abstract address. Without the variable (no systemd, or
//! another service manager) nothing is sent. A failed send is logged once per state and
//! never stops the milter: readiness is a courtesy to the service manager, not mail flow.

use std::os::unix::net::UnixDatagram;

/// The socket the service manager listens on, if it named one.
fn socket_address() -> Option<std::os::unix::net::SocketAddr> {
    let name = std::env::var_os("NOTIFY_SOCKET")?;
    let name = name.to_str()?;
    if let Some(abstract_name) = name.strip_prefix('@') {
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(abstract_name.as_bytes()).ok()
    } else {
        std::os::unix::net::SocketAddr::from_pathname(name).ok()
    }
}

/// Sends `state` (newline-separated `KEY=value` assignments) to the service manager.
pub fn notify(state: &str) {
    let Some(address) = socket_address() else {
        return;
    };
    let sent = UnixDatagram::unbound().and_then(|s| s.send_to_addr(state.as_bytes(), &address));
    if let Err(e) = sent {
        let first = state.lines().next().unwrap_or(state);
        tracing::warn!(error = %e, state = first, "cannot notify the service manager");
    }
}

/// `MONOTONIC_USEC=` for `RELOADING=1`: CLOCK_MONOTONIC in microseconds, as systemd reads it.
pub fn monotonic_usec() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid, exclusively borrowed `ts`.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    u64::try_from(ts.tv_sec).unwrap_or(0) * 1_000_000
        + u64::try_from(ts.tv_nsec).unwrap_or(0) / 1_000
}
