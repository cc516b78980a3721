//! The outbox: effects committed in the same transaction as the event that
//! caused them, and carried out afterwards by the executor.
//!
//! A handler's effects are staged here inside the event's unit of work (see
//! `store::unit`), so they exist if and only if the event's state changes and
//! its processed mark do. The executor drains the outbox lane by lane: a lane
//! is the room the cause happened in (or a scheduled job), so the answers in
//! one room keep their order, and "done" is posted after what it reports.
//! An entry is removed only once it was carried out or failed for good; its
//! transaction ID is deterministic, so a send repeated after a crash is
//! deduplicated by the homeserver.
//!
//! Effects with outside data (an evidence lookup, `!feed test`) are requests:
//! their result is put in the inbox in the same commit that removes them, and
//! reaches the owning service like any other event.
//!
//! Each cause's effects form a batch. When the batch's last effect is done,
//! any that failed for good are reported once: to the person who asked and
//! to the moderators ("banned in 20 of 21 rooms; not in X: reason").
//!
//! Effects are sealed at rest, like the inbox: a log summary bound for the
//! encrypted room is as secret as the log.

use crate::effects::Effect;
use crate::store::{Sealer, Store, StoreError, Text, Tree};
use serde::{Deserialize, Serialize};

/// What caused a batch of effects, and who is told if part of it fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    /// The event ID, or a scheduled job's key (`expire:…`, `feed:…`).
    pub key: String,
    /// The lane: effects of one lane are carried out in order.
    pub lane: String,
    /// Where the person who asked can be answered, and who they are.
    pub asked_in: Option<(String, String)>,
}

impl Cause {
    /// A member's event in a room: answered there.
    pub fn event(room_id: &str, event_id: &str, sender: &str) -> Cause {
        Cause {
            key: event_id.to_string(),
            lane: room_id.to_string(),
            asked_in: Some((room_id.to_string(), sender.to_string())),
        }
    }

    /// The bot's own work (an expiry, a feed post, a reminder): nobody to
    /// answer but the moderators.
    pub fn job(key: &str, lane: &str) -> Cause {
        Cause { key: key.to_string(), lane: lane.to_string(), asked_in: None }
    }
}

/// One effect waiting to be carried out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub lane: String,
    pub batch: String,
    /// The effect as JSON, sealed.
    pub effect: Text,
}

/// An effect that failed for good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: String,
    pub room: String,
    pub reason: String,
}

/// What a batch did so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub cause: Cause,
    pub remaining: u32,
    /// Effect kind → how many of that kind the batch has.
    pub totals: Vec<(String, u32)>,
    pub failures: Vec<Failure>,
    /// Failures are reported (not for the reports themselves).
    pub report: bool,
}

impl Batch {
    /// Per kind with failures: how many there were, and which failed.
    pub fn by_kind(&self) -> Vec<(String, u32, Vec<Failure>)> {
        self.totals
            .iter()
            .filter_map(|(kind, total)| {
                let failed: Vec<Failure> = self.failures.iter().filter(|f| &f.kind == kind).cloned().collect();
                (!failed.is_empty()).then(|| (kind.clone(), *total, failed))
            })
            .collect()
    }
}

#[derive(Clone)]
pub struct Outbox {
    entries: Tree<Entry>,
    batches: Tree<Batch>,
    store: Store,
    sealer: Sealer,
}

impl Outbox {
    pub fn open(store: &Store, sealer: Sealer) -> Result<Outbox, StoreError> {
        Ok(Outbox {
            entries: store.tree("outbox")?,
            batches: store.tree("outbox_batches")?,
            store: store.clone(),
            sealer,
        })
    }

    /// Stages a cause's effects, in order (call inside the cause's unit).
    pub fn stage(&self, cause: &Cause, effects: &[Effect]) -> Result<(), StoreError> {
        self.stage_batch(cause, effects, true)
    }

    /// Stages a failure report (whose own failures are not reported again).
    pub fn stage_report(&self, cause: &Cause, effects: &[Effect]) -> Result<(), StoreError> {
        self.stage_batch(cause, effects, false)
    }

    fn stage_batch(&self, cause: &Cause, effects: &[Effect], report: bool) -> Result<(), StoreError> {
        if effects.is_empty() {
            return Ok(());
        }
        // sled's IDs increase across restarts: keys sort in commit order.
        let first = self.store.generate_id()?;
        let batch = format!("{first:020}");
        let mut totals: Vec<(String, u32)> = Vec::new();
        for (i, effect) in effects.iter().enumerate() {
            let json = serde_json::to_string(effect).map_err(|e| StoreError::Encode(e.to_string()))?;
            let seq = if i == 0 { first } else { self.store.generate_id()? };
            // A lookup may take seconds: it gets a lane of its own rather
            // than holding up the answers in its cause's room.
            let lane = if effect.is_request() { format!("request:{seq}") } else { cause.lane.clone() };
            let entry = Entry { lane, batch: batch.clone(), effect: self.sealer.keep(&json, true) };
            self.entries.insert(&format!("{seq:020}"), &entry)?;
            let kind = effect.kind().to_string();
            match totals.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => totals.push((kind, 1)),
            }
        }
        let remaining = u32::try_from(effects.len()).unwrap_or(u32::MAX);
        self.batches.insert(&batch, &Batch { cause: cause.clone(), remaining, totals, failures: Vec::new(), report })
    }

    /// Every waiting entry, oldest first.
    pub fn pending(&self) -> Result<Vec<(String, Entry)>, StoreError> {
        self.entries.entries()
    }

    /// The oldest waiting entry of a lane.
    pub fn next_in(&self, lane: &str) -> Result<Option<(String, Entry)>, StoreError> {
        Ok(self.entries.entries()?.into_iter().find(|(_, e)| e.lane == lane))
    }

    /// The effect an entry holds; `None` if it cannot be opened (it is then
    /// finished as a failure: it can never be carried out).
    pub fn effect(&self, entry: &Entry) -> Option<Effect> {
        let json = self.sealer.open(&entry.effect).ok()?;
        serde_json::from_str(&json).ok()
    }

    pub fn batch(&self, batch: &str) -> Result<Option<Batch>, StoreError> {
        self.batches.get(batch)
    }

    /// An entry was carried out (`failed: None`) or failed for good; call
    /// inside a unit. Returns the batch if this was its last effect and
    /// something in it failed, so the caller stages the report.
    pub fn finish(&self, key: &str, entry: &Entry, failed: Option<Failure>) -> Result<Option<Batch>, StoreError> {
        self.entries.remove(key)?;
        let Some(mut batch) = self.batches.get(&entry.batch)? else { return Ok(None) };
        batch.failures.extend(failed);
        batch.remaining = batch.remaining.saturating_sub(1);
        if batch.remaining > 0 {
            self.batches.insert(&entry.batch, &batch)?;
            return Ok(None);
        }
        self.batches.remove(&entry.batch)?;
        Ok((batch.report && !batch.failures.is_empty()).then_some(batch))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::{Effect, MemberAction, Provenance};
    use crate::i18n::Reply;

    fn outbox(store: &Store) -> Outbox {
        Outbox::open(store, Sealer::from_key([3; 32])).unwrap()
    }

    fn ban(room: &str) -> Effect {
        Effect::Membership {
            room_id: room.into(),
            user: "@spam:x".into(),
            action: MemberAction::Ban,
            reason: None,
            provenance: Provenance::clear("!mods:x"),
        }
    }

    fn reply(text: &str) -> Effect {
        Effect::Reply {
            room_id: "!mods:x".into(),
            in_reply_to: "$cmd".into(),
            mention: None,
            reply: Reply::text(text),
            provenance: Provenance::clear("!mods:x"),
            txn_id: "t".into(),
        }
    }

    #[test]
    fn staged_effects_exist_only_once_committed_and_keep_their_order() {
        let store = Store::temporary().unwrap();
        let o = outbox(&store);
        let cause = Cause::event("!mods:x", "$cmd", "@mod:x");
        let (r, changes) = store.unit(|| o.stage(&cause, &[ban("!a:x"), ban("!b:x"), reply("secret-canary")]));
        r.unwrap();
        assert!(o.is_empty(), "nothing before the commit");
        store.commit(changes).unwrap();
        let effects: Vec<Effect> = o.pending().unwrap().iter().map(|(_, e)| o.effect(e).unwrap()).collect();
        assert_eq!(effects, [ban("!a:x"), ban("!b:x"), reply("secret-canary")]);
        let raw = serde_json::to_string(&store.export().unwrap()).unwrap();
        assert!(!raw.contains("secret-canary"), "effects are sealed at rest");
        assert_eq!(o.next_in("!mods:x").unwrap().unwrap().0, o.pending().unwrap()[0].0);
        assert!(o.next_in("!other:x").unwrap().is_none());
    }

    #[test]
    fn a_batch_reports_its_failures_once_after_its_last_effect() {
        let store = Store::temporary().unwrap();
        let o = outbox(&store);
        let cause = Cause::event("!mods:x", "$cmd", "@mod:x");
        store.atomically(|| o.stage(&cause, &[ban("!a:x"), ban("!b:x"), ban("!c:x"), reply("done")])).unwrap();
        let pending = o.pending().unwrap();
        let fail = |room: &str| Failure { kind: "ban".into(), room: room.into(), reason: "M_FORBIDDEN".into() };
        let mut reports = Vec::new();
        for (i, (key, entry)) in pending.iter().enumerate() {
            let failed = (i == 1).then(|| fail("!b:x"));
            reports.push(store.atomically(|| o.finish(key, entry, failed.clone())).unwrap());
        }
        assert_eq!(reports[..3], [None, None, None]);
        let last = reports[3].clone().expect("the last effect reports the failure");
        assert_eq!(last.by_kind(), vec![("ban".to_string(), 3, vec![fail("!b:x")])]);
        assert_eq!(last.cause, cause);
        assert!(o.is_empty());
        assert!(o.batch(&pending[0].1.batch).unwrap().is_none());
    }

    #[test]
    fn reports_do_not_report_themselves() {
        let store = Store::temporary().unwrap();
        let o = outbox(&store);
        store.atomically(|| o.stage_report(&Cause::job("report:1", "!mods:x"), &[reply("x")])).unwrap();
        let (key, entry) = o.pending().unwrap().remove(0);
        let failed = Failure { kind: "reply".into(), room: "!mods:x".into(), reason: "down".into() };
        assert_eq!(store.atomically(|| o.finish(&key, &entry, Some(failed))).unwrap(), None);
    }
}
