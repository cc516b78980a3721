//! What the bot answers to a share: the tally cut down to what a person
//! reads, with every address and domain defanged and local identifiers
//! pseudonymised (the summary stays in the encrypted room, but it is quoted).

use super::indicators::defang;
use super::sanitize::{Changes, Local, pseudonymise};
use super::sightings::Seen;
use super::signature::Signature;
use super::tally::Tally;
use super::tlp::Tlp;
use crate::store::Keyed;

/// One source address in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub address: String,
    pub lines: u64,
    pub status: [u64; 5],
    pub hits: u64,
    pub failures: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub tlp: Tlp,
    /// No label was given: TLP:AMBER was assumed.
    pub tlp_assumed: bool,
    pub lines: u64,
    pub formats: Vec<(String, u64)>,
    pub first: Option<String>,
    pub last: Option<String>,
    pub sources: Vec<Source>,
    pub distinct_sources: usize,
    pub agents: Vec<(String, u64)>,
    pub paths: Vec<(String, u64)>,
    /// Signature, lines, distinct sources.
    pub signatures: Vec<(Signature, u64, usize)>,
    pub cves: Vec<String>,
    pub domains: Vec<(String, u64)>,
    pub actors: Vec<(String, u64)>,
    pub sightings: Vec<Seen>,
    /// Indicators kept as sightings (0 for TLP:RED).
    pub kept: usize,
}

const TOP: usize = 10;
const TOP_AGENTS: usize = 5;
const MAX_FIELD: usize = 120;

fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_FIELD {
        return s.to_string();
    }
    let mut c: String = s.chars().take(MAX_FIELD).collect();
    c.push('…');
    c
}

fn top(map: &rustc_hash::FxHashMap<Vec<u8>, u64>, n: usize) -> Vec<(&[u8], u64)> {
    let mut v: Vec<(&[u8], u64)> = map.iter().map(|(k, c)| (k.as_slice(), *c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    v.truncate(n);
    v
}

/// The hostile source addresses to report as indicators, with their
/// signatures: not in the operator's own networks, most active first.
pub fn indicators(tally: &Tally, local: &Local) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32, u64)> = tally
        .hostile_sources()
        .filter(|(ip, _)| !local.is_local_ip(*ip))
        .map(|(ip, s)| (ip.to_string(), s.signatures, s.hits + s.failures))
        .collect();
    v.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    v.into_iter().map(|(ip, sigs, _)| (ip, sigs)).collect()
}

/// Builds the summary.
pub fn build(
    tally: &Tally,
    tlp: Option<Tlp>,
    local: &Local,
    keyed: &Keyed,
    sightings: Vec<Seen>,
    kept: usize,
) -> Summary {
    let mut changes = Changes::default();
    let mut shown = |raw: &[u8]| -> String {
        let text = String::from_utf8_lossy(raw);
        clip(&pseudonymise(&text, local, keyed, &mut changes))
    };
    let mut sources: Vec<(&Vec<u8>, &super::tally::SourceStats)> = tally.sources.iter().collect();
    sources.sort_by(|a, b| b.1.lines.cmp(&a.1.lines).then(b.1.hits.cmp(&a.1.hits)).then(a.0.cmp(b.0)));
    let sources = sources
        .into_iter()
        .take(TOP)
        .map(|(k, s)| Source {
            address: defang(&shown(k)),
            lines: s.lines,
            status: s.status,
            hits: s.hits,
            failures: s.failures,
        })
        .collect();
    let signatures = tally
        .signatures
        .iter()
        .map(|(sig, n)| (*sig, *n, tally.sources.values().filter(|s| s.signatures & sig.bit() != 0).count()))
        .collect();
    let fmt = |v: Vec<(&[u8], u64)>, shown: &mut dyn FnMut(&[u8]) -> String| -> Vec<(String, u64)> {
        v.into_iter().map(|(k, n)| (shown(k), n)).collect()
    };
    let agents = fmt(top(&tally.agents, TOP_AGENTS), &mut shown);
    let paths = fmt(top(&tally.paths, TOP), &mut shown);
    let remote = |m: &std::collections::BTreeMap<String, u64>, is_actor: bool| -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = m
            .iter()
            .filter(|(k, _)| {
                let domain = if is_actor { k.rsplit('@').next().unwrap_or(k) } else { k.as_str() };
                !local.is_local_domain(domain)
            })
            .map(|(k, n)| (defang(&clip(k)), *n))
            .collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(TOP);
        v
    };
    let stamp = |s: &Option<(i64, Vec<u8>)>| s.as_ref().map(|(_, t)| String::from_utf8_lossy(t).into_owned());
    Summary {
        tlp: tlp.unwrap_or(Tlp::Amber),
        tlp_assumed: tlp.is_none(),
        lines: tally.lines,
        formats: tally.formats.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        first: stamp(&tally.range.first),
        last: stamp(&tally.range.last),
        sources,
        distinct_sources: tally.sources.len(),
        agents,
        paths,
        signatures,
        cves: tally.cves.keys().cloned().collect(),
        domains: remote(&tally.domains, false),
        actors: remote(&tally.actors, true),
        sightings: sightings
            .into_iter()
            .filter(|s| s.others_30d > 0)
            .map(|s| Seen { indicator: defang(&s.indicator), ..s })
            .collect(),
        kept,
    }
}
