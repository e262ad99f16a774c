//! Outgoing HTTP: webhook notices and RFC 8058 one-click unsubscribes. One client for the
//! process: no redirects followed (a redirect answers nothing we asked), no cookie store,
//! short timeouts, musaid's User-Agent.

use std::sync::LazyLock;
use std::time::Duration;

static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("musaid/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("HTTP client")
});

/// How a POST ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// The server answered with this status.
    Status(u16),
    /// No answer within the timeout.
    Timeout,
    /// No connection, TLS failure, malformed URL...
    Error(String),
}

impl Posted {
    pub fn is_success(&self) -> bool {
        matches!(self, Posted::Status(s) if (200..300).contains(s))
    }

    /// Worth trying again later: no answer, or 408, 429, 5xx.
    pub fn is_temporary(&self) -> bool {
        match self {
            Posted::Status(s) => *s == 408 || *s == 429 || *s >= 500,
            Posted::Timeout | Posted::Error(_) => true,
        }
    }
}

impl std::fmt::Display for Posted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Posted::Status(s) => write!(f, "HTTP {s}"),
            Posted::Timeout => write!(f, "no answer in time"),
            Posted::Error(e) => write!(f, "{e}"),
        }
    }
}

/// POSTs `body` with `content_type` to `url`.
pub async fn post(url: &str, content_type: &str, body: String) -> Posted {
    match CLIENT
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
    {
        Ok(reply) => Posted::Status(reply.status().as_u16()),
        Err(e) if e.is_timeout() => Posted::Timeout,
        Err(e) => Posted::Error(e.to_string()),
    }
}
