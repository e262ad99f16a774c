//! The floor: a milter that does what every milter reading every message must do, and
//! nothing else. It negotiates what musaid negotiates (adding and changing headers, the same
//! macros, no-reply for every stage before end of message), receives every header and body
//! chunk, adds four headers at end of message and accepts. `bench/run.sh` runs it beside
//! musaid, so that musaid's own cost is read as a ratio to this one.
//!
//!     cargo run --release --example null_milter -- unix:/tmp/null.sock
//!
//! Prints "milter ready" on standard error once it listens; stops on SIGTERM.

use indymilter::{
    Actions, Callbacks, Context, ContextActions, EomContext, MacroStage, NegotiateContext,
    ProtoOpts, Status,
};
use std::ffi::CString;

const NOREPLY: ProtoOpts = ProtoOpts::NOREPLY_CONNECT
    .union(ProtoOpts::NOREPLY_MAIL)
    .union(ProtoOpts::NOREPLY_RCPT)
    .union(ProtoOpts::NOREPLY_HEADER)
    .union(ProtoOpts::NOREPLY_BODY);

/// What a milter that reads the message keeps of it: the header section and the body.
#[derive(Default)]
struct Seen {
    noreply: ProtoOpts,
    header_bytes: usize,
    body_bytes: usize,
}

impl Seen {
    fn quiet(&self, flag: ProtoOpts) -> Status {
        if self.noreply.contains(flag) {
            Status::Noreply
        } else {
            Status::Continue
        }
    }
}

fn callbacks() -> Callbacks<Seen> {
    Callbacks::new()
        .on_negotiate(
            |cx: &mut NegotiateContext<Seen>, mta_actions: Actions, mta_opts: ProtoOpts| {
                cx.requested_actions = (Actions::ADD_HEADER | Actions::CHANGE_HEADER) & mta_actions;
                let noreply = mta_opts & NOREPLY;
                cx.requested_opts |= noreply;
                cx.requested_macros.insert(
                    MacroStage::Connect,
                    CString::new("{daemon_name} {client_addr}").expect("no NUL"),
                );
                cx.requested_macros.insert(
                    MacroStage::Mail,
                    CString::new("i {auth_authen} {daemon_name}").expect("no NUL"),
                );
                cx.requested_macros
                    .insert(MacroStage::Eom, CString::new("i").expect("no NUL"));
                cx.data = Some(Seen {
                    noreply,
                    ..Default::default()
                });
                Box::pin(async { Status::Continue })
            },
        )
        .on_connect(|cx: &mut Context<Seen>, _, _| {
            let s = cx
                .data
                .as_ref()
                .map_or(Status::Continue, |d| d.quiet(ProtoOpts::NOREPLY_CONNECT));
            Box::pin(async move { s })
        })
        .on_mail(|cx: &mut Context<Seen>, _| {
            let s = cx
                .data
                .as_ref()
                .map_or(Status::Continue, |d| d.quiet(ProtoOpts::NOREPLY_MAIL));
            Box::pin(async move { s })
        })
        .on_rcpt(|cx: &mut Context<Seen>, _| {
            let s = cx
                .data
                .as_ref()
                .map_or(Status::Continue, |d| d.quiet(ProtoOpts::NOREPLY_RCPT));
            Box::pin(async move { s })
        })
        .on_header(|cx: &mut Context<Seen>, name: CString, value: CString| {
            let s = match cx.data.as_mut() {
                Some(d) => {
                    d.header_bytes += name.as_bytes().len() + value.as_bytes().len();
                    d.quiet(ProtoOpts::NOREPLY_HEADER)
                }
                None => Status::Continue,
            };
            Box::pin(async move { s })
        })
        .on_body(|cx: &mut Context<Seen>, chunk: bytes::Bytes| {
            let s = match cx.data.as_mut() {
                Some(d) => {
                    d.body_bytes += chunk.len();
                    d.quiet(ProtoOpts::NOREPLY_BODY)
                }
                None => Status::Continue,
            };
            Box::pin(async move { s })
        })
        .on_eom(|cx: &mut EomContext<Seen>| {
            Box::pin(async move {
                for (name, value) in [
                    ("X-Musaid-Category", "deferrable"),
                    ("X-Musaid-Priority", "3"),
                    ("X-Musaid-Reason", "default"),
                    ("X-Musaid-Thread", "0000000000000000"),
                ] {
                    let _ = cx.actions.add_header(name, value).await;
                }
                if let Some(d) = cx.data.as_mut() {
                    d.header_bytes = 0;
                    d.body_bytes = 0;
                }
                Status::Accept
            })
        })
        .on_abort(|cx: &mut Context<Seen>| {
            if let Some(d) = cx.data.as_mut() {
                d.header_bytes = 0;
                d.body_bytes = 0;
            }
            Box::pin(async { Status::Continue })
        })
}

fn main() {
    let addr = std::env::args()
        .nth(1)
        .expect("usage: null_milter unix:PATH | inet:HOST:PORT");
    let addr = musaid::config::ListenAddr::parse(&addr).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(async {
        let bound = musaid::milter::listener::bind(&addr, 0o666)
            .await
            .expect("bind the listening socket");
        eprintln!("milter ready on {}", bound.local);
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        let stop = async move {
            term.recv().await;
        };
        let _ = indymilter::run(
            bound.listener,
            callbacks(),
            indymilter::Config::default(),
            stop,
        )
        .await;
        if let Some(p) = bound.socket_path {
            let _ = std::fs::remove_file(p);
        }
    });
}
