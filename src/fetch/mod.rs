//! HTTP to the outside world (not Matrix): bounded, and guarded against
//! being turned on the bot's own network.
//!
//! Members supply URLs (a candidate's instance); the bot must not become a
//! way to probe private addresses, hang on a slow server, or read a
//! gigabyte. Every request goes through a resolver that refuses private,
//! loopback and link-local addresses (unless the operator allows them), a
//! redirect limit, a timeout, and a body-size limit.

pub mod evidence;
pub mod feed;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("not an http(s) URL with a host: {0}")]
    BadUrl(String),
    #[error("address not allowed (private or local network): {0}")]
    Private(String),
    #[error("request failed: {0}")]
    Http(String),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("answer larger than {0} bytes")]
    TooLarge(usize),
    #[error("answer is not the expected JSON: {0}")]
    Garbage(String),
}

/// Limits for outside requests.
#[derive(Debug, Clone)]
pub struct Limits {
    pub timeout: Duration,
    pub max_body: usize,
    pub max_redirects: usize,
    pub allow_private: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { timeout: Duration::from_secs(10), max_body: 512 * 1024, max_redirects: 3, allow_private: false }
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64 // CGNAT 100.64/10
                || v4.octets()[0] >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let seg = v6.segments()[0];
            !(v6.is_loopback() || v6.is_unspecified() || (seg & 0xfe00) == 0xfc00 || (seg & 0xffc0) == 0xfe80)
        }
    }
}

/// DNS resolution that drops non-public addresses.
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.filter(|a| allow || is_public(a.ip())).collect();
            if addrs.is_empty() {
                return Err(Box::new(FetchError::Private(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// A client with the guard, the redirect limit and the timeout; `what`
/// goes into the User-Agent so server operators know why we call.
pub fn client(limits: &Limits, what: &str) -> reqwest::Client {
    let allow = limits.allow_private;
    let max = limits.max_redirects;
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        let literal_ok = match attempt.url().host() {
            Some(url::Host::Ipv4(ip)) => allow || is_public(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => allow || is_public(IpAddr::V6(ip)),
            _ => true,
        };
        if attempt.previous().len() > max {
            attempt.error("too many redirects")
        } else if !literal_ok {
            attempt.error("redirect to a private address")
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .timeout(limits.timeout)
        .redirect(policy)
        .dns_resolver(Arc::new(GuardedResolver { allow_private: allow }))
        .user_agent(format!("fedisec/{} (Matrix community bot; {what})", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// Checks a URL before the first request (IP literals bypass the resolver).
pub fn check_url(url: &str, limits: &Limits) -> Result<url::Url, FetchError> {
    let parsed = url::Url::parse(url).map_err(|_| FetchError::BadUrl(url.into()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FetchError::BadUrl(url.into()));
    }
    match parsed.host() {
        None => Err(FetchError::BadUrl(url.into())),
        Some(url::Host::Ipv4(ip)) if !limits.allow_private && !is_public(IpAddr::V4(ip)) => {
            Err(FetchError::Private(url.into()))
        }
        Some(url::Host::Ipv6(ip)) if !limits.allow_private && !is_public(IpAddr::V6(ip)) => {
            Err(FetchError::Private(url.into()))
        }
        Some(_) => Ok(parsed),
    }
}

/// GETs `url` and parses JSON, reading at most `limits.max_body` bytes.
pub async fn get_json(client: &reqwest::Client, url: &str, limits: &Limits) -> Result<serde_json::Value, FetchError> {
    let url = check_url(url, limits)?;
    let resp = client
        .get(url)
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| FetchError::Http(e.without_url().to_string()))?;
    if !resp.status().is_success() {
        return Err(FetchError::Status(resp.status().as_u16()));
    }
    let body = read_limited(resp, limits).await?;
    serde_json::from_slice(&body).map_err(|e| FetchError::Garbage(e.to_string()))
}

/// The body, refused as soon as it is larger than `limits.max_body`.
pub async fn read_limited(mut resp: reqwest::Response, limits: &Limits) -> Result<Vec<u8>, FetchError> {
    if resp.content_length().is_some_and(|n| n as usize > limits.max_body) {
        return Err(FetchError::TooLarge(limits.max_body));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| FetchError::Http(e.without_url().to_string()))? {
        if body.len() + chunk.len() > limits.max_body {
            return Err(FetchError::TooLarge(limits.max_body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "10.0.0.1",
            "127.0.0.1",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "133.242.0.1", "2001:4860::8888"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_before_any_request() {
        let strict = Limits::default();
        assert!(matches!(check_url("ftp://x.org", &strict), Err(FetchError::BadUrl(_))));
        assert!(matches!(check_url("not a url", &strict), Err(FetchError::BadUrl(_))));
        assert!(matches!(check_url("http://127.0.0.1:8080/", &strict), Err(FetchError::Private(_))));
        assert!(matches!(check_url("http://[::1]/", &strict), Err(FetchError::Private(_))));
        assert!(check_url("https://mastodon.example/@admin", &strict).is_ok());
        let lax = Limits { allow_private: true, ..Limits::default() };
        assert!(check_url("http://127.0.0.1:8080/", &lax).is_ok());
    }
}
