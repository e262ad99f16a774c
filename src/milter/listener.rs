//! Listening sockets, set up so that musaid is not the slow part of Postfix.
//!
//! The milter protocol is a chain of small request/response exchanges. Over TCP with default
//! options, Nagle's algorithm on one side and delayed ACKs on the other add tens of
//! milliseconds to some of them. Accepted TCP connections therefore get `TCP_NODELAY`, and
//! `TCP_QUICKACK` is re-armed after every read (Linux clears it on its own). Unix sockets
//! need neither; their file mode is set from the configuration, and a stale socket file left
//! by a crash is removed only if it is a socket and nobody is listening on it.

use crate::config::ListenAddr;
use indymilter::{EitherListener, Listener};
use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream, UnixListener};

/// The listener musaid serves on.
pub type MilterListener = EitherListener<TunedTcpListener, UnixListener>;

/// A bound listener and, for unix sockets, the path to remove at shutdown.
pub struct Bound {
    pub listener: MilterListener,
    pub socket_path: Option<PathBuf>,
    /// What was bound (with the real port when port 0 was asked for).
    pub local: String,
}

/// Binds `addr`.
pub async fn bind(addr: &ListenAddr, socket_mode: u32) -> io::Result<Bound> {
    match addr {
        ListenAddr::Inet { host, port } => {
            let listener = TcpListener::bind((host.as_str(), *port)).await?;
            let local = listener.local_addr()?;
            let local = match local {
                std::net::SocketAddr::V6(a) => format!("inet:[{}]:{}", a.ip(), a.port()),
                std::net::SocketAddr::V4(a) => format!("inet:{}:{}", a.ip(), a.port()),
            };
            Ok(Bound {
                listener: EitherListener::Tcp(TunedTcpListener(listener)),
                socket_path: None,
                local,
            })
        }
        ListenAddr::Unix(path) => {
            remove_stale_socket(path).await?;
            let listener = UnixListener::bind(path)?;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(socket_mode))?;
            Ok(Bound {
                listener: EitherListener::Unix(listener),
                socket_path: Some(path.clone()),
                local: format!("unix:{}", path.display()),
            })
        }
    }
}

async fn remove_stale_socket(path: &Path) -> io::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    if !meta.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is not a socket; not removing it",
                path.display()
            ),
        ));
    }
    if tokio::net::UnixStream::connect(path).await.is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("another process is listening on {}", path.display()),
        ));
    }
    std::fs::remove_file(path)
}

/// A TCP listener whose accepted connections are tuned for the milter protocol.
pub struct TunedTcpListener(pub TcpListener);

impl Listener for TunedTcpListener {
    type Io = QuickAckStream;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Self::Io>> {
        self.0.poll_accept(cx).map_ok(|(stream, _)| {
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY");
            }
            set_quickack(&stream);
            QuickAckStream(stream)
        })
    }
}

#[cfg(target_os = "linux")]
fn set_quickack(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: setsockopt on a valid, open socket descriptor with a correctly sized int.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn set_quickack(_: &TcpStream) {}

/// A TCP stream that re-arms `TCP_QUICKACK` after each read.
pub struct QuickAckStream(TcpStream);

impl AsyncRead for QuickAckStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut this.0).poll_read(cx, buf);
        if matches!(res, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            set_quickack(&this.0);
        }
        res
    }
}

impl AsyncWrite for QuickAckStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_regular_file_is_never_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.sock");
        std::fs::write(&path, b"precious").unwrap();
        let err = bind(&ListenAddr::Unix(path.clone()), 0o660)
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("not a socket"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    }

    #[tokio::test]
    async fn a_stale_socket_is_replaced_and_a_live_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.sock");
        let first = bind(&ListenAddr::Unix(path.clone()), 0o600).await.unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // Live: another listener is bound there.
        let err = bind(&ListenAddr::Unix(path.clone()), 0o600)
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("listening"), "{err}");
        drop(first);
        // Stale: the file remains but nobody listens.
        assert!(path.exists());
        bind(&ListenAddr::Unix(path.clone()), 0o600).await.unwrap();
    }
}
