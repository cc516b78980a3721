//! Indicators in log text: IP addresses, CVE ids, remote Fediverse servers
//! and actors, and how they are written so that nobody clicks them (defanged).

use memchr::memmem;
use std::net::IpAddr;

/// The address as text without an IPv4-mapped prefix, if it is an IP address.
pub fn normalise_ip(raw: &[u8]) -> Option<IpAddr> {
    let s = std::str::from_utf8(raw).ok()?;
    let s = s.strip_prefix("::ffff:").filter(|r| r.contains('.')).unwrap_or(s);
    let s = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')).unwrap_or(s);
    let ip: IpAddr = s.parse().ok()?;
    Some(match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    })
}

/// Every IPv4 and IPv6 address in a piece of text, in order, with its byte range.
pub fn find_ips(text: &[u8]) -> Vec<(std::ops::Range<usize>, IpAddr)> {
    let mut out = Vec::new();
    let mut i = 0;
    let is_tok = |c: u8| c.is_ascii_hexdigit() || c == b'.' || c == b':';
    while i < text.len() {
        if !is_tok(text[i]) || (i > 0 && (is_tok(text[i - 1]) || text[i - 1].is_ascii_alphanumeric())) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < text.len() && is_tok(text[j]) {
            j += 1;
        }
        let mut tok = &text[i..j];
        // Trailing punctuation and ports are not part of the address.
        while let Some(t) = tok.strip_suffix(b".").or_else(|| tok.strip_suffix(b":")) {
            tok = t;
        }
        let next_alnum = text.get(i + tok.len()).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
        let dots = tok.iter().filter(|&&c| c == b'.').count();
        let colons = tok.iter().filter(|&&c| c == b':').count();
        let candidate = if dots == 3 && colons == 0 {
            Some(tok)
        } else if dots == 3 && colons == 1 {
            // a.b.c.d:port
            tok.iter().position(|&c| c == b':').map(|p| &tok[..p])
        } else if colons >= 2 {
            Some(tok)
        } else {
            None
        };
        if let Some(c) = candidate
            && !next_alnum
            && let Some(ip) = normalise_ip(c)
        {
            out.push((i..i + c.len(), ip));
        }
        i = j.max(i + 1);
    }
    out
}

/// CVE ids in the text (`CVE-2024-23832`), upper-cased, in order of appearance.
pub fn find_cves(text: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for needle in [&b"CVE-"[..], b"cve-"] {
        for p in memmem::find_iter(text, needle) {
            if p > 0 && text[p - 1].is_ascii_alphanumeric() {
                continue;
            }
            let rest = &text[p + 4..];
            let year = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            if year != 4 || rest.get(4) != Some(&b'-') {
                continue;
            }
            let seq = rest[5..].iter().take_while(|c| c.is_ascii_digit()).count();
            if (4..=7).contains(&seq) {
                out.push(format!("CVE-{}", String::from_utf8_lossy(&rest[..5 + seq])));
            }
        }
    }
    out
}

/// Fediverse server software that names its home in its User-Agent.
const FEDIVERSE_AGENTS: &[&str] = &[
    "mastodon",
    "misskey",
    "pleroma",
    "akkoma",
    "gotosocial",
    "friendica",
    "pixelfed",
    "peertube",
    "lemmy",
    "firefish",
    "sharkey",
    "iceshrimp",
    "calckey",
    "mitra",
    "hubzilla",
    "bookwyrm",
    "writefreely",
    "takahe",
    "honk",
    "snac",
    "mbin",
    "kbin",
    "hometown",
    "glitch",
];

/// The server a Fediverse User-Agent names (`http.rb/5.1.1 (Mastodon/4.2.0;
/// +https://mastodon.example/)` → `mastodon.example`).
pub fn fediverse_server(ua: &[u8]) -> Option<String> {
    let lower = ua.to_ascii_lowercase();
    if !FEDIVERSE_AGENTS.iter().any(|a| memmem::find(&lower, a.as_bytes()).is_some()) {
        return None;
    }
    let p =
        memmem::find(&lower, b"https://").map(|p| p + 8).or_else(|| memmem::find(&lower, b"http://").map(|p| p + 7))?;
    let host: Vec<u8> = lower[p..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'.' || **c == b'-' || **c == b':')
        .copied()
        .collect();
    let host = String::from_utf8(host).ok()?;
    host.contains('.').then_some(host)
}

/// The account a WebFinger lookup asks for (`resource=acct:alice@example.social`,
/// also percent-encoded), as `(user, domain)`.
pub fn webfinger_account(target: &[u8]) -> Option<(String, String)> {
    let p = memmem::find(target, b"resource=")? + 9;
    let raw = &target[p..];
    let raw = &raw[..raw.iter().position(|&c| c == b'&' || c == b' ').unwrap_or(raw.len())];
    let decoded = url::form_urlencoded::parse(&[b"r=", raw].concat()).next()?.1.into_owned();
    let acct = decoded.strip_prefix("acct:").unwrap_or(&decoded);
    let acct = acct.strip_prefix('@').unwrap_or(acct);
    let (user, domain) = acct.split_once('@')?;
    if user.is_empty() || domain.is_empty() || domain.contains('/') {
        return None;
    }
    Some((user.to_string(), domain.to_ascii_lowercase()))
}

/// An indicator written so that it is neither a link nor a live address:
/// `203.0.113[.]5`, `2001[:]db8::1`, `example[.]social`, `hxxps://…`.
pub fn defang(s: &str) -> String {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return match ip {
            IpAddr::V4(_) => match s.rfind('.') {
                Some(p) => format!("{}[.]{}", &s[..p], &s[p + 1..]),
                None => s.to_string(),
            },
            IpAddr::V6(_) => s.replacen(':', "[:]", 1),
        };
    }
    let s = s.replace("https://", "hxxps://").replace("http://", "hxxp://");
    match s.rfind('.') {
        Some(p) => format!("{}[.]{}", &s[..p], &s[p + 1..]),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ips_in_text() {
        let t = b"from 1.2.3.4 port 22, ::ffff:5.6.7.8 and 2001:db8::1; not 1.2.3 or 999.1.1.1 or v1.2.3.4a; 10.0.0.1:8080.";
        let ips: Vec<String> = find_ips(t).into_iter().map(|(_, ip)| ip.to_string()).collect();
        assert_eq!(ips, vec!["1.2.3.4", "5.6.7.8", "2001:db8::1", "10.0.0.1"]);
    }

    #[test]
    fn cves() {
        assert_eq!(
            find_cves(b"see CVE-2024-23832 and cve-2021-44228, not XCVE-2020-1234 or CVE-20-1"),
            vec!["CVE-2024-23832", "CVE-2021-44228"]
        );
    }

    #[test]
    fn fediverse_agents_and_webfinger() {
        assert_eq!(
            fediverse_server(b"http.rb/5.1.1 (Mastodon/4.2.0; +https://Mastodon.Example/)").as_deref(),
            Some("mastodon.example")
        );
        assert_eq!(fediverse_server(b"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), None);
        assert_eq!(
            webfinger_account(b"/.well-known/webfinger?resource=acct%3Aalice%40remote.example"),
            Some(("alice".into(), "remote.example".into()))
        );
    }

    #[test]
    fn defanging() {
        assert_eq!(defang("203.0.113.5"), "203.0.113[.]5");
        assert_eq!(defang("2001:db8::1"), "2001[:]db8::1");
        assert_eq!(defang("mastodon.example"), "mastodon[.]example");
        assert_eq!(defang("https://evil.example/x"), "hxxps://evil[.]example/x");
    }
}
