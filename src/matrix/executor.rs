//! The one place effects are carried out against the homeserver.
//!
//! It enforces the egress rule (nothing derived from an encrypted room goes to
//! an unencrypted one), sends with the effect's deterministic transaction ID
//! (so a retry after a crash is deduplicated by the homeserver), and retries
//! transient failures with backoff. It logs room and event IDs, never content.

use crate::effects::{Effect, EgressRefusal, egress_check};
use crate::metrics::Metrics;
use matrix_sdk::Client;
use matrix_sdk::ruma::events::Mentions;
use matrix_sdk::ruma::events::relation::{InReplyTo, Reply};
use matrix_sdk::ruma::events::room::message::{Relation, RoomMessageEventContent};
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedTransactionId, OwnedUserId};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("the bot is not in room {0}")]
    UnknownRoom(String),
    #[error("malformed identifier in effect: {0}")]
    BadId(String),
    #[error(transparent)]
    Egress(#[from] EgressRefusal),
    #[error("homeserver refused after retries: {0}")]
    Send(String),
}

#[derive(Clone)]
pub struct Executor {
    client: Client,
    metrics: Arc<Metrics>,
}

const ATTEMPTS: u32 = 5;

impl Executor {
    pub fn new(client: Client, metrics: Arc<Metrics>) -> Executor {
        Executor { client, metrics }
    }

    pub async fn execute(&self, effect: &Effect) -> Result<(), ExecError> {
        let result = self.try_execute(effect).await;
        match &result {
            Ok(()) => Metrics::inc(&self.metrics.effects_sent),
            Err(ExecError::Egress(_)) => Metrics::inc(&self.metrics.egress_refused),
            Err(_) => Metrics::inc(&self.metrics.effects_failed),
        }
        result
    }

    async fn try_execute(&self, effect: &Effect) -> Result<(), ExecError> {
        let room_id = OwnedRoomId::try_from(effect.target_room()).map_err(|e| ExecError::BadId(e.to_string()))?;
        let room = self.client.get_room(&room_id).ok_or_else(|| ExecError::UnknownRoom(room_id.to_string()))?;
        let target_encrypted = room.encryption_state().is_encrypted();
        egress_check(effect.provenance(), room_id.as_str(), target_encrypted)?;
        match effect {
            Effect::Reply { in_reply_to, mention, reply, txn_id, .. } => {
                let event_id =
                    OwnedEventId::try_from(in_reply_to.as_str()).map_err(|e| ExecError::BadId(e.to_string()))?;
                let mut content = RoomMessageEventContent::notice_html(reply.plain.clone(), reply.html.clone());
                content.relates_to = Some(Relation::Reply(Reply::new(InReplyTo::new(event_id))));
                if let Some(user) = mention.as_deref().and_then(|u| OwnedUserId::try_from(u).ok()) {
                    content.mentions = Some(Mentions::with_user_ids([user]));
                }
                let txn: OwnedTransactionId = txn_id.as_str().into();
                let mut delay = Duration::from_millis(200);
                let mut last_error = String::new();
                for attempt in 1..=ATTEMPTS {
                    match room.send(content.clone()).with_transaction_id(txn.clone()).await {
                        Ok(_) => return Ok(()),
                        Err(e) => {
                            last_error = e.to_string();
                            tracing::warn!(room = %room_id, attempt, error = %last_error, "send failed; retrying with the same transaction id");
                            tokio::time::sleep(delay).await;
                            delay = (delay * 2).min(Duration::from_secs(10));
                        }
                    }
                }
                Err(ExecError::Send(last_error))
            }
        }
    }
}
