//! The feeds the bot polls, with their polling state and counters, in sled.
//!
//! Feeds from the config file are (re)registered at every start and keep
//! their state (validators, seen-set, outage) across restarts and upgrades;
//! feeds added with `!feed add` live only here. A config feed removed from
//! the file stops being polled.

use super::FeedSpec;
use super::poll::PollState;
use crate::store::{Store, StoreError, Tree};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Config,
    Command { by: String },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub polls: u64,
    pub posted: u64,
    pub unmatched: u64,
    pub excluded: u64,
    pub below_cvss: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedRecord {
    pub spec: FeedSpec,
    pub origin: Origin,
    pub paused: bool,
    pub added_ms: u64,
    pub state: PollState,
    pub counts: Counts,
}

pub struct Registry {
    tree: Tree<FeedRecord>,
}

impl Registry {
    pub fn open(store: &Store) -> Result<Registry, StoreError> {
        Ok(Registry { tree: store.tree("feeds")? })
    }

    pub fn all(&self) -> Result<Vec<FeedRecord>, StoreError> {
        Ok(self.tree.entries()?.into_iter().map(|(_, f)| f).collect())
    }

    pub fn get(&self, id: &str) -> Result<Option<FeedRecord>, StoreError> {
        self.tree.get(id)
    }

    pub fn put(&self, f: &FeedRecord) -> Result<(), StoreError> {
        self.tree.insert(&f.spec.id, f)
    }

    pub fn remove(&self, id: &str) -> Result<(), StoreError> {
        self.tree.remove(id)
    }

    /// Registers the config's feeds (keeping the state of known ones) and
    /// drops config feeds no longer in the file. Returns (added, dropped).
    pub fn sync_config(&self, specs: &[FeedSpec], now_ms: u64) -> Result<(usize, usize), StoreError> {
        let mut added = 0;
        for spec in specs {
            match self.get(&spec.id)? {
                Some(mut f) => {
                    if f.spec != *spec {
                        f.spec = spec.clone();
                        self.put(&f)?;
                    }
                }
                None => {
                    added += 1;
                    self.put(&FeedRecord {
                        spec: spec.clone(),
                        origin: Origin::Config,
                        paused: false,
                        added_ms: now_ms,
                        state: PollState { next_poll_ms: now_ms, ..PollState::default() },
                        counts: Counts::default(),
                    })?;
                }
            }
        }
        let mut dropped = 0;
        for f in self.all()? {
            if f.origin == Origin::Config && !specs.iter().any(|s| s.id == f.spec.id) {
                self.remove(&f.spec.id)?;
                dropped += 1;
            }
        }
        Ok((added, dropped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_feeds_keep_their_state_and_leave_with_the_config() {
        let store = Store::temporary().unwrap();
        let reg = Registry::open(&store).unwrap();
        let a = FeedSpec::from_parts("https://a.example/feed", None, None, None, None, None).unwrap();
        let b = FeedSpec::from_parts("https://b.example/feed", None, Some("news"), Some("1h"), None, None).unwrap();
        assert_eq!(reg.sync_config(&[a.clone(), b.clone()], 5).unwrap(), (2, 0));
        let mut rec = reg.get(&a.id).unwrap().unwrap();
        rec.state.etag = Some("x".into());
        reg.put(&rec).unwrap();
        assert_eq!(reg.sync_config(std::slice::from_ref(&a), 6).unwrap(), (0, 1));
        assert_eq!(reg.get(&a.id).unwrap().unwrap().state.etag.as_deref(), Some("x"));
        assert!(!b.filter, "news feeds are not filtered by default");
    }
}
