//! Authentication-Results (RFC 8601): what the receiving MTA says of SPF, DKIM and DMARC.
//!
//! Anybody can write an `Authentication-Results` header into a message, the trusted
//! authserv-id included, so a header is believed only when it is the MTA's own:
//!
//! - only headers whose authserv-id is in `[autoreply] trusted_authserv_ids` are read;
//! - passes count only from the **topmost** such header and the trusted ones directly below
//!   it (one verifier per header: SPF, DKIM and DMARC milters each add one). The MTA adds its
//!   headers above what the sender wrote, so a sender-written header further down is
//!   ignored (RFC 8601 section 5: the consumer ignores what its MTA did not add);
//! - a **fail** for a domain in any trusted header, wherever it stands, cancels every pass for
//!   that domain: a forged pass cannot beat the MTA's fail, whichever of them is on top.
//!
//! The MTA should also remove inbound headers that carry its authserv-id; the shipped
//! `conf/postfix/header_checks` does that for Postfix (see musaid(8)).

use super::{ParsedMessage, domain_of};
use std::collections::HashSet;

/// One result in a trusted Authentication-Results header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    /// `spf` or `dkim`.
    pub method: &'static str,
    /// The domain it passed for (smtp.mailfrom's, or header.d / header.i's), lower case.
    pub domain: String,
}

/// True if `d` is `domain` or a parent of it.
pub fn aligned(d: &str, domain: &str) -> bool {
    let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    !d.is_empty() && (domain == d || domain.ends_with(&format!(".{d}")))
}

/// `a.b.example`, `b.example`, `example`.
fn suffixes(domain: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(domain), |d| d.split_once('.').map(|(_, rest)| rest))
        .filter(|d| !d.is_empty())
}

/// The authserv-id of a header value (before the first `;`).
fn authserv_id(value: &str) -> &str {
    let id = value.split(';').next().unwrap_or("");
    id.split_whitespace().next().unwrap_or("")
}

/// The results of one header value: (method, result, domain) for SPF, DKIM and DMARC.
fn results(value: &str) -> Vec<(&'static str, String, String)> {
    let rest = value.split_once(';').map_or("", |(_, r)| r);
    let mut out = Vec::new();
    for result in rest.split(';') {
        let words: Vec<&str> = result.split_whitespace().collect();
        let Some((method, outcome)) = words.first().and_then(|w| w.split_once('=')) else {
            continue;
        };
        let property = |name: &str| {
            words.iter().find_map(|w| {
                let (k, v) = w.split_once('=')?;
                k.eq_ignore_ascii_case(name)
                    .then(|| v.trim_matches(['"', ';', '(', ')']).to_string())
            })
        };
        let (method, domain) = match method.to_ascii_lowercase().as_str() {
            "spf" => (
                "spf",
                property("smtp.mailfrom")
                    .map(|v| {
                        let d = domain_of(&v);
                        if d.is_empty() { v } else { d }
                    })
                    .or_else(|| property("smtp.helo")),
            ),
            "dkim" => (
                "dkim",
                property("header.d").or_else(|| property("header.i").map(|i| domain_of(&i))),
            ),
            "dmarc" => ("dmarc", property("header.from")),
            _ => continue,
        };
        if let Some(d) = domain {
            out.push((
                method,
                outcome.to_ascii_lowercase(),
                d.trim().trim_end_matches('.').to_ascii_lowercase(),
            ));
        }
    }
    out
}

fn is_fail(method: &str, outcome: &str) -> bool {
    match method {
        "spf" => matches!(outcome, "fail" | "softfail"),
        _ => outcome == "fail",
    }
}

/// The SPF and DKIM passes the MTA's own Authentication-Results report (see the module docs);
/// None when no header from a trusted authserv-id is present.
pub fn trusted_passes(m: &ParsedMessage, trusted: &[String]) -> Option<Vec<Pass>> {
    let is_trusted = |id: &str| trusted.iter().any(|t| t.eq_ignore_ascii_case(id));
    let headers: Vec<(usize, &str)> = m
        .headers
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| n.eq_ignore_ascii_case("Authentication-Results"))
        .map(|(i, (_, v))| (i, v.as_str()))
        .filter(|(_, v)| is_trusted(authserv_id(v)))
        .collect();
    let first = headers.first()?.0;
    let mut passes = Vec::new();
    // Every failed domain and each of its parents: a pass is cancelled when its domain is one
    // of them (a fail for it or a subdomain) or when one of its parents failed. Sets, so the
    // work is linear in the headers however many a sender writes.
    let mut failed: HashSet<String> = HashSet::new();
    let mut failed_or_parent: HashSet<String> = HashSet::new();
    let mut next = first;
    let mut in_block = true;
    for (i, value) in &headers {
        in_block &= *i == next;
        next = i + 1;
        for (method, outcome, domain) in results(value) {
            if is_fail(method, &outcome) {
                for parent in suffixes(&domain) {
                    failed_or_parent.insert(parent.to_string());
                }
                failed.insert(domain);
            } else if in_block && outcome == "pass" && method != "dmarc" {
                passes.push(Pass { method, domain });
            }
        }
    }
    passes.retain(|p| {
        !failed_or_parent.contains(&p.domain) && !suffixes(&p.domain).any(|d| failed.contains(d))
    });
    Some(passes)
}

/// What the MTA's Authentication-Results say about `domain`: None when no trusted header is
/// present, else whether SPF or DKIM passed for it (or a parent domain).
pub fn authenticated(m: &ParsedMessage, trusted: &[String], domain: &str) -> Option<bool> {
    trusted_passes(m, trusted).map(|passes| passes.iter().any(|p| aligned(&p.domain, domain)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(headers: &[&str]) -> ParsedMessage {
        let raw = format!(
            "{}\r\nFrom: a@partner.example.org\r\nSubject: x\r\n\r\nbody\r\n",
            headers.join("\r\n")
        );
        ParsedMessage::parse(raw.as_bytes(), raw.len(), false)
    }

    fn trusted() -> Vec<String> {
        vec!["mx.example.com".to_string()]
    }

    #[test]
    fn results_from_trusted_hosts_only() {
        let pass = message(&[
            "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=alice@partner.example.org; dkim=none",
        ]);
        assert_eq!(
            authenticated(&pass, &trusted(), "partner.example.org"),
            Some(true)
        );
        let dkim = message(&[
            "Authentication-Results: mx.example.com; spf=none smtp.mailfrom=partner.example.org; dkim=pass header.d=example.org header.s=s1",
        ]);
        assert_eq!(
            authenticated(&dkim, &trusted(), "mail.example.org"),
            Some(true),
            "parent domain aligns"
        );
        let fail = message(&[
            "Authentication-Results: mx.example.com; spf=softfail smtp.mailfrom=x@partner.example.org; dkim=pass header.d=other.example",
        ]);
        assert_eq!(
            authenticated(&fail, &trusted(), "partner.example.org"),
            Some(false)
        );
        let forged = message(&[
            "Authentication-Results: evil.example; spf=pass smtp.mailfrom=partner.example.org",
        ]);
        assert_eq!(
            authenticated(&forged, &trusted(), "partner.example.org"),
            None,
            "untrusted header ignored"
        );
    }

    #[test]
    fn a_forged_pass_below_the_mtas_fail_counts_for_nothing() {
        let m = message(&[
            "Authentication-Results: mx.example.com; spf=fail smtp.mailfrom=ceo@partner.example.org",
            "Received: from evil.example by mx.example.com",
            "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=ceo@partner.example.org; dkim=pass header.d=partner.example.org",
        ]);
        assert_eq!(
            authenticated(&m, &trusted(), "partner.example.org"),
            Some(false)
        );
        assert_eq!(trusted_passes(&m, &trusted()), Some(vec![]));
    }

    #[test]
    fn a_fail_anywhere_beats_a_pass_on_top() {
        // An MTA whose verifier appends its header at the end: the sender's forged pass is
        // now the topmost; the MTA's fail below still wins.
        let m = message(&[
            "Authentication-Results: mx.example.com; dkim=pass header.d=partner.example.org",
            "Received: from evil.example by mx.example.com",
            "Authentication-Results: mx.example.com; dkim=fail header.d=partner.example.org; spf=softfail smtp.mailfrom=partner.example.org",
        ]);
        assert_eq!(
            authenticated(&m, &trusted(), "partner.example.org"),
            Some(false)
        );
    }

    #[test]
    fn a_pass_below_the_topmost_block_is_ignored() {
        let m = message(&[
            "Authentication-Results: mx.example.com; spf=none smtp.mailfrom=x@evil.example",
            "Authentication-Results: mx.example.com; dkim=none",
            "Received: from evil.example by mx.example.com",
            "Authentication-Results: mx.example.com; dkim=pass header.d=bank.example",
        ]);
        assert_eq!(authenticated(&m, &trusted(), "bank.example"), Some(false));
        // Adjacent headers from the trusted id (one per verifier) all count.
        let m = message(&[
            "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=a@partner.example.org",
            "Authentication-Results: mx.example.com; dkim=pass header.d=news.example.net",
        ]);
        let passes = trusted_passes(&m, &trusted()).unwrap();
        assert_eq!(passes.len(), 2, "{passes:?}");
    }

    #[test]
    fn many_results_cost_linear_work() {
        // 5,000 trusted passes and 5,000 fails (one header each): every pass was compared
        // with every fail before.
        let mut headers: Vec<String> = (0..5_000)
            .map(|i| {
                format!("Authentication-Results: mx.example.com; dkim=pass header.d=d{i}.example")
            })
            .collect();
        headers.extend((0..5_000).map(|i| {
            format!("Authentication-Results: mx.example.com; dkim=fail header.d=f{i}.example")
        }));
        let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let m = message(&refs);
        assert_eq!(trusted_passes(&m, &trusted()).unwrap().len(), 5_000);
        assert_eq!(authenticated(&m, &trusted(), "f7.example"), Some(false));
    }
}
