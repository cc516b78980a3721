//! The worker: from the inbox to the domain services, each event acted on once.
//!
//! matrix-sdk decrypts events during sync; the handlers in `queue` keep them
//! in the sled inbox before the sync position after them is recorded, and
//! wake this worker, which handles the inbox in order. What the homeserver
//! must tell first (the sender's role, a referenced event, a download) is
//! looked up; then the domain service runs as a unit of work (`store::unit`),
//! and its state changes, its effects (the outbox), the event's processed
//! mark and the removal of its inbox entry are committed in one transaction.
//! The drainer (`drain`) carries the effects out. Scheduled work (expiries,
//! reminders, referral deadlines, feed posts) takes the same path.
//!
//! The worker's other jobs live beside it: `incoming` (events into typed
//! input), `jobs` (the scheduler), `lookups` (what the homeserver must tell
//! first), `shares` (logs and downloads) and `unreadable` (undecryptable
//! messages).

use super::as_api::AsApi;
use super::executor::Executor;
use super::incoming::Incoming;
use crate::clock::Clock;
use crate::commands::{self, Services};
use crate::config::Setup;
use crate::config::purpose::Purpose;
use crate::effects::Effect;
use crate::metrics::Metrics;
use crate::moderation::Recorder;
use crate::pipeline::inbox::{Inbox, Queued};
use crate::pipeline::outbox::{Cause, Outbox};
use crate::roles;
use crate::service::Request;
use crate::space::directory::Directory;
use crate::store::{Changes, StoreError};
use crate::store::{Sealer, Store};
use crate::undecryptable::Tracker;
use matrix_sdk::Client;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId, RoomId};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What the worker handles, in order.
#[derive(Debug)]
pub enum Work {
    /// New events are in the inbox.
    Inbox,
    /// A feed poll came back.
    FeedFetched { id: String, fetched: crate::feeds::poll::Fetched, body: Option<Vec<u8>> },
    /// Room keys arrived (room, session); `None`: some were missed, look at all.
    KeysArrived(Option<Vec<(String, String)>>),
    /// The wait for an undecryptable message's key is over.
    StillUndecryptable { event_id: String },
    /// A gap in a room's timeline was larger than the bot reads back.
    GapTooLarge { room_id: String, read: usize },
}

/// What handling one event (or one scheduled job) comes to: the state
/// changes staged by its unit, the effects to queue, and the mark to set.
#[derive(Default)]
pub struct Step {
    pub changes: Changes,
    pub effects: Vec<Effect>,
    pub cause: Option<Cause>,
    /// The event to mark handled (not set for an event still waiting for its key).
    pub mark: Option<String>,
}

impl Step {
    pub(super) fn effects(cause: Cause, effects: Vec<Effect>) -> Step {
        Step { changes: Changes::default(), effects, cause: Some(cause), mark: None }
    }
}

pub struct Worker {
    pub client: Client,
    pub api: AsApi,
    pub setup: Arc<Setup>,
    pub store: Store,
    pub sealer: Sealer,
    /// Keyed hashes for log sightings and pseudonyms.
    pub keyed: crate::store::Keyed,
    pub metrics: Arc<Metrics>,
    pub executor: Executor,
    pub clock: Clock,
    pub directory: Directory,
    pub space_id: OwnedRoomId,
    /// To feed results of background lookups back into the queue.
    pub tx: mpsc::UnboundedSender<Work>,
    /// Feeds being fetched right now (one fetch per feed at a time).
    pub in_flight: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
    pub feed_client: reqwest::Client,
    /// Messages waiting for their room keys.
    pub undecryptable: Arc<Tracker>,
    /// Events from sync, kept until handled.
    pub inbox: Inbox,
    /// Effects, committed with their cause, for the drainer.
    pub outbox: Outbox,
    /// Wakes the drainer after a commit.
    pub drain: Arc<tokio::sync::Notify>,
}

/// How often the worker looks for sanctions that ran out.
const SCHEDULER_TICK: Duration = Duration::from_secs(1);
impl Worker {
    /// Handles queued messages in order, and between them lifts sanctions
    /// whose time is up (deadlines are read from sled, so a restart loses none).
    pub async fn run(self, mut rx: mpsc::UnboundedReceiver<Work>) {
        let mut tick = tokio::time::interval(SCHEDULER_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                work = rx.recv() => match work {
                    Some(Work::Inbox) => self.drain_inbox().await,
                    Some(Work::GapTooLarge { room_id, read }) => self.gap_too_large(&room_id, read).await,
                    Some(Work::FeedFetched { id, fetched, body }) => self.feed_fetched(id, fetched, body).await,
                    Some(Work::KeysArrived(sessions)) => self.keys_arrived(sessions).await,
                    Some(Work::StillUndecryptable { event_id }) => self.still_undecryptable(&event_id).await,
                    None => return,
                },
                _ = tick.tick() => self.expire_due().await,
            }
        }
    }

    /// Handles every event in the inbox, oldest first; each is committed
    /// with its inbox entry's removal (a repeat after a crash is a no-op).
    pub(super) async fn drain_inbox(&self) {
        let pending = match self.inbox.pending() {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the inbox");
                return;
            }
        };
        for (key, entry, queued) in pending {
            let ids = (
                OwnedRoomId::try_from(entry.room_id.as_str()),
                OwnedEventId::try_from(entry.event_id.as_str()),
                OwnedUserId::try_from(entry.sender.as_str()),
            );
            let step = match (queued, ids) {
                (Queued::Reaction { target }, (Ok(room_id), Ok(event_id), Ok(sender))) => {
                    match OwnedEventId::try_from(target.as_str()) {
                        Ok(target) => self.reaction(room_id, event_id, sender, target).await,
                        Err(_) => Step::default(),
                    }
                }
                (Queued::Undecryptable { session_id, raw }, (Ok(room_id), Ok(event_id), Ok(sender))) => {
                    match serde_json::value::RawValue::from_string(raw).map(Raw::from_json) {
                        Ok(raw) => self.undecryptable(room_id, event_id, sender, session_id, raw).await,
                        Err(_) => Step::default(),
                    }
                }
                (Queued::Evidence { referral, result }, _) => self.evidence(&entry.room_id, &key, referral, result),
                (Queued::FeedTested { spec, in_reply_to, fetched, body }, _) => {
                    self.feed_tested(&entry.room_id, spec, &in_reply_to, fetched, body)
                }
                (q @ Queued::Message { .. }, _) => {
                    match Incoming::from_queued(&entry.room_id, &entry.event_id, &entry.sender, entry.encrypted, q) {
                        Some(msg) => self.handle(msg).await,
                        None => {
                            tracing::warn!(event = %entry.event_id, "an inbox message with bad IDs; dropped");
                            Step::default()
                        }
                    }
                }
                (_, _) => {
                    tracing::warn!(event = %entry.event_id, "an inbox event with bad IDs; dropped");
                    Step::default()
                }
            };
            self.commit(step, Some(&key));
        }
    }

    /// Commits a step: its state changes, its effects into the outbox, the
    /// event's processed mark and the removal of its inbox entry, in one
    /// transaction; then wakes the drainer. If the commit fails nothing of
    /// it happened, and the inbox entry is still there for the next try.
    pub(super) fn commit(&self, step: Step, inbox_key: Option<&str>) {
        let Step { changes, effects, cause, mark } = step;
        let now = self.clock.now_ms();
        let (staged, changes) = self.store.resume(changes, || {
            if let Some(cause) = &cause {
                self.outbox.stage(cause, &effects)?;
            }
            if let Some(event_id) = &mark {
                self.store.mark_processed(event_id, now)?;
            }
            if let Some(key) = inbox_key {
                self.inbox.done(key)?;
            }
            Ok::<_, StoreError>(())
        });
        let result = staged.and_then(|()| self.store.commit(changes));
        match result {
            Ok(()) if !effects.is_empty() => self.drain.notify_one(),
            Ok(()) => {}
            Err(e) => tracing::error!(error = %e, "cannot commit a handled event; it stays in the inbox"),
        }
    }

    /// A referral's evidence lookup came back: the referral service decides.
    pub(super) fn evidence(
        &self,
        lane: &str,
        key: &str,
        referral: u64,
        result: Result<crate::referral::evidence::Evidence, String>,
    ) -> Step {
        let rec = self.recorder();
        let (effects, changes) = self.store.unit(|| crate::referral::evidence_found(&rec, referral, result));
        match effects {
            Ok(effects) => {
                Step { changes, effects, cause: Some(Cause::job(&format!("evidence:{key}"), lane)), mark: None }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot record referral evidence");
                Step::default()
            }
        }
    }

    /// `!feed test`'s fetch came back: the feed service says what it found.
    pub(super) fn feed_tested(
        &self,
        room_id: &str,
        spec: crate::feeds::FeedSpec,
        in_reply_to: &str,
        fetched: crate::feeds::poll::Fetched,
        body: Option<String>,
    ) -> Step {
        let body = body.and_then(|b| hex::decode(b).ok());
        let reply = crate::feeds::service::test_result(
            self.setup.config.locale,
            &self.feed_settings(),
            &spec,
            &fetched,
            body.as_deref(),
        );
        let effect = Effect::Reply {
            room_id: room_id.to_string(),
            in_reply_to: in_reply_to.to_string(),
            mention: None,
            reply,
            provenance: crate::effects::Provenance::clear(room_id),
            txn_id: crate::effects::txn_id(in_reply_to, "feed-test"),
        };
        Step::effects(Cause::job(&format!("feed-test:{in_reply_to}"), room_id), vec![effect])
    }

    pub(super) fn recorder(&self) -> Recorder<'_> {
        Recorder {
            store: &self.store,
            dir: &self.directory,
            locale: self.setup.config.locale,
            now_ms: self.clock.now_ms(),
        }
    }

    /// A 👍 on a referral card is `!vouch <n>` by the reacting member.
    pub(super) async fn reaction(
        &self,
        room_id: OwnedRoomId,
        event_id: OwnedEventId,
        sender: OwnedUserId,
        target: OwnedEventId,
    ) -> Step {
        let card = match self.executor.remembered_as(target.as_str()) {
            Ok(key) => key.as_deref().and_then(crate::referral::card_number),
            Err(e) => {
                tracing::error!(error = %e, "cannot read remembered messages");
                None
            }
        };
        let Some(n) = card else {
            return Step::default();
        };
        let encrypted = self.client.get_room(&room_id).is_some_and(|r| r.encryption_state().is_encrypted());
        self.handle(Incoming {
            room_id,
            event_id,
            sender,
            body: String::new(),
            encrypted,
            reply_to: None,
            received: std::time::Instant::now(),
            attachment: None,
            typed: Some(commands::referral::Referral::vouch(n)),
        })
        .await
    }

    /// A message: a log share, a log in the wrong room, or a command. The
    /// step marks it handled whatever it was.
    pub(super) async fn handle(&self, msg: Incoming) -> Step {
        match self.store.processed_events.contains(msg.event_id.as_str()) {
            Ok(false) => {}
            Ok(true) => return Step::default(),
            Err(e) => {
                tracing::error!(error = %e, "cannot read handled-event marks; skipping event");
                return Step::default();
            }
        }
        Metrics::inc(&self.metrics.events_handled);
        let mut step = None;
        if let Some(purpose) = self.served(&msg.room_id).await {
            let is_command = msg.body.trim_start().starts_with(self.setup.config.command_prefix.as_str());
            step = match purpose {
                _ if msg.typed.is_some() => None,
                Some(Purpose::LogShare) if msg.encrypted => self.log_share(&msg).await,
                Some(_) if !msg.encrypted && !is_command => self.log_guard(&msg),
                _ => None,
            };
            if step.is_none() {
                step = self.handle_command(&msg, purpose).await;
            }
        }
        let mut step = step.unwrap_or_default();
        step.cause = Some(Cause::event(msg.room_id.as_str(), msg.event_id.as_str(), msg.sender.as_str()));
        step.mark = Some(msg.event_id.to_string());
        step
    }

    /// Whether the bot serves commands in this room: `Some(Some(p))` for a
    /// layout room, `Some(None)` for a direct chat with the bot.
    pub(super) async fn served(&self, room_id: &RoomId) -> Option<Option<crate::config::purpose::Purpose>> {
        if let Some(info) = self.directory.room(room_id.as_str()) {
            // Space and category rooms have no purpose and take no commands.
            return info.purpose.map(Some);
        }
        let room = self.client.get_room(room_id)?;
        let direct = room.joined_members_count() <= 2 && room.active_members_count() <= 2;
        direct.then_some(None)
    }

    /// The domain services over the worker's state, each with its settings.
    pub(super) fn services<'a>(&'a self, bot: &'a str) -> Services<'a> {
        let config = &self.setup.config;
        Services {
            layout: &self.setup.layout,
            moderation: crate::moderation::Service {
                store: &self.store,
                sealer: &self.sealer,
                directory: &self.directory,
                bot,
            },
            referral: crate::referral::Service {
                store: &self.store,
                sealer: &self.sealer,
                directory: &self.directory,
                bot,
                settings: &config.referrals,
                rules: &self.setup.rules,
            },
            tickets: crate::tickets::Service {
                store: &self.store,
                directory: &self.directory,
                settings: &config.tickets,
            },
            logs: crate::logs::Service {
                store: &self.store,
                sealer: &self.sealer,
                keyed: &self.keyed,
                settings: &config.logs,
            },
            feeds: crate::feeds::commands::Service { store: &self.store, directory: &self.directory },
        }
    }

    pub(super) async fn handle_command(
        &self,
        msg: &Incoming,
        purpose: Option<crate::config::purpose::Purpose>,
    ) -> Option<Step> {
        let config = &self.setup.config;
        if msg.typed.is_none() && !msg.body.trim_start().starts_with(config.command_prefix.as_str()) {
            return None;
        }
        let queued_us = msg.received.elapsed().as_micros();
        let role = roles::resolve(self.sender_facts(&msg.sender).await);
        let facts_us = msg.received.elapsed().as_micros();
        let lookups = self.lookups(msg).await;
        let bot = config.bot_user_id();
        let req = Request {
            sender: msg.sender.as_str(),
            role,
            room_id: msg.room_id.as_str(),
            purpose,
            event_id: msg.event_id.as_str(),
            encrypted: msg.encrypted,
            reply_to: msg.reply_to.as_ref().map(|e| e.as_str()),
            now_ms: self.clock.now_ms(),
            locale: config.locale,
            prefix: &config.command_prefix,
        };
        let services = self.services(bot.as_str());
        let cx = commands::Context { req, services: &services, lookups: &lookups };
        let (dispatched, changes) = self.store.unit(|| match &msg.typed {
            Some(command) => Some(commands::dispatch_typed(&cx, command.clone())),
            None => commands::dispatch(&cx, &msg.body),
        });
        let dispatched = dispatched?;
        // A handler that failed on the store keeps none of what it staged.
        let changes =
            if dispatched.outcome == commands::dispatch::Outcome::Failed { Changes::default() } else { changes };
        let name = dispatched.command.unwrap_or("unknown");
        self.metrics.command(name, dispatched.outcome.as_str());
        // Room and event IDs only: message content may come from an encrypted room.
        tracing::info!(room = %msg.room_id, event = %msg.event_id, command = name, outcome = dispatched.outcome.as_str(), "command");
        let total = msg.received.elapsed();
        self.metrics.observe_command_latency(total);
        tracing::debug!(event = %msg.event_id, queued_us, facts_us, total_us = total.as_micros(), "command handled");
        Some(Step { changes, effects: dispatched.effects, cause: None, mark: None })
    }
}
