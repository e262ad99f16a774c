//! Outgoing HTTP: webhook notices and RFC 8058 one-click unsubscribes. No redirects followed
//! (a redirect answers nothing we asked), no cookie store, no proxy from the environment,
//! short timeouts, musaid's User-Agent.
//!
//! Two clients, because the URLs come from two places. A webhook the administrator wrote in
//! the configuration may live on the private network ([`Reach::Any`]). A URL taken from mail
//! (List-Unsubscribe) is the sender's word, so it must never reach this host or its network
//! ([`Reach::Public`]): a literal address in the URL is checked before anything is sent, and a
//! host name goes through a resolver that drops every non-public address, on every new
//! connection (so a name that resolves to a public address once and to 127.0.0.1 the next
//! time is refused the second time too). A URL with no public address left is refused
//! without a packet sent.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

/// Where a URL may lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Anywhere: the administrator configured it.
    Any,
    /// Only public unicast addresses: the URL came from a message.
    Public,
}

fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("musaid/", env!("CARGO_PKG_VERSION")))
}

static CLIENT: LazyLock<reqwest::Client> =
    LazyLock::new(|| builder().build().expect("HTTP client"));

static PUBLIC_CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
    builder()
        .dns_resolver(Arc::new(PublicOnly))
        .build()
        .expect("HTTP client")
});

/// True for addresses a URL from mail may reach: global unicast, nothing on this host, the
/// private ranges, link-local (cloud metadata lives there), shared address space, multicast,
/// documentation, benchmarking or reserved ranges; IPv6 addresses that embed an IPv4 address
/// (mapped, compatible, NAT64, 6to4) are judged by it.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[..6] == [0; 6] {
        // ::a.b.c.d (deprecated IPv4-compatible), :: and ::1.
        return !ip.is_unspecified() && !ip.is_loopback() && is_public_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x64 && s[1] == 0xff9b {
        return is_public_v4(embedded(s[6], s[7])); // NAT64
    }
    if s[0] == 0x2002 {
        return is_public_v4(embedded(s[1], s[2])); // 6to4
    }
    !(ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] < 0x200) // IETF protocol assignments, Teredo
        || s[0] == 0x0100) // discard-only
}

/// The system resolver, keeping only public addresses (see the module docs).
struct PublicOnly;

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| is_public(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(Box::new(Refused(format!(
                    "{host} resolves to no public address ({}); a link from mail may not reach this network",
                    found
                        .iter()
                        .map(|a| a.ip().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A URL refused before anything was sent.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Refused(String);

/// Why a URL from mail is refused before any connection, if it is: not http(s), a literal
/// non-public address, or credentials in the URL.
pub fn refuse_public(url: &str) -> Option<String> {
    let parsed = match reqwest::Url::parse(url) {
        Ok(u) => u,
        Err(e) => return Some(format!("{url}: not a URL ({e})")),
    };
    if !matches!(parsed.scheme(), "https" | "http") {
        return Some(format!("{url}: not an http(s) URL"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some(format!("{url}: a URL from mail may not carry credentials"));
    }
    let literal = match parsed.host() {
        Some(url::Host::Ipv4(a)) => Some(IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => Some(IpAddr::V6(a)),
        Some(url::Host::Domain(d)) => d.trim_end_matches('.').parse().ok(),
        None => return Some(format!("{url}: no host")),
    };
    match literal {
        Some(ip) if !is_public(ip) => Some(format!(
            "{url}: {ip} is not a public address; a link from mail may not reach this network"
        )),
        _ => None,
    }
}

/// How a POST ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// The server answered with this status.
    Status(u16),
    /// No answer within the timeout.
    Timeout,
    /// Refused before sending: the URL leads to a non-public address (see [`Reach`]).
    Refused(String),
    /// No connection, TLS failure, malformed URL...
    Error(String),
}

impl Posted {
    pub fn is_success(&self) -> bool {
        matches!(self, Posted::Status(s) if (200..300).contains(s))
    }

    /// Worth trying again later: no answer, or 408, 429, 5xx. A refused URL never is.
    pub fn is_temporary(&self) -> bool {
        match self {
            Posted::Status(s) => *s == 408 || *s == 429 || *s >= 500,
            Posted::Timeout | Posted::Error(_) => true,
            Posted::Refused(_) => false,
        }
    }
}

impl std::fmt::Display for Posted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Posted::Status(s) => write!(f, "HTTP {s}"),
            Posted::Timeout => write!(f, "no answer in time"),
            Posted::Refused(why) => write!(f, "refused: {why}"),
            Posted::Error(e) => write!(f, "{e}"),
        }
    }
}

/// True if a reqwest error (or its causes) is the resolver's refusal.
fn refusal(e: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<Refused>() {
            return Some(r.0.clone());
        }
        source = s.source();
    }
    None
}

/// POSTs `body` with `content_type` to `url`, within `reach`.
pub async fn post(url: &str, content_type: &str, body: String, reach: Reach) -> Posted {
    let client = match reach {
        Reach::Any => &*CLIENT,
        Reach::Public => {
            if let Some(why) = refuse_public(url) {
                return Posted::Refused(why);
            }
            &*PUBLIC_CLIENT
        }
    };
    match client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
    {
        Ok(reply) => Posted::Status(reply.status().as_u16()),
        Err(e) if e.is_timeout() => Posted::Timeout,
        Err(e) => match refusal(&e) {
            Some(why) => Posted::Refused(why),
            None => Posted::Error(e.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "192.0.0.170",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "2002:0808:0808::",
        ] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn literal_private_urls_are_refused_before_sending() {
        for url in [
            "https://127.0.0.1/x",
            "https://[::1]:8443/x",
            "https://169.254.169.254/latest/meta-data/",
            "https://10.0.0.5/u",
            "https://[::ffff:192.168.0.1]/u",
            "https://0x7f.1/u",
            "https://2130706433/u",
            "https://user:pw@news.example.net/u",
            "ftp://news.example.net/u",
            "not a url",
        ] {
            assert!(refuse_public(url).is_some(), "{url}");
        }
        assert_eq!(refuse_public("https://news.example.net/u?x=1"), None);
    }

    #[tokio::test]
    async fn names_that_resolve_to_this_host_are_refused() {
        let posted = post(
            "https://localhost:9/u",
            "text/plain",
            String::new(),
            Reach::Public,
        )
        .await;
        assert!(matches!(posted, Posted::Refused(_)), "{posted}");
        assert!(!posted.is_temporary());
    }
}
