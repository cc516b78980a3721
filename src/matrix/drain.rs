//! Drains the outbox: every committed effect is carried out, once, in order
//! within its lane, retried while the homeserver is unreachable.
//!
//! One task per lane with work waiting; lanes run side by side, so a slow
//! room (or a lookup that takes seconds) does not hold up the others. A
//! transient failure (no answer, 5xx, 429) is retried with the same
//! transaction ID, backing off to `MAX_DELAY`, for up to `GIVE_UP`: a
//! homeserver that is down for a minute loses nothing. A refusal is final:
//! the entry is finished as failed, and when its batch is done the failures
//! are reported once (see `pipeline::outbox`). Requests for outside data are
//! carried out here and their result goes to the inbox in the same commit
//! that removes them.

use super::executor::Executor;
use super::intake::Work;
use crate::config::purpose::Purpose;
use crate::effects::{Effect, Provenance, txn_id};
use crate::i18n::Locale;
use crate::metrics::Metrics;
use crate::pipeline::inbox::{Inbox, Queued};
use crate::pipeline::outbox::{Batch, Cause, Entry, Failure, Outbox};
use crate::space::directory::Directory;
use crate::store::{Store, StoreError};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// The longest wait between two tries of a transient failure.
const MAX_DELAY: Duration = Duration::from_secs(15);
/// How long a transient failure is retried before it counts as final.
const GIVE_UP: Duration = Duration::from_secs(3600);
/// How often the outbox is looked at without a wake-up (entries left by a
/// crash, a lane that finished while new work came).
const IDLE_LOOK: Duration = Duration::from_secs(5);

/// What a request needs to reach the outside.
#[derive(Clone)]
pub struct Outside {
    pub evidence: crate::fetch::Limits,
    pub feed_client: reqwest::Client,
    pub feed_limits: crate::fetch::Limits,
}

pub struct Drainer {
    pub store: Store,
    pub outbox: Outbox,
    pub inbox: Inbox,
    pub executor: Executor,
    pub directory: Directory,
    pub locale: Locale,
    pub outside: Outside,
    pub metrics: Arc<Metrics>,
    /// Wakes the worker when a request's result is in the inbox.
    pub worker: mpsc::UnboundedSender<Work>,
    /// Wakes this drainer after a commit staged effects.
    pub wake: Arc<Notify>,
    active: Mutex<HashSet<String>>,
}

/// How carrying out one entry ended.
enum Done {
    Carried,
    /// A request's result, and the room it is about (if any).
    Result(Queued, Option<String>),
    Failed(Failure),
}

impl Drainer {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        outbox: Outbox,
        inbox: Inbox,
        executor: Executor,
        directory: Directory,
        locale: Locale,
        outside: Outside,
        metrics: Arc<Metrics>,
        worker: mpsc::UnboundedSender<Work>,
        wake: Arc<Notify>,
    ) -> Drainer {
        Drainer {
            store,
            outbox,
            inbox,
            executor,
            directory,
            locale,
            outside,
            metrics,
            worker,
            wake,
            active: Mutex::new(HashSet::new()),
        }
    }

    /// Starts a task for every lane with work and none running, whenever
    /// woken (and every `IDLE_LOOK`).
    pub async fn run(self: Arc<Self>) {
        loop {
            self.start_lanes();
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(IDLE_LOOK) => {}
            }
        }
    }

    fn start_lanes(self: &Arc<Self>) {
        let pending = match self.outbox.pending() {
            Ok(p) => {
                self.metrics.outbox_pending.store(p.len() as u64, std::sync::atomic::Ordering::Relaxed);
                p
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                return;
            }
        };
        for (_, entry) in pending {
            let Ok(mut active) = self.active.lock() else { return };
            if active.insert(entry.lane.clone()) {
                drop(active);
                tokio::spawn(self.clone().lane(entry.lane));
            }
        }
    }

    /// Carries out a lane's entries in order until it has none.
    async fn lane(self: Arc<Self>, lane: String) {
        loop {
            let next = match self.outbox.next_in(&lane) {
                Ok(n) => n,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the outbox");
                    None
                }
            };
            let Some((key, entry)) = next else { break };
            let done = match self.outbox.effect(&entry) {
                Some(effect) => self.carry_out(&key, &effect).await,
                None => Done::Failed(Failure {
                    kind: "message".into(),
                    room: lane.clone(),
                    reason: "the queued effect cannot be read".into(),
                }),
            };
            if let Err(e) = self.finish(&key, &entry, done) {
                tracing::error!(error = %e, "cannot record a carried-out effect; stopping this lane");
                break;
            }
        }
        if let Ok(mut active) = self.active.lock() {
            active.remove(&lane);
        }
        // Work staged for this lane while it was finishing is picked up.
        self.wake.notify_one();
    }

    async fn carry_out(&self, key: &str, effect: &Effect) -> Done {
        if let Some(result) = self.request(effect).await {
            return Done::Result(result, effect.target_room().map(str::to_string));
        }
        let started = Instant::now();
        let mut delay = Duration::from_millis(500);
        loop {
            match self.executor.execute(effect).await {
                Ok(()) => return Done::Carried,
                Err(e) if e.is_transient() && started.elapsed() < GIVE_UP => {
                    Metrics::inc(&self.metrics.effect_retries);
                    tracing::warn!(entry = key, room = effect.target_room().unwrap_or("direct"), error = %e, retry_in_ms = delay.as_millis() as u64, "effect not carried out yet; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(MAX_DELAY);
                }
                Err(e) => {
                    Metrics::inc(&self.metrics.effects_failed);
                    tracing::error!(entry = key, room = effect.target_room().unwrap_or("direct"), error = %e, "effect failed for good");
                    return Done::Failed(Failure {
                        kind: effect.kind().to_string(),
                        room: effect.target_room().unwrap_or_default().to_string(),
                        reason: e.to_string(),
                    });
                }
            }
        }
    }

    /// Asks the outside if the effect is a request; the answer, good or
    /// bad, is the result. `None` for every other effect.
    async fn request(&self, effect: &Effect) -> Option<Queued> {
        Some(match effect {
            Effect::CheckEvidence { referral, url } => {
                let result =
                    crate::fetch::evidence::lookup(url, &self.outside.evidence).await.map_err(|e| e.to_string());
                if let Err(e) = &result {
                    tracing::info!(referral, error = %e, "referral evidence could not be verified");
                }
                Queued::Evidence { referral: *referral, result }
            }
            Effect::FeedTest { spec, event_id, .. } => {
                let state = crate::feeds::poll::PollState::default();
                let (fetched, body) = crate::fetch::feed::fetch(
                    &self.outside.feed_client,
                    &spec.url,
                    &state,
                    &self.outside.feed_limits,
                    0,
                )
                .await;
                Queued::FeedTested {
                    spec: spec.clone(),
                    in_reply_to: event_id.clone(),
                    fetched,
                    body: body.map(hex::encode),
                }
            }
            _ => return None,
        })
    }

    /// Removes the entry, and in the same commit puts a request's result in
    /// the inbox or stages the batch's failure report.
    fn finish(&self, key: &str, entry: &Entry, done: Done) -> Result<(), StoreError> {
        let mut result_queued = false;
        self.store.atomically(|| {
            let failed = match done {
                Done::Carried => None,
                Done::Failed(f) => Some(f),
                Done::Result(q, room) => {
                    let room = room.as_deref().unwrap_or(&entry.lane);
                    self.inbox.push_result(room, &format!("request:{key}"), &q)?;
                    result_queued = true;
                    None
                }
            };
            if let Some(batch) = self.outbox.finish(key, entry, failed)? {
                let (cause, report) = self.report(&batch);
                self.outbox.stage_report(&cause, &report)?;
            }
            Ok::<_, StoreError>(())
        })?;
        self.metrics.outbox_pending.store(self.outbox.len() as u64, std::sync::atomic::Ordering::Relaxed);
        if result_queued {
            let _ = self.worker.send(Work::Inbox);
        }
        Ok(())
    }

    /// The report of a batch that did not all happen: to whoever asked, and
    /// to the moderators.
    fn report(&self, batch: &Batch) -> (Cause, Vec<Effect>) {
        let name = |room: &str| self.directory.room(room).map(|r| r.name.clone()).unwrap_or_else(|| room.to_string());
        let reply = crate::pipeline::messages::not_all_done(self.locale, &batch.by_kind(), &name);
        let cause = &batch.cause;
        let mut effects = Vec::new();
        if let Some((room, sender)) = &cause.asked_in {
            effects.push(Effect::Reply {
                room_id: room.clone(),
                in_reply_to: cause.key.clone(),
                mention: Some(sender.clone()),
                reply: reply.clone(),
                provenance: Provenance::clear(room),
                txn_id: txn_id(&cause.key, "not-all-done"),
            });
        }
        if let Some(mods) = self.directory.room_for(Purpose::Moderators)
            && cause.asked_in.as_ref().is_none_or(|(room, _)| room != mods)
        {
            effects.push(Effect::Notice {
                room_id: mods.to_string(),
                mentions: Vec::new(),
                reply,
                provenance: Provenance::clear(mods),
                txn_id: txn_id(&cause.key, "not-all-done-mods"),
                thread: None,
                remember: None,
            });
        }
        (Cause::job(&format!("report:{}", cause.key), &cause.lane), effects)
    }
}
