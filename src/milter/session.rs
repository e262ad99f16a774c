//! Per-connection state: what the MTA told us about the client and the current message.
//!
//! Buffers are bounded: header text up to `max_header_bytes`, body up to `max_body_bytes`.
//! Past the limits the message is still counted (its size) and delivered intact: only the
//! inspected copy is cut. Spoofed `X-Musaid-*` headers are always tracked, whatever the
//! limits, so they are always removed (see [`crate::message::hygiene`]).

use crate::message::hygiene::{HeaderScan, Hygiene};
use crate::message::{Envelope, bare_address};
use crate::pipeline::RawMessage;
use std::net::IpAddr;

/// The current message of a connection.
#[derive(Debug, Default)]
struct MessageBuffer {
    envelope: Envelope,
    headers: Vec<u8>,
    headers_full: bool,
    header_bytes: usize,
    body: Vec<u8>,
    body_bytes: usize,
    /// Spoofed and hidden `X-Musaid-*` headers, watched past every limit.
    scan: HeaderScan,
}

/// A message ready for a decision.
pub struct FinishedMessage {
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
    pub size: usize,
    pub truncated: bool,
    pub hygiene: Hygiene,
}

impl FinishedMessage {
    /// The view the pipeline takes.
    pub fn raw(&self) -> RawMessage<'_> {
        RawMessage {
            bytes: &self.bytes,
            size: self.size,
            truncated: self.truncated,
            hygiene: self.hygiene.clone(),
        }
    }
}

/// One MTA connection.
#[derive(Debug, Default)]
pub struct Session {
    client_addr: Option<IpAddr>,
    client_name: Option<String>,
    daemon_name: Option<String>,
    message: Option<MessageBuffer>,
    max_header_bytes: usize,
    max_body_bytes: usize,
}

impl Session {
    /// A new connection with the inspection limits in force when it opened.
    pub fn new(max_header_bytes: usize, max_body_bytes: usize) -> Self {
        Session {
            max_header_bytes,
            max_body_bytes,
            ..Default::default()
        }
    }

    pub fn connect(
        &mut self,
        client_name: &str,
        client_addr: Option<IpAddr>,
        daemon_name: Option<String>,
    ) {
        self.client_name = Some(client_name.to_string()).filter(|s| !s.is_empty());
        self.client_addr = client_addr;
        if daemon_name.is_some() {
            self.daemon_name = daemon_name;
        }
    }

    /// MAIL FROM starts a new message.
    pub fn mail(&mut self, sender: &str, auth_authen: Option<String>, daemon_name: Option<String>) {
        if daemon_name.is_some() {
            self.daemon_name = daemon_name;
        }
        let envelope = Envelope {
            sender: bare_address(sender),
            auth_authen: auth_authen.filter(|a| !a.is_empty()),
            daemon_name: self.daemon_name.clone(),
            client_addr: self.client_addr,
            client_name: self.client_name.clone(),
            ..Default::default()
        };
        self.message = Some(MessageBuffer {
            envelope,
            ..Default::default()
        });
    }

    pub fn rcpt(&mut self, rcpt: &str) {
        if let Some(m) = self.message.as_mut() {
            m.envelope.recipients.push(bare_address(rcpt));
        }
    }

    pub fn header(&mut self, name: &[u8], value: &[u8]) {
        let Some(m) = self.message.as_mut() else {
            return;
        };
        let line_len = name.len() + value.len() + 4;
        m.header_bytes += line_len;
        m.scan.field(name, value);
        if m.headers_full || m.headers.len() + line_len > self.max_header_bytes {
            m.headers_full = true;
            return;
        }
        m.headers.extend_from_slice(name);
        m.headers.extend_from_slice(b": ");
        m.headers.extend_from_slice(value);
        m.headers.extend_from_slice(b"\r\n");
    }

    pub fn body(&mut self, chunk: &[u8]) {
        let Some(m) = self.message.as_mut() else {
            return;
        };
        m.body_bytes += chunk.len();
        let room = self.max_body_bytes.saturating_sub(m.body.len());
        m.body.extend_from_slice(&chunk[..chunk.len().min(room)]);
    }

    /// Abort or end of message: forget the message, keep the connection facts.
    pub fn reset(&mut self) {
        self.message = None;
    }

    /// End of message: hands over the buffered message (None if there was no MAIL FROM).
    pub fn finish(&mut self, queue_id: Option<String>) -> Option<FinishedMessage> {
        let mut m = self.message.take()?;
        m.envelope.queue_id = queue_id.filter(|q| !q.is_empty());
        let truncated = m.body_bytes > m.body.len();
        let size = m.header_bytes + 2 + m.body_bytes;
        let mut bytes = m.headers;
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&m.body);
        Some(FinishedMessage {
            envelope: m.envelope,
            bytes,
            size,
            truncated,
            hygiene: m.scan.finish(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_is_cut_at_the_limit_but_counted_whole() {
        let mut s = Session::new(1024, 10);
        s.mail("<a@b.example>", None, None);
        s.rcpt("<c@d.example>");
        s.header(b"Subject", b"hi");
        s.body(b"0123456789abcdef");
        let m = s.finish(Some("ABC".into())).unwrap();
        assert!(m.truncated);
        assert_eq!(m.bytes, b"Subject: hi\r\n\r\n0123456789");
        assert_eq!(m.envelope.sender, "a@b.example");
        assert_eq!(m.envelope.recipients, vec!["c@d.example"]);
        assert_eq!(m.envelope.queue_id.as_deref(), Some("ABC"));
        assert!(s.finish(None).is_none());
    }

    #[test]
    fn spoofed_headers_are_tracked_past_the_header_limit() {
        let mut s = Session::new(1024, 10);
        s.mail("<>", None, None);
        s.header(b"X-Musaid-Category", b"urgent");
        s.header(b"X-Filler", &[b'x'; 2000]);
        s.header(b"x-musaid-category", b"urgent");
        let m = s.finish(None).unwrap();
        assert_eq!(
            m.hygiene.spoofed,
            vec![
                ("x-musaid-category".to_string(), 2),
                ("X-Musaid-Category".to_string(), 1)
            ]
        );
        assert!(!m.bytes.windows(8).any(|w| w == b"X-Filler"));
    }
}
