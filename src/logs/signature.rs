//! Known attack signatures, recognised in one pass per line.
//!
//! Path signatures are one Aho-Corasick automaton over the request target
//! (case-insensitive); the rest look at the method, at requests that are not
//! HTTP, at messages and at authentication verdicts.

use super::entry::{Auth, Entry};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use memchr::memmem;
use std::sync::LazyLock;

/// A family of hostile traffic the summary counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Signature {
    WordPress,
    SshFailure,
    SshProbe,
    DotEnv,
    DotGit,
    PhpMyAdmin,
    CgiBin,
    Webmail,
    Shellshock,
    ProxyProbe,
    RawTls,
    RawRdp,
    Malformed,
    Scanner,
    FediverseApi,
}

impl Signature {
    pub const ALL: [Signature; 15] = [
        Signature::WordPress,
        Signature::SshFailure,
        Signature::SshProbe,
        Signature::DotEnv,
        Signature::DotGit,
        Signature::PhpMyAdmin,
        Signature::CgiBin,
        Signature::Webmail,
        Signature::Shellshock,
        Signature::ProxyProbe,
        Signature::RawTls,
        Signature::RawRdp,
        Signature::Malformed,
        Signature::Scanner,
        Signature::FediverseApi,
    ];

    pub fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// A short stable name, used in exports.
    pub fn code(self) -> &'static str {
        match self {
            Signature::WordPress => "wordpress-login",
            Signature::SshFailure => "ssh-auth-failure",
            Signature::SshProbe => "ssh-preauth-probe",
            Signature::DotEnv => "dotenv-probe",
            Signature::DotGit => "git-probe",
            Signature::PhpMyAdmin => "phpmyadmin-scan",
            Signature::CgiBin => "cgi-bin-scan",
            Signature::Webmail => "webmail-scan",
            Signature::Shellshock => "shellshock",
            Signature::ProxyProbe => "proxy-probe",
            Signature::RawTls => "tls-on-http",
            Signature::RawRdp => "rdp-on-http",
            Signature::Malformed => "malformed-request",
            Signature::Scanner => "scanner",
            Signature::FediverseApi => "fediverse-api-abuse",
        }
    }

    /// The signatures set in a bit mask.
    pub fn in_mask(mask: u32) -> impl Iterator<Item = Signature> {
        Signature::ALL.into_iter().filter(move |s| mask & s.bit() != 0)
    }
}

/// Substrings of a request target and the signature each one means.
const PATH_PATTERNS: &[(&str, Signature)] = &[
    ("wp-login.php", Signature::WordPress),
    ("xmlrpc.php", Signature::WordPress),
    ("/wp-admin", Signature::WordPress),
    ("/.env", Signature::DotEnv),
    ("/.git", Signature::DotGit),
    ("/pma", Signature::PhpMyAdmin),
    ("phpmyadmin", Signature::PhpMyAdmin),
    ("/myadmin", Signature::PhpMyAdmin),
    ("mysqladmin", Signature::PhpMyAdmin),
    ("/scripts/setup.php", Signature::PhpMyAdmin),
    ("/cgi-bin", Signature::CgiBin),
    ("w00tw00t", Signature::Scanner),
    ("/manager/html", Signature::Scanner),
    ("/admin/config.php", Signature::Scanner),
    ("/hnap1", Signature::Scanner),
    ("/boaform", Signature::Scanner),
    ("/vendor/phpunit", Signature::Scanner),
    ("/solr/", Signature::Scanner),
    ("/actuator", Signature::Scanner),
    ("/.aws", Signature::Scanner),
    ("bulkoptions", Signature::Scanner),
    ("/shell?", Signature::Scanner),
    ("/api/v1/apps", Signature::FediverseApi),
    ("/api/v2/search", Signature::FediverseApi),
    ("/api/v1/accounts/search", Signature::FediverseApi),
    ("/api/v1/timelines/public", Signature::FediverseApi),
    ("/api/v1/directory", Signature::FediverseApi),
    ("() {", Signature::Shellshock),
];

static PATHS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(PATH_PATTERNS.iter().map(|(p, _)| p))
        .ok()
});

/// Webmail scanners probe these as the first path segment (fail2ban's list).
const WEBMAIL_PREFIXES: &[&[u8]] =
    &[b"roundcube", b"mail", b"extmail", b"horde", b"webmail", b"v-webmail", b"vwebmail"];

fn paths(target: &[u8]) -> u32 {
    let Some(ac) = PATHS.as_ref() else { return 0 };
    let mut mask = 0;
    for m in ac.find_overlapping_iter(target) {
        mask |= PATH_PATTERNS[m.pattern().as_usize()].1.bit();
    }
    mask
}

fn first_segment(target: &[u8]) -> &[u8] {
    let t = target.trim_ascii_start();
    let t = t.strip_prefix(b"/").unwrap_or(t);
    &t[..t.iter().position(|&c| c == b'/' || c == b'?').unwrap_or(t.len())]
}

fn contains(h: &[u8], n: &[u8]) -> bool {
    memmem::find(h, n).is_some()
}

/// The signatures one parsed line shows, as a bit mask.
pub fn classify(e: &Entry<'_>) -> u32 {
    let mut mask = 0;
    match e.auth {
        Auth::Failure => mask |= Signature::SshFailure.bit(),
        Auth::Probe => mask |= Signature::SshProbe.bit(),
        Auth::None | Auth::Success => {}
    }
    if let Some(t) = e.target {
        mask |= paths(t);
        if !t.starts_with(b"/") && t != b"*" {
            mask |= Signature::ProxyProbe.bit();
        }
        let seg = first_segment(t);
        if WEBMAIL_PREFIXES.iter().any(|p| seg.len() >= p.len() && seg[..p.len()].eq_ignore_ascii_case(p)) {
            mask |= Signature::Webmail.bit();
        }
        // Only a POST to /api/v1/accounts is a sign-up.
        if e.method == Some(b"POST") && first_path(t) == b"/api/v1/accounts" {
            mask |= Signature::FediverseApi.bit();
        }
        // A GET to the app-registration endpoint is harmless; only POST counts.
        if e.method != Some(b"POST") && first_path(t).eq_ignore_ascii_case(b"/api/v1/apps") {
            mask &= !Signature::FediverseApi.bit();
        }
    }
    if e.method == Some(b"CONNECT") {
        mask |= Signature::ProxyProbe.bit();
    }
    if let Some(raw) = e.malformed {
        mask |= if raw.starts_with(br"\x16\x03") {
            Signature::RawTls.bit()
        } else if raw.starts_with(br"\x03\x00") || contains(raw, b"mstshash") {
            Signature::RawRdp.bit()
        } else if raw.starts_with(b"CONNECT ") {
            Signature::ProxyProbe.bit()
        } else {
            Signature::Malformed.bit()
        };
    }
    for field in [e.user_agent, e.referer].into_iter().flatten() {
        if contains(field, b"() {") {
            mask |= Signature::Shellshock.bit();
        }
    }
    if let Some(m) = e.message
        && (contains(m, b"ignoring function definition attempt") || contains(m, b"error importing function definition"))
    {
        mask |= Signature::Shellshock.bit();
    }
    // An error-log line about some other file than a probe's target is not a hit.
    if e.not_found && mask == 0 {
        return 0;
    }
    mask
}

fn first_path(t: &[u8]) -> &[u8] {
    &t[..t.iter().position(|&c| c == b'?').unwrap_or(t.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(t: &str, method: &str) -> u32 {
        classify(&Entry { target: Some(t.as_bytes()), method: Some(method.as_bytes()), ..Entry::default() })
    }

    #[test]
    fn paths_and_methods() {
        assert_eq!(target("/wp-login.php", "POST"), Signature::WordPress.bit());
        assert_eq!(target("//admin/PMA/scripts/setup.php", "GET"), Signature::PhpMyAdmin.bit());
        assert_eq!(target("/mail_this_entry", "GET"), Signature::Webmail.bit());
        assert_eq!(target("/forum/mail.php", "GET"), 0);
        assert_eq!(target("http://1.2.3.4/testget", "GET"), Signature::ProxyProbe.bit());
        assert_eq!(target("/api/v1/apps", "POST"), Signature::FediverseApi.bit());
        assert_eq!(target("/api/v1/apps", "GET"), 0);
        assert_eq!(target("/api/v1/accounts", "POST"), Signature::FediverseApi.bit());
        assert_eq!(target("/api/v1/accounts/1", "GET"), 0);
        assert_eq!(target("/index.html", "GET"), 0);
    }

    #[test]
    fn malformed_requests() {
        let m = |raw: &str| classify(&Entry { malformed: Some(raw.as_bytes()), ..Entry::default() });
        assert_eq!(m(r"\x16\x03\x01\x02"), Signature::RawTls.bit());
        assert_eq!(m(r"\x03\x00\x00/*\xE0Cookie: mstshash=Administr"), Signature::RawRdp.bit());
        assert_eq!(m(""), Signature::Malformed.bit());
        assert_eq!(m("HELP"), Signature::Malformed.bit());
    }
}
