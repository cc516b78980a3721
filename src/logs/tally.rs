//! Counts over a whole log, kept while the lines stream past.
//!
//! Keys are copied only the first time they are seen, so a large log with a
//! few thousand distinct clients allocates a few thousand times.

use super::entry::{Auth, Entry};
use super::indicators;
use super::signature::{self, Signature};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// What one source address did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceStats {
    pub lines: u64,
    /// Responses by class: 1xx .. 5xx.
    pub status: [u64; 5],
    /// Lines that hit a signature.
    pub hits: u64,
    pub failures: u64,
    /// Which signatures it hit.
    pub signatures: u32,
}

/// The time range: the earliest and latest stamps, as logged.
#[derive(Debug, Clone, Default)]
pub struct Range {
    pub first: Option<(i64, Vec<u8>)>,
    pub last: Option<(i64, Vec<u8>)>,
}

impl Range {
    fn add(&mut self, key: i64, text: &[u8]) {
        match &mut self.first {
            Some((k, t)) if *k > key => {
                *k = key;
                t.clear();
                t.extend_from_slice(text);
            }
            None => self.first = Some((key, text.to_vec())),
            _ => {}
        }
        match &mut self.last {
            Some((k, t)) if *k < key => {
                *k = key;
                t.clear();
                t.extend_from_slice(text);
            }
            None => self.last = Some((key, text.to_vec())),
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Non-empty lines.
    pub lines: u64,
    /// Lines a specific format understood (the rest went through the generic pass).
    pub understood: u64,
    pub formats: BTreeMap<&'static str, u64>,
    pub range: Range,
    /// Source address (as logged, IPv4-mapped prefix removed) → what it did.
    pub sources: FxHashMap<Vec<u8>, SourceStats>,
    pub agents: FxHashMap<Vec<u8>, u64>,
    /// Request paths without their query.
    pub paths: FxHashMap<Vec<u8>, u64>,
    pub signatures: BTreeMap<Signature, u64>,
    pub cves: BTreeMap<String, u64>,
    /// Remote servers named by the log (Fediverse User-Agents, federation origins).
    pub domains: BTreeMap<String, u64>,
    /// Remote accounts asked about (`user@domain`).
    pub actors: BTreeMap<String, u64>,
}

fn bump(map: &mut FxHashMap<Vec<u8>, u64>, key: &[u8]) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_vec(), 1);
        }
    }
}

/// The address as counted: `::ffff:1.2.3.4` is `1.2.3.4`, `[::1]` is `::1`.
fn source_key(raw: &[u8]) -> &[u8] {
    let raw = raw.strip_prefix(b"::ffff:").filter(|r| r.contains(&b'.')).unwrap_or(raw);
    raw.strip_prefix(b"[").and_then(|r| r.strip_suffix(b"]")).unwrap_or(raw)
}

impl Tally {
    /// Counts one parsed line; returns the signatures it hit.
    pub fn add(&mut self, format: &'static str, e: &Entry<'_>) -> u32 {
        self.lines += 1;
        if format != "generic" {
            self.understood += 1;
        }
        match self.formats.get_mut(format) {
            Some(n) => *n += 1,
            None => {
                self.formats.insert(format, 1);
            }
        }
        if let Some(t) = e.time {
            self.range.add(t.key, t.text);
        }
        let hits = signature::classify(e);
        for s in Signature::in_mask(hits) {
            *self.signatures.entry(s).or_default() += 1;
        }
        if let Some(ip) = e.ip {
            let key = source_key(ip);
            let stats = match self.sources.get_mut(key) {
                Some(s) => s,
                None => self.sources.entry(key.to_vec()).or_default(),
            };
            stats.lines += 1;
            if let Some(st) = e.status
                && (100..600).contains(&st)
            {
                stats.status[usize::from(st / 100 - 1)] += 1;
            }
            if hits != 0 {
                stats.hits += 1;
                stats.signatures |= hits;
            }
            if e.auth == Auth::Failure {
                stats.failures += 1;
            }
        }
        if let Some(ua) = e.user_agent {
            // Servers named by User-Agents are read once per distinct agent, in `finish`.
            bump(&mut self.agents, ua);
        }
        if let Some(t) = e.target
            && !e.not_found
        {
            let path = &t[..memchr::memchr(b'?', t).unwrap_or(t.len())];
            bump(&mut self.paths, path);
            if path.ends_with(b"/.well-known/webfinger")
                && let Some((user, domain)) = indicators::webfinger_account(t)
            {
                *self.actors.entry(format!("{user}@{domain}")).or_default() += 1;
            }
        }
        if let Some(origin) = e.origin {
            *self.domains.entry(String::from_utf8_lossy(origin).to_ascii_lowercase()).or_default() += 1;
        }
        hits
    }

    /// Adds what is read once per distinct value rather than per line.
    pub fn finish(&mut self) {
        for (ua, n) in &self.agents {
            if let Some(server) = indicators::fediverse_server(ua) {
                *self.domains.entry(server).or_default() += n;
            }
        }
    }

    /// Counts a failure that only became certain when the log ended.
    pub fn add_late_failures(&mut self, host: &[u8], n: u32) {
        let stats = self.sources.entry(source_key(host).to_vec()).or_default();
        stats.failures += u64::from(n);
        stats.hits += u64::from(n);
        stats.signatures |= Signature::SshFailure.bit();
        *self.signatures.entry(Signature::SshFailure).or_default() += u64::from(n);
    }

    pub fn add_cves(&mut self, text: &[u8]) {
        for cve in indicators::find_cves(text) {
            *self.cves.entry(cve).or_default() += 1;
        }
    }

    /// Sources that did something hostile: a signature hit or a failed login.
    /// These are the indicators; other visitors' addresses are not.
    pub fn hostile_sources(&self) -> impl Iterator<Item = (IpAddr, &SourceStats)> {
        self.sources
            .iter()
            .filter(|(_, s)| s.hits > 0 || s.failures > 0)
            .filter_map(|(k, s)| indicators::normalise_ip(k).map(|ip| (ip, s)))
    }
}
