//! Sightings: which member servers saw the same hostile address, and when.
//!
//! A sighting is stored under `tag(indicator):tag(submitter)`, both keyed
//! hashes, with the TLP, first and last time seen, and an expiry (90 days by
//! default). The indicator itself is kept only sealed, and only when its TLP
//! allows it to be exported later (CLEAR, GREEN, AMBER); AMBER+STRICT keeps
//! the hash alone, and TLP:RED keeps nothing at all. Raw log lines are never
//! stored.

use super::tlp::Tlp;
use crate::store::{Keyed, Sealer, Store, StoreError, Text, Tree};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const DAY_MS: u64 = 86_400_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sighting {
    pub tlp: Tlp,
    pub first_ms: u64,
    pub last_ms: u64,
    pub expires_ms: u64,
    /// Signature bits seen with it.
    pub signatures: u32,
    /// The indicator, sealed; only for TLPs that may be exported.
    pub value: Option<Text>,
}

/// What a share learned about one of its indicators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub indicator: String,
    /// Other member servers that reported it in the last 7 and 30 days.
    pub others_7d: usize,
    pub others_30d: usize,
}

/// An indicator that may be exported, with what members saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    pub value: String,
    pub tlp: Tlp,
    pub first_ms: u64,
    pub last_ms: u64,
    pub reporters: usize,
    pub signatures: u32,
}

pub struct Sightings {
    tree: Tree<Sighting>,
}

impl Sightings {
    pub fn open(store: &Store) -> Result<Sightings, StoreError> {
        Ok(Sightings { tree: store.tree("log_sightings")? })
    }

    fn tag(keyed: &Keyed, purpose: &str, v: &str) -> String {
        hex::encode(keyed.tag(purpose, v.as_bytes()))
    }

    /// Records a share's indicators (unless TLP:RED) and says, for each, how
    /// many other submitters reported it recently.
    #[allow(clippy::too_many_arguments)]
    pub fn report(
        &self,
        keyed: &Keyed,
        sealer: &Sealer,
        submitter: &str,
        indicators: &[(String, u32)],
        tlp: Tlp,
        now_ms: u64,
        ttl_ms: u64,
    ) -> Result<Vec<Seen>, StoreError> {
        self.purge(now_ms)?;
        let me = Self::tag(keyed, "submitter", submitter);
        let mut out = Vec::new();
        for (indicator, sigs) in indicators {
            let tag = Self::tag(keyed, "indicator", indicator);
            let mut others_7d = 0;
            let mut others_30d = 0;
            for (key, s) in self.tree.scan_prefix(&format!("{tag}:"))? {
                if key.ends_with(&me) || s.expires_ms <= now_ms {
                    continue;
                }
                if s.last_ms + 7 * DAY_MS >= now_ms {
                    others_7d += 1;
                }
                if s.last_ms + 30 * DAY_MS >= now_ms {
                    others_30d += 1;
                }
            }
            out.push(Seen { indicator: indicator.clone(), others_7d, others_30d });
            if !tlp.keeps_sightings() {
                continue;
            }
            let key = format!("{tag}:{me}");
            let previous = self.tree.get(&key)?;
            let value = tlp.exportable_within(Tlp::Amber).then(|| sealer.keep(indicator, true));
            let sighting = Sighting {
                // The most restrictive label a submitter gave it holds.
                tlp: previous.as_ref().map_or(tlp, |p| p.tlp.max(tlp)),
                first_ms: previous.as_ref().map_or(now_ms, |p| p.first_ms),
                last_ms: now_ms,
                expires_ms: now_ms + ttl_ms,
                signatures: previous.as_ref().map_or(0, |p| p.signatures) | sigs,
                value: if previous.as_ref().is_some_and(|p| p.tlp.max(tlp) > Tlp::Amber) { None } else { value },
            };
            self.tree.insert(&key, &sighting)?;
        }
        Ok(out)
    }

    /// Drops expired sightings.
    pub fn purge(&self, now_ms: u64) -> Result<usize, StoreError> {
        self.tree.retain(|s| s.expires_ms > now_ms)
    }

    /// Indicators shared at `ceiling` or below, one per indicator, with the
    /// least restrictive label any submitter gave (each share is its own permission).
    pub fn export(&self, sealer: &Sealer, ceiling: Tlp, now_ms: u64) -> Result<Vec<Exported>, StoreError> {
        let mut by_tag: BTreeMap<String, (Exported, BTreeSet<String>)> = BTreeMap::new();
        for (key, s) in self.tree.entries()? {
            if s.expires_ms <= now_ms || !s.tlp.exportable_within(ceiling) {
                continue;
            }
            let Some(sealed) = &s.value else { continue };
            let Ok(value) = sealer.open(sealed) else { continue };
            let (tag, submitter) = key.split_once(':').unwrap_or((&key, ""));
            let entry = by_tag.entry(tag.to_string()).or_insert_with(|| {
                (
                    Exported {
                        value,
                        tlp: s.tlp,
                        first_ms: s.first_ms,
                        last_ms: s.last_ms,
                        reporters: 0,
                        signatures: 0,
                    },
                    BTreeSet::new(),
                )
            });
            entry.0.tlp = entry.0.tlp.min(s.tlp);
            entry.0.first_ms = entry.0.first_ms.min(s.first_ms);
            entry.0.last_ms = entry.0.last_ms.max(s.last_ms);
            entry.0.signatures |= s.signatures;
            entry.1.insert(submitter.to_string());
        }
        let mut out: Vec<Exported> = by_tag
            .into_values()
            .map(|(mut e, who)| {
                e.reporters = who.len();
                e
            })
            .collect();
        out.sort_by(|a, b| b.reporters.cmp(&a.reporters).then(a.value.cmp(&b.value)));
        Ok(out)
    }

    pub fn len(&self) -> usize {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Store, Keyed, Sealer, Sightings) {
        let store = Store::temporary().unwrap();
        let s = Sightings::open(&store).unwrap();
        (store, Keyed::from_key([3; 32]), Sealer::random(), s)
    }

    #[test]
    fn other_submitters_are_counted_and_red_keeps_nothing() {
        let (store, k, sealer, s) = setup();
        let ip = vec![("203.0.113.5".to_string(), 1)];
        let seen = s.report(&k, &sealer, "@alice:x", &ip, Tlp::Amber, 1000, 90 * DAY_MS).unwrap();
        assert_eq!((seen[0].others_7d, seen[0].others_30d), (0, 0));
        // alice again: still nobody else.
        let seen = s.report(&k, &sealer, "@alice:x", &ip, Tlp::Amber, 2000, 90 * DAY_MS).unwrap();
        assert_eq!(seen[0].others_7d, 0);
        // bob sees alice's.
        let seen = s.report(&k, &sealer, "@bob:x", &ip, Tlp::Green, 3000, 90 * DAY_MS).unwrap();
        assert_eq!((seen[0].others_7d, seen[0].others_30d), (1, 1));
        // carol at TLP:RED learns about both and leaves nothing.
        let before = s.len();
        let seen = s.report(&k, &sealer, "@carol:x", &ip, Tlp::Red, 4000, 90 * DAY_MS).unwrap();
        assert_eq!(seen[0].others_7d, 2);
        assert_eq!(s.len(), before);
        // Ten days later alice's sighting counts for 30 days, not 7.
        let later = 3000 + 10 * DAY_MS;
        let seen = s.report(&k, &sealer, "@dave:x", &ip, Tlp::Amber, later, 90 * DAY_MS).unwrap();
        assert_eq!((seen[0].others_7d, seen[0].others_30d), (0, 2));
        // Nothing on disk names the address.
        let dump = serde_json::to_string(&store.export().unwrap()).unwrap();
        assert!(!dump.contains("203.0.113"), "{dump}");
    }

    #[test]
    fn expiry_and_export_levels() {
        let (_store, k, sealer, s) = setup();
        let one = |v: &str| vec![(v.to_string(), 0)];
        s.report(&k, &sealer, "@a:x", &one("192.0.2.1"), Tlp::Green, 0, 10 * DAY_MS).unwrap();
        s.report(&k, &sealer, "@a:x", &one("192.0.2.2"), Tlp::Amber, 0, 90 * DAY_MS).unwrap();
        s.report(&k, &sealer, "@a:x", &one("192.0.2.3"), Tlp::AmberStrict, 0, 90 * DAY_MS).unwrap();
        s.report(&k, &sealer, "@b:x", &one("192.0.2.2"), Tlp::Clear, 0, 90 * DAY_MS).unwrap();
        let values = |ceiling, now| -> Vec<String> {
            s.export(&sealer, ceiling, now).unwrap().into_iter().map(|e| e.value).collect()
        };
        assert_eq!(values(Tlp::Green, 1), vec!["192.0.2.1", "192.0.2.2"]);
        assert_eq!(values(Tlp::Amber, 1), vec!["192.0.2.2", "192.0.2.1"]);
        assert_eq!(values(Tlp::Clear, 1), vec!["192.0.2.2"]);
        // After ten days the GREEN one has expired.
        assert_eq!(values(Tlp::Green, 11 * DAY_MS), vec!["192.0.2.2"]);
        assert_eq!(s.purge(11 * DAY_MS).unwrap(), 1);
    }
}
