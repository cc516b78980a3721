//! From sync to the command pipeline: each room message is acted on once.
//!
//! matrix-sdk decrypts events during sync and hands them to the event handler,
//! which only queues them; one worker handles the queue in order. An event
//! is marked handled in sled after its effects were carried out, and effects
//! carry deterministic transaction IDs, so a crash between the two repeats a
//! send that the homeserver deduplicates instead of losing or doubling it.

use super::executor::Executor;
use crate::clock::Clock;
use crate::commands::{self, Invocation};
use crate::config::Setup;
use crate::config::purpose::Purpose;
use crate::metrics::Metrics;
use crate::roles::{self, SenderFacts};
use crate::store::Store;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::ruma::events::room::message::{MessageType, OriginalSyncRoomMessageEvent, Relation};
use matrix_sdk::ruma::events::room::power_levels::UserPowerLevel;
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId};
use matrix_sdk::{Client, Room};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// A text message that may be a command.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub room_id: OwnedRoomId,
    pub event_id: OwnedEventId,
    pub sender: OwnedUserId,
    pub body: String,
    pub encrypted: bool,
    /// When the sync handler saw it, to time the bot's own share of a round trip.
    pub received: std::time::Instant,
}

/// Queues every text message from others; handling happens in `Worker`.
pub fn install(client: &Client, tx: mpsc::UnboundedSender<Incoming>) {
    let own = client.user_id().map(|u| u.to_owned());
    client.add_event_handler(move |ev: OriginalSyncRoomMessageEvent, room: Room| {
        let tx = tx.clone();
        let own = own.clone();
        async move {
            if Some(&ev.sender) == own.as_ref() {
                return;
            }
            // Edits are not new commands.
            if matches!(ev.content.relates_to, Some(Relation::Replacement(_))) {
                return;
            }
            let MessageType::Text(text) = &ev.content.msgtype else {
                return;
            };
            let _ = tx.send(Incoming {
                room_id: room.room_id().to_owned(),
                event_id: ev.event_id.clone(),
                sender: ev.sender.clone(),
                body: text.body.clone(),
                encrypted: room.encryption_state().is_encrypted(),
                received: std::time::Instant::now(),
            });
        }
    });
}

pub struct Worker {
    pub client: Client,
    pub setup: Arc<Setup>,
    pub store: Store,
    pub metrics: Arc<Metrics>,
    pub executor: Executor,
    pub clock: Clock,
    /// Room ID → purpose, for the rooms of the layout.
    pub rooms: HashMap<String, Purpose>,
    pub space_id: OwnedRoomId,
}

impl Worker {
    pub async fn run(self, mut rx: mpsc::UnboundedReceiver<Incoming>) {
        while let Some(msg) = rx.recv().await {
            self.handle(msg).await;
        }
    }

    async fn handle(&self, msg: Incoming) {
        match self.store.processed_events.contains(msg.event_id.as_str()) {
            Ok(false) => {}
            Ok(true) => return,
            Err(e) => {
                tracing::error!(error = %e, "cannot read handled-event marks; skipping event");
                return;
            }
        }
        Metrics::inc(&self.metrics.events_handled);
        if let Some(&purpose) = self.rooms.get(msg.room_id.as_str()) {
            self.handle_command(&msg, purpose).await;
        }
        if let Err(e) = self.store.mark_processed(msg.event_id.as_str(), self.clock.now_ms()) {
            tracing::error!(error = %e, event = %msg.event_id, "cannot mark event handled");
        }
    }

    async fn handle_command(&self, msg: &Incoming, purpose: Purpose) {
        let config = &self.setup.config;
        let queued_us = msg.received.elapsed().as_micros();
        let role = roles::resolve(self.sender_facts(&msg.sender).await);
        let facts_us = msg.received.elapsed().as_micros();
        let inv = Invocation {
            sender: msg.sender.as_str(),
            role,
            room_id: msg.room_id.as_str(),
            purpose,
            event_id: msg.event_id.as_str(),
            encrypted: msg.encrypted,
            locale: config.locale,
            prefix: &config.command_prefix,
            layout: &self.setup.layout,
        };
        let Some(dispatched) = commands::dispatch(&inv, &msg.body) else {
            return;
        };
        let name = dispatched.command.unwrap_or("unknown");
        self.metrics.command(name, dispatched.outcome.as_str());
        // Room and event IDs only: message content may come from an encrypted room.
        tracing::info!(room = %msg.room_id, event = %msg.event_id, command = name, outcome = dispatched.outcome.as_str(), "command");
        for effect in &dispatched.effects {
            if let Err(e) = self.executor.execute(effect).await {
                tracing::error!(room = %msg.room_id, event = %msg.event_id, error = %e, "effect not carried out");
            }
        }
        let total = msg.received.elapsed();
        self.metrics.observe_command_latency(total);
        tracing::debug!(event = %msg.event_id, queued_us, facts_us, total_us = total.as_micros(), "command handled");
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

/// Room ID → purpose for every room of the layout (rooms dropped from the
/// layout are no longer served).
pub fn room_purposes(
    store: &Store,
    layout: &crate::config::layout::Layout,
) -> Result<HashMap<String, Purpose>, crate::store::StoreError> {
    Ok(store
        .rooms
        .entries()?
        .into_iter()
        .filter_map(|(key, r)| layout.room(&key).map(|spec| (r.room_id, spec.purpose)))
        .collect())
}
