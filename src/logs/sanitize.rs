//! `!log sanitize`: a copy of a log that can be passed on.
//!
//! Secrets are removed (Authorization and Cookie headers, bearer and Matrix
//! tokens, `access_token=` and similar parameters, passwords, credentials in
//! URLs). Local identifiers — addresses in the operator's networks, user
//! names and handles on the operator's domains — are replaced by keyed-hash
//! pseudonyms: the same user stays the same pseudonym within and across
//! shares (so patterns survive), but without the key nobody can test a guess.

use super::indicators::find_ips;
use crate::store::Keyed;
use ipnet::IpNet;
use regex::{Captures, Regex};
use std::net::IpAddr;
use std::sync::LazyLock;

/// What counts as local: the operator's networks and domains.
#[derive(Debug, Clone, PartialEq)]
pub struct Local {
    pub networks: Vec<IpNet>,
    pub domains: Vec<String>,
}

/// Private, loopback, link-local and CGNAT ranges: local on any server.
pub const DEFAULT_NETWORKS: &[&str] = &[
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "100.64.0.0/10",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
];

impl Default for Local {
    fn default() -> Local {
        Local { networks: DEFAULT_NETWORKS.iter().filter_map(|n| n.parse().ok()).collect(), domains: Vec::new() }
    }
}

impl Local {
    pub fn is_local_ip(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(&ip))
    }

    pub fn is_local_domain(&self, domain: &str) -> bool {
        let d = domain.trim_end_matches('.').to_ascii_lowercase();
        let d = d.split(':').next().unwrap_or(&d);
        self.domains.iter().any(|l| d == l || d.ends_with(&format!(".{l}")))
    }
}

/// How much a sanitising pass changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    pub secrets: usize,
    pub pseudonyms: usize,
}

const REDACTED: &str = "[REDACTED]";

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("built-in pattern {pattern}: {e}"))
}

static HEADERS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)\b((?:proxy-)?authorization|cookie|set-cookie|x-api-key|x-auth-token|x-csrf-token)("?\s*[:=]\s*"?)([^"\r\n]+)"#,
    )
});
static BEARER: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*"));
static PARAMS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)([?&;\s"']|^)(access_token|refresh_token|id_token|token|api_key|apikey|key|password|passwd|pass|pwd|secret|client_secret|session|sessionid|sid|auth|code|signature|x-amz-signature|otp)=([^&\s"']*)"#,
    )
});
static JSON_SECRETS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?i)"(password|passwd|token|access_token|refresh_token|secret|client_secret|api_key|authorization|cookie)"\s*:\s*"[^"]*""#,
    )
});
static URL_CREDENTIALS: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@"));
static TOKENS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(?:syt_[A-Za-z0-9_]+|mct_[A-Za-z0-9_]+|gh[pousr]_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)",
    )
});
static MATRIX_IDS: LazyLock<Regex> = LazyLock::new(|| re(r"@([a-z0-9._=/+\-]+):([A-Za-z0-9][A-Za-z0-9.\-]*(?::\d+)?)"));
static HANDLES: LazyLock<Regex> = LazyLock::new(|| re(r"/@([A-Za-z0-9_.\-]+)(?:@([A-Za-z0-9.\-]+))?"));
static USERS_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"/(users|u|accounts)/([A-Za-z0-9_.\-]+)"));
static ACCOUNTS: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(acct:|acct%3A|\b)([A-Za-z0-9_.+\-]+)(@|%40)([A-Za-z0-9.\-]+\.[A-Za-z]{2,})"));

/// The pseudonym of a local identifier: stable under the key, not reversible.
fn pseudonym(keyed: &Keyed, kind: &str, value: &str) -> String {
    format!("{kind}-{}", keyed.short("pseudonym", value.to_ascii_lowercase().as_bytes(), 8))
}

/// Pseudonymises local addresses and handles in `text` (no secret removal).
pub fn pseudonymise(text: &str, local: &Local, keyed: &Keyed, changes: &mut Changes) -> String {
    // Addresses first, from the end so byte ranges stay valid.
    let mut out = text.to_string();
    for (range, ip) in find_ips(text.as_bytes()).into_iter().rev() {
        if local.is_local_ip(ip) {
            out.replace_range(range, &pseudonym(keyed, "ip", &ip.to_string()));
            changes.pseudonyms += 1;
        }
    }
    let mut n = 0;
    let out = MATRIX_IDS.replace_all(&out, |c: &Captures| {
        if local.is_local_domain(&c[2]) {
            n += 1;
            format!("@{}:{}", pseudonym(keyed, "user", &c[1]), &c[2])
        } else {
            c[0].to_string()
        }
    });
    let out = HANDLES.replace_all(&out, |c: &Captures| match c.get(2) {
        Some(d) if !local.is_local_domain(d.as_str()) => c[0].to_string(),
        _ => {
            n += 1;
            format!("/@{}", pseudonym(keyed, "user", &c[1]))
        }
    });
    let out = USERS_PATH.replace_all(&out, |c: &Captures| {
        n += 1;
        format!("/{}/{}", &c[1], pseudonym(keyed, "user", &c[2]))
    });
    let out = ACCOUNTS.replace_all(&out, |c: &Captures| {
        if local.is_local_domain(&c[4]) {
            n += 1;
            format!("{}{}{}{}", &c[1], pseudonym(keyed, "user", &c[2]), &c[3], &c[4])
        } else {
            c[0].to_string()
        }
    });
    changes.pseudonyms += n;
    out.into_owned()
}

/// Removes secrets and pseudonymises local identifiers.
pub fn sanitize(text: &str, local: &Local, keyed: &Keyed) -> (String, Changes) {
    let mut secrets = 0;
    let out = HEADERS.replace_all(text, |c: &Captures| {
        secrets += 1;
        format!("{}{}{REDACTED}", &c[1], &c[2])
    });
    let out = BEARER.replace_all(&out, |c: &Captures| {
        secrets += 1;
        format!("{} {REDACTED}", &c[1])
    });
    let out = PARAMS.replace_all(&out, |c: &Captures| {
        if c[3].is_empty() {
            return c[0].to_string();
        }
        secrets += 1;
        format!("{}{}={REDACTED}", &c[1], &c[2])
    });
    let out = JSON_SECRETS.replace_all(&out, |c: &Captures| {
        secrets += 1;
        format!("\"{}\":\"{REDACTED}\"", &c[1])
    });
    let out = URL_CREDENTIALS.replace_all(&out, |c: &Captures| {
        secrets += 1;
        format!("{}{REDACTED}@", &c[1])
    });
    let out = TOKENS.replace_all(&out, |_: &Captures| {
        secrets += 1;
        REDACTED.to_string()
    });
    let mut changes = Changes { secrets, pseudonyms: 0 };
    let out = pseudonymise(&out, local, keyed, &mut changes);
    (out, changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> Local {
        Local { domains: vec!["social.example".into()], ..Local::default() }
    }

    #[test]
    fn secrets_are_removed() {
        let k = Keyed::from_key([7; 32]);
        let log = "203.0.113.5 - - [x] \"GET /api/v1/timelines/home?access_token=SECRETTOKEN123&limit=20 HTTP/1.1\" 200\n\
                   Authorization: Bearer abc.def.ghi\n\
                   Cookie: _session_id=deadbeef\n\
                   {\"password\":\"hunter2\",\"user\":\"x\"}\n\
                   POST /login password=hunter3&user=a\n\
                   https://admin:pw@social.example/x syt_abcdef_123";
        let (out, changes) = sanitize(log, &local(), &k);
        for secret in ["SECRETTOKEN123", "abc.def.ghi", "deadbeef", "hunter2", "hunter3", "admin:pw", "syt_abcdef_123"]
        {
            assert!(!out.contains(secret), "{secret} left in:\n{out}");
        }
        assert!(out.contains("limit=20"), "{out}");
        assert!(out.contains("203.0.113.5"), "remote addresses stay: {out}");
        assert!(changes.secrets >= 7, "{changes:?}");
    }

    #[test]
    fn local_identifiers_become_stable_pseudonyms() {
        let k = Keyed::from_key([7; 32]);
        let log = "10.1.2.3 GET /@alice /users/alice/inbox @alice:social.example acct:alice@social.example\n\
                   GET /@bob@remote.example from 198.51.100.7 mail alice@social.example";
        let (out, changes) = sanitize(log, &local(), &k);
        assert!(!out.contains("alice"), "{out}");
        assert!(!out.contains("10.1.2.3"), "{out}");
        assert!(out.contains("/@bob@remote.example"), "remote handles stay: {out}");
        assert!(out.contains("198.51.100.7"));
        let p = pseudonym(&k, "user", "alice");
        assert_eq!(out.matches(&p).count(), 5, "{out}");
        assert_eq!(changes.pseudonyms, 6);
        // Another key gives other pseudonyms.
        let (other, _) = sanitize(log, &local(), &Keyed::from_key([8; 32]));
        assert!(!other.contains(&p));
    }
}
