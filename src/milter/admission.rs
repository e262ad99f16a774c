//! Admission: a new connection always gets in.
//!
//! indymilter accepts at most `max_connections` sessions and makes the next connection wait
//! for a free one. An idle MTA connection holds its slot until the idle timeout (five
//! minutes by default), so 256 idle connections (a leak, a crowd of MTAs, or an attacker)
//! locked every MTA out for that long. So musaid accepts beyond the limit: when the limit is
//! reached, the connection that has been quiet the longest is closed to make room (an MTA
//! opens a new one when it needs it; Postfix treats a closed milter connection like any
//! other milter failure, per message, with its `default_action`).
//!
//! Each accepted stream is wrapped ([`Guarded`]): it records when it last received data and
//! can be closed from outside, which makes its next read end and its session finish.

use indymilter::Listener;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// What the listener knows of one open connection.
#[derive(Debug, Default)]
struct Slot {
    /// When it last received data (ms, monotonic within the process).
    last_active: AtomicI64,
    closed: AtomicBool,
    /// The reader waiting for data, woken when the connection is closed from outside.
    waker: Mutex<Option<Waker>>,
}

impl Slot {
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        if let Some(w) = self.waker.lock().expect("waker lock").take() {
            w.wake();
        }
    }
}

fn now_ms() -> i64 {
    static START: std::sync::LazyLock<std::time::Instant> =
        std::sync::LazyLock::new(std::time::Instant::now);
    START.elapsed().as_millis() as i64
}

/// A listener that keeps at most `limit` connections open by closing the quietest one.
pub struct Admitting<L> {
    inner: L,
    limit: usize,
    open: Vec<Weak<Slot>>,
}

impl<L> Admitting<L> {
    pub fn new(inner: L, limit: usize) -> Self {
        Admitting {
            inner,
            limit: limit.max(1),
            open: Vec::new(),
        }
    }

    /// Makes room for one more connection: forgets finished ones, closes the quietest while
    /// at the limit.
    fn make_room(&mut self) {
        self.open.retain(|w| {
            w.upgrade()
                .is_some_and(|s| !s.closed.load(Ordering::SeqCst))
        });
        while self.open.len() >= self.limit {
            let quietest = self
                .open
                .iter()
                .enumerate()
                .filter_map(|(i, w)| w.upgrade().map(|s| (i, s)))
                .min_by_key(|(_, s)| s.last_active.load(Ordering::SeqCst));
            let Some((i, slot)) = quietest else {
                break;
            };
            let idle_ms = now_ms() - slot.last_active.load(Ordering::SeqCst);
            tracing::warn!(
                limit = self.limit,
                idle_ms,
                "connection limit reached: closing the connection quiet the longest to admit a new one"
            );
            slot.close();
            self.open.swap_remove(i);
        }
    }
}

impl<L: Listener> Listener for Admitting<L> {
    type Io = Guarded<L::Io>;

    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Self::Io>> {
        let io = match self.inner.poll_accept(cx) {
            Poll::Ready(Ok(io)) => io,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        };
        self.make_room();
        let slot = Arc::new(Slot::default());
        slot.last_active.store(now_ms(), Ordering::SeqCst);
        self.open.push(Arc::downgrade(&slot));
        Poll::Ready(Ok(Guarded { inner: io, slot }))
    }
}

/// An accepted stream that notes its activity and can be closed by [`Admitting`].
pub struct Guarded<S> {
    inner: S,
    slot: Arc<Slot>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.slot.closed.load(Ordering::SeqCst) {
            return Poll::Ready(Ok(())); // end of stream: the session finishes
        }
        let before = buf.filled().len();
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        match &res {
            Poll::Ready(Ok(())) if buf.filled().len() > before => {
                this.slot.last_active.store(now_ms(), Ordering::SeqCst);
            }
            Poll::Pending => {
                *this.slot.waker.lock().expect("waker lock") = Some(cx.waker().clone());
                // Closed between the check above and now: do not sleep through it.
                if this.slot.closed.load(Ordering::SeqCst) {
                    return Poll::Ready(Ok(()));
                }
            }
            _ => {}
        }
        res
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
