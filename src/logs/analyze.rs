//! The analysis pass: every line through the parser that understands it,
//! into one tally.
//!
//! A log excerpt may mix formats (a syslog with nginx and sshd lines), so the
//! format is chosen per line; the one that matched the previous line is
//! tried first, which makes a homogeneous log cost one parser per line.

use super::entry::{Auth, Entry};
use super::parse::{apps, http, sshd::Sshd, syslog};
use super::tally::Tally;
use std::borrow::Cow;

/// Line formats, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Combined,
    Syslog,
    ApacheError,
    NginxError,
    Synapse,
    Rails,
    Json,
    Generic,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Combined => "access",
            Format::Syslog => "syslog",
            Format::ApacheError => "apache-error",
            Format::NginxError => "nginx-error",
            Format::Synapse => "synapse",
            Format::Rails => "mastodon",
            Format::Json => "json",
            Format::Generic => "generic",
        }
    }
}

const ORDER: [Format; 7] = [
    Format::Combined,
    Format::Syslog,
    Format::ApacheError,
    Format::NginxError,
    Format::Synapse,
    Format::Rails,
    Format::Json,
];

/// What the pass made of one line (for tests and the log guard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineVerdict<'a> {
    pub format: Format,
    pub auth: Auth,
    pub hits: u32,
    pub source: Option<Cow<'a, [u8]>>,
}

#[derive(Default)]
pub struct Analyzer {
    tally: Tally,
    sshd: Sshd,
    json: apps::JsonFields,
    last: Option<Format>,
}

/// Lines split on `\n`, `\r\n` or a bare `\r` (old Mac and some captured logs).
pub fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = data;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            let end = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
            let line = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or_default();
            if !line.trim_ascii().is_empty() {
                return Some(line);
            }
        }
        None
    })
}

fn generic(line: &[u8]) -> Entry<'_> {
    let ip = super::indicators::find_ips(line).into_iter().next().map(|(r, _)| &line[r]);
    Entry { ip, message: Some(line), ..Entry::default() }
}

impl Analyzer {
    pub fn new() -> Analyzer {
        Analyzer::default()
    }

    /// Analyses a whole buffer.
    pub fn run(data: &[u8]) -> Tally {
        let mut a = Analyzer::new();
        for line in lines(data) {
            a.line(line);
        }
        a.tally.add_cves(data);
        a.finish()
    }

    fn try_format<'a>(&mut self, f: Format, line: &'a [u8]) -> Option<(Entry<'a>, Option<Cow<'a, [u8]>>)> {
        match f {
            Format::Combined => http::combined(line).map(|e| (e, None)),
            Format::ApacheError => http::apache_error(line).map(|e| (e, None)),
            Format::NginxError => http::nginx_error(line).map(|e| (e, None)),
            Format::Synapse => apps::synapse(line).map(|e| (e, None)),
            Format::Rails => apps::rails(line).map(|e| (e, None)),
            Format::Syslog => {
                let s = syslog::parse(line)?;
                if s.program.starts_with(b"nginx") {
                    return http::nginx_error(line).map(|e| (e, None));
                }
                let mut e = Entry { time: Some(s.time), message: Some(s.message), ..Entry::default() };
                let ssh = s.program.starts_with(b"sshd")
                    || memchr::memmem::find(s.message, b"authentication failure;").is_some();
                if !ssh {
                    return Some((e, None));
                }
                let v = self.sshd.line(s.pid, s.message);
                e.auth = v.auth;
                Some((e, v.host))
            }
            Format::Json | Format::Generic => None,
        }
    }

    /// Analyses one line.
    pub fn line<'a>(&mut self, line: &'a [u8]) -> LineVerdict<'a> {
        let mut found = None;
        if let Some(last) = self.last
            && let Some(r) = self.try_format(last, line)
        {
            found = Some((last, r));
        }
        if found.is_none() {
            for f in ORDER {
                if Some(f) == self.last || f == Format::Json {
                    continue;
                }
                if let Some(r) = self.try_format(f, line) {
                    found = Some((f, r));
                    break;
                }
            }
        }
        let (format, entry, host) = match found {
            Some((f, (e, host))) => (f, e, host),
            None => {
                if let Some(e) = self.json.parse(line) {
                    let hits = self.tally.add(Format::Json.name(), &e);
                    self.last = Some(Format::Json);
                    let source = e.ip.map(|ip| Cow::Owned(ip.to_vec()));
                    return LineVerdict { format: Format::Json, auth: Auth::None, hits, source };
                }
                (Format::Generic, generic(line), None)
            }
        };
        if format != Format::Generic {
            self.last = Some(format);
        }
        let hits = match &host {
            Some(h) => self.tally.add(format.name(), &Entry { ip: Some(h), ..entry }),
            None => self.tally.add(format.name(), &entry),
        };
        let source = host.or_else(|| entry.ip.map(Cow::Borrowed));
        LineVerdict { format, auth: entry.auth, hits, source }
    }

    /// The tally, with login failures that the end of the log made certain.
    pub fn finish(mut self) -> Tally {
        for (host, n) in self.sshd.unfinished() {
            self.tally.add_late_failures(host, n);
        }
        self.tally.finish();
        self.tally
    }
}
