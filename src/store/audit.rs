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
    /// Cause key (event ID and index) → sequence number, so an event handled
    /// again after a crash does not log its actions twice.
    pub(super) causes: sled::Tree,
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

    /// Appends an entry unless one was already appended for `cause`; returns
    /// the entry as stored (with its sequence number) and whether it is new.
    /// Both trees change in one sled transaction.
    pub fn append_once(&self, cause: &str, entry: AuditEntry) -> Result<(AuditEntry, bool), StoreError> {
        use sled::Transactional;
        use sled::transaction::{ConflictableTransactionError, TransactionError};
        let result = (&self.tree, &self.causes).transaction(|(log, causes)| {
            if let Some(seq) = causes.get(cause.as_bytes())? {
                let stored = log
                    .get(seq)?
                    .ok_or_else(|| ConflictableTransactionError::Abort("audit cause without entry".into()))?;
                let e = serde_json::from_slice(&stored)
                    .map_err(|err| ConflictableTransactionError::Abort(err.to_string()))?;
                return Ok((e, false));
            }
            let mut e = entry.clone();
            e.seq = log.generate_id()?;
            let bytes = serde_json::to_vec(&e).map_err(|err| ConflictableTransactionError::Abort(err.to_string()))?;
            if log.get(e.seq.to_be_bytes())?.is_some() {
                return Err(ConflictableTransactionError::Abort(format!("audit sequence {} already used", e.seq)));
            }
            log.insert(&e.seq.to_be_bytes(), bytes)?;
            causes.insert(cause.as_bytes(), &e.seq.to_be_bytes())?;
            Ok((e, true))
        });
        match result {
            Ok(r) => Ok(r),
            Err(TransactionError::Abort(reason)) => Err(StoreError::Encode(reason)),
            Err(TransactionError::Storage(e)) => Err(e.into()),
        }
    }

    /// Entries for which `keep` says so, newest first, at most `limit`.
    pub fn recent(
        &self,
        limit: usize,
        mut keep: impl FnMut(&AuditEntry) -> bool,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut out = Vec::new();
        for v in self.tree.iter().values().rev() {
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
