//! The inbox: every timeline event the bot acts on, in sled, before the sync
//! position after it is relied on.
//!
//! matrix-sdk stores its own sync token before it calls event handlers, so an
//! event that was only queued in memory is lost when the bot dies. The sync
//! handlers therefore write each event here, the sync loop flushes, and only
//! then records its own sync token (`SyncPosition`), from which every sync
//! starts. A crash at any instant either leaves the event here, or leaves the
//! old position, from which the homeserver sends it again. The worker is woken
//! only after that flush, takes entries in order (events read back over a gap
//! before the newer ones of the same sync) and removes each once it is
//! handled; the processed marks make a second delivery of the same event a
//! no-op.
//!
//! Every payload is sealed at rest: content from an encrypted room must be
//! (invariant 1), and a log pasted by mistake in a public room carries
//! secrets too, until the log guard takes it down. sled rewrites its files
//! lazily, so a removed entry's bytes could otherwise stay on disk.

use crate::store::{Sealer, Store, StoreError, Text, Tree};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// An event as the inbox keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub room_id: String,
    pub event_id: String,
    pub sender: String,
    pub encrypted: bool,
    /// The `Queued` payload as JSON, sealed.
    pub payload: Text,
}

/// What happened, with what the worker needs to act on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Queued {
    Message {
        body: String,
        reply_to: Option<String>,
        attachment: Option<StoredAttachment>,
    },
    /// A 👍 on a message.
    Reaction {
        target: String,
    },
    /// An event matrix-sdk could not decrypt: its ciphertext.
    Undecryptable {
        session_id: String,
        raw: String,
    },
    /// The answer to a referral's evidence lookup (a request in the outbox).
    Evidence {
        referral: u64,
        result: Result<crate::referral::evidence::Evidence, String>,
    },
    /// `!feed test`'s fetch came back (a request in the outbox): what to
    /// answer is the feed service's to say.
    FeedTested {
        spec: crate::feeds::FeedSpec,
        in_reply_to: String,
        fetched: crate::feeds::poll::Fetched,
        /// The body, hex-encoded.
        body: Option<String>,
    },
}

/// A file message's attachment, not yet downloaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredAttachment {
    /// matrix-sdk's `MediaSource`, as JSON.
    pub source: serde_json::Value,
    pub name: String,
    pub mime: Option<String>,
    pub size: Option<u64>,
}

/// The inbox tree, the current sync's batch and the next sequence number.
#[derive(Clone)]
pub struct Inbox {
    tree: Tree<Entry>,
    store: Store,
    sealer: Sealer,
    batch: Arc<AtomicU64>,
    next: Arc<AtomicU64>,
}

/// Where an event came from within one sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Read back over a gap: older than the sync's own timeline.
    ReadBack,
    /// The sync's own timeline.
    Timeline,
}

/// Keys sort by sync, then events read back before the sync's own timeline,
/// then arrival: the order in which the events were sent.
fn key(batch: u64, phase: Phase, n: u64) -> String {
    let p = match phase {
        Phase::ReadBack => 0,
        Phase::Timeline => 1,
    };
    format!("{batch:020}.{p}.{n:020}")
}

impl Inbox {
    pub fn open(store: &Store, sealer: Sealer) -> Result<Inbox, StoreError> {
        let tree: Tree<Entry> = store.tree("inbox")?;
        let last = tree.entries()?.last().and_then(|(k, _)| k.split('.').next()?.parse::<u64>().ok()).unwrap_or(0);
        Ok(Inbox {
            tree,
            store: store.clone(),
            sealer,
            batch: Arc::new(AtomicU64::new(last + 1)),
            next: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Starts the entries of a new sync (called before each sync).
    pub fn next_batch(&self) {
        self.batch.fetch_add(1, Ordering::SeqCst);
    }

    /// Keeps an event (not yet flushed: the sync loop flushes once per sync).
    /// An event already handled is not kept again.
    pub fn push(
        &self,
        phase: Phase,
        room_id: &str,
        event_id: &str,
        sender: &str,
        encrypted: bool,
        queued: &Queued,
    ) -> Result<bool, StoreError> {
        if self.store.processed_events.contains(event_id)? {
            return Ok(false);
        }
        self.keep(phase, room_id, event_id, sender, encrypted, queued)?;
        Ok(true)
    }

    /// Seals `queued` and keeps it after everything kept so far.
    fn keep(
        &self,
        phase: Phase,
        room_id: &str,
        event_id: &str,
        sender: &str,
        encrypted: bool,
        queued: &Queued,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(queued).map_err(|e| StoreError::Encode(e.to_string()))?;
        let entry = Entry {
            room_id: room_id.into(),
            event_id: event_id.into(),
            sender: sender.into(),
            encrypted,
            payload: self.sealer.keep(&json, true),
        };
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        self.tree.insert(&key(self.batch.load(Ordering::SeqCst), phase, n), &entry)
    }

    /// Keeps the result of a request under `id` (the outbox entry's key), in
    /// the unit that removes the request from the outbox.
    pub fn push_result(&self, room_id: &str, id: &str, queued: &Queued) -> Result<(), StoreError> {
        self.keep(Phase::Timeline, room_id, id, "", false, queued)
    }

    /// Every entry, oldest first, with what it holds; an entry that cannot be
    /// opened or read is dropped with an error in the log (it cannot be acted on).
    pub fn pending(&self) -> Result<Vec<(String, Entry, Queued)>, StoreError> {
        let mut out = Vec::new();
        for (k, entry) in self.tree.entries()? {
            let queued =
                self.sealer.open(&entry.payload).ok().and_then(|json| serde_json::from_str::<Queued>(&json).ok());
            match queued {
                Some(q) => out.push((k, entry, q)),
                None => {
                    tracing::error!(event = %entry.event_id, "an inbox entry cannot be read; dropped");
                    self.tree.remove(&k)?;
                }
            }
        }
        Ok(out)
    }

    /// The entry was handled.
    pub fn done(&self, key: &str) -> Result<(), StoreError> {
        self.tree.remove(key)
    }

    pub fn len(&self) -> usize {
        self.tree.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }
}

/// The bot's own sync position: advanced only after the events before it are
/// in the inbox and flushed.
#[derive(Clone)]
pub struct SyncPosition {
    tree: Tree<String>,
    store: Store,
}

impl SyncPosition {
    pub fn open(store: &Store) -> Result<SyncPosition, StoreError> {
        Ok(SyncPosition { tree: store.tree("sync")?, store: store.clone() })
    }

    pub fn get(&self) -> Result<Option<String>, StoreError> {
        self.tree.get("next_batch")
    }

    /// Flushes what the handlers wrote, then records the position after it.
    pub fn advance(&self, next_batch: &str) -> Result<(), StoreError> {
        self.store.flush()?;
        self.tree.insert("next_batch", &next_batch.to_string())?;
        self.store.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbox(store: &Store) -> Inbox {
        Inbox::open(store, Sealer::from_key([7; 32])).unwrap()
    }

    fn msg(body: &str) -> Queued {
        Queued::Message { body: body.into(), reply_to: None, attachment: None }
    }

    #[test]
    fn entries_come_back_in_order_and_survive_reopening() {
        let store = Store::temporary().unwrap();
        let a = inbox(&store);
        assert!(a.push(Phase::Timeline, "!r:x", "$1", "@a:x", false, &msg("!ping")).unwrap());
        assert!(a.push(Phase::Timeline, "!r:x", "$2", "@a:x", false, &msg("!help")).unwrap());
        let b = inbox(&store);
        assert!(b.push(Phase::Timeline, "!r:x", "$3", "@a:x", false, &msg("!tickets")).unwrap());
        let ids: Vec<String> = b.pending().unwrap().into_iter().map(|(_, e, _)| e.event_id).collect();
        assert_eq!(ids, ["$1", "$2", "$3"]);
        let (k, _, q) = b.pending().unwrap().remove(0);
        assert_eq!(q, msg("!ping"));
        b.done(&k).unwrap();
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn events_read_back_come_before_the_syncs_own() {
        let store = Store::temporary().unwrap();
        let a = inbox(&store);
        a.push(Phase::Timeline, "!r:x", "$old-sync", "@a:x", false, &msg("1")).unwrap();
        a.next_batch();
        a.push(Phase::Timeline, "!r:x", "$new", "@a:x", false, &msg("3")).unwrap();
        a.push(Phase::ReadBack, "!r:x", "$gap", "@a:x", false, &msg("2")).unwrap();
        let ids: Vec<String> = a.pending().unwrap().into_iter().map(|(_, e, _)| e.event_id).collect();
        assert_eq!(ids, ["$old-sync", "$gap", "$new"]);
        // A restart continues after the last batch.
        let b = inbox(&store);
        b.push(Phase::ReadBack, "!r:x", "$later", "@a:x", false, &msg("4")).unwrap();
        assert_eq!(b.pending().unwrap().last().unwrap().1.event_id, "$later");
    }

    #[test]
    fn handled_events_are_not_kept_again() {
        let store = Store::temporary().unwrap();
        store.mark_processed("$1", 1).unwrap();
        assert!(!inbox(&store).push(Phase::Timeline, "!r:x", "$1", "@a:x", false, &msg("!ping")).unwrap());
        assert!(inbox(&store).is_empty());
    }

    #[test]
    fn content_is_sealed_at_rest() {
        let store = Store::temporary().unwrap();
        let a = inbox(&store);
        a.push(Phase::Timeline, "!r:x", "$1", "@a:x", true, &msg("!log secret-canary")).unwrap();
        a.push(Phase::Timeline, "!lounge:x", "$2", "@a:x", false, &msg("access_token=public-canary")).unwrap();
        let raw = serde_json::to_string(&store.export().unwrap()).unwrap();
        assert!(!raw.contains("secret-canary") && !raw.contains("public-canary"), "{raw}");
        assert_eq!(a.pending().unwrap()[0].2, msg("!log secret-canary"));
        // Another key cannot open it: the entry is dropped, not acted on wrongly.
        let other = Inbox::open(&store, Sealer::from_key([8; 32])).unwrap();
        assert!(other.pending().unwrap().is_empty());
    }

    #[test]
    fn the_position_is_kept() {
        let store = Store::temporary().unwrap();
        let p = SyncPosition::open(&store).unwrap();
        assert_eq!(p.get().unwrap(), None);
        p.advance("s42").unwrap();
        assert_eq!(SyncPosition::open(&store).unwrap().get().unwrap().as_deref(), Some("s42"));
    }
}
