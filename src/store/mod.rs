//! Community state in sled: typed trees behind one module, a schema version,
//! migrations, and a JSON export of everything.
//!
//! Everything the bot must remember across restarts lives here — which rooms
//! make up the Space, which events and appservice transactions were already
//! handled, the audit log. matrix-sdk keeps its own (encrypted) stores beside it.

mod audit;
mod keyed;
mod seal;
mod tree;
mod unit;

pub use audit::{AuditEntry, AuditLog};
pub use keyed::Keyed;
pub use seal::{SealError, Sealer, Text};
pub use tree::Tree;
pub use unit::Changes;

use crate::config::purpose::Purpose;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;
const SCHEMA_KEY: &str = "schema_version";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state database error: {0}")]
    Sled(#[from] sled::Error),
    #[error("state entry {tree}/{key} cannot be decoded: {reason}")]
    Corrupt { tree: &'static str, key: String, reason: String },
    #[error("cannot encode a state entry: {0}")]
    Encode(String),
    #[error(
        "the state database has schema version {found}, newer than this fedisec ({supported}); upgrade fedisec or restore a backup"
    )]
    TooNew { found: u32, supported: u32 },
}

/// What kind of node of the Space a room is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Space,
    Category,
    Room,
}

/// A room the bot created or adopted for a layout key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRecord {
    pub room_id: String,
    pub kind: NodeKind,
    pub purpose: Option<Purpose>,
    pub alias: String,
    /// Key of the parent node; `None` for the Space.
    pub parent: Option<String>,
}

#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    /// Tells this store's units apart from another store's (see `unit`).
    id: u64,
    /// Layout key → room.
    pub rooms: Tree<RoomRecord>,
    /// Matrix event ID → when it was handled (ms), so each event is acted on once.
    pub processed_events: Tree<u64>,
    /// Appservice transaction ID → when it was received (ms).
    pub as_transactions: Tree<u64>,
    pub audit: AuditLog,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::from_db(sled::Config::new().path(path).mode(sled::Mode::LowSpace).open()?)
    }

    /// A store in a temporary location: for tests, and for `space plan` while a
    /// running bot holds the real one.
    pub fn temporary() -> Result<Store, StoreError> {
        Store::from_db(sled::Config::new().temporary(true).open()?)
    }

    fn from_db(db: sled::Db) -> Result<Store, StoreError> {
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let id = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let store = Store {
            rooms: Tree::open(&db, id, "rooms")?,
            processed_events: Tree::open(&db, id, "processed_events")?,
            as_transactions: Tree::open(&db, id, "as_transactions")?,
            audit: AuditLog {
                tree: db.open_tree("audit")?,
                causes: db.open_tree("audit_causes")?,
                db: db.clone(),
                store: id,
            },
            db,
            id,
        };
        store.migrate()?;
        Ok(store)
    }

    /// A typed tree for a capability's own state (moderation, referrals, ...).
    pub fn tree<V: Serialize + serde::de::DeserializeOwned>(&self, name: &'static str) -> Result<Tree<V>, StoreError> {
        Tree::open(&self.db, self.id, name)
    }

    /// Runs `f` as a unit of work: the store writes it makes are staged, not
    /// applied; they come back as `Changes` for `commit` (see `unit`).
    pub fn unit<R>(&self, f: impl FnOnce() -> R) -> (R, Changes) {
        unit::run(self.id, unit::empty(self.id), f)
    }

    /// Continues a unit whose changes are not committed yet.
    pub fn resume<R>(&self, changes: Changes, f: impl FnOnce() -> R) -> (R, Changes) {
        unit::run(self.id, changes, f)
    }

    /// Applies a unit's changes in one transaction and flushes them to disk.
    pub fn commit(&self, changes: Changes) -> Result<(), StoreError> {
        unit::commit(changes)?;
        self.db.flush()?;
        Ok(())
    }

    /// Runs `f` as a unit and commits what it changed if it succeeded.
    pub fn atomically<R, E: From<StoreError>>(&self, f: impl FnOnce() -> Result<R, E>) -> Result<R, E> {
        let (result, changes) = self.unit(f);
        let value = result?;
        self.commit(changes)?;
        Ok(value)
    }

    /// An ID that increases across restarts (sled's), for ordering keys.
    pub fn generate_id(&self) -> Result<u64, StoreError> {
        Ok(self.db.generate_id()?)
    }

    /// The next number of a named counter (1, 2, 3, ...), e.g. case numbers.
    pub fn next_number(&self, counter: &str) -> Result<u64, StoreError> {
        unit::next_counter(self.id, &self.db, format!("counter:{counter}").as_bytes(), || Ok(0))
    }

    pub fn schema_version(&self) -> Result<Option<u32>, StoreError> {
        Ok(self.db.get(SCHEMA_KEY)?.and_then(|v| <[u8; 4]>::try_from(v.as_ref()).ok()).map(u32::from_be_bytes))
    }

    /// Brings an older database up to `SCHEMA_VERSION`, one step at a time.
    fn migrate(&self) -> Result<(), StoreError> {
        let found = self.schema_version()?;
        match found {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(StoreError::TooNew { found: v, supported: SCHEMA_VERSION });
            }
            Some(v) if v == SCHEMA_VERSION => return Ok(()),
            // Version 1 is the first schema: a fresh database needs no steps.
            // Later versions add `Some(1) => { ...; set 2 }` arms here.
            _ => {}
        }
        self.db.insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// Marks an event handled. Returns false if it already was. Inside a
    /// unit the mark is committed with the unit; outside, it is flushed.
    pub fn mark_processed(&self, event_id: &str, now_ms: u64) -> Result<bool, StoreError> {
        if self.processed_events.contains(event_id)? {
            return Ok(false);
        }
        self.processed_events.insert(event_id, &now_ms)?;
        if !unit::is_open(self.id) {
            self.db.flush()?;
        }
        Ok(true)
    }

    /// Forgets handled-event and transaction marks older than `keep_ms`; the sync
    /// token persisted by matrix-sdk never replays events that old.
    pub fn prune(&self, now_ms: u64, keep_ms: u64) -> Result<usize, StoreError> {
        let cutoff = now_ms.saturating_sub(keep_ms);
        Ok(self.processed_events.retain(|&at| at >= cutoff)? + self.as_transactions.retain(|&at| at >= cutoff)?)
    }

    /// The whole community state as one JSON document: every tree, key →
    /// value (all values are JSON), and the audit log as a list in order.
    pub fn export(&self) -> Result<serde_json::Value, StoreError> {
        let mut doc = serde_json::Map::new();
        doc.insert("schema_version".into(), serde_json::json!(self.schema_version()?));
        for name in self.db.tree_names() {
            let name = String::from_utf8_lossy(&name).into_owned();
            if name == "audit" || name == "audit_causes" || name.starts_with("__sled") {
                continue;
            }
            let tree = self.db.open_tree(&name)?;
            let mut map = serde_json::Map::new();
            for item in tree.iter() {
                let (k, v) = item?;
                let key = String::from_utf8_lossy(&k).into_owned();
                let value = serde_json::from_slice(&v).map_err(|e| StoreError::Corrupt {
                    tree: "export",
                    key: format!("{name}/{key}"),
                    reason: e.to_string(),
                })?;
                map.insert(key, value);
            }
            doc.insert(name, serde_json::Value::Object(map));
        }
        doc.insert(
            "audit".into(),
            serde_json::to_value(self.audit.entries()?).map_err(|e| StoreError::Encode(e.to_string()))?,
        );
        Ok(serde_json::Value::Object(doc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at_ms: 1,
            actor: "@bot:x".into(),
            action: action.into(),
            target: None,
            reason: None,
            case: None,
        }
    }

    #[test]
    fn fresh_store_gets_current_schema() {
        let store = Store::temporary().unwrap();
        assert_eq!(store.schema_version().unwrap(), Some(SCHEMA_VERSION));
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            store.db.insert(SCHEMA_KEY, &(SCHEMA_VERSION + 1).to_be_bytes()).unwrap();
            store.flush().unwrap();
        }
        match Store::open(dir.path()) {
            Err(StoreError::TooNew { found, .. }) => assert_eq!(found, SCHEMA_VERSION + 1),
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("a newer schema must be refused"),
        }
    }

    #[test]
    fn processed_marks_survive_reopen_and_are_once_only() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path()).unwrap();
            assert!(store.mark_processed("$a", 10).unwrap());
            assert!(!store.mark_processed("$a", 11).unwrap());
        }
        let store = Store::open(dir.path()).unwrap();
        assert!(store.processed_events.contains("$a").unwrap());
        assert_eq!(store.prune(100, 50).unwrap(), 1);
        assert!(!store.processed_events.contains("$a").unwrap());
    }

    #[test]
    fn audit_is_append_only_and_ordered() {
        let store = Store::temporary().unwrap();
        let a = store.audit.append(entry("one")).unwrap();
        let b = store.audit.append(entry("two")).unwrap();
        assert!(b > a);
        let actions: Vec<_> = store.audit.entries().unwrap().into_iter().map(|e| e.action).collect();
        assert_eq!(actions, ["one", "two"]);
    }

    #[test]
    fn corrupt_value_is_an_error_not_a_panic() {
        let store = Store::temporary().unwrap();
        store.rooms.tree.insert("space", b"{not json".to_vec()).unwrap();
        assert!(matches!(store.rooms.get("space"), Err(StoreError::Corrupt { tree: "rooms", .. })));
    }

    #[test]
    fn export_contains_every_tree() {
        let store = Store::temporary().unwrap();
        store
            .rooms
            .insert(
                "space",
                &RoomRecord {
                    room_id: "!s:x".into(),
                    kind: NodeKind::Space,
                    purpose: None,
                    alias: "fedisec_space".into(),
                    parent: None,
                },
            )
            .unwrap();
        store.mark_processed("$e", 5).unwrap();
        store.audit.append(entry("space.create")).unwrap();
        let json = store.export().unwrap();
        assert_eq!(json["schema_version"], 1);
        assert_eq!(json["rooms"]["space"]["room_id"], "!s:x");
        assert_eq!(json["processed_events"]["$e"], 5);
        assert_eq!(json["audit"][0]["action"], "space.create");
    }
}
