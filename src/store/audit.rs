//! The append-only audit log: who did what to whom, why, and when.
//!
//! Entries are keyed by a monotonically increasing sequence number and there is
//! no API to change or delete one; a correction is a new entry. This is how the
//! community's habit of tracing admin actions in public is kept by the bot.

use super::StoreError;
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
    pub(super) db: sled::Db,
}

impl AuditLog {
    /// Appends an entry and returns its sequence number.
    pub fn append(&self, mut entry: AuditEntry) -> Result<u64, StoreError> {
        let seq = self.db.generate_id()?;
        entry.seq = seq;
        let bytes = serde_json::to_vec(&entry).map_err(|e| StoreError::Encode(e.to_string()))?;
        // compare_and_swap from "absent": an existing entry is never overwritten.
        self.tree
            .compare_and_swap(seq.to_be_bytes(), None as Option<&[u8]>, Some(bytes))?
            .map_err(|_| StoreError::Encode(format!("audit sequence {seq} already used")))?;
        Ok(seq)
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        self.tree
            .iter()
            .values()
            .map(|v| {
                let v = v?;
                serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt {
                    tree: "audit",
                    key: String::new(),
                    reason: e.to_string(),
                })
            })
            .collect()
    }
}
