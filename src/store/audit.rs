//! The append-only audit log: who did what to whom, why, and when.
//!
//! Entries are keyed by a monotonically increasing sequence number and there is
//! no API to change or delete one; a correction is a new entry. This is how the
//! community's habit of tracing admin actions in public is kept by the bot.

use super::{StoreError, unit};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Sequence number, assigned on append.
    #[serde(default)]
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Matrix ID of whoever caused the action (the bot for its own decisions).
    pub actor: String,
    /// A dotted action name, e.g. `space.room.create`.
    pub action: String,
    pub target: Option<String>,
    pub reason: Option<String>,
    pub case: Option<u64>,
}

#[derive(Clone)]
pub struct AuditLog {
    pub(super) tree: sled::Tree,
    /// Cause key (event ID and index) → sequence number, so an event handled
    /// again after a crash does not log its actions twice.
    pub(super) causes: sled::Tree,
    pub(super) db: sled::Db,
    pub(super) store: u64,
}

impl AuditLog {
    /// Appends an entry and returns its sequence number.
    pub fn append(&self, mut entry: AuditEntry) -> Result<u64, StoreError> {
        let seq = self.next_seq()?;
        entry.seq = seq;
        let bytes = serde_json::to_vec(&entry).map_err(|e| StoreError::Encode(e.to_string()))?;
        // Sequence numbers are never reused: an existing entry is never overwritten.
        if unit::get(self.store, &self.tree, &seq.to_be_bytes())?.is_some() {
            return Err(StoreError::Encode(format!("audit sequence {seq} already used")));
        }
        unit::put(self.store, &self.tree, &seq.to_be_bytes(), Some(bytes))?;
        Ok(seq)
    }

    /// The next sequence number: a counter staged with the unit, so a unit
    /// that is retried after a crash numbers its entries as the first
    /// attempt would have (the number appears in the moderators' posts).
    /// A log written before the counter existed continues after its last entry.
    fn next_seq(&self) -> Result<u64, StoreError> {
        unit::next_counter(self.store, &self.db, b"counter:audit", || {
            Ok(match self.tree.last()? {
                Some((k, _)) => <[u8; 8]>::try_from(k.as_ref()).map(u64::from_be_bytes).unwrap_or(0),
                None => 0,
            })
        })
    }

    /// Appends an entry unless one was already appended for `cause`; returns
    /// the entry as stored (with its sequence number) and whether it is new.
    /// Inside a unit both trees change with the unit's commit.
    pub fn append_once(&self, cause: &str, entry: AuditEntry) -> Result<(AuditEntry, bool), StoreError> {
        if let Some(seq) = unit::get(self.store, &self.causes, cause.as_bytes())? {
            let stored = unit::get(self.store, &self.tree, &seq)?
                .ok_or_else(|| StoreError::Encode("audit cause without entry".into()))?;
            let e = serde_json::from_slice(&stored).map_err(|err| StoreError::Corrupt {
                tree: "audit",
                key: cause.to_string(),
                reason: err.to_string(),
            })?;
            return Ok((e, false));
        }
        let seq = self.append(entry.clone())?;
        unit::put(self.store, &self.causes, cause.as_bytes(), Some(seq.to_be_bytes().to_vec()))?;
        Ok((AuditEntry { seq, ..entry }, true))
    }

    /// Entries for which `keep` says so, newest first, at most `limit`.
    pub fn recent(
        &self,
        limit: usize,
        mut keep: impl FnMut(&AuditEntry) -> bool,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut out = Vec::new();
        // Newest first, read lazily: the log only grows. A unit's own
        // appends (if any) are merged in.
        let staged: Vec<Vec<u8>> = if unit::touched(self.store, &self.tree) {
            unit::scan(self.store, &self.tree, b"")?.into_iter().map(|(_, v)| v).rev().collect()
        } else {
            Vec::new()
        };
        let stored = self.tree.iter().values().rev().map(|v| v.map(|v| v.to_vec()));
        let all: Box<dyn Iterator<Item = Result<Vec<u8>, sled::Error>>> =
            if staged.is_empty() { Box::new(stored) } else { Box::new(staged.into_iter().map(Ok)) };
        for v in all {
            let e: AuditEntry = serde_json::from_slice(&v?).map_err(|e| StoreError::Corrupt {
                tree: "audit",
                key: String::new(),
                reason: e.to_string(),
            })?;
            if keep(&e) {
                out.push(e);
                if out.len() == limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        unit::scan(self.store, &self.tree, b"")?
            .into_iter()
            .map(|(_, v)| {
                serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt {
                    tree: "audit",
                    key: String::new(),
                    reason: e.to_string(),
                })
            })
            .collect()
    }
}
