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

use super::as_api::AsApi;
use super::executor::Executor;
use crate::clock::Clock;
use crate::commands::{self, Invocation, Lookups, Referenced};
use crate::config::Setup;
use crate::config::purpose::Purpose;
use crate::effects::Effect;
use crate::logs;
use crate::metrics::Metrics;
use crate::moderation::{Recorder, scheduler};
use crate::pipeline::inbox::{Inbox, Queued};
use crate::pipeline::outbox::{Cause, Outbox};
use crate::roles::{self, Role, SenderFacts};
use crate::space::directory::Directory;
use crate::store::{Changes, StoreError};
use crate::store::{Sealer, Store};
use crate::undecryptable::{self, Pending, Reason, Tracker};
use matrix_sdk::deserialized_responses::{TimelineEventKind, UnableToDecryptReason, WithheldCode};
use matrix_sdk::media::{MediaFormat, MediaRequestParameters};
use matrix_sdk::ruma::events::room::MediaSource;
use matrix_sdk::ruma::events::room::encrypted::OriginalSyncRoomEncryptedEvent;
use matrix_sdk::ruma::events::room::member::{MembershipState, StrippedRoomMemberEvent};
use matrix_sdk::ruma::events::room::message::{FileMessageEventContent, MessageType};
use matrix_sdk::ruma::events::room::power_levels::UserPowerLevel;
use matrix_sdk::ruma::events::{AnySyncMessageLikeEvent, AnySyncTimelineEvent};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId, RoomId, UserId};
use matrix_sdk::{Client, Room};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// A text message that may be a command.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub room_id: OwnedRoomId,
    pub event_id: OwnedEventId,
    pub sender: OwnedUserId,
    pub body: String,
    pub encrypted: bool,
    /// The event this message replies to.
    pub reply_to: Option<OwnedEventId>,
    /// When the sync handler saw it, to time the bot's own share of a round trip.
    pub received: std::time::Instant,
    /// A file message: where to download it (decrypted by matrix-sdk).
    pub attachment: Option<Attachment>,
    /// A command that came typed rather than as text (a 👍 on a referral
    /// card is a vouch); `body` is then empty.
    pub typed: Option<commands::grammar::Command>,
}

/// An attached file, not yet downloaded.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub source: MediaSource,
    pub name: String,
    pub mime: Option<String>,
    pub size: Option<u64>,
}

impl Attachment {
    fn of(file: &FileMessageEventContent) -> Attachment {
        Attachment {
            source: file.source.clone(),
            name: file.filename.clone().unwrap_or_else(|| file.body.clone()),
            mime: file.info.as_ref().and_then(|i| i.mimetype.clone()),
            size: file.info.as_ref().and_then(|i| i.size).map(u64::from),
        }
    }
}

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
    fn effects(cause: Cause, effects: Vec<Effect>) -> Step {
        Step { changes: Changes::default(), effects, cause: Some(cause), mark: None }
    }
}

/// A message decrypted after sync (its key came late), as the worker takes it.
fn incoming_decrypted(ev: &matrix_sdk::deserialized_responses::TimelineEvent, room_id: &RoomId) -> Option<Incoming> {
    use matrix_sdk::ruma::events::SyncMessageLikeEvent;
    match ev.raw().deserialize().ok()? {
        AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(SyncMessageLikeEvent::Original(m))) => {
            let q = super::queue::message(&m)?;
            Incoming::from_queued(room_id.as_str(), m.event_id.as_str(), m.sender.as_str(), true, q)
        }
        _ => None,
    }
}

impl Incoming {
    /// A message from the inbox; `None` if it is not a message or its IDs are bad.
    pub fn from_queued(room_id: &str, event_id: &str, sender: &str, encrypted: bool, q: Queued) -> Option<Incoming> {
        let Queued::Message { body, reply_to, attachment } = q else { return None };
        let attachment = match attachment {
            Some(a) => Some(Attachment {
                source: serde_json::from_value(a.source).ok()?,
                name: a.name,
                mime: a.mime,
                size: a.size,
            }),
            None => None,
        };
        Some(Incoming {
            room_id: OwnedRoomId::try_from(room_id).ok()?,
            event_id: OwnedEventId::try_from(event_id).ok()?,
            sender: OwnedUserId::try_from(sender).ok()?,
            body,
            encrypted,
            reply_to: match reply_to {
                Some(r) => Some(OwnedEventId::try_from(r.as_str()).ok()?),
                None => None,
            },
            received: std::time::Instant::now(),
            attachment,
            typed: None,
        })
    }
}

/// Older clients put a quote of the replied-to message before a reply's
/// text (`> <@a:x> text` lines, then a blank line); the command follows it.
pub fn strip_reply_fallback(body: &str) -> &str {
    if !body.starts_with("> ") {
        return body;
    }
    let mut rest = body;
    while let Some(line_end) = rest.find('\n') {
        let line = &rest[..line_end];
        if line.starts_with('>') {
            rest = &rest[line_end + 1..];
        } else {
            break;
        }
    }
    rest.trim_start_matches('\n')
}

/// Joins direct chats that members of the Space open with the bot; declines
/// invitations from anyone else (the bot only serves the community).
pub fn install_invites(client: &Client, space_id: OwnedRoomId) {
    client.add_event_handler(move |ev: StrippedRoomMemberEvent, room: Room, client: Client| {
        let space_id = space_id.clone();
        async move {
            if Some(ev.state_key.as_ref()) != client.user_id() || ev.content.membership != MembershipState::Invite {
                return;
            }
            let member = match client.get_room(&space_id) {
                Some(space) => space.get_member_no_sync(&ev.sender).await.ok().flatten(),
                None => None,
            };
            let from_member = member.is_some_and(|m| *m.membership() == MembershipState::Join);
            let direct = ev.content.is_direct == Some(true);
            let result = if from_member && direct { room.join().await } else { room.leave().await };
            match result {
                Ok(()) => {
                    tracing::info!(room = %room.room_id(), joined = from_member && direct, "answered an invitation")
                }
                Err(e) => tracing::warn!(room = %room.room_id(), error = %e, "cannot answer an invitation"),
            }
        }
    });
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

/// How long a message whose key is missing waits (for a late to-device
/// message or the key backup) before its sender is told.
const KEY_GRACE: Duration = Duration::from_secs(5);

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
    async fn drain_inbox(&self) {
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
    fn commit(&self, step: Step, inbox_key: Option<&str>) -> bool {
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
            Ok(()) => {
                if !effects.is_empty() {
                    self.drain.notify_one();
                }
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot commit a handled event; it stays in the inbox");
                false
            }
        }
    }

    /// Runs a scheduled job as a unit and commits what it changed with the
    /// effects it returned; a job that fails leaves nothing behind.
    fn job(&self, cause: Cause, what: &str, f: impl FnOnce() -> Result<Vec<Effect>, StoreError>) {
        let (result, changes) = self.store.unit(f);
        match result {
            Ok(effects) if effects.is_empty() && changes.is_empty() => {}
            Ok(effects) => {
                self.commit(Step { changes, effects, cause: Some(cause), mark: None }, None);
            }
            Err(e) => tracing::error!(error = %e, what, "a scheduled job failed; nothing of it was kept"),
        }
    }

    /// A referral's evidence lookup came back: the referral service decides.
    fn evidence(
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
    fn feed_tested(
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

    /// Tells the moderators that older messages of a room were not read.
    async fn gap_too_large(&self, room_id: &str, read: usize) {
        let Some(mods) = self.directory.room_for(Purpose::Moderators) else { return };
        let name = self.directory.room(room_id).map(|r| r.name.clone()).unwrap_or_else(|| room_id.to_string());
        let notice = Effect::Notice {
            room_id: mods.to_string(),
            mentions: Vec::new(),
            reply: crate::i18n::gap_too_large(self.setup.config.locale, &name, read),
            provenance: crate::effects::Provenance::clear(mods),
            txn_id: crate::effects::txn_id(&format!("gap:{room_id}:{}", self.clock.now_ms()), "notice"),
            thread: None,
            remember: None,
        };
        let cause = Cause::job(&format!("gap:{room_id}:{}", self.clock.now_ms()), mods);
        self.commit(Step::effects(cause, vec![notice]), None);
    }

    fn recorder(&self) -> Recorder<'_> {
        Recorder {
            store: &self.store,
            dir: &self.directory,
            locale: self.setup.config.locale,
            now_ms: self.clock.now_ms(),
        }
    }

    /// A 👍 on a referral card is `!vouch <n>` by the reacting member.
    async fn reaction(
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
            typed: Some(commands::grammar::Command::Vouch { number: n }),
        })
        .await
    }

    fn feed_settings(&self) -> crate::feeds::service::Settings<'_> {
        let f = &self.setup.config.feeds;
        crate::feeds::service::Settings {
            watch: &f.matcher,
            min_cvss_vuln_info: f.min_cvss_vuln_info,
            min_cvss_news: f.min_cvss_news,
        }
    }

    /// Starts a fetch for every feed that is due and not already being fetched.
    fn poll_feeds(&self) {
        let feeds = match crate::feeds::registry::Registry::open(&self.store).and_then(|r| r.all()) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the feeds");
                return;
            }
        };
        let now = self.clock.now_ms();
        for feed in feeds.into_iter().filter(|f| !f.paused && f.state.due(now)) {
            let Ok(mut in_flight) = self.in_flight.lock() else { return };
            if !in_flight.insert(feed.spec.id.clone()) {
                continue;
            }
            drop(in_flight);
            let (tx, client, limits) =
                (self.tx.clone(), self.feed_client.clone(), self.setup.config.feeds.limits.clone());
            tokio::spawn(async move {
                let (fetched, body) =
                    crate::fetch::feed::fetch(&client, &feed.spec.url, &feed.state, &limits, now).await;
                let _ = tx.send(Work::FeedFetched { id: feed.spec.id, fetched, body });
            });
        }
    }

    /// A feed poll came back: the posts, the items now seen and the feed's
    /// new state are one unit; the posts go out through the outbox.
    async fn feed_fetched(&self, id: String, fetched: crate::feeds::poll::Fetched, body: Option<Vec<u8>>) {
        if let Ok(mut in_flight) = self.in_flight.lock() {
            in_flight.remove(&id);
        }
        let rec = self.recorder();
        let settings = self.feed_settings();
        // One lane for every feed: a post that threads under another
        // source's post of the same advisory must come after it.
        let cause = Cause::job(&format!("feed:{id}:{}", rec.now_ms), "feeds");
        self.job(cause, "feed poll", || {
            let Some(polled) = crate::feeds::service::after_fetch(&rec, &settings, &id, fetched, body.as_deref())?
            else {
                return Ok(Vec::new());
            };
            crate::feeds::service::finish(&rec, &polled)?;
            tracing::debug!(feed = %id, posts = polled.plan.as_ref().map_or(0, |p| p.posts.len()), "feed polled");
            Ok(polled.effects)
        });
    }

    /// Referral deadlines, ticket reminders and timed sanctions that are due,
    /// each job one unit with its effects; and feeds due for a poll.
    async fn expire_due(&self) {
        self.poll_feeds();
        let bot = self.setup.config.bot_user_id().to_string();
        let rec = self.recorder();
        let config = &self.setup.config;
        let now = rec.now_ms;
        self.job(Cause::job(&format!("referral-deadlines:{now}"), "scheduler"), "referral deadlines", || {
            crate::referral::due(
                self.recorder(),
                &config.referrals.rule,
                &self.setup.rules,
                &config.command_prefix,
                &bot,
            )
        });
        self.job(Cause::job(&format!("ticket-reminders:{now}"), "scheduler"), "ticket reminders", || {
            let mut effects = Vec::new();
            for (n, reminder) in crate::tickets::due(&rec, config.tickets.ack_within_ms)? {
                effects.extend(reminder);
                crate::tickets::reminded(&rec, n, &bot)?;
            }
            Ok(effects)
        });
        self.job(Cause::job(&format!("expiries:{now}"), "scheduler"), "expiries", || {
            let mut effects = Vec::new();
            for expiry in scheduler::due(&rec, &bot)? {
                effects.extend(expiry.effects);
                scheduler::finish(&rec, &expiry.key, &bot)?;
                tracing::info!(sanction = %expiry.key, "timed sanction lifted");
            }
            Ok(effects)
        });
    }

    /// A message: a log share, a log in the wrong room, or a command. The
    /// step marks it handled whatever it was.
    async fn handle(&self, msg: Incoming) -> Step {
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
    async fn served(&self, room_id: &RoomId) -> Option<Option<crate::config::purpose::Purpose>> {
        if let Some(info) = self.directory.room(room_id.as_str()) {
            // Space and category rooms have no purpose and take no commands.
            return info.purpose.map(Some);
        }
        let room = self.client.get_room(room_id)?;
        let direct = room.joined_members_count() <= 2 && room.active_members_count() <= 2;
        direct.then_some(None)
    }

    async fn handle_command(&self, msg: &Incoming, purpose: Option<crate::config::purpose::Purpose>) -> Option<Step> {
        let config = &self.setup.config;
        if msg.typed.is_none() && !msg.body.trim_start().starts_with(config.command_prefix.as_str()) {
            return None;
        }
        let queued_us = msg.received.elapsed().as_micros();
        let role = roles::resolve(self.sender_facts(&msg.sender).await);
        let facts_us = msg.received.elapsed().as_micros();
        let lookups = self.lookups(msg).await;
        let bot = config.bot_user_id();
        let inv = Invocation {
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
            layout: &self.setup.layout,
            bot: bot.as_str(),
            store: &self.store,
            sealer: &self.sealer,
            directory: &self.directory,
            lookups: &lookups,
            referrals: &config.referrals,
            rules: &self.setup.rules,
            logs: &config.logs,
            keyed: &self.keyed,
            tickets: &config.tickets,
        };
        let (dispatched, changes) = self.store.unit(|| match &msg.typed {
            Some(command) => Some(commands::dispatch_typed(&inv, command.clone())),
            None => commands::dispatch(&inv, &msg.body),
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

    /// A message sync could not decrypt. Tried once more (the key may have
    /// come since, and matrix-sdk asks the key backup); still unreadable, it
    /// waits for its key, and its sender is told why (after `KEY_GRACE` if
    /// the key may yet come).
    async fn undecryptable(
        &self,
        room_id: OwnedRoomId,
        event_id: OwnedEventId,
        sender: OwnedUserId,
        session_id: String,
        raw: Raw<OriginalSyncRoomEncryptedEvent>,
    ) -> Step {
        if self.store.processed_events.contains(event_id.as_str()).unwrap_or(true)
            || self.served(&room_id).await.is_none()
        {
            return Step::default();
        }
        let Some(room) = self.client.get_room(&room_id) else { return Step::default() };
        let reason = match room.decrypt_event(&raw, None).await {
            Ok(ev) => match &ev.kind {
                TimelineEventKind::UnableToDecrypt { utd_info, .. } => reason_of(&utd_info.reason),
                _ => {
                    return match incoming_decrypted(&ev, &room_id) {
                        Some(msg) => self.handle(msg).await,
                        None => Step::default(),
                    };
                }
            },
            Err(e) => {
                tracing::warn!(room = %room_id, event = %event_id, error = %e, "cannot decrypt a message");
                Reason::Broken
            }
        };
        self.metrics.undecryptable(reason.label());
        tracing::info!(room = %room_id, event = %event_id, reason = reason.label(), "a message could not be decrypted");
        let pending = Pending {
            room_id: room_id.to_string(),
            sender: sender.to_string(),
            session_id,
            since_ms: self.clock.now_ms(),
            reason,
        };
        if let Err(e) = self.undecryptable.add(event_id.as_str(), &pending) {
            tracing::error!(error = %e, "cannot record an undecryptable message");
        }
        if reason.may_resolve() {
            if reason == Reason::SenderNotTrusted {
                self.refresh_keys_of(&sender);
            } else {
                self.fetch_from_backup(&room_id, &pending.session_id);
            }
            let tx = self.tx.clone();
            tokio::spawn(async move {
                tokio::time::sleep(KEY_GRACE).await;
                let _ = tx.send(Work::StillUndecryptable { event_id: event_id.to_string() });
            });
            Step::default()
        } else {
            self.tell_undecryptable(event_id.as_str())
        }
    }

    /// Looks for a missing room key in the key backup, in the background; a
    /// key found there arrives like any other (`Work::KeysArrived`).
    fn fetch_from_backup(&self, room_id: &RoomId, session_id: &str) {
        let (client, room_id, session_id) = (self.client.clone(), room_id.to_owned(), session_id.to_string());
        tokio::spawn(async move { key_from_backup(&client, &room_id, &session_id).await });
    }

    /// Asks the homeserver for a sender's devices and identity again, in the
    /// background: a device just looked up may turn out to be cross-signed.
    fn refresh_keys_of(&self, sender: &UserId) {
        let (client, sender) = (self.client.clone(), sender.to_owned());
        tokio::spawn(async move {
            if let Err(e) = client.encryption().request_user_identity(&sender).await {
                tracing::warn!(error = %e, "cannot look up a sender's keys");
            }
        });
    }

    /// After the wait: one more try (the sender's keys or the room key may
    /// have come meanwhile), else the sender is told.
    async fn still_undecryptable(&self, event_id: &str) {
        let Ok(Some(p)) = self.undecryptable.get(event_id) else { return };
        let step = match self.try_again(event_id, &p).await {
            Some(step) => step,
            None => self.tell_undecryptable(event_id),
        };
        self.commit(step, None);
    }

    /// Decrypts a pending event again; if that worked, what handling it
    /// comes to.
    async fn try_again(&self, event_id: &str, p: &Pending) -> Option<Step> {
        let (Ok(room_id), Ok(id)) = (OwnedRoomId::try_from(p.room_id.as_str()), OwnedEventId::try_from(event_id))
        else {
            let _ = self.undecryptable.done(event_id);
            return None;
        };
        let room = self.client.get_room(&room_id)?;
        let ev = match room.event(&id, None).await {
            Ok(ev) => ev,
            Err(e) => {
                tracing::warn!(room = %room_id, event = %event_id, error = %e, "cannot fetch an undecryptable message");
                return None;
            }
        };
        if matches!(ev.kind, TimelineEventKind::UnableToDecrypt { .. }) {
            return None;
        }
        if let Err(e) = self.undecryptable.done(event_id) {
            tracing::error!(error = %e, "cannot record a decrypted message");
        }
        tracing::info!(room = %room_id, event = %event_id, "a message was decrypted on a later try");
        Some(match incoming_decrypted(&ev, &room_id) {
            Some(msg) => self.handle(msg).await,
            None => Step::default(),
        })
    }

    /// Tells the sender of a message that is still unreadable, once per
    /// sender per run, without any content.
    fn tell_undecryptable(&self, event_id: &str) -> Step {
        let Ok(Some(p)) = self.undecryptable.get(event_id) else { return Step::default() };
        if !self.undecryptable.first_for(&p.sender) {
            return Step::default();
        }
        let bot = self.setup.config.bot_user_id();
        let effect = Effect::Reply {
            room_id: p.room_id.clone(),
            in_reply_to: event_id.to_string(),
            mention: Some(p.sender.clone()),
            reply: crate::i18n::undecryptable(self.setup.config.locale, bot.as_str(), p.reason),
            provenance: crate::effects::Provenance { source_room: p.room_id.clone(), source_encrypted: true },
            txn_id: crate::effects::txn_id(event_id, "undecryptable"),
        };
        Step::effects(Cause::event(&p.room_id, event_id, &p.sender), vec![effect])
    }

    /// Room keys arrived: the messages that waited for them are handled now, once.
    async fn keys_arrived(&self, sessions: Option<Vec<(String, String)>>) {
        let waiting = match &sessions {
            Some(s) => self.undecryptable.waiting_for(s),
            None => self.undecryptable.all(),
        };
        let waiting = match waiting {
            Ok(w) => w,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the messages waiting for keys");
                return;
            }
        };
        for (event_id, p) in waiting {
            let step = self.try_again(&event_id, &p).await;
            let decrypted = step.is_some();
            if let Some(step) = step {
                self.commit(step, None);
            }
            if !decrypted
                && sessions.is_none()
                && p.reason.may_resolve()
                && let Ok(room_id) = OwnedRoomId::try_from(p.room_id.as_str())
            {
                self.fetch_from_backup(&room_id, &p.session_id);
            }
        }
    }

    fn log_ctx(&self) -> logs::share::Ctx<'_> {
        logs::share::Ctx {
            store: &self.store,
            sealer: &self.sealer,
            keyed: &self.keyed,
            settings: &self.setup.config.logs,
            locale: self.setup.config.locale,
            now_ms: self.clock.now_ms(),
        }
    }

    /// A message in the encrypted log-share room that carries a log (a code
    /// block, `!log` with the log after it, or a file): analysed, answered in
    /// its thread. Returns whether it was a share.
    async fn log_share(&self, msg: &Incoming) -> Option<Step> {
        let ctx = self.log_ctx();
        let prefix = &self.setup.config.command_prefix;
        let effects = match &msg.attachment {
            Some(att) => {
                let label = match logs::extract::tlp_option(&msg.body) {
                    Some(Err(bad)) => {
                        let reply = crate::i18n::log_bad_tlp(ctx.locale, &bad);
                        let effect = logs::share::unreadable(msg.room_id.as_str(), msg.event_id.as_str(), reply);
                        return Some(Step { effects: vec![effect], ..Step::default() });
                    }
                    Some(Ok(t)) => Some(t),
                    None => logs::tlp::Tlp::find_in(&msg.body),
                };
                match self.download(att).await {
                    Ok(log) => {
                        let share = logs::share::Share {
                            sender: msg.sender.as_str(),
                            room_id: msg.room_id.as_str(),
                            event_id: msg.event_id.as_str(),
                            thread_root: msg.event_id.as_str(),
                            log: &log,
                            tlp: label,
                        };
                        self.store.unit(|| logs::share::share(&ctx, &share))
                    }
                    Err(why) => (
                        Ok(vec![logs::share::unreadable(
                            msg.room_id.as_str(),
                            msg.event_id.as_str(),
                            crate::i18n::log_unreadable(ctx.locale, &why),
                        )]),
                        Changes::default(),
                    ),
                }
            }
            None => {
                let (shared, changes) = self.store.unit(|| {
                    logs::commands::text_share(
                        &ctx,
                        msg.sender.as_str(),
                        msg.room_id.as_str(),
                        msg.event_id.as_str(),
                        &msg.body,
                        prefix,
                    )
                });
                (shared?, changes)
            }
        };
        let (effects, changes) = effects;
        match effects {
            Ok(effects) => {
                // IDs only: the log and its summary never reach the bot's own log.
                tracing::info!(room = %msg.room_id, event = %msg.event_id, "log share analysed");
                Some(Step { changes, effects, ..Step::default() })
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot record log sightings");
                Some(Step::default())
            }
        }
    }

    /// Downloads (and decrypts) an attachment within the size limit and
    /// unpacks it; the error is said to the member in their language.
    async fn download(&self, att: &Attachment) -> Result<Vec<u8>, String> {
        let limit = self.setup.config.logs.max_bytes;
        let locale = self.setup.config.locale;
        if att.size.is_some_and(|s| s > limit as u64) {
            return Err(crate::i18n::log_too_large(locale, limit));
        }
        let request = MediaRequestParameters { source: att.source.clone(), format: MediaFormat::File };
        let bytes = self.client.media().get_media_content(&request, false).await.map_err(|e| {
            tracing::warn!(error = %e, "cannot download a shared log");
            crate::i18n::log_download_failed(locale)
        })?;
        logs::extract::from_file(&bytes, limit).map_err(|e| crate::i18n::log_extract_error(locale, &e))
    }

    /// The log in a message of the log-share room, for `!log` replies to it.
    async fn shared_log(&self, room_id: &OwnedRoomId, event_id: &str) -> Result<Vec<u8>, String> {
        let locale = self.setup.config.locale;
        let not_log = || crate::i18n::log_not_a_share(locale);
        let room = self.client.get_room(room_id).ok_or_else(not_log)?;
        let id = OwnedEventId::try_from(event_id).map_err(|_| not_log())?;
        let mut event = room.event(&id, None).await.map_err(|_| not_log())?;
        if let TimelineEventKind::UnableToDecrypt { utd_info, .. } = &event.kind
            && utd_info.reason.is_missing_room_key()
            && let Some(session_id) = utd_info.session_id.clone()
            // An older share whose key this device never received (e.g. a
            // crypto store rebuilt from the backup): look in the backup.
            && key_from_backup(&self.client, room_id, &session_id).await
        {
            event = room.event(&id, None).await.map_err(|_| not_log())?;
        }
        let Ok(AnySyncTimelineEvent::MessageLike(AnySyncMessageLikeEvent::RoomMessage(m))) = event.raw().deserialize()
        else {
            return Err(not_log());
        };
        let Some(m) = m.as_original() else { return Err(not_log()) };
        match &m.content.msgtype {
            MessageType::File(file) => self.download(&Attachment::of(file)).await,
            MessageType::Text(text) => {
                let body = strip_reply_fallback(&text.body);
                match logs::extract::from_text(body, &self.setup.config.command_prefix) {
                    Some(Ok(share)) => Ok(share.log.into_bytes()),
                    _ => Ok(body.as_bytes().to_vec()),
                }
            }
            _ => Err(not_log()),
        }
    }

    /// A server log in an unencrypted room is taken down.
    fn log_guard(&self, msg: &Incoming) -> Option<Step> {
        let is_log = match &msg.attachment {
            Some(att) => logs::guard::looks_like_log_file(&att.name, att.mime.as_deref()),
            None => logs::guard::looks_like_log(&msg.body),
        };
        if !is_log {
            return None;
        }
        let effects = logs::guard::take_down(
            msg.room_id.as_str(),
            msg.event_id.as_str(),
            msg.sender.as_str(),
            self.setup.config.locale,
        );
        tracing::info!(room = %msg.room_id, event = %msg.event_id, "log posted in an unencrypted room: taken down");
        Some(Step { effects, ..Step::default() })
    }

    /// What the command needs from the homeserver before it can run: the
    /// message it points at and the role of the user it names.
    async fn lookups(&self, msg: &Incoming) -> Lookups {
        let wanted = commands::wanted(
            &msg.body,
            &self.setup.config.command_prefix,
            msg.room_id.as_str(),
            msg.reply_to.as_ref().map(|e| e.as_str()),
        );
        let mut lookups = Lookups::default();
        if let Some((room, event_id)) = wanted.event
            && let Some(room_id) = self.directory.resolve(&room)
        {
            match self.api.event(&room_id, &event_id).await {
                Ok(Some(ev)) => {
                    let clear_text = ev["type"] == "m.room.message";
                    lookups.event = ev["sender"].as_str().map(|sender| Referenced {
                        room_id: room_id.clone(),
                        event_id: event_id.clone(),
                        sender: sender.to_string(),
                        body: ev["content"]["body"].as_str().filter(|_| clear_text).map(str::to_string),
                    });
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(room = %room_id, error = %e, "cannot fetch a referenced event"),
            }
        }
        if let Some((_, event_id)) = wanted.shared_log {
            lookups.shared_log = Some(self.shared_log(&msg.room_id, &event_id).await);
        }
        if let Some(user) = wanted.user.and_then(|u| UserId::parse(u).ok()) {
            let role: Role = roles::resolve(self.sender_facts(&user).await);
            lookups.user_role = Some(role);
        }
        lookups
    }

    /// Role facts from the Space's room state as synced.
    async fn sender_facts(&self, sender: &OwnedUserId) -> SenderFacts {
        let is_config_admin = self.setup.config.admins.contains(sender);
        let member = match self.client.get_room(&self.space_id) {
            Some(space) => space.get_member_no_sync(sender).await.ok().flatten(),
            None => None,
        };
        let (joined_space, space_power_level) = match member {
            Some(m) => (
                *m.membership() == MembershipState::Join,
                match m.power_level() {
                    UserPowerLevel::Infinite => i64::MAX,
                    UserPowerLevel::Int(i) => i.into(),
                    _ => 0,
                },
            ),
            None => (false, 0),
        };
        SenderFacts { is_config_admin, joined_space, space_power_level }
    }
}

/// Downloads one room key from the key backup; true if it was there.
async fn key_from_backup(client: &Client, room_id: &RoomId, session_id: &str) -> bool {
    let backups = client.encryption().backups();
    if session_id.is_empty() || !backups.are_enabled().await {
        return false;
    }
    match backups.download_room_key(room_id, session_id).await {
        Ok(found) => {
            tracing::debug!(room = %room_id, found, "looked for a room key in the backup");
            found
        }
        Err(e) => {
            tracing::warn!(room = %room_id, error = %e, "cannot read the key backup");
            false
        }
    }
}

/// Why matrix-sdk could not decrypt, in the bot's terms.
fn reason_of(r: &UnableToDecryptReason) -> Reason {
    use undecryptable::Withheld;
    match r {
        UnableToDecryptReason::MissingMegolmSession { withheld_code: None } => Reason::MissingKey,
        UnableToDecryptReason::MissingMegolmSession { withheld_code: Some(code) } => Reason::Withheld(match code {
            WithheldCode::Unverified => Withheld::Unverified,
            WithheldCode::Blacklisted => Withheld::Blacklisted,
            _ => Withheld::Other,
        }),
        UnableToDecryptReason::UnknownMegolmMessageIndex => Reason::UnknownIndex,
        UnableToDecryptReason::SenderIdentityNotTrusted(_) => Reason::SenderNotTrusted,
        _ => Reason::Broken,
    }
}

#[cfg(test)]
mod tests {
    use super::strip_reply_fallback;

    #[test]
    fn reply_fallbacks_are_removed() {
        assert_eq!(strip_reply_fallback("> <@a:x> hello\n> more\n\n!report -- spam"), "!report -- spam");
        assert_eq!(strip_reply_fallback("!report -- spam"), "!report -- spam");
        assert_eq!(strip_reply_fallback("> quote only"), "> quote only");
    }
}
