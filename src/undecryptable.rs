//! Messages the bot could not decrypt: why, whether to wait for the key, whom
//! to tell, and which ones to pick up again when their room key arrives.
//!
//! A member whose command goes unanswered in an encrypted room cannot tell a
//! slow bot from one that never got the key. So the bot answers, without
//! content, that it could not read the message and what to do, once per
//! sender until it restarts. The event stays pending (room, sender and Megolm
//! session IDs only: nothing of the content), in sled so a restart keeps it,
//! and is handled once when its key arrives: late to-device delivery, or the
//! key backup after the crypto store was rebuilt.

use crate::store::{Store, StoreError, Tree};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Mutex;

/// Why a message could not be decrypted, as far as the bot knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The sender's client refused the key to the bot's device.
    Withheld(Withheld),
    /// No key for the session yet: it may still arrive.
    MissingKey,
    /// The bot has the session from a later message on (e.g. it joined after).
    UnknownIndex,
    /// The sender's device is not cross-signed by its owner, and the bot
    /// decrypts only cross-signed devices (`[encryption] decrypt_from`).
    SenderNotTrusted,
    /// Anything else (a damaged event, a mismatched key).
    Broken,
}

/// The `m.room_key.withheld` codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Withheld {
    /// `m.unverified`: the sender's client shares only with devices it verified.
    Unverified,
    /// `m.blacklisted`: the sender blocked the bot's device.
    Blacklisted,
    /// `m.unauthorised`, `m.unavailable`, `m.no_olm` and others.
    Other,
}

impl Reason {
    /// The label in `/metrics`.
    pub fn label(self) -> &'static str {
        match self {
            Reason::Withheld(Withheld::Unverified) => "withheld_unverified",
            Reason::Withheld(Withheld::Blacklisted) => "withheld_blacklisted",
            Reason::Withheld(Withheld::Other) => "withheld_other",
            Reason::MissingKey => "missing_key",
            Reason::UnknownIndex => "unknown_index",
            Reason::SenderNotTrusted => "sender_not_trusted",
            Reason::Broken => "broken",
        }
    }

    /// Whether waiting can help: the key may come by to-device or backup, or
    /// the sender's device keys may not have been fetched yet (a room key
    /// from a device the bot has not looked up is not trusted until it has).
    pub fn may_resolve(self) -> bool {
        matches!(self, Reason::MissingKey | Reason::UnknownIndex | Reason::SenderNotTrusted)
    }

    pub const ALL: [Reason; 7] = [
        Reason::Withheld(Withheld::Unverified),
        Reason::Withheld(Withheld::Blacklisted),
        Reason::Withheld(Withheld::Other),
        Reason::MissingKey,
        Reason::UnknownIndex,
        Reason::SenderNotTrusted,
        Reason::Broken,
    ];
}

/// An event waiting for its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub room_id: String,
    pub sender: String,
    pub session_id: String,
    pub since_ms: u64,
    pub reason: Reason,
}

/// Events waiting for keys (in sled), and the senders already told (in memory,
/// so a restart tells them again once).
pub struct Tracker {
    pending: Tree<Pending>,
    told: Mutex<HashSet<String>>,
}

/// Pending events older than this are given up (their sender was told).
pub const KEEP_PENDING_MS: u64 = 7 * 24 * 3_600_000;

impl Tracker {
    pub fn open(store: &Store) -> Result<Tracker, StoreError> {
        Ok(Tracker { pending: store.tree("undecryptable")?, told: Mutex::new(HashSet::new()) })
    }

    pub fn add(&self, event_id: &str, p: &Pending) -> Result<(), StoreError> {
        self.pending.insert(event_id, p)
    }

    pub fn get(&self, event_id: &str) -> Result<Option<Pending>, StoreError> {
        self.pending.get(event_id)
    }

    /// The pending events encrypted with one of `sessions` (room, session ID).
    pub fn waiting_for(&self, sessions: &[(String, String)]) -> Result<Vec<(String, Pending)>, StoreError> {
        Ok(self
            .pending
            .entries()?
            .into_iter()
            .filter(|(_, p)| sessions.iter().any(|(room, s)| *room == p.room_id && *s == p.session_id))
            .collect())
    }

    /// Every pending event, oldest first: retried at start.
    pub fn all(&self) -> Result<Vec<(String, Pending)>, StoreError> {
        let mut all = self.pending.entries()?;
        all.sort_by_key(|(_, p)| p.since_ms);
        Ok(all)
    }

    pub fn done(&self, event_id: &str) -> Result<(), StoreError> {
        self.pending.remove(event_id)
    }

    /// Whether `sender` is still to be told (true once per sender per run).
    pub fn first_for(&self, sender: &str) -> bool {
        self.told.lock().map(|mut t| t.insert(sender.to_string())).unwrap_or(false)
    }

    /// Drops events that waited longer than `KEEP_PENDING_MS`.
    pub fn prune(&self, now_ms: u64) -> Result<usize, StoreError> {
        self.pending.retain(|p| now_ms.saturating_sub(p.since_ms) < KEEP_PENDING_MS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(room: &str, session: &str, since_ms: u64) -> Pending {
        Pending {
            room_id: room.into(),
            sender: "@a:x".into(),
            session_id: session.into(),
            since_ms,
            reason: Reason::MissingKey,
        }
    }

    #[test]
    fn events_are_found_by_room_and_session_and_survive_reopening() {
        let store = Store::temporary().unwrap();
        let t = Tracker::open(&store).unwrap();
        t.add("$1", &pending("!r:x", "S1", 10)).unwrap();
        t.add("$2", &pending("!r:x", "S2", 5)).unwrap();
        t.add("$3", &pending("!other:x", "S1", 7)).unwrap();
        let found = t.waiting_for(&[("!r:x".into(), "S1".into())]).unwrap();
        assert_eq!(found.iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>(), ["$1"]);
        let t = Tracker::open(&store).unwrap();
        assert_eq!(t.all().unwrap().iter().map(|(e, _)| e.as_str()).collect::<Vec<_>>(), ["$2", "$3", "$1"]);
        t.done("$1").unwrap();
        assert!(t.waiting_for(&[("!r:x".into(), "S1".into())]).unwrap().is_empty());
    }

    #[test]
    fn each_sender_is_told_once_per_run() {
        let store = Store::temporary().unwrap();
        let t = Tracker::open(&store).unwrap();
        assert!(t.first_for("@a:x"));
        assert!(!t.first_for("@a:x"));
        assert!(t.first_for("@b:x"));
        assert!(Tracker::open(&store).unwrap().first_for("@a:x"), "a restart tells again");
    }

    #[test]
    fn old_events_are_given_up() {
        let store = Store::temporary().unwrap();
        let t = Tracker::open(&store).unwrap();
        t.add("$old", &pending("!r:x", "S", 0)).unwrap();
        t.add("$new", &pending("!r:x", "S", KEEP_PENDING_MS)).unwrap();
        assert_eq!(t.prune(KEEP_PENDING_MS + 1).unwrap(), 1);
        assert!(t.get("$old").unwrap().is_none());
        assert!(t.get("$new").unwrap().is_some());
    }

    #[test]
    fn withheld_keys_are_not_waited_for() {
        assert!(Reason::MissingKey.may_resolve());
        assert!(!Reason::Withheld(Withheld::Unverified).may_resolve());
        assert!(Reason::SenderNotTrusted.may_resolve());
        assert!(!Reason::Broken.may_resolve());
        let labels: HashSet<_> = Reason::ALL.iter().map(|r| r.label()).collect();
        assert_eq!(labels.len(), Reason::ALL.len());
    }
}
