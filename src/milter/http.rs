//! The metrics listener: `GET /metrics` (Prometheus text; the outbox depth is read from the
//! store at each scrape) and `GET /healthz` (200 when the
//! store answers and the background rounds, which run the outbox worker, went round in the
//! last [`STALE_AFTER_MS`]; else 503 with the reason). Plain HTTP/1.1 by hyper, meant for
//! loopback or a monitoring network; anything else is 404.

use crate::metrics::METRICS;
use crate::store::Store;
use bytes::Bytes;
use http_body_util::Full;
use hyper::{Method, Request, Response, StatusCode, body::Incoming};
use std::convert::Infallible;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The background rounds sleep half a second between rounds; a minute without one means
/// they are stuck.
pub const STALE_AFTER_MS: i64 = 60_000;

/// How long `/healthz` waits for the store.
const STORE_CHECK: Duration = Duration::from_secs(2);

/// Serves until `stop` turns true.
pub async fn serve(listener: TcpListener, store: Store, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let store = store.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| respond(req, store.clone()));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
            _ = stop.changed() => return,
        }
    }
}

async fn respond(
    req: Request<Incoming>,
    store: Store,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode, content_type: &str, body: String| {
        Response::builder()
            .status(status)
            .header("Content-Type", content_type)
            .body(Full::new(Bytes::from(body)))
            .expect("a valid response")
    };
    if req.method() != Method::GET {
        return Ok(reply(
            StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "GET only\n".into(),
        ));
    }
    Ok(match req.uri().path() {
        "/metrics" => {
            // The depth is the store's, read now; a store that does not answer leaves the
            // last value (and /healthz says why).
            if let Ok(Ok(jobs)) =
                tokio::time::timeout(STORE_CHECK, store.queue_depth(crate::outbox::queue())).await
            {
                METRICS.outbox_depth(jobs);
            }
            reply(
                StatusCode::OK,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                METRICS.render(),
            )
        }
        "/healthz" => {
            let mut problems = Vec::new();
            match tokio::time::timeout(STORE_CHECK, store.check()).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => problems.push(format!("store {}: {e}", store.describe())),
                Err(_) => problems.push(format!(
                    "store {}: no answer within {STORE_CHECK:?}",
                    store.describe()
                )),
            }
            match METRICS.since_heartbeat_ms() {
                Some(ms) if ms <= STALE_AFTER_MS => {}
                Some(ms) => problems.push(format!(
                    "the outbox worker has not gone round for {} s",
                    ms / 1000
                )),
                None => problems.push("the outbox worker has not started".into()),
            }
            if problems.is_empty() {
                reply(StatusCode::OK, "text/plain", "ok\n".into())
            } else {
                reply(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "text/plain",
                    problems.join("\n") + "\n",
                )
            }
        }
        _ => reply(
            StatusCode::NOT_FOUND,
            "text/plain",
            "/metrics or /healthz\n".into(),
        ),
    })
}
